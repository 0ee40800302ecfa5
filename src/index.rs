//! The snapshot: an immutable in-memory view of every resource, indexed with
//! R-trees of unit vectors for exact nearest, radius and bounding-box queries.
//!
//! Nearest results are ranked by geodesic distance on the WGS84 ellipsoid. The
//! tree yields candidates in great-circle order; since the geodesic distance
//! lies between `MIN_RADIUS_M · θ` and `MAX_RADIUS_M · θ`, the walk stops as
//! soon as no further candidate can beat the k-th best geodesic distance.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::OnceLock;

use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use crate::area_index::AreaIndex;
use crate::model::text::fold;
use crate::model::{Area, Category, Country, Resource, Topic};
use crate::sphere::{self, UnitVec};

type Entry = GeomWithData<UnitVec, u32>;

/// Which resources a query may return. Empty lists match everything; each
/// list matches any of its values, and all lists must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Any of these categories.
    pub categories: Vec<Category>,
    /// Any of these countries.
    pub countries: Vec<Country>,
    /// Any of these topics.
    pub topics: Vec<Topic>,
    /// Text that must appear (accent- and case-insensitive) in the name,
    /// English name, city or address.
    pub text: Option<String>,
    /// Only records verified on or after this day (never-verified ones are left out).
    pub verified_since: Option<chrono::NaiveDate>,
}

/// A bounding box in degrees. `west > east` crosses the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// Minimum longitude.
    pub west: f64,
    /// Minimum latitude.
    pub south: f64,
    /// Maximum longitude.
    pub east: f64,
    /// Maximum latitude.
    pub north: f64,
}

impl BBox {
    /// Does the box hold this lon/lat point (edges included)?
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let lon_ok = if self.west <= self.east {
            self.west <= lon && lon <= self.east
        } else {
            lon >= self.west || lon <= self.east
        };
        lon_ok && self.south <= lat && lat <= self.north
    }
}

/// A nearest-search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Position of the resource in [`Snapshot::resources`].
    pub index: u32,
    /// Geodesic distance from the query point, in metres.
    pub distance_m: f64,
}

/// An immutable view of all resources with their spatial indexes.
pub struct Snapshot {
    /// Sorted by id, so that an id is found by binary search.
    resources: Vec<Resource>,
    /// Folded text of each resource for `q`, built on the first text query.
    search_text: OnceLock<Vec<String>>,
    all: RTree<Entry>,
    by_category: Vec<RTree<Entry>>,
    areas: AreaIndex,
    /// Area id → the resources that serve it.
    served_by: HashMap<String, Vec<u32>>,
    /// The areas' and addresses' names for place search, built on first use.
    places: OnceLock<crate::places::Gazetteer>,
}

impl Snapshot {
    /// Indexes the resources (sorted by id), with no areas.
    pub fn new(resources: Vec<Resource>) -> Snapshot {
        Snapshot::with_areas(resources, Vec::new())
    }

