//! Demand against supply: the anonymous demand log, grouped by period, area
//! and need, set against the resources that meet the need inside the area
//! and within a radius of it; areas ranked by unmet demand.
//!
//! A request counts as **unmet** when no resource meeting its need lies
//! within the radius of its area (whatever the desk did), or when the desk
//! referred the caller to no resource at all.
//!
//! No caller may be singled out: everything is added up from the published
//! cells (month × area × need, counts rounded to a multiple of 5, fewer than
//! 5 left out: [`crate::model::demand::cells`]), never from raw records, so
//! that no combination of filters, periods or radii tells more than the
//! cells do. The unmet count of a cell is its published request count when
//! no resource is near, or its published count of requests referred nowhere.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use geo::{Closest, CoordsIter, HaversineClosestPoint, InteriorPoint, Intersects};
use serde::Serialize;

use super::{Localities, Locality};
use crate::index::{Filter, Snapshot};
use crate::model::demand::{Cell, Count};
use crate::model::{Area, Country, Topic};
use crate::sphere;

/// How requests are grouped in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// The whole range asked for.
    #[default]
    All,
    /// Calendar years, `2026`.
    Year,
    /// Calendar quarters, `2026-Q4`.
    Quarter,
    /// Calendar months, `2026-11`.
    Month,
}

impl Period {
    /// The period a day falls in, as published.
    pub fn key(self, date: NaiveDate) -> String {
        match self {
            Period::All => "all".into(),
            Period::Year => date.year().to_string(),
            Period::Quarter => format!("{}-Q{}", date.year(), date.month0() / 3 + 1),
            Period::Month => date.format("%Y-%m").to_string(),
        }
    }

    /// Parses `all`, `year`, `quarter` or `month`.
    pub fn parse(s: &str) -> Option<Period> {
        match s.trim() {
            "all" => Some(Period::All),
            "year" => Some(Period::Year),
            "quarter" => Some(Period::Quarter),
            "month" => Some(Period::Month),
            _ => None,
        }
    }
}

/// What a demand-against-supply question is about.
#[derive(Debug, Clone, PartialEq)]
pub struct DemandQuery {
    /// Only these needs (all when empty).
    pub needs: Vec<Topic>,
    /// Only areas of these countries (all when empty).
    pub countries: Vec<Country>,
    /// How requests are grouped in time.
    pub period: Period,
    /// A resource within this many metres of an area's outline is nearby.
    pub radius_m: f64,
}

/// Matching resources of an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Supply {
    /// Located inside the area's outline, or declaring that they serve it.
    pub in_area: usize,
    /// Located within the radius of the outline (those inside included), or
    /// declaring that they serve it.
    pub within_radius: usize,
}

/// One period, area and need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandRow {
    /// `all`, a year, `YYYY-Qn` or `YYYY-MM`.
    pub period: String,
    /// The area's id, as logged.
    pub area: String,
    /// Its name, when the area is loaded.
    pub area_name: Option<String>,
    /// Its country, when known.
    pub country: Option<Country>,
    /// What was needed.
    pub need: Topic,
    /// Requests logged (published: a multiple of 5).
    pub requests: Count,
    /// Requests not met (see the module documentation).
    pub unmet: Count,
    /// Resources meeting the need; `None` when the area is no longer loaded.
    pub supply: Option<Supply>,
    /// Requests per resource within the radius; `None` when there is no such
    /// resource.
    pub requests_per_resource: Option<f64>,
}

/// One area's total over the needs and the whole range.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaRank {
    /// 1 for the most unmet demand, then the most requests (published
    /// figures); ties share a rank and are listed by id.
    pub rank: usize,
    /// The area's id.
    pub area: String,
    /// Its name, when loaded.
    pub area_name: Option<String>,
    /// Its country, when known.
    pub country: Option<Country>,
    /// Requests logged (published).
    pub requests: Count,
    /// Requests not met (published).
    pub unmet: Count,
    /// The needs with published unmet requests, most unmet first.
    pub unmet_needs: Vec<Topic>,
}

