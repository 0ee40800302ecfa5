//! Command-line interface: `serve` (the default), `import`, `export`,
//! `export-demand`, `backup`, `synth`, `quality`, `token`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use crate::auth::{self, Role};
use crate::formats::{self, Format, ReadError};
use crate::state::AppState;
use crate::store::{self, DEFAULT_DATABASE_URL, Store};

/// witgis: maps the places that help people and answers "what is near here?".
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Options of `serve`, the default command.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the map and the API (the default).
    Serve(Box<ServeArgs>),
    /// Import resources from a GeoJSON or CSV file: every row is validated,
    /// and all are written or none.
    Import(ImportArgs),
    /// Import areas (municipi, ASLs, regions…) from a GeoJSON file of
    /// Polygon/MultiPolygon features with `id`, `name` and `kind`: all or none.
    ImportAreas(ImportAreasArgs),
    /// Write every resource to standard output.
    Export(ExportArgs),
    /// Write every anonymous demand record as CSV to standard output (the
    /// log holds no personal data).
    ExportDemand(ExportDemandArgs),
    /// Write a consistent copy of the SQLite store to a new FILE, while it
    /// serves (PostGIS: use pg_dump; see docs/operations.md).
    Backup(BackupArgs),
    /// Write N synthetic resources around European cities (for benchmarks).
    Synth(SynthArgs),
    /// Write the data-quality report (as GET /api/quality): what the records
    /// lack per country and category, and the editors' work list.
    Quality(QualityArgs),
    /// Create, list and revoke the API tokens that writes need.
    #[command(subcommand)]
    Token(TokenCommand),
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it once (only its SHA-256 hash is stored).
    Create {
        /// What the token may do.
        #[arg(long, value_enum)]
        role: Role,
        /// A unique name, recorded in the history of every change it makes.
        #[arg(long)]
        name: String,
        /// Refuse the token after this long: a number of hours, days or
        /// weeks such as 12h, 90d or 2w (default: never).
        #[arg(long, value_parser = parse_lifetime)]
        expires: Option<chrono::Duration>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (names and roles, never the tokens).
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token by name: it is refused from now on.
    Revoke {
        /// The token's name.
        name: String,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Where the store is.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// sqlite://PATH (embedded, created if missing) or postgres://… (PostGIS).
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WITGIS_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// A MapLibre style URL for an online basemap (default: the offline
    /// country outlines, so the page asks no other host for anything).
    #[arg(long, env = "WITGIS_BASEMAP_STYLE", value_parser = crate::http::config::parse_style_url)]
    basemap_style: Option<String>,
    /// A PMTiles v3 vector archive (Protomaps schema) to serve as a local
    /// basemap of streets and names; the page then asks no other host.
    #[arg(long, env = "WITGIS_BASEMAP", conflicts_with = "basemap_style")]
    basemap: Option<PathBuf>,
    /// The territory place search prefers: a country code (IT), a city
    /// (Rome, Vilnius) or a box west,south,east,north in degrees.
    /// (Checked against the gazetteer once the reference data is loaded.)
    #[arg(long, env = "WITGIS_HOME", default_value = "Rome")]
    home: String,
    /// The file declaring which country × category the directory lists
    /// completely (default: the shipped data/completeness.tsv).
    #[arg(long, env = "WITGIS_COMPLETENESS")]
    completeness: Option<PathBuf>,
    /// The help desk's time zone (IANA name): a request logged without a
    /// date is dated today there, and dates after today there are refused.
    #[arg(long, env = "WITGIS_DESK_TIME_ZONE", default_value = "Europe/Rome", value_parser = parse_time_zone)]
    desk_time_zone: chrono_tz::Tz,
    /// Writes and demand-log requests one client address may make at once…
    #[arg(long, env = "WITGIS_WRITE_BURST", default_value_t = crate::throttle::WRITES.burst,
          value_parser = clap::value_parser!(u32).range(1..))]
    write_burst: u32,
    /// …and then per second.
    #[arg(long, env = "WITGIS_WRITE_RATE", default_value_t = 1000 / crate::throttle::WRITES.every_ms as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    write_rate: u32,
    /// Start the service's clock at this time (RFC 3339) instead of now, and
    /// run it on from there: for rehearsals and browser tests only.
    #[arg(long, env = "WITGIS_CLOCK_START", hide = true)]
    clock_start: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    geocoder: GeocoderArgs,
    #[command(flatten)]
    bounds: BoundsArgs,
    #[command(flatten)]
    store: StoreArgs,
}

