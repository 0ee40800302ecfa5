//! The write API: create, replace, patch, delete and restore resources, and
//! read their history. Every change needs a token with a high enough role;
//! replacing and patching need `If-Match`, so no update is lost.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::error::{ApiError, InvalidParam, etag};
use super::extract::{Body, Caller, ResourceId, if_match, required_if_match};
use super::geojson::GeoJson;
use crate::auth::Role;
use crate::formats::geojson::{feature, resource_from_feature};
use crate::model::Resource;
use crate::model::text::slugify;
use crate::plausibility;
use crate::state::AppState;
use crate::store::{StoreError, Stored, Write};

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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
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
    let mut document = body.json(FEATURE_TYPES).await?;
    let named = document.get("id").is_some_and(|id| !id.is_null())
        || document.pointer("/properties/id").is_some_and(|id| !id.is_null());
    let stored = if named {
        let resource = resource_from_json(document, None)?;
        plausible(state, &resource, None)?;
        state.write(Write::Create(resource), &caller.name).await?
    } else {
        let base = slug_for(&document);
        let mut attempt = 1;
        loop {
            let id = if attempt == 1 { base.clone() } else { format!("{base}-{attempt}") };
            if let Some(properties) = document.get_mut("properties").and_then(Value::as_object_mut) {
                properties.insert("id".into(), Value::from(id));
            }
            let resource = resource_from_json(document.clone(), None)?;
            plausible(state, &resource, None)?;
            match state.write(Write::Create(resource), &caller.name).await {
                Err(StoreError::AlreadyExists { .. }) if attempt < 1000 => attempt += 1,
                other => break other?,
            }
        }
    };
    let mut response = with_etag(StatusCode::CREATED, &stored);
    if let Ok(location) = HeaderValue::from_str(&format!("{collection}/{}", stored.resource.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// A readable id for a Feature that names none: `country-name`, folded to
/// lowercase ASCII and cut at a word boundary (e.g. `it-centro-diurno-monte-santo`).
fn slug_for(document: &Value) -> String {
    let text =
        |key: &str| document.pointer(&format!("/properties/{key}")).and_then(Value::as_str).unwrap_or("");
    let country = slugify(text("country"));
    let mut name = slugify(text("name"));
    if name.is_empty() {
        name = "resource".into();
    }
    while name.len() > 60 {
        match name.rfind('-') {
            Some(cut) => name.truncate(cut),
            None => name.truncate(60),
        }
    }
    if country.is_empty() { name } else { format!("{country}-{name}") }
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
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
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
    let resource = resource_from_json(body.json(FEATURE_TYPES).await?, Some(&id))?;
    let current = state.store().get(&id).await?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
    if !current.deleted && current.version == if_version {
        plausible(&state, &resource, Some(&current.resource))?;
    }
    let stored = state.write(Write::Replace { resource, if_version }, &caller.name).await?;
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
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
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
    let current = state.store().get(&id).await?.ok_or_else(|| StoreError::NotFound(id.clone()))?;
    if current.deleted {
        return Err(StoreError::Deleted(id).into());
    }
    if current.version != if_version {
        return Err(StoreError::VersionMismatch { id, current: current.version }.into());
    }
    let mut document = feature(&current.resource, []);
    merge_patch(&mut document, &patch);
    let resource = resource_from_json(document, Some(&id))?;
    plausible(&state, &resource, Some(&current.resource))?;
    let stored = state.write(Write::Replace { resource, if_version }, &caller.name).await?;
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
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn delete_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Editor)?;
    state.write(Write::Delete { id, if_version: if_match(&headers) }, &caller.name).await?;
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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn restore_resource(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    let stored = state.write(Write::Restore { id }, &caller.name).await?;
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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn resource_history(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    ResourceId(id): ResourceId,
) -> Result<Json<Value>, ApiError> {
    caller.require(Role::Editor)?;
    let changes = state.store().history(&id).await?;
    if changes.is_empty() {
        return Err(StoreError::NotFound(id).into());
    }
    Ok(Json(json!({ "id": id, "changes": changes })))
}

/// Refuses a record the plausibility rules refuse (422 naming each field),
/// judged by the app's clock and against the snapshot's area outlines;
/// `previous` is the record a replacement changes.
fn plausible(state: &AppState, r: &Resource, previous: Option<&Resource>) -> Result<(), ApiError> {
    let snapshot = state.snapshot();
    let countries = &state.reference().countries;
    let errors = plausibility::check(r, countries, |id| snapshot.area(id), state.desk_today(), previous);
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::InvalidFields(
        errors.into_iter().map(|e| InvalidParam { name: e.field, reason: e.reason }).collect(),
    ))
}

/// The Feature of a stored resource, with its ETag.
fn with_etag(status: StatusCode, stored: &Stored) -> Response {
    let mut response = (status, GeoJson(feature(&stored.resource, []))).into_response();
    response.headers_mut().insert(header::ETAG, etag(stored.version));
    response
}

/// Reads a Feature; `path_id`, when given, must match any id the body names
/// and fills it in when the body names none.
fn resource_from_json(value: Value, path_id: Option<&str>) -> Result<Resource, ApiError> {
    let body_error =
        |reason: String| ApiError::InvalidFields(vec![InvalidParam { name: "body".into(), reason }]);
    if value.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(body_error("must be a GeoJSON Feature: {\"type\": \"Feature\", ...}".into()));
    }
    let mut feature: geojson::Feature = serde_json::from_value(value)
        .map_err(|e| body_error(format!("is not a valid GeoJSON Feature: {e}")))?;
    if let Some(path_id) = path_id {
        let named = match &feature.id {
            Some(geojson::feature::Id::String(s)) => Some(s.clone()),
            _ => feature
                .properties
                .as_ref()
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        match named {
            Some(named) if named != path_id => {
                return Err(ApiError::InvalidFields(vec![InvalidParam {
                    name: "id".into(),
                    reason: format!(
                        "'{named}' differs from the id in the address '{path_id}'; ids cannot change"
                    ),
                }]));
            }
            Some(_) => {}
            None => {
                feature.properties.get_or_insert_with(Map::new).insert("id".into(), Value::from(path_id));
            }
        }
    }
    resource_from_feature(&feature).map_err(|errors| {
        ApiError::InvalidFields(
            errors.into_iter().map(|e| InvalidParam { name: e.field, reason: e.reason }).collect(),
        )
    })
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
        let mut doc = json!({"a": [1]});
        merge_patch(&mut doc, &json!({"a": [2, 3], "b": {"x": 1}}));
        assert_eq!(doc, json!({"a": [2, 3], "b": {"x": 1}}));
    }
}
