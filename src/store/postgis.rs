//! The production store: PostgreSQL with PostGIS. Resources live in one
//! spatial table (`geometry(Point, 4326)` with a GiST index); imports stream
//! through `COPY`; every commit that changes resources sends a NOTIFY so that
//! other instances on the same database refresh their snapshots.

use std::fmt::Write as _;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt as _;
use serde_json::Value;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions as _, PgPool, Postgres, Row as _, Transaction};

use super::columns::{LISTS, Row, TEXT, area_from_row, strings};
use super::{
    Change, ChangeFeed, ImportCounts, NewChange, Notice, Progress, Store, StoreError, Stored, TokenInfo,
    WriteTx, history_json,
};
use crate::auth::Role;
use crate::model::demand::{Demand, NewDemand};
use crate::model::{Area, Resource};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The NOTIFY channel; the payload is a resource id, or `*` for "reload all".
pub const CHANNEL: &str = "witgis_resource";

/// How long a request waits for a database connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// Rows sent per COPY chunk (and per progress report).
const COPY_CHUNK_ROWS: usize = 20_000;

/// Resources in a PostGIS database.
pub struct PostgisStore {
    pool: PgPool,
}

impl PostgisStore {
    /// Connects to `postgres://…` and applies pending migrations (which
    /// create the `postgis` extension if it is missing).
    pub async fn open(url: &str) -> Result<PostgisStore, StoreError> {
        let redacted = super::redact(url);
        let options: PgConnectOptions = url
            .parse::<PgConnectOptions>()
            .map_err(|e| StoreError::Unavailable(format!("{redacted}: {e}")))?
            .application_name("witgis")
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Debug, Duration::from_secs(1));
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{redacted}: {e}")))?;
        MIGRATOR.run(&pool).await?;
        Ok(PostgisStore { pool })
    }
}

/// Timestamps as RFC 3339 text in UTC.
fn utc(column: &str) -> String {
    format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
}

fn select_sql(filter: &str) -> String {
    let text: Vec<String> = TEXT
        .iter()
        .map(|&c| if c == "last_verified" { format!("{c}::text") } else { c.to_owned() })
        .collect();
    format!(
        "SELECT {}, {}, ST_X(geom) AS lon, ST_Y(geom) AS lat, version, deleted_at IS NOT NULL AS deleted, \
         {} AS updated_at FROM resource WHERE {filter}",
        text.join(", "),
        LISTS.join(", "),
        utc("updated_at")
    )
}

/// `$1…` placeholders for the [`TEXT`] and [`LISTS`] columns, then `geom`.
fn value_exprs() -> Vec<String> {
    let mut exprs: Vec<String> = TEXT
        .iter()
        .enumerate()
        .map(|(i, &c)| if c == "last_verified" { format!("${}::date", i + 1) } else { format!("${}", i + 1) })
        .collect();
    exprs.extend((0..LISTS.len()).map(|i| format!("${}", TEXT.len() + i + 1)));
    let (lon, lat) = (TEXT.len() + LISTS.len() + 1, TEXT.len() + LISTS.len() + 2);
    exprs.push(format!("ST_SetSRID(ST_MakePoint(${lon}::float8, ${lat}::float8), 4326)"));
    exprs
}

fn column_names() -> Vec<&'static str> {
    TEXT.iter().chain(LISTS).copied().chain(["geom"]).collect()
}

fn bind_resource<'q>(
    mut query: sqlx::query::QueryScalar<'q, Postgres, i64, sqlx::postgres::PgArguments>,
    r: &Resource,
) -> sqlx::query::QueryScalar<'q, Postgres, i64, sqlx::postgres::PgArguments> {
    let row = Row::of(r);
    for value in row.text {
        query = query.bind(value);
    }
    for list in &row.lists {
        query = query.bind(strings(list));
    }
    query.bind(row.point.map(|p| p[0])).bind(row.point.map(|p| p[1]))
}

