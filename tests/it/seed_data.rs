//! The shipped seed data: valid, unique, complete, and where it says it is.

use std::collections::{HashMap, HashSet};

use geo::{Contains, Distance, Euclidean, MultiPolygon, Point};
use witgis::model::{Category, Resource};

fn seed() -> Vec<Resource> {
    witgis::store::seed().unwrap_or_else(|e| panic!("{}", e.report("data/resources.geojson")))
}

/// Country outlines of the offline basemap, by ISO 3166-1 numeric code.
fn country_outline(iso_n3: &str) -> MultiPolygon {
    let text = std::fs::read_to_string("web/vendor/countries.geojson").expect("web/vendor/countries.geojson");
    let fc: ::geojson::FeatureCollection = text.parse().expect("countries GeoJSON");
    let f = fc
        .features
        .into_iter()
        .find(|f| {
            f.properties.as_ref().and_then(|p| p.get("iso_n3")).and_then(|v| v.as_str()) == Some(iso_n3)
        })
        .expect("country present");
    let geometry: geo::Geometry = f.geometry.expect("geometry").try_into().expect("geo geometry");
    match geometry {
        geo::Geometry::MultiPolygon(mp) => mp,
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        other => panic!("unexpected geometry {other:?}"),
    }
}

#[test]
fn every_record_is_valid_and_ids_are_unique() {
    let resources = seed();
    assert!(resources.len() >= 200, "only {} resources", resources.len());
    let ids: HashSet<&str> = resources.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), resources.len(), "duplicate ids");
}

#[test]
fn all_five_witgis_categories_exist_in_each_country() {
    let resources = seed();
    let witgis = [
        Category::Library,
        Category::TrainingResearchCentre,
        Category::University,
        Category::ProfessionalAssociation,
        Category::GoodPractice,
    ];
    for country in ["IT", "BG", "DE", "LT"] {
        for category in witgis {
            let n =
                resources.iter().filter(|r| r.country.as_str() == country && r.category == category).count();
            assert!(n > 0, "no {category} in {country}");
        }
    }
}

#[test]
fn rome_mental_health_centres_name_the_areas_they_serve() {
    let resources = seed();
    let csms: Vec<&Resource> = resources
        .iter()
        .filter(|r| r.category == Category::MentalHealthCentre && r.id.starts_with("it-rm-csm-"))
        .collect();
    assert!(csms.len() >= 15, "only {} Rome CSMs", csms.len());
    for csm in &csms {
        // Rome's sheet (issue 35) adds CSMs whose catchment no source states
        // (Boccea, Innocenzo IV, Ventura, Plinio): never guessed, each says
        // so to editors.
        assert!(
            csm.serves_areas.iter().any(|a| a.starts_with("it-rm-municipio-") || a.starts_with("it-comune-"))
                || csm.open_questions.iter().any(|q| q.contains("competent for")),
            "{} serves no municipio and does not ask which",
            csm.id
        );
    }
    // Every one of Rome's 15 municipi has a competent service.
    let served: HashSet<&str> =
        resources.iter().flat_map(|r| r.serves_areas.iter().map(String::as_str)).collect();
    for n in 1..=15 {
        assert!(served.contains(format!("it-rm-municipio-{n:02}").as_str()), "municipio {n} unserved");
    }
}

#[test]
fn every_point_lies_in_its_country() {
    let outlines: HashMap<&str, MultiPolygon> = [("IT", "380"), ("BG", "100"), ("DE", "276"), ("LT", "440")]
        .map(|(c, n)| (c, country_outline(n)))
        .into();
    let mut outside = Vec::new();
    for r in seed() {
        let Some([lon, lat]) = r.point() else { continue };
        let outline =
            outlines.get(r.country.as_str()).unwrap_or_else(|| panic!("{}: unexpected country", r.id));
        let p = Point::new(lon, lat);
        // The 1:50m outlines simplify coasts by a few km: a coastal city may
        // fall just outside. Accept at most 0.05° (about 5 km) off the outline.
        if !outline.contains(&p) && Euclidean.distance(&p, outline) > 0.05 {
            outside.push(format!("{} ({lon}, {lat}) not in {}", r.id, r.country));
        }
    }
    assert!(outside.is_empty(), "{outside:#?}");
}

// That data/ keeps the facts of the reference fact sheet (outside the
// repository) is checked by scripts/check-reference, not here.

/// Rome's mental-health sheet (a copy in tests/fixtures), row by row.
fn sheet() -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path("tests/fixtures/rome-mental-health.csv").expect("the sheet");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.trim().to_owned())).collect()
        })
        .collect()
}

/// The shipped features as plain JSON, read without our model.
fn features() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string("data/resources.geojson").expect("data/resources.geojson");
    let fc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    fc["features"].as_array().expect("features").clone()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The entry of a feature's provenance that names `fact`.
