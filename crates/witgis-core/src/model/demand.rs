//! Anonymous demand records: one help-desk request, with no name, no phone,
//! no free text and no precise home location.

use std::collections::BTreeMap;

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use serde_json::{Map, Value};

use super::checks::{FieldError, ValidationErrors};
use super::text::is_slug;
use super::vocab::Topic;

super::vocab::vocabulary! {
    /// How the request reached the desk.
    Channel, "channel" {
        Phone = "phone",
        Email = "email",
        InPerson = "in_person",
    }
}

super::vocab::vocabulary! {
    /// Who asked.
    Requester, "requester" {
        PersonConcerned = "person_concerned",
        FamilyMember = "family_member",
        ServiceStaff = "service_staff",
        Other = "other",
    }
}

/// The only fields a demand record accepts; anything else is refused, so that
/// nothing that identifies a person can slip in.
pub const FIELDS: &[&str] = &["date", "need", "channel", "requester", "area", "lon", "lat", "referred_to"];

/// Decimals kept of a point's coordinates (about 100 m).
pub const POINT_DECIMALS: i32 = 3;

/// A validated request, before its point is reduced to an area.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DemandInput {
    /// The day of the request.
    pub date: NaiveDate,
    /// What was needed.
    pub need: Topic,
    /// Phone, e-mail or in person.
    pub channel: Channel,
    /// Who asked.
    pub requester: Requester,
    /// The area named by the operator.
    pub area: Option<String>,
    /// The point, already rounded to [`POINT_DECIMALS`].
    pub point: Option<[f64; 2]>,
    /// Ids of the resources the caller was referred to.
    pub referred_to: Vec<String>,
}

/// Rounds a coordinate to [`POINT_DECIMALS`] decimals.
pub fn coarsen(v: f64) -> f64 {
    let f = 10f64.powi(POINT_DECIMALS);
    (v * f).round() / f
}

impl DemandInput {
    /// Validates a JSON object; every problem is named, unknown fields first.
    /// A field of the wrong JSON type is refused, never replaced. No reason
    /// repeats a value sent, nor the name of an unknown field (either might
    /// be personal): unknown fields are counted and placed instead.
    pub fn from_json(map: &Map<String, Value>, today: NaiveDate) -> Result<DemandInput, ValidationErrors> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, reason: String| errors.push(FieldError { field: field.into(), reason });
        let unknown: Vec<usize> = map
            .keys()
            .enumerate()
            .filter(|(_, key)| !FIELDS.contains(&key.as_str()))
            .map(|(i, _)| i + 1)
            .collect();
        if !unknown.is_empty() {
            fail("body", unknown_fields(&unknown));
        }
        // Text, absent (missing or null), or refused for its type.
        let text = |key: &str, fail: &mut dyn FnMut(&str, String)| -> Result<Option<&str>, ()> {
            match map.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim())),
                Some(_) => {
                    fail(key, "must be text (a JSON string)".into());
                    Err(())
                }
            }
        };
        let date = match text("date", &mut fail) {
            Err(()) => None,
            Ok(None) => Some(today),
            Ok(Some(d)) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) if date > today => {
                    fail("date", format!("is in the future: today is {today} at the help desk"));
                    None
                }
                Ok(date) if (today - date).num_days() > BACKDATE_DAYS => {
                    fail(
                        "date",
                        format!(
                            "is more than {BACKDATE_DAYS} days ago: a request is logged within {BACKDATE_DAYS} days, \
                             so that published monthly figures never change"
                        ),
                    );
                    None
                }
                Ok(date) => Some(date),
                Err(_) => {
                    fail("date", "is not a date in the form YYYY-MM-DD".into());
                    None
                }
            },
        };
        fn word<W: std::str::FromStr<Err = super::vocab::UnknownWord>>(
            value: Result<Option<&str>, ()>,
            key: &str,
            fail: &mut impl FnMut(&str, String),
        ) -> Option<W> {
            match value.ok()?.map(str::parse::<W>) {
                None => {
                    fail(key, "is required".into());
                    None
                }
                Some(Err(e)) => {
                    // The value is not echoed: it may be something personal.
                    fail(key, format!("must be one of: {}", e.allowed));
                    None
                }
                Some(Ok(w)) => Some(w),
            }
        }
        let need = word::<Topic>(text("need", &mut fail), "need", &mut fail);
        let channel = word::<Channel>(text("channel", &mut fail), "channel", &mut fail);
        let requester = word::<Requester>(text("requester", &mut fail), "requester", &mut fail);
        let area = text("area", &mut fail);
        let area_refused = area.is_err();
        let area = area.ok().flatten().map(str::to_owned);
        if area.as_deref().is_some_and(|a| !is_slug(a)) {
            fail("area", "must be an area id such as it-rm-municipio-02".into());
        }
        let mut number = |key: &str| match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(_) => {
                fail(key, "must be a number of degrees".into());
                Err(())
            }
        };
        let (lon, lat) = (number("lon"), number("lat"));
        let point = match (lon.unwrap_or_default(), lat.unwrap_or_default()) {
            _ if lon.is_err() || lat.is_err() => None,
            (None, None) => None,
            (Some(lon), Some(lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => {
                Some([coarsen(lon), coarsen(lat)])
            }
            (Some(_), Some(_)) => {
                fail("lon", "lon must be in [-180, 180] and lat in [-90, 90]".into());
                None
            }
            _ => {
                fail("lon", "lon and lat go together".into());
                None
            }
        };
        if area.is_none() && point.is_none() && !area_refused && lon.is_ok() && lat.is_ok() {
            fail(
                "area",
                "give the area (an id) or a point (lon, lat) that witgis reduces to its area".into(),
            );
        }
        let referred_to: Vec<String> = match map.get("referred_to") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => match ids.iter().map(Value::as_str).collect::<Option<Vec<&str>>>() {
                Some(ids) => ids.into_iter().map(str::to_owned).collect(),
                None => {
                    fail("referred_to", "every entry must be a resource id (a JSON string)".into());
                    Vec::new()
                }
            },
            Some(_) => {
                fail("referred_to", "must be a list of resource ids".into());
                Vec::new()
            }
        };
        if referred_to.iter().any(|id| !is_slug(id)) {
            fail("referred_to", "every entry must be a resource id".into());
        }
        match (date, need, channel, requester) {
            (Some(date), Some(need), Some(channel), Some(requester)) if errors.is_empty() => {
                Ok(DemandInput { date, need, channel, requester, area, point, referred_to })
            }
            _ => Err(ValidationErrors(errors)),
        }
    }
}

