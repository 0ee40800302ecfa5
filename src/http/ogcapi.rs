//! OGC API – Features, Part 1 (Core and GeoJSON) with the queryables of
//! Part 3 and the writes of Part 4, under `/ogcapi`, so that GDAL, QGIS and
//! OWSLib read (and editors write) witgis as a feature server.
//!
//! Three collections: `resources` (writable through Part 4), the loaded
//! `areas` and the shipped `regions`. Items are ordered by id and paged with
//! a cursor (the id of the last item seen), never a bare offset: a client
//! that walks the `next` links sees every record that exists for the whole
//! walk exactly once, even while others are created or deleted.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cql;

use super::error::{ApiError, InvalidParam, etag};
use super::extract::{Body, Caller, ResourceId};
use super::geojson::GeoJson;
use super::params::Params;
use crate::formats::geojson::{ResourceFeature, feature};
use crate::index::{BBox, PageAt};
use crate::model::{Area, AreaKind, Category, Country, Topic};
use crate::state::{AppState, Versioned};

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
        .routes(routes!(landing))
        .routes(routes!(landing_slash))
        .routes(routes!(conformance))
        .routes(routes!(collections))
        .routes(routes!(collection))
        .routes(routes!(queryables))
        .routes(routes!(items, create_item))
        .routes(routes!(item, replace_item, patch_item, delete_item))
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

#[utoipa::path(
    get,
    path = "/ogcapi",
    tag = "ogcapi",
    params(
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The landing page", body = crate::http::openapi::Landing),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn landing(headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let base = base(&headers);
    let body = json!({
        "title": "witgis",
        "description": "Places that help people in Italy, Bulgaria, Germany and Lithuania: mental health \
                        centres, day centres, self-help groups, crisis services, training centres, \
                        universities, libraries, professional associations and good practices.",
        "links": [
            link(base.clone(), "self", "application/json", "this document"),
            link(format!("{base}/conformance"), "conformance", "application/json", "conformance classes"),
            link(format!("{base}/collections"), "data", "application/json", "the collections"),
            link(format!("{base}/api"), "service-desc", super::openapi::OPENAPI_MEDIA_TYPE, "the OpenAPI document"),
            link(
                format!("{base}/api?version=3.0"),
                "service-desc",
                super::openapi::OPENAPI_30_MEDIA_TYPE,
                "the OpenAPI document in OpenAPI 3.0"
            ),
            link("/".to_owned(), "service-doc", "text/html", "the witgis web map"),
        ],
    });
    Ok(axum::Json(body).into_response())
}

#[utoipa::path(
    get,
    path = "/ogcapi/",
    tag = "ogcapi",
    params(
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The landing page", body = crate::http::openapi::Landing),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn landing_slash(headers: HeaderMap, query: RawQuery) -> Result<Response, ApiError> {
    landing(headers, query).await
}

#[utoipa::path(
    get,
    path = "/ogcapi/conformance",
    tag = "ogcapi",
    params(
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The conformance classes", body = crate::http::openapi::Conformance),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn conformance(RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    Ok(axum::Json(json!({ "conformsTo": CONFORMANCE })).into_response())
}

#[utoipa::path(
    get,
    path = "/ogcapi/collections",
    tag = "ogcapi",
    params(
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The collections", body = crate::http::openapi::Collections),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn collections(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let base = base(&headers);
    let body = json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "this document")],
        "collections": Collection::ALL.map(|c| describe(&state, c, &base)),
    });
    Ok(axum::Json(body).into_response())
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

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The collection", body = crate::http::openapi::Collection),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let collection = known(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    Ok(axum::Json(describe(&state, collection, &base(&headers))).into_response())
}

/// The description of a collection, with its extent.
fn describe(state: &AppState, collection: Collection, base: &str) -> Value {
    match collection {
        Collection::Resources => resources_collection(&state.versioned(), base),
        other => areas_collection(areas_of(state, other).all(), other, base),
    }
}

