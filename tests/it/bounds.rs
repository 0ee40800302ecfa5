//! Requests that cannot take the server down: expensive queries stopped by
//! their budget or by their caller leaving (router level, budgets counted in
//! clock readings, never in seconds), and the real binary closing slow and
//! idle connections while still answering within its connection limit.

use crate::common;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use witgis::coverage::{self, Query};
use witgis::index::Snapshot;
use witgis::state::AppState;
use witgis::work::{Budget, Ticker, WorkPool};

/// How long a socket read waits at most: a bound only so that a broken
/// build fails instead of hanging, far above any timeout under test. No
/// test here asserts a speed.
const PATIENCE: Duration = Duration::from_secs(120);

/// A clock that moves one millisecond each time it is read, and counts the
/// readings: a budget of N ms is then N budget checks.
fn ticking(reads: Arc<AtomicU64>) -> Ticker {
    let start = Instant::now();
    Arc::new(move || start + Duration::from_millis(reads.fetch_add(1, Ordering::SeqCst)))
}

async fn seeded_state(pool: WorkPool) -> (axum::Router, Arc<AppState>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = witgis::store::open(&url).await.expect("open store");
    let seed = witgis::store::seed().expect("seed");
    assert!(store.seed_once(&seed).await.expect("seed store"));
    let state = Arc::new(AppState::load(store, common::reference()).await.expect("load").with_work(pool));
    (witgis::http::router(Arc::clone(&state)), state, dir)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let a = common::router::get(app, uri, &[]).await;
    let json = a.json();
    (a.status, a.headers, json)
}

const SUGGEST: &str = "/api/coverage/suggest?radius_km=100&k=50";

#[tokio::test]
async fn a_query_too_large_for_its_budget_gets_422_saying_what_to_ask() {
    let reads = Arc::new(AtomicU64::new(0));
    let pool = WorkPool::new(2, Duration::from_millis(20)).with_ticker(ticking(Arc::clone(&reads)));
    let (app, state, _dir) = seeded_state(pool).await;
    let before = state.snapshot().index().len();
    let (status, headers, body) = get(&app, SUGGEST).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let detail = body["detail"].as_str().expect("detail");
    assert!(detail.contains("20 ms") && detail.contains("smaller radius_km"), "{detail}");
    assert_eq!(state.work().counters().over_budget.load(Ordering::SeqCst), 1);
    assert_eq!(state.snapshot().index().len(), before, "nothing stored changed");
    // A query that fits the same budget still answers.
    let (status, _, body) =
        get(&app, "/api/coverage/suggest?radius_km=10&k=1&country=LT&category=crisis_service").await;
    assert!(status == StatusCode::OK || status == StatusCode::UNPROCESSABLE_ENTITY, "{status} {body}");
}

