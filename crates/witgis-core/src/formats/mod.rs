//! Reading and writing resources as GeoJSON and CSV, with a report that names
//! each bad row and field.

pub mod areas;
pub mod csv;
pub mod geojson;
pub mod hsds;
pub mod osm;
pub mod osm_places;
pub mod tsv;

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::model::{FieldError, Resource};

/// A file format for import and export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A GeoJSON FeatureCollection of Point features (geometry null for
    /// services without a place).
    Geojson,
    /// CSV with a header row: the reference columns, lists `;`-separated.
    Csv,
    /// Open Referral HSDS 3.0: a JSON array of compiled services.
    Hsds,
}

impl Format {
    /// Guesses the format from a file name's extension.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Some(Format::Geojson),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Everything wrong with one row (CSV line or GeoJSON feature).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// CSV line number (the header is line 1) or 1-based feature number.
    pub row: usize,
    /// The row's id, when it had a readable one.
    pub id: Option<String>,
    /// What is wrong, field by field.
    pub errors: Vec<FieldError>,
}

/// Why a file could not be read: the file as a whole, or some of its rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The file is not readable as the format at all.
    #[error("{0}")]
    File(String),
    /// Some rows are invalid; nothing from the file may be used.
    #[error("{} invalid row(s)", .0.len())]
    Rows(Vec<RowError>),
}

impl ReadError {
    /// A human-readable report, one line per bad field.
    pub fn report(&self, what: &str) -> String {
        match self {
            ReadError::File(msg) => format!("{what}: {msg}\n"),
            ReadError::Rows(rows) => {
                let mut out = String::new();
                for row in rows {
                    let id = row.id.as_deref().map(|id| format!(" ({id})")).unwrap_or_default();
                    for e in &row.errors {
                        out.push_str(&format!(
                            "{what}: {} {}{id}: {}: {}\n",
                            row_word(what),
                            row.row,
                            e.field,
                            e.reason
                        ));
                    }
                }
                out
            }
        }
    }
}

fn row_word(what: &str) -> &'static str {
    if what.to_ascii_lowercase().ends_with(".csv") { "line" } else { "feature" }
}

/// Something read from a row that has an id.
trait Keyed {
    fn key(&self) -> &str;
}

impl Keyed for Resource {
    fn key(&self) -> &str {
        &self.id
    }
}

impl Keyed for crate::model::Area {
    fn key(&self) -> &str {
        &self.id
    }
}

/// Collects valid records and row errors, and refuses duplicate ids.
struct Collector<T> {
    records: Vec<T>,
    errors: Vec<RowError>,
    first_row_of: std::collections::HashMap<String, usize>,
}

impl<T: Keyed> Collector<T> {
    fn new() -> Self {
        Collector { records: Vec::new(), errors: Vec::new(), first_row_of: Default::default() }
    }

    fn push(&mut self, row: usize, id: Option<String>, result: Result<T, Vec<FieldError>>) {
        match result {
            Ok(r) => match self.first_row_of.get(r.key()) {
                Some(first) => self.errors.push(RowError {
                    row,
                    id: Some(r.key().to_owned()),
                    errors: vec![FieldError {
                        field: "id".into(),
                        reason: format!("duplicates the id of row {first}"),
                    }],
                }),
                None => {
                    self.first_row_of.insert(r.key().to_owned(), row);
                    self.records.push(r);
                }
            },
            Err(errors) => self.errors.push(RowError { row, id, errors }),
        }
    }

    fn finish(self) -> Result<Vec<T>, ReadError> {
        if self.errors.is_empty() { Ok(self.records) } else { Err(ReadError::Rows(self.errors)) }
    }
}

/// The features of a GeoJSON FeatureCollection (or of a single Feature),
/// each with its id (the feature's, or its `id` property).
fn features(text: &str) -> Result<Vec<(Option<String>, ::geojson::Feature)>, ReadError> {
    use ::geojson::GeoJson;
    let parsed: GeoJson = text.parse().map_err(|e| ReadError::File(format!("not valid GeoJSON: {e}")))?;
    let features = match parsed {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(_) => {
            return Err(ReadError::File(
                "a bare geometry has no id or properties; expected a FeatureCollection".into(),
            ));
        }
    };
    Ok(features
        .into_iter()
        .map(|f| {
            let id = match &f.id {
                Some(::geojson::feature::Id::String(s)) => Some(s.clone()),
                Some(::geojson::feature::Id::Number(n)) => Some(n.to_string()),
                None => f
                    .properties
                    .as_ref()
                    .and_then(|p| p.get("id"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            };
            (id, f)
        })
        .collect())
}

/// Reads resources from text in the given format; all rows valid or an error.
pub fn read(text: &str, format: Format) -> Result<Vec<Resource>, ReadError> {
    match format {
        Format::Geojson => geojson::read(text),
        Format::Csv => csv::read(text.as_bytes()),
        Format::Hsds => hsds::read(text),
    }
}

/// Writes resources in the given format.
pub fn write<'a, W: std::io::Write>(
    out: W,
    resources: impl IntoIterator<Item = &'a Resource>,
    format: Format,
) -> std::io::Result<()> {
    match format {
        Format::Geojson => geojson::write_collection(out, resources),
        Format::Csv => csv::write(out, resources),
        Format::Hsds => hsds::write(out, resources, |_| None),
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Geojson => "geojson",
            Format::Csv => "csv",
            Format::Hsds => "hsds",
        })
    }
}