fn decode(row: &PgRow) -> Result<Stored, StoreError> {
    let text = (0..TEXT.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect::<Result<_, _>>()?;
    let lists = (TEXT.len()..TEXT.len() + LISTS.len())
        .map(|i| row.try_get::<Vec<String>, _>(i).map(Value::from))
        .collect::<Result<_, _>>()?;
    let lon: Option<f64> = row.try_get("lon")?;
    let lat: Option<f64> = row.try_get("lat")?;
    let point = lon.zip(lat).map(|(lon, lat)| [lon, lat]);
    let resource = Row { text, lists, point }
        .into_resource()
        .map_err(|(id, reason)| StoreError::Invalid { id, reason })?;
    let updated_at = super::parse_utc(&resource.id, &row.try_get::<String, _>("updated_at")?)?;
    Ok(Stored { resource, version: row.try_get("version")?, deleted: row.try_get("deleted")?, updated_at })
}

fn token_info(row: &PgRow) -> Result<TokenInfo, StoreError> {
    let role: String = row.try_get("role")?;
    let name: String = row.try_get("name")?;
    Ok(TokenInfo {
        role: role.parse().map_err(|reason| StoreError::Invalid { id: name.clone(), reason })?,
        name,
        created_at: row.try_get("created_at")?,
        revoked: row.try_get("revoked")?,
        expires_at: row.try_get("expires_at")?,
    })
}

fn token_sql(filter: &str) -> String {
    format!(
        "SELECT name, role, {} AS created_at, revoked_at IS NOT NULL AS revoked, {} AS expires_at \
         FROM api_token {filter}",
        utc("created_at"),
        utc("expires_at")
    )
}

#[async_trait]
impl Store for PostgisStore {
    fn kind(&self) -> &'static str {
        "postgis"
    }

    async fn resources_versioned(&self) -> Result<Vec<Stored>, StoreError> {
        let sql = select_sql("deleted_at IS NULL ORDER BY id");
        let mut rows = sqlx::query(&sql).fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(decode(&row)?);
        }
        Ok(out)
    }

    async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(&select_sql("id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(decode).transpose()
    }

    async fn with_prefix(&self, prefix: &str) -> Result<Vec<Stored>, StoreError> {
        // starts_with, not LIKE (no escaping of `_` and `%`) and not a range
        // (the database's collation may not order ids bytewise).
        let sql = select_sql("starts_with(id, $1) ORDER BY id");
        let mut rows = sqlx::query(&sql).bind(prefix).fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(decode(&row)?);
        }
        Ok(out)
    }

    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError> {
        Ok(Box::new(PgTx { tx: self.pool.begin().await?, changed: Vec::new() }))
    }

    async fn history(&self, id: &str) -> Result<Vec<Change>, StoreError> {
        let sql = format!(
            "SELECT version, action, actor, {} AS at, before, after FROM resource_change \
             WHERE resource_id = $1 ORDER BY seq",
            utc("changed_at")
        );
        let rows = sqlx::query(&sql).bind(id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                Ok(Change {
                    version: row.try_get("version")?,
                    action: row.try_get("action")?,
                    actor: row.try_get("actor")?,
                    at: row.try_get("at")?,
                    before: row.try_get("before")?,
                    after: row.try_get("after")?,
                })
            })
            .collect()
    }

    async fn create_token_until(
        &self,
        name: &str,
        role: Role,
        hash: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "INSERT INTO api_token (name, role, token_hash, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(hash)
        .bind(expires)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::TokenExists(name.to_owned()));
        }
        Ok(())
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows = sqlx::query(&token_sql("ORDER BY name")).fetch_all(&self.pool).await?;
        rows.iter().map(token_info).collect()
    }

    async fn revoke_token(&self, name: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE api_token SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL")
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        let sql = token_sql("WHERE token_hash = $1 AND revoked_at IS NULL");
        let row = sqlx::query(&sql).bind(hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(token_info).transpose()
    }

    async fn import(
        &self,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let counts = import_in(&mut tx, resources, "import", progress).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn seed_once(&self, seed: &[Resource]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Two instances starting together seed once.
        sqlx::query("SELECT pg_advisory_xact_lock(4242001)").execute(&mut *tx).await?;
        let seeded: Option<String> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = 'seeded_at'")
                .fetch_optional(&mut *tx)
                .await?;
        let any: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM resource)").fetch_one(&mut *tx).await?;
        if seeded.is_some() || any {
            return Ok(false);
        }
        import_in(&mut tx, seed, "seed", &|_| {}).await?;
        sqlx::query("INSERT INTO store_meta (key, value) VALUES ('seeded_at', now()::text)")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        let ping = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(ACQUIRE_TIMEOUT, ping).await {
            Ok(done) => done.map(|_| ()).map_err(StoreError::from),
            Err(_) => Err(StoreError::Unavailable("no answer from the database".into())),
        }
    }

    async fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let rows = sqlx::query("SELECT id, name, kind, country, population, ST_AsGeoJSON(geom) AS geometry FROM area ORDER BY id").fetch_all(&self.pool).await?;
        rows.iter().map(area_from_row).collect()
    }

    async fn import_areas(&self, areas: &[Area]) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut counts = ImportCounts::default();
        for area in areas {
            let inserted: bool = sqlx::query_scalar(
                "INSERT INTO area (id, name, kind, country, population, geom) \
                 VALUES ($1, $2, $3, $4, $5, ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON($6), 4326))) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
                 country = excluded.country, population = excluded.population, geom = excluded.geom, \
                 updated_at = now() RETURNING (xmax = 0)",
            )
            .bind(&area.id)
            .bind(&area.name)
            .bind(area.kind.as_str())
            .bind(area.country.map(|c| c.to_string()))
            .bind(area.population.map(|p| p as i64))
            .bind(geojson::Geometry::from(&area.geometry).to_string())
            .fetch_one(&mut *tx)
            .await?;
            if inserted {
                counts.created += 1;
            } else {
                counts.updated += 1;
            }
        }
        // Running instances reload their snapshots, areas included.
        sqlx::query("SELECT pg_notify($1, '*')").bind(CHANNEL).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn subscribe(&self) -> Result<Option<Box<dyn ChangeFeed>>, StoreError> {
        let mut feed = PgFeed { pool: self.pool.clone(), listener: None };
        feed.connect().await?;
        Ok(Some(Box::new(feed)))
    }

    async fn log_demand(&self, d: &NewDemand, actor: &str) -> Result<Demand, StoreError> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO demand (date, need, channel, requester, area, lon, lat, referred_to, created_by, id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {}",
            demand_columns()
        );
        let row = sqlx::query(&sql)
            .bind(d.date)
            .bind(d.need.as_str())
            .bind(d.channel.as_str())
            .bind(d.requester.as_str())
            .bind(&d.area)
            .bind(d.point.map(|p| p[0]))
            .bind(d.point.map(|p| p[1]))
            .bind(&d.referred_to)
            .bind(actor)
            .bind(crate::model::demand::new_id())
            .bind(d.logged_at)
            .fetch_one(&mut *tx)
            .await?;
        let demand = demand_row(&row)?;
        tx.commit().await?;
        Ok(demand)
    }

    async fn demand(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Demand>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT {} FROM demand WHERE ($1::date IS NULL OR date >= $1) AND ($2::date IS NULL OR date <= $2) \
             ORDER BY date, created_at, id",
            demand_columns()
        );
        let rows = sqlx::query(&sql).bind(from).bind(to).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter().map(demand_row).collect()
    }

    async fn demand_record(&self, id: &str) -> Result<Option<Demand>, StoreError> {
        let sql = format!("SELECT {} FROM demand WHERE id = $1", demand_columns());
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(demand_row).transpose()
    }

    async fn demand_by(&self, actor: &str, since: DateTime<Utc>) -> Result<Vec<Demand>, StoreError> {
        let sql = format!(
            "SELECT {} FROM demand WHERE created_by = $1 AND created_at >= $2 ORDER BY created_at, id",
            demand_columns()
        );
        let rows = sqlx::query(&sql).bind(actor).bind(since).fetch_all(&self.pool).await?;
        rows.iter().map(demand_row).collect()
    }

    async fn withdraw_demand(&self, id: &str, actor: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM demand WHERE id = $1 AND created_by = $2 AND created_at >= $3")
            .bind(id)
            .bind(actor)
            .bind(since)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

fn demand_columns() -> String {
    format!(
        "id, date::text AS date, need, channel, requester, area, lon, lat, referred_to, {} AS created_at, created_by",
        utc("created_at")
    )
}

fn demand_row(row: &PgRow) -> Result<Demand, StoreError> {
    let id: String = row.try_get("id")?;
    Demand::from_columns(
        id.clone(),
        &row.try_get::<String, _>("date")?,
        &row.try_get::<String, _>("need")?,
        &row.try_get::<String, _>("channel")?,
        &row.try_get::<String, _>("requester")?,
        row.try_get("area")?,
        (row.try_get("lon")?, row.try_get("lat")?),
        row.try_get("referred_to")?,
        row.try_get("created_at")?,
        row.try_get("created_by")?,
    )
    .map_err(|reason| StoreError::Invalid { id: format!("demand {id}"), reason })
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

/// Appends a `text[]` literal, escaped for COPY's text format.
fn copy_array(out: &mut String, items: &[String]) {
    let mut literal = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            literal.push(',');
        }
        literal.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                literal.push('\\');
            }
            literal.push(c);
        }
        literal.push('"');
    }
    literal.push('}');
    copy_text(out, &literal);
}

