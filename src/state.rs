//! Application state: the store and the current snapshot, swapped atomically.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::coverage::Completeness;
use crate::index::Snapshot;
use crate::model::{Area, Resource};
use crate::reference::ReferenceData;
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
#[derive(Clone)]
pub struct Versioned {
    snapshot: Arc<Snapshot>,
    /// By slot of `snapshot`.
    meta: Vec<Meta>,
    /// The version at which each id removed since the load was removed, so
    /// that older news of it (a write that lost the race to a deletion)
    /// cannot bring it back.
    removed: HashMap<String, i64>,
}

/// One change to apply to a snapshot: a resource added or replaced
/// (`Some`), or removed (`None`), at a store version.
#[derive(Debug, Clone)]
pub struct Change {
    id: String,
    resource: Option<Arc<Resource>>,
    /// The resource's Feature, serialised once for both copies.
    feature: Option<Arc<str>>,
    meta: Meta,
}

impl Change {
    /// The change a stored record makes (a deletion removes it).
    pub fn of(stored: &Stored) -> Change {
        let resource = (!stored.deleted).then(|| Arc::new(stored.resource.clone()));
        Change {
            id: stored.resource.id.clone(),
            feature: resource.as_deref().and_then(crate::formats::geojson::feature_head).map(Arc::from),
            resource,
            meta: Meta { version: stored.version, updated_at: stored.updated_at },
        }
    }
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
        // Unique ids, so resource i sits in slot i.
        Versioned {
            snapshot: Arc::new(Snapshot::with_areas(resources, areas)),
            meta,
            removed: HashMap::new(),
        }
    }

    /// The snapshot.
    pub fn snapshot(&self) -> &Arc<Snapshot> {
        &self.snapshot
    }

    /// The resource with this id and its version.
    pub fn get(&self, id: &str) -> Option<(&Resource, i64)> {
        let slot = self.snapshot.index().slot(id)?;
        Some((self.snapshot.index().resource(slot), self.meta.get(slot as usize)?.version))
    }

    /// Version and last change of the resource in a snapshot slot.
    pub fn meta(&self, slot: u32) -> Option<Meta> {
        self.meta.get(slot as usize).copied()
    }

    /// Applies a change in place, unless this version is as new already;
    /// says whether anything changed. The snapshot is copied first if
    /// anyone else still holds it.
    pub fn apply(&mut self, change: &Change) -> bool {
        match self.snapshot.index().slot(&change.id) {
            Some(slot) if self.meta.get(slot as usize).is_some_and(|m| m.version >= change.meta.version) => {
                return false;
            }
            None if change.resource.is_none() => return false,
            None if self.removed.get(&change.id).is_some_and(|&v| v >= change.meta.version) => return false,
            _ => {}
        }
        match change.resource {
            Some(_) => self.removed.remove(&change.id),
            None => self.removed.insert(change.id.clone(), change.meta.version),
        };
        let snapshot = Arc::make_mut(&mut self.snapshot);
        let Some(slot) =
            snapshot.apply_with_feature(&change.id, change.resource.clone(), change.feature.clone())
        else {
            return false;
        };
        let slot = slot as usize;
        if self.meta.len() <= slot {
            self.meta.resize(slot + 1, change.meta);
        }
        self.meta[slot] = change.meta;
        true
    }

    /// Whether nobody else holds this version or its snapshot, so that it
    /// can change in place.
    fn is_unique(self: &mut Arc<Self>) -> bool {
        Arc::get_mut(self).is_some_and(|v| Arc::get_mut(&mut v.snapshot).is_some())
    }
}

/// The second copy of the snapshot that the next change is made in, with
/// the changes it still lacks.
#[derive(Default)]
struct Standby {
    copy: Option<Arc<Versioned>>,
    behind: Vec<Change>,
}

/// Most change notices applied in one swap.
const NOTICE_BATCH: usize = 1024;

