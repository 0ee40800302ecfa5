//! Distances from localities to the nearest resource: radius tests with an
//! edge tolerance, the nearest hit of each locality, population-weighted
//! figures.

use serde::Serialize;

use crate::index::{Filter, Hit, Snapshot};
use crate::sphere::{self, UnitVec};

use super::{Localities, Locality};

/// Distances within this much of a threshold count as within it: geodesic
/// computations are exact to nanometres, so a place "exactly 5 km" away is
/// within 5 km whatever the last bit of rounding.
pub const EDGE_TOLERANCE_M: f64 = 0.001;

/// The thresholds of the "share of population within" figures, in km.
pub const WITHIN_KM: [f64; 3] = [5.0, 10.0, 25.0];

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

pub(super) fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}
