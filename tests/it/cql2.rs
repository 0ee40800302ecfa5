//! OGC API – Features Part 3 filtering with CQL2 under `/ogcapi`, through
//! the real router over a seeded SQLite store: the abstract tests of Part 3
//! (conformance classes, queryables, the `filter`, `filter-lang` and
//! `filter-crs` parameters, filters combined with the other parameters and
//! paging) and of CQL2's Basic CQL2 and basic spatial functions, written as
//! our own tests, plus the request shapes QGIS sends. The oracle is the
//! whole directory as `/api/resources` serves it, filtered here by
//! predicates written out by hand in Rust, sharing no code with the filter.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::Value;

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let a = common::router::get(app, uri, &[("host", "gis.example")]).await;
    (a.status, a.content_type(), a.json())
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Every id the filter admits, walking the `next` links.
async fn filtered(app: &axum::Router, query: &str) -> BTreeSet<String> {
    let mut uri = format!("/ogcapi/collections/resources/items?limit=17&{query}");
    let mut out = BTreeSet::new();
    loop {
        let (status, _, body) = get(app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        for f in body["features"].as_array().unwrap() {
            assert!(out.insert(f["id"].as_str().unwrap().to_owned()), "{uri}: an id twice");
        }
        let next = body["links"].as_array().unwrap().iter().find(|l| l["rel"] == "next");
        match next.and_then(|l| l["href"].as_str()) {
            Some(href) => uri = href.trim_start_matches("http://gis.example").to_owned(),
            None => {
                let matched = body["numberMatched"].as_u64().unwrap() as usize;
                assert_eq!(matched, out.len(), "{query}: numberMatched");
                return out;
            }
        }
    }
}

fn prop<'a>(f: &'a Value, name: &str) -> Option<&'a str> {
    f["properties"][name].as_str()
}

fn point(f: &Value) -> Option<(f64, f64)> {
    let c = f["geometry"]["coordinates"].as_array()?;
    Some((c[0].as_f64()?, c[1].as_f64()?))
}

