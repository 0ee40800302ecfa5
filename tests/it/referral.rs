//! The help-desk referral: competent centres by catchment area, nearest
//! alternatives for a need, opening hours, after-hours options.

use crate::common;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use witgis::index::Snapshot;
use witgis::model::{Resource, Topic};
use witgis::referral::{Origin, Reach, Request as Ask, refer};

/// Rough boxes for eight of Rome's municipi, drawn for tests (not the real
/// outlines): enough to put the seed's centres and the quarters tested here
/// in the municipio the facts give.
fn municipi() -> Vec<witgis::model::Area> {
    let text = include_str!("../fixtures/rome-municipi-boxes.geojson");
    witgis::formats::areas::read(text).expect("municipi")
}

async fn app() -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("r.db").display())).await.expect("store");
    store.seed_once(&witgis::store::seed().expect("seed")).await.expect("seed");
    store.import_areas(&municipi()).await.expect("areas");
    let state = Arc::new(witgis::state::AppState::load(store, common::reference()).await.expect("load"));
    (witgis::http::router(state), dir)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status, a.json())
}

fn ids(fc: &Value) -> Vec<&str> {
    fc["features"].as_array().expect("features").iter().filter_map(|f| f["id"].as_str()).collect()
}

#[tokio::test]
async fn a_point_in_municipio_ii_gets_its_csm_first_and_the_national_helplines() {
    let (app, _dir) = app().await;
    let (status, r) = get(&app, "/api/referral?lon=12.5150&lat=41.9240&need=housing&k=3").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["country"], "IT");
    assert_eq!(r["areas"][0]["id"], "it-rm-municipio-02");
    let competent = ids(&r["competent"]);
    assert!(competent.contains(&"it-rm-csm-sabrata"), "{competent:?}");
    // Services with a place come first, by distance; phone-only services after.
    let features = r["competent"]["features"].as_array().expect("features");
    let reach: Vec<&str> = features.iter().filter_map(|f| f["properties"]["reach"].as_str()).collect();
    let first_phone = reach.iter().position(|r| *r == "phone").expect("a national helpline");
    assert!(reach[first_phone..].iter().all(|r| *r == "phone"), "{reach:?}");
    assert!(
        competent.contains(&"it-nat-telefonoamico"),
        "national helpline serves all of Italy: {competent:?}"
    );
    // Every competent service serves municipio II, or is national.
    for f in features {
        let areas = f["properties"]["serves_areas"].as_array().expect("areas");
        let national = f["geometry"].is_null() && areas.is_empty();
        assert!(national || areas.iter().any(|a| a == "it-rm-municipio-02"), "{}", f["id"]);
    }
    // The alternatives meet the need, nearest first.
    // Within 50 km of Rome the seed has only two services for housing (both
    // in Rome): the third nearest is far away and is not offered.
    let nearest = r["nearest"]["features"].as_array().expect("features");
    assert_eq!(nearest.len(), 2, "{}", r["nearest"]);
    for f in nearest {
        assert!(f["properties"]["topics"].as_array().expect("topics").iter().any(|t| t == "housing"));
    }
    let d: Vec<f64> = nearest.iter().filter_map(|f| f["properties"]["distance_m"].as_f64()).collect();
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
}

#[tokio::test]
async fn outside_the_areas_or_the_countries_it_says_so_and_still_helps() {
    let (app, _dir) = app().await;
    let (_, milan) = get(&app, "/api/referral?lon=9.19&lat=45.4642").await;
    assert_eq!(milan["country"], "IT");
    assert_eq!(milan["areas"].as_array().map(Vec::len), Some(0));
    assert!(milan["notes"][0].as_str().expect("note").contains("no loaded area"), "{}", milan["notes"]);
    assert_eq!(ids(&milan["nearest"]).len(), 5);

    let (_, paris) = get(&app, "/api/referral?lon=2.3522&lat=48.8566").await;
    assert!(paris["country"].is_null());
    assert!(
        paris["notes"][0].as_str().expect("note").contains("outside the countries"),
        "{}",
        paris["notes"]
    );
    // Nothing within the default 50 km, and the answer says so; a wider
    // radius, asked for, finds the nearest.
    assert_eq!(ids(&paris["nearest"]).len(), 0);
    assert!(paris["notes"].to_string().contains("within 50 km"), "{}", paris["notes"]);
    let (_, wide) = get(&app, "/api/referral?lon=2.3522&lat=48.8566&max_km=500").await;
    assert_eq!(ids(&wide["nearest"]).len(), 5, "{wide}");
}

