//! Place search for callers: localities of the four countries (GeoNames), the
//! loaded areas (e.g. Rome's municipi) and the resources' own addresses,
//! matched case- and accent-insensitively by prefix and with typos.

use std::collections::BTreeMap;

use fst::automaton::{Levenshtein, Str};
use fst::{Automaton, IntoStreamer, Map, Streamer};
use geo::InteriorPoint;
use serde::Serialize;

use crate::countries::Countries;
use crate::model::text::fold;
use crate::model::{Area, Country, Resource};

/// Where a place comes from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A city, town or village (GeoNames).
    #[default]
    Locality,
    /// A loaded area, e.g. a municipio.
    Area,
    /// A resource's street address.
    Address,
    /// One of Rome's quarters (`data/rome-quarters.tsv`), naming its municipi.
    Quarter,
    /// One of Rome's municipi, known by name even when no outline is loaded.
    Municipio,
    /// A neighbourhood of a capital (Who's On First, `data/neighbourhoods.tsv`).
    Neighbourhood,
}

/// How much of a quarter lies in the municipi it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Extent {
    /// All of it, in its one municipio.
    Whole,
    /// It spans the municipi named: the caller's street decides.
    Split,
    /// Only part of it is known to lie in the municipio named.
    Part,
    /// A GeoNames place: its municipio is the one holding its point.
    Point,
}

/// A named place, with a point when one is known.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Place {
    /// A stable id for quarters, municipi and areas (`/api/referral?place=`).
    pub id: Option<String>,
    /// The name as written locally.
    pub name: String,
    /// What it is.
    pub kind: PlaceKind,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Longitude (NaN when no point is known: see [`Place::point`]).
    pub lon: f64,
    /// Latitude (NaN when no point is known).
    pub lat: f64,
    /// Inhabitants, for localities and areas.
    pub population: Option<u64>,
    /// The city it belongs to ("Roma" for a quarter; a locality's own name).
    pub city: Option<String>,
    /// The municipi (area ids) a quarter or municipio lies in.
    pub municipi: Vec<String>,
    /// How much of it lies in those municipi.
    pub extent: Option<Extent>,
    /// Where an approximate point comes from: `geonames`, `source` or
    /// `area_interior`; `None` for a place's own point.
    pub point_source: Option<&'static str>,
    /// What kind of quarter, with its code ("zona urbanistica 8F").
    pub detail: Option<String>,
}

impl Place {
    /// The point, when one is known.
    pub fn point(&self) -> Option<[f64; 2]> {
        (self.lon.is_finite() && self.lat.is_finite()).then_some([self.lon, self.lat])
    }
}

/// Rome's centre: GeoNames 3169070 in `data/places.tsv`, where a Roman place
/// without a point is taken to be when ranking (never for a distance shown).
pub const ROME: [f64; 2] = [12.51133, 41.89193];

/// One row of `data/rome-quarters.tsv`.
#[derive(Debug, Clone)]
pub struct QuarterRow {
    /// `it-rm-municipio-NN` for a municipio, `it-rm-q-…` or `it-rm-geonames-…` otherwise.
    pub id: String,
    /// Local name.
    pub name: String,
    /// Other names (a gloss, the names of a municipio).
    pub alternates: Vec<String>,
    /// "zona urbanistica; rione", "municipio"…
    pub kind: String,
    /// Codes, e.g. "17a; R22".
    pub code: String,
    /// Area ids of the 2013 municipi it lies in.
    pub municipi: Vec<String>,
    /// How much of it lies there.
    pub extent: Extent,
    /// A point a source or GeoNames gives.
    pub point: Option<[f64; 2]>,
    /// "GeoNames 6545118" or "source".
    pub point_source: String,
    /// The source URLs.
    pub source: String,
    /// What else the sources say.
    pub note: String,
}

impl QuarterRow {
    /// Is this one of the 15 municipi?
    pub fn is_municipio(&self) -> bool {
        self.kind == "municipio"
    }
}

