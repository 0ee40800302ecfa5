//! Property tests: a snapshot changed in place, one write at a time, answers
//! every query exactly as a snapshot built from scratch from the same
//! records — through `Versioned::apply` and through the application state's
//! two swapped copies, with readers holding old copies along the way.

use crate::common;
use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::json;
use witgis::index::{BBox, Filter, IdPage, PageAt, Snapshot};
use witgis::model::{Category, Resource};
use witgis::state::{AppState, Change, Versioned};
use witgis::store::Stored;

const CATEGORIES: [&str; 3] = ["library", "mental_health_centre", "crisis_service"];
const AREAS: [&str; 3] = ["it-rm-municipio-01", "it-rm-municipio-02", "it-rm-municipio-03"];
const ADDRESSES: [&str; 3] = ["Via Uno 1", "Via Due 2", "Piazza Tre"];

/// One write: a record put at an id of a small pool (so that writes hit
/// the same ids again), or the id's record deleted.
#[derive(Debug, Clone)]
enum Op {
    Put { id: usize, point: Option<[f64; 2]>, category: usize, areas: Vec<usize>, address: Option<usize> },
    Delete { id: usize },
}

fn point() -> impl Strategy<Value = [f64; 2]> {
    // Around Rome, with a few exact repeats through rounding to 0.01°.
    (12.3..12.7f64, 41.7..42.1f64)
        .prop_map(|(lon, lat)| [(lon * 100.0).round() / 100.0, (lat * 100.0).round() / 100.0])
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (
            0..40usize,
            prop::option::weighted(0.9, point()),
            0..3usize,
            prop::collection::vec(0..3usize, 0..3),
            prop::option::of(0..3usize)
        )
            .prop_map(|(id, point, category, areas, address)| Op::Put { id, point, category, areas, address }),
        1 => (0..40usize).prop_map(|id| Op::Delete { id }),
    ]
}

fn id(n: usize) -> String {
    format!("r-{n:02}")
}

fn resource(op: &Op) -> Option<Resource> {
    let Op::Put { id: n, point, category, areas, address } = op else { return None };
    let mut serves: Vec<&str> = areas.iter().map(|&a| AREAS[a]).collect();
    serves.sort_unstable();
    serves.dedup();
    let props = json!({
        "id": id(*n),
        "name": format!("Servizio {n} {}", CATEGORIES[*category]),
        "category": CATEGORIES[*category],
        "country": "IT",
        "city": "Roma",
        "address": address.map(|a| ADDRESSES[a]),
        "serves_areas": serves,
        // Hours and a district point on some, so that the marks change too.
        "opening_hours": (*address == Some(1)).then_some("Mo-Fr 08:00-18:00"),
        "coord_precision": point.map(|_| if *category == 2 { "district" } else { "street" }),
    });
    let Some(map) = props.as_object() else { unreachable!() };
    Some(Resource::from_properties(map, *point).unwrap_or_else(|e| panic!("{n}: {e}")))
}

fn at(version: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000 + version * 60, 0).expect("valid time")
}

/// The writes as the store would report them: each one a new version.
fn stored_changes(ops: &[Op]) -> Vec<Stored> {
    ops.iter()
        .enumerate()
        .map(|(i, op)| {
            let version = i as i64 + 2;
            let (n, resource, deleted) = match op {
                Op::Put { id: n, .. } => (*n, resource(op).expect("put"), false),
                // A deletion carries the id's last values; only the id matters.
                Op::Delete { id: n } => (*n, placeholder(*n), true),
            };
            debug_assert_eq!(resource.id, id(n));
            Stored { resource, version, deleted, updated_at: at(version) }
        })
        .collect()
}

fn placeholder(n: usize) -> Resource {
    common::resource(&id(n), None, "library", "IT", &[])
}

/// The records after all writes, by the obvious model: a map from id.
fn model(initial: &[Stored], changes: &[Stored]) -> Vec<Stored> {
    let mut m: BTreeMap<String, Stored> = BTreeMap::new();
    for s in initial.iter().chain(changes) {
        if s.deleted {
            m.remove(&s.resource.id);
        } else {
            m.insert(s.resource.id.clone(), s.clone());
        }
    }
    m.into_values().collect()
}

