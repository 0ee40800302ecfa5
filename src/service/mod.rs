//! The application core: the rules of writes, the demand log, place search,
//! referral and coverage, with typed answers and typed errors, and no HTTP
//! in it. The handlers in [`crate::http`] parse a request, call a
//! [`Service`] method and render its answer; the CLI calls the same
//! functions where it does the same thing (e.g. `export-demand`).
//!
//! This layer imports from the model, index, store and state, never from
//! `http` or `cli`, so that it can move into a crate of its own.

pub mod coverage;
pub mod demand;
pub mod health;
pub mod places;
pub mod referral;
pub mod resources;

use std::sync::Arc;

use crate::model::FieldError;
use crate::state::AppState;
use crate::store::StoreError;

/// The application core over the shared state: one per request is cheap
/// (an `Arc` clone).
#[derive(Clone)]
pub struct Service {
    state: Arc<AppState>,
}

impl Service {
    /// The core over `state`.
    pub fn new(state: Arc<AppState>) -> Service {
        Service { state }
    }

    /// The shared state.
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }
}

/// Everything the core can answer instead of a result; [`crate::http`] maps
/// it to a status in one place.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Fields of what was sent are invalid, each named.
    #[error("invalid field(s): {}", describe(.0))]
    InvalidFields(Vec<FieldError>),
    /// Request parameters are invalid, each named (a place id that names
    /// no place, say).
    #[error("invalid parameter(s): {}", describe(.0))]
    InvalidParams(Vec<FieldError>),
    /// Nothing the caller may see has this id; the message says why.
    #[error("{0}")]
    NotFound(String),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; ")
}

/// One field error.
pub(crate) fn field(field: &str, reason: impl Into<String>) -> FieldError {
    FieldError { field: field.into(), reason: reason.into() }
}
