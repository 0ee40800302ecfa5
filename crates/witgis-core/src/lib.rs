//! witgis's lowest layer: what every other part builds on and that imports
//! none of them. A crate of its own, so that an import running up from here
//! (to the store, the state, the HTTP layer…) is a compile error. The root
//! package `witgis` re-exports each module under its old path.
//!
//! Inside, [`model`] is the ground; [`sphere`] stands beside it;
//! [`countries`] uses both; [`plausibility`] and [`cql`] use those.

pub mod countries;
pub mod cql;
pub mod model;
pub mod plausibility;
pub mod sphere;
