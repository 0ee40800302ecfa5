//! `GET /healthz` (is the process alive, and how is its database) and
//! `GET /readyz` (should a load balancer send traffic here).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

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
    let database = state.store().ping().await.is_ok();
    Json(json!({
        "status": "ok",
        "store": state.store().kind(),
        "database": if database { "up" } else { "down" },
        "resources": state.snapshot().index().len(),
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
    match state.store().ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "ready": true }))),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "ready": false, "database": "down" }))),
    }
}
