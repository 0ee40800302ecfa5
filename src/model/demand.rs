//! Anonymous demand records: one help-desk request, with no name, no phone,
//! no free text and no precise home location.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use super::resource::{FieldError, ValidationErrors};
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
    /// No reason repeats a value sent, which might be personal.
    pub fn from_json(map: &Map<String, Value>, today: NaiveDate) -> Result<DemandInput, ValidationErrors> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, reason: String| errors.push(FieldError { field: field.into(), reason });
        for key in map.keys() {
            if !FIELDS.contains(&key.as_str()) {
                fail(
                    key,
                    format!(
                        "is not accepted: a demand record holds only {} — never a name, phone number or free text",
                        FIELDS.join(", ")
                    ),
                );
            }
        }
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::trim);
        let date = match text("date") {
            None => Some(today),
            Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(date) if date <= today => Some(date),
                Ok(_) => {
                    fail("date", "is in the future".into());
                    None
                }
                Err(_) => {
                    fail("date", "is not a date in the form YYYY-MM-DD".into());
                    None
                }
            },
        };
        fn word<W: std::str::FromStr<Err = super::vocab::UnknownWord>>(
            value: Option<&str>,
            key: &str,
            fail: &mut impl FnMut(&str, String),
        ) -> Option<W> {
            match value.map(str::parse::<W>) {
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
        let need = word::<Topic>(text("need"), "need", &mut fail);
        let channel = word::<Channel>(text("channel"), "channel", &mut fail);
        let requester = word::<Requester>(text("requester"), "requester", &mut fail);
        let area = text("area").map(str::to_owned);
        if area.as_deref().is_some_and(|a| !is_slug(a)) {
            fail("area", "must be an area id such as it-rm-municipio-02".into());
        }
        let number = |key: &str| map.get(key).and_then(Value::as_f64);
        let point = match (number("lon"), number("lat")) {
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
        if area.is_none() && point.is_none() {
            fail(
                "area",
                "give the area (an id) or a point (lon, lat) that witgis reduces to its area".into(),
            );
        }
        let referred_to: Vec<String> = match map.get("referred_to") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
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
}

/// A stored demand record. Records are append-only: their only history is
/// who logged them and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Demand {
    /// Assigned by the store, increasing.
    pub id: i64,
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
        id: i64,
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

/// A count as published: exact from 5 up, `"<5"` below, so that no single
/// caller can be singled out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64);

impl Serialize for Count {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 < 5 { s.serialize_str("<5") } else { s.serialize_u64(self.0) }
    }
}

/// The unmet requests of a group, as published beside the group's request
/// count (5 or more): exact when neither they nor the met remainder number 1
/// to 4; `"<5"` when they are fewer than 5; `"≥N"` (N = requests − 4) when
/// the met remainder is, so that subtracting never singles out a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unmet {
    /// Unmet requests.
    pub unmet: u64,
    /// All requests of the group.
    pub requests: u64,
}

impl Unmet {
    /// The published lower bound: the count, 0 for `"<5"`, N for `"≥N"`.
    pub fn shown(self) -> u64 {
        match self.band() {
            Band::Exact => self.unmet,
            Band::Fewer => 0,
            Band::AtLeast(n) => n,
        }
    }

    fn band(self) -> Band {
        let met = self.requests.saturating_sub(self.unmet);
        if self.unmet < 5 {
            Band::Fewer
        } else if (1..5).contains(&met) {
            Band::AtLeast(self.requests - 4)
        } else {
            Band::Exact
        }
    }
}

enum Band {
    Exact,
    Fewer,
    AtLeast(u64),
}

impl std::fmt::Display for Unmet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.band() {
            Band::Exact => write!(f, "{}", self.unmet),
            Band::Fewer => f.write_str("<5"),
            Band::AtLeast(n) => write!(f, "≥{n}"),
        }
    }
}

impl Serialize for Unmet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.band() {
            Band::Exact => s.serialize_u64(self.unmet),
            _ => s.collect_str(self),
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0 < 5 { f.write_str("<5") } else { write!(f, "{}", self.0) }
    }
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

    #[test]
    fn personal_fields_are_refused_by_name() {
        let err = DemandInput::from_json(
            &obj(json!({"need": "housing", "channel": "phone", "requester": "other", "area": "it-rm-municipio-02",
                        "name": "Mario Rossi", "phone": "+39 06 1234567", "notes": "lives alone"})),
            today(),
        )
        .unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "notes"]);
        assert!(!err.to_string().contains("Mario"), "the refused value is never echoed");
    }

    #[test]
    fn small_counts_are_hidden() {
        assert_eq!(serde_json::to_string(&Count(4)).unwrap(), "\"<5\"");
        assert_eq!(serde_json::to_string(&Count(5)).unwrap(), "5");
    }

    #[test]
    fn unmet_counts_hide_small_numbers_on_both_sides() {
        let shown = |unmet, requests| serde_json::to_value(Unmet { unmet, requests }).unwrap();
        assert_eq!(shown(3, 9), json!("<5"));
        assert_eq!(shown(0, 9), json!("<5"));
        assert_eq!(shown(9, 9), json!(9), "all unmet: nobody was met");
        assert_eq!(shown(7, 12), json!(7), "5 met, 7 unmet: both large enough");
        assert_eq!(shown(6, 7), json!("≥3"), "1 met would follow from an exact 6");
        assert_eq!(Unmet { unmet: 6, requests: 7 }.shown(), 3);
        assert_eq!(Unmet { unmet: 6, requests: 7 }.to_string(), "≥3");
    }
}
