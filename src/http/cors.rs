//! Cross-origin reads of the public read-only APIs (HSDS and OGC API -
//! Features): any web page may GET them, as Open Referral's profile asks
//! (`Access-Control-Allow-Origin: *`, no key). Only GET and HEAD answers
//! carry it and a preflight grants only GET and HEAD, so writes sharing a
//! path (OGC items) stay same-origin; no other path gets it (never the
//! writes under /api nor the demand log).
//!
//! One layer of the whole application, scoped by path: a layer on the
//! routes alone would never see an OPTIONS request, which the router's
//! method-not-allowed fallback answers first.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The methods a preflight grants.
pub const METHODS: &str = "GET, HEAD";

/// How long a browser may keep a preflight's answer, in seconds.
pub const MAX_AGE_S: u32 = 86_400;

/// The path prefixes of the public read-only APIs.
pub const PUBLIC: [&str; 2] = ["/hsds", "/ogcapi"];

/// Is this path under one of [`PUBLIC`]?
pub fn is_public(path: &str) -> bool {
    PUBLIC.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// The layer's function: on [`PUBLIC`] paths, answers a preflight for GET
/// or HEAD itself, and marks GET and HEAD answers readable from any origin.
pub async fn public_reads(request: Request, next: Next) -> Response {
    if !is_public(request.uri().path()) {
        return next.run(request).await;
    }
    let method = request.method().clone();
    if method == Method::OPTIONS {
        let asked = request.headers().get(header::ACCESS_CONTROL_REQUEST_METHOD);
        if asked.is_some_and(|m| m == "GET" || m == "HEAD") {
            return preflight(request.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned());
        }
        // Not a preflight for a read: the router answers (405).
        return next.run(request).await;
    }
    let mut response = next.run(request).await;
    if method == Method::GET || method == Method::HEAD {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("ETag, Link"));
    }
    response
}

/// The answer to a preflight for a read: any origin, GET and HEAD, and the
/// request headers asked for (without credentials none is dangerous).
fn preflight(asked_headers: Option<HeaderValue>) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
    if let Some(asked) = asked_headers {
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    }
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from(MAX_AGE_S));
    headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    response
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn only_the_public_apis_are_public() {
        for path in ["/hsds", "/hsds/", "/hsds/services/x", "/ogcapi", "/ogcapi/collections"] {
            assert!(is_public(path), "{path}");
        }
        for path in ["/", "/api/demand", "/api/resources", "/hsdsx", "/ogcapix/a", "/index.html"] {
            assert!(!is_public(path), "{path}");
        }
    }
}
