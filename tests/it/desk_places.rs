//! The help desk's places: Rome's quarters and municipi found by the names
//! callers use, each leading to the competent centre of the municipio the
//! reference facts give (rome-zones.csv, rome-quarters.csv), with and
//! without municipio outlines loaded.

use crate::common;
use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::Value;

/// The app over the seed, with the hand-drawn municipio boxes or none.
async fn app(boundaries: bool) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        witgis::store::open(&format!("sqlite://{}", dir.path().join("d.db").display())).await.expect("store");
    store.seed_once(&witgis::store::seed().expect("seed")).await.expect("seed");
    if boundaries {
        let areas = witgis::formats::areas::read(include_str!("../fixtures/rome-municipi-boxes.geojson"))
            .expect("boxes");
        store.import_areas(&areas).await.expect("areas");
    }
    let state = Arc::new(witgis::state::AppState::load(store, common::reference()).await.expect("load"));
    (witgis::http::router(state), dir)
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, Value) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status, a.json())
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The seed's mental health centres serving a municipio: read from the
/// seed's own `serves_areas`, not from the referral code.
fn csms_of(municipio: &str) -> Vec<String> {
    witgis::store::seed()
        .expect("seed")
        .into_iter()
        .filter(|r| r.category == witgis::model::Category::MentalHealthCentre && r.location.is_some())
        .filter(|r| r.serves_areas.iter().any(|a| a == municipio))
        .map(|r| r.id)
        .collect()
}

fn ids(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["id"].as_str().map(str::to_owned))
        .collect()
}

/// Names that rightly show a list: "Ostia" is Municipio Roma X, but also
/// GeoNames' Lido di Ostia and the zone Ostia Antica.
const AMBIGUOUS: &[&str] = &["Ostia"];

