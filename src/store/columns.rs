//! The mapping between a resource and its table columns, shared by the stores.

use serde_json::{Map, Value};

use crate::model::Resource;

/// Text columns, in table order, named as the properties they hold.
pub const TEXT: &[&str] = &[
    "id",
    "name",
    "name_en",
    "category",
    "country",
    "city",
    "address",
    "postcode",
    "coord_precision",
    "website",
    "phone",
    "email",
    "opening_hours",
    "access",
    "cost",
    "source",
    "last_verified",
    "description",
];

/// List columns (JSON arrays of strings in SQLite, `text[]` in PostGIS).
pub const LISTS: &[&str] = &["topics", "target_groups", "languages", "serves_areas"];

/// One row's values: text columns, list columns as JSON arrays, and the point.
pub struct Row {
    /// Values of [`TEXT`], in order.
    pub text: Vec<Option<String>>,
    /// Values of [`LISTS`] as JSON arrays of strings, in order.
    pub lists: Vec<Value>,
    /// Longitude, latitude.
    pub point: Option<[f64; 2]>,
}

impl Row {
    /// The columns of a resource.
    pub fn of(r: &Resource) -> Row {
        let props = r.properties();
        let text = TEXT.iter().map(|&c| props.get(c).and_then(Value::as_str).map(str::to_owned)).collect();
        let lists =
            LISTS.iter().map(|&c| props.get(c).cloned().unwrap_or(Value::Array(Vec::new()))).collect();
        Row { text, lists, point: r.point() }
    }

    /// Rebuilds and revalidates the resource; the error names the bad fields.
    pub fn into_resource(self) -> Result<Resource, (String, String)> {
        let mut props = Map::new();
        for (name, value) in TEXT.iter().zip(self.text) {
            if let Some(v) = value {
                props.insert((*name).into(), Value::String(v));
            }
        }
        for (name, value) in LISTS.iter().zip(self.lists) {
            props.insert((*name).into(), value);
        }
        let id = props.get("id").and_then(Value::as_str).unwrap_or("?").to_owned();
        Resource::from_properties(&props, self.point).map_err(|e| (id, e.to_string()))
    }
}

/// Rebuilds and revalidates an area from its columns: the properties as JSON
/// and the outline as GeoJSON geometry text.
pub fn area_from_columns(
    id: &str,
    props: Value,
    geometry: &str,
) -> Result<crate::model::Area, super::StoreError> {
    let invalid = |reason: String| super::StoreError::Invalid { id: id.to_owned(), reason };
    let geometry: geojson::Geometry =
        geometry.parse().map_err(|e| invalid(format!("stored outline: {e}")))?;
    let Value::Object(props) = props else {
        return Err(invalid("stored properties are not an object".into()));
    };
    crate::model::Area::from_feature_parts(Some(id), &props, Some(&geometry.value))
        .map_err(|e| invalid(e.to_string()))
}

/// The strings of a list column's JSON array (anything else is skipped).
pub fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}
