//! Application state: the store and the current snapshot, swapped atomically.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::coverage::Completeness;
use crate::index::Snapshot;
use crate::model::{Area, Resource};
use crate::store::{ChangeFeed, Notice, Store, StoreError, Stored, Write};

/// What the store knows of a resource beyond its fields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Meta {
    /// The store version, sent as the ETag.
    pub version: i64,
    /// When it last changed in the store.
    pub updated_at: DateTime<Utc>,
}

/// A snapshot with the store version (the ETag) and last change of each of
/// its resources.
pub struct Versioned {
    snapshot: Arc<Snapshot>,
    /// By position in `snapshot.resources()` (sorted by id).
    meta: Vec<Meta>,
}

impl Versioned {
    /// Indexes stored resources (of duplicate ids, the first) and the areas.
    pub fn new(mut stored: Vec<Stored>, areas: Vec<Area>) -> Versioned {
        stored.sort_by(|a, b| a.resource.id.cmp(&b.resource.id));
        stored.dedup_by(|a, b| a.resource.id == b.resource.id);
        let (resources, meta): (Vec<Resource>, Vec<Meta>) = stored
            .into_iter()
            .map(|s| (s.resource, Meta { version: s.version, updated_at: s.updated_at }))
            .unzip();
        Versioned { snapshot: Arc::new(Snapshot::with_areas(resources, areas)), meta }
    }

    /// The snapshot.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    fn position(&self, id: &str) -> Result<usize, usize> {
        self.snapshot.resources().binary_search_by(|r| r.id.as_str().cmp(id))
    }

    /// The resource with this id and its version.
    pub fn get(&self, id: &str) -> Option<(&Resource, i64)> {
        let i = self.position(id).ok()?;
        Some((&self.snapshot.resources()[i], self.meta.get(i)?.version))
    }

    /// Version and last change of the resource at a snapshot position.
    pub fn meta(&self, index: u32) -> Option<Meta> {
        self.meta.get(index as usize).copied()
    }

    /// The next snapshot with one resource added, replaced (`Some`) or
    /// removed (`None`) at `version`; `None` if this one is as new already.
    fn with_change(&self, id: &str, change: Option<&Resource>, meta: Meta) -> Option<Versioned> {
        let position = self.position(id);
        if let Ok(i) = position {
            if self.meta.get(i).is_some_and(|m| m.version >= meta.version) {
                return None;
            }
        } else if change.is_none() {
            return None;
        }
        let mut resources = self.snapshot.resources().to_vec();
        let mut metas = self.meta.clone();
        match (position, change) {
            (Ok(i), Some(r)) => {
                resources[i] = r.clone();
                metas[i] = meta;
            }
            (Ok(i), None) => {
                resources.remove(i);
                metas.remove(i);
            }
            (Err(i), Some(r)) => {
                resources.insert(i, r.clone());
                metas.insert(i, meta);
            }
            (Err(_), None) => return None,
        }
        // Still sorted by id and unique, so positions stay aligned.
        let areas = self.snapshot.areas().to_vec();
        Some(Versioned { snapshot: Arc::new(Snapshot::with_areas(resources, areas)), meta: metas })
    }
}

/// What every request handler shares.
pub struct AppState {
    store: Arc<dyn Store>,
    current: ArcSwap<Versioned>,
    /// Serialises snapshot updates (writes, notices, reloads) so that none is
    /// lost; readers never take it.
    updating: tokio::sync::Mutex<()>,
    /// The optional external geocoder for street addresses.
    geocoder: Option<crate::geocoder::Geocoder>,
    /// The territory place search prefers (default: Rome).
    home: crate::places::Home,
    /// What the directory claims to list completely.
    completeness: Arc<Completeness>,
    /// Where "now" comes from.
    clock: Clock,
    /// The help desk's time zone: the day a request is dated by default.
    desk_zone: chrono_tz::Tz,
    /// Rate limits per client address.
    limits: crate::throttle::Limits,
    /// The bounded pool expensive queries run in.
    work: crate::work::WorkPool,
}

