//! The `witgis` binary: import, export, synth and serve, run for real.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn witgis(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run witgis")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn feature_count(geojson: &str) -> usize {
    let v: serde_json::Value = serde_json::from_str(geojson).expect("export is JSON");
    v["features"].as_array().map_or(0, Vec::len)
}

#[test]
fn synth_import_export_round_trip_through_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    let synth = witgis(&["synth", "300", "--seed", "5"], &a);
    assert!(synth.status.success(), "{}", stderr(&synth));
    let synth_file = dir.path().join("synth.geojson");
    std::fs::write(&synth_file, &synth.stdout).expect("write");

    let import = witgis(&["import", synth_file.to_str().expect("path")], &a);
    assert!(import.status.success(), "{}", stderr(&import));
    assert!(stderr(&import).contains("imported 300 resources (300 new, 0 replaced)"), "{}", stderr(&import));

    let csv = witgis(&["export", "--format", "csv"], &a);
    let csv_file = dir.path().join("export.csv");
    std::fs::write(&csv_file, &csv.stdout).expect("write");
    let import = witgis(&["import", csv_file.to_str().expect("path")], &b);
    assert!(import.status.success(), "{}", stderr(&import));

    let (ga, gb) = (stdout(&witgis(&["export"], &a)), stdout(&witgis(&["export"], &b)));
    assert_eq!(feature_count(&ga), 300);
    assert_eq!(ga, gb, "GeoJSON → store → CSV → store → GeoJSON changes nothing");

    // Importing the same file again replaces, it does not duplicate.
    let again = witgis(&["import", synth_file.to_str().expect("path")], &a);
    assert!(stderr(&again).contains("(0 new, 300 replaced)"), "{}", stderr(&again));
}

#[test]
fn a_bad_import_reports_each_row_and_field_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("w.db");
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        "id,name,category,country,lat,lon,coord_precision\nok-one,One,library,IT,41.9,12.5,city\n",
    )
    .expect("write");
    assert!(witgis(&["import", good.to_str().expect("path")], &db).status.success());

    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "id,name,category,country,lat,lon,coord_precision\n\
         ok-two,Two,library,IT,41.9,12.5,city\n\
         bad-three,Three,museum,IT,41.9,12.5,city\n\
         bad-four,,library,IT,95,12.5,city\n",
    )
    .expect("write");
    let out = witgis(&["import", bad.to_str().expect("path")], &db);
    assert_eq!(out.status.code(), Some(1));
    let report = stderr(&out);
    assert!(report.contains("line 3 (bad-three): category: unknown category 'museum'"), "{report}");
    assert!(report.contains("line 4 (bad-four): name"), "{report}");
    assert!(report.contains("line 4 (bad-four): lat"), "{report}");
    assert!(report.contains("nothing was imported"), "{report}");
    // The valid row of the bad file was not written either.
    let export = stdout(&witgis(&["export"], &db));
    assert_eq!(feature_count(&export), 1);
    assert!(!export.contains("ok-two"));
}

/// A CSM in the sea, one in Tunis and a check dated 9999-12-31 are
/// reported by row and field and nothing is imported; the same rows with a
/// `plausibility_override` (and the date corrected) are imported.
#[test]
fn an_import_reports_implausible_rows_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("p.db");
    let file = dir.path().join("p.csv");
    let head = "id,name,category,country,lat,lon,coord_precision,last_verified,plausibility_override\n";
    std::fs::write(
        &file,
        format!(
            "{head}ok-rome,Roma,mental_health_centre,IT,41.9,12.5,street,,\n\
             csm-sea,Mare,mental_health_centre,IT,41.65,12.10,street,,\n\
             csm-tunis,Tunisi,mental_health_centre,IT,36.80,10.18,street,,\n\
             csm-later,Dopo,mental_health_centre,IT,41.9,12.5,street,9999-12-31,\n"
        ),
    )
    .expect("write");
    let out = witgis(&["import", file.to_str().expect("path")], &db);
    assert_eq!(out.status.code(), Some(1));
    let report = stderr(&out);
    assert!(
        report.contains("line 3 (csm-sea): geometry: the point (12.1, 41.65) lies outside IT"),
        "{report}"
    );
    assert!(report.contains("line 4 (csm-tunis): geometry:"), "{report}");
    assert!(report.contains("line 5 (csm-later): last_verified: 9999-12-31 is after today"), "{report}");
    assert!(!report.contains("ok-rome"), "{report}");
    assert!(report.contains("3 implausible row(s); nothing was imported"), "{report}");
    assert_eq!(feature_count(&stdout(&witgis(&["export"], &db))), 0);

    std::fs::write(
        &file,
        format!(
            "{head}csm-sea,Mare,mental_health_centre,IT,41.65,12.10,street,,a boat clinic\n\
             csm-tunis,Tunisi,mental_health_centre,IT,36.80,10.18,street,,a partner abroad\n"
        ),
    )
    .expect("write");
    let out = witgis(&["import", file.to_str().expect("path")], &db);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = stdout(&witgis(&["export"], &db));
    assert_eq!(feature_count(&export), 2);
    assert!(!export.contains("a boat clinic"), "the override is not a stored property");
}

