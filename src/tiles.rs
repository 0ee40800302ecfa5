//! Vector tiles of the resources, straight from the snapshot.
//!
//! Every located resource that passes the filter is counted in exactly one
//! feature of each zoom level's tiling: a tile owns the points whose Web
//! Mercator position falls in it (west and north edges included, east and
//! south excluded), so no record is drawn twice or lost at an edge.
//!
//! A tile holds at most [`GRID`]² features at zooms below [`DETAIL_ZOOM`]
//! and in any tile with more than [`DETAIL_MAX`] distinct points below
//! [`MAX_ZOOM`]; otherwise one feature per distinct point. Records on the
//! very same point are one feature (a *stack*) that counts them; the points
//! of one grid cell are one *cluster* that counts its points and records and
//! carries their extent, so that a click can zoom to them. Only at
//! [`MAX_ZOOM`], where a tile is about 600 m wide, is a tile not bounded: it
//! draws every distinct point in it.
//!
//! Points beyond Web Mercator's latitude limit (±85.05°) are in no tile.

use mvt::{GeomEncoder, GeomType, Tile};

use crate::index::{BBox, Filter, Snapshot, Spotted};
use crate::model::CoordPrecision;

/// Tile coordinates span 0..EXTENT on each axis.
pub const EXTENT: u32 = 4096;
/// The deepest zoom served; the map draws deeper zooms from these tiles.
pub const MAX_ZOOM: u8 = 16;
/// Below this zoom, points are always grouped into the grid's clusters.
pub const DETAIL_ZOOM: u8 = 10;
/// From [`DETAIL_ZOOM`] on, a tile with more distinct points than this is
/// still grouped into clusters (except at [`MAX_ZOOM`]).
pub const DETAIL_MAX: usize = 1_000;
/// Cells per tile side when grouping.
pub const GRID: u32 = 16;
/// The name of the tiles' one layer.
pub const LAYER: &str = "resources";
/// Web Mercator's latitude limit, in degrees.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A tile's address `z/x/y` (XYZ scheme, y down from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Zoom level, 0..=[`MAX_ZOOM`].
    pub z: u8,
    /// Column, 0..2^z from the antimeridian eastwards.
    pub x: u32,
    /// Row, 0..2^z from the north.
    pub y: u32,
}

impl TileId {
    /// The tile, if `z ≤ MAX_ZOOM` and `x`, `y` are in `0..2^z`.
    pub fn new(z: u8, x: u32, y: u32) -> Option<TileId> {
        (z <= MAX_ZOOM && x < (1 << z) && y < (1 << z)).then_some(TileId { z, x, y })
    }

    /// The tile's bounds in degrees.
    pub fn bounds(&self) -> BBox {
        let n = f64::from(1u32 << self.z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| (std::f64::consts::PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
        BBox {
            west: lon(f64::from(self.x)),
            east: lon(f64::from(self.x + 1)),
            north: lat(f64::from(self.y)),
            south: lat(f64::from(self.y + 1)),
        }
    }
}

/// A point's position at zoom `z` in units of 1/EXTENT of a tile, from the
/// north-west corner of the world; `None` beyond the latitude limit.
pub fn world_position(lon: f64, lat: f64, z: u8) -> Option<(u64, u64)> {
    if !(-MAX_LAT..=MAX_LAT).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return None;
    }
    let size = f64::from(EXTENT) * f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * size;
    let sin = lat.to_radians().sin();
    let y = (0.5 - ((1.0 + sin) / (1.0 - sin)).ln() / (4.0 * std::f64::consts::PI)) * size;
    let max = size - 1.0;
    // Truncation towards zero is the floor here: both are ≥ 0 after clamping.
    Some((x.clamp(0.0, max) as u64, y.clamp(0.0, max) as u64))
}

/// What one feature of a tile draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// One distinct point and the records on it (more than one: a stack).
    Point {
        /// Position in the tile, 0..EXTENT.
        at: (u32, u32),
        /// The point in degrees.
        lon: f64,
        /// The point in degrees.
        lat: f64,
        /// The records on the point, as slots in id order.
        slots: Vec<u32>,
    },
    /// The points of one grid cell, more than one.
    Cluster {
        /// Position in the tile, 0..EXTENT: the cell's records' mean.
        at: (u32, u32),
        /// An id unique among all tiles' clusters.
        id: u64,
        /// Distinct points in the cluster.
        points: usize,
        /// Records in the cluster.
        records: usize,
        /// Whether any record's point is approximate.
        approx: bool,
        /// The records' extent in degrees.
        extent: BBox,
    },
}

