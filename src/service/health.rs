//! What the health checks report, and the token behind a request.

use super::{Service, ServiceError};
use crate::store::TokenInfo;

/// The process's view of itself.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Health {
    /// The store's kind (`sqlite`, `postgres`).
    pub store: &'static str,
    /// Whether the database answers.
    pub database_up: bool,
    /// Resources in the current snapshot.
    pub resources: usize,
}

impl Service {
    /// The store's kind, whether it answers, and the snapshot's size.
    pub async fn health(&self) -> Health {
        let database_up = self.ready().await;
        Health {
            store: self.state.store().kind(),
            database_up,
            resources: self.state.snapshot().index().len(),
        }
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> bool {
        self.state.store().ping().await.is_ok()
    }

    /// The token with this hash, if one is stored (revoked ones are not).
    pub async fn token(&self, hash: &str) -> Result<Option<TokenInfo>, ServiceError> {
        Ok(self.state.store().token(hash).await?)
    }
}
