//! A service's status (open, temporarily closed, closed, moved) and its
//! dated alerts ("admissions suspended since 15 April 2026"), and whether it
//! may be offered on a given day.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use super::vocab::vocabulary;

vocabulary! {
    /// Whether a service works at its place.
    ServiceStatus, "status" {
        /// Working (the default).
        Open = "open",
        /// Closed for a while: from `status_since` (or an unknown day) until
        /// `status_until` (or an unknown day).
        TemporarilyClosed = "temporarily_closed",
        /// Closed for good since `status_since` (or an unknown day).
        Closed = "closed",
        /// No longer here: moved to another record (`moved_to`) and/or an
        /// address (`moved_address`), since `status_since`.
        Moved = "moved",
    }
}

vocabulary! {
    /// What a dated alert says.
    AlertKind, "alert kind" {
        /// No new patients are taken: the service is not offered.
        AdmissionsSuspended = "admissions_suspended",
        /// Fewer hours or staff: still offered, with the alert shown.
        ReducedService = "reduced_service",
        /// Anything else worth telling: still offered, with the alert shown.
        Other = "other",
    }
}

/// Most alerts one record carries.
pub const MAX_ALERTS: usize = 10;

/// Longest alert note, in characters.
pub const MAX_NOTE_CHARS: usize = 200;

/// A dated alert on a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Alert {
    /// What it says.
    pub kind: AlertKind,
    /// The first day it holds.
    pub since: NaiveDate,
    /// The last day it holds; `None` until further notice.
    pub until: Option<NaiveDate>,
    /// A short note in words (at most 200 characters).
    pub note: Option<String>,
}

impl Alert {
    /// Whether the alert holds on `day`.
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|u| day <= u)
    }

    /// Reads one alert (a JSON object); the errors name the member.
    pub fn from_json(v: &Value) -> Result<Alert, String> {
        let Value::Object(o) = v else {
            return Err("each alert must be an object {\"kind\", \"since\", \"until\", \"note\"}".into());
        };
        if let Some(k) = o.keys().find(|k| !["kind", "since", "until", "note"].contains(&k.as_str())) {
            return Err(format!("an alert has the unknown member '{k}'; use kind, since, until, note"));
        }
        let text = |key: &str| -> Result<Option<&str>, String> {
            match o.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim())),
                Some(_) => Err(format!("an alert's {key} must be a string")),
            }
        };
        let kind = text("kind")?
            .ok_or("an alert needs a kind: admissions_suspended, reduced_service or other")?
            .parse::<AlertKind>()
            .map_err(|e| e.to_string())?;
        let since = day(text("since")?.ok_or("an alert needs the day it holds since (YYYY-MM-DD)")?)?;
        let until = text("until")?.map(day).transpose()?;
        if until.is_some_and(|u| u < since) {
            return Err(format!("an alert ends ({}) before it starts ({since})", until.unwrap_or(since)));
        }
        let note = text("note")?.map(str::to_owned);
        if let Some(n) = &note {
            if n.chars().count() > MAX_NOTE_CHARS {
                return Err(format!("an alert's note is longer than {MAX_NOTE_CHARS} characters"));
            }
            if n.chars().any(|c| c.is_control() || "<>`".contains(c)) {
                return Err("an alert's note holds a control character or markup; write plain text".into());
            }
        }
        Ok(Alert { kind, since, until, note })
    }

    /// The alert in words: "admissions suspended since 2026-04-15 until
    /// 2026-05-31: note".
    pub fn describe(&self) -> String {
        let mut s = format!("{} since {}", self.kind.as_str().replace('_', " "), self.since);
        if let Some(u) = self.until {
            s.push_str(&format!(" until {u}"));
        }
        if let Some(n) = &self.note {
            s.push_str(&format!(": {n}"));
        }
        s
    }
}

/// A `YYYY-MM-DD` day.
pub fn day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date in the form YYYY-MM-DD"))
}

/// Why a service is not offered on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    /// Closed for good.
    Closed,
    /// Closed for a while.
    TemporarilyClosed,
    /// No longer at this place.
    Moved,
    /// Takes no new patients.
    AdmissionsSuspended,
}

impl Unavailable {
    /// The reason as a word of the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Unavailable::Closed => "closed",
            Unavailable::TemporarilyClosed => "temporarily_closed",
            Unavailable::Moved => "moved",
            Unavailable::AdmissionsSuspended => "admissions_suspended",
        }
    }
}

/// Whether a status holds on `day` (a temporary closure only between its days).
pub fn status_holds(
    status: ServiceStatus,
    since: Option<NaiveDate>,
    until: Option<NaiveDate>,
    day: NaiveDate,
) -> bool {
    match status {
        ServiceStatus::Open => false,
        ServiceStatus::TemporarilyClosed => since.is_none_or(|s| s <= day) && until.is_none_or(|u| day <= u),
        ServiceStatus::Closed | ServiceStatus::Moved => since.is_none_or(|s| s <= day),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        day(s).expect("a day")
    }

    #[test]
    fn an_alert_holds_between_its_days() {
        let a = Alert::from_json(&json!({"kind": "admissions_suspended", "since": "2026-04-15",
                                         "until": "2026-05-31"}))
        .expect("valid");
        assert!(!a.active_on(d("2026-04-14")));
        assert!(a.active_on(d("2026-04-15")));
        assert!(a.active_on(d("2026-05-31")));
        assert!(!a.active_on(d("2026-06-01")));
    }

    #[test]
    fn bad_alerts_say_what_is_wrong() {
        for (bad, says) in [
            (json!("closed"), "object"),
            (json!({"kind": "flood", "since": "2026-01-01"}), "flood"),
            (json!({"kind": "other"}), "since"),
            (json!({"kind": "other", "since": "15/04/2026"}), "YYYY-MM-DD"),
            (json!({"kind": "other", "since": "2026-04-15", "until": "2026-04-01"}), "before"),
            (json!({"kind": "other", "since": "2026-04-15", "colour": "red"}), "colour"),
            (json!({"kind": "other", "since": "2026-04-15", "note": "x".repeat(201)}), "200"),
        ] {
            let err = Alert::from_json(&bad).expect_err("refused");
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    #[test]
    fn a_temporary_closure_ends_and_a_closure_does_not() {
        let t = ServiceStatus::TemporarilyClosed;
        let (from, until) = (Some(d("2026-03-01")), Some(d("2026-03-31")));
        assert!(!status_holds(t, from, until, d("2026-02-28")));
        assert!(status_holds(t, from, until, d("2026-03-31")));
        assert!(!status_holds(t, from, until, d("2026-04-01")));
        assert!(status_holds(t, None, None, d("2030-01-01")), "until further notice");
        assert!(status_holds(ServiceStatus::Closed, from, None, d("2030-01-01")));
        assert!(!status_holds(ServiceStatus::Open, None, None, d("2030-01-01")));
    }
}
