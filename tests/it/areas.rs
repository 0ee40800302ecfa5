//! Areas: import with validation, point-in-polygon in the snapshot, the API.
//! Uses the 15 Rome-like municipi drawn for the tests (tests/fixtures), and
//! the real ones shipped in data/ where the seed's real points are checked.

use crate::common;
use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use witgis::model::Category;

use crate::common::{ROME_MUNICIPI as MUNICIPI, rome_municipi as municipi};

/// The shipped municipi (OpenStreetMap), which a fresh store is seeded with.
fn real_municipi() -> Vec<witgis::model::Area> {
    witgis::store::seed_areas().expect("data/rome-municipi.geojson")
}

/// Since the points of Rome's services are their real positions (issue 35),
/// not quarter stand-ins placed inside the fixture's boxes, they are checked
/// against the real boundaries shipped in data/.
#[test]
fn rome_centres_lie_in_the_municipio_they_serve() {
    let snapshot = witgis::index::Snapshot::with_areas(witgis::store::seed().expect("seed"), real_municipi());
    assert_eq!(snapshot.areas().len(), 15);
    let mut checked = 0;
    for r in snapshot.index().resources() {
        let rome_service = matches!(r.category, Category::MentalHealthCentre | Category::DayCentre);
        let municipi_served: Vec<&String> =
            r.serves_areas.iter().filter(|a| a.starts_with("it-rm-municipio-")).collect();
        let Some([lon, lat]) = r.point() else { continue };
        if !rome_service || municipi_served.is_empty() || OUTSIDE.contains(&r.id.as_str()) {
            continue;
        }
        let inside: Vec<&str> = snapshot.areas_at(lon, lat).iter().map(|a| a.id.as_str()).collect();
        assert!(
            municipi_served.iter().any(|m| inside.contains(&m.as_str())),
            "{} at {lon},{lat} in {inside:?}",
            r.id
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} Rome services checked");
    // The exceptions are real, each an open question for editors.
    for id in OUTSIDE {
        let r = snapshot.index().resources().find(|r| r.id == *id).expect("exception in the seed");
        let [lon, lat] = r.point().expect("point");
        let inside: Vec<&str> = snapshot.areas_at(lon, lat).iter().map(|a| a.id.as_str()).collect();
        assert!(!r.serves_areas.iter().any(|m| inside.contains(&m.as_str())), "{id} is no exception");
        assert!(!r.open_questions.is_empty(), "{id} has no open question");
    }
    // A point in the sea off Ostia is in no municipio; Piazza Venezia is in I.
    assert!(snapshot.areas_at(12.20, 41.70).is_empty());
    let centre: Vec<&str> = snapshot.areas_at(12.4823, 41.8958).iter().map(|a| a.id.as_str()).collect();
    assert_eq!(centre, ["it-rm-municipio-01"]);
}

/// Services whose published site lies outside the municipio they serve: the
/// Distretto 4 day centre on Via della Rustica (in V, serving IV), and the
/// CSM of Distretto 6 at Via di Torre Spaccata 157 (in VII since the zone
/// moved in 2021, serving VI).
const OUTSIDE: [&str; 2] = ["it-rm-cd-ornitorinco", "it-rm-csm-d6"];

#[test]
fn import_areas_is_all_or_nothing_with_a_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_witgis")).args(args).env("DATABASE_URL", &db).output().expect("run")
    };

    let bad = dir.path().join("bad.geojson");
    let text = std::fs::read_to_string(MUNICIPI).expect("municipi");
    let mut fc: serde_json::Value = serde_json::from_str(&text).expect("json");
    // Open the first ring of the third feature and give the fifth a bad kind.
    fc["features"][2]["geometry"]["coordinates"][0][0].as_array_mut().expect("ring").pop();
    fc["features"][4]["properties"]["kind"] = "planet".into();
    std::fs::write(&bad, fc.to_string()).expect("write");
    let out = run(&["import-areas", bad.to_str().expect("path")]);
    let report = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("feature 3 (it-rm-municipio-03): geometry: polygon 1 ring 1 is not closed"),
        "{report}"
    );
    assert!(report.contains("feature 5 (it-rm-municipio-05): kind: unknown kind 'planet'"), "{report}");

    let out = run(&["import-areas", MUNICIPI]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("imported 15 areas (15 new, 0 replaced)"));
}

