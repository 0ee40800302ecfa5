//! The demand log attacked, over both stores: as a viewer differencing
//! `/api/coverage/demand` and `/api/coverage/suggest?weight=demand` by need,
//! period, range, country and radius; as an operator differencing
//! `/api/demand/summary` by day ranges and walking `/api/demand/{id}`; and by
//! waiting, to see published figures change; and as an operator padding a
//! cell with requests of their own. No answer may tell a log with one request
//! more from one without it, nor hold a count that is not a multiple of 5.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};
use witgis::clock::Clock;
use witgis::state::AppState;

use crate::common::TestDb;

macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::TestDb::sqlite().await, super::TestDb::sqlite().await).await } )*
        }
        mod postgis {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $case() { super::$case(super::TestDb::postgis().await, super::TestDb::postgis().await).await } )*
        }
    };
}

suite!(
    differencing_never_isolates_a_request,
    published_figures_match_an_independent_count,
    padding_a_cell_never_reveals_another_desk
);

fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

/// Two squares of our own drawing (0.05°, about 4 × 5.5 km) in Italy, far
/// from every seeded resource's point is irrelevant: they are test areas.
fn areas() -> Vec<witgis::model::Area> {
    let square = |id: &str, [w, s]: [f64; 2]| {
        let ring = json!([[w, s], [w + 0.05, s], [w + 0.05, s + 0.05], [w, s + 0.05], [w, s]]);
        json!({"type": "Feature", "properties": {"id": id, "name": id, "kind": "district", "country": "IT"},
               "geometry": {"type": "Polygon", "coordinates": [ring]}})
    };
    let fc = json!({"type": "FeatureCollection",
                    "features": [square("area-ii", [12.50, 41.91]), square("area-iii", [12.56, 41.93])]});
    witgis::formats::areas::read(&fc.to_string()).unwrap()
}

struct Desk {
    router: axum::Router,
    clock: Clock,
    tokens: BTreeMap<&'static str, String>,
    db: TestDb,
    /// Requests logged so far per cell (month, need, area), to spread each
    /// cell over the operators.
    logged: std::sync::Mutex<BTreeMap<String, usize>>,
}

/// The desks that log requests in these tests.
const DESKS: [&str; 3] = ["desk-a", "desk-b", "desk-c"];

impl Desk {
    async fn new(db: TestDb) -> Desk {
        db.store.import(&witgis::store::seed().unwrap(), &|_| {}).await.unwrap();
        db.store.import_areas(&areas()).await.unwrap();
        let mut tokens = BTreeMap::new();
        for (name, role) in [
            ("viewer", Role::Viewer),
            ("desk-a", Role::Operator),
            ("desk-b", Role::Operator),
            ("desk-c", Role::Operator),
        ] {
            let token = witgis::auth::new_token();
            db.store.create_token(name, role, &hash_token(&token)).await.unwrap();
            tokens.insert(name, token);
        }
        let clock = Clock::manual(at("2026-09-01T08:00:00Z"));
        // The attacker asks thousands of questions: no rate limit in the way.
        let many = witgis::throttle::Rate { burst: 1_000_000, every_ms: 1 };
        let limits = witgis::throttle::Limits {
            failed_tokens: witgis::throttle::Buckets::new(many),
            writes: witgis::throttle::Buckets::new(many),
        };
        let state = AppState::load(Arc::clone(&db.store), common::reference())
            .await
            .unwrap()
            .with_clock(clock.clone())
            .with_limits(limits);
        Desk { router: witgis::http::router(Arc::new(state)), clock, tokens, db, logged: Default::default() }
    }

