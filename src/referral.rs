//! The help-desk referral: for a point or a named place, the areas holding
//! it, the centres competent for them, the nearest services that meet a
//! need within a radius, and what is open now.
//!
//! Rules, in words:
//! - a resource is **competent** for a point when it serves an area that holds
//!   the point; a resource with no place and no served area (a national
//!   helpline) serves its whole country;
//! - a quarter or municipio picked by name is competent-for by the municipi
//!   it lies in, whether or not their outlines are loaded (`serves_areas`);
//! - services without a place are reached by phone (`reach: "phone"`);
//! - when a competent centre with a place is known to be closed now, the
//!   answer adds the **after-hours** options that serve the point: crisis
//!   services and any competent or national service open now;
//! - a service closed, temporarily closed, moved or with admissions
//!   suspended on the day (in its own time zone) is never offered, as
//!   competent, alternative or after-hours option: it appears only among the
//!   **warnings**, with the reason; an offered service with another alert
//!   holding that day is offered, and its alert is a warning too.

use chrono::{DateTime, NaiveDate, Utc};

use crate::index::{Filter, Marks, Snapshot};
use crate::model::hours::{self, Status};
use crate::model::status::AlertKind;
use crate::model::{Area, Category, Country, Resource, ServiceStatus, Topic, Unavailable};
use crate::places::Extent;
use crate::reference::ReferenceData;
use crate::work::{Budget, Stop};

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

/// The answer for one point or place.
#[derive(Debug, Clone)]
pub struct Referral<'a> {
    /// The covered country holding the point, if any.
    pub country: Option<Country>,
    /// Loaded areas holding the point (or named by the place), smallest first.
    pub areas: Vec<&'a Area>,
    /// The ids of the areas competence was looked up for: the loaded areas,
    /// or a place's municipi whether or not their outlines are loaded.
    pub area_ids: Vec<String>,
    /// Competent services: mental health centres first, then day centres
    /// and other sites, then phone-only services; by distance within each.
    pub competent: Vec<Entry>,
    /// The nearest services meeting the need, within the radius.
    pub nearest: Vec<Entry>,
    /// After-hours options, when a competent centre is closed now.
    pub after_hours: Option<Vec<Entry>>,
    /// What the operator should know (no area, outside coverage…), in English.
    pub notes: Vec<String>,
    /// Services not offered that day and why, and alerts on offered ones.
    pub warnings: Vec<Warning>,
    /// The same notes as codes with their parameters, one for each of
    /// `notes`, for a page to say in its own language.
    pub note_codes: Vec<NoteCode>,
}

/// A service the answer does not offer (or offers with an alert), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// Position in the snapshot.
    pub index: u32,
    /// `closed`, `temporarily_closed`, `moved`, `admissions_suspended`, or
    /// for an offered service the alert's kind (`reduced_service`, `other`).
    pub reason: &'static str,
    /// Whether the service is offered all the same (an alert that does not stop it).
    pub offered: bool,
    /// Whether it is competent for the caller's area.
    pub competent: bool,
    /// Geodesic distance from the point, for services with a place.
    pub distance_m: Option<f64>,
    /// The reason in words, e.g. "admissions suspended since 2026-04-15".
    pub text: String,
}

/// [`Resource::unavailable_at`] for the record in a slot, read only when
/// its marks say it has a status or alerts.
fn slot_unavailable(snapshot: &Snapshot, index: u32, at: DateTime<Utc>) -> Option<Unavailable> {
    if snapshot.index().marks(index).news {
        snapshot.index().resource(index).unavailable_at(at)
    } else {
        None
    }
}

/// Why a service is not offered, in words.
fn unavailable_text(r: &Resource, why: Unavailable, day: NaiveDate) -> String {
    let since = r.status_since.map(|d| format!(" since {d}")).unwrap_or_default();
    match why {
        Unavailable::Closed => format!("closed{since}"),
        Unavailable::TemporarilyClosed => {
            let until = r.status_until.map_or(" until further notice".to_owned(), |d| format!(" until {d}"));
            format!("temporarily closed{since}{until}")
        }
        Unavailable::Moved => {
            let to = [r.moved_address.clone(), r.moved_to.as_ref().map(|id| format!("record {id}"))];
            let to: Vec<String> = to.into_iter().flatten().collect();
            format!("moved{since} to {}", to.join(", "))
        }
        Unavailable::AdmissionsSuspended => r
            .alerts
            .iter()
            .find(|a| a.kind == AlertKind::AdmissionsSuspended && a.active_on(day))
            .map_or_else(|| "admissions suspended".to_owned(), |a| a.describe()),
    }
}

