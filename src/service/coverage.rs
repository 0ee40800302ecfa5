//! Coverage's store reads: logged demand enters coverage only as the
//! published cells of whole, published months.

use super::{Service, ServiceError};
use crate::coverage::PublishedRange;
use crate::model::demand::Cell;

impl Service {
    /// The published cells of `range`: what `weight=demand` suggestions
    /// and demand against supply count.
    pub async fn published_demand(&self, range: &PublishedRange) -> Result<Vec<Cell>, ServiceError> {
        Ok(super::demand::published_cells(self.state.store(), range).await?)
    }
}
