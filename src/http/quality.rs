//! `GET /api/quality`: the data-quality report (see [`crate::quality`]).
//! Public: it holds facts about the records, no personal data.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use std::sync::{Mutex, Weak};

use chrono::NaiveDate;
use serde::Serialize;

use super::error::ApiError;
use super::negotiate::{Format, Offer};
use super::params::{Params, query_params};
use super::stream::{Items, write_json};
use crate::index::Snapshot;
use crate::quality::{Group, Report, SharedPoint};
use crate::state::AppState;

/// The formats of `/api/quality`.
const FORMATS: Offer = Offer::new(&[Format::Csv]);

query_params! {
    /// The parameters of `GET /api/quality`.
    pub struct QualityParams {
        /// The day to judge staleness (YYYY-MM-DD)
        as_of: Option<String>,
        /// json or csv
        format: Option<String>,
        /// One table only (csv)
        table: Option<String>,
    }
}

/// The report as JSON; as CSV with `format=csv` or `Accept: text/csv`, one
/// row per country and category (`table=groups`, the default) or per record
/// of the work list (`table=work_list`). `as_of=YYYY-MM-DD` computes it for
/// another day than today (UTC).
#[utoipa::path(
    get,
    path = "/api/quality",
    tag = "coverage",
    params(
        QualityParams
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
    let mut params = Params::of::<QualityParams>(raw.as_deref());
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
    let report = match shared(&snapshot, as_of) {
        Some(report) => report,
        None => {
            let computed =
                super::offload::offload(&state, "ask again later, when fewer reports are being computed", {
                    let snapshot = Arc::clone(&snapshot);
                    move |budget| {
                        budget.check()?;
                        let report = crate::quality::report(&snapshot, as_of);
                        budget.check()?;
                        Ok(Arc::new(report))
                    }
                })
                .await?;
            share(&snapshot, &computed);
            computed
        }
    };
    if !csv {
        let body = json_body(report).map_err(|e| ApiError::Internal(format!("cannot write JSON: {e}")))?;
        return Ok(
            ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
        );
    }
    let (body, name) = if work_list {
        (work_list_body(report), "witgis-quality-work-list")
    } else {
        let body = crate::quality::groups_csv(&report)
            .map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))?;
        (Body::from(body), "witgis-quality")
    };
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

/// The last report computed, for the snapshot it was computed from (held
/// weakly: a newer snapshot makes it stale) and its day. Every reader of
/// the same snapshot and day shares it, and each is written its answer from
/// it a batch at a time ([`super::stream`]): 40 slow readers hold one report
/// between them, not 40 answers.
type Shared = Option<(Weak<Snapshot>, NaiveDate, Arc<Report>)>;

static LAST: Mutex<Shared> = Mutex::new(None);

/// The shared report of `snapshot` on `as_of`, if it has been computed.
fn shared(snapshot: &Arc<Snapshot>, as_of: NaiveDate) -> Option<Arc<Report>> {
    let last = LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match &*last {
        Some((of, day, report)) if *day == as_of && Weak::ptr_eq(of, &Arc::downgrade(snapshot)) => {
            Some(Arc::clone(report))
        }
        _ => None,
    }
}

/// Keeps `report` as the shared one (the one before is dropped once its
/// readers are done).
fn share(snapshot: &Arc<Snapshot>, report: &Arc<Report>) {
    let mut last = LAST.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    *last = Some((Arc::downgrade(snapshot), report.as_of, Arc::clone(report)));
}

/// Everything of a report before its work list, in the report's order: the
/// head of its JSON.
#[derive(Serialize)]
struct Head<'a> {
    as_of: NaiveDate,
    stale_before: NaiveDate,
    records: usize,
    areas_loaded: usize,
    totals: &'a Group,
    groups: &'a [Group],
    shared_points: &'a [SharedPoint],
    work_list: [u8; 0],
}

/// The report as JSON (the bytes of `serde_json::to_vec(&report)`), its work
/// list written a batch of records at a time.
fn json_body(report: Arc<Report>) -> Result<Body, serde_json::Error> {
    let head = serde_json::to_vec(&Head {
        as_of: report.as_of,
        stale_before: report.stale_before,
        records: report.records,
        areas_loaded: report.areas_loaded,
        totals: &report.totals,
        groups: &report.groups,
        shared_points: &report.shared_points,
        work_list: [],
    })?;
    // `…,"work_list":[]}` without its `]}`.
    let head = head[..head.len().saturating_sub(2)].to_vec();
    let count = report.work_list.len();
    Ok(Items::json(head, count, "]}", move |i, out| write_json(out, &report.work_list[i])).into_body())
}

/// The work list as CSV, a batch of rows at a time.
fn work_list_body(report: Arc<Report>) -> Body {
    let row = |record: &[String], out: &mut Vec<u8>| {
        let mut writer = csv::Writer::from_writer(out);
        // Writing to memory cannot fail.
        let _ = writer.write_record(record);
        let _ = writer.flush();
    };
    let columns: Vec<String> = crate::quality::WORK_LIST_COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let mut head = Vec::new();
    row(&columns, &mut head);
    let count = report.work_list.len();
    Items::rows(head, count, move |i, out| row(&crate::quality::work_list_row(&report.work_list[i]), out))
        .into_body()
}
