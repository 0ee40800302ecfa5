//! The OpenAPI document of the whole API, generated from the handlers'
//! `#[utoipa::path]` annotations and the types' `ToSchema` derives: the router
//! and the document are built from one list of routes (see
//! [`super::router_with`]), so they cannot drift apart.
//!
//! utoipa 5 writes OpenAPI **3.1** (whose schemas are JSON Schema 2020-12);
//! it cannot write 3.0. The document is served at `/ogcapi/api` (the OGC
//! landing page's `service-desc`) and at `/api/openapi.json`.

use std::sync::Arc;

use axum::Extension;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::error::{ApiError, InvalidParam, Problem};
use super::params::{ParamSet, Params, query_params};
use crate::model::{AreaKind, Category, Country, Resource, Topic};

/// The media type of an OpenAPI 3.1 document.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.1";

/// The media type of an OpenAPI 3.0 document.
pub const OPENAPI_30_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.0";

/// The document's frame: title, security scheme and shared schemas. The
/// paths are added by the router (`OpenApiRouter::routes`).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "witgis",
        description = "Places that help people: GeoJSON resources, nearest-service search, referrals, \
                       the anonymous demand log, coverage and an OGC API - Features service under /ogcapi. \
                       Errors are RFC 9457 application/problem+json. Writes need a bearer token whose role \
                       (viewer < operator < editor < admin) is given as the security requirement's scope."
    ),
    modifiers(&BearerScheme),
    components(schemas(
        Problem, InvalidParam, Category, Topic, Country, AreaKind, Resource,
        ResourceFeature, ResourceCollection, NearestCollection, NearestOrigin, Feature, FeatureCollection, Link, Landing,
        Conformance, Collections, Collection, CategoryCount, JsonObject
    )),
    tags(
        (name = "resources", description = "Help resources as GeoJSON"),
        (name = "desk", description = "Help-desk: referrals, places, the anonymous demand log"),
        (name = "areas", description = "Territories and regions"),
        (name = "coverage", description = "Coverage, gaps and quality"),
        (name = "ogcapi", description = "OGC API - Features, Parts 1, 3 and 4"),
        (name = "service", description = "Health, configuration and this document")
    )
)]
pub struct ApiDoc;

/// Adds the `bearer` security scheme (tokens made by `witgis token create`).
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "A token made by `witgis token create --role ROLE`. Each operation's requirement lists \
             the lowest role it needs; higher roles include lower ones (viewer < operator < editor < admin)."
                .into(),
        );
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The `type` of a GeoJSON Feature.
#[derive(Serialize, ToSchema)]
pub enum FeatureType {
    /// A GeoJSON Feature.
    Feature,
}

/// The `type` of a GeoJSON FeatureCollection.
#[derive(Serialize, ToSchema)]
pub enum FeatureCollectionType {
    /// A GeoJSON FeatureCollection.
    FeatureCollection,
}

/// The `type` of a GeoJSON Point.
#[derive(Serialize, ToSchema)]
pub enum PointType {
    /// A GeoJSON Point.
    Point,
}

/// A GeoJSON Point in WGS84 longitude, latitude.
#[derive(Serialize, ToSchema)]
pub struct Point {
    /// Always `Point`.
    #[serde(rename = "type")]
    kind: PointType,
    /// Longitude and latitude in degrees.
    #[schema(min_items = 2, max_items = 2)]
    coordinates: Vec<f64>,
}

/// A resource as a GeoJSON Feature; the properties are the record's fields
/// (plus computed ones such as `distance_m` or `hours_week` where an endpoint
/// adds them).
#[derive(Serialize, ToSchema)]
pub struct ResourceFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: FeatureType,
    /// The resource's id (a slug).
    id: String,
    /// Where it is; null for a resource with no place (e.g. a phone line).
    geometry: Option<Point>,
    /// The record.
    properties: Resource,
}

/// Resources as a GeoJSON FeatureCollection.
#[derive(Serialize, ToSchema)]
pub struct ResourceCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// The resources.
    features: Vec<ResourceFeature>,
}

