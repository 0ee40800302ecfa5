//! The resource record and its validation.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use super::area_ref::area_id;
pub use super::checks::{FieldError, ValidationErrors};
use super::checks::{check_email, check_phone, check_source, check_url};
use super::country::Country;
use super::provenance::{self, Provenance};
use super::status::{Alert, MAX_ALERTS, ServiceStatus, Unavailable, status_holds};
use super::text::is_slug;
use super::vocab::{Access, Category, CoordPrecision, Cost, Topic};

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// A point on the Earth in WGS84, with how precisely it places the resource.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Location {
    /// Longitude in degrees, in [-180, 180].
    pub lon: f64,
    /// Latitude in degrees, in [-90, 90].
    pub lat: f64,
    /// How precise the point is.
    pub precision: CoordPrecision,
}

/// A place or programme that helps people. Only built through
/// [`Resource::from_properties`], so every value is valid.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[non_exhaustive]
pub struct Resource {
    /// Stable slug, e.g. `it-rm-csm-sabrata`.
    pub id: String,
    /// Name in the local language.
    pub name: String,
    /// English name or gloss.
    pub name_en: Option<String>,
    /// What kind of resource this is.
    pub category: Category,
    /// ISO 3166-1 alpha-2 country.
    pub country: Country,
    /// City or town, local spelling.
    pub city: Option<String>,
    /// Street address.
    pub address: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Where it is; `None` for services reached only by phone or online.
    #[serde(skip)]
    pub location: Option<Location>,
    /// Official web site (http or https).
    pub website: Option<String>,
    /// Phone number as published.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Needs it answers.
    pub topics: Vec<Topic>,
    /// Who it is for (free snake_case words such as `social_workers`).
    pub target_groups: Vec<String>,
    /// Languages spoken (ISO 639-1 codes).
    pub languages: Vec<String>,
    /// Opening hours in OpenStreetMap `opening_hours` syntax.
    pub opening_hours: Option<String>,
    /// How to get in.
    pub access: Option<Access>,
    /// Free or fee.
    pub cost: Option<Cost>,
    /// Ids of the areas it is competent for.
    pub serves_areas: Vec<String>,
    /// Where the facts come from, as free text with URLs.
    pub source: Option<String>,
    /// Where each fact comes from: publisher, page, dates, copy, licence.
    pub provenance: Vec<Provenance>,
    /// When an editor last checked the facts against their sources; empty
    /// until one has.
    pub last_verified: Option<NaiveDate>,
    /// A short description in our own words.
    pub description: Option<String>,
    /// What an editor should settle: values that sources disagree on (the
    /// one kept is the newest dated; the other is named here).
    pub open_questions: Vec<String>,
    /// Open (the default), temporarily closed, closed or moved.
    pub status: ServiceStatus,
    /// The day the status holds from (a closure's start, a move's day).
    pub status_since: Option<NaiveDate>,
    /// The last day of a temporary closure, when known.
    pub status_until: Option<NaiveDate>,
    /// A moved service: the id of the record at its new place.
    pub moved_to: Option<String>,
    /// A moved service: its new address, in words.
    pub moved_address: Option<String>,
    /// Dated alerts, e.g. admissions suspended since a day.
    pub alerts: Vec<Alert>,
    /// Input only, never stored: the reason an editor gives for keeping a
    /// point the plausibility rules refuse (see [`crate::plausibility`]);
    /// the history keeps it with the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plausibility_override: Option<String>,
}

/// Properties that our own output adds and input may carry back: ignored.
const COMPUTED: &[&str] =
    &["distance_m", "version", "updated_at", "created_at", "hours_week", "centre_of", "unavailable"];

/// Every property a resource reads and stores, besides the geometry.
pub const PROPERTIES: &[&str] = &[
    "id",
    "name",
    "name_en",
    "category",
    "country",
    "city",
    "address",
    "postcode",
    "coord_precision",
    "website",
    "phone",
    "email",
    "topics",
    "target_groups",
    "languages",
    "opening_hours",
    "access",
    "cost",
    "serves_areas",
    "source",
    "last_verified",
    "description",
    "provenance",
    "open_questions",
    "status",
    "status_since",
    "status_until",
    "moved_to",
    "moved_address",
    "alerts",
];

