//! Plausible writes: the rules a valid record must also meet before it is
//! stored through the API or an import, judged against the covered
//! countries' outlines, the loaded area outlines and the day.
//!
//! - **Dates**: no day may lie after today (`last_verified`, an alert's
//!   `since`, `status_since` of a closed or moved service; a temporary
//!   closure may be announced ahead). Never overridden.
//! - **Country**: a point must lie in the record's country or within
//!   [`COAST_TOLERANCE_M`] (5 km) of its outline, for the covered countries
//!   (others have no outline to judge by).
//! - **Served areas**: a point must lie in, or within [`AREA_TOLERANCE_M`]
//!   (10 km) of, at least one of the areas the record serves whose outline
//!   is loaded.
//!
//! The place rules give way to `plausibility_override` (a reason in words),
//! which the history keeps with the change; they are judged again only when
//! the point, the country or the served areas change.

use chrono::NaiveDate;
use geo::{Intersects, Point};

use crate::countries::{COAST_TOLERANCE_M, Countries, within_m};
use crate::model::{Area, FieldError, Resource, ServiceStatus};

/// How far outside every served area's outline a point may lie, in metres.
pub const AREA_TOLERANCE_M: f64 = 10_000.0;

/// The field the place rules name.
pub const PLACE_FIELD: &str = "geometry";

/// Everything implausible about `r` on `today`; `area` finds a loaded
/// area's outline by id; `previous` is the stored record a replacement
/// changes (the place rules are skipped when its place is unchanged).
pub fn check<'a>(
    r: &Resource,
    countries: &Countries,
    area: impl Fn(&str) -> Option<&'a Area>,
    today: NaiveDate,
    previous: Option<&Resource>,
) -> Vec<FieldError> {
    let mut errors = future_dates(r, today);
    let moved = previous
        .is_none_or(|p| p.point() != r.point() || p.country != r.country || p.serves_areas != r.serves_areas);
    if moved && r.plausibility_override.is_none() {
        errors.extend(place(r, countries, area));
    }
    errors
}

/// Days after `today`.
pub fn future_dates(r: &Resource, today: NaiveDate) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut future = |field: &str, day: NaiveDate, what: &str| {
        if day > today {
            errors.push(FieldError {
                field: field.into(),
                reason: format!("{day} is after today ({today}): {what} cannot lie in the future"),
            });
        }
    };
    if let Some(d) = r.last_verified {
        future("last_verified", d, "a check");
    }
    if let Some(d) = r.status_since {
        if r.status != ServiceStatus::TemporarilyClosed {
            future("status_since", d, "a closure or move that has happened");
        }
    }
    for a in &r.alerts {
        future("alerts", a.since, "an alert's since");
    }
    errors
}