/// Rome's municipi and quarters, from `data/rome-quarters.tsv`.
#[derive(Debug, Clone, Default)]
pub struct Quarters {
    rows: Vec<QuarterRow>,
}

/// The number of columns of `data/rome-quarters.tsv`.
const QUARTER_COLUMNS: usize = 12;

impl Quarters {
    /// Parses the tab-separated text (`#` comments, a header starting `id`);
    /// the error names the line and the column.
    pub fn parse(text: &str) -> Result<Quarters, String> {
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.starts_with("id\t") {
                continue;
            }
            let at = i + 1;
            let c: Vec<&str> = line.split('\t').collect();
            let [id, name, alternates, kind, code, municipi, extent, lon, lat, point_source, source, note] =
                c[..]
            else {
                return Err(format!("line {at}: {} columns, not {QUARTER_COLUMNS}", c.len()));
            };
            let extent = match extent {
                "whole" => Extent::Whole,
                "split" => Extent::Split,
                "part" => Extent::Part,
                "point" => Extent::Point,
                other => {
                    return Err(format!("line {at}: extent '{other}' is not whole, split, part or point"));
                }
            };
            let point = match (lon, lat) {
                ("", "") => None,
                _ => match (lon.parse::<f64>(), lat.parse::<f64>()) {
                    (Ok(x), Ok(y)) => Some([x, y]),
                    _ => return Err(format!("line {at}: lon '{lon}', lat '{lat}' is not a point")),
                },
            };
            let list =
                |s: &str, sep: char| s.split(sep).filter(|x| !x.is_empty()).map(str::to_owned).collect();
            rows.push(QuarterRow {
                id: id.to_owned(),
                name: name.to_owned(),
                alternates: list(alternates, '|'),
                kind: kind.to_owned(),
                code: code.to_owned(),
                municipi: list(municipi, ','),
                extent,
                point,
                point_source: point_source.to_owned(),
                source: source.to_owned(),
                note: note.to_owned(),
            });
        }
        Ok(Quarters { rows })
    }

    /// Every row, in the order of the file.
    pub fn all(&self) -> &[QuarterRow] {
        &self.rows
    }

    /// The municipio or quarter with this id.
    pub fn get(&self, id: &str) -> Option<&QuarterRow> {
        self.rows.iter().find(|q| q.id == id)
    }

    /// The name of a municipio ("Municipio Roma VII") by its area id.
    pub fn municipio_name(&self, id: &str) -> Option<&str> {
        self.get(id).filter(|q| q.is_municipio()).map(|q| q.name.as_str())
    }
}

const ROMAN: [&str; 15] =
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"];

/// The number of the Rome municipio a query names in one of its usual forms
/// (`municipio 7`, `municipio VII`, `VII municipio`, `municipio roma 7`,
/// `Municipio Roma VII`, `mun. 7`), if it does.
pub fn municipio_number(query: &str) -> Option<u8> {
    let q = key(query).replace(['.', ',', '-'], " ");
    let words: Vec<&str> =
        q.split_whitespace().filter(|w| !matches!(*w, "roma" | "rome" | "di" | "del")).collect();
    let number = |w: &str| -> Option<u8> {
        let n = match w.parse::<u8>() {
            Ok(n) => n,
            Err(_) => ROMAN.iter().position(|r| *r == w)? as u8 + 1,
        };
        (1..=15).contains(&n).then_some(n)
    };
    let is_word = |w: &str| matches!(w, "municipio" | "mun" | "municipi");
    match words[..] {
        [a, b] if is_word(a) => number(b),
        [a, b] if is_word(b) => number(a),
        _ => None,
    }
}