/// What one request or connection may cost the server.
#[derive(Debug, Clone, Args)]
struct BoundsArgs {
    /// Milliseconds of computing one expensive query (coverage, quality,
    /// nearest with open_now/q/verified_since) may use before it is stopped
    /// with 422 (too large even alone) or 503 (try again).
    #[arg(long, env = "WITGIS_QUERY_BUDGET_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    query_budget_ms: u64,
    /// Expensive queries computed at once (default: the number of CPUs);
    /// more wait, within their budget, for a free worker.
    #[arg(long, env = "WITGIS_QUERY_WORKERS", value_parser = clap::value_parser!(u32).range(1..=1024))]
    query_workers: Option<u32>,
    /// Connections open at once; more wait in the kernel's listen backlog.
    #[arg(long, env = "WITGIS_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// Milliseconds a client has to send a whole request header.
    #[arg(long, env = "WITGIS_HEADER_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    header_timeout_ms: u64,
    /// Milliseconds a connection may stay open with no request in progress
    /// and no bytes moving.
    #[arg(long, env = "WITGIS_IDLE_TIMEOUT_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    idle_timeout_ms: u64,
}

impl BoundsArgs {
    fn pool(&self) -> crate::work::WorkPool {
        let workers = self.query_workers.map_or_else(
            || std::thread::available_parallelism().map_or(crate::work::DEFAULT_SLOTS, usize::from),
            |n| n as usize,
        );
        crate::work::WorkPool::new(workers, std::time::Duration::from_millis(self.query_budget_ms))
    }

    fn connections(&self) -> crate::http::server::ConnLimits {
        crate::http::server::ConnLimits {
            max_connections: self.max_connections as usize,
            header_read_timeout: std::time::Duration::from_millis(self.header_timeout_ms),
            idle_timeout: std::time::Duration::from_millis(self.idle_timeout_ms),
        }
    }
}

/// A token's lifetime: `12h`, `90d` or `2w` (1 hour to 10 years).
pub fn parse_lifetime(s: &str) -> Result<chrono::Duration, String> {
    let bad = || format!("'{s}' is not a lifetime such as 12h, 90d or 2w (hours, days, weeks)");
    let s = s.trim();
    let (number, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = number.parse().map_err(|_| bad())?;
    let d = match unit {
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        "w" => chrono::Duration::weeks(n),
        _ => return Err(bad()),
    };
    if d < chrono::Duration::hours(1) || d > chrono::Duration::days(3653) {
        return Err(format!("'{s}' is outside 1 hour to 10 years"));
    }
    Ok(d)
}

/// An IANA time zone name such as `Europe/Rome`.
pub fn parse_time_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        format!(
            "'{s}' is not a time zone name such as Europe/Rome, Europe/Sofia, Europe/Berlin or Europe/Vilnius"
        )
    })
}

