//! The embedded store: one SQLite file, created and migrated on open. Its
//! statements are the shared layer's ([`super::sql`]); only the connection,
//! the value encoding and the hot backup are its own.

use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions as _, Pool, Row as _, Sqlite, SqliteConnection};

use super::columns::{LISTS, Row, TEXT};
use super::dialect::{SQLITE, Statements};
use super::parallel::Decoder;
use super::sql::{Arg, Backend, Encoded, SqlDb, impl_conn};
use super::{ChangeFeed, Notice, StoreBackend, StoreError, Stored, parse_utc};

/// How long a statement waits for another connection's lock on the file
/// before the store answers "unavailable".
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Resources in a SQLite file.
pub type SqliteStore = SqlDb<Sqlite>;

/// How often a server on SQLite looks whether another process made a bulk
/// change (`witgis import`, `witgis import-areas`).
pub const NOTICE_POLL: Duration = Duration::from_secs(1);

/// The bulk-change counter of the `notice` table.
const NOTICE_SEQ: &str = "SELECT seq FROM notice WHERE id = 1";

/// Bulk changes by other processes sharing the file: the `notice` counter,
/// polled every [`NOTICE_POLL`]; a move answers [`Notice::Resync`].
struct SqliteFeed {
    pool: Pool<Sqlite>,
    seq: i64,
}

#[async_trait]
impl ChangeFeed for SqliteFeed {
    async fn next(&mut self) -> Result<Notice, StoreError> {
        loop {
            let seq: i64 = sqlx::query_scalar(NOTICE_SEQ).fetch_one(&self.pool).await?;
            if seq != self.seq {
                self.seq = seq;
                return Ok(Notice::Resync);
            }
            tokio::time::sleep(NOTICE_POLL).await;
        }
    }
}

impl SqlDb<Sqlite> {
    /// Opens `sqlite://PATH`, creating the file if it is missing, and applies
    /// pending migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // A long import statement is expected work, not a warning: like the
            // PostGIS store, statements are logged at trace and slow ones at debug.
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(1));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{url}: {e}")))?;
        super::migrations::SQLITE.migrator().await?.run(&pool).await?;
        Ok(SqlDb { pool })
    }
}

/// A time as the text columns hold it: UTC, milliseconds, so that text order
/// is time order.
fn timestamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[async_trait]
impl Backend for Sqlite {
    // IMMEDIATE takes the write lock now, so that what the transaction reads
    // cannot change before it writes.
    const BEGIN: &'static str = "BEGIN IMMEDIATE";

    /// A bulk change (`*`) bumps the `notice` counter that servers on this
    /// file poll; a single write is the serving process's own.
    async fn announce(tx: &mut SqliteConnection, changed: Vec<String>) -> Result<(), StoreError> {
        if changed.iter().any(|id| id == "*") {
            sqlx::query("UPDATE notice SET seq = seq + 1 WHERE id = 1").execute(&mut *tx).await?;
        }
        Ok(())
    }

    fn statements() -> &'static Statements {
        &SQLITE
    }

    /// Reads the records a thousand at a time (see [`LIVE_BATCH_SQL`]) in
    /// rowid order, in one read transaction, decoding them on every core
    /// meanwhile, then puts them in id order.
    async fn live(pool: &Pool<Sqlite>) -> Result<Vec<Stored>, StoreError> {
        let mut tx = pool.begin().await?;
        let mut decoder = Decoder::new(1, live_batches);
        let mut after = i64::MIN;
        loop {
            let end: Option<i64> = sqlx::query_scalar(BATCH_END)
                .bind(after)
                .bind(LIVE_BATCH - 1)
                .fetch_optional(&mut *tx)
                .await?;
            let batch: String = sqlx::query_scalar(LIVE_BATCH_SQL.as_str())
                .bind(after)
                .bind(end.unwrap_or(i64::MAX))
                .fetch_one(&mut *tx)
                .await?;
            decoder.push(batch).await?;
            match end {
                Some(end) => after = end,
                None => break,
            }
        }
        tx.commit().await?;
        let mut out = decoder.finish().await?;
        out.sort_unstable_by(|a, b| a.resource.id.cmp(&b.resource.id));
        Ok(out)
    }

    fn bind<'q>(
        query: Query<'q, Sqlite, SqliteArguments<'q>>,
        arg: Arg,
    ) -> Query<'q, Sqlite, SqliteArguments<'q>> {
        match arg {
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::Float(v) => query.bind(v),
            Arg::List(items) => query.bind(Value::from(items).to_string()),
            Arg::Json(v) => query.bind(v.map(|v| v.to_string())),
            Arg::Time(t) => query.bind(t.map(timestamp)),
            Arg::Date(d) => query.bind(d.map(|d| d.format("%Y-%m-%d").to_string())),
        }
    }
}

