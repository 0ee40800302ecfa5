//! The `datetime` parameter: an instant, a day or an interval.

use chrono::{DateTime, NaiveDate, Utc};

/// A closed or half-open interval of instants; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The first instant included.
    pub start: Option<DateTime<Utc>>,
    /// The last instant included.
    pub end: Option<DateTime<Utc>>,
}

impl Interval {
    /// Does the interval hold `t`?
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }

    /// Parses the `datetime` parameter: an instant, a date (the whole day in
    /// UTC), or `start/end` with `..` or nothing for an open end.
    pub fn parse(raw: &str) -> Result<Interval, String> {
        let usage = "must be an RFC 3339 date-time or date, or an interval start/end with '..' for an open \
                     end (e.g. 2026-01-01T00:00:00Z/..)";
        let bound = |text: &str, end: bool| -> Result<Option<DateTime<Utc>>, String> {
            let text = text.trim();
            if text.is_empty() || text == ".." {
                return Ok(None);
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(text) {
                return Ok(Some(t.with_timezone(&Utc)));
            }
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("'{text}' {usage}"))?;
            let time = if end { day.and_hms_milli_opt(23, 59, 59, 999) } else { day.and_hms_opt(0, 0, 0) };
            Ok(time.map(|t| t.and_utc()))
        };
        match raw.split_once('/') {
            Some((a, b)) => {
                let interval = Interval { start: bound(a, false)?, end: bound(b, true)? };
                match interval {
                    Interval { start: Some(s), end: Some(e) } if s > e => {
                        Err(format!("'{raw}': the start is after the end"))
                    }
                    Interval { start: None, end: None } => Err(format!("'{raw}': both ends are open")),
                    _ => Ok(interval),
                }
            }
            None if raw.trim() == ".." || raw.trim().is_empty() => Err(format!("'{raw}' {usage}")),
            None => {
                let start = bound(raw, false)?;
                let end = if raw.contains('T') { start } else { bound(raw, true)? };
                Ok(Interval { start, end })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn datetime_forms() {
        let i = Interval::parse("2026-01-01T00:00:00Z/..").expect("open end");
        assert!(i.contains(at("2026-06-01T00:00:00Z")) && !i.contains(at("2025-12-31T23:59:59Z")));
        let i = Interval::parse("../2026-01-01").expect("open start, a date");
        assert!(i.contains(at("2026-01-01T23:00:00Z")) && !i.contains(at("2026-01-02T00:00:00Z")));
        let day = Interval::parse("2026-03-04").expect("a whole day");
        assert!(day.contains(at("2026-03-04T00:00:00Z")) && day.contains(at("2026-03-04T23:59:59Z")));
        assert!(!day.contains(at("2026-03-05T00:00:00Z")));
        let instant = Interval::parse("2026-03-04T10:00:00+01:00").expect("an instant");
        assert!(
            instant.contains(at("2026-03-04T09:00:00Z")) && !instant.contains(at("2026-03-04T09:00:01Z"))
        );
        assert!(Interval::parse("2026-01-01T00:00:00Z/").expect("empty end is open").end.is_none());
        for bad in ["", "..", "../..", "yesterday", "2026-02-30", "2026-02-01/2026-01-01"] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
    }
}
