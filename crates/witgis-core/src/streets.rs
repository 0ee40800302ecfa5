//! The deployment's own street map for place search: addresses, named
//! streets with their extent and named places from an OpenStreetMap extract
//! (`witgis import-places`, see [`crate::formats::osm_places`]), kept in the
//! store and searched in memory.
//!
//! A query is read as "street number[, city]" (or "number street"). Names
//! and queries are folded the same way: case, accents and the kind of
//! apostrophe aside, common abbreviations written out (`v.` via, `pr.`
//! prospektas, `str.` Straße, `ул.` улица) and the generic word of a street
//! (via, gatvė, улица…) left out, so that "Tuscolana 700" finds "Via
//! Tuscolana 700". Street names are looked up exactly, by prefix or with
//! typos (an FST with Levenshtein automata); the house number then exactly.
//! A number the index does not hold gives the street, saying so: never
//! another house.

use std::collections::{BTreeMap, HashMap};

use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Map, Streamer};
use serde::Serialize;

use crate::model::text::fold;

/// What an imported place is, and how precisely a match places what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// A house: the street and the number asked for.
    House,
    /// The street (its number is not known, or none was asked for).
    Street,
    /// A named part of a city: suburb, quarter, neighbourhood, hamlet, village.
    Neighbourhood,
    /// One of a city's administrative districts (e.g. a Rome municipio).
    District,
    /// A city, town or village as a whole.
    Locality,
}

impl Precision {
    /// The store's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::House => "house",
            Precision::Street => "street",
            Precision::Neighbourhood => "neighbourhood",
            Precision::District => "district",
            Precision::Locality => "locality",
        }
    }

    /// Parses the store's name.
    pub fn parse(s: &str) -> Option<Precision> {
        Some(match s {
            "house" => Precision::House,
            "street" => Precision::Street,
            "neighbourhood" => Precision::Neighbourhood,
            "district" => Precision::District,
            "locality" => Precision::Locality,
            _ => return None,
        })
    }
}

/// One address, street or named place of an extract.
#[derive(Debug, Clone, PartialEq)]
pub struct OsmPlace {
    /// House, street or neighbourhood.
    pub kind: Precision,
    /// The street's name (for a house too), or the place's.
    pub name: String,
    /// A house's number as tagged.
    pub housenumber: Option<String>,
    /// The city (`addr:city`, or the one most of the street's houses name).
    pub city: Option<String>,
    /// Longitude, latitude: the house, a point on the street, the place.
    pub point: [f64; 2],
    /// A street's extent: west, south, east, north.
    pub extent: Option<[f64; 4]>,
}

/// Words that say what kind of street a name is, left out of the key.
const GENERIC: &[&str] = &[
    "via",
    "viale",
    "piazza",
    "piazzale",
    "largo",
    "corso",
    "vicolo",
    "lungotevere",
    "gatve",
    "prospektas",
    "aleja",
    "skersgatvis",
    "plentas",
    "aikste",
    "strasse",
    "улица",
    "булевард",
    "площад",
];

/// Abbreviations written out, on folded words.
fn expand(word: &str) -> &str {
    match word {
        "v" => "via",
        "vle" => "viale",
        "pza" | "pzza" => "piazza",
        "ple" => "piazzale",
        "lgo" => "largo",
        "cso" => "corso",
        "g" => "gatve",
        "pr" | "pr-tas" => "prospektas",
        "al" => "aleja",
        "str" => "strasse",
        "ул" => "улица",
        "бул" | "бул-д" => "булевард",
        "пл" => "площад",
        other => other,
    }
}

/// Folds a name or query to its words: lower case, accents and ß aside,
/// dotted abbreviations ("v.le", "p.za") written out.
fn words(s: &str) -> Vec<String> {
    let mut f = fold(s).replace('ß', "ss");
    for (short, long) in [
        ("v.le", "viale "),
        ("p.zza", "piazza "),
        ("p.za", "piazza "),
        ("p.le", "piazzale "),
        ("l.go", "largo "),
        ("c.so", "corso "),
        ("ж.к.", "жк "),
    ] {
        if f.contains(short) {
            f = f.replace(short, long);
        }
    }
    f.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '/'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let w = expand(w);
            // German compounds: "Mareschstr" and "Mareschstraße" are one street.
            match w.strip_suffix("str") {
                Some(stem) if !stem.is_empty() && w.chars().all(char::is_alphabetic) => {
                    format!("{stem}strasse")
                }
                _ => w.to_owned(),
            }
        })
        .collect()
}

