//! Coverage answers written out: reports as CSV and GeoJSON, demand against
//! supply as CSV, and the GeoJSON pieces the gaps and suggestions are made
//! of. Bytes and JSON values only; the HTTP layer adds the headers.

use serde_json::{Value, json};

use super::{
    Completeness, DemandReport, Gap, Localities, PublishedRange, Query, Report, Suggestions, Weight,
    records_by_country,
};
use crate::index::Snapshot;
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

/// The places farthest from any matching resource as a FeatureCollection:
/// each locality with the distance to and the id of the nearest matching
/// resource, how many records its country has, and whether the directory
/// claims to list them all (when not, the distance describes the directory,
/// not the supply).
pub fn gaps_geojson(
    found: &[Gap],
    localities: &Localities,
    snapshot: &Snapshot,
    completeness: &Completeness,
    query: &Query,
    min_km: f64,
) -> Value {
    let records = records_by_country(snapshot, &query.resource_filter());
    let categories = query.reported_categories();
    let features: Vec<Value> = found
        .iter()
        .map(|g| {
            let l = localities.get(g.locality);
            json!({
                "type": "Feature",
                "id": l.id,
                "geometry": point(l.lon, l.lat),
                "properties": {
                    "name": l.name,
                    "country": l.country,
                    "population": l.population,
                    "nearest_km": g.nearest.map(|h| km(h.distance_m)),
                    "nearest_id": g.nearest.map(|h| snapshot.index().resource(h.index).id.clone()),
                    "records": l.country.map_or(0, |c| records.get(&c).copied().unwrap_or(0)),
                    "complete": completeness.all_complete(l.country, &categories),
                }
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "min_km": min_km,
        "declared_complete": completeness.declarations(),
        "numberReturned": features.len(),
        "features": features,
    })
}

/// What a suggestion answer says besides its picks.
#[derive(Debug, Clone, Copy)]
pub struct SuggestionContext<'a> {
    /// People or requests.
    pub weight: Weight,
    /// The reach of a new service.
    pub radius_km: f64,
    /// The matching records, and whether the directory claims them complete.
    pub basis: (usize, bool),
    /// The months of the demand log counted (`weight=demand`).
    pub range: Option<&'a PublishedRange>,
}

/// The suggested sites as a FeatureCollection, ranked, with the figures
/// published as the weight allows ([`Weight::published`]). The population
/// already covered is public; the number of requests already met would be
/// a count of its own, so a demand answer states only what is uncovered.
pub fn suggestions_geojson(
    s: &Suggestions,
    localities: &Localities,
    context: SuggestionContext<'_>,
) -> Value {
    let SuggestionContext { weight, radius_km, basis, range } = context;
    let unit = weight.unit();
    let mut covered = 0;
    let features: Vec<Value> = s
        .picks
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            let l = localities.get(p.locality);
            covered += p.newly_covered;
            json!({
                "type": "Feature",
                "id": l.id,
                "geometry": point(l.lon, l.lat),
                "properties": {
                    "rank": rank + 1,
                    "name": l.name,
                    "country": l.country,
                    "population": l.population,
                    format!("newly_covered_{unit}"): weight.published(p.newly_covered),
                    format!("cumulative_covered_{unit}"): weight.published(covered),
                }
            })
        })
        .collect();
    let mut body = json!({
        "type": "FeatureCollection",
        "weight": unit,
        "radius_km": radius_km,
        format!("uncovered_{unit}_before"): weight.published(s.uncovered_before),
        format!("uncovered_{unit}_after"): weight.published(s.uncovered_before.saturating_sub(covered)),
        "records": basis.0,
        "complete": basis.1,
        "features": features,
    });
    if weight == Weight::Population {
        body["population"] = json!(s.population);
    }
    if let Some(range) = range {
        body["from"] = json!(range.from);
        body["to"] = json!(range.to);
        body["published_through"] = json!(range.through.format("%Y-%m").to_string());
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{DemandRow, Level, Period, Suggestion, Supply};
    use crate::model::demand::Count;
    use crate::model::{Country, Topic};

    fn two_places() -> Localities {
        let place = |id: u64, name: &str, lon: f64, lat: f64, population: u64| crate::coverage::Locality {
            id,
            name: name.into(),
            country: Some("IT".parse::<Country>().unwrap()),
            lon,
            lat,
            population,
        };
        Localities::new(vec![place(1, "Uno", 12.5, 41.9, 1000), place(2, "Due", 13.0, 42.0, 300)])
    }

    fn picks(gains: &[(u32, u64)], before: u64) -> Suggestions {
        Suggestions {
            population: 5000,
            uncovered_before: before,
            picks: gains
                .iter()
                .map(|&(locality, newly_covered)| Suggestion { locality, newly_covered })
                .collect(),
            visits: 0,
        }
    }

    #[test]
    fn a_population_suggestion_states_every_figure() {
        let context =
            SuggestionContext { weight: Weight::Population, radius_km: 10.0, basis: (7, false), range: None };
        let body = suggestions_geojson(&picks(&[(1, 300), (0, 0)], 1300), &two_places(), context);
        assert_eq!(body["weight"], "population");
        assert_eq!(body["population"], 5000);
        assert_eq!(body["uncovered_population_before"], 1300);
        assert_eq!(body["uncovered_population_after"], 1000);
        assert_eq!(body["records"], 7);
        assert_eq!(body["complete"], false);
        let first = &body["features"][0];
        assert_eq!(first["id"], 2);
        assert_eq!(first["geometry"], json!({"type": "Point", "coordinates": [13.0, 42.0]}));
        assert_eq!(first["properties"]["rank"], 1);
        assert_eq!(first["properties"]["newly_covered_population"], 300);
        assert_eq!(body["features"][1]["properties"]["newly_covered_population"], 0);
        assert_eq!(body["features"][1]["properties"]["cumulative_covered_population"], 300);
        assert!(body.get("from").is_none());
    }

    #[test]
    fn a_demand_suggestion_publishes_no_small_count_and_not_the_requests_already_met() {
        let range = PublishedRange {
            from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
            to: chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap(),
            through: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        };
        let context = SuggestionContext {
            weight: Weight::Demand,
            radius_km: 5.0,
            basis: (3, true),
            range: Some(&range),
        };
        let body = suggestions_geojson(&picks(&[(0, 10)], 10), &two_places(), context);
        assert_eq!(body["weight"], "requests");
        assert!(body.get("population").is_none(), "the requests already met would be a count of its own");
        assert_eq!(body["uncovered_requests_before"], 10);
        assert_eq!(body["uncovered_requests_after"], "<5");
        assert_eq!(body["features"][0]["properties"]["newly_covered_requests"], 10);
        assert_eq!(body["from"], "2026-01-01");
        assert_eq!(body["to"], "2026-03-31");
        assert_eq!(body["published_through"], "2026-03");
        assert_eq!(Weight::Demand.min_gain(), 5);
        assert_eq!(Weight::Population.min_gain(), 1);
        assert_eq!(Weight::Population.published(0), json!(0));
        assert_eq!(Weight::parse("demand"), Some(Weight::Demand));
        assert_eq!(Weight::parse("people"), None);
    }

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
