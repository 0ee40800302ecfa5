//! Coverage: hand-checked small cases through the library, the shipped data
//! and the HTTP API (JSON, CSV, GeoJSON, bad parameters).
#![allow(clippy::unwrap_used)]

use crate::common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use geo::{Destination, Geodesic, Point};
use serde_json::{Value, json};
use tower::ServiceExt;
use witgis::coverage::{
    self, Completeness, DemandQuery, DistanceStats, Level, Localities, Locality, Period, Query,
};
use witgis::index::Snapshot;
use witgis::model::demand::Demand;
use witgis::model::{Area, Category, Topic};
use witgis::sphere::geodesic_m;

fn locality(id: u64, name: &str, [lon, lat]: [f64; 2], population: u64) -> Locality {
    Locality { id, name: name.into(), country: Some("IT".parse().unwrap()), lon, lat, population }
}

/// The point `metres` east of `from`, on the ellipsoid.
fn east_of(from: [f64; 2], metres: f64) -> [f64; 2] {
    let p = Geodesic.destination(Point::new(from[0], from[1]), 90.0, metres);
    [p.x(), p.y()]
}

fn it_row(report: &coverage::Report) -> &coverage::Row {
    report.rows.iter().find(|r| r.id == "IT").expect("an IT row")
}

#[test]
fn a_locality_exactly_5_km_away_is_within_5_km() {
    let centre = [12.0, 45.0];
    let at_5 = east_of(centre, 5_000.0);
    assert!((geodesic_m(centre, at_5) - 5_000.0).abs() < 1e-6);
    let snapshot =
        Snapshot::new(vec![common::resource("csm", Some(centre), "mental_health_centre", "IT", &[])]);
    let localities = Localities::new(vec![
        locality(1, "Five", at_5, 1_000),
        locality(2, "Five-ten", east_of(centre, 5_010.0), 3_000),
        locality(3, "Thirty", east_of(centre, 30_000.0), 6_000),
    ]);
    let report = coverage::report(
        &snapshot,
        common::census(&localities),
        Level::Country,
        &Query::default(),
        &Completeness::none(),
    );
    let d = &it_row(&report).distance;
    assert_eq!(d.localities, 3);
    assert_eq!(d.locality_population, 10_000);
    assert_eq!(d.share_within_5km, Some(0.1), "only the 5 km locality");
    assert_eq!(d.share_within_10km, Some(0.4));
    assert_eq!(d.share_within_25km, Some(0.4));
    // (1000·5 + 3000·5.01 + 6000·30) / 10000
    assert_eq!(d.mean_km, Some(20.003));
    // 90% of 10,000 people is reached only with the 30 km locality.
    assert_eq!(d.p90_km, Some(30.0));
    // The other countries have no localities here: no shares, no means.
    let de = report.rows.iter().find(|r| r.id == "DE").unwrap();
    assert_eq!(de.distance.locality_population, 0);
    assert_eq!(de.distance.share_within_5km, None);
    assert_eq!(de.distance.mean_km, None);
    // Population from GeoNames countryInfo; one resource per 60.4 M people.
    assert_eq!(it_row(&report).population, Some(60_431_283));
    assert_eq!(it_row(&report).resources, 1);
    assert_eq!(it_row(&report).resources_per_100k, Some(0.002));
}

#[test]
fn weighted_percentile_and_no_resource_at_all() {
    let s = DistanceStats::new(vec![(50, Some(1_000.0)), (40, Some(2_000.0)), (10, Some(9_000.0))]);
    assert_eq!(s.p90_km, Some(2.0), "50 + 40 = 90% of the people within 2 km");
    assert_eq!(s.mean_km, Some(2.2));
    let none = DistanceStats::new(vec![(100, None)]);
    assert_eq!((none.mean_km, none.p90_km, none.share_within_25km), (None, None, Some(0.0)));
}

fn areas(features: Value) -> Vec<Area> {
    witgis::formats::areas::read(&json!({ "type": "FeatureCollection", "features": features }).to_string())
        .unwrap_or_else(|e| panic!("{}", e.report("test areas")))
}

fn square(id: &str, population: u64, [w, s]: [f64; 2], size: f64) -> Value {
    let ring = json!([[w, s], [w + size, s], [w + size, s + size], [w, s + size], [w, s]]);
    json!({
        "type": "Feature",
        "properties": { "id": id, "name": id, "kind": "district", "country": "IT", "population": population },
        "geometry": { "type": "Polygon", "coordinates": [ring] }
    })
}

