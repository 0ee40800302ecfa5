//! Reads the places of an `.osm.pbf` extract for [`crate::streets`]:
//! addresses (`addr:street` + `addr:housenumber` on nodes, ways and
//! relations), named streets (`highway=*` ways with a name, the segments of
//! one street joined into one place with its extent), and named places
//! (`place=suburb|quarter|neighbourhood|hamlet|village`, administrative
//! boundaries of levels 9 and 10).
//!
//! Three passes over the file, as [`super::osm::read_pbf`] makes: the tagged
//! objects with their node lists; the ways of the relations kept; the points
//! of the nodes needed. Memory holds only what is kept.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::streets::{OsmPlace, Precision, key};

/// The kinds of `place=*` read as named places.
const PLACES: &[&str] = &["suburb", "quarter", "neighbourhood", "hamlet", "village"];

/// How far apart (in degrees, about 500 m) two segments of a street's name
/// may be and still be one street.
const JOIN: f64 = 0.005;

/// What the reader found, with counts for the report.
#[derive(Debug, Default)]
pub struct Read {
    /// Houses, streets and named places.
    pub places: Vec<OsmPlace>,
    /// Named street segments read (before joining).
    pub segments: usize,
    /// Objects left out because none of their nodes is in the extract.
    pub without_point: usize,
}

enum Wanted {
    House { street: String, number: String, city: Option<String> },
    Street { name: String },
    Place { name: String },
}

fn wanted(tags: &HashMap<&str, &str>, way: bool) -> Option<Wanted> {
    if let (Some(street), Some(number)) = (tags.get("addr:street"), tags.get("addr:housenumber")) {
        return Some(Wanted::House {
            street: (*street).to_owned(),
            number: (*number).to_owned(),
            city: tags.get("addr:city").map(|c| (*c).to_owned()),
        });
    }
    let name = tags.get("name").filter(|n| !n.trim().is_empty())?;
    if way && tags.contains_key("highway") {
        return Some(Wanted::Street { name: (*name).to_owned() });
    }
    let admin = tags.get("boundary") == Some(&"administrative")
        && matches!(tags.get("admin_level"), Some(&"9" | &"10"));
    if admin || tags.get("place").is_some_and(|p| PLACES.contains(p)) {
        return Some(Wanted::Place { name: (*name).to_owned() });
    }
    None
}

/// Reads the extract at `path`; `progress` hears each pass's end.
pub fn read(path: &Path, progress: &mut dyn FnMut(&str)) -> Result<Read, String> {
    use osmpbf::{Element, ElementReader, RelMemberType};
    let open = || ElementReader::from_path(path).map_err(|e| format!("{}: {e}", path.display()));
    let fail = |e: osmpbf::Error| format!("{}: {e}", path.display());

    let mut points: Vec<(Wanted, [f64; 2])> = Vec::new();
    let mut ways: Vec<(Wanted, Vec<i64>)> = Vec::new();
    let mut relations: Vec<(Wanted, Vec<(RelMemberType, i64)>)> = Vec::new();
    open()?
        .for_each(|element| match &element {
            Element::Node(n) => {
                let tags: HashMap<&str, &str> = n.tags().collect();
                if let Some(w) = wanted(&tags, false) {
                    points.push((w, [n.lon(), n.lat()]));
                }
            }
            Element::DenseNode(n) => {
                let tags: HashMap<&str, &str> = n.tags().collect();
                if let Some(w) = wanted(&tags, false) {
                    points.push((w, [n.lon(), n.lat()]));
                }
            }
            Element::Way(w) => {
                let tags: HashMap<&str, &str> = w.tags().collect();
                if let Some(x) = wanted(&tags, true) {
                    ways.push((x, w.refs().collect()));
                }
            }
            Element::Relation(r) => {
                let tags: HashMap<&str, &str> = r.tags().collect();
                if let Some(x) = wanted(&tags, false) {
                    relations.push((x, r.members().map(|m| (m.member_type, m.member_id)).collect()));
                }
            }
        })
        .map_err(fail)?;
    progress(&format!("{} tagged nodes, {} ways, {} relations", points.len(), ways.len(), relations.len()));

    let member_ways: HashSet<i64> = relations
        .iter()
        .flat_map(|(_, m)| m)
        .filter(|(t, _)| *t == RelMemberType::Way)
        .map(|&(_, id)| id)
        .collect();
    let mut member_refs: HashMap<i64, Vec<i64>> = HashMap::new();
    if !member_ways.is_empty() {
        open()?
            .for_each(|element| {
                if let Element::Way(w) = element {
                    if member_ways.contains(&w.id()) {
                        member_refs.insert(w.id(), w.refs().collect());
                    }
                }
            })
            .map_err(fail)?;
    }

    let mut needed: HashSet<i64> = ways.iter().flat_map(|(_, r)| r.iter().copied()).collect();
    needed.extend(member_refs.values().flatten().copied());
    needed.extend(
        relations.iter().flat_map(|(_, m)| m).filter(|(t, _)| *t == RelMemberType::Node).map(|&(_, id)| id),
    );
    let mut coords: HashMap<i64, [f64; 2]> = HashMap::with_capacity(needed.len());
    if !needed.is_empty() {
        open()?
            .for_each(|element| match element {
                Element::Node(n) if needed.contains(&n.id()) => {
                    coords.insert(n.id(), [n.lon(), n.lat()]);
                }
                Element::DenseNode(n) if needed.contains(&n.id()) => {
                    coords.insert(n.id(), [n.lon(), n.lat()]);
                }
                _ => {}
            })
            .map_err(fail)?;
    }
    drop(needed);
    progress(&format!("{} node points read", coords.len()));

    let mut out = Read::default();
    let mut segments: Vec<(String, Vec<[f64; 2]>)> = Vec::new();
    let mut keep = |w: Wanted, at: Vec<[f64; 2]>, out: &mut Read| {
        let Some(point) = centre(&at) else {
            out.without_point += 1;
            return;
        };
        match w {
            Wanted::House { street, number, city } => out.places.push(OsmPlace {
                kind: Precision::House,
                name: street,
                housenumber: Some(number),
                city,
                point,
                extent: None,
            }),
            Wanted::Place { name } => out.places.push(OsmPlace {
                kind: Precision::Neighbourhood,
                name,
                housenumber: None,
                city: None,
                point,
                extent: None,
            }),
            Wanted::Street { name } => segments.push((name, at)),
        }
    };
    for (w, p) in points {
        keep(w, vec![p], &mut out);
    }
    for (w, refs) in ways {
        let at: Vec<[f64; 2]> = refs.iter().filter_map(|n| coords.get(n).copied()).collect();
        keep(w, at, &mut out);
    }
    for (w, members) in relations {
        let mut at = Vec::new();
        for (t, id) in members {
            match t {
                RelMemberType::Node => at.extend(coords.get(&id).copied()),
                RelMemberType::Way => at.extend(
                    member_refs.get(&id).into_iter().flatten().filter_map(|n| coords.get(n).copied()),
                ),
                RelMemberType::Relation => {}
            }
        }
        keep(w, at, &mut out);
    }
    out.segments = segments.len();
    let streets = join_streets(segments, &out.places);
    out.places.extend(streets);
    Ok(out)
}

