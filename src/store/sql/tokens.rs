//! API tokens over SQL ([`TokenStore`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::auth::Role;
use crate::store::{StoreError, TokenInfo, TokenStore};

use super::{Arg, Backend, Conn, SqlDb, SqlRow, all, one, text};

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