/// The optional external geocoder for street addresses (off by default).
#[derive(Debug, Clone, Args)]
struct GeocoderArgs {
    /// A Nominatim-compatible service asked for street addresses by
    /// /api/places (e.g. https://nominatim.example.org); off by default.
    // Its value is not shown in --help: it may hold an API key.
    #[arg(long, env = "WITGIS_GEOCODER_URL", hide_env_values = true, value_parser = crate::geocoder::parse_url)]
    geocoder_url: Option<url::Url>,
    /// An e-mail address or URL added to the User-Agent sent to the
    /// geocoder, so that its operators can reach you.
    #[arg(long, env = "WITGIS_GEOCODER_CONTACT", value_parser = crate::geocoder::parse_contact)]
    geocoder_contact: Option<String>,
    /// Longest wait for the geocoder's answer, in milliseconds.
    #[arg(long, env = "WITGIS_GEOCODER_TIMEOUT_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(100..=30_000))]
    geocoder_timeout_ms: u64,
    /// Shortest time between two requests to the geocoder, in milliseconds
    /// (1000: the public OpenStreetMap Nominatim's limit).
    #[arg(long, env = "WITGIS_GEOCODER_INTERVAL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    geocoder_interval_ms: u64,
}

impl GeocoderArgs {
    fn geocoder(&self) -> Option<crate::geocoder::Geocoder> {
        let url = self.geocoder_url.clone()?;
        Some(crate::geocoder::Geocoder::new(crate::geocoder::Settings {
            url,
            timeout: std::time::Duration::from_millis(self.geocoder_timeout_ms),
            interval: std::time::Duration::from_millis(self.geocoder_interval_ms),
            contact: self.geocoder_contact.clone(),
        }))
    }
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// The file to import (.geojson/.json, .csv, or OpenStreetMap's .osm.pbf
    /// or an Overpass API JSON answer with --format osm).
    file: PathBuf,
    /// The file's format, when its extension does not tell.
    #[arg(long, value_enum)]
    format: Option<ImportFormat>,
    /// With --format osm: the tag mapping to use instead of the shipped
    /// data/osm-mapping.json.
    #[arg(long)]
    osm_mapping: Option<PathBuf>,
    /// Validate only; write nothing.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    store: StoreArgs,
}

/// What `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ImportFormat {
    /// A GeoJSON FeatureCollection.
    Geojson,
    /// CSV with a header row.
    Csv,
    /// Open Referral HSDS 3.0 compiled services, as `export --format hsds` writes.
    Hsds,
    /// OpenStreetMap: an .osm.pbf extract or an Overpass API JSON answer,
    /// kept in step on re-import.
    Osm,
}

#[derive(Debug, Args)]
struct ImportAreasArgs {
    /// The GeoJSON file.
    file: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Geojson)]
    format: Format,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct ExportDemandArgs {
    /// First day to export (YYYY-MM-DD, included).
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    /// Last day to export (YYYY-MM-DD, included).
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct QualityArgs {
    /// The day to compute staleness for (YYYY-MM-DD; default today, UTC).
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QualityFormat::Json)]
    format: QualityFormat,
    /// With --format csv: one row per country and category, or per record of the work list.
    #[arg(long, value_enum, default_value_t = QualityTable::Groups)]
    table: QualityTable,
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Debug, Args)]
struct BackupArgs {
    /// The new file (it must not exist).
    file: PathBuf,
    #[command(flatten)]
    store: StoreArgs,
}

/// How `witgis quality` writes the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum QualityFormat {
    Json,
    Csv,
}

/// Which rows the CSV of `witgis quality` has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum QualityTable {
    Groups,
    WorkList,
}

#[derive(Debug, Args)]
struct SynthArgs {
    /// How many resources.
    count: usize,
    /// Random seed: the same seed gives the same records.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Geojson)]
    format: Format,
}

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
    /// An embedded reference file does not parse.
    #[error("the reference data shipped in the binary is broken: {0}")]
    Reference(#[from] crate::reference::ReferenceError),
}