#[tokio::test]
async fn bad_referral_parameters_are_named() {
    let (app, _dir) = app().await;
    for (uri, param) in [
        ("/api/referral?lon=12.5&lat=41.9&need=cooking", "need"),
        ("/api/referral?lon=12.5&lat=41.9&at=yesterday", "at"),
        ("/api/referral?lon=12.5&lat=41.9&open_now=maybe", "open_now"),
        ("/api/referral?lat=41.9", "lon"),
        ("/api/nearest?lon=12.5&lat=41.9&open_now=perhaps", "open_now"),
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["invalid_params"][0]["name"], param, "{uri}");
    }
}

fn with_hours(id: &str, point: Option<[f64; 2]>, category: &str, hours: &str, serves: &[&str]) -> Resource {
    let props = json!({
        "id": id, "name": id, "category": category, "country": "IT",
        "coord_precision": point.map(|_| "street"), "opening_hours": hours,
        "serves_areas": serves, "topics": ["mental_health_care"],
    });
    let Value::Object(map) = props else { unreachable!() };
    Resource::from_properties(&map, point).expect("valid")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

#[test]
fn when_the_competent_centre_is_closed_after_hours_options_are_named() {
    let resources = vec![
        with_hours(
            "csm",
            Some([12.515, 41.924]),
            "mental_health_centre",
            "Mo-Fr 08:00-20:00; PH off",
            &["it-rm-municipio-02"],
        ),
        with_hours("spdc", Some([12.52, 41.93]), "mental_health_centre", "24/7", &["it-rm-municipio-02"]),
        with_hours("crisis-line", None, "crisis_service", "Mo-Su 10:00-24:00", &["it-rm-municipio-02"]),
        with_hours("far-open", Some([12.60, 41.80]), "day_centre", "24/7", &[]),
    ];
    let snapshot = Snapshot::with_areas(resources, municipi());
    let ask = |time: &str, open_now: bool| Ask {
        origin: Origin::Point([12.515, 41.924]),
        need: Some(Topic::MentalHealthCare),
        k: 2,
        open_now,
        at: at(time),
        max_km: 50.0,
    };
    let names = |entries: &[witgis::referral::Entry]| -> Vec<String> {
        entries.iter().map(|e| snapshot.index().resource(e.index).id.clone()).collect()
    };

    // Wednesday 10:00 in Rome: the CSM is open, no after-hours list.
    let r = refer(&snapshot, &common::reference(), &ask("2026-11-25T09:00:00Z", false));
    assert_eq!(names(&r.competent), ["csm", "spdc", "crisis-line"]);
    assert_eq!(r.competent[0].status.as_ref().and_then(|s| s.open_now), Some(true));
    assert_eq!(r.competent[2].reach, Reach::Phone);
    assert!(r.after_hours.is_none());

    // Saturday 23:00 in Rome: the CSM is closed; the ward (24/7) and the
    // crisis line (a crisis service) are the after-hours options.
    let r = refer(&snapshot, &common::reference(), &ask("2026-11-28T22:00:00Z", false));
    assert_eq!(r.competent[0].status.as_ref().and_then(|s| s.open_now), Some(false));
    assert_eq!(names(r.after_hours.as_deref().expect("after hours")), ["spdc", "crisis-line"]);

    // open_now: the closed CSM is skipped among the nearest alternatives.
    let r = refer(&snapshot, &common::reference(), &ask("2026-11-28T22:00:00Z", true));
    assert_eq!(names(&r.nearest), ["spdc", "far-open"]);
}

#[tokio::test]
async fn place_search_finds_localities_areas_and_addresses() {
    let (app, _dir) = app().await;
    let first = |fc: &Value| -> (String, String) {
        let p = &fc["features"][0]["properties"];
        (p["name"].as_str().unwrap_or("").to_owned(), p["kind"].as_str().unwrap_or("").to_owned())
    };
    let (status, fc) = get(&app, "/api/places?q=kaunas").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first(&fc), ("Kaunas".into(), "locality".into()));
    assert_eq!(first(&get(&app, "/api/places?q=%D0%A1%D0%BE%D1%84%D0%B8%D1%8F").await.1).0, "Sofia"); // София
    assert_eq!(first(&get(&app, "/api/places?q=Sofiya").await.1).0, "Sofia");
    // A loaded municipio, by a prefix of its name, with a typo in it.
    assert_eq!(
        first(&get(&app, "/api/places?q=municipio%20roma%20xv").await.1),
        ("Municipio Roma XV".into(), "area".into())
    );
    assert_eq!(first(&get(&app, "/api/places?q=municpio%20roma%20xiv").await.1).0, "Municipio Roma XIV");
    // A resource's address.
    let (_, via) = get(&app, "/api/places?q=via%20ostiense%20106").await;
    assert_eq!(first(&via).1, "address", "{via}");
    // The point of a found place feeds the referral.
    let (_, m2) = get(&app, "/api/places?q=Municipio%20Roma%20II&limit=1").await;
    let c = &m2["features"][0]["geometry"]["coordinates"];
    let (_, r) = get(&app, &format!("/api/referral?lon={}&lat={}", c[0], c[1])).await;
    assert_eq!(r["areas"][0]["id"], "it-rm-municipio-02");
    // Errors.
    assert_eq!(get(&app, "/api/places").await.0, StatusCode::BAD_REQUEST);
    assert_eq!(get(&app, "/api/places?q=roma&limit=0").await.0, StatusCode::BAD_REQUEST);
}

