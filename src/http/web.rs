//! The static web page, embedded in the binary from `web/`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::Embed;

use super::error::problem;

#[derive(Embed)]
#[folder = "web/"]
struct Assets;

/// The embedded file at `path` under `web/` (no leading slash).
pub fn asset(path: &str) -> Option<rust_embed::EmbeddedFile> {
    Assets::get(path)
}

/// Serves `web/` files: `/` is `index.html`. Vendored libraries are cached
/// for a day, the page itself is revalidated with its ETag.
pub async fn static_file(uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    let Some(file) = Assets::get(path) else {
        return problem(StatusCode::NOT_FOUND, format!("nothing is served at /{path}"), None);
    };
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    let cache = if path.starts_with("vendor/") { "public, max-age=86400" } else { "no-cache" };
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let mime = HeaderValue::from_str(file.metadata.mimetype())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::ETAG, HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\""))),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.data,
    )
        .into_response()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get(path: &str, etag: Option<&str>) -> Response {
        let app: Router = Router::new().fallback(static_file);
        let mut request = Request::get(path);
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        app.oneshot(request.body(Body::empty()).expect("request")).await.expect("response")
    }

    #[tokio::test]
    async fn page_is_revalidated_and_vendor_files_are_cached() {
        let page = get("/", None).await;
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(page.headers()[header::CONTENT_TYPE].to_str().is_ok_and(|v| v.starts_with("text/html")));
        let etag = page.headers()[header::ETAG].to_str().expect("ETag").to_owned();
        assert_eq!(get("/", Some(&etag)).await.status(), StatusCode::NOT_MODIFIED);

        let lib = get("/vendor/maplibre-gl/maplibre-gl.js", None).await;
        assert_eq!(lib.status(), StatusCode::OK);
        assert!(lib.headers()[header::CACHE_CONTROL].to_str().is_ok_and(|v| v.contains("max-age")));
        assert_eq!(get("/js/app.js", None).await.status(), StatusCode::OK);
        assert_eq!(get("/no/such/file.js", None).await.status(), StatusCode::NOT_FOUND);
    }
}
