//! The resource index: every record in a stable slot, its Feature
//! serialised once, the id map, the folded search text, and R-trees of unit
//! vectors (one over all, one per category) for exact nearest, radius and
//! bounding-box queries; changed one record at a time in place (the trees
//! as [`Layered`] ones, never changing a bulk-loaded tree).
//!
//! Nearest results are ranked by geodesic distance on the WGS84 ellipsoid. The
//! tree yields candidates in great-circle order; since the geodesic distance
//! grows with the great-circle angle θ at no less than the ellipsoid's
//! smallest radius of curvature near the query point (see
//! [`sphere::beyond_chord_2`]), the walk stops as soon as no further
//! candidate can beat the k-th best geodesic distance.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::{Arc, OnceLock};

use rstar::AABB;
use rstar::primitives::GeomWithData;

use super::layered::{Layered, Part, Slotted};
use super::{BBox, Filter, Hit, IdPage, PageAt};
use crate::formats::geojson::feature_head;
use crate::model::text::fold;
use crate::model::{Category, CoordPrecision, Resource};
use crate::sphere::{self, UnitVec};

/// A tree entry: a resource's unit vector and what the walks need of it.
type Entry = GeomWithData<UnitVec, Located>;

impl Slotted for Entry {
    fn slot(&self) -> u32 {
        self.data.slot
    }
}

/// What a tree entry carries besides its unit vector: the slot, the point
/// in degrees that geodesic distances are measured from, and whether that
/// point is approximate, so that neither the nearest walk nor a tile reads a
/// record unless a filter asks for one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Located {
    pub(super) slot: u32,
    point: [f64; 2],
    approx: bool,
    marks: Marks,
}

/// A located resource as a box query finds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spotted {
    /// Its slot.
    pub slot: u32,
    /// Its point's longitude in degrees.
    pub lon: f64,
    /// Its point's latitude in degrees.
    pub lat: f64,
    /// Whether the point is only a district's or city's.
    pub approx: bool,
}

/// What a request-time annotation of a record depends on, kept by slot so
/// that an answer reads no record that needs none: a few bytes per record,
/// close together, instead of a cache miss into each record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// It has a place (a point).
    pub located: bool,
    /// It has opening hours.
    pub hours: bool,
    /// Its point is known only to a district (`coord_precision: district`),
    /// so the answer may name the locality it is the centre of.
    pub district: bool,
    /// It has a status other than open, or alerts: whether it is offered
    /// depends on the day.
    pub news: bool,
}

impl Marks {
    /// The marks of a record.
    pub fn of(r: &Resource) -> Marks {
        Marks {
            located: r.location.is_some(),
            hours: r.opening_hours.is_some(),
            district: r.location.is_some_and(|l| l.precision == CoordPrecision::District),
            news: r.has_status_news(),
        }
    }
}

/// Every resource in its slot, with its spatial and text indexes.
///
/// Each resource sits in a stable *slot* (the `u32` that queries return);
/// [`ResourceIndex::apply`] adds, replaces or removes one resource in place,
/// in O(log n) amortised (a tree is now and then rebuilt: see [`Layered`]).
pub struct ResourceIndex {
    /// By slot; `None` for a freed slot.
    records: Vec<Option<Arc<Resource>>>,
    /// By slot: the record's GeoJSON Feature, serialised once when it
    /// enters or changes (see [`crate::formats::geojson::feature_head`]),
    /// shared between copies.
    features: Vec<Option<Arc<str>>>,
    /// By slot: the record's [`Marks`] (default for a freed slot).
    marks: Vec<Marks>,
    /// Freed slots, reused by the next insertion.
    free: Vec<u32>,
    /// Id → slot, in id order.
    by_id: BTreeMap<String, u32>,
    /// Folded text of each slot for `q`, built on the first text query.
    search_text: OnceLock<Vec<String>>,
    all: Layered<Entry>,
    by_category: Vec<Layered<Entry>>,
}

impl Clone for ResourceIndex {
    /// A deep copy of the trees and maps; the records and features
    /// themselves are shared, and the search text is rebuilt when next needed.
    fn clone(&self) -> ResourceIndex {
        ResourceIndex {
            records: self.records.clone(),
            features: self.features.clone(),
            marks: self.marks.clone(),
            free: self.free.clone(),
            by_id: self.by_id.clone(),
            search_text: OnceLock::new(),
            all: self.all.clone(),
            by_category: self.by_category.clone(),
        }
    }
}

