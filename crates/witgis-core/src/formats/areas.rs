//! Areas as a GeoJSON FeatureCollection of Polygon / MultiPolygon features.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Collector, ReadError};
use crate::model::Area;

/// Reads every area; all valid or a report of each bad feature and field.
pub fn read(text: &str) -> Result<Vec<Area>, ReadError> {
    let mut collector = Collector::new();
    for (i, (id, feature)) in super::features(text)?.into_iter().enumerate() {
        let props = feature.properties.unwrap_or_default();
        let result =
            Area::from_feature_parts(id.as_deref(), &props, feature.geometry.as_ref().map(|g| &g.value));
        collector.push(i + 1, id, result.map_err(|e| e.0));
    }
    collector.finish()
}

/// The columns of `data/rome-municipi-population.tsv`, in order.
const POPULATION_COLUMNS: &[&str] = &["area_id", "name", "population", "reference_date", "source"];

/// One line of `data/rome-municipi-population.tsv`.
#[derive(Deserialize)]
struct PopulationLine {
    area_id: String,
    _name: String,
    population: u64,
    _reference_date: String,
    _source: String,
}

/// Populations shipped for areas whose files often lack one: Rome's 15
/// municipi on 31 Dec 2010 (`data/rome-municipi-population.tsv`), by area id.
pub fn known_population(id: &str) -> Option<u64> {
    static SHIPPED: std::sync::OnceLock<Vec<(String, u64)>> = std::sync::OnceLock::new();
    let shipped = SHIPPED.get_or_init(|| {
        let text = include_str!("../../../../data/rome-municipi-population.tsv");
        // The shipped file is checked by a test; a broken one gives no populations.
        super::tsv::rows::<PopulationLine>(text, POPULATION_COLUMNS)
            .map(|rows| rows.into_iter().map(|(_, l)| (l.area_id, l.population)).collect())
            .unwrap_or_default()
    });
    shipped.iter().find(|(area, _)| area == id).map(|&(_, n)| n)
}

/// Gives each area without a population the shipped one, if any; returns
/// the ids filled. A population in the imported file is kept.
pub fn fill_known_populations(areas: &mut [Area]) -> Vec<String> {
    let mut filled = Vec::new();
    for a in areas.iter_mut().filter(|a| a.population.is_none()) {
        if let Some(n) = known_population(&a.id) {
            a.population = Some(n);
            filled.push(a.id.clone());
        }
    }
    filled
}

/// The GeoJSON Feature of an area.
pub fn feature(area: &Area) -> Value {
    let geometry = geojson::Geometry::from(&area.geometry);
    json!({
        "type": "Feature",
        "id": area.id,
        "geometry": geometry,
        "properties": {
            "id": area.id,
            "name": area.name,
            "kind": area.kind,
            "country": area.country,
            "population": area.population,
        },
    })
}

/// Properties only, for lists where the outline would be too heavy.
pub fn summary(area: &Area) -> Value {
    json!({ "id": area.id, "name": area.name, "kind": area.kind, "country": area.country, "population": area.population })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_keeps_the_area() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"x-one",
          "properties":{"name":"One","kind":"district","population":12},
          "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        let areas = read(text).unwrap();
        let again =
            read(&json!({"type":"FeatureCollection","features":[feature(&areas[0])]}).to_string()).unwrap();
        assert_eq!(areas, again);
    }

    #[test]
    fn the_shipped_municipi_populations_read() {
        let text = include_str!("../../../../data/rome-municipi-population.tsv");
        let rows = super::super::tsv::rows::<PopulationLine>(text, POPULATION_COLUMNS).expect("shipped file");
        assert_eq!(rows.len(), 15);
        assert_eq!(known_population("it-rm-municipio-01"), Some(201_496));
        assert!((1..=15).all(|n| known_population(&format!("it-rm-municipio-{n:02}")).is_some()));
        assert_eq!(known_population("area_id"), None, "the header is no row");
        let bad =
            super::super::tsv::rows::<PopulationLine>("x\tX\tmany\t2010-12-31\ts\n", POPULATION_COLUMNS);
        assert_eq!(bad.err().as_deref(), Some("line 1: population 'many' is not a whole number"));
    }
}
