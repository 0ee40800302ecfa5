//! Demand dates where the desk is: a request logged without a date is dated
//! today in the desk's time zone (Europe/Rome unless configured), read from
//! an injected clock; a date after that day is refused. Over both stores.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};
use witgis::clock::Clock;
use witgis::state::AppState;

use crate::common::TestDb;

fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

async fn app(db: &TestDb, zone: Option<chrono_tz::Tz>, clock: &Clock) -> (axum::Router, String) {
    let ring = json!([[12.5, 41.9], [12.6, 41.9], [12.6, 42.0], [12.5, 42.0], [12.5, 41.9]]);
    let area = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"id": "area-ii", "name": "area-ii", "kind": "district", "country": "IT"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]});
    db.store.import_areas(&witgis::formats::areas::read(&area.to_string()).unwrap()).await.unwrap();
    let token = witgis::auth::new_token();
    db.store.create_token("desk", Role::Operator, &hash_token(&token)).await.unwrap();
    let mut state =
        AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap().with_clock(clock.clone());
    if let Some(zone) = zone {
        state = state.with_desk_zone(zone);
    }
    (witgis::http::router(Arc::new(state)), token)
}

async fn log(router: &axum::Router, token: &str, date: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"need": "housing", "channel": "phone", "requester": "other", "area": "area-ii"});
    if let Some(d) = date {
        body["date"] = json!(d);
    }
    let request = Request::post("/api/demand")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let ct = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    if !status.is_success() {
        assert_eq!(ct.as_deref(), Some("application/problem+json"));
    }
    (status, serde_json::from_slice(&bytes).unwrap())
}

async fn dated_in_rome(db: TestDb) {
    let clock = Clock::manual(at("2026-12-01T18:45:00Z"));
    let (router, token) = app(&db, None, &clock).await;
    // 19:45 in Rome on 1 December (18:45 UTC): 1 December, not the 2nd.
    let (status, json) = log(&router, &token, None).await;
    assert_eq!((status, json["date"].as_str()), (StatusCode::CREATED, Some("2026-12-01")), "{json}");
    // 2 December is still the future in Rome at 23:59…
    clock.set(at("2026-12-01T22:59:00Z"));
    let (status, json) = log(&router, &token, Some("2026-12-02")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    assert_eq!(json["invalid_params"][0]["name"], "date");
    assert!(json["invalid_params"][0]["reason"].as_str().unwrap().contains("future"), "{json}");
    // …and today from midnight there (23:00 UTC).
    clock.set(at("2026-12-01T23:00:00Z"));
    let (status, json) = log(&router, &token, None).await;
    assert_eq!((status, json["date"].as_str()), (StatusCode::CREATED, Some("2026-12-02")));
    let (status, _) = log(&router, &token, Some("2026-12-02")).await;
    assert_eq!(status, StatusCode::CREATED);
    // Summer time: 23:30 UTC on 30 June is 01:30 on 1 July in Rome.
    clock.set(at("2026-06-30T23:30:00Z"));
    let (_, json) = log(&router, &token, None).await;
    assert_eq!(json["date"], "2026-07-01");
    assert_eq!(db.store.demand(None, None).await.unwrap().len(), 4, "the refused one is not stored");
}

async fn another_desk_zone(db: TestDb) {
    // 23:30 UTC on 1 December: still 1 December in Lisbon, 2 December in Sofia.
    let clock = Clock::manual(at("2026-12-01T23:30:00Z"));
    let (router, token) = app(&db, Some(chrono_tz::Europe::Lisbon), &clock).await;
    let (_, json) = log(&router, &token, None).await;
    assert_eq!(json["date"], "2026-12-01");
    let (status, _) = log(&router, &token, Some("2026-12-02")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let db2 = TestDb::sqlite().await;
    let (router, token) = app(&db2, Some(chrono_tz::Europe::Sofia), &clock).await;
    let (_, json) = log(&router, &token, None).await;
    assert_eq!(json["date"], "2026-12-02");
}

/// Issue 39 (D7, D11): a numeric date, non-text referrals or an unknown
/// field are refused with a 422 that names no unknown field and stores
/// nothing; they were replaced (today, `[]`) or echoed by name.
async fn wrong_types_and_unknown_fields_are_refused(db: TestDb) {
    let clock = Clock::manual(at("2026-12-01T10:00:00Z"));
    let (router, token) = app(&db, None, &clock).await;
    let post = |body: Value| {
        let router = router.clone();
        let token = token.clone();
        async move {
            let request = Request::post("/api/demand")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap();
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8(bytes.to_vec()).unwrap())
        }
    };
    let valid = json!({"need": "housing", "channel": "phone", "requester": "other", "area": "area-ii"});
    for (field, value) in [("date", json!(20261201)), ("referred_to", json!([1, null]))] {
        let mut body = valid.clone();
        body[field] = value;
        let (status, text) = post(body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {text}");
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["invalid_params"][0]["name"], field, "{json}");
    }
    let mut body = valid.clone();
    body["Giulia Verdi"] = json!("x");
    let (status, text) = post(body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(!text.contains("Giulia") && text.contains("an unknown field (field 5"), "{text}");
    assert!(db.store.demand(None, None).await.unwrap().is_empty(), "nothing refused is stored");
    let (status, _) = post(valid).await;
    assert_eq!(status, StatusCode::CREATED);
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

suite!(dated_in_rome, another_desk_zone, wrong_types_and_unknown_fields_are_refused);

#[test]
fn the_desk_zone_is_configured_by_name() {
    assert_eq!(witgis::config::parse_time_zone("Europe/Vilnius"), Ok(chrono_tz::Europe::Vilnius));
    let err = witgis::config::parse_time_zone("Rome").unwrap_err();
    assert!(err.contains("Europe/Rome"), "{err}");
}