/// The help desk's time zone unless configured otherwise.
pub const DEFAULT_DESK_ZONE: chrono_tz::Tz = chrono_tz::Europe::Rome;

impl AppState {
    /// Loads every resource from the store and indexes it.
    pub async fn load(store: Arc<dyn Store>) -> Result<AppState, StoreError> {
        let current = build(store.as_ref()).await?;
        Ok(AppState::new(store, current))
    }

    /// A state over a ready snapshot (tests and benchmarks); every resource
    /// is taken to be at version 1, changed now.
    pub fn with_snapshot(store: Arc<dyn Store>, snapshot: Snapshot) -> AppState {
        let meta = vec![Meta { version: 1, updated_at: Utc::now() }; snapshot.len()];
        AppState::new(store, Versioned { snapshot: Arc::new(snapshot), meta })
    }

    fn new(store: Arc<dyn Store>, current: Versioned) -> AppState {
        AppState {
            store,
            current: ArcSwap::from_pointee(current),
            updating: tokio::sync::Mutex::new(()),
            geocoder: None,
            home: crate::places::Home::default(),
            completeness: Arc::new(Completeness::shipped().clone()),
            clock: Clock::system(),
            desk_zone: DEFAULT_DESK_ZONE,
            limits: crate::throttle::Limits::default(),
            work: crate::work::WorkPool::default(),
        }
    }

    /// The same state, preferring `home` in place search.
    pub fn with_home(mut self, home: crate::places::Home) -> AppState {
        self.home = home;
        self
    }

    /// The territory place search prefers.
    pub fn home(&self) -> &crate::places::Home {
        &self.home
    }

    /// The same state, with these completeness declarations instead of the
    /// shipped `data/completeness.tsv`.
    pub fn with_completeness(mut self, completeness: Completeness) -> AppState {
        self.completeness = Arc::new(completeness);
        self
    }

    /// What the directory claims to list completely.
    pub fn completeness(&self) -> Arc<Completeness> {
        Arc::clone(&self.completeness)
    }

    /// The same state with other rate limits.
    pub fn with_limits(mut self, limits: crate::throttle::Limits) -> AppState {
        self.limits = limits;
        self
    }

    /// The same state running expensive queries in `work`.
    pub fn with_work(mut self, work: crate::work::WorkPool) -> AppState {
        self.work = work;
        self
    }

    /// The bounded pool expensive queries run in.
    pub fn work(&self) -> &crate::work::WorkPool {
        &self.work
    }

    /// Rate limits per client address.
    pub fn limits(&self) -> &crate::throttle::Limits {
        &self.limits
    }

    /// The same state, telling the time by `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// The same state, with the help desk in the time zone `zone`.
    pub fn with_desk_zone(mut self, zone: chrono_tz::Tz) -> AppState {
        self.desk_zone = zone;
        self
    }

    /// The current time.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The clock.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Today's date where the help desk is.
    pub fn desk_today(&self) -> chrono::NaiveDate {
        self.clock.now().with_timezone(&self.desk_zone).date_naive()
    }

    /// The same state, asking `geocoder` for street addresses too.
    pub fn with_geocoder(mut self, geocoder: crate::geocoder::Geocoder) -> AppState {
        self.geocoder = Some(geocoder);
        self
    }

    /// The external geocoder, when one is configured.
    pub fn geocoder(&self) -> Option<&crate::geocoder::Geocoder> {
        self.geocoder.as_ref()
    }

