//! The referral's rules around [`crate::referral::refer`]: which places a
//! referral starts from, where distances are measured from, and the areas
//! it names.

use serde_json::{Value, json};

use super::{ServiceError, field};
use crate::formats::areas::summary;
use crate::index::Snapshot;
use crate::model::Country;
use crate::places::{Extent, Place, PlaceKind};
use crate::reference::ReferenceData;
use crate::referral::Origin;

/// The place a referral starts from: a quarter, municipio or area id from
/// place search (a place without municipi and of another kind is no start).
pub fn place<'a>(
    snapshot: &'a Snapshot,
    reference: &ReferenceData,
    id: &str,
) -> Result<&'a Place, ServiceError> {
    snapshot
        .places(&reference.quarters)
        .get(id)
        .filter(|p| !p.municipi.is_empty() || p.kind == PlaceKind::Area)
        .ok_or_else(|| {
            ServiceError::InvalidParams(vec![field(
                "place",
                format!("'{id}' is not a quarter, municipio or area id: pick one from /api/places"),
            )])
        })
}

/// The point distances are measured from: the place's own point (a
/// quarter's or a zone's), never one standing for a municipio or for the
/// area holding a quarter, which can lie kilometres from the caller.
pub fn own_point(p: &Place) -> Option<[f64; 2]> {
    let representative = p.point_source == Some("area_interior")
        || p.kind == PlaceKind::Municipio
        || (p.kind == PlaceKind::Area && !p.municipi.is_empty());
    if representative { None } else { p.point() }
}

/// Where a referral for the place starts: an area that is no municipio (an
/// imported quarter) from its point when it has one, else as the area
/// itself; a quarter or municipio from the municipi it lies in.
pub fn origin(p: &Place) -> Origin {
    match (p.municipi.is_empty(), p.point()) {
        (true, Some(point)) => Origin::Point(point),
        (true, None) => Origin::Place {
            name: p.name.clone(),
            areas: p.id.iter().cloned().collect(),
            extent: Extent::Whole,
            point: None,
            country: p.country,
        },
        (false, _) => Origin::Place {
            name: p.name.clone(),
            areas: p.municipi.clone(),
            extent: p.extent.unwrap_or(Extent::Whole),
            point: own_point(p),
            country: p.country,
        },
    }
}

/// The areas a referral names, as the desk lists them: a loaded one with
/// its summary; one whose outline is not loaded (a municipio known only by
/// name) in the referral's `country`.
pub fn areas(
    snapshot: &Snapshot,
    reference: &ReferenceData,
    ids: &[String],
    country: Option<Country>,
) -> Vec<Value> {
    ids.iter()
        .map(|id| match snapshot.area(id) {
            Some(a) => {
                let mut s = summary(a);
                s["loaded"] = json!(true);
                s
            }
            None => json!({ "id": id, "name": reference.quarters.municipio_name(id).unwrap_or(id),
                            "kind": "municipio", "country": country, "loaded": false }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(code: &str) -> Country {
        code.parse().expect("country")
    }

    fn area_place(point: Option<[f64; 2]>) -> Place {
        let [lon, lat] = point.unwrap_or([f64::NAN, f64::NAN]);
        Place {
            id: Some("lt-vilnius-zirmunai".into()),
            name: "Žirmūnai".into(),
            kind: PlaceKind::Area,
            country: Some(code("LT")),
            lon,
            lat,
            ..Place::default()
        }
    }

    #[test]
    fn an_area_without_a_point_starts_from_itself_not_from_nan() {
        match origin(&area_place(None)) {
            Origin::Place { areas, point, country, .. } => {
                assert_eq!(areas, ["lt-vilnius-zirmunai"]);
                assert_eq!(point, None);
                assert_eq!(country, Some(code("LT")));
            }
            Origin::Point(p) => panic!("a point {p:?} for a place without one"),
        }
        assert!(matches!(origin(&area_place(Some([25.3, 54.7]))), Origin::Point([25.3, 54.7])));
    }

    #[test]
    fn a_municipio_is_measured_from_no_point() {
        let m = Place {
            kind: PlaceKind::Municipio,
            municipi: vec!["it-rm-municipio-05".into()],
            lon: 12.55,
            lat: 41.89,
            ..Place::default()
        };
        assert_eq!(own_point(&m), None);
        let q = Place { kind: PlaceKind::Quarter, ..m.clone() };
        assert_eq!(own_point(&q), Some([12.55, 41.89]));
    }

    #[test]
    fn an_unloaded_area_takes_the_referrals_country() {
        let snapshot = Snapshot::with_areas(Vec::new(), Vec::new());
        let reference = ReferenceData::load().expect("reference data");
        let ids = ["it-rm-municipio-05".to_owned()];
        let listed = areas(&snapshot, &reference, &ids, Some(code("IT")));
        assert_eq!(listed[0]["country"], "IT");
        assert_eq!(listed[0]["loaded"], false);
        let listed = areas(&snapshot, &reference, &ids, None);
        assert_eq!(listed[0]["country"], Value::Null, "no country is made up");
    }
}
