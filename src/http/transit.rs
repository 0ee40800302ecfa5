//! Reach by public transport for `/api/nearest?by=transit` and the
//! referral's alternatives: `by` and `depart` read, the candidates ranked
//! by arrival, and each result's `travel_s` and `transit` (legs) added.

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use serde_json::{Value, json};

use super::params::Params;
use crate::index::Snapshot;
use crate::referral::Entry;
use crate::transit::{Journey, Network, Networks};

/// How many nearest candidates (by distance) a transit ranking considers.
pub const CANDIDATES: usize = 100;

/// A request for reach by public transport: where the answer's times come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depart {
    /// `depart=` given: local wall-clock time in the feed's zone.
    At(NaiveDateTime),
    /// Not given: now.
    Now,
}

/// Reads `by` (`distance`, the default, or `transit`) and `depart`
/// (`YYYY-MM-DDTHH:MM[:SS]`, local time); `Some` when by transit.
pub fn read(params: &mut Params) -> Option<Depart> {
    let by = params.one("by");
    let depart = params.one("depart");
    let transit = match by.as_deref() {
        None | Some("distance") => false,
        Some("transit") => true,
        Some(other) => {
            params.fail("by", format!("'{other}' is not a way to rank: use distance or transit"));
            false
        }
    };
    let at = depart.as_deref().and_then(|d| {
        let parsed = NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(d, "%Y-%m-%dT%H:%M:%S"));
        match parsed {
            Ok(t) => Some(t),
            Err(_) => {
                params.fail("depart", format!("'{d}' is not a local date and time such as 2026-12-09T09:00"));
                None
            }
        }
    });
    if depart.is_some() && !transit {
        params.fail("depart", "depart is for by=transit".into());
    }
    transit.then_some(at.map_or(Depart::Now, Depart::At))
}

/// The feed serving the point, or why there is none (for a 400 on `by`).
pub fn network(networks: &Networks, p: [f64; 2]) -> Result<&Network, String> {
    networks.serving(p).ok_or_else(|| {
        if networks.feeds.is_empty() {
            "no public transport timetable is loaded on this server (witgis import-gtfs)".into()
        } else {
            "no stored timetable has a stop within walking reach of this point: rank by distance".into()
        }
    })
}

/// The local date and seconds after midnight a query leaves at.
pub fn departure(network: &Network, depart: Depart, now: chrono::DateTime<chrono::Utc>) -> (NaiveDate, u32) {
    let local = match depart {
        Depart::At(t) => t,
        Depart::Now => now.with_timezone(&network.zone).naive_local(),
    };
    (local.date(), local.time().num_seconds_from_midnight())
}

/// Journeys from `origin` to every entry, then the entries ranked by
/// arrival (reachable first, then the rest by distance), at most `k`.
pub fn rank(
    snapshot: &Snapshot,
    network: &Network,
    origin: [f64; 2],
    (date, depart_s): (NaiveDate, u32),
    entries: Vec<Entry>,
    k: usize,
) -> Vec<(Entry, Option<Journey>)> {
    let reach = network.router.scan(origin, date, depart_s);
    let index = snapshot.index();
    let mut ranked: Vec<(Entry, Option<Journey>)> = entries
        .into_iter()
        .map(|e| {
            let j = index.resource(e.index).point().and_then(|p| reach.journey(p));
            (e, j)
        })
        .collect();
    ranked.sort_by(|(a, ja), (b, jb)| {
        let key = |j: &Option<Journey>| j.as_ref().map_or(u32::MAX, |j| j.arrive_s);
        key(ja)
            .cmp(&key(jb))
            .then(a.distance_m.unwrap_or(f64::INFINITY).total_cmp(&b.distance_m.unwrap_or(f64::INFINITY)))
    });
    ranked.truncate(k);
    ranked
}

/// [`rank`] in the state's bounded pool of expensive queries, off the
/// request threads.
#[allow(clippy::too_many_arguments)]
pub async fn rank_in_pool(
    state: &crate::state::AppState,
    networks: &std::sync::Arc<Networks>,
    network: &Network,
    snapshot: &std::sync::Arc<Snapshot>,
    origin: [f64; 2],
    when: (NaiveDate, u32),
    entries: Vec<Entry>,
    k: usize,
) -> Result<Vec<(Entry, Option<Journey>)>, super::error::ApiError> {
    let Some(ix) = networks.feeds.iter().position(|n| std::ptr::eq(n, network)) else {
        return Err(super::error::ApiError::Internal("transit feed not among the loaded ones".into()));
    };
    let (networks, snapshot) = (std::sync::Arc::clone(networks), std::sync::Arc::clone(snapshot));
    super::offload::offload(state, "ask for a smaller k or max_km", move |_budget| {
        Ok(rank(&snapshot, &networks.feeds[ix], origin, when, entries, k))
    })
    .await
}

/// The properties a ranked result gets: `travel_s` (null when unreachable)
/// and `transit` (the journey, or `{"reachable": false}` with the budget).
pub fn properties(network: &Network, date: NaiveDate, journey: Option<&Journey>) -> (Value, Value) {
    match journey {
        Some(j) => (json!(j.travel_s()), network.journey_json(date, j)),
        None => (
            Value::Null,
            json!({"reachable": false, "budget_s": network.router.params().budget_s, "feed": network.id}),
        ),
    }
}

/// The stated parameters of the answer, as a foreign member.
pub fn stated(network: &Network, date: NaiveDate, depart_s: u32) -> Value {
    let p = network.router.params();
    json!({
        "feed": network.id,
        "time_zone": network.zone.name(),
        "depart": network.local(date, depart_s),
        "budget_s": p.budget_s,
        "walk_speed_mps": p.walk_speed_mps,
        "detour": p.detour,
        "max_walk_m": p.max_access_m,
        "transfer_radius_m": p.transfer_radius_m,
        "change_s": p.change_s,
    })
}

/// Adds `travel_s` and `transit` to each feature of a FeatureCollection in
/// the order of `journeys`.
pub fn annotate_features(doc: &mut Value, network: &Network, date: NaiveDate, journeys: &[Option<Journey>]) {
    if let Some(features) = doc.get_mut("features").and_then(Value::as_array_mut) {
        for (f, j) in features.iter_mut().zip(journeys) {
            let (travel, transit) = properties(network, date, j.as_ref());
            if let Some(props) = f.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert("travel_s".into(), travel);
                props.insert("transit".into(), transit);
            }
        }
    }
}

/// [`annotate_features`] on a serialised collection, with the stated
/// parameters as its foreign member `transit`.
pub fn annotate(
    body: &[u8],
    network: &Network,
    date: NaiveDate,
    depart_s: u32,
    journeys: &[Option<Journey>],
) -> serde_json::Result<Vec<u8>> {
    let mut doc: Value = serde_json::from_slice(body)?;
    annotate_features(&mut doc, network, date, journeys);
    if let Some(obj) = doc.as_object_mut() {
        obj.insert("transit".into(), stated(network, date, depart_s));
    }
    serde_json::to_vec(&doc)
}
