//! GeoJSON: a FeatureCollection of resources, one Point feature each.

use std::io::Write;

use geojson::{Feature, GeometryValue};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{Collector, ReadError};
use crate::model::{CoordPrecision, FieldError, Resource};

/// Reads a FeatureCollection (or a single Feature).
pub fn read(text: &str) -> Result<Vec<Resource>, ReadError> {
    let mut collector = Collector::new();
    for (i, (id, feature)) in super::features(text)?.iter().enumerate() {
        collector.push(i + 1, id.clone(), resource_from_feature(feature));
    }
    collector.finish()
}

/// Builds a resource from one feature: its id, properties and Point geometry.
pub fn resource_from_feature(feature: &Feature) -> Result<Resource, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut props = feature.properties.clone().unwrap_or_default();
    match &feature.id {
        None => {}
        Some(geojson::feature::Id::String(id)) => match props.get("id") {
            Some(Value::String(p)) if p != id => errors.push(FieldError {
                field: "id".into(),
                reason: format!("the feature id '{id}' differs from the property id '{p}'"),
            }),
            _ => {
                props.insert("id".into(), Value::String(id.clone()));
            }
        },
        Some(geojson::feature::Id::Number(_)) => errors.push(FieldError {
            field: "id".into(),
            reason: "must be a string slug such as it-rm-csm-sabrata, not a number".into(),
        }),
    }
    // Foreign members (RFC 7946 §6.1) are refused like unknown properties:
    // witgis would not keep them. `bbox` (§5) is derived from the geometry
    // and is accepted and recomputed.
    for key in feature.foreign_members.iter().flat_map(|m| m.keys()) {
        errors.push(FieldError {
            field: key.clone(),
            reason: "is not a member witgis keeps: a Feature holds type, id, geometry, properties and \
                     optionally bbox; put the record's fields in properties"
                .into(),
        });
    }
    let point = match feature.geometry.as_ref().map(|g| &g.value) {
        None => None,
        Some(GeometryValue::Point { coordinates }) if coordinates.as_slice().len() == 2 => {
            Some([coordinates.as_slice()[0], coordinates.as_slice()[1]])
        }
        Some(GeometryValue::Point { coordinates }) if coordinates.as_slice().len() > 2 => {
            errors.push(FieldError {
                field: "geometry".into(),
                reason: format!(
                    "the point has {} values: witgis keeps longitude and latitude only and would drop the \
                     rest (an altitude?); send [longitude, latitude]",
                    coordinates.as_slice().len()
                ),
            });
            None
        }
        Some(other) => {
            errors.push(FieldError {
                field: "geometry".into(),
                reason: format!("must be a Point or null, not a {}", other.type_name()),
            });
            None
        }
    };
    match Resource::from_properties(&props, point) {
        Ok(r) if errors.is_empty() => Ok(r),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e.0);
            Err(errors)
        }
    }
}

/// A resource as a GeoJSON Feature, serialised straight from the record
/// (no intermediate JSON tree), with optional extra properties such as
/// `distance_m`.
pub struct ResourceFeature<'a> {
    resource: &'a Resource,
    extra: Vec<(&'static str, Value)>,
}

impl<'a> ResourceFeature<'a> {
    /// The feature of a resource, with no extra property.
    pub fn new(resource: &'a Resource) -> Self {
        ResourceFeature { resource, extra: Vec::new() }
    }

    /// Adds a property after the record's own.
    pub fn with(mut self, key: &'static str, value: Value) -> Self {
        self.extra.push((key, value));
        self
    }
}

impl Serialize for ResourceFeature<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Point {
            #[serde(rename = "type")]
            kind: &'static str,
            coordinates: [f64; 2],
        }
        #[derive(Serialize)]
        struct Properties<'a> {
            #[serde(flatten)]
            resource: &'a Resource,
            coord_precision: Option<CoordPrecision>,
            #[serde(flatten)]
            extra: Extra<'a>,
        }
        struct Extra<'a>(&'a [(&'static str, Value)]);
        impl Serialize for Extra<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
            }
        }
        let r = self.resource;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("type", "Feature")?;
        map.serialize_entry("id", &r.id)?;
        map.serialize_entry("geometry", &r.point().map(|coordinates| Point { kind: "Point", coordinates }))?;
        map.serialize_entry(
            "properties",
            &Properties {
                resource: r,
                coord_precision: r.location.map(|l| l.precision),
                extra: Extra(&self.extra),
            },
        )?;
        map.end()
    }
}