#[test]
fn an_area_without_resources_has_zero_and_all_its_people_beyond() {
    let rome = [12.5, 41.9];
    let snapshot = Snapshot::with_areas(
        vec![
            common::resource("csm", Some(rome), "mental_health_centre", "IT", &["mental_health_care"]),
            common::resource("lib", Some(rome), "library", "IT", &["library_services"]),
        ],
        areas(json!([
            square("empty", 50_000, [16.0, 40.0], 0.2),
            square("rome", 200_000, [12.4, 41.8], 0.2),
        ])),
    );
    let localities = Localities::new(vec![
        locality(1, "Inside A", [16.05, 40.05], 1_000),
        locality(2, "Inside B", [16.15, 40.15], 3_000),
        locality(3, "Rome", [12.51, 41.91], 100_000),
    ]);
    let query = Query { categories: vec![Category::MentalHealthCentre], ..Query::default() };
    let report =
        coverage::report(&snapshot, common::census(&localities), Level::Area, &query, &Completeness::none());
    assert_eq!(report.rows.len(), 2);
    let empty = &report.rows[0];
    assert_eq!(empty.id, "empty");
    assert_eq!((empty.resources, empty.resources_per_100k), (0, Some(0.0)));
    assert_eq!(empty.by_category.len(), 1);
    assert_eq!(empty.by_category[0].count, 0);
    assert_eq!(empty.distance.locality_population, 4_000);
    assert_eq!(empty.distance.share_within_25km, Some(0.0), "everybody is beyond 25 km");
    assert!(empty.distance.p90_km.is_some_and(|km| km > 300.0));
    let rome_row = &report.rows[1];
    assert_eq!((rome_row.resources, rome_row.resources_per_100k), (1, Some(0.5)), "only the centre counts");
    assert_eq!(rome_row.distance.share_within_5km, Some(1.0));
}

#[test]
fn the_suggestion_is_the_big_town_far_from_everything() {
    let rome = [12.5, 41.9];
    let town = [16.0, 40.5];
    let snapshot =
        Snapshot::new(vec![common::resource("csm", Some(rome), "mental_health_centre", "IT", &[])]);
    let localities = Localities::new(vec![
        locality(1, "Rome", [12.51, 41.9], 2_000_000),
        locality(2, "Hamlet near the town", east_of(town, 4_000.0), 500),
        locality(3, "Town", town, 100_000),
        locality(4, "Village near the town", east_of(town, -6_000.0), 500),
        locality(5, "Lonely village", [9.0, 39.5], 800),
        locality(6, "Uncovered next to Rome", east_of(rome, 15_000.0), 300),
    ]);
    let s = coverage::suggest(&snapshot, &localities, &Query::default(), 10_000.0, 10);
    assert_eq!(s.uncovered_before, 102_100);
    let picked: Vec<(&str, u64)> =
        s.picks.iter().map(|p| (localities.get(p.locality).name.as_str(), p.newly_covered)).collect();
    // Rome's locality is already covered; the third pick covers the last 300.
    assert_eq!(picked[0], ("Town", 101_000));
    assert_eq!(picked[1], ("Lonely village", 800));
    assert_eq!(picked.len(), 3, "then nobody is left: {picked:?}");
    assert_eq!(picked[2].1, 300);
}

/// The plain greedy, by brute force: every candidate against every locality.
fn brute_force_greedy(
    snapshot: &Snapshot,
    localities: &Localities,
    radius_m: f64,
    k: usize,
) -> Vec<(u32, u64)> {
    let all = localities.all();
    let mut uncovered: Vec<bool> = all
        .iter()
        .map(|l| {
            snapshot
                .index()
                .resources()
                .filter_map(|r| r.point())
                .all(|p| geodesic_m(p, [l.lon, l.lat]) > radius_m)
        })
        .collect();
    let mut picks = Vec::new();
    for _ in 0..k {
        let gain = |c: &Locality| -> u64 {
            all.iter()
                .zip(&uncovered)
                .filter(|(l, u)| **u && geodesic_m([c.lon, c.lat], [l.lon, l.lat]) <= radius_m)
                .map(|(l, _)| l.population)
                .sum()
        };
        let best = (0..all.len())
            .map(|i| (gain(&all[i]), all[i].population, std::cmp::Reverse(i)))
            .max()
            .filter(|b| b.0 > 0);
        let Some((g, _, std::cmp::Reverse(i))) = best else { break };
        for (j, l) in all.iter().enumerate() {
            if geodesic_m([all[i].lon, all[i].lat], [l.lon, l.lat]) <= radius_m {
                uncovered[j] = false;
            }
        }
        picks.push((i as u32, g));
    }
    picks
}

#[test]
fn lazy_greedy_equals_the_plain_greedy() {
    let localities = witgis::synth::localities(400, 3);
    let snapshot = Snapshot::new(witgis::synth::resources(30, 4));
    let s = coverage::suggest(&snapshot, &localities, &Query::default(), 25_000.0, 8);
    let lazy: Vec<(u32, u64)> = s.picks.iter().map(|p| (p.locality, p.newly_covered)).collect();
    assert_eq!(lazy, brute_force_greedy(&snapshot, &localities, 25_000.0, 8));
    assert_eq!(lazy.len(), 8);
}

// --- The shipped data, through the HTTP API ---

async fn get(app: &axum::Router, uri: &str, accept: Option<&str>) -> (StatusCode, String, String) {
    let accept: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
    let a = common::router::get(app, uri, &accept).await;
    (a.status, a.content_type(), a.text())
}

async fn header_of(app: &axum::Router, uri: &str, accept: Option<&str>, name: header::HeaderName) -> String {
    let mut request = Request::get(uri);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = app.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned()
}

