//! The SQL layer both stores share: values bound through a dialect
//! ([`Arg`], [`Backend`]), rows read through one interface ([`SqlRow`]),
//! connections behind one trait ([`Conn`]), and, written once over them,
//! resources, write transactions, history, tokens, seeding, areas and demand.
//! A store is a [`SqlDb`] on one [`Backend`], which adds only what is its
//! own (SQLite's hot backup; PostGIS's COPY import and LISTEN/NOTIFY).

mod places;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Pool, Transaction, Type};

use super::columns::{LISTS, Row, TEXT, strings};
use super::dialect::{STAGING_BATCH, Statements};
use super::{
    AreaStore, Change, DemandStore, ImportCounts, NewChange, Progress, ResourceStore, StoreError, Stored,
    TokenInfo, TokenStore, WriteTx, history_text,
};
use crate::auth::Role;
use crate::model::demand::{Demand, NewDemand};
use crate::model::{Area, Resource};

/// One value bound to a statement; each dialect encodes it for its columns.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text.
    Text(Option<String>),
    /// An integer.
    Int(Option<i64>),
    /// A float.
    Float(Option<f64>),
    /// Strings: a JSON array in SQLite, `text[]` in PostGIS.
    List(Vec<String>),
    /// JSON: text in SQLite, `jsonb` in PostGIS.
    Json(Option<Value>),
    /// A time: RFC 3339 text to the millisecond in SQLite, `timestamptz` in PostGIS.
    Time(Option<DateTime<Utc>>),
    /// A day: `YYYY-MM-DD` text in SQLite, `date` in PostGIS.
    Date(Option<NaiveDate>),
}

/// A text argument.
fn text(s: &str) -> Arg {
    Arg::Text(Some(s.to_owned()))
}

/// A database the shared layer runs on: how it binds values, its
/// statements, and the few steps it takes its own way.
#[async_trait]
pub trait Backend: Database<Connection: Conn<Row = <Self as Database>::Row>, Row: SqlRow> {
    /// The statement that begins a write transaction: no write in it may
    /// lose a concurrent one.
    const BEGIN: &'static str;

    /// Its statements, built once.
    fn statements() -> &'static Statements;

    /// Binds one argument.
    fn bind<'q>(
        query: Query<'q, Self, <Self as Database>::Arguments<'q>>,
        arg: Arg,
    ) -> Query<'q, Self, <Self as Database>::Arguments<'q>>;

    /// Makes a second seeding wait for the first (SQLite's write transaction
    /// already does).
    async fn seed_lock(_tx: &mut Self::Connection) -> Result<(), StoreError> {
        Ok(())
    }

    /// Fills the import staging table (see [`Statements::staging_create`])
    /// in the transaction `tx`; with multi-row inserts unless the database
    /// has a faster way.
    async fn stage(
        tx: &mut Self::Connection,
        resources: &[Resource],
        progress: Progress<'_>,
    ) -> Result<(), StoreError> {
        stage_rows(tx, Self::statements(), resources, progress).await
    }

    /// Every resource not deleted, in id order, read in one consistent
    /// snapshot: the start-up load. Row by row unless the database has a
    /// faster way.
    async fn live(pool: &Pool<Self>) -> Result<Vec<Stored>, StoreError> {
        all(&mut *pool.acquire().await?, &Self::statements().live, vec![], stored).await
    }

    /// Tells other processes, when the transaction `tx` commits, which
    /// resources it changed (`*`: reload all); nothing by default.
    async fn announce(_tx: &mut Self::Connection, _changed: Vec<String>) -> Result<(), StoreError> {
        Ok(())
    }
}

/// A store on one database: its pool; the rest is the shared layer.
pub struct SqlDb<DB: Database> {
    pub(crate) pool: Pool<DB>,
}

impl<DB: Backend> SqlDb<DB> {
    /// A connection for reads and single statements.
    async fn connection(&self) -> Result<PoolConnection<DB>, StoreError> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction.
    pub(crate) async fn transaction(&self) -> Result<Transaction<'static, DB>, StoreError> {
        Ok(self.pool.begin_with(DB::BEGIN).await?)
    }
}

