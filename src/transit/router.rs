//! The connection scan: one departure, earliest arrival at every stop, then
//! at any number of places (walking the last part), with the journey's legs.
//!
//! The model a journey follows (stated in docs/transit.md): walk from the
//! origin to a stop within [`Params::max_access_m`]; ride trips, changing at
//! one stop (taking [`Params::change_s`], or transfers.txt's time) or walking
//! once to another stop within [`Params::transfer_radius_m`] (or a
//! transfers.txt pair); walk from the last stop to the place, again within
//! the access limit. Or walk all the way when that arrives earlier.
//!
//! Connections are sorted by departure; every change takes at least a second,
//! so a connection that a journey boards after arriving by another one is
//! always scanned after it.

use chrono::{Days, NaiveDate};

use super::Params;
use super::model::Timetable;
use super::walk::{StopGrid, distance_m};

/// Seconds in a day: trips of the day before run past midnight into the query day.
const DAY: u32 = 86_400;
const NEVER: u32 = u32::MAX;
const NOT_BOARDED: u32 = u32::MAX;

/// One elementary ride of a trip: from its stop `pos` to the next.
#[derive(Debug, Clone, Copy)]
struct Connection {
    dep: u32,
    arr: u32,
    trip: u32,
    pos: u32,
    from: u32,
    to: u32,
}

/// A timetable prepared for queries: connections sorted by departure, the
/// footpaths between stops, change times and a grid of stops.
#[derive(Debug, Clone)]
pub struct Router {
    tt: Timetable,
    params: Params,
    connections: Vec<Connection>,
    foot_start: Vec<u32>,
    foot: Vec<(u32, u32)>,
    change: Vec<u32>,
    grid: StopGrid,
}

/// How a stop was first reached (for arrival) or made ready (for boarding).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Via {
    Unreached,
    /// Walked from the origin.
    Access,
    /// Alighted here from trip instance `inst` at its stop `alight`.
    Ride {
        inst: u32,
        alight: u32,
    },
    /// Alighted at stop `from` from `inst` at `alight` and walked here.
    Foot {
        from: u32,
        inst: u32,
        alight: u32,
    },
}

/// One part of a journey. Times are seconds after midnight of the query
/// date (past 86 400 when the journey runs into the next day).
#[derive(Debug, Clone, PartialEq)]
pub enum Leg {
    /// A walk; `None` is the origin (as `from`) or the place (as `to`).
    Walk { from: Option<u32>, to: Option<u32>, start_s: u32, end_s: u32, metres: f64 },
    /// A ride on `trip` (index into the timetable) from stop to stop.
    Ride { trip: u32, from: u32, to: u32, depart_s: u32, arrive_s: u32 },
}

/// The earliest journey to one place.
#[derive(Debug, Clone, PartialEq)]
pub struct Journey {
    pub depart_s: u32,
    pub arrive_s: u32,
    pub legs: Vec<Leg>,
}

impl Journey {
    /// Door-to-door seconds.
    pub fn travel_s(&self) -> u32 {
        self.arrive_s - self.depart_s
    }
}

/// The result of one scan: earliest arrivals at all stops.
#[derive(Debug)]
pub struct Reach<'r> {
    router: &'r Router,
    origin: [f64; 2],
    depart_s: u32,
    arrive: Vec<u32>,
    arrive_via: Vec<Via>,
    ready_via: Vec<Via>,
    board: Vec<u32>,
}