/// Does the query look like a street with a house number ("Via Appia Nuova
/// 500", "12 Via dei Gracchi"), which only a geocoder can place?
pub fn is_street_address(query: &str) -> bool {
    if municipio_number(query).is_some() {
        return false;
    }
    let words: Vec<&str> = query.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let house = |w: &str| {
        let digits = w.chars().take_while(char::is_ascii_digit).count();
        (1..=4).contains(&digits)
            && w[digits..].chars().all(|c| c.is_ascii_alphabetic() || c == '/')
            && w[digits..].chars().filter(char::is_ascii_alphabetic).count() <= 1
    };
    let wordy = words.iter().filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2).count();
    words.len() >= 2
        && wordy >= 1
        && (words.last().is_some_and(|w| house(w)) || words.first().is_some_and(|w| house(w)))
}

/// The folded form names are indexed and looked up by: case, accents and
/// the kind of apostrophe aside.
fn key(s: &str) -> String {
    let folded = fold(s.trim());
    if folded.contains(['\u{2019}', '\u{2018}', '`']) {
        folded.replace(['\u{2019}', '\u{2018}', '`'], "'")
    } else {
        folded
    }
}

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
    fn search(&self, query: &str, limit: usize) -> Vec<(Match, &Place)> {
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
    /// The GeoNames localities of `data/places.tsv` (tab-separated, `#`
    /// comments, a header starting `geonameid`), but for those that are one
    /// of Rome's `quarters`, which are searched as that quarter. The error
    /// names the line and the column.
    pub fn localities(text: &str, quarters: &Quarters) -> Result<Gazetteer, String> {
        Gazetteer::localities_and_neighbourhoods(text, "", quarters).map_err(|(_, e)| e)
    }

    /// The localities (as [`Gazetteer::localities`]) and the capitals'
    /// neighbourhoods of `data/neighbourhoods.tsv` (tab-separated, `#`
    /// comments, a header starting `id`). The error names the file (0: the
    /// localities, 1: the neighbourhoods), the line and the column.
    pub fn localities_and_neighbourhoods(
        text: &str,
        neighbourhoods: &str,
        quarters: &Quarters,
    ) -> Result<Gazetteer, (usize, String)> {
        let mut entries = locality_entries(text, quarters).map_err(|e| (0, e))?;
        // A neighbourhood GeoNames lists too (as a section of its city), within
        // 3 km, is listed once: as the locality.
        let mut known: std::collections::HashMap<String, Vec<[f64; 2]>> = std::collections::HashMap::new();
        for (p, names) in &entries {
            for n in names {
                known.entry(key(n)).or_default().push([p.lon, p.lat]);
            }
        }
        for (p, names) in neighbourhood_entries(neighbourhoods).map_err(|e| (1, e))? {
            let twin = names.iter().any(|n| {
                known
                    .get(&key(n))
                    .into_iter()
                    .flatten()
                    .any(|&q| crate::sphere::geodesic_m([p.lon, p.lat], q) <= 3_000.0)
            });
            if !twin {
                entries.push((p, names));
            }
        }
        Ok(Gazetteer::new(entries))
    }
}

/// The places of `data/neighbourhoods.tsv`, each under its name and alternates.
fn neighbourhood_entries(text: &str) -> Result<Vec<(Place, Vec<String>)>, String> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("id\t") || line.is_empty() {
            continue;
        }
        let at = i + 1;
        let c: Vec<&str> = line.split('\t').collect();
        let [id, name, alternates, city, country, lon, lat, point_source, _source] = c[..] else {
            return Err(format!("line {at}: {} columns, not 9", c.len()));
        };
        let number = |field: &str, value: &str| {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("line {at}: {field} '{value}' is not a number"))
        };
        let point_source = match point_source {
            "wof" => "wof",
            "wof_in_osm" => "wof_in_osm",
            "osm_interior" => "osm_interior",
            other => {
                return Err(format!(
                    "line {at}: point_source '{other}' is not wof, wof_in_osm or osm_interior"
                ));
            }
        };
        let place = Place {
            id: Some(id.to_owned()),
            name: name.to_owned(),
            kind: PlaceKind::Neighbourhood,
            country: Some(country.parse().map_err(|e| format!("line {at}: country: {e}"))?),
            lon: number("lon", lon)?,
            lat: number("lat", lat)?,
            city: Some(city.to_owned()),
            point_source: Some(point_source),
            ..Place::default()
        };
        let names =
            std::iter::once(name).chain(alternates.split('|').filter(|a| !a.is_empty())).map(str::to_owned);
        entries.push((place, names.collect()));
    }
    Ok(entries)
}

