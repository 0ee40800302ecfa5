//! The gazetteer: places indexed by every folded name in an `fst` map, for
//! exact, prefix and Levenshtein search.

use std::collections::BTreeMap;

use super::{Place, key};
use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Map, Streamer};

/// A searchable set of places: every name and alternate name, folded, in an
/// `fst` map for prefix and Levenshtein search.
pub struct Gazetteer {
    places: Vec<Place>,
    names: Map<Vec<u8>>,
    postings: Vec<Vec<u32>>,
    by_id: std::collections::HashMap<String, u32>,
    /// Places by their point to about 10 m, built on first use.
    centres: std::sync::OnceLock<std::collections::HashMap<(i64, i64), usize>>,
}

/// How well a place matched; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
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
        let mut by_id = std::collections::HashMap::new();
        for (i, (place, names)) in entries.into_iter().enumerate() {
            if let Some(id) = &place.id {
                by_id.entry(id.clone()).or_insert(i as u32);
            }
            for name in names {
                let key = key(&name);
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
        Gazetteer { places, names, postings, by_id, centres: std::sync::OnceLock::new() }
    }

    /// The place with this id.
    pub fn get(&self, id: &str) -> Option<&Place> {
        self.by_id.get(id).map(|&i| &self.places[i as usize])
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
    pub(super) fn search(&self, query: &str, limit: usize) -> Vec<(Match, &Place)> {
        let q = key(query);
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

impl Gazetteer {
    /// The name of the place whose point is this one (to about 10 m), if
    /// any: for the localities, what an approximate `district` point is the
    /// centre of.
    pub fn centred_at(&self, lon: f64, lat: f64) -> Option<&str> {
        let centres = self.centres.get_or_init(|| {
            let mut centres = std::collections::HashMap::new();
            for (i, p) in self.places.iter().enumerate() {
                centres.entry(centre_key(p.lon, p.lat)).or_insert(i);
            }
            centres
        });
        centres.get(&centre_key(lon, lat)).map(|&i| self.places[i].name.as_str())
    }
}

/// Degrees to 4 decimals (about 10 m), as integers.
fn centre_key(lon: f64, lat: f64) -> (i64, i64) {
    ((lon * 1e4).round() as i64, (lat * 1e4).round() as i64)
}