/// Appends one staging row (tab-separated, `\N` for NULL, newline-ended).
fn copy_row(out: &mut String, r: &Resource) {
    let row = Row::of(r);
    for value in &row.text {
        match value {
            Some(v) => copy_text(out, v),
            None => out.push_str("\\N"),
        }
        out.push('\t');
    }
    for list in &row.lists {
        copy_array(out, &strings(list));
        out.push('\t');
    }
    match row.point {
        // `{}` prints the shortest text that parses back to the same f64.
        Some([lon, lat]) => {
            let _ = write!(out, "{lon}\t{lat}\t");
        }
        None => out.push_str("\\N\t\\N\t"),
    }
    copy_text(out, &history_json(r).to_string());
    out.push('\n');
}

/// Imports through a temporary staging table filled with COPY, then one
/// INSERT … SELECT for the history and one upsert for the rows.
async fn import_in(
    tx: &mut sqlx::PgConnection,
    resources: &[Resource],
    actor: &str,
    progress: Progress<'_>,
) -> Result<ImportCounts, StoreError> {
    let text_columns: Vec<String> = TEXT.iter().map(|c| format!("{c} text")).collect();
    let list_columns: Vec<String> = LISTS.iter().map(|c| format!("{c} text[]")).collect();
    sqlx::query(&format!(
        "CREATE TEMP TABLE import_staging ({}, {}, lon float8, lat float8, after jsonb) ON COMMIT DROP",
        text_columns.join(", "),
        list_columns.join(", ")
    ))
    .execute(&mut *tx)
    .await?;

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
    tracing::info!(rows = resources.len(), "copied into staging; recording history");
    sqlx::query("ANALYZE import_staging").execute(&mut *tx).await?;

    sqlx::query(
        "INSERT INTO resource_change (resource_id, version, action, actor, before, after) \
         SELECT s.id, COALESCE(r.version + 1, 1), 'import', $1, \
                CASE WHEN r.id IS NULL THEN NULL ELSE (SELECT c.after FROM resource_change c \
                     WHERE c.resource_id = s.id AND c.after IS NOT NULL ORDER BY c.seq DESC LIMIT 1) END, \
                s.after \
         FROM import_staging s LEFT JOIN resource r ON r.id = s.id",
    )
    .bind(actor)
    .execute(&mut *tx)
    .await?;

    tracing::info!("history recorded; writing the resource table");
    let columns = column_names();
    let mut select: Vec<String> = TEXT
        .iter()
        .map(|&c| if c == "last_verified" { format!("{c}::date") } else { c.to_owned() })
        .collect();
    select.extend(LISTS.iter().map(|c| (*c).to_owned()));
    select.push("ST_SetSRID(ST_MakePoint(lon, lat), 4326)".into());
    let updates: Vec<String> =
        columns.iter().filter(|c| **c != "id").map(|c| format!("{c} = EXCLUDED.{c}")).collect();
    let (created, updated): (i64, i64) = sqlx::query_as(&format!(
        "WITH up AS (INSERT INTO resource ({}) SELECT {} FROM import_staging \
         ON CONFLICT (id) DO UPDATE SET {}, version = resource.version + 1, updated_at = now(), deleted_at = NULL \
         RETURNING (xmax = 0) AS inserted) \
         SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up",
        columns.join(", "),
        select.join(", "),
        updates.join(", ")
    ))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("SELECT pg_notify($1, '*')").bind(CHANNEL).execute(&mut *tx).await?;
    Ok(ImportCounts { created: created as usize, updated: updated as usize })
}

