//! The write API: create, replace, patch, delete and restore resources, and
//! read their history. Every change needs a token with a high enough role;
//! replacing and patching need `If-Match`, so no update is lost.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, etag};
use super::extract::{Body, Caller, ResourceId, if_match, required_if_match};
use super::geojson::GeoJson;
use crate::auth::Role;
use crate::formats::geojson::feature;
use crate::service::Service;
use crate::state::AppState;
use crate::store::Stored;

/// Media types a Feature may be sent as.
const FEATURE_TYPES: &[&str] = &["application/json", "application/geo+json"];
/// The media type of a JSON merge patch (RFC 7396).
const MERGE_PATCH: &str = "application/merge-patch+json";

/// `POST /api/resources`: creates a resource from a GeoJSON Feature. Without
/// an id, the record gets a readable unique slug made of its country and name.
#[utoipa::path(
    post,
    path = "/api/resources",
    tag = "resources",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    security(("bearer" = ["editor"])),
    responses(
        (status = 201, description = "Created", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"), ("Location" = String, description = "The new resource"))),
        (status = 409, description = "A resource with this id exists already (create) or is not deleted (restore)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn create_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    create(&state, &caller, body, "/api/resources").await
}

/// Creates a resource and answers 201 with its ETag and a `Location` under
/// `collection`.
pub(super) async fn create(
    state: &Arc<AppState>,
    caller: &Caller,
    body: Body,
    collection: &str,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let document = body.json(FEATURE_TYPES).await?;
    let stored = Service::new(Arc::clone(state)).create(document, &caller.name).await?;
    let mut response = with_etag(StatusCode::CREATED, &stored);
    if let Ok(location) = HeaderValue::from_str(&format!("{collection}/{}", stored.resource.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PUT /api/resources/{id}`: replaces a resource (`If-Match` required).
#[utoipa::path(
    put,
    path = "/api/resources/{id}",
    tag = "resources",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    params(
        ("id" = String, Path, description = "The resource's id (a slug)"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Replaced", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::VersionErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn replace_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let if_version = required_if_match(&headers)?;
    let document = body.json(FEATURE_TYPES).await?;
    let stored = Service::new(state).replace(&id, document, if_version, &caller.name).await?;
    Ok(with_etag(StatusCode::OK, &stored))
}

/// `PATCH /api/resources/{id}`: applies a JSON merge patch to the resource's
/// Feature, e.g. `{"properties": {"phone": "+39 06 1234"}}` (`If-Match`
/// required; `null` removes a property).
#[utoipa::path(
    patch,
    path = "/api/resources/{id}",
    tag = "resources",
    request_body(content = crate::http::openapi::JsonObject, description = "A JSON merge patch (RFC 7396) of the Feature", content_type = "application/merge-patch+json"),
    params(
        ("id" = String, Path, description = "The resource's id (a slug)"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::VersionErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn patch_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require(Role::Editor)?;
    let if_version = required_if_match(&headers)?;
    let patch = body.json(&[MERGE_PATCH]).await?;
    let stored = Service::new(state).patch(&id, &patch, if_version, &caller.name).await?;
    Ok(with_etag(StatusCode::OK, &stored))
}

/// `DELETE /api/resources/{id}`: soft-deletes (`If-Match` checked if sent).
#[utoipa::path(
    delete,
    path = "/api/resources/{id}",
    tag = "resources",
    params(
        ("id" = String, Path, description = "The resource's id (a slug)"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 204, description = "Deleted (restorable by an admin)"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::VersionErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn delete_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Editor)?;
    Service::new(state).delete(&id, if_match(&headers), &caller.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/resources/{id}/restore`: undoes a delete (admin).
#[utoipa::path(
    post,
    path = "/api/resources/{id}/restore",
    tag = "resources",
    params(
        ("id" = String, Path, description = "The resource's id (a slug)")
    ),
    security(("bearer" = ["admin"])),
    responses(
        (status = 200, description = "Restored", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A resource with this id exists already (create) or is not deleted (restore)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn restore_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let stored = Service::new(state).restore(&id, &caller.name).await?;
    Ok(with_etag(StatusCode::OK, &stored))
}

/// `GET /api/resources/{id}/history`: every change, oldest first (editor).
#[utoipa::path(
    get,
    path = "/api/resources/{id}/history",
    tag = "resources",
    params(
        ("id" = String, Path, description = "The resource's id (a slug)")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Every stored version, oldest first", body = crate::http::openapi::JsonObject),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors
    )
)]
pub async fn resource_history(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Editor)?;
    let changes = Service::new(state).history(&id).await?;
    Ok(Json(json!({ "id": id, "changes": changes })))
}

/// The Feature of a stored resource, with its ETag.
fn with_etag(status: StatusCode, stored: &Stored) -> Response {
    let mut response = (status, GeoJson(feature(&stored.resource, []))).into_response();
    response.headers_mut().insert(header::ETAG, etag(stored.version));
    response
}
