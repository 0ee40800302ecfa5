//! Errors as RFC 9457 `application/problem+json`, mapped to HTTP in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::service::ServiceError;
use crate::store::StoreError;

/// One bad query parameter or body field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// No token, or one that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// The token's role is too low.
    #[error("{0}")]
    Forbidden(String),
    /// The body is not JSON, or not the JSON expected.
    #[error("{0}")]
    BadBody(String),
    /// The body has another media type than the endpoint reads.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The body is larger than accepted.
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// The body did not arrive in time.
    #[error("the request body did not arrive within {0} seconds; send it at once, then the request")]
    BodyTimeout(u64),
    /// The body is well-formed but some fields are invalid.
    #[error("invalid field(s): {}", describe(.0))]
    InvalidFields(Vec<InvalidParam>),
    /// The method is not served at this address.
    #[error("{0}")]
    MethodNotAllowed(String),
    /// A change without `If-Match`.
    #[error(
        "this change needs an If-Match header with the resource's current ETag (GET the resource first), so that no one else's change is overwritten"
    )]
    PreconditionRequired,
    /// Too many requests from one address: try again after this many seconds.
    #[error("{0}")]
    TooManyRequests(String, u64),
    /// The server cannot answer this query now (busy, or the query ran out
    /// of time): try again after this many seconds, or ask for less.
    #[error("{0}")]
    Overloaded(String, u64),
    /// The query asks for more work than the server ever does for one
    /// request; the message says what to ask instead.
    #[error("{0}")]
    TooLarge(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug: logged, answered with a generic 500.
    #[error("{0}")]
    Internal(String),
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> ApiError {
        let named = |errors: Vec<crate::model::FieldError>| {
            errors.into_iter().map(|e| InvalidParam { name: e.field, reason: e.reason }).collect()
        };
        match e {
            ServiceError::InvalidFields(errors) => ApiError::InvalidFields(named(errors)),
            ServiceError::InvalidParams(errors) => ApiError::InvalidParams(named(errors)),
            ServiceError::NotFound(message) => ApiError::NotFound(message),
            ServiceError::Store(e) => ApiError::Store(e),
        }
    }
}

fn describe(params: &[InvalidParam]) -> String {
    params.iter().map(|p| format!("{}: {}", p.name, p.reason)).collect::<Vec<_>>().join("; ")
}

/// An RFC 9457 problem, the body of every error answer
/// (`application/problem+json`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem<'a> {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The status's reason phrase, e.g. `Bad Request`.
    title: &'a str,
    /// The HTTP status code.
    #[schema(minimum = 400, maximum = 599)]
    status: u16,
    /// What went wrong and what to do instead, in words a person can act on.
    detail: String,
    /// Each bad parameter or field, when the problem is about them.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<InvalidParam>>)]
    invalid_params: Option<&'a [InvalidParam]>,
}

/// A bad or unknown parameter (400), as documented by the operations that
/// take parameters or a body.
#[derive(utoipa::IntoResponses)]
#[response(
    status = 400,
    description = "A bad or unknown parameter, each named in invalid_params",
    content_type = "application/problem+json"
)]
pub struct BadParams(#[allow(dead_code)] Problem<'static>);

/// The answers of a request whose token is missing or too weak.
#[derive(utoipa::IntoResponses)]
pub enum AuthErrors {
    /// No token, or an unknown, expired or revoked one.
    #[response(
        status = 401,
        description = "No token, or an unknown, expired or revoked one",
        content_type = "application/problem+json"
    )]
    Unauthorized(#[allow(dead_code)] Problem<'static>),
    /// The token's role is too low.
    #[response(
        status = 403,
        description = "The token's role is too low",
        content_type = "application/problem+json"
    )]
    Forbidden(#[allow(dead_code)] Problem<'static>),
}

/// The answers about a request body that cannot be read or is invalid.
#[derive(utoipa::IntoResponses)]
pub enum BodyErrors {
    /// Too large.
    #[response(
        status = 413,
        description = "The body is too large",
        content_type = "application/problem+json"
    )]
    TooLarge(#[allow(dead_code)] Problem<'static>),
    /// Another media type.
    #[response(
        status = 415,
        description = "The body has another media type",
        content_type = "application/problem+json"
    )]
    MediaType(#[allow(dead_code)] Problem<'static>),
    /// Invalid fields.
    #[response(
        status = 422,
        description = "Invalid fields, each named in invalid_params",
        content_type = "application/problem+json"
    )]
    Invalid(#[allow(dead_code)] Problem<'static>),
}

