//! `GET /api/places?q=`: place search for callers, as GeoJSON points; with
//! an external geocoder configured, its street addresses follow the
//! built-in matches.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::geojson::GeoJson;
use super::params::{Params, query_params};
use crate::geocoder;
use crate::model::Country;
use crate::places::{Bounds, Home, Place, PlaceKind};
use crate::reference::ReferenceData;
use crate::service::Service;
use crate::service::places::{AddressFound, Hit, PlaceQuery, StreetHit, missing_number_note};
use crate::state::AppState;
use crate::streets::Precision;

/// A place as a GeoJSON feature: its id (for `/api/referral?place=`), city,
/// region and distance from home, and for a quarter its municipi, how much
/// of it lies there, and where its approximate point comes from.
fn feature(p: &Place, external: bool, home: &Home, reference: &ReferenceData) -> Value {
    let mut props = json!({ "name": p.name, "kind": p.kind, "precision": precision(p), "country": p.country,
                            "population": p.population });
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
    if p.kind == PlaceKind::Neighbourhood {
        props["attribution"] = json!(NEIGHBOURHOODS_ATTRIBUTION);
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

/// How precisely a built-in or geocoder place places what was asked.
fn precision(p: &Place) -> Precision {
    match p.kind {
        PlaceKind::Address => Precision::House,
        PlaceKind::Quarter | PlaceKind::Neighbourhood => Precision::Neighbourhood,
        PlaceKind::Municipio | PlaceKind::Area => Precision::District,
        PlaceKind::Locality => Precision::Locality,
    }
}

/// Credit for the shipped neighbourhoods (`data/neighbourhoods.tsv`).
pub const NEIGHBOURHOODS_ATTRIBUTION: &str = "Who's On First";

/// Credit for every place from the street map.
pub const STREET_MAP_ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// A street-map place as a GeoJSON feature: a house, a street (with its
/// extent as `bbox`) or a named place, with its precision.
fn street_feature(m: &StreetHit, home: &Home, reference: &ReferenceData) -> Value {
    let p = &m.place;
    // OpenStreetMap's own precision: 7 decimals.
    let r = |v: f64| (v * 1e7).round() / 1e7;
    let [x, y] = p.point.map(r);
    let (kind, name) = match m.precision {
        Precision::House => {
            ("address", format!("{} {}", p.name, p.housenumber.as_deref().unwrap_or_default()))
        }
        Precision::Street => ("street", p.name.clone()),
        _ => ("neighbourhood", p.name.clone()),
    };
    let name = match &p.city {
        Some(c) => format!("{name}, {c}"),
        None => name,
    };
    let mut props = json!({
        "name": name,
        "kind": kind,
        "precision": m.precision,
        "source": "street_map",
        "country": reference.countries.at(x, y),
        "city": p.city,
        "region": reference.region_names.at(x, y).first().map(|a| a.name.clone()),
        "distance_from_home_m": home.centre().map(|h| crate::sphere::geodesic_m(h, p.point).round()),
        "attribution": STREET_MAP_ATTRIBUTION,
    });
    if m.precision != Precision::Neighbourhood {
        props["street"] = json!(p.name);
    }
    if let Some(n) = &p.housenumber {
        props["housenumber"] = json!(n);
    }
    if let Some(n) = &m.missing_number {
        props["housenumber_asked"] = json!(n);
        props["note"] = json!(missing_number_note(n, &p.name));
    }
    let mut f = json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [x, y] },
        "properties": props,
    });
    if let Some(b) = p.extent {
        f["bbox"] = json!(b.map(r));
    }
    f
}

/// The note for a street with a house number that no geocoder can place.
pub use crate::service::places::NEEDS_GEOCODER;

query_params! {
    /// The parameters of `GET /api/places`.
    pub struct PlaceParams {
        /// The place name typed
        #[param(max_length = 100)]
        q: String,
        /// Only this country, ISO 3166-1 alpha-2
        country: Option<crate::model::Country>,
        /// How many (default 10)
        #[param(minimum = 1, maximum = 50)]
        limit: Option<u32>,
        /// Language of names (2-3 lowercase letters)
        lang: Option<String>,
        /// Also ask the configured geocoder
        geocoder: Option<bool>,
        /// The map view west,south,east,north, to rank near places first
        view: Option<String>,
    }
}

/// Ranked places whose name (or alternate name) matches `q`; then, when a
/// geocoder is configured and `geocoder` is not `false`, up to `limit` of its
/// addresses not found already. Whatever the geocoder does, the answer is the
/// built-in one plus a `geocoder` member: `ok`, `unavailable` or `busy`.
#[utoipa::path(
    get,
    path = "/api/places",
    tag = "desk",
    params(
        PlaceParams
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
    let mut params = Params::of::<PlaceParams>(query.as_deref());
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
    let service = Service::new(state);
    let answer = service.places(PlaceQuery { text: q, country, limit, lang, geocoder: wanted, view }).await;
    let (home, reference) = (service.home(), service.state().reference());
    let features: Vec<Value> = (answer.hits.iter())
        .map(|hit| match hit {
            Hit::Gazetteer { place, external } => feature(place, *external, home, reference),
            Hit::Street(m) => street_feature(m, home, reference),
        })
        .collect();
    let mut body = Map::new();
    body.insert("type".into(), json!("FeatureCollection"));
    body.insert("ambiguous".into(), json!(answer.ambiguous));
    match answer.address {
        Some(AddressFound::House) => body.insert("address".into(), json!("house")),
        Some(AddressFound::Street) => body.insert("address".into(), json!("street")),
        Some(AddressFound::NeedsGeocoder) => body.insert("address".into(), json!("needs_geocoder")),
        None => None,
    };
    if answer.street_map {
        body.insert("street_map_attribution".into(), json!(STREET_MAP_ATTRIBUTION));
    }
    if let Some(outcome) = answer.geocoder {
        body.insert("geocoder".into(), json!(outcome));
        if outcome == "ok" {
            body.insert("attribution".into(), json!(geocoder::ATTRIBUTION));
        }
    }
    if !answer.notes.is_empty() {
        body.insert("notes".into(), json!(answer.notes));
    }
    body.insert("features".into(), Value::Array(features));
    Ok(GeoJson(Value::Object(body)))
}
