//! The HTTP API over the seeded embedded store, through the real router.

use crate::common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use proptest::prelude::*;
use serde_json::Value;
use tower::ServiceExt;

/// The oracle's distance: Karney's geodesic straight from `geo`.
fn geodesic_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    use geo::{Distance, Geodesic, Point};
    Geodesic.distance(Point::new(a[0], a[1]), Point::new(b[0], b[1]))
}

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

async fn get(app: &axum::Router, uri: &str) -> Reply {
    let a = common::router::get(app, uri, &[]).await;
    Reply { status: a.status, content_type: a.content_type(), body: a.json() }
}

fn ids(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn lists_every_resource_as_geojson() {
    let (app, state, _dir) = common::seeded_app().await;
    let r = get(&app, "/api/resources").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.content_type, "application/geo+json");
    assert_eq!(r.body["type"], "FeatureCollection");
    assert_eq!(r.body["numberMatched"], state.snapshot().index().len());
    assert_eq!(ids(&r.body).len(), state.snapshot().index().len());
    // Properties carry every field of the record, geometry is a Point or null.
    let first = &r.body["features"][0];
    for key in witgis::model::resource::PROPERTIES {
        assert!(first["properties"].get(key).is_some(), "property {key} missing");
    }
    let placeless =
        r.body["features"].as_array().expect("features").iter().filter(|f| f["geometry"].is_null()).count();
    assert!(placeless > 0, "helplines without a point are listed too");
}

#[tokio::test]
async fn filters_by_category_country_topic_and_text() {
    let (app, state, _dir) = common::seeded_app().await;
    let snapshot = state.snapshot();
    let r = get(&app, "/api/resources?category=library,university&country=LT").await;
    let expected: Vec<String> = snapshot
        .index()
        .resources()
        .filter(|r| matches!(r.category.as_str(), "library" | "university") && r.country.as_str() == "LT")
        .map(|r| r.id.clone())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&r.body), expected);

    let r = get(&app, "/api/resources?topic=housing&category=day_centre&category=mental_health_centre").await;
    for f in r.body["features"].as_array().expect("features") {
        assert!(f["properties"]["topics"].as_array().expect("topics").iter().any(|t| t == "housing"));
    }

    // Accent- and case-insensitive text search.
    let plain = get(&app, "/api/resources?q=universita%20degli%20studi%20di%20FIRENZE").await;
    let accented = get(&app, "/api/resources?q=Universit%C3%A0%20degli%20Studi%20di%20Firenze").await;
    assert!(!ids(&plain.body).is_empty());
    assert_eq!(ids(&plain.body), ids(&accented.body));
    let cyrillic = get(&app, "/api/resources?q=%D1%81%D0%BE%D1%84%D0%B8%D1%8F").await; // "софия"
    assert!(ids(&cyrillic.body).len() >= 10, "Sofia has many resources");
}