/// Announces the changes, then commits.
pub(crate) async fn commit<DB: Backend>(
    mut tx: Transaction<'static, DB>,
    changed: Vec<String>,
) -> Result<(), StoreError> {
    DB::announce(&mut tx, changed).await?;
    Ok(tx.commit().await?)
}

/// A statement with its arguments bound.
pub fn query<DB: Backend>(sql: &str, args: Vec<Arg>) -> Query<'_, DB, <DB as Database>::Arguments<'_>> {
    args.into_iter().fold(sqlx::query(sql), DB::bind)
}

/// Reads what a dialect encodes its own way: lists and JSON.
pub trait Encoded {
    /// A list column as a JSON array (anything else fails validation later).
    fn list(&self, column: &str) -> Result<Value, StoreError>;
    /// A JSON column.
    fn json(&self, column: &str) -> Result<Option<Value>, StoreError>;
}

/// Reads the plain columns of a row by name.
pub trait Cells {
    /// A text column that is never NULL.
    fn text(&self, column: &str) -> Result<String, StoreError>;
    /// A text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// An integer column that is never NULL.
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    /// An integer column.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    /// A float column.
    fn opt_float(&self, column: &str) -> Result<Option<f64>, StoreError>;
    /// A boolean column (an integer in SQLite).
    fn flag(&self, column: &str) -> Result<bool, StoreError>;
}

impl<R> Cells for R
where
    R: sqlx::Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> f64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
{
    fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn int(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn opt_float(&self, column: &str) -> Result<Option<f64>, StoreError> {
        Ok(self.try_get(column)?)
    }
    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.try_get(column)?)
    }
}

/// A row of either store.
pub trait SqlRow: Cells + Encoded + sqlx::Row + Send {}

impl<R: Cells + Encoded + sqlx::Row + Send> SqlRow for R {}

/// Reads rows as they come.
pub type EachRow<'f, R> = &'f mut (dyn FnMut(&R) -> Result<(), StoreError> + Send);