    async fn call(&self, method: &str, uri: &str, who: &str, body: Option<Value>) -> (StatusCode, String) {
        let mut request = Request::builder()
            .method(method)
            .uri(uri)
            .header("authorization", format!("Bearer {}", self.tokens[who]));
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let body = body.map_or(Body::empty(), |b| Body::from(b.to_string()));
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// Logs a request on its own day, at 10:00 in Rome, by the desks in
    /// turn within each cell (issue 39, D6: a cell is published only when
    /// three desks logged in it; these tests are about other attacks, so
    /// their requests come from several desks, as at a real help desk).
    async fn log(&self, date: &str, need: &str, area: &str, referred: bool) -> StatusCode {
        let who = {
            let mut logged = self.logged.lock().unwrap();
            let n = logged.entry(format!("{} {need} {area}", &date[..7])).or_default();
            *n += 1;
            DESKS[(*n - 1) % DESKS.len()]
        };
        self.log_as(who, date, need, area, referred).await
    }

    /// Logs a request on its own day, at 10:00 in Rome, as `who`.
    async fn log_as(&self, who: &str, date: &str, need: &str, area: &str, referred: bool) -> StatusCode {
        self.clock.set(at(&format!("{date}T08:00:00Z")));
        let referred_to: Vec<&str> = if referred { vec!["it-rm-caritas"] } else { vec![] };
        let body = json!({"date": date, "need": need, "channel": "phone", "requester": "other",
                          "area": area, "referred_to": referred_to});
        self.call("POST", "/api/demand", who, Some(body)).await.0
    }
}

/// Every question an attacker might ask, as (who, path).
fn questions() -> Vec<(&'static str, String)> {
    let ranges = [
        "",
        "&from=2026-09-01&to=2026-10-31",
        "&from=2026-10-01&to=2026-10-16",
        "&from=2026-10-01&to=2026-10-17",
        "&from=2026-10-17&to=2026-10-17",
        "&from=2026-10-18",
        "&to=2026-09-30",
    ];
    let mut out = Vec::new();
    for range in ranges {
        for need in ["", "&need=housing", "&need=crisis", "&need=housing,crisis", "&need=crisis&need=youth"] {
            for period in ["all", "year", "quarter", "month"] {
                for radius in ["0", "25"] {
                    for country in ["", "&country=IT"] {
                        out.push((
                            "viewer",
                            format!("/api/coverage/demand?period={period}&radius_km={radius}{need}{range}{country}"),
                        ));
                    }
                }
            }
            out.push(("viewer", format!("/api/coverage/demand?format=csv&period=month{need}{range}")));
        }
        for topic in ["housing", "crisis"] {
            for radius in ["1", "25"] {
                out.push((
                    "viewer",
                    format!(
                        "/api/coverage/suggest?weight=demand&topic={topic}&radius_km={radius}&k=5{range}"
                    ),
                ));
            }
        }
        for by in ["need", "area", "month"] {
            for who in ["desk-a", "desk-b"] {
                out.push((who, format!("/api/demand/summary?by={by}{range}")));
            }
        }
    }
    out
}

/// Every count in an answer (JSON or CSV) is a multiple of 5 or `<5`.
fn assert_counts_are_published(path: &str, body: &str) {
    if path.contains("format=csv") {
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        for row in reader.records() {
            let row = row.unwrap();
            for i in [5, 6] {
                assert!(row[i] == *"<5" || row[i].parse::<u64>().unwrap() % 5 == 0, "{path}: {body}");
            }
        }
        return;
    }
    fn walk(v: &Value, key: &str, path: &str) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| walk(v, k, path)),
            Value::Array(a) => a.iter().for_each(|v| walk(v, key, path)),
            Value::Number(n) if is_count(key) => {
                let n = n.as_u64().unwrap();
                assert!(n % 5 == 0 && n >= 5, "{path}: {key} = {n}");
            }
            Value::String(s) if is_count(key) => assert_eq!(s, "<5", "{path}: {key}"),
            _ => {}
        }
    }
    fn is_count(key: &str) -> bool {
        ["requests", "unmet", "total", "count"].contains(&key)
            || key.ends_with("_requests")
            || key.contains("_requests_")
    }
    walk(&serde_json::from_str(body).unwrap(), "", path);
}

async fn answers(desk: &Desk) -> Vec<(String, StatusCode, String)> {
    let mut out = Vec::new();
    for (who, path) in questions() {
        let (status, body) = desk.call("GET", &path, who, None).await;
        assert!(status.is_success(), "{path}: {status} {body}");
        assert_counts_are_published(&path, &body);
        out.push((path, status, body));
    }
    out
}