/// How long a change waits for the readers of the standby copy to finish
/// before it copies the current snapshot instead.
const STANDBY_WAIT: Duration = Duration::from_millis(200);

/// What every request handler shares.
pub struct AppState {
    store: Arc<dyn Store>,
    current: ArcSwap<Versioned>,
    /// The copy the next change is made in. Its lock serialises snapshot
    /// updates (writes, notices, reloads) so that none is lost; readers
    /// never take it.
    standby: tokio::sync::Mutex<Standby>,
    /// The optional external geocoder for street addresses.
    geocoder: Option<crate::geocoder::Geocoder>,
    /// The territory place search prefers (default: Rome).
    home: crate::places::Home,
    /// What the directory claims to list completely.
    completeness: Arc<Completeness>,
    /// The shipped reference data, parsed once at start-up.
    reference: Arc<ReferenceData>,
    /// Where "now" comes from.
    clock: Clock,
    /// The help desk's time zone: the day a request is dated by default.
    desk_zone: chrono_tz::Tz,
    /// Rate limits per client address.
    limits: crate::throttle::Limits,
    /// The bounded pool expensive queries run in.
    work: crate::work::WorkPool,
    /// Who may read `/metrics`.
    metrics_access: crate::metrics::MetricsAccess,
    /// The stored GTFS feeds, prepared for transit queries.
    transit: ArcSwap<crate::transit::Networks>,
    /// The imported street map, with the import it came from.
    streets: ArcSwap<StreetMap>,
}

/// The street map in memory and the import it was built from.
#[derive(Default)]
pub struct StreetMap {
    /// What the store's last `import-places` wrote.
    pub import: Option<crate::store::PlaceImport>,
    /// Its index.
    pub streets: crate::streets::Streets,
}

/// The help desk's time zone unless configured otherwise.
pub const DEFAULT_DESK_ZONE: chrono_tz::Tz = chrono_tz::Europe::Rome;

impl AppState {
    /// Loads every resource from the store and indexes it, with the
    /// reference data loaded at start-up (its completeness declarations
    /// apply unless [`AppState::with_completeness`] says otherwise).
    pub async fn load(store: Arc<dyn Store>, reference: Arc<ReferenceData>) -> Result<AppState, StoreError> {
        let current = build(store.as_ref()).await?;
        crate::metrics::global().snapshot_swapped();
        let state = AppState::new(store, current, reference);
        state.reload_transit().await?;
        state.reload_streets().await?;
        Ok(state)
    }

    /// Reads the stored GTFS feeds and prepares them for queries when one
    /// was imported (or removed) since they were prepared (a cheap check
    /// otherwise).
    pub async fn reload_transit(&self) -> Result<(), StoreError> {
        let stamps = self.store.feed_stamps().await?;
        if stamps == self.transit.load().stamps {
            return Ok(());
        }
        let feeds = self.store.feeds().await?;
        let params = crate::transit::Params::default();
        let networks = tokio::task::spawn_blocking(move || crate::transit::Networks::new(feeds, params))
            .await
            .map_err(|e| StoreError::Unavailable(format!("preparing transit feeds: {e}")))?;
        tracing::info!(feeds = networks.feeds.len(), "transit feeds prepared");
        self.transit.store(std::sync::Arc::new(networks));
        Ok(())
    }

    /// The prepared transit feeds.
    pub fn transit(&self) -> std::sync::Arc<crate::transit::Networks> {
        self.transit.load_full()
    }

    /// A state over a ready snapshot (tests and benchmarks); every resource
    /// is taken to be at version 1, changed now.
    pub fn with_snapshot(
        store: Arc<dyn Store>,
        snapshot: Snapshot,
        reference: Arc<ReferenceData>,
    ) -> AppState {
        let meta = vec![Meta { version: 1, updated_at: Utc::now() }; snapshot.index().len()];
        let current = Versioned { snapshot: Arc::new(snapshot), meta, removed: HashMap::new() };
        AppState::new(store, current, reference)
    }

