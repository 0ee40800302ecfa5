//! Application state: the store and the current snapshot, swapped atomically.

use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;

use crate::index::Snapshot;
use crate::store::{Store, StoreError};

/// What every request handler shares.
pub struct AppState {
    store: Arc<dyn Store>,
    snapshot: ArcSwap<Snapshot>,
}

impl AppState {
    /// Loads every resource from the store and indexes it.
    pub async fn load(store: Arc<dyn Store>) -> Result<AppState, StoreError> {
        let snapshot = build(store.as_ref()).await?;
        Ok(AppState { store, snapshot: ArcSwap::from_pointee(snapshot) })
    }

    /// A state over a ready snapshot (tests and benchmarks).
    pub fn with_snapshot(store: Arc<dyn Store>, snapshot: Snapshot) -> AppState {
        AppState { store, snapshot: ArcSwap::from_pointee(snapshot) }
    }

    /// The current snapshot. Readers never wait: a reload swaps in a new one.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// The store behind the snapshot.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Rebuilds the snapshot from the store and swaps it in.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let next = build(self.store.as_ref()).await?;
        self.snapshot.store(Arc::new(next));
        Ok(())
    }
}

async fn build(store: &dyn Store) -> Result<Snapshot, StoreError> {
    let started = Instant::now();
    let resources = store.resources().await?;
    let areas = store.areas().await?;
    let loaded = started.elapsed();
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::with_areas(resources, areas))
        .await
        .map_err(|e| StoreError::Unavailable(format!("indexing failed: {e}")))?;
    tracing::info!(
        resources = snapshot.len(),
        areas = snapshot.areas().len(),
        load_ms = loaded.as_millis() as u64,
        index_ms = (started.elapsed() - loaded).as_millis() as u64,
        "snapshot built"
    );
    Ok(snapshot)
}