/// The attack: Municipio II ("area-ii") has 10 requests in
/// September–October, 9 for housing, and one crisis call on 17 October.
/// Every question is asked of that log and of the same log without the
/// crisis call: the answers must be the same, byte for byte.
async fn differencing_never_isolates_a_request(a: TestDb, b: TestDb) {
    let with = Desk::new(a).await;
    let without = Desk::new(b).await;
    for desk in [&with, &without] {
        for day in 10..15 {
            assert_eq!(
                desk.log(&format!("2026-09-{day}"), "housing", "area-ii", true).await,
                StatusCode::CREATED
            );
        }
        for day in 3..7 {
            assert_eq!(
                desk.log(&format!("2026-10-{day:02}"), "housing", "area-ii", true).await,
                StatusCode::CREATED
            );
        }
        // Area III: 7 unmet youth requests in October (published as 5).
        for day in 20..27 {
            assert_eq!(
                desk.log(&format!("2026-10-{day}"), "youth", "area-iii", false).await,
                StatusCode::CREATED
            );
        }
    }
    assert_eq!(with.log("2026-10-17", "crisis", "area-ii", false).await, StatusCode::CREATED);
    // Both: one more crisis call on 31 October, logged that day.
    for desk in [&with, &without] {
        assert_eq!(desk.log("2026-10-31", "crisis", "area-ii", false).await, StatusCode::CREATED);
    }
    assert_eq!(with.db.store.demand(None, None).await.unwrap().len(), 18);
    assert_eq!(without.db.store.demand(None, None).await.unwrap().len(), 17);

    // While October is in progress, and until the 10th of November, it is
    // not published at all.
    for desk in [&with, &without] {
        desk.clock.set(at("2026-11-09T22:59:00Z"));
    }
    let (_, body) = with.call("GET", "/api/coverage/demand?need=crisis", "viewer", None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["published_through"], "2026-09");
    assert_eq!(answers(&with).await, answers(&without).await, "before October is published");

    // Published: every question, every combination.
    for desk in [&with, &without] {
        desk.clock.set(at("2026-11-10T09:00:00Z"));
    }
    let published = answers(&with).await;
    assert_eq!(published, answers(&without).await, "one request more changes no answer");
    let (_, body) =
        with.call("GET", "/api/coverage/demand?need=housing,crisis&period=all", "viewer", None).await;
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["published_through"], "2026-10");
    // September's 5 housing requests are published; October's 4 and the
    // crisis calls are not, in any total.
    assert_eq!(report["total"], 5, "{report}");
    assert_eq!(report["ranking"][0]["area"], "area-ii");

    // The operator's window: their own records, 24 hours. Walking every
    // real id (stronger than guessing one) finds nothing from another token
    // or from longer ago; ids are not numbers to count through.
    let ids: Vec<String> =
        with.db.store.demand(None, None).await.unwrap().into_iter().map(|d| d.id).collect();
    for id in &ids {
        for who in ["desk-a", "desk-b"] {
            let (status, _) = with.call("GET", &format!("/api/demand/{id}"), who, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} reads {id} after 24 hours");
            let (status, _) = with.call("DELETE", &format!("/api/demand/{id}"), who, None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who} withdraws {id} after 24 hours");
        }
    }
    for n in 1..=20 {
        let (status, _) = with.call("GET", &format!("/api/demand/{n}"), "desk-b", None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
    let (_, body) = with.call("GET", "/api/demand/recent", "desk-b", None).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["records"], json!([]));

    // Waiting does not help: October cannot grow or shrink once published
    // (no back-dating past 7 days, no withdrawal after 24 hours), so the
    // answers about it in December are those of November.
    let late = json!({"date": "2026-10-31", "need": "crisis", "channel": "phone", "requester": "other",
                      "area": "area-ii"});
    let (status, body) = with.call("POST", "/api/demand", "desk-a", Some(late)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    for day in 11..19 {
        assert_eq!(
            with.log(&format!("2026-11-{day}"), "crisis", "area-ii", false).await,
            StatusCode::CREATED
        );
    }
    with.clock.set(at("2026-12-10T09:00:00Z"));
    let about_october = |all: &[(String, StatusCode, String)]| -> Vec<(String, String)> {
        all.iter()
            .filter(|(p, _, _)| p.contains("to=2026-10") || p.contains("to=2026-09"))
            .map(|(p, _, b)| {
                let body = match serde_json::from_str::<Value>(b) {
                    Ok(Value::Object(mut m)) => {
                        m.remove("published_through");
                        Value::Object(m).to_string()
                    }
                    _ => b.clone(),
                };
                (p.clone(), body)
            })
            .collect()
    };
    let december = answers(&with).await;
    assert!(!about_october(&published).is_empty());
    assert_eq!(about_october(&published), about_october(&december));
    assert_ne!(published, december, "November is published by December");
}

/// A random log, set against a count made here from the log itself (not the
/// code under test): every published figure is the sum of the cells (month
/// × area × need, rounded to the nearest multiple of 5, those under 5 or
/// logged by fewer than 3 desks left out) that the question covers. Half the
/// requests come from one desk, so that some cells have enough requests but
/// too few desks.
async fn published_figures_match_an_independent_count(a: TestDb, _b: TestDb) {
    let desk = Desk::new(a).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(15);
    let needs = ["housing", "crisis", "youth"];
    let areas = ["area-ii", "area-iii"];
    let mut log: Vec<(String, &str, &str, &str)> = Vec::new();
    for month in [9, 10] {
        for day in 1..=28 {
            for _ in 0..rng.random_range(0..3) {
                let (need, area) = (needs[rng.random_range(0..3)], areas[rng.random_range(0..2)]);
                let who = if rng.random_bool(0.5) { "desk-a" } else { DESKS[rng.random_range(1..3)] };
                let date = format!("2026-{month:02}-{day:02}");
                assert_eq!(desk.log_as(who, &date, need, area, true).await, StatusCode::CREATED);
                log.push((date, need, area, who));
            }
        }
    }
    desk.clock.set(at("2026-11-10T09:00:00Z"));
    // The oracle: raw cells, then rounded by hand.
    let mut raw: BTreeMap<(String, String, String), (u64, std::collections::BTreeSet<&str>)> =
        BTreeMap::new();
    for (date, need, area, who) in &log {
        let cell = raw.entry((date[..7].to_owned(), area.to_string(), need.to_string())).or_default();
        cell.0 += 1;
        cell.1.insert(who);
    }
    let round = |(n, desks): &(u64, std::collections::BTreeSet<&str>)| match n {
        _ if desks.len() < 3 => 0,
        0..=4 => 0,
        n => ((*n as f64 / 5.0).round() as u64) * 5,
    };
    let too_few_desks = raw.values().filter(|(n, desks)| *n >= 5 && desks.len() < 3).count();
    let published = raw.values().filter(|c| round(c) > 0).count();
    assert!(
        too_few_desks > 0 && published > 0,
        "the log exercises both sides of the rule: {too_few_desks} {published}"
    );
    let expect = |f: &dyn Fn(&str, &str, &str) -> bool| -> u64 {
        raw.iter().filter(|((m, a, n), _)| f(m, a, n)).map(|(_, c)| round(c)).sum()
    };
    let shown = |v: &Value| v.as_u64().unwrap_or(0);
    for need in needs {
        for (range, month) in [("", None), ("&from=2026-10-01&to=2026-10-20", Some("2026-10"))] {
            let path = format!("/api/coverage/demand?need={need}&period=month{range}");
            let (_, body) = desk.call("GET", &path, "viewer", None).await;
            let report: Value = serde_json::from_str(&body).unwrap();
            let total = expect(&|m, _, n| n == need && month.is_none_or(|x| x == m));
            assert_eq!(shown(&report["total"]), total, "{path}: {report}");
            for r in report["rows"].as_array().unwrap() {
                let (m, a) = (r["period"].as_str().unwrap(), r["area"].as_str().unwrap());
                let key = (m.to_owned(), a.to_owned(), need.to_owned());
                assert_eq!(shown(&r["requests"]), round(&raw[&key]), "{path}: {r}");
            }
            let rows = report["rows"].as_array().unwrap().len();
            let cells = raw
                .iter()
                .filter(|((m, _, n), c)| n == need && round(c) > 0 && month.is_none_or(|x| x == m))
                .count();
            assert_eq!(rows, cells, "{path}: one row per published cell");
        }
        let (_, body) = desk.call("GET", "/api/demand/summary?by=need", "desk-b", None).await;
        let summary: Value = serde_json::from_str(&body).unwrap();
        let group = summary["groups"].as_array().unwrap().iter().find(|g| g["key"] == need);
        assert_eq!(group.map_or(0, |g| shown(&g["count"])), expect(&|_, _, n| n == need), "{summary}");
    }
    for area in areas {
        let (_, body) = desk.call("GET", "/api/demand/summary?by=area", "desk-b", None).await;
        let summary: Value = serde_json::from_str(&body).unwrap();
        let group = summary["groups"].as_array().unwrap().iter().find(|g| g["key"] == area);
        assert_eq!(group.map_or(0, |g| shown(&g["count"])), expect(&|_, a, _| a == area), "{summary}");
    }
}

/// Issue 39 (D6): an operator (desk-a) pads October's housing cell of
/// area II with 4 requests of their own, and its crisis cell with 4 referred
/// nowhere, then asks every question once the month is published. The log
/// where one other desk logged a housing request there (and a crisis request
/// referred nowhere rather than somewhere) must give the same answers, byte
/// for byte, as the log without. A cell that three desks logged in is
/// published, so the rule does not simply hide everything.
async fn padding_a_cell_never_reveals_another_desk(a: TestDb, b: TestDb) {
    let with = Desk::new(a).await;
    let without = Desk::new(b).await;
    for desk in [&with, &without] {
        for day in 3..7 {
            let date = format!("2026-10-{day:02}");
            assert_eq!(desk.log_as("desk-a", &date, "housing", "area-ii", true).await, StatusCode::CREATED);
            assert_eq!(desk.log_as("desk-a", &date, "crisis", "area-ii", false).await, StatusCode::CREATED);
        }
        assert_eq!(desk.log_as("desk-c", "2026-10-08", "crisis", "area-ii", true).await, StatusCode::CREATED);
        // Three desks in September's youth cell of area III: published.
        for (day, who) in [(10, "desk-a"), (11, "desk-a"), (12, "desk-a"), (13, "desk-b"), (14, "desk-c")] {
            let date = format!("2026-09-{day}");
            assert_eq!(desk.log_as(who, &date, "youth", "area-iii", true).await, StatusCode::CREATED);
        }
    }
    assert_eq!(with.log_as("desk-b", "2026-10-09", "housing", "area-ii", true).await, StatusCode::CREATED);
    assert_eq!(with.log_as("desk-b", "2026-10-09", "crisis", "area-ii", false).await, StatusCode::CREATED);
    assert_eq!(without.log_as("desk-b", "2026-10-09", "crisis", "area-ii", true).await, StatusCode::CREATED);
    for desk in [&with, &without] {
        desk.clock.set(at("2026-11-10T09:00:00Z"));
    }
    assert_eq!(answers(&with).await, answers(&without).await, "the other desk's request is not revealed");
    let (_, body) = with.call("GET", "/api/demand/summary?by=need", "desk-a", None).await;
    let summary: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        summary["groups"],
        json!([{"key": "crisis", "count": 5}, {"key": "youth", "count": 5}]),
        "{summary}"
    );
    let (_, body) = with.call("GET", "/api/coverage/demand?need=crisis&radius_km=0", "viewer", None).await;
    let report: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(report["total"], 5, "{report}");
}

