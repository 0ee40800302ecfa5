//! The outlines of the countries witgis covers (Italy, Bulgaria, Germany,
//! Lithuania; Natural Earth 1:50m), shipped in `data/countries.geojson`, and
//! the country a point lies in, with a tolerance in geodesic metres.

use geo::{BoundingRect, Intersects, MultiPolygon, Point, Rect};

use crate::model::Country;
use crate::sphere;

struct Outline {
    country: Country,
    bounds: Rect<f64>,
    shape: MultiPolygon<f64>,
}

/// The outlines of the covered countries, one for each of
/// [`Country::COVERED`].
pub struct Countries {
    outlines: Vec<Outline>,
}

/// How far outside the simplified outline a point may lie and still count,
/// in geodesic metres, the same in every direction (the 1:50m coastlines cut
/// off harbours and islands).
pub const COAST_TOLERANCE_M: f64 = 5_000.0;

impl Countries {
    /// Parses a GeoJSON FeatureCollection of (Multi)Polygons with a
    /// `country` property: exactly one feature for each covered country. The
    /// error names the feature and the field.
    pub fn parse(text: &str) -> Result<Countries, String> {
        let fc = text.parse::<geojson::FeatureCollection>().map_err(|e| format!("not GeoJSON: {e}"))?;
        let mut outlines = Vec::new();
        for (i, f) in fc.features.into_iter().enumerate() {
            let at = format!("feature {}", i + 1);
            let code = f
                .property("country")
                .and_then(|v| v.as_str())
                .ok_or_else(|| format!("{at}: no \"country\" property"))?;
            let country: Country = code.parse().map_err(|e| format!("{at}: \"country\": {e}"))?;
            if !country.is_covered() {
                return Err(format!("{at}: {country} is not one of the covered countries"));
            }
            let geometry = f.geometry.ok_or_else(|| format!("{at} ({country}): no geometry"))?;
            let shape = match geo::Geometry::<f64>::try_from(geometry) {
                Ok(geo::Geometry::MultiPolygon(mp)) => mp,
                Ok(geo::Geometry::Polygon(p)) => MultiPolygon::new(vec![p]),
                _ => return Err(format!("{at} ({country}): the geometry is not a (Multi)Polygon")),
            };
            let bounds =
                shape.bounding_rect().ok_or_else(|| format!("{at} ({country}): an empty outline"))?;
            if outlines.iter().any(|o: &Outline| o.country == country) {
                return Err(format!("{at}: {country} has a second outline"));
            }
            outlines.push(Outline { country, bounds, shape });
        }
        if let Some(missing) = Country::COVERED.iter().find(|c| !outlines.iter().any(|o| o.country == **c)) {
            return Err(format!("no outline for {missing}"));
        }
        Ok(Countries { outlines })
    }

    /// The covered country a point lies in, or lies within
    /// [`COAST_TOLERANCE_M`] of, if any (the one holding it first).
    pub fn at(&self, lon: f64, lat: f64) -> Option<Country> {
        let p = Point::new(lon, lat);
        // Degrees of latitude and longitude the tolerance spans at most here.
        let dlat = (COAST_TOLERANCE_M / sphere::MIN_RADIUS_M).to_degrees();
        let dlon = dlat / lat.to_radians().cos().max(1e-6);
        let near = |o: &&Outline| {
            let b = o.bounds;
            lon >= b.min().x - dlon
                && lon <= b.max().x + dlon
                && lat >= b.min().y - dlat
                && lat <= b.max().y + dlat
        };
        let candidates: Vec<&Outline> = self.outlines.iter().filter(near).collect();
        candidates
            .iter()
            .find(|o| o.shape.intersects(&p))
            .or_else(|| candidates.iter().find(|o| within_m(&o.shape, [lon, lat], COAST_TOLERANCE_M)))
            .map(|o| o.country)
    }

    /// Whether a point lies in the covered country `country`, or within
    /// [`COAST_TOLERANCE_M`] of its outline; `None` for a country not
    /// covered (no outline to judge by).
    pub fn holds(&self, country: Country, lon: f64, lat: f64) -> Option<bool> {
        let shape = self.outline(country)?;
        Some(shape.intersects(&Point::new(lon, lat)) || within_m(shape, [lon, lat], COAST_TOLERANCE_M))
    }

    /// The outline of a covered country (Natural Earth 1:50m).
    pub fn outline(&self, country: Country) -> Option<&MultiPolygon<f64>> {
        self.outlines.iter().find(|o| o.country == country).map(|o| &o.shape)
    }
}

