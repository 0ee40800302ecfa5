//! Points on the sphere as unit vectors, and the bounds that tie the sphere's
//! angles to geodesic metres on the WGS84 ellipsoid.
//!
//! The Euclidean (chord) distance between two unit vectors is `2 sin(θ/2)`,
//! strictly increasing in the great-circle angle θ, so a Euclidean nearest
//! search over unit vectors returns points in exact great-circle order, with
//! no special case at the antimeridian or the poles.

use geo::{Distance, Geodesic, Point, VincentyDistance};

/// A unit vector in Earth-centred coordinates.
pub type UnitVec = [f64; 3];

/// WGS84 semi-major axis, metres.
const A: f64 = 6_378_137.0;
/// WGS84 flattening.
const F: f64 = 1.0 / 298.257_223_563;
/// WGS84 first eccentricity squared.
const E2: f64 = F * (2.0 - F);

/// Smallest radius of curvature of the WGS84 ellipsoid (meridian, at the
/// equator): along any path, ellipsoidal length ≥ this × spherical angle.
pub const MIN_RADIUS_M: f64 = A * (1.0 - E2);
/// Largest radius of curvature (at the poles): the geodesic between two points
/// is at most this × their great-circle angle.
pub const MAX_RADIUS_M: f64 = A / (1.0 - F); // a / sqrt(1 - e²), and sqrt(1 - e²) = 1 - f

/// The unit vector of a lon/lat point in degrees.
pub fn unit_vector(lon: f64, lat: f64) -> UnitVec {
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let (sin_lon, cos_lon) = lon.to_radians().sin_cos();
    [cos_lat * cos_lon, cos_lat * sin_lon, sin_lat]
}

/// The great-circle angle (radians) for a squared chord length.
pub fn angle_from_chord_2(chord_2: f64) -> f64 {
    2.0 * (chord_2.max(0.0).sqrt() / 2.0).min(1.0).asin()
}

/// Meridional radius of curvature at geodetic latitude `lat` (radians): the
/// smaller of the two principal radii there, growing from the equator to
/// the poles.
fn meridional_radius_m(lat: f64) -> f64 {
    A * (1.0 - E2) / (1.0 - E2 * lat.sin().powi(2)).powf(1.5)
}

/// The squared chord beyond which no point is within `metres` (geodesic) of
/// the point at latitude `lat` (degrees): if the unit vectors of the two
/// points are more than this apart (squared), their geodesic is longer than
/// `metres`. `f64::INFINITY` when the bound says nothing.
///
/// Why it holds: the ellipsoid's length element is at least the meridional
/// radius M(φ) times the sphere's (M ≤ N everywhere), so a geodesic of
/// length L maps onto a sphere path of angle ≥ θ (the points' great-circle
/// angle). If L ≤ `metres`, that path stays within `metres / MIN_RADIUS_M`
/// radians of the start, where M is at least M at the lowest latitude it
/// can reach; hence θ ≤ `metres / M(φ_low)`.
pub fn beyond_chord_2(lat: f64, metres: f64) -> f64 {
    let reach = metres / MIN_RADIUS_M;
    let lowest = (lat.to_radians().abs() - reach).max(0.0);
    let angle = metres / meridional_radius_m(lowest) * (1.0 + 1e-9);
    if angle >= std::f64::consts::PI {
        return f64::INFINITY;
    }
    // Margins for rounding, relative and absolute (a chord between two unit
    // vectors is only known to ~1e-16): the bound must never cut a point at
    // exactly `metres`.
    (2.0 * (angle / 2.0).sin() + 4e-15).powi(2)
}

