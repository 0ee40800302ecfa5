//! Snapshot benchmarks over synthetic resources around European cities:
//! nearest-10 (unfiltered and with a category filter), a city-size bbox,
//! vector tiles from the world to a city, and building the snapshot, at 1k
//! and 1M records.
//!
//! Run: `cargo bench --bench index` (1M set-up takes about half a minute).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use witgis::index::{BBox, Filter, Snapshot};
use witgis::model::Category;
use witgis::sphere::unit_vector;

fn queries(n: usize) -> Vec<[f64; 2]> {
    witgis::synth::resources(n, 999).iter().filter_map(|r| r.point()).collect()
}

fn bench(c: &mut Criterion) {
    let points = queries(1024);
    for size in [1_000usize, 1_000_000] {
        let resources = witgis::synth::resources(size, 42);
        let snapshot = Snapshot::new(resources.clone());
        let label = if size >= 1_000_000 { "1M".to_owned() } else { format!("{}k", size / 1000) };

        let mut group = c.benchmark_group("snapshot");
        let mut i = 0;
        let mut next = || {
            i = (i + 1) % points.len();
            points[i]
        };
        let all = Filter::default();
        group.bench_function(BenchmarkId::new("nearest10", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                black_box(snapshot.index().nearest(lon, lat, 10, None, &all))
            })
        });
        // The same points and query points in a plain rstar tree of unit
        // vectors: the walk alone, without the geodesic ranking.
        let plain: RTree<GeomWithData<[f64; 3], u32>> = RTree::bulk_load(
            resources
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    r.point().map(|[lon, lat]| GeomWithData::new(unit_vector(lon, lat), i as u32))
                })
                .collect(),
        );
        group.bench_function(BenchmarkId::new("plain_rstar_nearest10", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                let target = unit_vector(lon, lat);
                black_box(plain.nearest_neighbor_iter(&target).take(10).map(|e| e.data).collect::<Vec<u32>>())
            })
        });
        group.bench_function(BenchmarkId::new("geodesic_x10", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                let mut sum = 0.0;
                for p in &points[..10] {
                    sum += witgis::sphere::geodesic_m([lon, lat], *p);
                }
                black_box(sum)
            })
        });
        let universities = Filter { categories: vec![Category::University], ..Filter::default() };
        group.bench_function(BenchmarkId::new("nearest10_category", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                black_box(snapshot.index().nearest(lon, lat, 10, None, &universities))
            })
        });
        // Open now, at night on a Sunday: most services are closed, so the
        // walk goes on past many (the predicate runs inside it).
        let night: chrono::DateTime<chrono::Utc> = "2026-12-06T02:00:00Z".parse().expect("a time");
        group.bench_function(BenchmarkId::new("nearest10_open_now_sunday_night", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                black_box(witgis::referral::nearest_entries(&snapshot, lon, lat, 10, None, &all, true, night))
            })
        });
        // About 10 km × 10 km, the size of a city.
        group.bench_function(BenchmarkId::new("bbox_city", &label), |b| {
            b.iter(|| {
                let [lon, lat] = next();
                let bbox =
                    BBox { west: lon - 0.06, south: lat - 0.045, east: lon + 0.06, north: lat + 0.045 };
                black_box(snapshot.index().in_bbox(bbox, &all))
            })
        });
        group.finish();

        let mut group = c.benchmark_group("snapshot");
        if size >= 1_000_000 {
            group.sample_size(10).measurement_time(Duration::from_secs(20));
        }
        // Tiles from the world to a street in Rome: the world and Europe
        // gather every record into the grid's clusters.
        for (name, z, x, y) in
            [("tile_world_z0", 0, 0, 0), ("tile_europe_z3", 3, 4, 2), ("tile_rome_z12", 12, 2190, 1521)]
        {
            let tile = witgis::tiles::TileId::new(z, x, y).expect("a tile");
            group.bench_function(BenchmarkId::new(name, &label), |b| {
                b.iter(|| {
                    let marks = witgis::tiles::marks(&snapshot, tile, &all);
                    black_box(witgis::tiles::encode(&snapshot, &marks))
                })
            });
        }
        group.bench_function(BenchmarkId::new("build", &label), |b| {
            b.iter_batched(
                || resources.clone(),
                |rs| black_box(Snapshot::new(rs)),
                criterion::BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