#[test]
fn serve_creates_and_seeds_the_store_and_answers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("served.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .env("WITGIS_ADDR", "127.0.0.1:0")
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start witgis");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("on http://").nth(1).map(|rest| rest.split_whitespace().next().unwrap_or("").to_owned())
        })
        .expect("a 'serving on' line");
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.write_all(b"GET /api/categories HTTP/1.0\r\nHost: x\r\n\r\n").expect("send");
    let mut reply = String::new();
    stream.read_to_string(&mut reply).expect("read");
    let _ = child.kill();
    let _ = child.wait();
    assert!(reply.starts_with("HTTP/1.0 200") || reply.starts_with("HTTP/1.1 200"), "{reply}");
    let body = reply.split("\r\n\r\n").nth(1).expect("body");
    let categories: serde_json::Value = serde_json::from_str(body).expect("json");
    let total: u64 = categories.as_array().expect("array").iter().filter_map(|c| c["count"].as_u64()).sum();
    assert!(total >= 200, "the new store was seeded from data/: {total}");
    assert!(db.exists());
}

#[test]
fn an_unreadable_file_or_unknown_format_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("w.db");
    let out = witgis(&["import", "/nonexistent/file.geojson"], &db);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/file.geojson"), "{}", stderr(&out));
    let txt = dir.path().join("data.txt");
    std::fs::write(&txt, "x").expect("write");
    let out = witgis(&["import", txt.to_str().expect("path")], &db);
    assert!(stderr(&out).contains("--format"), "{}", stderr(&out));
}

#[test]
fn imported_municipi_without_a_population_get_the_2010_figures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("p.db");
    // The test boxes carry no population; one more area keeps its own.
    let boxes = std::fs::read_to_string("tests/fixtures/rome-municipi-boxes.geojson").expect("fixture");
    let mut fc: serde_json::Value = serde_json::from_str(&boxes).expect("json");
    fc["features"][0]["properties"]["population"] = serde_json::json!(12345);
    let file = dir.path().join("m.geojson");
    std::fs::write(&file, fc.to_string()).expect("write");
    let out = witgis(&["import-areas", file.to_str().expect("path")], &db);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("7 areas had no population"), "{}", stderr(&out));
    let store = tokio::runtime::Runtime::new().expect("runtime").block_on(async {
        let store = witgis::store::open(&format!("sqlite://{}", db.display())).await.expect("store");
        store.areas().await.expect("areas")
    });
    let population = |id: &str| store.iter().find(|a| a.id == id).and_then(|a| a.population);
    // rome-municipi-population.csv, 31 Dec 2010: VII 310887, X 226084.
    assert_eq!(population("it-rm-municipio-07"), Some(310_887));
    assert_eq!(population("it-rm-municipio-10"), Some(226_084));
    // The file's own figure is kept.
    assert_eq!(population("it-rm-municipio-01"), Some(12_345));
}

#[test]
fn serve_refuses_a_home_it_cannot_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    for bad in ["Atlantis", "FR", "12,41,11,42"] {
        let out = witgis(&["serve", "--home", bad, "--addr", "127.0.0.1:0"], &dir.path().join("h.db"));
        assert!(!out.status.success(), "{bad}");
        assert!(stderr(&out).contains("--home"), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn serve_refuses_a_basemap_that_is_not_a_pmtiles_archive() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("b.db");
    let not_pmtiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/countries.geojson");
    let out = witgis(&["serve", "--basemap", &not_pmtiles.to_string_lossy(), "--addr", "127.0.0.1:0"], &db);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("is not a PMTiles v3 vector archive"), "{}", stderr(&out));
    let missing = dir.path().join("missing.pmtiles");
    let out = witgis(&["serve", "--basemap", &missing.to_string_lossy(), "--addr", "127.0.0.1:0"], &db);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot read the basemap"), "{}", stderr(&out));
    let both = ["serve", "--basemap", "x.pmtiles", "--basemap-style", "https://example.org/s.json"];
    assert!(!witgis(&both, &db).status.success(), "--basemap and --basemap-style exclude each other");
}
