//! OGC API – Features, Part 1 (Core and GeoJSON) with the queryables of
//! Part 3 and the writes of Part 4, under `/ogcapi`, so that GDAL, QGIS and
//! OWSLib read (and editors write) witgis as a feature server.
//!
//! One collection, `resources`. Items are ordered by id and paged with a
//! cursor (the id of the last item seen), never a bare offset: a client that
//! walks the `next` links sees every record that exists for the whole walk
//! exactly once, even while others are created or deleted.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::error::{ApiError, InvalidParam, etag};
use super::extract::{Body, Caller, ResourceId};
use super::geojson::GeoJson;
use super::params::Params;
use crate::formats::geojson::{ResourceFeature, feature};
use crate::model::{Category, Topic};
use crate::state::{AppState, Versioned};

/// Items a page holds when no `limit` is given.
pub const DEFAULT_LIMIT: usize = 100;
/// Most items one page holds (QGIS asks for 1,000 at a time).
pub const MAX_LIMIT: usize = 10_000;
/// The one collection served.
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
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
];

/// The `/ogcapi` routes.
pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/ogcapi", get(landing))
        .route("/ogcapi/", get(landing))
        .route("/ogcapi/conformance", get(conformance))
        .route("/ogcapi/collections", get(collections))
        .route("/ogcapi/collections/{collection}", get(collection))
        .route("/ogcapi/collections/{collection}/queryables", get(queryables))
        .route("/ogcapi/collections/{collection}/items", get(items).post(create_item))
        .route(
            "/ogcapi/collections/{collection}/items/{feature}",
            get(item).put(replace_item).patch(patch_item).delete(delete_item),
        )
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

/// The absolute address of `/ogcapi` as the client reached it (behind a
/// proxy, from `X-Forwarded-Proto`/`X-Forwarded-Host`); relative when the
/// host header is missing or malformed.
fn base(headers: &HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let host = text("x-forwarded-host").or_else(|| text(header::HOST.as_str()));
    let proto = match text("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    match host.filter(|h| h.parse::<axum::http::uri::Authority>().is_ok()) {
        Some(host) => format!("{proto}://{host}/ogcapi"),
        None => "/ogcapi".to_owned(),
    }
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
            link("/".to_owned(), "service-doc", "text/html", "the witgis web map"),
        ],
    });
    Ok(axum::Json(body).into_response())
}

async fn conformance(RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    Ok(axum::Json(json!({ "conformsTo": CONFORMANCE })).into_response())
}

async fn collections(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let base = base(&headers);
    let body = json!({
        "links": [link(format!("{base}/collections"), "self", "application/json", "this document")],
        "collections": [resources_collection(&state.versioned(), &base)],
    });
    Ok(axum::Json(body).into_response())
}

/// The collection id from the path, or a 404 naming the ones there are.
fn known(path: Result<Path<String>, PathRejection>) -> Result<(), ApiError> {
    match path {
        Ok(Path(id)) if id == RESOURCES => Ok(()),
        _ => Err(ApiError::NotFound(format!("no such collection; the collections are: {RESOURCES}"))),
    }
}

