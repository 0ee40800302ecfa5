//! The optional external geocoder, against a real local HTTP server that
//! speaks Nominatim's `/search`: results appended and de-duplicated, failures
//! answered with the built-in places and a note, the cache, the request rate,
//! what is sent upstream, and nothing sent when no geocoder is configured.

use crate::common;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::time::Instant;
use witgis::geocoder::{Geocoder, Settings, parse_url};

/// How the stand-in service behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    Answer,
    /// Takes the request and never answers.
    Silent,
    Fail,
    Garbage,
}

/// One request the stand-in received.
#[derive(Debug, Clone)]
struct Seen {
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    /// When, on the test's clock (paused in the tests of time).
    at: Instant,
}

/// A Nominatim stand-in on a free port, in its own thread and runtime.
struct Fake {
    mode: Mutex<Mode>,
    hits: AtomicUsize,
    /// Told of every request received.
    hit: Notify,
    seen: Mutex<Vec<Seen>>,
    /// Where the "same" address as a built-in one lies (a few metres off it).
    near: Mutex<[f64; 2]>,
    /// The test's runtime, whose clock stamps each request (a test without
    /// one reads the real clock).
    test: Option<tokio::runtime::Handle>,
}

impl Fake {
    fn start(mode: Mode) -> (Arc<Fake>, String) {
        let fake = Arc::new(Fake {
            mode: Mutex::new(mode),
            hits: AtomicUsize::new(0),
            hit: Notify::new(),
            seen: Mutex::new(Vec::new()),
            near: Mutex::new([12.48, 41.87]),
            test: tokio::runtime::Handle::try_current().ok(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("address").port();
        let app =
            axum::Router::new().route("/search", axum::routing::get(search)).with_state(Arc::clone(&fake));
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                axum::serve(listener, app).await.expect("fake server");
            });
        });
        (fake, format!("http://127.0.0.1:{port}"))
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    /// Waits until `n` requests have arrived.
    async fn until_hits(&self, n: usize) {
        loop {
            let told = self.hit.notified();
            if self.hits() >= n {
                return;
            }
            told.await;
        }
    }
}

/// Holds the test's paused clock still: while a blocking task runs, tokio
/// never advances a paused clock by itself (`tokio::time::pause`, "Preventing
/// auto-advance"), so that time moves only by `tokio::time::advance` and a
/// timeout cannot fire while a request is still on its way over the socket.
struct HoldClock(Option<std::sync::mpsc::Sender<()>>);

impl HoldClock {
    fn new() -> HoldClock {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        tokio::task::spawn_blocking(move || {
            let _ = rx.recv();
        });
        HoldClock(Some(tx))
    }
}

impl Drop for HoldClock {
    fn drop(&mut self) {
        // Closing the channel ends the blocking task.
        self.0.take();
    }
}

async fn search(State(fake): State<Arc<Fake>>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    let params = form_urlencoded::parse(q.unwrap_or_default().as_bytes()).into_owned().collect();
    let headers =
        headers.iter().map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned())).collect();
    let at = {
        let _test = fake.test.as_ref().map(tokio::runtime::Handle::enter);
        Instant::now()
    };
    fake.seen.lock().expect("lock").push(Seen { params, headers, at });
    fake.hits.fetch_add(1, Ordering::SeqCst);
    fake.hit.notify_waiters();
    let mode = *fake.mode.lock().expect("lock");
    match mode {
        Mode::Silent => std::future::pending().await,
        Mode::Fail => (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response(),
        Mode::Garbage => {
            ([("content-type", "text/html")], "<html><body>Bandwidth limit exceeded</body></html>")
                .into_response()
        }
        Mode::Answer => {
            let [lon, lat] = *fake.near.lock().expect("lock");
            axum::Json(json!([
                {"place_id": 1, "lat": format!("{:.7}", lat + 0.0002), "lon": format!("{:.7}", lon + 0.0002),
                 "display_name": "106, Via Ostiense, Ostiense, Roma, Lazio, 00154, Italia",
                 "category": "building", "type": "yes", "address": {"country_code": "it"}},
                {"place_id": 2, "lat": "41.7797000", "lon": "12.3860000",
                 "display_name": "Via Ostiense, Acilia, Roma, Lazio, Italia",
                 "category": "highway", "type": "primary", "address": {"country_code": "it"}},
                {"place_id": 3, "lat": "48.8566", "lon": "2.3522", "display_name": "Rue Ostiense, Paris, France",
                 "category": "highway", "address": {"country_code": "fr"}},
                {"place_id": 4, "lat": "41.7797000", "lon": "12.3860000",
                 "display_name": "Via Ostiense, Acilia, Roma, Lazio, Italia",
                 "category": "highway", "address": {"country_code": "it"}},
                {"place_id": 5, "display_name": "no point at all"}
            ]))
            .into_response()
        }
    }
}

