//! The landing page, conformance classes, collections and their queryables.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::params::Params;
use crate::model::{Area, AreaKind, Category, Topic};
use crate::state::{AppState, Versioned};

use super::{
    CONFORMANCE, CRS84, Collection, FormatParams, QUERYABLES_REL, RESOURCES, areas_of, base, known, link,
    only_json, rfc3339,
};

#[utoipa::path(
    get,
    path = "/ogcapi",
    tag = "ogcapi",
    params(
        FormatParams
    ),
    responses(
        (status = 200, description = "The landing page", body = crate::http::openapi::Landing),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn landing(headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
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
            link(format!("{base}/api"), "service-desc", crate::http::openapi::OPENAPI_MEDIA_TYPE, "the OpenAPI document"),
            link(
                format!("{base}/api?version=3.0"),
                "service-desc",
                crate::http::openapi::OPENAPI_30_MEDIA_TYPE,
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
        FormatParams
    ),
    responses(
        (status = 200, description = "The landing page", body = crate::http::openapi::Landing),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn landing_slash(headers: HeaderMap, query: RawQuery) -> Result<Response, ApiError> {
    landing(headers, query).await
}

#[utoipa::path(
    get,
    path = "/ogcapi/conformance",
    tag = "ogcapi",
    params(
        FormatParams
    ),
    responses(
        (status = 200, description = "The conformance classes", body = crate::http::openapi::Conformance),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn conformance(RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
    Ok(axum::Json(json!({ "conformsTo": CONFORMANCE })).into_response())
}

#[utoipa::path(
    get,
    path = "/ogcapi/collections",
    tag = "ogcapi",
    params(
        FormatParams
    ),
    responses(
        (status = 200, description = "The collections", body = crate::http::openapi::Collections),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn collections(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
    let base = base(&headers);
    let body = json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "this document")],
        "collections": Collection::ALL.map(|c| describe(&state, c, &base)),
    });
    Ok(axum::Json(body).into_response())
}

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        FormatParams
    ),
    responses(
        (status = 200, description = "The collection", body = crate::http::openapi::Collection),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let collection = known(path)?;
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
    Ok(axum::Json(describe(&state, collection, &base(&headers))).into_response())
}

/// The description of a collection, with its extent.
pub(super) fn describe(state: &AppState, collection: Collection, base: &str) -> Value {
    match collection {
        Collection::Resources => resources_collection(&state.versioned(), base),
        other => areas_collection(areas_of(state, other).all(), other, base),
    }
}

/// The description of the loaded areas or the shipped regions.
pub(super) fn areas_collection(areas: &[Area], collection: Collection, base: &str) -> Value {
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
pub(super) fn resources_collection(current: &Versioned, base: &str) -> Value {
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

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/queryables",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        FormatParams
    ),
    responses(
        (status = 200, description = "The queryables as a JSON Schema", body = crate::http::openapi::JsonObject, content_type = "application/schema+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn queryables(
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let collection = known(path)?;
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
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
