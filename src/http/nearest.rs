//! `GET /api/nearest`: the k nearest matching resources, by geodesic distance.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::response::Response;
use serde_json::json;

use super::error::ApiError;
use super::geojson::{Collection, annotate, geojson_bytes, slot_annotations, write_property, write_spliced};
use super::offload::offload;
use super::params::{Params, present, query_params};
use crate::formats::geojson::ResourceFeature;
use crate::index::{Marks, Snapshot};
use crate::referral::{Entry, nearest_entries, nearest_entries_within};
use crate::state::AppState;

/// Results when no `k` is given.
pub const DEFAULT_K: usize = 10;
/// Most results one query returns.
pub const MAX_K: usize = 100;
/// Half the Earth's circumference: no two points are farther apart.
const MAX_KM: f64 = 20_004.0;

query_params! {
    /// The parameters of `GET /api/nearest`.
    pub struct NearestParams {
        /// Longitude in degrees (WGS84)
        #[param(minimum = -180, maximum = 180)]
        lon: f64,
        /// Latitude in degrees (WGS84)
        #[param(minimum = -90, maximum = 90)]
        lat: f64,
        /// How many (default 10)
        #[param(minimum = 1, maximum = 100)]
        k: Option<u32>,
        /// Only these categories (repeat or comma-separate)
        category: Option<Vec<crate::model::Category>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// Only resources with any of these topics (repeat or comma-separate)
        topic: Option<Vec<crate::model::Topic>>,
        /// Words the name, city or description must contain
        #[param(max_length = 200)]
        q: Option<String>,
        /// Only records checked on or after this date (YYYY-MM-DD)
        verified_since: Option<String>,
        /// Only within this distance
        #[param(minimum = 0, maximum = 20004)]
        max_km: Option<f64>,
        /// Only resources open at `at` (or now)
        open_now: Option<bool>,
        /// The moment for opening hours (RFC 3339); default now
        at: Option<String>,
        /// Rank by `distance` (default) or by `transit`: arrival by public transport from the stored GTFS feed serving the point; each result then has `travel_s` (null when not reachable within the budget) and `transit` (its legs), and the collection states the parameters in `transit`
        by: Option<String>,
        /// With by=transit: when to leave, local time of the feed's zone (YYYY-MM-DDTHH:MM); default now
        depart: Option<String>,
    }
}