/// The warnings for the entries that are not offered at `at` (removed from
/// `entries`), and for the alerts on those that are.
fn sort_out(
    snapshot: &Snapshot,
    entries: &mut Vec<Entry>,
    at: DateTime<Utc>,
    competent: bool,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    entries.retain(|e| {
        if !snapshot.index().marks(e.index).news {
            return true;
        }
        let r = snapshot.index().resource(e.index);
        let day = r.local_day(at);
        let warn = |reason, offered, text| Warning {
            index: e.index,
            reason,
            offered,
            competent,
            distance_m: e.distance_m,
            text,
        };
        if let Some(why) = r.unavailable_on(day) {
            warnings.push(warn(why.as_str(), false, unavailable_text(r, why, day)));
            return false;
        }
        for a in r.alerts.iter().filter(|a| a.active_on(day)) {
            warnings.push(warn(a.kind.as_str(), true, a.describe()));
        }
        true
    });
    warnings
}

/// A note as a code and its parameters: `no_boundaries`, `split`, `part`,
/// `point` (with `place` and `areas`), `approximate`, `no_point` (with
/// `place`), `outside`, `no_area`, `none_within` (with `km`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NoteCode {
    /// What the note says.
    pub code: &'static str,
    /// The place picked by name it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The ids of the areas it names (the answer's `areas` name them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<String>,
    /// A radius, km.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub km: Option<f64>,
}

impl NoteCode {
    fn new(code: &'static str) -> NoteCode {
        NoteCode { code, place: None, areas: Vec::new(), km: None }
    }

    fn about(code: &'static str, place: &str, areas: &[String]) -> NoteCode {
        NoteCode { place: Some(place.to_owned()), areas: areas.to_vec(), ..NoteCode::new(code) }
    }
}

/// Where the caller is: a point, or a named place (a quarter, municipio or
/// area) with the municipi it lies in and the best point known, if any.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A point the operator picked or clicked.
    Point([f64; 2]),
    /// A place picked by name.
    Place {
        /// Its name, for the notes.
        name: String,
        /// The area ids it lies in.
        areas: Vec<String>,
        /// Does it span several of them (or only partly lie in one)?
        extent: crate::places::Extent,
        /// An approximate point for the alternatives.
        point: Option<[f64; 2]>,
        /// Its country.
        country: Option<Country>,
    },
}

/// What the operator asks.
#[derive(Debug, Clone)]
pub struct Request {
    /// The caller's point or place.
    pub origin: Origin,
    /// The need (a topic) that alternatives must meet.
    pub need: Option<Topic>,
    /// How many nearest alternatives.
    pub k: usize,
    /// Only services known to be open now among the alternatives.
    pub open_now: bool,
    /// The moment "now" means.
    pub at: DateTime<Utc>,
    /// How far alternatives may be, in km.
    pub max_km: f64,
}

/// Alternatives farther than this are not offered, unless asked (km).
pub const DEFAULT_MAX_KM: f64 = 50.0;

/// Sort rank of a competent service: mental health centres, other sites,
/// then phone-only services.
fn competence_rank(r: &Resource) -> u8 {
    match (r.location.is_some(), r.category) {
        (true, Category::MentalHealthCentre) => 0,
        (true, _) => 1,
        (false, _) => 2,
    }
}

