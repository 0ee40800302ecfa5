//! A remote archive read with HTTP range requests (the project's
//! hyper/rustls client, as the geocoder's): one `bytes=START-END` range per
//! request, refused unless the server answers exactly that range of the
//! same file (`206`, its `Content-Range`, and `If-Range` on its `ETag`).

use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::header::{CONTENT_RANGE, ETAG, HeaderValue, IF_RANGE, LAST_MODIFIED, RANGE, USER_AGENT};
use hyper::{Request, StatusCode};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::Url;

/// Longest wait for an answer's head or for its next bytes.
const STALL: Duration = Duration::from_secs(60);

/// What identifies one version of the remote file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Version {
    /// Its total length.
    pub length: u64,
    /// Its `ETag`, when the server gives one.
    pub etag: Option<String>,
    /// Its `Last-Modified`, when given.
    pub last_modified: Option<String>,
}

/// The remote archive.
pub struct Remote {
    url: Url,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    version: Option<Version>,
    retries: u32,
}

/// Why one request failed, and whether asking again may help (a dropped
/// connection, a stall, a 5xx or 429) or not (a 404, another file).
struct Failure {
    message: String,
    retry: bool,
}

impl Failure {
    fn fatal(message: String) -> Failure {
        Failure { message, retry: false }
    }

    fn passing(message: String) -> Failure {
        Failure { message, retry: true }
    }
}

impl Remote {
    /// A client for `url` that asks again up to `retries` times after a
    /// passing failure (waiting 1, 2, 4… s, at most 30), resuming at the
    /// byte reached; nothing is asked yet.
    pub fn new(url: Url, retries: u32) -> Remote {
        let connector =
            HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Remote { url, client, version: None, retries }
    }

    /// The file's version, once a first range has been read.
    pub fn version(&self) -> Option<&Version> {
        self.version.as_ref()
    }

    /// Reads bytes `start..start + len` (fewer when the file ends first),
    /// handing each piece to `sink` as it arrives; `say` hears of retries.
    pub async fn read_into(
        &mut self,
        start: u64,
        len: u64,
        mut sink: impl FnMut(&[u8]) -> Result<(), String>,
        say: &dyn Fn(&str),
    ) -> Result<(), String> {
        let mut got = 0u64;
        let mut attempt = 0u32;
        loop {
            match self.read_once(start + got, len - got, &mut sink, &mut got).await {
                Ok(()) => return Ok(()),
                Err(f) if f.retry && attempt < self.retries => {
                    let wait = Duration::from_secs((1u64 << attempt.min(5)).min(30));
                    attempt += 1;
                    say(&format!(
                        "{}; asking again in {} s ({attempt} of {})",
                        f.message,
                        wait.as_secs(),
                        self.retries
                    ));
                    tokio::time::sleep(wait).await;
                }
                Err(f) if f.retry => {
                    return Err(format!("{}: run the command again to resume", f.message));
                }
                Err(f) => return Err(f.message),
            }
        }
    }

