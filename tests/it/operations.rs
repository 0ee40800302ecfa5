//! Issue 39, part 2: operations and connections. `/metrics` (by route
//! template, for loopback clients by default), JSON logs, `witgis import`
//! into a served store reaching the server (both stores), and a
//! per-address connection limit that keeps other addresses answered while
//! one holds hundreds of idle sockets.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::io::Read as _;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tower::ServiceExt as _;
use witgis::metrics::MetricsAccess;

use crate::common::TestDb;
use crate::common::http::{Server, eventually, request};

/// The value of the sample whose line starts with `name_and_labels ` in an
/// exposition.
fn sample(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The resources shipped as the seed, counted from the file itself.
fn seeded_resources() -> usize {
    let text = std::fs::read_to_string("data/resources.geojson").unwrap();
    let fc: serde_json::Value = serde_json::from_str(&text).unwrap();
    fc["features"].as_array().unwrap().len()
}

#[test]
fn metrics_count_requests_by_route_template() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("m.db").display());
    let server = Server::start(&url, &dir.path().join("serve.log"));
    for _ in 0..2 {
        let reply = server.call("GET", "/api/nearest?lon=12.4923&lat=41.8902&k=1", &[], "");
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let reply = server.call("GET", "/api/resources/no-such-place-4711", &[], "");
    assert_eq!(reply.status, 404);
    let reply = server.call("GET", "/metrics", &[], "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let text = &reply.body;
    assert_eq!(
        sample(text, r#"witgis_http_requests_total{route="/api/nearest",method="GET",status="200"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(text, r#"witgis_http_requests_total{route="/api/resources/{id}",method="GET",status="404"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(text, r#"witgis_http_request_duration_seconds_count{route="/api/nearest"}"#),
        Some(2.0)
    );
    let inf = sample(text, r#"witgis_http_request_duration_seconds_bucket{le="+Inf",route="/api/nearest"}"#);
    assert_eq!(inf, Some(2.0), "{text}");
    // Never what a client sent: no path, no query.
    for sent in ["no-such-place-4711", "12.4923", "41.8902"] {
        assert!(!text.contains(sent), "{sent} in the metrics");
    }
    assert_eq!(sample(text, "witgis_snapshot_resources"), Some(seeded_resources() as f64), "{text}");
    assert_eq!(sample(text, "witgis_snapshot_areas"), Some(15.0), "Rome's municipi are seeded");
    assert!(sample(text, "witgis_snapshot_generation").is_some_and(|g| g >= 1.0), "{text}");
    assert!(sample(text, "witgis_connections_open").is_some_and(|n| n >= 1.0), "this scrape's own");
    assert!(sample(text, "witgis_connections_accepted_total").is_some_and(|n| n >= 4.0), "{text}");
    assert_eq!(sample(text, "witgis_connections_refused_total"), Some(0.0));
    assert_eq!(sample(text, r#"witgis_store_errors_total{kind="unavailable"}"#), Some(0.0));
    assert_eq!(sample(text, r#"witgis_store_errors_total{kind="other"}"#), Some(0.0));
    for family in ["witgis_store_errors", "witgis_http_request_duration_seconds", "witgis_http_requests"] {
        assert!(text.contains(&format!("# TYPE {family} ")), "{family}: {text}");
    }
    assert!(text.trim_end().ends_with("# EOF"), "a whole exposition");
}

/// The metrics answer by the peer address, as the server sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_loopback_clients_unless_configured() {
    let db = TestDb::sqlite().await;
    let ask = |access: MetricsAccess, peer: &str| {
        let store = Arc::clone(&db.store);
        let peer: SocketAddr = peer.parse().unwrap();
        async move {
            let state = witgis::state::AppState::load(store, common::reference())
                .await
                .unwrap()
                .with_metrics_access(access);
            let mut request = Request::get("/metrics").body(Body::empty()).unwrap();
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = witgis::http::router(Arc::new(state)).oneshot(request).await.unwrap();
            let status = response.status();
            let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, kind, String::from_utf8(body.to_vec()).unwrap())
        }
    };
    for peer in ["127.0.0.1:50000", "127.0.0.2:50000", "[::1]:50000"] {
        let (status, _, body) = ask(MetricsAccess::Loopback, peer).await;
        assert_eq!(status, StatusCode::OK, "{peer}: {body}");
        assert!(body.contains("witgis_snapshot_resources"), "{body}");
    }
    for peer in ["198.51.100.7:50000", "[2001:db8::1]:50000"] {
        let (status, kind, body) = ask(MetricsAccess::Loopback, peer).await;
        assert_eq!((status, kind.as_str()), (StatusCode::FORBIDDEN, "application/problem+json"), "{peer}");
        assert!(body.contains("--metrics any"), "says how to allow it: {body}");
        assert!(!body.contains("witgis_snapshot_resources"));
    }
    let (status, _, _) = ask(MetricsAccess::Any, "198.51.100.7:50000").await;
    assert_eq!(status, StatusCode::OK);
    let (status, kind, _) = ask(MetricsAccess::Off, "127.0.0.1:50000").await;
    assert_eq!((status, kind.as_str()), (StatusCode::NOT_FOUND, "application/problem+json"));
}

#[test]
fn json_logs_hold_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("j.db").display());
    let log = dir.path().join("serve.log");
    let server = Server::start_with(&url, &log, "debug", &["--log-format", "json"]);
    let reply = server.call("GET", "/api/nearest?lon=12.4923&lat=41.8902&k=1", &[], "");
    assert_eq!(reply.status, 200);
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string()), "{text}");
    let said =
        |what: &str| lines.iter().any(|l| l["fields"]["message"].as_str().is_some_and(|m| m.contains(what)));
    assert!(said("witgis serving"), "{text}");
    // The request span names the route template, never the query.
    assert!(lines.iter().any(|l| l["span"]["route"] == "/api/nearest"), "{text}");
    assert!(!text.contains("41.8902"), "the query is not logged");
}

/// `witgis import` by another process into the store a server is serving:
/// the server shows the new records without a restart.
fn import_reaches_the_server(url: &str, dir: &std::path::Path) {
    let server = Server::start(url, &dir.join("serve.log"));
    assert_eq!(server.call("GET", "/api/resources/synth-0000029", &[], "").status, 404);
    let generation = |server: &Server| {
        sample(&server.call("GET", "/metrics", &[], "").body, "witgis_snapshot_generation").unwrap()
    };
    let before = generation(&server);
    let synth = Command::new(env!("CARGO_BIN_EXE_witgis")).args(["synth", "30"]).output().unwrap();
    assert!(synth.status.success());
    let file = dir.join("synth.geojson");
    std::fs::write(&file, synth.stdout).unwrap();
    let import = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["import", "--database-url", url])
        .arg(&file)
        .output()
        .unwrap();
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let took = eventually("the import reaches the running server", || {
        server.call("GET", "/api/resources/synth-0000029", &[], "").status == 200
    });
    eprintln!("witgis import reached the running server in {took:?}");
    let metrics = server.call("GET", "/metrics", &[], "").body;
    let resources = sample(&metrics, "witgis_snapshot_resources").unwrap();
    let listed = server.call("GET", "/api/resources?limit=1", &[], "").json();
    assert_eq!(Some(resources), listed["numberMatched"].as_f64(), "{listed}");
    assert!(generation(&server) > before, "a new snapshot");
}

