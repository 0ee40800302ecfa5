//! The stored feeds prepared for queries, and the journeys as JSON in the
//! feed's local time.

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde_json::{Value, json};

use super::{Journey, Leg, Params, Router};

/// One prepared feed.
#[derive(Debug)]
pub struct Network {
    pub id: String,
    pub zone: chrono_tz::Tz,
    pub router: Router,
}

/// Every prepared feed.
#[derive(Debug, Default)]
pub struct Networks {
    pub feeds: Vec<Network>,
    /// Each stored feed's id and import time when these were prepared (a
    /// feed left out included): a reload prepares again only on a change.
    pub stamps: Vec<(String, String)>,
}

impl Networks {
    /// Prepares stored feeds with the stated parameters; a feed that does not
    /// prepare is left out with a warning (it was checked at import).
    pub fn new(feeds: Vec<super::Feed>, params: Params) -> Networks {
        let stamps = feeds.iter().map(|f| (f.id.clone(), f.imported_at.clone())).collect();
        let feeds = feeds
            .into_iter()
            .filter_map(|f| {
                let zone = f.timetable.timezone.parse::<chrono_tz::Tz>().ok()?;
                match Router::new(f.timetable, params) {
                    Ok(router) => Some(Network { id: f.id, zone, router }),
                    Err(e) => {
                        tracing::warn!(feed = %f.id, "transit feed left out: {e}");
                        None
                    }
                }
            })
            .collect();
        Networks { feeds, stamps }
    }

    /// The feed serving `p`: the one with the most stops within walking
    /// reach of it (`None` when no feed has a stop there).
    pub fn serving(&self, p: [f64; 2]) -> Option<&Network> {
        self.feeds
            .iter()
            .map(|n| (n.router.stops_near(p).len(), n))
            .filter(|(count, _)| *count > 0)
            .max_by_key(|(count, _)| *count)
            .map(|(_, n)| n)
    }
}

impl Network {
    /// `t` seconds after midnight of `date` in the feed's zone, as RFC 3339.
    pub fn local(&self, date: NaiveDate, t: u32) -> String {
        let naive: NaiveDateTime =
            date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::seconds(i64::from(t));
        match self.zone.from_local_datetime(&naive).earliest() {
            Some(dt) => dt.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            None => naive.format("%Y-%m-%dT%H:%M:%S").to_string(),
        }
    }

    /// A journey as JSON: departure, arrival, the lines ridden, and its legs.
    pub fn journey_json(&self, date: NaiveDate, j: &Journey) -> Value {
        let tt = self.router.timetable();
        let name = |s: Option<u32>| s.and_then(|s| tt.stops.get(s as usize)).map(|s| s.name.clone());
        let legs: Vec<Value> = j
            .legs
            .iter()
            .map(|leg| match *leg {
                Leg::Walk { from, to, start_s, end_s, metres } => json!({
                    "mode": "walk",
                    "from": name(from),
                    "to": name(to),
                    "depart": self.local(date, start_s),
                    "arrive": self.local(date, end_s),
                    "metres": metres.round(),
                }),
                Leg::Ride { trip, from, to, depart_s, arrive_s } => {
                    let t = &tt.trips[trip as usize];
                    let route = &tt.routes[t.route as usize];
                    json!({
                        "mode": route.mode,
                        "line": route.name,
                        "headsign": t.headsign,
                        "from": name(Some(from)),
                        "to": name(Some(to)),
                        "depart": self.local(date, depart_s),
                        "arrive": self.local(date, arrive_s),
                    })
                }
            })
            .collect();
        json!({
            "feed": self.id,
            "depart": self.local(date, j.depart_s),
            "arrive": self.local(date, j.arrive_s),
            "legs": legs,
        })
    }
}