/// The answers of a change to a stored version (`If-Match`).
#[derive(utoipa::IntoResponses)]
pub enum VersionErrors {
    /// No such resource.
    #[response(status = 404, description = "Nothing with this id", content_type = "application/problem+json")]
    NotFound(#[allow(dead_code)] Problem<'static>),
    /// A stale ETag.
    #[response(
        status = 412,
        description = "The resource changed since the If-Match ETag; the answer's ETag is the current one",
        content_type = "application/problem+json"
    )]
    Stale(#[allow(dead_code)] Problem<'static>),
    /// No `If-Match`.
    #[response(status = 428, description = "No If-Match header", content_type = "application/problem+json")]
    NoCondition(#[allow(dead_code)] Problem<'static>),
}

/// The answer of a write while the database is unavailable (503).
#[derive(utoipa::IntoResponses)]
#[response(
    status = 503,
    description = "The database is unavailable: nothing was saved",
    content_type = "application/problem+json"
)]
pub struct SaveUnavailable(#[allow(dead_code)] Problem<'static>);

/// A problem+json response.
pub fn problem(status: StatusCode, detail: String, invalid_params: Option<&[InvalidParam]>) -> Response {
    let body = Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error"),
        status: status.as_u16(),
        detail,
        invalid_params,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response()
}

/// The ETag of a stored version.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let detail = self.to_string();
        match &self {
            ApiError::InvalidParams(params) => problem(StatusCode::BAD_REQUEST, detail, Some(params)),
            ApiError::NotFound(_) => problem(StatusCode::NOT_FOUND, detail, None),
            ApiError::Unauthorized(_) => {
                let mut response = problem(StatusCode::UNAUTHORIZED, detail, None);
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"witgis\""));
                response
            }
            ApiError::Forbidden(_) => problem(StatusCode::FORBIDDEN, detail, None),
            ApiError::BadBody(_) => problem(StatusCode::BAD_REQUEST, detail, None),
            ApiError::UnsupportedMediaType(_) => problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, detail, None),
            ApiError::PayloadTooLarge(_) => problem(StatusCode::PAYLOAD_TOO_LARGE, detail, None),
            ApiError::BodyTimeout(_) => {
                let mut response = problem(StatusCode::REQUEST_TIMEOUT, detail, None);
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                response
            }
            ApiError::InvalidFields(fields) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, detail, Some(fields))
            }
            ApiError::PreconditionRequired => problem(StatusCode::PRECONDITION_REQUIRED, detail, None),
            ApiError::MethodNotAllowed(_) => problem(StatusCode::METHOD_NOT_ALLOWED, detail, None),
            ApiError::TooManyRequests(_, seconds) => {
                let mut response = problem(StatusCode::TOO_MANY_REQUESTS, detail, None);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
                response
            }
            ApiError::Overloaded(_, seconds) => {
                let mut response = problem(StatusCode::SERVICE_UNAVAILABLE, detail, None);
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
                response
            }
            ApiError::TooLarge(_) => problem(StatusCode::UNPROCESSABLE_ENTITY, detail, None),
            ApiError::Store(StoreError::NotFound(_) | StoreError::Deleted(_)) => {
                problem(StatusCode::NOT_FOUND, detail, None)
            }
            ApiError::Store(
                StoreError::AlreadyExists { .. } | StoreError::NotDeleted(_) | StoreError::TokenExists(_),
            ) => problem(StatusCode::CONFLICT, detail, None),
            ApiError::Store(StoreError::VersionMismatch { current, .. }) => {
                let mut response = problem(
                    StatusCode::PRECONDITION_FAILED,
                    format!("{detail}; GET it again, reapply your change and send the new ETag"),
                    None,
                );
                response.headers_mut().insert(header::ETAG, etag(*current));
                response
            }
            ApiError::Store(StoreError::Refused { .. }) => {
                problem(StatusCode::UNPROCESSABLE_ENTITY, detail, None)
            }
            ApiError::Store(StoreError::Unavailable(_)) => {
                crate::metrics::global().store_error(true);
                tracing::warn!(error = %self, "store unavailable");
                problem(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is not available right now, so nothing can be saved; reads still work. \
                     Please try again shortly"
                        .into(),
                    None,
                )
            }
            ApiError::Store(_) | ApiError::Internal(_) => {
                crate::metrics::global().store_error(false);
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