async fn get_json(app: &axum::Router, uri: &str) -> Value {
    let (status, _, body) = get(app, uri, None).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn every_country_has_every_witgis_category_and_sane_figures() {
    let (app, _state, _dir) = common::seeded_app().await;
    let report = get_json(&app, "/api/coverage").await;
    let rows = report["rows"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    for c in ["IT", "BG", "DE", "LT"] {
        assert!(ids.contains(&c), "{ids:?}");
    }
    let total: u64 = rows.iter().map(|r| r["resources"].as_u64().unwrap()).sum();
    let seeded = witgis::store::seed().expect("seed").len() as u64;
    assert_eq!(total, seeded, "every seeded resource lies in one of the four countries");
    for row in rows {
        let count = |c: &str| {
            row["by_category"].as_array().unwrap().iter().find(|x| x["category"] == c).unwrap()["count"]
                .as_u64()
                .unwrap()
        };
        for c in
            ["library", "training_research_centre", "university", "professional_association", "good_practice"]
        {
            assert!(count(c) >= 1, "{} has no {c}", row["id"]);
        }
        let population = row["population"].as_f64().unwrap();
        let per_100k = row["resources_per_100k"].as_f64().unwrap();
        assert!((per_100k - row["resources"].as_f64().unwrap() * 1e5 / population).abs() < 0.001);
        let d = &row["distance"];
        let share = |k: &str| d[k].as_f64().unwrap();
        assert!(d["localities"].as_u64().unwrap() > 100);
        assert!(share("share_within_5km") <= share("share_within_10km"));
        assert!(share("share_within_10km") <= share("share_within_25km"));
        assert!(share("share_within_25km") <= 1.0 && share("share_within_5km") > 0.0);
        assert!(d["mean_km"].as_f64().unwrap() <= d["p90_km"].as_f64().unwrap() * 2.0);
    }
}

#[tokio::test]
async fn csv_has_a_header_and_one_row_per_country() {
    let (app, _state, _dir) = common::seeded_app().await;
    for (uri, accept) in [
        ("/api/coverage?format=csv&category=library,university", None),
        ("/api/coverage?category=library,university", Some("text/csv")),
    ] {
        let (status, content_type, body) = get(&app, uri, accept).await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let disposition = header_of(&app, uri, accept, header::CONTENT_DISPOSITION).await;
        assert_eq!(disposition, "inline; filename=\"witgis-coverage-country-library+university.csv\"");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        let head: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(
            head,
            [
                "level",
                "id",
                "name",
                "country",
                "population",
                "resources",
                "resources_per_100k",
                "serving",
                "records",
                "complete",
                "library",
                "library_per_100k",
                "library_complete",
                "university",
                "university_per_100k",
                "university_complete",
                "localities",
                "locality_population",
                "mean_km",
                "p90_km",
                "share_within_5km",
                "share_within_10km",
                "share_within_25km",
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 4);
        for r in &rows {
            assert_eq!(r.len(), head.len());
            assert_eq!(&r[0], "country");
            let sum: u64 = r[10].parse::<u64>().unwrap() + r[13].parse::<u64>().unwrap();
            assert_eq!(r[5].parse::<u64>().unwrap(), sum, "the total is the two categories");
            assert_eq!(&r[8], &r[5], "the records the row rests on");
            assert_eq!((&r[9], &r[12], &r[15]), ("false", "false", "false"), "nothing is declared complete");
        }
    }
    let (_, content_type, _) = get(&app, "/api/coverage?format=json", Some("text/csv")).await;
    assert!(content_type.starts_with("application/json"), "format wins over Accept");
}

#[tokio::test]
async fn gaps_are_sorted_by_population_and_really_far() {
    let (app, state, _dir) = common::seeded_app().await;
    let fc = get_json(&app, "/api/coverage/gaps?category=crisis_service&min_km=60&limit=300").await;
    let features = fc["features"].as_array().unwrap();
    assert!(features.len() > 10, "crisis services are few: many places are far");
    let snapshot = state.snapshot();
    let crisis: Vec<[f64; 2]> = snapshot
        .index()
        .resources()
        .filter(|r| r.category == Category::CrisisService)
        .filter_map(|r| r.point())
        .collect();
    let mut last = u64::MAX;
    for f in features {
        let population = f["properties"]["population"].as_u64().unwrap();
        assert!(population <= last, "not sorted by population");
        last = population;
        let c = f["geometry"]["coordinates"].as_array().unwrap();
        let p = [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()];
        let nearest = crisis.iter().map(|&r| geodesic_m(p, r)).fold(f64::INFINITY, f64::min);
        assert!(nearest > 60_000.0, "{} is {nearest} m from a crisis service", f["properties"]["name"]);
        let reported = f["properties"]["nearest_km"].as_f64().unwrap();
        assert!((reported - nearest / 1000.0).abs() < 0.01, "{reported} vs {nearest}");
    }
    // Nothing bigger was left out: every shipped locality farther away has at
    // most the smallest listed population.
    for l in common::reference().localities.all() {
        let nearest = crisis.iter().map(|&r| geodesic_m([l.lon, l.lat], r)).fold(f64::INFINITY, f64::min);
        if nearest > 60_000.0 + 1.0 {
            assert!(l.population <= last || features.iter().any(|f| f["id"] == l.id), "{} missing", l.name);
        }
    }
}

#[tokio::test]
async fn suggestions_on_the_shipped_data_cover_more_and_more() {
    let (app, _state, _dir) = common::seeded_app().await;
    let fc =
        get_json(&app, "/api/coverage/suggest?category=mental_health_centre&country=DE&radius_km=20&k=3")
            .await;
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 3, "Germany has no mental-health centre in the seed");
    let gains: Vec<u64> =
        features.iter().map(|f| f["properties"]["newly_covered_population"].as_u64().unwrap()).collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
    assert_eq!(features[0]["properties"]["country"], "DE");
    // With no centre, the best 20 km circle in Germany takes in Berlin.
    let c = features[0]["geometry"]["coordinates"].as_array().unwrap();
    let first = [c[0].as_f64().unwrap(), c[1].as_f64().unwrap()];
    assert!(geodesic_m(first, [13.41053, 52.52437]) <= 20_000.0, "{first:?}");
    assert!(gains[0] >= 3_426_354, "at least Berlin's population: {gains:?}");
    assert_eq!(fc["uncovered_population_before"], fc["population"]);
}

#[tokio::test]
async fn bad_parameters_are_named_in_a_400() {
    let (app, _state, _dir) = common::seeded_app().await;
    let cases: &[(&str, &[&str])] = &[
        ("/api/coverage?level=planet&category=pizzeria&format=xml", &["level", "category", "format"]),
        ("/api/coverage?level=regions", &["level"]),
        ("/api/regions?country=XX&kind=region", &["kind", "country"]),
        ("/api/coverage?topic=nope&country=XX&levle=area", &["levle", "topic", "country"]),
        ("/api/coverage/gaps?min_km=-1&limit=0", &["min_km", "limit"]),
        ("/api/coverage/gaps?min_km=NaN", &["min_km"]),
        ("/api/coverage/suggest?radius_km=abc&k=0&foo=1", &["foo", "radius_km", "k"]),
        ("/api/coverage/suggest?radius_km=100000&k=51", &["radius_km", "k"]),
    ];
    for (uri, names) in cases {
        let (status, content_type, body) = get(&app, uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(content_type, "application/problem+json", "{uri}");
        let problem: Value = serde_json::from_str(&body).unwrap();
        let named: Vec<&str> = problem["invalid_params"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let (mut named, mut names) = (named, names.to_vec());
        named.sort_unstable();
        names.sort_unstable();
        assert_eq!(named, names, "{uri}: {body}");
    }
}

#[test]
fn rome_municipi_level_area_with_the_seed() {
    let municipi = common::rome_municipi();
    let snapshot = Snapshot::with_areas(witgis::store::seed().unwrap(), municipi);
    let query = Query { categories: vec![Category::MentalHealthCentre], ..Query::default() };
    let reference = common::reference();
    let report =
        coverage::report(&snapshot, reference.census(), Level::Area, &query, &reference.completeness);
    assert_eq!(report.rows.len(), 15);
    let mut located = 0;
    for row in &report.rows {
        assert!(row.serving.is_some_and(|n| n >= 1), "{} has no competent centre", row.id);
        assert_eq!(
            (row.population, row.resources_per_100k),
            (None, None),
            "the municipi carry no population"
        );
        // Brute force: the centres whose point lies in this municipio.
        let inside = snapshot
            .index()
            .resources()
            .filter(|r| r.category == Category::MentalHealthCentre)
            .filter_map(|r| r.point())
            .filter(|&[lon, lat]| snapshot.areas_at(lon, lat).iter().any(|a| a.id == row.id))
            .count();
        assert_eq!(row.resources, inside, "{}", row.id);
        located += inside;
    }
    assert!(located >= 15, "Rome's centres are located in its municipi: {located}");
    let rome_city = report.rows.iter().find(|r| r.distance.locality_population >= 2_000_000);
    assert!(rome_city.is_some_and(|r| r.distance.share_within_5km == Some(1.0)), "GeoNames' Rome point");
}

// --- Demand against supply ------------------------------------------------------

thread_local! {
    /// Requests logged so far on this test's thread.
    static LOGGED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// A request, logged by three desks in turn (a cell is published only when
/// three desks logged in it: issue 39, D6).
fn logged(date: &str, need: Topic, area: &str, referred: bool) -> Demand {
    let referred_to = if referred { vec!["somewhere".to_owned()] } else { Vec::new() };
    let n = LOGGED.with(|c| c.replace(c.get() + 1));
    Demand::from_columns(
        witgis::model::demand::new_id(),
        date,
        need.as_str(),
        "phone",
        "other",
        area.into(),
        (None, None),
        referred_to,
        String::new(),
        format!("desk-{}", n % 3),
    )
    .unwrap()
}

/// A helpline with no point that declares it serves an area.
fn serving(id: &str, area: &str, topics: &[&str]) -> witgis::model::Resource {
    let props = json!({ "id": id, "name": id, "category": "crisis_service", "country": "IT",
                        "topics": topics, "serves_areas": [area] });
    let Value::Object(map) = props else { unreachable!() };
    witgis::model::Resource::from_properties(&map, None).unwrap()
}

#[test]
fn demand_is_set_against_supply_inside_and_near_each_area() {
    // Three 0.1° squares (about 8 × 11 km) far apart, and a fourth area the
    // log names but that is no longer loaded.
    let snapshot = Snapshot::with_areas(
        vec![
            common::resource("inside-a", Some([12.05, 42.05]), "day_centre", "IT", &["housing"]),
            // 3 km east of area B's east edge (lon 14.1), and a second one 7 km.
            common::resource(
                "near-b",
                Some(east_of([14.1, 42.05], 3_000.0)),
                "day_centre",
                "IT",
                &["housing"],
            ),
            common::resource(
                "far-b",
                Some(east_of([14.1, 42.05], 7_000.0)),
                "day_centre",
                "IT",
                &["housing"],
            ),
            common::resource("other-need", Some([16.05, 42.05]), "library", "IT", &["library_services"]),
            serving("line-c", "c", &["youth"]),
        ],
        areas(json!([
            square("a", 10_000, [12.0, 42.0], 0.1),
            square("b", 10_000, [14.0, 42.0], 0.1),
            square("c", 10_000, [16.0, 42.0], 0.1),
        ])),
    );
    let mut log = Vec::new();
    let mut add = |n: usize, date: &str, need: Topic, area: &str, referred: bool| {
        for _ in 0..n {
            log.push(logged(date, need, area, referred));
        }
    };
    add(6, "2026-01-10", Topic::Housing, "a", true);
    add(2, "2026-02-10", Topic::Housing, "a", false);
    add(2, "2026-01-11", Topic::Housing, "b", true);
    add(6, "2026-03-01", Topic::Housing, "b", false);
    add(7, "2026-01-12", Topic::Housing, "c", true);
    add(5, "2026-01-12", Topic::Youth, "c", true);
    add(1, "2026-01-13", Topic::Housing, "gone", true);
    let query = |radius_km: f64, period: Period| DemandQuery {
        needs: Vec::new(),
        countries: Vec::new(),
        period,
        radius_m: radius_km * 1000.0,
    };
    let log = witgis::model::demand::cells(&log, "2026-12-01".parse().unwrap());

    let report = coverage::demand_vs_supply(&snapshot, &log, &query(5.0, Period::All));
    type Line<'a> = (&'a str, Topic, u64, u64, Option<(usize, usize)>);
    let rows: Vec<Line> = report
        .rows
        .iter()
        .map(|r| {
            let supply = r.supply.map(|s| (s.in_area, s.within_radius));
            (r.area.as_str(), r.need, r.requests.value(), r.unmet.value(), supply)
        })
        .collect();
    // Every figure is a sum of cells (month, area, need) rounded to 5, those
    // of fewer than 5 requests left out: a's 2 February requests, b's 2 in
    // January and the one of the area no longer loaded count nowhere.
    assert_eq!(
        rows,
        [
            // Supplied inside: only requests referred nowhere are unmet
            // (January's 6 all referred: none).
            ("a", Topic::Housing, 5, 0, Some((1, 1))),
            // Nothing inside, one service 3 km away: the same rule (March's
            // 6, all referred nowhere, publish as 5).
            ("b", Topic::Housing, 5, 5, Some((0, 1))),
            // The library meets another need: every housing request is unmet.
            ("c", Topic::Housing, 5, 5, Some((0, 0))),
            // The helpline declares it serves c.
            ("c", Topic::Youth, 5, 0, Some((1, 1))),
        ]
    );
    assert_eq!(report.total.value(), 20, "the total is the sum of the published cells");
    assert_eq!(report.rows[0].requests_per_resource, Some(5.0));
    assert_eq!(report.rows[2].requests_per_resource, None, "no resource: no ratio");
    assert_eq!(report.rows[0].area_name.as_deref(), Some("a"));

    // Published, 0 reads "<5" (it stands for 0 to 4).
    let json = serde_json::to_value(&report).unwrap();
    let unmet: Vec<&Value> = json["rows"].as_array().unwrap().iter().map(|r| &r["unmet"]).collect();
    assert_eq!(unmet, [&json!("<5"), &json!(5), &json!(5), &json!("<5")]);

    // Ranked by published unmet demand, then requests: c (5 of 10), b (5 of
    // 5), a (fewer than 5).
    let ranking: Vec<(usize, &str, Vec<Topic>)> =
        report.ranking.iter().map(|r| (r.rank, r.area.as_str(), r.unmet_needs.clone())).collect();
    assert_eq!(ranking, [(1, "c", vec![Topic::Housing]), (2, "b", vec![Topic::Housing]), (3, "a", vec![])]);
    assert_eq!(json["ranking"][0]["unmet"], 5);
    assert_eq!(json["ranking"][0]["requests"], 10);

    // A 2 km radius leaves a's neighbour b without supply: its requests are
    // all unmet.
    let report = coverage::demand_vs_supply(&snapshot, &log, &query(2.0, Period::All));
    assert_eq!(report.rows[1].supply, Some(coverage::Supply { in_area: 0, within_radius: 0 }));
    assert_eq!(serde_json::to_value(report.rows[1].unmet).unwrap(), json!(5));
    // 10 km reaches the second service too.
    let report = coverage::demand_vs_supply(&snapshot, &log, &query(10.0, Period::All));
    assert_eq!(report.rows[1].supply, Some(coverage::Supply { in_area: 0, within_radius: 2 }));

    // By month, and limited to one need: months with fewer than 5 requests
    // of an area are left out.
    let mut by_month = query(5.0, Period::Month);
    by_month.needs = vec![Topic::Housing];
    let report = coverage::demand_vs_supply(&snapshot, &log, &by_month);
    let keys: Vec<(&str, &str, u64)> =
        report.rows.iter().map(|r| (r.period.as_str(), r.area.as_str(), r.requests.value())).collect();
    assert_eq!(keys, [("2026-01", "a", 5), ("2026-01", "c", 5), ("2026-03", "b", 5)]);
    assert_eq!(report.total.value(), 15);
    assert_eq!(Period::Quarter.key("2026-11-23".parse().unwrap()), "2026-Q4");
}

#[test]
fn suggestions_can_follow_logged_demand_instead_of_population() {
    // A big town with no requests, and a small village where the desk's
    // callers come from: weighted by demand, the village's site wins.
    let csm = [12.5, 41.9];
    let town = [16.0, 40.5];
    let village = [9.0, 39.5];
    let hamlet = [11.0, 43.5];
    let snapshot = Snapshot::with_areas(
        vec![common::resource("csm", Some(csm), "mental_health_centre", "IT", &["housing"])],
        areas(json!([
            square("near-village", 1_000, [8.95, 39.45], 0.1),
            square("rome", 0, [12.45, 41.85], 0.1),
            square("near-hamlet", 0, [10.95, 43.45], 0.1),
        ])),
    );
    let localities = Localities::new(vec![
        locality(1, "Town", town, 100_000),
        locality(2, "Village", village, 800),
        locality(3, "Rome", csm, 2_000_000),
        locality(4, "Hamlet", hamlet, 600),
    ]);
    let mut log = Vec::new();
    let mut add = |n: i64, area: &str, need: Topic| {
        for _ in 0..n {
            log.push(logged("2026-01-10", need, area, true));
        }
    };
    add(6, "near-village", Topic::Housing);
    // Eight from Rome, already covered by its centre; three from near the
    // hamlet, too few to publish; one for another need; one whose area is gone.
    add(8, "rome", Topic::Housing);
    add(3, "near-hamlet", Topic::Housing);
    add(1, "near-village", Topic::Youth);
    add(1, "gone", Topic::Housing);
    // A request's own point is never used: it stands at its area's inside point.
    log[0].lon = Some(9.3);
    log[0].lat = Some(39.8);
    let log = witgis::model::demand::cells(&log, "2026-12-01".parse().unwrap());

    let demand = coverage::demand_points(&snapshot, &common::reference().countries, &log, &[Topic::Housing]);
    let weights: Vec<(&str, u64)> = demand.all().iter().map(|l| (l.name.as_str(), l.population)).collect();
    // Published cells: 6 → 5, 8 → 10, 3 → nothing.
    assert_eq!(weights, [("near-village", 5), ("rome", 10)]);
    let village_point = demand.all().iter().find(|l| l.name == "near-village").unwrap();
    assert!(geodesic_m([village_point.lon, village_point.lat], village) < 1_000.0);

    let query = Query { topics: vec![Topic::Housing], ..Query::default() };
    let s = coverage::suggest_for(&snapshot, &demand, &localities, &query, 25_000.0, 3, 5);
    assert_eq!(s.population, 15);
    assert_eq!(s.uncovered_before, 5, "those in Rome are covered");
    let picked: Vec<(&str, u64)> =
        s.picks.iter().map(|p| (localities.get(p.locality).name.as_str(), p.newly_covered)).collect();
    assert_eq!(picked, [("Village", 5)]);
    let s = coverage::suggest_for(&snapshot, &demand, &localities, &query, 25_000.0, 3, 1);
    assert_eq!(s.picks.len(), 1, "the hamlet's 3 requests are never published, so never point at a site");
    // Weighted by population, the town comes first.
    let s = coverage::suggest(&snapshot, &localities, &query, 25_000.0, 1);
    assert_eq!(localities.get(s.picks[0].locality).name, "Town");
}

// --- Regions -----------------------------------------------------------------

#[test]
fn region_populations_share_the_country_out_by_locality_population() {
    let mut two = areas(json!([square("a", 0, [12.0, 42.0], 0.1), square("b", 0, [14.0, 42.0], 0.1)]));
    let mut other = areas(json!([square("c", 0, [16.0, 42.0], 0.1)]));
    other[0].country = Some("DE".parse().unwrap());
    two.append(&mut other);
    let mut far = locality(4, "Outside both", [13.0, 42.05], 500);
    far.country = Some("IT".parse().unwrap());
    let mut german = locality(5, "In c, but German", [16.05, 42.05], 700);
    german.country = Some("DE".parse().unwrap());
    let localities = Localities::new(vec![
        locality(1, "In a", [12.05, 42.05], 1_000),
        locality(2, "In b", [14.05, 42.05], 2_000),
        locality(3, "Also in b", [14.06, 42.06], 1_000),
        far,
        german,
    ]);
    let it: witgis::model::Country = "IT".parse().unwrap();
    let estimated = coverage::with_estimated_population(two, &localities, |c| (c == it).then_some(100_000));
    let populations: Vec<(&str, Option<u64>)> =
        estimated.iter().map(|a| (a.id.as_str(), a.population)).collect();
    // 1,000 and 3,000 of the 4,000 people inside IT's areas; the locality
    // outside both does not count; Germany's population is unknown here.
    assert_eq!(populations, [("a", Some(25_000)), ("b", Some(75_000)), ("c", None)]);
}

#[tokio::test]
async fn shipped_regions_cover_the_four_countries_with_estimated_populations() {
    let reference = common::reference();
    let regions = reference.regions.all();
    let count = |c: &str| regions.iter().filter(|a| a.country.is_some_and(|x| x.as_str() == c)).count();
    assert_eq!((count("IT"), count("DE"), count("BG"), count("LT")), (20, 16, 28, 10));
    for c in ["IT", "DE", "BG", "LT"] {
        let country: witgis::model::Country = c.parse().unwrap();
        let sum: u64 =
            regions.iter().filter(|a| a.country == Some(country)).map(|a| a.population.unwrap()).sum();
        let whole = reference.populations.get(country).unwrap();
        assert!(sum.abs_diff(whole) <= 28, "{c}: regions sum to {sum}, the country has {whole}");
    }
    let population = |name: &str| regions.iter().find(|a| a.name == name).unwrap().population.unwrap();
    assert!(population("Lombardia") > population("Molise") * 10);
    assert!(population("Nordrhein-Westfalen") > population("Bremen") * 10);
    // City quarters (GeoNames PPLX, e.g. Berlin's Ortsteile) are left out of
    // the localities, so the city-state Berlin is not counted twice.
    let berlin = reference.localities.all().iter().find(|l| l.name == "Berlin").unwrap().population as f64;
    assert!(
        (population("Berlin") as f64 / berlin - 1.0).abs() < 0.15,
        "{} vs {berlin}",
        population("Berlin")
    );
    assert!(!reference.localities.all().iter().any(|l| l.name == "Neukölln"), "a quarter of Berlin");

    let (app, state, _dir) = common::seeded_app().await;
    let report = get_json(&app, "/api/coverage?level=region").await;
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 74);
    assert_eq!(report["level"], "region");
    let lazio = rows.iter().find(|r| r["id"] == "region-it-62").unwrap();
    assert_eq!(lazio["name"], "Lazio");
    // Every located Italian resource lies in one Italian region: the outlines
    // are simplified to about 100 m, so allow a few on the coast.
    let snapshot = state.snapshot();
    let located_it =
        snapshot.index().resources().filter(|r| r.country.as_str() == "IT" && r.point().is_some()).count()
            as u64;
    let in_regions: u64 =
        rows.iter().filter(|r| r["country"] == "IT").map(|r| r["resources"].as_u64().unwrap()).sum();
    assert!(in_regions <= located_it && in_regions * 100 >= located_it * 97, "{in_regions} of {located_it}");
    let rome_resources = snapshot
        .index()
        .resources()
        .filter(|r| r.point().is_some_and(|[x, y]| (12.35..12.65).contains(&x) && (41.8..42.0).contains(&y)))
        .count() as u64;
    assert!(lazio["resources"].as_u64().unwrap() >= rome_resources, "Rome lies in Lazio");
    assert!(lazio["resources_per_100k"].as_f64().unwrap() > 0.0);
    let per_100k = lazio["resources"].as_f64().unwrap() * 1e5 / lazio["population"].as_f64().unwrap();
    assert!((lazio["resources_per_100k"].as_f64().unwrap() - per_100k).abs() < 0.001);

    let (_, _, csv) = get(&app, "/api/coverage?level=region&country=LT&format=csv", None).await;
    assert_eq!(csv.lines().count(), 11, "{csv}");
    assert!(csv.lines().nth(1).unwrap().starts_with("region,region-lt-"), "{csv}");
    let fc = get_json(&app, "/api/coverage?level=region&country=LT&format=geojson").await;
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 10);
    let regions = get_json(&app, "/api/regions?country=LT").await;
    for f in features {
        let outline = regions["features"].as_array().unwrap().iter().find(|r| r["id"] == f["id"]).unwrap();
        assert_eq!(f["geometry"], outline["geometry"], "the region's own outline");
        assert_eq!(f["properties"]["level"], "region");
    }
    let outlines = get_json(&app, "/api/regions?country=DE").await;
    let features = outlines["features"].as_array().unwrap();
    assert_eq!(features.len(), 16);
    assert!(
        features.iter().all(|f| f["geometry"]["type"] == "MultiPolygon"
            && f["properties"]["population"].as_u64().unwrap() > 0)
    );
}

/// The flat properties a GeoJSON feature should carry for a JSON row.
fn flat_row(level: &str, row: &Value) -> Value {
    let mut p = json!({
        "level": level,
        "id": row["id"],
        "name": row["name"],
        "country": row["country"],
        "population": row["population"],
        "resources": row["resources"],
        "resources_per_100k": row["resources_per_100k"],
        "serving": row.get("serving").cloned().unwrap_or(Value::Null),
        "records": row["records"],
        "complete": row["complete"],
    });
    let map = p.as_object_mut().unwrap();
    for c in row["by_category"].as_array().unwrap() {
        let name = c["category"].as_str().unwrap();
        map.insert(name.into(), c["count"].clone());
        map.insert(format!("{name}_per_100k"), c["per_100k"].clone());
        map.insert(format!("{name}_complete"), c["complete"].clone());
    }
    for (k, v) in row["distance"].as_object().unwrap() {
        map.insert(k.clone(), v.clone());
    }
    p
}

#[tokio::test]
async fn geojson_has_each_country_outline_and_the_rows_figures() {
    let (app, _state, _dir) = common::seeded_app().await;
    for (uri, accept) in [
        ("/api/coverage?format=geojson&category=mental_health_centre,library&topic=housing", None),
        ("/api/coverage?category=mental_health_centre,library&topic=housing", Some("application/geo+json")),
    ] {
        let (status, content_type, body) = get(&app, uri, accept).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        assert_eq!(content_type, "application/geo+json");
        let fc: Value = serde_json::from_str(&body).unwrap();
        let report =
            get_json(&app, "/api/coverage?category=mental_health_centre,library&topic=housing").await;
        assert_eq!(fc["type"], "FeatureCollection");
        assert_eq!(fc["level"], "country");
        assert_eq!(fc["categories"], report["categories"]);
        assert_eq!(fc["topics"], json!(["housing"]));
        let features = fc["features"].as_array().unwrap();
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(features.len(), rows.len());
        assert_eq!(fc["numberReturned"], 4);
        for (f, row) in features.iter().zip(rows) {
            assert_eq!(f["id"], row["id"]);
            // The same figures as the JSON rows, flat, with the CSV's names and order.
            assert_eq!(f["properties"], flat_row("country", row), "{}", row["id"]);
            let keys: Vec<&String> = f["properties"].as_object().unwrap().keys().collect();
            assert_eq!(
                keys[..8],
                [
                    "level",
                    "id",
                    "name",
                    "country",
                    "population",
                    "resources",
                    "resources_per_100k",
                    "serving"
                ]
            );
            // The outline holds the country's capital and nothing of the others'.
            let shape: geo::Geometry<f64> =
                serde_json::from_value::<geojson::Geometry>(f["geometry"].clone())
                    .unwrap()
                    .try_into()
                    .unwrap();
            let capital = match row["id"].as_str().unwrap() {
                "IT" => [12.4964, 41.9028],
                "BG" => [23.3219, 42.6977],
                "DE" => [13.405, 52.52],
                "LT" => [25.2797, 54.6872],
                other => panic!("unexpected row {other}"),
            };
            use geo::Intersects;
            assert!(shape.intersects(&Point::new(capital[0], capital[1])), "{}", row["id"]);
            assert!(!shape.intersects(&Point::new(2.3522, 48.8566)), "Paris is in none");
        }
    }
    let disposition = header_of(
        &app,
        "/api/coverage?format=geojson&level=area&topic=housing&country=IT,BG",
        None,
        header::CONTENT_DISPOSITION,
    )
    .await;
    assert_eq!(disposition, "inline; filename=\"witgis-coverage-area-housing-IT+BG.geojson\"");
    // A country filter keeps its row only.
    let fc = get_json(&app, "/api/coverage?format=geojson&country=BG").await;
    let ids: Vec<&str> =
        fc["features"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["BG"]);
    // `format` wins over Accept.
    let (_, content_type, _) = get(&app, "/api/coverage?format=json", Some("application/geo+json")).await;
    assert!(content_type.starts_with("application/json"), "{content_type}");
}

#[tokio::test]
async fn geojson_of_the_areas_carries_their_outlines() {
    let municipi = common::rome_municipi();
    let dir = tempfile::tempdir().unwrap();
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("a.db").display())).await.unwrap();
    store.seed_once(&witgis::store::seed().unwrap()).await.unwrap();
    store.import_areas(&municipi).await.unwrap();
    let state = std::sync::Arc::new(witgis::state::AppState::load(store, common::reference()).await.unwrap());
    let app = witgis::http::router(state);
    let fc = get_json(&app, "/api/coverage?level=area&category=mental_health_centre&format=geojson").await;
    let report = get_json(&app, "/api/coverage?level=area&category=mental_health_centre").await;
    let areas = get_json(&app, "/api/areas").await;
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), 15);
    assert_eq!(fc["level"], "area");
    for ((f, row), area) in
        features.iter().zip(report["rows"].as_array().unwrap()).zip(areas["features"].as_array().unwrap())
    {
        assert_eq!(f["id"], row["id"]);
        assert_eq!(f["properties"], flat_row("area", row));
        assert_eq!(f["properties"]["population"], Value::Null, "the municipi carry no population");
        assert!(f["properties"]["serving"].as_u64().unwrap() >= 1);
        assert_eq!((&f["id"], &f["geometry"]), (&area["id"], &area["geometry"]), "the outline of /api/areas");
    }
}
