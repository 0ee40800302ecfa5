//! A synthetic feed the size of a large city's, for benchmarks: stops
//! scattered over a square around a centre, lines threading nearby stops,
//! both directions served all day.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::model::{Route, Service, Stop, Timetable, Trip};
use super::walk::{StopGrid, distance_m};

/// The size of a synthetic feed.
#[derive(Debug, Clone, Copy)]
pub struct Size {
    pub stops: usize,
    pub lines: usize,
    pub stops_per_line: usize,
    /// Runs per direction per day, evenly from 05:00 to 23:00.
    pub runs_per_direction: usize,
    /// Half the side of the square, metres.
    pub half_side_m: f64,
}

impl Size {
    /// 10 000 stops and 200 lines of 25 stops, 100 runs each way:
    /// 1 000 000 stop times, over 30 km × 30 km.
    pub const LARGE_CITY: Size = Size {
        stops: 10_000,
        lines: 200,
        stops_per_line: 25,
        runs_per_direction: 100,
        half_side_m: 15_000.0,
    };
}

/// A feed of `size` around `centre` (`[lon, lat]`), running every day of
/// 2026 and 2027. The same seed gives the same feed.
pub fn timetable(size: Size, centre: [f64; 2], seed: u64) -> Timetable {
    let mut rng = StdRng::seed_from_u64(seed);
    let m_per_deg_lat = 111_195.0;
    let m_per_deg_lon = m_per_deg_lat * centre[1].to_radians().cos();
    let stops: Vec<Stop> = (0..size.stops)
        .map(|i| {
            let x = rng.random_range(-size.half_side_m..size.half_side_m);
            let y = rng.random_range(-size.half_side_m..size.half_side_m);
            Stop {
                id: format!("S{i}"),
                name: format!("Synthetic stop {i}"),
                point: [centre[0] + x / m_per_deg_lon, centre[1] + y / m_per_deg_lat],
            }
        })
        .collect();
    let points: Vec<[f64; 2]> = stops.iter().map(|s| s.point).collect();
    let grid = StopGrid::new(points.clone(), 500.0);
    let mut routes = Vec::new();
    let mut trips = Vec::new();
    for line in 0..size.lines {
        // A tenth of the lines are metro: faster, farther between stops.
        let metro = line % 10 == 0;
        let (speed, hop) = if metro { (12.0, 1200.0) } else { (6.0, 450.0) };
        routes.push(Route {
            id: format!("L{line}"),
            name: if metro { format!("M{line}") } else { format!("{line}") },
            mode: if metro { "metro" } else { "bus" }.into(),
        });
        let angle: f64 = rng.random_range(0.0..std::f64::consts::TAU);
        let dir = [angle.cos() / m_per_deg_lon, angle.sin() / m_per_deg_lat];
        let mut path = vec![rng.random_range(0..size.stops) as u32];
        while path.len() < size.stops_per_line {
            let here = points[*path.last().unwrap_or(&0) as usize];
            let aim = [here[0] + dir[0] * hop, here[1] + dir[1] * hop];
            // The stop nearest the point one hop ahead, not yet on the line.
            let mut best: Option<(u32, f64)> = None;
            let mut radius = hop / 2.0;
            while best.is_none() && radius < 20_000.0 {
                grid.within(aim, radius, |s, d| {
                    if !path.contains(&s) && best.is_none_or(|(_, b)| d < b) {
                        best = Some((s, d));
                    }
                });
                radius *= 2.0;
            }
            match best {
                Some((s, _)) => path.push(s),
                None => break,
            }
        }
        let mut hops = vec![0u32];
        for w in path.windows(2) {
            let d = distance_m(points[w[0] as usize], points[w[1] as usize]);
            hops.push((d * 1.3 / speed).ceil() as u32 + 20);
        }
        for forward in [true, false] {
            let (order, times): (Vec<u32>, Vec<u32>) = if forward {
                (path.clone(), hops.clone())
            } else {
                let mut back_hops: Vec<u32> = hops[1..].iter().rev().copied().collect();
                back_hops.insert(0, 0);
                (path.iter().rev().copied().collect(), back_hops)
            };
            let span = 18 * 3600;
            for run in 0..size.runs_per_direction {
                let start =
                    5 * 3600 + (run * span / size.runs_per_direction) as u32 + (line as u32 * 37) % 300;
                let mut t = start;
                let mut arrivals = Vec::with_capacity(order.len());
                let mut departures = Vec::with_capacity(order.len());
                for (k, hop_s) in times.iter().enumerate() {
                    t += hop_s;
                    arrivals.push(t);
                    if k > 0 && k + 1 < order.len() {
                        t += 20;
                    }
                    departures.push(t);
                }
                trips.push(Trip {
                    route: line as u32,
                    service: 0,
                    headsign: String::new(),
                    stops: order.clone(),
                    arrivals,
                    departures,
                });
            }
        }
    }
    Timetable {
        timezone: "Europe/Rome".into(),
        stops,
        routes,
        services: vec![Service {
            id: "ALL".into(),
            weekdays: 0x7f,
            start: NaiveDate::from_ymd_opt(2026, 1, 1),
            end: NaiveDate::from_ymd_opt(2027, 12, 31),
            added: Vec::new(),
            removed: Vec::new(),
        }],
        trips,
        transfers: Vec::new(),
    }
}

/// Writes `tt` as a GTFS feed (agency, stops, routes, calendar, trips,
/// stop_times) into the folder `dir`, to measure the import.
pub fn write_gtfs(tt: &Timetable, dir: &std::path::Path) -> std::io::Result<()> {
    use std::fmt::Write as _;
    let hms = |t: u32| format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60);
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("agency.txt"),
        format!(
            "agency_id,agency_name,agency_url,agency_timezone\nSYN,Synthetic transit,https://example.org,{}\n",
            tt.timezone
        ),
    )?;
    let mut s = String::from("stop_id,stop_name,stop_lat,stop_lon\n");
    for st in &tt.stops {
        let _ = writeln!(s, "{},{},{:.6},{:.6}", st.id, st.name, st.point[1], st.point[0]);
    }
    std::fs::write(dir.join("stops.txt"), s)?;
    let mut s = String::from("route_id,agency_id,route_short_name,route_type\n");
    for r in &tt.routes {
        let _ = writeln!(s, "{},SYN,{},{}", r.id, r.name, if r.mode == "metro" { 1 } else { 3 });
    }
    std::fs::write(dir.join("routes.txt"), s)?;
    std::fs::write(
        dir.join("calendar.txt"),
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nALL,1,1,1,1,1,1,1,20260101,20271231\n",
    )?;
    let mut trips = String::from("route_id,service_id,trip_id\n");
    let mut times = String::from("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
    for (i, t) in tt.trips.iter().enumerate() {
        let _ = writeln!(trips, "{},ALL,T{i}", tt.routes[t.route as usize].id);
        for k in 0..t.stops.len() {
            let _ = writeln!(
                times,
                "T{i},{},{},{},{}",
                hms(t.arrivals[k]),
                hms(t.departures[k]),
                tt.stops[t.stops[k] as usize].id,
                k + 1
            );
        }
    }
    std::fs::write(dir.join("trips.txt"), trips)?;
    std::fs::write(dir.join("stop_times.txt"), times)
}
