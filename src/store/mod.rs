//! The store: the source of truth behind the in-memory snapshot.
//!
//! [`Store`] is every concern at once, so that callers hold one
//! `Arc<dyn Store>`; each concern is a trait of its own: [`ResourceStore`]
//! (reads, checked writes, history, import, seed), [`TokenStore`],
//! [`AreaStore`], [`DemandStore`], and [`StoreBackend`] (name, change feed,
//! health, backup). Two databases: embedded SQLite (the default, no server)
//! and PostGIS (`postgres://…`).
//!
//! Layers, each using only those above it:
//! - [`columns`]: a resource as table columns (shared by both).
//! - [`dialect`]: the seam where the SQL differs (placeholders, `now()`,
//!   timestamps and dates as text, point and outline geometry, row locks) and
//!   every statement, built once per dialect ([`dialect::SQLITE`],
//!   [`dialect::POSTGIS`]).
//! - [`sql`]: values ([`sql::Arg`]) bound the dialect's way, rows read by
//!   name, and, written once over any [`sql::Backend`], the concern traits
//!   for [`sql::SqlDb`]: resources, write transactions ([`WriteTx`]; the
//!   rules of a write live in [`ResourceStore::write`]), history, tokens,
//!   seeding, areas and demand. Check-constraint violations become
//!   [`StoreError::Refused`] (422) at the write that caused them.
//! - [`sqlite`], [`postgis`]: `SqlDb<Sqlite>` and `SqlDb<Postgres>`, with only
//!   what is their own: opening, value encoding, SQLite's `BEGIN IMMEDIATE`
//!   and hot backup, PostGIS's COPY import, advisory seed lock and
//!   LISTEN/NOTIFY.
//!
//! Errors: connection trouble, a PostgreSQL shutdown, and a SQLite file
//! locked by another connection past [`sqlite::BUSY_TIMEOUT`] are
//! [`StoreError::Unavailable`] (503); see `From<sqlx::Error>`.

pub mod columns;
pub mod dialect;
pub mod migrations;
pub mod parallel;
pub mod postgis;
pub mod sql;
pub mod sqlite;
pub mod transit;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::auth::Role;
use crate::model::demand::{Demand, NewDemand};
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
    /// The database refused a record its constraints forbid (and that the
    /// model let through): the record's fault, not the server's.
    #[error("the database refused '{id}': {reason}")]
    Refused {
        /// The record's id.
        id: String,
        /// The constraint's message.
        reason: String,
    },
    /// No resource has this id.
    #[error("no resource has the id '{0}'")]
    NotFound(String),
    /// A resource with this id exists already (perhaps deleted).
    #[error("a resource with the id '{id}' exists already{}", if *.deleted { " (deleted; an admin can restore it)" } else { "" })]
    AlreadyExists {
        /// The id.
        id: String,
        /// Whether the existing one is deleted.
        deleted: bool,
    },
    /// The resource is deleted.
    #[error("the resource '{0}' is deleted; an admin can restore it")]
    Deleted(String),
    /// Restoring a resource that is not deleted.
    #[error("the resource '{0}' is not deleted")]
    NotDeleted(String),
    /// The caller's version is not the current one (a lost update avoided).
    #[error("the resource '{id}' has changed: its current version is {current}")]
    VersionMismatch {
        /// The id.
        id: String,
        /// The current version.
        current: i64,
    },
    /// A token with this name exists already.
    #[error("a token named '{0}' exists already (revoked names are not reused)")]
    TokenExists(String),
    /// This store cannot do it (the message says what to use instead).
    #[error("{0}")]
    Unsupported(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    /// Connection trouble (server down, restarting, pool exhausted) becomes
    /// [`StoreError::Unavailable`]; anything else stays a database error.
    fn from(e: sqlx::Error) -> StoreError {
        use sqlx::Error as E;
        match &e {
            E::Io(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Protocol(_) => {
                StoreError::Unavailable(e.to_string())
            }
            // SQLite busy (5) or locked (6), extended codes included: another
            // connection holds the file's lock longer than the busy timeout.
            E::Database(db) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
                match db.code().and_then(|c| c.parse::<i32>().ok()).map(|c| c & 0xff) {
                    Some(5 | 6) => StoreError::Unavailable(e.to_string()),
                    _ => StoreError::Database(e),
                }
            }
            // Postgres classes 08 (connection exception) and 57 (operator
            // intervention: shutdown, restart).
            E::Database(db) if db.code().is_some_and(|c| c.starts_with("08") || c.starts_with("57")) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Database(e),
        }
    }
}

