//! `GET /api/config`: the settings the web page reads when it starts.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::basemap::Basemap;

/// What the web page is told about this server, fixed when it starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WebConfig {
    /// A MapLibre style URL for an online basemap; `None` keeps the offline
    /// basemap of country outlines served by witgis itself.
    pub basemap_style: Option<String>,
    /// The path of the local PMTiles basemap (`--basemap`), if one is served.
    pub basemap_pmtiles: Option<&'static str>,
    /// The archive behind `basemap_pmtiles`.
    #[serde(skip)]
    pub basemap: Option<Arc<Basemap>>,
    /// Whether an external geocoder answers street addresses in
    /// `/api/places` (the page then offers to search them).
    pub geocoder: bool,
}

/// The `/api/config` route, with its own state so it fits any router.
pub fn router<S: Clone + Send + Sync + 'static>(config: WebConfig) -> OpenApiRouter<S> {
    OpenApiRouter::new().routes(routes!(web_config)).with_state(Arc::new(config))
}

#[utoipa::path(
    get,
    path = "/api/config",
    tag = "service",
    responses(
        (status = 200, description = "The web page's settings", body = crate::http::openapi::JsonObject)
    )
)]
async fn web_config(State(config): State<Arc<WebConfig>>) -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Json(config.as_ref().clone())).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use serde_json::{Value, json};
    use tower::ServiceExt;

    use super::*;
    use crate::config::parse_style_url;

    async fn get_config(config: WebConfig) -> (StatusCode, Value) {
        let (app, _): (axum::Router, _) = router(config).split_for_parts();
        let request = Request::get("/api/config").body(Body::empty()).expect("request");
        let response = app.oneshot(request).await.expect("response");
        let status = response.status();
        let body = response.into_body().collect().await.expect("body").to_bytes();
        (status, serde_json::from_slice(&body).expect("JSON body"))
    }

    #[tokio::test]
    async fn default_config_has_no_online_basemap() {
        let (status, body) = get_config(WebConfig::default()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, json!({ "basemap_style": null, "basemap_pmtiles": null, "geocoder": false }));
    }

    #[tokio::test]
    async fn configured_basemap_style_is_exposed() {
        let style = parse_style_url("https://tiles.example.org/styles/liberty.json").expect("valid URL");
        let (_, body) =
            get_config(WebConfig { basemap_style: Some(style.clone()), ..WebConfig::default() }).await;
        assert_eq!(body["basemap_style"], json!(style));
    }

    #[test]
    fn style_url_must_be_absolute_http() {
        assert!(parse_style_url("http://localhost:8081/style.json").is_ok());
        assert!(parse_style_url("style.json").is_err());
        assert!(parse_style_url("file:///etc/passwd").is_err());
        assert!(parse_style_url("javascript:alert(1)").is_err());
    }
}
