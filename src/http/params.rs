//! Query-string parsing that names every bad parameter.
//!
//! Parameters may repeat (`category=a&category=b`) or hold comma lists
//! (`category=a,b`). Unknown parameters are refused, so a typo such as
//! `catgory=` is reported instead of silently ignored.

use std::str::FromStr;

use super::error::{ApiError, InvalidParam};
use crate::index::{BBox, Filter};
use crate::model::{Category, Country, Topic};

/// A set of query parameters declared once, by [`query_params!`]: the type
/// documents them (`params(Set)` in a `#[utoipa::path]`) and [`ParamSet::NAMES`]
/// is what the parser accepts ([`Params::of`]), so the two cannot disagree.
pub trait ParamSet: utoipa::IntoParams {
    /// The parameters' names, in declaration order.
    const NAMES: &'static [&'static str];
}

/// Declares a set of query parameters: a struct whose fields are the
/// parameters (the field's doc comment is the parameter's description, its
/// type the schema, `#[param(...)]` any bounds), deriving
/// [`utoipa::IntoParams`] (in the query) and [`ParamSet`]. The struct is
/// never built: the handler parses with [`Params`], named by the set. A
/// parameter whose name is no Rust identifier is written `field as "name"`
/// (`filter_lang as "filter-lang"`).
macro_rules! query_params {
    ($(#[$meta:meta])* $vis:vis struct $name:ident {
        $($(#[$fmeta:meta])* $field:ident $(as $rename:literal)? : $ty:ty),* $(,)?
    }) => {
        $(#[$meta])*
        #[derive(utoipa::IntoParams)]
        #[into_params(parameter_in = Query)]
        #[allow(dead_code)]
        $vis struct $name {
            $($(#[$fmeta])* $(#[param(rename = $rename)])? $field: $ty),*
        }

        impl $crate::http::params::ParamSet for $name {
            const NAMES: &'static [&'static str] =
                &[$($crate::http::params::query_params!(@name $field $($rename)?)),*];
        }
    };
    (@name $field:ident $rename:literal) => { $rename };
    (@name $field:ident) => { stringify!($field) };
}
pub(crate) use query_params;

/// Parsed query parameters and the problems found so far.
pub struct Params {
    pairs: Vec<(String, String)>,
    errors: Vec<InvalidParam>,
    private: bool,
}

impl Params {
    /// Splits the raw query and refuses names not in `allowed`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Params {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut errors = Vec::new();
        for (name, _) in &pairs {
            if !allowed.contains(&name.as_str()) && !errors.iter().any(|e: &InvalidParam| &e.name == name) {
                errors.push(InvalidParam {
                    name: name.clone(),
                    reason: format!("unknown parameter; this endpoint accepts: {}", allowed.join(", ")),
                });
            }
        }
        Params { pairs, errors, private: false }
    }

    /// Splits the raw query and refuses names not in the set `S`.
    pub fn of<S: ParamSet>(raw: Option<&str>) -> Params {
        Params::parse(raw, S::NAMES)
    }

    /// Like [`Params::of`], for parameters that could hold personal data
    /// (see [`Params::parse_private`]).
    pub fn of_private<S: ParamSet>(raw: Option<&str>) -> Params {
        Params::parse_private(raw, S::NAMES)
    }

    /// Like [`Params::parse`], for parameters that could hold personal data
    /// (the demand log's): no error repeats a value sent.
    pub fn parse_private(raw: Option<&str>, allowed: &[&str]) -> Params {
        Params { private: true, ..Params::parse(raw, allowed) }
    }

    /// Whether the parameter is given at all.
    pub fn has(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == name)
    }

    /// Records a problem with a parameter's value.
    pub fn fail(&mut self, name: &str, reason: String) {
        self.errors.push(InvalidParam { name: name.into(), reason });
    }

    /// Records the core's refusal of parameters (each one named), e.g. a
    /// place id that names no place.
    pub fn fail_all(&mut self, e: crate::service::ServiceError) {
        match e {
            crate::service::ServiceError::InvalidParams(errors)
            | crate::service::ServiceError::InvalidFields(errors) => {
                for e in errors {
                    self.fail(&e.field, e.reason);
                }
            }
            other => self.fail("query", other.to_string()),
        }
    }

    /// The single value of a parameter; repeated values are an error.
    pub fn one(&mut self, name: &str) -> Option<String> {
        let mut values = self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone());
        let first = values.next();
        if values.next().is_some() {
            self.fail(name, "is given more than once".into());
            return None;
        }
        first
    }

    /// A finite number within `range`.
    pub fn number(&mut self, name: &str, range: std::ops::RangeInclusive<f64>, what: &str) -> Option<f64> {
        let raw = self.one(name)?;
        match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && range.contains(&v) => Some(v),
            _ => {
                self.fail(
                    name,
                    format!("'{raw}' is not {what} (a number from {} to {})", range.start(), range.end()),
                );
                None
            }
        }
    }

    /// Like [`Params::number`], but the parameter must be present.
    pub fn required_number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<f64>,
        what: &str,
    ) -> Option<f64> {
        if !self.pairs.iter().any(|(k, _)| k == name) {
            self.fail(
                name,
                format!("is required: {what} (a number from {} to {})", range.start(), range.end()),
            );
            return None;
        }
        self.number(name, range, what)
    }

    /// A whole number within `range`, or `default` when absent.
    pub fn count(&mut self, name: &str, range: std::ops::RangeInclusive<usize>, default: usize) -> usize {
        let Some(raw) = self.one(name) else { return default };
        match raw.trim().parse::<usize>() {
            Ok(v) if range.contains(&v) => v,
            _ => {
                self.fail(
                    name,
                    format!("'{raw}' is not a whole number from {} to {}", range.start(), range.end()),
                );
                default
            }
        }
    }

    /// `true` or `false` (also `1`/`0`); `false` when absent.
    pub fn flag(&mut self, name: &str) -> bool {
        self.optional_flag(name).unwrap_or(false)
    }

    /// `true`/`1`, `false`/`0`, or `None` when absent (or wrong, which fails).
    pub fn optional_flag(&mut self, name: &str) -> Option<bool> {
        match self.one(name).as_deref().map(str::trim) {
            None => None,
            Some("false" | "0") => Some(false),
            Some("true" | "1") => Some(true),
            Some(other) => {
                self.fail(name, format!("'{other}' is not true or false"));
                None
            }
        }
    }

    /// A moment in RFC 3339 form (`2026-11-23T09:30:00+01:00`); now when absent.
    pub fn moment(&mut self, name: &str) -> chrono::DateTime<chrono::Utc> {
        let Some(raw) = self.one(name) else { return chrono::Utc::now() };
        match chrono::DateTime::parse_from_rfc3339(raw.trim()) {
            Ok(t) => t.with_timezone(&chrono::Utc),
            Err(_) => {
                self.fail(name, format!("'{raw}' is not a date and time like 2026-11-23T09:30:00+01:00"));
                chrono::Utc::now()
            }
        }
    }

    /// A day in the form `YYYY-MM-DD`; `None` when absent or invalid.
    pub fn date(&mut self, name: &str) -> Option<chrono::NaiveDate> {
        let raw = self.one(name)?;
        match chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.fail(name, format!("'{raw}' is not a date in the form YYYY-MM-DD"));
                None
            }
        }
    }

    /// Every value of a repeatable, comma-separated parameter, parsed.
    pub fn list<T: FromStr>(&mut self, name: &str) -> Vec<T>
    where
        T::Err: std::fmt::Display,
    {
        let raw: Vec<String> = self
            .pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(',').map(|s| s.trim().to_owned()).collect::<Vec<_>>())
            .filter(|s| !s.is_empty())
            .collect();
        let mut out = Vec::new();
        for item in raw {
            match item.parse::<T>() {
                Ok(v) => out.push(v),
                Err(e) => self.fail(name, e.to_string()),
            }
        }
        out
    }

    /// `bbox=west,south,east,north` in degrees; `west > east` crosses the
    /// antimeridian.
    pub fn bbox(&mut self) -> Option<BBox> {
        let raw = self.one("bbox")?;
        let parts: Vec<Option<f64>> =
            raw.split(',').map(|p| p.trim().parse::<f64>().ok().filter(|v| v.is_finite())).collect();
        let usage = "must be four numbers west,south,east,north in degrees (e.g. 12.3,41.8,12.7,42.0)";
        let [Some(west), Some(south), Some(east), Some(north)] = parts[..] else {
            self.fail("bbox", format!("'{raw}' {usage}"));
            return None;
        };
        let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
        if !(lon_ok(west) && lon_ok(east) && lat_ok(south) && lat_ok(north)) {
            self.fail(
                "bbox",
                format!("'{raw}': longitudes must be in [-180, 180] and latitudes in [-90, 90]"),
            );
            return None;
        }
        if south > north {
            self.fail("bbox", format!("'{raw}': south ({south}) is greater than north ({north})"));
            return None;
        }
        Some(BBox { west, south, east, north })
    }

    /// The filters shared by the listing and nearest endpoints.
    pub fn filter(&mut self) -> Filter {
        let text = self.one("q").map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
        if text.as_ref().is_some_and(|q| q.chars().count() > 200) {
            self.fail("q", "is longer than 200 characters".into());
        }
        Filter {
            categories: self.list::<Category>("category"),
            countries: self.list::<Country>("country"),
            topics: self.list::<Topic>("topic"),
            text,
            verified_since: None,
        }
    }

    /// `verified_since=YYYY-MM-DD`: only records verified on or after that
    /// day, which may not lie in the future (a day of slack for time zones
    /// ahead of UTC).
    pub fn verified_since(&mut self) -> Option<chrono::NaiveDate> {
        let day = self.date("verified_since")?;
        let tomorrow = chrono::Utc::now().date_naive().succ_opt().unwrap_or(chrono::NaiveDate::MAX);
        if day > tomorrow {
            self.fail(
                "verified_since",
                format!("{day} is in the future: no record can have been verified since"),
            );
            return None;
        }
        Some(day)
    }

    /// Ends parsing: an error naming every bad parameter, if any.
    pub fn finish(mut self) -> Result<(), ApiError> {
        if self.private {
            for e in &mut self.errors {
                e.reason = unquoted(&e.reason);
                // Any value echoed without quotes (long enough to be text).
                for (_, v) in &self.pairs {
                    for part in v.split(',').map(str::trim).chain([v.trim()]) {
                        if part.chars().count() >= 4 {
                            e.reason = e.reason.replace(part, "…");
                        }
                    }
                }
            }
        }
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::InvalidParams(self.errors)) }
    }
}