impl Router {
    /// Prepares `tt` for queries under `params`.
    pub fn new(tt: Timetable, params: Params) -> Result<Router, String> {
        tt.check()?;
        let positive = params.walk_speed_mps.is_finite() && params.walk_speed_mps > 0.0;
        let detour = params.detour.is_finite() && params.detour >= 1.0;
        if params.change_s == 0 || !positive || !detour {
            return Err("change time must be at least 1 s, walking speed positive, detour at least 1".into());
        }
        let mut connections = Vec::with_capacity(tt.stop_times());
        for (i, t) in tt.trips.iter().enumerate() {
            for k in 1..t.stops.len() {
                connections.push(Connection {
                    dep: t.departures[k - 1],
                    arr: t.arrivals[k],
                    trip: i as u32,
                    pos: (k - 1) as u32,
                    from: t.stops[k - 1],
                    to: t.stops[k],
                });
            }
        }
        connections.sort_unstable_by_key(|c| (c.dep, c.trip, c.pos));

        let n = tt.stops.len();
        let points: Vec<[f64; 2]> = tt.stops.iter().map(|s| s.point).collect();
        let radius = params.transfer_radius_m / params.detour;
        let grid =
            StopGrid::new(points.clone(), params.max_access_m.max(params.transfer_radius_m).max(100.0));
        let mut change = vec![params.change_s; n];
        let mut pairs: std::collections::BTreeMap<(u32, u32), u32> = Default::default();
        for (s, p) in points.iter().enumerate() {
            grid.within(*p, radius, |o, d| {
                if o as usize != s {
                    pairs.insert((s as u32, o), params.walk_s(d).max(params.change_s));
                }
            });
        }
        for &(a, b, secs) in &tt.transfers {
            if a == b {
                change[a as usize] = secs.max(1);
            } else {
                pairs.insert((a, b), secs.max(1));
            }
        }
        let mut foot_start = vec![0u32; n + 1];
        let mut foot = Vec::with_capacity(pairs.len());
        for (&(a, b), &secs) in &pairs {
            foot_start[a as usize + 1] += 1;
            foot.push((b, secs));
        }
        for i in 0..n {
            foot_start[i + 1] += foot_start[i];
        }
        Ok(Router { tt, params, connections, foot_start, foot, change, grid })
    }

    pub fn timetable(&self) -> &Timetable {
        &self.tt
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The footpaths leaving stop `s`: (to stop, seconds).
    pub fn footpaths(&self, s: u32) -> &[(u32, u32)] {
        let s = s as usize;
        &self.foot[self.foot_start[s] as usize..self.foot_start[s + 1] as usize]
    }

    /// Seconds to change vehicles at stop `s`.
    pub fn change_s(&self, s: u32) -> u32 {
        self.change[s as usize]
    }

    /// The stops within walking reach (access limit) of `p`: (stop, straight metres).
    pub fn stops_near(&self, p: [f64; 2]) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        self.grid.within(p, self.params.max_access_m / self.params.detour, |s, d| out.push((s, d)));
        out
    }

    /// Which trips run on `date` shifted by `day` (-1, 0, 1) days: `None` if
    /// that date is out of the calendar's range.
    pub fn running(&self, date: NaiveDate, day: i64) -> Vec<bool> {
        let d = if day < 0 {
            date.checked_sub_days(Days::new(day.unsigned_abs()))
        } else {
            date.checked_add_days(Days::new(day as u64))
        };
        let Some(d) = d else { return vec![false; self.tt.trips.len()] };
        let services: Vec<bool> = self.tt.services.iter().map(|s| s.runs_on(d)).collect();
        self.tt.trips.iter().map(|t| services[t.service as usize]).collect()
    }

