//! `witgis import` and `witgis import-areas`: validate a whole file, then write all of it or none.

use std::time::Instant;

use super::{CliError, open_store};
use crate::config::{ImportAreasArgs, ImportArgs, ImportFormat};
use crate::formats::{self, Format, ReadError};

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
        return crate::import_osm::run(file, mapping, args.dry_run, store.as_ref(), &reference.countries)
            .await;
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
    eprintln!("{name}: {} valid resources", resources.len());
    if args.dry_run {
        eprintln!("{name}: dry run, nothing written");
        return Ok(());
    }
    let store = open_store(&args.store).await?;
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
