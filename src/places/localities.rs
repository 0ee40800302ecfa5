//! The shipped places: GeoNames localities (`data/places.tsv`) and the
//! capitals' neighbourhoods (`data/neighbourhoods.tsv`).

use serde::Deserialize;

use super::{Gazetteer, Place, PlaceKind, Quarters, key};
use crate::formats::tsv;
use crate::model::Country;

impl Gazetteer {
    /// The GeoNames localities of `data/places.tsv` (tab-separated, `#`
    /// comments, a header starting `geonameid`), but for those that are one
    /// of Rome's `quarters`, which are searched as that quarter. The error
    /// names the line and the column.
    pub fn localities(text: &str, quarters: &Quarters) -> Result<Gazetteer, String> {
        Gazetteer::localities_and_neighbourhoods(text, "", quarters).map_err(|(_, e)| e)
    }

    /// The localities (as [`Gazetteer::localities`]) and the capitals'
    /// neighbourhoods of `data/neighbourhoods.tsv` (tab-separated, `#`
    /// comments, a header starting `id`). The error names the file (0: the
    /// localities, 1: the neighbourhoods), the line and the column.
    pub fn localities_and_neighbourhoods(
        text: &str,
        neighbourhoods: &str,
        quarters: &Quarters,
    ) -> Result<Gazetteer, (usize, String)> {
        let mut entries = locality_entries(text, quarters).map_err(|e| (0, e))?;
        // A neighbourhood GeoNames lists too (as a section of its city), within
        // 3 km, is listed once: as the locality.
        let mut known: std::collections::HashMap<String, Vec<[f64; 2]>> = std::collections::HashMap::new();
        for (p, names) in &entries {
            for n in names {
                known.entry(key(n)).or_default().push([p.lon, p.lat]);
            }
        }
        for (p, names) in neighbourhood_entries(neighbourhoods).map_err(|e| (1, e))? {
            let twin = names.iter().any(|n| {
                known
                    .get(&key(n))
                    .into_iter()
                    .flatten()
                    .any(|&q| crate::sphere::geodesic_m([p.lon, p.lat], q) <= 3_000.0)
            });
            if !twin {
                entries.push((p, names));
            }
        }
        Ok(Gazetteer::new(entries))
    }
}

/// The columns of `data/neighbourhoods.tsv`, in order.
const NEIGHBOURHOOD_COLUMNS: &[&str] =
    &["id", "name", "alternate_names", "city", "country", "lon", "lat", "point_source", "source"];

/// Where a neighbourhood's point comes from.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PointSource {
    /// Who's On First's own point.
    Wof,
    /// Who's On First's point, checked against OpenStreetMap.
    WofInOsm,
    /// An interior point of the OpenStreetMap outline.
    OsmInterior,
}

impl PointSource {
    fn as_str(&self) -> &'static str {
        match self {
            PointSource::Wof => "wof",
            PointSource::WofInOsm => "wof_in_osm",
            PointSource::OsmInterior => "osm_interior",
        }
    }
}

/// One line of `data/neighbourhoods.tsv`.
#[derive(Deserialize)]
struct NeighbourhoodLine {
    id: String,
    name: String,
    alternates: String,
    city: String,
    country: Country,
    #[serde(deserialize_with = "tsv::finite")]
    lon: f64,
    #[serde(deserialize_with = "tsv::finite")]
    lat: f64,
    point_source: PointSource,
    _source: String,
}

/// The places of `data/neighbourhoods.tsv`, each under its name and alternates.
fn neighbourhood_entries(text: &str) -> Result<Vec<(Place, Vec<String>)>, String> {
    let mut entries = Vec::new();
    for (_, line) in tsv::rows::<NeighbourhoodLine>(text, NEIGHBOURHOOD_COLUMNS)? {
        let mut names = vec![line.name.clone()];
        names.extend(tsv::list(&line.alternates, '|'));
        let place = Place {
            id: Some(line.id),
            name: line.name,
            kind: PlaceKind::Neighbourhood,
            country: Some(line.country),
            lon: line.lon,
            lat: line.lat,
            city: Some(line.city),
            point_source: Some(line.point_source.as_str()),
            ..Place::default()
        };
        entries.push((place, names));
    }
    Ok(entries)
}

