//! Transit: the connection scan against a brute-force earliest-arrival search
//! over random feeds; the GTFS import and its refusals; the API by transit.
#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

use crate::common;
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

// ---- The GTFS import ----

const FIXTURE: &str = "tests/fixtures/gtfs/rome-fixture";

/// A copy of the fixture feed in a temporary folder, with `edit` applied to
/// one of its files.
fn fixture_copy(file: &str, edit: impl Fn(&str) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if name == file { edit(&text) } else { text };
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The fixture's files in a zip archive.
fn fixture_zip(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write as _;
    let path = dir.join("feed.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut names: Vec<_> = std::fs::read_dir(FIXTURE).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for path in names {
        zip.start_file(path.file_name().unwrap().to_str().unwrap(), options).unwrap();
        zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    path
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn import_reads_the_fixture_feed_from_a_zip_and_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let zipped = witgis::transit::gtfs::read(&fixture_zip(dir.path())).unwrap();
    let folder = witgis::transit::gtfs::read(std::path::Path::new(FIXTURE)).unwrap();
    assert_eq!(zipped, folder);
    let tt = folder;
    assert_eq!(tt.timezone, "Europe/Rome");
    assert_eq!(tt.stops.len(), 6);
    let modes: Vec<(&str, &str)> = tt.routes.iter().map(|r| (r.name.as_str(), r.mode.as_str())).collect();
    assert_eq!(modes, [("FA", "metro"), ("F105", "bus")]);
    // Metro every 10 minutes from 06:00 until 22:00 (frequencies.txt): 96
    // runs; the bus's six trips as written.
    let metro: Vec<&Trip> = tt.trips.iter().filter(|t| tt.routes[t.route as usize].name == "FA").collect();
    assert_eq!(metro.len(), 96);
    assert_eq!(metro[0].departures[0], 6 * 3600);
    assert_eq!(metro[95].departures[0], 21 * 3600 + 50 * 60);
    assert_eq!(metro[95].arrivals[2], 21 * 3600 + 58 * 60);
    assert_eq!(tt.trips.len(), 96 + 6);
    // Weekdays of 2026-2027, but not Christmas day 2026 (calendar_dates.txt).
    let wk = &tt.services[0];
    assert!(wk.runs_on(date(2026, 12, 9)), "a Wednesday");
    assert!(!wk.runs_on(date(2026, 12, 12)), "a Saturday");
    assert!(!wk.runs_on(date(2026, 12, 25)), "Christmas, removed");
    assert!(wk.runs_on(date(2027, 12, 31)), "the last day, a Friday");
    assert!(!wk.runs_on(date(2028, 1, 3)), "after end_date");
    assert_eq!(tt.transfers.len(), 2);
}

/// The refusal of a feed edited one way: (file, line, field) of the report.
fn refusal(file: &str, edit: impl Fn(&str) -> String) -> witgis::transit::gtfs::FeedError {
    let dir = fixture_copy(file, edit);
    witgis::transit::gtfs::read(dir.path()).expect_err("the feed should be refused")
}

#[test]
fn import_refuses_stop_times_out_of_order_naming_the_row() {
    // The bus's second stop (line 6) made to arrive before it left the first.
    let e = refusal("stop_times.txt", |t| {
        t.replace("F105-0800,08:20:00,08:20:00,B2,2", "F105-0800,07:50:00,07:50:00,B2,2")
    });
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_deref()),
        ("stop_times.txt", Some(6), Some("arrival_time")),
        "{e}"
    );
    // A stop_sequence given twice in one trip.
    let e = refusal("stop_times.txt", |t| {
        t.replace("F105-0800,08:40:00,08:40:00,B3,3", "F105-0800,08:40:00,08:40:00,B3,2")
    });
    assert_eq!((e.file.as_str(), e.field.as_deref()), ("stop_times.txt", Some("stop_sequence")), "{e}");
    assert!(matches!(e.line, Some(6 | 7)), "{e}");
}

#[test]
fn import_refuses_bad_dates_naming_the_row() {
    // Not a date at all.
    let e = refusal("calendar.txt", |t| t.replace("20271231", "2027-13-45"));
    assert_eq!((e.file.as_str(), e.line), ("calendar.txt", Some(2)), "{e}");
    assert_eq!(e.field.as_deref(), Some("end_date"), "{e}");
    // Ends before it starts.
    let e = refusal("calendar.txt", |t| t.replace("20271231", "20251231"));
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_deref()),
        ("calendar.txt", Some(2), Some("end_date")),
        "{e}"
    );
    let e = refusal("calendar_dates.txt", |t| t.replace("20261225", "20261325"));
    assert_eq!((e.file.as_str(), e.line), ("calendar_dates.txt", Some(2)), "{e}");
}