/// The reason given for unknown fields at these (1-based) positions: how
/// many and where, never their names.
fn unknown_fields(positions: &[usize]) -> String {
    let at = positions.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
    let what = match positions.len() {
        1 => format!("holds an unknown field (field {at} of the object)"),
        n => format!("holds {n} unknown fields (fields {at} of the object)"),
    };
    format!(
        "{what}, which is not accepted: a demand record holds only {} — never a name, phone number or \
         free text. Unknown fields are not named here, since a name can itself be personal",
        FIELDS.join(", ")
    )
}

/// A request ready to store: its area resolved (from the point, or checked
/// when named), its referrals checked.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDemand {
    /// The day of the request.
    pub date: NaiveDate,
    /// What was needed.
    pub need: Topic,
    /// Phone, e-mail or in person.
    pub channel: Channel,
    /// Who asked.
    pub requester: Requester,
    /// The id of a loaded area.
    pub area: String,
    /// The point, rounded to [`POINT_DECIMALS`], if one was given.
    pub point: Option<[f64; 2]>,
    /// Ids of existing resources.
    pub referred_to: Vec<String>,
    /// When it is logged.
    pub logged_at: chrono::DateTime<chrono::Utc>,
}

/// A stored demand record. Records are append-only: their only history is
/// who logged them and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    /// Random ([`new_id`]): ids cannot be walked.
    pub id: String,
    /// The day of the request.
    pub date: NaiveDate,
    /// What was needed.
    pub need: Topic,
    /// Phone, e-mail or in person.
    pub channel: Channel,
    /// Who asked.
    pub requester: Requester,
    /// The area the request came from.
    pub area: String,
    /// Longitude rounded to [`POINT_DECIMALS`], if a point was given.
    pub lon: Option<f64>,
    /// Latitude rounded to [`POINT_DECIMALS`], if a point was given.
    pub lat: Option<f64>,
    /// Ids of the resources the caller was referred to.
    pub referred_to: Vec<String>,
    /// When it was logged (UTC, RFC 3339).
    pub created_at: String,
    /// The name of the token that logged it.
    pub created_by: String,
}

