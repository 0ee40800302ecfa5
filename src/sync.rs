//! Keeping in step with another directory (OpenStreetMap): given what a new
//! import brings and what the store holds, what is new, what changed, what
//! vanished, and which editors' changes are kept.
//!
//! A field an editor has changed since the record was first imported is
//! the editor's from then on: an import never overwrites it, and says so
//! when the source holds another value. Records deleted here stay deleted. Records
//! that vanished from the source are reported, not deleted.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use crate::formats::geojson::feature;
use crate::model::Resource;

/// A stored record as the plan needs it.
#[derive(Debug, Clone)]
pub struct Current {
    /// The record as it is now.
    pub resource: Resource,
    /// Deleted here (kept with its history).
    pub deleted: bool,
    /// The fields editors have changed, from its history (`None` when no
    /// import ever wrote it: then every field is an editor's).
    pub edited: Option<BTreeSet<String>>,
}

/// The fields an edit changed, from its history's before and after Features.
pub fn changed_fields(before: Option<&Value>, after: Option<&Value>) -> BTreeSet<String> {
    let (before, after) = (before.map(fields).unwrap_or_default(), after.map(fields).unwrap_or_default());
    before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect()
}

/// What a re-import will do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Records new to the store.
    pub create: Vec<Resource>,
    /// Records to update, with the fields that change.
    pub update: Vec<(Resource, Vec<String>)>,
    /// Editors' changes kept although the source says otherwise: id and fields.
    pub kept: Vec<(String, Vec<String>)>,
    /// Records the source brings unchanged.
    pub unchanged: usize,
    /// Records with the prefix that the source no longer has.
    pub vanished: Vec<String>,
    /// Records the source still has but that were deleted here: left alone.
    pub deleted_here: Vec<String>,
}

/// A record's fields as one flat map: its properties and its `geometry`.
fn fields(feature: &Value) -> Map<String, Value> {
    let mut map = feature.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    map.retain(|_, v| !v.is_null());
    map.insert("geometry".into(), feature.get("geometry").cloned().unwrap_or(Value::Null));
    map
}

