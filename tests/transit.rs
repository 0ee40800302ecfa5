//! Transit: the connection scan against a brute-force earliest-arrival search
//! over random feeds; the GTFS import and its refusals; the API by transit.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::NaiveDate;
use proptest::prelude::*;
use witgis::transit::walk::distance_m;
use witgis::transit::{Leg, Params, Route, Router, Service, Stop, Timetable, Trip};

const INF: u64 = u64::MAX;

/// Earliest arrival at every stop by relaxing every trip run over and over
/// until nothing improves: no sorting, no scan order, no grid, and its own
/// footpaths from all pairs of stops.
fn brute_force(tt: &Timetable, p: &Params, origin: [f64; 2], date: NaiveDate, depart: u64) -> Vec<u64> {
    let n = tt.stops.len();
    let mut change = vec![u64::from(p.change_s); n];
    let mut foot: Vec<Vec<(usize, u64)>> = vec![Vec::new(); n];
    for a in 0..n {
        for b in 0..n {
            let d = distance_m(tt.stops[a].point, tt.stops[b].point);
            if a != b && d * p.detour <= p.transfer_radius_m {
                foot[a].push((b, u64::from(p.walk_s(d).max(p.change_s))));
            }
        }
    }
    for &(a, b, s) in &tt.transfers {
        let (a, b, s) = (a as usize, b as usize, u64::from(s.max(1)));
        if a == b {
            change[a] = s;
        } else {
            foot[a].retain(|&(o, _)| o != b);
            foot[a].push((b, s));
        }
    }
    // Every run of every trip on the day before, the day and the day after,
    // with times from midnight of the query date (+1 day to stay unsigned).
    let mut runs: Vec<(&Trip, u64)> = Vec::new();
    for (day, offset) in [(-1i64, 0u64), (0, 86_400), (1, 172_800)] {
        let d = date + chrono::Duration::days(day);
        for t in &tt.trips {
            if tt.services[t.service as usize].runs_on(d) {
                runs.push((t, offset));
            }
        }
    }
    let base = 86_400;
    let mut arrive = vec![INF; n];
    let mut ready = vec![INF; n];
    for s in 0..n {
        let d = distance_m(origin, tt.stops[s].point);
        if d * p.detour <= p.max_access_m {
            arrive[s] = base + depart + u64::from(p.walk_s(d));
            ready[s] = arrive[s];
        }
    }
    loop {
        let mut changed = false;
        for &(t, offset) in &runs {
            let mut on_board = false;
            for k in 0..t.stops.len() {
                let s = t.stops[k] as usize;
                if on_board {
                    let a = offset + u64::from(t.arrivals[k]);
                    let mut relax = |s: usize, a: u64, r: u64| {
                        if a < arrive[s] {
                            arrive[s] = a;
                            changed = true;
                        }
                        if r < ready[s] {
                            ready[s] = r;
                            changed = true;
                        }
                    };
                    relax(s, a, a + change[s]);
                    for &(o, secs) in &foot[s] {
                        relax(o, a + secs, a + secs);
                    }
                }
                if ready[s] <= offset + u64::from(t.departures[k]) {
                    on_board = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let limit = base + depart + u64::from(p.budget_s);
    arrive.iter().map(|&a| if a <= limit { a - base } else { INF }).collect()
}

/// The brute force's arrival at a place: walk all the way, or from any stop
/// within the access limit.
fn brute_target(
    tt: &Timetable,
    p: &Params,
    stops: &[u64],
    origin: [f64; 2],
    depart: u64,
    target: [f64; 2],
) -> u64 {
    let mut best = depart + u64::from(p.walk_s(distance_m(origin, target)));
    for (s, &a) in stops.iter().enumerate() {
        let d = distance_m(tt.stops[s].point, target);
        if a != INF && d * p.detour <= p.max_access_m {
            best = best.min(a + u64::from(p.walk_s(d)));
        }
    }
    if best <= depart + u64::from(p.budget_s) { best } else { INF }
}

/// A journey's legs follow on in time, ride real runs of their trips, and
/// walk no further than the stated limits.
fn check_legs(tt: &Timetable, p: &Params, j: &witgis::transit::Journey) -> Result<(), String> {
    let mut t = j.depart_s;
    let n = j.legs.len();
    for (i, leg) in j.legs.iter().enumerate() {
        match *leg {
            Leg::Walk { from, to, start_s, end_s, metres } => {
                if start_s < t || end_s < start_s {
                    return Err(format!("walk {i} goes back in time"));
                }
                let limit = match (from, to) {
                    (None, None) => f64::INFINITY,
                    (Some(a), Some(b)) if tt.transfers.iter().any(|&(x, y, _)| x == a && y == b) => {
                        f64::INFINITY
                    }
                    (Some(_), Some(_)) => p.transfer_radius_m,
                    _ => p.max_access_m,
                };
                if metres > limit + 1e-6 {
                    return Err(format!("walk {i} is {metres} m, over {limit}"));
                }
                if (i == 0) != from.is_none() || (i + 1 == n) != to.is_none() {
                    return Err(format!("walk {i} is not where a walk can be"));
                }
                t = end_s;
            }
            Leg::Ride { trip, from, to, depart_s, arrive_s } => {
                if depart_s < t {
                    return Err(format!("ride {i} leaves before we are there"));
                }
                let tr = &tt.trips[trip as usize];
                let fits = (0..tr.stops.len()).any(|k| {
                    (k + 1..tr.stops.len()).any(|m| {
                        tr.stops[k] == from
                            && tr.stops[m] == to
                            && [0i64, 86_400, -86_400].iter().any(|&o| {
                                i64::from(tr.departures[k]) + o == i64::from(depart_s)
                                    && i64::from(tr.arrivals[m]) + o == i64::from(arrive_s)
                            })
                    })
                });
                if !fits {
                    return Err(format!("ride {i} is not a run of trip {trip}"));
                }
                t = arrive_s;
            }
        }
    }
    if t != j.arrive_s {
        return Err(format!("legs end at {t}, journey at {}", j.arrive_s));
    }
    Ok(())
}

fn point_in_box() -> impl Strategy<Value = [f64; 2]> {
    // About 3 km × 3 km in Rome: stops close enough to walk between.
    (12.47f64..12.51, 41.88f64..41.91).prop_map(|(lon, lat)| [lon, lat])
}

fn trip_strategy(stops: usize, routes: u32, services: u32) -> impl Strategy<Value = Trip> {
    (
        0..routes,
        0..services,
        prop::collection::vec((0..stops as u32, 0u32..8, 0u32..3), 2..6),
        // Minutes: mornings, and late evenings running past 24:00.
        prop_oneof![420u32..540, 1380u32..1530],
    )
        .prop_map(|(route, service, hops, start)| {
            // Minutes, as most feeds have them: equal times make the ties matter.
            let mut t = start * 60;
            let mut trip = Trip {
                route,
                service,
                headsign: String::new(),
                stops: Vec::new(),
                arrivals: Vec::new(),
                departures: Vec::new(),
            };
            for (k, (s, run, dwell)) in hops.into_iter().enumerate() {
                if k > 0 {
                    // Zero-length hops happen in real feeds (minute resolution).
                    t += run * 60;
                }
                trip.stops.push(s);
                trip.arrivals.push(t);
                t += dwell * 60;
                trip.departures.push(t);
            }
            trip
        })
}

fn feed_strategy() -> impl Strategy<Value = Timetable> {
    (3usize..9, 1u32..4, 1u32..4).prop_flat_map(|(n, routes, services)| {
        (
            prop::collection::vec(point_in_box(), n),
            prop::collection::vec(
                (0u8..128, prop::option::of(0i64..3), prop::option::of(0i64..3)),
                services as usize,
            ),
            prop::collection::vec(trip_strategy(n, routes, services), 1..40),
            prop::collection::vec((0..n as u32, 0..n as u32, 0u32..600), 0..4),
        )
            .prop_map(move |(points, svc, trips, transfers)| {
                let day0 = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
                Timetable {
                    timezone: "Europe/Rome".into(),
                    stops: points
                        .into_iter()
                        .enumerate()
                        .map(|(i, point)| Stop { id: format!("s{i}"), name: format!("Stop {i}"), point })
                        .collect(),
                    routes: (0..routes)
                        .map(|i| Route { id: format!("r{i}"), name: format!("{i}"), mode: "bus".into() })
                        .collect(),
                    services: svc
                        .into_iter()
                        .enumerate()
                        .map(|(i, (weekdays, add, remove))| Service {
                            id: format!("c{i}"),
                            weekdays,
                            start: Some(day0),
                            end: Some(day0 + chrono::Duration::days(2)),
                            added: add.map(|d| day0 + chrono::Duration::days(d)).into_iter().collect(),
                            removed: remove.map(|d| day0 + chrono::Duration::days(d)).into_iter().collect(),
                        })
                        .collect(),
                    trips,
                    transfers,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The scan's earliest arrival at every stop and at random places equals
    /// the brute force's, and every journey it reports is a real one.
    #[test]
    fn scan_equals_brute_force(
        tt in feed_strategy(),
        origin in point_in_box(),
        // Sometimes leave from a stop itself, so that ties at boarding occur.
        at_stop in prop::option::of(0usize..9),
        targets in prop::collection::vec(point_in_box(), 1..5),
        // Into the mornings' and evenings' trips, and just after midnight
        // when the evening before's run on.
        depart_min in prop_oneof![415u32..540, 0u32..90, 1370u32..1440],
        day in 0i64..3,
        budget in 600u32..(6 * 3600),
    ) {
        let depart = depart_min * 60;
        let origin = at_stop.and_then(|i| tt.stops.get(i)).map_or(origin, |s| s.point);
        let date = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap() + chrono::Duration::days(day);
        let p = Params { budget_s: budget, ..Params::default() };
        let router = Router::new(tt.clone(), p).unwrap();
        let reach = router.scan(origin, date, depart);
        let expected = brute_force(&tt, &p, origin, date, u64::from(depart));
        for (s, &e) in expected.iter().enumerate() {
            let got = reach.stop_arrival(s as u32).map_or(INF, u64::from);
            prop_assert_eq!(got, e, "stop {}", s);
        }
        for t in targets {
            let e = brute_target(&tt, &p, &expected, origin, u64::from(depart), t);
            let j = reach.journey(t);
            prop_assert_eq!(j.as_ref().map_or(INF, |j| u64::from(j.arrive_s)), e);
            if let Some(j) = j {
                prop_assert_eq!(j.depart_s, depart);
                if let Err(m) = check_legs(&tt, &p, &j) {
                    prop_assert!(false, "{}: {:?}", m, j);
                }
            }
        }
    }
}