/// One distinct point of a tile: a run of records on it in the tile's list
/// of found records, and its position in the tile.
struct Run {
    at: (u32, u32),
    records: std::ops::Range<usize>,
}

/// What a grid cell gathers of its distinct points while grouping.
#[derive(Clone)]
struct Cell {
    points: usize,
    records: usize,
    /// Sums of the records' positions, for their mean.
    sum: (u64, u64),
    extent: BBox,
    approx: bool,
    /// The first of its points, drawn on its own when it is the only one.
    first: usize,
}

impl Default for Cell {
    fn default() -> Cell {
        Cell {
            points: 0,
            records: 0,
            sum: (0, 0),
            extent: BBox { west: 180.0, south: 90.0, east: -180.0, north: -90.0 },
            approx: false,
            first: 0,
        }
    }
}

/// The features of a tile: what [`encode`] writes.
///
/// Linear in the records in the tile plus a sort of their points; reads a
/// record only for the ids of the points it draws one by one (and for a
/// filter that asks for more than categories).
pub fn marks(snapshot: &Snapshot, tile: TileId, filter: &Filter) -> Vec<Mark> {
    let index = snapshot.index();
    let origin = (u64::from(tile.x) * u64::from(EXTENT), u64::from(tile.y) * u64::from(EXTENT));
    let bounds = tile.bounds();
    // A hair wider than the tile so that rounding at an edge loses nothing;
    // ownership is decided on the projected position below.
    let pad = (bounds.east - bounds.west) * 1e-6;
    let query = BBox {
        west: (bounds.west - pad).max(-180.0),
        east: (bounds.east + pad).min(180.0),
        south: (bounds.south - pad).max(-90.0),
        north: (bounds.north + pad).min(90.0),
    };
    let mut found: Vec<Spotted> = Vec::new();
    index.visit_spotted_in_bbox(query, filter, |s| found.push(s));
    // Records on the very same point side by side: each run is a distinct point.
    let key = |s: &Spotted| (s.lon.to_bits(), s.lat.to_bits());
    found.sort_unstable_by_key(key);
    let mut runs = Vec::new();
    let mut start = 0;
    while start < found.len() {
        let here = key(&found[start]);
        let end = start + found[start..].iter().take_while(|s| key(s) == here).count();
        let in_tile = world_position(found[start].lon, found[start].lat, tile.z).and_then(|(x, y)| {
            let (dx, dy) = (x.checked_sub(origin.0)?, y.checked_sub(origin.1)?);
            (dx < u64::from(EXTENT) && dy < u64::from(EXTENT)).then_some((dx as u32, dy as u32))
        });
        if let Some(at) = in_tile {
            runs.push(Run { at, records: start..end });
        }
        start = end;
    }
    let point = |run: &Run| {
        let mut slots: Vec<u32> = found[run.records.clone()].iter().map(|s| s.slot).collect();
        index.sort_by_id(&mut slots);
        let Spotted { lon, lat, .. } = found[run.records.start];
        Mark::Point { at: run.at, lon, lat, slots }
    };

    let detail = tile.z == MAX_ZOOM || (tile.z >= DETAIL_ZOOM && runs.len() <= DETAIL_MAX);
    if detail {
        // In the order of their first records' ids, so that a tile's bytes
        // depend only on what it shows.
        let mut points: Vec<Mark> = runs.iter().map(point).collect();
        let first_id = |m: &Mark| match m {
            Mark::Point { slots, .. } => slots.first().map(|&s| index.resource(s).id.as_str()),
            Mark::Cluster { .. } => None,
        };
        points.sort_by(|a, b| first_id(a).cmp(&first_id(b)));
        return points;
    }
    let cell_size = EXTENT / GRID;
    let mut cells = vec![Cell::default(); (GRID * GRID) as usize];
    for (i, run) in runs.iter().enumerate() {
        let c = &mut cells[((run.at.1 / cell_size) * GRID + run.at.0 / cell_size) as usize];
        let records = &found[run.records.clone()];
        let n = records.len() as u64;
        let Spotted { lon, lat, .. } = records[0];
        if c.points == 0 {
            c.first = i;
        }
        c.points += 1;
        c.records += records.len();
        c.sum.0 += u64::from(run.at.0) * n;
        c.sum.1 += u64::from(run.at.1) * n;
        c.extent.west = c.extent.west.min(lon);
        c.extent.east = c.extent.east.max(lon);
        c.extent.south = c.extent.south.min(lat);
        c.extent.north = c.extent.north.max(lat);
        c.approx |= records.iter().any(|s| s.approx);
    }
    cells
        .iter()
        .enumerate()
        .filter_map(|(cell, c)| match c.points {
            0 => None,
            1 => Some(point(&runs[c.first])),
            _ => Some(cluster(tile, cell as u64, c)),
        })
        .collect()
}