    /// Earliest arrival at every stop leaving `origin` at `depart_s` seconds
    /// after midnight of `date` (the feed's local time).
    pub fn scan(&self, origin: [f64; 2], date: NaiveDate, depart_s: u32) -> Reach<'_> {
        self.scan_within(origin, date, depart_s, self.params.budget_s)
    }

    /// [`Router::scan`] stopping after `budget_s` seconds (a shorter budget
    /// than the stated one scans fewer connections); arrivals up to
    /// `depart_s + budget_s` are the earliest.
    pub fn scan_within(&self, origin: [f64; 2], date: NaiveDate, depart_s: u32, budget_s: u32) -> Reach<'_> {
        let n = self.tt.stops.len();
        let trips = self.tt.trips.len();
        let mut reach = Reach {
            router: self,
            origin,
            depart_s,
            arrive: vec![NEVER; n],
            arrive_via: vec![Via::Unreached; n],
            ready_via: vec![Via::Unreached; n],
            board: vec![NOT_BOARDED; trips * 3],
        };
        let mut ready = vec![NEVER; n];
        let mut ride = vec![NEVER; n];
        for (s, d) in self.stops_near(origin) {
            let t = depart_s.saturating_add(self.params.walk_s(d));
            reach.arrive[s as usize] = t;
            ready[s as usize] = t;
            reach.arrive_via[s as usize] = Via::Access;
            reach.ready_via[s as usize] = Via::Access;
        }
        let limit = depart_s.saturating_add(budget_s);
        // Three streams of the same sorted connections: trips of the day
        // before (times past 24:00 only), of the day, and of the day after.
        let mut running = Vec::with_capacity(trips * 3);
        for day in [-1i64, 0, 1] {
            running.extend(self.running(date, day));
        }
        let shift = |day: usize, t: u32| -> Option<u32> { (t + day as u32 * DAY).checked_sub(DAY) };
        let mut heads: [usize; 3] = [0; 3];
        for (day, head) in heads.iter_mut().enumerate() {
            // First connection whose shifted departure is at or after depart_s.
            let from = (depart_s + DAY).saturating_sub(day as u32 * DAY);
            *head = self.connections.partition_point(|c| c.dep < from);
        }
        loop {
            let mut best: Option<(usize, u32)> = None;
            for (day, &head) in heads.iter().enumerate() {
                if let Some(c) = self.connections.get(head) {
                    if let Some(dep) = shift(day, c.dep) {
                        if best.is_none_or(|(_, b)| dep < b) {
                            best = Some((day, dep));
                        }
                    }
                }
            }
            let Some((day, dep)) = best else { break };
            if dep > limit {
                break;
            }
            let c = self.connections[heads[day]];
            heads[day] += 1;
            let inst = day * trips + c.trip as usize;
            if !running[inst] {
                continue;
            }
            if reach.board[inst] == NOT_BOARDED {
                if ready[c.from as usize] > dep {
                    continue;
                }
                reach.board[inst] = c.pos;
            }
            let Some(t) = shift(day, c.arr) else { continue };
            let s = c.to as usize;
            if t >= ride[s] {
                continue;
            }
            ride[s] = t;
            let via = Via::Ride { inst: inst as u32, alight: c.pos + 1 };
            if t < reach.arrive[s] {
                reach.arrive[s] = t;
                reach.arrive_via[s] = via;
            }
            let r = t.saturating_add(self.change[s]);
            if r < ready[s] {
                ready[s] = r;
                reach.ready_via[s] = via;
            }
            for &(o, secs) in self.footpaths(c.to) {
                let a = t.saturating_add(secs);
                let o = o as usize;
                let via = Via::Foot { from: c.to, inst: inst as u32, alight: c.pos + 1 };
                if a < reach.arrive[o] {
                    reach.arrive[o] = a;
                    reach.arrive_via[o] = via;
                }
                if a < ready[o] {
                    ready[o] = a;
                    reach.ready_via[o] = via;
                }
            }
        }
        reach
    }

    /// Earliest journeys from `origin` to each of `targets`, `None` where
    /// none arrives within the budget.
    pub fn one_to_many(
        &self,
        origin: [f64; 2],
        date: NaiveDate,
        depart_s: u32,
        targets: &[[f64; 2]],
    ) -> Vec<Option<Journey>> {
        let reach = self.scan(origin, date, depart_s);
        targets.iter().map(|&t| reach.journey(t)).collect()
    }
}

