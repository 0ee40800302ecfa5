//! The demand log's rules: what a logged request is reduced to (a point
//! to the smallest loaded area holding it), the correction window (a
//! token reads and withdraws its own records for [`CORRECTION_HOURS`]
//! hours, by the app's clock), and what is published (whole months, up to
//! the last published one, in cells: [`crate::model::demand::cells`]).
//! See docs/demand-log.md, "Privacy".

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Service, ServiceError, field};
use crate::coverage::{GroupBy, PublishedRange, Summary, summarise};
use crate::index::Snapshot;
use crate::model::demand::{self, CORRECTION_HOURS, Cell, Demand, DemandInput, NewDemand};
use crate::store::Store;

/// The caller's own records still open to correction.
#[derive(Debug, Serialize)]
pub struct Recent {
    /// The window, hours.
    pub hours: i64,
    /// Oldest first.
    pub records: Vec<Demand>,
}

impl Service {
    /// Logs one request from its JSON fields, as `actor`.
    pub async fn log_demand(&self, fields: &Map<String, Value>, actor: &str) -> Result<Demand, ServiceError> {
        let input = DemandInput::from_json(fields, self.state.desk_today())
            .map_err(|errors| ServiceError::InvalidFields(errors.0))?;
        let demand = resolve(&self.state.snapshot(), input, self.state.now())?;
        Ok(self.state.store().log_demand(&demand, actor).await?)
    }

    /// A record `actor` logged within the correction window; any other is
    /// not found (whether or not it exists).
    pub async fn own_demand(&self, id: &str, actor: &str) -> Result<Demand, ServiceError> {
        let since = window_start(self.state.now());
        let record = self.state.store().demand_record(id).await?;
        record.filter(|d| is_own_recent(d, actor, since)).ok_or_else(not_yours)
    }

    /// Withdraws a record `actor` logged within the correction window.
    pub async fn withdraw_demand(&self, id: &str, actor: &str) -> Result<(), ServiceError> {
        let since = window_start(self.state.now());
        if self.state.store().withdraw_demand(id, actor, since).await? { Ok(()) } else { Err(not_yours()) }
    }

    /// The records `actor` logged within the correction window, oldest first.
    pub async fn recent_demand(&self, actor: &str) -> Result<Recent, ServiceError> {
        let records = self.state.store().demand_by(actor, window_start(self.state.now())).await?;
        Ok(Recent { hours: CORRECTION_HOURS, records })
    }

    /// The range `from`..`to` as published figures read it on the help
    /// desk's today.
    pub fn published_range(
        &self,
        from: Option<chrono::NaiveDate>,
        to: Option<chrono::NaiveDate>,
    ) -> PublishedRange {
        PublishedRange::new(from, to, self.state.desk_today())
    }

    /// The published requests in `range`, added up by `by`.
    pub async fn demand_summary(&self, range: &PublishedRange, by: GroupBy) -> Result<Summary, ServiceError> {
        let cells = published_cells(self.state.store(), range).await?;
        Ok(summarise(&cells, by, range))
    }

    /// The records of the months `range` covers, for figures that publish
    /// only their cells (coverage against demand).
    pub async fn published_records(&self, range: &PublishedRange) -> Result<Vec<Demand>, ServiceError> {
        Ok(records_in(self.state.store(), range).await?)
    }
}

/// The records of the months `range` covers (none for an empty range).
async fn records_in(
    store: &dyn Store,
    range: &PublishedRange,
) -> Result<Vec<Demand>, crate::store::StoreError> {
    if range.is_empty() { Ok(Vec::new()) } else { store.demand(range.from, Some(range.to)).await }
}

/// The published cells of `range`: the only counts that leave the log
/// (the API's summary and `witgis export-demand --published` both).
pub async fn published_cells(
    store: &dyn Store,
    range: &PublishedRange,
) -> Result<Vec<Cell>, crate::store::StoreError> {
    Ok(demand::cells(&records_in(store, range).await?, range.through))
}