/// The description of the loaded areas or the shipped regions.
fn areas_collection(areas: &[Area], collection: Collection, base: &str) -> Value {
    let bbox = areas.iter().filter_map(Area::bounds).fold(None, |acc: Option<[f64; 4]>, r| {
        let [w, s, e, n] = [r.min().x, r.min().y, r.max().x, r.max().y];
        Some(acc.map_or([w, s, e, n], |[a, b, c, d]| [a.min(w), b.min(s), c.max(e), d.max(n)]))
    });
    let (title, description) = match collection {
        Collection::Regions => (
            "Regions",
            "The first-level regions of the four countries (Natural Earth, public domain), with \
             populations estimated from GeoNames.",
        ),
        _ => (
            "Areas",
            "The territories loaded with `witgis import-areas` (municipi, ASLs…): a service that serves \
             an area is competent for every point inside it. Empty until a deployment loads its own.",
        ),
    };
    let href = format!("{base}/collections/{}", collection.id());
    json!({
        "id": collection.id(),
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": { "spatial": { "bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 } },
        "links": [
            link(href.clone(), "self", "application/json", "this collection"),
            link(format!("{href}/items"), "items", "application/geo+json", "the areas"),
            link(format!("{href}/queryables"), QUERYABLES_REL, "application/schema+json", "queryables"),
            link(format!("{href}/queryables"), "describedby", "application/schema+json", "queryables"),
        ],
    })
}

/// The description of the `resources` collection, with its extent.
fn resources_collection(current: &Versioned, base: &str) -> Value {
    let snapshot = current.snapshot();
    let points = snapshot.index().resources().filter_map(|r| r.point());
    let bbox = points.fold(None, |acc: Option<[f64; 4]>, [lon, lat]| {
        Some(
            acc.map_or([lon, lat, lon, lat], |[w, s, e, n]| [w.min(lon), s.min(lat), e.max(lon), n.max(lat)]),
        )
    });
    let times = snapshot.index().slots().filter_map(|i| current.meta(i)).map(|m| m.updated_at);
    let interval = times.fold(None, |acc: Option<(DateTime<Utc>, DateTime<Utc>)>, t| {
        Some(acc.map_or((t, t), |(a, b)| (a.min(t), b.max(t))))
    });
    let href = format!("{base}/collections/{RESOURCES}");
    json!({
        "id": RESOURCES,
        "title": "Resources",
        "description": "Services and places that help people, one feature per record; records reached \
                        only by phone have no geometry. coord_precision says how exact a point is.",
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "extent": {
            "spatial": { "bbox": [bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0])], "crs": CRS84 },
            "temporal": {
                "interval": [[interval.map(|i| rfc3339(i.0)), interval.map(|i| rfc3339(i.1))]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        },
        "links": [
            link(href.clone(), "self", "application/json", "this collection"),
            link(format!("{href}/items"), "items", "application/geo+json", "the records"),
            link(format!("{href}/queryables"), QUERYABLES_REL, "application/schema+json", "queryables"),
            link(format!("{href}/queryables"), "describedby", "application/schema+json", "queryables"),
        ],
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/queryables",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The queryables as a JSON Schema", body = crate::http::openapi::JsonObject, content_type = "application/schema+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn queryables(
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let collection = known(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let country =
        json!({ "type": "string", "title": "country (ISO 3166-1 alpha-2)", "pattern": "^[A-Z]{2}$" });
    let properties = match collection {
        Collection::Resources => json!({
            "category": { "type": "string", "title": "category", "enum": Category::ALL },
            "country": country,
            "topic": { "type": "string", "title": "one of the record's topics", "enum": Topic::ALL },
            "q": { "type": "string", "title": "text in the name, English name, city or address", "maxLength": 200 },
            "geometry": { "title": "the place (filters: s_intersects only)", "format": "geometry-point", "x-ogc-role": "primary-geometry" },
        }),
        _ => json!({
            "kind": { "type": "string", "title": "kind of territory", "enum": AreaKind::ALL },
            "country": country,
            "geometry": { "title": "the outline (filters: s_intersects only)", "format": "geometry-multipolygon", "x-ogc-role": "primary-geometry" },
        }),
    };
    let body = json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{}/collections/{}/queryables", base(&headers), collection.id()),
        "type": "object",
        "title": collection.id(),
        "properties": properties,
        "additionalProperties": false,
    });
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, "application/schema+json".parse().expect("static"));
    Ok(response)
}