/// A FeatureCollection ordered by distance; each feature has `distance_m`,
/// and `open_now` / `next_change` from its opening hours (null if unknown).
#[utoipa::path(
    get,
    path = "/api/nearest",
    tag = "resources",
    params(
        NearestParams
    ),
    responses(
        (status = 200, description = "The k nearest resources, nearest first, with distance_m (by=transit: earliest arrival first, with travel_s and transit)", body = crate::http::openapi::NearestCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn nearest(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of::<NearestParams>(query.as_deref());
    let lon = params.required_number("lon", -180.0..=180.0, "a longitude in degrees");
    let lat = params.required_number("lat", -90.0..=90.0, "a latitude in degrees");
    let k = params.count("k", 1..=MAX_K, DEFAULT_K);
    let max_km = params.number("max_km", 0.0..=MAX_KM, "a distance in kilometres");
    let open_now = params.flag("open_now");
    let at = params.moment("at");
    let mut filter = params.filter();
    filter.verified_since = params.verified_since();
    let by_transit = super::transit::read(&mut params);
    let networks = state.transit();
    let network = match (by_transit, lon, lat) {
        (Some(_), Some(lon), Some(lat)) => match super::transit::network(&networks, [lon, lat]) {
            Ok(n) => Some(n),
            Err(reason) => {
                params.fail("by", reason);
                None
            }
        },
        _ => None,
    };
    params.finish()?;
    let (lon, lat) = (present("lon", lon)?, present("lat", lat)?);
    if let (Some(depart), Some(network)) = (by_transit, network) {
        let snapshot = state.snapshot();
        let max_m = max_km.map(|km| km * 1000.0);
        let candidates =
            nearest_entries(&snapshot, lon, lat, super::transit::CANDIDATES, max_m, &filter, open_now, at);
        let (date, depart_s) = super::transit::departure(network, depart, state.now());
        let ranked = super::transit::rank_in_pool(
            &state,
            &networks,
            network,
            &snapshot,
            [lon, lat],
            (date, depart_s),
            candidates,
            k,
        )
        .await?;
        let (entries, journeys): (Vec<_>, Vec<_>) = ranked.into_iter().unzip();
        let origin = state.reference().countries.at(lon, lat);
        let body = collection_json(&snapshot, &entries, at, &state.reference().gazetteer)
            .and_then(|b| super::transit::annotate(&b, network, date, depart_s, &journeys))
            .map_err(|e| ApiError::Internal(format!("cannot serialise GeoJSON: {e}")))?;
        return Ok(geojson_bytes(with_origin(body, origin)));
    }

    let snapshot = state.snapshot();
    let max_m = max_km.map(|km| km * 1000.0);
    // A plain nearest search stops at the k-th match; open_now, q and
    // verified_since may walk past many that do not count, so those run in
    // the bounded pool, within the time budget.
    let entries = if open_now || filter.text.is_some() || filter.verified_since.is_some() {
        let snapshot = Arc::clone(&snapshot);
        offload(&state, "ask for a smaller max_km or a smaller k", move |budget| {
            nearest_entries_within(&snapshot, lon, lat, k, max_m, &filter, open_now, at, budget)
        })
        .await?
    } else {
        nearest_entries(&snapshot, lon, lat, k, max_m, &filter, false, at)
    };
    let origin = state.reference().countries.at(lon, lat);
    match collection_json(&snapshot, &entries, at, &state.reference().gazetteer) {
        Ok(body) => Ok(geojson_bytes(with_origin(body, origin))),
        Err(e) => Err(ApiError::Internal(format!("cannot serialise GeoJSON: {e}"))),
    }
}

/// The collection with the foreign member `origin`: the covered country
/// holding the query point (`null` outside them), so that a list can say
/// which of the nearest lie abroad, and that the directory has none nearer.
fn with_origin(mut body: Vec<u8>, country: Option<crate::model::Country>) -> Vec<u8> {
    const HEAD: &[u8] = br#"{"type":"FeatureCollection","#;
    let member = match country {
        Some(c) => format!(r#""origin":{{"country":"{}"}},"#, c.as_str()),
        None => r#""origin":{"country":null},"#.to_owned(),
    };
    if body.starts_with(HEAD) {
        body.splice(HEAD.len()..HEAD.len(), member.into_bytes());
    }
    body
}

/// A FeatureCollection of referral entries, with their distance, how to
/// reach them, whether they are open at `at` and their next seven days.
pub fn collection<'a>(
    snapshot: &'a Snapshot,
    entries: &[Entry],
    at: chrono::DateTime<chrono::Utc>,
    localities: &crate::places::Gazetteer,
) -> Collection<'a> {
    let features = entries
        .iter()
        .map(|e| {
            let r = snapshot.index().resource(e.index);
            entry_properties(e)
                .into_iter()
                .fold(annotate(ResourceFeature::new(r), r, at, localities), |f, (k, v)| f.with(k, v))
        })
        .collect();
    Collection::new(features)
}

/// [`collection`] as JSON bytes, written from each record's Feature
/// serialised once in the snapshot, with the request-time properties
/// spliced in: the same document, byte for byte, without serialising each
/// record again.
pub fn collection_json(
    snapshot: &Snapshot,
    entries: &[Entry],
    at: chrono::DateTime<chrono::Utc>,
    localities: &crate::places::Gazetteer,
) -> serde_json::Result<Vec<u8>> {
    let index = snapshot.index();
    // Each record's head and marks first, then the head's bytes: the
    // memory reads of all entries overlap (see `warm`).
    let heads: Vec<(Option<&str>, Marks)> =
        entries.iter().map(|e| (index.feature_head(e.index), index.marks(e.index))).collect();
    warm(heads.iter().map(|(h, _)| *h));
    let size = heads.iter().map(|(h, _)| h.map_or(0, str::len) + 96).sum::<usize>();
    let mut out = Vec::with_capacity(64 + size);
    out.extend_from_slice(br#"{"type":"FeatureCollection","features":["#);
    for (i, (e, (head, marks))) in entries.iter().zip(&heads).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let annotations = slot_annotations(index, e.index, *marks, at, localities);
        match head {
            Some(head) => write_spliced(&mut out, head, &annotations, |out| write_entry_properties(out, e))?,
            None => serde_json::to_writer(
                &mut out,
                &annotations
                    .into_iter()
                    .chain(entry_properties(e))
                    .fold(ResourceFeature::new(index.resource(e.index)), |f, (k, v)| f.with(k, v)),
            )?,
        }
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// Reads one byte of each cache line of the heads before any is copied.
/// Each head sits somewhere in a large heap; touched in one pass, their
/// cache misses overlap, where copying head after head meets them one
/// after another (at 1M records, most of the copying time).
fn warm<'a>(heads: impl Iterator<Item = Option<&'a str>>) {
    let sum = heads.flatten().flat_map(|h| h.as_bytes().iter().step_by(64)).fold(0u8, |a, &b| a ^ b);
    std::hint::black_box(sum);
}

/// [`entry_properties`] written straight into `out`, each as
/// `,"key":value`, with no `Value` in between.
fn write_entry_properties(out: &mut Vec<u8>, e: &Entry) -> serde_json::Result<()> {
    let status = e.status.as_ref();
    write_property(out, "distance_m", &e.distance_m.map(|d| (d * 10.0).round() / 10.0))?;
    write_property(out, "reach", &e.reach)?;
    write_property(out, "open_now", &status.and_then(|s| s.open_now))?;
    write_property(out, "next_change", &status.and_then(|s| s.next_change.as_deref()))
}

/// The properties a referral entry adds after the record's own, in order.
fn entry_properties(e: &Entry) -> [(&'static str, serde_json::Value); 4] {
    let status = e.status.as_ref();
    [
        ("distance_m", json!(e.distance_m.map(|d| (d * 10.0).round() / 10.0))),
        ("reach", json!(e.reach)),
        ("open_now", json!(status.and_then(|s| s.open_now))),
        ("next_change", json!(status.and_then(|s| s.next_change.clone()))),
    ]
}
