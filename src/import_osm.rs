//! `witgis import --format osm`: reads OpenStreetMap objects, maps them to
//! resources, and keeps the store in step with them (see [`crate::sync`]),
//! in one transaction, reporting what it finds on the way to a callback
//! the caller supplies (the CLI prints it).

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use crate::formats::osm::{self, Mapping};
use crate::store::{Store, StoreError, action};
use crate::sync::{self, Current};

/// The id prefix of every record an OpenStreetMap import writes.
pub const PREFIX: &str = "osm-";

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// The extract or the mapping is invalid.
    #[error("{0}")]
    Invalid(String),
}

/// Imports `file` (`.osm.pbf`, else Overpass JSON) into `store`; with
/// `dry_run`, reports the changes and writes nothing. Each progress line
/// goes to `report`: the caller decides where people read it.
pub async fn run(
    file: &Path,
    mapping: Option<&Path>,
    dry_run: bool,
    store: &dyn Store,
    countries: &crate::countries::Countries,
    report: &(dyn Fn(&str) + Sync),
) -> Result<(), ImportError> {
    let name = file.display().to_string();
    let started = Instant::now();
    let mapping = match mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ImportError::Io(format!("{}: {e}", path.display())))?;
            Mapping::parse(&text).map_err(|e| ImportError::Invalid(format!("{}: {e}", path.display())))?
        }
        None => Mapping::parse(osm::DEFAULT_MAPPING).map_err(ImportError::Invalid)?,
    };
    let pbf = name.to_ascii_lowercase().ends_with(".pbf");
    report(&format!("{name}: reading OpenStreetMap objects…"));
    let objects = if pbf {
        osm::read_pbf(file, &mapping).map_err(ImportError::Invalid)?
    } else {
        let text = std::fs::read_to_string(file).map_err(|e| ImportError::Io(format!("{name}: {e}")))?;
        osm::read_overpass(&text).map_err(|e| ImportError::Invalid(format!("{name}: {e}")))?
    };
    let mapped = osm::to_resources(&objects, &mapping, countries);
    let tagged = objects.len();
    drop(objects);
    report(&format!(
        "{name}: {tagged} tagged objects, {} mapped to resources, {} skipped, {} values left out ({})",
        mapped.resources.len(),
        mapped.skipped.len(),
        mapped.warnings.len(),
        seconds(started)
    ));
    for note in &mapped.skipped {
        report(&format!("  skipped {}: {}", note.id, note.text));
    }
    for note in &mapped.warnings {
        report(&format!("  {}: {}", note.id, note.text));
    }

    // One query for what earlier imports wrote (deleted records too), so the
    // diff holds the store's OpenStreetMap records once, beside the extract.
    let mut current: HashMap<String, Current> = HashMap::new();
    for stored in store.with_prefix(PREFIX).await? {
        current.insert(
            stored.resource.id.clone(),
            Current { resource: stored.resource, deleted: stored.deleted, edited: None },
        );
    }
    report(&format!(
        "{name}: {} records from earlier OpenStreetMap imports in the store ({})",
        current.len(),
        seconds(started)
    ));
    // An editor's changes matter only where the source now says something
    // else: records that are unchanged or vanished need no history, so a
    // re-import reads history for the changed records only.
    let incoming: HashMap<&str, &crate::model::Resource> =
        mapped.resources.iter().map(|r| (r.id.as_str(), r)).collect();
    let changed: Vec<String> = current
        .iter()
        .filter(|(id, cur)| {
            !cur.deleted && incoming.get(id.as_str()).is_some_and(|new| **new != cur.resource)
        })
        .map(|(id, _)| id.clone())
        .collect();
    for (done, id) in changed.iter().enumerate() {
        if changed.len() >= 10_000 && done % 10_000 == 0 {
            report(&format!("reading editors' changes: {done}/{} changed records", changed.len()));
        }
        let history = store.history(id).await?;
        if history.iter().any(|c| c.action == action::IMPORT) {
            let edits = history.iter().filter(|c| c.action == action::UPDATE || c.action == action::CREATE);
            if let Some(cur) = current.get_mut(id) {
                cur.edited = Some(
                    edits.flat_map(|c| sync::changed_fields(c.before.as_ref(), c.after.as_ref())).collect(),
                );
            }
        }
    }

    if !changed.is_empty() {
        report(&format!(
            "{name}: read the history of {} changed records ({})",
            changed.len(),
            seconds(started)
        ));
    }
    let plan = sync::plan(mapped.resources, &current, PREFIX);
    for r in &plan.create {
        report(&format!("  new {}: {}", r.id, r.name));
    }
    for (r, fields) in &plan.update {
        report(&format!("  changed {}: {}", r.id, fields.join(", ")));
    }
    for (id, fields) in &plan.kept {
        report(&format!(
            "  kept an editor's change to {id}: {} (the source says otherwise)",
            fields.join(", ")
        ));
    }
    for id in &plan.deleted_here {
        report(&format!("  {id}: deleted here; left deleted"));
    }
    for id in &plan.vanished {
        report(&format!(
            "  vanished {id}: no longer in the source; kept (delete it through the API if it closed)"
        ));
    }
    let summary = format!(
        "{} new, {} changed, {} unchanged, {} vanished, {} editors' changes kept, {} deleted here",
        plan.create.len(),
        plan.update.len(),
        plan.unchanged,
        plan.vanished.len(),
        plan.kept.len(),
        plan.deleted_here.len()
    );
    if dry_run {
        report(&format!("{name}: {summary}; dry run, nothing written"));
        return Ok(());
    }
    let writes: Vec<_> = plan.create.into_iter().chain(plan.update.into_iter().map(|(r, _)| r)).collect();
    let total = writes.len();
    let progress = move |done: usize| {
        if total >= 10_000 {
            report(&format!("written {done}/{total} ({}%)", done * 100 / total.max(1)));
        }
    };
    if !writes.is_empty() {
        store.import(&writes, &progress).await?;
    }
    report(&format!("{name}: {summary}; written to {} in {}", store.kind(), seconds(started)));
    Ok(())
}

/// The time since `started`, for progress lines: `12.3 s`.
fn seconds(started: Instant) -> String {
    format!("{:.1} s", started.elapsed().as_secs_f64())
}