/// The GeoNames localities of `data/places.tsv` but Rome's quarters.
fn locality_entries(text: &str, quarters: &Quarters) -> Result<Vec<(Place, Vec<String>)>, String> {
    let quartered: std::collections::HashSet<&str> =
        quarters.all().iter().filter_map(|q| q.point_source.strip_prefix("GeoNames ")).collect();
    let mut entries = Vec::new();
    for (_, row) in places_rows(text)? {
        if quartered.contains(row.id.as_str()) {
            continue;
        }
        let names =
            std::iter::once(row.name.as_str()).chain(row.alternates.split('|')).map(str::to_owned).collect();
        let place = Place {
            id: Some(format!("geonames-{}", row.id)),
            name: row.name.clone(),
            kind: PlaceKind::Locality,
            country: Some(row.country),
            lon: row.lon,
            lat: row.lat,
            population: row.population,
            city: Some(row.name),
            ..Place::default()
        };
        entries.push((place, names));
    }
    Ok(entries)
}

/// The columns of `data/places.tsv`, in order.
const PLACES_COLUMNS: &[&str] =
    &["geonameid", "name", "country", "lon", "lat", "population", "feature_code", "alternate_names"];

/// One line of `data/places.tsv`, checked.
#[derive(Debug, Deserialize)]
pub struct PlacesRow {
    /// GeoNames id.
    pub id: String,
    /// Local name.
    pub name: String,
    /// Its country.
    pub country: Country,
    /// Longitude.
    #[serde(deserialize_with = "tsv::finite")]
    pub lon: f64,
    /// Latitude.
    #[serde(deserialize_with = "tsv::finite")]
    pub lat: f64,
    /// Inhabitants (none when the column is empty).
    #[serde(deserialize_with = "tsv::count_or_none")]
    pub population: Option<u64>,
    /// GeoNames feature code (PPLC, PPLX…).
    pub feature_code: String,
    /// Other names, `|`-separated.
    pub alternates: String,
}

/// The rows of `data/places.tsv` (`#` comments, a header starting
/// `geonameid`), each with its line; the error names the line and the
/// column.
pub fn places_rows(text: &str) -> Result<Vec<(usize, PlacesRow)>, String> {
    tsv::rows(text, PLACES_COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbourhoods_read_into_places_and_bad_rows_are_named() {
        let header = "id\tname\talternate_names\tcity\tcountry\tlon\tlat\tpoint_source\tsource\n";
        let row = |point_source: &str, lon: &str| {
            format!(
                "{header}wof-1\tŽirmūnai\tZirmunai|Жирмунай\tVilnius\tLT\t{lon}\t54.71\t{point_source}\thttps://example.org\n"
            )
        };
        let entries = neighbourhood_entries(&row("wof_in_osm", "25.3")).expect("valid");
        let [(place, names)] = &entries[..] else { panic!("one entry") };
        assert_eq!(names, &["Žirmūnai", "Zirmunai", "Жирмунай"]);
        assert_eq!((place.lon, place.lat, place.point_source), (25.3, 54.71, Some("wof_in_osm")));
        assert_eq!(place.country.map(|c| c.to_string()).as_deref(), Some("LT"));
        assert_eq!(
            neighbourhood_entries(&row("wof", "x")).expect_err("lon"),
            "line 2: lon 'x' is not a number"
        );
        let e = neighbourhood_entries(&row("guess", "25.3")).expect_err("point source");
        assert!(e.starts_with("line 2: point_source 'guess' is not valid"), "{e}");
    }

    #[test]
    fn places_rows_keep_an_empty_population_as_none() {
        let text = "geonameid\tname\tcountry\tlon\tlat\tpopulation\tfeature_code\talternate_names\n\
                    1\tA\tIT\t12.5\t41.9\t\tPPLX\t\n2\tB\tIT\t12.5\t41.9\t7\tPPL\tb|bee\n";
        let rows = places_rows(text).expect("valid");
        let got: Vec<(usize, &str, Option<u64>, &str)> =
            rows.iter().map(|(at, r)| (*at, r.id.as_str(), r.population, r.alternates.as_str())).collect();
        assert_eq!(got, [(2, "1", None, ""), (3, "2", Some(7), "b|bee")]);
        let e = places_rows("1\tA\tIT\t12.5\t41.9\tmany\tPPL\t\n").expect_err("population");
        assert_eq!(e, "line 1: population 'many' is not a whole number");
    }
}