impl Demand {
    /// Builds a stored record from its columns, checking the vocabularies.
    #[allow(clippy::too_many_arguments)]
    pub fn from_columns(
        id: String,
        date: &str,
        need: &str,
        channel: &str,
        requester: &str,
        area: String,
        point: (Option<f64>, Option<f64>),
        referred_to: Vec<String>,
        created_at: String,
        created_by: String,
    ) -> Result<Demand, String> {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| format!("date '{date}': {e}"))?;
        Ok(Demand {
            id,
            date,
            need: need.parse().map_err(|e: super::vocab::UnknownWord| e.to_string())?,
            channel: channel.parse().map_err(|e: super::vocab::UnknownWord| e.to_string())?,
            requester: requester.parse().map_err(|e: super::vocab::UnknownWord| e.to_string())?,
            area,
            lon: point.0,
            lat: point.1,
            referred_to,
            created_at,
            created_by,
        })
    }
}

/// Counts below this are never published (they read `"<5"`, as 0 does).
pub const MIN_COUNT: u64 = 5;

/// Every published count is a multiple of this.
pub const ROUND_TO: u64 = 5;

/// A request may be logged at most this many days after its date.
pub const BACKDATE_DAYS: i64 = 7;

/// For this many hours after logging a record, the token that logged it can
/// read it back and withdraw it (to correct a mistake); nobody else ever can
/// through the API.
pub const CORRECTION_HOURS: i64 = 24;

/// A month's figures are published from this day of the following month,
/// once no record of it can be logged or withdrawn any more, so that they
/// never change afterwards.
pub const PUBLISHED_FROM_DAY: u32 = 10;

/// A new demand record id: 128 random bits as 32 lowercase hex digits, so
/// that ids cannot be walked or guessed.
pub fn new_id() -> String {
    use rand::{RngCore, SeedableRng};
    let mut bytes = [0u8; 16];
    rand::rngs::StdRng::from_os_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether `s` has the form of a demand record id.
pub fn is_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The first day of the latest month whose figures are published on `today`
/// (see [`PUBLISHED_FROM_DAY`]).
pub fn last_published_month(today: NaiveDate) -> NaiveDate {
    let this_month = today.with_day(1).unwrap_or(today);
    let back = if today.day() >= PUBLISHED_FROM_DAY { 1 } else { 2 };
    this_month.checked_sub_months(Months::new(back)).unwrap_or(NaiveDate::MIN)
}

/// The last day of the month of `d`.
pub fn end_of_month(d: NaiveDate) -> NaiveDate {
    let first = d.with_day(1).unwrap_or(d);
    first.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX)
}

/// A count as published: a raw count rounded to the nearest multiple of
/// [`ROUND_TO`] (5, 6, 7 → 5; 8 to 12 → 10), and 0 below [`MIN_COUNT`]; or a
/// sum of such counts. 0 is written `"<5"`: it means 0 to 4, so that no
/// figure tells an empty group from one of a few callers. The only way to
/// make a count from raw numbers is [`Count::round`]; everything published
/// is added up from such counts, never from raw ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Count(u64);

impl Count {
    /// Nothing published (0 to 4 requests).
    pub const ZERO: Count = Count(0);

    /// Rounds a raw count for publication.
    pub fn round(raw: u64) -> Count {
        if raw < MIN_COUNT { Count(0) } else { Count((raw + ROUND_TO / 2) / ROUND_TO * ROUND_TO) }
    }

    /// The published value (a multiple of 5; 0 stands for 0 to 4).
    pub fn value(self) -> u64 {
        self.0
    }

    /// Whether anything is published.
    pub fn is_shown(self) -> bool {
        self.0 > 0
    }
}

impl std::ops::Add for Count {
    type Output = Count;
    fn add(self, other: Count) -> Count {
        Count(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Count {
    fn add_assign(&mut self, other: Count) {
        self.0 += other.0;
    }
}

impl std::iter::Sum for Count {
    fn sum<I: Iterator<Item = Count>>(iter: I) -> Count {
        iter.fold(Count::ZERO, |a, b| a + b)
    }
}

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0 { s.serialize_str("<5") } else { s.serialize_u64(self.0) }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 == 0 { f.write_str("<5") } else { write!(f, "{}", self.0) }
    }
}

/// One published cell: a month, an area and a need, with its counts
/// already rounded. Every published demand figure is a sum of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The area id, as logged.
    pub area: String,
    /// What was needed.
    pub need: Topic,
    /// Requests.
    pub requests: Count,
    /// Requests the desk referred to no resource.
    pub not_referred: Count,
}

