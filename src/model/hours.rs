//! Opening hours in OpenStreetMap `opening_hours` syntax, evaluated in the
//! resource's local time zone with its country's public holidays (`PH`).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use opening_hours::localization::{Country as OhCountry, TzLocation};
use opening_hours::{Context, OpeningHours, RuleKind};
use serde::Serialize;

use super::Country;

/// An example of the syntax, for error messages.
pub const EXAMPLE: &str = "Mo-Fr 08:00-20:00; Sa 08:00-14:00; PH off";

/// Checks the syntax; the error points at the part that cannot be read.
pub fn check(text: &str) -> Result<(), String> {
    text.parse::<OpeningHours>().map(|_| ()).map_err(|e| explain(text, &e.to_string()))
}

/// Turns the parser's multi-line report into one sentence naming the place.
fn explain(text: &str, report: &str) -> String {
    let column = report
        .split("--> ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit() && c != ':').next())
        .and_then(|pos| pos.split(':').nth(1))
        .and_then(|c| c.parse::<usize>().ok());
    match column {
        Some(col) => {
            let rest: String = text.chars().skip(col.saturating_sub(1)).take(20).collect();
            format!(
                "cannot be read from character {col} ('{rest}'); use OpenStreetMap syntax such as '{EXAMPLE}'"
            )
        }
        None => format!(
            "{}; use OpenStreetMap syntax such as '{EXAMPLE}'",
            report.lines().next().unwrap_or(report)
        ),
    }
}

/// The time zone a country's services keep (the four countries witgis covers,
/// and UTC elsewhere).
pub fn time_zone(country: Country) -> Tz {
    match country.as_str() {
        "IT" => chrono_tz::Europe::Rome,
        "BG" => chrono_tz::Europe::Sofia,
        "DE" => chrono_tz::Europe::Berlin,
        "LT" => chrono_tz::Europe::Vilnius,
        "AT" => chrono_tz::Europe::Vienna,
        "FR" => chrono_tz::Europe::Paris,
        "ES" => chrono_tz::Europe::Madrid,
        "PL" => chrono_tz::Europe::Warsaw,
        _ => chrono_tz::UTC,
    }
}

/// Whether a service is open at a moment, and when that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// `true` open, `false` closed, `None` when the hours say "unknown".
    pub open_now: Option<bool>,
    /// The next opening or closing, in the service's local time (RFC 3339),
    /// if any within a year.
    pub next_change: Option<String>,
}

/// Evaluates opening hours at `at` for a service in `country`. `None` when
/// the text does not parse (validated records always do).
pub fn status(text: &str, country: Country, at: DateTime<Utc>) -> Option<Status> {
    let tz = time_zone(country);
    let mut context = Context::default().with_locale(TzLocation::new(tz));
    if let Ok(c) = country.as_str().parse::<OhCountry>() {
        context = context.with_holidays(c.holidays());
    }
    let hours = text.parse::<OpeningHours>().ok()?.with_context(context);
    let local = at.with_timezone(&tz);
    let open_now = match hours.state(local).0 {
        RuleKind::Open => Some(true),
        RuleKind::Closed => Some(false),
        RuleKind::Unknown => None,
    };
    let next_change = hours
        .next_change(local)
        .filter(|next| *next - local < chrono::TimeDelta::days(366))
        .map(|next| next.to_rfc3339());
    Some(Status { open_now, next_change })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn errors_point_at_the_bad_part() {
        assert!(check(EXAMPLE).is_ok());
        let err = check("Mo-Fr 08:00-2x:00").unwrap_err();
        assert!(err.contains("character"), "{err}");
        assert!(err.contains("2x:00"), "{err}");
    }

    #[test]
    fn evaluated_in_local_time() {
        let it: Country = "IT".parse().unwrap();
        // Wednesday 2026-11-25 07:30 UTC is 08:30 in Rome: open.
        let s = status("Mo-Fr 08:00-20:00", it, at("2026-11-25T07:30:00Z")).unwrap();
        assert_eq!(s.open_now, Some(true));
        assert_eq!(s.next_change.as_deref(), Some("2026-11-25T20:00:00+01:00"));
        // 06:30 UTC is 07:30 in Rome: still closed; in Sofia (UTC+2) 08:30: open.
        assert_eq!(
            status("Mo-Fr 08:00-20:00", it, at("2026-11-25T06:30:00Z")).unwrap().open_now,
            Some(false)
        );
        let bg: Country = "BG".parse().unwrap();
        assert_eq!(status("Mo-Fr 08:00-20:00", bg, at("2026-11-25T06:30:00Z")).unwrap().open_now, Some(true));
    }

    #[test]
    fn public_holidays_of_the_country_apply() {
        let it: Country = "IT".parse().unwrap();
        // 8 December (Immacolata) 2026 is a Tuesday and a public holiday in Italy.
        let s = status("Mo-Fr 08:00-20:00; PH off", it, at("2026-12-08T10:00:00Z")).unwrap();
        assert_eq!(s.open_now, Some(false));
        let de: Country = "DE".parse().unwrap();
        assert_eq!(
            status("Mo-Fr 08:00-20:00; PH off", de, at("2026-12-08T10:00:00Z")).unwrap().open_now,
            Some(true)
        );
    }
}
