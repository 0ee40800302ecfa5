//! Synthetic resources spread around European cities, for benchmarks and load
//! tests. Deterministic for a given seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

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

/// `count` valid resources with ids `synth-N`, in a normal spread of about
/// 20 km around the cities, plus a thin uniform spread over Europe.
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
    Resource::from_properties(&props, Some([lon, lat.clamp(-90.0, 90.0)])).ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_seed_same_records_all_valid() {
        let a = super::resources(500, 7);
        assert_eq!(a.len(), 500);
        assert_eq!(a, super::resources(500, 7));
        assert_ne!(a, super::resources(500, 8));
    }
}
