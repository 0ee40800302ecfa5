//! Real `witgis serve` processes on a real PostGIS: two instances sharing one
//! database (LISTEN/NOTIFY), and a database that goes away and comes back.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Instant;

use crate::common::http::{Reply, Server, create_token, eventually};
use crate::common::pg::{self, Cluster};
use serde_json::json;

fn feature(id: &str, lon: f64, lat: f64) -> String {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "properties": {"id": id, "name": format!("Test {id}"), "category": "self_help_group",
                          "country": "LT", "coord_precision": "street"}})
    .to_string()
}

fn etag(reply: &Reply) -> String {
    reply.header("etag").unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_see_each_others_writes() {
    let url = pg::fresh_database(&pg::admin_url()).await;
    let token = format!("Bearer {}", create_token(&url, "editor", "alice"));
    let logs = tempfile::tempdir().unwrap();
    let a = Server::start(&url, &logs.path().join("a.log"));
    let b = Server::start(&url, &logs.path().join("b.log"));
    let json = ("Content-Type", "application/json");
    let auth = ("Authorization", token.as_str());

    let created = a.call("POST", "/api/resources", &[json, auth], &feature("lt-vilnius-peer", 25.28, 54.69));
    assert_eq!(created.status, 201, "{}", created.body);
    let took = eventually("create reaches B", || {
        b.call("GET", "/api/resources/lt-vilnius-peer", &[], "").status == 200
    });
    eprintln!("create reached the other instance in {took:?}");
    let near = b.call("GET", "/api/nearest?lon=25.28&lat=54.69&k=1", &[], "").json();
    assert_eq!(near["features"][0]["id"], "lt-vilnius-peer");

    // A change through B, with B's ETag, reaches A.
    let current = b.call("GET", "/api/resources/lt-vilnius-peer", &[], "");
    let tag = etag(&current);
    let patch = ("Content-Type", "application/merge-patch+json");
    let patched = b.call(
        "PATCH",
        "/api/resources/lt-vilnius-peer",
        &[patch, auth, ("If-Match", tag.as_str())],
        r#"{"properties": {"phone": "+370 5 123 4567"}}"#,
    );
    assert_eq!(patched.status, 200, "{}", patched.body);
    let new_tag = etag(&patched);
    eventually("patch reaches A", || {
        a.call("GET", "/api/resources/lt-vilnius-peer", &[], "").header("etag") == Some(new_tag.as_str())
    });
    // A's stale ETag is refused by the database, whichever instance is asked.
    let stale = a.call(
        "PATCH",
        "/api/resources/lt-vilnius-peer",
        &[patch, auth, ("If-Match", tag.as_str())],
        r#"{"properties": {"phone": "+370 5 000 0000"}}"#,
    );
    assert_eq!(stale.status, 412, "{}", stale.body);

    let deleted = a.call("DELETE", "/api/resources/lt-vilnius-peer", &[auth], "");
    assert_eq!(deleted.status, 204);
    eventually("delete reaches B", || b.call("GET", "/api/resources/lt-vilnius-peer", &[], "").status == 404);

    // A bulk import by another process: both reload everything.
    let file = logs.path().join("synth.geojson");
    let synth = Command::new(env!("CARGO_BIN_EXE_witgis")).args(["synth", "50"]).output().unwrap();
    std::fs::write(&file, synth.stdout).unwrap();
    let import = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["import", "--database-url", &url])
        .arg(&file)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    for server in [&a, &b] {
        eventually("import reaches both", || {
            server.call("GET", "/api/resources/synth-0000049", &[], "").status == 200
        });
    }

    drop((a, b));
    let secret = token.trim_start_matches("Bearer ");
    for log in ["a.log", "b.log"] {
        let text = std::fs::read_to_string(logs.path().join(log)).unwrap();
        assert!(text.contains("witgis serving"), "{log}: {text}");
        assert!(!text.contains(secret), "{log} holds the token");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_goes_away_and_comes_back() {
    let mut cluster = Cluster::start();
    let url = pg::fresh_database(&cluster.url("postgres")).await;
    let token = format!("Bearer {}", create_token(&url, "editor", "alice"));
    let logs = tempfile::tempdir().unwrap();
    let server = Server::start(&url, &logs.path().join("serve.log"));
    let json = ("Content-Type", "application/json");
    let auth = ("Authorization", token.as_str());
    let before = server.call("POST", "/api/resources", &[json, auth], &feature("lt-before", 25.3, 54.7));
    assert_eq!(before.status, 201, "{}", before.body);
    assert_eq!(server.call("GET", "/healthz", &[], "").json()["database"], "up");

    cluster.stop();

    // Reads are answered from the snapshot.
    let got = server.call("GET", "/api/resources/lt-before", &[], "");
    assert_eq!(got.status, 200);
    let near = server.call("GET", "/api/nearest?lon=25.3&lat=54.7&k=1", &[], "").json();
    assert_eq!(near["features"][0]["id"], "lt-before");
    assert_eq!(server.call("GET", "/api/resources?country=LT", &[], "").status, 200);
    // Writes fail with a clear 503 (the database stays away until resumed
    // below, so an answer at all means the write gave up).
    let started = Instant::now();
    let write = server.call("POST", "/api/resources", &[json, auth], &feature("lt-during", 25.0, 54.0));
    assert_eq!(write.status, 503, "{}", write.body);
    assert_eq!(write.header("content-type"), Some("application/problem+json"));
    assert!(write.json()["detail"].as_str().unwrap().contains("database is not available"), "{}", write.body);
    eprintln!("a write during the outage answered 503 in {:?}", started.elapsed());
    let health = server.call("GET", "/healthz", &[], "");
    assert_eq!((health.status, health.json()["database"].as_str()), (200, Some("down")));
    assert_eq!(server.call("GET", "/readyz", &[], "").status, 503);

    cluster.resume();

    let took = eventually("ready again", || server.call("GET", "/readyz", &[], "").status == 200);
    eprintln!("ready again {took:?} after the database came back");
    let after = server.call("POST", "/api/resources", &[json, auth], &feature("lt-after", 24.0, 55.0));
    assert_eq!(after.status, 201, "{}", after.body);
    assert_eq!(server.call("GET", "/healthz", &[], "").json()["database"], "up");
    // Nothing written before the outage was lost.
    let store = witgis::store::open(&url).await.unwrap();
    let ids: Vec<String> = store.resources().await.unwrap().into_iter().map(|r| r.id).collect();
    assert!(ids.contains(&"lt-before".to_owned()) && ids.contains(&"lt-after".to_owned()), "{ids:?}");
    assert!(!ids.contains(&"lt-during".to_owned()));
    // The change feed reconnected too: a write by another process arrives.
    let other = Server::start(&url, &logs.path().join("other.log"));
    let created = other.call("POST", "/api/resources", &[json, auth], &feature("lt-other", 23.9, 54.9));
    assert_eq!(created.status, 201, "{}", created.body);
    eventually("the first server follows changes again", || {
        server.call("GET", "/api/resources/lt-other", &[], "").status == 200
    });
}

#[test]
fn token_commands_print_once_store_hashes_and_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let witgis = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_witgis")).args(args).args(["--database-url", &url]).output().unwrap()
    };
    let token = create_token(&url, "admin", "root");
    assert!(token.starts_with("wg_") && token.len() == 67, "{token}");
    let again = witgis(&["token", "create", "--role", "editor", "--name", "root"]);
    assert!(!again.status.success(), "a name is used once");
    let bad_role = witgis(&["token", "create", "--role", "owner", "--name", "x"]);
    assert!(!bad_role.status.success());
    let list = String::from_utf8(witgis(&["token", "list"]).stdout).unwrap();
    // name, role, created, state, expiry ("-": never).
    assert!(list.starts_with("root\tadmin\t") && list.trim_end().ends_with("\tactive\t-"), "{list}");
    assert!(!list.contains(&token), "tokens are never listed");
    let db = std::fs::read(dir.path().join("t.db")).unwrap();
    assert!(!db.windows(token.len()).any(|w| w == token.as_bytes()), "only the hash is stored");
    assert!(witgis(&["token", "revoke", "root"]).status.success());
    assert!(!witgis(&["token", "revoke", "root"]).status.success());
    let list = String::from_utf8(witgis(&["token", "list"]).stdout).unwrap();
    assert!(list.trim_end().ends_with("\trevoked\t-"), "{list}");
}