/// Plans a re-import of `incoming` (records whose ids start with `prefix`)
/// against `current` (every stored record with that prefix, by id).
pub fn plan(incoming: Vec<Resource>, current: &HashMap<String, Current>, prefix: &str) -> Plan {
    let mut plan = Plan::default();
    let mut seen = std::collections::HashSet::new();
    for new in incoming {
        seen.insert(new.id.clone());
        let Some(cur) = current.get(&new.id) else {
            plan.create.push(new);
            continue;
        };
        if cur.deleted {
            plan.deleted_here.push(new.id);
            continue;
        }
        if cur.resource == new {
            plan.unchanged += 1;
            continue;
        }
        let now = fields(&feature(&cur.resource, []));
        let wanted = fields(&feature(&new, []));
        let edited = |key: &str| cur.edited.as_ref().is_none_or(|set| set.contains(key));
        let mut merged = wanted.clone();
        let mut kept = Vec::new();
        let keys: std::collections::BTreeSet<&String> = now.keys().chain(wanted.keys()).collect();
        for key in keys {
            if key == "id" || !edited(key) || now.get(key) == wanted.get(key) {
                continue;
            }
            kept.push(key.clone());
            match now.get(key) {
                Some(v) => merged.insert(key.clone(), v.clone()),
                None => merged.remove(key),
            };
        }
        let point = merged.remove("geometry").and_then(|g| {
            let c = g.get("coordinates")?.as_array()?;
            Some([c.first()?.as_f64()?, c.get(1)?.as_f64()?])
        });
        // Both halves passed validation, so the mix does too; should it not,
        // the editor's record stays as it is.
        let resource = Resource::from_properties(&merged, point).unwrap_or_else(|_| cur.resource.clone());
        if !kept.is_empty() {
            plan.kept.push((new.id.clone(), kept));
        }
        if resource == cur.resource {
            plan.unchanged += 1;
            continue;
        }
        let changed: Vec<String> = {
            let after = fields(&feature(&resource, []));
            let keys: std::collections::BTreeSet<&String> = now.keys().chain(after.keys()).collect();
            keys.into_iter().filter(|k| now.get(*k) != after.get(*k)).cloned().collect()
        };
        plan.update.push((resource, changed));
    }
    plan.vanished = current
        .iter()
        .filter(|(id, c)| id.starts_with(prefix) && !c.deleted && !seen.contains(*id))
        .map(|(id, _)| id.clone())
        .collect();
    plan.vanished.sort();
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(id: &str, name: &str, phone: Option<&str>, lon: f64) -> Resource {
        let mut props = json!({"id": id, "name": name, "category": "library", "country": "IT",
                               "coord_precision": "building"});
        if let Some(p) = phone {
            props["phone"] = json!(p);
        }
        Resource::from_properties(props.as_object().expect("object"), Some([lon, 41.9])).expect("valid")
    }

    fn stored(now: Resource, imported: Option<&Resource>) -> Current {
        let edited = imported.map(|i| changed_fields(Some(&feature(i, [])), Some(&feature(&now, []))));
        Current { resource: now, deleted: false, edited }
    }

    #[test]
    fn new_changed_unchanged_vanished() {
        let a = r("osm-node-1", "A", None, 12.5);
        let current = HashMap::from([
            ("osm-node-1".to_owned(), stored(a.clone(), Some(&a))),
            (
                "osm-node-2".to_owned(),
                stored(r("osm-node-2", "B", None, 12.6), Some(&r("osm-node-2", "B", None, 12.6))),
            ),
            ("osm-node-3".to_owned(), stored(r("osm-node-3", "C", None, 12.7), None)),
            ("it-rm-csm-x".to_owned(), stored(r("it-rm-csm-x", "ours", None, 12.7), None)),
        ]);
        let plan = plan(
            vec![a, r("osm-node-2", "B renamed", None, 12.6), r("osm-node-9", "N", None, 12.8)],
            &current,
            "osm-",
        );
        assert_eq!(plan.unchanged, 1);
        assert_eq!(plan.create.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["osm-node-9"]);
        assert_eq!(plan.update.len(), 1);
        assert_eq!(
            (plan.update[0].0.name.as_str(), plan.update[0].1.clone()),
            ("B renamed", vec!["name".to_owned()])
        );
        assert_eq!(plan.vanished, ["osm-node-3"], "our own records are never 'vanished'");
        assert!(plan.kept.is_empty());
    }

    #[test]
    fn an_editors_change_is_kept_and_reported() {
        let imported = r("osm-way-5", "Biblioteca", None, 12.5);
        let edited = r("osm-way-5", "Biblioteca", Some("+39 06 1234 5678"), 12.5);
        let current = HashMap::from([("osm-way-5".to_owned(), stored(edited.clone(), Some(&imported)))]);
        // The source renames it, and still has no phone.
        let plan = plan(vec![r("osm-way-5", "Biblioteca comunale", None, 12.5)], &current, "osm-");
        assert_eq!(plan.kept, [("osm-way-5".to_owned(), vec!["phone".to_owned()])]);
        let (updated, changed) = &plan.update[0];
        assert_eq!(updated.name, "Biblioteca comunale", "the source's own change is taken");
        assert_eq!(updated.phone.as_deref(), Some("+39 06 1234 5678"), "the editor's phone stays");
        assert_eq!(changed, &["name".to_owned()]);
    }

    #[test]
    fn a_record_deleted_here_stays_deleted() {
        let a = r("osm-node-1", "A", None, 12.5);
        let mut cur = stored(a.clone(), Some(&a));
        cur.deleted = true;
        let plan = plan(
            vec![r("osm-node-1", "A2", None, 12.5)],
            &HashMap::from([("osm-node-1".to_owned(), cur)]),
            "osm-",
        );
        assert_eq!(plan.deleted_here, ["osm-node-1"]);
        assert!(plan.update.is_empty() && plan.create.is_empty() && plan.vanished.is_empty());
    }
}
