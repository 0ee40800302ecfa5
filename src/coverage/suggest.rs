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

use super::{EDGE_TOLERANCE_M, Localities, Query, nearest_hits};
use crate::index::Snapshot;

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
    let points = demand.all();
    let hits = nearest_hits(snapshot, demand, &query.resource_filter());
    let considered: Vec<bool> = points.iter().map(|l| query.wants(l.country)).collect();
    let mut uncovered: Vec<bool> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| considered[i] && h.is_none_or(|h| h.distance_m > radius_m + EDGE_TOLERANCE_M))
        .collect();
    let population = points.iter().zip(&considered).filter(|(_, c)| **c).map(|(l, _)| l.population).sum();
    let uncovered_before =
        points.iter().zip(&uncovered).filter(|(_, u)| **u).map(|(l, _)| l.population).sum();

    // Initial gains, scattered from each uncovered point to the candidate
    // sites around it (the radius is symmetric).
    let sites = candidates.all();
    let mut gain = vec![0u64; sites.len()];
    for (i, l) in points.iter().enumerate() {
        if uncovered[i] {
            for (c, _) in candidates.within(l.lon, l.lat, radius_m) {
                gain[c as usize] += l.population;
            }
        }
    }
    // Max-heap by gain, then the site's own population, then position.
    let mut heap: BinaryHeap<(u64, u64, Reverse<u32>)> = gain
        .iter()
        .enumerate()
        .filter(|&(i, &g)| g > 0 && query.wants(sites[i].country))
        .map(|(i, &g)| (g, sites[i].population, Reverse(i as u32)))
        .collect();
    let gain_at = |site: u32, uncovered: &[bool]| -> u64 {
        let l = candidates.get(site);
        demand
            .within(l.lon, l.lat, radius_m)
            .filter(|(i, _)| uncovered[*i as usize])
            .map(|(i, _)| demand.get(i).population)
            .sum()
    };
    let mut picks = Vec::new();
    while picks.len() < k {
        let Some((stale, own, Reverse(site))) = heap.pop() else { break };
        let fresh = gain_at(site, &uncovered);
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
        let l = candidates.get(site);
        for (i, _) in demand.within(l.lon, l.lat, radius_m) {
            uncovered[i as usize] = false;
        }
        picks.push(Suggestion { locality: site, newly_covered: fresh });
    }
    Suggestions { population, uncovered_before, picks }
}
