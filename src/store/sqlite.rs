//! The embedded store: one SQLite file, created and migrated on open.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt as _;
use serde_json::Value;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row as _, Sqlite, SqlitePool, Transaction};

use super::columns::area_from_row;
use super::columns::{LISTS, Row, TEXT};
use super::{
    Change, ImportCounts, NewChange, Progress, Store, StoreError, Stored, TokenInfo, WriteTx, action,
    history_json,
};
use crate::auth::Role;
use crate::model::demand::{Demand, NewDemand};
use crate::model::{Area, Resource};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Resources in a SQLite file.
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens `sqlite://PATH`, creating the file if it is missing, and applies
    /// pending migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Unavailable(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("{url}: {e}")))?;
        MIGRATOR.run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

fn columns() -> Vec<&'static str> {
    TEXT.iter().chain(LISTS).copied().chain(["lon", "lat"]).collect()
}

fn insert_sql() -> String {
    let columns = columns();
    let params: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> =
        columns.iter().filter(|c| **c != "id").map(|c| format!("{c} = excluded.{c}")).collect();
    format!(
        "INSERT INTO resource ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}, version = version + 1, \
         updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), deleted_at = NULL RETURNING version",
        columns.join(", "),
        params.join(", "),
        updates.join(", ")
    )
}

fn select_sql(filter: &str) -> String {
    format!(
        "SELECT {}, version, deleted_at IS NOT NULL AS deleted, updated_at FROM resource WHERE {filter}",
        columns().join(", ")
    )
}

/// Binds a resource's columns in [`columns`] order.
fn bind_resource<'q, O>(
    mut query: sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>>,
    r: &Resource,
) -> sqlx::query::QueryAs<'q, Sqlite, O, sqlx::sqlite::SqliteArguments<'q>> {
    let row = Row::of(r);
    for value in row.text {
        query = query.bind(value);
    }
    for list in row.lists {
        query = query.bind(list.to_string());
    }
    query.bind(row.point.map(|p| p[0])).bind(row.point.map(|p| p[1]))
}

