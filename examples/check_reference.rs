//! Checks that `data/resources.geojson` keeps the facts of the reference fact
//! sheet (`resources.csv`, kept outside the repository). Run through
//! `scripts/check-reference`, whose header states the rule.
//!
//! Usage: `cargo run --example check_reference -- REFERENCE.csv DATA.geojson`

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
    let [reference_path, data_path] = args.as_slice() else {
        eprintln!("usage: check_reference REFERENCE.csv DATA.geojson");
        return ExitCode::from(2);
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
    if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
