//! Writes: create (with a free readable id when none is named), replace,
//! merge-patch, delete, restore and history. Version and deletion
//! conflicts come from here as [`StoreError`]s, whatever the store does.

use serde_json::{Map, Value};

use super::{Service, ServiceError, field};
use crate::formats::geojson::{feature, resource_from_feature};
use crate::model::Resource;
use crate::model::text::slugify;
use crate::plausibility;
use crate::store::{Change, StoreError, Stored, Write};

/// How many ids `base`, `base-2`, … a create without an id tries before it
/// gives up with the conflict.
pub const MAX_ID_ATTEMPTS: usize = 1000;

impl Service {
    /// Creates a resource from a GeoJSON Feature. Without an id, the record
    /// gets the first free id of `country-name`, `country-name-2`, …
    pub async fn create(&self, mut document: Value, actor: &str) -> Result<Stored, ServiceError> {
        let named = document.get("id").is_some_and(|id| !id.is_null())
            || document.pointer("/properties/id").is_some_and(|id| !id.is_null());
        if named {
            let resource = resource_from_json(document, None)?;
            self.plausible(&resource, None)?;
            return Ok(self.state.write(Write::Create(resource), actor).await?);
        }
        let base = slug_for(&document);
        let mut attempt = 1;
        loop {
            let id = candidate_id(&base, attempt);
            // An id the snapshot holds is taken: skip it without a write.
            if attempt < MAX_ID_ATTEMPTS && self.state.snapshot().index().get(&id).is_some() {
                attempt += 1;
                continue;
            }
            if let Some(properties) = document.get_mut("properties").and_then(Value::as_object_mut) {
                properties.insert("id".into(), Value::from(id));
            }
            let resource = resource_from_json(document.clone(), None)?;
            self.plausible(&resource, None)?;
            match self.state.write(Write::Create(resource), actor).await {
                // Deleted, or created since the snapshot: the next one.
                Err(StoreError::AlreadyExists { .. }) if attempt < MAX_ID_ATTEMPTS => attempt += 1,
                other => return Ok(other?),
            }
        }
    }

    /// Replaces a resource whose stored version is `if_version`.
    pub async fn replace(
        &self,
        id: &str,
        document: Value,
        if_version: i64,
        actor: &str,
    ) -> Result<Stored, ServiceError> {
        let resource = resource_from_json(document, Some(id))?;
        let current = self.current(id).await?;
        // A stale or deleted one fails in the store with its own error.
        if !current.deleted && current.version == if_version {
            self.plausible(&resource, Some(&current.resource))?;
        }
        Ok(self.state.write(Write::Replace { resource, if_version }, actor).await?)
    }

    /// Applies a JSON merge patch (RFC 7396) to the Feature of a resource
    /// whose stored version is `if_version`.
    pub async fn patch(
        &self,
        id: &str,
        patch: &Value,
        if_version: i64,
        actor: &str,
    ) -> Result<Stored, ServiceError> {
        let current = self.current(id).await?;
        if current.deleted {
            return Err(StoreError::Deleted(id.to_owned()).into());
        }
        if current.version != if_version {
            return Err(StoreError::VersionMismatch { id: id.to_owned(), current: current.version }.into());
        }
        let mut document = feature(&current.resource, []);
        merge_patch(&mut document, patch);
        let resource = resource_from_json(document, Some(id))?;
        self.plausible(&resource, Some(&current.resource))?;
        Ok(self.state.write(Write::Replace { resource, if_version }, actor).await?)
    }

    /// Soft-deletes a resource (at `if_version`, when given).
    pub async fn delete(&self, id: &str, if_version: Option<i64>, actor: &str) -> Result<(), ServiceError> {
        self.state.write(Write::Delete { id: id.to_owned(), if_version }, actor).await?;
        Ok(())
    }

    /// Undoes a delete.
    pub async fn restore(&self, id: &str, actor: &str) -> Result<Stored, ServiceError> {
        Ok(self.state.write(Write::Restore { id: id.to_owned() }, actor).await?)
    }

    /// Every change of a resource, oldest first; none is not found.
    pub async fn history(&self, id: &str) -> Result<Vec<Change>, ServiceError> {
        let changes = self.state.store().history(id).await?;
        if changes.is_empty() {
            return Err(StoreError::NotFound(id.to_owned()).into());
        }
        Ok(changes)
    }

