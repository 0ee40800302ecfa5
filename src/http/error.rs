//! Errors as RFC 9457 `application/problem+json`, mapped to HTTP in one place.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// One bad query parameter or body field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvalidParam {
    /// The parameter's name, e.g. `lat`.
    pub name: String,
    /// What is wrong and what is accepted.
    pub reason: String,
}

/// Everything a handler can answer instead of a result.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// One or more query parameters are invalid.
    #[error("invalid query parameter(s): {}", describe(.0))]
    InvalidParams(Vec<InvalidParam>),
    /// Nothing at this address.
    #[error("{0}")]
    NotFound(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug: logged, answered with a generic 500.
    #[error("{0}")]
    Internal(String),
}

fn describe(params: &[InvalidParam]) -> String {
    params.iter().map(|p| format!("{}: {}", p.name, p.reason)).collect::<Vec<_>>().join("; ")
}

#[derive(Serialize)]
struct Problem<'a> {
    r#type: &'static str,
    title: &'a str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    invalid_params: Option<&'a [InvalidParam]>,
}

/// A problem+json response.
pub fn problem(status: StatusCode, detail: String, invalid_params: Option<&[InvalidParam]>) -> Response {
    let body = Problem {
        r#type: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        invalid_params,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::InvalidParams(params) => {
                problem(StatusCode::BAD_REQUEST, self.to_string(), Some(params))
            }
            ApiError::NotFound(_) => problem(StatusCode::NOT_FOUND, self.to_string(), None),
            ApiError::Store(StoreError::Unavailable(_)) => {
                tracing::warn!(error = %self, "store unavailable");
                problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is not available right now; please try again shortly".into(),
                    None,
                )
            }
            ApiError::Store(_) | ApiError::Internal(_) => {
                tracing::error!(error = %self, "store error");
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "an internal error occurred; it has been logged".into(),
                    None,
                )
            }
        }
    }
}
