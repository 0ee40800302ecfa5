//! Where to add a service: a greedy maximal covering location heuristic.
//!
//! Demand is the population of the localities (or the requests of the demand
//! log) farther than the radius from every matching resource. Candidate
//! sites are the localities.
//! Each step picks the site whose circle holds the most still-uncovered
//! population, then marks that population covered. Coverage gains only shrink
//! as sites are added (the objective is submodular), so a stale gain is an
//! upper bound: the "lazy greedy" keeps candidates in a max-heap and only
//! recomputes the top one, which gives the same picks as the plain greedy
//! with far fewer radius queries.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use rstar::RTree;
use rstar::primitives::GeomWithData;

use super::{EDGE_TOLERANCE_M, Localities, Query, is_within, nearest_hits, search_chord_2};
use crate::index::Snapshot;
use crate::sphere::{self, UnitVec};
use crate::work::{Budget, Stop};

/// What a suggestion covers, and how its figures may be published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    /// The people of the localities (public figures).
    Population,
    /// The requests of the demand log, counted from its published cells.
    Demand,
}

impl Weight {
    /// The weight named `population` or `demand`.
    pub fn parse(name: &str) -> Option<Weight> {
        match name {
            "population" => Some(Weight::Population),
            "demand" => Some(Weight::Demand),
            _ => None,
        }
    }

    /// What the figures count, in the answer's property names.
    pub fn unit(self) -> &'static str {
        match self {
            Weight::Population => "population",
            Weight::Demand => "requests",
        }
    }

    /// The least a suggested site must newly cover: 5 requests, since a
    /// smaller gain would point at a handful of callers.
    pub fn min_gain(self) -> u64 {
        match self {
            Weight::Population => 1,
            Weight::Demand => 5,
        }
    }

    /// A figure as published: requests are sums of published cells
    /// (multiples of 5, small ones suppressed), so 0 reads "<5".
    pub fn published(self, n: u64) -> serde_json::Value {
        match self {
            Weight::Demand if n == 0 => serde_json::json!("<5"),
            _ => serde_json::json!(n),
        }
    }
}

/// One suggested site.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Suggestion {
    /// Position of the candidate locality in [`Localities::all`].
    pub locality: u32,
    /// Population it newly covers (not covered by resources or earlier picks).
    pub newly_covered: u64,
}

/// The outcome of [`suggest`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestions {
    /// Weight (population, or requests) of the demand points considered.
    pub population: u64,
    /// Of which farther than the radius from every matching resource.
    pub uncovered_before: u64,
    /// The picks, best first; fewer than `k` when nobody is left to cover.
    pub picks: Vec<Suggestion>,
    /// Demand points and candidate sites visited on the way (a measure of
    /// the work done, for tests and benchmarks).
    #[serde(skip)]
    pub visits: u64,
}

/// Up to `k` sites (localities of the query's countries) that together
/// cover the most population now farther than `radius_m` from any matching
/// resource.
pub fn suggest(
    snapshot: &Snapshot,
    localities: &Localities,
    query: &Query,
    radius_m: f64,
    k: usize,
) -> Suggestions {
    suggest_for(snapshot, localities, localities, query, radius_m, k, 1)
}

/// Up to `k` sites among `candidates` that together cover the most weight of
/// `demand` now farther than `radius_m` from any matching resource; each
/// demand point weighs its `population` (people, or logged requests). Only
/// points and candidates of the query's countries count. Picking stops when
/// the best site would newly cover less than `min_gain`.
pub fn suggest_for(
    snapshot: &Snapshot,
    demand: &Localities,
    candidates: &Localities,
    query: &Query,
    radius_m: f64,
    k: usize,
    min_gain: u64,
) -> Suggestions {
    let budget = Budget::unlimited();
    match suggest_within(snapshot, demand, candidates, query, radius_m, k, min_gain, &budget) {
        Ok(s) => s,
        // An unlimited budget nobody cancels never stops the work.
        Err(_) => Suggestions { population: 0, uncovered_before: 0, picks: Vec::new(), visits: 0 },
    }
}

/// A demand point not yet covered, in the tree of those left.
type Open = GeomWithData<UnitVec, u32>;

