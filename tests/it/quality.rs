//! The data-quality report (`GET /api/quality`, `witgis quality`) and the
//! `verified_since` filter. The seed's figures are computed here from
//! `data/resources.geojson` itself; the fixture's are checked by hand.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, String) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status, a.content_type(), a.text())
}

async fn get_json(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = get(app, uri).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn witgis(args: &[&str], db: &Path) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

async fn app_over(db: &Path) -> axum::Router {
    let store = witgis::store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    witgis::http::router(Arc::new(witgis::state::AppState::load(store, common::reference()).await.unwrap()))
}

/// A store holding the quality fixture and its two test areas.
fn fixture_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("q.db");
    witgis(&["import", "tests/fixtures/quality.geojson"], &db);
    witgis(&["import-areas", "tests/fixtures/quality-areas.geojson"], &db);
    db
}

fn blank(p: &Value, key: &str) -> bool {
    p.get(key).and_then(Value::as_str).is_none_or(|s| s.trim().is_empty())
}

#[tokio::test]
async fn the_seed_report_matches_the_seed_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("seed.db");
    let store = witgis::store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    store.seed_once(&witgis::store::seed().unwrap()).await.unwrap();
    drop(store);
    let app = app_over(&db).await;
    let report = get_json(&app, "/api/quality?as_of=2026-12-01").await;

    // The same figures, straight from the file.
    let fc: Value =
        serde_json::from_str(&std::fs::read_to_string("data/resources.geojson").unwrap()).unwrap();
    let features = fc["features"].as_array().unwrap();
    let mut want: BTreeMap<(String, String), [u64; 7]> = BTreeMap::new();
    let mut at: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in features {
        let p = &f["properties"];
        let key = (p["country"].as_str().unwrap().to_owned(), p["category"].as_str().unwrap().to_owned());
        let stale = p["last_verified"].as_str().is_some_and(|d| d < "2025-12-01");
        let url = |t: &str| {
            let t = t.trim();
            (t.starts_with("http://") || t.starts_with("https://")) && t.len() > 10 && !t.contains(' ')
        };
        let no_url = p["source"].as_str().is_none_or(|s| !s.split(';').any(url));
        let g = want.entry(key).or_default();
        for (i, flag) in [
            true,
            blank(p, "phone"),
            blank(p, "opening_hours"),
            blank(p, "address"),
            no_url,
            p["last_verified"].is_null(),
            stale,
        ]
        .into_iter()
        .enumerate()
        {
            g[i] += u64::from(flag);
        }
        if f["geometry"].is_object() {
            at.entry(f["geometry"]["coordinates"].to_string())
                .or_default()
                .insert(p["id"].as_str().unwrap().to_owned());
        }
    }
    let got: BTreeMap<(String, String), [u64; 7]> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let n = |k: &str| g[k].as_u64().unwrap();
            (
                (g["country"].as_str().unwrap().to_owned(), g["category"].as_str().unwrap().to_owned()),
                [
                    n("records"),
                    n("missing_phone"),
                    n("missing_hours"),
                    n("missing_address"),
                    n("missing_source_url"),
                    n("never_verified"),
                    n("stale"),
                ],
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(report["records"].as_u64(), Some(features.len() as u64));
    assert_eq!(report["totals"]["records"].as_u64(), Some(features.len() as u64));
    assert_eq!(report["areas_loaded"], 0);
    assert_eq!(report["stale_before"], "2025-12-01");

    let shared: BTreeSet<Vec<String>> =
        at.into_values().filter(|ids| ids.len() > 1).map(|ids| ids.into_iter().collect()).collect();
    let got: BTreeSet<Vec<String>> = report["shared_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["ids"].as_array().unwrap().iter().map(|i| i.as_str().unwrap().to_owned()).collect())
        .collect();
    assert_eq!(got, shared);
    // No area is loaded: nothing can lie outside one.
    assert!(report["work_list"].as_array().unwrap().iter().all(|p| p["outside_served_areas"] == json!([])));
}

/// The fixture's expected work list, checked by hand (as of 2026-06-01:
/// verifications before 2025-06-01 are stale).
fn expected_work_list() -> Value {
    let p = |id: &str,
             country: &str,
             category: &str,
             lv: Value,
             flags: [bool; 6],
             twin: &[&str],
             out: &[&str]| {
        json!({
            "id": id, "name": format!("Test record {id}"), "country": country, "category": category,
            "last_verified": lv,
            "missing_phone": flags[0], "missing_hours": flags[1], "missing_address": flags[2],
            "missing_source_url": flags[3], "never_verified": flags[4], "stale": flags[5],
            "shares_point_with": twin, "outside_served_areas": out,
        })
    };
    let no = Value::Null;
    json!([
        p(
            "q-edge",
            "IT",
            "mental_health_centre",
            json!("2025-06-01"),
            [true, false, true, true, false, false],
            &[],
            &[]
        ),
        p("q-line", "DE", "crisis_service", no.clone(), [false, false, true, true, true, false], &[], &[]),
        p("q-never", "IT", "day_centre", no.clone(), [true, true, true, true, true, false], &[], &[]),
        p(
            "q-stale",
            "IT",
            "mental_health_centre",
            json!("2025-05-31"),
            [false, true, false, true, false, true],
            &[],
            &["q-area-b"]
        ),
        p(
            "q-twin-1",
            "IT",
            "day_centre",
            json!("2026-06-01"),
            [true, true, false, false, false, false],
            &["q-twin-2"],
            &[]
        ),
        p(
            "q-twin-2",
            "IT",
            "self_help_group",
            no,
            [false, true, true, true, true, false],
            &["q-twin-1"],
            &["q-area-a"]
        ),
    ])
}

#[tokio::test]
async fn the_fixture_report_is_what_an_editor_would_count() {
    let dir = tempfile::tempdir().unwrap();
    let db = fixture_db(dir.path());
    let app = app_over(&db).await;
    let report = get_json(&app, "/api/quality?as_of=2026-06-01").await;
    assert_eq!(report["as_of"], "2026-06-01");
    assert_eq!(report["stale_before"], "2025-06-01");
    assert_eq!((&report["records"], &report["areas_loaded"]), (&json!(7), &json!(2)));
    assert_eq!(report["work_list"], expected_work_list(), "q-full has nothing wrong and is left out");
    assert_eq!(
        report["shared_points"],
        json!([{ "lon": 10.5, "lat": 45.5, "ids": ["q-twin-1", "q-twin-2"] }])
    );
    let g = |country: &str, category: &str, n: [u64; 7]| {
        json!({ "country": country, "category": category, "records": n[0], "missing_phone": n[1],
                "missing_hours": n[2], "missing_address": n[3], "missing_source_url": n[4],
                "never_verified": n[5], "stale": n[6] })
    };
    assert_eq!(
        report["groups"],
        json!([
            g("DE", "crisis_service", [1, 0, 0, 1, 1, 1, 0]),
            g("IT", "mental_health_centre", [3, 1, 1, 1, 2, 0, 1]),
            g("IT", "day_centre", [2, 2, 2, 1, 1, 1, 0]),
            g("IT", "self_help_group", [1, 0, 1, 1, 1, 1, 0]),
        ])
    );
    assert_eq!(report["totals"]["records"], 7);
    assert_eq!(report["totals"]["never_verified"], 3);

    // A year later q-full and q-twin-1 are fresh still; q-edge is stale now.
    let later = get_json(&app, "/api/quality?as_of=2026-06-02").await;
    let stale: Vec<&str> = later["work_list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["stale"] == true)
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(stale, ["q-edge", "q-stale"]);

    // The CSVs, and the CLI writes the very same bytes.
    let (status, kind, groups) = get(&app, "/api/quality?as_of=2026-06-01&format=csv").await;
    assert_eq!((status, kind.as_str()), (StatusCode::OK, "text/csv; charset=utf-8"));
    assert_eq!(
        groups.lines().take(3).collect::<Vec<_>>(),
        [
            "country,category,records,missing_phone,missing_hours,missing_address,missing_source_url,never_verified,stale",
            "DE,crisis_service,1,0,0,1,1,1,0",
            "IT,mental_health_centre,3,1,1,1,2,0,1",
        ]
    );
    let (_, _, work) = get(&app, "/api/quality?as_of=2026-06-01&format=csv&table=work_list").await;
    assert_eq!(work.lines().count(), 7, "{work}");
    assert!(
        work.lines().any(|l| l
            == "q-twin-2,Test record q-twin-2,IT,self_help_group,,false,true,true,true,true,false,q-twin-1,q-area-a"),
        "{work}"
    );
    let cli = |args: &[&str]| String::from_utf8(witgis(args, &db).stdout).unwrap();
    assert_eq!(cli(&["quality", "--as-of", "2026-06-01", "--format", "csv"]), groups);
    assert_eq!(cli(&["quality", "--as-of", "2026-06-01", "--format", "csv", "--table", "work-list"]), work);
    let json: Value = serde_json::from_str(&cli(&["quality", "--as-of", "2026-06-01"])).unwrap();
    assert_eq!(json, report);
}

#[tokio::test]
async fn verified_since_keeps_records_verified_on_or_after_the_day() {
    let dir = tempfile::tempdir().unwrap();
    let app = app_over(&fixture_db(dir.path())).await;
    let ids = |fc: &Value| -> Vec<String> {
        fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
    };
    let listed = get_json(&app, "/api/resources?verified_since=2025-06-01").await;
    assert_eq!(
        ids(&listed),
        ["q-edge", "q-full", "q-twin-1"],
        "the day itself counts; never verified is left out"
    );
    let near = get_json(&app, "/api/nearest?lon=10.0&lat=45.0&k=10&verified_since=2026-01-01").await;
    assert_eq!(ids(&near), ["q-full", "q-twin-1"], "by distance");
    for bad in ["2026-13-01", "yesterday", "2999-01-01"] {
        for path in ["/api/resources", "/api/nearest?lon=10&lat=45&"] {
            let sep = if path.ends_with('&') { "" } else { "?" };
            let (status, kind, body) = get(&app, &format!("{path}{sep}verified_since={bad}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
            assert!(kind.starts_with("application/problem+json"), "{kind}");
            assert!(body.contains("verified_since"), "{body}");
        }
    }
    let (status, _, body) = get(&app, "/api/quality?as_of=2026-02-30").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _, body) = get(&app, "/api/quality?table=work_list").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "table needs format=csv: {body}");
}

/// The report on the shipped data lists every record whose data file holds
/// open questions (read as plain JSON), with those questions, and counts
/// them per group.
#[test]
fn open_questions_of_the_shipped_data_reach_the_work_list() {
    let text = std::fs::read_to_string("data/resources.geojson").unwrap();
    let fc: Value = serde_json::from_str(&text).unwrap();
    let want: BTreeMap<String, Value> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["open_questions"].as_array().is_some_and(|q| !q.is_empty()))
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f["properties"]["open_questions"].clone()))
        .collect();
    assert!(want.len() >= 20, "{}", want.len());
    let snapshot = witgis::index::Snapshot::with_areas(witgis::store::seed().unwrap(), Vec::new());
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let report = serde_json::to_value(witgis::quality::report(&snapshot, as_of)).unwrap();
    let got: BTreeMap<String, Value> = report["work_list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("open_questions").is_some())
        .map(|p| (p["id"].as_str().unwrap().to_owned(), p["open_questions"].clone()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(report["totals"]["open_questions"].as_u64(), Some(want.len() as u64));
}