impl Cli {
    /// Runs the chosen command.
    pub async fn run(self) -> Result<(), CliError> {
        match self.command {
            None => serve(self.serve).await,
            Some(Command::Serve(args)) => serve(*args).await,
            Some(Command::Import(args)) => import(args).await,
            Some(Command::ImportAreas(args)) => import_areas(args).await,
            Some(Command::Export(args)) => export(args).await,
            Some(Command::ExportDemand(args)) => export_demand(args).await,
            Some(Command::Backup(args)) => backup(args).await,
            Some(Command::Synth(args)) => synth(args),
            Some(Command::Quality(args)) => quality(args).await,
            Some(Command::Token(command)) => token(command).await,
        }
    }
}

async fn open_store(args: &StoreArgs) -> Result<Arc<dyn Store>, CliError> {
    Ok(store::open(&args.database_url).await?)
}

async fn serve(args: ServeArgs) -> Result<(), CliError> {
    // Parsed and indexed now, not on the first caller's search; a broken
    // embedded file stops the start here, naming the file and the line.
    let reference = Arc::new(
        tokio::task::spawn_blocking(crate::reference::ReferenceData::load)
            .await
            .map_err(|e| CliError::Io(format!("loading the reference data: {e}")))??,
    );
    let home = crate::places::Home::parse(&args.home, reference.places())
        .map_err(|e| CliError::Invalid(format!("invalid value '{}' for '--home <HOME>': {e}", args.home)))?;
    let basemap = match &args.basemap {
        Some(path) => {
            let basemap =
                crate::http::basemap::Basemap::open(path).map_err(|e| CliError::Invalid(e.to_string()))?;
            tracing::info!(bytes = basemap.len(), "local basemap {}", path.display());
            Some(Arc::new(basemap))
        }
        None => None,
    };
    let completeness = match &args.completeness {
        Some(path) => crate::coverage::Completeness::load(path).map_err(|e| CliError::Invalid(e.0))?,
        None => reference.completeness.clone(),
    };
    let store = open_store(&args.store).await?;
    let seed = store::seed().map_err(|e| CliError::Invalid(e.report("data/resources.geojson")))?;
    if store.seed_once(&seed).await? {
        tracing::info!(resources = seed.len(), "new store seeded from data/resources.geojson");
    }
    // Listen before loading, so that no change made meanwhile is missed.
    let feed = store.subscribe().await?;
    let writes = crate::throttle::Rate {
        burst: args.write_burst,
        every_ms: (1000 / u64::from(args.write_rate)).max(1),
    };
    let limits = crate::throttle::Limits {
        failed_tokens: crate::throttle::Buckets::new(crate::throttle::FAILED_TOKENS),
        writes: crate::throttle::Buckets::new(writes),
    };
    let mut state = AppState::load(store, Arc::clone(&reference))
        .await?
        .with_home(home)
        .with_completeness(completeness)
        .with_desk_zone(args.desk_time_zone)
        .with_limits(limits)
        .with_work(args.bounds.pool());
    if let Some(start) = args.clock_start {
        tracing::warn!(%start, "the clock starts at a time given on the command line (for tests only)");
        state = state.with_clock(crate::clock::Clock::starting_at(start));
    }
    let geocoder = args.geocoder.geocoder();
    if let Some(g) = geocoder {
        tracing::info!(
            "external geocoder: {} (timeout {} ms, at most one request per {} ms)",
            g.describe(),
            g.settings().timeout.as_millis(),
            g.settings().interval.as_millis()
        );
        state = state.with_geocoder(g);
    }
    let state = Arc::new(state);
    if let Some(feed) = feed {
        tokio::spawn(Arc::clone(&state).follow(feed));
    }
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {}: {e}", args.addr)))?;
    let local = listener.local_addr().map_err(|e| CliError::Io(e.to_string()))?;
    tracing::info!(
        "witgis serving {} resources on http://{local} (store: {})",
        state.snapshot().len(),
        store::redact(&args.store.database_url)
    );
    let web = crate::http::config::WebConfig {
        basemap_style: args.basemap_style,
        basemap_pmtiles: basemap.is_some().then_some(crate::http::basemap::ARCHIVE_PATH),
        basemap,
        geocoder: state.geocoder().is_some(),
    };
    let connections = args.bounds.connections();
    tracing::info!(
        "at most {} connections (header timeout {} ms, idle timeout {} ms); {} query workers, {} ms each",
        connections.max_connections,
        connections.header_read_timeout.as_millis(),
        connections.idle_timeout.as_millis(),
        state.work().size(),
        state.work().budget().as_millis()
    );
    let app = crate::http::router_with(state, web);
    crate::http::server::serve(listener, app, connections, shutdown_signal()).await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => return ctrl_c.await.unwrap_or(()),
        };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await.unwrap_or(());
    tracing::info!("shutting down");
}