/// Reduces a validated request to what is stored: the named area must be
/// loaded (and hold the point, if one is given too); a point alone gives the
/// smallest loaded area holding it; every referral must be a resource.
/// Errors name positions, never values sent.
pub fn resolve(
    snapshot: &Snapshot,
    input: DemandInput,
    logged_at: DateTime<Utc>,
) -> Result<NewDemand, ServiceError> {
    let mut errors = Vec::new();
    let mut fail = |name: &str, reason: &str| errors.push(field(name, reason));
    let area = match (&input.area, input.point) {
        (Some(id), point) => match snapshot.area(id) {
            None => {
                fail("area", "names no loaded area; see GET /api/areas");
                None
            }
            Some(_)
                if point
                    .is_some_and(|[lon, lat]| !snapshot.areas_at(lon, lat).iter().any(|a| &a.id == id)) =>
            {
                fail("lon", "the point lies outside the area named; give one or the other");
                None
            }
            Some(area) => Some(area.id.clone()),
        },
        (None, Some([lon, lat])) => match snapshot.areas_at(lon, lat).first() {
            Some(area) => Some(area.id.clone()),
            None => {
                fail("area", "no loaded area holds the point; give the area id instead");
                None
            }
        },
        (None, None) => {
            fail("area", "give the area (an id) or a point (lon, lat)");
            None
        }
    };
    // Positions, not values: nothing sent is echoed.
    let unknown: Vec<String> = (input.referred_to.iter().enumerate())
        .filter(|(_, id)| snapshot.index().get(id).is_none())
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !unknown.is_empty() {
        errors.push(field("referred_to", format!("entry {} names no resource", unknown.join(", "))));
    }
    match area {
        Some(area) if errors.is_empty() => Ok(NewDemand {
            date: input.date,
            need: input.need,
            channel: input.channel,
            requester: input.requester,
            area,
            point: input.point,
            referred_to: input.referred_to,
            logged_at,
        }),
        _ => Err(ServiceError::InvalidFields(errors)),
    }
}

/// The start of the correction window at `now`: records logged from then
/// on by a token are that token's to read and withdraw.
pub fn window_start(now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::hours(CORRECTION_HOURS)
}

/// Whether `name` logged `d` at or after `since`. A `created_at` that is
/// not RFC 3339 text is nobody's.
pub fn is_own_recent(d: &Demand, name: &str, since: DateTime<Utc>) -> bool {
    d.created_by == name
        && DateTime::parse_from_rfc3339(&d.created_at).is_ok_and(|t| t.with_timezone(&Utc) >= since)
}