/// Everything a reader can ask a versioned snapshot, as plain values.
fn answers(v: &Versioned) -> Vec<String> {
    let s: &Snapshot = v.snapshot();
    let mut out: Vec<String> = s
        .index()
        .resources()
        .map(|r| format!("{} {:?}", r.id, s.index().slot(&r.id).and_then(|slot| v.meta(slot))))
        .collect();
    out.extend(snapshot_answers(s));
    out
}

/// Everything a reader can ask a snapshot, as plain values.
fn snapshot_answers(s: &Snapshot) -> Vec<String> {
    let mut out: Vec<String> = s
        .index()
        .slots()
        .map(|slot| format!("{:?} {:?}", s.index().resource(slot), s.index().marks(slot)))
        .collect();
    let filters = [
        Filter::default(),
        Filter {
            categories: vec!["crisis_service".parse::<Category>().expect("category")],
            ..Filter::default()
        },
        Filter { text: Some("servizio 1".into()), ..Filter::default() },
    ];
    for f in &filters {
        for q in [[12.5, 41.9], [12.35, 41.75], [12.69, 42.09]] {
            let hits = s.index().nearest(q[0], q[1], 5, None, f);
            out.push(format!(
                "nearest {q:?} {:?}",
                hits.iter()
                    .map(|h| (s.index().resource(h.index).id.as_str(), h.distance_m))
                    .collect::<Vec<_>>()
            ));
            let within = s.index().nearest(q[0], q[1], usize::MAX, Some(8_000.0), f);
            out.push(format!(
                "within {q:?} {:?}",
                within.iter().map(|h| &s.index().resource(h.index).id).collect::<Vec<_>>()
            ));
        }
        let bbox = BBox { west: 12.4, south: 41.8, east: 12.6, north: 42.0 };
        out.push(format!(
            "bbox {:?}",
            s.index().in_bbox(bbox, f).iter().map(|&i| &s.index().resource(i).id).collect::<Vec<_>>()
        ));
        out.push(format!(
            "filtered {:?}",
            s.index().filtered(f).iter().map(|&i| &s.index().resource(i).id).collect::<Vec<_>>()
        ));
    }
    for a in AREAS {
        out.push(format!(
            "serving {a} {:?}",
            s.serving(a).iter().map(|&i| &s.index().resource(i).id).collect::<Vec<_>>()
        ));
    }
    out.push(format!("counts {:?} len {}", s.index().category_counts(), s.index().len()));
    out.push(format!("places {}", s.places(&common::reference().quarters).len()));
    out
}