/// The router over a fresh seeded store, with `geocoder` if any.
async fn app(geocoder: Option<Geocoder>) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("g.db").display());
    let store = witgis::store::open(&url).await.expect("store");
    store.seed_once(&witgis::store::seed().expect("seed")).await.expect("seed");
    let mut state = witgis::state::AppState::load(store, common::reference()).await.expect("load");
    if let Some(g) = geocoder {
        state = state.with_geocoder(g);
    }
    // As `witgis serve` does at start: the place names are indexed before the
    // first search, so that the timings below are the geocoder's own.
    state.snapshot().places(&state.reference().quarters);
    (witgis::http::router(Arc::new(state)), dir)
}

/// The timeout of a geocoder whose stand-in answers: far above what any
/// machine needs, so that only the behaviour is tested, never a speed.
const PATIENT_MS: u64 = 120_000;

fn geocoder(base: &str, timeout_ms: u64, interval_ms: u64) -> Geocoder {
    let mut s = Settings::new(parse_url(base).expect("URL"));
    s.timeout = Duration::from_millis(timeout_ms);
    s.interval = Duration::from_millis(interval_ms);
    s.contact = Some("help-desk@example.org".into());
    Geocoder::new(s)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let headers = [
        ("x-forwarded-for", "203.0.113.7"),
        ("cookie", "session=secret"),
        ("referer", "http://127.0.0.1/#pt=12.5,41.9"),
        ("authorization", "Bearer not-for-upstream"),
    ];
    let a = common::router::get(app, uri, &headers).await;
    let body = serde_json::from_slice(&a.bytes).unwrap_or_else(|_| panic!("JSON: {}", a.text()));
    (a.status, body)
}

fn names(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap_or("").to_owned())
        .collect()
}

const Q: &str = "/api/places?q=via%20ostiense%20106&limit=5";

