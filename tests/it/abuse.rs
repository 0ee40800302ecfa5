//! Abuse bounded, over both stores, with a clock moved by hand: failed token
//! attempts throttled per client address, writes and demand requests rate
//! limited (429 problem+json with Retry-After), expired tokens refused.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};
use witgis::clock::Clock;
use witgis::state::AppState;

use crate::common::TestDb;

fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

struct App {
    router: axum::Router,
    clock: Clock,
}

impl App {
    async fn new(db: &TestDb) -> App {
        let clock = Clock::manual(at("2026-12-01T10:00:00Z"));
        let state = AppState::load(Arc::clone(&db.store), common::reference())
            .await
            .unwrap()
            .with_clock(clock.clone());
        App { router: witgis::http::router(Arc::new(state)), clock }
    }

    async fn get(&self, from: &str, path: &str, token: Option<&str>) -> (StatusCode, Option<String>, Value) {
        let mut request = Request::get(path);
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        let mut request = request.body(Body::empty()).unwrap();
        let peer: SocketAddr = format!("{from}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        if !status.is_success() {
            assert_eq!(response.headers()["content-type"], "application/problem+json");
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, retry, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }
}

async fn token(db: &TestDb, name: &str, role: Role, until: Option<&str>) -> String {
    let token = witgis::auth::new_token();
    db.store.create_token_until(name, role, &hash_token(&token), until.map(at)).await.unwrap();
    token
}

async fn failed_tokens_are_throttled_per_address(db: TestDb) {
    let good = token(&db, "desk", Role::Operator, None).await;
    let app = App::new(&db).await;
    let path = "/api/resources/it-rm-caritas/history";
    let wrong = witgis::auth::new_token();
    for i in 0..10 {
        let (status, _, _) = app.get("192.0.2.1", path, Some(&wrong)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, retry, json) = app.get("192.0.2.1", path, Some(&wrong)).await;
    assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("60")), "{json}");
    // Even the right token waits, from that address; not from another.
    let (status, _, _) = app.get("192.0.2.1", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = app.get("192.0.2.2", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::OK);
    // No token at all is not an attempt.
    let (status, _, _) = app.get("192.0.2.2", path, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // One attempt a minute comes back.
    app.clock.advance(chrono::Duration::seconds(59));
    let (status, retry, _) = app.get("192.0.2.1", "/api/demand/recent", Some(&good)).await;
    assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("1")));
    app.clock.advance(chrono::Duration::seconds(1));
    let (status, _, _) = app.get("192.0.2.1", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::OK);
}

