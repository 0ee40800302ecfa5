//! Shared helpers for the integration tests: valid resources, a seeded app,
//! a throwaway PostGIS cluster, fresh databases for both stores, a minimal
//! HTTP client, and the witgis binary as a server.
#![allow(dead_code, clippy::unwrap_used)]

pub mod http;
pub mod pg;
pub mod router;

use std::sync::Arc;

use serde_json::{Value, json};
use tempfile::TempDir;
use witgis::model::Resource;
use witgis::store::{self, Store};

/// Rome-like municipi drawn by hand for the tests (not the real boundaries:
/// see tests/fixtures/README.md).
pub const ROME_MUNICIPI: &str = "tests/fixtures/rome-municipi.geojson";

/// The 15 fixture municipi, read through the import's own reader.
pub fn rome_municipi() -> Vec<witgis::model::Area> {
    let text = std::fs::read_to_string(ROME_MUNICIPI).expect("tests/fixtures/rome-municipi.geojson");
    witgis::formats::areas::read(&text).unwrap_or_else(|e| panic!("{}", e.report(ROME_MUNICIPI)))
}

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

/// The embedded reference data, parsed once per test binary (as `witgis
/// serve` does once at start-up).
pub fn reference() -> Arc<witgis::reference::ReferenceData> {
    Arc::clone(shipped())
}

fn shipped() -> &'static Arc<witgis::reference::ReferenceData> {
    static SHIPPED: std::sync::OnceLock<Arc<witgis::reference::ReferenceData>> = std::sync::OnceLock::new();
    SHIPPED
        .get_or_init(|| Arc::new(witgis::reference::ReferenceData::load().unwrap_or_else(|e| panic!("{e}"))))
}

/// What coverage counts people with: these localities, and the shipped
/// regions and populations.
pub fn census(localities: &witgis::coverage::Localities) -> witgis::coverage::Census<'_> {
    witgis::coverage::Census { localities, ..shipped().census() }
}

/// The application over a fresh SQLite store seeded from `data/`, built as
/// `witgis serve` builds it (with a query budget no slow test machine
/// reaches), in a temp dir kept alive by the returned guard.
pub async fn seeded_app() -> (axum::Router, Arc<witgis::state::AppState>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let args = witgis::config::ServeArgs::parse_from(["--database-url", &url, "--query-budget-ms", "600000"])
        .expect("serve options");
    let app = witgis::app::build(&args).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        app.state.snapshot().index().len(),
        witgis::store::seed().expect("seed").len(),
        "seeded from data/"
    );
    (app.router, app.state, dir)
}

/// A fresh, empty store of one kind, removed when dropped (SQLite) or left
/// in the throwaway cluster (PostGIS).
pub struct TestDb {
    /// The opened store.
    pub store: Arc<dyn Store>,
    /// Its URL, for raw SQL or a spawned server.
    pub url: String,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// An empty SQLite file in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = store::open(&url).await.unwrap();
        TestDb { store, url, _dir: Some(dir) }
    }

    /// An empty database in the shared PostGIS cluster (or `DATABASE_URL`).
    pub async fn postgis() -> TestDb {
        let url = pg::fresh_database(&pg::admin_url()).await;
        // The suite's machine is busy on purpose: wait long for a pooled
        // connection, as the suite's WITGIS_DB_WAIT_MS tells the binary.
        let options = store::StoreOptions { acquire_timeout: std::time::Duration::from_secs(30) };
        let store = store::open_with(&url, &options).await.unwrap();
        TestDb { store, url, _dir: None }
    }

    /// Makes the database refuse to insert or update the resource `id`, to
    /// fail a transaction halfway.
    pub async fn poison(&self, id: &str) {
        let sql = if self.url.starts_with("sqlite:") {
            format!(
                "CREATE TRIGGER poison_insert BEFORE INSERT ON resource WHEN NEW.id = '{id}' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned'); END;
                 CREATE TRIGGER poison_update BEFORE UPDATE ON resource WHEN NEW.id = '{id}' \
                 BEGIN SELECT RAISE(ABORT, 'poisoned'); END;"
            )
        } else {
            format!(
                "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.id = '{id}' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$;
                 CREATE TRIGGER poison BEFORE INSERT OR UPDATE ON resource FOR EACH ROW EXECUTE FUNCTION poison();"
            )
        };
        self.raw_sql(&sql).await;
    }

    /// Runs SQL statements directly on the database, returning any error.
    pub async fn try_raw_sql(&self, sql: &str) -> Result<(), sqlx::Error> {
        use sqlx::Connection as _;
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
            sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await?;
            sqlx::raw_sql(sql).execute(&mut c).await.map(|_| ())
        }
    }

    /// Runs SQL statements directly on the database.
    pub async fn raw_sql(&self, sql: &str) {
        use sqlx::Connection as _;
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
        }
    }
}

/// Runs SQL on a PostgreSQL database and returns the first column of each row
/// as text.
pub async fn pg_texts(url: &str, sql: &str) -> Result<Vec<String>, sqlx::Error> {
    use sqlx::Connection as _;
    let mut c = sqlx::PgConnection::connect(url).await?;
    sqlx::query_scalar(sql).fetch_all(&mut c).await
}
