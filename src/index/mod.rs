//! The snapshot: an in-memory view of every resource and of the territory
//! it serves, changed one resource at a time in place. It is two parts
//! kept in step: the [`ResourceIndex`] (records, trees, text search) and the
//! [`Territory`] (areas, who serves each, place search).

mod layered;
mod resources;
mod territory;

use std::sync::Arc;

pub use resources::{Marks, ResourceIndex, Spotted};
pub use territory::Territory;

use crate::area_index::AreaIndex;
use crate::formats::geojson::feature_head;
use crate::model::{Area, Category, Country, Resource, Topic};

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

impl Filter {
    /// Whether the filter lets every resource through.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }
}

/// Where a page of the whole directory in id order starts or ends.
#[derive(Debug, Clone, Copy)]
pub enum PageAt<'a> {
    /// From the first resource.
    Start,
    /// From the first resource whose id comes after this one.
    After(&'a str),
    /// Up to the last resource whose id comes before this one.
    Before(&'a str),
}

/// A page of the whole directory in id order, and whether resources come
/// before and after it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdPage {
    /// The page's slots, in id order.
    pub slots: Vec<u32>,
    /// Some resource's id comes before the page's first.
    pub more_before: bool,
    /// Some resource's id comes after the page's last.
    pub more_after: bool,
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
    /// The slot of the resource (see [`Snapshot::resource`]).
    pub index: u32,
    /// Geodesic distance from the query point, in metres.
    pub distance_m: f64,
    /// Its [`Marks`], carried in the tree so that a caller needs no record.
    pub marks: Marks,
}

/// A view of all resources and of the territory, as one consistent pair.
///
/// Readers never see a snapshot while it changes: the application state
/// keeps two copies and swaps them (see `state`). The queries below are the
/// resource index's and the territory's, reached through the snapshot so
/// that a caller holds one thing.
#[derive(Clone)]
pub struct Snapshot {
    index: ResourceIndex,
    territory: Territory,
}

impl Snapshot {
    /// Indexes the resources, with no areas.
    pub fn new(resources: Vec<Resource>) -> Snapshot {
        Snapshot::with_areas(resources, Vec::new())
    }

    /// Indexes resources (of duplicate ids, the first) and areas.
    pub fn with_areas(resources: Vec<Resource>, areas: Vec<Area>) -> Snapshot {
        let index = ResourceIndex::new(resources);
        let territory = Territory::new(areas, &index);
        Snapshot { index, territory }
    }

    /// The resource index.
    pub fn index(&self) -> &ResourceIndex {
        &self.index
    }

    /// The areas and places.
    pub fn territory(&self) -> &Territory {
        &self.territory
    }

    /// Adds or replaces (`Some`) or removes (`None`) the resource with this
    /// id, in place. Returns its slot, or `None` when nothing changed (a
    /// removal of an id that is not here).
    pub fn apply(&mut self, id: &str, change: Option<Arc<Resource>>) -> Option<u32> {
        let feature = change.as_deref().and_then(feature_head).map(Arc::from);
        self.apply_with_feature(id, change, feature)
    }

    /// [`Snapshot::apply`] with the record's Feature already serialised by
    /// [`crate::formats::geojson::feature_head`], so that the copies of a
    /// snapshot share one. `feature` must be that of `change`.
    pub fn apply_with_feature(
        &mut self,
        id: &str,
        change: Option<Arc<Resource>>,
        feature: Option<Arc<str>>,
    ) -> Option<u32> {
        let new = change.clone();
        let (slot, old) = self.index.apply(id, change, feature)?;
        self.territory.apply(slot, old.as_deref(), new.as_deref(), &self.index);
        Some(slot)
    }

    /// See [`Territory::places`].
    pub fn places(&self, quarters: &crate::places::Quarters) -> &crate::places::Gazetteer {
        self.territory.places(&self.index, quarters)
    }

    /// See [`Territory::areas`].
    pub fn areas(&self) -> &[Area] {
        self.territory.areas()
    }

    /// See [`Territory::area_index`].
    pub fn area_index(&self) -> &AreaIndex {
        self.territory.area_index()
    }

    /// See [`Territory::area`].
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.territory.area(id)
    }

    /// See [`Territory::areas_at`].
    pub fn areas_at(&self, lon: f64, lat: f64) -> Vec<&Area> {
        self.territory.areas_at(lon, lat)
    }

    /// See [`Territory::serving`].
    pub fn serving(&self, area_id: &str) -> &[u32] {
        self.territory.serving(area_id)
    }
}