    /// Indexes resources and areas. Bulk-loads the trees on two threads.
    pub fn with_areas(mut resources: Vec<Resource>, areas: Vec<Area>) -> Snapshot {
        if !resources.is_sorted_by(|a, b| a.id < b.id) {
            resources.sort_unstable_by(|a, b| a.id.cmp(&b.id));
            resources.dedup_by(|a, b| a.id == b.id);
        }
        // Two cores: the big tree and the per-category trees are built side by side.
        let (all, by_category) = std::thread::scope(|s| {
            let entries: Vec<(Category, Entry)> = resources
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    let l = r.location?;
                    Some((r.category, GeomWithData::new(sphere::unit_vector(l.lon, l.lat), i as u32)))
                })
                .collect();
            let mut groups: Vec<Vec<Entry>> = vec![Vec::new(); Category::ALL.len()];
            for (c, e) in &entries {
                groups[c.index()].push(*e);
            }
            let by_category = s.spawn(move || groups.into_iter().map(RTree::bulk_load).collect::<Vec<_>>());
            let all = RTree::bulk_load(entries.iter().map(|(_, e)| *e).collect());
            (all, join(by_category))
        });
        let mut served_by: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in resources.iter().enumerate() {
            for area in &r.serves_areas {
                served_by.entry(area.clone()).or_default().push(i as u32);
            }
        }
        Snapshot {
            resources,
            search_text: OnceLock::new(),
            all,
            by_category,
            areas: AreaIndex::new(areas),
            served_by,
            places: OnceLock::new(),
        }
    }

    /// The places this snapshot adds to place search (areas and addresses).
    pub fn places(&self) -> &crate::places::Gazetteer {
        self.places.get_or_init(|| crate::places::from_snapshot(self.areas.all(), &self.resources))
    }

    /// Every area, sorted by id.
    pub fn areas(&self) -> &[Area] {
        self.areas.all()
    }

    /// The areas with their index.
    pub fn area_index(&self) -> &AreaIndex {
        &self.areas
    }

    /// The area with this id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.get(id)
    }

    /// The areas whose outline holds the point (edges included), smallest first.
    pub fn areas_at(&self, lon: f64, lat: f64) -> Vec<&Area> {
        self.areas.at(lon, lat)
    }

    /// Positions of the resources that serve the area with this id, in id order.
    pub fn serving(&self, area_id: &str) -> &[u32] {
        self.served_by.get(area_id).map_or(&[], Vec::as_slice)
    }

    /// Every resource, sorted by id.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resource at a position returned by a query.
    pub fn resource(&self, index: u32) -> &Resource {
        &self.resources[index as usize]
    }

    /// The resource with this id.
    pub fn get(&self, id: &str) -> Option<&Resource> {
        let i = self.resources.binary_search_by(|r| r.id.as_str().cmp(id)).ok()?;
        self.resources.get(i)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// True when there are no resources.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// How many resources each category has (every category, zeros included).
    pub fn category_counts(&self) -> Vec<(Category, usize)> {
        let mut counts = vec![0; Category::ALL.len()];
        for r in &self.resources {
            counts[r.category.index()] += 1;
        }
        Category::ALL.iter().copied().zip(counts).collect()
    }

    /// A test for "does the resource at this position pass the filter?", with
    /// the search text folded once.
    pub fn matcher<'a>(&'a self, filter: &'a Filter) -> impl Fn(u32) -> bool + 'a {
        let text = filter.text.as_deref().map(fold);
        let search_text: &[String] = match text {
            Some(_) => self.search_text.get_or_init(|| self.resources.iter().map(searchable).collect()),
            None => &[],
        };
        move |index| {
            let r = self.resource(index);
            (filter.categories.is_empty() || filter.categories.contains(&r.category))
                && (filter.countries.is_empty() || filter.countries.contains(&r.country))
                && (filter.topics.is_empty() || filter.topics.iter().any(|t| r.topics.contains(t)))
                && text.as_deref().is_none_or(|t| search_text[index as usize].contains(t))
                && filter.verified_since.is_none_or(|since| r.last_verified.is_some_and(|d| d >= since))
        }
    }

    /// The trees to search for a filter: one per wanted category, or all.
    fn trees(&self, filter: &Filter) -> Vec<&RTree<Entry>> {
        if filter.categories.is_empty() {
            vec![&self.all]
        } else {
            let mut categories = filter.categories.clone();
            categories.sort_unstable();
            categories.dedup();
            categories.iter().map(|c| &self.by_category[c.index()]).collect()
        }
    }

    /// The `k` resources nearest to `(lon, lat)` that pass the filter and lie
    /// within `max_m` metres, ordered by geodesic distance (ties by id).
    /// `k = usize::MAX` with a radius gives every resource in the circle.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize, max_m: Option<f64>, filter: &Filter) -> Vec<Hit> {
        self.nearest_where(lon, lat, k, max_m, filter, |_| Some(true))
    }

    /// [`Snapshot::nearest`] with one more test inside the walk: `keep` sees
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
        let matches = self.matcher(filter);
        let mut best: BinaryHeap<Ranked> = BinaryHeap::new();
        'trees: for tree in self.trees(filter) {
            for (entry, chord_2) in tree.nearest_neighbor_iter_with_distance_2(&target) {
                let lower = sphere::geodesic_lower_bound_m(chord_2);
                if lower > max_m {
                    break;
                }
                if best.len() == k && best.peek().is_some_and(|worst| lower > worst.distance_m) {
                    break;
                }
                let index = entry.data;
                if !matches(index) {
                    continue;
                }
                let Some(point) = self.resource(index).point() else { continue };
                let distance_m = sphere::geodesic_m(origin, point);
                if distance_m > max_m {
                    continue;
                }
                let candidate = Ranked { distance_m, index };
                if best.len() == k && best.peek().is_some_and(|worst| candidate >= *worst) {
                    continue;
                }
                match keep(index) {
                    Some(true) => {}
                    Some(false) => continue,
                    None => break 'trees,
                }
                if best.len() < k {
                    best.push(candidate);
                } else if best.peek().is_some_and(|worst| candidate < *worst) {
                    best.pop();
                    best.push(candidate);
                }
            }
        }
        best.into_sorted_vec().into_iter().map(|r| Hit { index: r.index, distance_m: r.distance_m }).collect()
    }

    /// Positions of the located resources inside the box that pass the
    /// filter, in id order.
    pub fn in_bbox(&self, bbox: BBox, filter: &Filter) -> Vec<u32> {
        let parts = if bbox.west <= bbox.east {
            vec![(bbox.west, bbox.east)]
        } else {
            vec![(bbox.west, 180.0), (-180.0, bbox.east)]
        };
        let matches = self.matcher(filter);
        let mut found = Vec::new();
        for tree in self.trees(filter) {
            for &(west, east) in &parts {
                let (lo, hi) = sphere::enclosing_box(west, bbox.south, east, bbox.north);
                for entry in tree.locate_in_envelope(&AABB::from_corners(lo, hi)) {
                    let index = entry.data;
                    let inside =
                        self.resource(index).point().is_some_and(|[lon, lat]| bbox.contains(lon, lat));
                    if inside && matches(index) {
                        found.push(index);
                    }
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Positions of all resources (with or without a point) that pass the
    /// filter, in id order.
    pub fn filtered(&self, filter: &Filter) -> Vec<u32> {
        let matches = self.matcher(filter);
        (0..self.resources.len() as u32).filter(|&i| matches(i)).collect()
    }
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

/// A candidate ordered by distance, then by position (= id order).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Ranked {
    distance_m: f64,
    index: u32,
}

impl Eq for Ranked {}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.distance_m.total_cmp(&other.distance_m).then(self.index.cmp(&other.index))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
