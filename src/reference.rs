//! The reference data witgis ships (the countries' outlines and
//! populations, the first-level regions, the GeoNames localities, Rome's
//! municipi and quarters, the completeness declarations), parsed once at
//! start-up into one [`ReferenceData`] that the application state holds and
//! hands down. A file that does not parse stops the start with an error
//! naming it and the line or field.

use crate::area_index::AreaIndex;
use crate::countries::Countries;
use crate::coverage::{Census, Completeness, Localities, Populations};
use crate::places::{Gazetteer, Quarters, Shipped};

/// The texts reference data is parsed from, each with the name its errors
/// give.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// `data/countries.geojson`: the covered countries' outlines.
    pub countries: &'a str,
    /// `data/country-population.tsv`: their populations.
    pub populations: &'a str,
    /// `data/regions.geojson`: the first-level regions.
    pub regions: &'a str,
    /// `data/places.tsv`: the GeoNames localities.
    pub places: &'a str,
    /// `data/rome-quarters.tsv`: Rome's municipi and quarters.
    pub quarters: &'a str,
    /// `data/neighbourhoods.tsv`: the neighbourhoods of Sofia, Vilnius and Rome.
    pub neighbourhoods: &'a str,
    /// `data/completeness.tsv`: which country × category is listed completely.
    pub completeness: &'a str,
}

impl Sources<'static> {
    /// The files embedded in the binary.
    pub fn embedded() -> Sources<'static> {
        Sources {
            countries: include_str!("../data/countries.geojson"),
            populations: include_str!("../data/country-population.tsv"),
            regions: include_str!("../data/regions.geojson"),
            places: include_str!("../data/places.tsv"),
            quarters: include_str!("../data/rome-quarters.tsv"),
            neighbourhoods: include_str!("../data/neighbourhoods.tsv"),
            completeness: include_str!("../data/completeness.tsv"),
        }
    }
}

/// A reference file that does not parse: which one, and what is wrong
/// (with the line or field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ReferenceError {
    /// The file, as in the repository (`data/places.tsv`).
    pub file: &'static str,
    /// What is wrong, naming the line or field.
    pub message: String,
}

/// Everything witgis knows that is not a record: parsed once, then shared.
pub struct ReferenceData {
    /// The covered countries' outlines.
    pub countries: Countries,
    /// The covered countries' populations.
    pub populations: Populations,
    /// The first-level regions with estimated populations (coverage,
    /// `/api/regions`, the `regions` OGC collection).
    pub regions: AreaIndex,
    /// The same regions simplified to about 1 km, for naming the region of
    /// a place found (a name to tell places apart, not a boundary).
    pub region_names: AreaIndex,
    /// The GeoNames localities, for place search.
    pub gazetteer: Gazetteer,
    /// The GeoNames localities with a population, for coverage.
    pub localities: Localities,
    /// Rome's municipi and quarters.
    pub quarters: Quarters,
    /// The shipped completeness declarations.
    pub completeness: Completeness,
}

impl ReferenceData {
    /// Parses the embedded files.
    pub fn load() -> Result<ReferenceData, ReferenceError> {
        ReferenceData::parse(Sources::embedded())
    }