/// The GeoNames localities of `data/places.tsv` but Rome's quarters.
fn locality_entries(text: &str, quarters: &Quarters) -> Result<Vec<(Place, Vec<String>)>, String> {
    {
        let quartered: std::collections::HashSet<&str> =
            quarters.all().iter().filter_map(|q| q.point_source.strip_prefix("GeoNames ")).collect();
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.starts_with("geonameid\t") {
                continue;
            }
            let row = places_row(i + 1, line)?;
            if quartered.contains(row.id) {
                continue;
            }
            let place = Place {
                id: Some(format!("geonames-{}", row.id)),
                name: row.name.to_owned(),
                kind: PlaceKind::Locality,
                country: Some(row.country),
                lon: row.lon,
                lat: row.lat,
                population: row.population,
                city: Some(row.name.to_owned()),
                ..Place::default()
            };
            let names =
                std::iter::once(row.name).chain(row.alternates.split('|')).map(str::to_owned).collect();
            entries.push((place, names));
        }
        Ok(entries)
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

/// One line of `data/places.tsv`, checked.
pub struct PlacesRow<'a> {
    /// GeoNames id.
    pub id: &'a str,
    /// Local name.
    pub name: &'a str,
    /// Its country.
    pub country: Country,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Inhabitants (none when the column is empty).
    pub population: Option<u64>,
    /// GeoNames feature code (PPLC, PPLX…).
    pub feature_code: &'a str,
    /// Other names, `|`-separated.
    pub alternates: &'a str,
}

/// Parses line `at` of `data/places.tsv`; the error names the line and the
/// column.
pub fn places_row(at: usize, line: &str) -> Result<PlacesRow<'_>, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [id, name, country, lon, lat, population, feature_code, alternates] = cols[..] else {
        return Err(format!("line {at}: {} columns, not 8", cols.len()));
    };
    let number = |field: &str, value: &str| {
        value
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("line {at}: {field} '{value}' is not a number"))
    };
    Ok(PlacesRow {
        id,
        name,
        country: country.parse().map_err(|e| format!("line {at}: country: {e}"))?,
        lon: number("lon", lon)?,
        lat: number("lat", lat)?,
        population: match population.trim() {
            "" => None,
            p => Some(p.parse().map_err(|_| format!("line {at}: population '{p}' is not a whole number"))?),
        },
        feature_code,
        alternates,
    })
}

/// Degrees to 4 decimals (about 10 m), as integers.
fn centre_key(lon: f64, lat: f64) -> (i64, i64) {
    ((lon * 1e4).round() as i64, (lat * 1e4).round() as i64)
}