/// A connection (or transaction) of either store.
#[async_trait]
pub trait Conn: Send {
    /// Its rows.
    type Row: SqlRow;
    /// Runs a query, handing each row to `f` as it arrives.
    async fn each(&mut self, sql: &str, args: Vec<Arg>, f: EachRow<'_, Self::Row>) -> Result<(), StoreError>;
    /// Runs a query for at most one row.
    async fn optional(&mut self, sql: &str, args: Vec<Arg>) -> Result<Option<Self::Row>, StoreError>;
    /// Runs a statement; the number of rows it changed.
    async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
}

/// Implements [`Conn`] for a backend's connection type.
macro_rules! impl_conn {
    ($conn:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::sql::Conn for $conn {
            type Row = <$db as sqlx::Database>::Row;
            async fn each(
                &mut self,
                sql: &str,
                args: Vec<$crate::store::sql::Arg>,
                f: $crate::store::sql::EachRow<'_, Self::Row>,
            ) -> Result<(), $crate::store::StoreError> {
                use futures_util::TryStreamExt as _;
                let mut rows = $crate::store::sql::query::<$db>(sql, args).fetch(self);
                while let Some(row) = rows.try_next().await? {
                    f(&row)?;
                }
                Ok(())
            }
            async fn optional(
                &mut self,
                sql: &str,
                args: Vec<$crate::store::sql::Arg>,
            ) -> Result<Option<Self::Row>, $crate::store::StoreError> {
                Ok($crate::store::sql::query::<$db>(sql, args).fetch_optional(self).await?)
            }
            async fn execute(
                &mut self,
                sql: &str,
                args: Vec<$crate::store::sql::Arg>,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok($crate::store::sql::query::<$db>(sql, args).execute(self).await?.rows_affected())
            }
        }
    };
}
pub(crate) use impl_conn;

/// The rows of a query, each decoded.
async fn all<C, T>(
    c: &mut C,
    sql: &str,
    args: Vec<Arg>,
    decode: fn(&C::Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError>
where
    C: Conn + ?Sized,
    T: Send,
{
    let mut out = Vec::new();
    c.each(sql, args, &mut |row| {
        out.push(decode(row)?);
        Ok(())
    })
    .await?;
    Ok(out)
}

/// At most one row of a query, decoded.
async fn one<C, T>(
    c: &mut C,
    sql: &str,
    args: Vec<Arg>,
    decode: fn(&C::Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError>
where
    C: Conn + ?Sized,
{
    c.optional(sql, args).await?.as_ref().map(decode).transpose()
}

/// The `version` a statement returns.
async fn version<C: Conn + ?Sized>(c: &mut C, sql: &str, args: Vec<Arg>) -> Result<i64, StoreError> {
    match c.optional(sql, args).await? {
        Some(row) => row.int("version"),
        None => Err(StoreError::Database(sqlx::Error::RowNotFound)),
    }
}

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
    let updated_at = super::parse_utc(&resource.id, &row.text("updated_at")?)?;
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

fn token_info<R: SqlRow>(row: &R) -> Result<TokenInfo, StoreError> {
    let name = row.text("name")?;
    Ok(TokenInfo {
        role: row.text("role")?.parse().map_err(|reason| StoreError::Invalid { id: name.clone(), reason })?,
        name,
        created_at: row.text("created_at")?,
        revoked: row.flag("revoked")?,
        expires_at: row.opt_text("expires_at")?,
    })
}

fn demand_row<R: SqlRow>(row: &R) -> Result<Demand, StoreError> {
    let id = row.text("id")?;
    let invalid = |reason: String| StoreError::Invalid { id: format!("demand {id}"), reason };
    let referred = row.list("referred_to")?;
    let referred_to = match referred.as_array() {
        Some(items) if items.iter().all(Value::is_string) => strings(&referred),
        _ => return Err(invalid(format!("referred_to: not a list of ids: {referred}"))),
    };
    Demand::from_columns(
        id.clone(),
        &row.text("date")?,
        &row.text("need")?,
        &row.text("channel")?,
        &row.text("requester")?,
        row.text("area")?,
        (row.opt_float("lon")?, row.opt_float("lat")?),
        referred_to,
        row.text("created_at")?,
        row.text("created_by")?,
    )
    .map_err(invalid)
}

/// An area from a row with `id`, `name`, `kind`, `country`, `population`
/// and `geometry` (the outline as GeoJSON text), revalidated.
fn area<R: SqlRow>(row: &R) -> Result<Area, StoreError> {
    let id = row.text("id")?;
    let invalid = |reason: String| StoreError::Invalid { id: id.clone(), reason };
    let geometry: geojson::Geometry =
        row.text("geometry")?.parse().map_err(|e| invalid(format!("stored outline: {e}")))?;
    let props = serde_json::json!({
        "name": row.text("name")?,
        "kind": row.text("kind")?,
        "country": row.opt_text("country")?,
        "population": row.opt_int("population")?,
    });
    let Value::Object(props) = props else {
        return Err(invalid("stored properties are not an object".into()));
    };
    Area::from_feature_parts(Some(&id), &props, Some(&geometry.value)).map_err(|e| invalid(e.to_string()))
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
async fn stage_rows<C: Conn + ?Sized>(
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

/// A constraint the database enforces, violated by a resource the model
/// let through, is the record's fault: [`StoreError::Refused`], not a crash.
fn rejected(e: StoreError, id: &str) -> StoreError {
    match e {
        StoreError::Database(sqlx::Error::Database(db)) if db.is_check_violation() => {
            StoreError::Refused { id: id.to_owned(), reason: db.message().to_owned() }
        }
        e => e,
    }
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

#[async_trait]
impl<DB: Backend> TokenStore for SqlDb<DB> {
    async fn create_token_until(
        &self,
        name: &str,
        role: Role,
        hash: &str,
        expires: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        let args = vec![text(name), text(role.as_str()), text(hash), Arg::Time(expires)];
        let done = self.connection().await?.execute(&DB::statements().token_insert, args).await?;
        if done == 0 {
            return Err(StoreError::TokenExists(name.to_owned()));
        }
        Ok(())
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>, StoreError> {
        all(&mut *self.connection().await?, &DB::statements().tokens, vec![], token_info).await
    }

    async fn revoke_token(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.connection().await?.execute(&DB::statements().token_revoke, vec![text(name)]).await? > 0)
    }

    async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, StoreError> {
        one(&mut *self.connection().await?, &DB::statements().token_by_hash, vec![text(hash)], token_info)
            .await
    }
}

#[async_trait]
impl<DB: Backend> AreaStore for SqlDb<DB> {
    async fn areas(&self) -> Result<Vec<Area>, StoreError> {
        all(&mut *self.connection().await?, &DB::statements().areas, vec![], area).await
    }

    async fn import_areas(&self, areas: &[Area]) -> Result<ImportCounts, StoreError> {
        let mut tx = self.transaction().await?;
        let counts = upsert_areas::<DB>(&mut tx, areas).await?;
        // Running instances reload their snapshots, areas included.
        commit(tx, vec!["*".into()]).await?;
        Ok(counts)
    }
}

/// Writes the areas in `tx`, replacing those with the same id.
async fn upsert_areas<DB: Backend>(
    tx: &mut DB::Connection,
    areas: &[Area],
) -> Result<ImportCounts, StoreError> {
    {
        let sql = DB::statements();
        let mut counts = ImportCounts::default();
        for a in areas {
            let existed = tx.optional(&sql.area_exists, vec![text(&a.id)]).await?.is_some();
            let mut args = vec![
                text(&a.id),
                text(&a.name),
                text(a.kind.as_str()),
                Arg::Text(a.country.map(|c| c.to_string())),
                Arg::Int(a.population.map(|p| p as i64)),
                Arg::Text(Some(geojson::Geometry::from(&a.geometry).to_string())),
            ];
            if sql.dialect.area_bounds() {
                let bounds = a.bounds().ok_or_else(|| StoreError::Invalid {
                    id: a.id.clone(),
                    reason: "the outline has no extent".into(),
                })?;
                let (min, max) = (bounds.min(), bounds.max());
                args.extend([min.x, min.y, max.x, max.y].map(|v| Arg::Float(Some(v))));
            }
            tx.execute(&sql.area_upsert, args).await.map_err(|e| rejected(e, &a.id))?;
            if existed {
                counts.updated += 1;
            } else {
                counts.created += 1;
            }
        }
        Ok(counts)
    }
}

#[async_trait]
impl<DB: Backend> DemandStore for SqlDb<DB> {
    async fn log_demand(&self, d: &NewDemand, actor: &str) -> Result<Demand, StoreError> {
        let args = vec![
            text(&crate::model::demand::new_id()),
            Arg::Date(Some(d.date)),
            text(d.need.as_str()),
            text(d.channel.as_str()),
            text(d.requester.as_str()),
            text(&d.area),
            Arg::Float(d.point.map(|p| p[0])),
            Arg::Float(d.point.map(|p| p[1])),
            Arg::List(d.referred_to.clone()),
            text(actor),
            Arg::Time(Some(d.logged_at)),
        ];
        let row = self.connection().await?.optional(&DB::statements().demand_insert, args).await?;
        demand_row(&row.ok_or(StoreError::Database(sqlx::Error::RowNotFound))?)
    }

    async fn demand(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Vec<Demand>, StoreError> {
        let args = vec![Arg::Date(from), Arg::Date(to)];
        all(&mut *self.connection().await?, &DB::statements().demand_range, args, demand_row).await
    }

    async fn demand_record(&self, id: &str) -> Result<Option<Demand>, StoreError> {
        one(&mut *self.connection().await?, &DB::statements().demand_one, vec![text(id)], demand_row).await
    }

    async fn demand_by(&self, actor: &str, since: DateTime<Utc>) -> Result<Vec<Demand>, StoreError> {
        let args = vec![text(actor), Arg::Time(Some(since))];
        all(&mut *self.connection().await?, &DB::statements().demand_by, args, demand_row).await
    }

    async fn withdraw_demand(&self, id: &str, actor: &str, since: DateTime<Utc>) -> Result<bool, StoreError> {
        let args = vec![text(id), text(actor), Arg::Time(Some(since))];
        Ok(self.connection().await?.execute(&DB::statements().demand_withdraw, args).await? == 1)
    }
}
