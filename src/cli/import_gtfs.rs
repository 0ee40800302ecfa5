//! `witgis import-gtfs FEED --feed ID`: check a GTFS feed, compact it for
//! routing and store it under its id, replacing that feed whole.

use std::time::Instant;

use super::{CliError, open_store};
use crate::config::ImportGtfsArgs;
use crate::store::transit::Feed;
use crate::transit::gtfs;

/// Whether `id` can name a feed.
pub fn valid_feed_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub(super) async fn run(args: ImportGtfsArgs) -> Result<(), CliError> {
    let name = args.file.display().to_string();
    if !valid_feed_id(&args.feed) {
        return Err(CliError::Invalid(format!(
            "--feed {:?}: use 1 to 64 letters, digits, '-' or '_'",
            args.feed
        )));
    }
    let started = Instant::now();
    let timetable = match gtfs::read(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return Err(CliError::Invalid(format!(
                "{name}: the feed breaks the GTFS specification; nothing was imported"
            )));
        }
    };
    eprintln!(
        "{name}: {} stops, {} routes, {} trips, {} stop times (frequencies expanded), time zone {}; read in {:.1} s",
        timetable.stops.len(),
        timetable.routes.len(),
        timetable.trips.len(),
        timetable.stop_times(),
        timetable.timezone,
        started.elapsed().as_secs_f64()
    );
    if args.dry_run {
        eprintln!("{name}: dry run, nothing stored");
        return Ok(());
    }
    let store = open_store(&args.store).await?;
    let feed = Feed {
        id: args.feed.clone(),
        source: name.clone(),
        imported_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        timetable,
    };
    store.put_feed(&feed).await?;
    eprintln!(
        "{name}: stored as feed {:?} in {} ({:.1} s in all); running servers prepare it without a restart",
        args.feed,
        store.kind(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
