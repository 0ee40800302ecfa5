//! The data-quality report: what the records lack (phone, hours, address, a
//! source URL) and which are stale, per country and category, and the
//! records an editor should look at first
//! (never verified, verified over a year ago, sharing a point with another,
//! or lying outside an area they say they serve, or with open questions:
//! values sources disagree on). `GET /api/quality` and
//! `witgis quality` both write it.

use std::collections::BTreeMap;

use chrono::{Months, NaiveDate};
use geo::Intersects;
use serde::Serialize;

use crate::index::Snapshot;
use crate::model::{Category, Country, Resource};

/// A verification older than this many months is stale.
pub const STALE_AFTER_MONTHS: u32 = 12;

/// The counts of one country and category.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The country.
    pub country: Option<Country>,
    /// The category.
    pub category: Option<Category>,
    /// Records of this country and category.
    pub records: usize,
    /// Without a phone number.
    pub missing_phone: usize,
    /// Without opening hours.
    pub missing_hours: usize,
    /// Without a street address.
    pub missing_address: usize,
    /// Whose source names no http(s) URL (e.g. only "knowledge").
    pub missing_source_url: usize,
    /// Never verified (no `last_verified`).
    pub never_verified: usize,
    /// Verified, but before the stale date.
    pub stale: usize,
    /// With open questions for editors (JSON report only, and left out when
    /// none; the CSV keeps its published columns).
    #[serde(skip_serializing_if = "is_zero")]
    pub open_questions: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// What is wrong with one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problems {
    /// The record's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its country.
    pub country: Country,
    /// Its category.
    pub category: Category,
    /// When it was last verified, if ever.
    pub last_verified: Option<NaiveDate>,
    /// No phone.
    pub missing_phone: bool,
    /// No opening hours.
    pub missing_hours: bool,
    /// No street address.
    pub missing_address: bool,
    /// The source names no http(s) URL.
    pub missing_source_url: bool,
    /// Never verified.
    pub never_verified: bool,
    /// Verified before the stale date.
    pub stale: bool,
    /// Other records at exactly the same point.
    pub shares_point_with: Vec<String>,
    /// Loaded areas it says it serves whose outline does not hold its point.
    pub outside_served_areas: Vec<String>,
    /// What an editor should settle (the record's `open_questions`); left
    /// out when there is none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub open_questions: Vec<String>,
}

impl Problems {
    /// Whether anything is wrong.
    pub fn any(&self) -> bool {
        self.missing_phone
            || self.missing_hours
            || self.missing_address
            || self.missing_source_url
            || self.never_verified
            || self.stale
            || !self.shares_point_with.is_empty()
            || !self.outside_served_areas.is_empty()
            || !self.open_questions.is_empty()
    }
}

/// Records at exactly one point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SharedPoint {
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The records there, by id.
    pub ids: Vec<String>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The day the report is computed for.
    pub as_of: NaiveDate,
    /// Verifications before this day are stale (a year before `as_of`).
    pub stale_before: NaiveDate,
    /// Every record.
    pub records: usize,
    /// Loaded areas (points are checked against these only).
    pub areas_loaded: usize,
    /// The totals over every group.
    pub totals: Group,
    /// One per country and category that has records, by country then category.
    pub groups: Vec<Group>,
    /// Groups of records at exactly the same point.
    pub shared_points: Vec<SharedPoint>,
    /// The records with any problem, in id order: the editors' work list.
    pub work_list: Vec<Problems>,
}

