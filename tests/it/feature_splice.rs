//! The nearest answer written from pre-serialised features equals, byte for
//! byte, the document the serde path (`ResourceFeature` + `annotate`) writes:
//! over the shipped records, over random records (opening hours, no place,
//! quotes, backslashes and any Unicode in the text), and through HTTP.

use crate::common;
use axum::body::Body;
use http_body_util::BodyExt;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use tower::ServiceExt;
use witgis::http::nearest::{collection, collection_json};
use witgis::index::{Filter, Snapshot};
use witgis::model::hours::Status;
use witgis::model::{Resource, Topic};
use witgis::referral::{Entry, Reach, nearest_entries};

/// The old path: the collection serialised by serde, record by record.
fn oracle(snapshot: &Snapshot, entries: &[Entry], at: chrono::DateTime<chrono::Utc>) -> String {
    serde_json::to_string(&collection(snapshot, entries, at, &common::reference().gazetteer))
        .expect("serialise")
}

fn spliced(snapshot: &Snapshot, entries: &[Entry], at: chrono::DateTime<chrono::Utc>) -> String {
    String::from_utf8(collection_json(snapshot, entries, at, &common::reference().gazetteer).expect("write"))
        .expect("utf-8")
}

/// An entry for every slot, with a distance, reach and status of its own.
fn every_slot(snapshot: &Snapshot) -> Vec<Entry> {
    snapshot
        .index()
        .slots()
        .enumerate()
        .map(|(i, index)| {
            let located = snapshot.index().resource(index).location.is_some();
            Entry {
                index,
                distance_m: located.then_some(i as f64 * 1234.5678 + 0.05),
                reach: if located { Reach::Visit } else { Reach::Phone },
                status: (i % 3 != 0).then(|| Status {
                    open_now: [None, Some(true), Some(false)][i % 3],
                    next_change: (i % 2 == 0).then(|| "2026-12-07T09:00:00+01:00".to_owned()),
                }),
            }
        })
        .collect()
}

#[test]
fn every_shipped_record_is_written_as_the_serde_path_writes_it() {
    let snapshot = Snapshot::new(witgis::store::seed().expect("seed"));
    assert!(snapshot.index().resources().any(|r| r.opening_hours.is_some()), "the seed has opening hours");
    assert!(snapshot.index().resources().any(|r| r.location.is_none()), "the seed has place-less services");
    for at in ["2026-12-02T10:00:00Z", "2026-12-06T02:00:00Z", "2026-12-24T23:30:00Z"] {
        let at = at.parse().expect("a time");
        let entries = every_slot(&snapshot);
        assert_eq!(spliced(&snapshot, &entries, at), oracle(&snapshot, &entries, at));
        // And real answers: the nearest 25 around Rome, Sofia and Vilnius.
        for (lon, lat) in [(12.4964, 41.9028), (23.3219, 42.6977), (25.2797, 54.6872)] {
            let entries = nearest_entries(&snapshot, lon, lat, 25, None, &Filter::default(), false, at);
            assert_eq!(entries.len(), 25);
            assert_eq!(spliced(&snapshot, &entries, at), oracle(&snapshot, &entries, at));
        }
    }
    // Some shipped answers carry centre_of and hours_week: the splice is
    // tested on them, not only on the plain records.
    let all = oracle(&snapshot, &every_slot(&snapshot), "2026-12-02T10:00:00Z".parse().expect("a time"));
    assert!(all.contains("\"centre_of\":") && all.contains("\"hours_week\":"));
}

#[test]
fn an_empty_answer_is_an_empty_collection() {
    let snapshot = Snapshot::new(Vec::new());
    let at = "2026-12-02T10:00:00Z".parse().expect("a time");
    assert_eq!(spliced(&snapshot, &[], at), oracle(&snapshot, &[], at));
}

/// Text with what JSON must escape and what it must not touch.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{1,30}",
        Just("Caf\u{e9} \"Zur Linde\" \\ C:\\temp / \u{2028} \u{1F600} <b>".to_owned()),
        Just("Център „Проф. Якимов“ – ül. Żółć".to_owned()),
    ]
}

const HOURS: &[&str] =
    &["Mo-Fr 09:00-17:00", "24/7", "Mo-Fr 08:00-12:00; PH off", "Sa 10:00-14:00; Su off", "off"];

