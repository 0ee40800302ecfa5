//! The territory beside the resources: the areas (municipi, ASLs,
//! regions…) with their index, which resources serve each area, and the
//! places that place search lists, kept in step with the resource index.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::ResourceIndex;
use crate::area_index::AreaIndex;
use crate::model::{Area, Resource};
use crate::places::{Gazetteer, Quarters};

/// The areas, the resources serving each, and the place-search gazetteer.
#[derive(Clone)]
pub struct Territory {
    areas: Arc<AreaIndex>,
    /// Area id → the slots of the resources that serve it, in id order.
    served_by: HashMap<String, Vec<u32>>,
    /// The areas' and addresses' names for place search, built on first use
    /// and again after a change to an address.
    places: OnceLock<Arc<Gazetteer>>,
}

impl Territory {
    /// Indexes the areas, and which of the indexed resources serve each.
    pub fn new(areas: Vec<Area>, index: &ResourceIndex) -> Territory {
        let mut served_by: HashMap<String, Vec<u32>> = HashMap::new();
        for slot in index.slots() {
            for area in &index.resource(slot).serves_areas {
                served_by.entry(area.clone()).or_default().push(slot);
            }
        }
        Territory { areas: Arc::new(AreaIndex::new(areas)), served_by, places: OnceLock::new() }
    }

    /// Follows a change in `slot` from `old` to `new`, once `index` holds it.
    pub fn apply(
        &mut self,
        slot: u32,
        old: Option<&Resource>,
        new: Option<&Resource>,
        index: &ResourceIndex,
    ) {
        if places_differ(old, new) {
            self.places = OnceLock::new();
        }
        for area in old.iter().flat_map(|r| &r.serves_areas) {
            if let Some(list) = self.served_by.get_mut(area) {
                list.retain(|&s| s != slot);
                if list.is_empty() {
                    self.served_by.remove(area);
                }
            }
        }
        let Some(new) = new else { return };
        for area in &new.serves_areas {
            let list = self.served_by.entry(area.clone()).or_default();
            let at = list.partition_point(|&s| index.record(s).is_some_and(|r| r.id < new.id));
            if list.get(at) != Some(&slot) {
                list.insert(at, slot);
            }
        }
    }

    /// The places this territory and the indexed resources add to place
    /// search (areas, Rome's `quarters` and municipi, addresses), indexed on
    /// first use.
    pub fn places(&self, index: &ResourceIndex, quarters: &Quarters) -> &Gazetteer {
        self.places.get_or_init(|| {
            Arc::new(crate::places::from_snapshot(self.areas.all(), index.resources(), quarters))
        })
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

    /// Slots of the resources that serve the area with this id, in id order.
    pub fn serving(&self, area_id: &str) -> &[u32] {
        self.served_by.get(area_id).map_or(&[], Vec::as_slice)
    }
}

/// Whether a change from `old` to `new` changes what place search lists
/// (the addresses of located resources).
fn places_differ(old: Option<&Resource>, new: Option<&Resource>) -> bool {
    let key = |r: Option<&Resource>| {
        r.filter(|r| r.address.is_some() && r.location.is_some())
            .map(|r| (r.address.clone(), r.city.clone(), r.point(), r.country))
    };
    key(old) != key(new)
}
