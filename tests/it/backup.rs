//! `witgis backup` while the server takes writes: the copy opens as a store,
//! passes SQLite's integrity check, holds every write acknowledged before
//! the backup began (and each resource with its history), and serves again
//! when restored. PostGIS is pointed to pg_dump.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::common::http::{Server, create_token};
use serde_json::json;

fn witgis(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_witgis")).args(args).env("RUST_LOG", "warn").output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    drop(Server::start(&url, &dir.path().join("seed.log")));
    let editor = create_token(&url, "editor", "ed");
    let server = Arc::new(Server::start_with(
        &url,
        &dir.path().join("server.log"),
        "warn",
        &["--write-burst", "1000000", "--write-rate", "100000"],
    ));

    // Two writers create resources as fast as the server acknowledges them.
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (server, acked, stop, token) = (server.clone(), acked.clone(), stop.clone(), editor.clone());
            std::thread::spawn(move || {
                let auth = format!("Bearer {token}");
                let headers = [("authorization", auth.as_str()), ("content-type", "application/geo+json")];
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let id = format!("it-backup-{w}-{n}");
                    let body = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.5, 41.9]},
                        "properties": {"id": id, "name": format!("Backup test {w} {n}"), "category": "library",
                                       "country": "IT", "coord_precision": "city"}});
                    let reply = server.call("POST", "/api/resources", &headers, &body.to_string());
                    assert_eq!(reply.status, 201, "{}", reply.body);
                    acked.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 40 {
        std::thread::yield_now();
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let file = dir.path().join("backup.db");
    let out = witgis(&["backup", file.to_str().unwrap(), "--database-url", &url]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let during = acked.lock().unwrap().len();
    // Writes go on after the backup.
    while acked.lock().unwrap().len() < during + 20 {
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let written = acked.lock().unwrap().len();
    assert!(written > before.len(), "writes went on while the backup ran");

    // A second backup to the same file is refused: nothing is overwritten.
    let again = witgis(&["backup", file.to_str().unwrap(), "--database-url", &url]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists already"));

    // The copy is whole and consistent.
    let backup_url = format!("sqlite://{}", file.display());
    {
        use sqlx::Connection as _;
        let mut c = sqlx::SqliteConnection::connect(&backup_url).await.unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut c).await.unwrap();
        assert_eq!(check, "ok");
    }
    let store = witgis::store::open(&backup_url).await.unwrap();
    let ids: std::collections::HashSet<String> =
        store.resources().await.unwrap().into_iter().map(|r| r.id).collect();
    for id in &before {
        assert!(ids.contains(id), "{id} was acknowledged before the backup began");
    }
    for id in ids.iter().filter(|id| id.starts_with("it-backup-")) {
        let history = store.history(id).await.unwrap();
        assert_eq!(history.len(), 1, "{id}: a resource and its history are copied together");
    }
    drop(store);

    // Restored (the file put in place of the store), it serves.
    drop(server);
    let restored = dir.path().join("restored.db");
    std::fs::copy(&file, &restored).unwrap();
    let restored_url = format!("sqlite://{}", restored.display());
    let server = Server::start(&restored_url, &dir.path().join("restored.log"));
    for id in before.iter().step_by(7) {
        assert_eq!(server.call("GET", &format!("/api/resources/{id}"), &[], "").status, 200, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_is_backed_up_with_pg_dump() {
    let db = common::TestDb::postgis().await;
    let dir = tempfile::tempdir().unwrap();
    let out = witgis(&["backup", dir.path().join("x.db").to_str().unwrap(), "--database-url", &db.url]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pg_dump"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The PostGIS commands of docs/operations.md, run: pg_dump of the database while the
/// store is open, restored into a new database that witgis then opens
/// with every resource, history entry, token and demand record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_pg_dump_and_pg_restore_as_the_docs_say() {
    let db = common::TestDb::postgis().await;
    db.store.import(&witgis::store::seed().unwrap(), &|_| {}).await.unwrap();
    db.store.create_token("desk", witgis::auth::Role::Operator, &"a".repeat(64)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("witgis.dump");
    let bin = |name: &str| format!("/usr/lib/postgresql/15/bin/{name}");
    let out = Command::new(bin("pg_dump"))
        .args(["-Fc", "-f", dump.to_str().unwrap(), "--dbname", &db.url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = common::pg::fresh_database(&common::pg::admin_url()).await;
    let out = Command::new(bin("pg_restore"))
        .args(["--no-owner", "--dbname", &restored, dump.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let store = witgis::store::open(&restored).await.unwrap();
    let (a, b) = (db.store.resources().await.unwrap(), store.resources().await.unwrap());
    assert_eq!(a, b);
    assert_eq!(store.history(&a[0].id).await.unwrap().len(), 1);
    assert_eq!(store.tokens().await.unwrap().len(), 1);
}