/// Most open questions a record may carry, and the longest one, in characters.
pub const MAX_QUESTIONS: (usize, usize) = (20, 500);

/// Properties read on input besides [`PROPERTIES`] and kept in the
/// history, never stored with the record (nor written in its output).
pub const TRANSIENT: &[&str] = &["plausibility_override"];

impl Resource {
    /// Builds a resource from GeoJSON-style properties and an optional
    /// `[lon, lat]` point, collecting every problem with every field.
    pub fn from_properties(
        props: &Map<String, Value>,
        point: Option<[f64; 2]>,
    ) -> Result<Resource, ValidationErrors> {
        let mut f = Fields { props, errors: Vec::new() };

        for key in props.keys() {
            let key_str = key.as_str();
            if !PROPERTIES.contains(&key_str) && !COMPUTED.contains(&key_str) && !TRANSIENT.contains(&key_str)
            {
                f.fail(key, "unknown property; see the data format in docs/data.md");
            }
        }

        let id = f.required_text("id", 100).filter(|id| is_slug(id));
        if id.is_none() && !f.errors.iter().any(|e| e.field == "id") {
            f.fail("id", "must be lowercase letters and digits joined by '-', e.g. it-rm-csm-sabrata");
        }
        let name = f.required_text("name", MAX_NAME_CHARS);
        let name_en = f.text("name_en", MAX_NAME_CHARS);
        let category = f.word::<Category>("category", true);
        let country = f.required_text("country", 2_000).and_then(|c| match c.parse::<Country>() {
            Ok(c) => Some(c),
            Err(e) => {
                f.fail("country", &e.to_string());
                None
            }
        });
        let city = f.text("city", 200);
        let address = f.text("address", 300);
        let postcode = f.text("postcode", 20);
        let precision = f.word::<CoordPrecision>("coord_precision", false);
        let location = f.location(point, precision);
        let mut website = f.text("website", 500);
        if let Some(w) = &mut website {
            match check_url(w) {
                // The scheme in lowercase, as every store keeps it.
                Ok(()) => lowercase_scheme(w),
                Err(reason) => f.fail("website", &reason),
            }
        }
        let phone = f.text("phone", 40);
        if let Some(p) = &phone {
            if let Err(reason) = check_phone(p) {
                f.fail("phone", &reason);
            }
        }
        let email = f.text("email", 254);
        if let Some(e) = &email {
            if let Err(reason) = check_email(e) {
                f.fail("email", &reason);
            }
        }
        let topics = f.words::<Topic>("topics");
        let target_groups = f.list("target_groups", |g| {
            if g.len() <= 80 && g.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                Ok(g.to_owned())
            } else {
                Err(format!("'{g}' must be a snake_case word such as social_workers (at most 80 characters)"))
            }
        });
        let languages = f.list("languages", |l| {
            if (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_lowercase()) {
                Ok(l.to_owned())
            } else {
                Err(format!("'{l}' is not an ISO 639-1 language code such as it, en, de, bg, lt"))
            }
        });
        let opening_hours = f.text("opening_hours", 500);
        if let Some(oh) = &opening_hours {
            if let Err(reason) = super::hours::check(oh) {
                f.fail("opening_hours", &reason);
            }
        }
        let access = f.word::<Access>("access", false);
        let cost = f.word::<Cost>("cost", false);
        let serves_areas = f.list("serves_areas", area_id);
        let source = f.text("source", 2_000);
        if let Some(src) = &source {
            if let Err(reason) = check_source(src) {
                f.fail("source", &reason);
            }
        }
        let last_verified = f.day("last_verified");
        let description = f.text("description", 1_000);
        let provenance = provenance::read(props.get("provenance"), &mut f.errors);
        let open_questions = f.questions("open_questions");
        let status = f.word::<ServiceStatus>("status", false).unwrap_or(ServiceStatus::Open);
        let status_since = f.day("status_since");
        let status_until = f.day("status_until");
        let moved_to = f.text("moved_to", 100);
        let moved_address = f.text("moved_address", 300);
        f.check_status(status, (status_since, status_until), (&moved_to, &moved_address), id.as_deref());
        let alerts = f.alerts();
        let plausibility_override = f.text("plausibility_override", 500);

