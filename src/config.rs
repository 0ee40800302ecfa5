//! The command line's options and arguments (clap): every flag, its
//! environment variable, default and check. `cli` runs them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::auth::Role;
use crate::formats::Format;
use crate::store::DEFAULT_DATABASE_URL;

/// witgis: maps the places that help people and answers "what is near here?".
#[derive(Debug, Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
    /// Options of `serve`, the default command.
    #[command(flatten)]
    pub(crate) serve: ServeArgs,
    /// How log lines are written to standard error: `text`, or `json` (one
    /// JSON object a line, for a log collector).
    #[arg(long, global = true, env = "WITGIS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub(crate) log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line.
    Json,
}

impl Cli {
    /// How log lines are to be written.
    pub fn log_format(&self) -> LogFormat {
        self.log_format
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// Get a street map for `serve --basemap`.
    #[command(subcommand)]
    Basemap(BasemapCommand),
    /// Import a city's GTFS timetable feed (zip or folder) for reach by
    /// public transport; a feed with the same --feed id is replaced whole.
    ImportGtfs(ImportGtfsArgs),
    /// Build the street map place search uses from an OpenStreetMap extract
    /// (.osm.pbf): addresses, named streets and neighbourhoods. Replaces the
    /// previous one, all or nothing.
    ImportPlaces(ImportPlacesArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum BasemapCommand {
    /// Cut a territory out of a remote PMTiles archive (the Protomaps planet
    /// build by default) with HTTP range requests, into a local archive for
    /// `serve --basemap`. Shows progress; rerun the same command to resume.
    Fetch(BasemapFetchArgs),
}

/// The options of `basemap fetch`.
#[derive(Debug, Args)]
pub(crate) struct BasemapFetchArgs {
    /// The territory: west,south,east,north in degrees (e.g. Rome: 12.23,41.65,12.86,42.15).
    #[arg(long, value_parser = parse_bbox, required_unless_present = "area", conflicts_with = "area")]
    pub(crate) bbox: Option<[f64; 4]>,
    /// The territory by name: a loaded area (e.g. "Municipio Roma II", or
    /// Rome's shipped municipi), a city of the gazetteer (its centre ± 35 km)
    /// or a covered country's code (IT).
    #[arg(long)]
    pub(crate) area: Option<String>,
    /// The remote archive (any http or https URL of a PMTiles v3 vector
    /// archive in the Protomaps schema whose server honours ranges).
    #[arg(long, value_parser = parse_archive_url, conflicts_with = "build")]
    pub(crate) url: Option<url::Url>,
    /// The day of the Protomaps planet build to read (YYYYMMDD, as listed at
    /// https://maps.protomaps.com/builds/); default: yesterday's (UTC), or
    /// the newest of the six days before that.
    #[arg(long, value_parser = parse_build_day)]
    pub(crate) build: Option<chrono::NaiveDate>,
    /// The highest zoom fetched (15 has every street name; 14 is much
    /// smaller and MapLibre over-zooms it).
    #[arg(long, default_value_t = crate::basemap_fetch::DEFAULT_MAX_ZOOM,
          value_parser = clap::value_parser!(u8).range(0..=20))]
    pub(crate) maxzoom: u8,
    /// The archive to write (replaced only once the new one is complete and checked).
    #[arg(long, short)]
    pub(crate) output: PathBuf,
    /// How many times a request is asked again, from the byte reached,
    /// after the connection dropped, stalled or the server answered 5xx/429
    /// (waiting 1, 2, 4… s); past that, rerun the command to resume.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=20))]
    pub(crate) retries: u32,
    /// Most bytes one range request asks for.
    #[arg(long, hide = true, default_value_t = crate::basemap_fetch::DEFAULT_MAX_REQUEST,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_request_bytes: u64,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// `--bbox`: west,south,east,north in degrees.
pub fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    crate::places::Bounds::parse(s).map(|b| b.0)
}

/// `--url`: an absolute http or https URL.
pub fn parse_archive_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim())
        .map_err(|e| format!("not a URL ({e}); give e.g. https://build.protomaps.com/20261201.pmtiles"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Ok(url),
        "http" | "https" => Err("the URL names no host".into()),
        other => Err(format!("the scheme '{other}' is not supported; use an http or https URL")),
    }
}