/// A write transaction; ids it changed are announced on commit.
struct PgTx {
    tx: Transaction<'static, Postgres>,
    changed: Vec<String>,
}

#[async_trait]
impl WriteTx for PgTx {
    async fn current(&mut self, id: &str) -> Result<Option<Stored>, StoreError> {
        let sql = select_sql("id = $1 FOR UPDATE");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(decode).transpose()
    }

    async fn insert(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let sql = format!(
            "INSERT INTO resource ({}) VALUES ({}) RETURNING version",
            column_names().join(", "),
            value_exprs().join(", ")
        );
        let version =
            bind_resource(sqlx::query_scalar(&sql), r).fetch_one(&mut *self.tx).await.map_err(|e| {
                // Another transaction created the same id since `current` looked.
                match &e {
                    sqlx::Error::Database(db) if db.code().as_deref() == Some("23505") => {
                        StoreError::AlreadyExists { id: r.id.clone(), deleted: false }
                    }
                    _ => e.into(),
                }
            })?;
        self.changed.push(r.id.clone());
        Ok(version)
    }

    async fn update(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let sets: Vec<String> =
            column_names().iter().zip(value_exprs()).skip(1).map(|(c, e)| format!("{c} = {e}")).collect();
        let sql = format!(
            "UPDATE resource SET {}, version = version + 1, updated_at = now() WHERE id = $1 RETURNING version",
            sets.join(", ")
        );
        let version = bind_resource(sqlx::query_scalar(&sql), r).fetch_one(&mut *self.tx).await?;
        self.changed.push(r.id.clone());
        Ok(version)
    }