#[test]
fn import_reaches_a_running_server_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    import_reaches_the_server(&url, dir.path());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_reaches_a_running_server_on_postgis() {
    let url = common::pg::fresh_database(&common::pg::admin_url()).await;
    let dir = tempfile::tempdir().unwrap();
    tokio::task::spawn_blocking(move || import_reaches_the_server(&url, dir.path())).await.unwrap();
}

/// One GET from the source address `from`, with a bound only so that a hung
/// server fails the test instead of hanging it.
async fn get_from(from: &str, port: u16, path: &str) -> common::http::Reply {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut stream = socket.connect(SocketAddr::from(([127, 0, 0, 1], port))).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(120), stream.read_to_end(&mut raw)).await.unwrap().unwrap();
    common::http::parse_reply(&raw)
}

/// Issue 39 (D3): one client holding 5,000 idle sockets made everyone else
/// wait. Here 127.0.0.1 opens 300 and keeps them idle, with 64 slots in
/// all and 20 per address: 127.0.0.2 is still answered, the hog's
/// connections beyond its 20 are answered 503 and closed, and once it lets
/// go it is served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_holding_many_sockets_does_not_starve_another() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let args = [
        "--max-connections",
        "64",
        "--max-connections-per-address",
        "20",
        // Idle sockets would hold their slots for ten minutes.
        "--idle-timeout-ms",
        "600000",
    ];
    let server = Server::start_with(&url, &dir.path().join("serve.log"), "info", &args);
    let port = server.port;
    let hog: Vec<std::net::TcpStream> =
        (0..300).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();

    let reply = get_from("127.0.0.2", port, "/api/nearest?lon=12.4923&lat=41.8902&k=1").await;
    assert_eq!(reply.status, 200, "another address is answered: {}", reply.body);

    // The server accepted the hog's connections before that one (in order):
    // those it refused are closed, with a 503 to read; those it holds have
    // nothing to read.
    let mut refused = 0;
    for mut socket in &hog {
        socket.set_nonblocking(true).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        let closed = loop {
            match socket.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break false,
                Err(e) => panic!("{e}"),
            }
        };
        if closed {
            refused += 1;
            let answer = common::http::parse_reply(&got);
            assert_eq!(answer.status, 503, "{}", String::from_utf8_lossy(&got));
            assert_eq!(answer.header("retry-after"), Some("10"));
            assert_eq!(answer.json()["status"], 503);
        } else {
            assert!(got.is_empty());
        }
    }
    // The hog holds at most its 20 (one may still be counted for the
    // start-up check's connection, closing as the hog began).
    assert!(refused >= 280, "{refused} of 300 refused");
    let metrics = get_from("127.0.0.2", port, "/metrics").await.body;
    assert!(sample(&metrics, "witgis_connections_refused_total").is_some_and(|n| n >= 280.0), "{metrics}");

    drop(hog);
    eventually("the hog's address is served again once it lets go", || {
        request(port, "GET", "/healthz", &[], "").is_ok_and(|r| r.status == 200)
    });
}