fn topics(f: &Value) -> Vec<&str> {
    f["properties"]["topics"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect()
}

type Predicate = Box<dyn Fn(&Value) -> bool>;

#[tokio::test]
async fn basic_cql2_in_text_and_json_admits_exactly_what_the_predicate_does() {
    let (app, _state, _dir) = common::seeded_app().await;
    let (_, _, all) = get(&app, "/api/resources?limit=10000").await;
    let all = all["features"].as_array().unwrap().clone();
    let in_box = |f: &Value, w: f64, s: f64, e: f64, n: f64| {
        point(f).is_some_and(|(x, y)| w <= x && x <= e && s <= y && y <= n)
    };
    let cases: Vec<(&str, &str, Predicate)> = vec![
        (
            "category = 'mental_health_centre'",
            r#"{"op":"=","args":[{"property":"category"},"mental_health_centre"]}"#,
            Box::new(|f| prop(f, "category") == Some("mental_health_centre")),
        ),
        (
            "category <> 'university' AND country = 'BG'",
            r#"{"op":"and","args":[{"op":"<>","args":[{"property":"category"},"university"]},{"op":"=","args":[{"property":"country"},"BG"]}]}"#,
            Box::new(|f| prop(f, "category") != Some("university") && prop(f, "country") == Some("BG")),
        ),
        (
            "country = 'LT' OR country = 'DE'",
            r#"{"op":"or","args":[{"op":"=","args":[{"property":"country"},"LT"]},{"op":"=","args":[{"property":"country"},"DE"]}]}"#,
            Box::new(|f| matches!(prop(f, "country"), Some("LT" | "DE"))),
        ),
        (
            "NOT (country = 'IT')",
            r#"{"op":"not","args":[{"op":"=","args":[{"property":"country"},"IT"]}]}"#,
            Box::new(|f| prop(f, "country") != Some("IT")),
        ),
        (
            "category IN ('library', 'university')",
            r#"{"op":"in","args":[{"property":"category"},["library","university"]]}"#,
            Box::new(|f| matches!(prop(f, "category"), Some("library" | "university"))),
        ),
        (
            "category LIKE '%centre'",
            r#"{"op":"like","args":[{"property":"category"},"%centre"]}"#,
            Box::new(|f| prop(f, "category").is_some_and(|c| c.ends_with("centre"))),
        ),
        (
            "category BETWEEN 'd' AND 'l'",
            r#"{"op":"between","args":[{"property":"category"},"d","l"]}"#,
            Box::new(|f| prop(f, "category").is_some_and(|c| ("d"..="l").contains(&c))),
        ),
        (
            "topic = 'crisis'",
            r#"{"op":"=","args":[{"property":"topic"},"crisis"]}"#,
            Box::new(|f| topics(f).contains(&"crisis")),
        ),
        (
            "topic IS NULL OR category = 'library'",
            r#"{"op":"or","args":[{"op":"isNull","args":[{"property":"topic"}]},{"op":"=","args":[{"property":"category"},"library"]}]}"#,
            Box::new(|f| topics(f).is_empty() || prop(f, "category") == Some("library")),
        ),
        (
            "S_INTERSECTS(geometry, BBOX(12.3, 41.8, 12.7, 42.0)) AND category = 'mental_health_centre'",
            r#"{"op":"and","args":[{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[12.3,41.8,12.7,42.0]}]},{"op":"=","args":[{"property":"category"},"mental_health_centre"]}]}"#,
            Box::new(move |f| {
                in_box(f, 12.3, 41.8, 12.7, 42.0) && prop(f, "category") == Some("mental_health_centre")
            }),
        ),
        (
            "S_INTERSECTS(geometry, POLYGON((23 42, 24 42, 24 43, 23 43, 23 42)))",
            r#"{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[23,42],[24,42],[24,43],[23,43],[23,42]]]}]}"#,
            Box::new(move |f| in_box(f, 23.0, 42.0, 24.0, 43.0)),
        ),
    ];
    for (text, json, want) in &cases {
        let expected: BTreeSet<String> =
            all.iter().filter(|f| want(f)).map(|f| f["id"].as_str().unwrap().to_owned()).collect();
        assert!(!expected.is_empty(), "{text}: the seed should hold some");
        assert!(expected.len() < all.len(), "{text}: and not all");
        assert_eq!(filtered(&app, &format!("filter={}", enc(text))).await, expected, "{text}");
        let as_json = format!("filter-lang=cql2-json&filter={}", enc(json));
        assert_eq!(filtered(&app, &as_json).await, expected, "{json}");
    }
    // A point intersects exactly the records at that point.
    let some = all.iter().find_map(point).unwrap();
    let at: BTreeSet<String> =
        all.iter().filter(|f| point(f) == Some(some)).map(|f| f["id"].as_str().unwrap().to_owned()).collect();
    let text = format!("S_INTERSECTS(geometry, POINT({} {}))", some.0, some.1);
    assert_eq!(filtered(&app, &format!("filter={}", enc(&text))).await, at);
}

#[tokio::test]
async fn a_filter_combines_with_bbox_the_queryable_parameters_and_paging() {
    let (app, _state, _dir) = common::seeded_app().await;
    let (_, _, all) = get(&app, "/api/resources?limit=10000").await;
    let all = all["features"].as_array().unwrap().clone();
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|f| point(f).is_some_and(|(x, y)| (12.0..=13.0).contains(&x) && (41.5..=42.5).contains(&y)))
        .filter(|f| prop(f, "country") == Some("IT") && prop(f, "category") != Some("university"))
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(expected.len() > 17, "takes several pages");
    let query = format!("bbox=12,41.5,13,42.5&country=IT&filter={}", enc("category <> 'university'"));
    assert_eq!(filtered(&app, &query).await, expected);
}