/// The key a name is indexed and looked up by: its words without the
/// generic ones (unless nothing else is left), joined by spaces.
pub fn key(name: &str) -> String {
    let all = words(name);
    let core: Vec<&str> = all.iter().map(String::as_str).filter(|w| !GENERIC.contains(w)).collect();
    if core.is_empty() { all.join(" ") } else { core.join(" ") }
}

/// A house number as compared: folded, spaces aside ("9 A" is "9a").
fn number_key(n: &str) -> String {
    fold(n).chars().filter(|c| !c.is_whitespace()).collect()
}

/// Are two house numbers the same ("9A" and "9 a" are)?
pub fn same_number(a: &str, b: &str) -> bool {
    number_key(a) == number_key(b)
}

/// Does the word look like a house number: 1 to 4 digits, then at most a
/// letter or a "/" part ("9", "12a", "3/1", "7-9")?
fn is_number(w: &str) -> bool {
    let digits = w.chars().take_while(char::is_ascii_digit).count();
    let rest = &w[digits..];
    (1..=4).contains(&digits)
        && rest.chars().count() <= 4
        && rest.chars().all(|c| c.is_alphanumeric() || c == '/' || c == '-')
        && rest.chars().filter(|c| c.is_alphabetic()).count() <= 1
}

/// A query read as street, house number and city.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The street or place name typed.
    pub name: String,
    /// The house number, when one was typed.
    pub number: Option<String>,
    /// The city, after a comma.
    pub city: Option<String>,
}

/// Splits "street number[, city]", "number street[, city]" or
/// "street, number[, city]".
pub fn parse(query: &str) -> Parsed {
    let mut parts = query.split(',').map(str::trim).filter(|p| !p.is_empty());
    let first = parts.next().unwrap_or_default();
    let mut rest: Vec<&str> = parts.collect();
    let tokens: Vec<&str> = first.split_whitespace().collect();
    let (name, mut number) = match tokens[..] {
        [.., last] if tokens.len() >= 2 && is_number(last) => {
            (tokens[..tokens.len() - 1].join(" "), Some(last.to_owned()))
        }
        [head, ..] if tokens.len() >= 2 && is_number(head) => (tokens[1..].join(" "), Some(head.to_owned())),
        _ => (first.to_owned(), None),
    };
    if number.is_none() && rest.first().is_some_and(|r| is_number(r)) {
        number = Some(rest.remove(0).to_owned());
    }
    Parsed { name, number, city: rest.first().map(|c| (*c).to_owned()) }
}

/// Most states of a typo automaton (more than fst's default, for long names
/// with two edits).
const MAX_STATES: usize = 100_000;

/// Most names a prefix is taken to start ("vi" starts thousands).
const MAX_PREFIXES: usize = 200;

/// One match, with how precisely it places what was asked.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetMatch<'a> {
    /// The house, street or place.
    pub place: &'a OsmPlace,
    /// House, street or neighbourhood.
    pub precision: Precision,
    /// Edits between the typed name and the place's (0: exact or prefix).
    pub edits: usize,
    /// The typed name is the start of the place's, not all of it.
    pub prefix: bool,
    /// The house number asked for but not in the index (the street is given).
    pub missing_number: Option<String>,
}

/// Addresses, streets and named places, searchable by name.
#[derive(Default)]
pub struct Streets {
    places: Vec<OsmPlace>,
    names: Map<Vec<u8>>,
    /// Per name key: its streets and named places.
    postings: Vec<Vec<u32>>,
    /// Per name key and folded house number: the houses.
    houses: HashMap<(u32, String), Vec<u32>>,
}

