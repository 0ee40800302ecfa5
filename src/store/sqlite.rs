//! The embedded store: one SQLite file, created and migrated on open.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row as _, SqlitePool};

use super::columns::area_from_columns;
use super::columns::{LISTS, Row, TEXT};
use super::{ImportCounts, Progress, Store, StoreError};
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

fn insert_sql() -> String {
    let columns: Vec<&str> = TEXT.iter().chain(LISTS).copied().chain(["lon", "lat"]).collect();
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

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn resources(&self) -> Result<Vec<Resource>, StoreError> {
        let columns: Vec<&str> = TEXT.iter().chain(LISTS).copied().chain(["lon", "lat"]).collect();
        let sql = format!("SELECT {} FROM resource WHERE deleted_at IS NULL ORDER BY id", columns.join(", "));
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let text =
                (0..TEXT.len()).map(|i| row.try_get::<Option<String>, _>(i)).collect::<Result<_, _>>()?;
            let lists = (TEXT.len()..TEXT.len() + LISTS.len())
                .map(|i| row.try_get::<String, _>(i))
                .collect::<Result<_, _>>()?;
            let lon: Option<f64> = row.try_get("lon")?;
            let lat: Option<f64> = row.try_get("lat")?;
            let point = lon.zip(lat).map(|(lon, lat)| [lon, lat]);
            let resource = Row { text, lists, point }
                .into_resource()
                .map_err(|(id, reason)| StoreError::Invalid { id, reason })?;
            out.push(resource);
        }
        Ok(out)
    }

    async fn import(
        &self,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self.pool.begin().await?;
        let counts = import_in(&mut tx, resources, progress).await?;
        tx.commit().await?;
        Ok(counts)
    }

    async fn seed_once(&self, seed: &[Resource]) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let seeded: Option<String> =
            sqlx::query_scalar("SELECT value FROM store_meta WHERE key = 'seeded_at'")
                .fetch_optional(&mut *tx)
                .await?;
        let count: i64 = sqlx::query_scalar("SELECT count(*) FROM resource").fetch_one(&mut *tx).await?;
        if seeded.is_some() || count > 0 {
            return Ok(false);
        }
        import_in(&mut tx, seed, &|_| {}).await?;
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
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: String = row.try_get("id")?;
            let geometry: String = row.try_get("geometry")?;
            let props = serde_json::json!({
                "name": row.try_get::<String, _>("name")?,
                "kind": row.try_get::<String, _>("kind")?,
                "country": row.try_get::<Option<String>, _>("country")?,
                "population": row.try_get::<Option<i64>, _>("population")?,
            });
            out.push(area_from_columns(&id, props, &geometry)?);
        }
        Ok(out)
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
}

async fn import_in(
    tx: &mut sqlx::SqliteConnection,
    resources: &[Resource],
    progress: Progress<'_>,
) -> Result<ImportCounts, StoreError> {
    let sql = insert_sql();
    let mut counts = ImportCounts::default();
    for (i, r) in resources.iter().enumerate() {
        let row = Row::of(r);
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        for value in row.text {
            query = query.bind(value);
        }
        for json in row.lists {
            query = query.bind(json);
        }
        query = query.bind(row.point.map(|p| p[0])).bind(row.point.map(|p| p[1]));
        let version = query.fetch_one(&mut *tx).await?;
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