/// The whole answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DemandReport {
    /// How requests are grouped in time.
    pub period: Period,
    /// The radius, km.
    pub radius_km: f64,
    /// The needs asked for (empty: all).
    pub needs: Vec<Topic>,
    /// One per period, area and need with published requests, by period,
    /// area and need.
    pub rows: Vec<DemandRow>,
    /// The areas with published requests, most unmet demand first.
    pub ranking: Vec<AreaRank>,
    /// The sum of the rows.
    pub total: Count,
}

/// Resources meeting `need` for `area`, from the snapshot.
pub fn supply(snapshot: &Snapshot, area: &Area, need: Topic, radius_m: f64) -> Supply {
    let filter = Filter { topics: vec![need], ..Filter::default() };
    let matches = snapshot.index().matcher(&filter);
    let serving: Vec<u32> = snapshot.serving(&area.id).iter().copied().filter(|&i| matches(i)).collect();
    let (mut in_area, mut within) = (serving.clone(), serving);
    if let Some((centre, reach_m)) = reach(area) {
        for hit in
            snapshot.index().nearest(centre[0], centre[1], usize::MAX, Some(reach_m + radius_m), &filter)
        {
            let Some([lon, lat]) = snapshot.index().resource(hit.index).point() else { continue };
            let point = geo::Point::new(lon, lat);
            if area.geometry.intersects(&point) {
                in_area.push(hit.index);
                within.push(hit.index);
            } else if distance_to_outline_m(area, point).is_some_and(|d| d <= radius_m) {
                within.push(hit.index);
            }
        }
    }
    for list in [&mut in_area, &mut within] {
        list.sort_unstable();
        list.dedup();
    }
    Supply { in_area: in_area.len(), within_radius: within.len() }
}

/// The centre of an area's bounding box and a distance (metres) from it that
/// every point of the outline lies within.
fn reach(area: &Area) -> Option<([f64; 2], f64)> {
    let b = area.bounds()?;
    let centre = [(b.min().x + b.max().x) / 2.0, (b.min().y + b.max().y) / 2.0];
    let farthest =
        area.geometry.coords_iter().map(|c| sphere::geodesic_m(centre, [c.x, c.y])).fold(0.0, f64::max);
    // Edges are straight in degrees, not geodesics: allow for the bulge.
    Some((centre, farthest * 1.01 + 1.0))
}

/// Geodesic distance from a point outside the area to its outline.
fn distance_to_outline_m(area: &Area, point: geo::Point) -> Option<f64> {
    match area.geometry.haversine_closest_point(&point) {
        Closest::Intersection(_) => Some(0.0),
        Closest::SinglePoint(p) => Some(sphere::geodesic_m([point.x(), point.y()], [p.x(), p.y()])),
        Closest::Indeterminate => None,
    }
}

#[derive(Default)]
struct Tally {
    requests: Count,
    unmet: Count,
}

