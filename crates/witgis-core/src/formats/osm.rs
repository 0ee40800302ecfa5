//! OpenStreetMap objects (Overpass API JSON or `.osm.pbf` extracts) turned
//! into resources through a mapping of tags to categories and topics
//! (`data/osm-mapping.json`, or a file of the deployment's own).
//!
//! Ways and relations stand at their centroid. Ids are stable
//! (`osm-node-123`, `osm-way-45`, `osm-relation-6`) and `source` names the
//! object and the licence. Objects no rule matches are not ours to import;
//! a matched object without a name or a place is skipped with a reason, and
//! a tag value our model refuses (an unreadable `opening_hours`, a website
//! that is not http(s)) is left out with a warning: OpenStreetMap's data is
//! not ours to fix, but the report says where to fix it.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use geo::{Centroid, Coord, LineString, MultiPoint, MultiPolygon, Point, Polygon};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::model::{Category, Country, Resource, Topic};

/// The mapping shipped with witgis.
pub const DEFAULT_MAPPING: &str = include_str!("../../../../data/osm-mapping.json");

/// The licence every imported record carries in its `source`.
pub const LICENCE: &str = "© OpenStreetMap contributors, ODbL 1.0";

/// Which tags make a resource of which category and topics; the first rule
/// whose every condition holds wins.
#[derive(Debug, Clone, Deserialize)]
pub struct Mapping {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize)]
struct Rule {
    /// Tag → accepted values (`"*"`: any value). A tag holding a `;` list
    /// matches when any of its values is accepted.
    when: BTreeMap<String, Values>,
    category: Category,
    #[serde(default)]
    topics: Vec<Topic>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Values {
    One(String),
    Any(Vec<String>),
}

impl Values {
    fn accepts(&self, value: &str) -> bool {
        let ok = |want: &str| want == "*" || value.split(';').any(|v| v.trim() == want);
        match self {
            Values::One(want) => ok(want),
            Values::Any(wants) => wants.iter().any(|w| ok(w)),
        }
    }
}

impl Mapping {
    /// Reads a mapping file.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let mapping: Mapping = serde_json::from_str(text).map_err(|e| format!("the mapping file: {e}"))?;
        if mapping.rules.is_empty() {
            return Err("the mapping file has no rules".into());
        }
        Ok(mapping)
    }

    /// The shipped mapping.
    pub fn shipped() -> Mapping {
        Mapping::parse(DEFAULT_MAPPING).unwrap_or(Mapping { rules: Vec::new() })
    }

    fn rule(&self, tags: &BTreeMap<String, String>) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.when.iter().all(|(tag, values)| tags.get(tag).is_some_and(|v| values.accepts(v))))
    }

    /// Does any rule match these tags?
    pub fn matches(&self, tags: &BTreeMap<String, String>) -> bool {
        self.rule(tags).is_some()
    }
}

/// The kind of an OpenStreetMap object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A point.
    Node,
    /// A line or closed outline of nodes.
    Way,
    /// A group of nodes, ways and relations.
    Relation,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Node => "node",
            Kind::Way => "way",
            Kind::Relation => "relation",
        }
    }
}

/// One object with its tags and the point it stands at, if known.
#[derive(Debug, Clone, PartialEq)]
pub struct OsmObject {
    /// Node, way or relation.
    pub kind: Kind,
    /// Its OpenStreetMap id.
    pub id: i64,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
    /// The node's point, or the way's or relation's centroid.
    pub point: Option<[f64; 2]>,
}

/// The centroid of a way's nodes: of the area when the way is closed.
fn way_centroid(coords: &[[f64; 2]]) -> Option<[f64; 2]> {
    let line: LineString<f64> = coords.iter().map(|&[x, y]| Coord { x, y }).collect();
    let closed = coords.len() >= 4 && coords.first() == coords.last();
    let centre = if closed { Polygon::new(line, Vec::new()).centroid() } else { line.centroid() };
    centre.or_else(|| coords.first().map(|&[x, y]| Point::new(x, y))).map(|p| [p.x(), p.y()])
}

/// The centroid of a relation's members: of the areas its closed ways
/// outline, else of its points (each once).
fn relation_centroid(ways: &[Vec<[f64; 2]>], nodes: &[[f64; 2]]) -> Option<[f64; 2]> {
    let polygons: Vec<Polygon<f64>> = ways
        .iter()
        .filter(|w| w.len() >= 4 && w.first() == w.last())
        .map(|w| Polygon::new(w.iter().map(|&[x, y]| Coord { x, y }).collect(), Vec::new()))
        .collect();
    if let Some(c) = MultiPolygon::new(polygons).centroid() {
        return Some([c.x(), c.y()]);
    }
    let mut points: Vec<[f64; 2]> = ways.iter().flatten().chain(nodes).copied().collect();
    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    points.dedup();
    let points: MultiPoint<f64> = points.into_iter().map(|[x, y]| Point::new(x, y)).collect();
    points.centroid().map(|p| [p.x(), p.y()])
}

