//! Areas indexed for "which areas hold this point?": sorted by id, with an
//! R-tree of their bounding boxes and an exact point-in-polygon test.

use geo::{Area as _, Intersects};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::model::Area;

/// An immutable set of areas.
pub struct AreaIndex {
    /// Sorted by id.
    areas: Vec<Area>,
    /// Bounding boxes of the areas, in lon/lat.
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl AreaIndex {
    /// Indexes the areas (sorted by id).
    pub fn new(mut areas: Vec<Area>) -> AreaIndex {
        areas.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let tree = RTree::bulk_load(
            areas
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    let r = a.bounds()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i as u32,
                    ))
                })
                .collect(),
        );
        AreaIndex { areas, tree }
    }

    /// Every area, sorted by id.
    pub fn all(&self) -> &[Area] {
        &self.areas
    }

    /// The areas, sorted by id, giving the index up.
    pub fn into_areas(self) -> Vec<Area> {
        self.areas
    }

    /// The area with this id.
    pub fn get(&self, id: &str) -> Option<&Area> {
        let i = self.areas.binary_search_by(|a| a.id.as_str().cmp(id)).ok()?;
        self.areas.get(i)
    }

    /// The areas whose outline holds the point (edges included), smallest first.
    pub fn at(&self, lon: f64, lat: f64) -> Vec<&Area> {
        let point = geo::Point::new(lon, lat);
        let mut found: Vec<&Area> = self
            .tree
            .locate_all_at_point(&[lon, lat])
            .map(|e| &self.areas[e.data as usize])
            .filter(|a| a.geometry.intersects(&point))
            .collect();
        found.sort_by(|a, b| {
            a.geometry.unsigned_area().total_cmp(&b.geometry.unsigned_area()).then(a.id.cmp(&b.id))
        });
        found
    }
}
