//! The integration tests, one binary: the HTTP API through the router and
//! through the real `witgis` binary, both stores (SQLite and a throwaway
//! PostGIS cluster shared by the whole run), property tests against brute
//! force, the command line, and the formats. One binary links once, shares
//! `common` and its PostGIS cluster, and lets every test run beside every
//! other (`cargo test --test it`; a module alone: `cargo test --test it areas::`).
#![allow(clippy::unwrap_used)]

mod common;

mod abuse;
mod areas;
mod areas_reload;
mod backup;
mod basemap_fetch;
mod bounds;
mod cli;
mod completeness;
mod coverage;
mod coverage_transit;
mod cql2;
mod demand_attack;
mod demand_cli;
mod demand_dates;
mod desk_places;
mod feature_splice;
mod fuzz;
mod geocoder;
mod hsds;
mod hsds_api;
mod http_api;
mod http_errors;
mod index_props;
mod ogcapi;
mod openapi;
mod operations;
mod osm_import;
mod places_osm;
mod quality;
mod referral;
mod seed_data;
mod servers;
mod snapshot_changes;
mod store_suite;
mod tiles;
mod transit;
mod transit_reload;
