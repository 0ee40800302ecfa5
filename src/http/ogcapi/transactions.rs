//! Part 4 (Create, Replace, Update and Delete): writes to `resources`,
//! through the same checks and history as `/api/resources`.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use crate::http::error::{ApiError, Problem};
use crate::http::extract::{Body, Caller, ResourceId};
use crate::state::AppState;

use super::items::item_id;
use super::{RESOURCES, known, writable};

/// The feature id of an item path in the one writable collection.
fn writable_item(path: Result<Path<(String, String)>, PathRejection>) -> Result<String, ApiError> {
    let (collection, id) = item_id(path)?;
    writable(collection)?;
    Ok(id)
}

/// The answers of a change to one stored item of a collection (`If-Match`);
/// documentation only, the handlers answer through [`ApiError`].
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
enum ItemChangeErrors {
    /// No such collection or item.
    #[response(
        status = 404,
        description = "No such collection or item",
        content_type = "application/problem+json"
    )]
    NotFound(Problem<'static>),
    /// A stale ETag.
    #[response(
        status = 412,
        description = "The resource changed since the If-Match ETag; the answer's ETag is the current one",
        content_type = "application/problem+json"
    )]
    Stale(Problem<'static>),
    /// No `If-Match`.
    #[response(status = 428, description = "No If-Match header", content_type = "application/problem+json")]
    NoCondition(Problem<'static>),
    /// A read-only collection.
    #[response(
        status = 405,
        description = "The collection is read-only",
        content_type = "application/problem+json"
    )]
    ReadOnly(Problem<'static>),
}

/// Part 4: `POST …/items` creates a record, with the same roles, validation
/// and history as `POST /api/resources`; without an id it gets a slug.
#[utoipa::path(
    post,
    path = "/ogcapi/collections/{collection}/items",
    tag = "ogcapi",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    params(
        ("collection" = String, Path, description = "resources, areas or regions")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 201, description = "Created; Location names it", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("Location" = String, description = "The new item"))),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A resource with this id exists already (create) or is not deleted (restore)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 405, description = "The collection is read-only", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub(super) async fn create_item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    writable(known(path)?)?;
    crate::http::write::create(&state, &caller, body, &format!("/ogcapi/collections/{RESOURCES}/items")).await
}

/// Part 4: `PUT …/items/{id}` replaces a record (`If-Match` required).
#[utoipa::path(
    put,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Replaced", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        ItemChangeErrors,
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub(super) async fn replace_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = writable_item(path)?;
    crate::http::write::replace_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `PATCH …/items/{id}` applies a JSON merge patch (`If-Match` required).
#[utoipa::path(
    patch,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    request_body(content = crate::http::openapi::JsonObject, description = "A JSON merge patch (RFC 7396) of the Feature", content_type = "application/merge-patch+json"),
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        ItemChangeErrors,
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub(super) async fn patch_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = writable_item(path)?;
    crate::http::write::patch_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `DELETE …/items/{id}` soft-deletes a record (`If-Match` checked if sent).
#[utoipa::path(
    delete,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 204, description = "Deleted"),
        ItemChangeErrors,
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub(super) async fn delete_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = writable_item(path)?;
    crate::http::write::delete_resource(state, caller, ResourceId(id), headers).await
}
