//! The localities left farthest from every matching resource.

use crate::index::{Hit, Snapshot};

use super::{EDGE_TOLERANCE_M, Localities, Query, nearest_hits};

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
