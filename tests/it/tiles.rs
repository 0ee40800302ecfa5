//! The resource tiles: every located record that passes the filter is
//! counted once in each zoom's tiles, in the tile its point falls in, and no
//! tile is larger than the stated bound. The oracle is a brute-force walk
//! over the records with the textbook Web Mercator tile formula, written
//! here apart from `witgis::tiles`. GDAL and MapLibre read the bytes (see
//! tests/clients and tests/e2e/tiles.test.mjs).

use crate::common;
use std::collections::HashMap;

use axum::http::StatusCode;
use proptest::prelude::*;
use witgis::index::{Filter, Snapshot};
use witgis::model::{Category, CoordPrecision, Resource};
use witgis::tiles::{self, DETAIL_MAX, DETAIL_ZOOM, GRID, MAX_ZOOM, Mark, TileId};

/// The tile (x, y) a point falls in at zoom z, by the textbook formula.
fn tile_of(lon: f64, lat: f64, z: u8) -> Option<(u32, u32)> {
    if lat.abs() > 85.051_128_78 {
        return None;
    }
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor().min(n - 1.0);
    let lat_r = lat.to_radians();
    let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor()
        .min(n - 1.0);
    Some((x as u32, y as u32))
}

/// Records per tile, brute force.
fn expected(records: &[Resource], z: u8, keep: &impl Fn(&Resource) -> bool) -> HashMap<(u32, u32), usize> {
    let mut out = HashMap::new();
    for r in records.iter().filter(|r| keep(r)) {
        if let Some([lon, lat]) = r.point() {
            if let Some(t) = tile_of(lon, lat, z) {
                *out.entry(t).or_insert(0) += 1;
            }
        }
    }
    out
}

/// Distinct points in a tile, brute force.
fn distinct_points(
    records: &[Resource],
    z: u8,
    tile: (u32, u32),
    keep: &impl Fn(&Resource) -> bool,
) -> usize {
    let mut seen = std::collections::HashSet::new();
    for r in records.iter().filter(|r| keep(r)) {
        if let Some([lon, lat]) = r.point() {
            if tile_of(lon, lat, z) == Some(tile) {
                seen.insert((lon.to_bits(), lat.to_bits()));
            }
        }
    }
    seen.len()
}

/// Records a tile's marks count.
fn counted(marks: &[Mark]) -> usize {
    marks
        .iter()
        .map(|m| match m {
            Mark::Point { slots, .. } => slots.len(),
            Mark::Cluster { records, .. } => *records,
        })
        .sum()
}

