//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::{Value, json};
use witgis::model::Resource;

/// A valid resource at a point, built through the public validating API.
pub fn resource(
    id: &str,
    point: Option<[f64; 2]>,
    category: &str,
    country: &str,
    topics: &[&str],
) -> Resource {
    let props = json!({
        "id": id,
        "name": format!("Resource {id}"),
        "category": category,
        "country": country,
        "topics": topics,
        "coord_precision": point.map(|_| "street"),
    });
    let Value::Object(map) = props else { unreachable!() };
    Resource::from_properties(&map, point).unwrap_or_else(|e| panic!("{id}: {e}"))
}

/// The router over a fresh SQLite store seeded from `data/`, in a temp dir
/// kept alive by the returned guard.
pub async fn seeded_app() -> (axum::Router, Arc<witgis::state::AppState>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let store = witgis::store::open(&url).await.expect("open store");
    let seed = witgis::store::seed().expect("seed");
    assert!(store.seed_once(&seed).await.expect("seed store"));
    let state = Arc::new(witgis::state::AppState::load(store).await.expect("load"));
    (witgis::http::router(state.clone()), state, dir)
}