/// A resource as stored, with its version and whether it is deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    /// The record.
    pub resource: Resource,
    /// Starts at 1; every change adds one. Sent as the ETag.
    pub version: i64,
    /// Soft-deleted: kept with its history, hidden from reads.
    pub deleted: bool,
    /// When the record last changed in the store.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Reads a stored timestamp (RFC 3339 text in UTC, as both stores write it).
pub(crate) fn parse_utc(id: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>, StoreError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Invalid { id: id.to_owned(), reason: format!("updated_at '{text}': {e}") })
}

/// One change to a resource.
#[derive(Debug, Clone)]
pub enum Write {
    /// Adds a new resource; its id must be unused.
    Create(Resource),
    /// Replaces a resource whose current version is `if_version`.
    Replace {
        /// The new record (same id).
        resource: Resource,
        /// The version the caller changed.
        if_version: i64,
    },
    /// Soft-deletes a resource, checking its version when given.
    Delete {
        /// Which resource.
        id: String,
        /// The version the caller saw, if any.
        if_version: Option<i64>,
    },
    /// Undoes a soft delete.
    Restore {
        /// Which resource.
        id: String,
    },
}

/// What kind of change a history entry records.
pub mod action {
    /// A new resource through the API.
    pub const CREATE: &str = "create";
    /// A replacement or patch through the API.
    pub const UPDATE: &str = "update";
    /// A soft delete.
    pub const DELETE: &str = "delete";
    /// A restore.
    pub const RESTORE: &str = "restore";
    /// Written by `witgis import` or the first-start seed.
    pub const IMPORT: &str = "import";
}

/// One entry of a resource's history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The version the change produced.
    pub version: i64,
    /// `create`, `update`, `delete`, `restore` or `import`.
    pub action: String,
    /// The token name (or `import`, `seed`) that made it.
    pub actor: String,
    /// When, in UTC (RFC 3339).
    pub at: String,
    /// The Feature before the change (`null` for a new or deleted resource).
    pub before: Option<Value>,
    /// The Feature after the change (`null` when deleted).
    pub after: Option<Value>,
}

/// A change to record, as handed to [`WriteTx::record`].
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    /// The resource's id.
    pub id: &'a str,
    /// The version the change produced.
    pub version: i64,
    /// One of [`action`].
    pub action: &'static str,
    /// Who made it.
    pub actor: &'a str,
    /// The Feature before.
    pub before: Option<Value>,
    /// The Feature after.
    pub after: Option<Value>,
}

/// An API token as listed (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Unique name, recorded as the author of changes.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was created (UTC, RFC 3339).
    pub created_at: String,
    /// Revoked tokens are refused.
    pub revoked: bool,
    /// After this (UTC, RFC 3339) the token is refused; `None`: never.
    pub expires_at: Option<String>,
}

impl TokenInfo {
    /// Whether the token has expired at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at
            .as_deref()
            .is_some_and(|t| DateTime::parse_from_rfc3339(t).map_or(true, |t| t.with_timezone(&Utc) <= now))
    }
}

/// What a [`ChangeFeed`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// This resource changed (or was deleted or restored).
    Changed(String),
    /// Many changed, or notices may have been missed: reload everything.
    Resync,
}