/// "Municipio Roma V and Municipio Roma VII".
fn area_names(snapshot: &Snapshot, quarters: &crate::places::Quarters, ids: &[String]) -> String {
    let names: Vec<String> = ids
        .iter()
        .map(|id| {
            snapshot
                .area(id)
                .map(|a| a.name.clone())
                .or_else(|| quarters.municipio_name(id).map(str::to_owned))
                .unwrap_or_else(|| id.clone())
        })
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// Builds the referral for a request (`reference` names the country of a
/// point and the municipi no outline is loaded for).
pub fn refer<'a>(snapshot: &'a Snapshot, reference: &ReferenceData, req: &Request) -> Referral<'a> {
    let mut notes = Vec::new();
    let mut note_codes = Vec::new();
    let mut note = |text: String, code: NoteCode| {
        notes.push(text);
        note_codes.push(code);
    };
    let no_boundaries = snapshot.areas().is_empty();
    if no_boundaries {
        note(NO_BOUNDARIES.to_owned(), NoteCode::new("no_boundaries"));
    }
    let (point, country, areas, area_ids) = match &req.origin {
        Origin::Point(p) => {
            let areas = snapshot.areas_at(p[0], p[1]);
            let ids = areas.iter().map(|a| a.id.clone()).collect();
            (Some(*p), reference.countries.at(p[0], p[1]), areas, ids)
        }
        Origin::Place { name, areas: ids, extent, point, country } => {
            let list = area_names(snapshot, &reference.quarters, ids);
            match extent {
                Extent::Split => note(
                    format!("{name} spans {list}: the caller's street decides which centre is competent"),
                    NoteCode::about("split", name, ids),
                ),
                Extent::Part => note(
                    format!(
                        "only part of {name} is known to lie in {list}: the caller's street decides which centre is competent"
                    ),
                    NoteCode::about("part", name, ids),
                ),
                Extent::Point => note(
                    format!(
                        "{name} is taken to lie in {list}, where its map point is; near a boundary the caller's street decides"
                    ),
                    NoteCode::about("point", name, ids),
                ),
                Extent::Whole => {}
            }
            match point {
                Some(_) => note(
                    format!(
                        "the alternatives are measured from an approximate point for {name}, not from the caller's street"
                    ),
                    NoteCode::about("approximate", name, &[]),
                ),
                None => note(
                    format!(
                        "no point is known for {name}: ask for a street or click the map to list the nearest alternatives"
                    ),
                    NoteCode::about("no_point", name, &[]),
                ),
            }
            let loaded: Vec<&Area> = ids.iter().filter_map(|id| snapshot.area(id)).collect();
            (*point, *country, loaded, ids.clone())
        }
    };
    let entry = |index: u32| match point {
        Some(p) => make_entry(snapshot, index, snapshot.index().marks(index), Distance::From(p), req.at),
        None => make_entry(snapshot, index, snapshot.index().marks(index), Distance::None, req.at),
    };
    if point.is_some() && country.is_none() && matches!(req.origin, Origin::Point(_)) {
        note(
            "this point lies outside the countries witgis covers (Italy, Bulgaria, Germany, Lithuania); \
             the nearest services below may be far away"
                .to_owned(),
            NoteCode::new("outside"),
        );
    }
    if area_ids.is_empty() && !no_boundaries {
        note(
            "no loaded area holds this point, so no centre is known to be competent for it".to_owned(),
            NoteCode::new("no_area"),
        );
    }

    let national =
        |r: &Resource| r.location.is_none() && r.serves_areas.is_empty() && Some(r.country) == country;
    let mut competent_ids: Vec<u32> =
        area_ids.iter().flat_map(|a| snapshot.serving(a).iter().copied()).collect();
    competent_ids.extend(snapshot.index().slots().filter(|&i| national(snapshot.index().resource(i))));
    competent_ids.sort_unstable();
    competent_ids.dedup();
    snapshot.index().sort_by_id(&mut competent_ids);
    let mut competent: Vec<Entry> = competent_ids.iter().map(|&i| entry(i)).collect();
    let mut warnings = sort_out(snapshot, &mut competent, req.at, true);
    competent.sort_by(|a, b| {
        let rank = |e: &Entry| competence_rank(snapshot.index().resource(e.index));
        rank(a).cmp(&rank(b)).then(match (a.distance_m, b.distance_m) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => snapshot.index().resource(a.index).id.cmp(&snapshot.index().resource(b.index).id),
        })
    });

    let filter = Filter { topics: req.need.into_iter().collect(), ..Filter::default() };
    let max_m = req.max_km * 1000.0;
    let (mut nearest, passed) = match point {
        Some([lon, lat]) => {
            let mut passed = Vec::new();
            let offer = Offer { open_only: req.open_now, available_only: true };
            let found = walk(
                snapshot,
                [lon, lat],
                req.k,
                Some(max_m),
                &filter,
                offer,
                req.at,
                &mut passed,
                || Ok(()),
            )
            .unwrap_or_default();
            (found, passed)
        }
        None => (Vec::new(), Vec::new()),
    };
    // The services the walk passed over for their status, nearer than the
    // alternatives offered, and alerts on those offered.
    let mut passed: Vec<Entry> = passed.into_iter().map(&entry).collect();
    let known: Vec<u32> = warnings.iter().map(|w| w.index).collect();
    passed.retain(|e| !known.contains(&e.index));
    warnings.extend(sort_out(snapshot, &mut passed, req.at, false));
    let known: Vec<u32> = warnings.iter().map(|w| w.index).collect();
    let mut alerted: Vec<Entry> = nearest.iter().filter(|e| !known.contains(&e.index)).cloned().collect();
    warnings.extend(sort_out(snapshot, &mut alerted, req.at, false));
    nearest.retain(|e| slot_unavailable(snapshot, e.index, req.at).is_none());
    if point.is_some() && nearest.is_empty() {
        let what = match (req.need, req.open_now) {
            (Some(_), true) => "open now and meeting the need",
            (Some(_), false) => "meeting the need",
            (None, true) => "open now",
            (None, false) => "with a place",
        };
        note(
            format!("no service {what} lies within {} km", req.max_km),
            NoteCode { km: Some(req.max_km), ..NoteCode::new("none_within") },
        );
    }
    let is_open = |e: &Entry| e.status.as_ref().and_then(|s| s.open_now) == Some(true);

    let closed_centre = competent
        .iter()
        .any(|e| e.reach == Reach::Visit && e.status.as_ref().and_then(|s| s.open_now) == Some(false));
    let after_hours = closed_centre.then(|| {
        competent
            .iter()
            .filter(|e| snapshot.index().resource(e.index).category == Category::CrisisService || is_open(e))
            .cloned()
            .collect()
    });
    Referral { country, areas, area_ids, competent, nearest, after_hours, notes, note_codes, warnings }
}