        let Fields { errors, .. } = f;
        match (id, name, category, country) {
            (Some(id), Some(name), Some(category), Some(country)) if errors.is_empty() => Ok(Resource {
                id,
                name,
                name_en,
                category,
                country,
                city,
                address,
                postcode,
                location,
                website,
                phone,
                email,
                topics,
                target_groups,
                languages,
                opening_hours,
                access,
                cost,
                serves_areas,
                source,
                provenance,
                last_verified,
                description,
                open_questions,
                status,
                status_since,
                status_until,
                moved_to,
                moved_address,
                alerts,
                plausibility_override,
            }),
            _ => Err(ValidationErrors(errors)),
        }
    }

    /// The record's properties as GeoJSON properties (every field, `null` when
    /// empty), the inverse of [`Resource::from_properties`].
    pub fn properties(&self) -> Map<String, Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        map.insert(
            "coord_precision".into(),
            self.location.map_or(Value::Null, |l| Value::from(l.precision.as_str())),
        );
        map
    }

    /// The `[lon, lat]` of the resource's point, if it has one.
    pub fn point(&self) -> Option<[f64; 2]> {
        self.location.map(|l| [l.lon, l.lat])
    }

    /// Why the service may not be offered on `day` (its status, or an
    /// admissions-suspended alert holding then), or `None` when it may.
    pub fn unavailable_on(&self, day: NaiveDate) -> Option<Unavailable> {
        if status_holds(self.status, self.status_since, self.status_until, day) {
            return Some(match self.status {
                ServiceStatus::Closed => Unavailable::Closed,
                ServiceStatus::Moved => Unavailable::Moved,
                _ => Unavailable::TemporarilyClosed,
            });
        }
        self.alerts
            .iter()
            .any(|a| a.kind == super::status::AlertKind::AdmissionsSuspended && a.active_on(day))
            .then_some(Unavailable::AdmissionsSuspended)
    }

    /// The record as stored: without what input only carries
    /// ([`TRANSIENT`]), which the history keeps.
    pub fn stored_part(mut self) -> Resource {
        self.plausibility_override = None;
        self
    }

    /// The day `at` falls on where the service is.
    pub fn local_day(&self, at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
        at.with_timezone(&super::hours::time_zone(self.country)).date_naive()
    }

    /// [`Resource::unavailable_on`] the day `at` falls on where the service is.
    pub fn unavailable_at(&self, at: chrono::DateTime<chrono::Utc>) -> Option<Unavailable> {
        if self.has_status_news() { self.unavailable_on(self.local_day(at)) } else { None }
    }

    /// Whether the record has a status other than open or any alert: only
    /// such records need [`Resource::unavailable_on`] asked.
    pub fn has_status_news(&self) -> bool {
        self.status != ServiceStatus::Open || !self.alerts.is_empty()
    }
}

/// `HTTP://Example.org` → `http://Example.org`: only the scheme changes.
fn lowercase_scheme(url: &mut String) {
    if let Some(end) = url.find("://") {
        let scheme = url[..end].to_ascii_lowercase();
        url.replace_range(..end, &scheme);
    }
}