/// A closed or half-open interval of instants; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The first instant included.
    pub start: Option<DateTime<Utc>>,
    /// The last instant included.
    pub end: Option<DateTime<Utc>>,
}

impl Interval {
    /// Does the interval hold `t`?
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start.is_none_or(|s| s <= t) && self.end.is_none_or(|e| t <= e)
    }

    /// Parses the `datetime` parameter: an instant, a date (the whole day in
    /// UTC), or `start/end` with `..` or nothing for an open end.
    pub fn parse(raw: &str) -> Result<Interval, String> {
        let usage = "must be an RFC 3339 date-time or date, or an interval start/end with '..' for an open \
                     end (e.g. 2026-01-01T00:00:00Z/..)";
        let bound = |text: &str, end: bool| -> Result<Option<DateTime<Utc>>, String> {
            let text = text.trim();
            if text.is_empty() || text == ".." {
                return Ok(None);
            }
            if let Ok(t) = DateTime::parse_from_rfc3339(text) {
                return Ok(Some(t.with_timezone(&Utc)));
            }
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("'{text}' {usage}"))?;
            let time = if end { day.and_hms_milli_opt(23, 59, 59, 999) } else { day.and_hms_opt(0, 0, 0) };
            Ok(time.map(|t| t.and_utc()))
        };
        match raw.split_once('/') {
            Some((a, b)) => {
                let interval = Interval { start: bound(a, false)?, end: bound(b, true)? };
                match interval {
                    Interval { start: Some(s), end: Some(e) } if s > e => {
                        Err(format!("'{raw}': the start is after the end"))
                    }
                    Interval { start: None, end: None } => Err(format!("'{raw}': both ends are open")),
                    _ => Ok(interval),
                }
            }
            None if raw.trim() == ".." || raw.trim().is_empty() => Err(format!("'{raw}' {usage}")),
            None => {
                let start = bound(raw, false)?;
                let end = if raw.contains('T') { start } else { bound(raw, true)? };
                Ok(Interval { start, end })
            }
        }
    }
}

/// Where a page starts: after an id (`next`) or before one (`prev`).
#[derive(Debug, Clone, PartialEq)]
enum Cursor {
    After(String),
    Before(String),
}

impl Cursor {
    fn parse(raw: &str) -> Option<Cursor> {
        match raw.split_once(':') {
            Some(("a", id)) if !id.is_empty() => Some(Cursor::After(id.to_owned())),
            Some(("b", id)) if !id.is_empty() => Some(Cursor::Before(id.to_owned())),
            _ => None,
        }
    }

    fn encode(&self) -> String {
        let raw = match self {
            Cursor::After(id) => format!("a:{id}"),
            Cursor::Before(id) => format!("b:{id}"),
        };
        form_urlencoded::byte_serialize(raw.as_bytes()).collect()
    }
}

const ITEM_PARAMS: &[&str] = &[
    "limit",
    "bbox",
    "datetime",
    "category",
    "country",
    "topic",
    "q",
    "filter",
    "filter-lang",
    "filter-crs",
    "cursor",
    "f",
];

const AREA_PARAMS: &[&str] =
    &["limit", "bbox", "datetime", "kind", "country", "filter", "filter-lang", "filter-crs", "cursor", "f"];

/// The `filter`, `filter-lang` and `filter-crs` parameters (Part 3), checked
/// against the collection's queryables.
fn cql_filter(params: &mut Params, queryables: cql::Queryables) -> Option<cql::Filter> {
    let lang = match params.one("filter-lang") {
        None => Some(cql::Lang::Text),
        Some(raw) => cql::Lang::parse(&raw).or_else(|| {
            params.fail("filter-lang", format!("must be one of: {}", cql::Lang::NAMES.join(", ")));
            None
        }),
    };
    if let Some(crs) = params.one("filter-crs") {
        if crs != CRS84 {
            params.fail("filter-crs", format!("only {CRS84} (longitude, latitude in degrees) is served"));
        }
    }
    let raw = params.one("filter")?;
    cql::Filter::parse(&raw, lang?, queryables).map_err(|e| params.fail("filter", e.reason)).ok()
}

