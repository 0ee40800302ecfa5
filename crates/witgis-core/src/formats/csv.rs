//! CSV with a header row: the reference columns (`id,name,name_en,category,
//! country,city,address,postcode,lat,lon,coord_precision,website,phone,topics,
//! target_groups,serves_area,source`) plus our own optional ones. Lists are
//! `;`-separated; empty cells are empty values.

use std::io::{Read, Write};
use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::{Collector, ReadError};
use crate::model::resource::{PROPERTIES, TRANSIENT};
use crate::model::{FieldError, Resource};

/// The reference column name for the `serves_areas` property.
const SERVES_AREA: &str = "serves_area";

/// Columns written on export, in order: the model's properties
/// ([`PROPERTIES`]), with the point as `lat`, `lon` just before
/// `coord_precision` and `serves_areas` under its reference name; not the
/// input-only ones ([`TRANSIENT`]), which a file may still carry.
pub static COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    PROPERTIES
        .iter()
        .filter(|p| !TRANSIENT.contains(p))
        .flat_map(|&p| match p {
            "coord_precision" => vec!["lat", "lon", p],
            "serves_areas" => vec![SERVES_AREA],
            _ => vec![p],
        })
        .collect()
});

/// Reads every row; all valid or a report of each bad row and field.
pub fn read<R: Read>(input: R) -> Result<Vec<Resource>, ReadError> {
    let mut reader = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(input);
    let headers =
        reader.headers().map_err(|e| ReadError::File(format!("cannot read the header row: {e}")))?.clone();
    let unknown: Vec<&str> =
        headers.iter().filter(|h| !COLUMNS.contains(h) && !TRANSIENT.contains(h)).collect();
    if !unknown.is_empty() {
        return Err(ReadError::File(format!(
            "unknown column(s) {}; the known columns are: {}",
            unknown.join(", "),
            COLUMNS.join(",")
        )));
    }
    for required in ["id", "name", "category", "country"] {
        if !headers.iter().any(|h| h == required) {
            return Err(ReadError::File(format!("the header row has no '{required}' column")));
        }
    }
    let mut collector = Collector::new();
    for record in reader.records() {
        let record = record.map_err(|e| ReadError::File(format!("not valid CSV: {e}")))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        let id = headers.iter().position(|h| h == "id").and_then(|i| record.get(i)).map(str::to_owned);
        let cells: Vec<(&str, &str)> = headers.iter().zip(record.iter()).collect();
        collector.push(line, id.filter(|s| !s.is_empty()), resource_from_cells(&cells));
    }
    collector.finish()
}

fn resource_from_cells(cells: &[(&str, &str)]) -> Result<Resource, Vec<FieldError>> {
    let mut props = Map::new();
    let mut errors = Vec::new();
    let mut coordinate = |name: &str, value: &str| -> Option<f64> {
        match value.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(FieldError { field: name.into(), reason: format!("'{value}' is not a number") });
                None
            }
        }
    };
    let (mut lon, mut lat) = (None, None);
    let (mut has_lon, mut has_lat) = (false, false);
    for &(column, value) in cells {
        if value.is_empty() {
            continue;
        }
        match column {
            "lon" => (has_lon, lon) = (true, coordinate("lon", value)),
            "lat" => (has_lat, lat) = (true, coordinate("lat", value)),
            SERVES_AREA => {
                props.insert("serves_areas".into(), Value::String(value.into()));
            }
            other => {
                props.insert(other.into(), Value::String(value.into()));
            }
        }
    }
    if has_lon != has_lat {
        let missing = if has_lon { "lat" } else { "lon" };
        errors
            .push(FieldError { field: missing.into(), reason: "is needed with the other coordinate".into() });
    }
    let point = lon.zip(lat).map(|(lon, lat)| [lon, lat]);
    match Resource::from_properties(&props, point) {
        Ok(r) if errors.is_empty() => Ok(r),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e.0);
            Err(errors)
        }
    }
}

