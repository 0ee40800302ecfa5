//! Populated places (GeoNames localities) with an R-tree for radius queries.

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::model::Country;
use crate::sphere::{self, UnitVec};

use super::{is_within, search_chord_2};

/// A populated place: a demand point and a candidate site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Locality {
    /// GeoNames id (or any unique number).
    pub id: u64,
    /// Local name.
    pub name: String,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Inhabitants.
    pub population: u64,
}

/// Localities with an R-tree of unit vectors for radius queries.
pub struct Localities {
    items: Vec<Locality>,
    tree: RTree<GeomWithData<UnitVec, u32>>,
}

impl Localities {
    /// Indexes localities (kept in the given order).
    pub fn new(items: Vec<Locality>) -> Localities {
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, l)| GeomWithData::new(sphere::unit_vector(l.lon, l.lat), i as u32))
            .collect();
        Localities { items, tree: RTree::bulk_load(entries) }
    }

    /// The GeoNames localities of `data/places.tsv` that have a population,
    /// but for sections of bigger places (feature code PPLX), whose people
    /// are counted in their city. The error names the line and the column.
    pub fn parse(text: &str) -> Result<Localities, String> {
        let mut items = Vec::new();
        for (at, row) in crate::places::places_rows(text)? {
            let Some(population) = row.population.filter(|&p| p > 0) else { continue };
            if row.feature_code == SECTION {
                continue;
            }
            items.push(Locality {
                id: row
                    .id
                    .parse()
                    .map_err(|_| format!("line {at}: geonameid '{}' is not a number", row.id))?,
                name: row.name,
                country: Some(row.country),
                lon: row.lon,
                lat: row.lat,
                population,
            });
        }
        Ok(Localities::new(items))
    }

    /// Every locality, in the order given.
    pub fn all(&self) -> &[Locality] {
        &self.items
    }

    /// The locality at a position.
    pub fn get(&self, index: u32) -> &Locality {
        &self.items[index as usize]
    }

    /// Positions and geodesic distances (metres) of the localities within
    /// `radius_m` of a point (edge included, see [`EDGE_TOLERANCE_M`]).
    pub fn within(&self, lon: f64, lat: f64, radius_m: f64) -> impl Iterator<Item = u32> + '_ {
        let origin = sphere::unit_vector(lon, lat);
        self.tree
            .locate_within_distance(origin, search_chord_2(radius_m))
            .filter(move |e| {
                let l = &self.items[e.data as usize];
                is_within([lon, lat], &origin, [l.lon, l.lat], e.geom(), radius_m)
            })
            .map(|e| e.data)
    }
}

/// GeoNames feature code of a section of a bigger populated place (a city
/// quarter such as Berlin-Neukölln), whose people its city already counts.
const SECTION: &str = "PPLX";
