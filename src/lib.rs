//! witgis: maps the places that help people.
//!
//! Dependencies point one way: [`model`] → [`sphere`] / [`index`] → [`store`]
//! → [`state`] → [`http`] → `main`.

pub mod formats;
pub mod index;
pub mod model;
pub mod sphere;