#[tokio::test]
async fn the_request_shapes_qgis_sends() {
    let (app, _state, _dir) = common::seeded_app().await;
    let (_, _, all) = get(&app, "/api/resources?limit=10000").await;
    let all = all["features"].as_array().unwrap().clone();
    let count = |p: &dyn Fn(&Value) -> bool| all.iter().filter(|f| p(f)).count();
    // QGIS quotes identifiers and names the language; it adds the map's bbox.
    for (filter, want) in [
        (
            r#""category" = 'mental_health_centre'"#,
            count(&|f| prop(f, "category") == Some("mental_health_centre")),
        ),
        (
            r#"("country" = 'BG') AND ("category" IN ('university','library'))"#,
            count(&|f| {
                prop(f, "country") == Some("BG")
                    && matches!(prop(f, "category"), Some("university" | "library"))
            }),
        ),
        (r#"NOT ("country" = 'IT')"#, count(&|f| prop(f, "country") != Some("IT"))),
    ] {
        let query = format!("filter={}&filter-lang=cql2-text", enc(filter));
        assert_eq!(filtered(&app, &query).await.len(), want, "{filter}");
    }
}

#[tokio::test]
async fn conformance_and_queryables_announce_filtering() {
    let (app, _state, _dir) = common::seeded_app().await;
    let (_, _, conformance) = get(&app, "/ogcapi/conformance").await;
    let classes: BTreeSet<&str> =
        conformance["conformsTo"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for class in [
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ] {
        assert!(classes.contains(class), "{class}");
    }
    for collection in ["resources", "areas", "regions"] {
        let (_, _, q) = get(&app, &format!("/ogcapi/collections/{collection}/queryables")).await;
        assert_eq!(q["properties"]["geometry"]["x-ogc-role"], "primary-geometry", "{collection}");
    }
    // Areas and regions filter on their own queryables.
    let (_, _, regions) = get(&app, "/ogcapi/collections/regions/items?limit=10000").await;
    let bg =
        regions["features"].as_array().unwrap().iter().filter(|f| f["properties"]["country"] == "BG").count();
    assert!(bg > 0);
    let (status, _, got) =
        get(&app, &format!("/ogcapi/collections/regions/items?limit=10000&filter={}", enc("country = 'BG'")))
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["numberMatched"].as_u64().unwrap() as usize, bg);
}

#[tokio::test]
async fn a_bad_filter_is_a_problem_naming_the_parameter_and_the_place() {
    let (app, state, _dir) = common::seeded_app().await;
    let before = state.snapshot().index().len();
    for (query, param, words) in [
        (format!("filter={}", enc("category = 'x' AND")), "filter", "character 19"),
        (format!("filter={}", enc("nme = 'x'")), "filter", "'nme' is not a queryable"),
        (format!("filter={}", enc("category = 7")), "filter", "text value"),
        (
            format!("filter={}", enc("S_INTERSECTS(geometry, BBOX(12, 43, 13, 42))")),
            "filter",
            "south below north",
        ),
        (format!("filter-lang=cql2-json&filter={}", enc("{\"op\":")), "filter", "CQL2 JSON"),
        (format!("filter-lang=ecql&filter={}", enc("category = 'x'")), "filter-lang", "cql2-text"),
        (format!("filter-crs=EPSG:3857&filter={}", enc("category = 'x'")), "filter-crs", "CRS84"),
    ] {
        let (status, content_type, body) =
            get(&app, &format!("/ogcapi/collections/resources/items?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(content_type, "application/problem+json");
        let named = body["invalid_params"].as_array().unwrap().iter().find(|p| p["name"] == param);
        let reason = named.and_then(|p| p["reason"].as_str()).unwrap_or_default();
        assert!(reason.contains(words), "{query}: {body}");
    }
    assert_eq!(state.snapshot().index().len(), before);
}
