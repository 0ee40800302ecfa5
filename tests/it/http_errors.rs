//! Every refusal a person can read: the real binary over TCP answers an
//! over-long address (414), over-large headers (431), an over-large body
//! (413) and the rest as problem+json; 3-D points and unknown Feature
//! members are refused by the write API with nothing stored; errors on
//! demand parameters never repeat the value sent.
#![allow(clippy::unwrap_used)]

use crate::common;
use crate::common::http::{Reply, Server, create_token};
use serde_json::json;

fn assert_problem(reply: &Reply, status: u16) -> serde_json::Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/problem+json"), "{reply:?}");
    let json = reply.json();
    assert_eq!(json["status"], status);
    assert!(json["detail"].as_str().is_some_and(|d| d.len() > 10), "{json}");
    json
}

#[test]
fn the_http_layer_refuses_in_problem_json() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("e.db").display());
    // A first start creates and seeds the store; tokens need it to exist.
    drop(Server::start(&url, &dir.path().join("seed.log")));
    let editor = create_token(&url, "editor", "ed");
    let operator = create_token(&url, "operator", "desk");
    let viewer = create_token(&url, "viewer", "view");
    let log = dir.path().join("server.log");
    let server = Server::start(&url, &log);

    // 414: an address longer than 8 KiB.
    let long = format!("/api/resources?q={}", "a".repeat(9_000));
    let json = assert_problem(&server.call("GET", &long, &[], ""), 414);
    assert!(json["detail"].as_str().unwrap().contains("8192"), "{json}");
    // 431: header sections too large, or too many fields.
    let big = "x".repeat(1_000);
    let many: Vec<(String, &str)> = (0..20).map(|i| (format!("x-filler-{i}"), big.as_str())).collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    assert_problem(&server.call("GET", "/api/resources", &many, ""), 431);
    let names: Vec<String> = (0..70).map(|i| format!("x-h{i}")).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    assert_problem(&server.call("GET", "/api/categories", &fields, ""), 431);
    // 413: a body larger than 2 MiB.
    let auth = format!("Bearer {editor}");
    let headers = [("authorization", auth.as_str()), ("content-type", "application/geo+json")];
    let body = format!("{{\"type\":\"Feature\",\"x\":\"{}\"}}", "y".repeat(3 * 1024 * 1024));
    assert_problem(&server.call("POST", "/api/resources", &headers, &body), 413);
    // Others: unknown API path, wrong method, unknown static file.
    assert_problem(&server.call("GET", "/api/nothing-here", &[], ""), 404);
    assert_problem(&server.call("DELETE", "/api/categories", &[], ""), 405);
    assert_problem(&server.call("GET", "/no/such/file.js", &[], ""), 404);
    assert_problem(&server.call("GET", "/api/resources/%FF%FE", &[], ""), 400);

    // A 3-D point is refused, not stored with its altitude dropped; so is a
    // member witgis would not keep.
    let feature = |coordinates: serde_json::Value, extra: Option<(&str, &str)>| {
        let mut f = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
            "properties": {"id": "it-rm-test-3d", "name": "Test", "category": "library", "country": "IT",
                           "coord_precision": "street"}});
        if let Some((k, v)) = extra {
            f[k] = json!(v);
        }
        f.to_string()
    };
    let json = assert_problem(
        &server.call("POST", "/api/resources", &headers, &feature(json!([12.5, 41.9, 35.0]), None)),
        422,
    );
    assert_eq!(json["invalid_params"][0]["name"], "geometry", "{json}");
    let json = assert_problem(
        &server.call("POST", "/api/resources", &headers, &feature(json!([12.5, 41.9]), Some(("notes", "x")))),
        422,
    );
    assert_eq!(json["invalid_params"][0]["name"], "notes", "{json}");
    assert_problem(&server.call("GET", "/api/resources/it-rm-test-3d", &[], ""), 404);
    let ok =
        server.call("POST", "/api/resources", &headers, &feature(json!([12.5, 41.9]), Some(("bbox", "x"))));
    assert_eq!(ok.status, 422, "a bbox must be an array of numbers: {}", ok.body);

    // Demand parameters may hold what an operator typed about a caller.
    for (token, path) in [
        (&operator, "/api/demand/summary?by=Mario%20Rossi"),
        (&operator, "/api/demand/summary?from=Mario%20Rossi"),
        (&viewer, "/api/coverage/demand?period=Mario%20Rossi"),
        (&viewer, "/api/coverage/demand?need=Mario%20Rossi&country=Mario%20Rossi"),
        (&viewer, "/api/coverage/demand?radius_km=Mario%20Rossi"),
        (&viewer, "/api/coverage/suggest?weight=Mario%20Rossi&topic=housing"),
        (&viewer, "/api/coverage/suggest?weight=demand&topic=Mario%20Rossi"),
    ] {
        let auth = format!("Bearer {token}");
        let reply = server.call("GET", path, &[("authorization", auth.as_str())], "");
        assert_problem(&reply, 400);
        assert!(!reply.body.contains("Mario") && !reply.body.contains("Rossi"), "{path}: {}", reply.body);
    }

    // A failed token attempt is logged with the client's address, never the token.
    let wrong = witgis::auth::new_token();
    let auth = format!("Bearer {wrong}");
    assert_problem(&server.call("GET", "/api/demand/recent", &[("authorization", auth.as_str())], ""), 401);
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("failed token attempt") && logged.contains("127.0.0.1"), "{logged}");
    assert!(!logged.contains(&wrong[3..]), "the token is in the log");
}

