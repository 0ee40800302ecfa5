//! The HTTP/1.1 server loop: a limit on open connections, a deadline for a
//! request's header, an idle timeout, graceful shutdown, and the peer
//! address on every request (`ConnectInfo`, for the rate limiter).
//!
//! Beyond `max_connections` the loop stops accepting: further connections
//! wait in the kernel's listen backlog (no file descriptor or memory in this
//! process) until an open one closes. Idle and slow connections close on
//! their own timeouts, so waiting ones get their turn.
//!
//! One client address (an IPv6 client's /64 network) may hold at most
//! `max_per_address` of those connections: a further one from it is
//! answered `503` with `Retry-After` and closed at once, so that a client
//! holding thousands of idle sockets fills neither the slots nor the
//! backlog, and other addresses keep their latency.
//!
//! A request that hyper cannot parse never reaches the router: hyper answers
//! it itself with an empty 400, 414 (a target over 65,534 bytes, a limit
//! fixed in hyper) or 431 (more than 100 header fields, or a head over its
//! buffer). Such an answer is rewritten on its way out as the same status
//! with a problem+json body ([`hyper_refusal`]). hyper's header-count limit
//! is left at 100: above that, it allocates for every request.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Most connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Time a client has to send a whole request header, from when the
    /// server starts waiting for it.
    pub header_read_timeout: Duration,
    /// A connection with no request in progress and no bytes moving for
    /// this long is closed.
    pub idle_timeout: Duration,
    /// Most connections one client address (IPv6: one /64 network) may hold
    /// open at once; more are refused.
    pub max_per_address: usize,
}

impl ConnLimits {
    /// The limits the serve options set.
    pub(crate) fn from_args(bounds: &crate::config::BoundsArgs) -> ConnLimits {
        ConnLimits {
            max_connections: bounds.max_connections as usize,
            header_read_timeout: Duration::from_millis(bounds.header_timeout_ms),
            idle_timeout: Duration::from_millis(bounds.idle_timeout_ms),
            max_per_address: bounds.max_connections_per_address as usize,
        }
    }
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_per_address: 128,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open
/// requests finish (idle connections close at once) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_address = Arc::new(PerAddress::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&slots).acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: wait a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(held) = PerAddress::take(&per_address, peer.ip(), limits.max_per_address) else {
            crate::metrics::global().connection_refused();
            refuse(stream);
            drop(permit);
            continue;
        };
        let app = app.clone();
        let stop = stop_rx.clone();
        crate::metrics::global().connection_opened();
        tokio::spawn(async move {
            serve_connection(stream, peer, app, limits, stop).await;
            crate::metrics::global().connection_closed();
            drop(held);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds one permit: having them all back means all done.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = slots.acquire_many(all).await;
}

/// The connections each client address holds.
#[derive(Default)]
struct PerAddress(std::sync::Mutex<std::collections::HashMap<IpAddr, usize>>);

/// One connection counted against its address until dropped.
struct Held {
    table: Arc<PerAddress>,
    key: IpAddr,
}

impl PerAddress {
    /// Counts a connection from `ip`, unless its address holds `max` already.
    fn take(table: &Arc<PerAddress>, ip: IpAddr, max: usize) -> Option<Held> {
        let key = address_key(ip);
        let mut counts = table.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = counts.entry(key).or_default();
        if *n >= max.max(1) {
            return None;
        }
        *n += 1;
        Some(Held { table: Arc::clone(table), key })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut counts = self.table.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = counts.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.key);
            }
        }
    }
}

/// What a client address is counted as: an IPv4 address (an IPv4-mapped
/// IPv6 one as IPv4), or an IPv6 address's /64 network, which one client
/// usually holds whole.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// The answer to a connection over its address's limit: `503` with
/// `Retry-After`, a problem+json body, and `connection: close`.
pub fn over_address_limit() -> &'static [u8] {
    static ANSWER: std::sync::LazyLock<Vec<u8>> = std::sync::LazyLock::new(|| {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "your address holds as many connections to witgis as it may; close some (or reuse \
                       them), then try again",
        })
        .to_string();
        format!(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\nretry-after: 10\r\n\
             connection: close\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    });
    &ANSWER
}