fn cited<'a>(f: &'a serde_json::Value, fact: &str) -> Option<&'a serde_json::Value> {
    f["properties"]["provenance"]
        .as_array()?
        .iter()
        .find(|p| p["facts"].as_array().is_some_and(|fs| fs.iter().any(|x| x == fact)))
}

/// Every row of Rome's sheet is in the data (by our id, or by the sheet's
/// name for a service we lacked) with the sheet's phone, OSM hours, point
/// and precision, each fact with its provenance (read through a copy; ODbL
/// for OpenStreetMap points), and no claim that anyone verified it.
#[test]
fn rome_network_facts_are_the_sheet_s() {
    let features = features();
    let rows = sheet();
    assert_eq!(rows.len(), 73);
    let (mut phones, mut hours, mut points) = (0, 0, 0);
    let mut seen = HashSet::new();
    for row in &rows {
        let f = match row["existing_id"].as_str() {
            "" => features.iter().find(|f| f["properties"]["name"] == row["name"].as_str()),
            id => features.iter().find(|f| f["id"] == id),
        }
        .unwrap_or_else(|| panic!("{}: not in data/", row["name"]));
        let p = &f["properties"];
        let id = f["id"].as_str().expect("id");
        assert!(seen.insert(id), "{id}: two rows of the sheet on one record");
        assert!(p["last_verified"].is_null(), "{id}: verified by whom?");
        if !row["phone"].is_empty() {
            phones += 1;
            assert_eq!(digits(p["phone"].as_str().unwrap_or("")), digits(&row["phone"]), "{id}");
            let source = cited(f, "phone").unwrap_or_else(|| panic!("{id}: phone uncited"));
            assert_eq!(source["via_copy"], true, "{id}");
            assert_eq!(source["url"].as_str(), row["official_url"].split(" ; ").next(), "{id}");
        }
        if !row["opening_hours_osm"].is_empty() {
            hours += 1;
            assert_eq!(p["opening_hours"], row["opening_hours_osm"].as_str(), "{id}");
            assert!(cited(f, "opening_hours").is_some(), "{id}: hours uncited");
        }
        if !row["lon"].is_empty() {
            points += 1;
            let [lon, lat] = [&row["lon"], &row["lat"]].map(|v| v.parse::<f64>().expect("coordinate"));
            let c = &f["geometry"]["coordinates"];
            let got = [c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")];
            assert!((got[0] - lon).abs() < 1e-6 && (got[1] - lat).abs() < 1e-6, "{id}: {got:?}");
            assert_eq!(p["coord_precision"], row["coord_precision"].as_str(), "{id}");
            let source = cited(f, "location").unwrap_or_else(|| panic!("{id}: point uncited"));
            if row["coord_source"].starts_with("OpenStreetMap") {
                assert_eq!(source["licence"], "ODbL-1.0", "{id}");
                assert_eq!(source["publisher"], "OpenStreetMap contributors", "{id}");
            }
        }
    }
    // The counts the reference README states.
    assert_eq!((phones, hours, points), (50, 32, 67));
    // Residential facilities stay out.
    assert!(features.iter().all(|f| !f["properties"]["name"].as_str().unwrap_or("").contains("SRSR")));
}

/// Child and adolescent services (TSMREE) carry their topic.
#[test]
fn child_and_adolescent_services_carry_their_topic() {
    let rows = sheet();
    let features = features();
    let tsmree: Vec<&str> =
        rows.iter().filter(|r| r["kind"] == "child_adolescent").map(|r| r["name"].as_str()).collect();
    assert_eq!(tsmree.len(), 9);
    for name in tsmree {
        let f = features.iter().find(|f| f["properties"]["name"] == name).expect(name);
        let topics = f["properties"]["topics"].as_array().expect("topics");
        assert!(topics.iter().any(|t| t == "child_adolescent"), "{name}: {topics:?}");
    }
}

/// The shipped records pass the write rules (crates/witgis-core/src/plausibility.rs) judged
/// against the shipped country outlines and, near the municipi they serve,
/// the shipped municipi (seeded with them on a fresh store): a fresh
/// install never holds a record that an editor could not save unchanged.
#[test]
fn every_record_is_plausible() {
    let reference = witgis::reference::ReferenceData::load().unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/rome-municipi.geojson"))
        .expect("the shipped municipi");
    let municipi: Vec<witgis::model::Area> =
        witgis::formats::areas::read(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(municipi.len(), 15);
    let today = chrono::Utc::now().date_naive();
    let mut implausible = Vec::new();
    for r in seed() {
        let area = |id: &str| municipi.iter().find(|a| a.id == id);
        for e in witgis::plausibility::check(&r, &reference.countries, area, today, None) {
            implausible.push(format!("{}: {}: {}", r.id, e.field, e.reason));
        }
    }
    assert!(implausible.is_empty(), "{implausible:#?}");
}
