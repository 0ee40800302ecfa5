//! `witgis import` and `witgis import-areas`: validate a whole file, then write all of it or none.

use std::time::Instant;

use super::{CliError, open_store};
use crate::config::{ImportAreasArgs, ImportArgs, ImportFormat};
use crate::formats::{self, Format, ReadError};
use crate::plausibility;

pub(super) async fn run(args: ImportArgs) -> Result<(), CliError> {
    let name = args.file.display().to_string();
    let pbf = args.file.to_string_lossy().to_ascii_lowercase().ends_with(".pbf");
    let format = match args.format {
        Some(ImportFormat::Osm) => None,
        None if pbf => None,
        Some(ImportFormat::Geojson) => Some(Format::Geojson),
        Some(ImportFormat::Csv) => Some(Format::Csv),
        Some(ImportFormat::Hsds) => Some(Format::Hsds),
        None => Some(Format::from_path(&args.file).ok_or_else(|| {
            CliError::Io(format!(
                "{name}: cannot tell the format from the extension; pass --format geojson|csv|hsds|osm"
            ))
        })?),
    };
    let Some(format) = format else {
        let reference = crate::reference::ReferenceData::load()?;
        let store = open_store(&args.store).await?;
        let (file, mapping) = (&args.file, args.osm_mapping.as_deref());
        let print = |line: &str| eprintln!("{line}");
        let countries = &reference.countries;
        return Ok(
            crate::import_osm::run(file, mapping, args.dry_run, store.as_ref(), countries, &print).await?
        );
    };
    let started = Instant::now();
    let text = std::fs::read_to_string(&args.file).map_err(|e| CliError::Io(format!("{name}: {e}")))?;
    eprintln!("{name}: read {} MB, validating…", text.len() / 1_000_000);
    let resources = match formats::read(&text, format) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{}", e.report(&name));
            let summary = match &e {
                ReadError::Rows(rows) => {
                    format!("{name}: {} invalid row(s); nothing was imported", rows.len())
                }
                ReadError::File(_) => format!("{name}: nothing was imported"),
            };
            return Err(CliError::Invalid(summary));
        }
    };
    drop(text);
    let store = if args.dry_run { None } else { Some(open_store(&args.store).await?) };
    let areas = match &store {
        Some(store) => store.areas().await?,
        None => Vec::new(),
    };
    let reference = crate::reference::ReferenceData::load()?;
    let implausible = implausible_rows(&resources, format, &reference.countries, &areas);
    if !implausible.is_empty() {
        let e = ReadError::Rows(implausible);
        eprint!("{}", e.report(&name));
        let ReadError::Rows(rows) = e else { unreachable!() };
        return Err(CliError::Invalid(format!(
            "{name}: {} implausible row(s); nothing was imported (correct them, or give each a \
             plausibility_override with the reason)",
            rows.len()
        )));
    }
    eprintln!("{name}: {} valid resources", resources.len());
    let Some(store) = store else {
        eprintln!("{name}: dry run, nothing written (served areas not judged: no store opened)");
        return Ok(());
    };
    let total = resources.len();
    let progress = move |done: usize| {
        if total >= 10_000 {
            eprintln!("written {done}/{total} ({}%)", done * 100 / total.max(1));
        }
    };
    let counts = store.import(&resources, &progress).await?;
    eprintln!(
        "{name}: imported {} resources ({} new, {} replaced) into {} in {:.1} s",
        total,
        counts.created,
        counts.updated,
        store.kind(),
        started.elapsed().as_secs_f64()
    );
    eprintln!("{RUNNING}");
    Ok(())
}

/// The rows the plausibility rules refuse (see [`crate::plausibility`]),
/// judged by today in Rome and against the store's area outlines, each with
/// its row (CSV line, header being 1, or feature number) and fields.
fn implausible_rows(
    resources: &[crate::model::Resource],
    format: Format,
    countries: &crate::countries::Countries,
    areas: &[crate::model::Area],
) -> Vec<formats::RowError> {
    let today = chrono::Utc::now().with_timezone(&crate::state::DEFAULT_DESK_ZONE).date_naive();
    let by_id: std::collections::HashMap<&str, &crate::model::Area> =
        areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let first_row = if format == Format::Csv { 2 } else { 1 };
    resources
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let errors = plausibility::check(r, countries, |id| by_id.get(id).copied(), today, None);
            (!errors.is_empty()).then(|| formats::RowError {
                row: i + first_row,
                id: Some(r.id.clone()),
                errors,
            })
        })
        .collect()
}

/// What an import means for servers running on the same store.
const RUNNING: &str = "servers running on this store reload their snapshot without a restart \
                       (PostGIS: at once; SQLite: within a second)";

pub(super) async fn areas(args: ImportAreasArgs) -> Result<(), CliError> {
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| CliError::Io(format!("{name}: {e}")))?;
    let mut areas = formats::areas::read(&text).map_err(|e| {
        eprint!("{}", e.report(&name));
        CliError::Invalid(format!("{name}: nothing was imported"))
    })?;
    let filled = formats::areas::fill_known_populations(&mut areas);
    if !filled.is_empty() {
        eprintln!(
            "{name}: {} areas had no population and got the shipped one (Rome's municipi, 31 Dec 2010): {}",
            filled.len(),
            filled.join(", ")
        );
    }
    let store = open_store(&args.store).await?;
    let counts = store.import_areas(&areas).await?;
    eprintln!(
        "{name}: imported {} areas ({} new, {} replaced) into {}",
        areas.len(),
        counts.created,
        counts.updated,
        store.kind()
    );
    eprintln!("{RUNNING}");
    Ok(())
}
