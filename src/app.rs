//! The application built from its configuration: reference data, store,
//! state and router. `witgis serve` and the integration tests both start
//! here, so what the tests exercise is what the binary serves.

use std::sync::Arc;

use crate::config::ServeArgs;
use crate::reference::ReferenceData;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// Why the application could not be built; the CLI reports it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file or a task failed.
    #[error("{0}")]
    Io(String),
    /// A setting or a file it names is invalid.
    #[error("{0}")]
    Invalid(String),
    /// An embedded reference file does not parse.
    #[error("the reference data shipped in the binary is broken: {0}")]
    Reference(#[from] crate::reference::ReferenceError),
}

/// A built application, ready to be served.
pub struct App {
    /// The shared state behind every handler.
    pub state: Arc<AppState>,
    /// Every route: the API, the health checks and the web page.
    pub router: axum::Router,
}

/// Loads the reference data, opens (and on first use seeds) the store,
/// indexes every resource and wires the router, as `args` say. When the
/// store reports changes made elsewhere (PostGIS), a task follows them for
/// as long as the runtime lives.
pub async fn build(args: &ServeArgs) -> Result<App, StartError> {
    // Parsed and indexed now, not on the first caller's search; a broken
    // embedded file stops the start here, naming the file and the line.
    let reference = Arc::new(
        tokio::task::spawn_blocking(ReferenceData::load)
            .await
            .map_err(|e| StartError::Io(format!("loading the reference data: {e}")))??,
    );
    let home = crate::places::Home::parse(&args.home, reference.places()).map_err(|e| {
        StartError::Invalid(format!("invalid value '{}' for '--home <HOME>': {e}", args.home))
    })?;
    let basemap = match &args.basemap {
        Some(path) => {
            let basemap =
                crate::basemap::Basemap::open(path).map_err(|e| StartError::Invalid(e.to_string()))?;
            tracing::info!(bytes = basemap.len(), "local basemap {}", path.display());
            Some(Arc::new(basemap))
        }
        None => None,
    };
    let completeness = match &args.completeness {
        Some(path) => crate::coverage::Completeness::load(path).map_err(|e| StartError::Invalid(e.0))?,
        None => reference.completeness.clone(),
    };
    let store = store::open_with(&args.store.database_url, &args.store.options()).await?;
    let seed = store::seed().map_err(|e| StartError::Invalid(e.report("data/resources.geojson")))?;
    let areas = match args.seed_areas {
        true => {
            store::seed_areas().map_err(|e| StartError::Invalid(e.report("data/rome-municipi.geojson")))?
        }
        false => Vec::new(),
    };
    if store.seed_once_with(&seed, &areas).await? {
        tracing::info!(
            resources = seed.len(),
            "new store seeded from data/resources.geojson (and Rome's municipi, unless areas were loaded before)"
        );
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
        .with_work(args.bounds.pool())
        .with_metrics_access(args.metrics);
    if let Some(start) = args.clock_start {
        tracing::warn!(%start, "the clock starts at a time given on the command line (for tests only)");
        state = state.with_clock(crate::clock::Clock::starting_at(start));
    }
    if let Some(g) = args.geocoder.geocoder() {
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
    let web = crate::http::config::WebConfig {
        basemap_style: args.basemap_style.clone(),
        basemap_pmtiles: basemap.is_some().then_some(crate::http::basemap::ARCHIVE_PATH),
        basemap,
        geocoder: state.geocoder().is_some(),
    };
    let router = crate::http::router_with(Arc::clone(&state), web);
    Ok(App { state, router })
}