/// Issue 39 (D8): a bowtie, a flat outline, one around the whole world and
/// one with more positions than the stated limit were imported (the bowtie
/// became the "smallest area" of demand). Each is now refused by name, and
/// nothing of the file is imported.
#[test]
fn import_areas_refuses_crossed_flat_world_sized_and_huge_outlines() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_witgis")).args(args).env("DATABASE_URL", &db).output().expect("run")
    };
    let area = |id: &str, ring: serde_json::Value| {
        serde_json::json!({"type": "Feature", "id": id, "properties": {"name": id, "kind": "district"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}})
    };
    let limit = witgis::model::outline::MAX_POSITIONS;
    // A fine circle of limit + 1 positions (the last closes it).
    let circle: Vec<[f64; 2]> = (0..=limit)
        .map(|i| {
            let a = std::f64::consts::TAU * (i % limit) as f64 / limit as f64;
            [12.5 + 0.1 * a.cos(), 41.9 + 0.1 * a.sin()]
        })
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        area("x-fine", serde_json::json!([[12.0, 41.0], [13.0, 41.0], [13.0, 42.0], [12.0, 42.0], [12.0, 41.0]])),
        area("x-bowtie", serde_json::json!([[12.0, 41.0], [13.0, 42.0], [13.0, 41.0], [12.0, 42.0], [12.0, 41.0]])),
        area("x-flat", serde_json::json!([[12.0, 41.0], [12.5, 41.5], [13.0, 42.0], [12.0, 41.0]])),
        area("x-world", serde_json::json!([[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]])),
        area("x-huge", serde_json::json!(circle)),
    ]});
    let bad = dir.path().join("bad.geojson");
    std::fs::write(&bad, fc.to_string()).expect("write");
    let out = run(&["import-areas", bad.to_str().expect("path")]);
    let report = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for expected in [
        "feature 2 (x-bowtie): geometry: polygon 1 ring 1 crosses or touches itself near (12.500000, 41.500000)",
        "feature 3 (x-flat): geometry: polygon 1",
        "feature 4 (x-world): geometry: encloses about",
        &format!(
            "feature 5 (x-huge): geometry: has {} positions; an area may have at most {limit}",
            limit + 1
        ),
    ] {
        assert!(report.contains(expected), "{expected}\nnot in:\n{report}");
    }
    assert!(!report.contains("x-fine"), "{report}");
    // Nothing was imported: the fine area alone is new afterwards.
    let fine = dir.path().join("fine.geojson");
    let features = fc["features"].as_array().expect("features")[..1].to_vec();
    std::fs::write(&fine, serde_json::json!({"type": "FeatureCollection", "features": features}).to_string())
        .expect("write");
    let out = run(&["import-areas", fine.to_str().expect("path")]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("imported 1 areas (1 new, 0 replaced)"));
}

#[tokio::test]
async fn areas_are_served_as_geojson() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("a.db").display())).await.expect("store");
    store.import_areas(&municipi()).await.expect("import");
    let state =
        std::sync::Arc::new(witgis::state::AppState::load(store, common::reference()).await.expect("load"));
    let app = witgis::http::router(state);
    let get = |uri: &'static str| {
        let app = app.clone();
        async move {
            let r =
                app.oneshot(Request::get(uri).body(Body::empty()).expect("request")).await.expect("reply");
            let status = r.status();
            let body: serde_json::Value =
                serde_json::from_slice(&r.into_body().collect().await.expect("body").to_bytes())
                    .unwrap_or_default();
            (status, body)
        }
    };
    let (status, fc) = get("/api/areas?kind=municipio").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fc["features"].as_array().map(Vec::len), Some(15));
    let (status, one) = get("/api/areas/it-rm-municipio-02").await;
    assert_eq!((status, one["properties"]["name"].as_str()), (StatusCode::OK, Some("Municipio Roma II")));
    assert_eq!(one["geometry"]["type"], "MultiPolygon");
    assert_eq!(get("/api/areas/nowhere").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get("/api/areas?kind=planet").await.0, StatusCode::BAD_REQUEST);
}