/// Reads an Overpass API JSON answer. Ways and relations stand at the
/// `center` Overpass gives (`out center`), else at the centroid of their
/// `geometry` (`out geom`), else of their nodes found in the same answer.
pub fn read_overpass(text: &str) -> Result<Vec<OsmObject>, String> {
    #[derive(Deserialize)]
    struct Answer {
        elements: Vec<Element>,
    }
    #[derive(Deserialize)]
    struct LatLon {
        lat: f64,
        lon: f64,
    }
    #[derive(Deserialize)]
    struct Member {
        #[serde(rename = "type")]
        kind: String,
        #[serde(rename = "ref")]
        id: i64,
        #[serde(default)]
        geometry: Vec<LatLon>,
        lat: Option<f64>,
        lon: Option<f64>,
    }
    #[derive(Deserialize)]
    struct Element {
        #[serde(rename = "type")]
        kind: String,
        id: i64,
        lat: Option<f64>,
        lon: Option<f64>,
        center: Option<LatLon>,
        #[serde(default)]
        geometry: Vec<LatLon>,
        #[serde(default)]
        nodes: Vec<i64>,
        #[serde(default)]
        members: Vec<Member>,
        #[serde(default)]
        tags: BTreeMap<String, String>,
    }
    let answer: Answer = serde_json::from_str(text)
        .map_err(|e| format!("not an Overpass API JSON answer ({{\"elements\": [...]}}): {e}"))?;
    let nodes: HashMap<i64, [f64; 2]> = answer
        .elements
        .iter()
        .filter(|e| e.kind == "node")
        .filter_map(|e| Some((e.id, [e.lon?, e.lat?])))
        .collect();
    let ways: HashMap<i64, Vec<[f64; 2]>> = answer
        .elements
        .iter()
        .filter(|e| e.kind == "way")
        .map(|e| {
            let coords = if e.geometry.is_empty() {
                e.nodes.iter().filter_map(|n| nodes.get(n).copied()).collect()
            } else {
                e.geometry.iter().map(|p| [p.lon, p.lat]).collect()
            };
            (e.id, coords)
        })
        .collect();
    let mut out = Vec::new();
    for e in &answer.elements {
        if e.tags.is_empty() {
            continue;
        }
        let center = e.center.as_ref().map(|c| [c.lon, c.lat]);
        let (kind, point) = match e.kind.as_str() {
            "node" => (Kind::Node, e.lon.zip(e.lat).map(|(lon, lat)| [lon, lat])),
            "way" => (Kind::Way, center.or_else(|| ways.get(&e.id).and_then(|c| way_centroid(c)))),
            "relation" => {
                let (mut member_ways, mut member_nodes) = (Vec::new(), Vec::new());
                for m in &e.members {
                    match m.kind.as_str() {
                        "node" => member_nodes.extend(
                            m.lon
                                .zip(m.lat)
                                .map(|(lon, lat)| [lon, lat])
                                .or_else(|| nodes.get(&m.id).copied()),
                        ),
                        "way" if !m.geometry.is_empty() => {
                            member_ways.push(m.geometry.iter().map(|p| [p.lon, p.lat]).collect())
                        }
                        "way" => member_ways.extend(ways.get(&m.id).cloned()),
                        _ => {}
                    }
                }
                (Kind::Relation, center.or_else(|| relation_centroid(&member_ways, &member_nodes)))
            }
            other => return Err(format!("element {}: unknown type '{other}'", e.id)),
        };
        out.push(OsmObject { kind, id: e.id, tags: e.tags.clone(), point });
    }
    Ok(out)
}

