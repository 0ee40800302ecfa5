//! witgis's lowest layer: the data model and the file formats, what every
//! other part builds on and that imports none of them. A crate of its own, so that an import running up from here
//! (to the store, the state, the HTTP layer…) is a compile error. The root
//! package `witgis` re-exports each module under its old path.
//!
//! Inside, [`model`] is the ground; [`sphere`] stands beside it;
//! [`countries`] uses both; [`plausibility`], [`cql`] and [`area_index`]
//! use those; [`formats`] (GeoJSON, CSV, HSDS, OpenStreetMap) and
//! [`streets`] (the street map for place search, read from an OpenStreetMap
//! extract) on top.

pub mod area_index;
pub mod countries;
pub mod cql;
pub mod formats;
pub mod model;
pub mod plausibility;
pub mod sphere;
pub mod streets;
