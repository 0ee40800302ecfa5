//! One store suite, run against both SQLite and a real PostGIS (a throwaway
//! cluster the harness starts, or `DATABASE_URL`): imports, all-or-nothing,
//! reload, writes with versions, soft delete and restore, history, tokens;
//! then the HTTP write API over each store.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use witgis::auth::{Role, hash_token};
use witgis::formats::geojson::feature;
use witgis::model::Resource;
use witgis::state::AppState;
use witgis::store::{StoreError, Write};

use common::TestDb;

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
    import_is_all_or_nothing,
    reimport_replaces_and_records_history,
    reload_sees_changes,
    writes_check_versions,
    concurrent_writers_lose_no_update,
    soft_delete_restore_and_history,
    tokens_store_only_hashes,
    seed_once_seeds_once,
    http_needs_a_token_and_a_role,
    http_create_is_visible_at_once,
    http_bad_input_changes_nothing,
    http_patch_delete_restore_history,
    areas_round_trip_and_reach_the_snapshot,
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
    assert_eq!(stored.iter().map(|(r, _)| r.clone()).collect::<Vec<_>>(), seed);
    assert!(stored.iter().all(|(_, v)| *v == 1));
    assert!(seed.iter().any(|r| r.point().is_none()), "the seed has services without a place");
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

async fn reload_sees_changes(db: TestDb) {
    let state = AppState::load(Arc::clone(&db.store)).await.unwrap();
    assert!(state.snapshot().is_empty());
    db.store.import(&seed(), &|_| {}).await.unwrap();
    assert!(state.snapshot().is_empty(), "the snapshot changes only on reload");
    state.reload().await.unwrap();
    assert_eq!(state.snapshot().len(), seed().len());
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
    assert_eq!(db.store.resources_versioned().await.unwrap()[0].1, 2);
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

// --- The HTTP write API over each store -----------------------------------

struct App {
    router: axum::Router,
    db: TestDb,
    tokens: Vec<(Role, String)>,
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
        let state = Arc::new(AppState::load(Arc::clone(&db.store)).await.unwrap());
        App { router: witgis::http::router(state), db, tokens }
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
        ["area.geom MULTIPOLYGON 4326", "resource.geom POINT 4326", "resource_current.geom POINT 4326"]
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
    let state = AppState::load(Arc::clone(&db.store)).await.unwrap();
    let hit = state.snapshot().nearest(12.5, 41.9, 1, None, &Default::default());
    assert_eq!(near[0], state.snapshot().resource(hit[0].index).id);
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

/// Rome's municipi (read from ../shared at test time) are stored, read back
/// equal, replaced on re-import, and placed in the snapshot, in both stores.
async fn areas_round_trip_and_reach_the_snapshot(db: TestDb) {
    let text = std::fs::read_to_string("../shared/reference/rome-municipi.geojson").unwrap();
    let mut areas = witgis::formats::areas::read(&text).unwrap();
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
    let state = AppState::load(db.store.clone()).await.unwrap();
    let snapshot = state.snapshot();
    let at: Vec<&str> = snapshot.areas_at(12.4823, 41.8958).iter().map(|a| a.id.as_str()).collect();
    assert_eq!(at, ["it-rm-municipio-01"]);
}
