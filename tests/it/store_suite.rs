//! One store suite, run against both SQLite and a real PostGIS (a throwaway
//! cluster the harness starts, or `DATABASE_URL`): imports, all-or-nothing,
//! reload, writes with versions, soft delete and restore, history, tokens;
//! then the HTTP write API over each store.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};
use witgis::formats::geojson::feature;
use witgis::model::Resource;
use witgis::model::Topic;
use witgis::model::demand::{Channel, NewDemand, Requester};
use witgis::state::AppState;
use witgis::store::{StoreError, Write};

use crate::common::TestDb;

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
    import_round_trips_every_field,
    import_keeps_every_character_and_coordinate_bit,
    import_is_all_or_nothing,
    the_start_up_read_is_every_live_record_as_read_one_by_one,
    reimport_replaces_and_records_history,
    reimport_brings_back_a_deleted_record,
    reload_sees_changes,
    writes_check_versions,
    concurrent_writers_lose_no_update,
    soft_delete_restore_and_history,
    with_prefix_reads_one_sources_records_deleted_too,
    tokens_store_only_hashes,
    seed_once_seeds_once,
    provenance_and_open_questions_round_trip_through_writes,
    a_fresh_store_is_seeded_with_rome_s_municipi_once,
    http_bad_provenance_is_a_422_naming_the_entry,
    http_needs_a_token_and_a_role,
    http_create_is_visible_at_once,
    http_bad_input_changes_nothing,
    http_patch_delete_restore_history,
    http_write_reaches_the_snapshot_when_the_client_leaves,
    areas_round_trip_and_reach_the_snapshot,
    demand_is_appended_and_listed_by_date,
    http_demand_needs_an_operator,
    http_demand_refuses_personal_fields_and_stores_nothing,
    http_demand_point_becomes_its_municipio,
    http_demand_summary_hides_small_counts,
    http_demand_against_supply_ranks_unmet_areas,
    status_and_alerts_round_trip,
    http_implausible_points_are_refused_unless_overridden,
    http_future_days_are_refused_by_the_apps_clock,
    http_website_scheme_case_is_the_same_in_both_stores,
);

fn seed() -> Vec<Resource> {
    witgis::store::seed().unwrap()
}

fn resource(id: &str, lon: f64, lat: f64) -> Resource {
    let props = json!({"id": id, "name": format!("Place {id}"), "category": "library", "country": "IT",
                       "coord_precision": "street", "topics": ["research"], "phone": "+39 06 1234"});
    Resource::from_properties(props.as_object().unwrap(), Some([lon, lat])).unwrap()
}

fn renamed(r: &Resource, name: &str) -> Resource {
    let mut props = r.properties();
    props.insert("name".into(), json!(name));
    Resource::from_properties(&props, r.point()).unwrap()
}

async fn import_round_trips_every_field(db: TestDb) {
    let mut seed = seed();
    let counts = db.store.import(&seed, &|_| {}).await.unwrap();
    assert_eq!((counts.created, counts.updated), (seed.len(), 0));
    seed.sort_by(|a, b| a.id.cmp(&b.id));
    let stored = db.store.resources_versioned().await.unwrap();
    assert_eq!(stored.iter().map(|s| s.resource.clone()).collect::<Vec<_>>(), seed);
    assert!(stored.iter().all(|s| s.version == 1));
    assert!(seed.iter().any(|r| r.point().is_none()), "the seed has services without a place");
}

/// Text that JSON, SQL and COPY each escape (quotes, backslashes, `$`, `'`,
/// `{}`, non-Latin letters, an emoji), a day, and coordinates
/// whose last bit matters come back from an import exactly as given.
async fn import_keeps_every_character_and_coordinate_bit(db: TestDb) {
    let awkward = "\"quoted\" back\\slash {a,b} \\N, it's $1 — Ψυχή Šiauliai 🧠";
    let props = json!({"id": "odd-one", "name": awkward, "category": "library", "country": "LT",
                       "description": awkward, "address": "a\\tb\\\\c", "coord_precision": "building",
                       "last_verified": "2026-02-28",
                       "topics": ["research"], "languages": ["lt", "en"], "target_groups": ["youth"]});
    let odd =
        Resource::from_properties(props.as_object().unwrap(), Some([25.279_651_000_000_004, 54.687_156_1]))
            .unwrap();
    let bare = Resource::from_properties(
        json!({"id": "bare-one", "name": "Bare", "category": "self_help_group", "country": "DE"})
            .as_object()
            .unwrap(),
        None,
    )
    .unwrap();
    db.store.import(&[odd.clone(), bare.clone()], &|_| {}).await.unwrap();
    assert_eq!(db.store.get("odd-one").await.unwrap().unwrap().resource, odd);
    assert_eq!(db.store.get("bare-one").await.unwrap().unwrap().resource, bare);
    let point = db.store.get("odd-one").await.unwrap().unwrap().resource.point().unwrap();
    assert_eq!(point.map(f64::to_bits), [25.279_651_000_000_004_f64, 54.687_156_1].map(f64::to_bits));
}

/// The start-up read (SQLite reads a thousand records per statement) gives
/// every live record, in id order, exactly as reading each one alone does:
/// every coordinate bit, versions, times; deleted records left out, even a
/// run of them longer than a batch.
async fn the_start_up_read_is_every_live_record_as_read_one_by_one(db: TestDb) {
    // Coordinates with all 52 mantissa bits in use, from a fixed LCG.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut unit = move || {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut records: Vec<Resource> = (0..4000)
        .map(|k| resource(&format!("r-{k:05}"), -180.0 + 360.0 * unit(), -90.0 + 180.0 * unit()))
        .collect();
    records.push(seed().into_iter().find(|r| r.point().is_none()).unwrap());
    db.store.import(&records, &|_| {}).await.unwrap();
    // A run longer than one batch, and a scattered few.
    for k in (1020..2060).chain([0, 7, 3999]) {
        db.store.write(Write::Delete { id: format!("r-{k:05}"), if_version: Some(1) }, "dora").await.unwrap();
    }
    db.store
        .write(Write::Replace { resource: renamed(&records[5], "Renamed"), if_version: 1 }, "dora")
        .await
        .unwrap();

    let loaded = db.store.resources_versioned().await.unwrap();
    let mut ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    let mut expected = Vec::new();
    for id in ids {
        let one = db.store.get(id).await.unwrap().unwrap();
        if !one.deleted {
            expected.push(one);
        }
    }
    assert_eq!(loaded.len(), expected.len());
    for (got, want) in loaded.iter().zip(&expected) {
        assert_eq!(got.resource, want.resource);
        assert_eq!(
            got.resource.point().map(|p| p.map(f64::to_bits)),
            want.resource.point().map(|p| p.map(f64::to_bits))
        );
        assert_eq!(
            (got.version, got.deleted, got.updated_at),
            (want.version, want.deleted, want.updated_at),
            "{}",
            want.resource.id
        );
    }
}

async fn import_is_all_or_nothing(db: TestDb) {
    let (a, b) = (resource("a-one", 12.5, 41.9), resource("b-two", 13.4, 52.5));
    db.store.import(&[a.clone(), b.clone()], &|_| {}).await.unwrap();
    db.poison("c-three").await;
    let batch = [renamed(&a, "Changed"), resource("c-three", 23.3, 42.7), resource("d-four", 25.3, 54.7)];
    let err = db.store.import(&batch, &|_| {}).await;
    assert!(err.is_err(), "the poisoned row must fail the import");
    let after: Vec<Resource> = db.store.resources().await.unwrap();
    assert_eq!(after, vec![a, b], "nothing of the failed import may remain");
    assert!(db.store.history("d-four").await.unwrap().is_empty());
    assert_eq!(db.store.history("a-one").await.unwrap().len(), 1);
}

async fn reimport_replaces_and_records_history(db: TestDb) {
    let a = resource("a-one", 12.5, 41.9);
    db.store.import(std::slice::from_ref(&a), &|_| {}).await.unwrap();
    let counts =
        db.store.import(&[renamed(&a, "Renamed"), resource("b-two", 1.0, 2.0)], &|_| {}).await.unwrap();
    assert_eq!((counts.created, counts.updated), (1, 1));
    let got = db.store.get("a-one").await.unwrap().unwrap();
    assert_eq!((got.resource.name.as_str(), got.version, got.deleted), ("Renamed", 2, false));
    let history = db.store.history("a-one").await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].action, "import");
    assert_eq!(history[1].before, history[0].after, "before is the previous state");
    assert_eq!(history[1].after, Some(feature(&got.resource, [])));
}

/// A deleted record named again by an import is live again: one version
/// later, counted as replaced, its history going on from the last Feature
/// it had (a deletion records none).
async fn reimport_brings_back_a_deleted_record(db: TestDb) {
    let a = resource("a-one", 12.5, 41.9);
    db.store.write(Write::Create(a.clone()), "alice").await.unwrap();
    db.store.write(Write::Delete { id: "a-one".into(), if_version: Some(1) }, "carol").await.unwrap();
    let counts = db.store.import(&[renamed(&a, "Back"), resource("b-two", 1.0, 2.0)], &|_| {}).await.unwrap();
    assert_eq!((counts.created, counts.updated), (1, 1));
    let got = db.store.get("a-one").await.unwrap().unwrap();
    assert_eq!((got.resource.name.as_str(), got.version, got.deleted), ("Back", 3, false));
    let history = db.store.history("a-one").await.unwrap();
    let versions: Vec<(i64, &str)> = history.iter().map(|c| (c.version, c.action.as_str())).collect();
    assert_eq!(versions, [(1, "create"), (2, "delete"), (3, "import")]);
    assert_eq!(history[2].before, history[0].after, "before is the last state it had");
    assert_eq!(history[2].after, Some(feature(&got.resource, [])));
    let b = db.store.history("b-two").await.unwrap();
    assert_eq!((b.len(), b[0].version, b[0].before.is_none()), (1, 1, true));
}

