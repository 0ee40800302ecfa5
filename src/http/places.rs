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
use crate::places::{Bias, Bounds, Found, Home, Place, PlaceKind, ambiguous, is_street_address, search};
use crate::reference::ReferenceData;
use crate::state::AppState;
use crate::streets::{Precision, StreetMatch};

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

/// The note for a house number the street map does not hold.
fn missing_number_note(number: &str, street: &str) -> String {
    format!("house number {number} of {street} is not in the street map: the street is given, not a house")
}

/// A street-map place as a GeoJSON feature: a house, a street (with its
/// extent as `bbox`) or a named place, with its precision.
fn street_feature(m: &StreetMatch, home: &Home, reference: &ReferenceData) -> Value {
    let p = m.place;
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
    let mut found: Vec<Found> = search(&q, own, reference.places(), country, limit, &bias);
    // A house number asked for: a resource's address with another number is
    // another house, not an answer.
    if let Some(n) = crate::streets::parse(&q).number {
        found.retain(|f| {
            f.place.kind != PlaceKind::Address
                || crate::streets::parse(&f.place.name)
                    .number
                    .is_some_and(|m| crate::streets::same_number(&m, &n))
        });
    }
    let map = state.streets();
    // Among equally good matches (the same street name in several towns),
    // the nearest to the map's view or home first.
    let centre = view.map(|v| v.centre()).or_else(|| bias.home.centre());
    let mut streets: Vec<StreetMatch> = map.streets.search(&q, limit.saturating_mul(20));
    if let Some(c) = centre {
        streets.sort_by(|a, b| {
            (a.edits, a.prefix).cmp(&(b.edits, b.prefix)).then(a.precision.cmp(&b.precision)).then(
                crate::sphere::geodesic_m(c, a.place.point)
                    .total_cmp(&crate::sphere::geodesic_m(c, b.place.point)),
            )
        });
    }
    streets.truncate(limit);
    let streets: Vec<StreetMatch> = streets
        .into_iter()
        .filter(|m| {
            country.is_none() || reference.countries.at(m.place.point[0], m.place.point[1]) == country
        })
        // A named place the gazetteer also knows as a locality or quarter,
        // within 2 km, is listed once (the gazetteer's, which names its municipi).
        .filter(|m| {
            m.precision != Precision::Neighbourhood
                || !found.iter().any(|f| {
                    f.place.kind != PlaceKind::Neighbourhood
                        && f.place
                            .point()
                            .is_some_and(|at| crate::sphere::geodesic_m(at, m.place.point) <= 2_000.0)
                        && crate::streets::key(&f.place.name) == crate::streets::key(&m.place.name)
                })
        })
        .collect();
    // A shipped neighbourhood point (Who's On First, approximate) gives way to
    // the deployment's own street map for the same name within 10 km.
    found.retain(|f| {
        f.place.kind != PlaceKind::Neighbourhood
            || !streets.iter().any(|m| {
                m.precision == Precision::Neighbourhood
                    && f.place
                        .point()
                        .is_some_and(|at| crate::sphere::geodesic_m(at, m.place.point) <= 10_000.0)
                    && crate::streets::key(&f.place.name) == crate::streets::key(&m.place.name)
            })
    });
    // A resource's address that is also a house of the street map is listed once.
    found.retain(|f| {
        f.place.kind != PlaceKind::Address
            || !streets.iter().any(|m| {
                m.precision == Precision::House
                    && f.place.point().is_some_and(|at| crate::sphere::geodesic_m(at, m.place.point) <= 100.0)
            })
    });
    let house = streets.iter().any(|m| m.precision == Precision::House);
    let street_only = !house && streets.iter().any(|m| m.missing_number.is_some());
    // A house or street asked for comes first; otherwise the gazetteer's good
    // matches near home, the street map's exact ones, the rest, its typos.
    let (good, rest): (Vec<&Found>, Vec<&Found>) =
        found.iter().partition(|f| f.tier() <= 1 && !house && !street_only);
    let (exact, typos): (Vec<&StreetMatch>, Vec<&StreetMatch>) = streets.iter().partition(|m| m.edits == 0);
    let mut features: Vec<Value> = Vec::new();
    let mut listed: Vec<Place> = Vec::new();
    let built = |f: &Found| feature(f.place, false, &bias.home, reference);
    let street = |m: &StreetMatch| street_feature(m, &bias.home, reference);
    features.extend(good.iter().map(|f| built(f)));
    features.extend(exact.iter().map(|m| street(m)));
    features.extend(rest.iter().map(|f| built(f)));
    features.extend(typos.iter().map(|m| street(m)));
    features.truncate(limit);
    listed.extend(found.iter().map(|f| f.place.clone()));
    listed.extend(streets.iter().map(|m| Place {
        name: m.place.name.clone(),
        kind: PlaceKind::Address,
        lon: m.place.point[0],
        lat: m.place.point[1],
        ..Place::default()
    }));
    let is_ambiguous = if house || street_only { streets_apart(&streets) } else { ambiguous(&found) };
    let mut body = Map::new();
    body.insert("type".into(), json!("FeatureCollection"));
    body.insert("ambiguous".into(), json!(is_ambiguous));
    let mut notes: Vec<String> = Vec::new();
    if house {
        body.insert("address".into(), json!("house"));
    } else if street_only {
        body.insert("address".into(), json!("street"));
        if let Some(m) = streets.iter().find(|m| m.missing_number.is_some()) {
            notes.push(missing_number_note(m.missing_number.as_deref().unwrap_or_default(), &m.place.name));
        }
    } else if state.geocoder().is_none()
        && (is_street_address(&q) || is_street_address(q.split(',').next().unwrap_or(&q)))
    {
        body.insert("address".into(), json!("needs_geocoder"));
        notes.push(NEEDS_GEOCODER.to_owned());
    }
    if !streets.is_empty() {
        body.insert("street_map_attribution".into(), json!(STREET_MAP_ATTRIBUTION));
    }
    if let (Some(g), true) = (state.geocoder(), wanted) {
        let ask = Query { text: q, country, lang, limit };
        match g.search(&ask).await {
            Ok(found) => {
                let listed: Vec<&Place> = listed.iter().collect();
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

/// Do the first two houses or streets found lie more than 20 km apart (the
/// same street name in two cities)?
fn streets_apart(found: &[StreetMatch]) -> bool {
    match found {
        [a, b, ..] if a.edits == b.edits && a.precision == b.precision => {
            crate::sphere::geodesic_m(a.place.point, b.place.point) > 20_000.0
        }
        _ => false,
    }
}
