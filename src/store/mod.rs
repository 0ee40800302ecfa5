//! The store: the source of truth behind the in-memory snapshot.
//!
//! One small trait, [`Store`], with an embedded SQLite implementation (the
//! default, no server needed). The PostGIS store implements the same trait.

pub mod columns;
pub mod sqlite;

use std::sync::Arc;

use async_trait::async_trait;

use crate::model::{Area, Resource};

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://witgis.db";

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no store this build knows.
    #[error("unsupported database URL '{0}': use sqlite://PATH (embedded) or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    /// The database cannot be reached or opened.
    #[error("the database is not available: {0}")]
    Unavailable(String),
    /// Migrating the schema failed.
    #[error("could not migrate the database schema: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored row no longer passes validation (edited by hand?).
    #[error("stored resource '{id}' is invalid: {reason}")]
    Invalid {
        /// The row's id.
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Records that were new.
    pub created: usize,
    /// Records that replaced one with the same id.
    pub updated: usize,
}

/// Called with the number of records written so far.
pub type Progress<'a> = &'a (dyn Fn(usize) + Send + Sync);

/// The source of truth for resources.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// A short name for logs: "sqlite" or "postgis".
    fn kind(&self) -> &'static str;

    /// Every resource that is not deleted.
    async fn resources(&self) -> Result<Vec<Resource>, StoreError>;

    /// Inserts the resources, replacing those with the same id, in one
    /// transaction: all are written or none.
    async fn import(
        &self,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<ImportCounts, StoreError>;

    /// Imports `seed` if this store has never been seeded and holds no
    /// resource; true if it did. Records that the store was seeded, so that
    /// deleting every resource later does not bring the seed back.
    async fn seed_once(&self, seed: &[Resource]) -> Result<bool, StoreError>;

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Every area.
    async fn areas(&self) -> Result<Vec<Area>, StoreError>;

    /// Inserts the areas, replacing those with the same id, in one
    /// transaction: all are written or none.
    async fn import_areas(&self, areas: &[Area]) -> Result<ImportCounts, StoreError>;
}

/// Opens (creating and migrating when needed) the store a URL names.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else {
        Err(StoreError::UnsupportedUrl(redact(url)))
    }
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// The seed shipped with the binary, built from `data/resources.geojson`.
pub fn seed() -> Result<Vec<Resource>, crate::formats::ReadError> {
    crate::formats::geojson::read(include_str!("../../data/resources.geojson"))
}
