//! `GET /healthz` (is the process alive, and how is its database) and
//! `GET /readyz` (should a load balancer send traffic here).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::service::Service;
use crate::state::AppState;

/// Liveness, with the database's state; always 200 while the process serves.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "service",
    responses(
        (status = 200, description = "The process runs", body = crate::http::openapi::JsonObject)
    )
)]
pub async fn healthz(State(state): State<Arc<AppState>>) -> Json<Value> {
    let health = Service::new(state).health().await;
    Json(json!({
        "status": "ok",
        "store": health.store,
        "database": if health.database_up { "up" } else { "down" },
        "resources": health.resources,
    }))
}

/// Readiness: 200 when the database answers, 503 otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "service",
    responses(
        (status = 200, description = "Ready to serve", body = crate::http::openapi::JsonObject),
        (status = 503, description = "Not ready yet", body = crate::http::openapi::JsonObject)
    )
)]
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    match Service::new(state).ready().await {
        true => (StatusCode::OK, Json(json!({ "ready": true }))),
        false => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ready": false, "database": "down" }))),
    }
}