/// `--build`: a day as YYYYMMDD.
pub fn parse_build_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y%m%d")
        .map_err(|_| format!("'{s}' is not a day as YYYYMMDD, e.g. 20261201"))
}

#[derive(Debug, Subcommand)]
pub(crate) enum TokenCommand {
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
    /// With PostGIS: milliseconds a request waits for a pooled database
    /// connection before answering 503 (whole, above 0; default 1500).
    #[arg(long, env = "WITGIS_DB_WAIT_MS", global = true, hide = true)]
    pub db_wait_ms: Option<String>,
}

impl StoreArgs {
    /// The store's options beyond its URL. An invalid wait is logged and
    /// the default kept, so a typo in the environment does not stop a start.
    pub fn options(&self) -> crate::store::StoreOptions {
        let mut options = crate::store::StoreOptions::default();
        match wait_from(self.db_wait_ms.as_deref()) {
            Some(wait) => options.acquire_timeout = wait,
            None if self.db_wait_ms.is_some() => tracing::warn!(
                "WITGIS_DB_WAIT_MS is not a whole number of milliseconds above 0; waiting {} ms",
                options.acquire_timeout.as_millis()
            ),
            None => {}
        }
        options
    }
}

/// A wait in milliseconds, if `raw` is a whole number above 0.
fn wait_from(raw: Option<&str>) -> Option<std::time::Duration> {
    raw?.trim().parse::<u64>().ok().filter(|&ms| ms > 0).map(std::time::Duration::from_millis)
}

/// The options of `serve`: where to listen, the store, the page's basemap,
/// the help desk's settings and the bounds on what a request may cost.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "WITGIS_ADDR", default_value = "127.0.0.1:8080")]
    pub(crate) addr: SocketAddr,
    /// A MapLibre style URL for an online basemap (default: the offline
    /// country outlines, so the page asks no other host for anything).
    #[arg(long, env = "WITGIS_BASEMAP_STYLE", value_parser = parse_style_url)]
    pub(crate) basemap_style: Option<String>,
    /// A PMTiles v3 vector archive (Protomaps schema) to serve as a local
    /// basemap of streets and names; the page then asks no other host.
    #[arg(long, env = "WITGIS_BASEMAP", conflicts_with = "basemap_style")]
    pub(crate) basemap: Option<PathBuf>,
    /// The territory place search prefers: a country code (IT), a city
    /// (Rome, Vilnius) or a box west,south,east,north in degrees.
    /// (Checked against the gazetteer once the reference data is loaded.)
    #[arg(long, env = "WITGIS_HOME", default_value = "Rome")]
    pub(crate) home: String,
    /// The file declaring which country × category the directory lists
    /// completely (default: the shipped data/completeness.tsv).
    #[arg(long, env = "WITGIS_COMPLETENESS")]
    pub(crate) completeness: Option<PathBuf>,
    /// The help desk's time zone (IANA name): a request logged without a
    /// date is dated today there, and dates after today there are refused.
    #[arg(long, env = "WITGIS_DESK_TIME_ZONE", default_value = "Europe/Rome", value_parser = parse_time_zone)]
    pub(crate) desk_time_zone: chrono_tz::Tz,
    /// Writes and demand-log requests one client address may make at once…
    #[arg(long, env = "WITGIS_WRITE_BURST", default_value_t = crate::throttle::WRITES.burst,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) write_burst: u32,
    /// …and then per second.
    #[arg(long, env = "WITGIS_WRITE_RATE", default_value_t = 1000 / crate::throttle::WRITES.every_ms as u32,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub(crate) write_rate: u32,
    /// Whether a new store is seeded with Rome's 15 municipi
    /// (data/rome-municipi.geojson) as well as the records; `false` for a
    /// deployment that loads its own boundaries, or none.
    #[arg(long, env = "WITGIS_SEED_AREAS", default_value_t = true, action = clap::ArgAction::Set)]
    pub(crate) seed_areas: bool,
    /// Who may read the Prometheus metrics at `/metrics`: `loopback`
    /// (clients on this machine), `any`, or `off`.
    #[arg(long, env = "WITGIS_METRICS", value_enum, default_value_t = crate::metrics::MetricsAccess::Loopback)]
    pub(crate) metrics: crate::metrics::MetricsAccess,
    /// Start the service's clock at this time (RFC 3339) instead of now, and
    /// run it on from there: for rehearsals and browser tests only.
    #[arg(long, env = "WITGIS_CLOCK_START", hide = true)]
    pub(crate) clock_start: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    pub(crate) geocoder: GeocoderArgs,
    #[command(flatten)]
    pub(crate) bounds: BoundsArgs,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

