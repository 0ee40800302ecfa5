//! The street map: `witgis import-places` on an extract of our own making
//! (tests/fixtures/osm/places: made-up houses, streets and neighbourhoods in
//! Rome, Sofia, Vilnius and Berlin, in Latin, Cyrillic and Lithuanian
//! script), then `/api/places` on the real binary. The expected names and
//! points are the fixture's own, as tests/fixtures/osm/places/make-fixture
//! draws them.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::http::{Server, eventually};
use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/osm/places";

fn import_places(file: &Path, database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["import-places", &file.display().to_string(), "--database-url", database_url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn imported(file: &str, database_url: &str) -> String {
    let out = import_places(&Path::new(FIXTURES).join(file), database_url);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    err
}

fn places(server: &Server, q: &str) -> Value {
    let q: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let reply = server.call("GET", &format!("/api/places?q={q}&limit=5&geocoder=false"), &[], "");
    assert_eq!(reply.status, 200, "{q}");
    reply.json()
}

/// The first feature's name, precision and point.
fn first(found: &Value) -> (String, String, [f64; 2]) {
    let f = &found["features"][0];
    let c = &f["geometry"]["coordinates"];
    (
        f["properties"]["name"].as_str().unwrap_or_default().to_owned(),
        f["properties"]["precision"].as_str().unwrap_or_default().to_owned(),
        [c[0].as_f64().unwrap_or(f64::NAN), c[1].as_f64().unwrap_or(f64::NAN)],
    )
}

fn at(found: &Value, name: &str, precision: &str, point: [f64; 2]) {
    let (n, p, [x, y]) = first(found);
    assert_eq!((n.as_str(), p.as_str()), (name, precision), "{found}");
    assert!((x - point[0]).abs() < 1e-7 && (y - point[1]).abs() < 1e-7, "{name}: {x},{y} is not {point:?}");
}

fn sqlite(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("witgis.db").display())
}

#[test]
fn houses_streets_and_neighbourhoods_in_three_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path());
    let report = imported("places.osm.pbf", &url);
    assert!(report.contains("14 houses, 9 streets (from 11 named segments), 5 named places"), "{report}");
    let server = Server::start(&url, &dir.path().join("log"));

    // The issue's own queries: a house by street and number, with the generic
    // word, an abbreviation, a typo, case and accents varied.
    at(&places(&server, "via Tuscolana 700"), "Via Tuscolana 700, Roma", "house", [12.562, 41.8688]);
    at(&places(&server, "v. tuscolana 700"), "Via Tuscolana 700, Roma", "house", [12.562, 41.8688]);
    at(&places(&server, "Tuscolna 700"), "Via Tuscolana 700, Roma", "house", [12.562, 41.8688]);
    // A building's address stands at the middle of its outline.
    at(&places(&server, "Via Tuscolana 702"), "Via Tuscolana 702, Roma", "house", [12.566, 41.8666]);
    at(&places(&server, "Gedimino pr. 9, Vilnius"), "Gedimino pr. 9, Vilnius", "house", [25.275, 54.6876]);
    at(&places(&server, "gedimino prospektas 51"), "Gedimino pr. 51, Vilnius", "house", [25.285, 54.6886]);
    at(&places(&server, "zirmunu g. 12"), "Žirmūnų g. 12, Vilnius", "house", [25.302, 54.712]);
    // An address on a relation (a multipolygon building).
    at(&places(&server, "Universiteto g. 3"), "Universiteto g. 3, Vilnius", "house", [25.2877, 54.6826]);
    at(&places(&server, "ул. Шипка 6а"), "улица Шипка 6а, София", "house", [23.332, 42.6951]);
    at(&places(&server, "улица шипка 6"), "улица Шипка 6, София", "house", [23.331, 42.6951]);
    at(&places(&server, "Mareschstr. 14"), "Mareschstraße 14, Berlin", "house", [13.342, 52.4601]);
    // Named places: a node, an administrative boundary of level 10.
    at(&places(&server, "Младост"), "Младост", "neighbourhood", [23.38, 42.65]);
    at(&places(&server, "Люлин"), "Люлин", "neighbourhood", [23.25, 42.71]);
    at(&places(&server, "zirmunai"), "Žirmūnai", "neighbourhood", [25.295, 54.715]);
    at(&places(&server, "Tor Bella Monaca"), "Tor Bella Monaca", "neighbourhood", [12.63, 41.865]);
    // A street by name: its extent as the feature's bbox.
    let street = places(&server, "Via Tuscolana");
    let f = street["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["precision"] == "street")
        .unwrap_or_else(|| panic!("{street}"));
    assert_eq!(f["properties"]["name"], "Via Tuscolana, Roma");
    assert_eq!(f["bbox"], serde_json::json!([12.56, 41.864, 12.57, 41.87]));
    assert_eq!(f["properties"]["attribution"], "© OpenStreetMap contributors");
    // The same street name in two cities: the city after the comma decides;
    // without it, both are listed and the answer says so.
    at(&places(&server, "Via Roma 3, Tivoli"), "Via Roma 3, Tivoli", "house", [12.802, 41.9601]);
    let both = places(&server, "Via Roma 3");
    assert_eq!(both["ambiguous"], true, "{both}");
    let names: Vec<&str> = both["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["properties"]["name"].as_str())
        .collect();
    assert!(names.contains(&"Via Roma 3, Roma") && names.contains(&"Via Roma 3, Tivoli"), "{names:?}");
    // Nothing like it.
    assert_eq!(places(&server, "Qwxzy Street 5")["features"].as_array().unwrap().len(), 0);
}

#[test]
fn a_house_number_not_in_the_map_gives_the_street_never_another_house() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path());
    imported("places.osm.pbf", &url);
    let server = Server::start(&url, &dir.path().join("log"));
    // The seed holds a service at Gedimino pr. 51; number 10 is neither.
    let found = places(&server, "Gedimino pr. 10, Vilnius");
    at(&found, "Gedimino pr., Vilnius", "street", [25.28, 54.688]);
    assert_eq!(found["address"], "street");
    assert_eq!(found["features"][0]["properties"]["housenumber_asked"], "10");
    let note = found["notes"][0].as_str().unwrap_or_default();
    assert!(note.contains("10") && note.contains("not in the street map"), "{found}");
    for f in found["features"].as_array().unwrap() {
        assert_ne!(f["properties"]["precision"], "house", "another house listed: {found}");
    }
}