/// A small square quarter outline around an interior point of a municipio.
fn quarter_inside(municipio: &witgis::model::Area, id: &str, name: &str, dx: f64) -> Value {
    use geo::InteriorPoint;
    let p = municipio.geometry.interior_point().expect("an interior point");
    let (x, y, h) = (p.x() + dx, p.y(), 0.002);
    json!({ "type": "Feature",
            "properties": { "id": id, "name": name, "kind": "district", "country": "IT" },
            "geometry": { "type": "Polygon",
                          "coordinates": [[[x - h, y - h], [x + h, y - h], [x + h, y + h], [x - h, y + h], [x - h, y - h]]] } })
}

#[tokio::test]
async fn quarters_imported_as_areas_are_found_by_name_and_lead_to_the_competent_centre() {
    // GeoNames lists few of Rome's quarters; a deployment imports Roma
    // Capitale's official quarter outlines (zone urbanistiche) as areas of
    // kind "district", and the operator finds them by name like any place.
    let municipi = municipi();
    let vi = municipi.iter().find(|a| a.id == "it-rm-municipio-06").expect("municipio VI");
    let vii = municipi.iter().find(|a| a.id == "it-rm-municipio-07").expect("municipio VII");
    let quarters = json!({ "type": "FeatureCollection", "features": [
        quarter_inside(vi, "it-rm-zona-08f", "Torre Angela", 0.0),
        quarter_inside(vii, "it-rm-zona-09a", "Tuscolano Nord", -0.005),
        quarter_inside(vii, "it-rm-zona-09b", "Tuscolano Sud", 0.005),
    ]});
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("q.db").display())).await.expect("store");
    store.seed_once(&witgis::store::seed().expect("seed")).await.expect("seed");
    store.import_areas(&municipi).await.expect("municipi");
    let quarters = witgis::formats::areas::read(&quarters.to_string()).expect("quarters");
    store.import_areas(&quarters).await.expect("quarters");
    let app = witgis::http::router(Arc::new(
        witgis::state::AppState::load(store, common::reference()).await.expect("load"),
    ));

    let names = |fc: &Value| -> Vec<String> {
        fc["features"]
            .as_array()
            .expect("features")
            .iter()
            .map(|f| f["properties"]["name"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    // Lower case, a prefix, or a typo: the operator's spelling.
    let (_, found) = get(&app, "/api/places?q=tuscolano").await;
    let listed = names(&found);
    assert!(
        listed.contains(&"Tuscolano Nord".to_owned()) && listed.contains(&"Tuscolano Sud".to_owned()),
        "{found}"
    );
    // An imported outline replaces the shipped quarter of the same name.
    assert_eq!(listed.iter().filter(|n| *n == "Tuscolano Nord").count(), 1, "{found}");
    let (_, found) = get(&app, "/api/places?q=torre%20angela").await;
    assert_eq!(names(&found)[0], "Torre Angela");
    assert_eq!(found["features"][0]["properties"]["kind"], "area");
    let (_, typo) = get(&app, "/api/places?q=tore%20angela").await;
    assert_eq!(names(&typo)[0], "Torre Angela");

    // The quarter's point lies in municipio VI: its CSM is competent.
    let c = &found["features"][0]["geometry"]["coordinates"];
    let (status, r) = get(&app, &format!("/api/referral?lon={}&lat={}&need=housing", c[0], c[1])).await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let areas: Vec<&str> =
        r["areas"].as_array().expect("areas").iter().filter_map(|a| a["id"].as_str()).collect();
    assert!(areas.starts_with(&["it-rm-zona-08f"]) && areas.contains(&"it-rm-municipio-06"), "{areas:?}");
    assert!(ids(&r["competent"]).contains(&"it-rm-csm-d6"), "{}", r["competent"]);
}

/// A store holding only `resources`, served through the real router.
async fn app_with(resources: Vec<Resource>) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("h.db").display())).await.expect("store");
    store.seed_once(&resources).await.expect("seed");
    let state = Arc::new(witgis::state::AppState::load(store, common::reference()).await.expect("load"));
    (witgis::http::router(state), dir)
}