    /// A state over a ready versioned snapshot (tests and benchmarks).
    pub fn with_versioned(
        store: Arc<dyn Store>,
        current: Versioned,
        reference: Arc<ReferenceData>,
    ) -> AppState {
        AppState::new(store, current, reference)
    }

    fn new(store: Arc<dyn Store>, current: Versioned, reference: Arc<ReferenceData>) -> AppState {
        AppState {
            completeness: Arc::new(reference.completeness.clone()),
            reference,
            store,
            current: ArcSwap::from_pointee(current),
            standby: tokio::sync::Mutex::new(Standby::default()),
            geocoder: None,
            home: crate::places::Home::default(),
            clock: Clock::system(),
            desk_zone: DEFAULT_DESK_ZONE,
            limits: crate::throttle::Limits::default(),
            work: crate::work::WorkPool::default(),
            metrics_access: crate::metrics::MetricsAccess::default(),
            transit: ArcSwap::from_pointee(crate::transit::Networks::default()),
            streets: ArcSwap::from_pointee(StreetMap::default()),
        }
    }

    /// The street map place search uses.
    pub fn streets(&self) -> Arc<StreetMap> {
        self.streets.load_full()
    }

    /// Rebuilds the street map from the store when another import was made
    /// since it was built (a cheap check otherwise).
    pub async fn reload_streets(&self) -> Result<(), StoreError> {
        let import = self.store.places_import().await?;
        if import == self.streets.load().import {
            return Ok(());
        }
        let rows = self.store.places().await?;
        let streets = tokio::task::spawn_blocking(move || crate::streets::Streets::new(rows))
            .await
            .map_err(|e| StoreError::Unavailable(format!("indexing the street map: {e}")))?;
        tracing::info!(places = streets.len(), "street map loaded");
        self.streets.store(Arc::new(StreetMap { import, streets }));
        Ok(())
    }

    /// Who may read `/metrics` (default: loopback clients only).
    pub fn with_metrics_access(mut self, access: crate::metrics::MetricsAccess) -> AppState {
        self.metrics_access = access;
        self
    }

    /// Who may read `/metrics`.
    pub fn metrics_access(&self) -> crate::metrics::MetricsAccess {
        self.metrics_access
    }

    /// The shipped reference data.
    pub fn reference(&self) -> &Arc<ReferenceData> {
        &self.reference
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
        let mut standby = self.standby.lock().await;
        let next = build(self.store.as_ref()).await?;
        *standby = Standby::default();
        retire(self.current.swap(Arc::new(next)));
        crate::metrics::global().snapshot_swapped();
        drop(standby);
        self.reload_streets().await?;
        self.reload_transit().await
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
        self.apply_all(vec![Change::of(stored)]).await;
    }

