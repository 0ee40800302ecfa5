//! The anonymous demand log: `POST /api/demand` logs one help-desk request,
//! `GET /api/demand/{id}` reads it back, `GET /api/demand/summary` counts
//! requests with every count below 5 hidden. All need an operator token.
//!
//! Nothing that identifies a person is accepted, stored or logged: fields
//! other than the few a record holds are refused by name (never echoing
//! their values; no error repeats a value sent), a point is reduced to the smallest loaded area holding it
//! and kept only rounded to 3 decimals.

use std::collections::BTreeMap;
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
use crate::index::Snapshot;
use crate::model::demand::{Count, Demand, DemandInput, NewDemand};
use crate::state::AppState;

/// `POST /api/demand`: logs one anonymous request (operator or higher).
pub async fn log_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    caller.require(Role::Operator)?;
    let Value::Object(map) = body.json(&["application/json"])? else {
        return Err(ApiError::InvalidFields(vec![InvalidParam {
            name: "body".into(),
            reason: "must be a JSON object such as {\"need\": \"housing\", \"channel\": \"phone\", ...}"
                .into(),
        }]));
    };
    let input = DemandInput::from_json(&map, latest_today()).map_err(|errors| {
        ApiError::InvalidFields(
            errors.0.into_iter().map(|e| InvalidParam { name: e.field, reason: e.reason }).collect(),
        )
    })?;
    let demand = resolve(&state.snapshot(), input)?;
    let stored = state.store().log_demand(&demand, &caller.name).await?;
    let mut response = (StatusCode::CREATED, Json(&stored)).into_response();
    if let Ok(location) = HeaderValue::from_str(&format!("/api/demand/{}", stored.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Today's date in the time zone where it is latest (UTC+14), so that no
/// desk anywhere is told that its today is in the future.
fn latest_today() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(14)).date_naive()
}

/// Reduces a validated request to what is stored: the named area must be
/// loaded (and hold the point, if one is given too); a point alone gives the
/// smallest loaded area holding it; every referral must be a resource.
fn resolve(snapshot: &Snapshot, input: DemandInput) -> Result<NewDemand, ApiError> {
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
        .filter(|(_, id)| snapshot.get(id).is_none())
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
        }),
        _ => Err(ApiError::InvalidFields(errors)),
    }
}

/// `GET /api/demand/{id}`: one record (operator or higher).
pub async fn get_demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Demand>, ApiError> {
    caller.require(Role::Operator)?;
    let Path(id) = id.map_err(|_| {
        ApiError::InvalidParams(vec![InvalidParam {
            name: "id".into(),
            reason: "a demand record's id is a whole number".into(),
        }])
    })?;
    let demand = state.store().demand_record(id).await?;
    demand.map(Json).ok_or_else(|| ApiError::NotFound(format!("no demand record has the id {id}")))
}

/// How a summary groups records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By need (a topic).
    Need,
    /// By area id.
    Area,
    /// By month, `YYYY-MM`.
    Month,
}

impl GroupBy {
    fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "need" => Some(GroupBy::Need),
            "area" => Some(GroupBy::Area),
            "month" => Some(GroupBy::Month),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            GroupBy::Need => "need",
            GroupBy::Area => "area",
            GroupBy::Month => "month",
        }
    }

    fn key(self, d: &Demand) -> String {
        match self {
            GroupBy::Need => d.need.as_str().to_owned(),
            GroupBy::Area => d.area.clone(),
            GroupBy::Month => d.date.format("%Y-%m").to_string(),
        }
    }
}

/// One group of a summary.
#[derive(Debug, Serialize)]
pub struct Group {
    /// The need, area id or month.
    pub key: String,
    /// How many requests; `"<5"` below 5.
    pub count: Count,
}

/// Counts of requests per group.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `need`, `area` or `month`.
    pub by: &'static str,
    /// First day counted, if limited.
    pub from: Option<NaiveDate>,
    /// Last day counted, if limited.
    pub to: Option<NaiveDate>,
    /// Groups with at least one request, by key.
    pub groups: Vec<Group>,
    /// Every request in the period; `"<5"` below 5.
    pub total: Count,
}

/// Groups records, counting each group.
pub fn summarise(records: &[Demand], by: GroupBy, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Summary {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for d in records {
        *counts.entry(by.key(d)).or_default() += 1;
    }
    Summary {
        by: by.as_str(),
        from,
        to,
        groups: counts.into_iter().map(|(key, n)| Group { key, count: Count(n) }).collect(),
        total: Count(records.len() as u64),
    }
}

/// `GET /api/demand/summary?from=&to=&by=need|area|month` (operator or
/// higher); `by` defaults to `need`, `from` and `to` (both included) to no limit.
pub async fn demand_summary(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    RawQuery(query): RawQuery,
) -> Result<Json<Summary>, ApiError> {
    caller.require(Role::Operator)?;
    let mut params = Params::parse(query.as_deref(), &["from", "to", "by"]);
    let from = params.date("from");
    let to = params.date("to");
    let by = match params.one("by") {
        None => Some(GroupBy::Need),
        Some(raw) => {
            let by = GroupBy::parse(&raw);
            if by.is_none() {
                params.fail("by", format!("'{raw}' is not one of: need, area, month"));
            }
            by
        }
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            params.fail("from", format!("{f} is after to ({t})"));
        }
    }
    params.finish()?;
    let by = by.unwrap_or(GroupBy::Need);
    let records = state.store().demand(from, to).await?;
    Ok(Json(summarise(&records, by, from, to)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Topic;
    use crate::model::demand::{Channel, Requester};

    fn demand(id: i64, date: &str, need: Topic, area: &str) -> Demand {
        Demand {
            id,
            date: date.parse().unwrap(),
            need,
            channel: Channel::Phone,
            requester: Requester::Other,
            area: area.into(),
            lon: None,
            lat: None,
            referred_to: Vec::new(),
            created_at: String::new(),
            created_by: "desk".into(),
        }
    }

    #[test]
    fn summaries_hide_counts_below_five() {
        let mut records: Vec<Demand> =
            (0..6).map(|i| demand(i, "2026-01-10", Topic::Housing, "it-rm-municipio-01")).collect();
        records.push(demand(7, "2026-02-01", Topic::Youth, "it-rm-municipio-02"));
        let s = serde_json::to_value(summarise(&records, GroupBy::Need, None, None)).unwrap();
        assert_eq!(
            s["groups"],
            serde_json::json!([{"key": "housing", "count": 6}, {"key": "youth", "count": "<5"}])
        );
        assert_eq!(s["total"], 7);
        let s = serde_json::to_value(summarise(&records[..3], GroupBy::Month, None, None)).unwrap();
        assert_eq!(s["groups"], serde_json::json!([{"key": "2026-01", "count": "<5"}]));
        assert_eq!(s["total"], "<5");
    }
}
