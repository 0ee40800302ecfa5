//! Reach by public transport: a GTFS feed compacted for routing
//! ([`Timetable`]), prepared once ([`Router`]), and earliest-arrival queries
//! from one point to many places by the connection scan algorithm (CSA).
//!
//! Pure: no store, no HTTP (the store keeps a [`Feed`]). The import (`witgis import-gtfs`) builds a
//! [`Timetable`] from a feed ([`gtfs`]); the server prepares a [`Router`] per
//! stored feed. Parameters are stated in [`Params`] and docs/transit.md.

pub mod gtfs;
pub mod model;
pub mod networks;
pub mod router;
pub mod synth;
pub mod walk;

pub use model::{Feed, Route, Service, Stop, Timetable, Trip};
pub use networks::{Network, Networks};
pub use router::{Journey, Leg, Reach, Router};

/// The stated parameters of a transit query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Walking speed, metres per second.
    pub walk_speed_mps: f64,
    /// Straight-line distance × this = walked distance.
    pub detour: f64,
    /// Longest walk (walked metres) to the first stop and from the last one.
    pub max_access_m: f64,
    /// Longest walk (walked metres) between two stops when changing.
    pub transfer_radius_m: f64,
    /// Seconds needed to change vehicles at one stop (at least 1: a change
    /// always takes time, which keeps the connection order sound).
    pub change_s: u32,
    /// Journeys arriving later than the departure plus this are unreachable.
    pub budget_s: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            walk_speed_mps: 1.2,
            detour: 1.3,
            max_access_m: 1000.0,
            transfer_radius_m: 400.0,
            change_s: 60,
            budget_s: 90 * 60,
        }
    }
}

impl Params {
    /// Seconds to walk between two points `straight_m` apart in a straight line.
    pub fn walk_s(&self, straight_m: f64) -> u32 {
        (straight_m * self.detour / self.walk_speed_mps).ceil() as u32
    }

    /// The walked metres for a straight-line distance.
    pub fn walked_m(&self, straight_m: f64) -> f64 {
        straight_m * self.detour
    }
}
