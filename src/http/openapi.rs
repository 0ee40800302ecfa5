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
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use super::error::{InvalidParam, Problem};
use crate::model::{AreaKind, Category, Country, Resource, Topic};

/// The media type the document is served as at `/ogcapi/api`.
pub const OPENAPI_MEDIA_TYPE: &str = "application/vnd.oai.openapi+json;version=3.1";

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
        ResourceFeature, ResourceCollection, Feature, FeatureCollection, Link, Landing,
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

/// The document as JSON, built once with the router.
#[derive(Clone)]
pub struct Document(pub Arc<String>);

/// `GET /ogcapi/api`: the OpenAPI document (the landing page's `service-desc`).
#[utoipa::path(
    get,
    path = "/ogcapi/api",
    tag = "ogcapi",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = JsonObject,
               content_type = "application/vnd.oai.openapi+json;version=3.1"))
)]
pub async fn ogcapi_document(Extension(doc): Extension<Document>) -> Response {
    ([(header::CONTENT_TYPE, OPENAPI_MEDIA_TYPE)], doc.0.as_str().to_owned()).into_response()
}

/// `GET /api/openapi.json`: the same document as plain JSON.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "service",
    responses((status = 200, description = "This OpenAPI 3.1 document", body = JsonObject))
)]
pub async fn api_document(Extension(doc): Extension<Document>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], doc.0.as_str().to_owned()).into_response()
}