/// Does the boundary of `shape` come within `tolerance_m` geodesic metres
/// of `p`? The closest boundary point is found in a local equirectangular
/// frame around `p` (exact to well under 0.1% at a few km), then measured
/// on the WGS84 ellipsoid.
pub(crate) fn within_m(shape: &MultiPolygon<f64>, p: [f64; 2], tolerance_m: f64) -> bool {
    let k = p[1].to_radians().cos();
    let local = |c: geo::Coord<f64>| [(c.x - p[0]) * k, c.y - p[1]];
    let mut best: Option<(f64, [f64; 2])> = None;
    let rings = shape.0.iter().flat_map(|poly| std::iter::once(poly.exterior()).chain(poly.interiors()));
    for ring in rings {
        for line in ring.lines() {
            let (a, b) = (local(line.start), local(line.end));
            let d = [b[0] - a[0], b[1] - a[1]];
            let len_2 = d[0] * d[0] + d[1] * d[1];
            let t = if len_2 > 0.0 { (-(a[0] * d[0] + a[1] * d[1]) / len_2).clamp(0.0, 1.0) } else { 0.0 };
            let q = [a[0] + t * d[0], a[1] + t * d[1]];
            let dist_2 = q[0] * q[0] + q[1] * q[1];
            if best.is_none_or(|(b, _)| dist_2 < b) {
                let lon = line.start.x + t * (line.end.x - line.start.x);
                let lat = line.start.y + t * (line.end.y - line.start.y);
                best = Some((dist_2, [lon, lat]));
            }
        }
    }
    best.is_some_and(|(_, q)| sphere::geodesic_m(p, q) <= tolerance_m)
}

#[cfg(test)]
mod tests {
    use geo::{Destination, Geodesic};

    use super::*;

    fn shipped() -> Countries {
        Countries::parse(include_str!("../../../data/countries.geojson")).expect("data/countries.geojson")
    }

    #[test]
    fn capitals_and_elsewhere() {
        let countries = shipped();
        let at = |lon, lat| countries.at(lon, lat).map(|c| c.to_string());
        assert_eq!(at(12.4964, 41.9028).as_deref(), Some("IT"));
        assert_eq!(at(23.3219, 42.6977).as_deref(), Some("BG"));
        assert_eq!(at(13.405, 52.52).as_deref(), Some("DE"));
        assert_eq!(at(25.2797, 54.6872).as_deref(), Some("LT"));
        assert_eq!(at(2.3522, 48.8566), None, "Paris");
        assert_eq!(at(12.3155, 45.4408).as_deref(), Some("IT"), "Venice, on the lagoon");
        for c in Country::COVERED {
            let shape = countries.outline(c).unwrap_or_else(|| panic!("no outline for {c}"));
            assert_eq!(countries.at(shape.0[0].exterior().0[0].x, shape.0[0].exterior().0[0].y), Some(c));
        }
    }

    /// The geodesic distance from `p` to the nearest vertex of the outline
    /// (an upper bound of the distance to the outline), by brute force.
    fn to_nearest_vertex_m(shape: &MultiPolygon<f64>, p: Point<f64>) -> f64 {
        use geo::{CoordsIter, Distance};
        shape.coords_iter().map(|c| Geodesic.distance(p, Point::from(c))).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn the_tolerance_is_the_same_distance_east_and_north() {
        // Lithuania, at 54-56° N, where 0.05° of longitude is 3.2 km and of
        // latitude 5.6 km: 4 km beyond the easternmost and the northernmost
        // vertices (every other point of the outline lies west of the first,
        // south of the second, so the outline is 4 km away) count alike.
        let countries = shipped();
        let lt: Country = "LT".parse().expect("LT");
        let shape = countries.outline(lt).expect("LT outline");
        let coords: Vec<geo::Coord<f64>> = geo::CoordsIter::coords_iter(shape).collect();
        let east = coords.iter().copied().fold(coords[0], |a, c| if c.x > a.x { c } else { a });
        let north = coords.iter().copied().fold(coords[0], |a, c| if c.y > a.y { c } else { a });
        for (distance, expected) in [(4_000.0, Some(lt)), (6_000.0, None)] {
            let e = Geodesic.destination(Point::from(east), 90.0, distance);
            let n = Geodesic.destination(Point::from(north), 0.0, distance);
            // The brute-force oracle: nothing of the outline is nearer than
            // the vertex moved from, up to the curvature of a parallel.
            for p in [e, n] {
                let nearest = to_nearest_vertex_m(shape, p);
                assert!((nearest - distance).abs() < 50.0, "{p:?}: {nearest} m from the outline");
            }
            assert_eq!(countries.at(e.x(), e.y()), expected, "{distance} m east of {east:?}");
            assert_eq!(countries.at(n.x(), n.y()), expected, "{distance} m north of {north:?}");
        }
    }

    #[test]
    fn a_broken_outline_file_is_refused_naming_the_feature() {
        let no_country = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        assert_eq!(Countries::parse(no_country).err().as_deref(), Some("feature 1: no \"country\" property"));
        let missing = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"country":"IT"},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}"#;
        assert_eq!(Countries::parse(missing).err().as_deref(), Some("no outline for BG"));
        assert!(Countries::parse("{").is_err());
    }
}