/// The place rules: in the country, near a served area.
pub fn place<'a>(
    r: &Resource,
    countries: &Countries,
    area: impl Fn(&str) -> Option<&'a Area>,
) -> Vec<FieldError> {
    let Some([lon, lat]) = r.point() else { return Vec::new() };
    let mut errors = Vec::new();
    let hint = "correct the point, or, if it is right, send plausibility_override with the reason";
    if countries.holds(r.country, lon, lat) == Some(false) {
        errors.push(FieldError {
            field: PLACE_FIELD.into(),
            reason: format!(
                "the point ({lon}, {lat}) lies outside {} (more than {} km beyond its outline); {hint}",
                r.country,
                COAST_TOLERANCE_M / 1000.0
            ),
        });
    }
    let loaded: Vec<&Area> = r.serves_areas.iter().filter_map(|id| area(id)).collect();
    let near = |a: &&Area| {
        a.geometry.intersects(&Point::new(lon, lat)) || within_m(&a.geometry, [lon, lat], AREA_TOLERANCE_M)
    };
    if !loaded.is_empty() && !loaded.iter().any(near) {
        let names: Vec<&str> = loaded.iter().map(|a| a.id.as_str()).collect();
        errors.push(FieldError {
            field: PLACE_FIELD.into(),
            reason: format!(
                "the point ({lon}, {lat}) lies more than {} km from every area the record serves ({}); {hint}",
                AREA_TOLERANCE_M / 1000.0,
                names.join(", ")
            ),
        });
    }
    errors
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn countries() -> Countries {
        Countries::parse(include_str!("../../../data/countries.geojson")).expect("data/countries.geojson")
    }

    fn csm(point: [f64; 2], extra: Value) -> Resource {
        let mut props = json!({"id": "it-rm-csm-x", "name": "CSM X", "category": "mental_health_centre",
                               "country": "IT", "coord_precision": "building",
                               "serves_areas": ["it-rm-municipio-06"]});
        if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
            p.extend(e);
        }
        Resource::from_properties(props.as_object().expect("object"), Some(point)).expect("valid")
    }

    /// A square around Torre Angela (a stand-in for Municipio VI).
    fn municipio() -> Area {
        let f = json!({"type": "Feature", "id": "it-rm-municipio-06",
                       "properties": {"name": "Municipio Roma VI", "kind": "municipio", "country": "IT"},
                       "geometry": {"type": "Polygon", "coordinates": [[[12.55, 41.82], [12.70, 41.82],
                                    [12.70, 41.92], [12.55, 41.92], [12.55, 41.82]]]}});
        let g: geojson::Geometry = serde_json::from_value(f["geometry"].clone()).expect("geometry");
        Area::from_feature_parts(
            Some("it-rm-municipio-06"),
            f["properties"].as_object().expect("p"),
            Some(&g.value),
        )
        .expect("area")
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, 20).expect("day")
    }

    #[test]
    fn the_sea_and_tunis_are_refused_rome_is_not() {
        let (c, m) = (countries(), municipio());
        let area = |id: &str| (id == m.id).then_some(&m);
        assert!(check(&csm([12.62, 41.86], json!({})), &c, area, today(), None).is_empty());
        for p in [[12.10, 41.65], [10.18, 36.80]] {
            let errors = check(&csm(p, json!({})), &c, area, today(), None);
            assert!(errors.iter().any(|e| e.reason.contains("outside IT")), "{p:?}: {errors:?}");
            assert!(errors.iter().all(|e| e.field == PLACE_FIELD));
        }
        // In Italy, 30 km from the municipio it serves.
        let errors = check(&csm([12.95, 41.86], json!({})), &c, area, today(), None);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].reason.contains("it-rm-municipio-06"), "{errors:?}");
        // 5 km outside the square: within the 10 km stated.
        assert!(check(&csm([12.76, 41.86], json!({})), &c, area, today(), None).is_empty());
    }

    #[test]
    fn an_override_lets_the_place_pass_and_dates_never() {
        let c = countries();
        let r = csm(
            [12.10, 41.65],
            json!({"plausibility_override": "a boat clinic", "last_verified": "9999-12-31"}),
        );
        let errors = check(&r, &c, |_| None, today(), None);
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["last_verified"]);
    }

    #[test]
    fn an_unchanged_place_is_not_judged_again() {
        let c = countries();
        let old = csm([12.10, 41.65], json!({}));
        let renamed = csm([12.10, 41.65], json!({"phone": "06 1234"}));
        assert!(check(&renamed, &c, |_| None, today(), Some(&old)).is_empty());
        let moved = csm([12.11, 41.65], json!({}));
        assert!(!check(&moved, &c, |_| None, today(), Some(&old)).is_empty());
    }

    #[test]
    fn future_days_are_refused_except_an_announced_closure() {
        let r = csm(
            [12.62, 41.86],
            json!({"status": "closed", "status_since": "2026-04-21",
                                           "alerts": [{"kind": "other", "since": "2026-05-01"}]}),
        );
        let fields: Vec<String> = future_dates(&r, today()).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["status_since", "alerts"]);
        let planned = csm(
            [12.62, 41.86],
            json!({"status": "temporarily_closed", "status_since": "2026-08-01",
                                                 "status_until": "2026-08-15"}),
        );
        assert!(future_dates(&planned, today()).is_empty());
        assert!(
            future_dates(&csm([12.62, 41.86], json!({"last_verified": "2026-04-20"})), today()).is_empty()
        );
    }
}
