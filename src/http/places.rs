//! `GET /api/places?q=`: place search for callers, as GeoJSON points.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::error::ApiError;
use super::geojson::GeoJson;
use super::params::Params;
use crate::model::Country;
use crate::places::search;
use crate::state::AppState;

/// Ranked places whose name (or alternate name) matches `q`.
pub async fn places(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson<Value>, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["q", "country", "limit"]);
    let q = params.one("q").map(|q| q.trim().to_owned()).unwrap_or_default();
    if q.is_empty() {
        params.fail("q", "is required: a place name, e.g. q=Tuscolano or q=Kaunas".into());
    } else if q.chars().count() > 100 {
        params.fail("q", "is longer than 100 characters".into());
    }
    let country = params.one("country").and_then(|c| match c.parse::<Country>() {
        Ok(c) => Some(c),
        Err(e) => {
            params.fail("country", e.to_string());
            None
        }
    });
    let limit = params.count("limit", 1..=50, 10);
    params.finish()?;
    let snapshot = state.snapshot();
    let features: Vec<Value> = search(&q, snapshot.places(), country, limit)
        .into_iter()
        .map(|p| {
            json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [p.lon, p.lat] },
                "properties": { "name": p.name, "kind": p.kind, "country": p.country, "population": p.population },
            })
        })
        .collect();
    Ok(GeoJson(json!({ "type": "FeatureCollection", "features": features })))
}
