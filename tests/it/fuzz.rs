//! Fuzzed parsers, for a bounded number of cases: the import formats
//! (GeoJSON, CSV, areas), opening hours, query strings and request bodies
//! get arbitrary and mutated inputs. Nothing panics, no answer is a 5xx, and
//! nothing is stored from a refused input (over both stores).
#![allow(clippy::unwrap_used)]

use crate::common;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};

const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","id":"it-rm-one","geometry":{"type":"Point","coordinates":[12.5,41.9]},
  "properties":{"name":"One","category":"library","country":"IT","coord_precision":"city",
   "topics":["housing"],"opening_hours":"Mo-Fr 09:00-17:00","website":"https://example.org/a"}},
 {"type":"Feature","geometry":null,"properties":{"id":"it-rm-two","name":"Two","category":"crisis_service",
   "country":"IT","serves_areas":["it-rm-municipio-02"],"source":"knowledge; https://example.org"}}]}"#;

const CSV: &str = "id,name,category,country,lon,lat,coord_precision,topics,opening_hours\n\
it-rm-one,One,library,IT,12.5,41.9,city,housing;youth,Mo-Fr 09:00-17:00\n\
it-rm-two,\"Two, with a comma\",crisis_service,IT,,,,crisis,24/7\n";

const AREAS: &str = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"x-one",
 "properties":{"name":"One","kind":"district","country":"IT","population":12},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}}]}"#;

const HOURS: &str = "Mo-Fr 08:30-12:30,14:00-18:00; Sa 09:00-12:00; PH off; Dec 24 off";

/// `seed` with byte edits: (position, what, byte) — 0 replaces, 1 inserts,
/// 2 deletes.
fn mutated(seed: &str, edits: &[(usize, u8, u8)]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for &(pos, what, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = pos % bytes.len();
        match what % 3 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            _ => {
                bytes.remove(at);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    // Bytes JSON, CSV and the hours syntax care about, and any other.
    let byte = prop_oneof![
        prop::sample::select(b"{}[]\",:;-0123456789.eE+ \n\r\t\\abcxyzMoFr/".to_vec()),
        any::<u8>()
    ];
    prop::collection::vec((any::<usize>(), any::<u8>(), byte), 1..8)
}

/// Arbitrary text, or a valid input mutated.
fn input(seed: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), edits().prop_map(move |e| mutated(seed, &e))]
}