/// The query parameters each collection's items accept (the OGC OpenAPI
/// document lists them under each collection's own items path).
pub const ITEMS_ACCEPTED: [(&str, &[&str]); 3] =
    [("resources", ITEM_PARAMS), ("areas", AREA_PARAMS), ("regions", AREA_PARAMS)];

/// The parameters that are queryables (Part 3 `queryables-query-parameters`),
/// each a comma list of values.
pub const QUERYABLES: &[&str] = &["category", "country", "topic", "q", "kind"];

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/items",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 10000, description = "Items per page (default 100)"),
        ("bbox" = Option<String>, Query, description = "west,south,east,north in degrees; west > east crosses the antimeridian"),
        ("datetime" = Option<String>, Query, description = "An RFC 3339 instant or interval (.. open) of last_verified (resources) or none"),
        ("category" = Option<Vec<crate::model::Category>>, Query, description = "resources: only these categories"),
        ("country" = Option<Vec<crate::model::Country>>, Query, description = "Only these countries"),
        ("topic" = Option<Vec<crate::model::Topic>>, Query, description = "resources: only these topics"),
        ("kind" = Option<Vec<crate::model::AreaKind>>, Query, description = "areas and regions: only these kinds"),
        ("q" = Option<String>, Query, max_length = 200, description = "resources: words to contain"),
        ("filter" = Option<String>, Query, description = "A Basic CQL2 filter on the queryables, with s_intersects on geometry (Part 3), at most 8,192 bytes"),
        ("filter-lang" = Option<String>, Query, description = "cql2-text (default) or cql2-json"),
        ("filter-crs" = Option<String>, Query, description = "Only http://www.opengis.net/def/crs/OGC/1.3/CRS84"),
        ("cursor" = Option<String>, Query, description = "From the previous page's next link"),
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "A page of items, with numberMatched and a next link", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn items(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    match known(path)? {
        Collection::Resources => resource_items(&state, &headers, query.as_deref()),
        other => area_items(&state, other, &headers, query.as_deref()),
    }
}

/// `limit` and `cursor`, shared by every collection.
fn paging(params: &mut Params) -> (usize, Option<Cursor>) {
    let limit = params.count("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT);
    let cursor = params.one("cursor").and_then(|raw| {
        let parsed = Cursor::parse(&raw);
        if parsed.is_none() {
            params.fail("cursor", "is not a cursor from a next or prev link of this API".into());
        }
        parsed
    });
    (limit, cursor)
}

/// The page `[start, end)` of `len` items sorted by `id_at`.
fn page_bounds<'a>(
    len: usize,
    id_at: impl Fn(usize) -> &'a str,
    cursor: Option<&Cursor>,
    limit: usize,
) -> (usize, usize) {
    let partition = |before: &dyn Fn(&str) -> bool| {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(id_at(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    match cursor {
        None => (0, limit.min(len)),
        Some(Cursor::After(id)) => {
            let start = partition(&|x| x <= id.as_str());
            (start, (start + limit).min(len))
        }
        Some(Cursor::Before(id)) => {
            let end = partition(&|x| x < id.as_str());
            (end.saturating_sub(limit), end)
        }
    }
}

/// Where a page lies in its match: its first and last ids, and whether
/// items come before and after it.
struct Position<'a> {
    first_last: Option<(&'a str, &'a str)>,
    more_before: bool,
    more_after: bool,
}

/// The `self`, `collection`, `next` and `prev` links of a page; the query is
/// kept as sent, but for its cursor.
fn page_links(
    base: &str,
    collection: Collection,
    query: Option<&str>,
    cursor: Option<&Cursor>,
    at: Position<'_>,
) -> Vec<Link> {
    let href = format!("{base}/collections/{}", collection.id());
    let items = format!("{href}/items");
    let keep: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let page_link = |cursor: Option<&Cursor>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(keep.iter());
        let mut query = query.finish();
        if let Some(cursor) = cursor {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("cursor={}", cursor.encode()));
        }
        if query.is_empty() { items.clone() } else { format!("{items}?{query}") }
    };
    let mut links = vec![
        link(page_link(cursor), "self", "application/geo+json", "this page"),
        link(href, "collection", "application/json", "the collection"),
    ];
    if let Some((first, last)) = at.first_last {
        if at.more_after {
            let next = Cursor::After(last.to_owned());
            links.push(link(page_link(Some(&next)), "next", "application/geo+json", "the next page"));
        }
        if at.more_before {
            let prev = Cursor::Before(first.to_owned());
            links.push(link(page_link(Some(&prev)), "prev", "application/geo+json", "the previous page"));
        }
    }
    links
}