/// Where a nearest search started.
#[derive(Serialize, ToSchema)]
pub struct NearestOrigin {
    /// The covered country holding the point; null outside the four.
    country: Option<Country>,
}

/// The nearest resources, nearest first, and where the search started.
#[derive(Serialize, ToSchema)]
pub struct NearestCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// Where the search started (a foreign member).
    origin: NearestOrigin,
    /// The resources, each with `distance_m`.
    features: Vec<ResourceFeature>,
}

/// Any GeoJSON Feature (areas, regions, coverage cells, OGC items).
#[derive(Serialize, ToSchema)]
pub struct Feature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: FeatureType,
    /// A GeoJSON geometry, or null.
    #[schema(value_type = Option<Object>)]
    geometry: Value,
    /// The feature's properties.
    #[schema(value_type = Option<Object>)]
    properties: Value,
}

/// Any GeoJSON FeatureCollection.
#[derive(Serialize, ToSchema)]
pub struct FeatureCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    kind: FeatureCollectionType,
    /// The features.
    features: Vec<Feature>,
}

/// A web link (RFC 8288) as OGC API writes it.
#[derive(Serialize, ToSchema)]
pub struct Link {
    /// The target.
    href: String,
    /// The relation, e.g. `self`, `next`, `service-desc`.
    rel: String,
    /// The target's media type.
    #[serde(rename = "type")]
    media_type: Option<String>,
    /// What the target is.
    title: Option<String>,
}

/// The OGC API landing page.
#[derive(Serialize, ToSchema)]
pub struct Landing {
    /// The service's name.
    title: String,
    /// What it holds.
    description: Option<String>,
    /// Links to the conformance classes, the collections and this document.
    links: Vec<Link>,
}

/// The OGC API conformance classes implemented.
#[derive(Serialize, ToSchema)]
pub struct Conformance {
    /// Conformance class URIs.
    #[serde(rename = "conformsTo")]
    conforms_to: Vec<String>,
}

/// One OGC API collection.
#[derive(Serialize, ToSchema)]
pub struct Collection {
    /// `resources`, `areas` or `regions`.
    id: String,
    /// Its name.
    title: Option<String>,
    /// Links to its items and queryables.
    links: Vec<Link>,
}

/// The OGC API collections.
#[derive(Serialize, ToSchema)]
pub struct Collections {
    /// Every collection.
    collections: Vec<Collection>,
    /// Links to this list.
    links: Vec<Link>,
}

/// How many resources a category holds.
#[derive(Serialize, ToSchema)]
pub struct CategoryCount {
    /// The category.
    category: Category,
    /// Resources in it.
    count: u64,
}

/// A JSON object whose members this document does not spell out.
pub struct JsonObject;

impl utoipa::PartialSchema for JsonObject {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Object)
            .description(Some("A JSON object whose members this document does not spell out"))
            .into()
    }
}

impl ToSchema for JsonObject {}

/// The documents served, built once with the router from the one utoipa
/// document: the whole API, and the OGC API - Features part of it rooted at
/// `/ogcapi` (the landing page's `service-desc`), each in OpenAPI 3.1 and 3.0.
#[derive(Clone)]
pub struct Document(Arc<Documents>);

struct Documents {
    full_31: String,
    full_30: String,
    ogc_31: String,
    ogc_30: String,
}

impl Document {
    /// Builds every served form of the whole document `full` and of its
    /// OGC API part `ogc`.
    pub fn new(full: &Value, ogc: &Value) -> Document {
        let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
        Document(Arc::new(Documents {
            full_31: text(full),
            full_30: text(&super::oas30::downgrade(full)),
            ogc_31: text(ogc),
            ogc_30: text(&super::oas30::downgrade(ogc)),
        }))
    }

    /// The OGC API part, as text in `version`.
    pub fn ogc(&self, version: Version) -> &str {
        match version {
            Version::V30 => &self.0.ogc_30,
            Version::V31 => &self.0.ogc_31,
        }
    }
}

/// The OpenAPI versions served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// OpenAPI 3.0 (3.0.3), for GDAL and QGIS.
    V30,
    /// OpenAPI 3.1, what utoipa writes; the default.
    V31,
}