    /// One request for `start..start + len`; `got` counts the bytes handed on.
    async fn read_once(
        &mut self,
        start: u64,
        len: u64,
        sink: &mut impl FnMut(&[u8]) -> Result<(), String>,
        got_total: &mut u64,
    ) -> Result<(), Failure> {
        if len == 0 {
            return Ok(());
        }
        let end = start + len - 1;
        let mut request = Request::get(self.url.as_str())
            .header(RANGE, format!("bytes={start}-{end}"))
            .header(USER_AGENT, concat!("witgis/", env!("CARGO_PKG_VERSION"), " (basemap fetch)"));
        if let Some(tag) = self.version.as_ref().and_then(|v| v.etag.as_deref()) {
            if !tag.starts_with("W/") {
                request = request.header(IF_RANGE, tag);
            }
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| Failure::fatal(format!("cannot build the request: {e}")))?;
        let response = tokio::time::timeout(STALL, self.client.request(request))
            .await
            .map_err(|_| {
                Failure::passing(format!("{} did not answer within {} s", self.shown(), STALL.as_secs()))
            })?
            .map_err(|e| Failure::passing(format!("cannot reach {}: {e}", self.shown())))?;
        let status = response.status();
        let text = |name| response.headers().get(name).and_then(|v: &HeaderValue| v.to_str().ok());
        let found = Version {
            length: 0,
            etag: text(ETAG).map(str::to_owned),
            last_modified: text(LAST_MODIFIED).map(str::to_owned),
        };
        let range = match status {
            StatusCode::PARTIAL_CONTENT => {
                text(CONTENT_RANGE).and_then(parse_content_range).ok_or_else(|| {
                    Failure::fatal(format!("{} answered 206 without a valid Content-Range", self.shown()))
                })?
            }
            StatusCode::OK if self.version.is_some() => {
                return Err(Failure::fatal(format!(
                    "{} changed since the fetch began (it answered the whole file to a range of the \
                     version it had): run the command again to start over",
                    self.shown()
                )));
            }
            StatusCode::OK => {
                return Err(Failure::fatal(format!(
                    "{} does not serve byte ranges (it answered 200 to a range request); \
                     basemap fetch needs a server that does, such as build.protomaps.com",
                    self.shown()
                )));
            }
            StatusCode::NOT_FOUND => {
                return Err(Failure::fatal(format!("{} does not exist (404)", self.shown())));
            }
            StatusCode::RANGE_NOT_SATISFIABLE => {
                return Err(Failure::fatal(format!(
                    "{} is shorter than its header says (416 for bytes {start}-{end})",
                    self.shown()
                )));
            }
            other => {
                let message = format!("{} answered HTTP {}", self.shown(), other.as_u16());
                let passing = other.is_server_error() || other == StatusCode::TOO_MANY_REQUESTS;
                return Err(Failure { message, retry: passing });
            }
        };
        let (got_start, got_end, total) = range;
        if got_start != start || got_end > end || (got_end < end && got_end + 1 != total) {
            return Err(Failure::fatal(format!(
                "{} answered bytes {got_start}-{got_end} to a request for {start}-{end}",
                self.shown()
            )));
        }
        let found = Version { length: total, ..found };
        match &self.version {
            None => self.version = Some(found),
            Some(known)
                if known.length != total
                    || (known.etag.is_some() && found.etag.is_some() && known.etag != found.etag) =>
            {
                return Err(Failure::fatal(format!(
                    "{} changed since the fetch began: run the command again to start over",
                    self.shown()
                )));
            }
            Some(_) => {}
        }
        let want = got_end - got_start + 1;
        let mut body = response.into_body();
        let mut got = 0u64;
        while got < want {
            let frame = tokio::time::timeout(STALL, body.frame()).await.map_err(|_| {
                Failure::passing(format!("{} stalled for {} s", self.shown(), STALL.as_secs()))
            })?;
            let Some(frame) = frame else { break };
            let frame = frame
                .map_err(|e| Failure::passing(format!("the connection to {} broke ({e})", self.shown())))?;
            if let Ok(data) = frame.into_data() {
                let take = usize::try_from((want - got).min(data.len() as u64)).unwrap_or(data.len());
                sink(&data[..take]).map_err(Failure::fatal)?;
                got += take as u64;
                *got_total += take as u64;
            }
        }
        if got < want {
            return Err(Failure::passing(format!(
                "the connection to {} ended after {got} of {want} bytes",
                self.shown()
            )));
        }
        Ok(())
    }

    /// Reads bytes `start..start + len` into memory.
    pub async fn read(&mut self, start: u64, len: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(64 << 20));
        self.read_into(
            start,
            len,
            |b| {
                out.extend_from_slice(b);
                Ok(())
            },
            &|_| {},
        )
        .await?;
        Ok(out)
    }

    /// The URL without credentials or query (an API key), for messages.
    pub fn shown(&self) -> String {
        let u = &self.url;
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{}{port}{}", u.scheme(), u.host_str().unwrap_or(""), u.path())
    }
}

/// Parses `Content-Range: bytes START-END/TOTAL`.
pub fn parse_content_range(v: &str) -> Option<(u64, u64, u64)> {
    let (range, total) = v.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, total) = (a.parse().ok()?, b.parse().ok()?, total.parse().ok()?);
    (a <= b && b < total).then_some((a, b, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 0-16383/90000"), Some((0, 16383, 90000)));
        assert_eq!(parse_content_range("bytes 5-4/90"), None);
        assert_eq!(parse_content_range("bytes 0-90/90"), None);
        assert_eq!(parse_content_range("bytes */90"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }
}