/// Checks every tile that holds records, and a few empty ones around them.
fn check_zoom(
    snapshot: &Snapshot,
    records: &[Resource],
    z: u8,
    filter: &Filter,
    keep: impl Fn(&Resource) -> bool,
) {
    let want = expected(records, z, &keep);
    for (&(x, y), &n) in &want {
        let tile = TileId::new(z, x, y).expect("valid tile");
        let marks = tiles::marks(snapshot, tile, filter);
        assert_eq!(counted(&marks), n, "records in {z}/{x}/{y}");
        let clustered = marks.iter().any(|m| matches!(m, Mark::Cluster { .. }));
        let distinct = distinct_points(records, z, (x, y), &keep);
        let records_in_tile: Vec<&Resource> = records
            .iter()
            .filter(|r| keep(r) && r.point().and_then(|[lon, lat]| tile_of(lon, lat, z)) == Some((x, y)))
            .collect();
        if z < DETAIL_ZOOM {
            assert!(marks.len() <= (GRID * GRID) as usize, "{z}/{x}/{y} has {} features", marks.len());
        } else if z < MAX_ZOOM {
            // Drawn point by point unless crowded, then in the grid's cells.
            assert_eq!(clustered, distinct > DETAIL_MAX, "{z}/{x}/{y} with {distinct} points");
            assert!(marks.len() <= DETAIL_MAX.max((GRID * GRID) as usize));
        } else {
            assert!(!clustered, "no clusters at the deepest zoom");
        }
        if !clustered {
            assert_eq!(marks.len(), distinct, "one feature per distinct point in {z}/{x}/{y}");
        }
        // Points and clusters lie in the tile; a stack's records share its point.
        for m in &marks {
            let at = match m {
                Mark::Point { at, lon, lat, slots } => {
                    for &s in slots {
                        assert_eq!(snapshot.index().resource(s).point(), Some([*lon, *lat]));
                    }
                    assert_eq!(tile_of(*lon, *lat, z), Some((x, y)));
                    at
                }
                Mark::Cluster { at, points, records, approx, extent, .. } => {
                    assert!(*points >= 2 && records >= points);
                    // Its records are the tile's records inside its extent
                    // (cells do not overlap), and it says whether any of
                    // their points is approximate.
                    let inside: Vec<&Resource> = records_in_tile
                        .iter()
                        .copied()
                        .filter(|r| r.point().is_some_and(|[lon, lat]| extent.contains(lon, lat)))
                        .collect();
                    assert_eq!(inside.len(), *records, "records inside a cluster's extent in {z}/{x}/{y}");
                    let any_approx = inside.iter().any(|r| {
                        r.location.is_some_and(|l| {
                            matches!(l.precision, CoordPrecision::District | CoordPrecision::City)
                        })
                    });
                    assert_eq!(*approx, any_approx, "a cluster's approx in {z}/{x}/{y}");
                    at
                }
            };
            assert!(at.0 < tiles::EXTENT && at.1 < tiles::EXTENT);
        }
        // The neighbours to the east and south own none of these records.
        for (dx, dy) in [(1, 0), (0, 1)] {
            let (nx, ny) = (x + dx, y + dy);
            if let Some(t) = TileId::new(z, nx, ny) {
                let m = tiles::marks(snapshot, t, filter);
                assert_eq!(
                    counted(&m),
                    want.get(&(nx, ny)).copied().unwrap_or(0),
                    "records in {z}/{nx}/{ny}"
                );
            }
        }
    }
}

/// Resources at the given points, alternating two categories; every
/// seventh point is only a city's.
fn at_points(points: &[(f64, f64)]) -> Vec<Resource> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(lon, lat))| {
            let category = if i % 2 == 0 { "mental_health_centre" } else { "library" };
            let mut r = common::resource(&format!("r-{i:05}"), Some([lon, lat]), category, "IT", &[]);
            if let Some(l) = r.location.as_mut().filter(|_| i % 7 == 3) {
                l.precision = CoordPrecision::City;
            }
            r
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_record_is_counted_once_in_each_zoom(
        cities in prop::collection::vec((-179.9f64..179.9, -84.0f64..84.0), 1..4),
        spread in prop::collection::vec((0usize..4, -0.05f64..0.05, -0.05f64..0.05, 0u8..4), 1..200),
    ) {
        // Clustered around a few centres, some records on the very same point.
        let points: Vec<(f64, f64)> = spread
            .iter()
            .map(|&(c, dx, dy, same)| {
                let (lon, lat) = cities[c % cities.len()];
                if same == 0 { (lon, lat) } else { ((lon + dx).clamp(-180.0, 180.0), lat + dy) }
            })
            .collect();
        let records = at_points(&points);
        let snapshot = Snapshot::new(records.clone());
        for z in [0, 3, 7, DETAIL_ZOOM - 1, DETAIL_ZOOM, 13, MAX_ZOOM] {
            check_zoom(&snapshot, &records, z, &Filter::default(), |_| true);
        }
        let libraries = Filter { categories: vec![Category::Library], ..Filter::default() };
        for z in [2, DETAIL_ZOOM, MAX_ZOOM] {
            check_zoom(&snapshot, &records, z, &libraries, |r| r.category == Category::Library);
        }
    }
}

#[test]
fn points_on_tile_edges_and_the_antimeridian_belong_to_one_tile() {
    // Tile edges at zoom 1..3 fall on lon 0, ±90, ±45, lat 0.
    let points =
        [(0.0, 0.0), (90.0, 10.0), (-45.0, 0.0), (180.0, 5.0), (-180.0, 5.0), (12.5, 41.9), (12.5, 41.9)];
    let records = at_points(&points);
    let snapshot = Snapshot::new(records.clone());
    for z in 0..=MAX_ZOOM {
        check_zoom(&snapshot, &records, z, &Filter::default(), |_| true);
    }
    // Both Rome records are one stack at every detailed zoom.
    let (x, y) = tile_of(12.5, 41.9, 12).expect("in range");
    let marks = tiles::marks(&snapshot, TileId::new(12, x, y).expect("valid"), &Filter::default());
    assert!(matches!(&marks[..], [Mark::Point { slots, .. }] if slots.len() == 2), "{marks:?}");
}

