//! `witgis serve`: builds the application (see [`crate::app`]), then serves
//! the map and the API until interrupted.

use super::CliError;
use crate::app::App;
use crate::config::ServeArgs;
use crate::store;

pub(super) async fn run(args: ServeArgs) -> Result<(), CliError> {
    let App { state, router } = crate::app::build(&args).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {}: {e}", args.addr)))?;
    let local = listener.local_addr().map_err(|e| CliError::Io(e.to_string()))?;
    tracing::info!(
        "witgis serving {} resources on http://{local} (store: {})",
        state.snapshot().index().len(),
        store::redact(&args.store.database_url)
    );
    let connections = crate::http::server::ConnLimits::from_args(&args.bounds);
    tracing::info!(
        "at most {} connections, {} per client address (header timeout {} ms, idle timeout {} ms); {} query \
         workers, {} ms each",
        connections.max_connections,
        connections.max_per_address,
        connections.header_read_timeout.as_millis(),
        connections.idle_timeout.as_millis(),
        state.work().size(),
        state.work().budget().as_millis()
    );
    crate::http::server::serve(listener, router, connections, shutdown_signal()).await;
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