/// The cluster of a cell's points.
fn cluster(tile: TileId, cell: u64, c: &Cell) -> Mark {
    let records = c.records as u64;
    let at = ((c.sum.0 / records) as u32, (c.sum.1 / records) as u32);
    // Unique over every tile of every zoom: the tile's index among all tiles
    // up to its zoom, then the cell. Below 2^53 at MAX_ZOOM, so a page's
    // JavaScript reads it exactly.
    let tiles_before = ((1u64 << (2 * u32::from(tile.z))) - 1) / 3;
    let tile_index = tiles_before + u64::from(tile.y) * (1u64 << tile.z) + u64::from(tile.x);
    let id = tile_index * u64::from(GRID * GRID) + cell;
    Mark::Cluster { at, id, points: c.points, records: c.records, approx: c.approx, extent: c.extent }
}

/// Whether a resource's point is only approximate (a district's or city's).
/// Whether the record is not offered today (closed, moved, suspended):
/// the map marks its point. Tiles are served `no-cache`, so today is the
/// day the tile is asked for.
fn is_unavailable(snapshot: &Snapshot, slot: u32) -> bool {
    snapshot.index().marks(slot).news
        && snapshot.index().resource(slot).unavailable_at(chrono::Utc::now()).is_some()
}

fn is_approx(snapshot: &Snapshot, slot: u32) -> bool {
    snapshot
        .index()
        .resource(slot)
        .location
        .is_some_and(|l| matches!(l.precision, CoordPrecision::District | CoordPrecision::City))
}

/// The category name a feature shows: its records' one category, or `mixed`.
fn category(snapshot: &Snapshot, slots: &[u32]) -> &'static str {
    let first = snapshot.index().resource(slots[0]).category;
    if slots.iter().all(|&s| snapshot.index().resource(s).category == first) {
        first.as_str()
    } else {
        "mixed"
    }
}