/// Holds one slot of `pool` until the returned sender is dropped.
fn hold_a_slot(pool: &WorkPool) -> (mpsc::Sender<()>, tokio::task::JoinHandle<()>) {
    let (release, held) = mpsc::channel::<()>();
    let (running_tx, running_rx) = mpsc::channel::<()>();
    let pool = pool.clone();
    let task = tokio::spawn(async move {
        let _ = pool
            .run(move |_| {
                let _ = running_tx.send(());
                let _ = held.recv();
                Ok(())
            })
            .await;
    });
    running_rx.recv_timeout(PATIENCE).expect("the holder runs");
    (release, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_out_of_time_beside_others_gets_503_with_retry_after() {
    let reads = Arc::new(AtomicU64::new(0));
    let pool = WorkPool::new(2, Duration::from_millis(20)).with_ticker(ticking(Arc::clone(&reads)));
    let (app, state, _dir) = seeded_state(pool).await;
    let (release, holder) = hold_a_slot(state.work());
    let (status, headers, body) = get(&app, SUGGEST).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(headers["retry-after"], "2");
    assert!(body["detail"].as_str().expect("detail").contains("try again"), "{body}");
    drop(release);
    holder.await.expect("holder");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_every_worker_taken_a_query_waits_its_budget_then_gets_503() {
    let pool = WorkPool::new(1, Duration::from_millis(200));
    let (app, state, _dir) = seeded_state(pool).await;
    let (release, holder) = hold_a_slot(state.work());
    let (status, headers, body) = get(&app, "/api/nearest?lon=12.5&lat=41.9&open_now=true").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(headers["retry-after"], "2");
    assert!(body["detail"].as_str().expect("detail").contains("busy"), "{body}");
    assert_eq!(state.work().counters().busy.load(Ordering::SeqCst), 1);
    // A plain nearest search needs no worker: it still answers.
    let (status, _, body) = get(&app, "/api/nearest?lon=12.5&lat=41.9&k=3").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["features"].as_array().map(Vec::len), Some(3));
    drop(release);
    holder.await.expect("holder");
}

/// D9: a listing that may pass over the whole index (no box, or more than
/// the default limit) is computed in the bounded pool, so that with every
/// worker taken it waits its turn and is refused, never taking a request
/// thread; a page in a box still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_listing_runs_in_the_pool_and_a_page_in_a_box_does_not() {
    let pool = WorkPool::new(1, Duration::from_millis(200));
    let (app, state, _dir) = seeded_state(pool).await;
    let seeded = state.snapshot().index().len();
    let (release, holder) = hold_a_slot(state.work());
    for uri in [
        "/api/resources?limit=10000",
        "/api/resources?country=IT",
        "/api/resources?bbox=-180,-90,180,90&limit=5000",
    ] {
        let (status, headers, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}: {body}");
        assert_eq!(headers["retry-after"], "2", "{uri}");
    }
    let (status, _, body) = get(&app, "/api/resources?bbox=12.4,41.8,12.6,42.0&limit=10").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["numberReturned"].as_u64().is_some_and(|n| n > 0), "{body}");
    drop(release);
    holder.await.expect("holder");
    // With a worker free, the whole directory is listed.
    let (status, _, body) = get(&app, "/api/resources?limit=10000").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["numberMatched"].as_u64(), Some(seeded as u64));
    assert_eq!(body["features"].as_array().map(Vec::len), Some(seeded));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_leaves_stops_the_work() {
    // The oracle: how many clock readings the whole query takes.
    let full_reads = Arc::new(AtomicU64::new(0));
    let pool = WorkPool::new(2, Duration::MAX).with_ticker(ticking(Arc::clone(&full_reads)));
    let (app, _, _dir) = seeded_state(pool).await;
    let (status, _, body) = get(&app, SUGGEST).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let full = full_reads.load(Ordering::SeqCst);
    assert!(full > 100, "the whole query checks its budget often: {full}");

    // The same query, its caller gone after the work's first check: the
    // clock blocks on its second reading until the request is dropped.
    let reads = Arc::new(AtomicU64::new(0));
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let gate = Arc::new(Mutex::new((Some(started_tx), go_rx)));
    let ticker: Ticker = {
        let reads = Arc::clone(&reads);
        let start = Instant::now();
        Arc::new(move || {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            if n == 1 {
                let mut gate = gate.lock().expect("gate");
                if let Some(tx) = gate.0.take() {
                    let _ = tx.send(());
                }
                let _ = gate.1.recv_timeout(PATIENCE);
            }
            start + Duration::from_millis(n)
        })
    };
    let (app, state, _dir2) = seeded_state(WorkPool::new(2, Duration::MAX).with_ticker(ticker)).await;
    let request = tokio::spawn(async move { get(&app, SUGGEST).await });
    tokio::task::spawn_blocking(move || started_rx.recv_timeout(PATIENCE))
        .await
        .expect("join")
        .expect("started");
    request.abort();
    assert!(request.await.is_err(), "the request was dropped, not answered");
    go_tx.send(()).expect("the work waits at the gate");
    let counters = state.work().counters();
    let waited = Instant::now();
    while counters.cancelled.load(Ordering::SeqCst) == 0 {
        assert!(waited.elapsed() < PATIENCE, "the work never stopped");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(counters.finished.load(Ordering::SeqCst), 0);
    let after = reads.load(Ordering::SeqCst);
    assert!(
        after <= 3,
        "the work stopped at its next check ({after} clock readings, {full} for the whole query)"
    );
}

#[test]
fn suggest_at_100_km_and_50_sites_on_the_seed_data_is_cheap() {
    let snapshot = Snapshot::new(witgis::store::seed().expect("seed"));
    let reference = common::reference();
    let localities = &reference.localities;
    let n = localities.all().len() as u64;
    let budget = Budget::unlimited();
    let s = coverage::suggest_within(
        &snapshot,
        localities,
        localities,
        &Query::default(),
        100_000.0,
        50,
        1,
        &budget,
    )
    .expect("unlimited");
    let sum: u64 = s.picks.iter().map(|p| p.newly_covered).sum();
    assert!(s.picks.len() == 50 || sum == s.uncovered_before, "fewer than 50 only once all are covered");
    assert!(s.uncovered_before > 0 && !s.picks.is_empty());
    // Each pick's gain is exactly the uncovered population around it: the
    // picks are disjoint in what they cover, checked by brute force.
    let mut covered = vec![false; localities.all().len()];
    let hits = coverage::nearest_hits(&snapshot, localities, &witgis::index::Filter::default());
    for p in &s.picks {
        let site = localities.get(p.locality);
        let mut gain = 0;
        for (i, l) in localities.all().iter().enumerate() {
            let far = hits[i].is_none_or(|h| h.distance_m > 100_000.001);
            let near = witgis::sphere::geodesic_m([site.lon, site.lat], [l.lon, l.lat]) <= 100_000.001;
            if far && near && !covered[i] {
                covered[i] = true;
                gain += l.population;
            }
        }
        assert_eq!(gain, p.newly_covered, "pick {}", site.name);
    }
    eprintln!("{n} localities, {} visits, {} budget checks", s.visits, budget.checks());
    // The work grows with the uncovered points and the sites around them
    // (6.7 million visits here, most of them the initial gains), not with
    // k × candidates × points (50 × 23,536² = 2.8e10).
    assert!(s.visits < 400 * n, "{} visits for {n} localities", s.visits);
}

#[test]
fn the_radius_test_agrees_with_the_exact_geodesic() {
    use geo::{Destination, Geodesic};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(13);
    let mut edge = 0;
    for _ in 0..20_000 {
        let o = [rng.random_range(-180.0..180.0), rng.random_range(-89.0..89.0)];
        let radius_m = rng.random_range(1_000.0..100_000.0);
        // Points at about the radius, in any direction: the hard cases.
        let to = Geodesic.destination(
            geo::Point::new(o[0], o[1]),
            rng.random_range(0.0..360.0),
            radius_m * rng.random_range(0.99..1.01),
        );
        let p = [to.x(), to.y()];
        let exact = witgis::sphere::geodesic_m(o, p) <= radius_m + coverage::EDGE_TOLERANCE_M;
        let ov = witgis::sphere::unit_vector(o[0], o[1]);
        let pv = witgis::sphere::unit_vector(p[0], p[1]);
        assert_eq!(coverage::is_within(o, &ov, p, &pv, radius_m), exact, "{o:?} {p:?} {radius_m}");
        edge += usize::from(exact);
    }
    assert!(edge > 1000 && edge < 19_000, "both sides of the edge were tried: {edge}");
}

/// A raw socket to the server; reads wait at most `PATIENCE`.
fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(PATIENCE)).expect("timeout");
    s
}