/// The data frames of an answer's body, as the client reads them.
async fn frames(response: axum::response::Response) -> Vec<Vec<u8>> {
    let mut body = response.into_body();
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            out.push(data.to_vec());
        }
    }
    out
}

/// Issue 39 (D2, D9): `/api/quality` (61 MB at 200,000 records) and
/// `/api/resources?limit=10000` were held whole for every slow reader. Now
/// they, and `/api/areas`, are written a batch at a time: every frame is
/// bounded (a batch and one item), and the content is what the whole
/// answer was, computed here from the library's own report, store and
/// areas.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_answers_are_written_in_bounded_batches_unchanged() {
    let db = TestDb::sqlite().await;
    db.store.import(&witgis::synth::resources(3_000, 7), &|_| {}).await.unwrap();
    db.store.import_areas(&common::rome_municipi()).await.unwrap();
    let state =
        Arc::new(witgis::state::AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap());
    let router = witgis::http::router(Arc::clone(&state));
    let get = |path: &str| {
        let router = router.clone();
        let request = Request::get(path).body(Body::empty()).unwrap();
        async move {
            let response = router.oneshot(request).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            frames(response).await
        }
    };
    let bound = 2 * witgis::http::stream::BATCH_BYTES;
    let bounded = |what: &str, frames: &[Vec<u8>]| {
        let total: usize = frames.iter().map(Vec::len).sum();
        assert!(frames.len() >= total / bound, "{what}: {} frames for {total} bytes", frames.len());
        assert!(frames.iter().all(|f| f.len() <= bound), "{what}: a frame over {bound} bytes");
        frames.concat()
    };

    // The quality report: the bytes of the report serialised whole.
    let report = witgis::quality::report(&state.snapshot(), "2026-12-01".parse().unwrap());
    let whole = serde_json::to_vec(&report).unwrap();
    assert!(whole.len() > 4 * bound, "a report of {} bytes needs several batches", whole.len());
    let streamed = get("/api/quality?as_of=2026-12-01").await;
    assert!(streamed.len() > 4, "{} frames", streamed.len());
    assert_eq!(bounded("quality", &streamed), whole);
    // A second reader gets the same (shared) report.
    assert_eq!(get("/api/quality?as_of=2026-12-01").await.concat(), whole);
    let csv = get("/api/quality?as_of=2026-12-01&format=csv&table=work_list").await;
    assert_eq!(bounded("work list", &csv), witgis::quality::work_list_csv(&report).unwrap());

    // 10,000 features at once: every resource in id order, as the store has them.
    let listed = get("/api/resources?limit=10000").await;
    assert!(listed.len() > 4, "{} frames", listed.len());
    let fc: serde_json::Value = serde_json::from_slice(&bounded("resources", &listed)).unwrap();
    let mut ids: Vec<String> = db.store.resources().await.unwrap().into_iter().map(|r| r.id).collect();
    ids.sort();
    let got: Vec<&str> =
        fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(got, ids);
    assert_eq!(
        (fc["numberMatched"].as_u64(), fc["numberReturned"].as_u64()),
        (Some(ids.len() as u64), Some(ids.len() as u64))
    );
    assert_eq!(fc["type"], "FeatureCollection");
    // Pages of 700 make up the same features.
    let mut paged = Vec::new();
    for offset in (0..ids.len()).step_by(700) {
        let page = get(&format!("/api/resources?limit=700&offset={offset}")).await.concat();
        let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
        paged.extend(page["features"].as_array().unwrap().iter().cloned());
    }
    assert_eq!(&paged, fc["features"].as_array().unwrap());
    let empty: serde_json::Value =
        serde_json::from_slice(&get("/api/resources?bbox=0,0,0.001,0.001").await.concat()).unwrap();
    assert_eq!(
        empty,
        serde_json::json!({"type": "FeatureCollection", "numberMatched": 0, "numberReturned": 0, "features": []})
    );

    // The areas, each as the GeoJSON writer makes it.
    // Compressed as it goes, to the end.
    for path in ["/api/areas", "/api/resources?limit=10000", "/api/quality?as_of=2026-12-01"] {
        let request = Request::get(path).header("accept-encoding", "gzip").body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
        assert!(!frames(response).await.concat().is_empty(), "{path}");
    }
    let areas = get("/api/areas").await;
    let fc: serde_json::Value = serde_json::from_slice(&bounded("areas", &areas)).unwrap();
    let expected: Vec<serde_json::Value> =
        state.snapshot().areas().iter().map(witgis::formats::areas::feature).collect();
    assert_eq!(fc, serde_json::json!({"type": "FeatureCollection", "features": expected}));
}

