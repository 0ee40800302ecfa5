//! Rome's municipi and quarters, from `data/rome-quarters.tsv`.

use serde::Deserialize;

use super::Extent;
use crate::formats::tsv;

/// One row of `data/rome-quarters.tsv`.
#[derive(Debug, Clone)]
pub struct QuarterRow {
    /// `it-rm-municipio-NN` for a municipio, `it-rm-q-…` or `it-rm-geonames-…` otherwise.
    pub id: String,
    /// Local name.
    pub name: String,
    /// Other names (a gloss, the names of a municipio).
    pub alternates: Vec<String>,
    /// "zona urbanistica; rione", "municipio"…
    pub kind: String,
    /// Codes, e.g. "17a; R22".
    pub code: String,
    /// Area ids of the 2013 municipi it lies in.
    pub municipi: Vec<String>,
    /// How much of it lies there.
    pub extent: Extent,
    /// A point a source or GeoNames gives.
    pub point: Option<[f64; 2]>,
    /// "GeoNames 6545118" or "source".
    pub point_source: String,
    /// The source URLs.
    pub source: String,
    /// What else the sources say.
    pub note: String,
}

impl QuarterRow {
    /// Is this one of the 15 municipi?
    pub fn is_municipio(&self) -> bool {
        self.kind == "municipio"
    }
}

/// Rome's municipi and quarters, from `data/rome-quarters.tsv`.
#[derive(Debug, Clone, Default)]
pub struct Quarters {
    rows: Vec<QuarterRow>,
}

/// The columns of `data/rome-quarters.tsv`, in order.
const QUARTER_COLUMNS: &[&str] = &[
    "id",
    "name",
    "alternates",
    "kind",
    "code",
    "municipi",
    "extent",
    "lon",
    "lat",
    "point_source",
    "source",
    "note",
];

/// One line of `data/rome-quarters.tsv` as written.
#[derive(Deserialize)]
struct Line {
    id: String,
    name: String,
    alternates: String,
    kind: String,
    code: String,
    municipi: String,
    extent: Extent,
    #[serde(deserialize_with = "tsv::finite_or_none")]
    lon: Option<f64>,
    #[serde(deserialize_with = "tsv::finite_or_none")]
    lat: Option<f64>,
    point_source: String,
    source: String,
    note: String,
}

impl Quarters {
    /// Parses the tab-separated text (`#` comments, a header starting `id`);
    /// the error names the line and the column.
    pub fn parse(text: &str) -> Result<Quarters, String> {
        let mut rows = Vec::new();
        for (at, line) in tsv::rows::<Line>(text, QUARTER_COLUMNS)? {
            let point = match (line.lon, line.lat) {
                (None, None) => None,
                (Some(x), Some(y)) => Some([x, y]),
                (lon, lat) => {
                    let show = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
                    return Err(format!(
                        "line {at}: lon '{}', lat '{}' is not a point",
                        show(lon),
                        show(lat)
                    ));
                }
            };
            rows.push(QuarterRow {
                id: line.id,
                name: line.name,
                alternates: tsv::list(&line.alternates, '|'),
                kind: line.kind,
                code: line.code,
                municipi: tsv::list(&line.municipi, ','),
                extent: line.extent,
                point,
                point_source: line.point_source,
                source: line.source,
                note: line.note,
            });
        }
        Ok(Quarters { rows })
    }

    /// Every row, in the order of the file.
    pub fn all(&self) -> &[QuarterRow] {
        &self.rows
    }

    /// The municipio or quarter with this id.
    pub fn get(&self, id: &str) -> Option<&QuarterRow> {
        self.rows.iter().find(|q| q.id == id)
    }

    /// The name of a municipio ("Municipio Roma VII") by its area id.
    pub fn municipio_name(&self, id: &str) -> Option<&str> {
        self.get(id).filter(|q| q.is_municipio()).map(|q| q.name.as_str())
    }
}

/// "zona urbanistica 8F; zona dell'Agro Romano Z13".
pub(super) fn describe(q: &QuarterRow) -> String {
    let codes: Vec<&str> = q.code.split("; ").collect();
    q.kind
        .split("; ")
        .enumerate()
        .map(|(i, k)| match codes.get(i) {
            Some(c) if k != "GeoNames place" => format!("{k} {c}"),
            _ => k.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "id\tname\talternates\tkind\tcode\tmunicipi\textent\tlon\tlat\tpoint_source\tsource\tnote\n";

    #[test]
    fn a_row_reads_into_its_fields() {
        let text = format!(
            "# Rome\n{HEADER}it-rm-q-x\tPrimavalle\tQ27|Primavalle Q27\tquartiere\tQ27\tit-rm-municipio-13,it-rm-municipio-14\tsplit\t12.41\t41.92\tsource\thttps://example.org\t\n"
        );
        let quarters = Quarters::parse(&text).expect("valid");
        let [q] = quarters.all() else { panic!("one row: {:?}", quarters.all()) };
        assert_eq!(q.id, "it-rm-q-x");
        assert_eq!(q.alternates, ["Q27", "Primavalle Q27"]);
        assert_eq!(q.municipi, ["it-rm-municipio-13", "it-rm-municipio-14"]);
        assert_eq!((q.extent, q.point, q.note.as_str()), (Extent::Split, Some([12.41, 41.92]), ""));
    }

    #[test]
    fn a_bad_row_names_its_line_and_column() {
        let bad = |row: &str| Quarters::parse(&format!("{HEADER}{row}\n")).expect_err(row);
        assert_eq!(bad("it-rm-q-x\tX"), "line 2: 2 columns, not 12");
        let row = |extent: &str, lon: &str, lat: &str| {
            format!("q\tX\t\tquartiere\tQ1\tm\t{extent}\t{lon}\t{lat}\tsource\ts\t")
        };
        assert!(
            bad(&row("most", "", "")).starts_with("line 2: extent 'most' is not valid"),
            "{}",
            bad(&row("most", "", ""))
        );
        assert_eq!(bad(&row("whole", "12.4", "")), "line 2: lon '12.4', lat '' is not a point");
        assert_eq!(bad(&row("whole", "east", "41.9")), "line 2: lon 'east' is not a number");
    }
}