    /// The stored record, deleted or not.
    async fn current(&self, id: &str) -> Result<Stored, ServiceError> {
        Ok(self.state.store().get(id).await?.ok_or_else(|| StoreError::NotFound(id.to_owned()))?)
    }

    /// Refuses a record the plausibility rules refuse (each field named),
    /// judged by the app's clock and against the snapshot's area outlines;
    /// `previous` is the record a replacement changes.
    fn plausible(&self, r: &Resource, previous: Option<&Resource>) -> Result<(), ServiceError> {
        let snapshot = self.state.snapshot();
        let countries = &self.state.reference().countries;
        let today = self.state.desk_today();
        let errors = plausibility::check(r, countries, |id| snapshot.area(id), today, previous);
        if errors.is_empty() {
            return Ok(());
        }
        Err(ServiceError::InvalidFields(errors.into_iter().map(|e| field(&e.field, e.reason)).collect()))
    }
}

/// The `attempt`-th id tried for `base`: `base`, `base-2`, `base-3`, …
fn candidate_id(base: &str, attempt: usize) -> String {
    if attempt == 1 { base.to_owned() } else { format!("{base}-{attempt}") }
}

/// A readable id for a Feature that names none: `country-name`, folded to
/// lowercase ASCII and cut at a word boundary (e.g. `it-centro-diurno-monte-santo`).
pub fn slug_for(document: &Value) -> String {
    let text =
        |key: &str| document.pointer(&format!("/properties/{key}")).and_then(Value::as_str).unwrap_or("");
    let country = slugify(text("country"));
    let mut name = slugify(text("name"));
    if name.is_empty() {
        name = "resource".into();
    }
    while name.len() > 60 {
        match name.rfind('-') {
            Some(cut) => name.truncate(cut),
            None => name.truncate(60),
        }
    }
    if country.is_empty() { name } else { format!("{country}-{name}") }
}

/// Reads a Feature; `path_id`, when given, must match any id the body names
/// and fills it in when the body names none.
pub fn resource_from_json(value: Value, path_id: Option<&str>) -> Result<Resource, ServiceError> {
    let body_error = |reason: String| ServiceError::InvalidFields(vec![field("body", reason)]);
    if value.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(body_error("must be a GeoJSON Feature: {\"type\": \"Feature\", ...}".into()));
    }
    let mut feature: geojson::Feature = serde_json::from_value(value)
        .map_err(|e| body_error(format!("is not a valid GeoJSON Feature: {e}")))?;
    if let Some(path_id) = path_id {
        let named = match &feature.id {
            Some(geojson::feature::Id::String(s)) => Some(s.clone()),
            _ => feature
                .properties
                .as_ref()
                .and_then(|p| p.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        };
        match named {
            Some(named) if named != path_id => {
                return Err(ServiceError::InvalidFields(vec![field(
                    "id",
                    format!("'{named}' differs from the id in the address '{path_id}'; ids cannot change"),
                )]));
            }
            Some(_) => {}
            None => {
                feature.properties.get_or_insert_with(Map::new).insert("id".into(), Value::from(path_id));
            }
        }
    }
    resource_from_feature(&feature).map_err(ServiceError::InvalidFields)
}

/// RFC 7396 JSON merge patch.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
        let mut doc = json!({"a": [1]});
        merge_patch(&mut doc, &json!({"a": [2, 3], "b": {"x": 1}}));
        assert_eq!(doc, json!({"a": [2, 3], "b": {"x": 1}}));
    }

    #[test]
    fn ids_count_up_from_the_slug() {
        let doc = json!({"properties": {"country": "IT", "name": "Centro Diurno «Monte Santo»"}});
        let base = slug_for(&doc);
        assert_eq!(base, "it-centro-diurno-monte-santo");
        assert_eq!(candidate_id(&base, 1), base);
        assert_eq!(candidate_id(&base, 3), "it-centro-diurno-monte-santo-3");
        assert_eq!(slug_for(&json!({"properties": {}})), "resource");
    }

    #[test]
    fn a_body_id_must_match_the_address() {
        let doc = json!({"type": "Feature", "id": "a", "geometry": null, "properties": {}});
        let Err(ServiceError::InvalidFields(errors)) = resource_from_json(doc, Some("b")) else {
            panic!("an id that differs from the address must fail")
        };
        assert_eq!(errors[0].field, "id");
        let Err(ServiceError::InvalidFields(errors)) = resource_from_json(json!([]), None) else {
            panic!("a non-Feature must fail")
        };
        assert_eq!(errors[0].field, "body");
    }
}