/// [`suggest_for`] within a [`Budget`]: checked as the work goes, so that
/// the work stops when the caller leaves or the time is up.
///
/// The work is bounded by the demand still uncovered: only uncovered points
/// are indexed (covered ones are removed as sites are picked), so a site's
/// gain costs a visit per uncovered point around it, however many people
/// around it are already served; and only sites with an uncovered point
/// within the radius are candidates at all.
#[allow(clippy::too_many_arguments)]
pub fn suggest_within(
    snapshot: &Snapshot,
    demand: &Localities,
    candidates: &Localities,
    query: &Query,
    radius_m: f64,
    k: usize,
    min_gain: u64,
    budget: &Budget,
) -> Result<Suggestions, Stop> {
    budget.check()?;
    let points = demand.all();
    let hits = nearest_hits(snapshot, demand, &query.resource_filter());
    budget.check()?;
    let considered: Vec<bool> = points.iter().map(|l| query.wants(l.country)).collect();
    let uncovered: Vec<bool> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| considered[i] && h.is_none_or(|h| h.distance_m > radius_m + EDGE_TOLERANCE_M))
        .collect();
    let population = points.iter().zip(&considered).filter(|(_, c)| **c).map(|(l, _)| l.population).sum();
    let uncovered_before =
        points.iter().zip(&uncovered).filter(|(_, u)| **u).map(|(l, _)| l.population).sum();
    let mut visits = 0u64;

    // Initial gains, scattered from each uncovered point to the candidate
    // sites around it (the radius is symmetric).
    let sites = candidates.all();
    let mut gain = vec![0u64; sites.len()];
    let mut open: Vec<Open> = Vec::new();
    for (i, l) in points.iter().enumerate() {
        if uncovered[i] {
            budget.check()?;
            open.push(Open::new(sphere::unit_vector(l.lon, l.lat), i as u32));
            for c in candidates.within(l.lon, l.lat, radius_m) {
                gain[c as usize] += l.population;
                visits += 1;
            }
        }
    }
    // Never changed in place (a bulk-loaded rstar tree can break on change,
    // georust/rstar#239): a point that a pick covers is marked instead.
    let open = RTree::bulk_load(open);
    let mut covered = vec![false; points.len()];
    // Max-heap by gain, then the site's own population, then position.
    let mut heap: BinaryHeap<(u64, u64, Reverse<u32>)> = gain
        .iter()
        .enumerate()
        .filter(|&(i, &g)| g > 0 && query.wants(sites[i].country))
        .map(|(i, &g)| (g, sites[i].population, Reverse(i as u32)))
        .collect();
    // The uncovered demand points within the radius of a site.
    let around = |covered: &[bool], site: u32, visits: &mut u64| -> Vec<u32> {
        let l = candidates.get(site);
        let origin = sphere::unit_vector(l.lon, l.lat);
        let found: Vec<u32> = open
            .locate_within_distance(origin, search_chord_2(radius_m))
            .filter(|e| !covered[e.data as usize])
            .filter(|e| {
                let p = demand.get(e.data);
                is_within([l.lon, l.lat], &origin, [p.lon, p.lat], e.geom(), radius_m)
            })
            .map(|e| e.data)
            .collect();
        *visits += found.len() as u64 + 1;
        found
    };
    let mut picks = Vec::new();
    while picks.len() < k {
        budget.check()?;
        let Some((stale, own, Reverse(site))) = heap.pop() else { break };
        let inside = around(&covered, site, &mut visits);
        let fresh: u64 = inside.iter().map(|&i| demand.get(i).population).sum();
        if fresh == 0 {
            continue;
        }
        if fresh < stale && heap.peek().is_some_and(|&top| top > (fresh, own, Reverse(site))) {
            heap.push((fresh, own, Reverse(site)));
            continue;
        }
        if fresh < min_gain {
            break; // the best site left: no other reaches the minimum either
        }
        for i in inside {
            covered[i as usize] = true;
        }
        picks.push(Suggestion { locality: site, newly_covered: fresh });
    }
    Ok(Suggestions { population, uncovered_before, picks, visits })
}