async fn import(args: ImportArgs) -> Result<(), CliError> {
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
    Ok(())
}

async fn import_areas(args: ImportAreasArgs) -> Result<(), CliError> {
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
    Ok(())
}

async fn export(args: ExportArgs) -> Result<(), CliError> {
    let store = open_store(&args.store).await?;
    let resources = store.resources().await?;
    let names: std::collections::HashMap<String, String> = if args.format == Format::Hsds {
        store.areas().await?.into_iter().map(|a| (a.id, a.name)).collect()
    } else {
        Default::default()
    };
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Hsds => formats::hsds::write(out, &resources, |id| names.get(id).cloned()),
        format => formats::write(out, &resources, format),
    }
    .map_err(|e| CliError::Io(format!("cannot write the export: {e}")))
}

/// The columns of `export-demand`, in order.
pub const DEMAND_CSV_HEADER: [&str; 11] = [
    "id",
    "date",
    "need",
    "channel",
    "requester",
    "area",
    "lon",
    "lat",
    "referred_to",
    "created_at",
    "created_by",
];

async fn export_demand(args: ExportDemandArgs) -> Result<(), CliError> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        if from > to {
            return Err(CliError::Invalid(format!("--from {from} is after --to {to}")));
        }
    }
    let store = open_store(&args.store).await?;
    let records = store.demand(args.from, args.to).await?;
    let io = |e: csv::Error| CliError::Io(format!("cannot write the export: {e}"));
    let mut out = csv::Writer::from_writer(std::io::BufWriter::new(std::io::stdout().lock()));
    out.write_record(DEMAND_CSV_HEADER).map_err(io)?;
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for d in &records {
        out.write_record([
            d.id.to_string(),
            d.date.to_string(),
            d.need.to_string(),
            d.channel.to_string(),
            d.requester.to_string(),
            d.area.clone(),
            number(d.lon),
            number(d.lat),
            d.referred_to.join(";"),
            d.created_at.clone(),
            d.created_by.clone(),
        ])
        .map_err(io)?;
    }
    out.flush().map_err(|e| CliError::Io(format!("cannot write the export: {e}")))?;
    eprintln!("exported {} demand records", records.len());
    Ok(())
}

async fn token(command: TokenCommand) -> Result<(), CliError> {
    match command {
        TokenCommand::Create { role, name, expires, store } => {
            auth::check_token_name(&name).map_err(CliError::Invalid)?;
            let store = open_store(&store).await?;
            let token = auth::new_token();
            let until = expires.map(|d| chrono::Utc::now() + d);
            store.create_token_until(&name, role, &auth::hash_token(&token), until).await?;
            let until =
                until.map_or(String::new(), |t| format!(", valid until {}", t.format("%Y-%m-%d %H:%M UTC")));
            eprintln!("created token '{name}' with role {role}{until}; it is shown only once:");
            println!("{token}");
        }
        TokenCommand::List { store } => {
            let store = open_store(&store).await?;
            for t in store.tokens().await? {
                let state = if t.revoked {
                    "revoked"
                } else if t.expired(chrono::Utc::now()) {
                    "expired"
                } else {
                    "active"
                };
                let until = t.expires_at.as_deref().unwrap_or("-");
                println!("{}\t{}\t{}\t{state}\t{until}", t.name, t.role, t.created_at);
            }
        }
        TokenCommand::Revoke { name, store } => {
            let store = open_store(&store).await?;
            if !store.revoke_token(&name).await? {
                return Err(CliError::Invalid(format!("no active token is named '{name}'")));
            }
            eprintln!("revoked token '{name}'");
        }
    }
    Ok(())
}

