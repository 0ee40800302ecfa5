//! `GET /api/areas` and `GET /api/areas/{id}`: the territories services are
//! competent for, as GeoJSON.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use super::error::{ApiError, InvalidParam};
use super::geojson::GeoJson;
use super::params::Params;
use crate::formats::areas::feature;
use crate::model::{AreaKind, Country};
use crate::state::AppState;

/// Every area (optionally of some kinds or countries) with its outline.
pub async fn list_areas(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson<Value>, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["kind", "country"]);
    let kinds = params.list::<AreaKind>("kind");
    let countries = params.list::<Country>("country");
    params.finish()?;
    let snapshot = state.snapshot();
    let features: Vec<Value> = snapshot
        .areas()
        .iter()
        .filter(|a| kinds.is_empty() || kinds.contains(&a.kind))
        .filter(|a| countries.is_empty() || a.country.is_some_and(|c| countries.contains(&c)))
        .map(feature)
        .collect();
    Ok(GeoJson(json!({ "type": "FeatureCollection", "features": features })))
}

/// One area as a Feature.
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
