//! Place search for callers: localities of the four countries (GeoNames), the
//! loaded areas (e.g. Rome's municipi) and the resources' own addresses,
//! matched case- and accent-insensitively by prefix and with typos.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Map, Streamer};
use geo::InteriorPoint;
use serde::Serialize;

use crate::model::text::fold;
use crate::model::{Area, Country, Resource};

/// Where a place comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A city, town or village (GeoNames).
    Locality,
    /// A loaded area, e.g. a municipio.
    Area,
    /// A resource's street address.
    Address,
}

/// A named point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The name as written locally.
    pub name: String,
    /// What it is.
    pub kind: PlaceKind,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Inhabitants, for localities.
    pub population: Option<u64>,
}

/// A searchable set of places: every name and alternate name, folded, in an
/// `fst` map for prefix and Levenshtein search.
pub struct Gazetteer {
    places: Vec<Place>,
    names: Map<Vec<u8>>,
    postings: Vec<Vec<u32>>,
}

/// How well a place matched; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    Exact,
    Prefix,
    /// With this many edits.
    Typo(usize),
}

/// Edits between the query and a name, or the name's start.
fn edits(query: &str, key: &str) -> usize {
    let start: String = key.chars().take(query.chars().count()).collect();
    strsim::levenshtein(query, key).min(strsim::levenshtein(query, &start))
}

impl Gazetteer {
    /// Indexes places, each under its names (the first is its own name).
    pub fn new(entries: Vec<(Place, Vec<String>)>) -> Gazetteer {
        let mut by_name: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut places = Vec::with_capacity(entries.len());
        for (i, (place, names)) in entries.into_iter().enumerate() {
            for name in names {
                let key = fold(name.trim());
                if !key.is_empty() {
                    let list = by_name.entry(key).or_default();
                    if list.last() != Some(&(i as u32)) {
                        list.push(i as u32);
                    }
                }
            }
            places.push(place);
        }
        let mut postings = Vec::with_capacity(by_name.len());
        let names = Map::from_iter(by_name.into_iter().map(|(k, v)| {
            postings.push(v);
            (k, (postings.len() - 1) as u64)
        }))
        .unwrap_or_default();
        Gazetteer { places, names, postings }
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when there are no places.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Places matching `query` (exact, then prefix, then with typos), most
    /// populous first within each, at most `limit`.
    fn search(&self, query: &str, limit: usize) -> Vec<(Match, &Place)> {
        let q = fold(query.trim());
        if q.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(Match, u32)> = Vec::new();
        let mut collect = |stream: &mut dyn FnMut() -> Option<(Vec<u8>, u64)>, kind: Match| {
            while let Some((key, posting)) = stream() {
                let kind = match kind {
                    Match::Prefix if key == q.as_bytes() => Match::Exact,
                    Match::Typo(_) => Match::Typo(edits(&q, &String::from_utf8_lossy(&key))),
                    other => other,
                };
                for &i in self.postings.get(posting as usize).map_or(&[][..], Vec::as_slice) {
                    found.push((kind, i));
                }
            }
        };
        let mut prefix = self.names.search(Str::new(&q).starts_with()).into_stream();
        collect(&mut || prefix.next().map(|(k, v)| (k.to_vec(), v)), Match::Prefix);
        // Typos: one edit from 4 characters, two from 8, on the name or its start.
        let chars = q.chars().count();
        let edits = match chars {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        if edits > 0 {
            if let Ok(lev) = Levenshtein::new(&q, edits) {
                let mut typo = self.names.search(lev).into_stream();
                collect(&mut || typo.next().map(|(k, v)| (k.to_vec(), v)), Match::Typo(0));
            }
            if let Ok(lev) = Levenshtein::new(&q, edits) {
                let mut typo_prefix = self.names.search(lev.starts_with()).into_stream();
                collect(&mut || typo_prefix.next().map(|(k, v)| (k.to_vec(), v)), Match::Typo(0));
            }
        }
        found.sort_by(|a, b| {
            let (pa, pb) = (&self.places[a.1 as usize], &self.places[b.1 as usize]);
            a.0.cmp(&b.0)
                .then(pb.population.unwrap_or(0).cmp(&pa.population.unwrap_or(0)))
                .then(a.1.cmp(&b.1))
        });
        let mut seen = std::collections::HashSet::new();
        found
            .into_iter()
            .filter(|(_, i)| seen.insert(*i))
            .take(limit)
            .map(|(m, i)| (m, &self.places[i as usize]))
            .collect()
    }
}

/// The GeoNames localities shipped in `data/places.tsv`, indexed once.
pub static LOCALITIES: LazyLock<Gazetteer> = LazyLock::new(|| {
    let entries = include_str!("../data/places.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("geonameid\t"))
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let [_, name, country, lon, lat, population, _feature_code, alternates] = cols[..] else {
                return None;
            };
            let place = Place {
                name: name.to_owned(),
                kind: PlaceKind::Locality,
                country: country.parse().ok(),
                lon: lon.parse().ok()?,
                lat: lat.parse().ok()?,
                population: population.parse().ok(),
            };
            let names = std::iter::once(name).chain(alternates.split('|')).map(str::to_owned).collect();
            Some((place, names))
        })
        .collect();
    Gazetteer::new(entries)
});

/// The locality whose GeoNames centre is at this point (to about 10 m), if
/// any: what an approximate `district` point is the centre of.
pub fn locality_centred_at(lon: f64, lat: f64) -> Option<&'static str> {
    static CENTRES: LazyLock<std::collections::HashMap<(i64, i64), usize>> = LazyLock::new(|| {
        let mut centres = std::collections::HashMap::new();
        for (i, p) in LOCALITIES.places.iter().enumerate() {
            centres.entry(centre_key(p.lon, p.lat)).or_insert(i);
        }
        centres
    });
    CENTRES.get(&centre_key(lon, lat)).map(|&i| LOCALITIES.places[i].name.as_str())
}