async fn collection(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    known(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    Ok(axum::Json(resources_collection(&state.versioned(), &base(&headers))).into_response())
}

/// The description of the `resources` collection, with its extent.
fn resources_collection(current: &Versioned, base: &str) -> Value {
    let snapshot = current.snapshot();
    let points = snapshot.resources().iter().filter_map(|r| r.point());
    let bbox = points.fold(None, |acc: Option<[f64; 4]>, [lon, lat]| {
        Some(
            acc.map_or([lon, lat, lon, lat], |[w, s, e, n]| [w.min(lon), s.min(lat), e.max(lon), n.max(lat)]),
        )
    });
    let times = (0..snapshot.len() as u32).filter_map(|i| current.meta(i)).map(|m| m.updated_at);
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

async fn queryables(
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    known(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let body = json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{}/collections/{RESOURCES}/queryables", base(&headers)),
        "type": "object",
        "title": "Resources",
        "properties": {
            "category": { "type": "string", "title": "category", "enum": Category::ALL },
            "country": { "type": "string", "title": "country (ISO 3166-1 alpha-2)", "pattern": "^[A-Z]{2}$" },
            "topic": { "type": "string", "title": "one of the record's topics", "enum": Topic::ALL },
            "q": { "type": "string", "title": "text in the name, English name, city or address", "maxLength": 200 },
        },
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

const ITEM_PARAMS: &[&str] =
    &["limit", "bbox", "datetime", "category", "country", "topic", "q", "cursor", "f"];

async fn items(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    known(path)?;
    let mut params = Params::parse(query.as_deref(), ITEM_PARAMS);
    let limit = params.count("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT);
    let bbox = params.bbox();
    let filter = params.filter();
    let datetime = params
        .one("datetime")
        .and_then(|raw| Interval::parse(&raw).map_err(|reason| params.fail("datetime", reason)).ok());
    let cursor = params.one("cursor").and_then(|raw| {
        let parsed = Cursor::parse(&raw);
        if parsed.is_none() {
            params.fail("cursor", "is not a cursor from a next or prev link of this API".into());
        }
        parsed
    });
    only_json(params)?;

    let current = state.versioned();
    let snapshot = current.snapshot();
    let mut matched = match bbox {
        Some(bbox) => snapshot.in_bbox(bbox, &filter),
        None => snapshot.filtered(&filter),
    };
    if let Some(interval) = datetime {
        matched.retain(|&i| current.meta(i).is_some_and(|m| interval.contains(m.updated_at)));
    }
    // Positions are in id order, so a cursor is a binary search away.
    let id_at = |i: u32| snapshot.resource(i).id.as_str();
    let (start, end) = match &cursor {
        None => (0, limit.min(matched.len())),
        Some(Cursor::After(id)) => {
            let start = matched.partition_point(|&i| id_at(i) <= id.as_str());
            (start, (start + limit).min(matched.len()))
        }
        Some(Cursor::Before(id)) => {
            let end = matched.partition_point(|&i| id_at(i) < id.as_str());
            (end.saturating_sub(limit), end)
        }
    };
    let page = &matched[start..end];

    let base = base(&headers);
    let items = format!("{base}/collections/{RESOURCES}/items");
    let keep: Vec<(String, String)> = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let page_link = |cursor: Option<Cursor>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(keep.iter());
        let mut href = format!("{items}?{}", query.finish());
        if let Some(cursor) = cursor {
            if !href.ends_with('?') {
                href.push('&');
            }
            href.push_str(&format!("cursor={}", cursor.encode()));
        }
        href.trim_end_matches('?').to_owned()
    };
    let mut links = vec![
        link(page_link(cursor.clone()), "self", "application/geo+json", "this page"),
        link(format!("{base}/collections/{RESOURCES}"), "collection", "application/json", "the collection"),
    ];
    if let (Some(&last), true) = (page.last(), end < matched.len()) {
        links.push(link(
            page_link(Some(Cursor::After(id_at(last).to_owned()))),
            "next",
            "application/geo+json",
            "the next page",
        ));
    }
    if let (Some(&first), true) = (page.first(), start > 0) {
        links.push(link(
            page_link(Some(Cursor::Before(id_at(first).to_owned()))),
            "prev",
            "application/geo+json",
            "the previous page",
        ));
    }

    #[derive(Serialize)]
    struct Page<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        #[serde(rename = "timeStamp")]
        time_stamp: String,
        #[serde(rename = "numberMatched")]
        number_matched: usize,
        #[serde(rename = "numberReturned")]
        number_returned: usize,
        links: Vec<Link>,
        features: Vec<ResourceFeature<'a>>,
    }
    let features: Vec<ResourceFeature<'_>> =
        page.iter().map(|&i| ResourceFeature::new(snapshot.resource(i))).collect();
    Ok(GeoJson(Page {
        kind: "FeatureCollection",
        time_stamp: rfc3339(Utc::now()),
        number_matched: matched.len(),
        number_returned: features.len(),
        links,
        features,
    })
    .into_response())
}

/// The feature id of an item path in a known collection.
fn item_id(path: Result<Path<(String, String)>, PathRejection>) -> Result<String, ApiError> {
    let (collection, id) = match path {
        Ok(Path(pair)) => pair,
        Err(e) => {
            return Err(ApiError::InvalidParams(vec![InvalidParam {
                name: "featureId".into(),
                reason: e.body_text(),
            }]));
        }
    };
    known(Ok(Path(collection)))?;
    Ok(id)
}

/// Part 4: `POST …/items` creates a record, with the same roles, validation
/// and history as `POST /api/resources`; without an id it gets a slug.
async fn create_item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    known(path)?;
    super::write::create(&state, &caller, body, &format!("/ogcapi/collections/{RESOURCES}/items")).await
}

/// Part 4: `PUT …/items/{id}` replaces a record (`If-Match` required).
async fn replace_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = item_id(path)?;
    super::write::replace_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `PATCH …/items/{id}` applies a JSON merge patch (`If-Match` required).
async fn patch_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = item_id(path)?;
    super::write::patch_resource(state, caller, ResourceId(id), headers, body).await
}

/// Part 4: `DELETE …/items/{id}` soft-deletes a record (`If-Match` checked if sent).
async fn delete_item(
    state: State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    caller: Caller,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = item_id(path)?;
    super::write::delete_resource(state, caller, ResourceId(id), headers).await
}

async fn item(
    State(state): State<Arc<AppState>>,
    path: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let id = item_id(path)?;
    only_json(Params::parse(query.as_deref(), &["f"]))?;
    let current = state.versioned();
    let (resource, version) =
        current.get(&id).ok_or_else(|| ApiError::NotFound(format!("no resource has the id '{id}'")))?;
    let base = base(&headers);
    let collection = format!("{base}/collections/{RESOURCES}");
    let mut body = feature(resource, []);
    body["links"] = json!([
        link(
            format!(
                "{collection}/items/{}",
                form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
            ),
            "self",
            "application/geo+json",
            "this record",
        ),
        link(collection, "collection", "application/json", "the collection"),
    ]);
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
