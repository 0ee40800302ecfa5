//! The items of a collection (one page, filtered) and one item by id.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::cql;

use crate::formats::geojson::{ResourceFeature, feature};
use crate::http::error::{ApiError, InvalidParam, etag};
use crate::http::geojson::GeoJson;
use crate::http::params::{ParamSet, Params, query_params};
use crate::index::{BBox, PageAt};
use crate::model::{Area, AreaKind, Country};
use crate::state::AppState;

use super::datetime::Interval;
use super::paging::{Cursor, Page, Position, page_bounds, page_links, paging};
use super::{CRS84, Collection, FormatParams, areas_of, base, known, link, only_json};

query_params! {
    /// What the items of every collection take (Parts 1 and 3).
    pub struct ItemParams {
        /// Items per page (default 100)
        #[param(minimum = 1, maximum = 10000)]
        limit: Option<u32>,
        /// west,south,east,north in degrees; west > east crosses the antimeridian
        bbox: Option<String>,
        /// An RFC 3339 instant or interval (.. open) of last_verified (resources) or none
        datetime: Option<String>,
        /// Only these countries
        country: Option<Vec<crate::model::Country>>,
        /// A Basic CQL2 filter on the queryables, with s_intersects on geometry (Part 3), at most 8,192 bytes
        filter: Option<String>,
        /// cql2-text (default) or cql2-json
        filter_lang as "filter-lang": Option<String>,
        /// Only http://www.opengis.net/def/crs/OGC/1.3/CRS84
        filter_crs as "filter-crs": Option<String>,
        /// From the previous page's next link
        cursor: Option<String>,
        /// Only `json` (or `geojson`) is served
        f: Option<String>,
    }
}

query_params! {
    /// What the resources' items take besides [`ItemParams`]: their own queryables.
    pub struct ResourceItemParams {
        /// resources: only these categories
        category: Option<Vec<crate::model::Category>>,
        /// resources: only these topics
        topic: Option<Vec<crate::model::Topic>>,
        /// resources: words to contain
        #[param(max_length = 200)]
        q: Option<String>,
    }
}

query_params! {
    /// What the areas' and regions' items take besides [`ItemParams`].
    pub struct AreaItemParams {
        /// areas and regions: only these kinds
        kind: Option<Vec<crate::model::AreaKind>>,
    }
}

/// The query parameters a collection's items accept.
pub(super) fn accepted(collection: Collection) -> Vec<&'static str> {
    let own = match collection {
        Collection::Resources => ResourceItemParams::NAMES,
        Collection::Areas | Collection::Regions => AreaItemParams::NAMES,
    };
    [ItemParams::NAMES, own].concat()
}

/// The `filter`, `filter-lang` and `filter-crs` parameters (Part 3), checked
/// against the collection's queryables.
pub(super) fn cql_filter(params: &mut Params, queryables: cql::Queryables) -> Option<cql::Filter> {
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

/// The parameters that are queryables (Part 3 `queryables-query-parameters`),
/// each a comma list of values.
pub const QUERYABLES: &[&str] = &["category", "country", "topic", "q", "kind"];

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/items",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ItemParams,
        ResourceItemParams,
        AreaItemParams
    ),
    responses(
        (status = 200, description = "A page of items, with numberMatched and a next link", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn items(
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

pub(super) fn area_items(
    state: &AppState,
    collection: Collection,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(query, &accepted(collection));
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
pub(super) fn overlaps(b: &BBox, r: geo::Rect<f64>) -> bool {
    let lat = r.min().y <= b.north && b.south <= r.max().y;
    let lon = |west: f64, east: f64| r.min().x <= east && west <= r.max().x;
    lat && if b.west <= b.east { lon(b.west, b.east) } else { lon(b.west, 180.0) || lon(-180.0, b.east) }
}

pub(super) fn resource_items(
    state: &AppState,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Response, ApiError> {
    let mut params = Params::parse(query, &accepted(Collection::Resources));
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
pub(super) fn item_id(
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<(Collection, String), ApiError> {
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

#[utoipa::path(
    get,
    path = "/ogcapi/collections/{collection}/items/{feature}",
    tag = "ogcapi",
    params(
        ("collection" = String, Path, description = "resources, areas or regions"),
        ("feature" = String, Path, description = "The item's id"),
        FormatParams
    ),
    responses(
        (status = 200, description = "The item", body = crate::http::openapi::Feature, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such collection or item", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub(super) async fn item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (collection, id) = item_id(path)?;
    only_json(Params::of::<FormatParams>(query.as_deref()))?;
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
