//! Property tests: the snapshot's nearest, radius and bbox answers equal a
//! brute-force scan over random data, including near the poles and ±180°.

mod common;

use proptest::prelude::*;
use witgis::index::{BBox, Filter, Snapshot};
use witgis::model::{Category, Resource, Topic};

/// The oracle's distance: Karney's geodesic straight from `geo`, not the
/// faster method the snapshot uses.
fn geodesic_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    use geo::{Distance, Geodesic, Point};
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

/// The same resources in the same order, at the same distances to a tenth of
/// a millimetre.
fn same(got: &[(f64, String)], expected: &[(f64, String)]) -> bool {
    got.len() == expected.len()
        && got.iter().zip(expected).all(|(g, e)| g.1 == e.1 && (g.0 - e.0).abs() < 1e-4)
}

const CATEGORIES: [&str; 3] = ["library", "university", "crisis_service"];
const TOPICS: [&str; 3] = ["housing", "crisis", "research"];

/// Longitude: anywhere, or close to the antimeridian.
fn lon() -> impl Strategy<Value = f64> {
    prop_oneof![8 => -180.0..=180.0f64, 4 => 175.0..=180.0f64, 4 => -180.0..=-175.0f64, 1 => Just(180.0), 1 => Just(-180.0)]
}

/// Latitude: anywhere, or close to a pole.
fn lat() -> impl Strategy<Value = f64> {
    prop_oneof![-90.0..=90.0f64, 85.0..=90.0f64, -90.0..=-85.0f64]
}

fn point() -> impl Strategy<Value = [f64; 2]> {
    (lon(), lat()).prop_map(|(lon, lat)| [lon, lat])
}

/// Up to 250 resources; some share a point, some have none.
fn resources() -> impl Strategy<Value = Vec<Resource>> {
    prop::collection::vec((prop::option::weighted(0.95, point()), 0..3usize, 0..3usize), 1..250).prop_map(
        |rows| {
            let mut out: Vec<Resource> = rows
                .iter()
                .enumerate()
                .map(|(i, (p, c, t))| {
                    common::resource(&format!("r-{i:03}"), *p, CATEGORIES[*c], "IT", &[TOPICS[*t]])
                })
                .collect();
            // A few exact duplicates of earlier points: ties are broken by id.
            for i in 0..out.len() / 20 {
                let twin =
                    common::resource(&format!("t-{i:03}"), out[i].point(), "library", "IT", &["housing"]);
                out.push(twin);
            }
            out
        },
    )
}

fn filter() -> impl Strategy<Value = Filter> {
    (prop::collection::vec(0..3usize, 0..3), prop::option::of(0..3usize)).prop_map(|(cs, t)| Filter {
        categories: cs.iter().map(|&c| CATEGORIES[c].parse::<Category>().expect("category")).collect(),
        topics: t.map(|t| TOPICS[t].parse::<Topic>().expect("topic")).into_iter().collect(),
        ..Filter::default()
    })
}

/// Every matching located resource with its geodesic distance, nearest first,
/// ties by id.
fn brute_force(snapshot: &Snapshot, q: [f64; 2], filter: &Filter) -> Vec<(f64, String)> {
    let matches = snapshot.index().matcher(filter);
    let mut all: Vec<(f64, String)> = snapshot
        .index()
        .resources()
        .enumerate()
        .filter(|(i, _)| matches(*i as u32))
        .filter_map(|(_, r)| r.point().map(|p| (geodesic_m(q, p), r.id.clone())))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    all
}