impl Streets {
    /// Indexes the places. A street name that only houses carry (the extract
    /// holds no way of that name) gets a street of their extent, one per city.
    pub fn new(mut places: Vec<OsmPlace>) -> Streets {
        let mut by_key: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        let mut streetless: BTreeMap<(String, Option<String>), [f64; 4]> = BTreeMap::new();
        for p in &places {
            let k = key(&p.name);
            if k.is_empty() {
                continue;
            }
            if p.kind == Precision::House {
                let [x, y] = p.point;
                let b = streetless.entry((p.name.clone(), p.city.clone())).or_insert([x, y, x, y]);
                *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
            }
        }
        let named: std::collections::HashSet<String> =
            places.iter().filter(|p| p.kind == Precision::Street).map(|p| key(&p.name)).collect();
        for ((name, city), [w, s, e, n]) in streetless {
            if !named.contains(&key(&name)) {
                let centre = [(w + e) / 2.0, (s + n) / 2.0];
                places.push(OsmPlace {
                    kind: Precision::Street,
                    name,
                    housenumber: None,
                    city,
                    point: centre,
                    extent: Some([w, s, e, n]),
                });
            }
        }
        for (i, p) in places.iter().enumerate() {
            let k = key(&p.name);
            if !k.is_empty() {
                by_key.entry(k).or_default().push(i as u32);
            }
        }
        let mut postings = Vec::with_capacity(by_key.len());
        let mut houses: HashMap<(u32, String), Vec<u32>> = HashMap::new();
        let names = Map::from_iter(by_key.into_iter().map(|(k, rows)| {
            let id = postings.len() as u32;
            let mut own = Vec::new();
            for i in rows {
                let p = &places[i as usize];
                match (&p.kind, &p.housenumber) {
                    (Precision::House, Some(n)) => houses.entry((id, number_key(n))).or_default().push(i),
                    (Precision::House, None) => {}
                    _ => own.push(i),
                }
            }
            postings.push(own);
            (k, u64::from(id))
        }))
        .unwrap_or_default();
        Streets { places, names, postings, houses }
    }