/// The day a verification must be on or after to be fresh on `as_of`.
pub fn stale_before(as_of: NaiveDate) -> NaiveDate {
    as_of.checked_sub_months(Months::new(STALE_AFTER_MONTHS)).unwrap_or(NaiveDate::MIN)
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// Whether a source names an http(s) URL among its `;`-separated parts.
fn cites_url(source: &Option<String>) -> bool {
    source.as_deref().is_some_and(|s| {
        s.split(';').map(str::trim).any(|part| {
            !part.contains(char::is_whitespace)
                && url::Url::parse(part)
                    .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        })
    })
}

fn problems(r: &Resource, snapshot: &Snapshot, stale_before: NaiveDate) -> Problems {
    let outside = match r.point() {
        Some([lon, lat]) => r
            .serves_areas
            .iter()
            .filter(|id| {
                snapshot.area(id).is_some_and(|a| !a.geometry.intersects(&geo::Point::new(lon, lat)))
            })
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    Problems {
        id: r.id.clone(),
        name: r.name.clone(),
        country: r.country,
        category: r.category,
        last_verified: r.last_verified,
        missing_phone: blank(&r.phone),
        missing_hours: blank(&r.opening_hours),
        missing_address: blank(&r.address),
        missing_source_url: !cites_url(&r.source),
        never_verified: r.last_verified.is_none(),
        stale: r.last_verified.is_some_and(|d| d < stale_before),
        shares_point_with: Vec::new(),
        outside_served_areas: outside,
        open_questions: r.open_questions.clone(),
    }
}

/// The report on every record of `snapshot`, as of `as_of`.
pub fn report(snapshot: &Snapshot, as_of: NaiveDate) -> Report {
    let stale = stale_before(as_of);
    let records: Vec<&Resource> = snapshot.index().resources().collect();
    let mut all: Vec<Problems> = records.iter().map(|r| problems(r, snapshot, stale)).collect();
    // Exact coordinates, by their bits.
    let mut at: BTreeMap<(u64, u64), Vec<usize>> = BTreeMap::new();
    for (i, r) in records.iter().enumerate() {
        if let Some([lon, lat]) = r.point() {
            at.entry((lon.to_bits(), lat.to_bits())).or_default().push(i);
        }
    }
    let mut shared_points = Vec::new();
    for positions in at.values().filter(|p| p.len() > 1) {
        let ids: Vec<String> = positions.iter().map(|&i| all[i].id.clone()).collect();
        for &i in positions {
            all[i].shares_point_with = ids.iter().filter(|id| **id != all[i].id).cloned().collect();
        }
        if let Some([lon, lat]) = records[positions[0]].point() {
            shared_points.push(SharedPoint { lon, lat, ids });
        }
    }
    shared_points.sort_by(|a, b| a.ids.cmp(&b.ids));
    let mut groups: BTreeMap<(Country, Category), Group> = BTreeMap::new();
    let mut totals = Group::default();
    for p in &all {
        let g = groups.entry((p.country, p.category)).or_insert_with(|| Group {
            country: Some(p.country),
            category: Some(p.category),
            ..Group::default()
        });
        for g in [g, &mut totals] {
            g.records += 1;
            g.missing_phone += usize::from(p.missing_phone);
            g.missing_hours += usize::from(p.missing_hours);
            g.missing_address += usize::from(p.missing_address);
            g.missing_source_url += usize::from(p.missing_source_url);
            g.never_verified += usize::from(p.never_verified);
            g.stale += usize::from(p.stale);
            g.open_questions += usize::from(!p.open_questions.is_empty());
        }
    }
    all.retain(Problems::any);
    Report {
        as_of,
        stale_before: stale,
        records: snapshot.index().len(),
        areas_loaded: snapshot.areas().len(),
        totals,
        groups: groups.into_values().collect(),
        shared_points,
        work_list: all,
    }
}

/// The columns of the per-group CSV.
pub const GROUP_COLUMNS: [&str; 9] = [
    "country",
    "category",
    "records",
    "missing_phone",
    "missing_hours",
    "missing_address",
    "missing_source_url",
    "never_verified",
    "stale",
];

/// The columns of the work-list CSV.
pub const WORK_LIST_COLUMNS: [&str; 13] = [
    "id",
    "name",
    "country",
    "category",
    "last_verified",
    "missing_phone",
    "missing_hours",
    "missing_address",
    "missing_source_url",
    "never_verified",
    "stale",
    "shares_point_with",
    "outside_served_areas",
];

/// The groups as CSV, one row per country and category.
pub fn groups_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(GROUP_COLUMNS)?;
    for g in &report.groups {
        out.write_record([
            g.country.map(|c| c.to_string()).unwrap_or_default(),
            g.category.map(|c| c.to_string()).unwrap_or_default(),
            g.records.to_string(),
            g.missing_phone.to_string(),
            g.missing_hours.to_string(),
            g.missing_address.to_string(),
            g.missing_source_url.to_string(),
            g.never_verified.to_string(),
            g.stale.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The work list as CSV, one row per record with a problem (lists joined by `;`).
pub fn work_list_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(WORK_LIST_COLUMNS)?;
    for p in &report.work_list {
        out.write_record(work_list_row(p))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// One record's row of the work list's CSV.
pub fn work_list_row(p: &Problems) -> [String; 13] {
    [
        p.id.clone(),
        p.name.clone(),
        p.country.to_string(),
        p.category.to_string(),
        p.last_verified.map(|d| d.to_string()).unwrap_or_default(),
        p.missing_phone.to_string(),
        p.missing_hours.to_string(),
        p.missing_address.to_string(),
        p.missing_source_url.to_string(),
        p.never_verified.to_string(),
        p.stale.to_string(),
        p.shares_point_with.join(";"),
        p.outside_served_areas.join(";"),
    ]
}
