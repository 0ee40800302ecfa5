//! `witgis import-gtfs` into the store of a running `witgis serve`: the
//! server prepares the new feed without a restart, on SQLite (the `notice`
//! counter it polls) and on PostGIS (NOTIFY), and the command says so.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use crate::common::http::{Server, eventually};
use crate::common::pg;

const FIXTURE: &str = "tests/fixtures/gtfs/rome-fixture";

/// The fixture feed moved to central Sofia: the same timetable, its stops
/// shifted by the offset from Rome's fixture to Sofia.
fn sofia_feed(dir: &std::path::Path) -> std::path::PathBuf {
    let out = dir.join("sofia-feed");
    std::fs::create_dir_all(&out).unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if name == "stops.txt" {
            text.lines()
                .enumerate()
                .map(|(i, line)| {
                    if i == 0 {
                        return line.to_owned();
                    }
                    let mut cols: Vec<String> = line.split(',').map(str::to_owned).collect();
                    let lat: f64 = cols[2].parse().unwrap();
                    let lon: f64 = cols[3].parse().unwrap();
                    cols[2] = format!("{:.4}", lat + 0.7975);
                    cols[3] = format!("{:.4}", lon + 10.8530);
                    cols.join(",")
                })
                .collect::<Vec<_>>()
                .join("\n")
                + "\n"
        } else {
            text
        };
        std::fs::write(out.join(name), text).unwrap();
    }
    out
}

fn import_gtfs(url: &str, feed: &std::path::Path, id: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["import-gtfs", "--database-url", url, "--feed", id])
        .arg(feed)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    said
}

/// The feed `/api/nearest?by=transit` uses at a point, or the status it answers.
fn feed_at(server: &Server, lon: f64, lat: f64) -> Result<String, u16> {
    let path = format!("/api/nearest?lon={lon}&lat={lat}&k=1&by=transit&depart=2026-12-09T09:00");
    let reply = server.call("GET", &path, &[], "");
    if reply.status != 200 {
        return Err(reply.status);
    }
    Ok(reply.json()["transit"]["feed"].as_str().unwrap_or_default().to_owned())
}

/// Rome's fixture feed is stored before the server starts; Sofia's is
/// imported while it runs and is answered with, Rome's still too.
fn a_second_feed_reaches_the_running_server(url: &str, dir: &std::path::Path) {
    import_gtfs(url, std::path::Path::new(FIXTURE), "rome");
    let server = Server::start_with(url, &dir.join("serve.log"), "info", &[]);
    // Beside Fixture Alfa (metro) in Rome, and the same stop moved to Sofia.
    let (rome, sofia) = ([12.4712, 41.9002], [12.4712 + 10.8530, 41.9002 + 0.7975]);
    assert_eq!(feed_at(&server, rome[0], rome[1]), Ok("rome".to_owned()));
    assert_eq!(feed_at(&server, sofia[0], sofia[1]), Err(400), "no feed in Sofia yet");

    let said = import_gtfs(url, &sofia_feed(dir), "sofia");
    assert!(said.contains("without a restart"), "{said}");
    let took = eventually("the Sofia feed reaches the running server", || {
        feed_at(&server, sofia[0], sofia[1]) == Ok("sofia".to_owned())
    });
    eprintln!("import-gtfs reached the running server in {took:?}");
    assert_eq!(feed_at(&server, rome[0], rome[1]), Ok("rome".to_owned()), "Rome's feed stays");
}

#[test]
fn import_gtfs_reaches_a_running_server_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    a_second_feed_reaches_the_running_server(&url, dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_gtfs_reaches_a_running_server_on_postgis() {
    let url = pg::fresh_database(&pg::admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || a_second_feed_reaches_the_running_server(&url, dir.path()))
        .await
        .unwrap();
}