impl ServeArgs {
    /// The options of `witgis serve ARGS…`, with the command line's defaults,
    /// environment variables and checks (for the tests, which build the
    /// application as the binary does).
    pub fn parse_from<I, T>(args: I) -> Result<ServeArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let words = ["witgis".into(), "serve".into()].into_iter().chain(args.into_iter().map(Into::into));
        let cli = Cli::try_parse_from(words)?;
        Ok(match cli.command {
            Some(Command::Serve(args)) => *args,
            _ => cli.serve,
        })
    }
}

/// What one request or connection may cost the server.
#[derive(Debug, Clone, Args)]
pub(crate) struct BoundsArgs {
    /// Milliseconds of computing one expensive query (coverage, quality,
    /// nearest with open_now/q/verified_since) may use before it is stopped
    /// with 422 (too large even alone) or 503 (try again).
    #[arg(long, env = "WITGIS_QUERY_BUDGET_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub(crate) query_budget_ms: u64,
    /// Expensive queries computed at once (default: the number of CPUs);
    /// more wait, within their budget, for a free worker.
    #[arg(long, env = "WITGIS_QUERY_WORKERS", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub(crate) query_workers: Option<u32>,
    /// Connections open at once; more wait in the kernel's listen backlog.
    #[arg(long, env = "WITGIS_MAX_CONNECTIONS", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) max_connections: u32,
    /// Milliseconds a client has to send a whole request header.
    #[arg(long, env = "WITGIS_HEADER_TIMEOUT_MS", default_value_t = 10_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub(crate) header_timeout_ms: u64,
    /// Milliseconds a connection may stay open with no request in progress
    /// and no bytes moving.
    #[arg(long, env = "WITGIS_IDLE_TIMEOUT_MS", default_value_t = 60_000,
          value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    pub(crate) idle_timeout_ms: u64,
    /// Connections one client address (IPv6: one /64 network) may hold open
    /// at once; more are answered 503 and closed.
    #[arg(long, env = "WITGIS_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 128,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) max_connections_per_address: u32,
}

impl BoundsArgs {
    pub(crate) fn pool(&self) -> crate::work::WorkPool {
        let workers = self.query_workers.map_or_else(
            || std::thread::available_parallelism().map_or(crate::work::DEFAULT_SLOTS, usize::from),
            |n| n as usize,
        );
        crate::work::WorkPool::new(workers, std::time::Duration::from_millis(self.query_budget_ms))
    }
}

/// Parses `--basemap-style`: an absolute `http` or `https` URL.
pub fn parse_style_url(value: &str) -> Result<String, String> {
    let url =
        url::Url::parse(value).map_err(|e| format!("not a URL ({e}); give e.g. https://host/style.json"))?;
    match url.scheme() {
        "http" | "https" => Ok(url.into()),
        other => Err(format!("the scheme '{other}' is not supported; use an http or https URL")),
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
pub(crate) struct GeocoderArgs {
    /// A Nominatim-compatible service asked for street addresses by
    /// /api/places (e.g. https://nominatim.example.org); off by default.
    // Its value is not shown in --help: it may hold an API key.
    #[arg(long, env = "WITGIS_GEOCODER_URL", hide_env_values = true, value_parser = crate::geocoder::parse_url)]
    pub(crate) geocoder_url: Option<url::Url>,
    /// An e-mail address or URL added to the User-Agent sent to the
    /// geocoder, so that its operators can reach you.
    #[arg(long, env = "WITGIS_GEOCODER_CONTACT", value_parser = crate::geocoder::parse_contact)]
    pub(crate) geocoder_contact: Option<String>,
    /// Longest wait for the geocoder's answer, in milliseconds.
    #[arg(long, env = "WITGIS_GEOCODER_TIMEOUT_MS", default_value_t = 2000,
          value_parser = clap::value_parser!(u64).range(100..=30_000))]
    pub(crate) geocoder_timeout_ms: u64,
    /// Shortest time between two requests to the geocoder, in milliseconds
    /// (1000: the public OpenStreetMap Nominatim's limit).
    #[arg(long, env = "WITGIS_GEOCODER_INTERVAL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub(crate) geocoder_interval_ms: u64,
}

