//! `GET /metrics` and the layer that notes every request in the process's
//! metrics ([`crate::metrics`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::problem;
use crate::metrics::{self, MetricsAccess};
use crate::state::AppState;

/// Notes every request: its route template, method, status and latency.
pub async fn record(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request.extensions().get::<MatchedPath>().map_or("static", MatchedPath::as_str).to_owned();
    let method = request.method().clone();
    let response = next.run(request).await;
    metrics::global().request(&route, &method, response.status(), start.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: the exposition, to the clients [`MetricsAccess`] allows.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "service",
    responses(
        (status = 200, description = "The process's metrics (OpenMetrics 1.0 text, for Prometheus)", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
        (status = 403, description = "The client is not on this machine and the server serves metrics to loopback clients only (--metrics loopback)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Metrics are turned off (--metrics off)", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn serve(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    match state.metrics_access() {
        MetricsAccess::Off => {
            return problem(
                StatusCode::NOT_FOUND,
                "metrics are turned off on this server (--metrics off)".into(),
                None,
            );
        }
        MetricsAccess::Loopback if !peer.is_some_and(|ip| ip.is_loopback()) => {
            return problem(
                StatusCode::FORBIDDEN,
                "metrics are served to clients on this machine only (--metrics loopback); scrape from the \
                 server itself, or start it with --metrics any behind a firewall"
                    .into(),
                None,
            );
        }
        _ => {}
    }
    let snapshot = state.snapshot();
    let text = metrics::global().render(snapshot.index().len(), snapshot.areas().len());
    let mut response = text.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(metrics::CONTENT_TYPE));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