/// Searches `q`, takes the first suggestion as the desk does on Enter (or as
/// the operator does from the list an ambiguous name shows), and asks the
/// referral for it (by place id, or by point for a plain point).
async fn pick_and_refer(app: &axum::Router, q: &str) -> (Value, Value) {
    let (status, found) = get(app, &format!("/api/places?q={}", enc(q))).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    if !AMBIGUOUS.contains(&q) {
        assert_eq!(found["ambiguous"], false, "{q}: {found}");
    }
    let first = found["features"][0].clone();
    let uri = match first["properties"]["id"].as_str() {
        Some(id) if first["properties"]["kind"] != "locality" => format!("/api/referral?place={}", enc(id)),
        _ => {
            let c = &first["geometry"]["coordinates"];
            format!("/api/referral?lon={}&lat={}", c[0], c[1])
        }
    };
    let (status, r) = get(app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{q}: {r}");
    (first, r)
}

/// From the facts: the municipio each name lies in.
const CASES: [(&str, &str); 9] = [
    ("Torre Angela", "it-rm-municipio-06"), // zona 8F, VI; Agro Romano Z.XIII, VI
    ("torre angela", "it-rm-municipio-06"),
    ("Centocelle", "it-rm-municipio-05"),     // zona 7a, V
    ("Prati", "it-rm-municipio-01"),          // zona 17a, I; rione R.XXII, I
    ("Ostia", "it-rm-municipio-10"),          // Municipio X "Ostia" (2010 table); zone Ostia Nord/Sud, X
    ("Tuscolano Nord", "it-rm-municipio-07"), // zona 9a, VII
    ("centro storico", "it-rm-municipio-01"), // "Historical Centre (Centro Storico)", zona 1a, I
    ("Historical Centre", "it-rm-municipio-01"),
    ("Casal de' Pazzi", "it-rm-municipio-04"), // zona 5H "Casal de’ Pazzi", IV
];

const MUNICIPIO_VII: [&str; 7] = [
    "municipio 7",
    "municipio VII",
    "VII municipio",
    "municipio roma 7",
    "Municipio Roma VII",
    "mun. 7",
    "Municipio VII",
];

async fn quarters_lead_to_their_municipio_s_centre(boundaries: bool) {
    let (app, _dir) = app(boundaries).await;
    for (q, municipio) in
        CASES.iter().copied().chain(MUNICIPIO_VII.iter().map(|q| (*q, "it-rm-municipio-07")))
    {
        let (first, r) = pick_and_refer(&app, q).await;
        let competent = ids(&r["competent"]);
        let expected = csms_of(municipio);
        assert!(!expected.is_empty(), "{municipio} has a CSM in the seed");
        // The first competent service is one of that municipio's CSMs.
        assert!(
            expected.contains(&competent[0]),
            "{q} ({boundaries}): {competent:?}, want one of {expected:?}: {first}"
        );
        assert!(
            r["areas"].as_array().expect("areas").iter().any(|a| a["id"] == municipio),
            "{q}: {}",
            r["areas"]
        );
        // No other municipio's CSM is offered as competent.
        for id in &competent {
            if id.starts_with("it-rm-csm-") {
                assert!(expected.contains(id), "{q}: {id} is not competent for {municipio}");
            }
        }
    }
}

#[tokio::test]
async fn quarters_and_municipio_forms_without_boundaries() {
    quarters_lead_to_their_municipio_s_centre(false).await;
}

#[tokio::test]
async fn quarters_and_municipio_forms_with_boundaries() {
    quarters_lead_to_their_municipio_s_centre(true).await;
}

#[tokio::test]
async fn tuscolano_is_rome_s_quarter_split_between_v_and_vii() {
    for boundaries in [false, true] {
        let (app, _dir) = app(boundaries).await;
        let (status, found) = get(&app, "/api/places?q=tuscolano").await;
        assert_eq!(status, StatusCode::OK);
        let p = &found["features"][0]["properties"];
        // Quartiere Q.VIII Tuscolano: "V / VII (split)" in the facts.
        assert_eq!(
            (p["name"].as_str(), p["kind"].as_str(), p["extent"].as_str()),
            (Some("Tuscolano"), Some("quarter"), Some("split"))
        );
        let names: Vec<&str> = found["features"]
            .as_array()
            .expect("features")
            .iter()
            .filter_map(|f| f["properties"]["name"].as_str())
            .collect();
        let toscolano = names.iter().position(|n| n.starts_with("Toscolano"));
        assert!(
            toscolano.is_none_or(|i| i > names.iter().position(|n| *n == "Tuscolano Sud").unwrap_or(0)),
            "{names:?}"
        );
        let id = p["id"].as_str().expect("id");
        let (_, r) = get(&app, &format!("/api/referral?place={id}")).await;
        let competent = ids(&r["competent"]);
        for municipio in ["it-rm-municipio-05", "it-rm-municipio-07"] {
            assert!(csms_of(municipio).iter().any(|c| competent.contains(c)), "{municipio}: {competent:?}");
        }
        assert!(r["notes"].to_string().contains("the caller's street decides"), "{}", r["notes"]);
        // No point is known for Tuscolano without outlines: the desk must ask.
        if !boundaries {
            assert!(r["point"].is_null(), "{}", r["point"]);
            assert_eq!(r["nearest"]["features"].as_array().map(Vec::len), Some(0));
            assert!(r["notes"].to_string().contains("ask for a street or click the map"), "{}", r["notes"]);
        }
    }
}

#[tokio::test]
async fn a_quarter_with_a_geonames_point_gets_nearby_alternatives_labelled_approximate() {
    let (app, _dir) = app(false).await;
    let (_, found) = get(&app, "/api/places?q=Prati").await;
    let f = &found["features"][0];
    // GeoNames 6545118 "Prati" in data/places.tsv.
    assert_eq!(f["geometry"]["coordinates"], serde_json::json!([12.46819, 41.90943]));
    assert_eq!(f["properties"]["approximate"], true);
    let (_, r) = get(
        &app,
        &format!("/api/referral?place={}&need=housing", f["properties"]["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(r["point"]["approximate"], true);
    for alt in r["nearest"]["features"].as_array().expect("nearest") {
        let d = alt["properties"]["distance_m"].as_f64().expect("distance");
        assert!(d <= 50_000.0, "{}", alt["id"]);
    }
    assert!(!ids(&r["nearest"]).is_empty());
}

/// A store without boundaries says so. It used to be every fresh install;
/// since issue 35 a fresh install ships Rome's municipi (the last check), so
/// the store without them is one seeded with the records only.
#[tokio::test]
async fn a_store_without_boundaries_says_so_and_a_fresh_install_has_them() {
    let (bare, _dir) = app(false).await;
    let (_, r) = get(&bare, "/api/referral?lon=12.515&lat=41.924").await;
    assert_eq!(r["boundaries_loaded"], false);
    assert!(r["notes"].to_string().contains("witgis import-areas"), "{}", r["notes"]);
    let (loaded, _dir2) = app(true).await;
    let (_, r) = get(&loaded, "/api/referral?lon=12.515&lat=41.924").await;
    assert_eq!(r["boundaries_loaded"], true);
    assert!(!r["notes"].to_string().contains("import-areas"), "{}", r["notes"]);
    let (fresh, _state, _dir3) = common::seeded_app().await;
    let (_, r) = get(&fresh, "/api/referral?lon=12.515&lat=41.924").await;
    assert_eq!(r["boundaries_loaded"], true);
    assert_eq!(r["areas"][0]["id"], "it-rm-municipio-02");
    assert!(!r["notes"].to_string().contains("import-areas"), "{}", r["notes"]);
}

#[tokio::test]
async fn a_name_found_in_several_cities_is_ambiguous_and_lists_where_each_is() {
    let (app, _dir) = app(false).await;
    // data/places.tsv has several "San Giorgio" in Italy, none near Rome.
    let (_, found) = get(&app, "/api/places?q=San%20Giorgio").await;
    assert_eq!(found["ambiguous"], true, "{found}");
    let f = found["features"].as_array().expect("features");
    assert!(f.len() >= 2);
    for x in &f[..2] {
        assert!(x["properties"]["region"].is_string(), "{x}");
        assert!(x["properties"]["distance_from_home_m"].as_f64().is_some_and(|d| d > 50_000.0), "{x}");
    }
    // Rome's own Prati is not ambiguous with Prati near Bolzano.
    assert_eq!(get(&app, "/api/places?q=Prati").await.1["ambiguous"], false);
}

#[tokio::test]
async fn a_street_with_a_house_number_and_no_geocoder_gets_a_clear_message() {
    let (app, _dir) = app(false).await;
    let (status, found) = get(&app, "/api/places?q=Via%20Appia%20Nuova%20500").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["address"], "needs_geocoder");
    assert!(found["notes"][0].as_str().expect("note").contains("need a geocoder"), "{found}");
    // A municipio number is no house number.
    assert!(get(&app, "/api/places?q=municipio%207").await.1["address"].is_null());
}

#[tokio::test]
async fn bad_place_and_radius_are_named() {
    let (app, _dir) = app(false).await;
    for (uri, param) in [
        ("/api/referral?place=nowhere", "place"),
        ("/api/referral?place=it-rm-municipio-07&lon=12.5&lat=41.9", "place"),
        ("/api/referral?lon=12.5&lat=41.9&max_km=0", "max_km"),
        ("/api/referral?lon=12.5&lat=41.9&max_km=far", "max_km"),
        ("/api/places?q=roma&view=1,2,3", "view"),
    ] {
        let (status, body) = get(&app, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(body["invalid_params"][0]["name"], param, "{uri}");
    }
}

#[tokio::test]
async fn competent_services_are_ordered_csm_then_other_sites_then_phone() {
    let (app, _dir) = app(false).await;
    let (_, r) = get(&app, "/api/referral?place=it-rm-municipio-05").await;
    let rank: Vec<u8> = r["competent"]["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| match (f["geometry"].is_null(), f["properties"]["category"].as_str()) {
            (false, Some("mental_health_centre")) => 0,
            (false, _) => 1,
            (true, _) => 2,
        })
        .collect();
    assert!(rank.windows(2).all(|w| w[0] <= w[1]), "{rank:?}");
    assert!(rank.contains(&0) && rank.contains(&1) && rank.contains(&2), "{rank:?}");
}

/// The quarters of `data/rome-quarters.tsv` named `name`: (id, municipi,
/// whether a source or GeoNames gives it a point). Read from the file, not
/// from the search code.
fn rows_named(name: &str) -> Vec<(String, Vec<String>, bool)> {
    include_str!("../../data/rome-quarters.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("id\t"))
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|c| c.len() > 8 && c[1] == name)
        .map(|c| (c[0].to_owned(), c[5].split(',').map(str::to_owned).collect(), !c[7].is_empty()))
        .collect()
}

#[tokio::test]
async fn a_name_of_quarters_in_different_municipi_is_asked_never_guessed() {
    // Primavalle: zona 19B (XIV) and quartiere Q27 (split XIII / XIV).
    let rows = rows_named("Primavalle");
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_ne!(rows[0].1, rows[1].1);
    for boundaries in [false, true] {
        let (app, _dir) = app(boundaries).await;
        let (_, found) = get(&app, "/api/places?q=Primavalle").await;
        assert_eq!(found["ambiguous"], true, "{boundaries}: {found}");
        let first: Vec<&str> = found["features"].as_array().expect("features")[..2]
            .iter()
            .filter_map(|f| f["properties"]["id"].as_str())
            .collect();
        for (id, _, _) in &rows {
            assert!(first.contains(&id.as_str()), "{boundaries}: {first:?} lists {id}");
        }
        // Picked, the split quarter lists both municipi's centres and says the street decides.
        let (_, r) = get(&app, "/api/referral?place=it-rm-q-q27-primavalle").await;
        let competent = ids(&r["competent"]);
        for m in ["it-rm-municipio-13", "it-rm-municipio-14"] {
            assert!(csms_of(m).iter().any(|c| competent.contains(c)), "{m}: {competent:?}");
        }
        assert!(r["notes"].to_string().contains("the caller's street decides"), "{}", r["notes"]);
        // The same note as a code with its parameters, for the page's language.
        let codes = r["note_codes"].as_array().expect("note codes");
        assert_eq!(
            codes.iter().find(|c| c["code"] == "split"),
            Some(&serde_json::json!({ "code": "split", "place": "Primavalle",
                                "areas": ["it-rm-municipio-13", "it-rm-municipio-14"] })),
            "{codes:?}"
        );
        assert_eq!(r["note_codes"].as_array().map(Vec::len), r["notes"].as_array().map(Vec::len));
        // A Roman name in one municipio is still picked at once.
        assert_eq!(get(&app, "/api/places?q=Torre%20Angela").await.1["ambiguous"], false);
    }
}

#[tokio::test]
async fn a_quarter_named_wins_over_the_municipio_that_contains_it() {
    // "Centocelle" is also a name of Municipio V (the 2010 table).
    for boundaries in [false, true] {
        let (app, _dir) = app(boundaries).await;
        let (_, found) = get(&app, "/api/places?q=Centocelle").await;
        assert_eq!(found["ambiguous"], false, "{found}");
        assert_eq!(
            found["features"][0]["properties"]["id"], "it-rm-q-7a-centocelle",
            "{boundaries}: {found}"
        );
        // And a municipio picked by name is named once in the answer.
        let (_, r) = get(&app, "/api/referral?place=it-rm-municipio-05").await;
        assert_eq!(r["areas"].as_array().map(Vec::len), Some(1), "{}", r["areas"]);
    }
}

#[tokio::test]
async fn distances_are_never_measured_from_a_point_standing_for_an_area() {
    let (app, _dir) = app(true).await;
    // Centocelle has no point of its own in the facts; with the municipi
    // loaded, the search centres the map on Municipio V's interior point
    // (as it did for Garbatella and Municipio VIII, some 7 km away)…
    assert_eq!(rows_named("Centocelle").iter().map(|r| r.2).collect::<Vec<_>>(), [false]);
    let (_, found) = get(&app, "/api/places?q=Centocelle").await;
    let f = &found["features"][0];
    assert_eq!(f["properties"]["point_source"], "area_interior", "{f}");
    // …but the referral measures nothing from it, and asks for the street.
    for place in ["it-rm-q-7a-centocelle", "it-rm-municipio-02"] {
        let (_, r) = get(&app, &format!("/api/referral?place={place}&need=housing")).await;
        assert!(r["point"].is_null(), "{place}: {}", r["point"]);
        assert_eq!(r["nearest"]["features"].as_array().map(Vec::len), Some(0), "{place}");
        for c in r["competent"]["features"].as_array().expect("competent") {
            assert!(c["properties"]["distance_m"].is_null(), "{place}: {c}");
        }
        assert!(r["notes"].to_string().contains("ask for a street or click the map"), "{}", r["notes"]);
    }
    // A quarter with its own point is measured from it.
    let (_, r) = get(&app, "/api/referral?place=it-rm-q-1b-trastevere&need=housing").await;
    assert!(rows_named("Trastevere")[0].2, "Trastevere has a point of its own");
    assert!(r["point"]["lon"].is_number(), "{}", r["point"]);
    assert!(!ids(&r["nearest"]).is_empty());
}