/// Changes made by any process sharing the database (PostGIS LISTEN/NOTIFY).
#[async_trait]
pub trait ChangeFeed: Send {
    /// Waits for the next notice. After an error (the database went away)
    /// the caller waits a little and calls again: the feed reconnects and then
    /// answers [`Notice::Resync`], since notices may have been missed.
    async fn next(&mut self) -> Result<Notice, StoreError>;

    /// A notice that has already arrived, without waiting, so that a burst
    /// of changes is applied at once; `None` when there is none (the default).
    fn buffered(&mut self) -> Option<Notice> {
        None
    }
}

/// The statements of one write transaction; [`ResourceStore::write`] holds the rules.
#[async_trait]
pub trait WriteTx: Send {
    /// The resource with this id, deleted or not, locked until commit.
    async fn current(&mut self, id: &str) -> Result<Option<Stored>, StoreError>;
    /// Inserts a new resource at version 1.
    async fn insert(&mut self, r: &Resource) -> Result<i64, StoreError>;
    /// Replaces an existing resource's values; returns the new version.
    async fn update(&mut self, r: &Resource) -> Result<i64, StoreError>;
    /// Marks a resource deleted or not; returns the new version.
    async fn set_deleted(&mut self, id: &str, deleted: bool) -> Result<i64, StoreError>;
    /// Appends to the history.
    async fn record(&mut self, change: NewChange<'_>) -> Result<(), StoreError>;
    /// Commits (and tells other instances which ids changed).
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// The Feature JSON a history entry keeps.
pub fn history_json(r: &Resource) -> Value {
    crate::formats::geojson::feature(r, [])
}

/// [`history_json`] as text, serialised without building the value first
/// (for imports, where it is most of the work per record).
pub fn history_text(r: &Resource) -> String {
    serde_json::to_string(&crate::formats::geojson::ResourceFeature::new(r)).unwrap_or_else(|_| "null".into())
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

/// Resources: reads, checked writes with their history, bulk import and
/// the first-start seed.
#[async_trait]
pub trait ResourceStore: Send + Sync + 'static {
    /// Every resource that is not deleted.
    async fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        Ok(self.resources_versioned().await?.into_iter().map(|s| s.resource).collect())
    }

    /// Every resource that is not deleted, with its version and last change.
    async fn resources_versioned(&self) -> Result<Vec<Stored>, StoreError>;

    /// One resource, deleted or not.
    async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError>;

    /// Every resource whose id starts with `prefix`, deleted ones too, in id
    /// order, read in one query: what an import from one source (e.g.
    /// `osm-`) compares its next extract with.
    async fn with_prefix(&self, prefix: &str) -> Result<Vec<Stored>, StoreError>;

    /// Begins a write transaction (see [`ResourceStore::write`]).
    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError>;

    /// Applies one change in one transaction, with its history entry:
    /// checks existence, deletion and the expected version first, and
    /// changes nothing when a check fails.
    async fn write(&self, write: Write, actor: &str) -> Result<Stored, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = match &write {
            Write::Create(r) | Write::Replace { resource: r, .. } => r.id.clone(),
            Write::Delete { id, .. } | Write::Restore { id } => id.clone(),
        };
        let current = tx.current(&id).await?;
        let (stored, action, before, after) = match (write, current) {
            (Write::Create(r), Some(existing)) => {
                return Err(StoreError::AlreadyExists { id: r.id, deleted: existing.deleted });
            }
            (Write::Create(r), None) => {
                let version = tx.insert(&r).await?;
                let after = Some(history_json(&r));
                let r = r.stored_part();
                (
                    Stored { resource: r, version, deleted: false, updated_at: chrono::Utc::now() },
                    action::CREATE,
                    None,
                    after,
                )
            }
            (_, None) => return Err(StoreError::NotFound(id)),
            (Write::Restore { .. }, Some(old)) => {
                if !old.deleted {
                    return Err(StoreError::NotDeleted(id));
                }
                let version = tx.set_deleted(&id, false).await?;
                let after = Some(history_json(&old.resource));
                (
                    Stored { resource: old.resource, version, deleted: false, ..old },
                    action::RESTORE,
                    None,
                    after,
                )
            }
            (_, Some(old)) if old.deleted => return Err(StoreError::Deleted(id)),
            (Write::Replace { resource, if_version }, Some(old)) => {
                if if_version != old.version {
                    return Err(StoreError::VersionMismatch { id, current: old.version });
                }
                let version = tx.update(&resource).await?;
                let (before, after) = (Some(history_json(&old.resource)), Some(history_json(&resource)));
                let resource = resource.stored_part();
                (Stored { resource, version, deleted: false, ..old }, action::UPDATE, before, after)
            }
            (Write::Delete { if_version, .. }, Some(old)) => {
                if if_version.is_some_and(|v| v != old.version) {
                    return Err(StoreError::VersionMismatch { id, current: old.version });
                }
                let version = tx.set_deleted(&id, true).await?;
                let before = Some(history_json(&old.resource));
                (
                    Stored { resource: old.resource, version, deleted: true, ..old },
                    action::DELETE,
                    before,
                    None,
                )
            }
        };
        tx.record(NewChange { id: &id, version: stored.version, action, actor, before, after }).await?;
        let updated_at = tx.current(&id).await?.map_or(stored.updated_at, |now| now.updated_at);
        tx.commit().await?;
        Ok(Stored { updated_at, ..stored })
    }