/// A page of features.
#[derive(Serialize)]
struct Page<F> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    links: Vec<Link>,
    features: Vec<F>,
}

impl<F> Page<F> {
    fn new(number_matched: usize, links: Vec<Link>, features: Vec<F>) -> Self {
        Page {
            kind: "FeatureCollection",
            time_stamp: rfc3339(Utc::now()),
            number_matched,
            number_returned: features.len(),
            links,
            features,
        }
    }
}

fn area_items(
    state: &AppState,
    collection: Collection,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(query, AREA_PARAMS);
    let (limit, cursor) = paging(&mut params);
    let bbox = params.bbox();
    let kinds = params.list::<AreaKind>("kind");
    let countries = params.list::<Country>("country");
    let cql = cql_filter(&mut params, cql::Queryables::AREAS);
    if params.one("datetime").is_some() {
        params.fail("datetime", format!("the '{}' collection has no time dimension", collection.id()));
    }
    only_json(params)?;
    let list = areas_of(state, collection);
    let matched: Vec<&Area> = list
        .all()
        .iter()
        .filter(|a| kinds.is_empty() || kinds.contains(&a.kind))
        .filter(|a| countries.is_empty() || a.country.is_some_and(|c| countries.contains(&c)))
        .filter(|a| bbox.is_none_or(|b| a.bounds().is_some_and(|r| overlaps(&b, r))))
        .filter(|a| cql.as_ref().is_none_or(|f| f.matches(*a)))
        .collect();
    let (start, end) = page_bounds(matched.len(), |i| matched[i].id.as_str(), cursor.as_ref(), limit);
    let page = &matched[start..end];
    let at = Position {
        first_last: page.first().zip(page.last()).map(|(f, l)| (f.id.as_str(), l.id.as_str())),
        more_before: start > 0,
        more_after: end < matched.len(),
    };
    let links = page_links(&base(headers), collection, query, cursor.as_ref(), at);
    let features: Vec<Value> = page.iter().map(|a| crate::formats::areas::feature(a)).collect();
    Ok(GeoJson(Page::new(matched.len(), links, features)).into_response())
}

/// Does the box (possibly across the antimeridian) overlap the rectangle?
fn overlaps(b: &BBox, r: geo::Rect<f64>) -> bool {
    let lat = r.min().y <= b.north && b.south <= r.max().y;
    let lon = |west: f64, east: f64| r.min().x <= east && west <= r.max().x;
    lat && if b.west <= b.east { lon(b.west, b.east) } else { lon(b.west, 180.0) || lon(-180.0, b.east) }
}