impl ResourceIndex {
    /// Indexes the resources (of duplicate ids, the first). Bulk-loads the
    /// trees and serialises the features on two threads.
    pub fn new(resources: Vec<Resource>) -> ResourceIndex {
        let mut by_id = BTreeMap::new();
        let mut records = Vec::with_capacity(resources.len());
        for r in resources {
            if let std::collections::btree_map::Entry::Vacant(v) = by_id.entry(r.id.clone()) {
                v.insert(records.len() as u32);
                records.push(Some(Arc::new(r)));
            }
        }
        // Two cores: the big tree and the per-category trees are built side
        // by side, then the features are serialised in two halves.
        let (all, by_category) = std::thread::scope(|s| {
            let entries: Vec<(Category, Entry)> = records
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let r = r.as_ref()?;
                    Some((r.category, entry(r, i as u32)?))
                })
                .collect();
            let mut groups: Vec<Vec<Entry>> = vec![Vec::new(); Category::ALL.len()];
            for (c, e) in &entries {
                groups[c.index()].push(*e);
            }
            let by_category = s.spawn(move || groups.into_iter().map(Layered::bulk_load).collect::<Vec<_>>());
            let all = Layered::bulk_load(entries.iter().map(|(_, e)| *e).collect());
            (all, join(by_category))
        });
        let features = std::thread::scope(|s| {
            let (first, second) = records.split_at(records.len() / 2);
            let heads = |part: &[Option<Arc<Resource>>]| -> Vec<Option<Arc<str>>> {
                part.iter().map(|r| r.as_deref().and_then(feature_head).map(Arc::from)).collect()
            };
            let second = s.spawn(move || heads(second));
            let mut features = heads(first);
            features.extend(join(second));
            features
        });
        let marks = records.iter().map(|r| r.as_deref().map(Marks::of).unwrap_or_default()).collect();
        ResourceIndex {
            records,
            features,
            marks,
            free: Vec::new(),
            by_id,
            search_text: OnceLock::new(),
            all,
            by_category,
        }
    }

    /// Adds or replaces (`Some`) or removes (`None`) the resource with this
    /// id, in place, with its Feature serialised by
    /// [`crate::formats::geojson::feature_head`] (`feature` must be that of
    /// `change`). Returns its slot and the record it held before, or `None`
    /// when nothing changed (a removal of an id that is not here).
    pub fn apply(
        &mut self,
        id: &str,
        change: Option<Arc<Resource>>,
        feature: Option<Arc<str>>,
    ) -> Option<(u32, Option<Arc<Resource>>)> {
        let slot = self.by_id.get(id).copied();
        let old = slot.and_then(|s| self.records[s as usize].clone());
        if old.is_none() && change.is_none() {
            return None;
        }
        let slot = match slot {
            Some(s) => s,
            None => {
                let s = self.free.pop().unwrap_or(self.records.len() as u32);
                if s as usize == self.records.len() {
                    self.records.push(None);
                    self.features.push(None);
                    self.marks.push(Marks::default());
                }
                s
            }
        };
        if let Some(old) = &old {
            if let Some(e) = entry(old, slot) {
                self.all.remove(&e);
                self.by_category[old.category.index()].remove(&e);
            }
        }
        match change {
            Some(new) => {
                if let Some(e) = entry(&new, slot) {
                    self.all.insert(e);
                    self.by_category[new.category.index()].insert(e);
                }
                if let Some(text) = self.search_text.get_mut() {
                    if text.len() <= slot as usize {
                        text.resize(slot as usize + 1, String::new());
                    }
                    text[slot as usize] = searchable(&new);
                }
                self.by_id.entry(new.id.clone()).or_insert(slot);
                self.features[slot as usize] = feature;
                self.marks[slot as usize] = Marks::of(&new);
                self.records[slot as usize] = Some(new);
            }
            None => {
                self.by_id.remove(id);
                self.records[slot as usize] = None;
                self.features[slot as usize] = None;
                self.marks[slot as usize] = Marks::default();
                self.free.push(slot);
                if let Some(text) = self.search_text.get_mut() {
                    if let Some(t) = text.get_mut(slot as usize) {
                        t.clear();
                    }
                }
            }
        }
        Some((slot, old))
    }

    /// Every resource, in id order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> + '_ {
        self.slots().map(|s| self.resource(s))
    }

    /// Every slot in use, in id order of its resource.
    pub fn slots(&self) -> impl Iterator<Item = u32> + '_ {
        self.by_id.values().copied()
    }

    /// Up to `limit` resources of the whole directory in id order, from
    /// `at`: O(log n + limit) in the id map, without walking the rest.
    pub fn page_by_id(&self, at: PageAt<'_>, limit: usize) -> IdPage {
        use std::ops::Bound::{Excluded, Unbounded};
        let (slots, more_before, more_after) = match at {
            PageAt::Start | PageAt::After(_) => {
                let lower = match at {
                    PageAt::After(id) => Excluded(id),
                    _ => Unbounded,
                };
                let mut walk = self.by_id.range::<str, _>((lower, Unbounded));
                let slots: Vec<u32> = walk.by_ref().take(limit).map(|(_, &s)| s).collect();
                let more_before = match at {
                    PageAt::After(id) => self
                        .by_id
                        .range::<str, _>((Unbounded, std::ops::Bound::Included(id)))
                        .next()
                        .is_some(),
                    _ => false,
                };
                (slots, more_before, walk.next().is_some())
            }
            PageAt::Before(id) => {
                let mut walk = self.by_id.range::<str, _>((Unbounded, Excluded(id))).rev();
                let mut slots: Vec<u32> = walk.by_ref().take(limit).map(|(_, &s)| s).collect();
                slots.reverse();
                let more_after =
                    self.by_id.range::<str, _>((std::ops::Bound::Included(id), Unbounded)).next().is_some();
                (slots, walk.next().is_some(), more_after)
            }
        };
        IdPage { slots, more_before, more_after }
    }

    /// The resource in a slot returned by a query.
    ///
    /// # Panics
    /// On a slot that this snapshot did not return (a freed or unknown one).
    pub fn resource(&self, slot: u32) -> &Resource {
        match self.records.get(slot as usize) {
            Some(Some(r)) => r,
            _ => panic!("slot {slot} holds no resource in this snapshot"),
        }
    }

    /// The shared record in a slot (see [`ResourceIndex::resource`]).
    pub fn record(&self, slot: u32) -> Option<&Arc<Resource>> {
        self.records.get(slot as usize)?.as_ref()
    }

    /// The start of the GeoJSON Feature of the resource in a slot, serialised
    /// when it entered the snapshot: see
    /// [`crate::formats::geojson::feature_head`].
    pub fn feature_head(&self, slot: u32) -> Option<&str> {
        self.features.get(slot as usize)?.as_deref()
    }

    /// The [`Marks`] of the resource in a slot (default for a freed one).
    pub fn marks(&self, slot: u32) -> Marks {
        self.marks.get(slot as usize).copied().unwrap_or_default()
    }

    /// The slot of the resource with this id.
    pub fn slot(&self, id: &str) -> Option<u32> {
        self.by_id.get(id).copied()
    }

    /// The resource with this id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        self.slot(id).map(|s| self.resource(s))
    }

    /// Sorts slots by the id of their resource.
    pub fn sort_by_id(&self, slots: &mut [u32]) {
        slots.sort_unstable_by(|&a, &b| self.resource(a).id.cmp(&self.resource(b).id));
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when there are no resources.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// How many resources each category has (every category, zeros included).
    pub fn category_counts(&self) -> Vec<(Category, usize)> {
        let mut counts = vec![0; Category::ALL.len()];
        for r in self.resources() {
            counts[r.category.index()] += 1;
        }
        Category::ALL.iter().copied().zip(counts).collect()
    }

    /// A test for "does the resource in this slot pass the filter?", with
    /// the search text folded once.
    pub fn matcher<'a>(&'a self, filter: &'a Filter) -> impl Fn(u32) -> bool + 'a {
        let text = filter.text.as_deref().map(fold);
        let search_text: &[String] = match text {
            Some(_) => self.search_text.get_or_init(|| {
                self.records.iter().map(|r| r.as_deref().map(searchable).unwrap_or_default()).collect()
            }),
            None => &[],
        };
        move |slot| {
            let r = self.resource(slot);
            (filter.categories.is_empty() || filter.categories.contains(&r.category))
                && (filter.countries.is_empty() || filter.countries.contains(&r.country))
                && (filter.topics.is_empty() || filter.topics.iter().any(|t| r.topics.contains(t)))
                && text.as_deref().is_none_or(|t| search_text[slot as usize].contains(t))
                && filter.verified_since.is_none_or(|since| r.last_verified.is_some_and(|d| d >= since))
        }
    }

    /// The trees to search for a filter: the parts of the one per wanted
    /// category, or of the one over all.
    fn trees(&self, filter: &Filter) -> Vec<Part<'_, Entry>> {
        if filter.categories.is_empty() {
            self.all.parts().collect()
        } else {
            let mut categories = filter.categories.clone();
            categories.sort_unstable();
            categories.dedup();
            categories.iter().flat_map(|c| self.by_category[c.index()].parts()).collect()
        }
    }

    /// The `k` resources nearest to `(lon, lat)` that pass the filter and lie
    /// within `max_m` metres, ordered by geodesic distance (ties by id).
    /// `k = usize::MAX` with a radius gives every resource in the circle.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize, max_m: Option<f64>, filter: &Filter) -> Vec<Hit> {
        self.nearest_where(lon, lat, k, max_m, filter, |_| Some(true))
    }

    /// [`ResourceIndex::nearest`] with one more test inside the walk: `keep` sees
    /// each resource that passes the filter, nearest first, and answers
    /// whether it counts (`Some(true)`), not (`Some(false)`), or that the
    /// walk stops here (`None`: the hits found so far are returned).
    pub fn nearest_where(
        &self,
        lon: f64,
        lat: f64,
        k: usize,
        max_m: Option<f64>,
        filter: &Filter,
        mut keep: impl FnMut(u32) -> Option<bool>,
    ) -> Vec<Hit> {
        if k == 0 {
            return Vec::new();
        }
        let origin = [lon, lat];
        let target = sphere::unit_vector(lon, lat);
        let max_m = max_m.unwrap_or(f64::INFINITY);
        let everything = filter.is_empty();
        let matches = self.matcher(filter);
        let records = self.records.as_slice();
        let mut best: BinaryHeap<Ranked<'_>> = BinaryHeap::new();
        // Squared chords past which no candidate can count: beyond the
        // radius, and (once k are found) beyond the k-th best distance.
        let beyond_radius = sphere::beyond_chord_2(lat, max_m);
        'trees: for tree in self.trees(filter) {
            let mut beyond = beyond_radius;
            if best.len() == k {
                if let Some(worst) = best.peek() {
                    beyond = beyond.min(sphere::beyond_chord_2(lat, worst.distance_m));
                }
            }
            for (entry, chord_2) in tree.tree.nearest_neighbor_iter_with_distance_2(&target) {
                if chord_2 > beyond {
                    break;
                }
                let Located { slot, point, marks, .. } = entry.data;
                if tree.is_dead(slot) || (!everything && !matches(slot)) {
                    continue;
                }
                let distance_m = sphere::geodesic_m(origin, point);
                if distance_m > max_m {
                    continue;
                }
                let candidate = Ranked { distance_m, slot, marks, records };
                if best.len() == k && best.peek().is_some_and(|worst| candidate >= *worst) {
                    continue;
                }
                match keep(slot) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => break 'trees,
                }
                if best.len() < k {
                    best.push(candidate);
                } else if best.peek().is_some_and(|worst| candidate < *worst) {
                    best.pop();
                    best.push(candidate);
                } else {
                    continue;
                }
                if best.len() == k {
                    if let Some(worst) = best.peek() {
                        beyond = beyond_radius.min(sphere::beyond_chord_2(lat, worst.distance_m));
                    }
                }
            }
        }
        best.into_sorted_vec()
            .into_iter()
            .map(|r| Hit { index: r.slot, distance_m: r.distance_m, marks: r.marks })
            .collect()
    }

    /// Slots of the located resources inside the box that pass the filter,
    /// in id order.
    pub fn in_bbox(&self, bbox: BBox, filter: &Filter) -> Vec<u32> {
        let mut found = self.unordered_in_bbox(bbox, filter);
        self.sort_by_id(&mut found);
        found
    }

    /// The `limit` slots from `offset` of [`ResourceIndex::in_bbox`]'s answer, and
    /// the length of that answer, without sorting all of it.
    pub fn in_bbox_page(
        &self,
        bbox: BBox,
        filter: &Filter,
        offset: usize,
        limit: usize,
    ) -> (Vec<u32>, usize) {
        let mut found = self.unordered_in_bbox(bbox, filter);
        let matched = found.len();
        let end = offset.saturating_add(limit).min(matched);
        if offset >= end {
            return (Vec::new(), matched);
        }
        let by_id = |a: &u32, b: &u32| self.resource(*a).id.cmp(&self.resource(*b).id);
        if end < matched {
            found.select_nth_unstable_by(end, by_id);
            found.truncate(end);
        }
        found.sort_unstable_by(by_id);
        (found.split_off(offset), matched)
    }

    /// Calls `visit` once with each slot that [`ResourceIndex::in_bbox`] answers,
    /// in no particular order.
    pub fn visit_in_bbox(&self, bbox: BBox, filter: &Filter, mut visit: impl FnMut(u32)) {
        self.visit_spotted_in_bbox(bbox, filter, |s| visit(s.slot));
    }

    /// [`ResourceIndex::visit_in_bbox`] with each resource's point as the tree
    /// holds it: reads no record when the filter is at most categories.
    pub fn visit_spotted_in_bbox(&self, bbox: BBox, filter: &Filter, mut visit: impl FnMut(Spotted)) {
        let parts = if bbox.west <= bbox.east {
            vec![(bbox.west, bbox.east)]
        } else {
            vec![(bbox.west, 180.0), (-180.0, bbox.east)]
        };
        let matches = self.matcher(filter);
        // The trees already keep to the filter's categories.
        let by_trees_alone = Filter { categories: Vec::new(), ..filter.clone() }.is_empty();
        for tree in self.trees(filter) {
            for &(west, east) in &parts {
                let (lo, hi) = sphere::enclosing_box(west, bbox.south, east, bbox.north);
                for entry in tree.tree.locate_in_envelope(&AABB::from_corners(lo, hi)) {
                    let Located { slot, point: [lon, lat], approx, .. } = entry.data;
                    if tree.is_dead(slot) {
                        continue;
                    }
                    // Each point in its own part only: one on the antimeridian
                    // (±180°) lies in both parts' envelopes.
                    let part = BBox { west, east, ..bbox };
                    if part.contains(lon, lat) && (by_trees_alone || matches(slot)) {
                        visit(Spotted { slot, lon, lat, approx });
                    }
                }
            }
        }
    }

    /// [`ResourceIndex::in_bbox`]'s slots in no particular order.
    fn unordered_in_bbox(&self, bbox: BBox, filter: &Filter) -> Vec<u32> {
        let mut found = Vec::new();
        self.visit_in_bbox(bbox, filter, |slot| found.push(slot));
        found
    }

    /// Slots of all resources (with or without a point) that pass the
    /// filter, in id order.
    pub fn filtered(&self, filter: &Filter) -> Vec<u32> {
        let matches = self.matcher(filter);
        self.slots().filter(|&s| matches(s)).collect()
    }
}

