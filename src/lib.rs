//! witgis: maps the places that help people.
//!
//! Dependencies point one way: [`model`] → [`sphere`] / [`index`] / [`auth`] → [`store`]
//! → [`state`] → [`service`] → [`http`] / [`cli`] → `main`. The shipped reference data ([`reference`]) is
//! parsed once at start-up, held by the state and handed down.

pub use witgis_core::{area_index, countries, cql, formats, model, plausibility, sphere, streets};

pub mod app;
pub mod auth;
pub mod basemap;
pub mod basemap_fetch;
pub mod cli;
pub mod clock;
pub mod config;
pub mod coverage;
pub mod geocoder;
pub mod http;
pub mod import_osm;
pub mod index;
pub mod metrics;
pub mod places;
pub mod quality;
pub mod reference;
pub mod referral;
pub mod service;
pub mod state;
pub mod store;
pub mod sync;
pub mod synth;
pub mod throttle;
pub mod tiles;
pub mod transit;
pub mod work;