fn resource_items(state: &AppState, headers: &HeaderMap, query: Option<&str>) -> Result<Response, ApiError> {
    let mut params = Params::parse(query, ITEM_PARAMS);
    let (limit, cursor) = paging(&mut params);
    let bbox = params.bbox();
    let filter = params.filter();
    let cql = cql_filter(&mut params, cql::Queryables::RESOURCES);
    let datetime = params
        .one("datetime")
        .and_then(|raw| Interval::parse(&raw).map_err(|reason| params.fail("datetime", reason)).ok());
    only_json(params)?;

    let current = state.versioned();
    let snapshot = current.snapshot();
    if bbox.is_none() && filter.is_empty() && datetime.is_none() && cql.is_none() {
        // The whole directory: a page is a walk in the id map from the
        // cursor, not a pass over every record.
        let at = match cursor.as_ref() {
            None => PageAt::Start,
            Some(Cursor::After(id)) => PageAt::After(id),
            Some(Cursor::Before(id)) => PageAt::Before(id),
        };
        let page = snapshot.index().page_by_id(at, limit);
        let id_of = |s: &u32| snapshot.index().resource(*s).id.as_str();
        let at = Position {
            first_last: page.slots.first().zip(page.slots.last()).map(|(a, b)| (id_of(a), id_of(b))),
            more_before: page.more_before,
            more_after: page.more_after,
        };
        let links = page_links(&base(headers), Collection::Resources, query, cursor.as_ref(), at);
        let features: Vec<ResourceFeature<'_>> =
            page.slots.iter().map(|&i| ResourceFeature::new(snapshot.index().resource(i))).collect();
        return Ok(GeoJson(Page::new(snapshot.index().len(), links, features)).into_response());
    }
    let mut matched = match bbox {
        Some(bbox) => snapshot.index().in_bbox(bbox, &filter),
        None => snapshot.index().filtered(&filter),
    };
    if let Some(interval) = datetime {
        matched.retain(|&i| current.meta(i).is_some_and(|m| interval.contains(m.updated_at)));
    }
    if let Some(cql) = &cql {
        matched.retain(|&i| cql.matches(snapshot.index().resource(i)));
    }
    // Positions are in id order, so a cursor is a binary search away.
    let id_at = |i: usize| snapshot.index().resource(matched[i]).id.as_str();
    let (start, end) = page_bounds(matched.len(), id_at, cursor.as_ref(), limit);
    let at = Position {
        first_last: (start < end).then(|| (id_at(start), id_at(end - 1))),
        more_before: start > 0,
        more_after: end < matched.len(),
    };
    let links = page_links(&base(headers), Collection::Resources, query, cursor.as_ref(), at);
    let features: Vec<ResourceFeature<'_>> =
        matched[start..end].iter().map(|&i| ResourceFeature::new(snapshot.index().resource(i))).collect();
    Ok(GeoJson(Page::new(matched.len(), links, features)).into_response())
}

/// The collection and feature id of an item path.
fn item_id(path: Result<Path<(String, String)>, PathRejection>) -> Result<(Collection, String), ApiError> {
    let (collection, id) = match path {
        Ok(Path(pair)) => pair,
        Err(e) => {
            return Err(ApiError::InvalidParams(vec![InvalidParam {
                name: "featureId".into(),
                reason: e.body_text(),
            }]));
        }
    };
    Ok((Collection::from_id(&collection)?, id))
}

/// The feature id of an item path in the one writable collection.
fn writable_item(path: Result<Path<(String, String)>, PathRejection>) -> Result<String, ApiError> {
    let (collection, id) = item_id(path)?;
    writable(collection)?;
    Ok(id)
}

/// Part 4: `POST …/items` creates a record, with the same roles, validation
/// and history as `POST /api/resources`; without an id it gets a slug.
#[utoipa::path(
    post,
    path = "/ogcapi/collections/{collection}/items",
    tag = "ogcapi",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    params(
        ("collection" = String, Path, description = "resources, areas or regions")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 201, description = "Created; Location names it", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("Location" = String, description = "The new item"))),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A resource with this id exists already (create) or is not deleted (restore)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 405, description = "The collection is read-only", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn create_item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    writable(known(path)?)?;
    super::write::create(&state, &caller, body, &format!("/ogcapi/collections/{RESOURCES}/items")).await
}

/// Part 4: `PUT …/items/{id}` replaces a record (`If-Match` required).
#[utoipa::path(
    put,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    request_body(description = "The resource as a GeoJSON Feature", content((crate::http::openapi::ResourceFeature = "application/geo+json"), (crate::http::openapi::ResourceFeature = "application/json"))),
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Replaced", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 405, description = "The collection is read-only", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn replace_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = writable_item(path)?;
    super::write::replace_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `PATCH …/items/{id}` applies a JSON merge patch (`If-Match` required).
