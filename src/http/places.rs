//! `GET /api/places?q=`: place search for callers, as GeoJSON points; with
//! an external geocoder configured, its street addresses follow the
//! built-in matches.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::geojson::GeoJson;
use super::params::Params;
use crate::geocoder::{self, Query};
use crate::model::Country;
use crate::places::{Place, search};
use crate::state::AppState;

fn feature(p: &Place, external: bool) -> Value {
    let mut props =
        json!({ "name": p.name, "kind": p.kind, "country": p.country, "population": p.population });
    if external {
        props["source"] = json!("geocoder");
    }
    json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [p.lon, p.lat] },
        "properties": props,
    })
}

/// Ranked places whose name (or alternate name) matches `q`; then, when a
/// geocoder is configured and `geocoder` is not `false`, up to `limit` of its
/// addresses not found already. Whatever the geocoder does, the answer is the
/// built-in one plus a `geocoder` member: `ok`, `unavailable` or `busy`.
pub async fn places(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson<Value>, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["q", "country", "limit", "lang", "geocoder"]);
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
    let lang = params.one("lang").map(|l| l.trim().to_ascii_lowercase());
    if let Some(l) = &lang {
        if !(2..=3).contains(&l.len()) || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            params.fail("lang", format!("'{l}' is not a language code such as it, en, de, bg or lt"));
        }
    }
    let wanted = match params.one("geocoder").as_deref().map(str::trim) {
        None | Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            params.fail("geocoder", format!("'{other}' is not true or false"));
            false
        }
    };
    params.finish()?;

    let snapshot = state.snapshot();
    let built_in: Vec<Place> = search(&q, snapshot.places(), country, limit).into_iter().cloned().collect();
    let mut features: Vec<Value> = built_in.iter().map(|p| feature(p, false)).collect();
    let mut body = Map::new();
    body.insert("type".into(), json!("FeatureCollection"));
    if let (Some(g), true) = (state.geocoder(), wanted) {
        let ask = Query { text: q, country, lang, limit };
        match g.search(&ask).await {
            Ok(found) => {
                let listed: Vec<&Place> = built_in.iter().collect();
                features.extend(geocoder::new_results(&listed, &found).into_iter().map(|p| feature(p, true)));
                body.insert("geocoder".into(), json!("ok"));
                body.insert("attribution".into(), json!(geocoder::ATTRIBUTION));
            }
            Err(e) => {
                body.insert("geocoder".into(), json!(e.code()));
                let why = match e {
                    geocoder::GeocoderError::Busy => "was skipped to keep to its request rate",
                    _ => "is not available right now",
                };
                let note = format!("the external address search {why}; only built-in places are listed");
                body.insert("notes".into(), json!([note]));
            }
        }
    }
    body.insert("features".into(), Value::Array(features));
    Ok(GeoJson(Value::Object(body)))
}
