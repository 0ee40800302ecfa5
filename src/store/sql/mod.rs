//! The SQL layer both stores share: values bound through a dialect
//! ([`Arg`], [`Backend`]), rows read through one interface ([`SqlRow`]),
//! connections behind one trait ([`Conn`]), and, written once over them,
//! resources, write transactions, history, tokens, seeding, areas and demand.
//! A store is a [`SqlDb`] on one [`Backend`], which adds only what is its
//! own (SQLite's hot backup; PostGIS's COPY import and LISTEN/NOTIFY).

mod areas;
mod demand;
mod places;
mod resources;
mod tokens;

pub use resources::SqlTx;
use resources::stage_rows;
pub(crate) use resources::stored;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::pool::PoolConnection;
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Pool, Transaction, Type};

use super::dialect::Statements;
use super::{Progress, StoreError, Stored};
use crate::model::Resource;

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