/// The places a snapshot adds: its areas (at an interior point), Rome's
/// municipi and quarters (with the best point known: a source's or
/// GeoNames', else the interior point of their one municipio when it is
/// loaded, else none) and the addresses of its resources, each address once
/// (several services often share one building; the first by id gives the
/// point).
pub fn from_snapshot<'a>(
    areas: &[Area],
    resources: impl IntoIterator<Item = &'a Resource>,
    quarters: &Quarters,
) -> Gazetteer {
    let mut entries = Vec::new();
    let mut addresses = std::collections::HashSet::new();
    let loaded: BTreeMap<&str, &Area> = areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let area_names: std::collections::HashSet<String> = areas.iter().map(|a| key(&a.name)).collect();
    for a in areas {
        let Some(p) = a.geometry.interior_point() else { continue };
        let row = quarters.get(&a.id).filter(|q| q.is_municipio());
        let mut names = vec![a.name.clone(), a.id.clone()];
        if let Some(row) = row {
            names.push(row.name.clone());
            names.extend(row.alternates.iter().cloned());
        }
        let place = Place {
            id: Some(a.id.clone()),
            name: a.name.clone(),
            kind: PlaceKind::Area,
            country: a.country,
            lon: p.x(),
            lat: p.y(),
            population: a.population,
            city: row.map(|_| "Roma".to_owned()),
            municipi: row.map(|r| r.municipi.clone()).unwrap_or_default(),
            extent: row.map(|_| Extent::Whole),
            ..Place::default()
        };
        entries.push((place, names));
    }
    for q in quarters.all() {
        // A loaded outline of the same municipio or name is the better place.
        if loaded.contains_key(q.id.as_str()) || (!q.is_municipio() && area_names.contains(&key(&q.name))) {
            continue;
        }
        let interior = match (q.extent, &q.municipi[..]) {
            (Extent::Whole | Extent::Part, [one]) => {
                loaded.get(one.as_str()).and_then(|a| a.geometry.interior_point())
            }
            _ => None,
        };
        let (point, source) = match (q.point, interior) {
            (Some(p), _) => {
                (Some(p), Some(if q.point_source.starts_with("GeoNames") { "geonames" } else { "source" }))
            }
            (None, Some(p)) => (Some([p.x(), p.y()]), Some("area_interior")),
            (None, None) => (None, None),
        };
        let place = Place {
            id: Some(q.id.clone()),
            name: q.name.clone(),
            kind: if q.is_municipio() { PlaceKind::Municipio } else { PlaceKind::Quarter },
            country: "IT".parse().ok(),
            lon: point.map_or(f64::NAN, |p| p[0]),
            lat: point.map_or(f64::NAN, |p| p[1]),
            population: None,
            city: Some("Roma".to_owned()),
            municipi: q.municipi.clone(),
            extent: Some(q.extent),
            point_source: source,
            detail: (!q.is_municipio()).then(|| describe(q)),
        };
        let mut names = vec![q.name.clone(), q.id.clone()];
        names.extend(q.alternates.iter().cloned());
        entries.push((place, names));
    }
    for r in resources {
        let (Some(address), Some([lon, lat])) = (&r.address, r.point()) else { continue };
        let name = match &r.city {
            Some(city) => format!("{address}, {city}"),
            None => address.clone(),
        };
        if !addresses.insert(key(&name)) {
            continue;
        }
        let place = Place {
            name: name.clone(),
            kind: PlaceKind::Address,
            country: Some(r.country),
            lon,
            lat,
            city: r.city.clone(),
            ..Place::default()
        };
        entries.push((place, vec![name, address.clone()]));
    }
    Gazetteer::new(entries)
}