/// Writes [`over_address_limit`] if the socket takes it at once (it is new,
/// so its buffer is empty), and closes it.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(over_address_limit());
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    limits: ConnLimits,
    mut stop: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched { inner: stream, activity: Arc::clone(&activity), rewrite: None });
    let busy = Arc::clone(&activity);
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let guard = Busy::start(Arc::clone(&busy));
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(guard);
            response
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        let idle_until = activity.last() + limits.idle_timeout;
        tokio::select! {
            _ = connection.as_mut() => return,
            () = tokio::time::sleep_until(idle_until) => {
                if activity.in_flight() == 0 && activity.last() + limits.idle_timeout <= Instant::now() {
                    return; // dropping the connection closes the socket
                }
            }
            changed = stop.changed(), if !stopping => {
                if changed.is_err() || *stop.borrow() {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// When bytes last moved on a connection, and how many requests it is
/// answering.
struct Activity {
    origin: Instant,
    last_ms: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity { origin: Instant::now(), last_ms: AtomicU64::new(0), in_flight: AtomicUsize::new(0) }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.origin + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Relaxed)
    }
}

/// Counts a request as in progress until dropped.
struct Busy(Arc<Activity>);

impl Busy {
    fn start(activity: Arc<Activity>) -> Busy {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        Busy(activity)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A socket that notes when bytes move, and gives hyper's own refusals a
/// problem+json body (see [`hyper_refusal`]).
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
    rewrite: Option<Rewrite>,
}

/// A refusal being written in place of hyper's empty one.
struct Rewrite {
    bytes: Vec<u8>,
    written: usize,
    /// The length of hyper's answer, reported written once all is.
    replaces: usize,
}

/// hyper's own answer to a request it could not parse, as the same status
/// with a problem+json body: `head` is a whole response head of status 400,
/// 414 or 431 with `content-length: 0` and no `content-type`, which the
/// router's answers never are (every error of theirs is problem+json).
pub fn hyper_refusal(head: &[u8]) -> Option<Vec<u8>> {
    if !head.starts_with(b"HTTP/1.1 4") || !head.ends_with(b"\r\n\r\n") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let lower = text.to_ascii_lowercase();
    let empty = lower.find("\r\ncontent-length: 0\r\n")?;
    if lower.contains("\r\ncontent-type:") {
        return None;
    }
    let status = axum::http::StatusCode::from_bytes(text.get(9..12)?.as_bytes()).ok()?;
    let detail = match status.as_u16() {
        400 => "the request is not well-formed HTTP/1.1 (its request line or a header could not be read)"
            .to_owned(),
        414 => format!(
            "the address is longer than the server can read; witgis accepts at most {} bytes (ask for fewer \
             things at once)",
            super::guard::MAX_URI_BYTES
        ),
        431 => format!(
            "the request's headers are too large; witgis accepts at most {} fields and {} bytes",
            super::guard::MAX_HEADERS,
            super::guard::MAX_HEADER_BYTES
        ),
        _ => return None,
    };
    let body = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
    })
    .to_string();
    let at = empty + 2; // the start of the content-length line
    let rest = &text[at + "content-length: 0\r\n".len()..];
    let mut out = String::with_capacity(head.len() + body.len() + 64);
    out.push_str(&text[..at]);
    out.push_str(&format!("content-type: application/problem+json\r\ncontent-length: {}\r\n", body.len()));
    out.push_str(rest);
    out.push_str(&body);
    Some(out.into_bytes())
}

impl Watched {
    /// Starts a rewrite when `buf` is one of hyper's refusals.
    fn inspect(&mut self, buf: &[u8]) {
        if self.rewrite.is_none() {
            if let Some(bytes) = hyper_refusal(buf) {
                self.rewrite = Some(Rewrite { bytes, written: 0, replaces: buf.len() });
            }
        }
    }

    /// Writes the rewrite under way; done, reports hyper's bytes written.
    fn poll_rewrite(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<usize>> {
        while let Some(r) = &mut self.rewrite {
            if r.written == r.bytes.len() {
                let replaced = r.replaces;
                self.rewrite = None;
                self.activity.touch();
                return Poll::Ready(Ok(replaced));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &r.bytes[r.written..]) {
                Poll::Ready(Ok(0)) => {
                    self.rewrite = None;
                    return Poll::Ready(Ok(0));
                }
                Poll::Ready(Ok(n)) => r.written += n,
                Poll::Ready(Err(e)) => {
                    self.rewrite = None;
                    return Poll::Ready(Err(e));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(0))
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.inspect(buf);
        if this.rewrite.is_some() {
            return this.poll_rewrite(cx);
        }
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        // hyper's refusal is a head alone, in one buffer.
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next()) {
            this.inspect(only);
        }
        if this.rewrite.is_some() {
            return this.poll_rewrite(cx);
        }
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::{address_key, hyper_refusal, over_address_limit};

    #[test]
    fn addresses_are_counted_by_client() {
        let key = |s: &str| address_key(s.parse().expect("an address")).to_string();
        assert_eq!(key("203.0.113.9"), "203.0.113.9");
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9", "IPv4-mapped is IPv4");
        assert_eq!(key("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), key("2001:db8:1:2::7"), "one /64");
        assert_ne!(key("2001:db8:1:2::7"), key("2001:db8:1:3::7"));
    }

    #[test]
    fn the_refusal_over_an_address_limit_is_a_whole_problem() {
        let text = std::str::from_utf8(over_address_limit()).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 503 ") && head.contains("\r\nretry-after: 10"), "{head}");
        assert!(head.contains(&format!("\r\ncontent-length: {}", body.len())), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(json["status"], 503);
    }

    #[test]
    fn only_hyper_s_empty_refusals_are_rewritten() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 03:00:00 GMT\r\n\r\n";
        let out = String::from_utf8(hyper_refusal(head).expect("rewritten")).expect("text");
        let (head, body) = out.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 431 ") && head.contains("\r\ndate: Mon"), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let json: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(json["status"], 431);
        // Answers of the router's (a content-type) and others are left alone.
        let ours =
            b"HTTP/1.1 404 Not Found\r\ncontent-type: application/problem+json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_refusal(ours), None);
        assert_eq!(hyper_refusal(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"), None);
        assert_eq!(hyper_refusal(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"), None);
    }
}
