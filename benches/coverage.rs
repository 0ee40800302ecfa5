//! Coverage benchmarks: the whole coverage report (country level) over the
//! shipped data, then the report, the gaps list and site suggestions over 1M
//! synthetic resources and 100k synthetic localities.
//!
//! Run: `cargo bench --bench coverage` (the 1M set-up takes about half a minute).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use witgis::coverage::{self, Level, Localities, Query};
use witgis::index::Snapshot;
use witgis::model::Category;

fn bench(c: &mut Criterion) {
    // The shipped data: seed resources and the GeoNames localities.
    if let Ok(seed) = witgis::store::seed() {
        let snapshot = Snapshot::new(seed);
        let shipped = Localities::shipped();
        let mut group = c.benchmark_group("coverage_seed");
        group.sample_size(20);
        group.bench_function("report_country", |b| {
            b.iter(|| black_box(coverage::report(&snapshot, shipped, Level::Country, &Query::default())))
        });
        group.finish();
    }

    let snapshot = Snapshot::new(witgis::synth::resources(1_000_000, 42));
    let localities = Localities::synthetic(100_000, 7);
    let all = Query::default();
    let centres = Query { categories: vec![Category::MentalHealthCentre], ..Query::default() };

    let mut group = c.benchmark_group("coverage_1M_resources_100k_localities");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.bench_function("report_country", |b| {
        b.iter(|| black_box(coverage::report(&snapshot, &localities, Level::Country, &all)))
    });
    group.bench_function("report_country_one_category", |b| {
        b.iter(|| black_box(coverage::report(&snapshot, &localities, Level::Country, &centres)))
    });
    group.bench_function("gaps_25km", |b| {
        b.iter(|| black_box(coverage::gaps(&snapshot, &localities, &centres, 25_000.0, 100)))
    });
    group.bench_function("suggest_k10_10km", |b| {
        b.iter(|| black_box(coverage::suggest(&snapshot, &localities, &centres, 10_000.0, 10)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