fn answer(snapshot: &Snapshot, hits: Vec<witgis::index::Hit>) -> Vec<(f64, String)> {
    hits.into_iter().map(|h| (h.distance_m, snapshot.index().resource(h.index).id.clone())).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn nearest_k_equals_brute_force(rs in resources(), q in point(), k in 1..30usize, f in filter()) {
        let snapshot = Snapshot::new(rs);
        let expected: Vec<_> = brute_force(&snapshot, q, &f).into_iter().take(k).collect();
        let got = answer(&snapshot, snapshot.index().nearest(q[0], q[1], k, None, &f));
        prop_assert!(same(&got, &expected), "{got:?}\n!= {expected:?}");
    }

    #[test]
    fn radius_equals_brute_force(rs in resources(), q in point(), km in 1.0..3000.0f64, f in filter()) {
        let snapshot = Snapshot::new(rs);
        let max_m = km * 1000.0;
        let expected: Vec<_> = brute_force(&snapshot, q, &f).into_iter().filter(|(d, _)| *d <= max_m).collect();
        let got = answer(&snapshot, snapshot.index().nearest(q[0], q[1], usize::MAX, Some(max_m), &f));
        prop_assert!(same(&got, &expected), "{got:?}\n!= {expected:?}");
    }

    #[test]
    fn bbox_equals_brute_force(
        rs in resources(),
        (west, east) in (lon(), lon()),
        (s, n) in (lat(), lat()),
        f in filter(),
        (offset, limit) in (0..300usize, 1..300usize),
    ) {
        let bbox = BBox { west, south: s.min(n), east, north: s.max(n) };
        let snapshot = Snapshot::new(rs);
        let matches = snapshot.index().matcher(&f);
        let expected: Vec<u32> = snapshot
            .index().slots()
            .filter(|&i| matches(i) && snapshot.index().resource(i).point().is_some_and(|[x, y]| bbox.contains(x, y)))
            .collect();
        prop_assert_eq!(snapshot.index().in_bbox(bbox, &f), expected.clone());
        let page: Vec<u32> = expected.iter().skip(offset).take(limit).copied().collect();
        prop_assert_eq!(snapshot.index().in_bbox_page(bbox, &f, offset, limit), (page, expected.len()));
    }
}

#[test]
fn nearest_across_the_antimeridian_and_over_the_pole() {
    let rs = vec![
        common::resource("east", Some([179.9, 0.0]), "library", "IT", &[]),
        common::resource("far", Some([170.0, 0.0]), "library", "IT", &[]),
        common::resource("pole-a", Some([0.0, 89.9]), "library", "IT", &[]),
        common::resource("pole-b", Some([180.0, 89.8]), "library", "IT", &[]),
    ];
    let snapshot = Snapshot::new(rs);
    let ids = |hits: Vec<witgis::index::Hit>| -> Vec<String> {
        hits.iter().map(|h| snapshot.index().resource(h.index).id.clone()).collect()
    };
    // From just west of the antimeridian, the point across it is nearest.
    assert_eq!(ids(snapshot.index().nearest(-179.9, 0.0, 2, None, &Filter::default())), ["east", "far"]);
    // Across the pole: 90° of longitude apart but 0.3° of arc.
    let hits = snapshot.index().nearest(90.0, 89.9, 2, None, &Filter::default());
    assert_eq!(ids(hits.clone()), ["pole-a", "pole-b"]);
    assert!(hits[1].distance_m < 40_000.0, "{}", hits[1].distance_m);
}

#[test]
fn a_filter_returns_the_nearest_matching_not_the_nearest_then_filtered() {
    let mut rs: Vec<Resource> = (0..50)
        .map(|i| {
            common::resource(&format!("lib-{i}"), Some([12.5 + i as f64 * 1e-4, 41.9]), "library", "IT", &[])
        })
        .collect();
    rs.push(common::resource("uni-far", Some([13.5, 41.9]), "university", "IT", &["research"]));
    let snapshot = Snapshot::new(rs);
    let f = Filter { categories: vec![Category::University], ..Filter::default() };
    let hits = snapshot.index().nearest(12.5, 41.9, 3, None, &f);
    assert_eq!(hits.len(), 1);
    assert_eq!(snapshot.index().resource(hits[0].index).id, "uni-far");
}

#[test]
fn a_crossing_bbox_holds_both_sides() {
    let rs = vec![
        common::resource("west-side", Some([-179.5, 0.0]), "library", "IT", &[]),
        common::resource("east-side", Some([179.5, 0.0]), "library", "IT", &[]),
        common::resource("greenwich", Some([0.0, 0.0]), "library", "IT", &[]),
    ];
    let snapshot = Snapshot::new(rs);
    let found = snapshot
        .index()
        .in_bbox(BBox { west: 179.0, south: -1.0, east: -179.0, north: 1.0 }, &Filter::default());
    let ids: Vec<&str> = found.iter().map(|&i| snapshot.index().resource(i).id.as_str()).collect();
    assert_eq!(ids, ["east-side", "west-side"]);
}