/// Writes the header and one row per resource.
pub fn write<'a, W: Write>(out: W, resources: impl IntoIterator<Item = &'a Resource>) -> std::io::Result<()> {
    let mut writer = ::csv::Writer::from_writer(out);
    writer.write_record(COLUMNS.iter())?;
    for r in resources {
        let props = r.properties();
        let [lon, lat] =
            r.point().map_or([String::new(), String::new()], |[lon, lat]| [lon.to_string(), lat.to_string()]);
        let row: Vec<String> = COLUMNS
            .iter()
            .map(|&c| match c {
                "lon" => lon.clone(),
                "lat" => lat.clone(),
                SERVES_AREA => cell(props.get("serves_areas")),
                // Lists of objects or of sentences (which may hold ';'): JSON.
                "provenance" | "open_questions" => match props.get(c) {
                    Some(Value::Array(items)) if !items.is_empty() => Value::Array(items.clone()).to_string(),
                    _ => String::new(),
                },
                other => cell(props.get(other)),
            })
            .collect();
        writer.write_record(&row)?;
    }
    writer.flush()
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(";")
        }
        // A list of objects (alerts): its JSON text, which reading parses.
        Some(other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE_STYLE: &str = "id,name,name_en,category,country,city,address,postcode,lat,lon,coord_precision,website,phone,topics,target_groups,serves_area,source
it-rm-csm-sabrata,Centro di Salute Mentale Sabrata,,mental_health_centre,IT,Roma,Via Sabrata,,41.9265,12.5185,district,https://www.aslroma1.it,,mental_health_care;counselling,families,ASL Roma 1; Municipio II (Distretto 2),https://primaroma.it/?p=2279
it-nat-help,\"Telefono, help\",,crisis_service,IT,,,,,,,,02 2327 2327,crisis,,,knowledge
";

    #[test]
    fn reads_the_reference_columns() {
        let rs = read(REFERENCE_STYLE.as_bytes()).expect("valid");
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].serves_areas, ["it-rm-asl-roma-1", "it-rm-municipio-02"]);
        assert_eq!(rs[0].point(), Some([12.5185, 41.9265]));
        assert_eq!(rs[1].name, "Telefono, help");
        assert_eq!(rs[1].point(), None);
    }

    #[test]
    fn write_then_read_gives_the_same_records() {
        let rs = read(REFERENCE_STYLE.as_bytes()).expect("valid");
        let mut buf = Vec::new();
        write(&mut buf, &rs).expect("write");
        assert_eq!(read(buf.as_slice()).expect("valid"), rs);
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_field() {
        let bad = REFERENCE_STYLE.replace("41.9265", "north").replace("crisis_service", "helpline");
        let Err(ReadError::Rows(rows)) = read(bad.as_bytes()) else { panic!("should fail") };
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].row, rows[0].errors[0].field.as_str()), (2, "lat"));
        assert_eq!((rows[1].row, rows[1].errors[0].field.as_str()), (3, "category"));
    }

    /// The export's header is a published format: a new property adds a
    /// column, but the known ones keep their names and order.
    #[test]
    fn the_export_header_keeps_the_published_order() {
        let published = "id,name,name_en,category,country,city,address,postcode,lat,lon,coord_precision,\
                         website,phone,email,topics,target_groups,languages,opening_hours,access,cost,\
                         serves_area,source,last_verified,description";
        // Added after the published ones (issue 35): provenance and open
        // questions as JSON text, then the status and alerts.
        let added =
            "provenance,open_questions,status,status_since,status_until,moved_to,moved_address,alerts";
        assert_eq!(COLUMNS.join(","), format!("{published},{added}"));
    }

    #[test]
    fn provenance_and_open_questions_survive_a_csv_round_trip() {
        let mut p = match serde_json::json!({
            "id": "it-rm-x", "name": "X", "category": "day_centre", "country": "IT",
            "provenance": [{"publisher": "ASL Roma 2", "url": "https://www.aslroma2.it/a.pdf",
                            "page_date": "2025-11-21", "read_on": "2026-09-21", "via_copy": true,
                            "facts": ["phone"]}],
            "open_questions": ["Phone: 06 1 (rubrica; 2026) vs 06 2 (site page; 2024)?"],
        }) {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        let r = Resource::from_properties(&p, None).expect("valid");
        let mut buf = Vec::new();
        write(&mut buf, [&r]).expect("write");
        let again = read(buf.as_slice()).expect("valid");
        assert_eq!(again, std::slice::from_ref(&r));
        assert_eq!(again[0].open_questions.len(), 1, "one question, though it holds a ';'");
        p.remove("provenance");
        assert!(Resource::from_properties(&p, None).is_ok_and(|x| x.provenance.is_empty()));
    }

    #[test]
    fn unknown_columns_are_refused() {
        let bad = REFERENCE_STYLE.replacen("source", "sauce", 1);
        assert!(matches!(read(bad.as_bytes()), Err(ReadError::File(msg)) if msg.contains("sauce")));
    }
}