#[test]
fn import_refuses_missing_files_and_columns() {
    let dir = fixture_copy("", |t| t.to_owned());
    std::fs::remove_file(dir.path().join("stops.txt")).unwrap();
    let e = witgis::transit::gtfs::read(dir.path()).expect_err("no stops.txt");
    assert_eq!(e.file, "stops.txt", "{e}");

    let dir = fixture_copy("", |t| t.to_owned());
    std::fs::remove_file(dir.path().join("calendar.txt")).unwrap();
    std::fs::remove_file(dir.path().join("calendar_dates.txt")).unwrap();
    let e = witgis::transit::gtfs::read(dir.path()).expect_err("no calendar");
    assert_eq!(e.file, "calendar.txt", "{e}");

    // stop_times.txt without its stop_id column.
    let e = refusal("stop_times.txt", |t| {
        t.lines()
            .map(|l| {
                let mut cells: Vec<&str> = l.split(',').collect();
                cells.remove(3);
                cells.join(",")
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    assert_eq!((e.file.as_str(), e.field.as_deref()), ("stop_times.txt", Some("stop_id")), "{e}");
    // A trip of an unknown route.
    let e = refusal("trips.txt", |t| t.replace("F105,WK,F105-0820", "F999,WK,F105-0820"));
    assert_eq!(
        (e.file.as_str(), e.line, e.field.as_deref()),
        ("trips.txt", Some(4), Some("route_id")),
        "{e}"
    );
    // A time zone that is none.
    let e = refusal("agency.txt", |t| t.replace("Europe/Rome", "Europe/Atlantis"));
    assert_eq!((e.file.as_str(), e.field.as_deref()), ("agency.txt", Some("agency_timezone")), "{e}");
}

/// Stores the fixture as feed `rome`, replaces it with a smaller feed, and
/// checks what is read back after each.
async fn feeds_replace_whole(db: common::TestDb) {
    use witgis::store::transit::Feed;
    let tt = witgis::transit::gtfs::read(std::path::Path::new(FIXTURE)).unwrap();
    let feed = |id: &str, tt: &Timetable| Feed {
        id: id.into(),
        source: "fixture".into(),
        imported_at: "2026-12-07T06:00:00Z".into(),
        timetable: tt.clone(),
    };
    db.store.put_feed(&feed("rome", &tt)).await.unwrap();
    db.store.put_feed(&feed("sofia", &tt)).await.unwrap();
    let mut smaller = tt.clone();
    smaller.trips.truncate(10);
    db.store.put_feed(&feed("rome", &smaller)).await.unwrap();
    let feeds = db.store.feeds().await.unwrap();
    let ids: Vec<&str> = feeds.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["rome", "sofia"]);
    assert_eq!(feeds[0].timetable, smaller);
    assert_eq!(feeds[1].timetable, tt);
}

#[tokio::test]
async fn feeds_are_stored_side_by_side_and_replaced_whole_sqlite() {
    feeds_replace_whole(common::TestDb::sqlite().await).await;
}

#[tokio::test]
async fn feeds_are_stored_side_by_side_and_replaced_whole_postgis() {
    feeds_replace_whole(common::TestDb::postgis().await).await;
}

#[test]
fn import_gtfs_command_stores_a_feed_and_a_refused_one_changes_nothing() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_witgis")).args(args).env("DATABASE_URL", &db).output().expect("run")
    };
    let zipped = fixture_zip(dir.path());
    let out = run(&["import-gtfs", zipped.to_str().unwrap(), "--feed", "rome"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let bad = fixture_copy("stop_times.txt", |t| {
        t.replace("F105-0800,08:20:00,08:20:00,B2,2", "F105-0800,07:50:00,07:50:00,B2,2")
    });
    let out = run(&["import-gtfs", bad.path().to_str().unwrap(), "--feed", "rome"]);
    assert!(!out.status.success());
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.contains("stop_times.txt, line 6, field arrival_time"), "{report}");
    assert!(report.contains("nothing was imported"), "{report}");

    let out = run(&["import-gtfs", zipped.to_str().unwrap(), "--feed", "no good"]);
    assert!(!out.status.success());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let feeds = rt.block_on(async { witgis::store::open(&db).await.unwrap().feeds().await.unwrap() });
    assert_eq!(feeds.len(), 1);
    assert_eq!(feeds[0].timetable.trips.len(), 102, "the refused feed left the stored one as it was");
}

// ---- /api/nearest?by=transit ----

/// The app over our own three places and the fixture feed as `rome`:
/// "gamma" 40 m from the metro's far end (5.7 km east), "epsilon" beside the
/// bus's far end (2 km north-east), "far" 15 km away.
async fn transit_app() -> (axum::Router, common::TestDb) {
    use std::sync::Arc;
    let db = common::TestDb::sqlite().await;
    let tt = witgis::transit::gtfs::read(std::path::Path::new(FIXTURE)).unwrap();
    let feed = witgis::store::transit::Feed {
        id: "rome".into(),
        source: "fixture".into(),
        imported_at: "2026-12-07T06:00:00Z".into(),
        timetable: tt,
    };
    db.store.put_feed(&feed).await.unwrap();
    let resources = vec![
        common::resource(
            "gamma",
            Some([12.5405, 41.9000]),
            "mental_health_centre",
            "IT",
            &["mental_health_care"],
        ),
        common::resource(
            "epsilon",
            Some([12.4905, 41.9105]),
            "mental_health_centre",
            "IT",
            &["mental_health_care"],
        ),
        common::resource("far", Some([12.60, 41.80]), "mental_health_centre", "IT", &["mental_health_care"]),
    ];
    let snapshot = witgis::index::Snapshot::new(resources);
    let state = witgis::state::AppState::with_snapshot(Arc::clone(&db.store), snapshot, common::reference());
    state.reload_transit().await.unwrap();
    (witgis::http::router(Arc::new(state)), db)
}

async fn get(app: &axum::Router, uri: &str) -> (u16, serde_json::Value) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status.as_u16(), a.json())
}