/// The answer for a record the caller may not see: the same whether it
/// exists or not.
fn not_yours() -> ServiceError {
    ServiceError::NotFound(format!(
        "no record logged with this token in the last {CORRECTION_HOURS} hours has this id (older records, \
         and other tokens' records, are only counted in the published figures)"
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use serde_json::json;

    use super::*;
    use crate::clock::Clock;
    use crate::model::Area;

    fn square(id: &str, kind: &str, [w, s, e, n]: [f64; 4]) -> Area {
        let props = json!({"name": id, "kind": kind, "country": "IT"});
        let geometry = json!({"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]});
        let g: geojson::Geometry = serde_json::from_value(geometry).expect("geometry");
        Area::from_feature_parts(Some(id), props.as_object().expect("object"), Some(&g.value)).expect("area")
    }

    /// A region holding a municipio, and a municipio elsewhere.
    fn snapshot() -> Snapshot {
        Snapshot::with_areas(
            Vec::new(),
            vec![
                square("it-region", "region", [12.0, 41.0, 13.5, 42.5]),
                square("it-rm-municipio-06", "municipio", [12.55, 41.82, 12.70, 41.92]),
                square("it-rm-municipio-01", "municipio", [12.45, 41.88, 12.52, 41.92]),
            ],
        )
    }

    fn input(fields: Value) -> DemandInput {
        let today = NaiveDate::from_ymd_opt(2026, 4, 20).expect("day");
        DemandInput::from_json(fields.as_object().expect("object"), today).expect("valid input")
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 20, h, m, 0).single().expect("time")
    }

    #[test]
    fn a_point_becomes_the_smallest_area_holding_it() {
        let fields = json!({"date": "2026-04-20", "need": "housing", "channel": "phone",
                            "requester": "person_concerned", "lon": 12.6123, "lat": 41.8677});
        let stored = resolve(&snapshot(), input(fields), at(9, 0)).expect("resolved");
        assert_eq!(stored.area, "it-rm-municipio-06", "the municipio, not the region around it");
        // Kept only rounded to 3 decimals.
        assert_eq!(stored.point, Some([12.612, 41.868]));
    }

    #[test]
    fn an_area_must_be_loaded_and_hold_the_point() {
        let named = |area: &str, point: Option<[f64; 2]>| {
            let mut f = json!({"date": "2026-04-20", "need": "housing", "channel": "phone",
                               "requester": "person_concerned", "area": area});
            if let Some([lon, lat]) = point {
                f["lon"] = json!(lon);
                f["lat"] = json!(lat);
            }
            resolve(&snapshot(), input(f), at(9, 0))
        };
        assert_eq!(named("it-rm-municipio-01", None).expect("loaded").area, "it-rm-municipio-01");
        let Err(ServiceError::InvalidFields(e)) = named("it-nowhere", None) else { panic!("unloaded") };
        assert_eq!(e[0].field, "area");
        let Err(ServiceError::InvalidFields(e)) = named("it-rm-municipio-01", Some([12.61, 41.86])) else {
            panic!("the point lies in municipio 6")
        };
        assert_eq!(e[0].field, "lon");
        let far = json!({"date": "2026-04-20", "need": "housing", "channel": "phone",
                         "requester": "person_concerned", "lon": 23.3, "lat": 42.7});
        let Err(ServiceError::InvalidFields(e)) = resolve(&snapshot(), input(far), at(9, 0)) else {
            panic!("no area holds Sofia here")
        };
        assert_eq!(e[0].field, "area");
    }

    #[test]
    fn unknown_referrals_are_named_by_position_not_value() {
        let f = json!({"date": "2026-04-20", "need": "housing", "channel": "phone", "requester": "person_concerned",
                       "area": "it-rm-municipio-06", "referred_to": ["mario-rossi-via-roma"]});
        let Err(e) = resolve(&snapshot(), input(f), at(9, 0)) else { panic!("no such resource") };
        let text = e.to_string();
        assert!(text.contains("referred_to: entry 1"), "{text}");
        assert!(!text.contains("rossi"), "a value sent is echoed: {text}");
    }

    fn record(by: &str, created_at: &str) -> Demand {
        Demand::from_columns(
            "0".repeat(32),
            "2026-04-19",
            "housing",
            "phone",
            "person_concerned",
            "it-rm-municipio-06".into(),
            (None, None),
            Vec::new(),
            created_at.into(),
            by.into(),
        )
        .expect("record")
    }

    #[test]
    fn a_token_owns_its_records_for_24_hours_by_the_app_clock() {
        let clock = Clock::manual(at(10, 0));
        let logged = record("desk-1", "2026-04-19T10:30:00Z");
        assert!(is_own_recent(&logged, "desk-1", window_start(clock.now())), "23.5 hours old");
        assert!(!is_own_recent(&logged, "desk-2", window_start(clock.now())), "another token's");
        clock.advance(chrono::Duration::minutes(30));
        assert!(is_own_recent(&logged, "desk-1", window_start(clock.now())), "exactly 24 hours old");
        clock.advance(chrono::Duration::seconds(1));
        assert!(!is_own_recent(&logged, "desk-1", window_start(clock.now())), "past the window");
    }

    #[test]
    fn created_at_in_another_offset_or_unreadable() {
        let since = window_start(at(10, 0));
        // 12:30 in Rome (UTC+2 in April) is 10:30 UTC the day before: in.
        assert!(is_own_recent(&record("d", "2026-04-19T12:30:00+02:00"), "d", since));
        // 09:30 UTC the day before: out, whatever the offset it is written in.
        assert!(!is_own_recent(&record("d", "2026-04-19T11:30:00+02:00"), "d", since));
        for bad in ["", "2026-04-19 10:30:00", "yesterday"] {
            assert!(!is_own_recent(&record("d", bad), "d", since), "'{bad}' is nobody's");
        }
    }

    #[test]
    fn nothing_is_published_before_its_month_is() {
        // On 20 April the last published month is March (published from the 10th).
        let range = PublishedRange::new(None, None, NaiveDate::from_ymd_opt(2026, 4, 20).expect("day"));
        assert_eq!(range.through, NaiveDate::from_ymd_opt(2026, 3, 1).expect("day"));
        assert_eq!(range.to, NaiveDate::from_ymd_opt(2026, 3, 31).expect("day"));
        // On 5 April, March is not yet published: February is the last.
        let early = PublishedRange::new(None, None, NaiveDate::from_ymd_opt(2026, 4, 5).expect("day"));
        assert_eq!(early.through, NaiveDate::from_ymd_opt(2026, 2, 1).expect("day"));
        // Asking for April alone on 20 April reads nothing.
        let april = NaiveDate::from_ymd_opt(2026, 4, 1).expect("day");
        let asked =
            PublishedRange::new(Some(april), None, NaiveDate::from_ymd_opt(2026, 4, 20).expect("day"));
        assert!(asked.is_empty());
    }
}
