//! Coverage by travel time (`/api/coverage`'s `transit`): the share of an
//! area's population points within 30/45/60 minutes of a service by public
//! transport, over the fixture feed (tests/fixtures/gtfs/rome-fixture) and
//! population points of our own, against travel times derived by hand from
//! the fixture's timetable and straight-line walks measured here.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use serde_json::{Value, json};

use crate::common;

const FIXTURE: &str = "tests/fixtures/gtfs/rome-fixture";
/// The one mental-health centre: 40 m east of Fixture Gamma (metro).
const CSM: [f64; 2] = [12.5405, 41.9000];

/// Our population points: (name, [lon, lat], population).
const POINTS: [(&str, [f64; 2], u64); 7] = [
    // ~25 m from Fixture Alfa (metro): the 09:00 run has left, the 09:10
    // one reaches Fixture Gamma at 09:18, then ~40 m on foot.
    ("Alfa", [12.4712, 41.9002], 1_000),
    // ~30 m from Fixture Beta (metro): the 09:00 run leaves it at 09:04 and
    // reaches Fixture Gamma at 09:08.
    ("Beta", [12.5002, 41.9002], 2_000),
    // No stop within a walk (1.3 km from Beta): walks ~2.0 km to the centre.
    ("Walk36", [12.5160, 41.9000], 4_000),
    // No stop within a walk (~960 m from Beta): walks ~2.6 km.
    ("Walk47", [12.5095, 41.8950], 8_000),
    // South-west corner of the feed's reach, no stop within a walk: 6 km away.
    ("Corner", [12.4630, 41.8935], 16_000),
    // Inside the area but beyond the feed's stops and walking limit.
    ("North", [12.5000, 41.9350], 300),
    // Berlin: no feed.
    ("Mitte", [13.4000, 52.5200], 500),
];

/// Straight-line metres by the equirectangular approximation (our own
/// oracle, not the code under test; within 0.1 % at these distances).
fn approx_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let k = 6_371_008.8_f64.to_radians();
    let mid = ((a[1] + b[1]) / 2.0).to_radians().cos();
    (((b[0] - a[0]) * k * mid).powi(2) + ((b[1] - a[1]) * k).powi(2)).sqrt()
}

/// Walking seconds by the stated model: straight line × 1.3 at 1.2 m/s.
fn walk_s(a: [f64; 2], b: [f64; 2]) -> f64 {
    approx_m(a, b) * 1.3 / 1.2
}

/// Door-to-door seconds leaving 09:00 on a weekday, from the timetable by hand.
fn oracle_s(name: &str, p: [f64; 2]) -> f64 {
    let gamma = [12.5400, 41.9000];
    let by_metro = match name {
        "Alfa" => Some(18.0 * 60.0 + walk_s(gamma, CSM)),
        "Beta" => Some(8.0 * 60.0 + walk_s(gamma, CSM)),
        _ => None,
    };
    by_metro.unwrap_or(f64::INFINITY).min(walk_s(p, CSM))
}

fn places_tsv() -> String {
    let mut text =
        String::from("geonameid\tname\tcountry\tlon\tlat\tpopulation\tfeature_code\talternate_names\n");
    for (i, (name, p, population)) in POINTS.iter().enumerate() {
        let country = if *name == "Mitte" { "DE" } else { "IT" };
        text += &format!("{}\t{name}\t{country}\t{}\t{}\t{population}\tPPL\t\n", 900 + i, p[0], p[1]);
    }
    text
}

fn square(id: &str, country: &str, west: f64, south: f64, east: f64, north: f64) -> Value {
    json!({
        "type": "Feature",
        "properties": { "id": id, "name": id, "kind": "district", "country": country },
        "geometry": { "type": "Polygon", "coordinates": [[
            [west, south], [east, south], [east, north], [west, north], [west, south]
        ]] }
    })
}

/// The app over our points, three areas (the fixture's, Berlin's, and an
/// empty one), the centre and a library, with the fixture feed or none.
async fn app(with_feed: bool) -> (axum::Router, common::TestDb) {
    let db = common::TestDb::sqlite().await;
    if with_feed {
        let tt = witgis::transit::gtfs::read(std::path::Path::new(FIXTURE)).unwrap();
        let feed = witgis::store::transit::Feed {
            id: "rome".into(),
            source: "fixture".into(),
            imported_at: "2026-12-07T06:00:00Z".into(),
            timetable: tt,
        };
        db.store.put_feed(&feed).await.unwrap();
    }
    let places = places_tsv();
    let sources = witgis::reference::Sources { places: &places, ..witgis::reference::Sources::embedded() };
    let reference = Arc::new(witgis::reference::ReferenceData::parse(sources).unwrap());
    let areas = json!({"type": "FeatureCollection", "features": [
        square("fixture", "IT", 12.45, 41.88, 12.56, 41.94),
        square("berlin", "DE", 13.30, 52.45, 13.50, 52.60),
        square("empty", "IT", 15.00, 40.00, 15.10, 40.10),
    ]});
    let areas = witgis::formats::areas::read(&areas.to_string()).unwrap();
    let resources = vec![
        common::resource("csm", Some(CSM), "mental_health_centre", "IT", &["mental_health_care"]),
        common::resource("lib", Some([12.4712, 41.9001]), "library", "IT", &["library_services"]),
    ];
    let snapshot = witgis::index::Snapshot::with_areas(resources, areas);
    // Monday 7 December 2026, 08:00 UTC: the default departure is Wednesday 9th, 09:00.
    let clock = witgis::clock::Clock::manual("2026-12-07T08:00:00Z".parse().unwrap());
    let state =
        witgis::state::AppState::with_snapshot(Arc::clone(&db.store), snapshot, reference).with_clock(clock);
    state.reload_transit().await.unwrap();
    (witgis::http::router(Arc::new(state)), db)
}