    /// The current snapshot. Readers never wait: a reload swaps in a new one.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.load().snapshot)
    }

    /// The current snapshot with the version of each resource.
    pub fn versioned(&self) -> Arc<Versioned> {
        self.current.load_full()
    }

    /// The store behind the snapshot.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Rebuilds the snapshot from the store and swaps it in.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let _updating = self.updating.lock().await;
        let next = build(self.store.as_ref()).await?;
        retire(self.current.swap(Arc::new(next)));
        Ok(())
    }

    /// Commits one write to the store and applies it to the snapshot, in a
    /// task of its own that runs to the end even when the caller stops
    /// waiting: a client that disconnects after the commit must not leave
    /// this instance serving the old version (and refusing its ETag) until
    /// a restart.
    pub async fn write(self: &Arc<Self>, write: Write, actor: &str) -> Result<Stored, StoreError> {
        let state = Arc::clone(self);
        let actor = actor.to_owned();
        tokio::spawn(async move {
            let stored = state.store.write(write, &actor).await?;
            state.apply(&stored).await;
            Ok(stored)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("the write was interrupted: {e}")))?
    }

    /// Applies one stored change to the snapshot (a newer version replaces,
    /// a deletion removes); older news is ignored.
    pub async fn apply(&self, stored: &Stored) {
        let _updating = self.updating.lock().await;
        let current = self.versioned();
        let change = (!stored.deleted).then(|| stored.resource.clone());
        let id = stored.resource.id.clone();
        let meta = Meta { version: stored.version, updated_at: stored.updated_at };
        let next = tokio::task::spawn_blocking(move || current.with_change(&id, change.as_ref(), meta)).await;
        match next {
            Ok(Some(next)) => retire(self.current.swap(Arc::new(next))),
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

/// Frees a replaced snapshot off the async workers: with a million
/// resources that takes a noticeable fraction of a second.
fn retire(old: Arc<Versioned>) {
    tokio::task::spawn_blocking(move || drop(old));
}

async fn build(store: &dyn Store) -> Result<Versioned, StoreError> {
    let started = Instant::now();
    let resources = store.resources_versioned().await?;
    let areas = store.areas().await?;
    let loaded = started.elapsed();
    let current = tokio::task::spawn_blocking(move || Versioned::new(resources, areas))
        .await
        .map_err(|e| StoreError::Unavailable(format!("indexing failed: {e}")))?;
    tracing::info!(
        resources = current.snapshot.len(),
        areas = current.snapshot.areas().len(),
        load_ms = loaded.as_millis() as u64,
        index_ms = (started.elapsed() - loaded).as_millis() as u64,
        "snapshot built"
    );
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resource(id: &str, name: &str) -> Resource {
        let props = json!({"id": id, "name": name, "category": "library", "country": "IT"});
        Resource::from_properties(props.as_object().expect("object"), None).expect("valid")
    }

    fn at(version: i64) -> Meta {
        Meta { version, updated_at: DateTime::from_timestamp(version * 60, 0).expect("valid") }
    }

    fn stored(r: Resource, version: i64) -> Stored {
        Stored { resource: r, version, deleted: false, updated_at: at(version).updated_at }
    }

    #[test]
    fn changes_keep_ids_sorted_and_versions_aligned() {
        let v =
            Versioned::new(vec![stored(resource("b", "B"), 3), stored(resource("d", "D"), 1)], Vec::new());
        let v = v.with_change("c", Some(&resource("c", "C")), at(1)).expect("insert");
        let v = v.with_change("a", Some(&resource("a", "A")), at(2)).expect("insert first");
        let v = v.with_change("b", Some(&resource("b", "B2")), at(4)).expect("replace");
        assert!(v.with_change("b", Some(&resource("b", "old")), at(4)).is_none(), "not newer");
        let v = v.with_change("d", None, at(2)).expect("remove");
        assert!(v.with_change("zz", None, at(9)).is_none());
        assert_eq!(v.meta(1), Some(at(4)), "b's last change moved with it");
        let ids: Vec<&str> = v.snapshot().resources().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(v.get("b").map(|(r, v)| (r.name.as_str(), v)), Some(("B2", 4)));
        assert_eq!(v.get("a").map(|(_, v)| v), Some(2));
        assert_eq!(v.get("c").map(|(_, v)| v), Some(1));
        assert!(v.get("d").is_none());
    }
}