/// Sets the published cells against the snapshot's resources.
pub fn demand_vs_supply(snapshot: &Snapshot, cells: &[Cell], query: &DemandQuery) -> DemandReport {
    let wanted = |c: &&Cell| {
        (query.needs.is_empty() || query.needs.contains(&c.need))
            && (query.countries.is_empty()
                || snapshot
                    .area(&c.area)
                    .and_then(|a| a.country)
                    .is_some_and(|k| query.countries.contains(&k)))
    };
    // Supply depends on the area and need only: measure it once per pair.
    let mut supplies: BTreeMap<(&str, Topic), Option<Supply>> = BTreeMap::new();
    let mut rows: BTreeMap<(String, &str, Topic), Tally> = BTreeMap::new();
    let mut areas: BTreeMap<&str, (Tally, BTreeMap<Topic, Count>)> = BTreeMap::new();
    let mut total = Count::ZERO;
    for c in cells.iter().filter(wanted) {
        let supply = *supplies
            .entry((c.area.as_str(), c.need))
            .or_insert_with(|| snapshot.area(&c.area).map(|a| supply(snapshot, a, c.need, query.radius_m)));
        let unmet = if supply.is_none_or(|s| s.within_radius == 0) { c.requests } else { c.not_referred };
        let row = rows.entry((query.period.key(c.month), c.area.as_str(), c.need)).or_default();
        let (area, needs) = areas.entry(c.area.as_str()).or_default();
        for tally in [row, area] {
            tally.requests += c.requests;
            tally.unmet += unmet;
        }
        *needs.entry(c.need).or_default() += unmet;
        total += c.requests;
    }
    let loaded = |id: &str| snapshot.area(id);
    let rows = rows
        .into_iter()
        .map(|((period, area, need), t)| {
            let supply = supplies.get(&(area, need)).copied().flatten();
            DemandRow {
                period,
                area: area.to_owned(),
                area_name: loaded(area).map(|a| a.name.clone()),
                country: loaded(area).and_then(|a| a.country),
                need,
                requests: t.requests,
                unmet: t.unmet,
                supply,
                requests_per_resource: supply
                    .filter(|s| s.within_radius > 0)
                    .map(|s| (t.requests.value() as f64 / s.within_radius as f64 * 100.0).round() / 100.0),
            }
        })
        .collect();
    let mut ranking: Vec<AreaRank> = areas
        .into_iter()
        .map(|(area, (t, needs))| {
            let mut unmet_needs: Vec<(Topic, Count)> = needs.into_iter().filter(|n| n.1.is_shown()).collect();
            unmet_needs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            AreaRank {
                rank: 0,
                area: area.to_owned(),
                area_name: loaded(area).map(|a| a.name.clone()),
                country: loaded(area).and_then(|a| a.country),
                requests: t.requests,
                unmet: t.unmet,
                unmet_needs: unmet_needs.into_iter().map(|(n, _)| n).collect(),
            }
        })
        .collect();
    ranking.sort_by(|a, b| b.unmet.cmp(&a.unmet).then(b.requests.cmp(&a.requests)).then(a.area.cmp(&b.area)));
    let mut rank = 0;
    let mut previous = None;
    for (i, r) in ranking.iter_mut().enumerate() {
        let key = (r.unmet, r.requests);
        if previous != Some(key) {
            rank = i + 1;
            previous = Some(key);
        }
        r.rank = rank;
    }
    DemandReport {
        period: query.period,
        radius_km: query.radius_m / 1000.0,
        needs: query.needs.clone(),
        rows,
        ranking,
        total,
    }
}

/// The published cells (of the given needs, or all) as weighted demand
/// points for [`super::suggest_for`]: each at an interior point of its area
/// (never at a caller's own point); the cells of an area are merged and
/// weigh their published requests (so every weight is a multiple of 5).
/// Cells whose area is no longer loaded are left out; an area without a
/// country takes the one of `countries` its point lies in.
pub fn demand_points(
    snapshot: &Snapshot,
    countries: &crate::countries::Countries,
    cells: &[Cell],
    needs: &[Topic],
) -> Localities {
    let mut per_area: BTreeMap<&str, u64> = BTreeMap::new();
    for c in cells.iter().filter(|c| needs.is_empty() || needs.contains(&c.need)) {
        *per_area.entry(c.area.as_str()).or_default() += c.requests.value();
    }
    let items = per_area
        .into_iter()
        .filter_map(|(id, requests)| {
            let area = snapshot.area(id)?;
            let p = area.geometry.interior_point()?;
            let country = area.country.or_else(|| countries.at(p.x(), p.y()));
            Some((area, p, country, requests))
        })
        .enumerate()
        .map(|(i, (area, p, country, requests))| Locality {
            id: i as u64,
            name: area.id.clone(),
            country,
            lon: p.x(),
            lat: p.y(),
            population: requests,
        })
        .collect();
    Localities::new(items)
}