async fn writes_and_demand_are_rate_limited(db: TestDb) {
    let good = token(&db, "desk", Role::Operator, None).await;
    let app = App::new(&db).await;
    for i in 0..60 {
        let (status, _, json) = app.get("198.51.100.7", "/api/demand/recent", Some(&good)).await;
        assert_eq!(status, StatusCode::OK, "request {i}: {json}");
    }
    let (status, retry, json) = app.get("198.51.100.7", "/api/demand/recent", Some(&good)).await;
    assert_eq!((status, retry.as_deref()), (StatusCode::TOO_MANY_REQUESTS, Some("1")), "{json}");
    assert!(json["detail"].as_str().unwrap().contains("try again"), "{json}");
    // Without a token too: the limit comes before anything else.
    let (status, _, _) = app.get("198.51.100.7", "/api/demand/summary", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Reads of the directory are not limited; other addresses have their own.
    let (status, _, _) = app.get("198.51.100.7", "/api/resources?limit=1", None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.get("198.51.100.8", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::OK);
    // Two a second come back.
    app.clock.advance(chrono::Duration::milliseconds(500));
    let (status, _, _) = app.get("198.51.100.7", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app.get("198.51.100.7", "/api/demand/recent", Some(&good)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn expired_tokens_are_refused(db: TestDb) {
    let short = token(&db, "visitor", Role::Operator, Some("2026-12-01T11:00:00Z")).await;
    let app = App::new(&db).await;
    let (status, _, _) = app.get("203.0.113.5", "/api/demand/recent", Some(&short)).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set(at("2026-12-01T10:59:59Z"));
    let (status, _, _) = app.get("203.0.113.5", "/api/demand/recent", Some(&short)).await;
    assert_eq!(status, StatusCode::OK);
    app.clock.set(at("2026-12-01T11:00:00Z"));
    let (status, _, json) = app.get("203.0.113.5", "/api/demand/recent", Some(&short)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{json}");
    assert!(json["detail"].as_str().unwrap().contains("expired"), "{json}");
    let listed = db.store.tokens().await.unwrap();
    assert!(
        listed[0].expires_at.as_deref().is_some_and(|t| t.starts_with("2026-12-01T11:00:00")),
        "{listed:?}"
    );
}

/// A POST with a token from an address, whose body notes whether anything
/// read it (it ends as soon as it is read).
async fn post_probe(app: &App, from: &str, path: &str, token: &str, media: &str) -> (StatusCode, bool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let read = Arc::new(AtomicBool::new(false));
    let seen = Arc::clone(&read);
    let body = Body::from_stream(futures_util::stream::poll_fn(move |_| {
        seen.store(true, Ordering::SeqCst);
        std::task::Poll::Ready(None::<Result<axum::body::Bytes, std::io::Error>>)
    }));
    let mut request = Request::post(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", media)
        .body(body)
        .unwrap();
    let peer: SocketAddr = format!("{from}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    (status, read.load(Ordering::SeqCst))
}

/// Issue 39 (D1): the role was checked only after the whole body had
/// arrived, so a viewer's token could hold a connection with a slow body.
/// Now a too-low role is refused before a byte of the body is read.
async fn roles_are_checked_before_the_body_is_read(db: TestDb) {
    let viewer = token(&db, "view", Role::Viewer, None).await;
    let operator = token(&db, "desk", Role::Operator, None).await;
    let app = App::new(&db).await;
    for (path, media) in [
        ("/api/demand", "application/json"),
        ("/api/resources", "application/geo+json"),
        ("/ogcapi/collections/resources/items", "application/geo+json"),
    ] {
        let (status, read) = post_probe(&app, "192.0.2.40", path, &viewer, media).await;
        assert_eq!((status, read), (StatusCode::FORBIDDEN, false), "{path}");
    }
    // The probe sees a read: an operator's demand body is read (and is empty).
    let (status, read) = post_probe(&app, "192.0.2.40", "/api/demand", &operator, "application/json").await;
    assert_eq!((status, read), (StatusCode::BAD_REQUEST, true));
}

/// Issue 39 (D5): writes through OGC API Part 4 skipped the per-address
/// write limit. They now share one allowance with `/api` writes.
async fn ogc_writes_share_the_write_limit(db: TestDb) {
    let editor = token(&db, "ed", Role::Editor, None).await;
    let app = App::new(&db).await;
    let before = db.store.resources().await.unwrap().len();
    let ogc = "/ogcapi/collections/resources/items";
    for i in 0..60 {
        let path = if i % 2 == 0 { ogc } else { "/api/resources" };
        let (status, _) = post_probe(&app, "198.51.100.9", path, &editor, "application/geo+json").await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "write {i} via {path}");
    }
    for path in [ogc, "/api/resources"] {
        let (status, read) = post_probe(&app, "198.51.100.9", path, &editor, "application/geo+json").await;
        assert_eq!((status, read), (StatusCode::TOO_MANY_REQUESTS, false), "{path}");
    }
    let (status, _) = post_probe(&app, "198.51.100.10", ogc, &editor, "application/geo+json").await;
    assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "another address has its own allowance");
    assert_eq!(db.store.resources().await.unwrap().len(), before, "nothing stored");
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::TestDb::sqlite().await).await } )*
        }
        mod postgis {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::TestDb::postgis().await).await } )*
        }
    };
}

suite!(
    failed_tokens_are_throttled_per_address,
    writes_and_demand_are_rate_limited,
    expired_tokens_are_refused,
    roles_are_checked_before_the_body_is_read,
    ogc_writes_share_the_write_limit
);

#[test]
fn lifetimes_read_as_hours_days_or_weeks() {
    use witgis::config::parse_lifetime;
    assert_eq!(parse_lifetime("90d"), Ok(chrono::Duration::days(90)));
    assert_eq!(parse_lifetime("12h"), Ok(chrono::Duration::hours(12)));
    assert_eq!(parse_lifetime("2w"), Ok(chrono::Duration::weeks(2)));
    for bad in ["90", "d", "-3d", "0h", "90y", "99999d", "90 days"] {
        assert!(parse_lifetime(bad).is_err(), "{bad}");
    }
}