/// Records read per statement at start-up.
const LIVE_BATCH: i64 = 1024;

/// The rowid that ends the batch after rowid `?1` (none for the last batch).
const BATCH_END: &str = "SELECT rowid FROM resource WHERE rowid > ?1 ORDER BY rowid LIMIT 1 OFFSET ?2";

/// The live records with a rowid in `(?1, ?2]` as one JSON array of
/// [`LiveRecord`]s. The driver copies every value of every row it hands over
/// between two threads, which for a million rows of thirty columns costs
/// far more than reading them: one value per thousand records does not.
/// Points are written as text of 17 significant digits, which reads back as
/// the very same double (SQLite's JSON numbers keep only 15).
static LIVE_BATCH_SQL: LazyLock<String> = LazyLock::new(|| {
    let coordinate = |c: &str| format!("CASE WHEN {c} IS NULL THEN NULL ELSE printf('%!.17g', {c}) END");
    let lists: Vec<String> = LISTS.iter().map(|c| format!("json({c})")).collect();
    format!(
        "SELECT json_group_array(json_array(json_array({}), json_array({}), {}, {}, version, updated_at)) \
         FROM resource WHERE rowid > ?1 AND rowid <= ?2 AND deleted_at IS NULL",
        TEXT.join(", "),
        lists.join(", "),
        coordinate("lon"),
        coordinate("lat")
    )
});

/// One live record as [`LIVE_BATCH_SQL`] writes it: the [`TEXT`] columns, the
/// [`LISTS`], longitude and latitude as text, version, `updated_at`.
type LiveRecord = (Vec<Option<String>>, Vec<Value>, Option<String>, Option<String>, i64, String);

/// Decodes batches of [`LIVE_BATCH_SQL`].
fn live_batches(batches: Vec<String>) -> Result<Vec<Stored>, StoreError> {
    let mut out = Vec::new();
    for batch in batches {
        let records: Vec<LiveRecord> = serde_json::from_str(&batch).map_err(|e| StoreError::Invalid {
            id: "a batch of records".into(),
            reason: format!("unreadable: {e}"),
        })?;
        out.reserve(records.len());
        for record in records {
            out.push(live_record(record)?);
        }
    }
    Ok(out)
}

/// Rebuilds a resource from its [`LiveRecord`].
fn live_record((text, lists, lon, lat, version, updated_at): LiveRecord) -> Result<Stored, StoreError> {
    let coordinate = |v: Option<String>| {
        v.map(|v| {
            v.parse::<f64>().map_err(|e| StoreError::Invalid {
                id: text.first().cloned().flatten().unwrap_or_default(),
                reason: format!("coordinate '{v}': {e}"),
            })
        })
        .transpose()
    };
    let point = coordinate(lon)?.zip(coordinate(lat)?).map(|(lon, lat)| [lon, lat]);
    let resource = Row { text, lists, point }
        .into_resource()
        .map_err(|(id, reason)| StoreError::Invalid { id, reason })?;
    let updated_at = parse_utc(&resource.id, &updated_at)?;
    Ok(Stored { resource, version, deleted: false, updated_at })
}

impl Encoded for SqliteRow {
    fn list(&self, column: &str) -> Result<Value, StoreError> {
        let json: String = self.try_get(column)?;
        Ok(serde_json::from_str(&json).unwrap_or(Value::String(json)))
    }

    fn json(&self, column: &str) -> Result<Option<Value>, StoreError> {
        let json: Option<String> = self.try_get(column)?;
        Ok(json.and_then(|s| serde_json::from_str(&s).ok()))
    }
}

impl_conn!(SqliteConnection, Sqlite);

#[async_trait]
impl StoreBackend for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeFeed>>, StoreError> {
        let seq: i64 = sqlx::query_scalar(NOTICE_SEQ).fetch_one(&self.pool).await?;
        Ok(Some(Box::new(SqliteFeed { pool: self.pool.clone(), seq })))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn backup(&self, to: &std::path::Path) -> Result<(), StoreError> {
        if to.exists() {
            return Err(StoreError::Unsupported(format!(
                "{} exists already; give a new file name (a backup never overwrites)",
                to.display()
            )));
        }
        // VACUUM INTO reads one consistent snapshot (a read transaction) while
        // writers go on; written beside the target, then renamed, so that a
        // file at `to` is always a whole backup.
        let partial = to.with_extension("partial");
        let _ = std::fs::remove_file(&partial);
        let path = partial.to_str().ok_or_else(|| StoreError::Unsupported("the path is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO ?1").bind(path).execute(&self.pool).await?;
        std::fs::rename(&partial, to).map_err(|e| {
            StoreError::Unavailable(format!("cannot move the backup to {}: {e}", to.display()))
        })?;
        Ok(())
    }
}
