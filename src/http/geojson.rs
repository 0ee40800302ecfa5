//! A responder for GeoJSON bodies (`application/geo+json`).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// A JSON value sent as `application/geo+json`.
pub struct GeoJson(pub Value);

impl IntoResponse for GeoJson {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.0).unwrap_or_default();
        ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response()
    }
}
