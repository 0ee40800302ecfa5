//! `witgis backup`: a consistent copy of the SQLite store, taken while it serves.

use std::time::Instant;

use super::{CliError, open_store};
use crate::config::BackupArgs;
use crate::store;

pub(super) async fn run(args: BackupArgs) -> Result<(), CliError> {
    let store = open_store(&args.store).await?;
    let started = Instant::now();
    store.backup(&args.file).await?;
    let bytes = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    eprintln!(
        "backed up {} to {} ({} kB in {} ms)",
        store::redact(&args.store.database_url),
        args.file.display(),
        bytes / 1000,
        started.elapsed().as_millis()
    );
    Ok(())
}