    /// Parses reference data from these texts.
    pub fn parse(sources: Sources) -> Result<ReferenceData, ReferenceError> {
        let fail = |file: &'static str| move |message: String| ReferenceError { file, message };
        let countries = Countries::parse(sources.countries).map_err(fail("data/countries.geojson"))?;
        let populations =
            Populations::parse(sources.populations).map_err(fail("data/country-population.tsv"))?;
        let quarters = Quarters::parse(sources.quarters).map_err(fail("data/rome-quarters.tsv"))?;
        let gazetteer =
            Gazetteer::localities_and_neighbourhoods(sources.places, sources.neighbourhoods, &quarters)
                .map_err(|(file, e)| {
                    fail(if file == 0 { "data/places.tsv" } else { "data/neighbourhoods.tsv" })(e)
                })?;
        // Index the localities' points now, not on the first answer that names one.
        gazetteer.centred_at(0.0, 0.0);
        let localities = Localities::parse(sources.places).map_err(fail("data/places.tsv"))?;
        let areas = crate::formats::areas::read(sources.regions).map_err(|e| {
            const FILE: &str = "data/regions.geojson";
            let report = e.report(FILE);
            let lines: Vec<&str> =
                report.lines().map(|l| l.strip_prefix("data/regions.geojson: ").unwrap_or(l)).collect();
            fail(FILE)(lines.join("; "))
        })?;
        let region_names = {
            use geo::Simplify;
            let mut simple = areas.clone();
            for a in &mut simple {
                a.geometry = a.geometry.simplify(0.01);
            }
            AreaIndex::new(simple)
        };
        let regions = crate::coverage::estimated_regions(areas, &localities, &populations);
        let completeness =
            Completeness::parse(sources.completeness).map_err(|e| fail("data/completeness.tsv")(e.0))?;
        Ok(ReferenceData {
            countries,
            populations,
            regions,
            region_names,
            gazetteer,
            localities,
            quarters,
            completeness,
        })
    }

    /// What place search needs: the localities and the countries.
    pub fn places(&self) -> Shipped<'_> {
        Shipped { localities: &self.gazetteer, countries: &self.countries }
    }

    /// What coverage counts people with: the shipped localities, regions
    /// and populations.
    pub fn census(&self) -> Census<'_> {
        Census { localities: &self.localities, regions: &self.regions, populations: &self.populations }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// The embedded reference data, parsed once for the unit tests.
    pub(crate) fn shipped() -> &'static ReferenceData {
        static SHIPPED: OnceLock<ReferenceData> = OnceLock::new();
        SHIPPED.get_or_init(|| ReferenceData::load().expect("the embedded reference data"))
    }

    #[test]
    fn the_embedded_files_parse() {
        let r = shipped();
        assert!(r.gazetteer.len() > 20_000);
        assert!(r.localities.all().len() > 20_000);
        assert!(!r.regions.all().is_empty());
        assert_eq!(r.regions.all().len(), r.region_names.all().len());
        assert!(r.quarters.municipio_name("it-rm-municipio-07").is_some());
    }

    /// Small fixtures: the embedded files with one of them replaced.
    fn with(replace: impl FnOnce(&mut Sources<'static>)) -> Result<ReferenceData, ReferenceError> {
        let mut sources = Sources::embedded();
        replace(&mut sources);
        ReferenceData::parse(sources)
    }

    #[test]
    fn a_broken_file_is_named_with_its_line() {
        let places = "# a comment\ngeonameid\tname\tcountry\tlon\tlat\tpopulation\tfeature_code\talternate_names\n\
                      1\tA\tIT\t12.5\t41.9\t10\tPPL\t\n2\tB\tIT\ttwelve\t41.9\t10\tPPL\t\n";
        let e = with(|s| s.places = places).err().expect("refused");
        assert_eq!(e.to_string(), "data/places.tsv: line 4: lon 'twelve' is not a number");

        let quarters = "id\tname\n";
        let e = with(|s| s.quarters = "x\ty\n").err().expect("refused");
        assert_eq!(e.to_string(), "data/rome-quarters.tsv: line 1: 2 columns, not 12");
        assert!(with(|s| s.quarters = quarters).is_ok(), "a header alone is no quarter, not an error");

        let e =
            with(|s| s.populations = "country\tname\tpopulation\nIT\tItaly\tmany\n").err().expect("refused");
        assert_eq!(
            e.to_string(),
            "data/country-population.tsv: line 2: population 'many' is not a whole number"
        );

        let e = with(|s| s.countries = "[]").err().expect("refused");
        assert_eq!(e.file, "data/countries.geojson");

        let e = with(|s| s.completeness = "country\tcategory\tchecked\tbasis\nFR\tlibrary\t2024-01-01\tx\n")
            .err()
            .expect("refused");
        assert_eq!(e.file, "data/completeness.tsv");
        assert!(e.message.contains("line 2"), "{e}");

        let e = with(|s| s.regions = "{\"type\":\"FeatureCollection\"}").err().expect("refused");
        assert_eq!(e.file, "data/regions.geojson");
    }
}