async fn quality(args: QualityArgs) -> Result<(), CliError> {
    let store = open_store(&args.store).await?;
    let (resources, areas) = (store.resources().await?, store.areas().await?);
    let as_of = args.as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let snapshot = crate::index::Snapshot::with_areas(resources, areas);
    let report = crate::quality::report(&snapshot, as_of);
    let io = |e: String| CliError::Io(format!("cannot write the report: {e}"));
    let body = match (args.format, args.table) {
        (QualityFormat::Json, QualityTable::Groups) => {
            serde_json::to_vec_pretty(&report).map_err(|e| io(e.to_string()))?
        }
        (QualityFormat::Json, QualityTable::WorkList) => {
            return Err(CliError::Invalid("--table chooses the CSV's rows: add --format csv".into()));
        }
        (QualityFormat::Csv, QualityTable::Groups) => {
            crate::quality::groups_csv(&report).map_err(|e| io(e.to_string()))?
        }
        (QualityFormat::Csv, QualityTable::WorkList) => {
            crate::quality::work_list_csv(&report).map_err(|e| io(e.to_string()))?
        }
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(&body).and_then(|()| out.flush()).map_err(|e| io(e.to_string()))
}

async fn backup(args: BackupArgs) -> Result<(), CliError> {
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

fn synth(args: SynthArgs) -> Result<(), CliError> {
    let resources = crate::synth::resources(args.count, args.seed);
    let stdout = std::io::stdout().lock();
    formats::write(std::io::BufWriter::new(stdout), &resources, args.format)
        .map_err(|e| CliError::Io(format!("cannot write: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_accepts_a_basemap_style_and_rejects_a_bad_one() {
        let cli =
            Cli::try_parse_from(["witgis", "serve", "--basemap-style", "https://example.org/style.json"])
                .expect("valid arguments");
        match cli.command {
            Some(Command::Serve(args)) => {
                assert_eq!(args.basemap_style.as_deref(), Some("https://example.org/style.json"))
            }
            other => panic!("expected serve, got {other:?}"),
        }
        assert!(Cli::try_parse_from(["witgis", "serve", "--basemap-style", "style.json"]).is_err());
    }

    #[test]
    fn the_geocoder_is_off_by_default_and_its_settings_are_checked() {
        let serve = |args: &[&str]| match Cli::try_parse_from(args).map(|c| c.command) {
            Ok(Some(Command::Serve(a))) => Ok(a),
            Ok(other) => panic!("expected serve, got {other:?}"),
            Err(e) => Err(e.to_string()),
        };
        let plain = serve(&["witgis", "serve"]).expect("valid");
        assert!(plain.geocoder.geocoder().is_none());
        let on = serve(&[
            "witgis",
            "serve",
            "--geocoder-url",
            "http://127.0.0.1:8088",
            "--geocoder-timeout-ms",
            "500",
        ])
        .expect("valid");
        let g = on.geocoder.geocoder().expect("configured");
        assert_eq!(g.settings().url.as_str(), "http://127.0.0.1:8088/search");
        assert_eq!(g.settings().timeout.as_millis(), 500);
        assert_eq!(g.settings().interval.as_millis(), 1000);
        let err =
            serve(&["witgis", "serve", "--geocoder-url", "nominatim.example.org"]).expect_err("no scheme");
        assert!(err.contains("--geocoder-url") && err.contains("not a URL"), "{err}");
        assert!(
            serve(&["witgis", "serve", "--geocoder-url", "http://h", "--geocoder-timeout-ms", "0"]).is_err()
        );
    }
}
