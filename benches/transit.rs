//! Transit: one query from a point to every service (earliest arrival at
//! 2 000 places, leaving at 09:00 on a weekday) over a synthetic feed the
//! size of a large city's (10 000 stops, 1 000 000 stop times), and the
//! preparation of that feed (sorting its connections, finding footpaths).
//!
//! Run: `cargo bench --bench transit`. The set-up prints the feed's size,
//! the stored JSON's size and the preparation's time once.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use witgis::transit::synth::{Size, timetable};
use witgis::transit::{Params, Router};

const ROME: [f64; 2] = [12.4964, 41.9028];

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    let tt = timetable(Size::LARGE_CITY, ROME, 42);
    let generated = started.elapsed();
    let json = serde_json::to_string(&tt).expect("serialise");
    let started = Instant::now();
    let back: witgis::transit::Timetable = serde_json::from_str(&json).expect("parse");
    let parsed = started.elapsed();
    let started = Instant::now();
    let router = Router::new(back, Params::default()).expect("router");
    let prepared = started.elapsed();
    eprintln!(
        "feed: {} stops, {} trips, {} stop times; generated in {:.2} s; stored JSON {} MB parsed in {:.2} s; prepared in {:.2} s",
        tt.stops.len(),
        tt.trips.len(),
        tt.stop_times(),
        generated.as_secs_f64(),
        json.len() / 1_000_000,
        parsed.as_secs_f64(),
        prepared.as_secs_f64()
    );
    drop(json);

    let mut rng = StdRng::seed_from_u64(7);
    let mut point = || [ROME[0] + rng.random_range(-0.15..0.15), ROME[1] + rng.random_range(-0.12..0.12)];
    let targets: Vec<[f64; 2]> = (0..2000).map(|_| point()).collect();
    let origins: Vec<[f64; 2]> = (0..64).map(|_| point()).collect();
    let date = NaiveDate::from_ymd_opt(2026, 12, 9).expect("date");
    let reached = origins
        .iter()
        .map(|&o| router.one_to_many(o, date, 9 * 3600, &targets).iter().filter(|j| j.is_some()).count())
        .sum::<usize>();
    eprintln!("on average {} of {} places reached within 90 minutes", reached / origins.len(), targets.len());

    let mut group = c.benchmark_group("transit");
    group.sample_size(20).measurement_time(Duration::from_secs(20));
    let mut i = 0;
    group.bench_function("one_to_2000_places_large_city", |b| {
        b.iter(|| {
            i = (i + 1) % origins.len();
            black_box(router.one_to_many(origins[i], date, 9 * 3600, &targets))
        })
    });
    group.bench_function("scan_only_large_city", |b| {
        b.iter(|| {
            i = (i + 1) % origins.len();
            black_box(router.scan(origins[i], date, 9 * 3600).stop_arrival(0))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
