//! Checks that `data/resources.geojson` keeps the facts of the reference fact
//! sheet (`resources.csv`, kept outside the repository). Run through
//! `scripts/check-reference`, whose header states the rule.
//!
//! With a third file, Rome's mental-health sheet (`rome-mental-health.csv`),
//! it also checks that every row of the sheet is in the data with the
//! sheet's phone, point (and precision) and opening hours, each fact named
//! by a provenance entry read through a copy (ODbL for OpenStreetMap points),
//! and that no such record claims a verification.
//!
//! Usage: `cargo run --example check_reference -- REFERENCE.csv DATA.geojson [ROME.csv]`

use std::collections::{BTreeSet, HashMap};
use std::process::ExitCode;

use serde_json::Value;
use witgis::formats::{csv, geojson};
use witgis::model::Resource;

/// Facts that may change when the data record names a newer source.
const FACTS: &[&str] = &[
    "name",
    "name_en",
    "city",
    "address",
    "postcode",
    "location",
    "website",
    "phone",
    "topics",
    "target_groups",
    "serves_areas",
    "source",
];

/// The URLs a `source` cites.
fn urls(source: Option<&str>) -> BTreeSet<&str> {
    source
        .unwrap_or("")
        .split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .map(|t| t.trim_start_matches('('))
        .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
        .map(|t| t.trim_end_matches(['.', ')']))
        .collect()
}

