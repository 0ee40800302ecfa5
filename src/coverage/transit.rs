//! Coverage by travel time: for each row of a coverage report, the share of
//! its population points (localities) that reach a matching service within
//! 30, 45 and 60 minutes by public transport (walk and ride, the router of
//! [`crate::transit`]) leaving at a stated local time.
//!
//! One scan per population point, from the point to every stop (one-to-many:
//! the router answers one origin at a time, and the many services collapse
//! into one figure per stop, computed once per feed — the walk from that
//! stop to the nearest matching service — so that a point costs one scan
//! bounded by 60 minutes plus a pass over the stops). A reverse (many-to-one)
//! search would need a latest-departure scan the router does not have, and
//! would still run once per point, as every point has its own departure.
//!
//! A point counts as covered by a feed when it lies within the box of the
//! feed's stops widened by the walking limit; a row with no covered point
//! has no figures and says why, never 0 %.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Weekday};
use serde::Serialize;

use super::{Census, Level, Query, Report, Row};
use crate::index::{BBox, Snapshot};
use crate::transit::walk::distance_m;
use crate::transit::{Network, Networks};
use crate::work::{Budget, Stop};

/// The thresholds of the "share within" figures, minutes.
pub const WITHIN_MIN: [u32; 3] = [30, 45, 60];

/// The longest travel time computed, seconds: the last threshold.
pub const LIMIT_S: u32 = 60 * 60;

/// Metres per degree of latitude (mean).
const M_PER_DEG: f64 = 111_195.0;

/// Why a row has no travel-time figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The server holds no timetable at all.
    NoTimetable,
    /// No stored feed covers any of the row's population points.
    NoFeed,
    /// The row has no population points.
    NoPopulation,
    /// The feeds covering the row run nothing on the departure's day.
    NoService,
}

impl Reason {
    /// A sentence a reader can act on.
    pub fn message(self) -> &'static str {
        match self {
            Reason::NoTimetable => {
                "no public transport timetable is loaded on this server (witgis import-gtfs)"
            }
            Reason::NoFeed => "no stored timetable covers this area's population points",
            Reason::NoPopulation => "this area has no population points (localities) to measure from",
            Reason::NoService => "the timetable covering this area runs no service on the departure's day",
        }
    }
}

/// The travel-time figures of one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitStats {
    /// Share (0 to 1) of the covered population within 30 minutes of a
    /// matching service; `null` with a `reason` when not measured.
    pub share_within_30min: Option<f64>,
    /// Within 45 minutes.
    pub share_within_45min: Option<f64>,
    /// Within 60 minutes.
    pub share_within_60min: Option<f64>,
    /// Population points measured (covered by a feed).
    pub localities: usize,
    /// Their summed population: the shares' base.
    pub locality_population: u64,
    /// Population of the row's points outside every feed (not counted).
    pub uncovered_population: u64,
    /// The feeds used.
    pub feeds: Vec<String>,
    /// Why there are no figures, as a code.
    pub reason: Option<Reason>,
    /// The same in words.
    pub reason_text: Option<&'static str>,
}

impl TransitStats {
    fn none(reason: Reason, uncovered_population: u64) -> TransitStats {
        TransitStats {
            share_within_30min: None,
            share_within_45min: None,
            share_within_60min: None,
            localities: 0,
            locality_population: 0,
            uncovered_population,
            feeds: Vec::new(),
            reason: Some(reason),
            reason_text: Some(reason.message()),
        }
    }
}

/// The departure of a coverage by travel time: a local date and time in
/// each feed's own zone.
pub fn default_departure(today: NaiveDate) -> NaiveDateTime {
    let ahead = (7 + Weekday::Wed.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
    let day = today + chrono::Days::new(u64::from(ahead));
    day.and_hms_opt(9, 0, 0).unwrap_or_default()
}

/// One feed prepared for a query: its box and, per stop, the walk to the
/// nearest matching service (`u32::MAX` where none is within reach).
struct Prepared<'n> {
    network: &'n Network,
    runs: bool,
    egress: Vec<u32>,
}

/// The box of a feed's stops widened by the walking limit.
fn extent(network: &Network) -> Option<BBox> {
    let tt = network.router.timetable();
    let p = network.router.params();
    let (mut west, mut south, mut east, mut north) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for s in &tt.stops {
        west = west.min(s.point[0]);
        east = east.max(s.point[0]);
        south = south.min(s.point[1]);
        north = north.max(s.point[1]);
    }
    if west > east {
        return None;
    }
    let r = p.max_access_m / p.detour;
    let dlat = r / M_PER_DEG;
    let widest = south.abs().max(north.abs()).min(89.0).to_radians().cos();
    let dlon = r / (M_PER_DEG * widest);
    Some(BBox { west: west - dlon, south: south - dlat, east: east + dlon, north: north + dlat })
}