/// A cell is published only when its requests were logged by at least this
/// many operators (tokens), so that an operator who pads a cell with their
/// own requests still needs two others to see anything: a published cell
/// never tells them about one request of another desk. The same holds for a
/// cell's count of requests referred nowhere.
pub const MIN_OPERATORS: usize = 3;

/// Raw tallies of one cell: requests and their operators, and those referred
/// nowhere and theirs.
#[derive(Default)]
struct Tally<'a> {
    requests: u64,
    operators: std::collections::BTreeSet<&'a str>,
    not_referred: u64,
    not_referred_operators: std::collections::BTreeSet<&'a str>,
}

/// A raw count and its operators, rounded for publication: nothing unless
/// [`MIN_OPERATORS`] operators logged them.
fn publish(count: u64, operators: &std::collections::BTreeSet<&str>) -> Count {
    if operators.len() < MIN_OPERATORS { Count::ZERO } else { Count::round(count) }
}

/// The published cells of `records`, of whole months up to and including
/// the month of `through` (later records are left out). Cells whose
/// requests round to nothing, or were logged by fewer than
/// [`MIN_OPERATORS`] operators, are left out.
pub fn cells(records: &[Demand], through: NaiveDate) -> Vec<Cell> {
    let last = end_of_month(through);
    let mut raw: BTreeMap<(NaiveDate, &str, Topic), Tally> = BTreeMap::new();
    for d in records.iter().filter(|d| d.date <= last) {
        let month = d.date.with_day(1).unwrap_or(d.date);
        let t = raw.entry((month, d.area.as_str(), d.need)).or_default();
        t.requests += 1;
        t.operators.insert(d.created_by.as_str());
        if d.referred_to.is_empty() {
            t.not_referred += 1;
            t.not_referred_operators.insert(d.created_by.as_str());
        }
    }
    raw.into_iter()
        .map(|((month, area, need), t)| Cell {
            month,
            area: area.to_owned(),
            need,
            requests: publish(t.requests, &t.operators),
            not_referred: publish(t.not_referred, &t.not_referred_operators),
        })
        .filter(|c| c.requests.is_shown())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
    }

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_valid_request_keeps_only_a_coarse_point() {
        let d = DemandInput::from_json(
            &obj(json!({"need": "housing", "channel": "phone", "requester": "family_member",
                        "lon": 12.515678, "lat": 41.924321, "referred_to": ["it-rm-csm-sabrata"]})),
            today(),
        )
        .unwrap();
        assert_eq!(d.point, Some([12.516, 41.924]));
        assert_eq!(d.date, today());
    }

    /// Issue 39 (D11) changed this test: unknown fields were refused by
    /// name, and a field's name can itself be personal.
    #[test]
    fn personal_fields_are_refused_without_their_names() {
        let err = DemandInput::from_json(
            &obj(json!({"need": "housing", "channel": "phone", "requester": "other", "area": "it-rm-municipio-02",
                        "Mario Rossi": true, "phone": "+39 06 1234567", "notes": "lives alone"})),
            today(),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["body"]);
        let said = err.to_string();
        assert!(said.contains("3 unknown fields (fields 5, 6, 7 of the object)"), "{said}");
        for sent in ["Mario", "Rossi", "notes", "+39", "lives"] {
            assert!(!said.contains(sent), "{sent} is echoed: {said}");
        }
        let one = DemandInput::from_json(&obj(json!({"Anna Bianchi": 1, "need": "housing"})), today())
            .unwrap_err()
            .to_string();
        assert!(one.contains("an unknown field (field 1 of the object)") && !one.contains("Anna"), "{one}");
    }

    /// Issue 39 (D7): a field of the wrong JSON type was silently replaced
    /// (a numeric date by today, non-text referrals dropped).
    #[test]
    fn wrong_types_are_refused_never_replaced() {
        let valid = json!({"need": "housing", "channel": "phone", "requester": "other", "area": "it-rm-municipio-02"});
        let refused = |field: &str, value: Value| -> Vec<String> {
            let mut body = valid.clone();
            body[field] = value;
            match DemandInput::from_json(&obj(body), today()) {
                Ok(d) => panic!("{field} accepted as {d:?}"),
                Err(e) => e.0.into_iter().map(|e| e.field).collect(),
            }
        };
        assert_eq!(refused("date", json!(20261123)), ["date"]);
        assert_eq!(refused("date", json!(["2026-11-23"])), ["date"]);
        assert_eq!(refused("referred_to", json!([1, null])), ["referred_to"]);
        assert_eq!(refused("referred_to", json!(["it-rm-csm-sabrata", {}])), ["referred_to"]);
        assert_eq!(refused("referred_to", json!("it-rm-csm-sabrata")), ["referred_to"]);
        assert_eq!(refused("need", json!(3)), ["need"]);
        assert_eq!(refused("channel", json!(true)), ["channel"]);
        assert_eq!(refused("requester", json!({"x": 1})), ["requester"]);
        assert_eq!(refused("area", json!(2)), ["area"]);
        // A point of the wrong type is refused even beside a valid area.
        assert_eq!(refused("lon", json!("12.5")), ["lon"]);
        let mut both = valid.clone();
        both["lon"] = json!(12.5);
        both["lat"] = json!([41.9]);
        let err = DemandInput::from_json(&obj(both), today()).unwrap_err();
        assert_eq!(err.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["lat"]);
        // Null stays "not given": no date is today, no referral is none.
        let mut nulls = valid.clone();
        nulls["date"] = Value::Null;
        nulls["referred_to"] = Value::Null;
        let d = DemandInput::from_json(&obj(nulls), today()).unwrap();
        assert_eq!((d.date, d.referred_to.len()), (today(), 0));
    }

    #[test]
    fn counts_are_rounded_to_five_and_small_ones_hidden() {
        let shown: Vec<u64> = (0..=13).map(|n| Count::round(n).value()).collect();
        assert_eq!(shown, [0, 0, 0, 0, 0, 5, 5, 5, 10, 10, 10, 10, 10, 15]);
        assert_eq!(serde_json::to_string(&Count::round(4)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Count::round(0)).unwrap(), "\"<5\"", "0 reads as 1 to 4 do");
        assert_eq!(serde_json::to_string(&Count::round(12)).unwrap(), "10");
    }

    /// Issue 39 (D6): an operator padding a cell with 4 requests of their
    /// own learnt from a published 5 whether anyone else logged one there.
    #[test]
    fn a_cell_needs_three_operators() {
        let record = |by: &str, referred: bool| Demand {
            id: new_id(),
            date: NaiveDate::from_ymd_opt(2026, 10, 5).unwrap(),
            need: Topic::Housing,
            channel: Channel::Phone,
            requester: Requester::Other,
            area: "area-ii".into(),
            lon: None,
            lat: None,
            referred_to: if referred { vec!["it-rm-caritas".into()] } else { vec![] },
            created_at: "2026-10-05T08:00:00Z".into(),
            created_by: by.into(),
        };
        let through = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let mut log: Vec<Demand> = (0..4).map(|_| record("desk-a", false)).collect();
        log.push(record("desk-b", false));
        assert_eq!(cells(&log, through), [], "4 own and 1 other: nothing");
        log.extend((0..3).map(|_| record("desk-b", false)));
        assert_eq!(cells(&log, through), [], "two operators are not enough, however many requests");
        log.push(record("desk-c", false));
        let published = cells(&log, through);
        assert_eq!(published.len(), 1);
        assert_eq!((published[0].requests.value(), published[0].not_referred.value()), (10, 10));
        // Requests referred nowhere obey the same rule on their own.
        let mut log: Vec<Demand> = (0..4).map(|_| record("desk-a", false)).collect();
        log.extend([record("desk-b", false), record("desk-c", true)]);
        let published = cells(&log, through);
        assert_eq!((published[0].requests.value(), published[0].not_referred.value()), (5, 0));
    }

    #[test]
    fn months_are_published_from_the_tenth_of_the_next() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(last_published_month(day("2026-12-09")), day("2026-10-01"));
        assert_eq!(last_published_month(day("2026-12-10")), day("2026-11-01"));
        assert_eq!(last_published_month(day("2026-01-05")), day("2025-11-01"));
        assert_eq!(end_of_month(day("2024-02-10")), day("2024-02-29"));
        assert_eq!(end_of_month(day("2026-12-31")), day("2026-12-31"));
    }

    #[test]
    fn ids_are_random_and_recognised() {
        let (a, b) = (new_id(), new_id());
        assert!(is_id(&a) && is_id(&b) && a != b);
        assert!(!is_id("1") && !is_id(&a.to_uppercase()));
    }
}