/// `text` with every `'quoted'` value replaced by "the value sent".
fn unquoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('\'') {
        let Some(len) = rest[start + 1..].find('\'') else { break };
        out.push_str(&rest[..start]);
        out.push_str("the value sent");
        rest = &rest[start + 1 + len + 1..];
    }
    out.push_str(rest);
    out
}

/// A value that [`Params::finish`] has vouched for, as an error if absent.
pub fn present<T>(name: &str, value: Option<T>) -> Result<T, ApiError> {
    value.ok_or_else(|| {
        ApiError::InvalidParams(vec![InvalidParam { name: name.into(), reason: "is required".into() }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names utoipa documents for a set, in the query.
    fn documented<S: ParamSet>() -> Vec<(String, bool)> {
        S::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query))
            .into_iter()
            .map(|p| {
                let required = matches!(p.required, utoipa::openapi::Required::True);
                assert!(matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query), "{}", p.name);
                (p.name, required)
            })
            .collect()
    }

    #[test]
    fn a_set_documents_exactly_the_names_it_accepts() {
        use crate::http::{coverage, hsds, nearest, ogcapi, places, referral, resources};
        fn check<S: ParamSet>() {
            let names: Vec<String> = documented::<S>().into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, S::NAMES, "{}", std::any::type_name::<S>());
        }
        check::<places::PlaceParams>();
        check::<referral::ReferralParams>();
        check::<nearest::NearestParams>();
        check::<resources::ResourceListParams>();
        check::<coverage::SuggestParams>();
        check::<hsds::PagingParams>();
        check::<hsds::ServiceListParams>();
        check::<ogcapi::FormatParams>();
        check::<ogcapi::ItemParams>();
        check::<ogcapi::ResourceItemParams>();
        check::<ogcapi::AreaItemParams>();
        // A name that is no Rust identifier is documented as it is accepted.
        assert!(ogcapi::ItemParams::NAMES.contains(&"filter-lang"));
        // What the field's type says: `q` is required, `limit` is not.
        let place = documented::<places::PlaceParams>();
        assert!(place.contains(&("q".into(), true)) && place.contains(&("limit".into(), false)), "{place:?}");
    }

    #[test]
    fn lists_accept_commas_and_repeats() {
        let mut p = Params::parse(Some("category=library,university&category=good_practice"), &["category"]);
        assert_eq!(p.list::<Category>("category").len(), 3);
        assert!(p.finish().is_ok());
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let mut p = Params::parse(Some("lat=91&lon=abc&k=0&catgory=x"), &["lat", "lon", "k"]);
        p.required_number("lat", -90.0..=90.0, "a latitude");
        p.required_number("lon", -180.0..=180.0, "a longitude");
        p.count("k", 1..=100, 10);
        let Err(ApiError::InvalidParams(errors)) = p.finish() else { panic!("should fail") };
        let names: Vec<&str> = errors.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["catgory", "lat", "lon", "k"]);
    }

    #[test]
    fn private_parameters_are_never_repeated() {
        let mut p =
            Params::parse_private(Some("from=Mario%20Rossi&need=Via+Roma+12&by=Anna"), &["from", "need"]);
        p.date("from");
        p.list::<Topic>("need");
        let Err(e) = p.finish() else { panic!("should fail") };
        let text = e.to_string();
        for value in ["Mario", "Roma", "Anna"] {
            assert!(!text.contains(value), "{text}");
        }
        assert!(text.contains("from") && text.contains("need") && text.contains("by"), "{text}");
        assert!(text.contains("is not a date"), "the reasons still read: {text}");
    }

    #[test]
    fn nan_and_infinity_are_not_numbers() {
        for raw in ["lat=NaN", "lat=inf", "lat=-infinity", "lat="] {
            let mut p = Params::parse(Some(raw), &["lat"]);
            assert_eq!(p.number("lat", -90.0..=90.0, "a latitude"), None, "{raw}");
            assert!(p.finish().is_err(), "{raw}");
        }
    }

    #[test]
    fn bbox_forms() {
        let mut p = Params::parse(Some("bbox=170,-10,-170,10"), &["bbox"]);
        assert_eq!(p.bbox(), Some(BBox { west: 170.0, south: -10.0, east: -170.0, north: 10.0 }));
        for bad in ["bbox=1,2,3", "bbox=1,50,3,40", "bbox=1,2,3,x", "bbox=-181,0,0,1"] {
            let mut p = Params::parse(Some(bad), &["bbox"]);
            assert_eq!(p.bbox(), None, "{bad}");
            assert!(p.finish().is_err());
        }
    }
}
