//! The HTTP API: the router factory and one module per endpoint group.

pub mod areas;
pub mod config;
pub mod coverage;
pub mod demand;
pub mod error;
pub mod extract;
pub mod geojson;
pub mod guard;
pub mod headers;
pub mod health;
pub mod hsds;
pub mod nearest;
pub mod offload;
pub mod ogcapi;
pub mod params;
pub mod places;
pub mod quality;
pub mod referral;
pub mod resources;
pub mod server;
pub mod web;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use self::config::WebConfig;
use self::error::problem;
use crate::state::AppState;

/// The whole application with the default web settings (offline basemap).
pub fn router(state: Arc<AppState>) -> Router {
    router_with(state, WebConfig::default())
}

/// The whole application: API routes, health checks and the web page.
pub fn router_with(state: Arc<AppState>, web: WebConfig) -> Router {
    let [csp, nosniff, referrer, frames] = headers::layers(web.basemap_style.as_deref());
    let api = Router::new()
        .route("/api/resources", get(resources::list_resources).post(write::create_resource))
        .route(
            "/api/resources/{id}",
            get(resources::get_resource)
                .put(write::replace_resource)
                .patch(write::patch_resource)
                .delete(write::delete_resource),
        )
        .route("/api/resources/{id}/restore", post(write::restore_resource))
        .route("/api/resources/{id}/history", get(write::resource_history))
        .route("/api/nearest", get(nearest::nearest))
        .route("/api/categories", get(resources::list_categories))
        .route("/api/referral", get(referral::referral))
        .route("/api/places", get(places::places))
        .route("/api/demand", post(demand::log_demand))
        .route("/api/demand/summary", get(demand::demand_summary))
        .route("/api/demand/recent", get(demand::recent_demand))
        .route("/api/demand/{id}", get(demand::get_demand).delete(demand::withdraw_demand))
        .route("/api/areas", get(areas::list_areas))
        .route("/api/areas/{id}", get(areas::get_area))
        .route("/api/regions", get(areas::list_regions))
        .route("/api/quality", get(quality::quality))
        .route("/api/coverage", get(coverage::coverage))
        .route("/api/coverage/gaps", get(coverage::gaps))
        .route("/api/coverage/suggest", get(coverage::suggest))
        .route("/api/coverage/demand", get(coverage::demand))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .route("/ogcapi/{*rest}", get(api_not_found))
        .merge(ogcapi::router())
        .merge(hsds::router())
        .merge(config::router(web))
        .method_not_allowed_fallback(method_not_allowed);
    api.fallback(get(web::static_file).fallback(method_not_allowed))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), guard::rate_limit))
        .with_state(state)
        .layer(axum::middleware::from_fn(guard::problems))
        .layer(CompressionLayer::new())
        .layer(
            // Log the route and status only: a query string holds places people
            // looked around, which must not end up in logs.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req.extensions().get::<MatchedPath>().map_or("static", MatchedPath::as_str);
                tracing::debug_span!("request", method = %req.method(), route)
            }),
        )
        .layer(axum::middleware::from_fn(guard::limits))
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            let what = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("unknown panic");
            tracing::error!(panic = what, "a request handler panicked");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "an internal error occurred; it has been logged".into(),
                None,
            )
        }))
        .layer(csp)
        .layer(nosniff)
        .layer(referrer)
        .layer(frames)
}

async fn api_not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "no such API endpoint; see the README for the list".into(), None)
}

async fn method_not_allowed() -> Response {
    problem(StatusCode::METHOD_NOT_ALLOWED, "this method is not allowed here".into(), None)
}