fn decode(row: &SqliteRow) -> Result<Stored, StoreError> {
    let text = (0..TEXT.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect::<Result<_, _>>()?;
    let lists = (TEXT.len()..TEXT.len() + LISTS.len())
        .map(|i| {
            row.try_get::<String, _>(i).map(|json| serde_json::from_str(&json).unwrap_or(Value::String(json)))
        })
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

fn token_info(row: &SqliteRow) -> Result<TokenInfo, StoreError> {
    let role: String = row.try_get("role")?;
    let name: String = row.try_get("name")?;
    Ok(TokenInfo {
        role: role.parse().map_err(|reason| StoreError::Invalid { id: name.clone(), reason })?,
        name,
        created_at: row.try_get("created_at")?,
        revoked: row.try_get::<Option<String>, _>("revoked_at")?.is_some(),
        expires_at: row.try_get("expires_at")?,
    })
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn resources_versioned(&self) -> Result<Vec<Stored>, StoreError> {
        let rows = sqlx::query(&select_sql("deleted_at IS NULL ORDER BY id")).fetch_all(&self.pool).await?;
        rows.iter().map(decode).collect()
    }

    async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(&select_sql("id = ?1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(decode).transpose()
    }

    async fn with_prefix(&self, prefix: &str) -> Result<Vec<Stored>, StoreError> {
        // Streamed, so the rows and the records are not held side by side.
        let sql = select_sql("substr(id, 1, length(?1)) = ?1 ORDER BY id");
        let mut rows = sqlx::query(&sql).bind(prefix).fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(decode(&row)?);
        }
        Ok(out)
    }

    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError> {
        // IMMEDIATE takes the write lock now, so the version read by
        // `current` cannot change before the update.
        Ok(Box::new(SqliteTx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await? }))
    }

    async fn history(&self, id: &str) -> Result<Vec<Change>, StoreError> {
        let rows = sqlx::query(
            "SELECT version, action, actor, changed_at, before, after FROM resource_change \
             WHERE resource_id = ?1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        rows.iter()
            .map(|row| {
                Ok(Change {
                    version: row.try_get("version")?,
                    action: row.try_get("action")?,
                    actor: row.try_get("actor")?,
                    at: row.try_get("changed_at")?,
                    before: json(row.try_get("before")?),
                    after: json(row.try_get("after")?),
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
            "INSERT INTO api_token (name, role, token_hash, expires_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(hash)
        .bind(expires.map(timestamp))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::TokenExists(name.to_owned()));
        }
        Ok(())
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        let rows =
            sqlx::query("SELECT name, role, created_at, revoked_at, expires_at FROM api_token ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(token_info).collect()
    }

    async fn revoke_token(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_token SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE name = ?1 AND revoked_at IS NULL",
        )
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        let row = sqlx::query(
            "SELECT name, role, created_at, revoked_at, expires_at FROM api_token \
             WHERE token_hash = ?1 AND revoked_at IS NULL",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(token_info).transpose()
    }

    async fn import(
        &self,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let counts = import_in(&mut tx, resources, "import", progress).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn seed_once(&self, seed: &[Resource]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let seeded: Option<String> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = 'seeded_at'")
                .fetch_optional(&mut *tx)
                .await?;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM resource").fetch_one(&mut *tx).await?;
        if seeded.is_some() || count > 0 {
            return Ok(false);
        }
        import_in(&mut tx, seed, "seed", &|_| {}).await?;
        sqlx::query(
            "INSERT INTO store_meta (key, value) VALUES ('seeded_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn areas(&self) -> Result<Vec<Area>, StoreError> {
        let rows = sqlx::query("SELECT id, name, kind, country, population, geometry FROM area ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(area_from_row).collect()
    }

    async fn import_areas(&self, areas: &[Area]) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let mut counts = ImportCounts::default();
        for area in areas {
            let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM area WHERE id = ?1")
                .bind(&area.id)
                .fetch_optional(&mut *tx)
                .await?;
            let bounds = area.bounds().ok_or_else(|| StoreError::Invalid {
                id: area.id.clone(),
                reason: "the outline has no extent".into(),
            })?;
            sqlx::query(
                "INSERT INTO area (id, name, kind, country, population, geometry, min_lon, min_lat, max_lon, max_lat) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 kind = excluded.kind, country = excluded.country, population = excluded.population, \
                 geometry = excluded.geometry, min_lon = excluded.min_lon, min_lat = excluded.min_lat, \
                 max_lon = excluded.max_lon, max_lat = excluded.max_lat, \
                 updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            )
            .bind(&area.id)
            .bind(&area.name)
            .bind(area.kind.as_str())
            .bind(area.country.map(|c| c.to_string()))
            .bind(area.population.map(|p| p as i64))
            .bind(geojson::Geometry::from(&area.geometry).to_string())
            .bind(bounds.min().x)
            .bind(bounds.min().y)
            .bind(bounds.max().x)
            .bind(bounds.max().y)
            .execute(&mut *tx)
            .await?;
            if existed.is_some() {
                counts.updated += 1;
            } else {
                counts.created += 1;
            }
        }
        tx.commit().await?;
        Ok(counts)
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

    async fn log_demand(&self, d: &NewDemand, actor: &str) -> Result<Demand, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let sql = format!(
            "INSERT INTO demand (id, date, need, channel, requester, area, lon, lat, referred_to, created_by, created_at) \
             VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?11) RETURNING {DEMAND_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(d.date.format("%Y-%m-%d").to_string())
            .bind(d.need.as_str())
            .bind(d.channel.as_str())
            .bind(d.requester.as_str())
            .bind(&d.area)
            .bind(d.point.map(|p| p[0]))
            .bind(d.point.map(|p| p[1]))
            .bind(Value::from(d.referred_to.clone()).to_string())
            .bind(actor)
            .bind(crate::model::demand::new_id())
            .bind(timestamp(d.logged_at))
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
            "SELECT {DEMAND_COLUMNS} FROM demand WHERE (?1 IS NULL OR date >= ?1) AND (?2 IS NULL OR date <= ?2) \
             ORDER BY date, created_at, id"
        );
        let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
        let rows = sqlx::query(&sql).bind(day(from)).bind(day(to)).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter().map(demand_row).collect()
    }

    async fn demand_record(&self, id: &str) -> Result<Option<Demand>, StoreError> {
        let sql = format!("SELECT {DEMAND_COLUMNS} FROM demand WHERE id = ?1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(demand_row).transpose()
    }

    async fn demand_by(&self, actor: &str, since: DateTime<Utc>) -> Result<Vec<Demand>, StoreError> {
        let sql = format!(
            "SELECT {DEMAND_COLUMNS} FROM demand WHERE created_by = ?1 AND created_at >= ?2 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql).bind(actor).bind(timestamp(since)).fetch_all(&self.pool).await?;
        rows.iter().map(demand_row).collect()
    }

    async fn withdraw_demand(&self, id: &str, actor: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM demand WHERE id = ?1 AND created_by = ?2 AND created_at >= ?3")
            .bind(id)
            .bind(actor)
            .bind(timestamp(since))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// A time as `created_at` holds it: UTC, milliseconds, so that text order is
/// time order.
fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

const DEMAND_COLUMNS: &str =
    "id, date, need, channel, requester, area, lon, lat, referred_to, created_at, created_by";

fn demand_row(row: &SqliteRow) -> Result<Demand, StoreError> {
    let id: String = row.try_get("id")?;
    let referred: String = row.try_get("referred_to")?;
    let invalid = |reason: String| StoreError::Invalid { id: format!("demand {id}"), reason };
    let referred_to: Vec<String> =
        serde_json::from_str(&referred).map_err(|e| invalid(format!("referred_to: {e}")))?;
    Demand::from_columns(
        id.clone(),
        &row.try_get::<String, _>("date")?,
        &row.try_get::<String, _>("need")?,
        &row.try_get::<String, _>("channel")?,
        &row.try_get::<String, _>("requester")?,
        row.try_get("area")?,
        (row.try_get("lon")?, row.try_get("lat")?),
        referred_to,
        row.try_get("created_at")?,
        row.try_get("created_by")?,
    )
    .map_err(invalid)
}

const RECORD_SQL: &str = "INSERT INTO resource_change (resource_id, version, action, actor, before, after) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// The latest recorded Feature of a resource: an import's "before".
const LAST_AFTER_SQL: &str = "SELECT after FROM resource_change WHERE resource_id = ?1 AND after IS NOT NULL ORDER BY seq DESC LIMIT 1";

async fn import_in(
    tx: &mut sqlx::SqliteConnection,
    resources: &[Resource],
    actor: &str,
    progress: Progress<'_>,
) -> Result<ImportCounts, StoreError> {
    let sql = insert_sql();
    let mut counts = ImportCounts::default();
    for (i, r) in resources.iter().enumerate() {
        let before: Option<String> =
            sqlx::query_scalar(LAST_AFTER_SQL).bind(&r.id).fetch_optional(&mut *tx).await?.flatten();
        let (version,): (i64,) = bind_resource(sqlx::query_as(&sql), r).fetch_one(&mut *tx).await?;
        sqlx::query(RECORD_SQL)
            .bind(&r.id)
            .bind(version)
            .bind(action::IMPORT)
            .bind(actor)
            .bind(before)
            .bind(history_json(r).to_string())
            .execute(&mut *tx)
            .await?;
        if version == 1 {
            counts.created += 1;
        } else {
            counts.updated += 1;
        }
        if (i + 1) % 10_000 == 0 {
            progress(i + 1);
        }
    }
    progress(resources.len());
    Ok(counts)
}

/// A write transaction on the SQLite file.
struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
}

#[async_trait]
impl WriteTx for SqliteTx {
    async fn current(&mut self, id: &str) -> Result<Option<Stored>, StoreError> {
        let row = sqlx::query(&select_sql("id = ?1")).bind(id).fetch_optional(&mut *self.tx).await?;
        row.as_ref().map(decode).transpose()
    }

    async fn insert(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let columns = columns();
        let params: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO resource ({}) VALUES ({}) RETURNING version",
            columns.join(", "),
            params.join(", ")
        );
        let (version,): (i64,) = bind_resource(sqlx::query_as(&sql), r).fetch_one(&mut *self.tx).await?;
        Ok(version)
    }

    async fn update(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let columns = columns();
        let sets: Vec<String> =
            columns.iter().enumerate().skip(1).map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
        let sql = format!(
            "UPDATE resource SET {}, version = version + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') \
             WHERE id = ?1 RETURNING version",
            sets.join(", ")
        );
        let (version,): (i64,) = bind_resource(sqlx::query_as(&sql), r).fetch_one(&mut *self.tx).await?;
        Ok(version)
    }

    async fn set_deleted(&mut self, id: &str, deleted: bool) -> Result<i64, StoreError> {
        let sql = if deleted {
            "UPDATE resource SET deleted_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), version = version + 1, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 RETURNING version"
        } else {
            "UPDATE resource SET deleted_at = NULL, version = version + 1, \
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1 RETURNING version"
        };
        Ok(sqlx::query_scalar(sql).bind(id).fetch_one(&mut *self.tx).await?)
    }

    async fn record(&mut self, c: NewChange<'_>) -> Result<(), StoreError> {
        sqlx::query(RECORD_SQL)
            .bind(c.id)
            .bind(c.version)
            .bind(c.action)
            .bind(c.actor)
            .bind(c.before.map(|v| v.to_string()))
            .bind(c.after.map(|v| v.to_string()))
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}
