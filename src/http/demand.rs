//! The anonymous demand log: `POST /api/demand` logs one help-desk request;
//! the token that logged a record may read it back (`GET /api/demand/{id}`,
//! `GET /api/demand/recent`) and withdraw it (`DELETE /api/demand/{id}`) for
//! 24 hours, to correct a mistake; `GET /api/demand/summary` adds up the
//! published cells. All need an operator token.
//!
//! Nothing that identifies a person is accepted, stored or logged: fields
//! other than the few a record holds are refused by count and position
//! (never by name or value; no error repeats a value sent), fields of the
//! wrong type are refused rather than replaced, a point is reduced to the
//! smallest loaded area holding it and kept only rounded to 3 decimals.
//! Counts come only from the published cells
//! ([`crate::model::demand::cells`]): see docs/demand-log.md, "Privacy".

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde_json::Value;

use super::error::{ApiError, InvalidParam};
use super::extract::{Body, Caller};
use super::params::{Params, query_params};
use crate::auth::Role;
use crate::coverage::{GroupBy, PublishedRange, Summary};
use crate::model::demand::{self, Demand};
use crate::service::Service;
use crate::service::demand::Recent;
use crate::state::AppState;

/// `POST /api/demand`: logs one anonymous request (operator or higher).
#[utoipa::path(
    post,
    path = "/api/demand",
    tag = "desk",
    request_body(content = crate::http::openapi::JsonObject, description = "One anonymous request: need, channel, requester, area or place", content_type = "application/json"),
    security(("bearer" = ["operator"])),
    responses(
        (status = 201, description = "Logged; Location names it", body = crate::http::openapi::JsonObject),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::BodyErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn log_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require(Role::Operator)?;
    let Value::Object(map) = body.json(&["application/json"]).await? else {
        return Err(ApiError::InvalidFields(vec![InvalidParam {
            name: "body".into(),
            reason: "must be a JSON object such as {\"need\": \"housing\", \"channel\": \"phone\", ...}"
                .into(),
        }]));
    };
    let stored = Service::new(state).log_demand(&map, &caller.name).await?;
    let mut response = (StatusCode::CREATED, Json(&stored)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/demand/{}", stored.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn demand_id(id: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    match id {
        Ok(Path(id)) if demand::is_id(&id) => Ok(id),
        _ => Err(ApiError::InvalidParams(vec![InvalidParam {
            name: "id".into(),
            reason: "a demand record's id is 32 hexadecimal digits, as answered when it was logged".into(),
        }])),
    }
}

/// `GET /api/demand/{id}`: a record the caller's token logged in the last
/// 24 hours (operator or higher); any other id is not found.
#[utoipa::path(
    get,
    path = "/api/demand/{id}",
    tag = "desk",
    params(
        ("id" = String, Path, description = "The demand record's id")
    ),
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "The record", body = crate::http::openapi::JsonObject),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors
    )
)]
pub async fn get_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Demand>, ApiError> {
    caller.require(Role::Operator)?;
    let id = demand_id(id)?;
    Ok(Json(Service::new(state).own_demand(&id, &caller.name).await?))
}

/// `DELETE /api/demand/{id}`: withdraws a record the caller's token logged in
/// the last 24 hours (to log it again correctly).
#[utoipa::path(
    delete,
    path = "/api/demand/{id}",
    tag = "desk",
    params(
        ("id" = String, Path, description = "The demand record's id")
    ),
    security(("bearer" = ["operator"])),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors,
        crate::http::error::SaveUnavailable
    )
)]
pub async fn withdraw_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Operator)?;
    let id = demand_id(id)?;
    Service::new(state).withdraw_demand(&id, &caller.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/demand/recent`: the records the caller's token logged in the
/// last 24 hours, oldest first (operator or higher).
#[utoipa::path(
    get,
    path = "/api/demand/recent",
    tag = "desk",
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "Records still open to correction", body = crate::http::openapi::JsonObject),
        crate::http::error::AuthErrors
    )
)]
pub async fn recent_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Recent>, ApiError> {
    caller.require(Role::Operator)?;
    Ok(Json(Service::new(state).recent_demand(&caller.name).await?))
}

/// `from` and `to` from the query (`from` after `to` fails the parameter),
/// as published figures read them: see [`PublishedRange::new`].
pub fn published_range(params: &mut Params, today: NaiveDate) -> PublishedRange {
    let (from, to) = (params.date("from"), params.date("to"));
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            params.fail("from", "is after to".into());
        }
    }
    PublishedRange::new(from, to, today)
}

query_params! {
    /// The parameters of `GET /api/demand/summary`.
    pub struct SummaryParams {
        /// First day (YYYY-MM-DD)
        from: Option<String>,
        /// Last day (YYYY-MM-DD)
        to: Option<String>,
        /// Group by: need (the default), area or month
        by: Option<String>,
    }
}

/// `GET /api/demand/summary?from=&to=&by=need|area|month` (operator or
/// higher): published requests per need, area or month; `by` defaults to
/// `need`, `from` and `to` (widened to whole months) to every published month.
#[utoipa::path(
    get,
    path = "/api/demand/summary",
    tag = "desk",
    params(
        SummaryParams
    ),
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "Counts, rounded, per group", body = crate::http::openapi::JsonObject),
        crate::http::error::BadParams,
        crate::http::error::AuthErrors
    )
)]
pub async fn demand_summary(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Summary>, ApiError> {
    caller.require(Role::Operator)?;
    let mut params = Params::of_private::<SummaryParams>(query.as_deref());
    let range = published_range(&mut params, state.desk_today());
    let by = match params.one("by") {
        None => Some(GroupBy::Need),
        Some(raw) => {
            let by = GroupBy::parse(&raw);
            if by.is_none() {
                params.fail("by", "is not one of: need, area, month".into());
            }
            by
        }
    };
    params.finish()?;
    let by = by.unwrap_or(GroupBy::Need);
    Ok(Json(Service::new(state).demand_summary(&range, by).await?))
}
