//! Areas: territories (municipio, ASL, region, country…) that a service can be
//! competent for. A centre that serves an area is competent for every point
//! inside it.

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Polygon, Rect};
use serde_json::{Map, Value};

use super::checks::{FieldError, ValidationErrors};
use super::country::Country;
use super::text::is_slug;

super::vocab::vocabulary! {
    /// What kind of territory an area is.
    AreaKind, "kind" {
        Municipio = "municipio",
        Asl = "asl",
        Comune = "comune",
        District = "district",
        Region = "region",
        Country = "country",
        Other = "other",
    }
}

/// A territory with its outline. Only built through [`Area::from_feature_parts`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Area {
    /// Stable slug, e.g. `it-rm-municipio-02`.
    pub id: String,
    /// Name, e.g. "Municipio Roma II".
    pub name: String,
    /// What kind of territory.
    pub kind: AreaKind,
    /// The country it lies in, when known.
    pub country: Option<Country>,
    /// Inhabitants, when known.
    pub population: Option<u64>,
    /// The outline in WGS84 lon/lat.
    pub geometry: MultiPolygon<f64>,
}

impl Area {
    /// Builds an area from a GeoJSON feature's id, properties and geometry.
    /// Properties other than `id`, `name`, `kind`, `country` and `population`
    /// are ignored: official boundary files carry many.
    pub fn from_feature_parts(
        feature_id: Option<&str>,
        props: &Map<String, Value>,
        geometry: Option<&geojson::GeometryValue>,
    ) -> Result<Area, ValidationErrors> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, reason: String| errors.push(FieldError { field: field.into(), reason });
        let text =
            |key: &str| props.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());

        let id = feature_id.or_else(|| text("id")).map(str::to_owned);
        match &id {
            None => fail("id", "is required (the feature id or an 'id' property)".into()),
            Some(id) if !is_slug(id) || id.len() > 100 => {
                fail("id", format!("'{id}' must be lowercase letters and digits joined by '-'"))
            }
            Some(_) => {}
        }
        let name = text("name").map(str::to_owned);
        match &name {
            None => fail("name", "is required and must not be empty".into()),
            Some(n) if n.chars().count() > 200 => fail("name", "is longer than 200 characters".into()),
            Some(_) => {}
        }
        let kind = match text("kind").map(str::parse::<AreaKind>) {
            None => {
                fail(
                    "kind",
                    "is required: municipio, asl, comune, district, region, country or other".into(),
                );
                None
            }
            Some(Err(e)) => {
                fail("kind", e.to_string());
                None
            }
            Some(Ok(k)) => Some(k),
        };
        let country = match text("country").map(str::parse::<Country>) {
            Some(Err(e)) => {
                fail("country", e.to_string());
                None
            }
            other => other.and_then(Result::ok),
        };
        let population = match props.get("population") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(p) => Some(p),
                None => {
                    fail("population", format!("{v} is not a whole number of inhabitants"));
                    None
                }
            },
        };
        let geometry = match geometry {
            None => {
                fail("geometry", "is required: a Polygon or MultiPolygon".into());
                None
            }
            Some(g) => match outline(g) {
                Ok(mp) => Some(mp),
                Err(reason) => {
                    fail("geometry", reason);
                    None
                }
            },
        };
        match (id, name, kind, geometry) {
            (Some(id), Some(name), Some(kind), Some(geometry)) if errors.is_empty() => {
                Ok(Area { id, name, kind, country, population, geometry })
            }
            _ => Err(ValidationErrors(errors)),
        }
    }

    /// The outline's bounding box.
    pub fn bounds(&self) -> Option<Rect<f64>> {
        self.geometry.bounding_rect()
    }
}

/// Checks and converts a Polygon or MultiPolygon: every ring closed, with at
/// least four positions, every coordinate a finite lon/lat, and the checks
/// of [`super::outline`] (size, crossings, area).
fn outline(g: &geojson::GeometryValue) -> Result<MultiPolygon<f64>, String> {
    use geojson::GeometryValue as G;
    let polygons: Vec<&Vec<Vec<geojson::Position>>> = match g {
        G::Polygon { coordinates } => vec![coordinates],
        G::MultiPolygon { coordinates } => coordinates.iter().collect(),
        other => return Err(format!("must be a Polygon or MultiPolygon, not a {}", other.type_name())),
    };
    if polygons.is_empty() {
        return Err("holds no polygon".into());
    }
    super::outline::check_size(polygons.iter().flat_map(|rings| rings.iter()).map(Vec::len).sum())?;
    let mut out = Vec::with_capacity(polygons.len());
    for (p, rings) in polygons.iter().enumerate() {
        let mut converted = Vec::with_capacity(rings.len());
        for (r, ring) in rings.iter().enumerate() {
            let at = format!("polygon {} ring {}", p + 1, r + 1);
            if ring.len() < 4 {
                return Err(format!("{at} has {} positions; a ring needs at least 4", ring.len()));
            }
            let mut coords = Vec::with_capacity(ring.len());
            for (i, pos) in ring.iter().enumerate() {
                let (lon, lat) = match pos.as_slice() {
                    [lon, lat] => (*lon, *lat),
                    [_, _, _, ..] => {
                        return Err(format!(
                            "{at} position {} has {} values: witgis keeps outlines in 2-D (longitude, latitude) \
                             and would drop the rest; convert the file to 2-D first (e.g. ogr2ogr -dim XY)",
                            i + 1,
                            pos.as_slice().len()
                        ));
                    }
                    _ => return Err(format!("{at} position {} needs a longitude and a latitude", i + 1)),
                };
                let ok = lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0;
                if !ok {
                    return Err(format!("{at} position {}: ({lon}, {lat}) is not a valid lon/lat", i + 1));
                }
                coords.push(Coord { x: lon, y: lat });
            }
            if coords.first() != coords.last() {
                return Err(format!("{at} is not closed: its first and last positions differ"));
            }
            converted.push(LineString::new(coords));
        }
        let mut rings = converted.into_iter();
        let Some(exterior) = rings.next() else { return Err(format!("polygon {} has no ring", p + 1)) };
        out.push(Polygon::new(exterior, rings.collect()));
    }
    let outline = MultiPolygon::new(out);
    super::outline::check_shape(&outline)?;
    Ok(outline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn square(closed: bool) -> geojson::GeometryValue {
        let mut ring = vec![vec![12.0, 41.0], vec![13.0, 41.0], vec![13.0, 42.0], vec![12.0, 42.0]];
        if closed {
            ring.push(vec![12.0, 41.0]);
        }
        let value = json!({ "type": "Polygon", "coordinates": [ring] });
        serde_json::from_value(value).unwrap()
    }

    fn props(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_valid_area_and_its_extra_properties() {
        let p = props(json!({ "name": "Test", "kind": "municipio", "population": 1000, "municipio": 2 }));
        let a = Area::from_feature_parts(Some("it-test"), &p, Some(&square(true))).unwrap();
        assert_eq!((a.id.as_str(), a.kind, a.population), ("it-test", AreaKind::Municipio, Some(1000)));
    }

    #[test]
    fn open_rings_and_bad_fields_are_named() {
        let p = props(json!({ "name": "", "kind": "planet", "population": -3 }));
        let err = Area::from_feature_parts(Some("Bad Id"), &p, Some(&square(false))).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "name", "kind", "population", "geometry"]);
        assert!(err.0[4].reason.contains("not closed"), "{}", err.0[4].reason);
    }
}
