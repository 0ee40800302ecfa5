//! Walking: straight-line distances and a grid of stops for "stops within
//! walking distance of a point".

/// Mean Earth radius (IUGG), metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle (haversine) distance in metres between two lon/lat points.
pub fn distance_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Stops bucketed in square cells of a local equirectangular projection, to
/// find the stops within a radius of a point without looking at all of them.
#[derive(Debug, Clone)]
pub struct StopGrid {
    cell_m: f64,
    lat0_cos: f64,
    cells: std::collections::HashMap<(i32, i32), Vec<u32>>,
    points: Vec<[f64; 2]>,
}

impl StopGrid {
    /// A grid of `points` (lon/lat) with cells `cell_m` metres wide.
    pub fn new(points: Vec<[f64; 2]>, cell_m: f64) -> Self {
        let lat0 = if points.is_empty() {
            0.0
        } else {
            points.iter().map(|p| p[1]).sum::<f64>() / points.len() as f64
        };
        let mut grid = StopGrid {
            cell_m: cell_m.max(1.0),
            lat0_cos: lat0.to_radians().cos().max(0.01),
            cells: Default::default(),
            points: Vec::new(),
        };
        for (i, p) in points.iter().enumerate() {
            let key = grid.cell(*p);
            grid.cells.entry(key).or_default().push(i as u32);
        }
        grid.points = points;
        grid
    }

    fn cell(&self, p: [f64; 2]) -> (i32, i32) {
        let x = p[0].to_radians() * EARTH_RADIUS_M * self.lat0_cos;
        let y = p[1].to_radians() * EARTH_RADIUS_M;
        ((x / self.cell_m).floor() as i32, (y / self.cell_m).floor() as i32)
    }

    /// Calls `f(stop, straight_m)` for every stop within `radius_m` (straight
    /// line) of `p`.
    pub fn within(&self, p: [f64; 2], radius_m: f64, mut f: impl FnMut(u32, f64)) {
        if !(p[0].is_finite() && p[1].is_finite()) {
            return;
        }
        // The projection stretches east-west away from lat0: widen the search
        // by the ratio of the cosines (bounded), then check the true distance.
        let stretch = (self.lat0_cos / p[1].to_radians().cos().max(0.01)).max(1.0);
        let reach_x = ((radius_m * stretch) / self.cell_m).ceil() as i32 + 1;
        let reach_y = (radius_m / self.cell_m).ceil() as i32 + 1;
        let (cx, cy) = self.cell(p);
        for dx in -reach_x..=reach_x {
            for dy in -reach_y..=reach_y {
                if let Some(bucket) = self.cells.get(&(cx.saturating_add(dx), cy.saturating_add(dy))) {
                    for &s in bucket {
                        let d = distance_m(p, self.points[s as usize]);
                        if d <= radius_m {
                            f(s, d);
                        }
                    }
                }
            }
        }
    }
}