async fn reload_sees_changes(db: TestDb) {
    let state = AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap();
    assert!(state.snapshot().index().is_empty());
    db.store.import(&seed(), &|_| {}).await.unwrap();
    assert!(state.snapshot().index().is_empty(), "the snapshot changes only on reload");
    state.reload().await.unwrap();
    assert_eq!(state.snapshot().index().len(), seed().len());
}

async fn writes_check_versions(db: TestDb) {
    let a = resource("a-one", 12.5, 41.9);
    let created = db.store.write(Write::Create(a.clone()), "alice").await.unwrap();
    assert_eq!((created.version, created.deleted), (1, false));
    let again = db.store.write(Write::Create(a.clone()), "alice").await;
    assert!(matches!(again, Err(StoreError::AlreadyExists { deleted: false, .. })), "{again:?}");
    let stale = db.store.write(Write::Replace { resource: renamed(&a, "X"), if_version: 7 }, "bob").await;
    assert!(matches!(stale, Err(StoreError::VersionMismatch { current: 1, .. })), "{stale:?}");
    assert_eq!(db.store.get("a-one").await.unwrap().unwrap().resource, a, "a stale write changes nothing");
    let replaced =
        db.store.write(Write::Replace { resource: renamed(&a, "New"), if_version: 1 }, "bob").await;
    assert_eq!(replaced.unwrap().version, 2);
    let missing =
        db.store.write(Write::Replace { resource: resource("zz", 0.0, 0.0), if_version: 1 }, "bob").await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let got = db.store.get("a-one").await.unwrap().unwrap();
    assert_eq!((got.resource.name.as_str(), got.version), ("New", 2));
    assert_eq!(db.store.resources_versioned().await.unwrap()[0].version, 2);
}

async fn concurrent_writers_lose_no_update(db: TestDb) {
    let a = resource("a-one", 12.5, 41.9);
    db.store.write(Write::Create(a.clone()), "alice").await.unwrap();
    // Eight editors all changed version 1 at once: exactly one may win.
    let writers: Vec<_> = (0..8)
        .map(|i| {
            let store = Arc::clone(&db.store);
            let resource = renamed(&a, &format!("Writer {i}"));
            tokio::spawn(async move { store.write(Write::Replace { resource, if_version: 1 }, "w").await })
        })
        .collect();
    let mut won = Vec::new();
    for (i, writer) in writers.into_iter().enumerate() {
        match writer.await.unwrap() {
            Ok(stored) => won.push((i, stored.version)),
            Err(StoreError::VersionMismatch { current: 2, .. }) => {}
            Err(e) => panic!("writer {i}: {e}"),
        }
    }
    assert_eq!(won.len(), 1, "{won:?}");
    let (winner, version) = won[0];
    assert_eq!(version, 2);
    let got = db.store.get("a-one").await.unwrap().unwrap();
    assert_eq!((got.resource.name, got.version), (format!("Writer {winner}"), 2));
    assert_eq!(db.store.history("a-one").await.unwrap().len(), 2);
}

async fn with_prefix_reads_one_sources_records_deleted_too(db: TestDb) {
    let ids = ["osm-node-2", "a-osm-1", "osm-node-1", "osmx-1", "osm", "os-1", "osm-way-7"];
    for (k, id) in ids.iter().enumerate() {
        db.store.write(Write::Create(resource(id, 12.0 + k as f64 / 10.0, 41.9)), "alice").await.unwrap();
    }
    db.store.write(Write::Delete { id: "osm-node-2".into(), if_version: Some(1) }, "bob").await.unwrap();

    let got = db.store.with_prefix("osm-").await.unwrap();
    let seen: Vec<(&str, bool)> = got.iter().map(|s| (s.resource.id.as_str(), s.deleted)).collect();
    let mut expected: Vec<(&str, bool)> =
        ids.iter().filter(|id| id.starts_with("osm-")).map(|&id| (id, id == "osm-node-2")).collect();
    expected.sort();
    assert_eq!(seen, expected, "the records of one source, the deleted one flagged, in id order");
    assert!(db.store.with_prefix("none-").await.unwrap().is_empty());
}

async fn soft_delete_restore_and_history(db: TestDb) {
    let a = resource("a-one", 12.5, 41.9);
    db.store.write(Write::Create(a.clone()), "alice").await.unwrap();
    db.store.write(Write::Replace { resource: renamed(&a, "B"), if_version: 1 }, "bob").await.unwrap();
    let stale = db.store.write(Write::Delete { id: "a-one".into(), if_version: Some(1) }, "carol").await;
    assert!(matches!(stale, Err(StoreError::VersionMismatch { current: 2, .. })), "{stale:?}");
    let deleted =
        db.store.write(Write::Delete { id: "a-one".into(), if_version: Some(2) }, "carol").await.unwrap();
    assert_eq!((deleted.version, deleted.deleted), (3, true));
    assert!(db.store.resources().await.unwrap().is_empty());
    assert!(db.store.get("a-one").await.unwrap().unwrap().deleted);
    for write in [
        Write::Replace { resource: a.clone(), if_version: 3 },
        Write::Delete { id: "a-one".into(), if_version: None },
    ] {
        let err = db.store.write(write, "x").await;
        assert!(matches!(err, Err(StoreError::Deleted(_))), "{err:?}");
    }
    let recreate = db.store.write(Write::Create(a.clone()), "x").await;
    assert!(matches!(recreate, Err(StoreError::AlreadyExists { deleted: true, .. })), "{recreate:?}");
    let restored = db.store.write(Write::Restore { id: "a-one".into() }, "root").await.unwrap();
    assert_eq!((restored.version, restored.deleted, restored.resource.name.as_str()), (4, false, "B"));
    let again = db.store.write(Write::Restore { id: "a-one".into() }, "root").await;
    assert!(matches!(again, Err(StoreError::NotDeleted(_))), "{again:?}");
    assert_eq!(db.store.resources().await.unwrap().len(), 1);

    let history = db.store.history("a-one").await.unwrap();
    let summary: Vec<(i64, &str, &str)> =
        history.iter().map(|c| (c.version, c.action.as_str(), c.actor.as_str())).collect();
    assert_eq!(
        summary,
        [(1, "create", "alice"), (2, "update", "bob"), (3, "delete", "carol"), (4, "restore", "root")]
    );
    let name = |v: &Option<Value>| v.as_ref().map(|f| f["properties"]["name"].clone());
    assert_eq!((name(&history[0].before), name(&history[0].after)), (None, Some(json!("Place a-one"))));
    assert_eq!(
        (name(&history[1].before), name(&history[1].after)),
        (Some(json!("Place a-one")), Some(json!("B")))
    );
    assert_eq!((name(&history[2].before), name(&history[2].after)), (Some(json!("B")), None));
    assert_eq!((name(&history[3].before), name(&history[3].after)), (None, Some(json!("B"))));
    assert!(history.iter().all(|c| c.at.ends_with('Z') && c.at.len() >= 20), "{:?}", history[0].at);
}

async fn tokens_store_only_hashes(db: TestDb) {
    let token = witgis::auth::new_token();
    db.store.create_token("alice", Role::Editor, &hash_token(&token)).await.unwrap();
    let dup = db.store.create_token("alice", Role::Admin, &hash_token("other")).await;
    assert!(matches!(dup, Err(StoreError::TokenExists(_))), "{dup:?}");
    let found = db.store.token(&hash_token(&token)).await.unwrap().unwrap();
    assert_eq!((found.name.as_str(), found.role, found.revoked), ("alice", Role::Editor, false));
    assert!(db.store.token(&hash_token("wrong")).await.unwrap().is_none());
    assert!(db.store.revoke_token("alice").await.unwrap());
    assert!(!db.store.revoke_token("alice").await.unwrap());
    assert!(db.store.token(&hash_token(&token)).await.unwrap().is_none(), "a revoked token is refused");
    let list = db.store.tokens().await.unwrap();
    assert_eq!(list.len(), 1);
    assert!(list[0].revoked);
    db.raw_sql("SELECT 1").await;
}

async fn seed_once_seeds_once(db: TestDb) {
    assert!(db.store.seed_once(&seed()).await.unwrap());
    assert!(!db.store.seed_once(&seed()).await.unwrap());
    let first = db.store.history(&seed()[0].id).await.unwrap();
    assert_eq!((first.len(), first[0].actor.as_str()), (1, "seed"));
}