fn facts(r: &Resource) -> serde_json::Map<String, Value> {
    match serde_json::to_value(r) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (reference_path, data_path, rome_path) = match args.as_slice() {
        [r, d] => (r, d, None),
        [r, d, rome] => (r, d, Some(rome)),
        _ => {
            eprintln!("usage: check_reference REFERENCE.csv DATA.geojson [ROME.csv]");
            return ExitCode::from(2);
        }
    };
    let reference = match std::fs::File::open(reference_path)
        .map_err(|e| e.to_string())
        .and_then(|f| csv::read(f).map_err(|e| e.report(reference_path)))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{reference_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let data = match std::fs::read_to_string(data_path)
        .map_err(|e| e.to_string())
        .and_then(|t| geojson::read(&t).map_err(|e| e.report(data_path)))
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{data_path}: {e}");
            return ExitCode::from(2);
        }
    };
    let by_id: HashMap<&str, &Resource> = data.iter().map(|r| (r.id.as_str(), r)).collect();

    let mut problems = Vec::new();
    let mut updated = Vec::new();
    for r in &reference {
        let Some(d) = by_id.get(r.id.as_str()) else {
            problems.push(format!("{}: in the reference, missing from {data_path}", r.id));
            continue;
        };
        if (d.category, d.country) != (r.category, r.country) {
            problems.push(format!(
                "{}: category/country {}/{} in the data, {}/{} in the reference",
                r.id, d.category, d.country, r.category, r.country
            ));
        }
        let (theirs, ours) = (urls(r.source.as_deref()), urls(d.source.as_deref()));
        for lost in theirs.difference(&ours) {
            problems.push(format!("{}: the source {lost} of the reference is no longer cited", r.id));
        }
        let newer: Vec<&str> = ours.difference(&theirs).copied().collect();
        let (rf, df) = (facts(r), facts(d));
        let changed: Vec<&str> = FACTS.iter().copied().filter(|k| rf.get(*k) != df.get(*k)).collect();
        if changed.is_empty() {
            continue;
        }
        // A note added to the source, keeping all of it, changes no fact.
        let annotated = changed == ["source"]
            && d.source.as_deref().unwrap_or("").starts_with(r.source.as_deref().unwrap_or(""));
        if annotated && newer.is_empty() {
            updated.push(format!("{}: a note added to the source", r.id));
        } else if newer.is_empty() {
            for k in changed {
                problems.push(format!(
                    "{}: {k} is {} in the data, {} in the reference, and the data cites no newer source",
                    r.id,
                    df.get(k).unwrap_or(&Value::Null),
                    rf.get(k).unwrap_or(&Value::Null)
                ));
            }
        } else {
            updated.push(format!("{}: {} (from {})", r.id, changed.join(", "), newer.join(" ")));
        }
    }
    let known: BTreeSet<&str> = reference.iter().map(|r| r.id.as_str()).collect();
    let mut added = Vec::new();
    for d in data.iter().filter(|d| !known.contains(d.id.as_str())) {
        if urls(d.source.as_deref()).is_empty() {
            problems.push(format!("{}: not in the reference, and its source cites no URL", d.id));
        } else {
            added.push(d.id.as_str());
        }
    }

    let mut rome_checked = 0;
    if let Some(path) = rome_path {
        match rome_rows(path) {
            Ok(rows) => {
                rome_checked = rows.len();
                for row in &rows {
                    check_rome_row(row, &data, &mut problems);
                }
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        }
    }

    for line in &updated {
        println!("updated  {line}");
    }
    if !added.is_empty() {
        println!("added    {}", added.join(", "));
    }
    for p in &problems {
        eprintln!("MISMATCH {p}");
    }
    println!(
        "{} reference rows, {} data records: {} updated from newer sources, {} added, {} mismatches",
        reference.len(),
        data.len(),
        updated.len(),
        added.len(),
        problems.len()
    );
    if rome_path.is_some() {
        println!("{rome_checked} rows of Rome's mental-health sheet checked against the data");
    }
    if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// One row of `rome-mental-health.csv`, by column name.
type Row = HashMap<String, String>;

fn rome_rows(path: &str) -> Result<Vec<Row>, String> {
    let mut reader = ::csv::Reader::from_path(path).map_err(|e| e.to_string())?;
    let headers = reader.headers().map_err(|e| e.to_string())?.clone();
    reader
        .records()
        .map(|r| {
            let r = r.map_err(|e| e.to_string())?;
            Ok(headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.trim().to_owned())).collect())
        })
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The sheet's row is in the data with its phone, point and hours, each
/// with its provenance.
fn check_rome_row(row: &Row, data: &[Resource], problems: &mut Vec<String>) {
    let get = |k: &str| row.get(k).map(String::as_str).unwrap_or("");
    let name = get("name");
    // Matched rows by our id; the others by the sheet's name, which a new
    // record keeps.
    let found = match get("existing_id") {
        "" => data.iter().find(|d| d.name == name),
        id => data.iter().find(|d| d.id == id),
    };
    let Some(d) = found else {
        problems.push(format!("rome sheet '{name}': not in the data"));
        return;
    };
    let id = &d.id;
    let mut fact = |what: &str, ok: bool, detail: String| {
        if !ok {
            problems.push(format!("{id}: {what} {detail} (rome sheet '{name}')"));
        }
    };
    let cited = |f: &str| d.provenance.iter().find(|p| p.facts.iter().any(|x| x == f));
    if !get("phone").is_empty() {
        let same = d.phone.as_deref().is_some_and(|p| digits(p) == digits(get("phone")));
        fact("phone", same, format!("is {:?}, the sheet says {}", d.phone, get("phone")));
        fact(
            "phone",
            cited("phone").is_some_and(|p| p.via_copy),
            "has no provenance read through a copy".into(),
        );
    }
    if !get("opening_hours_osm").is_empty() {
        let same = d.opening_hours.as_deref() == Some(get("opening_hours_osm"));
        fact(
            "opening_hours",
            same,
            format!("is {:?}, the sheet says {}", d.opening_hours, get("opening_hours_osm")),
        );
        fact("opening_hours", cited("opening_hours").is_some(), "has no provenance".into());
    }
    if !get("lon").is_empty() {
        let want: Option<[f64; 2]> =
            get("lon").parse().ok().zip(get("lat").parse().ok()).map(|(x, y)| [x, y]);
        let near = match (d.point(), want) {
            // A millionth of a degree: under 0.2 m.
            (Some(p), Some(w)) => (p[0] - w[0]).abs() <= 1e-6 && (p[1] - w[1]).abs() <= 1e-6,
            _ => false,
        };
        fact("point", near, format!("is {:?}, the sheet says {want:?}", d.point()));
        let precision = d.location.map(|l| l.precision.as_str()).unwrap_or("");
        fact("coord_precision", precision == get("coord_precision"), format!("is '{precision}'"));
        let osm = get("coord_source").starts_with("OpenStreetMap");
        let licence = cited("location").and_then(|p| p.licence.as_deref());
        fact(
            "location",
            cited("location").is_some() && (!osm || licence == Some("ODbL-1.0")),
            format!("has no provenance{}", if osm { " with the ODbL licence" } else { "" }),
        );
    }
    fact("last_verified", d.last_verified.is_none(), "is set, but nobody here checked the ASL page".into());
}
