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
        assert!(
            csm.serves_areas.iter().any(|a| a.starts_with("it-rm-municipio-") || a.starts_with("it-comune-")),
            "{} serves no municipio",
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

/// The shipped records pass the write rules (src/plausibility.rs) judged
/// against the shipped country outlines, and, where the municipi outlines
/// are loaded (read here from the reference copy, when present), near the
/// municipi they serve: a fresh install never holds a record that an
/// editor could not save unchanged.
#[test]
fn every_record_is_plausible() {
    let reference = witgis::reference::ReferenceData::load().unwrap_or_else(|e| panic!("{e}"));
    let municipi: Vec<witgis::model::Area> = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/reference/rome-municipi-osm.geojson"
    ))
    .ok()
    .map(|text| witgis::formats::areas::read(&text).unwrap_or_else(|e| panic!("{e}")))
    .unwrap_or_default();
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
