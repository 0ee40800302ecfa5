//! Refusals from the HTTP layer itself, as problem+json: a request line or
//! header section larger than we accept (414, 431) is refused here, before
//! any handler, and any error answer that is not already a problem (an
//! extractor's plain text, an empty body) is rewritten as one.
//!
//! hyper has larger limits of its own (64 KiB for the target, about 400 KiB
//! for the whole head); ours are lower, so that every request a person sends
//! meets ours first and gets an answer they can read.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use super::error::{ApiError, problem};
use crate::state::AppState;

/// Longest request target (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Largest header section accepted (names and values), in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Most header fields accepted.
pub const MAX_HEADERS: usize = 64;

/// Every check of this module in one layer (one layer costs a boxed
/// future and a clone of the service below it on every request): refuses
/// oversized requests ([`oversized`]), limits writes and the demand log
/// ([`throttled`]), and rewrites any error answer below as a problem
/// ([`as_problem`]).
pub async fn gate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if let Some(refusal) = oversized(&request).or_else(|| throttled(&state, &request)) {
        return refusal;
    }
    as_problem(next.run(request).await)
}

/// The refusal of a request target or header section over our limits.
pub fn oversized(request: &Request) -> Option<Response> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return Some(problem(
            StatusCode::URI_TOO_LONG,
            format!(
                "the address is {target} bytes long; witgis accepts at most {MAX_URI_BYTES} (ask for fewer things at once)"
            ),
            None,
        ));
    }
    let headers = request.headers();
    let size: usize = headers.iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
    if size > MAX_HEADER_BYTES || headers.len() > MAX_HEADERS {
        return Some(problem(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request's headers are too large ({} fields, {size} bytes); witgis accepts at most \
                 {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes",
                headers.len()
            ),
            None,
        ));
    }
    None
}

/// Whether a request is a write (through `/api` or OGC API Part 4 under
/// `/ogcapi`, sharing one allowance) or reaches the demand log.
fn is_limited(request: &Request) -> bool {
    let path = request.uri().path();
    let read = matches!(request.method().as_str(), "GET" | "HEAD" | "OPTIONS");
    path.starts_with("/api/demand")
        || path == "/api/coverage/demand"
        || (!read && (path.starts_with("/api/resources") || path.starts_with("/ogcapi")))
}

/// The `429` (with `Retry-After`) of a write or demand-log request from a
/// client address past [`crate::throttle::WRITES`]; takes one from its
/// allowance otherwise.
pub fn throttled(state: &AppState, request: &Request) -> Option<Response> {
    if !is_limited(request) {
        return None;
    }
    let peer =
        request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let seconds = state.limits().writes.take(peer, state.now()).err()?;
    use axum::response::IntoResponse as _;
    Some(
        ApiError::TooManyRequests(
            format!("too many requests from your address; try again in {seconds} s"),
            seconds,
        )
        .into_response(),
    )
}

/// Rewrites any error answer that is not problem+json as one (see
/// [`as_problem`]).
pub async fn problems(request: Request, next: Next) -> Response {
    as_problem(next.run(request).await)
}

/// An error answer that is not problem+json rewritten as one, keeping its
/// status and headers (such as `Allow` or `Retry-After`); any other answer
/// as it is.
pub fn as_problem(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return response;
    }
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is larger than witgis accepts".to_owned(),
        StatusCode::INTERNAL_SERVER_ERROR => "an internal error occurred; it has been logged".to_owned(),
        s if s.is_server_error() => "the service cannot answer now; try again shortly".to_owned(),
        s => format!("the request was refused ({})", s.canonical_reason().unwrap_or("error")),
    };
    let (mut parts, _) = response.into_parts();
    let rewritten = problem(status, detail, None);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_ENCODING);
    let (new_parts, body) = rewritten.into_parts();
    for (name, value) in new_parts.headers.iter() {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{HeaderValue, Request};
    use axum::routing::get;
    use http_body_util::BodyExt as _;
    use tower::ServiceExt as _;

    use super::*;

    #[tokio::test]
    async fn plain_and_empty_errors_become_problems_keeping_their_headers() {
        let app = Router::new()
            .route("/plain", get(|| async { (StatusCode::BAD_REQUEST, "Failed to parse") }))
            .route(
                "/empty",
                get(|| async {
                    let mut r = Response::new(axum::body::Body::empty());
                    *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
                    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
                    r
                }),
            )
            .route("/ok", get(|| async { "fine" }))
            .layer(axum::middleware::from_fn(problems));
        for (path, status) in [("/plain", 400), ("/empty", 429)] {
            let response =
                app.clone().oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status().as_u16(), status);
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
            if status == 429 {
                assert_eq!(response.headers()[header::RETRY_AFTER], "3");
            }
            let body = response.into_body().collect().await.unwrap().to_bytes();
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(json["status"], status);
        }
        let response = app.oneshot(Request::get("/ok").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(response.headers()[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    }
}
