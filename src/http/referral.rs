//! `GET /api/referral`: the competent centres for a caller's place, the
//! nearest alternatives for a need, and what is open now.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::error::ApiError;
use super::nearest::collection;
use super::params::{Params, present};
use crate::formats::areas::summary;
use crate::model::Topic;
use crate::referral::{Request, refer};
use crate::state::AppState;

/// Alternatives when no `k` is given.
pub const DEFAULT_K: usize = 5;

/// The referral for a point.
pub async fn referral(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["lon", "lat", "need", "k", "open_now", "at"]);
    let lon = params.required_number("lon", -180.0..=180.0, "a longitude in degrees");
    let lat = params.required_number("lat", -90.0..=90.0, "a latitude in degrees");
    let need = params.one("need").map(|n| n.parse::<Topic>());
    let k = params.count("k", 1..=super::nearest::MAX_K, DEFAULT_K);
    let open_now = params.flag("open_now");
    let at = params.moment("at");
    let need = match need {
        Some(Err(e)) => {
            params.fail("need", e.to_string());
            None
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    params.finish()?;
    let (lon, lat) = (present("lon", lon)?, present("lat", lat)?);

    let snapshot = state.snapshot();
    let r = refer(&snapshot, &Request { lon, lat, need, k, open_now, at });
    Ok(Json(json!({
        "point": { "lon": lon, "lat": lat },
        "at": at.to_rfc3339(),
        "need": need,
        "country": r.country,
        "areas": r.areas.iter().map(|a| summary(a)).collect::<Vec<_>>(),
        "notes": r.notes,
        "competent": collection(&snapshot, &r.competent, at),
        "nearest": collection(&snapshot, &r.nearest, at),
        "after_hours": r.after_hours.as_ref().map(|entries| collection(&snapshot, entries, at)),
    })))
}