    /// Applies changes to the snapshot in place and swaps the result in at
    /// once, in O(log n) each: the change is made in the standby copy (after
    /// the changes it lacks), which becomes current; the copy it replaces
    /// becomes the standby, lacking these changes.
    pub async fn apply_all(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        let mut standby = self.standby.lock().await;
        let mut copy = match standby.copy.take() {
            Some(mut copy) => {
                let waiting = Instant::now();
                while !copy.is_unique() && waiting.elapsed() < STANDBY_WAIT {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                copy
            }
            // Right after a load: the first change copies the current one.
            None => self.current.load_full(),
        };
        let behind = std::mem::take(&mut standby.behind);
        let pending = changes.clone();
        let updated = tokio::task::spawn_blocking(move || {
            // Copies whatever a reader still holds (rare: a reader slower
            // than STANDBY_WAIT), else changes in place.
            let v = Arc::make_mut(&mut copy);
            for change in behind.iter().chain(&pending) {
                v.apply(change);
            }
            copy
        })
        .await;
        match updated {
            Ok(next) => {
                standby.copy = Some(self.current.swap(next));
                standby.behind = changes;
                crate::metrics::global().snapshot_swapped();
            }
            Err(e) => {
                // The copy is lost with the task, and the changes with it:
                // build the snapshot again from the store.
                tracing::error!(error = %e, "applying a change to the snapshot failed; reloading");
                drop(standby);
                self.reload_until_done().await;
            }
        }
    }

    /// Follows changes made through other instances until the process ends:
    /// a changed id is fetched and applied; after a lost connection (or a
    /// bulk import) everything is reloaded.
    pub async fn follow(self: Arc<Self>, mut feed: Box<dyn ChangeFeed>) {
        let mut down = false;
        loop {
            match feed.next().await {
                Ok(Notice::Changed(id)) => {
                    // A burst of notices is applied in one swap.
                    let mut ids = vec![id];
                    let mut resync = false;
                    while ids.len() < NOTICE_BATCH {
                        match feed.buffered() {
                            Some(Notice::Changed(id)) => ids.push(id),
                            Some(Notice::Resync) => resync = true,
                            None => break,
                        }
                    }
                    if resync {
                        self.reload_until_done().await;
                    } else {
                        self.fetch_and_apply(ids).await;
                    }
                }
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

    /// Fetches the changed ids from the store and applies them at once; if
    /// one cannot be fetched, reloads everything instead.
    async fn fetch_and_apply(&self, mut ids: Vec<String>) {
        ids.sort_unstable();
        ids.dedup();
        let mut changes = Vec::with_capacity(ids.len());
        for id in &ids {
            match self.store.get(id).await {
                Ok(Some(stored)) => changes.push(Change::of(&stored)),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "could not fetch a changed resource; reloading");
                    self.reload_until_done().await;
                    return;
                }
            }
        }
        self.apply_all(changes).await;
    }

    async fn reload_until_done(&self) {
        while let Err(e) = self.reload().await {
            crate::metrics::global().store_error(matches!(e, StoreError::Unavailable(_)));
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
        resources = current.snapshot.index().len(),
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

    fn change(id: &str, r: Option<Resource>, version: i64) -> Change {
        let resource = r.map(Arc::new);
        let feature = resource.as_deref().and_then(crate::formats::geojson::feature_head).map(Arc::from);
        Change { id: id.to_owned(), resource, feature, meta: at(version) }
    }

    #[test]
    fn changes_keep_ids_sorted_and_versions_aligned() {
        let mut v =
            Versioned::new(vec![stored(resource("b", "B"), 3), stored(resource("d", "D"), 1)], Vec::new());
        assert!(v.apply(&change("c", Some(resource("c", "C")), 1)), "insert");
        assert!(v.apply(&change("a", Some(resource("a", "A")), 2)), "insert first");
        assert!(v.apply(&change("b", Some(resource("b", "B2")), 4)), "replace");
        assert!(!v.apply(&change("b", Some(resource("b", "old")), 4)), "not newer");
        assert!(v.apply(&change("d", None, 2)), "remove");
        assert!(!v.apply(&change("zz", None, 9)));
        let b = v.snapshot().index().slot("b").expect("b");
        assert_eq!(v.meta(b), Some(at(4)), "b's last change stayed with it");
        let ids: Vec<&str> = v.snapshot().index().resources().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(v.get("b").map(|(r, v)| (r.name.as_str(), v)), Some(("B2", 4)));
        assert_eq!(v.get("a").map(|(_, v)| v), Some(2));
        assert_eq!(v.get("c").map(|(_, v)| v), Some(1));
        assert!(v.get("d").is_none());
    }

    #[test]
    fn a_change_never_touches_a_copy_someone_reads() {
        let mut v = Versioned::new(vec![stored(resource("a", "A"), 1)], Vec::new());
        let reader = Arc::clone(v.snapshot());
        assert!(v.apply(&change("a", Some(resource("a", "A2")), 2)));
        assert_eq!(
            reader.index().get("a").map(|r| r.name.as_str()),
            Some("A"),
            "the reader's copy is unchanged"
        );
        assert_eq!(v.get("a").map(|(r, _)| r.name.as_str()), Some("A2"));
    }
}
