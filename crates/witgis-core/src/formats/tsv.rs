//! The tab-separated files shipped in `data/` (`places.tsv`,
//! `rome-quarters.tsv`, `neighbourhoods.tsv`…), read through the `csv` crate
//! into serde-derived rows: `#` comment lines, a header line, no quoting.

use csv::{DeserializeErrorKind, StringRecord};
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};

/// The reason a custom deserializer gives for a value that is not a finite
/// number, so that it reads like the crate's own.
const NOT_A_NUMBER: &str = "is not a number";
/// The same for a value that is not a whole number.
const NOT_A_WHOLE_NUMBER: &str = "is not a whole number";

/// Every row of `text` as a `T`, with its line number (from 1). `columns`
/// names the columns in order; a line whose first cell is `columns[0]` is
/// the header and skipped. The error names the line, and the column and
/// value that is wrong (`line 4: lon 'twelve' is not a number`).
pub fn rows<T: DeserializeOwned>(text: &str, columns: &[&str]) -> Result<Vec<(usize, T)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .comment(Some(b'#'))
        .quoting(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let at = record.position().map_or(0, |p| p.line()) as usize;
        if record.get(0) == columns.first().copied() {
            continue;
        }
        if record.len() != columns.len() {
            return Err(format!("line {at}: {} columns, not {}", record.len(), columns.len()));
        }
        let row = record.deserialize::<T>(None).map_err(|e| describe::<T>(&e, &record, columns, at))?;
        rows.push((at, row));
    }
    Ok(rows)
}

/// `line N: column 'value' reason` for an error deserializing `record`.
fn describe<T: DeserializeOwned>(
    e: &csv::Error,
    record: &StringRecord,
    columns: &[&str],
    at: usize,
) -> String {
    let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
        return format!("line {at}: {e}");
    };
    let field = err.field().map(|i| i as usize).or_else(|| culprit::<T>(record, err.kind()));
    let Some(i) = field else {
        return format!("line {at}: {}", err.kind());
    };
    let column = columns.get(i).copied().unwrap_or("?");
    let value = record.get(i).unwrap_or("");
    let reason = match err.kind() {
        DeserializeErrorKind::ParseFloat(_) => NOT_A_NUMBER.to_owned(),
        DeserializeErrorKind::ParseInt(_) => NOT_A_WHOLE_NUMBER.to_owned(),
        DeserializeErrorKind::Message(m) if m == NOT_A_NUMBER || m == NOT_A_WHOLE_NUMBER => m.clone(),
        other => format!("is not valid: {other}"),
    };
    format!("line {at}: {column} '{value}' {reason}")
}

/// The column a custom error (which `csv` gives no column) comes from: the
/// last of the shortest start of the record that fails the same way. Cells
/// are read in order and each alone, so the cells before it read well.
fn culprit<T: DeserializeOwned>(record: &StringRecord, kind: &DeserializeErrorKind) -> Option<usize> {
    let same = |n: usize| {
        let start: StringRecord = record.iter().take(n).collect();
        match start.deserialize::<T>(None) {
            Err(e) => {
                matches!(e.kind(), csv::ErrorKind::Deserialize { err, .. } if err.kind().to_string() == kind.to_string())
            }
            Ok(_) => false,
        }
    };
    (1..=record.len()).find(|&n| same(n)).map(|n| n - 1)
}

/// A finite number (`NaN` and `inf` are not coordinates).
pub fn finite<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let text = <&str>::deserialize(d)?;
    text.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| D::Error::custom(NOT_A_NUMBER))
}

/// A finite number, or none for an empty cell.
pub fn finite_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    let text = <&str>::deserialize(d)?;
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some).ok_or_else(|| D::Error::custom(NOT_A_NUMBER))
}

/// A whole number, spaces around it aside.
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    <&str>::deserialize(d)?.trim().parse().map_err(|_| D::Error::custom(NOT_A_WHOLE_NUMBER))
}

/// A whole number (spaces around it aside), or none for a blank cell.
pub fn count_or_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = <&str>::deserialize(d)?.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| D::Error::custom(NOT_A_WHOLE_NUMBER))
}

/// A list in one cell, `sep`-separated, without empty items.
pub fn list(cell: &str, sep: char) -> Vec<String> {
    cell.split(sep).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        name: String,
        #[serde(deserialize_with = "finite")]
        lon: f64,
        #[serde(deserialize_with = "count_or_none")]
        population: Option<u64>,
    }

    const COLUMNS: &[&str] = &["name", "lon", "population"];

    #[test]
    fn comments_header_and_rows_with_their_lines() {
        let text = "# a comment\nname\tlon\tpopulation\nRoma\t12.5\t2800000\n\"Ponte\t-1e-3\t \n";
        let rows: Vec<(usize, Row)> = rows(text, COLUMNS).expect("valid");
        assert_eq!(
            rows,
            [
                (3, Row { name: "Roma".into(), lon: 12.5, population: Some(2_800_000) }),
                // A quote is text, and a blank count is none.
                (4, Row { name: "\"Ponte".into(), lon: -0.001, population: None }),
            ]
        );
    }

    #[test]
    fn a_bad_row_is_named_by_line_column_and_value() {
        let bad =
            |row: &str| rows::<Row>(&format!("name\tlon\tpopulation\n{row}\n"), COLUMNS).expect_err(row);
        assert_eq!(bad("Roma\t12.5"), "line 2: 2 columns, not 3");
        assert_eq!(bad("Roma\t12.5\t1\tx"), "line 2: 4 columns, not 3");
        assert_eq!(bad("Roma\ttwelve\t1"), "line 2: lon 'twelve' is not a number");
        assert_eq!(bad("Roma\tNaN\t1"), "line 2: lon 'NaN' is not a number");
        assert_eq!(bad("Roma\t12.5\t-3"), "line 2: population '-3' is not a whole number");
    }
}
