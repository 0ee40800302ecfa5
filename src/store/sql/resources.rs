//! Resources over SQL: reading rows, the staged import, write transactions
//! with their history, and [`ResourceStore`].

use async_trait::async_trait;
use sqlx::{Database, Transaction};

use crate::model::{Area, Resource};
use crate::store::columns::{LISTS, Row, TEXT, strings};
use crate::store::dialect::{STAGING_BATCH, Statements};
use crate::store::{
    Change, ImportCounts, NewChange, Progress, ResourceStore, StoreError, Stored, WriteTx, history_text,
};

use super::areas::upsert_areas;
use super::{Arg, Backend, Cells, Conn, SqlDb, SqlRow, all, commit, one, rejected, text, version};

/// A resource's values in the order of the resource statements.
fn resource_args(r: &Resource) -> Vec<Arg> {
    let row = Row::of(r);
    let mut args: Vec<Arg> = row.text.into_iter().map(Arg::Text).collect();
    args.extend(row.lists.iter().map(|l| Arg::List(strings(l))));
    args.push(Arg::Float(row.point.map(|p| p[0])));
    args.push(Arg::Float(row.point.map(|p| p[1])));
    args
}

/// A stored resource from a row of the resource select.
/// A resource row of [`Statements::live`] and its kin, decoded and revalidated.
pub(crate) fn stored<R: SqlRow>(row: &R) -> Result<Stored, StoreError> {
    let text = TEXT.iter().map(|c| row.opt_text(c)).collect::<Result<_, _>>()?;
    let lists = LISTS.iter().map(|c| row.list(c)).collect::<Result<_, _>>()?;
    let point = row.opt_float("lon")?.zip(row.opt_float("lat")?).map(|(lon, lat)| [lon, lat]);
    let resource = Row { text, lists, point }
        .into_resource()
        .map_err(|(id, reason)| StoreError::Invalid { id, reason })?;
    let updated_at = crate::store::parse_utc(&resource.id, &row.text("updated_at")?)?;
    Ok(Stored { resource, version: row.int("version")?, deleted: row.flag("deleted")?, updated_at })
}

fn change<R: SqlRow>(row: &R) -> Result<Change, StoreError> {
    Ok(Change {
        version: row.int("version")?,
        action: row.text("action")?,
        actor: row.text("actor")?,
        at: row.text("changed_at")?,
        before: row.json("before")?,
        after: row.json("after")?,
    })
}

/// Imports through the staging table: filled by [`Backend::stage`], then
/// one set-based history insert and one set-based upsert, so that the cost is
/// a few statements in all rather than three per record.
async fn import_staged<DB: Backend>(
    tx: &mut DB::Connection,
    resources: &[Resource],
    actor: &str,
    progress: Progress<'_>,
) -> Result<ImportCounts, StoreError> {
    let sql = DB::statements();
    tx.execute(&sql.staging_create, vec![]).await?;
    DB::stage(tx, resources, progress).await?;
    tracing::info!(rows = resources.len(), "staged; recording history");
    tx.execute(&sql.staging_history, vec![text(actor)]).await?;
    let created = match tx.optional(&sql.staging_new, vec![]).await? {
        Some(row) => usize::try_from(row.int("new")?).unwrap_or(0),
        None => 0,
    };
    tracing::info!("history recorded; writing the resource table");
    tx.execute(&sql.staging_upsert, vec![]).await.map_err(|e| rejected(e, "one of the imported records"))?;
    tx.execute(&sql.staging_drop, vec![]).await?;
    Ok(ImportCounts { created, updated: resources.len() - created })
}

/// Stages resources with multi-row inserts of [`STAGING_BATCH`] rows.
pub(super) async fn stage_rows<C: Conn + ?Sized>(
    tx: &mut C,
    sql: &Statements,
    resources: &[Resource],
    progress: Progress<'_>,
) -> Result<(), StoreError> {
    let mut done = 0;
    for batch in resources.chunks(STAGING_BATCH) {
        let args = staged_args(batch);
        if batch.len() == STAGING_BATCH {
            tx.execute(&sql.staging_batch, args).await?;
        } else {
            tx.execute(&sql.staging_insert(batch.len()), args).await?;
        }
        let before = done;
        done += batch.len();
        if done / 10_000 > before / 10_000 {
            progress(done);
        }
    }
    progress(resources.len());
    Ok(())
}