proptest! {
    #![proptest_config(Config { cases: 400, failure_persistence: None, ..Config::default() })]

    #[test]
    fn geojson_imports_never_panic(text in input(GEOJSON)) {
        let _ = witgis::formats::geojson::read(&text);
    }

    #[test]
    fn csv_imports_never_panic(text in input(CSV)) {
        let _ = witgis::formats::csv::read(text.as_bytes());
    }

    #[test]
    fn area_imports_never_panic(text in input(AREAS)) {
        let _ = witgis::formats::areas::read(&text);
    }

    #[test]
    fn opening_hours_never_panic(text in input(HOURS), minutes in 0i64..(60 * 24 * 366)) {
        if witgis::model::hours::check(&text).is_ok() {
            let at = "2026-01-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap()
                + chrono::Duration::minutes(minutes);
            let _ = witgis::model::hours::status(&text, "IT".parse().unwrap(), at);
        }
    }

    #[test]
    fn structured_properties_never_panic(props in prop::collection::btree_map(
        prop::sample::select(vec!["id", "name", "category", "country", "topics", "website", "phone", "email",
            "opening_hours", "serves_areas", "source", "last_verified", "coord_precision", "languages", "x"]),
        arb_json(), 0..10), lon in any::<f64>(), lat in any::<f64>()) {
        let map: serde_json::Map<String, Value> = props.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        let _ = witgis::model::Resource::from_properties(&map, Some([lon, lat]));
        let _ = witgis::model::demand::DemandInput::from_json(&map, "2026-12-01".parse().unwrap());
    }
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        any::<i64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        prop::sample::select(vec!["housing", "library", "IT", "https://x.org", "it-rm-x", "Mo 09:00-10:00"])
            .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// --- Request bodies and query strings, over both stores ----------------------

struct Fuzzed {
    router: axum::Router,
    db: common::TestDb,
    editor: String,
    operator: String,
    viewer: String,
}

async fn app(db: common::TestDb) -> Fuzzed {
    db.store.import(&witgis::store::seed().unwrap(), &|_| {}).await.unwrap();
    db.store.import_areas(&witgis::formats::areas::read(AREAS).unwrap()).await.unwrap();
    let mut tokens = Vec::new();
    for role in [Role::Editor, Role::Operator, Role::Viewer] {
        let token = witgis::auth::new_token();
        db.store.create_token(role.as_str(), role, &hash_token(&token)).await.unwrap();
        tokens.push(token);
    }
    let many = witgis::throttle::Rate { burst: 1_000_000, every_ms: 1 };
    let limits = witgis::throttle::Limits {
        failed_tokens: witgis::throttle::Buckets::new(many),
        writes: witgis::throttle::Buckets::new(many),
    };
    let state = witgis::state::AppState::load(Arc::clone(&db.store), common::reference())
        .await
        .unwrap()
        .with_limits(limits);
    let [editor, operator, viewer] = [tokens[0].clone(), tokens[1].clone(), tokens[2].clone()];
    Fuzzed { router: witgis::http::router(Arc::new(state)), db, editor, operator, viewer }
}

async fn send(f: &Fuzzed, method: &str, uri: &str, token: &str, ct: &str, body: String) -> StatusCode {
    let Ok(request) = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", ct)
        // Stale on purpose: a change that passes validation is then refused
        // (412), so no existing resource may change.
        .header("if-match", "\"v999\"")
        .body(Body::from(body))
    else {
        return StatusCode::BAD_REQUEST; // not even a request hyper would pass on
    };
    let response = f.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let ct = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    assert!(!status.is_server_error(), "{method} {uri}: {status} {}", String::from_utf8_lossy(&bytes));
    if status.is_client_error() {
        assert_eq!(ct.as_deref(), Some("application/problem+json"), "{method} {uri}");
    }
    status
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn sample<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, n: u32) -> Vec<T> {
    use proptest::strategy::ValueTree as _;
    let mut r = runner(n);
    (0..n).map(|_| strategy.new_tree(&mut r).unwrap().current()).collect()
}

async fn bodies_never_fail_the_server_or_store_refused_input(db: common::TestDb) {
    let f = app(db).await;
    let feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.5, 41.9]},
        "properties": {"id": "it-rm-fuzz", "name": "Fuzz", "category": "library", "country": "IT",
                       "coord_precision": "city", "opening_hours": "Mo-Fr 09:00-17:00"}})
    .to_string();
    let demand = json!({"date": "2026-11-30", "need": "housing", "channel": "phone", "requester": "other",
                        "area": "x-one", "referred_to": []})
    .to_string();
    let seeds: &'static [(&str, &str, &str, &str)] = &[
        ("POST", "/api/resources", "application/geo+json", "editor"),
        ("PUT", "/api/resources/it-rm-caritas", "application/geo+json", "editor"),
        ("PATCH", "/api/resources/it-rm-caritas", "application/merge-patch+json", "editor"),
        ("POST", "/api/demand", "application/json", "operator"),
    ];
    let cases = sample((0..seeds.len(), edits()), 240);
    let resources_before = f.db.store.resources_versioned().await.unwrap();
    let mut created = 0;
    let mut logged = 0;
    for (i, e) in cases {
        let (method, uri, ct, who) = seeds[i];
        let token = if who == "editor" { &f.editor } else { &f.operator };
        let seed = match (method, uri) {
            (_, "/api/demand") => demand.as_str(),
            ("PATCH", _) => r#"{"properties":{"phone":"+39 06 1234 5678"}}"#,
            _ => feature.as_str(),
        };
        let status = send(&f, method, uri, token, ct, mutated(seed, &e)).await;
        match (status.is_success(), uri) {
            (true, "/api/demand") => logged += 1,
            (true, "/api/resources") => created += 1,
            (true, _) => panic!("a mutated change to it-rm-caritas with a stale If-Match was applied"),
            (false, _) => {}
        }
    }
    // Only accepted inputs were stored; refused changes left the rest as it was.
    let after = f.db.store.resources_versioned().await.unwrap();
    assert_eq!(after.len(), resources_before.len() + created, "one resource per 201");
    for before in &resources_before {
        let same = |a: &witgis::store::Stored| a.resource == before.resource && a.version == before.version;
        assert!(after.iter().any(same), "{} changed", before.resource.id);
    }
    assert_eq!(f.db.store.demand(None, None).await.unwrap().len(), logged, "one record per 201");
}

async fn query_strings_never_fail_the_server(db: common::TestDb) {
    let f = app(db).await;
    let paths = vec![
        ("/api/coverage/demand", "viewer"),
        ("/api/coverage/suggest", "viewer"),
        ("/api/coverage", "viewer"),
        ("/api/coverage/gaps", "viewer"),
        ("/api/demand/summary", "operator"),
        ("/api/referral", "operator"),
        ("/api/places", "operator"),
        ("/api/areas", "viewer"),
    ];
    let names = vec![
        "from",
        "to",
        "need",
        "country",
        "period",
        "radius_km",
        "format",
        "by",
        "weight",
        "topic",
        "k",
        "lon",
        "lat",
        "q",
        "level",
        "category",
        "min_km",
        "kind",
        "x",
    ];
    let cases = sample(
        (
            prop::sample::select(paths),
            prop::collection::vec((prop::sample::select(names), "[-0-9a-zA-Z.,%&=éЖ+ ]{0,14}"), 0..5),
        ),
        160,
    );
    for ((path, who), query) in cases {
        let token = if who == "viewer" { &f.viewer } else { &f.operator };
        let qs: Vec<String> =
            query.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "+").replace('%', "%25"))).collect();
        let uri = format!("{path}?{}", qs.join("&"));
        send(&f, "GET", &uri, token, "application/json", String::new()).await;
    }
}

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::common::TestDb::sqlite().await).await } )*
        }
        mod postgis {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::common::TestDb::postgis().await).await } )*
        }
    };
}

suite!(bodies_never_fail_the_server_or_store_refused_input, query_strings_never_fail_the_server);
