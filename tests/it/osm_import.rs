//! `witgis import --format osm` through the real binary, on fixture files of
//! our own drawing (tests/fixtures/osm: an Overpass JSON answer before and
//! after a change upstream, and an .osm.pbf extract made from extract.osm).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use witgis::store::Write;

const FIXTURES: &str = "tests/fixtures/osm";

fn witgis(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn import(file: &str, db: &Path, extra: &[&str]) -> String {
    let path = format!("{FIXTURES}/{file}");
    let mut args = vec!["import", "--format", "osm", path.as_str()];
    args.extend(extra);
    let out = witgis(&args, db);
    assert!(out.status.success(), "{}", stderr(&out));
    stderr(&out)
}

/// The exported records by id.
fn export(db: &Path) -> serde_json::Map<String, Value> {
    let out = witgis(&["export"], db);
    let fc: Value = serde_json::from_slice(&out.stdout).unwrap();
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["id"].as_str().unwrap().to_owned(), f.clone()))
        .collect()
}

fn point(f: &Value) -> [f64; 2] {
    let c = &f["geometry"]["coordinates"];
    [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()]
}

fn near(a: [f64; 2], b: [f64; 2]) -> bool {
    (a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9
}

#[test]
fn overpass_json_and_pbf_map_to_the_right_records() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let report = import("overpass-v1.json", &a, &[]);
    import("extract.osm.pbf", &b, &[]);
    let (json, pbf) = (export(&a), export(&b));

    // What the fixture's tags say, checked by hand.
    let bncr = &json["osm-node-101"]["properties"];
    assert_eq!(bncr["category"], "library");
    assert_eq!(bncr["country"], "IT");
    assert_eq!(bncr["address"], "Viale Castro Pretorio 105");
    assert_eq!((bncr["postcode"].as_str(), bncr["city"].as_str()), (Some("00185"), Some("Roma")));
    assert_eq!(bncr["topics"], json!(["library_services"]));
    assert_eq!(bncr["coord_precision"], "building");
    let source = bncr["source"].as_str().unwrap();
    assert!(source.contains("OpenStreetMap contributors") && source.contains("ODbL"), "{source}");
    assert!(source.ends_with("https://www.openstreetmap.org/node/101"), "{source}");
    assert!(near(point(&json["osm-node-101"]), [12.5065, 41.906]));

    let soss = &json["osm-node-102"]["properties"];
    assert_eq!(
        (soss["category"].as_str(), soss["phone"].as_str()),
        (Some("other_service"), Some("+39 351 748 8351"))
    );
    assert!(soss["opening_hours"].is_null(), "an unreadable opening_hours is left out");
    assert!(report.contains("osm-node-102: opening_hours left out"), "{report}");

    // The way at the centre of its outline, the relation at the centre of its member way.
    assert!(near(point(&json["osm-way-202"]), [25.2634, 54.6905]), "{:?}", point(&json["osm-way-202"]));
    assert_eq!(json["osm-way-202"]["properties"]["country"], "LT");
    assert!(near(point(&json["osm-relation-401"]), [25.2877, 54.6826]));
    assert_eq!(json["osm-relation-401"]["properties"]["category"], "university");
    // Overpass's own `center` for the way it gave no nodes for.
    assert!(near(point(&json["osm-way-201"]), [12.5145, 41.9035]));

    // Skipped, with the reason; a bench is no service and is not mentioned.
    assert!(report.contains("skipped osm-node-103: has no name tag"), "{report}");
    assert!(report.contains("skipped osm-node-105: lies outside the covered countries"), "{report}");
    assert!(!report.contains("osm-node-104"), "{report}");
    let mut ids: Vec<&String> = json.keys().collect();
    ids.sort();
    assert_eq!(ids, ["osm-node-101", "osm-node-102", "osm-relation-401", "osm-way-201", "osm-way-202"]);

    // The extract holds the same objects (but the way 201, which has no nodes there).
    let mut pbf_ids: Vec<&String> = pbf.keys().collect();
    pbf_ids.sort();
    assert_eq!(pbf_ids, ["osm-node-101", "osm-node-102", "osm-relation-401", "osm-way-202"]);
    for id in pbf_ids {
        assert_eq!(pbf[id]["properties"], json[id]["properties"], "{id}");
        assert!(near(point(&pbf[id]), point(&json[id])), "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reimport_reports_exactly_the_changes_and_keeps_an_editors_change() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    import("overpass-v1.json", &db, &[]);
    let again = import("overpass-v1.json", &db, &[]);
    assert!(again.contains("0 new, 0 changed, 5 unchanged, 0 vanished"), "idempotent: {again}");

    // An editor adds an English name to the national library.
    let store = witgis::store::open(&format!("sqlite://{}", db.display())).await.unwrap();
    let current = store.get("osm-node-101").await.unwrap().unwrap();
    let mut props = current.resource.properties();
    props.insert("name_en".into(), json!("National Central Library of Rome"));
    let edited = witgis::model::Resource::from_properties(&props, current.resource.point()).unwrap();
    store.write(Write::Replace { resource: edited, if_version: current.version }, "maria").await.unwrap();
    let before = export(&db);

    // Upstream: the library renamed, the university way gone, a new library.
    let dry = import("overpass-v2.json", &db, &["--dry-run"]);
    assert!(dry.contains("1 new, 1 changed, 3 unchanged, 1 vanished, 1 editors' changes kept"), "{dry}");
    assert!(dry.contains("new osm-node-106: Biblioteca ISTAT"), "{dry}");
    assert!(dry.contains("changed osm-node-101: name"), "{dry}");
    assert!(dry.contains("kept an editor's change to osm-node-101: name_en"), "{dry}");
    assert!(dry.contains("vanished osm-way-201"), "{dry}");
    assert!(dry.contains("dry run, nothing written"), "{dry}");
    assert_eq!(export(&db), before, "a dry run writes nothing");

    import("overpass-v2.json", &db, &[]);
    let after = export(&db);
    let bncr = &after["osm-node-101"]["properties"];
    assert_eq!(bncr["name"], "Biblioteca Nazionale Centrale di Roma (BNCR)", "the source's change is taken");
    assert_eq!(bncr["name_en"], "National Central Library of Rome", "the editor's change is kept");
    assert!(after.contains_key("osm-node-106"));
    assert!(after.contains_key("osm-way-201"), "a vanished object is reported, not deleted");
    assert_eq!(after["osm-node-102"], before["osm-node-102"], "unchanged records are not rewritten");
    let versions: Vec<String> =
        store.history("osm-node-102").await.unwrap().iter().map(|c| c.action.clone()).collect();
    assert_eq!(versions, ["import"], "an unchanged record gets no new version");
    let actions: Vec<(String, String)> = store
        .history("osm-node-101")
        .await
        .unwrap()
        .iter()
        .map(|c| (c.action.clone(), c.actor.clone()))
        .collect();
    assert_eq!(
        actions,
        [
            ("import".into(), "import".into()),
            ("update".into(), "maria".into()),
            ("import".into(), "import".into())
        ]
    );
    let third = import("overpass-v2.json", &db, &[]);
    assert!(third.contains("0 new, 0 changed, 5 unchanged, 1 vanished, 1 editors' changes kept"), "{third}");
    assert_eq!(export(&db)["osm-node-101"], after["osm-node-101"], "an editor's field stays the editor's");
}
