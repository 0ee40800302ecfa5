//! Areas as a GeoJSON FeatureCollection of Polygon / MultiPolygon features.

use geojson::{Feature, GeoJson};
use serde_json::{Value, json};

use super::{Collector, ReadError};
use crate::model::Area;

/// Reads every area; all valid or a report of each bad feature and field.
pub fn read(text: &str) -> Result<Vec<Area>, ReadError> {
    let parsed: GeoJson = text.parse().map_err(|e| ReadError::File(format!("not valid GeoJSON: {e}")))?;
    let features = match parsed {
        GeoJson::FeatureCollection(fc) => fc.features,
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(_) => {
            return Err(ReadError::File(
                "a bare geometry has no id or name; expected a FeatureCollection".into(),
            ));
        }
    };
    let mut collector = Collector::new();
    for (i, feature) in features.iter().enumerate() {
        let id = feature_id(feature);
        let props = feature.properties.clone().unwrap_or_default();
        let result =
            Area::from_feature_parts(id.as_deref(), &props, feature.geometry.as_ref().map(|g| &g.value));
        collector.push(i + 1, id, result.map_err(|e| e.0));
    }
    collector.finish()
}

fn feature_id(feature: &Feature) -> Option<String> {
    match &feature.id {
        Some(geojson::feature::Id::String(s)) => Some(s.clone()),
        Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
        None => feature.properties.as_ref()?.get("id")?.as_str().map(str::to_owned),
    }
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
