//! Coverage answers written out: reports as CSV and GeoJSON, demand against
//! supply as CSV, and the GeoJSON pieces the gaps and suggestions are made
//! of. Bytes and JSON values only; the HTTP layer adds the headers.

use serde_json::{Value, json};

use super::{DemandReport, Report};
use crate::model::Category;

/// The report flattened into columns: the CSV header and rows, and the
/// properties of the GeoJSON features. Numbers stay numbers; unknown figures
/// are null.
fn flatten(report: &Report) -> (Vec<String>, Vec<Vec<Value>>) {
    let categories: Vec<Category> =
        report.rows.first().map(|r| r.by_category.iter().map(|c| c.category).collect()).unwrap_or_default();
    let mut head: Vec<String> = [
        "level",
        "id",
        "name",
        "country",
        "population",
        "resources",
        "resources_per_100k",
        "serving",
        "records",
        "complete",
    ]
    .map(str::to_owned)
    .to_vec();
    for c in &categories {
        head.push(c.as_str().to_owned());
        head.push(format!("{c}_per_100k"));
        head.push(format!("{c}_complete"));
    }
    head.extend(
        [
            "localities",
            "locality_population",
            "mean_km",
            "p90_km",
            "share_within_5km",
            "share_within_10km",
            "share_within_25km",
        ]
        .map(str::to_owned),
    );
    let level = report.level.as_str();
    let rows = report
        .rows
        .iter()
        .map(|r| {
            let mut rec = vec![
                json!(level),
                json!(r.id),
                json!(r.name),
                json!(r.country.map(|c| c.to_string())),
                json!(r.population),
                json!(r.resources),
                json!(r.resources_per_100k),
                json!(r.serving),
                json!(r.records),
                json!(r.complete),
            ];
            for c in &r.by_category {
                rec.push(json!(c.count));
                rec.push(json!(c.per_100k));
                rec.push(json!(c.complete));
            }
            let d = &r.distance;
            rec.extend([
                json!(d.localities),
                json!(d.locality_population),
                json!(d.mean_km),
                json!(d.p90_km),
                json!(d.share_within_5km),
                json!(d.share_within_10km),
                json!(d.share_within_25km),
            ]);
            rec
        })
        .collect();
    (head, rows)
}

/// The report as CSV: one row per country or area, one pair of columns
/// (count, per 100k) per reported category.
pub fn to_csv(report: &Report) -> Result<Vec<u8>, csv::Error> {
    let (head, rows) = flatten(report);
    let cell = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => u.to_string(),
            (None, Some(f)) => f.to_string(),
            (None, None) => n.to_string(),
        },
        other => other.to_string(),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&head)?;
    for row in &rows {
        out.write_record(row.iter().map(cell))?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The report as a GeoJSON FeatureCollection: one Feature per row, with the
/// row's outline (null when unknown) and the CSV's columns as properties.
pub fn to_geojson(report: &Report, outline: impl Fn(&str) -> Option<geojson::Geometry>) -> Value {
    let (head, rows) = flatten(report);
    let features: Vec<Value> = report
        .rows
        .iter()
        .zip(rows)
        .map(|(r, values)| {
            let properties: serde_json::Map<String, Value> = head.iter().cloned().zip(values).collect();
            json!({ "type": "Feature", "id": r.id, "geometry": outline(&r.id), "properties": properties })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "level": report.level,
        "categories": report.categories,
        "topics": report.topics,
        "population_source": report.population_source,
        "records": report.records,
        "declared_complete": report.declared_complete,
        "numberReturned": features.len(),
        "features": features,
    })
}

/// A GeoJSON `Point` at `lon`, `lat`.
pub fn point(lon: f64, lat: f64) -> Value {
    json!({ "type": "Point", "coordinates": [lon, lat] })
}

/// Metres as kilometres rounded to 10 m (two decimals).
pub fn km(m: f64) -> f64 {
    (m / 10.0).round() / 100.0
}

/// The rows of a demand report as CSV; published counts of 0 are written `<5`.
pub fn demand_csv(report: &DemandReport) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "period",
        "area",
        "area_name",
        "country",
        "need",
        "requests",
        "unmet",
        "resources_in_area",
        "resources_within_radius",
        "requests_per_resource",
    ])?;
    for r in &report.rows {
        out.write_record([
            r.period.clone(),
            r.area.clone(),
            r.area_name.clone().unwrap_or_default(),
            r.country.map(|c| c.to_string()).unwrap_or_default(),
            r.need.to_string(),
            r.requests.to_string(),
            r.unmet.to_string(),
            r.supply.map(|s| s.in_area.to_string()).unwrap_or_default(),
            r.supply.map(|s| s.within_radius.to_string()).unwrap_or_default(),
            r.requests_per_resource.map(|v| v.to_string()).unwrap_or_default(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{DemandRow, Level, Period, Supply};
    use crate::model::demand::Count;
    use crate::model::{Country, Topic};

    #[test]
    fn points_and_kilometres() {
        assert_eq!(point(12.5, 41.9), json!({"type": "Point", "coordinates": [12.5, 41.9]}));
        assert_eq!(km(1234.0), 1.23);
        assert_eq!(km(1235.0), 1.24);
        assert_eq!(km(0.0), 0.0);
    }

    #[test]
    fn an_empty_report_is_the_header_and_an_empty_collection() {
        let report = Report {
            level: Level::Area,
            categories: Vec::new(),
            topics: Vec::new(),
            population_source: "test",
            records: 0,
            declared_complete: Vec::new(),
            rows: Vec::new(),
        };
        assert_eq!(
            String::from_utf8(to_csv(&report).unwrap()).unwrap(),
            "level,id,name,country,population,resources,resources_per_100k,serving,records,complete,\
             localities,locality_population,mean_km,p90_km,share_within_5km,share_within_10km,share_within_25km\n"
        );
        let geojson = to_geojson(&report, |_| None);
        assert_eq!(geojson["type"], "FeatureCollection");
        assert_eq!(geojson["level"], "area");
        assert_eq!(geojson["numberReturned"], 0);
        assert_eq!(geojson["features"], json!([]));
    }

    #[test]
    fn demand_rows_write_unpublished_counts_as_under_five() {
        let row = DemandRow {
            period: "2026-01".into(),
            area: "it-rm-municipio-01".into(),
            area_name: Some("Municipio I".into()),
            country: Some("IT".parse::<Country>().unwrap()),
            need: Topic::Housing,
            requests: Count::round(6),
            unmet: Count::ZERO,
            supply: Some(Supply { in_area: 1, within_radius: 2 }),
            requests_per_resource: Some(2.5),
        };
        let gone = DemandRow {
            area: "gone".into(),
            area_name: None,
            country: None,
            supply: None,
            requests_per_resource: None,
            ..row.clone()
        };
        let report = DemandReport {
            period: Period::Month,
            radius_km: 10.0,
            needs: Vec::new(),
            rows: vec![row, gone],
            ranking: Vec::new(),
            total: Count::round(10),
        };
        assert_eq!(
            String::from_utf8(demand_csv(&report).unwrap()).unwrap(),
            "period,area,area_name,country,need,requests,unmet,resources_in_area,resources_within_radius,\
             requests_per_resource\n\
             2026-01,it-rm-municipio-01,Municipio I,IT,housing,5,<5,1,2,2.5\n\
             2026-01,gone,,,housing,5,<5,,,\n"
        );
    }
}