impl GeocoderArgs {
    pub(crate) fn geocoder(&self) -> Option<crate::geocoder::Geocoder> {
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
pub(crate) struct ImportArgs {
    /// The file to import (.geojson/.json, .csv, or OpenStreetMap's .osm.pbf
    /// or an Overpass API JSON answer with --format osm).
    pub(crate) file: PathBuf,
    /// The file's format, when its extension does not tell.
    #[arg(long, value_enum)]
    pub(crate) format: Option<ImportFormat>,
    /// With --format osm: the tag mapping to use instead of the shipped
    /// data/osm-mapping.json.
    #[arg(long)]
    pub(crate) osm_mapping: Option<PathBuf>,
    /// Validate only; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// What `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ImportFormat {
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
pub(crate) struct ImportAreasArgs {
    /// The GeoJSON file.
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ImportPlacesArgs {
    /// The .osm.pbf extract of the deployment's territory.
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// What `export` and `synth` write: the [`Format`]s, named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// A GeoJSON FeatureCollection of Point features (geometry null for
    /// services without a place).
    Geojson,
    /// CSV with a header row: the reference columns, lists `;`-separated.
    Csv,
    /// Open Referral HSDS 3.0: a JSON array of compiled services.
    Hsds,
}

impl ExportFormat {
    /// The file format it names.
    pub(crate) fn format(self) -> Format {
        match self {
            ExportFormat::Geojson => Format::Geojson,
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Hsds => Format::Hsds,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Geojson)]
    pub(crate) format: ExportFormat,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ExportDemandArgs {
    /// First day to export (YYYY-MM-DD, included).
    #[arg(long)]
    pub(crate) from: Option<chrono::NaiveDate>,
    /// Last day to export (YYYY-MM-DD, included).
    #[arg(long)]
    pub(crate) to: Option<chrono::NaiveDate>,
    /// Write the published figures instead of the records: one row per
    /// published cell (month, area, need), under the rules of
    /// `/api/demand/summary` (whole published months, counts rounded to 5,
    /// cells of fewer than 5 requests or 3 operators left out), for sharing
    /// with those who may not see the log.
    #[arg(long)]
    pub(crate) published: bool,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct QualityArgs {
    /// The day to compute staleness for (YYYY-MM-DD; default today, UTC).
    #[arg(long)]
    pub(crate) as_of: Option<chrono::NaiveDate>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QualityFormat::Json)]
    pub(crate) format: QualityFormat,
    /// With --format csv: one row per country and category, or per record of the work list.
    #[arg(long, value_enum, default_value_t = QualityTable::Groups)]
    pub(crate) table: QualityTable,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

#[derive(Debug, Args)]
pub(crate) struct BackupArgs {
    /// The new file (it must not exist).
    pub(crate) file: PathBuf,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}

/// How `witgis quality` writes the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum QualityFormat {
    Json,
    Csv,
}

/// Which rows the CSV of `witgis quality` has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum QualityTable {
    Groups,
    WorkList,
}

#[derive(Debug, Args)]
pub(crate) struct SynthArgs {
    /// How many resources.
    pub(crate) count: usize,
    /// Random seed: the same seed gives the same records.
    #[arg(long, default_value_t = 42)]
    pub(crate) seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Geojson)]
    pub(crate) format: ExportFormat,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_is_whole_milliseconds_above_zero() {
        use std::time::Duration;
        assert_eq!(wait_from(Some("30000")), Some(Duration::from_secs(30)));
        assert_eq!(wait_from(Some(" 250 ")), Some(Duration::from_millis(250)));
        for bad in [None, Some(""), Some("0"), Some("-5"), Some("1.5"), Some("soon")] {
            assert_eq!(wait_from(bad), None, "{bad:?}");
        }
    }

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

#[derive(Debug, Args)]
pub(crate) struct ImportGtfsArgs {
    /// The GTFS feed: a .zip or a folder of .txt files.
    pub(crate) file: PathBuf,
    /// The feed's id (letters, digits, `-`, `_`): `rome`, `sofia`, …; a
    /// re-import with the same id replaces that feed.
    #[arg(long)]
    pub(crate) feed: String,
    /// Check the feed and report, without storing it.
    #[arg(long)]
    pub(crate) dry_run: bool,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
}