fn contains(b: &BBox, p: [f64; 2]) -> bool {
    b.west <= p[0] && p[0] <= b.east && b.south <= p[1] && p[1] <= b.north
}

fn prepare<'n>(network: &'n Network, snapshot: &Snapshot, query: &Query, date: NaiveDate) -> Prepared<'n> {
    let router = &network.router;
    let n = router.timetable().stops.len();
    let mut egress = vec![u32::MAX; n];
    if let Some(b) = extent(network) {
        let index = snapshot.index();
        for i in index.in_bbox(b, &query.resource_filter()) {
            let Some(q) = index.resource(i).point() else { continue };
            for (s, d) in router.stops_near(q) {
                let w = router.params().walk_s(d);
                let e = &mut egress[s as usize];
                *e = (*e).min(w);
            }
        }
    }
    let runs = router.running(date, 0).into_iter().any(|r| r);
    Prepared { network, runs, egress }
}

/// Seconds from `p` to the nearest matching service by the router's model
/// (`None`: beyond [`LIMIT_S`]).
fn travel_s(
    prepared: &Prepared,
    snapshot: &Snapshot,
    query: &Query,
    p: [f64; 2],
    when: (NaiveDate, u32),
) -> Option<u32> {
    let (date, depart_s) = when;
    let router = &prepared.network.router;
    let params = router.params();
    // Walking all the way: to the nearest matching service.
    let mut best = snapshot
        .index()
        .nearest(p[0], p[1], 1, None, &query.resource_filter())
        .first()
        .and_then(|h| snapshot.index().resource(h.index).point())
        .map_or(u32::MAX, |q| params.walk_s(distance_m(p, q)));
    let reach = router.scan_within(p, date, depart_s, LIMIT_S);
    for (s, &e) in prepared.egress.iter().enumerate() {
        if e == u32::MAX {
            continue;
        }
        if let Some(a) = reach.stop_arrival(s as u32) {
            best = best.min((a - depart_s).saturating_add(e));
        }
    }
    (best <= LIMIT_S).then_some(best)
}

/// Each row's population points among `candidates` (positions in the
/// census's localities): the report counted all of a row's points already,
/// so only those a feed may cover are placed in rows again.
fn members(
    snapshot: &Snapshot,
    census: &Census,
    level: Level,
    rows: &[Row],
    candidates: &[usize],
) -> Vec<Vec<usize>> {
    let all = census.localities.all();
    match level {
        Level::Country => rows
            .iter()
            .map(|r| {
                candidates
                    .iter()
                    .copied()
                    .filter(|&i| r.country.is_some() && all[i].country == r.country)
                    .collect()
            })
            .collect(),
        Level::Region | Level::Area => {
            let areas = if level == Level::Region { census.regions } else { snapshot.area_index() };
            let mut inside: std::collections::HashMap<&str, Vec<usize>> = Default::default();
            for &i in candidates {
                let l = &all[i];
                for a in areas.at(l.lon, l.lat) {
                    inside.entry(a.id.as_str()).or_default().push(i);
                }
            }
            rows.iter().map(|r| inside.get(r.id.as_str()).cloned().unwrap_or_default()).collect()
        }
    }
}

/// A population point's feed (its position) and travel time, when a feed covers it.
type Found = Option<(usize, Option<u32>)>;

