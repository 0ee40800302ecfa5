//! `GET /api/nearest`: the k nearest matching resources, by geodesic distance.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::error::ApiError;
use super::geojson::GeoJson;
use super::params::{Params, present};
use crate::formats::geojson::feature;
use crate::state::AppState;

/// Results when no `k` is given.
pub const DEFAULT_K: usize = 10;
/// Most results one query returns.
pub const MAX_K: usize = 100;
/// Half the Earth's circumference: no two points are farther apart.
const MAX_KM: f64 = 20_004.0;

/// A FeatureCollection ordered by distance; each feature has `distance_m`.
pub async fn nearest(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson, ApiError> {
    let mut params =
        Params::parse(query.as_deref(), &["lon", "lat", "k", "category", "country", "topic", "q", "max_km"]);
    let lon = params.required_number("lon", -180.0..=180.0, "a longitude in degrees");
    let lat = params.required_number("lat", -90.0..=90.0, "a latitude in degrees");
    let k = params.count("k", 1..=MAX_K, DEFAULT_K);
    let max_km = params.number("max_km", 0.0..=MAX_KM, "a distance in kilometres");
    let filter = params.filter();
    params.finish()?;
    let (lon, lat) = (present("lon", lon)?, present("lat", lat)?);

    let snapshot = state.snapshot();
    let features: Vec<Value> = snapshot
        .nearest(lon, lat, k, max_km.map(|km| km * 1000.0), &filter)
        .into_iter()
        .map(|hit| {
            let distance = (hit.distance_m * 10.0).round() / 10.0;
            feature(snapshot.resource(hit.index), [("distance_m", json!(distance))])
        })
        .collect();
    Ok(GeoJson(json!({ "type": "FeatureCollection", "features": features })))
}
