//! OGC API – Features, Part 1 (Core and GeoJSON) with the queryables of
//! Part 3 and the writes of Part 4, under `/ogcapi`, so that GDAL, QGIS and
//! OWSLib read (and editors write) witgis as a feature server.
//!
//! Three collections: `resources` (writable through Part 4), the loaded
//! `areas` and the shipped `regions`. Items are ordered by id and paged with
//! a cursor (the id of the last item seen), never a bare offset: a client
//! that walks the `next` links sees every record that exists for the whole
//! walk exactly once, even while others are created or deleted.

mod datetime;
pub mod document;
mod items;
mod landing;
mod paging;
mod transactions;

pub use datetime::Interval;
pub use items::{AreaItemParams, ItemParams, QUERYABLES, ResourceItemParams};

use std::sync::Arc;

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::ApiError;
use super::params::{Params, query_params};
use crate::model::Area;
use crate::state::AppState;

/// Items a page holds when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 100;
/// Most items one page holds (QGIS asks for 1,000 at a time).
pub const MAX_LIMIT: usize = 10_000;
/// The collection of resources, the one Part 4 writes to.
const RESOURCES: &str = "resources";
/// WGS84 longitude/latitude, the only CRS served.
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const QUERYABLES_REL: &str = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

/// The conformance classes implemented, and only those.
pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
];

/// The `/ogcapi` routes, each with its part of the OpenAPI document.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(landing::landing))
        .routes(routes!(landing::landing_slash))
        .routes(routes!(landing::conformance))
        .routes(routes!(landing::collections))
        .routes(routes!(landing::collection))
        .routes(routes!(landing::queryables))
        .routes(routes!(items::items, transactions::create_item))
        .routes(routes!(
            items::item,
            transactions::replace_item,
            transactions::patch_item,
            transactions::delete_item
        ))
}

/// A link object.
#[derive(Serialize)]
struct Link {
    href: String,
    rel: &'static str,
    #[serde(rename = "type")]
    media_type: &'static str,
    title: &'static str,
}

fn link(href: String, rel: &'static str, media_type: &'static str, title: &'static str) -> Link {
    Link { href, rel, media_type, title }
}

/// The absolute address of `/ogcapi` as the client reached it (see
/// [`super::headers::external_base`]).
fn base(headers: &HeaderMap) -> String {
    format!("{}/ogcapi", super::headers::external_base(headers))
}

/// Only `f=json` (or none) is served.
fn only_json(mut params: Params) -> Result<(), ApiError> {
    if let Some(f) = params.one("f") {
        if !matches!(f.as_str(), "json" | "geojson") {
            params.fail("f", format!("'{f}' is not served; only f=json"));
        }
    }
    params.finish()
}

/// The collections served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    Resources,
    Areas,
    Regions,
}

impl Collection {
    const ALL: [Collection; 3] = [Collection::Resources, Collection::Areas, Collection::Regions];

    fn id(self) -> &'static str {
        match self {
            Collection::Resources => RESOURCES,
            Collection::Areas => "areas",
            Collection::Regions => "regions",
        }
    }

    fn from_id(id: &str) -> Result<Collection, ApiError> {
        Collection::ALL.into_iter().find(|c| c.id() == id).ok_or_else(|| {
            ApiError::NotFound("no such collection; the collections are: resources, areas, regions".into())
        })
    }
}

/// The collection named in the path, or a 404 naming the ones there are.
fn known(path: Result<Path<String>, PathRejection>) -> Result<Collection, ApiError> {
    match path {
        Ok(Path(id)) => Collection::from_id(&id),
        Err(_) => Collection::from_id(""),
    }
}

/// Only `resources` takes writes.
fn writable(collection: Collection) -> Result<(), ApiError> {
    match collection {
        Collection::Resources => Ok(()),
        other => Err(ApiError::MethodNotAllowed(format!(
            "the '{}' collection is read-only; areas are loaded with `witgis import-areas`",
            other.id()
        ))),
    }
}

/// The areas of a collection other than `resources`, sorted by id.
fn areas_of(state: &AppState, collection: Collection) -> AreaList {
    match collection {
        Collection::Regions => AreaList::Shipped(Arc::clone(state.reference())),
        _ => AreaList::Loaded(state.snapshot()),
    }
}

/// Areas borrowed from the shipped regions or held through a snapshot.
enum AreaList {
    Shipped(Arc<crate::reference::ReferenceData>),
    Loaded(Arc<crate::index::Snapshot>),
}

impl AreaList {
    fn all(&self) -> &[Area] {
        match self {
            AreaList::Shipped(reference) => reference.regions.all(),
            AreaList::Loaded(snapshot) => snapshot.areas(),
        }
    }
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Each collection's id with the query parameters its items accept (the OGC
/// OpenAPI document lists them under each collection's own items path).
pub fn items_accepted() -> Vec<(&'static str, Vec<&'static str>)> {
    Collection::ALL.iter().map(|&c| (c.id(), items::accepted(c))).collect()
}

query_params! {
    /// The one parameter of the pages that are only JSON.
    pub struct FormatParams {
        /// Only `json` (or `geojson`) is served
        f: Option<String>,
    }
}