/// Geodesic distance in metres on the WGS84 ellipsoid between lon/lat points.
///
/// Vincenty's inverse method (iterated to 10⁻¹² rad, within a few
/// micrometres of Karney's) where it is well conditioned — the points less
/// than 150° of longitude apart, which holds every nearest answer in Europe —
/// and Karney's method otherwise, or wherever Vincenty does not converge
/// (nearly antipodal points). Vincenty costs about a third of Karney, and a
/// nearest-10 answer measures at least ten distances.
pub fn geodesic_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (p, q) = (Point::new(a[0], a[1]), Point::new(b[0], b[1]));
    let dlon = (a[0] - b[0]).rem_euclid(360.0);
    if dlon.min(360.0 - dlon) < VINCENTY_MAX_DLON {
        if let Ok(d) = p.vincenty_distance(&q) {
            return d;
        }
    }
    karney_m(a, b)
}

/// Longitude difference (degrees) below which [`geodesic_m`] uses Vincenty.
const VINCENTY_MAX_DLON: f64 = 150.0;

/// Geodesic distance in metres by Karney's method, exact to nanometres
/// everywhere (also between antipodes).
pub fn karney_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// Great-circle angle in radians between lon/lat points, via unit vectors.
pub fn angle(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (u, v) = (unit_vector(a[0], a[1]), unit_vector(b[0], b[1]));
    let cross = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
    let sin = (cross[0].powi(2) + cross[1].powi(2) + cross[2].powi(2)).sqrt();
    let cos = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
    sin.atan2(cos)
}