/// The start of a resource's Feature as [`ResourceFeature::new`] writes it,
/// without its last two bytes (`}}`: the ends of `properties` and of the
/// Feature). A writer adds request-time properties, each as `,"key":value`,
/// then `}}`, and gets byte for byte what `ResourceFeature::with` writes.
/// `None` if serde_json refuses the record (it never does for a valid one).
pub fn feature_head(r: &Resource) -> Option<String> {
    let mut text = serde_json::to_string(&ResourceFeature::new(r)).ok()?;
    text.ends_with("}}").then(|| {
        text.truncate(text.len() - 2);
        text
    })
}

/// The GeoJSON Feature of a resource as a JSON value, with extra properties.
pub fn feature(r: &Resource, extra: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let f = ResourceFeature { resource: r, extra: extra.into_iter().collect() };
    serde_json::to_value(f).unwrap_or(Value::Null)
}

/// Writes a FeatureCollection, one feature per line, without holding it all
/// in memory.
pub fn write_collection<'a, W: Write>(
    mut out: W,
    resources: impl IntoIterator<Item = &'a Resource>,
) -> std::io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[\n")?;
    for (i, r) in resources.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &ResourceFeature::new(r))?;
    }
    out.write_all(b"\n]}\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"a-one","geometry":{"type":"Point","coordinates":[12.5,41.9]},
       "properties":{"name":"One","category":"library","country":"IT","coord_precision":"city"}},
      {"type":"Feature","geometry":null,
       "properties":{"id":"b-two","name":"Two","category":"crisis_service","country":"DE"}}]}"#;

    #[test]
    fn reads_points_and_placeless_services() {
        let rs = read(TWO).expect("valid");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].point(), Some([12.5, 41.9]));
        assert_eq!(rs[1].point(), None);
    }

    #[test]
    fn write_then_read_gives_the_same_records() {
        let rs = read(TWO).expect("valid");
        let mut buf = Vec::new();
        write_collection(&mut buf, &rs).expect("write");
        let again = read(std::str::from_utf8(&buf).expect("utf8")).expect("valid");
        assert_eq!(rs, again);
    }

    #[test]
    fn a_report_names_each_bad_feature_and_field() {
        let bad =
            TWO.replace("\"library\"", "\"museum\"").replace("\"DE\"", "\"XX\"").replace("b-two", "a-one");
        let Err(ReadError::Rows(rows)) = read(&bad) else { panic!("should fail") };
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].row, rows[0].errors[0].field.as_str()), (1, "category"));
        assert_eq!((rows[1].row, rows[1].errors[0].field.as_str()), (2, "country"));
    }

    #[test]
    fn altitudes_and_foreign_members_are_refused_never_dropped() {
        let one = |feature: &str| read(&format!(r#"{{"type":"FeatureCollection","features":[{feature}]}}"#));
        let props = r#""properties":{"id":"x-one","name":"One","category":"library","country":"IT","coord_precision":"city"}"#;
        let Err(ReadError::Rows(rows)) = one(&format!(
            r#"{{"type":"Feature","geometry":{{"type":"Point","coordinates":[12.5,41.9,30]}},{props}}}"#
        )) else {
            panic!("a third value must be refused")
        };
        assert_eq!(rows[0].errors[0].field, "geometry");
        assert!(rows[0].errors[0].reason.contains("3 values"), "{:?}", rows[0].errors);
        let Err(ReadError::Rows(rows)) = one(&format!(
            r#"{{"type":"Feature","note":"x","geometry":{{"type":"Point","coordinates":[12.5,41.9]}},{props}}}"#
        )) else {
            panic!("a foreign member must be refused")
        };
        assert_eq!(rows[0].errors[0].field, "note");
        let with_bbox = one(&format!(
            r#"{{"type":"Feature","bbox":[12.5,41.9,12.5,41.9],"geometry":{{"type":"Point","coordinates":[12.5,41.9]}},{props}}}"#
        ));
        assert_eq!(with_bbox.unwrap()[0].point(), Some([12.5, 41.9]), "bbox is allowed");
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let dup = TWO.replace("b-two", "a-one");
        let Err(ReadError::Rows(rows)) = read(&dup) else { panic!("should fail") };
        assert_eq!(rows[0].row, 2);
        assert!(rows[0].errors[0].reason.contains("row 1"));
    }

    #[test]
    fn malformed_json_is_a_file_error() {
        assert!(matches!(read("{\"type\":"), Err(ReadError::File(_))));
    }
}