/// "zona urbanistica 8F; zona dell'Agro Romano Z13".
fn describe(q: &QuarterRow) -> String {
    let codes: Vec<&str> = q.code.split("; ").collect();
    q.kind
        .split("; ")
        .enumerate()
        .map(|(i, k)| match codes.get(i) {
            Some(c) if k != "GeoNames place" => format!("{k} {c}"),
            _ => k.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A lon/lat box: west, south, east, north (west ≤ east).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds(pub [f64; 4]);

impl Bounds {
    /// Does the box hold the point?
    pub fn contains(&self, [lon, lat]: [f64; 2]) -> bool {
        let [w, s, e, n] = self.0;
        w <= lon && lon <= e && s <= lat && lat <= n
    }

    /// Its centre.
    pub fn centre(&self) -> [f64; 2] {
        let [w, s, e, n] = self.0;
        [(w + e) / 2.0, (s + n) / 2.0]
    }

    /// Parses "west,south,east,north" in degrees.
    pub fn parse(s: &str) -> Result<Bounds, String> {
        let v: Vec<f64> =
            s.split(',').map(|x| x.trim().parse::<f64>()).collect::<Result<_, _>>().map_err(|_| {
                format!(
                    "'{s}' is not a box: give west,south,east,north in degrees, e.g. 12.23,41.65,12.86,42.15"
                )
            })?;
        match v[..] {
            [w, s_, e, n]
                if (-180.0..=180.0).contains(&w)
                    && (-180.0..=180.0).contains(&e)
                    && (-90.0..=90.0).contains(&s_)
                    && (-90.0..=90.0).contains(&n)
                    && w < e
                    && s_ < n =>
            {
                Ok(Bounds([w, s_, e, n]))
            }
            _ => Err(format!(
                "'{s}' is not a box: give four numbers west,south,east,north with west < east and south < north"
            )),
        }
    }
}

/// The territory a deployment serves, which place search prefers.
#[derive(Debug, Clone, PartialEq)]
pub enum Home {
    /// A covered country.
    Country(Country),
    /// Within `radius_m` of a city's centre.
    City {
        /// The city's name.
        name: String,
        /// Its centre.
        centre: [f64; 2],
        /// How far from the centre counts as home.
        radius_m: f64,
    },
    /// A box.
    Box(Bounds),
}

/// How far from a home city's centre still counts as home (Rome's own
/// territory reaches about 30 km out, to Ostia and Cesano).
pub const CITY_RADIUS_M: f64 = 35_000.0;

impl Default for Home {
    /// Rome, the help desk's city.
    fn default() -> Home {
        Home::City { name: "Rome".into(), centre: ROME, radius_m: CITY_RADIUS_M }
    }
}

impl Home {
    /// Parses `--home`: a country code (`IT`), a box (`west,south,east,north`)
    /// or the name of a city in the gazetteer (`Roma`, `Vilnius`).
    pub fn parse(s: &str, shipped: Shipped) -> Result<Home, String> {
        let s = s.trim();
        if s.contains(',') {
            return Bounds::parse(s).map(Home::Box);
        }
        let covered = Country::covered_list();
        if s.len() == 2 {
            let code = s.to_ascii_uppercase();
            return match code.parse::<Country>() {
                Ok(c) if c.is_covered() => Ok(Home::Country(c)),
                _ => Err(format!("'{s}' is not one of the covered countries: {covered}")),
            };
        }
        let none = Gazetteer::new(Vec::new());
        let bias = Bias { home: Home::Box(Bounds([0.0, 0.0, 0.0, 0.0])), view: None };
        search(s, &none, shipped, None, 1, &bias)
            .into_iter()
            .find(|f| f.quality == Match::Exact)
            .and_then(|f| Some((f.place.name.clone(), f.place.point()?)))
            .map(|(name, centre)| Home::City { name, centre, radius_m: CITY_RADIUS_M })
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a country code ({covered}), a box west,south,east,north or a known city"
                )
            })
    }

    /// Does home hold the point?
    pub fn contains(&self, p: [f64; 2], countries: &Countries) -> bool {
        match self {
            Home::Country(c) => countries.at(p[0], p[1]) == Some(*c),
            Home::City { centre, radius_m, .. } => crate::sphere::geodesic_m(*centre, p) <= *radius_m,
            Home::Box(b) => b.contains(p),
        }
    }

    /// The point distances from home are measured from (none for a country).
    pub fn centre(&self) -> Option<[f64; 2]> {
        match self {
            Home::Country(_) => None,
            Home::City { centre, .. } => Some(*centre),
            Home::Box(b) => Some(b.centre()),
        }
    }
}

/// What place search prefers: home and, from the page, the map's view.
#[derive(Debug, Clone, Default)]
pub struct Bias {
    /// The deployment's home.
    pub home: Home,
    /// The map view the operator is looking at.
    pub view: Option<Bounds>,
}

impl Bias {
    /// Is the place at home or in view? A Roman place without a point counts
    /// as at Rome's centre.
    fn near(&self, p: &Place, countries: &Countries) -> bool {
        let at = p.point().or_else(|| (p.city.as_deref() == Some("Roma")).then_some(ROME));
        at.is_some_and(|at| self.home.contains(at, countries) || self.view.is_some_and(|v| v.contains(at)))
    }
}