impl Version {
    /// The media type a document of this version is served as.
    pub fn media_type(self) -> &'static str {
        match self {
            Version::V30 => OPENAPI_30_MEDIA_TYPE,
            Version::V31 => OPENAPI_MEDIA_TYPE,
        }
    }

    /// The version asked for: `?version=3.0|3.1` first, else the `Accept`
    /// header (an OpenAPI media type with `version=3.0` and none with 3.1,
    /// or 3.0 at a higher `q`), else 3.1.
    pub fn pick<S: ParamSet>(query: Option<&str>, headers: &HeaderMap) -> Result<Version, ApiError> {
        let mut params = Params::of::<S>(query);
        let asked = params.one("version");
        let version = match asked.as_deref() {
            Some("3.0") => Some(Version::V30),
            Some("3.1") => Some(Version::V31),
            Some(_) => {
                params.fail("version", "must be 3.0 or 3.1".into());
                None
            }
            None => None,
        };
        params.finish()?;
        Ok(version.unwrap_or_else(|| {
            let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
            from_accept(accept)
        }))
    }
}

/// The OpenAPI version an `Accept` header prefers (3.1 unless it names 3.0
/// and ranks it above any 3.1).
fn from_accept(accept: &str) -> Version {
    let (mut best_30, mut best_31) = (None::<f32>, None::<f32>);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        if media != "application/vnd.oai.openapi+json" && media != "application/openapi+json" {
            continue;
        }
        let (mut version, mut q) = (None, 1.0_f32);
        for param in parts {
            match param
                .split_once('=')
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"')))
            {
                Some((k, v)) if k == "version" => version = Some(v.to_owned()),
                Some((k, v)) if k == "q" => q = v.parse().unwrap_or(0.0),
                _ => {}
            }
        }
        let slot = match version.as_deref() {
            Some(v) if v.starts_with("3.0") => &mut best_30,
            _ => &mut best_31,
        };
        *slot = Some(slot.map_or(q, |b| b.max(q)));
    }
    match (best_30, best_31) {
        (Some(q30), None) if q30 > 0.0 => Version::V30,
        (Some(q30), Some(q31)) if q30 > q31 => Version::V30,
        _ => Version::V31,
    }
}

query_params! {
    /// The parameters of `GET /api/openapi.json`.
    pub struct DocumentParams {
        /// 3.0 or 3.1 (default 3.1)
        version: Option<String>,
    }
}

/// `GET /api/openapi.json`: the whole document as plain JSON.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    params(
        DocumentParams
    ),
    responses(
        (status = 200, description = "This OpenAPI document", body = JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn api_document(
    Extension(doc): Extension<Document>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let body = match Version::pick::<DocumentParams>(query.as_deref(), &headers)? {
        Version::V30 => &doc.0.full_30,
        Version::V31 => &doc.0.full_31,
    };
    Ok(([(header::CONTENT_TYPE, "application/json")], body.clone()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_picks_3_0_only_when_it_outranks_3_1() {
        // What GDAL 3.6 sends.
        let gdal = "application/vnd.oai.openapi+json;version=3.0, application/openapi+json;version=3.0, application/json";
        assert_eq!(from_accept(gdal), Version::V30);
        assert_eq!(from_accept("application/openapi+json; version=3.0"), Version::V30);
        assert_eq!(from_accept(""), Version::V31);
        assert_eq!(from_accept("*/*"), Version::V31);
        assert_eq!(from_accept("application/json"), Version::V31);
        assert_eq!(
            from_accept(
                "application/vnd.oai.openapi+json;version=3.0;q=0.5, application/vnd.oai.openapi+json;version=3.1"
            ),
            Version::V31
        );
        assert_eq!(
            from_accept(
                "application/vnd.oai.openapi+json;version=3.0, application/vnd.oai.openapi+json;version=3.1;q=0.4"
            ),
            Version::V30
        );
        assert_eq!(from_accept("application/vnd.oai.openapi+json;version=3.0;q=0"), Version::V31);
    }
}