    /// The history of a resource, oldest first; empty if it never existed.
    async fn history(&self, id: &str) -> Result<Vec<Change>, StoreError>;

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
    async fn seed_once(&self, seed: &[Resource]) -> Result<bool, StoreError> {
        self.seed_once_with(seed, &[]).await
    }

    /// [`Store::seed_once`], and in the same transaction the `areas` too,
    /// unless the store holds areas already (loaded before the first start:
    /// those are kept as they are).
    async fn seed_once_with(&self, seed: &[Resource], areas: &[Area]) -> Result<bool, StoreError>;
}

/// API tokens (only their hashes are stored).
#[async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// Stores a new token's hash under a unique name.
    async fn create_token(&self, name: &str, role: Role, hash: &str) -> Result<(), StoreError> {
        self.create_token_until(name, role, hash, None).await
    }

    /// Stores a new token's hash under a unique name, refused after
    /// `expires` when given.
    async fn create_token_until(
        &self,
        name: &str,
        role: Role,
        hash: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;

    /// Every token, revoked ones included, by name.
    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError>;

    /// Revokes a token; false if no active token has this name.
    async fn revoke_token(&self, name: &str) -> Result<bool, StoreError>;

    /// The token with this hash, unless revoked (expired ones included:
    /// the caller checks [`TokenInfo::expired`]).
    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StoreError>;
}

/// Area outlines (municipi, districts...).
#[async_trait]
pub trait AreaStore: Send + Sync + 'static {
    /// Every area.
    async fn areas(&self) -> Result<Vec<Area>, StoreError>;

    /// Inserts the areas, replacing those with the same id, in one
    /// transaction: all are written or none.
    async fn import_areas(&self, areas: &[Area]) -> Result<ImportCounts, StoreError>;
}

/// The anonymous demand log: appended, read by date, withdrawn only by
/// its author for a while.
#[async_trait]
pub trait DemandStore: Send + Sync + 'static {
    /// Appends an anonymous demand record logged by the token `actor`, in one
    /// transaction. Records are never changed or deleted afterwards.
    async fn log_demand(&self, demand: &NewDemand, actor: &str) -> Result<Demand, StoreError>;

    /// The demand records dated from `from` to `to` (both included, either
    /// open), oldest first, in one transaction.
    async fn demand(&self, from: Option<NaiveDate>, to: Option<NaiveDate>)
    -> Result<Vec<Demand>, StoreError>;

    /// One demand record.
    async fn demand_record(&self, id: &str) -> Result<Option<Demand>, StoreError>;

    /// The records the token `actor` logged from `since` on, oldest first.
    async fn demand_by(&self, actor: &str, since: DateTime<Utc>) -> Result<Vec<Demand>, StoreError>;

    /// Deletes the record `id` if the token `actor` logged it from `since`
    /// on; false (and nothing changed) otherwise.
    async fn withdraw_demand(&self, id: &str, actor: &str, since: DateTime<Utc>) -> Result<bool, StoreError>;
}

