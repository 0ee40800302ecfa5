//! The help-desk referral: for a point, the areas holding it, the centres
//! competent for them, the nearest services that meet a need, and what is
//! open now.
//!
//! Rules, in words:
//! - a resource is **competent** for a point when it serves an area that holds
//!   the point; a resource with no place and no served area (a national
//!   helpline) serves its whole country;
//! - services without a place are reached by phone (`reach: "phone"`);
//! - when a competent centre with a place is known to be closed now, the
//!   answer adds the **after-hours** options that serve the point: crisis
//!   services and any competent or national service open now.

use chrono::{DateTime, Utc};

use crate::index::{Filter, Snapshot};
use crate::model::hours::{self, Status};
use crate::model::{Area, Category, Country, Resource, Topic};

/// How a person reaches a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// It has a place to go to.
    Visit,
    /// It has no place: phone (or online) only.
    Phone,
}

/// One service in a referral.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Position in the snapshot.
    pub index: u32,
    /// Geodesic distance from the point, for services with a place.
    pub distance_m: Option<f64>,
    /// Visit or phone.
    pub reach: Reach,
    /// Open now and next change, for services with opening hours.
    pub status: Option<Status>,
}

/// The answer for one point.
#[derive(Debug, Clone)]
pub struct Referral<'a> {
    /// The covered country holding the point, if any.
    pub country: Option<Country>,
    /// Areas holding the point, smallest first.
    pub areas: Vec<&'a Area>,
    /// Competent services, those with a place first by distance.
    pub competent: Vec<Entry>,
    /// The nearest services meeting the need.
    pub nearest: Vec<Entry>,
    /// After-hours options, when a competent centre is closed now.
    pub after_hours: Option<Vec<Entry>>,
    /// What the operator should know (no area, outside coverage…).
    pub notes: Vec<String>,
}

/// What the operator asks.
#[derive(Debug, Clone)]
pub struct Request {
    /// Longitude of the caller's place.
    pub lon: f64,
    /// Latitude of the caller's place.
    pub lat: f64,
    /// The need (a topic) that alternatives must meet.
    pub need: Option<Topic>,
    /// How many nearest alternatives.
    pub k: usize,
    /// Only services known to be open now among the alternatives.
    pub open_now: bool,
    /// The moment "now" means.
    pub at: DateTime<Utc>,
}

/// Builds the referral for a request.
pub fn refer<'a>(snapshot: &'a Snapshot, req: &Request) -> Referral<'a> {
    let country = crate::countries::country_at(req.lon, req.lat);
    let areas = snapshot.areas_at(req.lon, req.lat);
    let entry = |index: u32| make_entry(snapshot, index, Distance::From([req.lon, req.lat]), req.at);
    let mut notes = Vec::new();
    if country.is_none() {
        notes.push(
            "this point lies outside the countries witgis covers (Italy, Bulgaria, Germany, Lithuania); \
             the nearest services below may be far away"
                .to_owned(),
        );
    }
    if areas.is_empty() {
        notes
            .push("no loaded area holds this point, so no centre is known to be competent for it".to_owned());
    }

    let national =
        |r: &Resource| r.location.is_none() && r.serves_areas.is_empty() && Some(r.country) == country;
    let mut competent_ids: Vec<u32> =
        areas.iter().flat_map(|a| snapshot.serving(&a.id).iter().copied()).collect();
    competent_ids.extend((0..snapshot.len() as u32).filter(|&i| national(snapshot.resource(i))));
    competent_ids.sort_unstable();
    competent_ids.dedup();
    let mut competent: Vec<Entry> = competent_ids.iter().map(|&i| entry(i)).collect();
    competent.sort_by(|a, b| match (a.distance_m, b.distance_m) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.index.cmp(&b.index),
    });

    let filter = Filter { topics: req.need.into_iter().collect(), ..Filter::default() };
    let nearest = nearest_entries(snapshot, req.lon, req.lat, req.k, None, &filter, req.open_now, req.at);
    let is_open = |e: &Entry| e.status.as_ref().and_then(|s| s.open_now) == Some(true);

    let closed_centre = competent
        .iter()
        .any(|e| e.reach == Reach::Visit && e.status.as_ref().and_then(|s| s.open_now) == Some(false));
    let after_hours = closed_centre.then(|| {
        competent
            .iter()
            .filter(|e| snapshot.resource(e.index).category == Category::CrisisService || is_open(e))
            .cloned()
            .collect()
    });
    Referral { country, areas, competent, nearest, after_hours, notes }
}

/// The k nearest services passing the filter (within `max_m`), with their
/// opening status at `at`; with `open_only`, only those known to be open,
/// widening the search until k are found.
#[allow(clippy::too_many_arguments)]
pub fn nearest_entries(
    snapshot: &Snapshot,
    lon: f64,
    lat: f64,
    k: usize,
    max_m: Option<f64>,
    filter: &Filter,
    open_only: bool,
    at: DateTime<Utc>,
) -> Vec<Entry> {
    let entry = |h: crate::index::Hit| make_entry(snapshot, h.index, Distance::Known(h.distance_m), at);
    if !open_only {
        return snapshot.nearest(lon, lat, k, max_m, filter).into_iter().map(entry).collect();
    }
    let is_open = |e: &Entry| e.status.as_ref().and_then(|s| s.open_now) == Some(true);
    let mut want = k.saturating_mul(4).max(16);
    loop {
        let hits = snapshot.nearest(lon, lat, want, max_m, filter);
        let exhausted = hits.len() < want;
        let open: Vec<Entry> = hits.into_iter().map(entry).filter(is_open).take(k).collect();
        if open.len() == k || exhausted {
            return open;
        }
        want = want.saturating_mul(4);
    }
}

enum Distance {
    Known(f64),
    From([f64; 2]),
}

/// An entry; `distance` is the geodesic distance from the point, when the
/// caller knows it already, or the point to measure it from.
fn make_entry(snapshot: &Snapshot, index: u32, distance: Distance, at: DateTime<Utc>) -> Entry {
    let r = snapshot.resource(index);
    let distance_m = match distance {
        Distance::Known(d) => Some(d),
        Distance::From(from) => r.point().map(|p| crate::sphere::geodesic_m(from, p)),
    };
    let status = r.opening_hours.as_deref().and_then(|oh| hours::status(oh, r.country, at));
    let reach = if r.location.is_some() { Reach::Visit } else { Reach::Phone };
    Entry { index, distance_m, reach, status }
}
