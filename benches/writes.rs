//! Write benchmarks over synthetic resources: one change applied to the
//! snapshot in place (the copy a write is made in), one change through the
//! application state (both copies, the swap, the wait for readers), and,
//! for comparison, the whole rebuild that a write cost before — at 100k and
//! 1M records. A write is visible in `/api/nearest` as soon as the state's
//! swap returns, so `state_apply` is the snapshot's share of a write's
//! latency (the store's commit comes on top).
//!
//! Run: `cargo bench --bench writes` (1M set-up takes about a minute).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use witgis::model::Resource;
use witgis::state::{AppState, Change, Versioned};
use witgis::store::Stored;

fn stored(resources: &[Resource]) -> Vec<Stored> {
    resources
        .iter()
        .map(|r| Stored { resource: r.clone(), version: 1, deleted: false, updated_at: Utc::now() })
        .collect()
}

/// The i-th write: a record of the set renamed and moved a little, at a
/// version newer than any before.
fn write(resources: &[Resource], i: usize, version: i64) -> Change {
    let mut r = resources[(i * 7919) % resources.len()].clone();
    r.name = format!("{} ({version})", r.name);
    if let Some(l) = r.location.as_mut() {
        l.lon = (l.lon + 0.001).min(180.0);
    }
    Change::of(&Stored { resource: r, version, deleted: false, updated_at: Utc::now() })
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = runtime.block_on(witgis::store::open(&url)).expect("store");
    let reference = Arc::new(witgis::reference::ReferenceData::load().expect("the embedded reference data"));
    for size in [100_000usize, 1_000_000] {
        let resources = witgis::synth::resources(size, 42);
        let label = format!("{}k", size / 1000);
        let label = if size >= 1_000_000 { "1M".to_owned() } else { label };
        let mut version = 1;

        let mut group = c.benchmark_group("write");
        let mut own = Versioned::new(stored(&resources), Vec::new());
        let mut i = 0;
        group.bench_function(BenchmarkId::new("apply_in_place", &label), |b| {
            b.iter(|| {
                i += 1;
                version += 1;
                black_box(own.apply(&write(&resources, i, version)))
            })
        });
        drop(own);

        let state = AppState::with_versioned(
            Arc::clone(&store),
            Versioned::new(stored(&resources), Vec::new()),
            Arc::clone(&reference),
        );
        // The first change copies the loaded snapshot into the standby.
        version += 1;
        runtime.block_on(state.apply_all(vec![write(&resources, 0, version)]));
        group.bench_function(BenchmarkId::new("state_apply", &label), |b| {
            b.iter(|| {
                i += 1;
                version += 1;
                runtime.block_on(state.apply_all(vec![write(&resources, i, version)]));
                // Visible to the next reader at once.
                black_box(state.snapshot().index().nearest(10.0, 50.0, 10, None, &Default::default()))
            })
        });
        group.finish();
        drop(state);

        let mut group = c.benchmark_group("write");
        group.sample_size(10).measurement_time(Duration::from_secs(if size >= 1_000_000 { 30 } else { 10 }));
        let all = stored(&resources);
        group.bench_function(BenchmarkId::new("rebuild_baseline", &label), |b| {
            b.iter_batched(
                || all.clone(),
                |s| black_box(Versioned::new(s, Vec::new())),
                criterion::BatchSize::LargeInput,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