#[tokio::test]
async fn bbox_returns_only_points_inside() {
    let (app, _state, _dir) = common::seeded_app().await;
    let r = get(&app, "/api/resources?bbox=12.35,41.80,12.65,42.00").await;
    let features = r.body["features"].as_array().expect("features");
    assert!(features.len() > 20, "Rome has many resources, got {}", features.len());
    for f in features {
        let c = &f["geometry"]["coordinates"];
        let (lon, lat) = (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"));
        assert!((12.35..=12.65).contains(&lon) && (41.80..=42.00).contains(&lat), "{f}");
    }
}

#[tokio::test]
async fn one_resource_or_a_404_problem() {
    let (app, state, _dir) = common::seeded_app().await;
    let id = state.snapshot().index().resources().next().expect("a resource").id.clone();
    let r = get(&app, &format!("/api/resources/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["id"], id.as_str());
    let r = get(&app, "/api/resources/no-such-place").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type, "application/problem+json");
    assert!(r.body["detail"].as_str().expect("detail").contains("no-such-place"));
}

#[tokio::test]
async fn nearest_is_ordered_by_geodesic_distance_and_matches_brute_force() {
    let (app, state, _dir) = common::seeded_app().await;
    let snapshot = state.snapshot();
    let q = [12.4823, 41.8933]; // Piazza Venezia, Rome
    let r = get(&app, "/api/nearest?lon=12.4823&lat=41.8933&k=5&category=mental_health_centre").await;
    assert_eq!(r.status, StatusCode::OK);
    let features = r.body["features"].as_array().expect("features");
    assert_eq!(features.len(), 5);
    let distances: Vec<f64> =
        features.iter().map(|f| f["properties"]["distance_m"].as_f64().expect("distance")).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    let mut brute: Vec<(f64, &str)> = snapshot
        .index()
        .resources()
        .filter(|r| r.category.as_str() == "mental_health_centre")
        .filter_map(|r| r.point().map(|p| (geodesic_m(q, p), r.id.as_str())))
        .collect();
    brute.sort_by(|a, b| a.0.total_cmp(&b.0));
    let expected: Vec<String> = brute.iter().take(5).map(|(_, id)| (*id).to_owned()).collect();
    assert_eq!(ids(&r.body), expected);
    assert!((distances[0] - brute[0].0).abs() < 0.1);

    // k defaults to 10; max_km limits the radius.
    assert_eq!(ids(&get(&app, "/api/nearest?lon=12.48&lat=41.89").await.body).len(), 10);
    let near = get(&app, "/api/nearest?lon=12.48&lat=41.89&k=100&max_km=1").await;
    for f in near.body["features"].as_array().expect("features") {
        assert!(f["properties"]["distance_m"].as_f64().expect("distance") <= 1000.0);
    }
}

#[tokio::test]
async fn nearest_names_the_country_the_search_starts_in() {
    let (app, _state, _dir) = common::seeded_app().await;
    // Points whose country is known from the map: Sofia's centre, Vilnius's
    // Žirmūnai, Piazza Venezia in Rome, the Tyrrhenian Sea, Paris.
    for (lon, lat, country) in [
        (23.3219, 42.6977, Value::from("BG")),
        (25.3000, 54.7100, Value::from("LT")),
        (12.4823, 41.8933, Value::from("IT")),
        (11.0000, 40.5000, Value::Null),
        (2.3522, 48.8566, Value::Null),
    ] {
        let r = get(&app, &format!("/api/nearest?lon={lon}&lat={lat}&k=3")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body["type"], "FeatureCollection");
        assert_eq!(r.body["origin"]["country"], country, "{lon},{lat}");
        assert_eq!(ids(&r.body).len(), 3);
    }
}

#[tokio::test]
async fn every_bad_parameter_is_a_400_problem_naming_it() {
    let (app, _state, _dir) = common::seeded_app().await;
    let cases = [
        ("/api/nearest?lon=12&lat=91", "lat"),
        ("/api/nearest?lon=abc&lat=41", "lon"),
        ("/api/nearest?lon=NaN&lat=41", "lon"),
        ("/api/nearest?lon=12&lat=41&k=0", "k"),
        ("/api/nearest?lon=12&lat=41&k=10000", "k"),
        ("/api/nearest?lon=12&lat=41&max_km=-1", "max_km"),
        ("/api/nearest?lat=41", "lon"),
        ("/api/nearest?lon=12&lat=41&category=museum", "category"),
        ("/api/nearest?lon=12&lat=41&country=Italy", "country"),
        ("/api/nearest?lon=12&lat=41&topic=cooking", "topic"),
        ("/api/nearest?lon=12&lat=41&lon=13", "lon"),
        ("/api/resources?bbox=1,2,3", "bbox"),
        ("/api/resources?bbox=12,42,13,41", "bbox"),
        ("/api/resources?catgory=library", "catgory"),
        ("/api/resources?limit=0", "limit"),
    ];
    for (uri, param) in cases {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(r.content_type, "application/problem+json", "{uri}");
        let named: Vec<&str> = r.body["invalid_params"]
            .as_array()
            .expect("invalid_params")
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert!(named.contains(&param), "{uri}: {named:?}");
        assert!(r.body["detail"].as_str().is_some_and(|d| d.contains(param)), "{uri}");
    }
}

#[tokio::test]
async fn categories_health_page_and_unknown_routes() {
    let (app, state, _dir) = common::seeded_app().await;
    let r = get(&app, "/api/categories").await;
    let total: u64 =
        r.body.as_array().expect("array").iter().map(|c| c["count"].as_u64().expect("count")).sum();
    assert_eq!(total as usize, state.snapshot().index().len());
    assert_eq!(r.body.as_array().map(Vec::len), Some(witgis::model::Category::ALL.len()));

    let r = get(&app, "/healthz").await;
    assert_eq!((r.status, r.body["database"].as_str()), (StatusCode::OK, Some("up")));
    assert_eq!(get(&app, "/readyz").await.status, StatusCode::OK);

    let page =
        app.clone().oneshot(Request::get("/").body(Body::empty()).expect("request")).await.expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()[header::CONTENT_TYPE].to_str().expect("type").starts_with("text/html"));

    let r = get(&app, "/api/nowhere").await;
    assert_eq!((r.status, r.content_type.as_str()), (StatusCode::NOT_FOUND, "application/problem+json"));
    let wrong = app
        .clone()
        .oneshot(Request::delete("/api/categories").body(Body::empty()).expect("request"))
        .await
        .expect("reply");
    assert_eq!(wrong.status(), StatusCode::METHOD_NOT_ALLOWED);
}

/// Whatever the query string, the answer is a 200 or a 4xx problem: never a 500.
#[test]
fn no_query_string_makes_a_server_error() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (app, _state, _dir) = rt.block_on(common::seeded_app());
    let paths = vec!["/api/nearest", "/api/resources", "/api/resources/x", "/api/categories"];
    let names = vec!["lon", "lat", "k", "bbox", "category", "q", "max_km", "limit", "offset", "x"];
    let strategy = (
        prop::sample::select(paths),
        prop::collection::vec((prop::sample::select(names), "[-0-9a-zA-Z.,%éЖ ]{0,12}"), 0..5),
    );
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 300, ..ProptestConfig::default() });
    runner
        .run(&strategy, |(path, query)| {
            let qs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "+"))).collect();
            let status = rt.block_on(get(&app, &format!("{path}?{}", qs.join("&")))).status;
            prop_assert!(status.is_success() || status.is_client_error(), "{} for {:?}", status, query);
            Ok(())
        })
        .expect("no server errors");
}

