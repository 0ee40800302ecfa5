//! Checks that an area's outline is one a person drew on purpose: a bounded
//! number of positions, rings that do not cross themselves, some area, and
//! less than a continent.

use geo::line_intersection::{LineIntersection, line_intersection};
use geo::{Area as _, ChamberlainDuquetteArea, Coord, Line, LineString, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

/// Most positions an area's outline may have, over all its rings. An
/// official municipal boundary has a few thousand; each position costs
/// every `/api/areas` answer about 40 bytes.
pub const MAX_POSITIONS: usize = 50_000;

/// Largest area an outline may enclose, in km²: twice the European Union,
/// far more than any of the covered countries (Germany is about 357,000).
pub const MAX_AREA_KM2: f64 = 8_000_000.0;

/// Refuses an outline with more than [`MAX_POSITIONS`] positions, before
/// anything else is done with it.
pub fn check_size(positions: usize) -> Result<(), String> {
    if positions > MAX_POSITIONS {
        return Err(format!(
            "has {positions} positions; an area may have at most {MAX_POSITIONS}: simplify the outline first \
             (e.g. ogr2ogr -simplify 0.0001, about 10 m)"
        ));
    }
    Ok(())
}

/// Refuses a ring that crosses or touches itself, a polygon that encloses
/// no area, and an outline larger than [`MAX_AREA_KM2`]. Each reason names
/// the polygon and ring, and where a crossing is.
pub fn check_shape(outline: &MultiPolygon<f64>) -> Result<(), String> {
    for (p, polygon) in outline.iter().enumerate() {
        let rings = std::iter::once(polygon.exterior()).chain(polygon.interiors());
        for (r, ring) in rings.enumerate() {
            let at = format!("polygon {} ring {}", p + 1, r + 1);
            if let Some(c) = self_crossing(ring) {
                return Err(format!(
                    "{at} crosses or touches itself near ({:.6}, {:.6}); an outline must be a simple ring \
                     (in QGIS: Vector > Geometry Tools > Check Validity)",
                    c.x, c.y
                ));
            }
        }
        if polygon.exterior().0.len() < 4 || polygon.unsigned_area() == 0.0 {
            return Err(format!("polygon {} encloses no area: its positions lie on one line", p + 1));
        }
    }
    let km2 = outline.chamberlain_duquette_unsigned_area() / 1e6;
    if km2 > MAX_AREA_KM2 {
        return Err(format!(
            "encloses about {km2:.0} km², more than the {MAX_AREA_KM2:.0} km² an area may cover: \
             is it the whole world, or a ring in the wrong order around the outside?"
        ));
    }
    Ok(())
}

type Segment = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Where a closed ring crosses or touches itself, if it does: two segments
/// that are not neighbours meet, or two neighbours overlap along a line (a
/// spike). Repeated consecutive positions are ignored. O(n log n): the
/// segments' boxes are bulk-loaded into an R-tree that is only read.
fn self_crossing(ring: &LineString<f64>) -> Option<Coord<f64>> {
    let mut points: Vec<Coord<f64>> = ring.0.clone();
    points.dedup();
    let lines: Vec<Line<f64>> = points.windows(2).map(|w| Line::new(w[0], w[1])).collect();
    let n = lines.len();
    let boxes: Vec<Segment> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| GeomWithData::new(Rectangle::from_corners(l.start.into(), l.end.into()), i))
        .collect();
    let tree = RTree::bulk_load(boxes);
    for (i, line) in lines.iter().enumerate() {
        let envelope = AABB::from_corners(line.start.into(), line.end.into());
        for other in tree.locate_in_envelope_intersecting(&envelope) {
            let j = other.data;
            if j <= i {
                continue;
            }
            let neighbours = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(*line, lines[j]) {
                Some(LineIntersection::Collinear { intersection })
                    if !neighbours || intersection.start != intersection.end =>
                {
                    return Some(intersection.start);
                }
                Some(LineIntersection::SinglePoint { intersection, .. }) if !neighbours => {
                    return Some(intersection);
                }
                _ => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Polygon, polygon};

    fn one(p: Polygon<f64>) -> Result<(), String> {
        check_shape(&MultiPolygon::new(vec![p]))
    }

    #[test]
    fn simple_rings_pass_and_crossings_are_found() {
        let square = polygon![(x: 12.0, y: 41.0), (x: 13.0, y: 41.0), (x: 13.0, y: 42.0), (x: 12.0, y: 42.0)];
        assert_eq!(one(square), Ok(()));
        let bowtie = polygon![(x: 12.0, y: 41.0), (x: 13.0, y: 42.0), (x: 13.0, y: 41.0), (x: 12.0, y: 42.0)];
        let err = one(bowtie).unwrap_err();
        assert!(err.contains("polygon 1 ring 1 crosses") && err.contains("(12.500000, 41.500000)"), "{err}");
        // A spike: out along a line and back.
        let spike = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 3.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0)];
        assert!(one(spike).is_err());
        // Repeated positions are not a crossing.
        let repeated = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        assert_eq!(one(repeated), Ok(()));
    }

    #[test]
    fn flat_and_world_sized_outlines_are_refused() {
        let flat = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 2.0, y: 2.0)];
        assert!(one(flat).is_err());
        let world =
            polygon![(x: -180.0, y: -90.0), (x: 180.0, y: -90.0), (x: 180.0, y: 90.0), (x: -180.0, y: 90.0)];
        assert!(one(world).unwrap_err().contains("km²"));
        assert!(check_size(MAX_POSITIONS).is_ok() && check_size(MAX_POSITIONS + 1).is_err());
    }
}
