//! The travel-time part of `/api/coverage`: `depart` read, the shares within
//! 30/45/60 minutes by public transport computed (see
//! [`crate::coverage::transit`]) and added to the JSON rows (`transit`) and
//! the GeoJSON features (`transit_share_within_…min`, `transit_reason`).

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use super::params::Params;
use crate::coverage::transit::{self, TransitStats};
use crate::coverage::{Query, Report};
use crate::index::Snapshot;
use crate::reference::ReferenceData;
use crate::transit::Networks;
use crate::work::{Budget, Stop};

/// When the travel times leave: `depart=` (local date and time), or the
/// next Wednesday at 09:00 (`default` true).
#[derive(Debug, Clone, Copy)]
pub struct Departure {
    pub at: NaiveDateTime,
    pub default: bool,
}

/// Reads `depart` (`YYYY-MM-DDTHH:MM[:SS]`); a bad one is named in the 400.
pub fn depart(params: &mut Params, today: NaiveDate) -> Departure {
    let fallback = Departure { at: transit::default_departure(today), default: true };
    let Some(d) = params.one("depart") else { return fallback };
    match NaiveDateTime::parse_from_str(&d, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&d, "%Y-%m-%dT%H:%M:%S"))
    {
        Ok(at) => Departure { at, default: false },
        Err(_) => {
            params.fail("depart", format!("'{d}' is not a local date and time such as 2026-12-09T09:00"));
            fallback
        }
    }
}

/// The travel-time figures of a report and what they rest on; `None` rows
/// when the server holds no timetable (the answer then only says so).
pub struct Figures {
    rows: Option<Vec<TransitStats>>,
    stated: Value,
}

/// Computes the figures of `report`'s rows within the query's budget.
pub fn figures(
    snapshot: &Snapshot,
    reference: &ReferenceData,
    networks: &Networks,
    query: &Query,
    report: &Report,
    depart: Departure,
    budget: &Budget,
) -> Result<Figures, Stop> {
    let stated = transit::stated(networks, depart.at, depart.default);
    if networks.feeds.is_empty() {
        return Ok(Figures { rows: None, stated });
    }
    let rows = transit::rows(snapshot, reference.census(), networks, query, report, depart.at, budget)?;
    Ok(Figures { rows: Some(rows), stated })
}

/// The JSON report with `transit` in each row and stated at the top.
pub fn json(report: &Report, figures: Figures) -> Value {
    let mut doc = serde_json::to_value(report).unwrap_or(Value::Null);
    let mut stated = figures.stated;
    if figures.rows.is_none() {
        stated["reason"] = json!(transit::Reason::NoTimetable.message());
    }
    if let (Some(rows), Some(list)) = (figures.rows, doc.get_mut("rows").and_then(Value::as_array_mut)) {
        for (row, stats) in list.iter_mut().zip(rows) {
            row["transit"] = json!(stats);
        }
    }
    doc["transit"] = stated;
    doc
}

/// The GeoJSON report with the shares as flat properties of each feature
/// and the stated basis as a foreign member.
pub fn geojson(doc: &mut Value, figures: Figures) {
    let mut stated = figures.stated;
    if figures.rows.is_none() {
        stated["reason"] = json!(transit::Reason::NoTimetable.message());
    }
    if let (Some(rows), Some(list)) = (figures.rows, doc.get_mut("features").and_then(Value::as_array_mut)) {
        for (feature, stats) in list.iter_mut().zip(rows) {
            if let Some(props) = feature.get_mut("properties").and_then(Value::as_object_mut) {
                props.insert("transit_share_within_30min".into(), json!(stats.share_within_30min));
                props.insert("transit_share_within_45min".into(), json!(stats.share_within_45min));
                props.insert("transit_share_within_60min".into(), json!(stats.share_within_60min));
                props.insert("transit_reason".into(), json!(stats.reason));
            }
        }
    }
    doc["transit"] = stated;
}
