//! `witgis import-areas` (and `witgis import`) into the store of a running
//! `witgis serve`: the server's snapshot has the new areas without a
//! restart, on SQLite (the `notice` counter it polls) and on PostGIS
//! (NOTIFY), and the command says so.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::common::http::{Server, eventually};
use crate::common::pg;

fn area_ids(server: &Server) -> Vec<String> {
    let fc = server.call("GET", "/api/areas", &[], "").json();
    fc["features"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str().map(str::to_owned)).collect()
}

/// Imports the test municipi into `url` while a server runs on it, and
/// waits for the server to list them and refer by them.
fn import_reaches_the_running_server(url: &str, dir: &std::path::Path) {
    // Without the shipped municipi, so that the areas can only come from the import.
    let server = Server::start_with(url, &dir.join("serve.log"), "info", &["--seed-areas", "false"]);
    assert_eq!(area_ids(&server), Vec::<String>::new(), "a store seeded without areas has none");
    let import = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["import-areas", "--database-url", url, "tests/fixtures/rome-municipi-boxes.geojson"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&import.stderr);
    assert!(import.status.success(), "{said}");
    assert!(said.contains("reload their snapshot without a restart"), "{said}");
    let took = eventually("the areas reach the running server", || {
        area_ids(&server).contains(&"it-rm-municipio-02".to_owned())
    });
    eprintln!("import-areas reached the running server in {took:?}");
    // The referral uses them: a point in Municipio II's box is in Municipio II.
    let r = server.call("GET", "/api/referral?lon=12.515&lat=41.924", &[], "").json();
    assert_eq!(r["boundaries_loaded"], true, "{r}");
    assert!(r["areas"].to_string().contains("it-rm-municipio-02"), "{}", r["areas"]);
}

#[test]
fn import_areas_reaches_a_running_server_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    import_reaches_the_running_server(&url, dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_areas_reaches_a_running_server_on_postgis() {
    let url = pg::fresh_database(&pg::admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || import_reaches_the_running_server(&url, dir.path())).await.unwrap();
}
