//! `GET /api/areas` and `GET /api/areas/{id}`: the territories services are
//! competent for, as GeoJSON; `GET /api/regions`: the shipped first-level
//! regions the coverage report can be given for.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, InvalidParam};
use super::geojson::GeoJson;
use super::params::{Params, query_params};
use super::stream::{Items, write_json};
use crate::formats::areas::feature;
use crate::model::{AreaKind, Country};
use crate::state::AppState;

query_params! {
    /// The parameters of `GET /api/areas`.
    pub struct AreaListParams {
        /// Only these kinds
        kind: Option<Vec<crate::model::AreaKind>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
    }
}

/// Every area (optionally of some kinds or countries) with its outline.
#[utoipa::path(
    get,
    path = "/api/areas",
    tag = "areas",
    params(
        AreaListParams
    ),
    responses(
        (status = 200, description = "The loaded areas", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_areas(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of::<AreaListParams>(query.as_deref());
    let kinds = params.list::<AreaKind>("kind");
    let countries = params.list::<Country>("country");
    params.finish()?;
    let snapshot = state.snapshot();
    let chosen: Vec<usize> = snapshot
        .areas()
        .iter()
        .enumerate()
        .filter(|(_, a)| kinds.is_empty() || kinds.contains(&a.kind))
        .filter(|(_, a)| countries.is_empty() || a.country.is_some_and(|c| countries.contains(&c)))
        .map(|(i, _)| i)
        .collect();
    // Written an area at a time as the client reads (outlines can be large).
    let head = r#"{"type":"FeatureCollection","features":["#;
    let body = Items::json(head, chosen.len(), "]}", move |i, out| {
        write_json(out, &feature(&snapshot.areas()[chosen[i]]));
    });
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body.into_body()).into_response())
}

/// One area as a Feature.
#[utoipa::path(
    get,
    path = "/api/areas/{id}",
    tag = "areas",
    params(
        ("id" = String, Path, description = "The area's id")
    ),
    responses(
        (status = 200, description = "The area", body = crate::http::openapi::Feature, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_area(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<GeoJson<Value>, ApiError> {
    let Path(id) = path.map_err(|e| {
        ApiError::InvalidParams(vec![InvalidParam { name: "id".into(), reason: e.body_text() }])
    })?;
    let snapshot = state.snapshot();
    let area = snapshot.area(&id).ok_or_else(|| ApiError::NotFound(format!("no area has the id '{id}'")))?;
    Ok(GeoJson(feature(area)))
}

query_params! {
    /// The parameters of `GET /api/regions`.
    pub struct RegionListParams {
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
    }
}

/// The shipped first-level regions (optionally of some countries) with their
/// outlines and estimated populations.
#[utoipa::path(
    get,
    path = "/api/regions",
    tag = "areas",
    params(
        RegionListParams
    ),
    responses(
        (status = 200, description = "The shipped regions", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_regions(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson<Value>, ApiError> {
    let mut params = Params::of::<RegionListParams>(query.as_deref());
    let countries = params.list::<Country>("country");
    params.finish()?;
    let reference = Arc::clone(state.reference());
    let features: Vec<Value> = tokio::task::spawn_blocking(move || {
        reference
            .regions
            .all()
            .iter()
            .filter(|a| countries.is_empty() || a.country.is_some_and(|c| countries.contains(&c)))
            .map(feature)
            .collect()
    })
    .await
    .map_err(|e| ApiError::Internal(format!("regions task: {e}")))?;
    Ok(GeoJson(json!({
        "type": "FeatureCollection",
        "source": crate::coverage::REGION_SOURCE,
        "population_source": crate::coverage::REGION_POPULATION_SOURCE,
        "features": features,
    })))
}
