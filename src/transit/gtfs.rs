//! From a GTFS feed (zip or folder, read by `gtfs-structures`) to a
//! [`Timetable`], refusing a feed that breaks the specification with a report
//! naming the file, the line and the field.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use gtfs_structures::{Error as GtfsError, Exception, RawGtfs, RouteType, TransferType};

use super::model::{Route, Service, Stop, Timetable, Trip};

/// Why a feed was refused: the file, the line (1 = header) and the field when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedError {
    pub file: String,
    pub line: Option<u64>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FeedError {}

fn err(file: &str, line: Option<u64>, field: Option<&str>, message: impl Into<String>) -> FeedError {
    FeedError { file: file.into(), line, field: field.map(str::to_owned), message: message.into() }
}

/// The line of the `i`-th data row (the header is line 1).
fn line(i: usize) -> Option<u64> {
    Some(i as u64 + 2)
}

/// A `gtfs-structures` error as a report naming what it can.
fn from_gtfs(file: &str, e: &GtfsError) -> FeedError {
    match e {
        GtfsError::MissingFile(name) => err(name, None, None, "required file missing"),
        GtfsError::CSVError { file_name, source, line_in_error } => {
            let line = source.position().map(|p| p.line());
            let mut field = None;
            let mut message = source.to_string();
            if let csv::ErrorKind::Deserialize { err: de, .. } = source.kind() {
                message = de.to_string();
                if let (Some(i), Some(l)) = (de.field(), line_in_error) {
                    field = l.headers.get(i as usize).cloned();
                }
                if field.is_none() {
                    field = line_in_error.as_ref().and_then(bad_date_or_time);
                }
                if field.is_none() {
                    // serde's "missing field `x`" names the absent column.
                    field = message.split('`').nth(1).map(str::to_owned);
                }
            }
            FeedError { file: file_name.clone(), line, field, message }
        }
        other => err(file, None, None, other.to_string()),
    }
}

/// The first date or time column of a row that does not parse (the crate's
/// date and time errors do not name their column).
fn bad_date_or_time(row: &gtfs_structures::error::LineError) -> Option<String> {
    row.headers.iter().zip(&row.values).find_map(|(h, v)| {
        let bad = if h.ends_with("date") {
            NaiveDate::parse_from_str(v.trim(), "%Y%m%d").is_err()
        } else if h.ends_with("_time") {
            !v.trim().is_empty() && !is_time(v.trim())
        } else {
            false
        };
        bad.then(|| h.clone())
    })
}

/// GTFS's H:MM:SS (hours may pass 24).
fn is_time(v: &str) -> bool {
    let parts: Vec<&str> = v.split(':').collect();
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[1].len() == 2
        && parts[2].len() == 2
}

fn required<T>(file: &str, r: Result<T, GtfsError>) -> Result<T, FeedError> {
    r.map_err(|e| from_gtfs(file, &e))
}

fn optional<T>(file: &str, r: Option<Result<Vec<T>, GtfsError>>) -> Result<Vec<T>, FeedError> {
    match r {
        None => Ok(Vec::new()),
        Some(r) => required(file, r),
    }
}

/// Reads the feed at `path` (a .zip or a folder) into a timetable.
pub fn read(path: &std::path::Path) -> Result<Timetable, FeedError> {
    let name = path.display().to_string();
    let raw = gtfs_structures::GtfsReader::default()
        .read_shapes(false)
        .raw()
        .read_from_path(path)
        .map_err(|e| from_gtfs(&name, &e))?;
    compact(raw)
}

/// A GTFS calendar date as a chrono date.
/// (`gtfs-structures` reads dates as `jiff` dates, shown as YYYY-MM-DD.)
fn naive(d: impl fmt::Display) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&d.to_string(), "%Y-%m-%d").ok()
}

fn mode(t: RouteType) -> &'static str {
    let t = match t {
        RouteType::Extended(e) => e.to_standard_route_type(),
        t => t,
    };
    match t {
        RouteType::Tramway => "tram",
        RouteType::Subway => "metro",
        RouteType::Rail => "rail",
        RouteType::Bus => "bus",
        RouteType::Ferry => "ferry",
        RouteType::CableCar | RouteType::Gondola | RouteType::Funicular => "cable",
        _ => "other",
    }
}

