//! The mapping between a resource and its table columns, shared by the stores.

use serde_json::{Map, Value};

use std::sync::LazyLock;

use crate::model::Resource;
use crate::model::resource::{PROPERTIES, TRANSIENT};

/// Text columns: every stored property of a resource that is not a list,
/// named as the property it holds (so a new property is stored without a
/// second list to keep in step).
pub static TEXT: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    PROPERTIES.iter().copied().filter(|p| !LISTS.contains(p) && !TRANSIENT.contains(p)).collect()
});

/// List columns (JSON arrays of strings in SQLite, `text[]` in PostGIS).
pub const LISTS: &[&str] = &["topics", "target_groups", "languages", "serves_areas", "open_questions"];

/// Text columns that hold a day (`YYYY-MM-DD`; `date` in PostGIS).
pub const DATES: &[&str] = &["last_verified", "status_since", "status_until"];

/// Text columns that hold a JSON document (its text in SQLite, `jsonb` in
/// PostGIS); NULL when the list is empty.
pub const JSON: &[&str] = &["provenance", "alerts"];

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
        let text = TEXT
            .iter()
            .map(|&c| match props.get(c) {
                Some(Value::Array(items)) if JSON.contains(&c) && !items.is_empty() => {
                    Some(Value::Array(items.clone()).to_string())
                }
                value => value.and_then(Value::as_str).map(str::to_owned),
            })
            .collect();
        let lists =
            LISTS.iter().map(|&c| props.get(c).cloned().unwrap_or(Value::Array(Vec::new()))).collect();
        Row { text, lists, point: r.point() }
    }

    /// Rebuilds and revalidates the resource; the error names the bad fields.
    pub fn into_resource(self) -> Result<Resource, (String, String)> {
        let mut props = Map::new();
        for (name, value) in TEXT.iter().zip(self.text) {
            if let Some(v) = value {
                // A JSON column's text is its value; a broken one is kept as
                // text, which validation then refuses naming the column.
                let v = if JSON.contains(name) {
                    serde_json::from_str(&v).unwrap_or(Value::String(v))
                } else {
                    Value::String(v)
                };
                props.insert((*name).into(), v);
            }
        }
        for (name, value) in LISTS.iter().zip(self.lists) {
            props.insert((*name).into(), value);
        }
        let id = props.get("id").and_then(Value::as_str).unwrap_or("?").to_owned();
        Resource::from_properties(&props, self.point).map_err(|e| (id, e.to_string()))
    }
}

/// The strings of a list column's JSON array (anything else is skipped).
pub fn strings(list: &Value) -> Vec<String> {
    list.as_array()
        .map(|items| items.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}