#[test]
fn tokens_may_expire() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let witgis = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_witgis"))
            .args(args)
            .args(["--database-url", &url])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = witgis(&["token", "create", "--role", "operator", "--name", "intern", "--expires", "90d"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("valid until"));
    let out = witgis(&["token", "create", "--role", "operator", "--name", "x", "--expires", "forever"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("90d"));
    let out = witgis(&["token", "list"]);
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    let line: Vec<&str> = listed.lines().next().unwrap().split('\t').collect();
    assert_eq!(&line[..2], ["intern", "operator"]);
    assert_eq!(line[3], "active");
    let until: chrono::DateTime<chrono::Utc> = line[4].parse().unwrap();
    let days = (until - chrono::Utc::now()).num_days();
    assert!((89..=90).contains(&days), "{listed}");
}

/// Sends raw bytes and reads the reply (status, content-type, body).
fn raw(port: u16, bytes: &[u8]) -> Reply {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    // Only so that a hung server fails the test; no speed is asserted.
    stream.set_read_timeout(Some(std::time::Duration::from_secs(120))).unwrap();
    stream.write_all(bytes).unwrap();
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    common::http::parse_reply(&out)
}

/// Issue 39 (D10): requests that hyper refuses before the router (101
/// header fields, a 70 KB address, a malformed request line or header) got
/// an empty 431, 414 or 400. Each now has a problem+json body, and the
/// server goes on answering.
#[test]
fn hyper_s_own_refusals_are_problem_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("h.db").display());
    let server = Server::start(&url, &dir.path().join("server.log"));
    let names: Vec<String> = (0..101).map(|i| format!("x-h{i}")).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
    let json = assert_problem(&server.call("GET", "/api/categories", &fields, ""), 431);
    assert!(json["detail"].as_str().unwrap().contains("64 fields"), "{json}");
    let long = format!("/api/resources?q={}", "a".repeat(70_000));
    let json = assert_problem(&server.call("GET", &long, &[], ""), 414);
    assert!(json["detail"].as_str().unwrap().contains("8192"), "{json}");
    assert_problem(&raw(server.port, b"NOT A REQUEST\r\n\r\n"), 400);
    assert_problem(&raw(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n"), 400);
    assert_eq!(server.call("GET", "/api/categories", &[], "").status, 200);
}
