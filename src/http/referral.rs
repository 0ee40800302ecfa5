//! `GET /api/referral`: the competent centres for a caller's place, the
//! nearest alternatives for a need, and what is open now.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::{Value, json};

use super::error::ApiError;
use super::nearest::collection;
use super::params::{Params, present, query_params};
use crate::model::Topic;
use crate::referral::{DEFAULT_MAX_KM, Origin, Request, refer};
use crate::service::referral as rules;
use crate::state::AppState;

/// Alternatives when no `k` is given.
pub const DEFAULT_K: usize = 5;

/// The farthest `max_km` a referral takes.
pub const MAX_KM: f64 = 500.0;

query_params! {
    /// The parameters of `GET /api/referral`.
    pub struct ReferralParams {
        /// Longitude in degrees (WGS84); with lat, or use place
        #[param(minimum = -180, maximum = 180)]
        lon: Option<f64>,
        /// Latitude in degrees (WGS84); with lon, or use place
        #[param(minimum = -90, maximum = 90)]
        lat: Option<f64>,
        /// A place name or id instead of lon/lat
        place: Option<String>,
        /// What the person needs
        need: crate::model::Topic,
        /// How many (default 5)
        #[param(minimum = 1, maximum = 100)]
        k: Option<u32>,
        /// Only resources open at `at` (or now)
        open_now: Option<bool>,
        /// The moment for opening hours (RFC 3339); default now
        at: Option<String>,
        /// Farthest alternative
        #[param(minimum = 1, maximum = 500)]
        max_km: Option<f64>,
        /// Rank the alternatives by `distance` (default) or `transit`: arrival by public transport; every competent service and alternative then has `travel_s` and `transit` (legs), and the answer states the parameters in `transit`
        by: Option<String>,
        /// With by=transit: when to leave, local time of the feed's zone (YYYY-MM-DDTHH:MM); default now
        depart: Option<String>,
    }
}

/// The referral for a point (`lon`, `lat`) or a place picked by name
/// (`place`: a quarter, municipio or area id from `/api/places`).
#[utoipa::path(
    get,
    path = "/api/referral",
    tag = "desk",
    params(
        ReferralParams
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
    let mut params = Params::of::<ReferralParams>(query.as_deref());
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
    let place = place_id.as_deref().and_then(|id| match rules::place(&snapshot, reference, id) {
        Ok(p) => Some(p),
        Err(e) => {
            params.fail_all(e);
            None
        }
    });
    let own_point = place.and_then(rules::own_point);
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
        Some(p) => rules::origin(p),
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
    let areas = rules::areas(&snapshot, reference, &r.area_ids, r.country);
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
