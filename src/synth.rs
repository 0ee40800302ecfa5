//! Synthetic resources spread around European cities, for benchmarks and load
//! tests. Deterministic for a given seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::coverage::{Localities, Locality};
use crate::model::{Category, Resource, Topic};

/// (lon, lat, country) of the cities the points cluster around.
const CITIES: &[(f64, f64, &str)] = &[
    (12.4964, 41.9028, "IT"),
    (9.19, 45.4642, "IT"),
    (14.2681, 40.8518, "IT"),
    (11.2558, 43.7696, "IT"),
    (23.3219, 42.6977, "BG"),
    (24.7453, 42.1354, "BG"),
    (27.9147, 43.2141, "BG"),
    (13.405, 52.52, "DE"),
    (11.582, 48.1351, "DE"),
    (9.9937, 53.5511, "DE"),
    (6.9603, 50.9375, "DE"),
    (25.2797, 54.6872, "LT"),
    (23.9036, 54.8985, "LT"),
    (21.1443, 55.7033, "LT"),
    (2.3522, 48.8566, "FR"),
    (-3.7038, 40.4168, "ES"),
    (16.3738, 48.2082, "AT"),
    (21.0122, 52.2297, "PL"),
];

/// The covered countries' outlines, which a synthetic point's country is
/// checked against.
static OUTLINES: std::sync::LazyLock<Option<crate::countries::Countries>> = std::sync::LazyLock::new(|| {
    crate::countries::Countries::parse(include_str!("../data/countries.geojson")).ok()
});

/// The country a synthetic point is given: its city's when the point lies
/// there (or the city's country has no outline to judge by), else the
/// covered country it lies in, else the nearest uncovered city's. So every
/// record passes the import's plausibility rules (crates/witgis-core/src/plausibility.rs).
fn plausible_country(lon: f64, lat: f64, country: &'static str) -> &'static str {
    let Some(outlines) = OUTLINES.as_ref() else { return country };
    let Ok(c) = country.parse::<crate::model::Country>() else { return country };
    if outlines.holds(c, lon, lat) != Some(false) {
        return country;
    }
    if let Some(found) = outlines.at(lon, lat) {
        if let Some(&(_, _, code)) = CITIES.iter().find(|(_, _, code)| *code == found.as_str()) {
            return code;
        }
    }
    let uncovered = CITIES
        .iter()
        .filter(|(_, _, code)| code.parse::<crate::model::Country>().is_ok_and(|c| !c.is_covered()));
    let distance = |&&(x, y, _): &&(f64, f64, &str)| (x - lon).powi(2) + (y - lat).powi(2);
    uncovered.min_by(|a, b| distance(a).total_cmp(&distance(b))).map_or(country, |&(_, _, code)| code)
}

/// `count` valid resources with ids `synth-N`, in a normal spread of about
/// 20 km around the cities, plus a thin uniform spread over Europe, each
/// given the country its point lies in (see [`plausible_country`]).
pub fn resources(count: usize, seed: u64) -> Vec<Resource> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).filter_map(|i| one(&mut rng, i)).collect()
}

fn one(rng: &mut StdRng, i: usize) -> Option<Resource> {
    let (lon, lat, country) = if rng.random_bool(0.9) {
        let &(lon, lat, country) = &CITIES[rng.random_range(0..CITIES.len())];
        // Box-Muller: two normal deviates, σ ≈ 0.2° (about 20 km).
        let (u1, u2): (f64, f64) = (rng.random_range(f64::EPSILON..1.0), rng.random());
        let r = (-2.0 * u1.ln()).sqrt() * 0.2;
        let a = std::f64::consts::TAU * u2;
        (lon + r * a.cos() / lat.to_radians().cos(), lat + r * a.sin(), country)
    } else {
        let &(_, _, country) = &CITIES[rng.random_range(0..CITIES.len())];
        (rng.random_range(-10.0..30.0), rng.random_range(36.0..60.0), country)
    };
    let category = Category::ALL[rng.random_range(0..Category::ALL.len())];
    let topics: Vec<&str> = (0..rng.random_range(1..=3))
        .map(|_| Topic::ALL[rng.random_range(0..Topic::ALL.len())].as_str())
        .collect();
    let props: Map<String, Value> = match json!({
        "id": format!("synth-{i:07}"),
        "name": format!("Synthetic {} {i}", category.as_str().replace('_', " ")),
        "category": category,
        "country": country,
        "coord_precision": "street",
        "topics": topics,
        "source": "synthetic",
    }) {
        Value::Object(map) => map,
        _ => return None,
    };
    let lon = (lon + 180.0).rem_euclid(360.0) - 180.0;
    let lat = lat.clamp(-90.0, 90.0);
    let mut props = props;
    props.insert("country".into(), Value::from(plausible_country(lon, lat, country)));
    Resource::from_properties(&props, Some([lon, lat])).ok()
}

/// `count` localities around the synthetic resources' cities, with a
/// heavy-tailed population (500 to about 2 million), for benchmarks.
pub fn localities(count: usize, seed: u64) -> Localities {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
    let items = resources(count, seed)
        .into_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let [lon, lat] = r.point()?;
            let u: f64 = rng.random_range(1e-4..1.0);
            Some(Locality {
                id: i as u64,
                name: format!("Locality {i}"),
                country: Some(r.country),
                lon,
                lat,
                population: (500.0 * u.powf(-1.05)).round() as u64,
            })
        })
        .collect();
    Localities::new(items)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_record_is_plausible() {
        let outlines = super::OUTLINES.as_ref().expect("outlines");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("day");
        for r in super::resources(2_000, 11) {
            let errors = crate::plausibility::check(&r, outlines, |_| None, today, None);
            assert!(errors.is_empty(), "{}: {errors:?}", r.id);
        }
    }

    #[test]
    fn same_seed_same_records_all_valid() {
        let a = super::resources(500, 7);
        assert_eq!(a.len(), 500);
        assert_eq!(a, super::resources(500, 7));
        assert_ne!(a, super::resources(500, 8));
    }
}