/// Reads the objects a mapping matches from an `.osm.pbf` extract, in up to
/// three passes over the file (the matched objects; the ways of matched
/// relations; the points of the nodes they need), so that memory holds only
/// what is imported, whatever the size of the extract.
pub fn read_pbf(path: &Path, mapping: &Mapping) -> Result<Vec<OsmObject>, String> {
    use osmpbf::{Element, ElementReader, RelMemberType};
    let open = || ElementReader::from_path(path).map_err(|e| format!("{}: {e}", path.display()));
    let tags_of = |iter: &mut dyn Iterator<Item = (&str, &str)>| -> BTreeMap<String, String> {
        iter.map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    };

    let mut objects: Vec<OsmObject> = Vec::new();
    let mut way_refs: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut relation_members: HashMap<i64, Vec<(RelMemberType, i64)>> = HashMap::new();
    open()?
        .for_each(|element| {
            let (kind, id, tags, point) = match &element {
                Element::Node(n) => (Kind::Node, n.id(), tags_of(&mut n.tags()), Some([n.lon(), n.lat()])),
                Element::DenseNode(n) => {
                    (Kind::Node, n.id(), tags_of(&mut n.tags()), Some([n.lon(), n.lat()]))
                }
                Element::Way(w) => (Kind::Way, w.id(), tags_of(&mut w.tags()), None),
                Element::Relation(r) => (Kind::Relation, r.id(), tags_of(&mut r.tags()), None),
            };
            if tags.is_empty() || !mapping.matches(&tags) {
                return;
            }
            match &element {
                Element::Way(w) => {
                    way_refs.insert(id, w.refs().collect());
                }
                Element::Relation(r) => {
                    relation_members.insert(id, r.members().map(|m| (m.member_type, m.member_id)).collect());
                }
                _ => {}
            }
            objects.push(OsmObject { kind, id, tags, point });
        })
        .map_err(|e| format!("{}: {e}", path.display()))?;

    let member_ways: HashSet<i64> = relation_members
        .values()
        .flatten()
        .filter(|(t, id)| *t == RelMemberType::Way && !way_refs.contains_key(id))
        .map(|&(_, id)| id)
        .collect();
    if !member_ways.is_empty() {
        open()?
            .for_each(|element| {
                if let Element::Way(w) = element {
                    if member_ways.contains(&w.id()) {
                        way_refs.insert(w.id(), w.refs().collect());
                    }
                }
            })
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }

    let mut wanted: HashSet<i64> = way_refs.values().flatten().copied().collect();
    wanted.extend(
        relation_members.values().flatten().filter(|(t, _)| *t == RelMemberType::Node).map(|&(_, id)| id),
    );
    let mut coords: HashMap<i64, [f64; 2]> = HashMap::with_capacity(wanted.len());
    if !wanted.is_empty() {
        open()?
            .for_each(|element| match element {
                Element::Node(n) if wanted.contains(&n.id()) => {
                    coords.insert(n.id(), [n.lon(), n.lat()]);
                }
                Element::DenseNode(n) if wanted.contains(&n.id()) => {
                    coords.insert(n.id(), [n.lon(), n.lat()]);
                }
                _ => {}
            })
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let way_coords = |id: i64| -> Vec<[f64; 2]> {
        way_refs.get(&id).into_iter().flatten().filter_map(|n| coords.get(n).copied()).collect()
    };
    for o in &mut objects {
        o.point = match o.kind {
            Kind::Node => o.point,
            Kind::Way => way_centroid(&way_coords(o.id)),
            Kind::Relation => {
                let (mut member_ways, mut member_nodes) = (Vec::new(), Vec::new());
                for (t, id) in relation_members.get(&o.id).into_iter().flatten() {
                    match t {
                        RelMemberType::Node => member_nodes.extend(coords.get(id).copied()),
                        RelMemberType::Way => member_ways.push(way_coords(*id)),
                        RelMemberType::Relation => {}
                    }
                }
                relation_centroid(&member_ways, &member_nodes)
            }
        };
    }
    Ok(objects)
}

/// Why an object was skipped, or a value left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The resource id the object maps to.
    pub id: String,
    /// What happened and why.
    pub text: String,
}

/// The resources the objects map to, sorted by id, with the objects skipped
/// and the values left out.
#[derive(Debug, Default)]
pub struct Mapped {
    /// One resource per matched object with a name and a place.
    pub resources: Vec<Resource>,
    /// Matched objects that could not become a resource.
    pub skipped: Vec<Note>,
    /// Tag values left out of a resource.
    pub warnings: Vec<Note>,
}

/// Properties no tag value may be blamed for: a failure there skips the object.
const ESSENTIAL: &[&str] = &["id", "name", "category", "country", "coord_precision"];

