//! The production store: PostgreSQL with PostGIS. Resources live in one
//! spatial table (`geometry(Point, 4326)` with a GiST index); imports stream
//! through `COPY`; every commit that changes resources sends a NOTIFY so that
//! other instances on the same database refresh their snapshots. Its
//! statements are the shared layer's ([`super::sql`]); COPY, LISTEN/NOTIFY and
//! the value encoding are its own.

use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use futures_util::TryStreamExt as _;
use serde_json::Value;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgListener, PgPoolOptions, PgRow};
use sqlx::query::Query;
use sqlx::{ConnectOptions as _, PgConnection, PgPool, Postgres, Row as _};

use super::dialect::{POSTGIS, Statements};
use super::parallel::Decoder;
use super::sql::{Arg, Backend, Conn as _, Encoded, SqlDb, impl_conn, stored};
use super::{ChangeFeed, Notice, Progress, StoreBackend, StoreError, Stored, history_text};
use crate::model::Resource;

/// The NOTIFY channel; the payload is a resource id, or `*` for "reload all".
pub const CHANNEL: &str = "witgis_resource";

/// How long a request waits for a database connection before answering
/// 503, unless the configuration says otherwise ([`super::StoreOptions`]).
pub(super) const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Rows decoded per task at start-up.
const LIVE_CHUNK: usize = 1024;

/// Rows sent per COPY chunk (and per progress report).
const COPY_CHUNK_ROWS: usize = 20_000;

/// Resources in a PostGIS database.
pub type PostgisStore = SqlDb<Postgres>;

impl SqlDb<Postgres> {
    /// Connects to `postgres://…` and applies pending migrations (which
    /// create the `postgis` extension if it is missing).
    pub async fn open(url: &str) -> Result<PostgisStore, StoreError> {
        PostgisStore::open_with(url, &super::StoreOptions::default()).await
    }

    /// As [`open`](Self::open), with the wait for a pooled connection that
    /// `settings` set.
    pub async fn open_with(url: &str, settings: &super::StoreOptions) -> Result<PostgisStore, StoreError> {
        let redacted = super::redact(url);
        let options: PgConnectOptions = url
            .parse::<PgConnectOptions>()
            .map_err(|e| StoreError::Unavailable(format!("{redacted}: {e}")))?
            .application_name("witgis")
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{redacted}: {e}")))?;
        super::migrations::POSTGRES.migrator().await?.run(&pool).await?;
        Ok(SqlDb { pool })
    }
}

#[async_trait]
impl Backend for Postgres {
    const BEGIN: &'static str = "BEGIN";

    fn statements() -> &'static Statements {
        &POSTGIS
    }

    /// Reads the rows as they arrive and decodes them, a thousand at a
    /// time, on every core meanwhile.
    async fn live(pool: &PgPool) -> Result<Vec<Stored>, StoreError> {
        let mut conn = pool.acquire().await?;
        let mut decoder = Decoder::new(LIVE_CHUNK, |rows: Vec<PgRow>| rows.iter().map(stored).collect());
        let mut rows = sqlx::query(&POSTGIS.live).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            decoder.push(row).await?;
        }
        drop(rows);
        decoder.finish().await
    }

    async fn seed_lock(tx: &mut PgConnection) -> Result<(), StoreError> {
        // Two instances starting together seed once.
        tx.execute("SELECT pg_advisory_xact_lock(4242001)", vec![]).await?;
        Ok(())
    }

    async fn stage(
        tx: &mut PgConnection,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        copy_in(tx, resources, progress).await
    }

    async fn announce(tx: &mut PgConnection, changed: Vec<String>) -> Result<(), StoreError> {
        // Delivered to listeners when (and only if) the transaction commits.
        for id in changed {
            tx.execute(
                "SELECT pg_notify($1, $2)",
                vec![Arg::Text(Some(CHANNEL.into())), Arg::Text(Some(id))],
            )
            .await?;
        }
        Ok(())
    }

    fn bind<'q>(query: Query<'q, Postgres, PgArguments>, arg: Arg) -> Query<'q, Postgres, PgArguments> {
        match arg {
            Arg::Text(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
            Arg::Float(v) => query.bind(v),
            Arg::List(items) => query.bind(items),
            Arg::Json(v) => query.bind(v),
            Arg::Time(t) => query.bind(t),
            Arg::Date(d) => query.bind(d),
        }
    }
}