/// Degrees to 4 decimals (about 10 m), as integers.
fn centre_key(lon: f64, lat: f64) -> (i64, i64) {
    ((lon * 1e4).round() as i64, (lat * 1e4).round() as i64)
}

/// The places a snapshot adds: its areas (at an interior point) and the
/// addresses of its resources, each address once (several services often
/// share one building; the first by id gives the point).
pub fn from_snapshot(areas: &[Area], resources: &[Resource]) -> Gazetteer {
    let mut entries = Vec::new();
    let mut addresses = std::collections::HashSet::new();
    for a in areas {
        let Some(p) = a.geometry.interior_point() else { continue };
        let place = Place {
            name: a.name.clone(),
            kind: PlaceKind::Area,
            country: a.country,
            lon: p.x(),
            lat: p.y(),
            population: a.population,
        };
        entries.push((place, vec![a.name.clone(), a.id.clone()]));
    }
    for r in resources {
        let (Some(address), Some([lon, lat])) = (&r.address, r.point()) else { continue };
        let name = match &r.city {
            Some(city) => format!("{address}, {city}"),
            None => address.clone(),
        };
        if !addresses.insert(fold(&name)) {
            continue;
        }
        let place = Place {
            name: name.clone(),
            kind: PlaceKind::Address,
            country: Some(r.country),
            lon,
            lat,
            population: None,
        };
        entries.push((place, vec![name, address.clone()]));
    }
    Gazetteer::new(entries)
}

/// Searches the shipped localities and a snapshot's own places together:
/// exact names first, then prefixes, then near misses; within each, areas and
/// addresses before localities, then the most populous.
pub fn search<'a>(query: &str, own: &'a Gazetteer, country: Option<Country>, limit: usize) -> Vec<&'a Place> {
    let wide = limit.saturating_mul(4).max(40);
    let mut hits: Vec<(Match, u8, &Place)> = own
        .search(query, wide)
        .into_iter()
        .map(|(m, p)| (m, 0, p))
        .chain(LOCALITIES.search(query, wide).into_iter().map(|(m, p)| (m, 1, p)))
        .filter(|(_, _, p)| country.is_none() || p.country == country)
        .collect();
    hits.sort_by(|a, b| {
        a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(b.2.population.unwrap_or(0).cmp(&a.2.population.unwrap_or(0)))
    });
    hits.into_iter().take(limit).map(|(_, _, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(places: Vec<&Place>) -> Vec<String> {
        places
            .iter()
            .map(|p| format!("{} {}", p.name, p.country.map(|c| c.to_string()).unwrap_or_default()))
            .collect()
    }

    #[test]
    fn localities_by_name_alternate_name_and_with_typos() {
        let none = Gazetteer::new(Vec::new());
        assert!(LOCALITIES.len() > 20_000);
        assert_eq!(names(search("Kaunas", &none, None, 1)), ["Kaunas LT"]);
        assert_eq!(names(search("София", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("Sofiya", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("sofja", &none, None, 1)), ["Sofia BG"]);
        assert_eq!(names(search("Vilnus", &none, None, 1)), ["Vilnius LT"], "a typo");
        assert_eq!(names(search("münch", &none, Some("DE".parse().unwrap()), 1)), ["Munich DE"]);
        assert!(search("xqzv", &none, None, 5).is_empty());
    }

    #[test]
    fn a_shared_address_is_one_place() {
        let at = |id: &str, address: &str, point: [f64; 2]| {
            let props = serde_json::json!({ "id": id, "name": id, "category": "day_centre", "country": "IT",
                                            "city": "Roma", "address": address, "coord_precision": "street" });
            let serde_json::Value::Object(map) = props else { unreachable!() };
            Resource::from_properties(&map, Some(point)).expect("valid")
        };
        let resources = [
            at("a", "Via Ostiense 106", [12.48, 41.86]),
            at("b", "via ostiense 106", [12.481, 41.861]),
            at("c", "Via Ostiense 110", [12.482, 41.862]),
        ];
        let own = from_snapshot(&[], &resources);
        let found: Vec<(&str, f64)> = search("via ostiense", &own, None, 10)
            .iter()
            .filter(|p| p.kind == PlaceKind::Address)
            .map(|p| (p.name.as_str(), p.lon))
            .collect();
        assert_eq!(found, [("Via Ostiense 106, Roma", 12.48), ("Via Ostiense 110, Roma", 12.482)]);
    }
}
