//! OGC API – Features Part 1 under `/ogcapi`, through the real router over a
//! seeded SQLite store: the abstract tests of the OGC conformance suite for
//! Part 1 (landing page, conformance, collections, items, paging, bbox,
//! limit, datetime, feature id), written as our own tests. GDAL and OWSLib
//! read the real binary in `tests/clients/`.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use witgis::state::AppState;
use witgis::store::Write;

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn get(app: &axum::Router, uri: &str) -> Reply {
    let a = common::router::get(app, uri, &[("host", "gis.example:8080")]).await;
    Reply { status: a.status, content_type: a.content_type(), body: a.json() }
}

/// The href of the link with this relation, as a path for the router.
fn href(doc: &Value, rel: &str) -> Option<String> {
    let links = doc["links"].as_array()?;
    let link = links.iter().find(|l| l["rel"] == rel)?;
    let href = link["href"].as_str()?;
    Some(href.strip_prefix("http://gis.example:8080").unwrap_or(href).to_owned())
}

fn ids(fc: &Value) -> Vec<String> {
    fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect()
}

async fn app() -> (axum::Router, Arc<AppState>, common::TestDb) {
    let db = common::TestDb::sqlite().await;
    db.store.import(&witgis::store::seed().unwrap(), &|_| {}).await.unwrap();
    let state = Arc::new(AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap());
    (witgis::http::router(state.clone()), state, db)
}