/// The tree entry of a located resource in a slot.
fn entry(r: &Resource, slot: u32) -> Option<Entry> {
    let l = r.location?;
    let approx = matches!(l.precision, CoordPrecision::District | CoordPrecision::City);
    Some(GeomWithData::new(
        sphere::unit_vector(l.lon, l.lat),
        Located { slot, point: [l.lon, l.lat], approx, marks: Marks::of(r) },
    ))
}

/// Waits for a scoped thread, passing its panic on.
fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Folded text that `q` searches in.
fn searchable(r: &Resource) -> String {
    let parts = [Some(&r.name), r.name_en.as_ref(), r.city.as_ref(), r.address.as_ref(), Some(&r.id)];
    fold(&parts.into_iter().flatten().map(String::as_str).collect::<Vec<_>>().join(" \u{1f} "))
}

/// A candidate ordered by distance, then by id (read from the records only
/// when two distances are equal).
#[derive(Debug, Clone, Copy)]
struct Ranked<'a> {
    distance_m: f64,
    slot: u32,
    marks: Marks,
    records: &'a [Option<Arc<Resource>>],
}

impl Ranked<'_> {
    fn id(&self) -> &str {
        self.records.get(self.slot as usize).and_then(Option::as_deref).map_or("", |r| r.id.as_str())
    }
}

impl PartialEq for Ranked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked<'_> {}

impl Ord for Ranked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance_m.total_cmp(&other.distance_m).then_with(|| self.id().cmp(other.id()))
    }
}

impl PartialOrd for Ranked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