#[tokio::test]
async fn geocoder_addresses_follow_the_built_in_ones_without_duplicates() {
    let (fake, base) = Fake::start(Mode::Answer);
    let (plain, _d1) = app(None).await;
    let (status, offline) = get(&plain, Q).await;
    assert_eq!(status, StatusCode::OK);
    assert!(offline.get("geocoder").is_none() && offline.get("attribution").is_none(), "{offline}");
    let first = &offline["features"][0];
    assert_eq!(first["properties"]["kind"], "address");
    let c = &first["geometry"]["coordinates"];
    *fake.near.lock().expect("lock") = [c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")];

    let (app, _d2) = app(Some(geocoder(&base, PATIENT_MS, 1000))).await;
    let (status, fc) = get(&app, &format!("{Q}&lang=it")).await;
    assert_eq!(status, StatusCode::OK, "{fc}");
    assert_eq!(fc["geocoder"], "ok");
    assert_eq!(fc["attribution"], "© OpenStreetMap contributors");
    // The built-in answer first, unchanged; then the one new address: the
    // same building (20 m off), the repeated result, the one in France and
    // the one without a point are left out.
    let mut expected = names(&offline);
    expected.push("Via Ostiense, Acilia, Roma, Lazio, Italia".into());
    assert_eq!(names(&fc), expected);
    let features = fc["features"].as_array().expect("features");
    let n = offline["features"].as_array().map_or(0, Vec::len);
    assert_eq!(&features[..n], offline["features"].as_array().expect("features").as_slice());
    let added = &features[n];
    assert_eq!(added["properties"]["kind"], "address");
    assert_eq!(added["properties"]["country"], "IT");
    assert_eq!(added["properties"]["source"], "geocoder");
    assert_eq!(added["geometry"]["coordinates"], json!([12.386, 41.7797]));

    // Only the query text and witgis's own parameters went upstream, with an
    // identifying User-Agent; nothing about the caller.
    let seen = fake.seen();
    assert_eq!(seen.len(), 1);
    let mut params = seen[0].params.clone();
    params.sort();
    assert_eq!(
        params,
        [
            ("accept-language", "it"),
            ("addressdetails", "1"),
            ("countrycodes", "it,bg,de,lt"),
            ("format", "jsonv2"),
            ("limit", "5"),
            ("q", "via ostiense 106"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    let header = |name: &str| seen[0].headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let ua = header("user-agent").expect("a User-Agent");
    assert!(ua.starts_with(&format!("witgis/{}", env!("CARGO_PKG_VERSION"))), "{ua}");
    assert!(ua.contains("help-desk@example.org"), "{ua}");
    for private in ["x-forwarded-for", "cookie", "referer", "authorization", "forwarded"] {
        assert_eq!(header(private), None, "{private} must not go upstream");
    }
    // A country asked for narrows the search upstream too.
    get(&app, "/api/places?q=ostiense&country=IT").await;
    let last = fake.seen().pop().expect("second request");
    assert!(last.params.contains(&("countrycodes".into(), "it".into())), "{:?}", last.params);
}

#[tokio::test]
async fn a_repeated_query_is_answered_from_the_cache() {
    let (fake, base) = Fake::start(Mode::Answer);
    let (app, _d) = app(Some(geocoder(&base, PATIENT_MS, 1000))).await;
    let (_, first) = get(&app, Q).await;
    assert_eq!(fake.hits(), 1);
    // At once, and again: no new request upstream, the same answer.
    let (_, again) = get(&app, Q).await;
    let (_, third) = get(&app, "/api/places?q=VIA%20Ostiense%20106%20&limit=5").await;
    assert_eq!(fake.hits(), 1, "served from the cache");
    assert_eq!(again, first);
    assert_eq!(third["features"], first["features"]);
    // Another query is another request.
    get(&app, "/api/places?q=via%20ostiense&limit=5").await;
    assert_eq!(fake.hits(), 2);
}

#[tokio::test(start_paused = true)]
async fn at_most_one_request_per_interval_and_the_rest_skipped_as_busy() {
    let _clock = HoldClock::new();
    let (fake, base) = Fake::start(Mode::Answer);
    // A minute between requests.
    let (slow, _d1) = app(Some(geocoder(&base, PATIENT_MS, 60_000))).await;
    let (status, first) = get(&slow, "/api/places?q=roma%20uno").await;
    assert_eq!((status, first["geocoder"].as_str()), (StatusCode::OK, Some("ok")), "{first}");
    // Two more at once: one waits its turn, a minute after the first; the
    // other, whose turn would be two minutes away, is answered at once as
    // busy, with the built-in places, while the first still waits.
    let ask = |q: &'static str| {
        let app = slow.clone();
        tokio::spawn(async move { get(&app, q).await })
    };
    let (mut two, mut three) = (ask("/api/places?q=roma%20due"), ask("/api/places?q=roma%20tre"));
    let (done, waiting) = tokio::select! {
        done = &mut two => (done, three),
        done = &mut three => (done, two),
    };
    let (status, busy) = done.expect("the answered query");
    assert_eq!((status, busy["geocoder"].as_str()), (StatusCode::OK, Some("busy")), "{busy}");
    assert!(busy["notes"][0].as_str().unwrap_or("").contains("request rate"), "{busy}");
    assert!(!busy["features"].as_array().expect("features").is_empty(), "built-in places still listed");
    assert!(!waiting.is_finished(), "the other query waits its turn");
    assert_eq!(fake.hits(), 1, "nothing sent before its turn");
    // Its turn comes a minute after the first request: then it is sent.
    tokio::time::advance(Duration::from_secs(60)).await;
    let (status, waited) = waiting.await.expect("the waiting query");
    assert_eq!((status, waited["geocoder"].as_str()), (StatusCode::OK, Some("ok")), "{waited}");
    assert_eq!(fake.hits(), 2);

    // With one second between requests, the second is sent exactly a second
    // after the first, on the test's clock, and not a moment before.
    let (fake, base) = Fake::start(Mode::Answer);
    let (paced, _d2) = app(Some(geocoder(&base, PATIENT_MS, 1000))).await;
    let before = Instant::now();
    let ask = |q: &'static str| {
        let app = paced.clone();
        tokio::spawn(async move { get(&app, q).await })
    };
    let (a, b) = (ask("/api/places?q=roma%20uno"), ask("/api/places?q=roma%20due"));
    fake.until_hits(1).await;
    tokio::time::advance(Duration::from_millis(999)).await;
    assert_eq!(fake.hits(), 1, "the second is not sent before its turn");
    tokio::time::advance(Duration::from_millis(1)).await;
    let (a, b) = (a.await.expect("first"), b.await.expect("second"));
    assert_eq!((a.1["geocoder"].as_str(), b.1["geocoder"].as_str()), (Some("ok"), Some("ok")));
    let sent: Vec<Duration> = fake.seen().iter().map(|s| s.at - before).collect();
    assert_eq!(sent, [Duration::ZERO, Duration::from_secs(1)]);
}

#[tokio::test(start_paused = true)]
async fn a_geocoder_that_never_answers_times_out_and_the_built_in_places_still_come() {
    let _clock = HoldClock::new();
    let (fake, base) = Fake::start(Mode::Silent);
    let (plain, _d1) = app(None).await;
    let (app, _d2) = app(Some(geocoder(&base, 300, 0))).await;
    // The stand-in takes the request and never answers: the answer comes
    // when the timeout (300 ms on the test's clock) has passed, not before.
    let asked = {
        let app = app.clone();
        tokio::spawn(async move { get(&app, Q).await })
    };
    fake.until_hits(1).await;
    tokio::time::advance(Duration::from_millis(299)).await;
    assert!(!asked.is_finished(), "no answer before the timeout");
    tokio::time::advance(Duration::from_millis(1)).await;
    let (status, fc) = asked.await.expect("answered");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fc["geocoder"], "unavailable");
    assert!(fc["notes"][0].as_str().unwrap_or("").contains("not available"), "{fc}");
    assert_eq!(fc["features"], get(&plain, Q).await.1["features"]);
    assert_eq!(fake.hits(), 1);
    // Resting after the failure: the next query is not sent at all.
    let (status, fc) = get(&app, "/api/places?q=kaunas").await;
    assert_eq!((status, fc["geocoder"].as_str()), (StatusCode::OK, Some("unavailable")));
    assert_eq!(fc["features"][0]["properties"]["name"], "Kaunas");
    assert_eq!(fake.hits(), 1);
}

#[tokio::test]
async fn errors_and_garbage_from_the_geocoder_are_never_a_5xx() {
    for mode in [Mode::Fail, Mode::Garbage] {
        let (fake, base) = Fake::start(mode);
        let (plain, _d1) = app(None).await;
        let (app, _d2) = app(Some(geocoder(&base, PATIENT_MS, 0))).await;
        let (status, fc) = get(&app, Q).await;
        assert_eq!(status, StatusCode::OK, "{mode:?}");
        assert_eq!(fc["geocoder"], "unavailable", "{mode:?}");
        assert_eq!(fc["features"], get(&plain, Q).await.1["features"], "{mode:?}");
        assert_eq!(fake.hits(), 1);
    }
    // Nobody listening at all.
    let port = common::pg::free_port();
    let (app, _d) = app(Some(geocoder(&format!("http://127.0.0.1:{port}"), PATIENT_MS, 0))).await;
    let (status, fc) = get(&app, Q).await;
    assert_eq!((status, fc["geocoder"].as_str()), (StatusCode::OK, Some("unavailable")));
}

#[tokio::test]
async fn without_a_geocoder_or_with_geocoder_false_nothing_is_sent() {
    let (fake, base) = Fake::start(Mode::Answer);
    let (plain, _d1) = app(None).await;
    let (status, fc) = get(&plain, Q).await;
    assert_eq!(status, StatusCode::OK);
    // No geocoder: the one note is that a street address needs one.
    assert!(fc.get("geocoder").is_none(), "{fc}");
    assert_eq!(fc["address"], "needs_geocoder", "{fc}");
    assert_eq!(fc["notes"].as_array().map(Vec::len), Some(1), "{fc}");
    assert!(
        fc["features"].as_array().expect("features").iter().all(|f| f["properties"].get("source").is_none())
    );
    let (app, _d2) = app(Some(geocoder(&base, PATIENT_MS, 1000))).await;
    let (_, off) = get(&app, &format!("{Q}&geocoder=false")).await;
    // The built-in answer alone (the note that addresses need a geocoder is
    // for a server without one).
    assert_eq!(off["features"], fc["features"], "geocoder=false: the built-in answer alone");
    assert!(off.get("geocoder").is_none() && off.get("notes").is_none(), "{off}");
    assert_eq!(fake.hits(), 0);
    // Bad parameters are named.
    for (uri, name) in
        [("/api/places?q=roma&lang=italiano", "lang"), ("/api/places?q=roma&geocoder=maybe", "geocoder")]
    {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["invalid_params"][0]["name"], name, "{uri}");
    }
    assert_eq!(fake.hits(), 0);
}

