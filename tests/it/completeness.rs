//! Coverage that says what it does not know: every coverage answer carries
//! the records it rests on and whether the directory claims to be complete,
//! and a declared-complete file flips the flag. Counts are checked against
//! the seed GeoJSON read here directly.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::path::Path;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{Value, json};
use witgis::coverage::Completeness;

const FIXTURE: &str = "tests/fixtures/completeness-de-mhc.tsv";

async fn get(app: &axum::Router, uri: &str) -> String {
    let a = common::router::get(app, uri, &[]).await;
    let body = a.text();
    assert_eq!(a.status, StatusCode::OK, "{uri}: {body}");
    body
}

async fn get_json(app: &axum::Router, uri: &str) -> Value {
    serde_json::from_str(&get(app, uri).await).unwrap()
}

/// How many seeded records of `category` lie in `country`, from the file itself.
fn seeded(country: &str, category: &str) -> u64 {
    let text = std::fs::read_to_string("data/resources.geojson").unwrap();
    let fc: Value = serde_json::from_str(&text).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["country"] == country && f["properties"]["category"] == category)
        .count() as u64
}

/// The seeded app, with the given completeness declarations.
async fn app_with(completeness: Option<Completeness>) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("c.db").display())).await.unwrap();
    store.seed_once(&witgis::store::seed().unwrap()).await.unwrap();
    let mut state = witgis::state::AppState::load(store, common::reference()).await.unwrap();
    if let Some(c) = completeness {
        state = state.with_completeness(c);
    }
    (witgis::http::router(Arc::new(state)), dir)
}

fn row<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["rows"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()
}

fn csv_rows(body: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let head: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader
        .records()
        .map(|r| head.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect())
        .collect()
}

#[tokio::test]
async fn by_default_nothing_is_complete_and_every_figure_names_its_records() {
    let (app, _dir) = app_with(None).await;
    let report = get_json(&app, "/api/coverage?category=mental_health_centre").await;
    assert_eq!(report["declared_complete"], serde_json::json!([]));
    let mut total = 0;
    for c in ["IT", "BG", "DE", "LT"] {
        let r = row(&report, c);
        assert_eq!(r["complete"], false, "{c}");
        assert_eq!(r["records"].as_u64(), Some(seeded(c, "mental_health_centre")), "{c}");
        assert_eq!(r["by_category"][0]["complete"], false);
        total += seeded(c, "mental_health_centre");
    }
    assert_eq!(report["records"].as_u64(), Some(total), "the distances rest on all matching records");
    assert_eq!(row(&report, "DE")["records"], 0, "the sample holds no German mental health centre");

    for r in csv_rows(&get(&app, "/api/coverage?category=mental_health_centre&format=csv").await) {
        assert_eq!(r["complete"], "false");
        assert_eq!(r["mental_health_centre_complete"], "false");
        assert_eq!(r["records"].parse::<u64>().unwrap(), seeded(&r["id"], "mental_health_centre"));
    }
    let fc = get_json(&app, "/api/coverage?level=region&country=DE&format=geojson").await;
    assert!(!fc["features"].as_array().unwrap().is_empty());
    for f in fc["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["complete"], false);
        assert!(f["properties"]["records"].is_u64());
    }
    let suggest = get_json(&app, "/api/coverage/suggest?category=mental_health_centre&country=IT&k=1").await;
    assert_eq!(
        (&suggest["complete"], suggest["records"].as_u64()),
        (&json!(false), Some(seeded("IT", "mental_health_centre")))
    );
    let gaps = get_json(&app, "/api/coverage/gaps?category=mental_health_centre&country=DE&limit=5").await;
    let features = gaps["features"].as_array().unwrap();
    assert!(!features.is_empty(), "Germany is far from every centre of the sample");
    for f in features {
        assert_eq!(f["properties"]["complete"], false);
        assert_eq!(f["properties"]["records"], 0);
    }
}

#[tokio::test]
async fn a_declared_complete_country_and_category_flips_the_flag() {
    let completeness = Completeness::load(Path::new(FIXTURE)).unwrap();
    let (app, _dir) = app_with(Some(completeness)).await;

    let report = get_json(&app, "/api/coverage?category=mental_health_centre").await;
    assert_eq!(row(&report, "DE")["complete"], true);
    assert_eq!(row(&report, "IT")["complete"], false, "only Germany is declared");
    let declared = report["declared_complete"].as_array().unwrap();
    assert_eq!(declared.len(), 2);
    assert_eq!((&declared[0]["country"], &declared[0]["category"]), (&"DE".into(), &"library".into()));
    assert_eq!(declared[1]["checked"], "2026-11-30");

    // Two categories, one declared: the row is not complete, its declared category is.
    let both = get_json(&app, "/api/coverage?category=mental_health_centre,university").await;
    let de = row(&both, "DE");
    assert_eq!(de["complete"], false);
    let flags: Vec<(&str, bool)> = de["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["category"].as_str().unwrap(), c["complete"].as_bool().unwrap()))
        .collect();
    assert_eq!(flags, [("university", false), ("mental_health_centre", true)]);

    let csv = csv_rows(&get(&app, "/api/coverage?category=library,mental_health_centre&format=csv").await);
    let de = csv.iter().find(|r| r["id"] == "DE").unwrap();
    assert_eq!((de["complete"].as_str(), de["library_complete"].as_str()), ("true", "true"));
    assert_eq!(de["records"].parse::<u64>().unwrap(), seeded("DE", "library"));
    assert!(csv.iter().filter(|r| r["id"] != "DE").all(|r| r["complete"] == "false"));

    // Regions inherit their country's declaration.
    let regions = get_json(&app, "/api/coverage?level=region&category=library").await;
    for r in regions["rows"].as_array().unwrap() {
        assert_eq!(r["complete"], r["country"] == "DE", "{}", r["id"]);
    }
    // All categories: nothing is complete anywhere.
    let all = get_json(&app, "/api/coverage").await;
    assert!(all["rows"].as_array().unwrap().iter().all(|r| r["complete"] == false));

    let suggest = get_json(&app, "/api/coverage/suggest?category=mental_health_centre&country=DE&k=1").await;
    assert_eq!(suggest["complete"], true);
    let suggest = get_json(&app, "/api/coverage/suggest?category=mental_health_centre&k=1").await;
    assert_eq!(suggest["complete"], false, "not every country is declared");
    let gaps = get_json(&app, "/api/coverage/gaps?category=mental_health_centre&country=DE&limit=3").await;
    for f in gaps["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["complete"], true);
    }
}

#[test]
fn a_bad_completeness_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.tsv");
    std::fs::write(&path, "country\tcategory\tchecked\tbasis\nDE\tmental_health\t2026-01-01\tx\n").unwrap();
    let e = Completeness::load(&path).unwrap_err();
    assert!(e.0.contains("line 2") && e.0.contains("unknown category 'mental_health'"), "{e}");
    assert!(Completeness::load(&dir.path().join("missing.tsv")).is_err());
}
