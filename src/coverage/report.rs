//! The supply report: resources per category and per 100,000 inhabitants,
//! by country or area, with distance figures.

use std::collections::HashMap;

use geo::Intersects;
use serde::Serialize;

use crate::index::{BBox, Filter, Snapshot};
use crate::model::{Area, Category, Country, Topic};

use super::distance::round;
use super::populations::country_name;
use super::{
    COUNTRY_POPULATION_SOURCE, Completeness, Declaration, DistanceStats, Localities, Populations,
    REGION_POPULATION_SOURCE, nearest_hits,
};

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

    pub(super) fn wants(&self, country: Option<Country>) -> bool {
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