/// `witgis export-demand --published` writes the published cells only, by
/// the same rule as the API: a cell of 6 requests from 3 desks reads 5; 6
/// from one desk, or 4 from 3 desks, are left out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_demand_published_follows_the_publication_rule() {
    use witgis::model::Topic;
    use witgis::model::demand::{Channel, NewDemand, Requester};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("d.db").display());
    let store = witgis::store::open(&url).await.unwrap();
    let record = |need: Topic, area: &str| NewDemand {
        date: "2025-01-15".parse().unwrap(),
        need,
        channel: Channel::Phone,
        requester: Requester::Other,
        area: area.into(),
        point: None,
        referred_to: vec![],
        logged_at: "2025-01-15T09:00:00Z".parse().unwrap(),
    };
    for i in 0..6 {
        let desk = format!("desk-{}", i % 3);
        store.log_demand(&record(Topic::Housing, "it-rm-municipio-02"), &desk).await.unwrap();
        store.log_demand(&record(Topic::Youth, "it-rm-municipio-02"), "desk-0").await.unwrap();
    }
    for i in 0..4 {
        store
            .log_demand(&record(Topic::Crisis, "it-rm-municipio-05"), &format!("desk-{}", i % 3))
            .await
            .unwrap();
    }
    drop(store);
    let out = Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["export-demand", "--published", "--database-url", &url])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), witgis::cli::PUBLISHED_CSV_HEADER);
    let rows: Vec<Vec<String>> =
        reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    assert_eq!(rows, [["2025-01", "it-rm-municipio-02", "housing", "5", "5"]]);
}