/// The middle of the points' box (a point of the object's own, for one point).
fn centre(at: &[[f64; 2]]) -> Option<[f64; 2]> {
    let [w, s, e, n] = extent(at)?;
    Some([(w + e) / 2.0, (s + n) / 2.0])
}

fn extent(at: &[[f64; 2]]) -> Option<[f64; 4]> {
    let first = at.first()?;
    Some(at.iter().fold([first[0], first[1], first[0], first[1]], |b, &[x, y]| {
        [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)]
    }))
}

/// A named way: its name, its nodes' points and their extent.
type Segment = (String, Vec<[f64; 2]>, [f64; 4]);

/// Joins the segments of each street name that lie within [`JOIN`] of each
/// other into one street: its extent, the node nearest the extent's middle as
/// its point, and the city most of the houses on it name.
fn join_streets(segments: Vec<(String, Vec<[f64; 2]>)>, houses: &[OsmPlace]) -> Vec<OsmPlace> {
    let mut by_key: HashMap<String, Vec<Segment>> = HashMap::new();
    for (name, at) in segments {
        if let Some(b) = extent(&at) {
            by_key.entry(key(&name)).or_default().push((name, at, b));
        }
    }
    let mut cities: HashMap<String, Vec<([f64; 2], &str)>> = HashMap::new();
    for h in houses.iter().filter(|h| h.kind == Precision::House) {
        if let Some(c) = &h.city {
            cities.entry(key(&h.name)).or_default().push((h.point, c));
        }
    }
    let mut out = Vec::new();
    for (k, mut group) in by_key {
        group.sort_by(|a, b| a.2[0].total_cmp(&b.2[0]));
        // Union-find over segments whose boxes, widened by JOIN, overlap.
        let mut parent: Vec<usize> = (0..group.len()).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        let mut active: Vec<usize> = Vec::new();
        for i in 0..group.len() {
            let b = group[i].2;
            active.retain(|&j| group[j].2[2] + JOIN >= b[0]);
            for &j in &active {
                let c = group[j].2;
                if c[1] - JOIN <= b[3] && b[1] - JOIN <= c[3] {
                    let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                    parent[ri] = rj;
                }
            }
            active.push(i);
        }
        let mut streets: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..group.len() {
            let r = root(&mut parent, i);
            streets.entry(r).or_default().push(i);
        }
        for members in streets.values() {
            let all: Vec<[f64; 2]> = members.iter().flat_map(|&i| group[i].1.iter().copied()).collect();
            let Some(b) = extent(&all) else { continue };
            let mid = [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0];
            let d = |p: &[f64; 2]| (p[0] - mid[0]).powi(2) + (p[1] - mid[1]).powi(2);
            let point = all.iter().copied().min_by(|p, q| d(p).total_cmp(&d(q))).unwrap_or(mid);
            let mut votes: HashMap<&str, usize> = HashMap::new();
            for (p, c) in cities.get(&k).into_iter().flatten() {
                if b[0] - JOIN <= p[0] && p[0] <= b[2] + JOIN && b[1] - JOIN <= p[1] && p[1] <= b[3] + JOIN {
                    *votes.entry(c).or_default() += 1;
                }
            }
            let city =
                votes.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0))).map(|(c, _)| c.to_owned());
            // The name most segments carry, the first in order on a tie.
            let mut names: Vec<&str> = members.iter().map(|&i| group[i].0.as_str()).collect();
            names.sort_unstable();
            let name = names
                .chunk_by(|a, b| a == b)
                .max_by(|a, b| a.len().cmp(&b.len()).then(b[0].cmp(a[0])))
                .map_or_else(String::new, |c| c[0].to_owned());
            out.push(OsmPlace {
                kind: Precision::Street,
                name,
                housenumber: None,
                city,
                point,
                extent: Some(b),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.point[0].total_cmp(&b.point[0])));
    out
}
