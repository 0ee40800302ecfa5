//! Shared test support: a throwaway PostGIS cluster, fresh databases for
//! both stores, a minimal HTTP client, and the witgis binary as a server.
#![allow(dead_code, clippy::unwrap_used)]

pub mod http;
pub mod pg;

use std::sync::Arc;

use tempfile::TempDir;
use witgis::store::{self, Store};

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
        let store = store::open(&url).await.unwrap();
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