/// The note of a store with no boundaries loaded.
pub const NO_BOUNDARIES: &str = "no boundaries are loaded: a point or a map click finds no competent centre, \
     while a quarter or municipio picked by name still does, from the areas the services say they serve; \
     load the municipi with `witgis import-areas <file>`";

/// The k nearest services passing the filter (within `max_m`), with their
/// opening status at `at`; with `open_only`, only those known to be open.
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
    let unchecked = || Ok(());
    let offer = Offer { open_only, available_only: open_only };
    walk(snapshot, [lon, lat], k, max_m, filter, offer, at, &mut Vec::new(), unchecked).unwrap_or_default()
}

/// Which services a nearest walk counts.
#[derive(Debug, Clone, Copy)]
struct Offer {
    /// Only those known to be open at the moment.
    open_only: bool,
    /// Only those offered that day (not closed, moved or suspended).
    available_only: bool,
}

/// [`nearest_entries`] within a [`Budget`], checked once per resource the
/// walk looks at. "Open now" is a test inside the nearest-neighbour walk:
/// the walk goes on past closed services until `k` open ones are found (or
/// `max_m`, or the data, runs out), each service's hours read once.
#[allow(clippy::too_many_arguments)]
pub fn nearest_entries_within(
    snapshot: &Snapshot,
    lon: f64,
    lat: f64,
    k: usize,
    max_m: Option<f64>,
    filter: &Filter,
    open_only: bool,
    at: DateTime<Utc>,
    budget: &Budget,
) -> Result<Vec<Entry>, Stop> {
    let offer = Offer { open_only, available_only: open_only };
    walk(snapshot, [lon, lat], k, max_m, filter, offer, at, &mut Vec::new(), || budget.check())
}

/// The nearest walk of [`nearest_entries_within`], asking `check` before
/// each resource it looks at.
#[allow(clippy::too_many_arguments)]
fn walk(
    snapshot: &Snapshot,
    [lon, lat]: [f64; 2],
    k: usize,
    max_m: Option<f64>,
    filter: &Filter,
    offer: Offer,
    at: DateTime<Utc>,
    passed: &mut Vec<u32>,
    mut check: impl FnMut() -> Result<(), Stop>,
) -> Result<Vec<Entry>, Stop> {
    let mut stopped = None;
    let hits = snapshot.index().nearest_where(lon, lat, k, max_m, filter, |index| {
        if let Err(e) = check() {
            stopped = Some(e);
            return None;
        }
        if offer.available_only && slot_unavailable(snapshot, index, at).is_some() {
            passed.push(index);
            return Some(false);
        }
        if !offer.open_only {
            return Some(true);
        }
        let r = snapshot.index().resource(index);
        let status = r.opening_hours.as_deref().and_then(|oh| hours::status(oh, r.country, at));
        Some(status.and_then(|s| s.open_now) == Some(true))
    });
    if let Some(e) = stopped {
        return Err(e);
    }
    Ok(hits
        .into_iter()
        .map(|h| make_entry(snapshot, h.index, h.marks, Distance::Known(h.distance_m), at))
        .collect())
}

enum Distance {
    Known(f64),
    From([f64; 2]),
    None,
}

/// An entry; `marks` are the record's, `distance` is the geodesic distance
/// from the point, when the caller knows it already, or the point to measure
/// it from.
///
/// The record itself is read only when its marks say it has opening hours
/// or a distance is to be measured: most answers need only the marks.
fn make_entry(snapshot: &Snapshot, index: u32, marks: Marks, distance: Distance, at: DateTime<Utc>) -> Entry {
    let record = || snapshot.index().resource(index);
    let distance_m = match distance {
        Distance::Known(d) => Some(d),
        Distance::From(from) => record().point().map(|p| crate::sphere::geodesic_m(from, p)),
        Distance::None => None,
    };
    let mut status = if marks.hours {
        let r = record();
        r.opening_hours.as_deref().and_then(|oh| hours::status(oh, r.country, at))
    } else {
        None
    };
    // Hours do not open a closed or moved service.
    if marks.news && status.is_some() {
        let r = record();
        if r.status != ServiceStatus::Open && r.unavailable_at(at).is_some() {
            status = Some(Status { open_now: Some(false), next_change: None });
        }
    }
    let reach = if marks.located { Reach::Visit } else { Reach::Phone };
    Entry { index, distance_m, reach, status }
}
