//! The HTTP API: the router factory and one module per endpoint group.

pub mod areas;
pub mod basemap;
pub mod config;
pub mod cors;
pub mod coverage;
pub mod coverage_transit;
pub mod demand;
pub mod error;
pub mod extract;
pub mod geojson;
pub mod guard;
pub mod headers;
pub mod health;
pub mod hsds;
pub mod metrics;
pub mod nearest;
pub mod negotiate;
pub mod oas30;
pub mod offload;
pub mod ogcapi;
pub mod openapi;
pub mod params;
pub mod places;
pub mod quality;
pub mod referral;
pub mod resources;
pub mod server;
pub mod stream;
pub mod tiles;
pub mod transit;
pub mod vocabulary;
pub mod web;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::MatchedPath;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate as _};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

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
    let (api, doc) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(resources::list_resources, write::create_resource))
        .routes(routes!(
            resources::get_resource,
            write::replace_resource,
            write::patch_resource,
            write::delete_resource
        ))
        .routes(routes!(write::restore_resource))
        .routes(routes!(write::resource_history))
        .routes(routes!(nearest::nearest))
        .routes(routes!(resources::list_categories))
        .routes(routes!(referral::referral))
        .routes(routes!(places::places))
        .routes(routes!(demand::log_demand))
        .routes(routes!(demand::demand_summary))
        .routes(routes!(demand::recent_demand))
        .routes(routes!(demand::get_demand, demand::withdraw_demand))
        .routes(routes!(areas::list_areas))
        .routes(routes!(areas::get_area))
        .routes(routes!(areas::list_regions))
        .routes(routes!(quality::quality))
        .routes(routes!(coverage::coverage))
        .routes(routes!(coverage::gaps))
        .routes(routes!(coverage::suggest))
        .routes(routes!(coverage::demand))
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(metrics::serve))
        .routes(routes!(openapi::api_document))
        .routes(routes!(ogcapi::document::ogcapi_document))
        .merge(ogcapi::router())
        .merge(basemap::router(web.basemap.clone()))
        .merge(config::router(web))
        .merge(vocabulary::router())
        .merge(hsds::router())
        .merge(tiles::router())
        .split_for_parts();
    let full = serde_json::to_value(&doc).unwrap_or_default();
    let doc = openapi::Document::new(&full, &ogcapi::document::ogc_document(&full));
    // Not endpoints: every other address under /api and /ogcapi is a 404 problem.
    let api = api
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .route("/ogcapi/{*rest}", get(api_not_found))
        .layer(axum::Extension(doc))
        .method_not_allowed_fallback(method_not_allowed);
    // One stack, outermost first, added as one layer: each `Router::layer`
    // boxes every route's service once more, and each box is cloned and
    // its future allocated on every request.
    let stack = tower::ServiceBuilder::new()
        .layer(axum::middleware::from_fn(metrics::record))
        .layer(frames)
        .layer(referrer)
        .layer(nosniff)
        .layer(csp)
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
        .layer(
            // Log the route and status only: a query string holds places people
            // looked around, which must not end up in logs.
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let route = req.extensions().get::<MatchedPath>().map_or("static", MatchedPath::as_str);
                tracing::debug_span!("request", method = %req.method(), route)
            }),
        )
        // PMTiles ranges are served as stored (their tiles are compressed already).
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/vnd.pmtiles")),
        ))
        .layer(axum::middleware::from_fn_with_state(Arc::clone(&state), guard::gate))
        .layer(axum::middleware::from_fn(cors::public_reads));
    api.fallback(get(web::static_file).fallback(method_not_allowed)).with_state(state).layer(stack)
}

async fn api_not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "no such API endpoint; see docs/api.md for the list".into(), None)
}

async fn method_not_allowed() -> Response {
    problem(StatusCode::METHOD_NOT_ALLOWED, "this method is not allowed here".into(), None)
}