#[tokio::test]
async fn landing_page_conformance_and_collections() {
    let (app, state, _db) = app().await;
    let landing = get(&app, "/ogcapi").await;
    assert_eq!((landing.status, landing.content_type.as_str()), (StatusCode::OK, "application/json"));
    for rel in ["self", "conformance", "data", "service-doc"] {
        assert!(href(&landing.body, rel).is_some(), "landing page link {rel}");
    }
    assert_eq!(href(&landing.body, "self").unwrap(), "/ogcapi", "links are absolute, on the Host asked");

    let conformance = get(&app, &href(&landing.body, "conformance").unwrap()).await;
    let classes: Vec<&str> =
        conformance.body["conformsTo"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    for class in [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    ] {
        assert!(classes.contains(&class), "{class}");
    }
    assert!(
        !classes.iter().any(|c| c.ends_with("/conf/oas30") || c.ends_with("/conf/html")),
        "no class is claimed that is not served"
    );

    let collections = get(&app, &href(&landing.body, "data").unwrap()).await;
    let list = collections.body["collections"].as_array().unwrap();
    let names: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(names, ["resources", "areas", "regions"]);
    let resources = &list[0];
    assert_eq!(resources["id"], "resources");
    assert!(!resources["id"].as_str().unwrap().contains('.'), "QGIS trips over dots in ids");
    assert_eq!(resources["crs"][0], "http://www.opengis.net/def/crs/OGC/1.3/CRS84");
    // The extent holds every located record, computed here from the snapshot.
    let bbox: Vec<f64> = resources["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for r in state.snapshot().index().resources() {
        if let Some([lon, lat]) = r.point() {
            assert!(bbox[0] <= lon && lon <= bbox[2] && bbox[1] <= lat && lat <= bbox[3], "{}", r.id);
        }
    }
    let one = get(&app, "/ogcapi/collections/resources").await;
    assert_eq!(one.body["id"], "resources");
    assert_eq!(href(&one.body, "items").unwrap(), "/ogcapi/collections/resources/items");

    let queryables =
        get(&app, &href(&one.body, "http://www.opengis.net/def/rel/ogc/1.0/queryables").unwrap()).await;
    assert_eq!(queryables.content_type, "application/schema+json");
    let names: BTreeSet<&str> =
        queryables.body["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(names, BTreeSet::from(["category", "country", "geometry", "q", "topic"]));
    assert!(
        queryables.body["properties"]["category"]["enum"].as_array().unwrap().contains(&json!("day_centre"))
    );
}

#[tokio::test]
async fn next_links_walk_every_record_once_even_while_records_change() {
    let (app, state, _db) = app().await;
    let before: Vec<String> = state.snapshot().index().resources().map(|r| r.id.clone()).collect();
    // Deleted during the walk: one early and one late in id order.
    let doomed = [before[3].clone(), before[before.len() - 5].clone()];
    let mut seen: Vec<String> = Vec::new();
    let mut next = Some("/ogcapi/collections/resources/items?limit=7".to_owned());
    let mut pages = 0;
    while let Some(path) = next {
        let page = get(&app, &path).await;
        assert_eq!(
            (page.status, page.content_type.as_str()),
            (StatusCode::OK, "application/geo+json"),
            "{path}"
        );
        assert!(page.body["numberReturned"].as_u64().unwrap() <= 7);
        assert_eq!(page.body["numberReturned"].as_u64().unwrap() as usize, ids(&page.body).len());
        seen.extend(ids(&page.body));
        // Others edit the directory between two pages.
        let new = witgis::model::Resource::from_properties(
            json!({"id": format!("{}-new-{pages}", if pages % 2 == 0 { "aaa" } else { "zzz" }),
                   "name": "New", "category": "library", "country": "IT"})
            .as_object()
            .unwrap(),
            None,
        )
        .unwrap();
        state.write(Write::Create(new), "test").await.unwrap();
        if pages == 2 {
            for id in &doomed {
                state.write(Write::Delete { id: id.clone(), if_version: None }, "test").await.unwrap();
            }
        }
        pages += 1;
        next = href(&page.body, "next");
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no record is served twice");
    for id in before.iter().filter(|id| !doomed.contains(id)) {
        assert!(unique.contains(id), "{id} existed for the whole walk but was skipped");
    }
    assert!(pages > before.len() / 7, "the walk took {pages} pages");
}

#[tokio::test]
async fn prev_links_return_the_page_before() {
    let (app, _state, _db) = app().await;
    let first = get(&app, "/ogcapi/collections/resources/items?limit=10&country=IT").await;
    assert!(href(&first.body, "prev").is_none(), "the first page has no prev");
    let second = get(&app, &href(&first.body, "next").unwrap()).await;
    let back = get(&app, &href(&second.body, "prev").unwrap()).await;
    assert_eq!(ids(&back.body), ids(&first.body));
    assert!(href(&second.body, "next").unwrap().contains("country=IT"), "filters are kept in the links");
    assert!(ids(&second.body).iter().all(|id| id.starts_with("it-")), "{:?}", ids(&second.body));
}

#[tokio::test]
async fn bbox_limit_filters_and_number_matched() {
    let (app, state, _db) = app().await;
    let rome = [12.3, 41.8, 12.7, 42.0];
    let expected: BTreeSet<String> = state
        .snapshot()
        .index()
        .resources()
        .filter(|r| {
            r.point().is_some_and(|[x, y]| rome[0] <= x && x <= rome[2] && rome[1] <= y && y <= rome[3])
        })
        .filter(|r| r.category == witgis::model::Category::MentalHealthCentre)
        .map(|r| r.id.clone())
        .collect();
    assert!(expected.len() > 5, "Rome holds several mental health centres");
    let page = get(
        &app,
        "/ogcapi/collections/resources/items?bbox=12.3,41.8,12.7,42.0&category=mental_health_centre&limit=1000",
    )
    .await;
    assert_eq!(ids(&page.body).into_iter().collect::<BTreeSet<_>>(), expected);
    assert_eq!(page.body["numberMatched"], expected.len());
    assert!(href(&page.body, "next").is_none(), "limit=1000 serves the whole match in one page");

    let all = get(&app, "/ogcapi/collections/resources/items").await;
    assert_eq!(
        all.body["numberMatched"],
        state.snapshot().index().len(),
        "numberMatched counts the records without a point too"
    );
    assert_eq!(all.body["numberReturned"], 100, "the default limit");
}

#[tokio::test]
async fn bbox_across_the_antimeridian() {
    let (app, state, _db) = app().await;
    for (id, lon) in [("fj-east", 179.5), ("fj-west", -179.5), ("fj-far", 170.0)] {
        let r = witgis::model::Resource::from_properties(
            json!({"id": id, "name": id, "category": "crisis_service", "country": "FJ", "coord_precision": "city"})
                .as_object()
                .unwrap(),
            Some([lon, -17.0]),
        )
        .unwrap();
        state.write(Write::Create(r), "test").await.unwrap();
    }
    let across = get(&app, "/ogcapi/collections/resources/items?bbox=179,-20,-179,-15").await;
    assert_eq!(ids(&across.body), ["fj-east", "fj-west"]);
    let wide = get(&app, "/ogcapi/collections/resources/items?bbox=-179,-20,179,-15").await;
    assert_eq!(ids(&wide.body), ["fj-far"]);
}

#[tokio::test]
async fn datetime_filters_on_the_last_change() {
    let (app, state, db) = app().await;
    db.raw_sql(
        "UPDATE resource SET updated_at = '2024-01-10T08:00:00.000Z';
         UPDATE resource SET updated_at = '2025-06-01T12:00:00.000Z' WHERE id IN ('de-b-lib-agb', 'lt-kau-uni-vdu');",
    )
    .await;
    state.reload().await.unwrap();
    let newer = get(&app, "/ogcapi/collections/resources/items?datetime=2025-01-01T00:00:00Z/..").await;
    assert_eq!(newer.status, StatusCode::OK, "{}", newer.body);
    let mut got = ids(&newer.body);
    got.sort();
    let expected: Vec<String> = ["de-b-lib-agb", "lt-kau-uni-vdu"]
        .into_iter()
        .filter(|id| state.snapshot().index().get(id).is_some())
        .map(str::to_owned)
        .collect();
    assert_eq!(got, expected);
    let day = get(&app, "/ogcapi/collections/resources/items?datetime=2024-01-10&limit=1").await;
    assert_eq!(
        day.body["numberMatched"].as_u64().unwrap() as usize,
        state.snapshot().index().len() - expected.len()
    );
    let none = get(&app, "/ogcapi/collections/resources/items?datetime=../2023-12-31T23:59:59Z").await;
    assert_eq!(none.body["numberMatched"], 0);
    let coll = get(&app, "/ogcapi/collections/resources").await;
    assert_eq!(
        coll.body["extent"]["temporal"]["interval"][0],
        json!(["2024-01-10T08:00:00.000Z", "2025-06-01T12:00:00.000Z"])
    );
}

#[tokio::test]
async fn one_feature_by_id() {
    let (app, state, _db) = app().await;
    let r = state.snapshot().index().resources().next().expect("a resource").clone();
    let got = get(&app, &format!("/ogcapi/collections/resources/items/{}", r.id)).await;
    assert_eq!((got.status, got.content_type.as_str()), (StatusCode::OK, "application/geo+json"));
    assert_eq!(got.body["id"], r.id.as_str());
    assert_eq!(got.body["properties"]["name"], r.name.as_str());
    assert_eq!(href(&got.body, "collection").unwrap(), "/ogcapi/collections/resources");
    let missing = get(&app, "/ogcapi/collections/resources/items/no-such-id").await;
    assert_eq!(
        (missing.status, missing.content_type.as_str()),
        (StatusCode::NOT_FOUND, "application/problem+json")
    );
}

#[tokio::test]
async fn bad_requests_are_problems() {
    let (app, _state, _db) = app().await;
    for (uri, status) in [
        ("/ogcapi/collections/resources/items?limit=0", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?limit=10001", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?bbox=1,2,3", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?datetime=yesterday", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?cursor=42", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?colour=red", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?category=zoo", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/resources/items?f=html", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/nope/items", StatusCode::NOT_FOUND),
        ("/ogcapi/collections/nope", StatusCode::NOT_FOUND),
        ("/ogcapi/nothing-here", StatusCode::NOT_FOUND),
        ("/ogcapi/collections/regions/items?datetime=2026-01-01", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/regions/items?kind=planet", StatusCode::BAD_REQUEST),
        ("/ogcapi/collections/regions/items/no-such-region", StatusCode::NOT_FOUND),
    ] {
        let reply = get(&app, uri).await;
        assert_eq!(
            (reply.status, reply.content_type.as_str()),
            (status, "application/problem+json"),
            "{uri}"
        );
    }
}

async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = app.clone().oneshot(request.body(Body::from(body.to_owned())).unwrap()).await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn part_4_creates_without_an_id_replaces_patches_and_deletes() {
    let (app, state, db) = app().await;
    let mut tokens = Vec::new();
    for role in [witgis::auth::Role::Viewer, witgis::auth::Role::Editor] {
        let token = witgis::auth::new_token();
        db.store.create_token(role.as_str(), role, &witgis::auth::hash_token(&token)).await.unwrap();
        tokens.push(format!("Bearer {token}"));
    }
    let (viewer, editor) = (tokens[0].as_str(), tokens[1].as_str());
    let seeded = state.snapshot().index().len();
    let items = "/ogcapi/collections/resources/items";
    let geo = ("content-type", "application/geo+json");
    let new = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.5201, 41.8795]},
                     "properties": {"name": "Centro Diurno Città Nuova", "category": "day_centre", "country": "IT",
                                    "coord_precision": "street"}})
    .to_string();

    assert_eq!(call(&app, "POST", items, &[geo], &new).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        call(&app, "POST", items, &[geo, ("authorization", viewer)], &new).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, headers, body) = call(&app, "POST", items, &[geo, ("authorization", editor)], &new).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(headers["location"], "/ogcapi/collections/resources/items/it-centro-diurno-citta-nuova");
    assert_eq!(headers["etag"], "\"v1\"");
    let (status, headers, _) =
        call(&app, "POST", "/api/resources", &[geo, ("authorization", editor)], &new).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        headers["location"], "/api/resources/it-centro-diurno-citta-nuova-2",
        "a second one gets a suffix"
    );
    let (_, _, near) = call(&app, "GET", "/api/nearest?lon=12.5201&lat=41.8795&k=2", &[], "").await;
    assert_eq!(ids(&near), ["it-centro-diurno-citta-nuova", "it-centro-diurno-citta-nuova-2"]);

    let path = format!("{items}/it-centro-diurno-citta-nuova");
    let bad = json!({"type": "Feature", "geometry": null, "properties": {"name": "x", "category": "zoo", "country": "IT"}});
    let (status, _, _) = call(&app, "POST", items, &[geo, ("authorization", editor)], &bad.to_string()).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(state.snapshot().index().len(), seeded + 2, "a refused record is not stored");

    assert_eq!(
        call(&app, "PUT", &path, &[geo, ("authorization", editor)], &new).await.0,
        StatusCode::PRECONDITION_REQUIRED
    );
    let merge = ("content-type", "application/merge-patch+json");
    let patch = json!({"properties": {"phone": "+39 06 0000 0000"}}).to_string();
    let (status, headers, body) =
        call(&app, "PATCH", &path, &[merge, ("authorization", editor), ("if-match", "\"v1\"")], &patch).await;
    assert_eq!((status, headers["etag"].to_str().unwrap()), (StatusCode::OK, "\"v2\""), "{body}");
    let (status, _, _) =
        call(&app, "PATCH", &path, &[merge, ("authorization", editor), ("if-match", "\"v1\"")], &patch).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "a stale ETag loses no update");
    let (status, _, _) = call(&app, "DELETE", &path, &[("authorization", editor)], "").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(call(&app, "GET", &path, &[], "").await.0, StatusCode::NOT_FOUND);
    let conformance = get(&app, "/ogcapi/conformance").await;
    assert!(
        conformance.body["conformsTo"]
            .as_array()
            .unwrap()
            .contains(&json!("http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete"))
    );
}

