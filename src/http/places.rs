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
use crate::places::{Bias, Bounds, Found, Home, Place, ambiguous, is_street_address, search};
use crate::reference::ReferenceData;
use crate::state::AppState;

/// A place as a GeoJSON feature: its id (for `/api/referral?place=`), city,
/// region and distance from home, and for a quarter its municipi, how much
/// of it lies there, and where its approximate point comes from.
fn feature(p: &Place, external: bool, home: &Home, reference: &ReferenceData) -> Value {
    let mut props =
        json!({ "name": p.name, "kind": p.kind, "country": p.country, "population": p.population });
    if external {
        props["source"] = json!("geocoder");
    }
    if let Some(id) = &p.id {
        props["id"] = json!(id);
    }
    props["city"] = json!(p.city);
    let point = p.point();
    props["region"] =
        json!(point.and_then(|[x, y]| reference.region_names.at(x, y).first().map(|a| a.name.clone())));
    props["distance_from_home_m"] =
        json!(point.zip(home.centre()).map(|(p, h)| crate::sphere::geodesic_m(h, p).round()));
    if !p.municipi.is_empty() {
        let named: Vec<Value> = p
            .municipi
            .iter()
            .map(|id| json!({ "id": id, "name": reference.quarters.municipio_name(id).unwrap_or(id) }))
            .collect();
        props["municipi"] = Value::Array(named);
        props["extent"] = json!(p.extent);
    }
    if let Some(d) = &p.detail {
        props["detail"] = json!(d);
    }
    if let Some(source) = p.point_source {
        props["point_source"] = json!(source);
        props["approximate"] = json!(true);
    }
    json!({
        "type": "Feature",
        "geometry": point.map(|[x, y]| json!({ "type": "Point", "coordinates": [x, y] })),
        "properties": props,
    })
}

/// The note for a street with a house number that no geocoder can place.
pub const NEEDS_GEOCODER: &str = "street addresses need a geocoder: pick the quarter, or click the map";

/// Ranked places whose name (or alternate name) matches `q`; then, when a
/// geocoder is configured and `geocoder` is not `false`, up to `limit` of its
/// addresses not found already. Whatever the geocoder does, the answer is the
/// built-in one plus a `geocoder` member: `ok`, `unavailable` or `busy`.
#[utoipa::path(
    get,
    path = "/api/places",
    tag = "desk",
    params(
        ("q" = String, Query, max_length = 100, description = "The place name typed"),
        ("country" = Option<crate::model::Country>, Query, description = "Only this country, ISO 3166-1 alpha-2"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 50, description = "How many (default 10)"),
        ("lang" = Option<String>, Query, description = "Language of names (2-3 lowercase letters)"),
        ("geocoder" = Option<bool>, Query, description = "Also ask the configured geocoder"),
        ("view" = Option<String>, Query, description = "The map view west,south,east,north, to rank near places first")
    ),
    responses(
        (status = 200, description = "Matching places", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn places(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<GeoJson<Value>, ApiError> {
    let mut params = Params::parse(query.as_deref(), &["q", "country", "limit", "lang", "geocoder", "view"]);
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
    let view = params.one("view").and_then(|v| match Bounds::parse(&v) {
        Ok(b) => Some(b),
        Err(e) => {
            params.fail("view", e);
            None
        }
    });
    params.finish()?;

    let snapshot = state.snapshot();
    let reference = state.reference();
    let bias = Bias { home: state.home().clone(), view };
    let own = snapshot.places(&reference.quarters);
    let found: Vec<Found> = search(&q, own, reference.places(), country, limit, &bias);
    let is_ambiguous = ambiguous(&found);
    let built_in: Vec<Place> = found.iter().map(|f| f.place.clone()).collect();
    let mut features: Vec<Value> =
        built_in.iter().map(|p| feature(p, false, &bias.home, reference)).collect();
    let mut body = Map::new();
    body.insert("type".into(), json!("FeatureCollection"));
    body.insert("ambiguous".into(), json!(is_ambiguous));
    let mut notes: Vec<String> = Vec::new();
    if state.geocoder().is_none() && is_street_address(&q) {
        body.insert("address".into(), json!("needs_geocoder"));
        notes.push(NEEDS_GEOCODER.to_owned());
    }
    if let (Some(g), true) = (state.geocoder(), wanted) {
        let ask = Query { text: q, country, lang, limit };
        match g.search(&ask).await {
            Ok(found) => {
                let listed: Vec<&Place> = built_in.iter().collect();
                features.extend(
                    geocoder::new_results(&listed, &found)
                        .into_iter()
                        .map(|p| feature(p, true, &bias.home, reference)),
                );
                body.insert("geocoder".into(), json!("ok"));
                body.insert("attribution".into(), json!(geocoder::ATTRIBUTION));
            }
            Err(e) => {
                body.insert("geocoder".into(), json!(e.code()));
                let why = match e {
                    geocoder::GeocoderError::Busy => "was skipped to keep to its request rate",
                    _ => "is not available right now",
                };
                notes.push(format!("the external address search {why}; only built-in places are listed"));
            }
        }
    }
    if !notes.is_empty() {
        body.insert("notes".into(), json!(notes));
    }
    body.insert("features".into(), Value::Array(features));
    Ok(GeoJson(Value::Object(body)))
}
