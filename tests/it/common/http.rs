//! A minimal HTTP/1.1 client over a TCP stream, and the witgis binary
//! running as a server on a free port.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A response: status, headers (lowercase names) and body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// The first header with this (lowercase) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// Sends one request (`Connection: close`) and reads the whole reply.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<Reply> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    // A bound only so that a hung server fails the test instead of hanging
    // it; never a speed asserted.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(parse_reply(&raw))
}

/// A whole HTTP/1.1 reply as read from a socket: status, headers, body
/// (de-chunked).
pub fn parse_reply(raw: &[u8]) -> Reply {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Reply { status, headers, body }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A `witgis serve` process; killed when dropped.
pub struct Server {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl Server {
    /// Starts the binary on a free port against `database_url` and waits
    /// until it answers; its log goes to `log`.
    pub fn start(database_url: &str, log: &Path) -> Server {
        Server::start_logging(database_url, log, "info")
    }

    /// Like [`Server::start`], logging at `filter` (a `RUST_LOG` value).
    pub fn start_logging(database_url: &str, log: &Path, filter: &str) -> Server {
        Server::start_with(database_url, log, filter, &[])
    }

    /// Like [`Server::start_logging`], with more `serve` arguments.
    pub fn start_with(database_url: &str, log: &Path, filter: &str, extra: &[&str]) -> Server {
        let port = super::pg::free_port();
        let file = std::fs::File::create(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_witgis"))
            .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--database-url", database_url])
            .args(extra)
            .env("RUST_LOG", filter)
            // Unoptimised test builds compute ten times slower than release.
            .env("WITGIS_QUERY_BUDGET_MS", "600000")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut server = Server { child, port };
        let started = Instant::now();
        while request(port, "GET", "/healthz", &[], "").is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("server exited ({status}): {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "server did not start; see {}",
                log.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// A request to this server; panics when it does not answer.
    pub fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        request(self.port, method, path, headers, body).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `witgis token create` and returns the printed token.
pub fn create_token(database_url: &str, role: &str, name: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["token", "create", "--role", role, "--name", name, "--database-url", database_url])
        .output()
        .unwrap();
    assert!(out.status.success(), "token create: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// How long `eventually` waits at most: a bound only so that a broken build
/// fails instead of hanging, far above what any machine needs. No test here
/// asserts a speed; how long things took is printed, never checked.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// Polls until `check` holds, returning how long it took; panics after
/// `PATIENCE`.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    loop {
        if check() {
            return started.elapsed();
        }
        assert!(started.elapsed() < PATIENCE, "{what}: not within {PATIENCE:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