/// Reads until the server closes the connection; what it sent.
fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("the server did not close the connection: {e}"),
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}", dir.path().join("t.db").display())
}

#[test]
fn a_client_sending_half_a_header_is_closed_after_the_header_timeout() {
    let dir = tempfile::tempdir().expect("dir");
    let server = common::http::Server::start_with(
        &sqlite_url(&dir),
        &dir.path().join("log"),
        "info",
        &["--header-timeout-ms", "200", "--idle-timeout-ms", "600000"],
    );
    let mut slow = connect(server.port);
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ").expect("write");
    let answer = read_to_close(&mut slow);
    assert!(!answer.contains("200 OK"), "no answer to half a request: {answer}");
    // The server is still there for whole requests.
    assert_eq!(server.call("GET", "/healthz", &[], "").status, 200);
}

#[test]
fn idle_sockets_beyond_the_limit_neither_block_nor_stay() {
    let dir = tempfile::tempdir().expect("dir");
    let server = common::http::Server::start_with(
        &sqlite_url(&dir),
        &dir.path().join("log"),
        "info",
        &["--max-connections", "4", "--idle-timeout-ms", "300", "--header-timeout-ms", "600000"],
    );
    // Ten sockets that never send a byte: four take every slot, six wait.
    let mut idle: Vec<TcpStream> = (0..10).map(|_| connect(server.port)).collect();
    // A fresh request is answered: idle connections are closed in turn and
    // its connection gets a slot.
    let reply = server.call("GET", "/api/nearest?lon=12.5&lat=41.9&k=1", &[], "");
    assert_eq!(reply.status, 200, "{}", reply.body);
    // Every idle socket was (or is being) closed by the server.
    for s in &mut idle {
        assert_eq!(read_to_close(s), "", "closed without a word");
    }
}