/// Records logged before ids became random get random ids too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_sequential_ids_become_random() {
    use sqlx::Connection as _;
    let insert = "INSERT INTO demand (date, need, channel, requester, area, created_by) VALUES \
                  ('2026-01-05', 'housing', 'phone', 'other', 'area-ii', 'desk'), \
                  ('2026-01-06', 'youth', 'email', 'other', 'area-ii', 'desk')";
    // SQLite: the schema as it was, two records, then the current one.
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let old = witgis::store::migrations::SQLITE.first(4).migrator().await.unwrap();
    assert_eq!(old.iter().last().map(|m| m.version), Some(4));
    let mut c = sqlx::SqliteConnection::connect(&sqlite).await.unwrap();
    old.run(&mut c).await.unwrap();
    sqlx::raw_sql(insert).execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    // PostGIS likewise.
    let pg = common::pg::fresh_database(&common::pg::admin_url()).await;
    let old = witgis::store::migrations::POSTGRES.first(3).migrator().await.unwrap();
    assert_eq!(old.iter().last().map(|m| m.version), Some(3));
    let mut c = sqlx::PgConnection::connect(&pg).await.unwrap();
    old.run(&mut c).await.unwrap();
    sqlx::raw_sql(insert).execute(&mut c).await.unwrap();
    c.close().await.unwrap();

    for url in [sqlite, pg] {
        let store = witgis::store::open(&url).await.unwrap();
        let records = store.demand(None, None).await.unwrap();
        assert_eq!(records.len(), 2, "{url}");
        assert!(records.iter().all(|d| witgis::model::demand::is_id(&d.id)), "{records:?}");
        assert_ne!(records[0].id, records[1].id);
        assert_eq!((records[0].date.to_string(), records[1].need.as_str()), ("2026-01-05".into(), "youth"));
    }
}
