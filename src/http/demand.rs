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
use serde::Serialize;
use serde_json::Value;

use super::error::{ApiError, InvalidParam};
use super::extract::{Body, Caller};
use super::params::Params;
use crate::auth::Role;
use crate::coverage::{GroupBy, PublishedRange, Summary, summarise};
use crate::index::Snapshot;
use crate::model::demand::{self, CORRECTION_HOURS, Demand, DemandInput, NewDemand};
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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
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
    let input = DemandInput::from_json(&map, state.desk_today()).map_err(|errors| {
        ApiError::InvalidFields(
            errors.0.into_iter().map(|e| InvalidParam { name: e.field, reason: e.reason }).collect(),
        )
    })?;
    let demand = resolve(&state.snapshot(), input, state.now())?;
    let stored = state.store().log_demand(&demand, &caller.name).await?;
    let mut response = (StatusCode::CREATED, Json(&stored)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/demand/{}", stored.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Reduces a validated request to what is stored: the named area must be
/// loaded (and hold the point, if one is given too); a point alone gives the
/// smallest loaded area holding it; every referral must be a resource.
fn resolve(
    snapshot: &Snapshot,
    input: DemandInput,
    logged_at: chrono::DateTime<chrono::Utc>,
) -> Result<NewDemand, ApiError> {
    let mut errors = Vec::new();
    let mut fail = |name: &str, reason: String| errors.push(InvalidParam { name: name.into(), reason });
    let area = match (&input.area, input.point) {
        (Some(id), point) => match snapshot.area(id) {
            None => {
                fail("area", "names no loaded area; see GET /api/areas".into());
                None
            }
            Some(_)
                if point
                    .is_some_and(|[lon, lat]| !snapshot.areas_at(lon, lat).iter().any(|a| &a.id == id)) =>
            {
                fail("lon", "the point lies outside the area named; give one or the other".into());
                None
            }
            Some(area) => Some(area.id.clone()),
        },
        (None, Some([lon, lat])) => match snapshot.areas_at(lon, lat).first() {
            Some(area) => Some(area.id.clone()),
            None => {
                fail("area", "no loaded area holds the point; give the area id instead".into());
                None
            }
        },
        (None, None) => {
            fail("area", "give the area (an id) or a point (lon, lat)".into());
            None
        }
    };
    // Positions, not values: nothing sent is echoed.
    let unknown: Vec<String> = (input.referred_to.iter().enumerate())
        .filter(|(_, id)| snapshot.index().get(id).is_none())
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !unknown.is_empty() {
        fail("referred_to", format!("entry {} names no resource", unknown.join(", ")));
    }
    match area {
        Some(area) if errors.is_empty() => Ok(NewDemand {
            date: input.date,
            need: input.need,
            channel: input.channel,
            requester: input.requester,
            area,
            point: input.point,
            referred_to: input.referred_to,
            logged_at,
        }),
        _ => Err(ApiError::InvalidFields(errors)),
    }
}

/// The start of the correction window: records logged from then on by the
/// caller's token are the caller's to read and withdraw.
fn window_start(state: &AppState) -> chrono::DateTime<chrono::Utc> {
    state.now() - chrono::Duration::hours(CORRECTION_HOURS)
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

fn not_yours() -> ApiError {
    ApiError::NotFound(format!(
        "no record logged with this token in the last {CORRECTION_HOURS} hours has this id (older records, \
         and other tokens' records, are only counted in the published figures)"
    ))
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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Demand>, ApiError> {
    caller.require(Role::Operator)?;
    let id = demand_id(id)?;
    let since = window_start(&state);
    let demand = state.store().demand_record(&id).await?;
    demand.filter(|d| is_own_recent(d, &caller.name, since)).map(Json).ok_or_else(not_yours)
}

fn is_own_recent(d: &Demand, name: &str, since: chrono::DateTime<chrono::Utc>) -> bool {
    d.created_by == name
        && chrono::DateTime::parse_from_rfc3339(&d.created_at)
            .is_ok_and(|t| t.with_timezone(&chrono::Utc) >= since)
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
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn withdraw_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    caller.require(Role::Operator)?;
    let id = demand_id(id)?;
    if state.store().withdraw_demand(&id, &caller.name, window_start(&state)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_yours())
    }
}

/// The caller's own records of the last 24 hours.
#[derive(Debug, Serialize)]
pub struct Recent {
    /// The window, hours.
    pub hours: i64,
    /// Oldest first.
    pub records: Vec<Demand>,
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
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn recent_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
) -> Result<Json<Recent>, ApiError> {
    caller.require(Role::Operator)?;
    let records = state.store().demand_by(&caller.name, window_start(&state)).await?;
    Ok(Json(Recent { hours: CORRECTION_HOURS, records }))
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

/// `GET /api/demand/summary?from=&to=&by=need|area|month` (operator or
/// higher): published requests per need, area or month; `by` defaults to
/// `need`, `from` and `to` (widened to whole months) to every published month.
#[utoipa::path(
    get,
    path = "/api/demand/summary",
    tag = "desk",
    params(
        ("from" = Option<String>, Query, description = "First day (YYYY-MM-DD)"),
        ("to" = Option<String>, Query, description = "Last day (YYYY-MM-DD)"),
        ("by" = Option<String>, Query, description = "Group by: need, area, month, channel or requester")
    ),
    security(("bearer" = ["operator"])),
    responses(
        (status = 200, description = "Counts, rounded, per group", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn demand_summary(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Summary>, ApiError> {
    caller.require(Role::Operator)?;
    let mut params = Params::parse_private(query.as_deref(), &["from", "to", "by"]);
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
    let records =
        if range.is_empty() { Vec::new() } else { state.store().demand(range.from, Some(range.to)).await? };
    let cells = demand::cells(&records, range.through);
    Ok(Json(summarise(&cells, by, &range)))
}
