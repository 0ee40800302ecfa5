//! Application state: the store and the current snapshot, swapped atomically.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::index::Snapshot;
use crate::store::{ChangeFeed, Notice, Store, StoreError, Stored};

/// What every request handler shares.
pub struct AppState {
    store: Arc<dyn Store>,
    snapshot: ArcSwap<Snapshot>,
    /// Serialises snapshot updates (writes, notices, reloads) so that none is
    /// lost; readers never take it.
    updating: tokio::sync::Mutex<()>,
}

impl AppState {
    /// Loads every resource from the store and indexes it.
    pub async fn load(store: Arc<dyn Store>) -> Result<AppState, StoreError> {
        let snapshot = build(store.as_ref()).await?;
        Ok(AppState::with_snapshot(store, snapshot))
    }

    /// A state over a ready snapshot (tests and benchmarks).
    pub fn with_snapshot(store: Arc<dyn Store>, snapshot: Snapshot) -> AppState {
        AppState { store, snapshot: ArcSwap::from_pointee(snapshot), updating: tokio::sync::Mutex::new(()) }
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
        let _updating = self.updating.lock().await;
        let next = build(self.store.as_ref()).await?;
        self.snapshot.store(Arc::new(next));
        Ok(())
    }

    /// Applies one stored change to the snapshot (a newer version replaces,
    /// a deletion removes); older news is ignored.
    pub async fn apply(&self, stored: &Stored) {
        let _updating = self.updating.lock().await;
        let current = self.snapshot();
        let change = (!stored.deleted).then_some((&stored.resource, stored.version));
        let id = stored.resource.id.clone();
        let (version, resource) = (stored.version, change.map(|(r, v)| (r.clone(), v)));
        let next = tokio::task::spawn_blocking(move || {
            current.with_change(&id, resource.as_ref().map(|(r, v)| (r, *v)), version)
        })
        .await;
        match next {
            Ok(Some(next)) => self.snapshot.store(Arc::new(next)),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "applying a change to the snapshot failed"),
        }
    }

    /// Follows changes made through other instances until the process ends:
    /// a changed id is fetched and applied; after a lost connection (or a
    /// bulk import) everything is reloaded.
    pub async fn follow(self: Arc<Self>, mut feed: Box<dyn ChangeFeed>) {
        let mut down = false;
        loop {
            match feed.next().await {
                Ok(Notice::Changed(id)) => match self.store.get(&id).await {
                    Ok(Some(stored)) => self.apply(&stored).await,
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "could not fetch a changed resource; reloading");
                        self.reload_until_done().await;
                    }
                },
                Ok(Notice::Resync) => {
                    if down {
                        tracing::info!("database connection is back; reloading the snapshot");
                        down = false;
                    }
                    self.reload_until_done().await;
                }
                Err(e) => {
                    if !down {
                        tracing::warn!(error = %e, "lost the database change feed; retrying");
                        down = true;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }

    async fn reload_until_done(&self) {
        while let Err(e) = self.reload().await {
            tracing::warn!(error = %e, "reload failed; retrying");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

async fn build(store: &dyn Store) -> Result<Snapshot, StoreError> {
    let started = Instant::now();
    let resources = store.resources_versioned().await?;
    let loaded = started.elapsed();
    let snapshot = tokio::task::spawn_blocking(move || Snapshot::versioned(resources))
        .await
        .map_err(|e| StoreError::Unavailable(format!("indexing failed: {e}")))?;
    tracing::info!(
        resources = snapshot.len(),
        load_ms = loaded.as_millis() as u64,
        index_ms = (started.elapsed() - loaded).as_millis() as u64,
        "snapshot built"
    );
    Ok(snapshot)
}