/// Checks a raw feed and compacts it for routing.
pub fn compact(raw: RawGtfs) -> Result<Timetable, FeedError> {
    let agencies = required("agency.txt", raw.agencies)?;
    let Some(agency) = agencies.first() else {
        return Err(err("agency.txt", None, None, "no agency"));
    };
    if agency.timezone.parse::<chrono_tz::Tz>().is_err() {
        return Err(err(
            "agency.txt",
            line(0),
            Some("agency_timezone"),
            format!("{:?} is no IANA time zone", agency.timezone),
        ));
    }
    let stops_raw = required("stops.txt", raw.stops)?;
    let routes_raw = required("routes.txt", raw.routes)?;
    let trips_raw = required("trips.txt", raw.trips)?;
    let stop_times = required("stop_times.txt", raw.stop_times)?;
    if raw.calendar.is_none() && raw.calendar_dates.is_none() {
        return Err(err(
            "calendar.txt",
            None,
            None,
            "required file missing (calendar.txt or calendar_dates.txt)",
        ));
    }
    let calendar = optional("calendar.txt", raw.calendar)?;
    let calendar_dates = optional("calendar_dates.txt", raw.calendar_dates)?;
    let frequencies = optional("frequencies.txt", raw.frequencies)?;
    let transfers_raw = optional("transfers.txt", raw.transfers)?;

    let mut tt = Timetable { timezone: agency.timezone.clone(), ..Default::default() };

    // Stops: every stop keeps its index; one without coordinates may not be served.
    let mut stop_ix: HashMap<&str, u32> = HashMap::new();
    let mut stop_line: Vec<usize> = Vec::new();
    for (i, s) in stops_raw.iter().enumerate() {
        if stop_ix.insert(&s.id, tt.stops.len() as u32).is_some() {
            return Err(err("stops.txt", line(i), Some("stop_id"), format!("stop_id {:?} repeated", s.id)));
        }
        let point = match (s.longitude, s.latitude) {
            (Some(lon), Some(lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
                [lon, lat]
            }
            _ => [f64::NAN, f64::NAN],
        };
        tt.stops.push(Stop { id: s.id.clone(), name: s.name.clone().unwrap_or_else(|| s.id.clone()), point });
        stop_line.push(i);
    }

    let mut route_ix: HashMap<&str, u32> = HashMap::new();
    for (i, r) in routes_raw.iter().enumerate() {
        if route_ix.insert(&r.id, tt.routes.len() as u32).is_some() {
            return Err(err(
                "routes.txt",
                line(i),
                Some("route_id"),
                format!("route_id {:?} repeated", r.id),
            ));
        }
        let name = r
            .short_name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| r.long_name.clone())
            .unwrap_or_default();
        if name.is_empty() {
            return Err(err(
                "routes.txt",
                line(i),
                Some("route_short_name"),
                "route_short_name or route_long_name is required",
            ));
        }
        tt.routes.push(Route { id: r.id.clone(), name, mode: mode(r.route_type).into() });
    }

    let mut service_ix: HashMap<String, u32> = HashMap::new();
    for (i, c) in calendar.iter().enumerate() {
        if c.end_date < c.start_date {
            return Err(err(
                "calendar.txt",
                line(i),
                Some("end_date"),
                format!("end_date {} is before start_date {}", c.end_date, c.start_date),
            ));
        }
        if service_ix.contains_key(&c.id) {
            return Err(err(
                "calendar.txt",
                line(i),
                Some("service_id"),
                format!("service_id {:?} repeated", c.id),
            ));
        }
        let (Some(start), Some(end)) = (naive(c.start_date), naive(c.end_date)) else {
            return Err(err("calendar.txt", line(i), Some("start_date"), "date out of range"));
        };
        let days = [c.monday, c.tuesday, c.wednesday, c.thursday, c.friday, c.saturday, c.sunday];
        let weekdays = days.iter().enumerate().fold(0u8, |m, (d, &on)| if on { m | 1 << d } else { m });
        service_ix.insert(c.id.clone(), tt.services.len() as u32);
        tt.services.push(Service {
            id: c.id.clone(),
            weekdays,
            start: Some(start),
            end: Some(end),
            added: Vec::new(),
            removed: Vec::new(),
        });
    }
    for (i, cd) in calendar_dates.iter().enumerate() {
        let Some(date) = naive(cd.date) else {
            return Err(err("calendar_dates.txt", line(i), Some("date"), "date out of range"));
        };
        let ix = *service_ix.entry(cd.service_id.clone()).or_insert_with(|| {
            tt.services.push(Service {
                id: cd.service_id.clone(),
                weekdays: 0,
                start: None,
                end: None,
                added: Vec::new(),
                removed: Vec::new(),
            });
            tt.services.len() as u32 - 1
        });
        let s = &mut tt.services[ix as usize];
        match cd.exception_type {
            Exception::Added => s.added.push(date),
            Exception::Deleted => s.removed.push(date),
        }
    }

    // Trips, then their stop times grouped, sorted by stop_sequence and checked.
    let mut trip_ix: HashMap<&str, usize> = HashMap::new();
    let mut trip_meta: Vec<(u32, u32, String)> = Vec::new();
    for (i, t) in trips_raw.iter().enumerate() {
        let Some(&route) = route_ix.get(t.route_id.as_str()) else {
            return Err(err(
                "trips.txt",
                line(i),
                Some("route_id"),
                format!("route_id {:?} is not in routes.txt", t.route_id),
            ));
        };
        let Some(&service) = service_ix.get(&t.service_id) else {
            return Err(err(
                "trips.txt",
                line(i),
                Some("service_id"),
                format!("service_id {:?} is in neither calendar.txt nor calendar_dates.txt", t.service_id),
            ));
        };
        if trip_ix.insert(&t.id, trip_meta.len()).is_some() {
            return Err(err("trips.txt", line(i), Some("trip_id"), format!("trip_id {:?} repeated", t.id)));
        }
        trip_meta.push((route, service, t.trip_headsign.clone().unwrap_or_default()));
    }
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); trip_meta.len()];
    for (i, st) in stop_times.iter().enumerate() {
        let Some(&t) = trip_ix.get(st.trip_id.as_str()) else {
            return Err(err(
                "stop_times.txt",
                line(i),
                Some("trip_id"),
                format!("trip_id {:?} is not in trips.txt", st.trip_id),
            ));
        };
        let Some(&s) = stop_ix.get(st.stop_id.as_str()) else {
            return Err(err(
                "stop_times.txt",
                line(i),
                Some("stop_id"),
                format!("stop_id {:?} is not in stops.txt", st.stop_id),
            ));
        };
        if !tt.stops[s as usize].point[0].is_finite() {
            return Err(err(
                "stops.txt",
                line(stop_line[s as usize]),
                Some("stop_lat"),
                format!("stop {:?} is served but has no valid stop_lat/stop_lon", st.stop_id),
            ));
        }
        rows[t].push(i);
    }
    let mut freq_of: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in frequencies.iter().enumerate() {
        let Some(&t) = trip_ix.get(f.trip_id.as_str()) else {
            return Err(err(
                "frequencies.txt",
                line(i),
                Some("trip_id"),
                format!("trip_id {:?} is not in trips.txt", f.trip_id),
            ));
        };
        if f.headway_secs == 0 {
            return Err(err(
                "frequencies.txt",
                line(i),
                Some("headway_secs"),
                "headway_secs must be positive",
            ));
        }
        if f.end_time <= f.start_time {
            return Err(err(
                "frequencies.txt",
                line(i),
                Some("end_time"),
                "end_time must be after start_time",
            ));
        }
        freq_of.entry(t).or_default().push(i);
    }

    for (t, mut idx) in rows.into_iter().enumerate() {
        let (route, service, headsign) = trip_meta[t].clone();
        if idx.len() < 2 {
            // A trip that serves fewer than two stops carries no one anywhere.
            continue;
        }
        idx.sort_by_key(|&i| stop_times[i].stop_sequence);
        let mut stops = Vec::with_capacity(idx.len());
        let mut arr: Vec<Option<u32>> = Vec::with_capacity(idx.len());
        let mut dep: Vec<Option<u32>> = Vec::with_capacity(idx.len());
        for (k, &i) in idx.iter().enumerate() {
            let st = &stop_times[i];
            if k > 0 && stop_times[idx[k - 1]].stop_sequence == st.stop_sequence {
                return Err(err(
                    "stop_times.txt",
                    line(i),
                    Some("stop_sequence"),
                    format!("stop_sequence {} repeated in trip {:?}", st.stop_sequence, st.trip_id),
                ));
            }
            stops.push(stop_ix[st.stop_id.as_str()]);
            let (a, d) = match (st.arrival_time, st.departure_time) {
                (Some(a), Some(d)) => (Some(a), Some(d)),
                (Some(a), None) => (Some(a), Some(a)),
                (None, Some(d)) => (Some(d), Some(d)),
                (None, None) => (None, None),
            };
            if (k == 0 || k + 1 == idx.len()) && a.is_none() {
                return Err(err(
                    "stop_times.txt",
                    line(i),
                    Some("arrival_time"),
                    format!("the first and last stop of trip {:?} need times", st.trip_id),
                ));
            }
            arr.push(a);
            dep.push(d);
        }
        // Times left empty between timepoints: spread evenly by stop count.
        let mut k = 0;
        while k < idx.len() {
            if arr[k].is_some() {
                k += 1;
                continue;
            }
            let prev = k - 1;
            let next = (k..idx.len()).find(|&j| arr[j].is_some()).unwrap_or(idx.len() - 1);
            let (t0, t1) = (dep[prev].unwrap_or(0), arr[next].unwrap_or(0));
            for j in k..next {
                let v =
                    t0 + ((t1.saturating_sub(t0)) as u64 * (j - prev) as u64 / (next - prev) as u64) as u32;
                arr[j] = Some(v);
                dep[j] = Some(v);
            }
            k = next;
        }
        let arrivals: Vec<u32> = arr.into_iter().map(|v| v.unwrap_or(0)).collect();
        let departures: Vec<u32> = dep.into_iter().map(|v| v.unwrap_or(0)).collect();
        for k in 0..idx.len() {
            let i = idx[k];
            if departures[k] < arrivals[k] {
                return Err(err(
                    "stop_times.txt",
                    line(i),
                    Some("departure_time"),
                    format!("departure before arrival in trip {:?}", stop_times[i].trip_id),
                ));
            }
            if k > 0 && arrivals[k] < departures[k - 1] {
                return Err(err(
                    "stop_times.txt",
                    line(i),
                    Some("arrival_time"),
                    format!(
                        "trip {:?} arrives at stop_sequence {} before it leaves the stop before",
                        stop_times[i].trip_id, stop_times[i].stop_sequence
                    ),
                ));
            }
        }
        let template = Trip { route, service, headsign, stops, arrivals, departures };
        match freq_of.get(&t) {
            None => tt.trips.push(template),
            Some(windows) => {
                // frequencies.txt: the stop times are a pattern; one run
                // leaves every headway from start_time until end_time.
                let first = template.departures[0];
                for &w in windows {
                    let f = &frequencies[w];
                    let mut start = f.start_time;
                    while start < f.end_time {
                        let shift = |v: &u32| v - first + start;
                        tt.trips.push(Trip {
                            arrivals: template.arrivals.iter().map(shift).collect(),
                            departures: template.departures.iter().map(shift).collect(),
                            ..template.clone()
                        });
                        start += f.headway_secs;
                    }
                }
            }
        }
    }

    for (i, tr) in transfers_raw.iter().enumerate() {
        let (Some(&a), Some(&b)) =
            (stop_ix.get(tr.from_stop_id.as_str()), stop_ix.get(tr.to_stop_id.as_str()))
        else {
            return Err(err(
                "transfers.txt",
                line(i),
                Some("from_stop_id"),
                "from_stop_id and to_stop_id must be in stops.txt",
            ));
        };
        match tr.transfer_type {
            TransferType::Impossible => {}
            TransferType::MinTime => tt.transfers.push((a, b, tr.min_transfer_time.unwrap_or(0))),
            TransferType::Recommended | TransferType::Timed => tt.transfers.push((a, b, 0)),
            _ => {}
        }
    }
    tt.check().map_err(|m| err("stop_times.txt", None, None, m))?;
    Ok(tt)
}