/// What only one database can do or says of itself: its name, a feed of
/// other processes' changes, a health check, a hot backup.
#[async_trait]
pub trait StoreBackend: Send + Sync + 'static {
    /// A short name for logs: "sqlite" or "postgis".
    fn kind(&self) -> &'static str;

    /// Follows changes made by other processes, when the store can tell
    /// (PostGIS: every change; SQLite: bulk imports); `None` otherwise.
    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeFeed>>, StoreError> {
        Ok(None)
    }

    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Writes a consistent copy of the whole store to a new file `to`, while
    /// it keeps serving. Only the embedded store can; PostGIS is backed up
    /// with `pg_dump` (see docs/operations.md).
    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        let _ = to;
        Err(StoreError::Unsupported(format!(
            "the {} store is backed up with its own tools: pg_dump -Fc DATABASE (see docs/operations.md)",
            self.kind()
        )))
    }
}

/// What the last `witgis import-places` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceImport {
    /// The extract's file name.
    pub source: String,
    /// When (RFC 3339, UTC).
    pub imported_at: String,
    /// How many houses, streets and named places.
    pub places: i64,
}

/// The street map place search uses (see [`crate::streets`]).
#[async_trait]
pub trait PlaceStore: Send + Sync + 'static {
    /// Replaces every place with `places`, all or nothing, noting `source`;
    /// `progress` hears the rows written so far.
    async fn replace_places(
        &self,
        places: &[crate::streets::OsmPlace],
        source: &str,
        progress: Progress<'_>,
    ) -> Result<(), StoreError>;

    /// Every place.
    async fn places(&self) -> Result<Vec<crate::streets::OsmPlace>, StoreError>;

    /// What the last import wrote, if any.
    async fn places_import(&self) -> Result<Option<PlaceImport>, StoreError>;
}

/// The source of truth: every concern, so that callers hold one
/// `Arc<dyn Store>`. Implemented for any type that implements them all.
pub trait Store:
    ResourceStore + TokenStore + AreaStore + DemandStore + PlaceStore + transit::TransitStore + StoreBackend
{
}

impl<T> Store for T where
    T: ResourceStore
        + TokenStore
        + AreaStore
        + DemandStore
        + PlaceStore
        + transit::TransitStore
        + StoreBackend
{
}

/// What the configuration says about a store beyond its URL; the store
/// reads no environment itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// With PostGIS: how long a request waits for a pooled connection
    /// before the store answers "unavailable" (HTTP 503).
    pub acquire_timeout: std::time::Duration,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions { acquire_timeout: postgis::ACQUIRE_TIMEOUT }
    }
}

/// Opens (creating and migrating when needed) the store a URL names, with
/// the default [`StoreOptions`].
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, &StoreOptions::default()).await
}

/// Opens the store a URL names, as `options` say.
pub async fn open_with(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::open(url).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgis::PostgisStore::open_with(url, options).await?))
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

/// The areas a new store starts with: Rome's 15 municipi from OpenStreetMap
/// (`data/rome-municipi.geojson`, ODbL, © OpenStreetMap contributors), with
/// their shipped populations (31 Dec 2010), so that a fresh install finds
/// the competent centre for any point in Rome.
pub fn seed_areas() -> Result<Vec<Area>, crate::formats::ReadError> {
    let mut areas = crate::formats::areas::read(include_str!("../../data/rome-municipi.geojson"))?;
    crate::formats::areas::fill_known_populations(&mut areas);
    Ok(areas)
}
