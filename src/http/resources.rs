//! `GET /api/resources`, `GET /api/resources/{id}`, `GET /api/categories`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, InvalidParam, etag};
use super::geojson::{Collection, GeoJson, annotate};
use super::params::Params;
use crate::formats::geojson::ResourceFeature;
use crate::state::AppState;

/// Most features one listing returns.
pub const MAX_LIMIT: usize = 10_000;
/// Features a listing returns when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 1_000;

/// A FeatureCollection of the resources that pass the filters, in id order.
pub async fn list_resources(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(
        query.as_deref(),
        &["bbox", "category", "country", "topic", "q", "verified_since", "limit", "offset", "at"],
    );
    let bbox = params.bbox();
    let mut filter = params.filter();
    filter.verified_since = params.verified_since();
    let limit = params.count("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT);
    let offset = params.count("offset", 0..=usize::MAX, 0);
    let at = params.moment("at");
    params.finish()?;

    let snapshot = state.snapshot();
    let matched = match bbox {
        Some(bbox) => snapshot.in_bbox(bbox, &filter),
        None => snapshot.filtered(&filter),
    };
    let features = matched
        .iter()
        .skip(offset)
        .take(limit)
        .map(|&i| {
            let r = snapshot.resource(i);
            annotate(ResourceFeature::new(r), r, at)
        })
        .collect();
    Ok(GeoJson(Collection::page(features, matched.len())).into_response())
}

/// One resource as a Feature, with its version as the `ETag` and its next
/// seven days of opening hours from `at` (now by default).
pub async fn get_resource(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["at"]);
    let at = params.moment("at");
    params.finish()?;
    let Path(id) = path.map_err(|e| {
        ApiError::InvalidParams(vec![InvalidParam { name: "id".into(), reason: e.body_text() }])
    })?;
    let current = state.versioned();
    let (resource, version) =
        current.get(&id).ok_or_else(|| ApiError::NotFound(format!("no resource has the id '{id}'")))?;
    let mut response = GeoJson(annotate(ResourceFeature::new(resource), resource, at)).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

/// Every category with its number of resources.
pub async fn list_categories(State(state): State<Arc<AppState>>) -> Json<Value> {
    let counts: Vec<Value> = state
        .snapshot()
        .category_counts()
        .into_iter()
        .map(|(category, count)| json!({ "category": category, "count": count }))
        .collect();
    Json(Value::Array(counts))
}
