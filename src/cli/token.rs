//! `witgis token create|list|revoke`: the API tokens that writes need.

use super::{CliError, open_store};
use crate::auth;
use crate::config::TokenCommand;

pub(super) async fn run(command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Create { role, name, expires, store } => {
            auth::check_token_name(&name).map_err(CliError::Invalid)?;
            let store = open_store(&store).await?;
            let token = auth::new_token();
            let until = expires.map(|d| chrono::Utc::now() + d);
            store.create_token_until(&name, role, &auth::hash_token(&token), until).await?;
            let until =
                until.map_or(String::new(), |t| format!(", valid until {}", t.format("%Y-%m-%d %H:%M UTC")));
            eprintln!("created token '{name}' with role {role}{until}; it is shown only once:");
            println!("{token}");
        }
        TokenCommand::List { store } => {
            let store = open_store(&store).await?;
            for t in store.tokens().await? {
                let state = if t.revoked {
                    "revoked"
                } else if t.expired(chrono::Utc::now()) {
                    "expired"
                } else {
                    "active"
                };
                let until = t.expires_at.as_deref().unwrap_or("-");
                println!("{}\t{}\t{}\t{state}\t{until}", t.name, t.role, t.created_at);
            }
        }
        TokenCommand::Revoke { name, store } => {
            let store = open_store(&store).await?;
            if !store.revoke_token(&name).await? {
                return Err(CliError::Invalid(format!("no active token is named '{name}'")));
            }
            eprintln!("revoked token '{name}'");
        }
    }
    Ok(())
}