/// Reads typed values out of a property map, remembering what was wrong.
struct Fields<'a> {
    props: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Fields<'_> {
    fn fail(&mut self, field: &str, reason: &str) {
        self.errors.push(FieldError { field: field.to_owned(), reason: reason.to_owned() });
    }

    /// A trimmed, non-empty string of at most `max` characters; `None` when
    /// absent, null or blank.
    fn text(&mut self, key: &str, max: usize) -> Option<String> {
        match self.props.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let s = s.trim();
                if s.is_empty() {
                    None
                } else if s.chars().count() > max {
                    self.fail(key, &format!("is longer than {max} characters"));
                    None
                } else if s.chars().any(char::is_control) {
                    self.fail(key, "contains control characters (line breaks, tabs)");
                    None
                } else {
                    Some(s.to_owned())
                }
            }
            Some(other) => {
                self.fail(key, &format!("must be a string, not {}", kind(other)));
                None
            }
        }
    }

    /// A `YYYY-MM-DD` day.
    fn day(&mut self, key: &str) -> Option<NaiveDate> {
        let text = self.text(key, 10)?;
        match super::status::day(&text) {
            Ok(d) => Some(d),
            Err(reason) => {
                self.fail(key, &reason);
                None
            }
        }
    }

    /// The status's days and move fields fit the status.
    fn check_status(
        &mut self,
        status: ServiceStatus,
        (since, until): (Option<NaiveDate>, Option<NaiveDate>),
        (moved_to, moved_address): (&Option<String>, &Option<String>),
        id: Option<&str>,
    ) {
        if status == ServiceStatus::Open && since.is_some() {
            self.fail("status_since", "is only given with a status other than open");
        }
        if until.is_some() && status != ServiceStatus::TemporarilyClosed {
            self.fail("status_until", "is only given with the status temporarily_closed");
        }
        if let (Some(s), Some(u)) = (since, until) {
            if u < s {
                self.fail("status_until", &format!("{u} is before status_since {s}"));
            }
        }
        if status == ServiceStatus::Moved {
            if moved_to.is_none() && moved_address.is_none() {
                self.fail("moved_to", "a moved service needs moved_to (a record's id) or moved_address");
            }
        } else {
            for (key, value) in [("moved_to", moved_to), ("moved_address", moved_address)] {
                if value.is_some() {
                    self.fail(key, "is only given with the status moved");
                }
            }
        }
        if let Some(to) = moved_to {
            if !is_slug(to) {
                self.fail("moved_to", &format!("'{to}' is not a record's id such as it-rm-csm-sabrata"));
            } else if Some(to.as_str()) == id {
                self.fail("moved_to", "names the record itself");
            }
        }
    }

    /// The alerts: a list of objects (or, from a CSV cell, its JSON text).
    fn alerts(&mut self) -> Vec<Alert> {
        let parsed;
        let items = match self.props.get("alerts") {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::String(s)) if s.trim().is_empty() => return Vec::new(),
            Some(Value::String(s)) => {
                match serde_json::from_str::<Value>(s) {
                    Ok(Value::Array(items)) => {
                        parsed = items;
                        &parsed
                    }
                    _ => {
                        self.fail("alerts", "must be a list of alerts, e.g. [{\"kind\": \"other\", \"since\": \"2026-04-15\"}]");
                        return Vec::new();
                    }
                }
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                self.fail("alerts", &format!("must be a list of alerts, not {}", kind(other)));
                return Vec::new();
            }
        };
        if items.len() > MAX_ALERTS {
            self.fail("alerts", &format!("holds {} alerts; at most {MAX_ALERTS}", items.len()));
            return Vec::new();
        }
        let mut out = Vec::new();
        for item in items {
            match Alert::from_json(item) {
                Ok(a) => out.push(a),
                Err(reason) => self.fail("alerts", &reason),
            }
        }
        out
    }

    fn required_text(&mut self, key: &str, max: usize) -> Option<String> {
        let before = self.errors.len();
        let value = self.text(key, max);
        if value.is_none() && self.errors.len() == before {
            self.fail(key, "is required and must not be empty");
        }
        value
    }

    fn word<W>(&mut self, key: &str, required: bool) -> Option<W>
    where
        W: std::str::FromStr<Err = super::vocab::UnknownWord>,
    {
        let raw = if required { self.required_text(key, 100) } else { self.text(key, 100) }?;
        match raw.parse::<W>() {
            Ok(w) => Some(w),
            Err(e) => {
                self.fail(key, &e.to_string());
                None
            }
        }
    }

    /// A list given as a JSON array of strings or as one `;`-separated
    /// string; each item checked by `check`. Duplicates are dropped.
    fn list<T: PartialEq>(&mut self, key: &str, check: impl Fn(&str) -> Result<T, String>) -> Vec<T> {
        let items: Vec<String> = match self.props.get(key) {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::String(s)) => s.split(';').map(str::to_owned).collect(),
            Some(Value::Array(values)) => {
                let mut items = Vec::with_capacity(values.len());
                for v in values {
                    match v {
                        Value::String(s) => items.push(s.clone()),
                        other => {
                            self.fail(key, &format!("must hold strings, found {}", kind(other)));
                            return Vec::new();
                        }
                    }
                }
                items
            }
            Some(other) => {
                self.fail(key, &format!("must be a list of strings, not {}", kind(other)));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for item in items.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match check(item) {
                Ok(v) if !out.contains(&v) => out.push(v),
                Ok(_) => {}
                Err(reason) => self.fail(key, &reason),
            }
        }
        out
    }

    /// Free-text items, each a sentence: a JSON array of strings, or that
    /// array as JSON text (a CSV cell), or one question as plain text.
    fn questions(&mut self, key: &str) -> Vec<String> {
        let (max_items, max_chars) = MAX_QUESTIONS;
        let parsed = match self.props.get(key) {
            Some(Value::String(s)) if s.trim_start().starts_with('[') => {
                match serde_json::from_str::<Value>(s) {
                    Ok(v) => Some(v),
                    Err(_) => {
                        self.fail(key, "starts with '[' but is not a JSON list of strings");
                        return Vec::new();
                    }
                }
            }
            Some(Value::String(s)) => Some(Value::Array(vec![Value::String(s.clone())])),
            other => other.cloned(),
        };
        let items = match parsed {
            None | Some(Value::Null) => return Vec::new(),
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.fail(key, "must be a list of questions (strings)");
                return Vec::new();
            }
        };
        let mut out: Vec<String> = Vec::new();
        for item in items {
            let Value::String(q) = item else {
                self.fail(key, &format!("must hold strings, found {}", kind(&item)));
                continue;
            };
            let q = q.trim();
            if q.is_empty() || out.iter().any(|x| x == q) {
                continue;
            }
            if q.chars().count() > max_chars {
                self.fail(key, &format!("holds a question longer than {max_chars} characters"));
            } else if q.chars().any(|c| c.is_control() || "<>`".contains(c)) {
                self.fail(key, "holds control characters or markup; write plain sentences");
            } else {
                out.push(q.to_owned());
            }
        }
        if out.len() > max_items {
            self.fail(key, &format!("holds {} questions; at most {max_items} are kept", out.len()));
        }
        out
    }

    fn words<W: PartialEq + std::str::FromStr<Err = super::vocab::UnknownWord>>(
        &mut self,
        key: &str,
    ) -> Vec<W> {
        self.list(key, |w| w.parse::<W>().map_err(|e| e.to_string()))
    }

    fn location(&mut self, point: Option<[f64; 2]>, precision: Option<CoordPrecision>) -> Option<Location> {
        let [lon, lat] = match point {
            Some(p) => p,
            None => {
                if precision.is_some() {
                    self.fail(
                        "coord_precision",
                        "is given but the resource has no point; remove it or add lon/lat",
                    );
                }
                return None;
            }
        };
        let mut ok = true;
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            self.fail("lon", &format!("{lon} is not a longitude between -180 and 180"));
            ok = false;
        }
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            self.fail("lat", &format!("{lat} is not a latitude between -90 and 90"));
            ok = false;
        }
        let Some(precision) = precision else {
            if !self.errors.iter().any(|e| e.field == "coord_precision") {
                self.fail("coord_precision", "is required with a point: building, street, district or city");
            }
            return None;
        };
        ok.then_some(Location { lon, lat, precision })
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn props(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn valid() -> Map<String, Value> {
        props(json!({
            "id": "it-rm-csm-sabrata",
            "name": "Centro di Salute Mentale Sabrata",
            "category": "mental_health_centre",
            "country": "IT",
            "coord_precision": "district",
            "topics": ["mental_health_care", "counselling"],
            "website": "https://www.aslroma1.it",
            "serves_areas": "ASL Roma 1; Municipio II (Distretto 2)",
        }))
    }

    fn fields(err: ValidationErrors) -> Vec<String> {
        err.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_valid_record_keeps_every_value() {
        let r = Resource::from_properties(&valid(), Some([12.5185, 41.9265])).expect("valid");
        assert_eq!(r.id, "it-rm-csm-sabrata");
        assert_eq!(r.category, Category::MentalHealthCentre);
        assert_eq!(r.topics, vec![Topic::MentalHealthCare, Topic::Counselling]);
        assert_eq!(r.serves_areas, vec!["it-rm-asl-roma-1", "it-rm-municipio-02"]);
        assert_eq!(r.point(), Some([12.5185, 41.9265]));
    }

    #[test]
    fn properties_round_trip() {
        let r = Resource::from_properties(&valid(), Some([12.5, 41.9])).expect("valid");
        let again = Resource::from_properties(&r.properties(), r.point()).expect("round trip");
        assert_eq!(r, again);
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut p = valid();
        p.insert("name".into(), json!("  "));
        p.insert("category".into(), json!("museum"));
        p.insert("country".into(), json!("Italy"));
        p.insert("topics".into(), json!(["housing", "cooking"]));
        p.insert("website".into(), json!("www.example"));
        p.insert("email".into(), json!("nobody"));
        let err = Resource::from_properties(&p, Some([200.0, f64::NAN])).unwrap_err();
        let names = fields(err);
        for f in ["name", "category", "country", "topics", "website", "email", "lon", "lat"] {
            assert!(names.contains(&f.to_owned()), "{f} missing in {names:?}");
        }
    }

    #[test]
    fn names_are_limited_to_200_characters() {
        let mut p = valid();
        p.insert("name".into(), json!("é".repeat(200)));
        assert!(Resource::from_properties(&p, None).is_err_and(|e| fields(e) == ["coord_precision"]));
        p.remove("coord_precision");
        assert!(Resource::from_properties(&p, None).is_ok());
        p.insert("name".into(), json!("é".repeat(201)));
        assert_eq!(fields(Resource::from_properties(&p, None).unwrap_err()), ["name"]);
    }

    #[test]
    fn unknown_properties_and_bad_ids_are_refused() {
        let mut p = valid();
        p.insert("colour".into(), json!("red"));
        p.insert("id".into(), json!("Not A Slug"));
        let names = fields(Resource::from_properties(&p, Some([12.0, 41.0])).unwrap_err());
        assert!(names.contains(&"colour".to_owned()) && names.contains(&"id".to_owned()), "{names:?}");
    }

    #[test]
    fn a_point_needs_its_precision() {
        let mut p = valid();
        p.remove("coord_precision");
        assert_eq!(
            fields(Resource::from_properties(&p, Some([12.0, 41.0])).unwrap_err()),
            ["coord_precision"]
        );
    }

    #[test]
    fn provenance_and_open_questions_are_read_and_checked() {
        let mut p = valid();
        p.insert(
            "provenance".into(),
            json!([{"publisher": "ASL Roma 1", "url": "https://www.aslroma1.it/x", "facts": ["phone"],
                    "page_date": "2026-06-19", "read_on": "2026-09-21", "via_copy": true}]),
        );
        p.insert("open_questions".into(), json!(["House number 16/B (2024) or 16/d (2026)?", " ", "x"]));
        let r = Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid");
        assert_eq!(r.provenance[0].publisher, "ASL Roma 1");
        assert_eq!(r.open_questions, ["House number 16/B (2024) or 16/d (2026)?", "x"]);
        assert_eq!(Resource::from_properties(&r.properties(), r.point()).as_ref(), Ok(&r));
        // One question as plain text, or the list as JSON text (a CSV cell).
        p.insert("open_questions".into(), json!("Which phone; the first or the second?"));
        let one = Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid");
        assert_eq!(one.open_questions, ["Which phone; the first or the second?"]);
        p.insert("open_questions".into(), json!("[\"a\", \"b\"]"));
        assert_eq!(
            Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid").open_questions,
            ["a", "b"]
        );

        for (bad, field) in [
            (json!({"open_questions": "[not json"}), "open_questions"),
            (json!({"open_questions": [1]}), "open_questions"),
            (json!({"open_questions": ["<b>x</b>"]}), "open_questions"),
            (json!({"open_questions": ["q".repeat(501)]}), "open_questions"),
            (json!({"provenance": [{"publisher": "A", "read_on": "2026-13-01"}]}), "provenance[0].read_on"),
            (json!({"provenance": "ASL Roma 1"}), "provenance"),
        ] {
            let mut p = valid();
            p.extend(props(bad.clone()));
            let err = Resource::from_properties(&p, Some([12.5, 41.9])).expect_err(&bad.to_string());
            assert_eq!(fields(err), [field], "{bad}");
        }
        let many: Vec<String> = (0..=MAX_QUESTIONS.0).map(|i| format!("q{i}")).collect();
        let mut p = valid();
        p.insert("open_questions".into(), json!(many));
        assert_eq!(
            fields(Resource::from_properties(&p, Some([12.5, 41.9])).unwrap_err()),
            ["open_questions"]
        );
    }

    #[test]
    fn only_web_addresses_without_markup_are_kept() {
        for bad in [
            "javascript:alert(1)",
            "https://example.org/\"onmouseover=\"alert(1)",
            "https://example.org/a b",
            "https://example.org/<script>",
            "data:text/html,hi",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
        assert!(check_url("https://www.aslroma1.it/uoc-salute-mentale?x=1&y=%22").is_ok());
        for ok in [
            "knowledge",
            "knowledge; coordinates = GeoNames \"Dahlem\"",
            "https://docslib.org/doc/9076467/carta-servizi-dsm-pdf; address: via Roma 1",
            "Note: see (https://example.org/a).",
            "dell'Agenzia; http://www.bta.bg/bg/c/BO/id/2379696",
        ] {
            assert_eq!(check_source(ok), Ok(()), "{ok}");
        }
        for bad in [
            "knowledge; javascript:alert(1)",
            "see JavaScript:alert(1)",
            "https://example.org/\"onclick=x",
            "knowledge <img src=x>",
            "vbscript:msgbox",
            "ftp://example.org/file",
        ] {
            assert!(check_source(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_website_keeps_its_address_with_the_scheme_in_lowercase() {
        let mut p = valid();
        p.insert("website".into(), json!("HTTP://EXAMPLE.ORG/Path"));
        let r = Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid");
        assert_eq!(r.website.as_deref(), Some("http://EXAMPLE.ORG/Path"));
        p.insert("website".into(), json!("HTTPS://example.org"));
        assert_eq!(
            Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid").website.as_deref(),
            Some("https://example.org")
        );
    }

    #[test]
    fn status_and_alerts_round_trip_and_decide_availability() {
        let mut p = valid();
        p.insert("status".into(), json!("temporarily_closed"));
        p.insert("status_since".into(), json!("2026-03-01"));
        p.insert("status_until".into(), json!("2026-03-31"));
        p.insert(
            "alerts".into(),
            json!([{"kind": "admissions_suspended", "since": "2026-04-15", "note": "no new patients"}]),
        );
        let r = Resource::from_properties(&p, Some([12.5, 41.9])).expect("valid");
        assert_eq!(Resource::from_properties(&r.properties(), r.point()).expect("round trip"), r);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("day");
        assert_eq!(r.unavailable_on(day("2026-02-28")), None);
        assert_eq!(r.unavailable_on(day("2026-03-10")), Some(Unavailable::TemporarilyClosed));
        assert_eq!(r.unavailable_on(day("2026-04-01")), None, "the closure ended");
        assert_eq!(r.unavailable_on(day("2026-04-15")), Some(Unavailable::AdmissionsSuspended));
        let plain = Resource::from_properties(&valid(), Some([12.5, 41.9])).expect("valid");
        assert_eq!((plain.status, plain.has_status_news()), (ServiceStatus::Open, false));
    }

    #[test]
    fn status_fields_must_fit_the_status() {
        for (extra, field) in [
            (json!({"status": "open", "status_since": "2026-01-01"}), "status_since"),
            (json!({"status": "closed", "status_until": "2026-01-01"}), "status_until"),
            (
                json!({"status": "temporarily_closed", "status_since": "2026-02-01", "status_until": "2026-01-01"}),
                "status_until",
            ),
            (json!({"status": "moved"}), "moved_to"),
            (json!({"status": "moved", "moved_to": "it-rm-csm-sabrata"}), "moved_to"),
            (json!({"moved_address": "Via Roma 1"}), "moved_address"),
            (json!({"status": "shut"}), "status"),
            (json!({"status_since": "15 April"}), "status_since"),
            (json!({"alerts": [{"kind": "strike", "since": "2026-01-01"}]}), "alerts"),
            (json!({"alerts": "suspended"}), "alerts"),
        ] {
            let mut p = valid();
            if let Value::Object(e) = extra.clone() {
                p.extend(e);
            }
            let names = fields(Resource::from_properties(&p, Some([12.5, 41.9])).expect_err("refused"));
            assert!(names.contains(&field.to_owned()), "{extra}: {names:?}");
        }
        let mut p = valid();
        p.extend(props(
            json!({"status": "moved", "moved_to": "it-rm-csm-new", "status_since": "2025-01-01"}),
        ));
        assert!(Resource::from_properties(&p, Some([12.5, 41.9])).is_ok());
    }
}
