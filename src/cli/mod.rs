//! Command-line interface: `serve` (the default), `import`, `export`,
//! `export-demand`, `backup`, `synth`, `quality`, `token`, `basemap fetch`;
//! one file per command, the options in [`crate::config`].

mod backup;
mod basemap;
mod export;
mod import;
mod import_gtfs;
mod import_places;
mod quality;
mod serve;
mod synth;
mod token;

use std::sync::Arc;

use crate::config::{Cli, Command, StoreArgs};
use crate::store::{self, Store};

pub use export::{DEMAND_CSV_HEADER, PUBLISHED_CSV_HEADER};

/// Why a command failed; `main` prints it and exits with 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// The input file had errors (already reported line by line).
    #[error("{0}")]
    Invalid(String),
    /// The application could not be built.
    #[error(transparent)]
    Start(#[from] crate::app::StartError),
    /// An OpenStreetMap import stopped.
    #[error(transparent)]
    ImportOsm(#[from] crate::import_osm::ImportError),
    /// An embedded reference file does not parse.
    #[error("the reference data shipped in the binary is broken: {0}")]
    Reference(#[from] crate::reference::ReferenceError),
}

impl Cli {
    /// Runs the chosen command.
    pub async fn run(self) -> Result<(), CliError> {
        match self.command {
            None => serve::run(self.serve).await,
            Some(Command::Serve(args)) => serve::run(*args).await,
            Some(Command::Import(args)) => import::run(args).await,
            Some(Command::ImportAreas(args)) => import::areas(args).await,
            Some(Command::Export(args)) => export::run(args).await,
            Some(Command::ExportDemand(args)) => export::demand(args).await,
            Some(Command::Backup(args)) => backup::run(args).await,
            Some(Command::Synth(args)) => synth::run(args),
            Some(Command::Quality(args)) => quality::run(args).await,
            Some(Command::Token(command)) => token::run(command).await,
            Some(Command::Basemap(command)) => basemap::run(command).await,
            Some(Command::ImportGtfs(args)) => import_gtfs::run(args).await,
            Some(Command::ImportPlaces(args)) => import_places::run(args).await,
        }
    }
}

pub(crate) async fn open_store(args: &StoreArgs) -> Result<Arc<dyn Store>, CliError> {
    Ok(store::open_with(&args.database_url, &args.options()).await?)
}
