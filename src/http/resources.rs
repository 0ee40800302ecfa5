//! `GET /api/resources`, `GET /api/resources/{id}`, `GET /api/categories`.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{ApiError, InvalidParam, etag};
use super::geojson::{GeoJson, annotate};
use super::offload::offload;
use super::params::{Params, query_params};
use super::stream::{Items, write_json};
use crate::formats::geojson::ResourceFeature;
use crate::state::AppState;

/// Most features one listing returns.
pub const MAX_LIMIT: usize = 10_000;
/// Features a listing returns when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 1_000;

query_params! {
    /// The parameters of `GET /api/resources`.
    pub struct ResourceListParams {
        /// west,south,east,north in degrees; west > east crosses the antimeridian
        bbox: Option<String>,
        /// Only these categories (repeat or comma-separate)
        category: Option<Vec<crate::model::Category>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// Only resources with any of these topics (repeat or comma-separate)
        topic: Option<Vec<crate::model::Topic>>,
        /// Words the name, city or description must contain
        #[param(max_length = 200)]
        q: Option<String>,
        /// Only records checked on or after this date (YYYY-MM-DD)
        verified_since: Option<String>,
        /// Only records with a point (true) or without one (false: phone and online services)
        located: Option<bool>,
        /// Most features to answer (default 1000)
        #[param(minimum = 1, maximum = 10000)]
        limit: Option<u32>,
        /// Features to skip
        #[param(minimum = 0)]
        offset: Option<u64>,
        /// The moment for opening hours (RFC 3339); default now
        at: Option<String>,
    }
}

/// A FeatureCollection of the resources that pass the filters, in id order.
#[utoipa::path(
    get,
    path = "/api/resources",
    tag = "resources",
    params(
        ResourceListParams
    ),
    responses(
        (status = 200, description = "The matching resources", body = crate::http::openapi::ResourceCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_resources(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of::<ResourceListParams>(query.as_deref());
    let bbox = params.bbox();
    let mut filter = params.filter();
    filter.verified_since = params.verified_since();
    let located = params.optional_flag("located");
    let limit = params.count("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT);
    let offset = params.count("offset", 0..=usize::MAX, 0);
    let at = params.moment("at");
    params.finish()?;

    let snapshot = state.snapshot();
    let select = {
        let snapshot = Arc::clone(&snapshot);
        move || selection(&snapshot, bbox, &filter, located, offset, limit)
    };
    // A listing without a box, or longer than the default, may pass over the
    // whole index: it runs in the bounded pool of expensive queries, never
    // on a request thread. A page in a box walks the R-tree inline.
    let (page, matched) = if bbox.is_none() || limit > DEFAULT_LIMIT {
        offload(&state, "ask for a bbox, a category or country, or a smaller limit", move |_| Ok(select()))
            .await?
    } else {
        select()
    };
    // Written a batch of features at a time as the client reads: a slow
    // reader of 10,000 features holds one batch, and the writing is spread
    // over the reads. The same bytes as `Collection::page`.
    let head = format!(
        r#"{{"type":"FeatureCollection","numberMatched":{matched},"numberReturned":{},"features":["#,
        page.len()
    );
    let reference = Arc::clone(state.reference());
    let body = Items::json(head, page.len(), "]}", move |i, out| {
        let r = snapshot.index().resource(page[i]);
        write_json(out, &annotate(ResourceFeature::new(r), r, at, &reference.gazetteer));
    });
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body.into_body()).into_response())
}

/// The slots of the records a listing returns (`limit` from `offset`, in
/// id order), and how many match in all.
fn selection(
    snapshot: &crate::index::Snapshot,
    bbox: Option<crate::index::BBox>,
    filter: &crate::index::Filter,
    located: Option<bool>,
    offset: usize,
    limit: usize,
) -> (Vec<u32>, usize) {
    match (bbox, located) {
        // A box holds located records only.
        (Some(_), Some(false)) => (Vec::new(), 0),
        (Some(bbox), _) => snapshot.index().in_bbox_page(bbox, filter, offset, limit),
        (None, _) => {
            let mut all = snapshot.index().filtered(filter);
            if let Some(located) = located {
                all.retain(|&s| snapshot.index().resource(s).location.is_some() == located);
            }
            let page = all.iter().skip(offset).take(limit).copied().collect();
            (page, all.len())
        }
    }
}

query_params! {
    /// The parameters of `GET /api/resources/{id}`.
    pub struct ResourceParams {
        /// The moment for opening hours (RFC 3339); default now
        at: Option<String>,
    }
}

/// One resource as a Feature, with its version as the `ETag` and its next
/// seven days of opening hours from `at` (now by default).
#[utoipa::path(
    get,
    path = "/api/resources/{id}",
    tag = "resources",
    params(
        ResourceParams,
        ("id" = String, Path, description = "The resource's id (a slug)")
    ),
    responses(
        (status = 200, description = "The resource", body = crate::http::openapi::ResourceFeature, content_type = "application/geo+json", headers(("ETag" = String, description = "The stored version"))),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Nothing with this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_resource(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of::<ResourceParams>(query.as_deref());
    let at = params.moment("at");
    params.finish()?;
    let Path(id) = path.map_err(|e| {
        ApiError::InvalidParams(vec![InvalidParam { name: "id".into(), reason: e.body_text() }])
    })?;
    let current = state.versioned();
    let (resource, version) =
        current.get(&id).ok_or_else(|| ApiError::NotFound(format!("no resource has the id '{id}'")))?;
    let mut response =
        GeoJson(annotate(ResourceFeature::new(resource), resource, at, &state.reference().gazetteer))
            .into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

/// Every category with its number of resources.
#[utoipa::path(
    get,
    path = "/api/categories",
    tag = "resources",
    responses(
        (status = 200, description = "Each category with its count", body = Vec<crate::http::openapi::CategoryCount>)
    )
)]
pub async fn list_categories(State(state): State<Arc<AppState>>) -> Json<Value> {
    let counts: Vec<Value> = state
        .snapshot()
        .index()
        .category_counts()
        .into_iter()
        .map(|(category, count)| json!({ "category": category, "count": count }))
        .collect();
    Json(Value::Array(counts))
}
