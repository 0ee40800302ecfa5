//! Areas as a GeoJSON FeatureCollection of Polygon / MultiPolygon features.

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

/// Populations shipped for areas whose files often lack one: Rome's 15
/// municipi on 31 Dec 2010 (`data/rome-municipi-population.tsv`), by area id.
pub fn known_population(id: &str) -> Option<u64> {
    include_str!("../../../../data/rome-municipi-population.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            Some((cols.next()?, cols.nth(1)?))
        })
        .find(|(area, _)| *area == id)
        .and_then(|(_, n)| n.parse().ok())
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
}
