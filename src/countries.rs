//! The outlines of the countries witgis covers (Italy, Bulgaria, Germany,
//! Lithuania; Natural Earth 1:50m), shipped in `data/countries.geojson`.

use std::sync::LazyLock;

use geo::{BoundingRect, Distance, Euclidean, Intersects, MultiPolygon, Point, Rect};

use crate::model::Country;

struct Outline {
    country: Country,
    bounds: Rect<f64>,
    shape: MultiPolygon<f64>,
}

static OUTLINES: LazyLock<Vec<Outline>> = LazyLock::new(|| {
    let Ok(fc) = include_str!("../data/countries.geojson").parse::<geojson::FeatureCollection>() else {
        return Vec::new();
    };
    fc.features
        .into_iter()
        .filter_map(|f| {
            let country: Country = f.property("country")?.as_str()?.parse().ok()?;
            let shape = match geo::Geometry::<f64>::try_from(f.geometry?).ok()? {
                geo::Geometry::MultiPolygon(mp) => mp,
                geo::Geometry::Polygon(p) => MultiPolygon::new(vec![p]),
                _ => return None,
            };
            let bounds = shape.bounding_rect()?;
            Some(Outline { country, bounds, shape })
        })
        .collect()
});

/// How far outside the simplified outline a point may lie and still count
/// (about 5 km: the 1:50m coastlines cut off harbours and islands).
const COAST_TOLERANCE_DEG: f64 = 0.05;

/// The covered country a point lies in, if any.
pub fn country_at(lon: f64, lat: f64) -> Option<Country> {
    let p = Point::new(lon, lat);
    let near = |o: &&Outline| {
        let b = o.bounds;
        lon >= b.min().x - COAST_TOLERANCE_DEG
            && lon <= b.max().x + COAST_TOLERANCE_DEG
            && lat >= b.min().y - COAST_TOLERANCE_DEG
            && lat <= b.max().y + COAST_TOLERANCE_DEG
    };
    let candidates: Vec<&Outline> = OUTLINES.iter().filter(near).collect();
    candidates
        .iter()
        .find(|o| o.shape.intersects(&p))
        .or_else(|| candidates.iter().find(|o| Euclidean.distance(&p, &o.shape) <= COAST_TOLERANCE_DEG))
        .map(|o| o.country)
}

/// The covered countries, in the order of the file.
pub fn covered() -> Vec<Country> {
    OUTLINES.iter().map(|o| o.country).collect()
}

/// The outline of a covered country (Natural Earth 1:50m), if shipped.
pub fn outline(country: Country) -> Option<&'static MultiPolygon<f64>> {
    OUTLINES.iter().find(|o| o.country == country).map(|o| &o.shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capitals_and_elsewhere() {
        let at = |lon, lat| country_at(lon, lat).map(|c| c.to_string());
        assert_eq!(at(12.4964, 41.9028).as_deref(), Some("IT"));
        assert_eq!(at(23.3219, 42.6977).as_deref(), Some("BG"));
        assert_eq!(at(13.405, 52.52).as_deref(), Some("DE"));
        assert_eq!(at(25.2797, 54.6872).as_deref(), Some("LT"));
        assert_eq!(at(2.3522, 48.8566), None, "Paris");
        assert_eq!(at(12.3155, 45.4408).as_deref(), Some("IT"), "Venice, on the lagoon");
        assert_eq!(covered().len(), 4);
        for c in covered() {
            let shape = outline(c).unwrap_or_else(|| panic!("no outline for {c}"));
            assert_eq!(country_at(shape.0[0].exterior().0[0].x, shape.0[0].exterior().0[0].y), Some(c));
        }
    }
}