/// A record with provenance (awkward text, dates, a copy, a licence) and
/// open questions comes back exactly as written, through a create, a
/// replace that drops them, and the history.
async fn provenance_and_open_questions_round_trip_through_writes(db: TestDb) {
    let props = json!({"id": "p-one", "name": "Sourced", "category": "mental_health_centre", "country": "IT",
        "coord_precision": "building", "phone": "06 1234",
        "provenance": [
            {"facts": ["phone", "opening_hours"], "publisher": "ASL Roma 2 — \"DSM\" {a,b} it's $1",
             "url": "https://www.aslroma2.it/a.pdf?x=1&y=%22", "document": "Guida DSM",
             "page_date": "2025-11-21", "read_on": "2026-09-21", "via_copy": true, "copy": "someone/dataset"},
            {"facts": ["location"], "publisher": "OpenStreetMap contributors",
             "url": "https://www.openstreetmap.org/node/1", "licence": "ODbL-1.0"}
        ],
        "open_questions": ["Phone: 06 1 (rubrica, 2026) vs 06 2 (site page; 2024)?", "Ψυχή Šiauliai 🧠"]});
    let r = Resource::from_properties(props.as_object().unwrap(), Some([12.5, 41.9])).unwrap();
    assert_eq!((r.provenance.len(), r.open_questions.len()), (2, 2));
    db.store.write(Write::Create(r.clone()), "alice").await.unwrap();
    assert_eq!(db.store.get("p-one").await.unwrap().unwrap().resource, r);
    let mut bare = r.properties();
    bare.remove("provenance");
    bare.insert("open_questions".into(), json!([]));
    let bare = Resource::from_properties(&bare, r.point()).unwrap();
    db.store.write(Write::Replace { resource: bare.clone(), if_version: 1 }, "bob").await.unwrap();
    let got = db.store.get("p-one").await.unwrap().unwrap().resource;
    assert_eq!(got, bare);
    assert!(got.provenance.is_empty() && got.open_questions.is_empty());
    // The start-up read gives the same.
    let all = db.store.resources_versioned().await.unwrap();
    assert_eq!(all.iter().find(|s| s.resource.id == "p-one").map(|s| &s.resource), Some(&bare));
    let history = db.store.history("p-one").await.unwrap();
    assert_eq!(history[0].after.as_ref().unwrap()["properties"]["provenance"], json!(r.provenance));
    // The written entries, as the model reads them (`via_copy` false when not given).
    assert_eq!(json!(r.provenance)[0]["publisher"], props["provenance"][0]["publisher"]);
    assert_eq!(json!(r.provenance)[1]["via_copy"], false);
}

/// A fresh store gets the shipped municipi with the seed; a store that had
/// areas before its first start keeps them; a second start adds nothing.
async fn a_fresh_store_is_seeded_with_rome_s_municipi_once(db: TestDb) {
    let areas = witgis::store::seed_areas().unwrap();
    assert_eq!(areas.len(), 15);
    assert!(db.store.seed_once_with(&seed(), &areas).await.unwrap());
    let stored = db.store.areas().await.unwrap();
    assert_eq!(
        stored.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        areas.iter().map(|a| a.id.as_str()).collect::<Vec<_>>()
    );
    assert!(!db.store.seed_once_with(&seed(), &areas).await.unwrap());
    let state = AppState::load(db.store.clone(), common::reference()).await.unwrap();
    let snapshot = state.snapshot();
    // Torre Angela (Municipio VI) and Piazza Venezia (I), on the real outlines.
    for ([lon, lat], want) in
        [([12.6195, 41.8675], "it-rm-municipio-06"), ([12.4823, 41.8958], "it-rm-municipio-01")]
    {
        let at: Vec<&str> = snapshot.areas_at(lon, lat).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(at, [want]);
    }

    // Areas loaded before the first start are kept as they are.
    let other = TestDb::sqlite().await;
    other.store.import_areas(&common::rome_municipi()[..3]).await.unwrap();
    assert!(other.store.seed_once_with(&seed(), &areas).await.unwrap());
    assert_eq!(other.store.areas().await.unwrap().len(), 3);
}

// --- The HTTP write API over each store -----------------------------------

struct App {
    router: axum::Router,
    db: TestDb,
    tokens: Vec<(Role, String)>,
    /// The service's clock, moved by hand.
    clock: witgis::clock::Clock,
}

/// A time, UTC.
fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
    t.parse().unwrap()
}

impl App {
    async fn new(db: TestDb) -> App {
        db.store.import(&seed(), &|_| {}).await.unwrap();
        let mut tokens = Vec::new();
        for role in Role::ALL {
            let token = witgis::auth::new_token();
            db.store.create_token(role.as_str(), role, &hash_token(&token)).await.unwrap();
            tokens.push((role, token));
        }
        let clock = witgis::clock::Clock::manual(at("2026-02-12T09:00:00Z"));
        let state = Arc::new(
            AppState::load(Arc::clone(&db.store), common::reference())
                .await
                .unwrap()
                .with_clock(clock.clone()),
        );
        App { router: witgis::http::router(state), db, tokens, clock }
    }

    fn token(&self, role: Role) -> String {
        format!("Bearer {}", self.tokens.iter().find(|(r, _)| *r == role).unwrap().1)
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, String)],
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response =
            self.router.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
        if !status.is_success() {
            assert_eq!(headers["content-type"], "application/problem+json", "{status} {json}");
            assert_eq!(json["status"], status.as_u16(), "{json}");
        }
        (status, headers, json)
    }

    fn auth(&self, role: Role) -> (&'static str, String) {
        ("authorization", self.token(role))
    }
}

fn geojson() -> (&'static str, String) {
    ("content-type", "application/geo+json".into())
}

fn new_feature(id: &str) -> String {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [-20.5, 63.9]},
           "properties": {"id": id, "name": "Far north", "category": "crisis_service", "country": "IS",
                          "coord_precision": "building"}})
    .to_string()
}