    async fn set_deleted(&mut self, id: &str, deleted: bool) -> Result<i64, StoreError> {
        let sql = if deleted {
            "UPDATE resource SET deleted_at = now(), version = version + 1, updated_at = now() \
             WHERE id = $1 RETURNING version"
        } else {
            "UPDATE resource SET deleted_at = NULL, version = version + 1, updated_at = now() \
             WHERE id = $1 RETURNING version"
        };
        let version = sqlx::query_scalar(sql).bind(id).fetch_one(&mut *self.tx).await?;
        self.changed.push(id.to_owned());
        Ok(version)
    }

    async fn record(&mut self, c: NewChange<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO resource_change (resource_id, version, action, actor, before, after) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id)
        .bind(c.version)
        .bind(c.action)
        .bind(c.actor)
        .bind(c.before)
        .bind(c.after)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        // Delivered to listeners when (and only if) the transaction commits.
        for id in std::mem::take(&mut self.changed) {
            sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(id).execute(&mut *self.tx).await?;
        }
        self.tx.commit().await?;
        Ok(())
    }
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
    fn copy_escapes_text_and_arrays() {
        let mut out = String::new();
        copy_text(&mut out, "a\\b\tc\nd");
        assert_eq!(out, "a\\\\b\\tc\\nd");
        let mut out = String::new();
        copy_array(&mut out, &["x y".into(), "q\"uote".into(), "back\\slash".into()]);
        assert_eq!(out, "{\"x y\",\"q\\\\\"uote\",\"back\\\\\\\\slash\"}");
    }
}