/// The tile as Mapbox Vector Tile bytes (one layer, [`LAYER`]); `Ok` of an
/// empty tile when nothing is in it.
///
/// Point features carry `id` (the record's, or `stack:lon,lat` for several),
/// `category` (or `mixed`), `approx`, `count`, `unavailable` (only when
/// true: a record there is closed, moved or suspended today) and, on a
/// stack, `stack` (its point as `lon,lat` in the shortest decimals that
/// read back exactly).
/// Cluster features carry `cluster` (true), `cluster_id`, `point_count`,
/// `records`, `approx` and the records' extent `west`, `south`, `east`,
/// `north`.
pub fn encode(snapshot: &Snapshot, marks: &[Mark]) -> Result<Vec<u8>, mvt::Error> {
    let mut tile = Tile::new(EXTENT);
    let mut layer = tile.create_layer(LAYER);
    for mark in marks {
        match mark {
            Mark::Point { at, lon, lat, slots } => {
                let geom =
                    GeomEncoder::new(GeomType::Point).point(f64::from(at.0), f64::from(at.1))?.encode()?;
                let mut f = layer.into_feature(geom);
                let key = format!("{lon},{lat}");
                if let [one] = slots[..] {
                    f.add_tag_string("id", &snapshot.index().resource(one).id);
                } else {
                    f.add_tag_string("id", &format!("stack:{key}"));
                    f.add_tag_string("stack", &key);
                }
                f.add_tag_string("category", category(snapshot, slots));
                f.add_tag_bool("approx", slots.iter().any(|&s| is_approx(snapshot, s)));
                f.add_tag_uint("count", slots.len() as u64);
                if slots.iter().any(|&s| is_unavailable(snapshot, s)) {
                    f.add_tag_bool("unavailable", true);
                }
                layer = f.into_layer();
            }
            Mark::Cluster { at, id, points, records, approx, extent } => {
                let geom =
                    GeomEncoder::new(GeomType::Point).point(f64::from(at.0), f64::from(at.1))?.encode()?;
                let mut f = layer.into_feature(geom);
                f.set_id(*id);
                f.add_tag_bool("cluster", true);
                f.add_tag_uint("cluster_id", *id);
                f.add_tag_uint("point_count", *points as u64);
                f.add_tag_uint("records", *records as u64);
                f.add_tag_bool("approx", *approx);
                f.add_tag_double("west", extent.west);
                f.add_tag_double("south", extent.south);
                f.add_tag_double("east", extent.east);
                f.add_tag_double("north", extent.north);
                layer = f.into_layer();
            }
        }
    }
    tile.add_layer(layer)?;
    tile.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_bounds_meet_without_gaps() {
        let a = TileId::new(3, 4, 2).expect("valid");
        let right = TileId::new(3, 5, 2).expect("valid");
        let below = TileId::new(3, 4, 3).expect("valid");
        assert_eq!(a.bounds().east, right.bounds().west);
        assert_eq!(a.bounds().south, below.bounds().north);
        let world = TileId::new(0, 0, 0).expect("valid").bounds();
        assert_eq!((world.west, world.east), (-180.0, 180.0));
        assert!((world.north - MAX_LAT).abs() < 1e-9 && (world.south + MAX_LAT).abs() < 1e-9);
        assert_eq!(TileId::new(2, 4, 0), None);
        assert_eq!(TileId::new(MAX_ZOOM + 1, 0, 0), None);
    }

    #[test]
    fn a_tiles_corners_project_onto_its_edges() {
        let t = TileId::new(12, 2190, 1490).expect("valid");
        let b = t.bounds();
        let origin = (u64::from(t.x) * u64::from(EXTENT), u64::from(t.y) * u64::from(EXTENT));
        let (x, y) = world_position(b.west, b.north, t.z).expect("in range");
        assert!(x.abs_diff(origin.0) <= 1 && y.abs_diff(origin.1) <= 1, "{x},{y} against {origin:?}");
        let (x, y) = world_position(b.east, b.south, t.z).expect("in range");
        let far = (origin.0 + u64::from(EXTENT), origin.1 + u64::from(EXTENT));
        assert!(x.abs_diff(far.0) <= 1 && y.abs_diff(far.1) <= 1, "{x},{y} against {far:?}");
        assert_eq!(world_position(0.0, 86.0, 3), None);
    }
}