async fn http_needs_a_token_and_a_role(db: TestDb) {
    let app = App::new(db).await;
    let body = new_feature("is-far-north");
    let (status, headers, _) = app.call("POST", "/api/resources", &[geojson()], &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(headers["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let bad = ("authorization", "Bearer wg_nope".to_owned());
    assert_eq!(
        app.call("POST", "/api/resources", &[geojson(), bad], &body).await.0,
        StatusCode::UNAUTHORIZED
    );
    let basic = ("authorization", "Basic YTpi".to_owned());
    assert_eq!(
        app.call("POST", "/api/resources", &[geojson(), basic], &body).await.0,
        StatusCode::UNAUTHORIZED
    );
    for role in [Role::Viewer, Role::Operator] {
        let (status, _, _) = app.call("POST", "/api/resources", &[geojson(), app.auth(role)], &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
    }
    let (status, _, _) = app.call("POST", "/api/resources/x/restore", &[app.auth(Role::Editor)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.call("GET", "/api/resources/x/history", &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.db.store.get("is-far-north").await.unwrap().is_none(), "nothing was written");
    app.db.store.revoke_token("editor").await.unwrap();
    let (status, _, _) =
        app.call("POST", "/api/resources", &[geojson(), app.auth(Role::Editor)], &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token is refused");
}

async fn http_create_is_visible_at_once(db: TestDb) {
    let app = App::new(db).await;
    let editor = app.auth(Role::Editor);
    let (status, headers, json) =
        app.call("POST", "/api/resources", &[geojson(), editor.clone()], &new_feature("is-far-north")).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(headers["location"], "/api/resources/is-far-north");
    assert_eq!(headers["etag"], "\"v1\"");
    assert_eq!(json["properties"]["name"], "Far north");
    let (status, headers, _) = app.call("GET", "/api/resources/is-far-north", &[], "").await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v1\""));
    // Nothing else of the seed is in Iceland: the new one is the nearest.
    let (_, _, near) = app.call("GET", "/api/nearest?lon=-20.5&lat=63.9&k=1", &[], "").await;
    assert_eq!(near["features"][0]["id"], "is-far-north", "{near}");
    let (_, _, list) = app.call("GET", "/api/resources?country=IS", &[], "").await;
    assert_eq!(list["numberMatched"], 1);
    let (status, _, _) =
        app.call("POST", "/api/resources", &[geojson(), editor], &new_feature("is-far-north")).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn http_bad_provenance_is_a_422_naming_the_entry(db: TestDb) {
    let app = App::new(db).await;
    let editor = app.auth(Role::Editor);
    let mut f: Value = serde_json::from_str(&new_feature("is-sourced")).unwrap();
    f["properties"]["provenance"] =
        json!([{"publisher": "ASL", "url": "javascript:alert(1)"}, {"url": "https://example.org/a"}]);
    let (status, headers, body) =
        app.call("POST", "/api/resources", &[geojson(), editor.clone()], &f.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let text = body.to_string();
    assert!(text.contains("provenance[0].url") && text.contains("provenance[1].publisher"), "{text}");
    assert!(app.db.store.get("is-sourced").await.unwrap().is_none(), "nothing stored");
    f["properties"]["provenance"] =
        json!([{"publisher": "ASL Roma 2", "page_date": "2025-11-21", "via_copy": true}]);
    let (status, _, body) = app.call("POST", "/api/resources", &[geojson(), editor], &f.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["properties"]["provenance"][0]["publisher"], "ASL Roma 2");
    assert_eq!(body["properties"]["last_verified"], Value::Null);
}

async fn http_bad_input_changes_nothing(db: TestDb) {
    let app = App::new(db).await;
    let id = seed()[0].id.clone();
    let path = format!("/api/resources/{id}");
    let before = app.db.store.get(&id).await.unwrap().unwrap();
    let editor = app.auth(Role::Editor);
    let v1 = ("if-match", "\"v1\"".to_owned());
    let mut good = feature(&before.resource, []);
    good["properties"]["name"] = json!("Renamed");
    let good = good.to_string();

    let (status, _, _) = app.call("POST", "/api/resources", &[geojson(), editor.clone()], "{\"type\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let text = ("content-type", "text/plain".to_owned());
    let (status, _, _) =
        app.call("POST", "/api/resources", &[text, editor.clone()], &new_feature("a-b")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let bad = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [200.0, 95.0]},
                     "properties": {"id": "Bad Id", "name": "", "category": "museum", "country": "IT",
                                    "coord_precision": "street", "email": "nobody"}});
    let (status, _, json) =
        app.call("POST", "/api/resources", &[geojson(), editor.clone()], &bad.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let names: Vec<&str> =
        json["invalid_params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    for field in ["id", "name", "category", "email", "lon", "lat"] {
        assert!(names.contains(&field), "{field} not named in {json}");
    }
    let (status, _, _) = app.call("POST", "/api/resources", &[geojson(), editor.clone()], "[1, 2]").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, _, _) = app.call("PUT", &path, &[geojson(), editor.clone()], &good).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let stale = ("if-match", "\"v9\"".to_owned());
    let (status, headers, _) =
        app.call("PUT", &path, &[geojson(), editor.clone(), stale.clone()], &good).await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::PRECONDITION_FAILED, "\"v1\""));
    let other_id = new_feature("some-other-id");
    let (status, _, json) = app.call("PUT", &path, &[geojson(), editor.clone(), v1.clone()], &other_id).await;
    assert_eq!(
        (status, json["invalid_params"][0]["name"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("id"))
    );
    let merge = ("content-type", "application/merge-patch+json".to_owned());
    let (status, _, _) = app.call("PATCH", &path, &[merge.clone(), editor.clone()], "{}").await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, _, _) = app.call("PATCH", &path, &[merge.clone(), editor.clone(), stale], "{}").await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _, _) = app.call("PATCH", &path, &[geojson(), editor.clone(), v1.clone()], "{}").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let breaks = json!({"properties": {"category": "museum", "website": "ftp://x"}}).to_string();
    let (status, _, json) =
        app.call("PATCH", &path, &[merge.clone(), editor.clone(), v1.clone()], &breaks).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let (status, _, _) =
        app.call("PATCH", "/api/resources/no-such", &[merge, editor.clone(), v1], "{}").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.call("DELETE", "/api/resources/no-such", &[editor], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let after = app.db.store.get(&id).await.unwrap().unwrap();
    assert_eq!(after, before, "no error may change stored data");
    assert_eq!(app.db.store.history(&id).await.unwrap().len(), 1);
    assert!(app.db.store.get("a-b").await.unwrap().is_none());
}

async fn http_patch_delete_restore_history(db: TestDb) {
    let app = App::new(db).await;
    let r = &seed()[0];
    let path = format!("/api/resources/{}", r.id);
    let editor = app.auth(Role::Editor);
    let merge = ("content-type", "application/merge-patch+json".to_owned());
    let patch = json!({"properties": {"phone": "+39 06 5555 1234", "description": null}}).to_string();
    let (status, headers, json) =
        app.call("PATCH", &path, &[merge, editor.clone(), ("if-match", "\"v1\"".into())], &patch).await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v2\""), "{json}");
    assert_eq!(json["properties"]["phone"], "+39 06 5555 1234");
    assert_eq!(json["properties"]["description"], Value::Null);
    assert_eq!(json["properties"]["name"], r.name.as_str(), "other properties are kept");
    let (_, _, got) = app.call("GET", &path, &[], "").await;
    assert_eq!(got["properties"]["phone"], "+39 06 5555 1234");

    let mut put = feature(r, []);
    put["properties"]["name"] = json!("Replaced");
    let (status, headers, _) = app
        .call("PUT", &path, &[geojson(), editor.clone(), ("if-match", "\"v2\"".into())], &put.to_string())
        .await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v3\""));

    let (status, _, _) = app.call("DELETE", &path, std::slice::from_ref(&editor), "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.call("GET", &path, &[], "").await.0, StatusCode::NOT_FOUND);
    let (_, _, list) = app.call("GET", "/api/resources?limit=10000", &[], "").await;
    assert!(list["features"].as_array().unwrap().iter().all(|f| f["id"] != r.id.as_str()));
    if let Some([lon, lat]) = r.point() {
        let (_, _, near) = app.call("GET", &format!("/api/nearest?lon={lon}&lat={lat}&k=1"), &[], "").await;
        assert_ne!(near["features"][0]["id"], r.id.as_str());
    }
    let (status, _, history) =
        app.call("GET", &format!("{path}/history"), std::slice::from_ref(&editor), "").await;
    assert_eq!(status, StatusCode::OK, "deleted records keep their history");
    let actions: Vec<&str> =
        history["changes"].as_array().unwrap().iter().map(|c| c["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["import", "update", "update", "delete"]);
    assert_eq!(history["changes"][1]["actor"], "editor");

    let (status, headers, json) =
        app.call("POST", &format!("{path}/restore"), &[app.auth(Role::Admin)], "").await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v5\""), "{json}");
    let (status, _, got) = app.call("GET", &path, &[], "").await;
    assert_eq!((status, got["properties"]["name"].as_str()), (StatusCode::OK, Some("Replaced")));
    let (status, _, _) = app.call("GET", "/api/resources/never-was/history", &[editor], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A client that disconnects once its write is committed (the request future
/// is dropped right then, before it is polled again) must not leave the
/// snapshot behind the store: the served ETag must catch up with the stored
/// version, and a PATCH with it must succeed rather than get 412 forever.
async fn http_write_reaches_the_snapshot_when_the_client_leaves(db: TestDb) {
    use futures_util::FutureExt as _;
    let app = App::new(db).await;
    let r = &seed()[0];
    let path = format!("/api/resources/{}", r.id);
    let patch = |phone: &str, version: &str| {
        Request::builder()
            .method("PATCH")
            .uri(&path)
            .header("content-type", "application/merge-patch+json")
            .header("authorization", app.token(Role::Editor))
            .header("if-match", version)
            .body(Body::from(json!({"properties": {"phone": phone}}).to_string()))
            .unwrap()
    };
    // Each attempt sends a PATCH and drops it as soon as the store holds the
    // new version, before polling it again; an attempt the server answers
    // first (a busy machine) is simply followed by another.
    let mut version = 1;
    let mut dropped = false;
    for attempt in 0..50 {
        let phone = format!("+39 06 1111 {:04}", attempt);
        let mut request = Box::pin(app.router.clone().oneshot(patch(&phone, &format!("\"v{version}\""))));
        loop {
            if app.db.store.get(&r.id).await.unwrap().is_some_and(|s| s.version == version + 1) {
                dropped = true;
                break;
            }
            if request.as_mut().now_or_never().is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        drop(request);
        version += 1;
        // Whatever happened, the store has the new version now or soon; so
        // must the snapshot.
        let want = format!("\"v{version}\"");
        let mut served = String::new();
        for _ in 0..3_000 {
            let (_, headers, _) = app.call("GET", &path, &[], "").await;
            served = headers["etag"].to_str().unwrap().to_owned();
            if served == want {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(served, want, "the snapshot kept serving an old version");
        if dropped {
            break;
        }
    }
    assert!(dropped, "no attempt was dropped after its commit");
    let served = format!("\"v{version}\"");
    let response = app.router.clone().oneshot(patch("+39 06 3333 4444", &served)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "a PATCH with the served ETag succeeds");
}

// --- PostGIS only: what a GIS analyst sees -----------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_table_is_a_proper_spatial_table() {
    let db = TestDb::postgis().await;
    db.store.import(&seed(), &|_| {}).await.unwrap();
    let columns = common::pg_texts(
        &db.url,
        "SELECT f_table_name || '.' || f_geometry_column || ' ' || type || ' ' || srid \
         FROM geometry_columns ORDER BY 1",
    )
    .await
    .unwrap();
    assert_eq!(
        columns,
        [
            "area.geom MULTIPOLYGON 4326",
            "demand.geom POINT 4326",
            "resource.geom POINT 4326",
            "resource_current.geom POINT 4326"
        ]
    );
    let gist = common::pg_texts(&db.url, "SELECT indexdef FROM pg_indexes WHERE indexname = 'resource_geom'")
        .await
        .unwrap();
    assert!(gist[0].contains("USING gist (geom)"), "{gist:?}");
    // A geodesic query in SQL agrees with the snapshot (planar `geom <-> …`
    // on degrees would not).
    let near = common::pg_texts(
        &db.url,
        "SELECT id FROM resource_current WHERE geom IS NOT NULL \
         ORDER BY ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(12.5, 41.9), 4326)::geography, true) LIMIT 1",
    )
    .await
    .unwrap();
    let state = AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap();
    let hit = state.snapshot().index().nearest(12.5, 41.9, 1, None, &Default::default());
    assert_eq!(near[0], state.snapshot().index().resource(hit[0].index).id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_checks_refuse_rows_written_by_hand() {
    let db = TestDb::postgis().await;
    let insert = |values: &str| {
        format!(
            "INSERT INTO resource (id, name, category, country, geom, coord_precision, topics) VALUES ({values}) \
             RETURNING id"
        )
    };
    let good =
        "'a-b', 'Good', 'library', 'IT', ST_SetSRID(ST_MakePoint(12.5, 41.9), 4326), 'city', '{research}'";
    assert!(common::pg_texts(&db.url, &insert(good)).await.is_ok());
    for bad in [
        "'Not A Slug', 'X', 'library', 'IT', NULL, NULL, '{}'",
        "'b-c', ' ', 'library', 'IT', NULL, NULL, '{}'",
        "'b-c', 'X', 'museum', 'IT', NULL, NULL, '{}'",
        "'b-c', 'X', 'library', 'Italy', NULL, NULL, '{}'",
        "'b-c', 'X', 'library', 'IT', ST_SetSRID(ST_MakePoint(200, 41.9), 4326), 'city', '{}'",
        "'b-c', 'X', 'library', 'IT', ST_SetSRID(ST_MakePoint(12.5, 41.9), 4326), NULL, '{}'",
        "'b-c', 'X', 'library', 'IT', NULL, NULL, '{cooking}'",
    ] {
        assert!(common::pg_texts(&db.url, &insert(bad)).await.is_err(), "accepted: {bad}");
    }
    assert_eq!(db.store.resources().await.unwrap().len(), 1);
}

/// A PUT that renames the first seed resource, and what the store held before.
struct Rename {
    id: String,
    path: String,
    before: witgis::store::Stored,
    history: Vec<witgis::store::Change>,
    headers: [(&'static str, String); 3],
    body: String,
}

impl Rename {
    async fn new(app: &App, name: &str) -> Rename {
        let id = seed()[0].id.clone();
        let before = app.db.store.get(&id).await.unwrap().unwrap();
        let history = app.db.store.history(&id).await.unwrap();
        let etag = ("if-match", format!("\"v{}\"", before.version));
        let mut body = feature(&before.resource, []);
        body["properties"]["name"] = json!(name);
        let headers = [geojson(), app.auth(Role::Editor), etag];
        Rename { path: format!("/api/resources/{id}"), id, before, history, headers, body: body.to_string() }
    }

    async fn send(&self, app: &App) -> (StatusCode, Value) {
        let (status, _, json) = app.call("PUT", &self.path, &self.headers, &self.body).await;
        (status, json)
    }

    /// Asserts that the store holds what it held before, history included.
    async fn assert_unchanged(&self, app: &App) {
        assert_eq!(app.db.store.get(&self.id).await.unwrap().unwrap(), self.before);
        assert_eq!(app.db.store.history(&self.id).await.unwrap(), self.history);
    }
}

/// A check the database has and the model does not (one an operator added)
/// refuses a write as the client's fault: 422 problem+json naming the
/// resource, and nothing changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgis_constraint_violation_is_refused_not_a_crash() {
    let app = App::new(TestDb::postgis().await).await;
    app.db.raw_sql("ALTER TABLE resource ADD CONSTRAINT no_placeholder CHECK (name <> 'TODO')").await;
    let rename = Rename::new(&app, "TODO").await;
    let (status, json) = rename.send(&app).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    let detail = json["detail"].as_str().unwrap();
    assert!(detail.contains(&rename.id) && detail.contains("no_placeholder"), "{json}");
    let mut fresh: Value = serde_json::from_str(&new_feature("is-todo")).unwrap();
    fresh["properties"]["name"] = json!("TODO");
    let editor = app.auth(Role::Editor);
    let (status, _, json) =
        app.call("POST", "/api/resources", &[geojson(), editor], &fresh.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");

    rename.assert_unchanged(&app).await;
    assert_eq!(app.db.store.get("is-todo").await.unwrap(), None);
}

// --- SQLite only: a file another process holds locked ------------------------

/// Another connection holds the file's write lock longer than the store's
/// busy timeout: a write answers 503 problem+json (not 500), reads still
/// work, nothing changes, and the same write succeeds once the lock is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_connection_is_unavailable() {
    use sqlx::Connection as _;
    let app = App::new(TestDb::sqlite().await).await;
    let rename = Rename::new(&app, "Renamed while locked").await;
    let mut holder = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
    sqlx::raw_sql("BEGIN EXCLUSIVE; UPDATE store_meta SET value = value WHERE key = 'none';")
        .execute(&mut holder)
        .await
        .unwrap();

    let (status, json) = rename.send(&app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{json}");
    assert!(json["detail"].as_str().unwrap().contains("database is not available"), "{json}");
    let editor = app.auth(Role::Editor);
    let (status, _, json) =
        app.call("POST", "/api/resources", &[geojson(), editor], &new_feature("is-locked-out")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{json}");
    let (status, _, json) = app.call("GET", &rename.path, &[], "").await;
    assert_eq!((status, &json["properties"]["name"]), (StatusCode::OK, &json!(rename.before.resource.name)));

    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.unwrap();
    rename.assert_unchanged(&app).await;
    assert_eq!(app.db.store.get("is-locked-out").await.unwrap(), None);

    let (status, json) = rename.send(&app).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(app.db.store.get(&rename.id).await.unwrap().unwrap().resource.name, "Renamed while locked");
}

/// The fixture's Rome-like municipi are stored, read back
/// equal, replaced on re-import, and placed in the snapshot, in both stores.
async fn areas_round_trip_and_reach_the_snapshot(db: TestDb) {
    let mut areas = common::rome_municipi();
    let counts = db.store.import_areas(&areas).await.unwrap();
    assert_eq!((counts.created, counts.updated), (15, 0));
    let counts = db.store.import_areas(&areas[..2]).await.unwrap();
    assert_eq!((counts.created, counts.updated), (0, 2));
    areas.sort_by(|a, b| a.id.cmp(&b.id));
    let stored = db.store.areas().await.unwrap();
    assert_eq!(stored.len(), 15);
    for (a, b) in stored.iter().zip(&areas) {
        assert_eq!((&a.id, &a.name, a.kind), (&b.id, &b.name, b.kind));
        // PostGIS may re-order nothing but keeps every vertex.
        let count = |area: &witgis::model::Area| -> usize {
            area.geometry
                .0
                .iter()
                .map(|p| p.exterior().0.len() + p.interiors().iter().map(|r| r.0.len()).sum::<usize>())
                .sum()
        };
        assert_eq!(count(a), count(b), "{}", a.id);
    }
    db.store.import(&seed(), &|_| {}).await.unwrap();
    let state = AppState::load(db.store.clone(), common::reference()).await.unwrap();
    let snapshot = state.snapshot();
    let at: Vec<&str> = snapshot.areas_at(12.4823, 41.8958).iter().map(|a| a.id.as_str()).collect();
    assert_eq!(at, ["it-rm-municipio-01"]);
}

// --- The anonymous demand log -------------------------------------------------

fn new_demand(date: &str, need: Topic, area: &str, point: Option<[f64; 2]>) -> NewDemand {
    NewDemand {
        date: date.parse().unwrap(),
        need,
        channel: Channel::Phone,
        requester: Requester::FamilyMember,
        area: area.into(),
        point,
        referred_to: vec!["it-rm-caritas".into(), "it-rm-arap".into()],
        logged_at: at(&format!("{date}T10:00:00Z")),
    }
}

async fn demand_is_appended_and_listed_by_date(db: TestDb) {
    let day = |d: &str| Some(d.parse::<chrono::NaiveDate>().unwrap());
    let first = db
        .store
        .log_demand(
            &new_demand("2026-03-02", Topic::Housing, "it-rm-municipio-02", Some([12.516, 41.924])),
            "desk",
        )
        .await
        .unwrap();
    assert_eq!(
        (first.area.as_str(), first.lon, first.lat),
        ("it-rm-municipio-02", Some(12.516), Some(41.924))
    );
    assert_eq!(first.referred_to, ["it-rm-caritas", "it-rm-arap"]);
    assert_eq!(first.created_by, "desk");
    assert!(first.created_at.ends_with('Z') && first.created_at.len() >= 20, "{}", first.created_at);
    let second = db
        .store
        .log_demand(&new_demand("2026-01-15", Topic::Youth, "it-rm-municipio-01", None), "other")
        .await
        .unwrap();
    assert!(witgis::model::demand::is_id(&first.id) && witgis::model::demand::is_id(&second.id));
    assert_ne!(first.id, second.id, "ids are random, not a sequence");
    assert_eq!((second.lon, second.lat), (None, None));
    let mut third = new_demand("2026-03-31", Topic::Crisis, "it-rm-municipio-05", None);
    third.referred_to.clear();
    let third = db.store.log_demand(&third, "desk").await.unwrap();
    assert!(third.created_at.starts_with("2026-03-31T10:00:00."), "{}", third.created_at);

    let all = db.store.demand(None, None).await.unwrap();
    assert_eq!(all.iter().map(|d| &d.id).collect::<Vec<_>>(), [&second.id, &first.id, &third.id], "by date");
    assert_eq!(all[1], first, "read back equal to what was returned");
    assert_eq!(all[2].referred_to, Vec::<String>::new());
    let march = db.store.demand(day("2026-03-01"), day("2026-03-31")).await.unwrap();
    assert_eq!(march.iter().map(|d| &d.id).collect::<Vec<_>>(), [&first.id, &third.id], "both ends included");
    assert_eq!(db.store.demand(day("2026-03-03"), None).await.unwrap().len(), 1);
    assert_eq!(db.store.demand(None, day("2026-01-15")).await.unwrap().len(), 1);
    assert!(db.store.demand(day("2026-04-01"), None).await.unwrap().is_empty());
    assert_eq!(db.store.demand_record(&first.id).await.unwrap(), Some(first.clone()));
    assert_eq!(db.store.demand_record(&witgis::model::demand::new_id()).await.unwrap(), None);

    // Each token's own records, from a time on.
    let mine = db.store.demand_by("desk", at("2026-03-02T10:00:00Z")).await.unwrap();
    assert_eq!(mine.iter().map(|d| &d.id).collect::<Vec<_>>(), [&first.id, &third.id]);
    assert!(db.store.demand_by("desk", at("2026-04-01T00:00:00Z")).await.unwrap().is_empty());

    // Never changed, even by someone with SQL access.
    let update = format!("UPDATE demand SET area = 'it-rm-municipio-09' WHERE id = '{}'", first.id);
    assert!(db.try_raw_sql(&update).await.is_err(), "records cannot be changed");
    // Withdrawn only by the token that logged it, within the window.
    let since = at("2026-03-31T09:00:00Z");
    assert!(!db.store.withdraw_demand(&third.id, "other", since).await.unwrap(), "not another token's");
    assert!(!db.store.withdraw_demand(&first.id, "desk", since).await.unwrap(), "not an older one");
    assert!(db.store.withdraw_demand(&third.id, "desk", since).await.unwrap());
    assert!(!db.store.withdraw_demand(&third.id, "desk", since).await.unwrap(), "once");
    assert_eq!(db.store.demand(None, None).await.unwrap().len(), 2);
}

/// An app over the seed and Rome's municipi.
async fn demand_app(db: TestDb) -> App {
    db.store.import_areas(&common::rome_municipi()).await.unwrap();
    App::new(db).await
}

fn json_body() -> (&'static str, String) {
    ("content-type", "application/json".into())
}

fn valid_demand() -> Value {
    json!({"date": "2026-02-10", "need": "housing", "channel": "phone", "requester": "family_member",
           "area": "it-rm-municipio-02", "referred_to": ["it-rm-caritas"]})
}

async fn http_demand_needs_an_operator(db: TestDb) {
    let app = demand_app(db).await;
    let body = valid_demand().to_string();
    let (status, _, _) = app.call("POST", "/api/demand", &[json_body()], &body).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.call("POST", "/api/demand", &[json_body(), app.auth(Role::Viewer)], &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app.call("GET", "/api/demand/summary", &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app.call("GET", "/api/demand/summary", &[app.auth(Role::Viewer)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(app.db.store.demand(None, None).await.unwrap().is_empty(), "nothing was stored");

    for (i, role) in [Role::Operator, Role::Editor, Role::Admin].into_iter().enumerate() {
        let (status, headers, json) =
            app.call("POST", "/api/demand", &[json_body(), app.auth(role)], &body).await;
        assert_eq!(status, StatusCode::CREATED, "{role}: {json}");
        assert_eq!(headers["location"], format!("/api/demand/{}", json["id"].as_str().unwrap()));
        assert_eq!(json["created_by"], role.as_str());
        assert_eq!(app.db.store.demand(None, None).await.unwrap().len(), i + 1);
    }
    // Each token reads back only what it logged, for 24 hours.
    let mine = app.db.store.demand(None, None).await.unwrap();
    let by = |name: &str| mine.iter().find(|d| d.created_by == name).unwrap().id.clone();
    let (ops, editors) = (&by("operator"), &by("editor"));
    let (status, _, json) =
        app.call("GET", &format!("/api/demand/{ops}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!((status, json["need"].as_str()), (StatusCode::OK, Some("housing")), "{json}");
    let (status, _, _) = app.call("GET", &format!("/api/demand/{ops}"), &[app.auth(Role::Viewer)], "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, json) =
        app.call("GET", &format!("/api/demand/{editors}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another token's record is not found: {json}");
    let (status, _, json) = app.call("GET", "/api/demand/recent", &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json["records"].as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json["records"][0]["id"].as_str(), Some(ops.as_str()));
    let random = witgis::model::demand::new_id();
    let (status, _, _) =
        app.call("GET", &format!("/api/demand/{random}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for bad in ["1", "abc", "424242"] {
        let (status, _, json) =
            app.call("GET", &format!("/api/demand/{bad}"), &[app.auth(Role::Operator)], "").await;
        assert_eq!(
            (status, json["invalid_params"][0]["name"].as_str()),
            (StatusCode::BAD_REQUEST, Some("id"))
        );
    }
    // A mistake is withdrawn by its author, then logged again.
    let (status, _, _) =
        app.call("DELETE", &format!("/api/demand/{editors}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not another token's");
    let (status, _, _) =
        app.call("DELETE", &format!("/api/demand/{editors}"), &[app.auth(Role::Editor)], "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.db.store.demand(None, None).await.unwrap().len(), 2);
    // After 24 hours, nothing can be read back or withdrawn.
    app.clock.advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    let (status, _, _) =
        app.call("GET", &format!("/api/demand/{ops}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) =
        app.call("DELETE", &format!("/api/demand/{ops}"), &[app.auth(Role::Operator)], "").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, _, json) = app.call("GET", "/api/demand/recent", &[app.auth(Role::Operator)], "").await;
    assert_eq!(json["records"], json!([]));
    assert_eq!(app.db.store.demand(None, None).await.unwrap().len(), 2);
}

fn named(json: &Value) -> Vec<&str> {
    json["invalid_params"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect()
}

async fn http_demand_refuses_personal_fields_and_stores_nothing(db: TestDb) {
    let app = demand_app(db).await;
    let op = app.auth(Role::Operator);
    let mut body = valid_demand();
    body["name"] = json!("Mario Rossi");
    body["phone"] = json!("+39 06 98765432");
    body["notes"] = json!("lives alone in via Nomentana 12");
    let (status, _, json) =
        app.call("POST", "/api/demand", &[json_body(), op.clone()], &body.to_string()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{json}");
    // Issue 39 (D11) changed this: the unknown fields were named, and a
    // field's name can itself be personal; they are counted and placed.
    assert_eq!(named(&json), ["body"]);
    let detail = json["invalid_params"][0]["reason"].as_str().unwrap();
    assert!(detail.contains("3 unknown fields"), "{json}");
    let text = json.to_string();
    for value in ["Mario", "98765432", "Nomentana"] {
        assert!(!text.contains(value), "the refused value {value} is echoed: {text}");
    }

    let cases = [
        (json!({"area": "mario-rossi"}), "area"),
        (json!({"area": null, "lon": 12.20, "lat": 41.70}), "area"),
        (json!({"area": null}), "area"),
        (json!({"referred_to": ["it-rm-caritas", "mario-rossi"]}), "referred_to"),
        (json!({"lon": 12.4823, "lat": 41.8958}), "lon"),
        (json!({"need": "Mario Rossi"}), "need"),
        (json!({"channel": "Mario Rossi"}), "channel"),
        (json!({"date": "2999-01-01"}), "date"),
        (json!({"date": "2026-02-13"}), "date"),
        (json!({"date": "2026-02-04"}), "date"),
        (json!({"date": "Mario Rossi"}), "date"),
    ];
    for (change, field) in cases {
        let mut body = valid_demand();
        for (k, v) in change.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        let (status, _, json) =
            app.call("POST", "/api/demand", &[json_body(), op.clone()], &body.to_string()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{change}: {json}");
        assert!(named(&json).contains(&field), "{change}: {json}");
        let text = json.to_string().to_lowercase();
        assert!(!text.contains("mario"), "a value sent is echoed: {json}");
    }
    let (status, _, _) = app.call("POST", "/api/demand", &[json_body(), op.clone()], "{\"need\":").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) = app.call("POST", "/api/demand", &[json_body(), op.clone()], "[]").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let text = ("content-type", "text/plain".to_owned());
    let (status, _, _) = app.call("POST", "/api/demand", &[text, op], &valid_demand().to_string()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(app.db.store.demand(None, None).await.unwrap().is_empty(), "no refused request is stored");
}

async fn http_demand_point_becomes_its_municipio(db: TestDb) {
    let app = demand_app(db).await;
    let mut body = valid_demand();
    body.as_object_mut().unwrap().remove("area");
    // Near Piazza Venezia, in municipio I.
    body["lon"] = json!(12.482349);
    body["lat"] = json!(41.895761);
    let (status, headers, json) =
        app.call("POST", "/api/demand", &[json_body(), app.auth(Role::Operator)], &body.to_string()).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["area"], "it-rm-municipio-01");
    assert_eq!((json["lon"].as_f64(), json["lat"].as_f64()), (Some(12.482), Some(41.896)));
    let id = json["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/api/demand/{id}"));
    let stored = app.db.store.demand_record(id).await.unwrap().unwrap();
    assert_eq!(
        (stored.area.as_str(), stored.lon, stored.lat),
        ("it-rm-municipio-01", Some(12.482), Some(41.896))
    );
    assert_eq!(serde_json::to_value(&stored).unwrap(), json, "the answer is the stored record");
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "date",
            "need",
            "channel",
            "requester",
            "area",
            "lon",
            "lat",
            "referred_to",
            "created_at",
            "created_by"
        ]
    );
    // The area named together with a point inside it is kept.
    body["area"] = json!("it-rm-municipio-01");
    let (status, _, json) =
        app.call("POST", "/api/demand", &[json_body(), app.auth(Role::Operator)], &body.to_string()).await;
    assert_eq!((status, json["area"].as_str()), (StatusCode::CREATED, Some("it-rm-municipio-01")), "{json}");
}

async fn http_demand_summary_hides_small_counts(db: TestDb) {
    let app = demand_app(db).await;
    let op = app.auth(Role::Operator);
    // A cell is published only when three desks logged in it (issue 39, D6):
    // January's housing requests come from three desks in turn.
    let mut desks = vec![op.clone()];
    for name in ["desk-2", "desk-3"] {
        let token = witgis::auth::new_token();
        app.db.store.create_token(name, Role::Operator, &hash_token(&token)).await.unwrap();
        desks.push(("authorization", format!("Bearer {token}")));
    }
    let log = |date: &str, need: &str, area: &str| {
        let mut body = valid_demand();
        body["date"] = json!(date);
        body["need"] = json!(need);
        body["area"] = json!(area);
        body.to_string()
    };
    let mut bodies = Vec::new();
    for day in 1..=6 {
        bodies.push(log(&format!("2026-01-{day:02}"), "housing", "it-rm-municipio-02"));
    }
    bodies.push(log("2026-01-20", "youth", "it-rm-municipio-01"));
    bodies.push(log("2026-02-03", "youth", "it-rm-municipio-02"));
    bodies.push(log("2025-12-31", "housing", "it-rm-municipio-02"));
    for (i, body) in bodies.iter().enumerate() {
        // Each logged on its day.
        let date = serde_json::from_str::<Value>(body).unwrap()["date"].as_str().unwrap().to_owned();
        app.clock.set(at(&format!("{date}T15:00:00Z")));
        let desk = desks[i % desks.len()].clone();
        let (status, _, json) = app.call("POST", "/api/demand", &[json_body(), desk], body).await;
        assert_eq!(status, StatusCode::CREATED, "{json}");
    }
    // February is published from 10 March (Rome time).
    app.clock.set(at("2026-03-09T22:59:00Z"));
    let (_, _, json) = summary(&app, "?by=month").await;
    assert_eq!(
        (json["published_through"].as_str(), json["to"].as_str()),
        (Some("2026-01"), Some("2026-01-31"))
    );
    app.clock.set(at("2026-03-09T23:00:00Z"));
    let (status, _, json) = summary(&app, "?from=2026-01-01&to=2026-12-31&by=need").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    // January's 6 housing requests in Municipio II publish as 5; every other
    // cell holds 1 request and is left out (not even its key is listed).
    assert_eq!(json["groups"], json!([{"key": "housing", "count": 5}]));
    assert_eq!(json["total"], 5);
    assert_eq!(
        (json["from"].as_str(), json["to"].as_str(), json["by"].as_str(), json["published_through"].as_str()),
        (Some("2026-01-01"), Some("2026-02-28"), Some("need"), Some("2026-02"))
    );
    let (_, _, json) = summary(&app, "?from=2026-01-01&to=2026-12-31&by=area").await;
    assert_eq!(json["groups"], json!([{"key": "it-rm-municipio-02", "count": 5}]));
    let (_, _, json) = summary(&app, "?by=month").await;
    assert_eq!(json["groups"], json!([{"key": "2026-01", "count": 5}]));
    assert_eq!(json["total"], 5);
    let (_, _, json) = summary(&app, "?from=2026-02-01").await;
    assert_eq!(
        (json["by"].as_str(), json["groups"].clone(), json["total"].as_str()),
        (Some("need"), json!([]), Some("<5")),
        "{json}"
    );
    let (_, _, json) = summary(&app, "?from=2027-01-01").await;
    assert_eq!((json["groups"].clone(), json["total"].as_str()), (json!([]), Some("<5")));

    for (query, bad) in [
        ("?by=person", vec!["by"]),
        ("?from=2026-13-01", vec!["from"]),
        ("?from=yesterday&to=2026-02-30", vec!["from", "to"]),
        ("?from=2026-03-01&to=2026-01-01", vec!["from"]),
        ("?by=need&by=area", vec!["by"]),
        ("?name=Mario", vec!["name"]),
    ] {
        let (status, _, json) = summary(&app, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {json}");
        assert_eq!(named(&json), bad, "{query}");
    }
}

async fn summary(app: &App, query: &str) -> (StatusCode, axum::http::HeaderMap, Value) {
    app.call("GET", &format!("/api/demand/summary{query}"), &[app.auth(Role::Operator)], "").await
}

async fn http_demand_against_supply_ranks_unmet_areas(db: TestDb) {
    let app = demand_app(db).await;
    let log = |n: usize, need: Topic, area: &str, referred_to: &[&str]| {
        (0..n)
            .map(|_| {
                let mut d = new_demand("2026-02-10", need, area, None);
                d.referred_to = referred_to.iter().map(|s| s.to_string()).collect();
                d
            })
            .collect::<Vec<_>>()
    };
    let mut records = log(7, Topic::Women, "it-rm-municipio-06", &[]);
    records.extend(log(6, Topic::Youth, "it-rm-municipio-02", &["it-rm-prev-sabrata"]));
    records.extend(log(2, Topic::Housing, "it-rm-municipio-01", &["it-rm-caritas"]));
    // Three desks in turn: a cell is published only when three desks logged
    // in it (issue 39, D6).
    for (i, d) in records.iter().enumerate() {
        app.db.store.log_demand(d, &format!("desk-{}", i % 3)).await.unwrap();
    }
    // February is published from 10 March.
    app.clock.set(at("2026-03-10T08:00:00Z"));
    let path = "/api/coverage/demand";
    let (status, _, _) = app.call("GET", path, &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the log is not public, even summed up");

    let (status, _, json) = app.call("GET", path, &[app.auth(Role::Viewer)], "").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["complete"], false, "supply is the directory's, not declared complete");
    assert!(json["records"].is_u64(), "{json}");
    let ranking: Vec<(u64, &str, &Value)> = json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rank"].as_u64().unwrap(), r["area"].as_str().unwrap(), &r["unmet"]))
        .collect();
    // No service for women anywhere in Italy: all 7 requests unmet (published
    // as 5). Municipio II's youth requests met by the youth service it is
    // competent for. Municipio I's two requests are too few to list.
    assert_eq!(ranking, [(1, "it-rm-municipio-06", &json!(5)), (2, "it-rm-municipio-02", &json!("<5"))]);
    assert_eq!(json["ranking"][1]["requests"], 5, "6 requests publish as 5");
    assert_eq!(json["ranking"][0]["unmet_needs"], json!(["women"]));
    let youth = json["rows"].as_array().unwrap().iter().find(|r| r["need"] == "youth").unwrap();
    assert_eq!(youth["area_name"], "Municipio Roma II");
    assert!(youth["supply"]["in_area"].as_u64().unwrap() >= 1, "{youth}");
    assert_eq!(json["total"], 10, "the sum of the published cells");
    assert_eq!((json["period"].as_str(), json["radius_km"].as_f64()), (Some("all"), Some(10.0)));

    let csv_header = ("accept", "text/csv".to_owned());
    let mut request = Request::get(format!("{path}?need=women,youth"));
    for (name, value) in [app.auth(Role::Viewer), csv_header] {
        request = request.header(name, value);
    }
    let response = app.router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "period,area,area_name,country,need,requests,unmet,resources_in_area,resources_within_radius,requests_per_resource"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[2].starts_with("all,it-rm-municipio-06,Municipio Roma VI,IT,women,5,5,0,0,"), "{csv}");
    assert!(lines[1].starts_with("all,it-rm-municipio-02,Municipio Roma II,IT,youth,5,<5,"), "{csv}");

    // Where to add a service for the requests nobody could meet.
    let suggest = "/api/coverage/suggest?topic=women&weight=demand&radius_km=5&k=3";
    let (status, _, _) = app.call("GET", suggest, &[], "").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "weighing by the demand log needs a token");
    let (status, _, json) = app.call("GET", suggest, &[app.auth(Role::Viewer)], "").await;
    assert_eq!(status, StatusCode::OK, "{json}");
    assert_eq!(json["weight"], "requests", "{json}");
    assert!(json.get("requests").is_none(), "how many requests existing services meet is not told");
    assert_eq!(json["uncovered_requests_before"], 5);
    assert_eq!(json["uncovered_requests_after"], "<5");
    let pick = &json["features"][0];
    assert_eq!(json["features"].as_array().unwrap().len(), 1, "one site covers all seven: {json}");
    assert_eq!(pick["properties"]["newly_covered_requests"], 5);
    let c = &pick["geometry"]["coordinates"];
    let vi = common::rome_municipi().into_iter().find(|a| a.id == "it-rm-municipio-06").unwrap();
    let centre = geo::InteriorPoint::interior_point(&vi.geometry).unwrap();
    let d = witgis::sphere::geodesic_m(
        [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()],
        [centre.x(), centre.y()],
    );
    assert!(d <= 5_000.0, "the site is within 5 km of the requests: {d} m");
    let (status, _, json) =
        app.call("GET", "/api/coverage/suggest?weight=demand", &[app.auth(Role::Viewer)], "").await;
    assert_eq!((status, named(&json)), (StatusCode::BAD_REQUEST, vec!["topic"]), "one need at a time");
    let (status, _, json) = app.call("GET", "/api/coverage/suggest?from=2026-01-01", &[], "").await;
    assert_eq!((status, named(&json)), (StatusCode::BAD_REQUEST, vec!["from"]));
    let (status, _, json) = app.call("GET", "/api/coverage/suggest?weight=calls", &[], "").await;
    assert_eq!((status, named(&json)), (StatusCode::BAD_REQUEST, vec!["weight"]));

    // Days are widened to whole months, so that ranges cannot be told apart
    // one request at a time.
    let (_, _, json) = app
        .call("GET", &format!("{path}?from=2026-02-10&to=2026-02-10"), &[app.auth(Role::Viewer)], "")
        .await;
    assert_eq!((json["from"].as_str(), json["to"].as_str()), (Some("2026-02-01"), Some("2026-02-28")));
    assert_eq!(json["total"], 10);
    let (_, _, json) =
        app.call("GET", &format!("{path}?from=2026-03-01"), &[app.auth(Role::Viewer)], "").await;
    assert_eq!((json["rows"].clone(), json["total"].clone()), (json!([]), json!("<5")));
    for (query, bad) in [
        ("?period=week", vec!["period"]),
        ("?radius_km=-1", vec!["radius_km"]),
        ("?radius_km=500", vec!["radius_km"]),
        ("?need=friendship", vec!["need"]),
        ("?from=2026-03-01&to=2026-01-01", vec!["from"]),
        ("?format=xml", vec!["format"]),
        ("?name=Mario", vec!["name"]),
    ] {
        let (status, _, json) =
            app.call("GET", &format!("{path}{query}"), &[app.auth(Role::Viewer)], "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {json}");
        assert_eq!(named(&json), bad, "{query}");
    }
}

// --- Status, alerts and plausible writes (issue 35, parts 3 and 4) ------------

fn with_status(r: &Resource, extra: Value) -> Resource {
    let mut props = r.properties();
    if let Value::Object(e) = extra {
        props.extend(e);
    }
    Resource::from_properties(&props, r.point()).unwrap()
}

/// A status with its days, a move and alerts with notes come back from an
/// import and a write exactly as given, and the history keeps them.
async fn status_and_alerts_round_trip(db: TestDb) {
    let base = resource("it-rm-ward", 12.501, 41.8855);
    let closed = with_status(
        &base,
        json!({"status": "temporarily_closed", "status_since": "2026-03-01", "status_until": "2026-04-30",
               "alerts": [{"kind": "admissions_suspended", "since": "2026-02-15", "until": null,
                           "note": "lavori: \"reparto\" chiuso — l'ingresso è altrove"},
                          {"kind": "other", "since": "2026-01-01", "until": "2026-12-31", "note": null}]}),
    );
    let moved = with_status(
        &resource("it-rm-moved", 12.5, 41.9),
        json!({"status": "moved", "status_since": "2025-10-01", "moved_to": "it-rm-ward",
               "moved_address": "Via Roma 1, Roma"}),
    );
    db.store.import(&[closed.clone(), moved.clone()], &|_| {}).await.unwrap();
    assert_eq!(db.store.get("it-rm-ward").await.unwrap().unwrap().resource, closed);
    assert_eq!(db.store.get("it-rm-moved").await.unwrap().unwrap().resource, moved);
    let reopened = with_status(
        &closed,
        json!({"status": "open", "status_since": null, "status_until": null, "alerts": []}),
    );
    db.store.write(Write::Replace { resource: reopened.clone(), if_version: 1 }, "editor").await.unwrap();
    let stored = db.store.get("it-rm-ward").await.unwrap().unwrap().resource;
    assert_eq!(stored, reopened);
    assert!(stored.alerts.is_empty() && stored.status == witgis::model::ServiceStatus::Open);
    let history = db.store.history("it-rm-ward").await.unwrap();
    assert_eq!(
        history[1].before.as_ref().unwrap()["properties"]["alerts"][0]["kind"],
        "admissions_suspended"
    );
    let all = db.store.resources().await.unwrap();
    assert!(all.contains(&reopened) && all.contains(&moved), "the start-up read decodes them too");
}

/// Rome's municipi boxes of the referral tests (not the real outlines).
fn municipi_boxes() -> Vec<witgis::model::Area> {
    witgis::formats::areas::read(include_str!("../fixtures/rome-municipi-boxes.geojson")).unwrap()
}

fn csm_at(id: &str, lon: f64, lat: f64, extra: Value) -> String {
    let mut f = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "properties": {"id": id, "name": "CSM di prova", "category": "mental_health_centre", "country": "IT",
                          "coord_precision": "building", "serves_areas": ["it-rm-municipio-06"]}});
    if let (Some(p), Value::Object(e)) = (f["properties"].as_object_mut(), extra) {
        p.extend(e);
    }
    f.to_string()
}

fn reasons(problem: &Value) -> Vec<(String, String)> {
    problem["invalid_params"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| (p["name"].as_str().unwrap().to_owned(), p["reason"].as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// A CSM in the sea off Ostia or in Tunis is refused (422 naming the point
/// and why), nothing is stored; far from the municipio it serves too; with
/// `plausibility_override` it is accepted and the history keeps the reason.
async fn http_implausible_points_are_refused_unless_overridden(db: TestDb) {
    db.store.import_areas(&municipi_boxes()).await.unwrap();
    let app = App::new(db).await;
    let editor = app.auth(Role::Editor);
    for (lon, lat, says) in
        [(12.10, 41.65, "outside IT"), (10.18, 36.80, "outside IT"), (12.95, 41.86, "10 km")]
    {
        let (status, _, problem) = app
            .call(
                "POST",
                "/api/resources",
                &[geojson(), editor.clone()],
                &csm_at("it-rm-csm-x", lon, lat, json!({})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let r = reasons(&problem);
        assert!(r.iter().any(|(f, why)| f == "geometry" && why.contains(says)), "({lon}, {lat}): {r:?}");
        assert!(app.db.store.get("it-rm-csm-x").await.unwrap().is_none());
    }
    // In Municipio VI: accepted.
    let (status, _, json) = app
        .call(
            "POST",
            "/api/resources",
            &[geojson(), editor.clone()],
            &csm_at("it-rm-csm-ok", 12.65, 41.87, json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    // Moving it into the sea by a patch is refused; a patch of its phone alone is not judged again.
    let merge = ("content-type", "application/merge-patch+json".to_owned());
    let sea = json!({"geometry": {"type": "Point", "coordinates": [12.10, 41.65]}}).to_string();
    let v1 = ("if-match", "\"v1\"".to_owned());
    let (status, _, _) = app
        .call("PATCH", "/api/resources/it-rm-csm-ok", &[merge.clone(), editor.clone(), v1.clone()], &sea)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let because = "a mobile unit moored in the harbour";
    let overridden = json!({"geometry": {"type": "Point", "coordinates": [12.10, 41.65]}, "properties": {"plausibility_override": because}});
    let (status, _, json) = app
        .call(
            "PATCH",
            "/api/resources/it-rm-csm-ok",
            &[merge.clone(), editor.clone(), v1],
            &overridden.to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let phone = json!({"properties": {"phone": "06 1234 5678"}}).to_string();
    let v2 = ("if-match", "\"v2\"".to_owned());
    let (status, _, json) =
        app.call("PATCH", "/api/resources/it-rm-csm-ok", &[merge, editor.clone(), v2], &phone).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let (_, _, got) = app.call("GET", "/api/resources/it-rm-csm-ok", &[], "").await;
    assert!(got["properties"].get("plausibility_override").is_none(), "not stored with the record: {got}");
    // Created in Tunis with an override.
    let tunis =
        csm_at("it-rm-csm-tunis", 10.18, 36.80, json!({"plausibility_override": "a partner clinic abroad"}));
    let (status, _, json) = app.call("POST", "/api/resources", &[geojson(), editor.clone()], &tunis).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let (_, _, history) =
        app.call("GET", "/api/resources/it-rm-csm-ok/history", std::slice::from_ref(&editor), "").await;
    let changes = history["changes"].as_array().unwrap();
    assert_eq!(changes[1]["after"]["properties"]["plausibility_override"], because, "{history}");
    assert!(changes[2]["after"]["properties"].get("plausibility_override").is_none());
    let (_, _, history) = app.call("GET", "/api/resources/it-rm-csm-tunis/history", &[editor], "").await;
    assert_eq!(
        history["changes"][0]["after"]["properties"]["plausibility_override"],
        "a partner clinic abroad"
    );
}

/// `last_verified: 9999-12-31`, or a day after the app's clock (not the
/// wall clock), is refused naming the field; today is accepted.
async fn http_future_days_are_refused_by_the_apps_clock(db: TestDb) {
    let app = App::new(db).await;
    let editor = app.auth(Role::Editor);
    // The clock reads 2026-02-12.
    for (extra, field) in [
        (json!({"last_verified": "9999-12-31"}), "last_verified"),
        (json!({"last_verified": "2026-02-13"}), "last_verified"),
        (json!({"status": "closed", "status_since": "2026-03-01"}), "status_since"),
        (json!({"alerts": [{"kind": "admissions_suspended", "since": "2026-02-13"}]}), "alerts"),
    ] {
        let body = csm_at("it-rm-csm-future", 12.65, 41.87, extra.clone());
        let (status, _, problem) =
            app.call("POST", "/api/resources", &[geojson(), editor.clone()], &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}");
        assert!(reasons(&problem).iter().any(|(f, why)| f == field && why.contains("future")), "{problem}");
    }
    assert!(app.db.store.get("it-rm-csm-future").await.unwrap().is_none());
    let body = csm_at(
        "it-rm-csm-future",
        12.65,
        41.87,
        json!({"last_verified": "2026-02-12", "status": "temporarily_closed", "status_since": "2026-08-01"}),
    );
    let (status, _, json) = app.call("POST", "/api/resources", &[geojson(), editor], &body).await;
    assert_eq!(status, StatusCode::CREATED, "today, and a closure announced ahead: {json}");
}

/// `HTTP://EXAMPLE.ORG` is kept with its scheme in lowercase by both
/// stores alike (PostGIS's check never sees the upper case).
async fn http_website_scheme_case_is_the_same_in_both_stores(db: TestDb) {
    let app = App::new(db).await;
    let body = csm_at("it-rm-csm-web", 12.65, 41.87, json!({"website": "HTTP://EXAMPLE.ORG"}));
    let (status, _, json) =
        app.call("POST", "/api/resources", &[geojson(), app.auth(Role::Editor)], &body).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    assert_eq!(json["properties"]["website"], "http://EXAMPLE.ORG");
    let stored = app.db.store.get("it-rm-csm-web").await.unwrap().unwrap().resource;
    assert_eq!(stored.website.as_deref(), Some("http://EXAMPLE.ORG"));
}
