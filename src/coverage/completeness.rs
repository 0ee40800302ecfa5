//! Which country × category the directory claims to list completely, as
//! declared by editors in `data/completeness.tsv` (format explained in the
//! file). Everywhere else a coverage figure describes the directory, not the
//! supply of services, and every coverage answer says so.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Category, Country};

/// The columns of the file, in order.
pub const COLUMNS: [&str; 4] = ["country", "category", "checked", "basis"];

/// One declaration: every record of `category` in `country` is in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declaration {
    /// The country.
    pub country: Country,
    /// The category.
    pub category: Category,
    /// When an editor last checked the claim.
    pub checked: NaiveDate,
    /// What the directory was checked against.
    pub basis: String,
}

/// The declarations, by country and category.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Completeness {
    declared: HashMap<(Country, Category), Declaration>,
}

/// A completeness file that cannot be used; nothing of it is taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompletenessError(pub String);

impl Completeness {
    /// No declaration: nothing is claimed complete.
    pub fn none() -> Completeness {
        Completeness::default()
    }

    /// Reads a completeness file (e.g. `--completeness PATH`).
    pub fn load(path: &Path) -> Result<Completeness, CompletenessError> {
        let name = path.display();
        let text = std::fs::read_to_string(path).map_err(|e| CompletenessError(format!("{name}: {e}")))?;
        Completeness::parse(&text).map_err(|e| CompletenessError(format!("{name}: {}", e.0)))
    }

    /// Parses the tab-separated text: a header of [`COLUMNS`], one
    /// declaration a line, `#` comments. Every problem is reported by line.
    pub fn parse(text: &str) -> Result<Completeness, CompletenessError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .comment(Some(b'#'))
            .quoting(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let head: Vec<String> = reader
            .headers()
            .map_err(|e| CompletenessError(e.to_string()))?
            .iter()
            .map(str::to_owned)
            .collect();
        if head != COLUMNS {
            return Err(CompletenessError(format!(
                "the header must be the columns {} (tab-separated), not {}",
                COLUMNS.join(", "),
                head.join(", ")
            )));
        }
        let mut declared = HashMap::new();
        let mut problems = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| CompletenessError(e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let [country, category, checked, basis] = [0, 1, 2, 3].map(|i| record.get(i).unwrap_or(""));
            let declaration = (|| {
                let country: Country = country.parse().map_err(|e| format!("{e}"))?;
                if !country.is_covered() {
                    return Err(format!("{country} is not one of the countries witgis covers"));
                }
                let category: Category = category.parse().map_err(|e| format!("{e}"))?;
                let checked = NaiveDate::parse_from_str(checked, "%Y-%m-%d")
                    .map_err(|_| format!("checked '{checked}' is not a date (YYYY-MM-DD)"))?;
                if basis.is_empty() {
                    return Err("basis is empty: name the register the directory was checked against".into());
                }
                Ok(Declaration { country, category, checked, basis: basis.to_owned() })
            })();
            match declaration {
                Ok(d) => {
                    if declared.insert((d.country, d.category), d.clone()).is_some() {
                        problems.push(format!("line {line}: {} {} is declared twice", d.country, d.category));
                    }
                }
                Err(e) => problems.push(format!("line {line}: {e}")),
            }
        }
        if problems.is_empty() {
            Ok(Completeness { declared })
        } else {
            Err(CompletenessError(problems.join("; ")))
        }
    }

    /// Whether the directory claims every record of `category` in `country`.
    pub fn is_complete(&self, country: Option<Country>, category: Category) -> bool {
        country.is_some_and(|c| self.declared.contains_key(&(c, category)))
    }

    /// Whether it claims every record of all these categories in `country`.
    pub fn all_complete(&self, country: Option<Country>, categories: &[Category]) -> bool {
        !categories.is_empty() && categories.iter().all(|&c| self.is_complete(country, c))
    }

    /// Every declaration, by country then category.
    pub fn declarations(&self) -> Vec<&Declaration> {
        let mut all: Vec<&Declaration> = self.declared.values().collect();
        all.sort_by_key(|d| (d.country, d.category));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_is_valid_and_declares_nothing() {
        let text = include_str!("../../data/completeness.tsv");
        assert_eq!(Completeness::parse(text), Ok(Completeness::none()));
    }

    #[test]
    fn declarations_are_checked_line_by_line() {
        let head = "country\tcategory\tchecked\tbasis\n";
        let ok =
            Completeness::parse(&format!("{head}# c\nDE\tlibrary\t2026-01-31\tregister X\n")).expect("ok");
        let de: Country = "DE".parse().expect("DE");
        assert!(ok.is_complete(Some(de), Category::Library));
        assert!(!ok.is_complete(Some(de), Category::University));
        assert!(!ok.is_complete(None, Category::Library));
        assert!(ok.all_complete(Some(de), &[Category::Library]));
        assert!(!ok.all_complete(Some(de), &[Category::Library, Category::University]));
        let bad = Completeness::parse(&format!(
            "{head}FR\tlibrary\t2026-01-31\tx\nDE\tlibraries\t2026-01-31\tx\nDE\tlibrary\t31/01/2026\tx\n\
             DE\tlibrary\t2026-01-31\t\nIT\tlibrary\t2026-01-31\tx\nIT\tlibrary\t2026-02-01\ty\n"
        ))
        .expect_err("bad lines");
        for part in [
            "line 2: FR",
            "line 3: unknown category",
            "line 4: checked",
            "line 5: basis",
            "line 7: IT library",
        ] {
            assert!(bad.0.contains(part), "{part} in {}", bad.0);
        }
        assert!(Completeness::parse("country,category,checked,basis\n").is_err(), "commas are not tabs");
    }
}
