//! The Open Referral HSDS 3.0 API profile's required endpoints: `GET /hsds/`
//! (which HSDS version and profile), `GET /hsds/services` (compiled services
//! in the HSDS paging envelope) and `GET /hsds/services/{id}` (one compiled
//! service). The objects are those `witgis export --format hsds` writes.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, InvalidParam};
use super::params::Params;
use crate::formats::hsds;
use crate::index::Snapshot;
use crate::model::Resource;
use crate::state::AppState;

/// Services per page unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The most services one page holds.
pub const MAX_PER_PAGE: u64 = 500;

/// The HSDS routes, with their OpenAPI operations, to merge into the
/// application router.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(root_bare))
        .routes(routes!(root))
        .routes(routes!(list_services))
        .routes(routes!(get_service))
}

/// `GET /hsds`: the same as `GET /hsds/`.
#[utoipa::path(
    get,
    path = "/hsds",
    tag = "hsds",
    responses((status = 200, description = "HSDS version and profile", body = crate::http::openapi::JsonObject))
)]
pub async fn root_bare() -> Json<Value> {
    root().await
}

/// What this API is: HSDS version and profile.
#[utoipa::path(
    get,
    path = "/hsds/",
    tag = "hsds",
    responses((status = 200, description = "HSDS version and profile", body = crate::http::openapi::JsonObject))
)]
pub async fn root() -> Json<Value> {
    Json(json!({
        "version": hsds::VERSION,
        "profile": "https://docs.openreferral.org/en/v3.0/hsds/api_reference.html",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }))
}

fn bad(name: &str, reason: String) -> ApiError {
    ApiError::InvalidParams(vec![InvalidParam { name: name.into(), reason }])
}

/// The compiled service of a resource.
fn service(snapshot: &Snapshot, r: &Resource) -> Value {
    hsds::compiled_service(r, |id| snapshot.area(id).map(|a| a.name.clone()))
}

/// A page of compiled services, in id order, in the HSDS paging envelope.
#[utoipa::path(
    get,
    path = "/hsds/services",
    tag = "hsds",
    params(
        ("page" = Option<u32>, Query, minimum = 1, description = "1-based page number (default 1)"),
        ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "Services per page (default 50)")
    ),
    responses(
        (status = 200, description = "A page of HSDS compiled services (HSDS paging envelope; the objects follow Open Referral's compiled_service schema)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_services(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    // Other HSDS filters (search, taxonomy, modified_after, ...) are not
    // supported, and are refused rather than ignored.
    let mut params = Params::parse(query.as_deref(), &["page", "per_page"]);
    let page = params.count("page", 1..=u32::MAX as usize, 1) as u64;
    let per_page = params.count("per_page", 1..=MAX_PER_PAGE as usize, DEFAULT_PER_PAGE as usize) as u64;
    params.finish()?;
    let snapshot = state.snapshot();
    let total = snapshot.index().len() as u64;
    let pages = total.div_ceil(per_page);
    if page > pages.max(1) {
        return Err(bad("page", format!("is past the last page ({}) at per_page={per_page}", pages.max(1))));
    }
    let start = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let contents: Vec<Value> = snapshot
        .index()
        .resources()
        .skip(start)
        .take(per_page as usize)
        .map(|r| service(&snapshot, r))
        .collect();
    Ok(Json(json!({
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })))
}

/// One compiled service by its HSDS id (a UUID).
#[utoipa::path(
    get,
    path = "/hsds/services/{id}",
    tag = "hsds",
    params(("id" = String, Path, description = "A UUID: the service's HSDS id, as /hsds/services lists")),
    responses(
        (status = 200, description = "One HSDS compiled service", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No service has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_service(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(id) = path.map_err(|e| bad("id", e.body_text()))?;
    let wanted = uuid::Uuid::parse_str(&id)
        .map_err(|_| bad("id", "must be an HSDS service id (a UUID) as /hsds/services lists".into()))?;
    let snapshot = state.snapshot();
    let r = snapshot
        .index()
        .resources()
        .find(|r| hsds::object_id("service", &r.id) == wanted)
        .ok_or_else(|| ApiError::NotFound(format!("no service has the id '{wanted}'")))?;
    Ok(Json(service(&snapshot, r)))
}
