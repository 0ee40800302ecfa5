//! Opening hours in OpenStreetMap `opening_hours` syntax, evaluated in the
//! resource's local time zone with its country's public holidays (`PH`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use opening_hours::localization::{Country as OhCountry, TzLocation};
use opening_hours::{Context, ContextHolidays, OpeningHours, RuleKind};
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

/// Days in a [`Week`].
pub const WEEK_DAYS: usize = 7;

/// A time span within one local day, as `["08:00", "20:00"]`; a span that
/// runs to midnight ends at `"24:00"`.
pub type Interval = [String; 2];

/// The hours of the next seven days in the service's local time, for people
/// to read (no OpenStreetMap syntax).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// The IANA time zone the dates and times are in, e.g. `Europe/Rome`.
    pub time_zone: &'static str,
    /// Seven days from the local date of the moment asked about.
    pub days: Vec<Day>,
    /// How the hours treat public holidays, when they treat them differently
    /// from an ordinary day: the next public holiday (within a year) on a day
    /// the service usually opens. `None` when no public holiday changes the
    /// hours.
    pub public_holidays: Option<HolidayRule>,
}

/// One local day of a [`Week`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The local date, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// When it is open (empty: closed all day).
    pub intervals: Vec<Interval>,
    /// When the hours say "unknown" (e.g. `unknown` or a comment only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<Interval>,
    /// Whether the day is a public holiday in the service's country.
    pub holiday: bool,
    /// On a public holiday, the intervals of an ordinary day of that date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usual: Option<Vec<Interval>>,
}

/// How the hours treat a public holiday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HolidayRule {
    /// The holiday looked at.
    pub date: NaiveDate,
    /// When it is open that day (empty: closed).
    pub intervals: Vec<Interval>,
    /// When it would be open were that date an ordinary day.
    pub usual: Vec<Interval>,
}

/// The public holidays of a country (none for a country the crate does not know).
fn holidays(country: Country) -> ContextHolidays {
    country.as_str().parse::<OhCountry>().map(OhCountry::holidays).unwrap_or_default()
}

/// The open and unknown intervals of one local day.
fn day_intervals(hours: &OpeningHours, date: NaiveDate) -> (Vec<Interval>, Vec<Interval>) {
    let start = date.and_time(chrono::NaiveTime::MIN);
    let end = start + TimeDelta::days(1);
    let fmt = |t: NaiveDateTime| {
        if t >= end { "24:00".to_owned() } else { t.format("%H:%M").to_string() }
    };
    let (mut open, mut unknown) = (Vec::new(), Vec::new());
    for range in hours.iter_range(start, end) {
        let span = [fmt(range.range.start), fmt(range.range.end)];
        match range.kind {
            RuleKind::Open => open.push(span),
            RuleKind::Unknown => unknown.push(span),
            RuleKind::Closed => {}
        }
    }
    (open, unknown)
}

