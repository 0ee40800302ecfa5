//! The OGC API - Features part of the OpenAPI document (`/ogcapi/api`, the
//! landing page's `service-desc`): the whole document's `/ogcapi` paths,
//! rooted at the landing page, each collection with its own items path.

use axum::Extension;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::http::error::ApiError;
use crate::http::openapi::{Document, Version};
use crate::http::params::query_params;

/// The OGC API - Features part of the whole document `full`, rooted at the
/// landing page (`servers: /ogcapi`, paths such as `/collections`), as
/// OGC API clients read it; each collection gets its own items path listing
/// the parameters it accepts, its queryables as `style: form, explode:
/// false` parameters (a comma list), which is where GDAL and QGIS look for
/// filters they may send to the server.
pub fn ogc_document(full: &Value) -> Value {
    let mut doc = full.clone();
    let Some(root) = doc.as_object_mut() else { return doc };
    let paths = full.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut ogc = serde_json::Map::new();
    for (path, item) in &paths {
        let Some(rest) = path.strip_prefix(OGC_ROOT) else { continue };
        let rooted = if rest.is_empty() { "/" } else { rest };
        if !rooted.starts_with('/') || (rest == "/" && paths.contains_key(OGC_ROOT)) {
            continue;
        }
        ogc.insert(rooted.to_owned(), item.clone());
    }
    if let Some(generic) = ogc.get(ITEMS_PATH).cloned() {
        for (collection, accepted) in super::items_accepted() {
            ogc.insert(
                format!("/collections/{collection}/items"),
                collection_items(&generic, collection, &accepted),
            );
        }
    }
    root.insert("paths".into(), Value::Object(ogc));
    root.insert(
        "servers".into(),
        serde_json::json!([{ "url": OGC_ROOT, "description": "the OGC API - Features landing page" }]),
    );
    if let Some(tags) = root.get_mut("tags").and_then(Value::as_array_mut) {
        tags.retain(|t| t.get("name").is_some_and(|n| n == "ogcapi"));
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        info.insert(
            "description".into(),
            Value::String(
                "OGC API - Features (Parts 1, 3 and 4) of witgis: places that help people. Errors are RFC 9457 \
                 application/problem+json. Writes need a bearer token (role editor). The whole API is described \
                 at /api/openapi.json."
                    .into(),
            ),
        );
    }
    doc
}

/// Where the OGC API is served.
const OGC_ROOT: &str = "/ogcapi";
/// The generic items path, relative to [`OGC_ROOT`].
const ITEMS_PATH: &str = "/collections/{collection}/items";

/// The generic items read made one collection's: no `collection` path
/// parameter, only the parameters `accepted`, queryables as comma lists
/// (writes stay on the generic path).
fn collection_items(generic: &Value, collection: &str, accepted: &[&str]) -> Value {
    let mut item = serde_json::json!({ "get": generic.get("get").cloned().unwrap_or_default() });
    if let Some(op) = item.get_mut("get").and_then(Value::as_object_mut) {
        op.insert("operationId".into(), Value::String(format!("get_{collection}_items")));
        op.insert("summary".into(), Value::String(format!("The {collection}, a page at a time")));
        if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
            params.retain(|p| {
                p.get("in").is_some_and(|i| i == "query")
                    && p.get("name").and_then(Value::as_str).is_some_and(|n| accepted.contains(&n))
            });
            for p in params.iter_mut() {
                let queryable =
                    p.get("name").and_then(Value::as_str).is_some_and(|n| super::QUERYABLES.contains(&n));
                if let (true, Some(p)) = (queryable, p.as_object_mut()) {
                    p.insert("style".into(), Value::String("form".into()));
                    p.insert("explode".into(), Value::Bool(false));
                }
            }
        }
    }
    item
}

query_params! {
    /// The parameters of `GET /ogcapi/api`.
    pub struct OgcDocumentParams {
        /// 3.0 or 3.1 (default: from Accept, else 3.1)
        version: Option<String>,
    }
}

/// `GET /ogcapi/api`: the OGC API part of the OpenAPI document (the landing
/// page's `service-desc`), in OpenAPI 3.1 or, asked for, 3.0.
#[utoipa::path(
    get,
    path = "/ogcapi/api",
    tag = "ogcapi",
    params(
        OgcDocumentParams
    ),
    responses(
        (status = 200, description = "The OGC API part of this document, rooted at /ogcapi", body = crate::http::openapi::JsonObject,
         content_type = "application/vnd.oai.openapi+json;version=3.1"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn ogcapi_document(
    Extension(doc): Extension<Document>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let version = Version::pick::<OgcDocumentParams>(query.as_deref(), &headers)?;
    Ok(([(header::CONTENT_TYPE, version.media_type())], doc.ogc(version).to_owned()).into_response())
}