#[test]
fn a_crowded_tile_is_clustered_within_the_bound() {
    // 3,000 distinct points inside one zoom-10 tile near Rome: too many to draw one by one.
    let points: Vec<(f64, f64)> =
        (0..3_000).map(|i| (12.40 + f64::from(i % 60) * 0.004, 41.80 + f64::from(i / 60) * 0.003)).collect();
    let records = at_points(&points);
    let snapshot = Snapshot::new(records.clone());
    check_zoom(&snapshot, &records, DETAIL_ZOOM, &Filter::default(), |_| true);
    let (x, y) = tile_of(12.5, 41.87, DETAIL_ZOOM).expect("in range");
    let marks = tiles::marks(&snapshot, TileId::new(DETAIL_ZOOM, x, y).expect("valid"), &Filter::default());
    assert!(marks.iter().any(|m| matches!(m, Mark::Cluster { .. })));
    // A cluster's extent holds its records, which the listing finds in it.
    for m in &marks {
        if let Mark::Cluster { extent, records, .. } = m {
            let inside = snapshot.index().in_bbox(*extent, &Filter::default()).len();
            assert!(inside >= *records, "{inside} listed in a cluster of {records}");
        }
    }
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Vec<u8>) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status, a.content_type(), a.bytes)
}

#[tokio::test]
async fn tiles_and_their_tilejson_over_http() {
    let (app, _state, _dir) = common::seeded_app().await;
    let (status, kind, body) = get(&app, "/tiles/resources/0/0/0.mvt").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/vnd.mapbox-vector-tile");
    assert!(!body.is_empty());

    let (status, _, body) = get(&app, "/tiles/resources.json?category=library").await;
    assert_eq!(status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(doc["tilejson"], "3.0.0");
    assert_eq!(doc["maxzoom"], MAX_ZOOM);
    let template = doc["tiles"][0].as_str().expect("template");
    assert!(template.ends_with("/tiles/resources/{z}/{x}/{y}.mvt?category=library"), "{template}");

    for (uri, name) in [
        ("/tiles/resources/17/0/0.mvt", "z"),
        ("/tiles/resources/2/4/0.mvt", "x"),
        ("/tiles/resources/2/0/0.png", "y"),
        ("/tiles/resources/2/0/0.mvt?category=nonsense", "category"),
        ("/tiles/resources/2/0/0.mvt?zoom=3", "zoom"),
    ] {
        let (status, kind, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(kind, "application/problem+json", "{uri}");
        let problem: serde_json::Value = serde_json::from_slice(&body).expect("json");
        let names: Vec<&str> = problem["invalid_params"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, [name], "{uri}: {problem}");
    }
}

#[tokio::test]
async fn the_listing_splits_records_with_and_without_a_point() {
    let (app, _state, _dir) = common::seeded_app().await;
    let ids = |body: &[u8], want_point: Option<bool>| -> Vec<String> {
        let fc: serde_json::Value = serde_json::from_slice(body).expect("json");
        fc["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|f| want_point.is_none_or(|p| f["geometry"].is_null() != p))
            .map(|f| f["properties"]["id"].as_str().expect("id").to_owned())
            .collect()
    };
    let (_, _, all) = get(&app, "/api/resources?limit=10000").await;
    let (status, _, without) = get(&app, "/api/resources?located=false&limit=10000").await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, with) = get(&app, "/api/resources?located=true&limit=10000").await;
    let unlocated = ids(&all, Some(false));
    assert!(!unlocated.is_empty(), "the seed has phone and online services");
    assert_eq!(ids(&without, None), unlocated);
    assert_eq!(ids(&with, None), ids(&all, Some(true)));
    let (status, _, _) = get(&app, "/api/resources?located=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