/// The records loaded at the start: one per id (the first put of it).
fn initial(ops: &[Op]) -> Vec<Stored> {
    let mut seen = std::collections::HashSet::new();
    ops.iter()
        .filter_map(resource)
        .filter(|r| seen.insert(r.id.clone()))
        .map(|resource| Stored { resource, version: 1, deleted: false, updated_at: at(1) })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn changes_in_place_equal_a_rebuild(
        start in prop::collection::vec(op(), 0..30),
        ops in prop::collection::vec(op(), 1..60),
        held in prop::collection::vec(any::<bool>(), 60),
    ) {
        let initial = initial(&start);
        let changes = stored_changes(&ops);
        let mut v = Versioned::new(initial.clone(), Vec::new());
        let mut readers = Vec::new();
        for (i, s) in changes.iter().enumerate() {
            // Some readers keep the copy they had: it must not change under them.
            if held[i] {
                readers.push((Arc::clone(v.snapshot()), snapshot_answers(v.snapshot())));
            }
            v.apply(&Change::of(s));
        }
        let rebuilt = Versioned::new(model(&initial, &changes), Vec::new());
        prop_assert_eq!(answers(&v), answers(&rebuilt));
        for (snapshot, seen) in readers {
            prop_assert_eq!(snapshot_answers(&snapshot), seen, "a held copy changed under its reader");
        }
    }

    /// A page of the whole directory walked in the id map (what OGC API
    /// paging without a filter serves) is the page a sorted list of the ids
    /// gives, from any cursor, present in the set or not.
    #[test]
    fn pages_by_id_are_slices_of_the_sorted_ids(
        start in prop::collection::vec(op(), 0..30),
        ops in prop::collection::vec(op(), 0..40),
        limit in 1..6usize,
    ) {
        let mut v = Versioned::new(initial(&start), Vec::new());
        for s in &stored_changes(&ops) {
            v.apply(&Change::of(s));
        }
        let snapshot = v.snapshot();
        let mut ids: Vec<String> = model(&initial(&start), &stored_changes(&ops))
            .into_iter().filter(|s| !s.deleted).map(|s| s.resource.id).collect();
        ids.sort();
        let page_ids = |p: &IdPage| -> Vec<String> {
            p.slots.iter().map(|&s| snapshot.index().resource(s).id.clone()).collect()
        };
        // Cursors: every id of the pool, and ids between and around them.
        let cursors: Vec<String> = (0..40).map(id).chain(["r-0", "r-05a", "r-99", "a", "s"].map(String::from)).collect();
        let oracle = |lo: usize, hi: usize| (ids[lo..hi].to_vec(), lo > 0, hi < ids.len());
        let first = snapshot.index().page_by_id(PageAt::Start, limit);
        prop_assert_eq!((page_ids(&first), first.more_before, first.more_after), oracle(0, limit.min(ids.len())));
        for c in &cursors {
            let lo = ids.partition_point(|x| x <= c);
            let after = snapshot.index().page_by_id(PageAt::After(c), limit);
            prop_assert_eq!((page_ids(&after), after.more_before, after.more_after), oracle(lo, (lo + limit).min(ids.len())));
            let hi = ids.partition_point(|x| x < c);
            let before = snapshot.index().page_by_id(PageAt::Before(c), limit);
            prop_assert_eq!((page_ids(&before), before.more_before, before.more_after), oracle(hi.saturating_sub(limit), hi));
        }
    }

    /// A change that is not newer than what the snapshot holds changes
    /// nothing, even of an id deleted since (a write that lost the race).
    #[test]
    fn old_news_is_ignored(ops in prop::collection::vec(op(), 1..30)) {
        let changes = stored_changes(&ops);
        let mut v = Versioned::new(Vec::new(), Vec::new());
        for s in &changes {
            v.apply(&Change::of(s));
        }
        let before = answers(&v);
        for s in changes.iter().rev() {
            let mut stale = s.clone();
            stale.version -= 1;
            prop_assert!(!v.apply(&Change::of(&stale)));
        }
        prop_assert_eq!(answers(&v), before);
    }
}

/// Through the application state: the two copies swap on every change, a
/// reader may hold either, and the state ends where a rebuild does.
#[tokio::test]
async fn the_state_swaps_copies_without_losing_a_change() {
    let db = common::TestDb::sqlite().await;
    let runner_ops: Vec<Op> = (0..200)
        .map(|i| match i % 7 {
            3 => Op::Delete { id: (i * 13) % 40 },
            _ => Op::Put {
                id: (i * 7) % 40,
                point: Some([12.3 + (i % 37) as f64 * 0.01, 41.7 + (i % 29) as f64 * 0.013]),
                category: i % 3,
                areas: vec![i % 3],
                address: (i % 4 != 0).then_some(i % 3),
            },
        })
        .collect();
    let start: Vec<Op> = (0..20)
        .map(|i| Op::Put {
            id: i * 2,
            point: Some([12.5, 41.9]),
            category: i % 3,
            areas: vec![],
            address: None,
        })
        .collect();
    let initial = initial(&start);
    let state = Arc::new(AppState::with_versioned(
        db.store.clone(),
        Versioned::new(initial.clone(), Vec::new()),
        common::reference(),
    ));
    let changes = stored_changes(&runner_ops);
    let mut held = Vec::new();
    for (i, s) in changes.iter().enumerate() {
        if i % 5 == 0 {
            // A reader in the middle of a request keeps its copy.
            held.push(state.versioned());
        }
        if i % 11 == 0 {
            held.clear();
        }
        if i % 3 == 0 {
            state.apply_all(vec![Change::of(s)]).await;
        } else {
            state.apply(s).await;
        }
    }
    let rebuilt = Versioned::new(model(&initial, &changes), Vec::new());
    assert_eq!(answers(&state.versioned()), answers(&rebuilt));
}