/// Maps objects to resources, each in the covered country its point lies in
/// (else its `addr:country`).
pub fn to_resources(
    objects: &[OsmObject],
    mapping: &Mapping,
    countries: &crate::countries::Countries,
) -> Mapped {
    let mut mapped = Mapped::default();
    for o in objects {
        let Some(rule) = mapping.rule(&o.tags) else { continue };
        let id = format!("osm-{}-{}", o.kind.as_str(), o.id);
        let skip = |text: String| Note { id: id.clone(), text };
        let tag = |keys: &[&str]| {
            keys.iter().find_map(|k| o.tags.get(*k)).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
        };
        let Some(name) = tag(&["name"]) else {
            mapped.skipped.push(skip("has no name tag".into()));
            continue;
        };
        let Some([lon, lat]) = o.point else {
            mapped.skipped.push(skip("has no point (its nodes are not in the file)".into()));
            continue;
        };
        let country = countries
            .at(lon, lat)
            .or_else(|| tag(&["addr:country"]).and_then(|c| c.to_ascii_uppercase().parse::<Country>().ok()));
        let Some(country) = country else {
            mapped.skipped.push(skip(format!(
                "lies outside the covered countries ({lon}, {lat}) and has no addr:country"
            )));
            continue;
        };
        let address = match (tag(&["addr:street"]), tag(&["addr:housenumber"])) {
            (Some(street), Some(number)) => Some(format!("{street} {number}")),
            (Some(street), None) => Some(street),
            _ => tag(&["addr:full"]),
        };
        let first = |v: Option<String>| v.map(|v| v.split(';').next().unwrap_or("").trim().to_owned());
        let mut props = Map::new();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                props.insert(key.to_owned(), Value::String(v));
            }
        };
        put("id", Some(id.clone()));
        put("name", Some(name));
        put("name_en", tag(&["name:en"]));
        put("category", Some(rule.category.to_string()));
        put("country", Some(country.to_string()));
        put("city", tag(&["addr:city"]));
        put("address", address);
        put("postcode", tag(&["addr:postcode"]));
        put("coord_precision", Some("building".into()));
        put("website", first(tag(&["website", "contact:website", "url"])));
        put("phone", first(tag(&["phone", "contact:phone"])));
        put("email", first(tag(&["email", "contact:email"])));
        put("opening_hours", tag(&["opening_hours"]));
        put("source", Some(format!("{LICENCE}: https://www.openstreetmap.org/{}/{}", o.kind.as_str(), o.id)));
        if !rule.topics.is_empty() {
            props.insert("topics".into(), json!(rule.topics));
        }
        match Resource::from_properties(&props, Some([lon, lat])) {
            Ok(r) => mapped.resources.push(r),
            Err(errors) => {
                let blamed: Vec<_> =
                    errors.0.iter().filter(|e| !ESSENTIAL.contains(&e.field.as_str())).collect();
                if blamed.len() < errors.0.len() {
                    mapped.skipped.push(skip(errors.to_string()));
                    continue;
                }
                for e in &blamed {
                    props.remove(&e.field);
                    mapped
                        .warnings
                        .push(Note { id: id.clone(), text: format!("{} left out: {}", e.field, e.reason) });
                }
                match Resource::from_properties(&props, Some([lon, lat])) {
                    Ok(r) => mapped.resources.push(r),
                    Err(errors) => mapped.skipped.push(skip(errors.to_string())),
                }
            }
        }
    }
    mapped.resources.sort_by(|a, b| a.id.cmp(&b.id));
    mapped.resources.dedup_by(|a, b| a.id == b.id);
    mapped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_shipped_mapping_reads_and_the_first_rule_wins() {
        let m = Mapping::shipped();
        assert!(!m.rules.is_empty());
        let day = tags(&[
            ("amenity", "social_facility"),
            ("social_facility", "day_care"),
            ("social_facility:for", "mental_health;senior"),
        ]);
        assert_eq!(m.rule(&day).map(|r| r.category), Some(Category::DayCentre));
        let mh = tags(&[("amenity", "social_facility"), ("social_facility:for", "mental_health")]);
        assert_eq!(m.rule(&mh).map(|r| r.category), Some(Category::MentalHealthCentre));
        assert_eq!(m.rule(&tags(&[("amenity", "library")])).map(|r| r.category), Some(Category::Library));
        assert!(
            m.rule(&tags(&[("amenity", "social_facility"), ("social_facility:for", "senior")])).is_none()
        );
        assert!(m.rule(&tags(&[("amenity", "bench")])).is_none());
    }

    #[test]
    fn a_closed_way_stands_at_the_centre_of_its_area() {
        // An L-shaped outline: the area's centroid differs from the mean of its corners.
        let l = [[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0], [1.0, 2.0], [0.0, 2.0], [0.0, 0.0]];
        let [x, y] = way_centroid(&l).expect("centroid");
        // Two unit squares and one more: (0.5,0.5),(1.5,0.5),(0.5,1.5) → (5/6, 5/6).
        assert!((x - 5.0 / 6.0).abs() < 1e-12 && (y - 5.0 / 6.0).abs() < 1e-12, "{x} {y}");
    }
}