async fn get(app: &axum::Router, uri: &str) -> (u16, Value) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status.as_u16(), a.json())
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id}: {report}"))
}

fn share(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a share: {v}"))
}

#[tokio::test]
async fn shares_within_30_45_60_minutes_by_public_transport() {
    let (app, _db) = app(true).await;
    let (status, report) = get(&app, "/api/coverage?level=area&category=mental_health_centre").await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["transit"]["depart"], "2026-12-09T09:00", "the next Wednesday at 09:00");
    assert_eq!(report["transit"]["within_min"], json!([30, 45, 60]));

    // The oracle: the six Italian points inside the fixture area; North lies
    // beyond the feed's reach and is not counted (stated as uncovered).
    let counted: Vec<(&str, [f64; 2], u64)> =
        POINTS.iter().copied().filter(|(n, _, _)| !matches!(*n, "North" | "Mitte")).collect();
    let total: u64 = counted.iter().map(|c| c.2).sum();
    let times: Vec<f64> = counted.iter().map(|(n, p, _)| oracle_s(n, *p)).collect();
    for t in &times {
        for limit in [1800.0, 2700.0, 3600.0] {
            assert!((t - limit).abs() > 60.0, "the fixture keeps every point clear of a threshold: {t}");
        }
    }
    let expected = |min: f64| -> f64 {
        let near: u64 = counted.iter().zip(&times).filter(|(_, t)| **t <= min * 60.0).map(|(c, _)| c.2).sum();
        near as f64 / total as f64
    };
    assert_eq!(expected(30.0), 3_000.0 / 31_000.0, "Alfa and Beta by metro");
    assert_eq!(expected(60.0), 15_000.0 / 31_000.0, "the corner is beyond an hour");

    let fixture = &row(&report, "fixture")["transit"];
    for (key, min) in
        [("share_within_30min", 30.0), ("share_within_45min", 45.0), ("share_within_60min", 60.0)]
    {
        assert!((share(&fixture[key]) - expected(min)).abs() < 1e-6, "{key}: {fixture}");
    }
    assert_eq!(fixture["locality_population"], total);
    assert_eq!(fixture["uncovered_population"], 300);
    assert_eq!(fixture["feeds"], json!(["rome"]));
    assert_eq!(fixture["reason"], Value::Null);
    // The distance figures stay beside them.
    assert!(row(&report, "fixture")["distance"]["share_within_5km"].is_number());

    // No feed in Berlin, no people in the empty square: no figures, a reason, never 0 %.
    let berlin = &row(&report, "berlin")["transit"];
    assert_eq!((&berlin["share_within_30min"], &berlin["reason"]), (&Value::Null, &json!("no_feed")));
    assert!(berlin["reason_text"].as_str().unwrap().contains("timetable"));
    let empty = &row(&report, "empty")["transit"];
    assert_eq!((&empty["share_within_60min"], &empty["reason"]), (&Value::Null, &json!("no_population")));

    // The GeoJSON the page reads carries the same shares.
    let (status, fc) =
        get(&app, "/api/coverage?level=area&category=mental_health_centre&format=geojson").await;
    assert_eq!(status, 200);
    let f = fc["features"].as_array().unwrap().iter().find(|f| f["id"] == "fixture").unwrap();
    assert!((share(&f["properties"]["transit_share_within_45min"]) - expected(45.0)).abs() < 1e-6);
    let f = fc["features"].as_array().unwrap().iter().find(|f| f["id"] == "berlin").unwrap();
    assert_eq!(f["properties"]["transit_reason"], "no_feed");
}

#[tokio::test]
async fn the_departure_decides_and_a_day_without_service_says_so() {
    let (app, _db) = app(true).await;
    let base = "/api/coverage?level=area&category=mental_health_centre";
    // Christmas 2026 (a Friday) is removed from the fixture's service.
    let (status, report) = get(&app, &format!("{base}&depart=2026-12-25T09:00")).await;
    assert_eq!(status, 200, "{report}");
    let fixture = &row(&report, "fixture")["transit"];
    assert_eq!((&fixture["share_within_30min"], &fixture["reason"]), (&Value::Null, &json!("no_service")));
    // Late in the evening the metro has stopped (last run 22:00): Alfa and
    // Beta walk, 5.7 and 3.4 km, beyond the hour; the walkers are unchanged.
    let (_, report) = get(&app, &format!("{base}&depart=2026-12-09T23:30")).await;
    let fixture = &row(&report, "fixture")["transit"];
    assert!(walk_s(POINTS[1].1, CSM) > 3600.0);
    assert!(share(&fixture["share_within_30min"]).abs() < 1e-9, "{fixture}");
    assert!((share(&fixture["share_within_60min"]) - 12_000.0 / 31_000.0).abs() < 1e-6, "{fixture}");

    let (status, body) = get(&app, &format!("{base}&depart=tomorrow")).await;
    assert_eq!(status, 400);
    assert_eq!(body["invalid_params"][0]["name"], "depart", "{body}");
}

#[tokio::test]
async fn without_a_timetable_the_report_says_so() {
    let (app, _db) = app(false).await;
    let (status, report) = get(&app, "/api/coverage?level=area").await;
    assert_eq!(status, 200);
    assert_eq!(report["transit"]["available"], false);
    assert!(report["transit"]["reason"].as_str().unwrap().contains("import-gtfs"));
    assert!(row(&report, "fixture").get("transit").is_none());
}
