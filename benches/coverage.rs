//! Coverage benchmarks: the whole coverage report (country and region
//! levels) and demand against supply (10,000 logged requests) over the
//! shipped data, then the report, the gaps list and site suggestions over 1M
//! synthetic resources and 100k synthetic localities.
//!
//! Run: `cargo bench --bench coverage` (the 1M set-up takes about half a minute).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use witgis::coverage::{self, DemandQuery, Level, Period, Query};
use witgis::index::Snapshot;
use witgis::model::demand::Demand;
use witgis::model::{Category, Topic};

fn bench(c: &mut Criterion) {
    let reference = witgis::reference::ReferenceData::load().expect("the embedded reference data");
    let completeness = &reference.completeness;
    // The shipped data: seed resources and the GeoNames localities.
    if let Ok(seed) = witgis::store::seed() {
        let snapshot = Snapshot::new(seed);
        let shipped = &reference.localities;
        let mut group = c.benchmark_group("coverage_seed");
        group.sample_size(20);
        group.bench_function("report_country", |b| {
            b.iter(|| {
                black_box(coverage::report(
                    &snapshot,
                    reference.census(),
                    Level::Country,
                    &Query::default(),
                    completeness,
                ))
            })
        });
        // The query that once took 50 s of CPU (issue 13).
        group.bench_function("suggest_k50_100km", |b| {
            b.iter(|| black_box(coverage::suggest(&snapshot, shipped, &Query::default(), 100_000.0, 50)))
        });
        group.bench_function("report_region", |b| {
            b.iter(|| {
                black_box(coverage::report(
                    &snapshot,
                    reference.census(),
                    Level::Region,
                    &Query::default(),
                    completeness,
                ))
            })
        });
        // 10,000 requests spread over the regions (as loaded areas) and needs.
        let regions = reference.regions.all().to_vec();
        let log: Vec<Demand> = (0..10_000)
            .filter_map(|i| {
                let area = regions[i % regions.len()].id.clone();
                let need = Topic::ALL[i % Topic::ALL.len()];
                let date = format!("2026-{:02}-{:02}", i % 12 + 1, i % 28 + 1);
                let referred = if i % 3 == 0 { Vec::new() } else { vec!["x".to_owned()] };
                let point = (None, None);
                Demand::from_columns(
                    format!("{i:032x}"),
                    &date,
                    need.as_str(),
                    "phone",
                    "other",
                    area,
                    point,
                    referred,
                    String::new(),
                    "desk".into(),
                )
                .ok()
            })
            .collect();
        let with_regions = Snapshot::with_areas(snapshot.index().resources().cloned().collect(), regions);
        let query = DemandQuery {
            needs: Vec::new(),
            countries: Vec::new(),
            period: Period::Month,
            radius_m: 10_000.0,
        };
        group.bench_function("demand_vs_supply_10k_requests", |b| {
            b.iter(|| {
                let cells = witgis::model::demand::cells(&log, "2026-12-01".parse().expect("a date"));
                black_box(coverage::demand_vs_supply(&with_regions, &cells, &query))
            })
        });
        group.finish();
    }

    let snapshot = Snapshot::new(witgis::synth::resources(1_000_000, 42));
    let localities = witgis::synth::localities(100_000, 7);
    let census = coverage::Census { localities: &localities, ..reference.census() };
    let all = Query::default();
    let centres = Query { categories: vec![Category::MentalHealthCentre], ..Query::default() };

    let mut group = c.benchmark_group("coverage_1M_resources_100k_localities");
    group.sample_size(10).measurement_time(Duration::from_secs(15));
    group.bench_function("report_country", |b| {
        b.iter(|| black_box(coverage::report(&snapshot, census, Level::Country, &all, completeness)))
    });
    group.bench_function("report_country_one_category", |b| {
        b.iter(|| black_box(coverage::report(&snapshot, census, Level::Country, &centres, completeness)))
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