/// An axis-aligned box in unit-vector space that holds every point of the
/// lon/lat rectangle `[west, east] × [south, north]` (with `west ≤ east`).
pub fn enclosing_box(west: f64, south: f64, east: f64, north: f64) -> (UnitVec, UnitVec) {
    let (w, e) = (west.to_radians(), east.to_radians());
    let (s, n) = (south.to_radians(), north.to_radians());
    // Ranges of cos(lat), cos(lon) and sin(lon) over the rectangle.
    let cos_lat = (s.cos().min(n.cos()), if s <= 0.0 && n >= 0.0 { 1.0 } else { s.cos().max(n.cos()) });
    let contains = |angle: f64| {
        // Is `angle` (or angle ± 2π) inside [w, e]?
        [-std::f64::consts::TAU, 0.0, std::f64::consts::TAU].iter().any(|k| (w..=e).contains(&(angle + k)))
    };
    let range = |f: fn(f64) -> f64, max_at: f64, min_at: f64| {
        let (a, b) = (f(w), f(e));
        let hi = if contains(max_at) { 1.0 } else { a.max(b) };
        let lo = if contains(min_at) { -1.0 } else { a.min(b) };
        (lo, hi)
    };
    use std::f64::consts::{FRAC_PI_2, PI};
    let cos_lon = range(f64::cos, 0.0, PI);
    let sin_lon = range(f64::sin, FRAC_PI_2, -FRAC_PI_2);
    let product = |a: (f64, f64), b: (f64, f64)| {
        let c = [a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1];
        (c.iter().copied().fold(f64::INFINITY, f64::min), c.iter().copied().fold(f64::NEG_INFINITY, f64::max))
    };
    let x = product(cos_lat, cos_lon);
    let y = product(cos_lat, sin_lon);
    let z = (s.sin(), n.sin());
    // Pad for rounding so that points on the edge stay inside.
    const PAD: f64 = 1e-12;
    ([x.0 - PAD, y.0 - PAD, z.0 - PAD], [x.1 + PAD, y.1 + PAD, z.1 + PAD])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curvature_radii_match_wgs84() {
        assert!((MIN_RADIUS_M - 6_335_439.327).abs() < 0.01, "{MIN_RADIUS_M}");
        assert!((MAX_RADIUS_M - 6_399_593.626).abs() < 0.01, "{MAX_RADIUS_M}");
    }

    #[test]
    fn geodesic_is_within_the_curvature_bounds() {
        let pairs = [
            ([12.49, 41.89], [23.32, 42.70]),
            ([179.9, 0.0], [-179.9, 0.0]),
            ([0.0, 89.99], [180.0, 89.99]),
            ([0.0, 0.0], [0.0, 1.0]),
        ];
        for (a, b) in pairs {
            let theta = angle(a, b);
            let g = geodesic_m(a, b);
            assert!(g >= theta * MIN_RADIUS_M && g <= theta * MAX_RADIUS_M, "{a:?} {b:?}: {g}");
        }
    }

    #[test]
    fn vincenty_agrees_with_karney_to_a_tenth_of_a_millimetre() {
        // A grid of pairs: short, long, across the antimeridian, at the
        // poles, nearly and exactly antipodal.
        let mut worst: f64 = 0.0;
        for lat1 in [-89.9, -60.0, -1.0, 0.0, 12.5, 41.9, 55.0, 89.999] {
            for lat2 in [-89.9, -41.8, -0.5, 0.0, 0.001, 41.91, 54.7, 90.0] {
                for dlon in [0.0, 1e-7, 0.01, 1.0, 45.0, 120.0, 149.9, 150.1, 179.5, 179.99, 180.0] {
                    for lon1 in [-179.99, 0.0, 12.49, 179.99] {
                        let (a, b) = ([lon1, lat1], [lon1 + dlon, lat2]);
                        let d = (geodesic_m(a, b) - karney_m(a, b)).abs();
                        worst = worst.max(d);
                        assert!(d < 1e-4, "{a:?} {b:?}: {} vs {}", geodesic_m(a, b), karney_m(a, b));
                    }
                }
            }
        }
        assert!(worst > 0.0, "the grid should reach Vincenty at all");
    }

    #[test]
    fn no_point_within_the_distance_lies_beyond_the_chord() {
        // Points at a geodesic distance just under `d` in every direction,
        // from the equator to the poles: none may lie beyond the chord.
        use geo::{Destination, Geodesic, Point};
        for lat in [-89.99, -60.0, -0.01, 0.0, 0.3, 41.9, 54.7, 89.0, 90.0] {
            for d in [1.0, 500.0, 20_000.0, 300_000.0, 5_000_000.0] {
                let bound = beyond_chord_2(lat, d);
                let mut tightest = f64::INFINITY;
                for azimuth in (0..360).step_by(5) {
                    let to = Geodesic.destination(Point::new(12.0, lat), azimuth as f64, d * (1.0 - 1e-12));
                    let (u, v) = (unit_vector(12.0, lat), unit_vector(to.x(), to.y()));
                    let chord_2: f64 = (0..3).map(|i| (u[i] - v[i]).powi(2)).sum();
                    assert!(chord_2 <= bound, "lat {lat}, {d} m, azimuth {azimuth}: {chord_2} > {bound}");
                    tightest = tightest.min(bound / chord_2);
                }
                // And the bound is tight, not the whole sphere: within 1.5 %
                // of the chord in the worst direction.
                assert!(tightest < 1.015, "lat {lat}, {d} m: {tightest}");
            }
        }
    }

    #[test]
    fn sofia_to_plovdiv_is_132_7_km() {
        let d = geodesic_m([23.319941, 42.698334], [24.742168, 42.136097]);
        assert!((d - 132_675.50).abs() < 0.1, "{d}");
    }

    #[test]
    fn enclosing_box_holds_the_corners_and_the_middle() {
        for (w, s, e, n) in
            [(-10.0, 30.0, 40.0, 60.0), (170.0, -10.0, 190.0, 10.0), (-180.0, 80.0, 180.0, 90.0)]
        {
            let (lo, hi) = enclosing_box(w, s, e, n);
            for lon in [w, e, (w + e) / 2.0] {
                for lat in [s, n, (s + n) / 2.0] {
                    let p = unit_vector(lon, lat);
                    assert!((0..3).all(|i| lo[i] <= p[i] && p[i] <= hi[i]), "{lon},{lat} outside");
                }
            }
        }
    }
}