/// The travel-time figures of every row of `report` (in its order), leaving
/// at `depart` (local time in each feed's zone).
pub fn rows(
    snapshot: &Snapshot,
    census: Census,
    networks: &Networks,
    query: &Query,
    report: &Report,
    depart: NaiveDateTime,
    budget: &Budget,
) -> Result<Vec<TransitStats>, Stop> {
    let (level, rows) = (report.level, &report.rows[..]);
    if networks.feeds.is_empty() {
        return Ok(rows.iter().map(|_| TransitStats::none(Reason::NoTimetable, 0)).collect());
    }
    let when = (depart.date(), chrono::Timelike::num_seconds_from_midnight(&depart.time()));
    let all = census.localities.all();
    let extents: Vec<Option<BBox>> = networks.feeds.iter().map(extent).collect();
    let candidates: Vec<usize> = (0..all.len())
        .filter(|&i| extents.iter().flatten().any(|b| contains(b, [all[i].lon, all[i].lat])))
        .collect();
    let mut prepared: Vec<Option<Prepared>> = networks.feeds.iter().map(|_| None).collect();
    // Per locality: not looked at, or (feed, travel time).
    let mut memo: Vec<Option<Found>> = vec![None; all.len()];
    let mut out = Vec::with_capacity(rows.len());
    for (row, points) in rows.iter().zip(members(snapshot, &census, level, rows, &candidates)) {
        budget.check()?;
        let mut measured: Vec<(u64, Option<u32>)> = Vec::new();
        let (mut covered, mut feeds, mut idle) = (0u64, Vec::new(), false);
        for i in points {
            let l = &all[i];
            let p = [l.lon, l.lat];
            let found = match memo[i] {
                Some(found) => found,
                None => {
                    budget.check()?;
                    let feed = networks
                        .serving(p)
                        .and_then(|n| networks.feeds.iter().position(|f| std::ptr::eq(f, n)))
                        .or_else(|| extents.iter().position(|e| e.as_ref().is_some_and(|b| contains(b, p))));
                    let found = feed.map(|f| {
                        let ready = prepared[f]
                            .get_or_insert_with(|| prepare(&networks.feeds[f], snapshot, query, when.0));
                        let t = if ready.runs { travel_s(ready, snapshot, query, p, when) } else { None };
                        (f, t)
                    });
                    memo[i] = Some(found);
                    found
                }
            };
            match found {
                None => {}
                Some((f, t)) => {
                    if prepared[f].as_ref().is_some_and(|r| !r.runs) {
                        idle = true;
                        continue;
                    }
                    covered += l.population;
                    let id = &networks.feeds[f].id;
                    if !feeds.contains(id) {
                        feeds.push(id.clone());
                    }
                    measured.push((l.population, t));
                }
            }
        }
        let uncovered = row.distance.locality_population.saturating_sub(covered);
        out.push(stats(measured, row.distance.localities == 0, uncovered, feeds, idle));
    }
    Ok(out)
}

fn stats(
    measured: Vec<(u64, Option<u32>)>,
    unpopulated: bool,
    uncovered: u64,
    mut feeds: Vec<String>,
    idle: bool,
) -> TransitStats {
    if measured.is_empty() {
        let reason = if unpopulated {
            Reason::NoPopulation
        } else if idle {
            Reason::NoService
        } else {
            Reason::NoFeed
        };
        return TransitStats::none(reason, uncovered);
    }
    let total: u64 = measured.iter().map(|m| m.0).sum();
    let share = |min: u32| {
        let near: u64 = measured.iter().filter(|(_, t)| t.is_some_and(|t| t <= min * 60)).map(|m| m.0).sum();
        (total > 0).then(|| (near as f64 / total as f64 * 1e6).round() / 1e6)
    };
    let [s30, s45, s60] = WITHIN_MIN.map(share);
    feeds.sort();
    TransitStats {
        share_within_30min: s30,
        share_within_45min: s45,
        share_within_60min: s60,
        localities: measured.len(),
        locality_population: total,
        uncovered_population: uncovered,
        feeds,
        reason: None,
        reason_text: None,
    }
}

/// What the figures rest on, stated in the answer.
pub fn stated(networks: &Networks, depart: NaiveDateTime, default: bool) -> serde_json::Value {
    let p = networks.feeds.first().map(|n| *n.router.params()).unwrap_or_default();
    serde_json::json!({
        "depart": depart.format("%Y-%m-%dT%H:%M").to_string(),
        "depart_rule": if default {
            "the next Wednesday (today if Wednesday) at 09:00, local time of each feed's zone; set depart= to change"
        } else {
            "as asked (depart=), local time of each feed's zone"
        },
        "within_min": WITHIN_MIN,
        "feeds": networks.feeds.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
        "walk_speed_mps": p.walk_speed_mps,
        "detour": p.detour,
        "max_walk_m": p.max_access_m,
        "transfer_radius_m": p.transfer_radius_m,
        "change_s": p.change_s,
        "covered_by": "a population point lies within the box of a feed's stops widened by the walking limit",
        "available": !networks.feeds.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_departure_is_the_next_wednesday_at_nine() {
        // 7 December 2026 is a Monday (checked by chrono below).
        let monday = NaiveDate::from_ymd_opt(2026, 12, 7).expect("date");
        assert_eq!(monday.weekday(), Weekday::Mon);
        for offset in 0..14u64 {
            let today = monday + chrono::Days::new(offset);
            let d = default_departure(today);
            assert_eq!(d.date().weekday(), Weekday::Wed, "{today}");
            assert!(d.date() >= today && (d.date() - today).num_days() < 7, "{today} -> {d}");
            assert_eq!(d.time(), chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time"));
        }
        let wednesday = NaiveDate::from_ymd_opt(2026, 12, 9).expect("date");
        assert_eq!(default_departure(wednesday).date(), wednesday, "today when it is a Wednesday");
    }
}