impl Encoded for PgRow {
    fn list(&self, column: &str) -> Result<Value, StoreError> {
        Ok(Value::from(self.try_get::<Vec<String>, _>(column)?))
    }

    fn json(&self, column: &str) -> Result<Option<Value>, StoreError> {
        Ok(self.try_get(column)?)
    }
}

impl_conn!(PgConnection, Postgres);

#[async_trait]
impl StoreBackend for PostgisStore {
    fn kind(&self) -> &'static str {
        "postgis"
    }

    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeFeed>>, StoreError> {
        let mut feed = PgFeed { pool: self.pool.clone(), listener: None };
        feed.connect().await?;
        Ok(Some(Box::new(feed)))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(ACQUIRE_TIMEOUT, ping).await {
            Ok(done) => done.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Unavailable("no answer from the database".into())),
        }
    }
}

/// Appends `s` escaped for COPY's text format.
fn copy_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

/// Appends one staging row: id, lon, lat, Feature (tab-separated, `\N`
/// for NULL, newline-ended).
fn copy_row(out: &mut String, r: &Resource) {
    copy_text(out, &r.id);
    match r.point() {
        // `{}` prints the shortest text that parses back to the same f64.
        Some([lon, lat]) => {
            let _ = write!(out, "\t{lon}\t{lat}\t");
        }
        None => out.push_str("\t\\N\t\\N\t"),
    }
    copy_text(out, &history_text(r));
    out.push('\n');
}

/// Fills the staging table with COPY, then gathers its statistics for the
/// set-based statements that follow.
async fn copy_in(
    tx: &mut PgConnection,
    resources: &[Resource],
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let mut copy = tx.copy_in_raw("COPY import_staging FROM STDIN").await?;
    let mut buffer = String::with_capacity(COPY_CHUNK_ROWS * 1024);
    for (i, r) in resources.iter().enumerate() {
        copy_row(&mut buffer, r);
        if (i + 1) % COPY_CHUNK_ROWS == 0 {
            copy.send(std::mem::take(&mut buffer).into_bytes()).await?;
            progress(i + 1);
        }
    }
    if !buffer.is_empty() {
        copy.send(buffer.into_bytes()).await?;
        progress(resources.len());
    }
    copy.finish().await?;
    sqlx::query("ANALYZE import_staging").execute(&mut *tx).await?;
    Ok(())
}

/// LISTEN on [`CHANNEL`], reconnecting after the database went away.
struct PgFeed {
    pool: PgPool,
    listener: Option<PgListener>,
}

impl PgFeed {
    async fn connect(&mut self) -> Result<(), StoreError> {
        let mut listener = PgListener::connect_with(&self.pool).await?;
        listener.listen(CHANNEL).await?;
        self.listener = Some(listener);
        Ok(())
    }
}

#[async_trait]
impl ChangeFeed for PgFeed {
    async fn next(&mut self) -> Result<Notice, StoreError> {
        let Some(listener) = self.listener.as_mut() else {
            // Reconnecting: anything sent meanwhile is lost, so reload all.
            self.connect().await?;
            return Ok(Notice::Resync);
        };
        match listener.try_recv().await {
            Ok(Some(n)) if n.payload() == "*" => Ok(Notice::Resync),
            Ok(Some(n)) => Ok(Notice::Changed(n.payload().to_owned())),
            Ok(None) => {
                self.listener = None;
                Err(StoreError::Unavailable("the notification connection was lost".into()))
            }
            Err(e) => {
                self.listener = None;
                Err(e.into())
            }
        }
    }
    fn buffered(&mut self) -> Option<Notice> {
        let n = self.listener.as_mut()?.next_buffered()?;
        Some(if n.payload() == "*" { Notice::Resync } else { Notice::Changed(n.payload().to_owned()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_escapes_text() {
        let mut out = String::new();
        copy_text(&mut out, "a\\b\tc\nd");
        assert_eq!(out, "a\\\\b\\tc\\nd");
    }
}