/// A batch's staging values: each row's id, point and Feature.
fn staged_args(batch: &[Resource]) -> Vec<Arg> {
    let mut args = Vec::with_capacity(batch.len() * 4);
    for r in batch {
        let point = r.point();
        args.extend([
            text(&r.id),
            Arg::Float(point.map(|p| p[0])),
            Arg::Float(point.map(|p| p[1])),
            Arg::Text(Some(history_text(r))),
        ]);
    }
    args
}

fn record_args(c: NewChange<'_>) -> Vec<Arg> {
    vec![
        text(c.id),
        Arg::Int(Some(c.version)),
        text(c.action),
        text(c.actor),
        Arg::Json(c.before),
        Arg::Json(c.after),
    ]
}

/// A write transaction over either store; the rules are in
/// [`ResourceStore::write`].
pub struct SqlTx<DB: Database> {
    tx: Transaction<'static, DB>,
    sql: &'static Statements,
    changed: Vec<String>,
}

#[async_trait]
impl<DB: Backend> WriteTx for SqlTx<DB> {
    async fn current(&mut self, id: &str) -> Result<Option<Stored>, StoreError> {
        one(&mut *self.tx, &self.sql.current, vec![text(id)], stored).await
    }

    async fn insert(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let version =
            version(&mut *self.tx, &self.sql.insert, resource_args(r)).await.map_err(|e| match e {
                // Another transaction created the same id since `current` looked.
                StoreError::Database(sqlx::Error::Database(db)) if db.is_unique_violation() => {
                    StoreError::AlreadyExists { id: r.id.clone(), deleted: false }
                }
                e => rejected(e, &r.id),
            })?;
        self.changed.push(r.id.clone());
        Ok(version)
    }

    async fn update(&mut self, r: &Resource) -> Result<i64, StoreError> {
        let version = version(&mut *self.tx, &self.sql.update, resource_args(r))
            .await
            .map_err(|e| rejected(e, &r.id))?;
        self.changed.push(r.id.clone());
        Ok(version)
    }

    async fn set_deleted(&mut self, id: &str, deleted: bool) -> Result<i64, StoreError> {
        let sql = if deleted { &self.sql.delete } else { &self.sql.restore };
        let version = version(&mut *self.tx, sql, vec![text(id)]).await?;
        self.changed.push(id.to_owned());
        Ok(version)
    }

    async fn record(&mut self, c: NewChange<'_>) -> Result<(), StoreError> {
        self.tx.execute(&self.sql.record, record_args(c)).await?;
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let SqlTx { tx, changed, .. } = *self;
        commit(tx, changed).await
    }
}

#[async_trait]
impl<DB: Backend> ResourceStore for SqlDb<DB> {
    async fn resources_versioned(&self) -> Result<Vec<Stored>, StoreError> {
        DB::live(&self.pool).await
    }

    async fn get(&self, id: &str) -> Result<Option<Stored>, StoreError> {
        one(&mut *self.connection().await?, &DB::statements().get, vec![text(id)], stored).await
    }

    async fn with_prefix(&self, prefix: &str) -> Result<Vec<Stored>, StoreError> {
        all(&mut *self.connection().await?, &DB::statements().prefixed, vec![text(prefix)], stored).await
    }

    async fn begin_write(&self) -> Result<Box<dyn WriteTx>, StoreError> {
        Ok(Box::new(SqlTx { tx: self.transaction().await?, sql: DB::statements(), changed: Vec::new() }))
    }

    async fn history(&self, id: &str) -> Result<Vec<Change>, StoreError> {
        all(&mut *self.connection().await?, &DB::statements().history, vec![text(id)], change).await
    }

    async fn import(
        &self,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self.transaction().await?;
        let counts = import_staged::<DB>(&mut tx, resources, "import", progress).await?;
        commit(tx, vec!["*".to_owned()]).await?;
        Ok(counts)
    }

    async fn seed_once_with(&self, seed: &[Resource], areas: &[Area]) -> Result<bool, StoreError> {
        let mut tx = self.transaction().await?;
        DB::seed_lock(&mut tx).await?;
        let seeded = match tx.optional(&DB::statements().seeded, vec![]).await? {
            Some(row) => row.flag("seeded")?,
            None => false,
        };
        if seeded {
            return Ok(false);
        }
        import_staged::<DB>(&mut tx, seed, "seed", &|_| {}).await?;
        if !areas.is_empty() && tx.optional(&DB::statements().area_any, vec![]).await?.is_none() {
            upsert_areas::<DB>(&mut tx, areas).await?;
        }
        tx.execute(&DB::statements().mark_seeded, vec![]).await?;
        commit(tx, vec!["*".to_owned()]).await?;
        Ok(true)
    }
}
