//! [`PlaceStore`] over either database: the imported street map, replaced
//! as a whole in one transaction.

use async_trait::async_trait;

use super::{Arg, Backend, Cells, Conn, SqlDb, all, commit, one, text};
use crate::store::{PlaceImport, PlaceStore, StoreError};
use crate::streets::{OsmPlace, Precision};

/// Rows per insert statement (10 values each, under both databases' limits).
const BATCH: usize = 500;

const COLUMNS: &str = "kind, name, housenumber, city, lon, lat, west, south, east, north";

fn insert(dialect: crate::store::dialect::Dialect, rows: usize) -> String {
    let values: Vec<String> = (0..rows)
        .map(|r| {
            let ps: Vec<String> = (1..=10).map(|c| dialect.p(r * 10 + c)).collect();
            format!("({})", ps.join(", "))
        })
        .collect();
    format!("INSERT INTO place ({COLUMNS}) VALUES {}", values.join(", "))
}

fn place<R: Cells>(row: &R) -> Result<OsmPlace, StoreError> {
    let kind = row.text("kind")?;
    let invalid = |reason: String| StoreError::Invalid { id: format!("place {kind}"), reason };
    let float = |c: &str| row.opt_float(c);
    let point = match (float("lon")?, float("lat")?) {
        (Some(x), Some(y)) => [x, y],
        _ => return Err(invalid("no point".into())),
    };
    let extent = match (float("west")?, float("south")?, float("east")?, float("north")?) {
        (Some(w), Some(s), Some(e), Some(n)) => Some([w, s, e, n]),
        _ => None,
    };
    Ok(OsmPlace {
        kind: Precision::parse(&kind).ok_or_else(|| invalid("an unknown kind".into()))?,
        name: row.text("name")?,
        housenumber: row.opt_text("housenumber")?,
        city: row.opt_text("city")?,
        point,
        extent,
    })
}

fn import_row<R: Cells>(row: &R) -> Result<PlaceImport, StoreError> {
    Ok(PlaceImport {
        source: row.text("source")?,
        imported_at: row.text("imported_at")?,
        places: row.int("places")?,
    })
}

fn args(batch: &[OsmPlace]) -> Vec<Arg> {
    let mut args = Vec::with_capacity(batch.len() * 10);
    for p in batch {
        let e = p.extent;
        args.extend([
            text(p.kind.as_str()),
            text(&p.name),
            Arg::Text(p.housenumber.clone()),
            Arg::Text(p.city.clone()),
            Arg::Float(Some(p.point[0])),
            Arg::Float(Some(p.point[1])),
            Arg::Float(e.map(|e| e[0])),
            Arg::Float(e.map(|e| e[1])),
            Arg::Float(e.map(|e| e[2])),
            Arg::Float(e.map(|e| e[3])),
        ]);
    }
    args
}

#[async_trait]
impl<DB: Backend> PlaceStore for SqlDb<DB> {
    async fn replace_places(
        &self,
        places: &[OsmPlace],
        source: &str,
        progress: crate::store::Progress<'_>,
    ) -> Result<(), StoreError> {
        let dialect = DB::statements().dialect;
        let full = insert(dialect, BATCH);
        let mut tx = self.transaction().await?;
        tx.execute("DELETE FROM place", vec![]).await?;
        let mut done = 0;
        for batch in places.chunks(BATCH) {
            let sql = if batch.len() == BATCH { full.clone() } else { insert(dialect, batch.len()) };
            tx.execute(&sql, args(batch)).await?;
            let before = done;
            done += batch.len();
            if done / 100_000 > before / 100_000 {
                progress(done);
            }
        }
        tx.execute("DELETE FROM place_import", vec![]).await?;
        let (p1, p2, p3, p4) = (dialect.p(1), dialect.p(2), dialect.p(3), dialect.p(4));
        tx.execute(
            &format!(
                "INSERT INTO place_import (id, source, imported_at, places) VALUES ({p1}, {p2}, {p3}, {p4})"
            ),
            vec![
                Arg::Int(Some(1)),
                text(source),
                text(&chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                Arg::Int(Some(places.len() as i64)),
            ],
        )
        .await?;
        // Running instances reload, their street maps included.
        commit(tx, vec!["*".into()]).await
    }

    async fn places(&self) -> Result<Vec<OsmPlace>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM place");
        all(&mut *self.connection().await?, &sql, vec![], place).await
    }

    async fn places_import(&self) -> Result<Option<PlaceImport>, StoreError> {
        let sql = "SELECT source, imported_at, places FROM place_import WHERE id = 1";
        one(&mut *self.connection().await?, sql, vec![], import_row).await
    }
}