/// A place found, with how well it matched and whether it is near.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The place.
    pub place: &'a Place,
    /// Exact, prefix or with typos.
    pub quality: Match,
    /// At home or in view.
    pub near: bool,
}

impl Found<'_> {
    /// Rank: an exact or prefix match near home beats an exact one far away,
    /// which beats a near match with typos.
    pub fn tier(&self) -> u8 {
        match (self.quality, self.near) {
            (Match::Exact, true) => 0,
            (Match::Prefix, true) => 1,
            (Match::Exact, false) => 2,
            (Match::Typo(_), true) => 3,
            (Match::Prefix, false) => 4,
            (Match::Typo(_), false) => 5,
        }
    }
}

/// Quarters and imported areas of their size first, then municipi (a loaded
/// municipio's outline too: a quarter named in the text wins over the
/// municipio that contains it, even when the municipio is also known by the
/// quarter's name), addresses, localities.
fn kind_rank(p: &Place) -> u8 {
    match p.kind {
        PlaceKind::Area if !p.municipi.is_empty() => 1,
        PlaceKind::Quarter | PlaceKind::Area | PlaceKind::Neighbourhood => 0,
        PlaceKind::Municipio => 1,
        PlaceKind::Address => 2,
        PlaceKind::Locality => 3,
    }
}

/// What place search needs of the reference data: the shipped localities,
/// and the countries' outlines for a country home.
#[derive(Clone, Copy)]
pub struct Shipped<'a> {
    /// The GeoNames localities.
    pub localities: &'a Gazetteer,
    /// The covered countries' outlines.
    pub countries: &'a Countries,
}

/// Searches the shipped localities and a snapshot's own places together. A
/// municipio named in any usual form comes first; then by [`Found::tier`];
/// within a tier quarters and areas, then municipi, addresses and
/// localities, the most populous first.
pub fn search<'a>(
    query: &str,
    own: &'a Gazetteer,
    shipped: Shipped<'a>,
    country: Option<Country>,
    limit: usize,
    bias: &Bias,
) -> Vec<Found<'a>> {
    let wide = limit.saturating_mul(4).max(40);
    let municipio = municipio_number(query).and_then(|n| own.get(&format!("it-rm-municipio-{n:02}")));
    let mut hits: Vec<(Found, usize)> = municipio
        .map(|p| (p, Match::Exact))
        .into_iter()
        .chain(own.search(query, wide).into_iter().map(|(m, p)| (p, m)))
        .chain(shipped.localities.search(query, wide).into_iter().map(|(m, p)| (p, m)))
        .filter(|(p, _)| country.is_none() || p.country == country)
        .enumerate()
        .map(|(i, (place, quality))| (Found { place, quality, near: bias.near(place, shipped.countries) }, i))
        .collect();
    hits.sort_by(|(a, i), (b, j)| {
        let first = |f: &Found| municipio.is_some_and(|m| std::ptr::eq(m, f.place));
        first(b)
            .cmp(&first(a))
            .then(a.tier().cmp(&b.tier()))
            .then(kind_rank(a.place).cmp(&kind_rank(b.place)))
            .then(b.place.population.unwrap_or(0).cmp(&a.place.population.unwrap_or(0)))
            .then(i.cmp(j))
    });
    let mut seen = std::collections::HashSet::new();
    hits.into_iter().map(|(f, _)| f).filter(|f| seen.insert(f.place as *const Place)).take(limit).collect()
}

