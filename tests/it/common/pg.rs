//! A throwaway PostgreSQL + PostGIS cluster: `initdb` into a temporary
//! directory (as the `postgres` user when run as root), a free port, and
//! `CREATE EXTENSION postgis` in `template1` so every test database has it.
//! Removed on drop; the shared cluster of a test binary is removed by a
//! watchdog process when the test process ends (statics are never dropped),
//! even after a panic or a kill.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection as _;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running throwaway cluster.
pub struct Cluster {
    dir: PathBuf,
    /// The TCP port it listens on (127.0.0.1).
    pub port: u16,
    stopped: bool,
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL program, as `postgres` when we are root.
fn pg_command(program: &str) -> Command {
    let path = format!("{BIN}/{program}");
    let mut command = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", &path]);
        c
    } else {
        Command::new(path)
    };
    command.stdin(Stdio::null());
    command
}

fn run(mut command: Command, what: &str) {
    let out = command.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Cluster {
    /// initdb, start, and install PostGIS into `template1`.
    pub fn start() -> Cluster {
        let dir = tempfile::Builder::new().prefix("witgis-pg-").tempdir().unwrap().keep();
        if is_root() {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["-R", "postgres:postgres"]).arg(&dir);
                    c
                },
                "chown",
            );
        }
        let mut initdb = pg_command("initdb");
        initdb.args(["-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "-D"]);
        initdb.arg(dir.join("data"));
        run(initdb, "initdb");
        let cluster = Cluster { dir, port: free_port(), stopped: true };
        let mut cluster = cluster;
        cluster.resume();
        let mut psql = Command::new("psql");
        psql.args(["-X", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "template1", "-p"])
            .arg(cluster.port.to_string())
            .args(["-c", "CREATE EXTENSION postgis"]);
        run(psql, "CREATE EXTENSION postgis");
        cluster
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The URL of a database in this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// `pg_ctl stop -m fast`: the database goes away.
    pub fn stop(&mut self) {
        let mut c = pg_command("pg_ctl");
        c.args(["-w", "-m", "fast", "-D"]).arg(self.data()).arg("stop");
        run(c, "pg_ctl stop");
        self.stopped = true;
    }

    /// Starts (again) on the same port and data.
    pub fn resume(&mut self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off \
             -c synchronous_commit=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let mut c = pg_command("pg_ctl");
        c.args(["-w", "-D"])
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("log"))
            .args(["-o", &options, "start"]);
        run(c, "pg_ctl start");
        self.stopped = false;
    }

    /// Removes the cluster when this process ends, whatever happens: a
    /// detached watchdog outlives us on purpose, so it is never waited for.
    #[allow(clippy::zombie_processes)]
    fn watch(&self) {
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{dir}'",
            pid = std::process::id(),
            stop = stop_command(&self.data()),
            dir = self.dir.display()
        );
        Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
    }
}

fn stop_command(data: &Path) -> String {
    let runuser = if is_root() { "runuser -u postgres -- " } else { "" };
    format!("{runuser}{BIN}/pg_ctl -D '{}' -m immediate stop >/dev/null 2>&1", data.display())
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = Command::new("sh").args(["-c", &stop_command(&self.data())]).status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The cluster this test binary shares between its tests.
pub fn shared() -> &'static Cluster {
    static SHARED: OnceLock<Cluster> = OnceLock::new();
    SHARED.get_or_init(|| {
        let cluster = Cluster::start();
        cluster.watch();
        cluster
    })
}

/// `DATABASE_URL` when it names a PostgreSQL server, else the shared
/// throwaway cluster's `postgres` database.
pub fn admin_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => shared().url("postgres"),
    }
}

/// Creates an empty database next to `admin_url`'s and returns its URL.
pub async fn fresh_database(admin_url: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("witgis_test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
    let mut admin = sqlx::PgConnection::connect(admin_url).await.unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.unwrap();
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(&name);
    url.to_string()
}