#[tokio::test]
async fn every_answer_carries_the_next_seven_days_in_local_time() {
    let (app, _dir) = app_with(vec![
        with_hours("office", Some([12.50, 41.90]), "day_centre", "Mo-Fr 08:00-20:00; Sa 08:00-14:00; PH off", &[]),
        {
            let props = json!({"id": "no-hours", "name": "no-hours", "category": "day_centre", "country": "IT",
                               "coord_precision": "city", "topics": ["mental_health_care"]});
            let Value::Object(map) = props else { unreachable!() };
            Resource::from_properties(&map, Some([12.51, 41.91])).expect("valid")
        },
    ])
    .await;
    // Monday 7 December 2026, 10:00 in Rome; Tuesday the 8th is a public holiday.
    let at = "2026-12-07T09:00:00Z";
    let expected = json!({
        "time_zone": "Europe/Rome",
        "days": [
            {"date": "2026-12-07", "intervals": [["08:00", "20:00"]], "holiday": false},
            {"date": "2026-12-08", "intervals": [], "holiday": true, "usual": [["08:00", "20:00"]]},
            {"date": "2026-12-09", "intervals": [["08:00", "20:00"]], "holiday": false},
            {"date": "2026-12-10", "intervals": [["08:00", "20:00"]], "holiday": false},
            {"date": "2026-12-11", "intervals": [["08:00", "20:00"]], "holiday": false},
            {"date": "2026-12-12", "intervals": [["08:00", "14:00"]], "holiday": false},
            {"date": "2026-12-13", "intervals": [], "holiday": false},
        ],
        "public_holidays": {"date": "2026-12-08", "intervals": [], "usual": [["08:00", "20:00"]]},
    });
    let (status, one) = get(&app, &format!("/api/resources/office?at={at}")).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(one["properties"]["hours_week"], expected);
    let (_, all) = get(&app, &format!("/api/resources?at={at}")).await;
    let (_, near) = get(&app, &format!("/api/nearest?lon=12.5&lat=41.9&at={at}")).await;
    let (_, referral) = get(&app, &format!("/api/referral?lon=12.5&lat=41.9&at={at}")).await;
    for (what, fc) in [("resources", &all), ("nearest", &near), ("referral", &referral["nearest"])] {
        let features = fc["features"].as_array().expect("features");
        let by_id = |id: &str| features.iter().find(|f| f["id"] == id).expect(id).clone();
        assert_eq!(by_id("office")["properties"]["hours_week"], expected, "{what}");
        assert!(by_id("no-hours")["properties"].get("hours_week").is_none(), "{what}: no hours, no week");
    }
    // Sunday 13 December 23:30 in Rome: the week starts that Sunday.
    let (_, late) = get(&app, "/api/resources/office?at=2026-12-13T22:30:00Z").await;
    assert_eq!(late["properties"]["hours_week"]["days"][0]["date"], "2026-12-13");
    assert_eq!(late["properties"]["hours_week"]["days"][1]["intervals"], json!([["08:00", "20:00"]]));
    // A bad moment is a 400 naming it.
    for uri in ["/api/resources?at=tomorrow", "/api/resources/office?at=soon"] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["invalid_params"][0]["name"], "at", "{uri}");
    }
    // A feature read back (with its hours_week) is still a valid record.
    let Value::Object(props) = one["properties"].clone() else { unreachable!() };
    assert!(Resource::from_properties(&props, Some([12.50, 41.90])).is_ok());
}

