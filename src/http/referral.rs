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
use crate::places::{Extent, PlaceKind};
use crate::referral::{DEFAULT_MAX_KM, Origin, Request, refer};
use crate::state::AppState;

/// Alternatives when no `k` is given.
pub const DEFAULT_K: usize = 5;

/// The farthest `max_km` a referral takes.
pub const MAX_KM: f64 = 500.0;

/// The referral for a point (`lon`, `lat`) or a place picked by name
/// (`place`: a quarter, municipio or area id from `/api/places`).
#[utoipa::path(
    get,
    path = "/api/referral",
    tag = "desk",
    params(
        ("lon" = Option<f64>, Query, minimum = -180, maximum = 180, description = "Longitude in degrees (WGS84); with lat, or use place"),
        ("lat" = Option<f64>, Query, minimum = -90, maximum = 90, description = "Latitude in degrees (WGS84); with lon, or use place"),
        ("place" = Option<String>, Query, description = "A place name or id instead of lon/lat"),
        ("need" = crate::model::Topic, Query, description = "What the person needs"),
        ("k" = Option<u32>, Query, minimum = 1, maximum = 100, description = "How many (default 5)"),
        ("open_now" = Option<bool>, Query, description = "Only resources open at `at` (or now)"),
        ("at" = Option<String>, Query, description = "The moment for opening hours (RFC 3339); default now"),
        ("max_km" = Option<f64>, Query, minimum = 1, maximum = 500, description = "Farthest alternative"),
        ("by" = Option<String>, Query, description = "Rank the alternatives by `distance` (default) or `transit`: arrival by public transport; every competent service and alternative then has `travel_s` and `transit` (legs), and the answer states the parameters in `transit`"),
        ("depart" = Option<String>, Query, description = "With by=transit: when to leave, local time of the feed's zone (YYYY-MM-DDTHH:MM); default now")
    ),
    responses(
        (status = 200, description = "The competent services and the nearest alternatives", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn referral(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::parse(
        query.as_deref(),
        &["lon", "lat", "place", "need", "k", "open_now", "at", "max_km", "by", "depart"],
    );
    let place_id = params.one("place").map(|p| p.trim().to_owned());
    let (lon, lat) = if place_id.is_some() {
        if params.one("lon").is_some() || params.one("lat").is_some() {
            params.fail("place", "give either place or lon and lat, not both".into());
        }
        (None, None)
    } else {
        (
            params.required_number("lon", -180.0..=180.0, "a longitude in degrees"),
            params.required_number("lat", -90.0..=90.0, "a latitude in degrees"),
        )
    };
    let need = params.one("need").map(|n| n.parse::<Topic>());
    let k = params.count("k", 1..=super::nearest::MAX_K, DEFAULT_K);
    let open_now = params.flag("open_now");
    let at = params.moment("at");
    let max_km = params.number("max_km", 1.0..=MAX_KM, "a distance in kilometres").unwrap_or(DEFAULT_MAX_KM);
    let by_transit = super::transit::read(&mut params);
    let need = match need {
        Some(Err(e)) => {
            params.fail("need", e.to_string());
            None
        }
        Some(Ok(t)) => Some(t),
        None => None,
    };
    let snapshot = state.snapshot();
    let reference = state.reference();
    let place = place_id.as_deref().and_then(|id| {
        let found = snapshot
            .places(&reference.quarters)
            .get(id)
            .filter(|p| !p.municipi.is_empty() || p.kind == PlaceKind::Area);
        if found.is_none() {
            params.fail(
                "place",
                format!("'{id}' is not a quarter, municipio or area id: pick one from /api/places"),
            );
        }
        found
    });
    // Distances are measured from the place's own point (a quarter's or a
    // zone's), never from a point standing for a municipio or the area
    // holding a quarter: those can lie kilometres from the caller.
    let own_point = place.and_then(|p| {
        let representative = p.point_source == Some("area_interior")
            || p.kind == PlaceKind::Municipio
            || (p.kind == PlaceKind::Area && !p.municipi.is_empty());
        if representative { None } else { p.point() }
    });
    // By transit: from the caller's point or the place's own point.
    let networks = state.transit();
    let leave_from = match &place {
        Some(_) => own_point,
        None => lon.zip(lat).map(|(x, y)| [x, y]),
    };
    let network = match (by_transit, leave_from) {
        (Some(_), Some(p)) => super::transit::network(&networks, p).map_err(|e| params.fail("by", e)).ok(),
        (Some(_), None) if place.is_some() => {
            params.fail(
                "by",
                "this place has no single point to leave from: give lon and lat, or a quarter".into(),
            );
            None
        }
        _ => None,
    };
    params.finish()?;
    let origin = match place {
        // An area that is no municipio (an imported quarter): from its point.
        Some(p) if p.municipi.is_empty() => Origin::Point(p.point().unwrap_or([f64::NAN, f64::NAN])),
        Some(p) => Origin::Place {
            name: p.name.clone(),
            areas: p.municipi.clone(),
            extent: p.extent.unwrap_or(Extent::Whole),
            point: own_point,
            country: p.country,
        },
        None => Origin::Point([present("lon", lon)?, present("lat", lat)?]),
    };
    // By transit, more alternatives by distance are ranked by arrival and cut to k.
    let candidates = if network.is_some() { super::transit::CANDIDATES.max(k) } else { k };
    let mut r = refer(&snapshot, reference, &Request { origin, need, k: candidates, open_now, at, max_km });
    let transit = match (network, by_transit, leave_from) {
        (Some(network), Some(depart), Some(p)) => {
            let when = super::transit::departure(network, depart, state.now());
            let nearest = std::mem::take(&mut r.nearest);
            let ranked =
                super::transit::rank_in_pool(&state, &networks, network, &snapshot, p, when, nearest, k)
                    .await?;
            let (entries, journeys): (Vec<_>, Vec<_>) = ranked.into_iter().unzip();
            r.nearest = entries;
            let competent = std::mem::take(&mut r.competent);
            let n = competent.len();
            let ranked =
                super::transit::rank_in_pool(&state, &networks, network, &snapshot, p, when, competent, n)
                    .await?;
            let (entries, competent_journeys): (Vec<_>, Vec<_>) = ranked.into_iter().unzip();
            r.competent = entries;
            Some((network, when, journeys, competent_journeys))
        }
        _ => None,
    };
    let point = match (&place, &r) {
        (Some(_), _) => own_point.map(|[x, y]| json!({ "lon": x, "lat": y, "approximate": true })),
        (None, _) => Some(json!({ "lon": lon, "lat": lat, "approximate": false })),
    };
    let areas: Vec<Value> = r
        .area_ids
        .iter()
        .map(|id| match snapshot.area(id) {
            Some(a) => {
                let mut s = summary(a);
                s["loaded"] = json!(true);
                s
            }
            None => json!({ "id": id, "name": reference.quarters.municipio_name(id).unwrap_or(id), "kind": "municipio",
                            "country": "IT", "loaded": false }),
        })
        .collect();
    let mut nearest = serde_json::to_value(collection(&snapshot, &r.nearest, at, &reference.gazetteer))
        .map_err(|e| ApiError::Internal(format!("cannot serialise GeoJSON: {e}")))?;
    let mut competent = serde_json::to_value(collection(&snapshot, &r.competent, at, &reference.gazetteer))
        .map_err(|e| ApiError::Internal(format!("cannot serialise GeoJSON: {e}")))?;
    let transit = transit.map(|(network, (date, depart_s), journeys, competent_journeys)| {
        super::transit::annotate_features(&mut nearest, network, date, &journeys);
        super::transit::annotate_features(&mut competent, network, date, &competent_journeys);
        super::transit::stated(network, date, depart_s)
    });
    let mut answer = json!({
        "point": point,
        "place": place.map(|p| json!({ "id": p.id, "name": p.name, "kind": p.kind, "extent": p.extent,
                                        "detail": p.detail, "point_source": p.point_source })),
        "at": at.to_rfc3339(),
        "need": need,
        "max_km": max_km,
        "boundaries_loaded": !snapshot.areas().is_empty(),
        "country": r.country,
        "areas": areas,
        "notes": r.notes,
        "note_codes": r.note_codes,
        "competent": competent,
        "nearest": nearest,
        "after_hours": r.after_hours.as_ref().map(|entries| collection(&snapshot, entries, at, &reference.gazetteer)),
        "warnings": warnings(&snapshot, &r.warnings),
    });
    if let (Some(t), Some(obj)) = (transit, answer.as_object_mut()) {
        obj.insert("transit".into(), t);
    }
    Ok(Json(answer))
}

/// The warnings as the desk lists them: each service's id and names, why
/// it is not offered (or which alert holds), in words.
fn warnings(snapshot: &crate::index::Snapshot, warnings: &[crate::referral::Warning]) -> Vec<Value> {
    warnings
        .iter()
        .map(|w| {
            let r = snapshot.index().resource(w.index);
            json!({
                "id": r.id, "name": r.name, "name_en": r.name_en, "category": r.category,
                "reason": w.reason, "offered": w.offered, "competent": w.competent,
                "distance_m": w.distance_m.map(|d| (d * 10.0).round() / 10.0),
                "text": w.text,
            })
        })
        .collect()
}
