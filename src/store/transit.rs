//! Stored GTFS feeds: one row per feed id holding its compacted timetable;
//! a re-import replaces the row in one statement, so readers see the old
//! feed or the new one, never a mix, and running servers are told to reload.

use async_trait::async_trait;

use super::StoreError;
use super::dialect::Dialect;
use super::sql::{Arg, Backend, Cells, Conn, SqlDb};
pub use crate::transit::Feed;
use crate::transit::Timetable;

/// The stored feeds.
#[async_trait]
pub trait TransitStore: Send + Sync + 'static {
    /// Stores `feed`, replacing the feed with its id at once.
    async fn put_feed(&self, feed: &Feed) -> Result<(), StoreError>;
    /// Every stored feed, by id.
    async fn feeds(&self) -> Result<Vec<Feed>, StoreError>;
    /// Each stored feed's id and import time, by id: a cheap look for a
    /// change.
    async fn feed_stamps(&self) -> Result<Vec<(String, String)>, StoreError>;
}

fn upsert(d: Dialect) -> String {
    let p = |i: usize| if d == Dialect::Sqlite { format!("?{i}") } else { format!("${i}") };
    format!(
        "INSERT INTO transit_feed (id, source, imported_at, timezone, stops, trips, stop_times, timetable) \
         VALUES ({}, {}, {}, {}, {}, {}, {}, {}) \
         ON CONFLICT (id) DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at, \
         timezone = excluded.timezone, stops = excluded.stops, trips = excluded.trips, \
         stop_times = excluded.stop_times, timetable = excluded.timetable",
        p(1),
        p(2),
        p(3),
        p(4),
        p(5),
        p(6),
        p(7),
        p(8)
    )
}

#[async_trait]
impl<DB: Backend> TransitStore for SqlDb<DB> {
    async fn put_feed(&self, feed: &Feed) -> Result<(), StoreError> {
        let tt = &feed.timetable;
        let json = serde_json::to_string(tt)
            .map_err(|e| StoreError::Invalid { id: feed.id.clone(), reason: e.to_string() })?;
        let args = vec![
            Arg::Text(Some(feed.id.clone())),
            Arg::Text(Some(feed.source.clone())),
            Arg::Text(Some(feed.imported_at.clone())),
            Arg::Text(Some(tt.timezone.clone())),
            Arg::Int(Some(tt.stops.len() as i64)),
            Arg::Int(Some(tt.trips.len() as i64)),
            Arg::Int(Some(tt.stop_times() as i64)),
            Arg::Text(Some(json)),
        ];
        let mut tx = self.transaction().await?;
        tx.execute(&upsert(DB::statements().dialect), args).await?;
        // Running servers reload (SQLite: the notice counter they poll;
        // PostGIS: NOTIFY) and prepare the changed feeds.
        super::sql::commit(tx, vec!["*".into()]).await
    }

    async fn feed_stamps(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut c = self.pool.acquire().await?;
        let mut out = Vec::new();
        (*c).each("SELECT id, imported_at FROM transit_feed ORDER BY id", vec![], &mut |row| {
            out.push((row.text("id")?, row.text("imported_at")?));
            Ok(())
        })
        .await?;
        Ok(out)
    }

    async fn feeds(&self) -> Result<Vec<Feed>, StoreError> {
        let mut c = self.pool.acquire().await?;
        let mut out = Vec::new();
        (*c).each(
            "SELECT id, source, imported_at, timetable FROM transit_feed ORDER BY id",
            vec![],
            &mut |row| {
                let id = row.text("id")?;
                let timetable: Timetable = serde_json::from_str(&row.text("timetable")?).map_err(|e| {
                    StoreError::Invalid { id: id.clone(), reason: format!("stored timetable: {e}") }
                })?;
                out.push(Feed {
                    id,
                    source: row.text("source")?,
                    imported_at: row.text("imported_at")?,
                    timetable,
                });
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }
}