impl Reach<'_> {
    /// Earliest arrival at stop `s`, if within the budget.
    pub fn stop_arrival(&self, s: u32) -> Option<u32> {
        let t = *self.arrive.get(s as usize)?;
        (t <= self.limit()).then_some(t)
    }

    fn limit(&self) -> u32 {
        self.depart_s.saturating_add(self.router.params.budget_s)
    }

    /// Earliest arrival at `target` (walking from the last stop, or all the
    /// way), if within the budget: (arrival, last stop or `None` for walking
    /// all the way, straight metres of the last walk).
    pub fn arrival(&self, target: [f64; 2]) -> Option<(u32, Option<u32>, f64)> {
        let p = &self.router.params;
        let direct = distance_m(self.origin, target);
        let mut best = (self.depart_s.saturating_add(p.walk_s(direct)), None, direct);
        for (s, d) in self.router.stops_near(target) {
            let a = self.arrive[s as usize];
            if a == NEVER {
                continue;
            }
            let t = a.saturating_add(p.walk_s(d));
            if t < best.0 {
                best = (t, Some(s), d);
            }
        }
        (best.0 <= self.limit()).then_some(best)
    }

    /// The earliest journey to `target` with its legs, if within the budget.
    pub fn journey(&self, target: [f64; 2]) -> Option<Journey> {
        let (arrive_s, last, metres) = self.arrival(target)?;
        let p = &self.router.params;
        let tt = &self.router.tt;
        let trips = tt.trips.len();
        let mut legs = Vec::new();
        let Some(mut stop) = last else {
            let walked = p.walked_m(metres);
            legs.push(Leg::Walk {
                from: None,
                to: None,
                start_s: self.depart_s,
                end_s: arrive_s,
                metres: walked,
            });
            return Some(Journey { depart_s: self.depart_s, arrive_s, legs });
        };
        legs.push(Leg::Walk {
            from: Some(stop),
            to: None,
            start_s: self.arrive[stop as usize],
            end_s: arrive_s,
            metres: p.walked_m(metres),
        });
        let mut via = self.arrive_via[stop as usize];
        // Every step goes to a strictly earlier time; the bound guards the loop.
        for _ in 0..=tt.stops.len() * 2 + 2 {
            match via {
                Via::Unreached => return None,
                Via::Access => {
                    let d = distance_m(self.origin, tt.stops[stop as usize].point);
                    legs.push(Leg::Walk {
                        from: None,
                        to: Some(stop),
                        start_s: self.depart_s,
                        end_s: self.depart_s.saturating_add(p.walk_s(d)),
                        metres: p.walked_m(d),
                    });
                    legs.reverse();
                    return Some(Journey { depart_s: self.depart_s, arrive_s, legs });
                }
                Via::Ride { inst, alight } | Via::Foot { inst, alight, .. } => {
                    let trip_i = inst as usize % trips;
                    let day = inst as usize / trips;
                    let trip = &tt.trips[trip_i];
                    let board = self.board[inst as usize];
                    let to = trip.stops[alight as usize];
                    let arrive = (trip.arrivals[alight as usize] + day as u32 * DAY).saturating_sub(DAY);
                    if let Via::Foot { from, .. } = via {
                        let d = distance_m(tt.stops[from as usize].point, tt.stops[stop as usize].point);
                        legs.push(Leg::Walk {
                            from: Some(from),
                            to: Some(stop),
                            start_s: arrive,
                            end_s: self.arrive[stop as usize].max(arrive),
                            metres: p.walked_m(d),
                        });
                    }
                    let from_stop = trip.stops[board as usize];
                    legs.push(Leg::Ride {
                        trip: trip_i as u32,
                        from: from_stop,
                        to,
                        depart_s: (trip.departures[board as usize] + day as u32 * DAY).saturating_sub(DAY),
                        arrive_s: arrive,
                    });
                    stop = from_stop;
                    via = self.ready_via[stop as usize];
                }
            }
        }
        None
    }
}