#[test]
fn without_a_street_map_no_other_house_is_offered_either() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&sqlite(dir.path()), &dir.path().join("log"));
    // The seed's service at Gedimino pr. 51 is not house 9.
    let found = places(&server, "Gedimino pr. 9, Vilnius");
    for f in found["features"].as_array().unwrap() {
        let name = f["properties"]["name"].as_str().unwrap_or_default();
        assert!(!name.contains("51"), "another house listed: {found}");
    }
    assert_eq!(found["address"], "needs_geocoder");
    // The seed's own addresses are still found by their own number.
    assert_eq!(first(&places(&server, "Gedimino pr. 51")).1, "house");
}

#[test]
fn a_reimport_replaces_the_map_and_a_bad_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite(dir.path());
    imported("places.osm.pbf", &url);
    let server = Server::start(&url, &dir.path().join("log"));
    assert_eq!(first(&places(&server, "via Tuscolana 700")).1, "house");
    // A running server loads the new map without a restart.
    imported("smaller.osm.pbf", &url);
    eventually("the new street map", || first(&places(&server, "Pylimo g. 4")).1 == "house");
    assert_eq!(places(&server, "via Tuscolana 700")["address"], "needs_geocoder");

    // A damaged extract, a file that is no extract, one with no places: refused, map unchanged.
    let broken = dir.path().join("broken.osm.pbf");
    let mut bytes = std::fs::read(Path::new(FIXTURES).join("places.osm.pbf")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&broken, bytes).unwrap();
    let csv = dir.path().join("places.csv");
    std::fs::write(&csv, "name\nVia Tuscolana 700\n").unwrap();
    let empty = dir.path().join("empty.osm.pbf");
    std::fs::write(&empty, []).unwrap();
    for (file, says) in [(&broken, "broken.osm.pbf"), (&csv, ".osm.pbf"), (&empty, "empty.osm.pbf")] {
        let out = import_places(file, &url);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{}: {err}", file.display());
        assert!(err.contains(says), "{err}");
    }
    let restarted = Server::start(&url, &dir.path().join("log2"));
    at(&places(&restarted, "Pylimo g. 4"), "Pylimo g. 4, Vilnius", "house", [25.262, 54.6801]);
    assert_ne!(first(&places(&restarted, "via Tuscolana 700")).1, "house");
}

#[tokio::test]
async fn the_street_map_on_postgis() {
    let db = common::TestDb::postgis().await;
    imported("places.osm.pbf", &db.url);
    let rows = db.store.places().await.unwrap();
    assert_eq!(rows.len(), 28);
    let import = db.store.places_import().await.unwrap().unwrap();
    assert_eq!((import.source.as_str(), import.places), ("places.osm.pbf", 28));
    imported("smaller.osm.pbf", &db.url);
    let rows = db.store.places().await.unwrap();
    let names: std::collections::BTreeSet<&str> = rows.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["Pylimo g."]);
}