/// Straight-line metres by the equirectangular approximation (our own
/// oracle, not the code under test; within 0.1 % at these distances).
fn approx_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let k = 6_371_008.8_f64.to_radians();
    let mid = ((a[1] + b[1]) / 2.0).to_radians().cos();
    (((b[0] - a[0]) * k * mid).powi(2) + ((b[1] - a[1]) * k).powi(2)).sqrt()
}

const ORIGIN: [f64; 2] = [12.4712, 41.9002];

#[tokio::test]
async fn nearest_by_transit_ranks_by_arrival_with_legs() {
    let (app, _db) = transit_app().await;
    let base = format!("/api/nearest?lon={}&lat={}", ORIGIN[0], ORIGIN[1]);

    let (status, by_distance) = get(&app, &base).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> =
        by_distance["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["epsilon", "gamma", "far"]);

    // Wednesday 9 December 2026, 09:00 in Rome.
    let (status, body) = get(&app, &format!("{base}&by=transit&depart=2026-12-09T09:00")).await;
    assert_eq!(status, 200, "{body}");
    let features = body["features"].as_array().unwrap();
    let ids: Vec<&str> = features.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gamma", "epsilon", "far"], "the farther place on the metro comes first");
    assert_eq!(body["transit"]["feed"], "rome");
    assert_eq!(body["transit"]["depart"], "2026-12-09T09:00:00+01:00");
    assert_eq!(body["transit"]["budget_s"], 5400);

    // gamma: walk ~30 m to Fixture Alfa (metro), miss the 09:00 metro, take
    // the 09:10 to Fixture Gamma (09:18), walk ~40 m.
    let gamma = &features[0]["properties"];
    let legs = gamma["transit"]["legs"].as_array().unwrap();
    let modes: Vec<&str> = legs.iter().map(|l| l["mode"].as_str().unwrap()).collect();
    assert_eq!(modes, ["walk", "metro", "walk"], "{gamma}");
    assert_eq!(legs[1]["line"], "FA");
    assert_eq!(legs[1]["from"], "Fixture Alfa (metro)");
    assert_eq!(legs[1]["to"], "Fixture Gamma (metro)");
    assert_eq!(legs[1]["depart"], "2026-12-09T09:10:00+01:00");
    assert_eq!(legs[1]["arrive"], "2026-12-09T09:18:00+01:00");
    let egress = approx_m([12.5400, 41.9000], [12.5405, 41.9000]) * 1.3 / 1.2;
    let travel = gamma["travel_s"].as_f64().unwrap();
    assert!((travel - (18.0 * 60.0 + egress)).abs() <= 2.0, "{travel} vs {}", 18.0 * 60.0 + egress);
    assert_eq!(gamma["transit"]["arrive"].as_str().unwrap()[..16], *"2026-12-09T09:18");

    // epsilon: the bus would arrive at 10:00; walking all the way is faster.
    let epsilon = &features[1]["properties"];
    let legs = epsilon["transit"]["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 1, "{epsilon}");
    assert_eq!(legs[0]["mode"], "walk");
    let walk = approx_m(ORIGIN, [12.4905, 41.9105]) * 1.3 / 1.2;
    let travel = epsilon["travel_s"].as_f64().unwrap();
    assert!((travel - walk).abs() <= 0.002 * walk + 1.0, "{travel} vs {walk}");

    // far: beyond 90 minutes.
    let far = &features[2]["properties"];
    assert_eq!(far["travel_s"], serde_json::Value::Null);
    assert_eq!(far["transit"]["reachable"], false);
}

#[tokio::test]
async fn nearest_by_transit_honours_the_calendar() {
    let (app, _db) = transit_app().await;
    let base = format!("/api/nearest?lon={}&lat={}&by=transit", ORIGIN[0], ORIGIN[1]);
    // Christmas 2026 is removed from the service: no metro, and walking to
    // gamma takes longer than the 90-minute budget.
    let (status, body) = get(&app, &format!("{base}&depart=2026-12-25T09:00")).await;
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> =
        body["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["epsilon", "gamma", "far"]);
    let walk = approx_m(ORIGIN, [12.5405, 41.9000]) * 1.3 / 1.2;
    assert!(walk > 5400.0, "the fixture keeps gamma beyond a walk within the budget");
    assert_eq!(body["features"][1]["properties"]["travel_s"], serde_json::Value::Null);
    // The next Wednesday morning it is.
    let (_, body) = get(&app, &format!("{base}&depart=2026-12-30T09:00")).await;
    assert_eq!(body["features"][0]["id"], "gamma");
}

#[tokio::test]
async fn nearest_by_transit_refuses_what_it_cannot_answer() {
    let (app, _db) = transit_app().await;
    let cases = [
        // Berlin: no stored feed has a stop there.
        ("/api/nearest?lon=13.40&lat=52.52&by=transit&depart=2026-12-09T09:00", "by"),
        (&*format!("/api/nearest?lon={}&lat={}&by=transit&depart=9am", ORIGIN[0], ORIGIN[1]), "depart"),
        (&*format!("/api/nearest?lon={}&lat={}&depart=2026-12-09T09:00", ORIGIN[0], ORIGIN[1]), "depart"),
        (&*format!("/api/nearest?lon={}&lat={}&by=bike", ORIGIN[0], ORIGIN[1]), "by"),
    ];
    for (uri, param) in cases {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, 400, "{uri}: {body}");
        let named: Vec<&str> =
            body["invalid_params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(named, [param], "{uri}: {body}");
    }
}

#[tokio::test]
async fn referral_alternatives_by_transit_carry_travel_time_and_legs() {
    let (app, _db) = transit_app().await;
    let base = format!("/api/referral?lon={}&lat={}&need=mental_health_care&k=2", ORIGIN[0], ORIGIN[1]);
    let (status, plain) = get(&app, &base).await;
    assert_eq!(status, 200, "{plain}");
    assert!(plain.get("transit").is_none());
    let (status, body) = get(&app, &format!("{base}&by=transit&depart=2026-12-09T09:00")).await;
    assert_eq!(status, 200, "{body}");
    let nearest = body["nearest"]["features"].as_array().unwrap();
    let ids: Vec<&str> = nearest.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gamma", "epsilon"], "{body}");
    let legs = nearest[0]["properties"]["transit"]["legs"].as_array().unwrap();
    assert_eq!(legs[1]["line"], "FA");
    assert!(
        nearest[0]["properties"]["travel_s"].as_u64().unwrap()
            < nearest[1]["properties"]["travel_s"].as_u64().unwrap()
    );
    assert_eq!(body["transit"]["depart"], "2026-12-09T09:00:00+01:00");
}
