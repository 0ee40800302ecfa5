//! `GET /api/quality`: the data-quality report (see [`crate::quality`]).
//! Public: it holds facts about the records, no personal data.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::negotiate::{Format, Offer};
use super::params::Params;
use crate::state::AppState;

/// The formats of `/api/quality`.
const FORMATS: Offer = Offer::new(&[Format::Csv]);

/// The report as JSON; as CSV with `format=csv` or `Accept: text/csv`, one
/// row per country and category (`table=groups`, the default) or per record
/// of the work list (`table=work_list`). `as_of=YYYY-MM-DD` computes it for
/// another day than today (UTC).
#[utoipa::path(
    get,
    path = "/api/quality",
    tag = "coverage",
    params(
        ("as_of" = Option<String>, Query, description = "The day to judge staleness (YYYY-MM-DD)"),
        ("format" = Option<String>, Query, description = "json or csv"),
        ("table" = Option<String>, Query, description = "One table only (csv)")
    ),
    responses(
        (status = 200, description = "The quality report", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn quality(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(raw.as_deref(), &["as_of", "format", "table"]);
    let as_of = params.date("as_of").unwrap_or_else(|| chrono::Utc::now().date_naive());
    let csv = FORMATS.pick(&mut params, &headers) == Format::Csv;
    let work_list = match params.one("table").as_deref().map(str::trim) {
        None | Some("groups") => false,
        Some("work_list") => true,
        Some(other) => {
            params.fail("table", format!("'{other}' is not a table; expected groups or work_list"));
            false
        }
    };
    if work_list && !csv {
        params.fail("table", "table chooses the CSV's rows: it goes with format=csv".into());
    }
    params.finish()?;
    let snapshot = state.snapshot();
    let report = super::offload::offload(
        &state,
        "ask again later, when fewer reports are being computed",
        move |budget| {
            budget.check()?;
            let report = crate::quality::report(&snapshot, as_of);
            budget.check()?;
            Ok(report)
        },
    )
    .await?;
    if !csv {
        return Ok(Json(report).into_response());
    }
    let (body, name) = if work_list {
        (crate::quality::work_list_csv(&report), "witgis-quality-work-list")
    } else {
        (crate::quality::groups_csv(&report), "witgis-quality")
    };
    let body = body.map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))?;
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{name}-{as_of}.csv\""))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}
