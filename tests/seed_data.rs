//! The shipped seed data: valid, unique, complete, and where it says it is.

use std::collections::{HashMap, HashSet};

use geo::{Contains, Distance, Euclidean, MultiPolygon, Point};
use witgis::formats::{csv, geojson};
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

#[test]
fn the_seed_is_the_reference_facts_converted() {
    // data/resources.geojson is built by `witgis import` of the reference CSV
    // followed by `witgis export`; it must keep every reference row.
    let Ok(text) = std::fs::read_to_string("../shared/reference/resources.csv") else {
        panic!("../shared/reference/resources.csv is missing: clone witgis beside shared/")
    };
    let reference = csv::read(text.as_bytes()).unwrap_or_else(|e| panic!("{}", e.report("resources.csv")));
    let mut seed = seed();
    let mut reference = reference;
    seed.sort_by(|a, b| a.id.cmp(&b.id));
    reference.sort_by(|a, b| a.id.cmp(&b.id));
    // Records changed or added by scripts/apply-rome-updates say so in their
    // source; an added record names the newer facts as its only source, and
    // a changed address must come with them.
    const NEWER: &str = "newer facts (rome-services-update.csv)";
    let newer = |r: &Resource| r.source.as_deref().is_some_and(|s| s.contains(NEWER));
    let added: Vec<String> = seed
        .iter()
        .filter(|s| reference.binary_search_by(|r| r.id.cmp(&s.id)).is_err())
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(added, ["it-rm-crisis-118"], "only 118 is added by the newer facts");
    seed.retain(|s| {
        let keep = !added.contains(&s.id);
        assert!(keep || s.source.as_deref().is_some_and(|x| x.starts_with(NEWER)), "{}", s.id);
        keep
    });
    let seed_ids: Vec<&str> = seed.iter().map(|r| r.id.as_str()).collect();
    let reference_ids: Vec<&str> = reference.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(seed_ids, reference_ids);
    for (s, r) in seed.iter().zip(&reference) {
        if newer(s) && s.address != r.address {
            // e.g. it-rm-cd-montesanto, which left Via Monte Santo 71 in 2022.
            assert_eq!(
                (&s.name, s.category, s.country, s.point(), &s.phone, &s.website, &s.serves_areas),
                (&r.name, r.category, r.country, r.point(), &r.phone, &r.website, &r.serves_areas),
                "{}",
                s.id
            );
            continue;
        }
        assert_eq!(
            (&s.name, s.category, s.country, s.point()),
            (&r.name, r.category, r.country, r.point()),
            "{}",
            s.id
        );
        assert_eq!(
            (&s.address, &s.phone, &s.website, &s.serves_areas),
            (&r.address, &r.phone, &r.website, &r.serves_areas),
            "{}",
            s.id
        );
    }
    // And the seed file reads back to exactly what the shipped binary embeds.
    let shipped = std::fs::read_to_string("data/resources.geojson").expect("seed file");
    assert_eq!(geojson::read(&shipped).ok().map(|v| v.len()), Some(seed.len() + added.len()));
}