#[utoipa::path(
    patch,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    request_body(content = crate::http::openapi::JsonObject, description = "A JSON merge patch (RFC 7396) of the Feature", content_type = "application/merge-patch+json"),
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 200, description = "Changed", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 405, description = "The collection is read-only", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body has another media type", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn patch_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = writable_item(path)?;
    super::write::patch_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `DELETE …/items/{id}` soft-deletes a record (`If-Match` checked if sent).
#[utoipa::path(
    delete,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("If-Match" = String, Header, description = "The ETag of the version being changed, from a GET")
    ),
    security(("bearer" = ["editor"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The resource changed since the If-Match ETag; the answer's ETag is the current one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "No If-Match header", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 405, description = "The collection is read-only", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The database is unavailable: nothing was saved", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn delete_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = writable_item(path)?;
    super::write::delete_resource(state, caller, ResourceId(id), headers).await
}

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        ("f" = Option<String>, Query, description = "Only `json` (or `geojson`) is served")
    ),
    responses(
        (status = 200, description = "The item", body = crate::http::openapi::Feature, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (collection, id) = item_id(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let base = base(&headers);
    let here = format!("{base}/collections/{}", collection.id());
    let self_href =
        format!("{here}/items/{}", form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>());
    let links = json!([
        link(self_href, "self", "application/geo+json", "this feature"),
        link(here, "collection", "application/json", "the collection"),
    ]);
    if collection != Collection::Resources {
        let list = areas_of(&state, collection);
        let area = list.all().iter().find(|a| a.id == id);
        let mut body = area
            .map(crate::formats::areas::feature)
            .ok_or_else(|| ApiError::NotFound(format!("no area has the id '{id}'")))?;
        body["links"] = links;
        return Ok(GeoJson(body).into_response());
    }
    let current = state.versioned();
    let (resource, version) =
        current.get(&id).ok_or_else(|| ApiError::NotFound(format!("no resource has the id '{id}'")))?;
    let mut body = feature(resource, []);
    body["links"] = links;
    let mut response = GeoJson(body).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).expect("valid").with_timezone(&Utc)
    }

    #[test]
    fn datetime_forms() {
        let i = Interval::parse("2026-01-01T00:00:00Z/..").expect("open end");
        assert!(i.contains(at("2026-06-01T00:00:00Z")) && !i.contains(at("2025-12-31T23:59:59Z")));
        let i = Interval::parse("../2026-01-01").expect("open start, a date");
        assert!(i.contains(at("2026-01-01T23:00:00Z")) && !i.contains(at("2026-01-02T00:00:00Z")));
        let day = Interval::parse("2026-03-04").expect("a whole day");
        assert!(day.contains(at("2026-03-04T00:00:00Z")) && day.contains(at("2026-03-04T23:59:59Z")));
        assert!(!day.contains(at("2026-03-05T00:00:00Z")));
        let instant = Interval::parse("2026-03-04T10:00:00+01:00").expect("an instant");
        assert!(
            instant.contains(at("2026-03-04T09:00:00Z")) && !instant.contains(at("2026-03-04T09:00:01Z"))
        );
        assert!(Interval::parse("2026-01-01T00:00:00Z/").expect("empty end is open").end.is_none());
        for bad in ["", "..", "../..", "yesterday", "2026-02-30", "2026-02-01/2026-01-01"] {
            assert!(Interval::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip() {
        for c in [Cursor::After("it-rm-csm-m7".into()), Cursor::Before("a:b c".into())] {
            let decoded: String = form_urlencoded::parse(format!("c={}", c.encode()).as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .expect("pair");
            assert_eq!(Cursor::parse(&decoded), Some(c));
        }
        assert_eq!(Cursor::parse("x:1"), None);
        assert_eq!(Cursor::parse("a:"), None);
    }
}