#[tokio::test]
async fn regions_and_areas_are_collections_too() {
    let (app, state, db) = app().await;
    // The shipped regions: all of them walked in pages of 20, each once.
    let mut seen = Vec::new();
    let mut next = Some("/ogcapi/collections/regions/items?limit=20".to_owned());
    while let Some(path) = next {
        let page = get(&app, &path).await;
        assert_eq!(page.content_type, "application/geo+json");
        seen.extend(ids(&page.body));
        next = href(&page.body, "next");
    }
    let reference = common::reference();
    let regions: Vec<String> = reference.regions.all().iter().map(|a| a.id.clone()).collect();
    assert_eq!(seen, regions);
    // Lithuania's counties by country; a box around Vilnius holds Vilnius county.
    let lt = get(&app, "/ogcapi/collections/regions/items?country=LT&limit=100").await;
    assert_eq!(lt.body["numberMatched"], 10, "Lithuania has ten counties");
    let vilnius = get(&app, "/ogcapi/collections/regions/items?bbox=25.2,54.65,25.3,54.72").await;
    let found = ids(&vilnius.body);
    assert!(!found.is_empty());
    for id in &found {
        let area = reference.regions.get(id).unwrap();
        let r = area.bounds().unwrap();
        assert!(r.min().x <= 25.3 && 25.2 <= r.max().x && r.min().y <= 54.72 && 54.65 <= r.max().y, "{id}");
    }
    let one = get(&app, &format!("/ogcapi/collections/regions/items/{}", found[0])).await;
    assert_eq!(one.body["geometry"]["type"], "MultiPolygon");

    // Loaded areas: none on a fresh store, then the ones imported.
    let empty = get(&app, "/ogcapi/collections/areas/items").await;
    assert_eq!(empty.body["numberMatched"], 0);
    let square = |id: &str, x: f64| {
        json!({"type": "Feature", "id": id, "properties": {"name": id, "kind": "municipio", "country": "IT"},
               "geometry": {"type": "Polygon", "coordinates": [[[x, 41.0], [x + 0.1, 41.0], [x + 0.1, 41.1], [x, 41.1], [x, 41.0]]]}})
    };
    let fc = json!({"type": "FeatureCollection", "features": [square("test-area-a", 12.0), square("test-area-b", 13.0)]});
    let loaded = witgis::formats::areas::read(&fc.to_string()).unwrap();
    db.store.import_areas(&loaded).await.unwrap();
    state.reload().await.unwrap();
    let areas = get(&app, "/ogcapi/collections/areas/items?bbox=12.95,40.9,13.5,41.5").await;
    assert_eq!(ids(&areas.body), ["test-area-b"]);
    let headers = [("content-type", "application/geo+json")];
    let (status, _, _) = call(&app, "POST", "/ogcapi/collections/areas/items", &headers, "{}").await;
    assert!(status == StatusCode::METHOD_NOT_ALLOWED || status == StatusCode::UNAUTHORIZED, "{status}");
}
