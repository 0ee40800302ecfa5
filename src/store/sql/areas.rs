//! Areas over SQL ([`AreaStore`]): the outlines and who serves each.

use async_trait::async_trait;
use serde_json::Value;

use crate::model::Area;
use crate::store::{AreaStore, ImportCounts, StoreError};

use super::{Arg, Backend, Conn, SqlDb, SqlRow, all, commit, rejected, text};

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
pub(super) async fn upsert_areas<DB: Backend>(
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