#[tokio::test]
async fn a_district_point_on_a_localitys_centre_names_it() {
    let located = |id: &str, precision: &str, point: [f64; 2]| {
        let props = json!({"id": id, "name": id, "category": "day_centre", "country": "DE", "city": "Berlin",
                           "coord_precision": precision, "topics": ["housing"]});
        let Value::Object(map) = props else { unreachable!() };
        Resource::from_properties(&map, Some(point)).expect("valid")
    };
    let (app, _dir) = app_with(vec![
        // Neukölln's GeoNames point (data/places.tsv: 2864695, 13.43126 52.47719).
        located("on-neukoelln", "district", [13.43126, 52.47719]),
        located("between", "district", [13.44, 52.49]),
        located("exact", "street", [13.43126, 52.47719]),
    ])
    .await;
    let (_, fc) = get(&app, "/api/resources").await;
    let centre = |id: &str| {
        let f =
            fc["features"].as_array().expect("features").iter().find(|f| f["id"] == id).expect(id).clone();
        f["properties"].get("centre_of").cloned()
    };
    assert_eq!(centre("on-neukoelln"), Some(json!("Neukölln")));
    assert_eq!(centre("between"), None, "a point that is no locality's centre names none");
    assert_eq!(centre("exact"), None, "an exact point is no centre");
}

/// A fresh install (the app built as `witgis serve` builds it, on a new
/// store) ships Rome's municipi: a point anywhere in Rome finds the centres
/// serving its municipio. For each municipio, a point inside its outline
/// (read from data/ as plain GeoJSON) and the mental health centres that
/// the seed's own `serves_areas` (plain JSON) name for it.
#[tokio::test]
async fn a_fresh_install_finds_the_competent_csm_for_a_point_anywhere_in_rome() {
    use geo::InteriorPoint;
    let (app, state, _dir) = common::seeded_app().await;
    assert_eq!(state.snapshot().areas().len(), 15, "the municipi are seeded");
    let seed: Value = serde_json::from_str(&std::fs::read_to_string("data/resources.geojson").expect("seed"))
        .expect("JSON");
    let outlines: geojson::FeatureCollection =
        std::fs::read_to_string("data/rome-municipi.geojson").expect("municipi").parse().expect("GeoJSON");
    assert_eq!(outlines.features.len(), 15);
    for f in &outlines.features {
        let id = f.property("id").and_then(Value::as_str).expect("id").to_owned();
        let shape: geo::Geometry = f.geometry.clone().expect("outline").try_into().expect("geometry");
        let inside = shape.interior_point().expect("a point inside");
        let (status, r) = get(&app, &format!("/api/referral?lon={}&lat={}", inside.x(), inside.y())).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["boundaries_loaded"], true);
        assert_eq!(r["areas"][0]["id"], id.as_str(), "{r}");
        let want: Vec<&str> = seed["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter(|s| s["properties"]["category"] == "mental_health_centre" && !s["geometry"].is_null())
            .filter(|s| {
                s["properties"]["serves_areas"].as_array().is_some_and(|a| a.iter().any(|x| x == id.as_str()))
            })
            .filter_map(|s| s["id"].as_str())
            .collect();
        assert!(!want.is_empty(), "{id}: no centre serves it in the seed");
        let competent = ids(&r["competent"]);
        for csm in &want {
            assert!(competent.contains(csm), "{id}: {csm} missing from {competent:?}");
        }
    }
    // The caller of the issue, in Torre Angela (Municipio VI): its CSM is
    // competent, a few km away, not "≈ 603 km".
    let (_, r) = get(&app, "/api/referral?lon=12.6195&lat=41.8675").await;
    let d6 = r["competent"]["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["id"] == "it-rm-csm-d6")
        .unwrap_or_else(|| panic!("{r}"));
    assert!(d6["properties"]["distance_m"].as_f64().is_some_and(|d| d < 5_000.0), "{d6}");
}

/// The app with an editor's token and the clock at `now` (writes judge
/// future days by it).
async fn app_with_editor(now: &str) -> (axum::Router, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("r.db").display())).await.expect("store");
    store.seed_once(&witgis::store::seed().expect("seed")).await.expect("seed");
    store.import_areas(&municipi()).await.expect("areas");
    let token = witgis::auth::new_token();
    store
        .create_token("editor", witgis::auth::Role::Editor, &witgis::auth::hash_token(&token))
        .await
        .expect("token");
    let clock = witgis::clock::Clock::manual(now.parse().expect("a time"));
    let state = Arc::new(
        witgis::state::AppState::load(store, common::reference()).await.expect("load").with_clock(clock),
    );
    (witgis::http::router(state), token, dir)
}

