//! `witgis serve`: loads the reference data and the store, then serves the map and the API.

use std::sync::Arc;

use super::{CliError, open_store};
use crate::config::ServeArgs;
use crate::state::AppState;
use crate::store;

pub(super) async fn run(args: ServeArgs) -> Result<(), CliError> {
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