    /// How many places (houses, streets, named places) it holds.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when nothing was imported.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The places matching `query`: houses when a number is given and known,
    /// else the streets (saying the number is missing) and named places;
    /// exact names first, then prefixes, then typos; at most `limit`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<StreetMatch<'_>> {
        let parsed = parse(query);
        let found = self.search_parsed(&parsed, limit);
        if !found.is_empty() || parsed.number.is_none() {
            return found;
        }
        // A name that ends in a number ("Roma 70", "Quartiere 12") is a name.
        let first = query.split(',').next().unwrap_or(query).trim().to_owned();
        let city = parsed.city.clone();
        self.search_parsed(&Parsed { name: first, number: None, city }, limit)
    }

    fn search_parsed(&self, parsed: &Parsed, limit: usize) -> Vec<StreetMatch<'_>> {
        let q = key(&parsed.name);
        if q.chars().count() < 2 || self.places.is_empty() {
            return Vec::new();
        }
        let city = parsed.city.as_deref().map(key);
        let mut hits: Vec<(usize, bool, u32)> = Vec::new();
        if let Some(id) = self.names.get(&q) {
            hits.push((0, false, id as u32));
        }
        // A name typed in part: only without a number (the number comes last).
        if parsed.number.is_none() {
            let mut prefix = self.names.search(Str::new(&q).starts_with()).into_stream();
            let mut taken = 0;
            while let Some((k, id)) = prefix.next() {
                if k != q.as_bytes() {
                    hits.push((0, true, id as u32));
                    taken += 1;
                    if taken == MAX_PREFIXES {
                        break;
                    }
                }
            }
        }
        let allowed = match q.chars().count() {
            0..=3 => 0,
            4..=7 => 1,
            _ => 2,
        };
        // fst's automaton finds no typo in a name in another script
        // (Cyrillic): those are compared one by one among the names that
        // start with the same letter.
        if allowed > 0 && !q.is_ascii() {
            let first: String = q.chars().take(1).collect();
            let mut same_start = self.names.search(Str::new(&first).starts_with()).into_stream();
            while let Some((k, id)) = same_start.next() {
                let edits = strsim::levenshtein(&q, &String::from_utf8_lossy(k));
                if (1..=allowed).contains(&edits) {
                    hits.push((edits, false, id as u32));
                }
            }
        }
        let automaton =
            (1..=allowed).rev().find_map(|n| Levenshtein::new_with_limit(&q, n as u32, MAX_STATES).ok());
        if allowed > 0 && q.is_ascii() {
            if let Some(lev) = automaton {
                let mut typo = self.names.search(lev).into_stream();
                while let Some((k, id)) = typo.next() {
                    let edits = strsim::levenshtein(&q, &String::from_utf8_lossy(k));
                    if edits > 0 {
                        hits.push((edits, false, id as u32));
                    }
                }
            }
        }
        hits.sort();
        let mut seen = std::collections::HashSet::new();
        hits.retain(|h| seen.insert(h.2));
        let in_city = |p: &OsmPlace| match (&city, &p.city) {
            (Some(c), Some(pc)) => key(pc) == *c,
            _ => true,
        };
        let mut out = Vec::new();
        for (edits, prefix, id) in hits {
            let number = parsed.number.as_deref();
            let houses: Vec<&OsmPlace> = number
                .and_then(|n| self.houses.get(&(id, number_key(n))))
                .into_iter()
                .flatten()
                .map(|&i| &self.places[i as usize])
                .filter(|p| in_city(p))
                .collect();
            if !houses.is_empty() {
                out.extend(houses.into_iter().map(|place| StreetMatch {
                    place,
                    precision: Precision::House,
                    edits,
                    prefix,
                    missing_number: None,
                }));
                continue;
            }
            for &i in self.postings.get(id as usize).into_iter().flatten() {
                let place = &self.places[i as usize];
                if !in_city(place) || (number.is_some() && place.kind != Precision::Street) {
                    continue;
                }
                out.push(StreetMatch {
                    place,
                    precision: place.kind,
                    edits,
                    prefix,
                    missing_number: number.map(str::to_owned),
                });
            }
        }
        out.truncate(limit);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_split_into_street_number_and_city() {
        let p = |name: &str, number: Option<&str>, city: Option<&str>| Parsed {
            name: name.into(),
            number: number.map(Into::into),
            city: city.map(Into::into),
        };
        assert_eq!(parse("via Tuscolana 700"), p("via Tuscolana", Some("700"), None));
        assert_eq!(parse("Gedimino pr. 9, Vilnius"), p("Gedimino pr.", Some("9"), Some("Vilnius")));
        assert_eq!(parse("12 Via dei Gracchi"), p("Via dei Gracchi", Some("12"), None));
        assert_eq!(parse("Via Tuscolana, 700, Roma"), p("Via Tuscolana", Some("700"), Some("Roma")));
        assert_eq!(parse("Tor Bella Monaca"), p("Tor Bella Monaca", None, None));
        assert_eq!(parse("ул. Шипка 6а"), p("ул. Шипка", Some("6а"), None));
    }

    fn place(kind: Precision, name: &str, number: Option<&str>, point: [f64; 2]) -> OsmPlace {
        OsmPlace {
            kind,
            name: name.into(),
            housenumber: number.map(Into::into),
            city: None,
            point,
            extent: None,
        }
    }

    #[test]
    fn a_name_ending_in_a_number_and_a_long_cyrillic_typo_are_found() {
        let streets = Streets::new(vec![
            place(Precision::Neighbourhood, "Roma 70", None, [12.5, 41.8]),
            place(Precision::Street, "улица Синтетична 123", None, [23.3, 42.7]),
            place(Precision::House, "улица Синтетична 123", Some("5"), [23.31, 42.71]),
        ]);
        let first = |q: &str| streets.search(q, 5).first().map(|m| (m.place.name.clone(), m.precision));
        assert_eq!(first("Roma 70"), Some(("Roma 70".into(), Precision::Neighbourhood)));
        assert_eq!(first("улица Снтетична 123 5"), Some(("улица Синтетична 123".into(), Precision::House)));
        assert_eq!(first("Qwerty 70"), None);
    }

    #[test]
    fn abbreviations_and_generic_words_share_a_key() {
        assert_eq!(key("Via Tuscolana"), key("v. tuscolana"));
        assert_eq!(key("Via Tuscolana"), key("Tuscolana"));
        assert_eq!(key("Viale Manzoni"), key("V.le Manzoni"));
        assert_eq!(key("Gedimino prospektas"), key("Gedimino pr."));
        assert_eq!(key("Žirmūnų gatvė"), key("zirmunu g."));
        assert_eq!(key("Mareschstraße"), key("Mareschstr."));
        assert_eq!(key("Mareschstraße"), key("mareschstrasse"));
        assert_eq!(key("улица Шипка"), key("ул. Шипка"));
        assert_eq!(key("бул. Витоша"), key("булевард Витоша"));
        assert_ne!(key("Via Appia Nuova"), key("Via Appia Antica"));
    }
}