/// Patches a record's properties as the editor; the status code and body.
async fn patch(app: &axum::Router, token: &str, id: &str, properties: Value) -> (StatusCode, Value) {
    let (_, current) = get(app, &format!("/api/resources/{id}")).await;
    assert_eq!(current["id"], id, "{current}");
    let r = app
        .clone()
        .oneshot(
            Request::patch(format!("/api/resources/{id}"))
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/merge-patch+json")
                .header("if-match", "\"v1\"")
                .body(Body::from(json!({ "properties": properties }).to_string()))
                .expect("request"),
        )
        .await
        .expect("reply");
    let status = r.status();
    (
        status,
        serde_json::from_slice(&r.into_body().collect().await.expect("body").to_bytes()).unwrap_or_default(),
    )
}

/// Every id the answer offers: competent, alternatives, after-hours options.
fn offered(r: &Value) -> Vec<String> {
    ["competent", "nearest", "after_hours"]
        .iter()
        .filter(|k| !r[**k].is_null())
        .flat_map(|k| ids(&r[*k]).into_iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

fn warned<'a>(r: &'a Value, id: &str) -> Option<&'a Value> {
    r["warnings"].as_array().expect("warnings").iter().find(|w| w["id"] == id)
}

/// A ward and a CSM with admissions suspended from 15 April to 31 May 2026
/// are never offered while suspended, as competent centre, alternative or
/// open now, and appear only among the warnings with the reason; on 1 June
/// they are offered again.
#[tokio::test]
async fn the_desk_never_offers_a_suspended_service_while_it_is_suspended() {
    let (app, token, _dir) = app_with_editor("2026-04-20T08:00:00Z").await;
    // A point in municipio II, by the CSM Sabrata (competent there), and a
    // point by the San Giovanni ward (open 24/7), asked for a crisis.
    let csm = "/api/referral?lon=12.5150&lat=41.9240&need=crisis&k=5";
    let ward = "/api/referral?lon=12.5012&lat=41.8856&need=crisis&k=3&open_now=true";
    let open_now = "/api/nearest?lon=12.5012&lat=41.8856&k=3&open_now=true";
    let on = |uri: &str, day: &str| format!("{uri}&at={day}T10:00:00%2B02:00");
    for (uri, id) in [(csm, "it-rm-csm-sabrata"), (ward, "it-rm-spdc-sangiovanni")] {
        let (_, before) = get(&app, &on(uri, "2026-04-20")).await;
        assert!(offered(&before).contains(&id.to_owned()), "{id} offered before: {before}");
        assert!(warned(&before, id).is_none());
    }
    // Open now before the alert, on each day asked below (a Monday and a
    // Sunday: other services keep other hours on each).
    let mut others_on = std::collections::BTreeMap::new();
    for day in ["2026-04-20", "2026-05-31"] {
        let (_, near_before) = get(&app, &on(open_now, day)).await;
        assert!(ids(&near_before).contains(&"it-rm-spdc-sangiovanni"), "{near_before}");
        let others: Vec<String> = ids(&near_before)
            .into_iter()
            .filter(|id| *id != "it-rm-spdc-sangiovanni")
            .map(str::to_owned)
            .collect();
        assert!(!others.is_empty(), "another service open now on {day}: {near_before}");
        others_on.insert(day, others);
    }

    let alert = json!([{"kind": "admissions_suspended", "since": "2026-04-15", "until": "2026-05-31",
                        "note": "no new admissions during works"}]);
    for id in ["it-rm-csm-sabrata", "it-rm-spdc-sangiovanni"] {
        let (status, body) = patch(&app, &token, id, json!({ "alerts": alert })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for day in ["2026-04-20", "2026-05-31"] {
        for (uri, id) in [(csm, "it-rm-csm-sabrata"), (ward, "it-rm-spdc-sangiovanni")] {
            let (status, r) = get(&app, &on(uri, day)).await;
            assert_eq!(status, StatusCode::OK);
            assert!(!offered(&r).contains(&id.to_owned()), "{id} offered on {day}: {r}");
            let w = warned(&r, id).unwrap_or_else(|| panic!("{id} not warned on {day}: {}", r["warnings"]));
            assert_eq!(
                (w["reason"].as_str(), w["offered"].as_bool()),
                (Some("admissions_suspended"), Some(false))
            );
            assert!(w["text"].as_str().expect("text").contains("since 2026-04-15"), "{w}");
        }
        let (_, near) = get(&app, &on(open_now, day)).await;
        assert!(!ids(&near).contains(&"it-rm-spdc-sangiovanni"), "open now on {day}: {near}");
        // The walk goes on past it: the others come as before.
        let others = &others_on[day];
        assert_eq!(ids(&near)[..others.len()], others[..], "{day}: {near}");
    }
    // Plain nearest still lists it, marked.
    let (_, all) = get(&app, &on("/api/nearest?lon=12.5012&lat=41.8856&k=1", "2026-04-20")).await;
    assert_eq!(all["features"][0]["properties"]["unavailable"], "admissions_suspended", "{all}");

    for (uri, id) in [(csm, "it-rm-csm-sabrata"), (ward, "it-rm-spdc-sangiovanni")] {
        let (_, after) = get(&app, &on(uri, "2026-06-01")).await;
        assert!(offered(&after).contains(&id.to_owned()), "{id} offered again after until: {after}");
        assert!(warned(&after, id).is_none(), "{}", after["warnings"]);
    }
    let (_, near) = get(&app, &on(open_now, "2026-06-01")).await;
    assert!(ids(&near).contains(&"it-rm-spdc-sangiovanni"), "{near}");
}

/// A closed service is a warning, never competent, and closes its hours;
/// a reduced service is offered with its alert among the warnings.
#[tokio::test]
async fn closed_services_are_warnings_and_alerts_ride_along() {
    let (app, token, _dir) = app_with_editor("2026-04-20T08:00:00Z").await;
    let uri = "/api/referral?lon=12.5150&lat=41.9240&need=crisis&k=5&at=2026-04-20T10:00:00%2B02:00";
    let (status, body) =
        patch(&app, &token, "it-rm-csm-sabrata", json!({"status": "closed", "status_since": "2026-03-01"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let reduced = json!([{"kind": "reduced_service", "since": "2026-04-01", "note": "mornings only"}]);
    let (_, r) = get(&app, uri).await;
    let other = ids(&r["nearest"]).into_iter().find(|id| *id != "it-rm-csm-sabrata").map(str::to_owned);
    let other = other.expect("another service near");
    let (status, body) = patch(&app, &token, &other, json!({ "alerts": reduced })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, r) = get(&app, uri).await;
    assert!(!offered(&r).contains(&"it-rm-csm-sabrata".to_owned()), "{r}");
    let w = warned(&r, "it-rm-csm-sabrata").expect("warned");
    assert_eq!((w["reason"].as_str(), w["competent"].as_bool()), (Some("closed"), Some(true)));
    assert_eq!(w["text"], "closed since 2026-03-01");
    assert!(offered(&r).contains(&other), "{r}");
    let w = warned(&r, &other).expect("its alert");
    assert_eq!((w["reason"].as_str(), w["offered"].as_bool()), (Some("reduced_service"), Some(true)));
    assert_eq!(w["text"], "reduced service since 2026-04-01: mornings only");
}

/// The shipped data: SPDC San Camillo's ward is closed to admissions since
/// 15 April 2026 (ASL Roma 3 notice of 10 April 2026). A caller next to it
/// asking for a crisis service is never sent there, competent or
/// alternative, with or without "open now", and the answer warns of it.
#[tokio::test]
async fn the_shipped_san_camillo_ward_is_never_offered_while_closed() {
    let (app, _state, _dir) = common::seeded_app().await;
    let id = "it-rm-spdc-sancamillo";
    for open_now in ["false", "true"] {
        let uri = format!(
            "/api/referral?lon=12.4545&lat=41.8640&need=crisis&k=10&max_km=50&open_now={open_now}&at=2026-12-07T10:00:00%2B01:00"
        );
        let (status, r) = get(&app, &uri).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert!(!offered(&r).contains(&id.to_owned()), "offered: {r}");
        let w = warned(&r, id).unwrap_or_else(|| panic!("no warning: {}", r["warnings"]));
        assert_eq!(w["offered"], false, "{w}");
    }
    let (_, near) =
        get(&app, "/api/nearest?lon=12.4545&lat=41.8640&k=5&open_now=true&at=2026-12-07T10:00:00%2B01:00")
            .await;
    assert!(!ids(&near).contains(&id), "{near}");
}
