//! A GTFS feed compacted for routing: stops, routes, services as day sets,
//! and trips whose stop times are arrays (frequencies already expanded).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// One feed's timetable, as stored (serialised) and routed on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timetable {
    /// The feed's time zone (IANA name, from agency.txt `agency_timezone`).
    pub timezone: String,
    pub stops: Vec<Stop>,
    pub routes: Vec<Route>,
    pub services: Vec<Service>,
    pub trips: Vec<Trip>,
    /// transfers.txt: (from stop, to stop, seconds); from == to sets that
    /// stop's change time. Pairs marked "not possible" are left out.
    pub transfers: Vec<(u32, u32, u32)>,
}

/// A stop or platform where vehicles stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub id: String,
    pub name: String,
    /// `[lon, lat]`.
    pub point: [f64; 2],
}

/// A line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    /// The name riders see (`route_short_name`, else `route_long_name`).
    pub name: String,
    /// bus, tram, metro, rail, ferry, … (from `route_type`).
    pub mode: String,
}

/// The days a service runs: weekdays between two dates (calendar.txt), plus
/// added and minus removed dates (calendar_dates.txt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    /// Bit 0 = Monday … bit 6 = Sunday; 0 when the service has no calendar row.
    pub weekdays: u8,
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub added: Vec<NaiveDate>,
    pub removed: Vec<NaiveDate>,
}

impl Service {
    /// Whether the service runs on `date`.
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        if self.added.contains(&date) {
            return true;
        }
        if self.removed.contains(&date) {
            return false;
        }
        let in_range = matches!((self.start, self.end), (Some(s), Some(e)) if s <= date && date <= e);
        in_range && self.weekdays & (1 << date.weekday().num_days_from_monday()) != 0
    }
}

/// One vehicle run: its stops in order with arrival and departure times in
/// seconds after midnight of its service day (past 24:00 for late runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trip {
    pub route: u32,
    pub service: u32,
    pub headsign: String,
    pub stops: Vec<u32>,
    pub arrivals: Vec<u32>,
    pub departures: Vec<u32>,
}

impl Timetable {
    /// Number of stop times (sum of trips' stops).
    pub fn stop_times(&self) -> usize {
        self.trips.iter().map(|t| t.stops.len()).sum()
    }

    /// Checks the references and time order the router relies on; the import
    /// checks these against the feed first and names the row.
    pub fn check(&self) -> Result<(), String> {
        for (i, t) in self.trips.iter().enumerate() {
            if t.route as usize >= self.routes.len() || t.service as usize >= self.services.len() {
                return Err(format!("trip {i}: unknown route or service"));
            }
            if t.stops.len() != t.arrivals.len() || t.stops.len() != t.departures.len() {
                return Err(format!("trip {i}: stops and times differ in length"));
            }
            if t.stops.iter().any(|&s| s as usize >= self.stops.len()) {
                return Err(format!("trip {i}: unknown stop"));
            }
            for k in 0..t.stops.len() {
                if t.departures[k] < t.arrivals[k] || (k > 0 && t.arrivals[k] < t.departures[k - 1]) {
                    return Err(format!("trip {i}: times go back at stop {k}"));
                }
            }
        }
        for &(a, b, _) in &self.transfers {
            if a as usize >= self.stops.len() || b as usize >= self.stops.len() {
                return Err("transfer with an unknown stop".into());
            }
        }
        Ok(())
    }
}

/// A feed as the store keeps it: its id, where and when it came from, and
/// its compacted timetable.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The operator's name for it (`rome`, `sofia`, …).
    pub id: String,
    /// The file it was imported from.
    pub source: String,
    /// When (RFC 3339).
    pub imported_at: String,
    /// The timetable.
    pub timetable: Timetable,
}
