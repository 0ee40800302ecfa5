//! The places a snapshot adds: its areas, Rome's municipi and quarters,
//! and its resources' addresses.

use std::collections::BTreeMap;

use super::quarters::describe;
use super::{Extent, Gazetteer, Place, PlaceKind, Quarters, key};
use crate::model::{Area, Resource};
use geo::InteriorPoint;

/// The places a snapshot adds: its areas (at an interior point), Rome's
/// municipi and quarters (with the best point known: a source's or
/// GeoNames', else the interior point of their one municipio when it is
/// loaded, else none) and the addresses of its resources, each address once
/// (several services often share one building; the first by id gives the
/// point).
pub fn from_snapshot<'a>(
    areas: &[Area],
    resources: impl IntoIterator<Item = &'a Resource>,
    quarters: &Quarters,
) -> Gazetteer {
    let mut entries = Vec::new();
    let mut addresses = std::collections::HashSet::new();
    let loaded: BTreeMap<&str, &Area> = areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let area_names: std::collections::HashSet<String> = areas.iter().map(|a| key(&a.name)).collect();
    for a in areas {
        let Some(p) = a.geometry.interior_point() else { continue };
        let row = quarters.get(&a.id).filter(|q| q.is_municipio());
        let mut names = vec![a.name.clone(), a.id.clone()];
        if let Some(row) = row {
            names.push(row.name.clone());
            names.extend(row.alternates.iter().cloned());
        }
        let place = Place {
            id: Some(a.id.clone()),
            name: a.name.clone(),
            kind: PlaceKind::Area,
            country: a.country,
            lon: p.x(),
            lat: p.y(),
            population: a.population,
            city: row.map(|_| "Roma".to_owned()),
            municipi: row.map(|r| r.municipi.clone()).unwrap_or_default(),
            extent: row.map(|_| Extent::Whole),
            ..Place::default()
        };
        entries.push((place, names));
    }
    for q in quarters.all() {
        // A loaded outline of the same municipio or name is the better place.
        if loaded.contains_key(q.id.as_str()) || (!q.is_municipio() && area_names.contains(&key(&q.name))) {
            continue;
        }
        let interior = match (q.extent, &q.municipi[..]) {
            (Extent::Whole | Extent::Part, [one]) => {
                loaded.get(one.as_str()).and_then(|a| a.geometry.interior_point())
            }
            _ => None,
        };
        let (point, source) = match (q.point, interior) {
            (Some(p), _) => {
                (Some(p), Some(if q.point_source.starts_with("GeoNames") { "geonames" } else { "source" }))
            }
            (None, Some(p)) => (Some([p.x(), p.y()]), Some("area_interior")),
            (None, None) => (None, None),
        };
        let place = Place {
            id: Some(q.id.clone()),
            name: q.name.clone(),
            kind: if q.is_municipio() { PlaceKind::Municipio } else { PlaceKind::Quarter },
            country: "IT".parse().ok(),
            lon: point.map_or(f64::NAN, |p| p[0]),
            lat: point.map_or(f64::NAN, |p| p[1]),
            population: None,
            city: Some("Roma".to_owned()),
            municipi: q.municipi.clone(),
            extent: Some(q.extent),
            point_source: source,
            detail: (!q.is_municipio()).then(|| describe(q)),
        };
        let mut names = vec![q.name.clone(), q.id.clone()];
        names.extend(q.alternates.iter().cloned());
        entries.push((place, names));
    }
    for r in resources {
        let (Some(address), Some([lon, lat])) = (&r.address, r.point()) else { continue };
        let name = match &r.city {
            Some(city) => format!("{address}, {city}"),
            None => address.clone(),
        };
        if !addresses.insert(key(&name)) {
            continue;
        }
        let place = Place {
            name: name.clone(),
            kind: PlaceKind::Address,
            country: Some(r.country),
            lon,
            lat,
            city: r.city.clone(),
            ..Place::default()
        };
        entries.push((place, vec![name, address.clone()]));
    }
    Gazetteer::new(entries)
}