prop_compose! {
    fn record(i: usize)(
        name in text(),
        name_en in prop::option::of(text()),
        city in prop::option::of(text()),
        description in prop::option::of(text()),
        hours in prop::option::of(prop::sample::select(HOURS)),
        point in prop::option::weighted(0.8, (-180.0..=180.0f64, -90.0..=90.0f64)),
        precision in prop::sample::select(&["exact", "street", "city", "district"][..]),
        topics in prop::collection::vec(prop::sample::select(Topic::ALL), 0..3),
        verified in prop::option::of(0u32..3000),
    ) -> Option<Resource> {
        let country = ["IT", "BG", "DE", "LT"][i % 4];
        let props = json!({
            "id": format!("rand-{i:03}"),
            "name": name,
            "name_en": name_en,
            "category": "day_centre",
            "country": country,
            "city": city,
            "description": description,
            "opening_hours": hours,
            "topics": topics.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            "coord_precision": point.map(|_| precision),
            "last_verified": verified.map(|d| (chrono::NaiveDate::from_ymd_opt(2018, 1, 1).expect("day")
                + chrono::Days::new(d.into())).to_string()),
        });
        let Value::Object(map) = props else { return None };
        Resource::from_properties(&map, point.map(|(lon, lat)| [lon, lat])).ok()
    }
}

fn records() -> impl Strategy<Value = Vec<Resource>> {
    (1..30usize)
        .prop_flat_map(|n| (0..n).map(record).collect::<Vec<_>>())
        .prop_map(|rs| rs.into_iter().flatten().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_records_are_written_as_the_serde_path_writes_them(
        rs in records(),
        hour in 0i64..(24 * 14),
        q in (-180.0..=180.0f64, -90.0..=90.0f64),
    ) {
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_796_000_000 + hour * 3600, 0).expect("a time");
        let snapshot = Snapshot::new(rs);
        let entries = every_slot(&snapshot);
        prop_assert_eq!(spliced(&snapshot, &entries, at), oracle(&snapshot, &entries, at));
        let entries = nearest_entries(&snapshot, q.0, q.1, 10, None, &Filter::default(), false, at);
        prop_assert_eq!(spliced(&snapshot, &entries, at), oracle(&snapshot, &entries, at));
    }
}

/// A record changed in place gets its feature serialised again: the answer
/// shows the new name, exactly as the serde path writes it.
#[test]
fn a_changed_record_is_written_anew() {
    let mut snapshot =
        Snapshot::new(vec![common::resource("a-one", Some([12.5, 41.9]), "library", "IT", &[])]);
    let mut props: Map<String, Value> = Map::new();
    props.insert("id".into(), json!("a-one"));
    props.insert("name".into(), json!("Biblioteca \"Nuova\""));
    props.insert("category".into(), json!("library"));
    props.insert("country".into(), json!("IT"));
    props.insert("opening_hours".into(), json!("Mo-Fr 09:00-17:00"));
    props.insert("coord_precision".into(), json!("street"));
    let changed = Resource::from_properties(&props, Some([12.6, 41.8])).expect("valid");
    snapshot.apply("a-one", Some(std::sync::Arc::new(changed)));
    let at = "2026-12-02T10:00:00Z".parse().expect("a time");
    let entries = nearest_entries(&snapshot, 12.5, 41.9, 10, None, &Filter::default(), false, at);
    let body = spliced(&snapshot, &entries, at);
    assert_eq!(body, oracle(&snapshot, &entries, at));
    assert!(body.contains(r#""name":"Biblioteca \"Nuova\"""#) && body.contains("[12.6,41.8]"), "{body}");
}

/// Through HTTP: the body of /api/nearest equals the serde path's document
/// for the same question at the same moment, with the `origin` member (the
/// covered country holding the point) after its `type`.
#[tokio::test]
async fn the_http_answer_is_the_serde_document() {
    let (app, state, _dir) = common::seeded_app().await;
    let at = "2026-12-02T10:00:00Z";
    for (lon, lat, k, origin) in
        [(12.4964, 41.9028, 10, r#""IT""#), (23.3219, 42.6977, 40, r#""BG""#), (-30.0, 10.0, 3, "null")]
    {
        let uri = format!("/api/nearest?lon={lon}&lat={lat}&k={k}&at={at}");
        let reply =
            app.clone().oneshot(axum::http::Request::get(&uri).body(Body::empty()).expect("request")).await;
        let reply = reply.expect("reply");
        assert_eq!(reply.status(), 200);
        assert_eq!(reply.headers()["content-type"], "application/geo+json");
        let body = reply.into_body().collect().await.expect("body").to_bytes();
        let snapshot = state.snapshot();
        let entries = nearest_entries(
            &snapshot,
            lon,
            lat,
            k,
            None,
            &Filter::default(),
            false,
            at.parse().expect("a time"),
        );
        let serde = oracle(&snapshot, &entries, at.parse().expect("a time"));
        let head = r#"{"type":"FeatureCollection","#;
        let expected = format!(r#"{head}"origin":{{"country":{origin}}},{}"#, &serde[head.len()..]);
        assert_eq!(String::from_utf8(body.to_vec()).expect("utf-8"), expected);
    }
}
