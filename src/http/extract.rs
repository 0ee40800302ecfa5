//! Extractors whose rejections are our problem+json errors, never axum's
//! plain text: the caller's token, a resource id in the path, a JSON body,
//! and the `If-Match` precondition.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde_json::Value;

use super::error::{ApiError, InvalidParam};
use crate::auth::{Role, hash_token};
use crate::service::Service;
use crate::state::AppState;

/// Who is calling: the name and role of a valid bearer token.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The token's name, recorded as the author of changes.
    pub name: String,
    /// What the token may do.
    pub role: Role,
}

impl Caller {
    /// Refuses (403) a caller whose role is below `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the role '{role}' or higher; the token '{}' has '{}'",
                self.name, self.role
            )))
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Caller, ApiError> {
        let missing = || {
            ApiError::Unauthorized(
                "this needs a token: send 'Authorization: Bearer TOKEN' (an admin creates tokens with \
                 'witgis token create')"
                    .into(),
            )
        };
        let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(missing)?;
        let value = value.to_str().map_err(|_| missing())?;
        let token = match value.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
                token.trim()
            }
            _ => return Err(missing()),
        };
        let peer = peer(parts);
        let now = state.now();
        if let Err(seconds) = state.limits().failed_tokens.check(peer, now) {
            return Err(ApiError::TooManyRequests(
                format!("too many failed token attempts from your address; try again in {seconds} s"),
                seconds,
            ));
        }
        let info = Service::new(Arc::clone(state)).token(&hash_token(token)).await?;
        let refused = |reason: &str| {
            // Never the token itself: only where the attempt came from.
            tracing::warn!(peer = ?peer, reason, "failed token attempt");
            let _ = state.limits().failed_tokens.take(peer, now);
        };
        match info {
            None => {
                refused("unknown or revoked");
                Err(ApiError::Unauthorized("the token is unknown or has been revoked".into()))
            }
            Some(info) if info.expired(now) => {
                refused("expired");
                Err(ApiError::Unauthorized(format!(
                    "the token '{}' expired at {}; an admin creates a new one with 'witgis token create'",
                    info.name,
                    info.expires_at.unwrap_or_default()
                )))
            }
            Some(info) => Ok(Caller { name: info.name, role: info.role }),
        }
    }
}

/// The client's address, when the server knows it.
pub fn peer(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// The `{id}` of a resource path.
pub struct ResourceId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ResourceId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ResourceId, ApiError> {
        let Path(id) = Path::<String>::from_request_parts(parts, state).await.map_err(|e| {
            ApiError::InvalidParams(vec![InvalidParam { name: "id".into(), reason: e.body_text() }])
        })?;
        Ok(ResourceId(id))
    }
}

/// A request body with its media type (without parameters, lowercase),
/// not yet read: it is read by [`Body::json`], after the handler has
/// checked the caller's role from the headers, so that a caller without the
/// role never gets to hold a connection open with a slow body. Reading
/// stops at [`MAX_BODY_BYTES`] (413) and at [`BODY_TIMEOUT`] (408).
pub struct Body {
    media: Option<String>,
    body: axum::body::Body,
}

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Body, ApiError> {
        let media = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase());
        Ok(Body { media, body: req.into_body() })
    }
}

/// Largest body accepted (axum's default limit).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Time a whole request body may take to arrive, from when the handler
/// starts reading it: 2 MiB in 20 s is 100 KiB/s, while the bodies people
/// send (a record, a patch, a demand request) are a few KiB.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

impl Body {
    /// The body as JSON, if its media type is one of `accepted` (checked
    /// before a byte is read).
    pub async fn json(self, accepted: &[&str]) -> Result<Value, ApiError> {
        if !self.media.as_deref().is_some_and(|m| accepted.contains(&m)) {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the body must be sent with Content-Type {} (got {})",
                accepted.join(" or "),
                self.media.as_deref().unwrap_or("none")
            )));
        }
        let bytes = read(self.body, MAX_BODY_BYTES, BODY_TIMEOUT).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadBody(format!("the body is not valid JSON: {e}")))
    }
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
pub async fn read(
    body: axum::body::Body,
    limit: usize,
    timeout: std::time::Duration,
) -> Result<Bytes, ApiError> {
    read_until(body, limit, tokio::time::sleep(timeout), timeout.as_secs()).await
}

/// Reads a whole body of at most `limit` bytes unless `deadline` comes
/// first (then a 408 saying `seconds`).
pub async fn read_until(
    body: axum::body::Body,
    limit: usize,
    deadline: impl std::future::Future<Output = ()>,
    seconds: u64,
) -> Result<Bytes, ApiError> {
    let result = tokio::select! {
        biased;
        result = axum::body::to_bytes(body, limit) => result,
        () = deadline => return Err(ApiError::BodyTimeout(seconds)),
    };
    result.map_err(|e| {
        let too_large =
            std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::PayloadTooLarge(limit)
        } else {
            ApiError::BadBody(format!("could not read the request body: {e}"))
        }
    })
}

/// The version named by `If-Match`: `None` when the header is absent; a
/// value that names no version (or `*`) matches none and fails with 412.
pub fn if_match(headers: &HeaderMap) -> Option<i64> {
    let value = headers.get(header::IF_MATCH)?;
    let parsed = value.to_str().ok().and_then(|v| {
        let v = v.trim();
        let v = v.strip_prefix("W/").unwrap_or(v);
        v.strip_prefix("\"v")?.strip_suffix('"')?.parse::<i64>().ok()
    });
    Some(parsed.unwrap_or(-1))
}

/// Like [`if_match`], but the header is required (428 when absent).
pub fn required_if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    if_match(headers).ok_or(ApiError::PreconditionRequired)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use axum::body::Bytes;
    use axum::http::StatusCode;
    use axum::response::IntoResponse as _;
    use futures_util::StreamExt as _;

    use super::*;

    /// A body that sends `{` and then nothing more, ever, noting when it
    /// has been polled past that.
    fn stalled() -> (axum::body::Body, Arc<AtomicBool>) {
        let waiting = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&waiting);
        let first = futures_util::stream::once(async { Ok::<_, std::io::Error>(Bytes::from_static(b"{")) });
        let rest = futures_util::stream::poll_fn(move |_| {
            seen.store(true, Ordering::SeqCst);
            std::task::Poll::Pending
        });
        (axum::body::Body::from_stream(first.chain(rest)), waiting)
    }

    /// Issue 39 (D1): a body that stops arriving was waited for forever.
    /// The deadline is injected: it comes once the reader waits for more.
    #[tokio::test]
    async fn a_body_that_stops_arriving_is_a_408() {
        let (body, waiting) = stalled();
        let deadline = {
            let waiting = Arc::clone(&waiting);
            std::future::poll_fn(move |cx| {
                if waiting.load(Ordering::SeqCst) {
                    std::task::Poll::Ready(())
                } else {
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                }
            })
        };
        let err = read_until(body, MAX_BODY_BYTES, deadline, 20).await.unwrap_err();
        assert!(matches!(err, ApiError::BodyTimeout(20)), "{err:?}");
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(response.headers()[header::CONNECTION], "close");
        // A whole body within the deadline is read; one too large is a 413.
        let got = read_until(axum::body::Body::from("{}"), 10, std::future::pending(), 20).await.unwrap();
        assert_eq!(&got[..], b"{}");
        let err = read_until(axum::body::Body::from("x".repeat(11)), 10, std::future::pending(), 20).await;
        assert!(matches!(err, Err(ApiError::PayloadTooLarge(10))), "{err:?}");
    }
}
