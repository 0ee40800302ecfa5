//! `witgis import-places FILE.osm.pbf`: reads the extract's addresses,
//! streets and named places and replaces the store's street map with them in
//! one transaction, printing progress and a report.

use std::time::Instant;

use crate::cli::{CliError, open_store};
use crate::config::ImportPlacesArgs;
use crate::streets::Precision;

pub(crate) async fn run(args: ImportPlacesArgs) -> Result<(), CliError> {
    let file = args.file;
    let name = file.display().to_string();
    if !name.to_ascii_lowercase().ends_with(".pbf") {
        return Err(CliError::Invalid(format!(
            "{name}: give an OpenStreetMap extract in .osm.pbf form (e.g. from download.geofabrik.de)"
        )));
    }
    let started = Instant::now();
    let store = open_store(&args.store).await?;
    eprintln!("{name}: reading addresses, streets and named places…");
    let path = file.clone();
    let read = tokio::task::spawn_blocking(move || {
        crate::formats::osm_places::read(&path, &mut |step| {
            eprintln!("  {step} ({:.1} s)", started.elapsed().as_secs_f64())
        })
    })
    .await
    .map_err(|e| CliError::Io(format!("{name}: {e}")))?
    .map_err(CliError::Invalid)?;
    let count = |k: Precision| read.places.iter().filter(|p| p.kind == k).count();
    eprintln!(
        "{name}: {} houses, {} streets (from {} named segments), {} named places; {} objects without a point left out ({:.1} s)",
        count(Precision::House),
        count(Precision::Street),
        read.segments,
        count(Precision::Neighbourhood),
        read.without_point,
        started.elapsed().as_secs_f64()
    );
    if read.places.is_empty() {
        return Err(CliError::Invalid(format!(
            "{name}: no address, named street or named place found; the street map is unchanged"
        )));
    }
    let source = file.file_name().map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned());
    let progress = |n: usize| eprintln!("  {n} places written");
    store.replace_places(&read.places, &source, &progress).await?;
    eprintln!(
        "{name}: the street map now holds {} places ({:.1} s); servers on this store load it without a restart",
        read.places.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