/// The next seven days of `text` for a service in `country`, from the local
/// date at `at`, with the country's public holidays. `None` when the text
/// does not parse (validated records always do).
pub fn week(text: &str, country: Country, at: DateTime<Utc>) -> Option<Week> {
    let tz = time_zone(country);
    let parsed = text.parse::<OpeningHours>().ok()?;
    let calendar = holidays(country);
    let is_holiday = |d: NaiveDate| calendar.get_public().contains(d);
    let real = parsed.clone().with_context(Context::default().with_holidays(calendar.clone()));
    // The same rules on a calendar with no holidays: what an ordinary day holds.
    let ordinary = parsed.with_context(Context::default());
    let today = at.with_timezone(&tz).date_naive();
    let days = today
        .iter_days()
        .take(WEEK_DAYS)
        .map(|date| {
            let (intervals, unknown) = day_intervals(&real, date);
            let holiday = is_holiday(date);
            let usual = holiday.then(|| day_intervals(&ordinary, date).0);
            Day { date, intervals, unknown, holiday, usual }
        })
        .collect();
    let public_holidays = today.iter_days().take(366).filter(|&d| is_holiday(d)).find_map(|date| {
        let usual = day_intervals(&ordinary, date).0;
        if usual.is_empty() {
            return None;
        }
        let intervals = day_intervals(&real, date).0;
        (intervals != usual).then_some(HolidayRule { date, intervals, usual })
    });
    Some(Week { time_zone: tz.name(), days, public_holidays })
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

    /// `[["08:00","20:00"]]` from `&[("08:00","20:00")]`.
    fn iv(spans: &[(&str, &str)]) -> Vec<Interval> {
        spans.iter().map(|(a, b)| [(*a).to_owned(), (*b).to_owned()]).collect()
    }

    /// Each day as (date, intervals, holiday), for comparing with a hand-written table.
    fn table(w: &Week) -> Vec<(String, Vec<Interval>, bool)> {
        w.days.iter().map(|d| (d.date.to_string(), d.intervals.clone(), d.holiday)).collect()
    }

    const OFFICE: &str = "Mo-Fr 08:00-20:00; Sa 08:00-14:00; PH off";

    #[test]
    fn a_week_in_italy_with_the_immacolata() {
        let it: Country = "IT".parse().unwrap();
        // Monday 7 December 2026, 10:00 in Rome. Tuesday 8 December is a public holiday.
        let w = week(OFFICE, it, at("2026-12-07T09:00:00Z")).unwrap();
        assert_eq!(w.time_zone, "Europe/Rome");
        let (day, sat) = (iv(&[("08:00", "20:00")]), iv(&[("08:00", "14:00")]));
        assert_eq!(
            table(&w),
            vec![
                ("2026-12-07".into(), day.clone(), false),
                ("2026-12-08".into(), vec![], true),
                ("2026-12-09".into(), day.clone(), false),
                ("2026-12-10".into(), day.clone(), false),
                ("2026-12-11".into(), day.clone(), false),
                ("2026-12-12".into(), sat, false),
                ("2026-12-13".into(), vec![], false),
            ]
        );
        assert_eq!(w.days[1].usual, Some(day.clone()), "an ordinary Tuesday would be open");
        assert_eq!(w.days[0].usual, None);
        let ph = w.public_holidays.unwrap();
        assert_eq!((ph.date.to_string(), ph.intervals, ph.usual), ("2026-12-08".into(), vec![], day));
    }

    #[test]
    fn the_same_week_in_germany_has_no_holiday_until_christmas() {
        let de: Country = "DE".parse().unwrap();
        let w = week(OFFICE, de, at("2026-12-07T09:00:00Z")).unwrap();
        assert_eq!(w.time_zone, "Europe/Berlin");
        assert!(w.days.iter().all(|d| !d.holiday && d.usual.is_none()));
        assert_eq!(w.days[1].intervals, iv(&[("08:00", "20:00")]), "8 December is a working day in Germany");
        // The next German public holiday on an opening day: Friday 25 December.
        let ph = w.public_holidays.unwrap();
        assert_eq!(ph.date.to_string(), "2026-12-25");
        assert_eq!(ph.intervals, Vec::<Interval>::new());
        assert_eq!(ph.usual, iv(&[("08:00", "20:00")]));
        // Saturday 3 October 2026 (German Unity Day) in its week.
        let w = week("Mo-Sa 10:00-18:00; PH off", de, at("2026-09-28T08:00:00Z")).unwrap();
        let oct3 = &w.days[5];
        assert_eq!((oct3.date.to_string(), oct3.holiday), ("2026-10-03".into(), true));
        assert_eq!(oct3.intervals, Vec::<Interval>::new());
        assert_eq!(oct3.usual, Some(iv(&[("10:00", "18:00")])));
        assert_eq!(w.days[4].intervals, iv(&[("10:00", "18:00")]));
    }

    #[test]
    fn the_week_starts_on_the_local_date() {
        // 22:30 UTC on Sunday 6 December 2026 is 23:30 Sunday in Rome but
        // 00:30 Monday in Vilnius (UTC+2).
        let moment = at("2026-12-06T22:30:00Z");
        let it = week("Mo 09:00-12:00", "IT".parse().unwrap(), moment).unwrap();
        let lt = week("Mo 09:00-12:00", "LT".parse().unwrap(), moment).unwrap();
        assert_eq!(lt.time_zone, "Europe/Vilnius");
        assert_eq!(it.days[0].date.to_string(), "2026-12-06");
        assert_eq!(it.days[1].intervals, iv(&[("09:00", "12:00")]));
        assert_eq!(lt.days[0].date.to_string(), "2026-12-07");
        assert_eq!(lt.days[0].intervals, iv(&[("09:00", "12:00")]), "local times, not UTC");
        assert_eq!(lt.days[6].date.to_string(), "2026-12-13");
        assert_eq!(it.days.len(), WEEK_DAYS);
    }

    #[test]
    fn nights_midnight_unknown_and_holiday_hours() {
        let it: Country = "IT".parse().unwrap();
        let monday = at("2026-12-07T09:00:00Z");
        // A night that crosses midnight is split at it.
        let w = week("Fr 22:00-02:00", it, monday).unwrap();
        assert_eq!(w.days[4].intervals, iv(&[("22:00", "24:00")]));
        assert_eq!(w.days[5].intervals, iv(&[("00:00", "02:00")]));
        assert_eq!(w.days[3].intervals, Vec::<Interval>::new());
        // Around the clock: every day whole.
        let w = week("24/7", it, monday).unwrap();
        assert!(w.days.iter().all(|d| d.intervals == iv(&[("00:00", "24:00")])));
        assert_eq!(w.public_holidays, None, "24/7 does not change on holidays");
        // "unknown" times are kept apart from the open ones.
        let w = week("Mo-Fr 08:00-12:00; Sa 10:00-12:00 unknown", it, monday).unwrap();
        assert_eq!(w.days[5].intervals, Vec::<Interval>::new());
        assert_eq!(w.days[5].unknown, iv(&[("10:00", "12:00")]));
        // Hours of their own on holidays.
        let w = week("Mo-Fr 08:00-20:00; PH 09:00-12:00", it, monday).unwrap();
        assert_eq!(w.days[1].intervals, iv(&[("09:00", "12:00")]));
        let ph = w.public_holidays.unwrap();
        assert_eq!(ph.intervals, iv(&[("09:00", "12:00")]));
        // Hours that do not mention holidays say nothing about them.
        assert_eq!(week("Mo-Fr 08:00-20:00", it, monday).unwrap().public_holidays, None);
        assert_eq!(week("Mo-Fr 08:00-2x:00", it, monday), None);
    }
}
