//! The demand log's published figures: the days they cover and their sums
//! per need, area or month. Every figure is added up from the published
//! cells ([`crate::model::demand::cells`]: whole months, counts rounded to a
//! multiple of 5, fewer than 5 left out), never from raw records; see
//! docs/demand-log.md, "Privacy".

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::model::demand::{self, Cell, Count};

/// The days a published figure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedRange {
    /// First day counted, if limited: the first of a month.
    pub from: Option<NaiveDate>,
    /// Last day counted: the last of a month, no later than the end of `through`'s.
    pub to: NaiveDate,
    /// The latest month published (its first day).
    pub through: NaiveDate,
}

impl PublishedRange {
    /// `from` and `to` as published figures read them: widened to whole
    /// months (the first day of `from`'s month, the last of `to`'s), and `to`
    /// no later than the end of the last month published on `today`.
    pub fn new(from: Option<NaiveDate>, to: Option<NaiveDate>, today: NaiveDate) -> PublishedRange {
        let through = demand::last_published_month(today);
        let last = demand::end_of_month(through);
        let to = to.map_or(last, |t| demand::end_of_month(t).min(last));
        PublishedRange { from: from.and_then(|d| d.with_day(1)), to, through }
    }

    /// Whether the range holds no day (it starts after it ends, e.g. after
    /// the last published month): nothing is to be read.
    pub fn is_empty(&self) -> bool {
        self.from.is_some_and(|f| f > self.to)
    }
}

/// How a summary groups records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By need (a topic).
    Need,
    /// By area id.
    Area,
    /// By month, `YYYY-MM`.
    Month,
}

impl GroupBy {
    /// Parses `need`, `area` or `month`.
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "need" => Some(GroupBy::Need),
            "area" => Some(GroupBy::Area),
            "month" => Some(GroupBy::Month),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            GroupBy::Need => "need",
            GroupBy::Area => "area",
            GroupBy::Month => "month",
        }
    }

    fn key(self, c: &Cell) -> String {
        match self {
            GroupBy::Need => c.need.as_str().to_owned(),
            GroupBy::Area => c.area.clone(),
            GroupBy::Month => c.month.format("%Y-%m").to_string(),
        }
    }
}

/// One group of a summary.
#[derive(Debug, Serialize)]
pub struct Group {
    /// The need, area id or month.
    pub key: String,
    /// How many requests (published: a sum of rounded cells).
    pub count: Count,
}

/// Counts of requests per group.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// `need`, `area` or `month`.
    pub by: &'static str,
    /// First day counted, if limited (the first of a month).
    pub from: Option<NaiveDate>,
    /// Last day counted (the last of a month, no later than the end of
    /// `published_through`).
    pub to: NaiveDate,
    /// The latest month published.
    pub published_through: String,
    /// Groups with published requests, by key.
    pub groups: Vec<Group>,
    /// The sum of the groups.
    pub total: Count,
}

/// Adds up the published cells of `range` per group.
pub fn summarise(cells: &[Cell], by: GroupBy, range: &PublishedRange) -> Summary {
    let mut counts: BTreeMap<String, Count> = BTreeMap::new();
    for c in cells {
        *counts.entry(by.key(c)).or_default() += c.requests;
    }
    Summary {
        by: by.as_str(),
        from: range.from,
        to: range.to,
        published_through: range.through.format("%Y-%m").to_string(),
        groups: counts.into_iter().map(|(key, count)| Group { key, count }).collect(),
        total: cells.iter().map(|c| c.requests).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Topic;
    use crate::model::demand::{Channel, Demand, Requester};

    fn demand(date: &str, need: Topic, area: &str) -> Demand {
        Demand {
            id: demand::new_id(),
            date: date.parse().unwrap(),
            need,
            channel: Channel::Phone,
            requester: Requester::Other,
            area: area.into(),
            lon: None,
            lat: None,
            referred_to: Vec::new(),
            created_at: String::new(),
            created_by: "desk".into(),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_are_whole_published_months() {
        // On 9 March February is not yet published (from the 10th): January is the last month.
        let r = PublishedRange::new(Some(day("2025-11-15")), Some(day("2026-02-20")), day("2026-03-09"));
        assert_eq!(
            r,
            PublishedRange {
                from: Some(day("2025-11-01")),
                to: day("2026-01-31"),
                through: day("2026-01-01")
            }
        );
        assert!(!r.is_empty());
        let r = PublishedRange::new(None, None, day("2026-03-10"));
        assert_eq!(r, PublishedRange { from: None, to: day("2026-02-28"), through: day("2026-02-01") });
        // A range starting after the last published month holds nothing.
        let r = PublishedRange::new(Some(day("2026-03-05")), None, day("2026-03-10"));
        assert_eq!(r.from, Some(day("2026-03-01")));
        assert!(r.is_empty());
    }

    #[test]
    fn summaries_add_up_rounded_cells_and_leave_small_ones_out() {
        // Logged from three desks in turn, so that the rule of several
        // operators per cell (model::demand::MIN_OPERATORS) holds throughout.
        let mut records: Vec<Demand> =
            (0..6).map(|_| demand("2026-01-10", Topic::Housing, "it-rm-municipio-01")).collect();
        records.extend((0..3).map(|_| demand("2026-02-10", Topic::Housing, "it-rm-municipio-01")));
        records.push(demand("2026-02-01", Topic::Youth, "it-rm-municipio-02"));
        for (i, r) in records.iter_mut().enumerate() {
            r.created_by = format!("desk-{}", i % 3);
        }
        let range = PublishedRange { from: None, to: day("2026-12-31"), through: day("2026-12-01") };
        let cells = demand::cells(&records, range.through);
        let s = serde_json::to_value(summarise(&cells, GroupBy::Need, &range)).unwrap();
        // January's 6 housing requests publish as 5; February's 3 as nothing.
        assert_eq!(s["groups"], serde_json::json!([{"key": "housing", "count": 5}]));
        assert_eq!(s["total"], 5);
        let s = serde_json::to_value(summarise(&cells, GroupBy::Month, &range)).unwrap();
        assert_eq!(s["groups"], serde_json::json!([{"key": "2026-01", "count": 5}]));
        assert_eq!(s["published_through"], "2026-12");
        assert_eq!(GroupBy::parse(" area "), Some(GroupBy::Area));
        assert_eq!(GroupBy::parse("channel"), None);
    }
}