#[test]
fn the_binary_refuses_a_bad_geocoder_url_and_never_logs_the_query() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(["serve", "--geocoder-url", "ftp://nominatim.example.org", "--database-url", "sqlite::memory:"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--geocoder-url") && err.contains("http or https"), "{err}");

    let (fake, base) = Fake::start(Mode::Answer);
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite://{}", dir.path().join("log.db").display());
    let log = dir.path().join("serve.log");
    let url = format!("{base}/?key=s3cr3t-api-key");
    let server = common::http::Server::start_with(
        &db,
        &log,
        "debug",
        // The longest timeout the binary accepts: the stand-in answers at once.
        &["--geocoder-url", &url, "--geocoder-timeout-ms", "30000"],
    );
    let reply = server.call("GET", "/api/places?q=Via%20Segretissima%2042", &[], "");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["geocoder"], "ok");
    assert!(
        fake.seen()[0].params.contains(&("key".into(), "s3cr3t-api-key".into())),
        "the URL's key is kept"
    );
    *fake.mode.lock().expect("lock") = Mode::Fail;
    assert_eq!(
        server.call("GET", "/api/places?q=Via%20Nascosta%207", &[], "").json()["geocoder"],
        "unavailable"
    );
    drop(server);
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(logged.contains("external geocoder"), "{logged}");
    assert!(logged.contains("the external geocoder failed"), "failures are logged: {logged}");
    for secret in ["Segretissima", "Nascosta", "s3cr3t"] {
        assert!(!logged.contains(secret), "'{secret}' is in the log: {logged}");
    }
}