/// Is no place clearly first, so that the operator must ask and choose?
/// True when the first two share a tier and either lie in different cities
/// (not both Roman places, more than 20 km apart or one without a point) or
/// are both Roman places in different municipi ("Primavalle": zona 19B in
/// Municipio XIV, quartiere Q27 split between XIII and XIV).
pub fn ambiguous(found: &[Found]) -> bool {
    let [a, b, ..] = found else { return false };
    let apart = match (a.place.point(), b.place.point()) {
        (Some(p), Some(q)) => crate::sphere::geodesic_m(p, q) > 20_000.0,
        _ => true,
    };
    let roman = |f: &Found| f.place.city.as_deref() == Some("Roma");
    let municipi = |f: &Found| {
        let mut m = f.place.municipi.clone();
        m.sort();
        m
    };
    let other_municipi =
        !a.place.municipi.is_empty() && !b.place.municipi.is_empty() && municipi(a) != municipi(b);
    a.tier() == b.tier() && if roman(a) && roman(b) { other_municipi } else { apart }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Shipped<'static> {
        crate::reference::tests::shipped().places()
    }

    fn names(found: Vec<Found>) -> Vec<String> {
        found
            .iter()
            .map(|f| {
                format!("{} {}", f.place.name, f.place.country.map(|c| c.to_string()).unwrap_or_default())
            })
            .collect()
    }

    fn search<'a>(q: &str, own: &'a Gazetteer, country: Option<Country>, limit: usize) -> Vec<Found<'a>> {
        // A home far from every covered country: no bias.
        let bias = Bias { home: Home::Box(Bounds([-60.0, -10.0, -59.0, -9.0])), view: None };
        super::search(q, own, shipped(), country, limit, &bias)
    }

    #[test]
    fn localities_by_name_alternate_name_and_with_typos() {
        let none = Gazetteer::new(Vec::new());
        assert!(shipped().localities.len() > 20_000);
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
        let own = from_snapshot(&[], &resources, &crate::reference::tests::shipped().quarters);
        let found: Vec<(&str, f64)> = search("via ostiense", &own, None, 10)
            .iter()
            .filter(|f| f.place.kind == PlaceKind::Address)
            .map(|f| (f.place.name.as_str(), f.place.lon))
            .collect();
        assert_eq!(found, [("Via Ostiense 106, Roma", 12.48), ("Via Ostiense 110, Roma", 12.482)]);
    }

    #[test]
    fn municipio_forms_and_street_addresses_are_told_apart() {
        for q in [
            "municipio 7",
            "municipio VII",
            "VII municipio",
            "municipio roma 7",
            "Municipio Roma VII",
            "mun. 7",
            "Mun VII",
        ] {
            assert_eq!(municipio_number(q), Some(7), "{q}");
        }
        for q in ["municipio 16", "municipio", "roma 7", "municipio di saronno", "via municipio 7 bis x"] {
            assert_eq!(municipio_number(q), None, "{q}");
        }
        for q in [
            "Via Appia Nuova 500",
            "via dei gracchi 12",
            "12 Via dei Gracchi",
            "Mareschstraße 14",
            "via roma 3/a",
        ] {
            assert!(is_street_address(q), "{q}");
        }
        for q in ["Torre Angela", "municipio 7", "Roma 00184", "XV", "via appia"] {
            assert!(!is_street_address(q), "{q}");
        }
    }

    #[test]
    fn home_is_a_country_a_city_or_a_box() {
        assert_eq!(Home::parse("it", shipped()), Ok(Home::Country("IT".parse().expect("IT"))));
        assert!(
            matches!(Home::parse("Vilnius", shipped()), Ok(Home::City { name, .. }) if name == "Vilnius")
        );
        assert_eq!(
            Home::parse("12.23,41.65,12.86,42.15", shipped()),
            Ok(Home::Box(Bounds([12.23, 41.65, 12.86, 42.15])))
        );
        for bad in ["Atlantis", "12,41,11,42", "1,2,3", "FR"] {
            assert!(Home::parse(bad, shipped()).is_err(), "{bad}");
        }
        // Rome's centre is GeoNames' Rome point.
        assert!(matches!(Home::parse("Roma", shipped()), Ok(Home::City { centre, .. }) if centre == ROME));
    }
}