/// The words of one `vocabulary!` block of crates/witgis-core/src/model/vocab.rs, in order.
fn vocab_words(kind: &str) -> Vec<String> {
    let source = std::fs::read_to_string("crates/witgis-core/src/model/vocab.rs")
        .expect("crates/witgis-core/src/model/vocab.rs");
    let start = source.find(&format!(", \"{kind}\" {{")).expect("the block") + kind.len() + 6;
    let block = &source[start..start + source[start..].find('}').expect("its end")];
    block.split("= \"").skip(1).map(|w| w[..w.find('"').expect("a word")].to_owned()).collect()
}

#[tokio::test]
async fn the_vocabulary_the_page_reads_is_served() {
    let (app, _state, _dir) = common::seeded_app().await;
    let r = get(&app, "/api/vocabulary").await;
    assert_eq!((r.status, r.content_type.as_str()), (StatusCode::OK, "application/json"));
    let words = |key: &str| -> Vec<String> {
        r.body[key].as_array().expect(key).iter().map(|v| v.as_str().expect("a word").to_owned()).collect()
    };
    // The countries with a shipped outline, in the order the README names them.
    let outlines: Value =
        serde_json::from_str(&std::fs::read_to_string("data/countries.geojson").expect("countries"))
            .expect("JSON");
    let mut shipped: Vec<String> = outlines["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["country"].as_str().expect("country").to_owned())
        .collect();
    shipped.sort();
    let mut countries = words("countries");
    assert_eq!(countries, ["IT", "BG", "DE", "LT"], "Italy, Bulgaria, Germany and Lithuania");
    countries.sort();
    assert_eq!(countries, shipped);
    // Every category once (legend order), every topic in the model's order.
    let mut categories = words("categories");
    assert_eq!(categories[0], "mental_health_centre", "the legend starts with the centres");
    categories.sort();
    let mut model = vocab_words("category");
    model.sort();
    assert_eq!(categories, model);
    assert_eq!(words("topics"), vocab_words("topic"));
}
