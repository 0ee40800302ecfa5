//! The Open Referral HSDS 3.0 API (the specification's `openapi.json`):
//! `GET /hsds/` (which HSDS version and profile), then `services`,
//! `organizations`, `service_at_locations`, `taxonomies` and
//! `taxonomy_terms`, each as a page in the HSDS paging envelope and one by
//! its id. The objects are those `witgis export --format hsds` writes (see
//! [`crate::formats::hsds`]): one organization, service and, when the record
//! has a place, one service_at_location per record; our categories and
//! topics are two taxonomies.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::error::{ApiError, InvalidParam};
use super::params::{ParamSet, Params, query_params};
use crate::formats::hsds::{self, Taxonomy};
use crate::index::Snapshot;
use crate::model::Resource;
use crate::model::text::fold;
use crate::state::{AppState, Versioned};

/// Items per page unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The most items one page holds.
pub const MAX_PER_PAGE: u64 = 500;
/// The largest `proximity`, in metres.
pub const MAX_PROXIMITY_M: f64 = 1_000_000.0;

/// The HSDS routes, with their OpenAPI operations, to merge into the
/// application router. Every one is a public read: any web page may read it
/// ([`super::cors`]).
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(root_bare))
        .routes(routes!(root))
        .routes(routes!(list_services))
        .routes(routes!(get_service))
        .routes(routes!(list_organizations))
        .routes(routes!(get_organization))
        .routes(routes!(list_service_at_locations))
        .routes(routes!(get_service_at_location))
        .routes(routes!(list_taxonomies))
        .routes(routes!(get_taxonomy))
        .routes(routes!(list_taxonomy_terms))
        .routes(routes!(get_taxonomy_term))
}

/// `GET /hsds`: the same as `GET /hsds/`.
#[utoipa::path(
    get,
    path = "/hsds",
    tag = "hsds",
    responses((status = 200, description = "HSDS version and profile", body = crate::http::openapi::JsonObject))
)]
pub async fn root_bare() -> Json<Value> {
    root().await
}

/// What this API is: HSDS version and profile.
#[utoipa::path(
    get,
    path = "/hsds/",
    tag = "hsds",
    responses((status = 200, description = "HSDS version and profile", body = crate::http::openapi::JsonObject))
)]
pub async fn root() -> Json<Value> {
    Json(json!({
        "version": hsds::VERSION,
        "profile": "https://docs.openreferral.org/en/v3.0/hsds/api_reference.html",
        "openapi_url": "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json",
    }))
}

fn bad(name: &str, reason: String) -> ApiError {
    ApiError::InvalidParams(vec![InvalidParam { name: name.into(), reason }])
}

query_params! {
    /// The parameters every list takes besides its filters.
    pub struct PagingParams {
        /// 1-based page number (default 1)
        #[param(minimum = 1)]
        page: Option<u32>,
        /// Items per page (default 50)
        #[param(minimum = 1, maximum = 500)]
        per_page: Option<u32>,
        /// Only json
        format: Option<String>,
    }
}

/// The paging parameters and the set `S`: what a list accepts.
fn paged<S: ParamSet>(query: Option<&str>) -> Params {
    Params::parse(query, &[PagingParams::NAMES, S::NAMES].concat())
}

/// Which page, how long.
#[derive(Debug, Clone, Copy)]
struct Paging {
    page: u64,
    per_page: u64,
}

impl Paging {
    /// `page`, `per_page` and `format` (only `json` is served).
    fn parse(params: &mut Params) -> Paging {
        let page = params.count("page", 1..=u32::MAX as usize, 1) as u64;
        let per_page = params.count("per_page", 1..=MAX_PER_PAGE as usize, DEFAULT_PER_PAGE as usize) as u64;
        if let Some(format) = params.one("format") {
            if format.trim() != "json" {
                params.fail("format", format!("'{format}' is not served: the only format is json"));
            }
        }
        Paging { page, per_page }
    }

    /// The page of `items` in the HSDS paging envelope, each shown by
    /// `show`; a page past the last is a problem naming `page`.
    fn envelope<T>(self, items: &[T], show: impl Fn(&T) -> Value) -> Result<Json<Value>, ApiError> {
        let Paging { page, per_page } = self;
        let total = items.len() as u64;
        let pages = total.div_ceil(per_page);
        if page > pages.max(1) {
            return Err(bad(
                "page",
                format!("is past the last page ({}) at per_page={per_page}", pages.max(1)),
            ));
        }
        let start = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
        let contents: Vec<Value> = items.iter().skip(start).take(per_page as usize).map(show).collect();
        Ok(Json(json!({
            "total_items": total,
            "total_pages": pages,
            "page_number": page,
            "size": contents.len(),
            "first_page": page == 1,
            "last_page": page >= pages,
            "empty": contents.is_empty(),
            "contents": contents,
        })))
    }
}

/// A parameter that must be an HSDS id (a UUID).
fn uuid_param(params: &mut Params, name: &str, what: &str) -> Option<Uuid> {
    let raw = params.one(name)?;
    match Uuid::parse_str(raw.trim()) {
        Ok(id) => Some(id),
        Err(_) => {
            params.fail(name, format!("'{raw}' is not {what} (a UUID)"));
            None
        }
    }
}

/// `search`: the words to look for, folded (case and accents ignored).
fn search_param(params: &mut Params) -> Option<String> {
    let raw = params.one("search")?;
    let folded = fold(raw.trim());
    if folded.is_empty() {
        params.fail("search", "is empty: give the text to look for".into());
        return None;
    }
    Some(folded)
}

/// Does any of `fields` hold `needle` (folded)?
fn contains(needle: &str, fields: &[Option<&str>]) -> bool {
    fields.iter().flatten().any(|f| fold(f).contains(needle))
}

/// The filters of the lists of records (services, organizations,
/// service_at_locations); each absent one lets every record through.
#[derive(Debug, Default)]
struct RecordFilter {
    /// Folded text in the name, English name, description, address or city.
    search: Option<String>,
    /// One of our taxonomy terms.
    term: Option<Uuid>,
    /// A term of this taxonomy.
    taxonomy: Option<Uuid>,
    /// The organization's id.
    organization: Option<Uuid>,
    /// Changed in the store at or after this moment.
    modified_after: Option<DateTime<Utc>>,
    /// The address's postal code, normalised ([`postcode_key`]).
    postcode: Option<String>,
    /// Within this many metres of the postcode's centre (`postcode`'s
    /// records' mean point).
    near: Option<([f64; 2], f64)>,
}

/// A postal code as compared: no spaces, upper case.
fn postcode_key(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

impl RecordFilter {
    /// Reads whichever filters `params` allows (the others are refused as
    /// unknown by [`Params::parse`]).
    fn parse(params: &mut Params, snapshot: &Snapshot) -> RecordFilter {
        let mut f = RecordFilter {
            search: search_param(params),
            term: uuid_param(params, "taxonomy_term_id", "a taxonomy term id as /hsds/taxonomy_terms lists"),
            taxonomy: uuid_param(params, "taxonomy_id", "a taxonomy id as /hsds/taxonomies lists"),
            organization: uuid_param(
                params,
                "organization_id",
                "an organization id as /hsds/organizations lists",
            ),
            ..RecordFilter::default()
        };
        if let Some(raw) = params.one("modified_after") {
            let text = raw.trim();
            let moment =
                DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc)).ok().or_else(|| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .map(|t| t.and_utc())
                });
            match moment {
                Some(t) => f.modified_after = Some(t),
                None => params.fail(
                    "modified_after",
                    format!(
                        "'{raw}' is not a date and time like 2026-11-23T09:30:00Z (or a day like 2026-11-23)"
                    ),
                ),
            }
        }
        if let Some(raw) = params.one("postcode") {
            let key = postcode_key(&raw);
            if key.is_empty() || key.chars().count() > 12 {
                params.fail("postcode", format!("'{raw}' is not a postal code (1 to 12 letters and digits)"));
            } else {
                f.postcode = Some(key);
            }
        }
        let proximity = params.number("proximity", 1.0..=MAX_PROXIMITY_M, "a distance in metres");
        match (proximity, &f.postcode) {
            (Some(_), None) if !params.has("postcode") => params.fail(
                "proximity",
                "needs postcode: it is the distance in metres from the centre of that postal code".into(),
            ),
            (Some(metres), Some(key)) => match postcode_centre(snapshot, key) {
                Some(centre) => f.near = Some((centre, metres)),
                None => params.fail(
                    "postcode",
                    format!("no record with a point has the postal code '{key}', so its centre is not known"),
                ),
            },
            _ => {}
        }
        f
    }

    /// Does the record at `slot` pass?
    fn matches(&self, current: &Versioned, slot: u32) -> bool {
        let r = current.snapshot().index().resource(slot);
        if let Some(needle) = &self.search {
            let fields = [
                Some(r.name.as_str()),
                r.name_en.as_deref(),
                r.description.as_deref(),
                r.address.as_deref(),
                r.city.as_deref(),
            ];
            if !contains(needle, &fields) {
                return false;
            }
        }
        if let Some(term) = self.term {
            if !Taxonomy::ALL.iter().any(|t| t.codes_of(r).into_iter().any(|c| t.term_id(c) == term)) {
                return false;
            }
        }
        if let Some(taxonomy) = self.taxonomy {
            if !Taxonomy::ALL.iter().any(|t| t.id() == taxonomy && !t.codes_of(r).is_empty()) {
                return false;
            }
        }
        if self.organization.is_some_and(|o| hsds::object_id("organization", &r.id) != o) {
            return false;
        }
        if let Some(after) = self.modified_after {
            if current.meta(slot).is_none_or(|m| m.updated_at < after) {
                return false;
            }
        }
        match &self.near {
            // Within the distance of the postcode's centre, whatever its own.
            Some((centre, metres)) => {
                r.point().is_some_and(|p| crate::sphere::geodesic_m(*centre, p) <= *metres)
            }
            None => self
                .postcode
                .as_ref()
                .is_none_or(|key| r.postcode.as_deref().map(postcode_key).as_ref() == Some(key)),
        }
    }

    /// The slots of the records that pass, in id order.
    fn slots(&self, current: &Versioned) -> Vec<u32> {
        current.snapshot().index().slots().filter(|&s| self.matches(current, s)).collect()
    }
}

/// The centre of a postal code: the mean point of the records with a point
/// whose address has it.
fn postcode_centre(snapshot: &Snapshot, key: &str) -> Option<[f64; 2]> {
    let points: Vec<[f64; 2]> = snapshot
        .index()
        .resources()
        .filter(|r| r.postcode.as_deref().map(postcode_key).as_deref() == Some(key))
        .filter_map(Resource::point)
        .collect();
    let n = points.len() as f64;
    (!points.is_empty()).then(|| {
        let [x, y] = points.iter().fold([0.0, 0.0], |[x, y], [lon, lat]| [x + lon, y + lat]);
        [x / n, y / n]
    })
}

/// The compiled service of a resource.
fn service(snapshot: &Snapshot, r: &Resource) -> Value {
    hsds::compiled_service(r, |id| snapshot.area(id).map(|a| a.name.clone()))
}

/// An object with only its one-to-one fields (no lists, no nested objects).
fn flat(object: &Value) -> Map<String, Value> {
    let mut out = object.as_object().cloned().unwrap_or_default();
    out.retain(|_, v| !v.is_array() && !v.is_object());
    out
}

/// When the record last changed in the store, as HSDS's `last_modified`.
fn last_modified(current: &Versioned, slot: u32) -> Option<Value> {
    current.meta(slot).map(|m| json!(m.updated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))
}

/// How much of a service a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `id`, `name`, `status` and `last_modified` (`minimal=true`).
    Minimal,
    /// The one-to-one fields and `last_modified` (`full=false`).
    Flat,
    /// The compiled service, as the export writes it (the default).
    Full,
}

/// A service in the shape asked for.
fn service_as(current: &Versioned, slot: u32, shape: Shape) -> Value {
    let snapshot = current.snapshot();
    let full = service(snapshot, snapshot.index().resource(slot));
    if shape == Shape::Full {
        return full;
    }
    let mut out = flat(&full);
    if shape == Shape::Minimal {
        out.retain(|k, _| ["id", "name", "status"].contains(&k.as_str()));
    }
    if let Some(t) = last_modified(current, slot) {
        out.insert("last_modified".into(), t);
    }
    Value::Object(out)
}

/// The slot of the record whose object of `kind` has the id in the path.
fn find(current: &Versioned, path: Result<Path<String>, PathRejection>, kind: &str) -> Result<u32, ApiError> {
    let Path(id) = path.map_err(|e| bad("id", e.body_text()))?;
    let wanted = Uuid::parse_str(&id)
        .map_err(|_| bad("id", format!("must be an HSDS {kind} id (a UUID) as /hsds/{kind}s lists")))?;
    let index = current.snapshot().index();
    index
        .slots()
        .find(|&s| hsds::object_id(kind, &index.resource(s).id) == wanted)
        .ok_or_else(|| ApiError::NotFound(format!("no {kind} has the id '{wanted}'")))
}

query_params! {
    /// The filters of `GET /hsds/services`.
    pub struct ServiceListParams {
        /// Text in the name, English name, description, address or city (case and accents ignored)
        search: Option<String>,
        /// Only services with this term (a category or topic, /hsds/taxonomy_terms)
        taxonomy_term_id: Option<String>,
        /// Only services with a term of this taxonomy (/hsds/taxonomies)
        taxonomy_id: Option<String>,
        /// Only the services of this organization
        organization_id: Option<String>,
        /// Only services changed at or after this RFC 3339 moment (or YYYY-MM-DD)
        modified_after: Option<String>,
        /// Each service as id, name, status and last_modified only
        minimal: Option<bool>,
        /// false: one-to-one fields and last_modified only; true or absent: compiled services
        full: Option<bool>,
    }
}

/// A page of services, in the order of our ids, in the HSDS paging envelope.
#[utoipa::path(
    get,
    path = "/hsds/services",
    tag = "hsds",
    params(
        ServiceListParams,
        PagingParams
    ),
    responses(
        (status = 200, description = "A page of HSDS services (HSDS paging envelope; compiled services unless minimal or full=false)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_services(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = paged::<ServiceListParams>(query.as_deref());
    let current = state.versioned();
    let paging = Paging::parse(&mut params);
    let filter = RecordFilter::parse(&mut params, current.snapshot());
    let minimal = params.flag("minimal");
    let full = params.optional_flag("full");
    if minimal && full == Some(true) {
        params.fail("minimal", "cannot be combined with full=true".into());
    }
    params.finish()?;
    let shape = match (minimal, full) {
        (true, _) => Shape::Minimal,
        (false, Some(false)) => Shape::Flat,
        _ => Shape::Full,
    };
    paging.envelope(&filter.slots(&current), |&s| service_as(&current, s, shape))
}

/// One compiled service by its HSDS id (a UUID).
#[utoipa::path(
    get,
    path = "/hsds/services/{id}",
    tag = "hsds",
    params(("id" = String, Path, description = "A UUID: the service's HSDS id, as /hsds/services lists")),
    responses(
        (status = 200, description = "One HSDS compiled service", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No service has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_service(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let current = state.versioned();
    let slot = find(&current, path, "service")?;
    Ok(Json(service_as(&current, slot, Shape::Full)))
}

/// The organization of a record: one-to-one fields, or (`nested`) with its
/// identifiers and its service, flat or (`full_service`) compiled.
fn organization(current: &Versioned, slot: u32, nested: bool, full_service: bool) -> Value {
    let snapshot = current.snapshot();
    let compiled = service(snapshot, snapshot.index().resource(slot));
    let org = &compiled["organization"];
    if !nested {
        return Value::Object(flat(org));
    }
    let mut out = org.as_object().cloned().unwrap_or_default();
    let shape = if full_service { Shape::Full } else { Shape::Flat };
    out.insert("services".into(), json!([service_as(current, slot, shape)]));
    Value::Object(out)
}

query_params! {
    /// The parameters of `GET /hsds/organizations`.
    pub struct OrganizationListParams {
        /// Text in the name, English name, description, address or city (case and accents ignored)
        search: Option<String>,
        /// Nest each organization's services as compiled services (implies full)
        full_service: Option<bool>,
        /// Nest each organization's identifiers and services (one-to-one fields)
        full: Option<bool>,
    }
}

/// A page of organizations (one per record), in the order of our ids.
#[utoipa::path(
    get,
    path = "/hsds/organizations",
    tag = "hsds",
    params(
        OrganizationListParams,
        PagingParams
    ),
    responses(
        (status = 200, description = "A page of HSDS organizations (HSDS paging envelope)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_organizations(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = paged::<OrganizationListParams>(query.as_deref());
    let current = state.versioned();
    let paging = Paging::parse(&mut params);
    let filter = RecordFilter::parse(&mut params, current.snapshot());
    let full_service = params.flag("full_service");
    let full = params.flag("full") || full_service;
    params.finish()?;
    paging.envelope(&filter.slots(&current), |&s| organization(&current, s, full, full_service))
}

query_params! {
    /// The parameters of `GET /hsds/organizations/{id}`.
    pub struct OrganizationParams {
        /// Nest the services as compiled services, not their one-to-one fields
        full_service: Option<bool>,
    }
}

/// One organization by its HSDS id, with its identifiers and its service.
#[utoipa::path(
    get,
    path = "/hsds/organizations/{id}",
    tag = "hsds",
    params(
        OrganizationParams,
        ("id" = String, Path, description = "A UUID: the organization's HSDS id, as /hsds/organizations lists")
    ),
    responses(
        (status = 200, description = "One HSDS organization with a services array", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID, or a bad parameter", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No organization has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_organization(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = Params::of::<OrganizationParams>(query.as_deref());
    let full_service = params.flag("full_service");
    params.finish()?;
    let current = state.versioned();
    let slot = find(&current, path, "organization")?;
    Ok(Json(organization(&current, slot, true, full_service)))
}

/// The service_at_location of a record (the one of its compiled service),
/// if it has a place: its ids, or (`full`) with its location and compiled
/// service.
fn service_at_location(current: &Versioned, slot: u32, full: bool) -> Option<Value> {
    let snapshot = current.snapshot();
    let mut compiled = service(snapshot, snapshot.index().resource(slot));
    let sal = compiled["service_at_locations"].get(0)?.clone();
    if !full {
        return Some(Value::Object(flat(&sal)));
    }
    let mut out = sal.as_object().cloned().unwrap_or_default();
    if let Some(c) = compiled.as_object_mut() {
        c.remove("service_at_locations");
    }
    out.insert("service".into(), compiled);
    Some(Value::Object(out))
}

query_params! {
    /// The filters of `GET /hsds/service_at_locations`.
    pub struct ServiceAtLocationListParams {
        /// Text in the name, English name, description, address or city (case and accents ignored)
        search: Option<String>,
        /// Only those whose service has this term
        taxonomy_term_id: Option<String>,
        /// Only those whose service has a term of this taxonomy
        taxonomy_id: Option<String>,
        /// Only those of this organization
        organization_id: Option<String>,
        /// Only those changed at or after this RFC 3339 moment (or YYYY-MM-DD)
        modified_after: Option<String>,
        /// Nest the location and the compiled service
        full: Option<bool>,
        /// Only those whose address has this postal code (spaces and case ignored); with proximity, its centre instead
        postcode: Option<String>,
        /// Only with postcode: only those within this many metres (1 to 1000000) of the postal code's centre (the mean point of the records with that code)
        proximity: Option<f64>,
    }
}

/// A page of service_at_locations (one per record with a point or an
/// address), in the order of our ids.
#[utoipa::path(
    get,
    path = "/hsds/service_at_locations",
    tag = "hsds",
    params(
        ServiceAtLocationListParams,
        PagingParams
    ),
    responses(
        (status = 200, description = "A page of HSDS service_at_locations (HSDS paging envelope)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, an unknown postcode with proximity, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_service_at_locations(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let mut params = paged::<ServiceAtLocationListParams>(query.as_deref());
    let current = state.versioned();
    let paging = Paging::parse(&mut params);
    let filter = RecordFilter::parse(&mut params, current.snapshot());
    let full = params.flag("full");
    params.finish()?;
    let index = current.snapshot().index();
    let mut slots = filter.slots(&current);
    slots.retain(|&s| hsds::has_location(index.resource(s)));
    // Every slot left has one: only the page's are built.
    paging.envelope(&slots, |&s| service_at_location(&current, s, full).unwrap_or(Value::Null))
}

/// One service_at_location by its HSDS id, with its location and compiled
/// service.
#[utoipa::path(
    get,
    path = "/hsds/service_at_locations/{id}",
    tag = "hsds",
    params(("id" = String, Path, description = "A UUID: the service_at_location's HSDS id, as /hsds/service_at_locations lists")),
    responses(
        (status = 200, description = "One HSDS service_at_location with its location and service", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No service_at_location has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_service_at_location(
    State(state): State<Arc<AppState>>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let current = state.versioned();
    let slot = find(&current, path, "service_at_location")?;
    service_at_location(&current, slot, true)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("this record has no place".into()))
}

query_params! {
    /// The parameters of `GET /hsds/taxonomies`.
    pub struct TaxonomyListParams {
        /// Text in the name or description
        search: Option<String>,
    }
}

/// A page of our two taxonomies: categories and topics.
#[utoipa::path(
    get,
    path = "/hsds/taxonomies",
    tag = "hsds",
    params(
        TaxonomyListParams,
        PagingParams
    ),
    responses(
        (status = 200, description = "A page of HSDS taxonomies (HSDS paging envelope)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_taxonomies(RawQuery(query): RawQuery) -> Result<Json<Value>, ApiError> {
    let mut params = paged::<TaxonomyListParams>(query.as_deref());
    let paging = Paging::parse(&mut params);
    let search = search_param(&mut params);
    params.finish()?;
    let items: Vec<Value> = Taxonomy::ALL
        .iter()
        .map(|t| t.object())
        .filter(|o| {
            search.as_ref().is_none_or(|s| contains(s, &[o["name"].as_str(), o["description"].as_str()]))
        })
        .collect();
    paging.envelope(&items, Value::clone)
}

/// One taxonomy by its HSDS id.
#[utoipa::path(
    get,
    path = "/hsds/taxonomies/{id}",
    tag = "hsds",
    params(("id" = String, Path, description = "A UUID: the taxonomy's HSDS id, as /hsds/taxonomies lists")),
    responses(
        (status = 200, description = "One HSDS taxonomy", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No taxonomy has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_taxonomy(path: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    let Path(id) = path.map_err(|e| bad("id", e.body_text()))?;
    let wanted = Uuid::parse_str(&id)
        .map_err(|_| bad("id", "must be an HSDS taxonomy id (a UUID) as /hsds/taxonomies lists".into()))?;
    Taxonomy::ALL
        .iter()
        .find(|t| t.id() == wanted)
        .map(|t| Json(t.object()))
        .ok_or_else(|| ApiError::NotFound(format!("no taxonomy has the id '{wanted}'")))
}

/// Every term of both taxonomies: categories, then topics.
fn all_terms() -> Vec<Value> {
    Taxonomy::ALL.iter().flat_map(|&t| t.codes().into_iter().map(move |c| t.term(c))).collect()
}

query_params! {
    /// The parameters of `GET /hsds/taxonomy_terms`.
    pub struct TermListParams {
        /// Text in the code, name or description
        search: Option<String>,
        /// Only the terms of this taxonomy
        taxonomy_id: Option<String>,
        /// Only terms without a parent: every term of ours
        top_only: Option<bool>,
        /// Only the children of this term: our terms have none
        parent_id: Option<String>,
    }
}

/// A page of the terms of our taxonomies: every category, then every topic.
#[utoipa::path(
    get,
    path = "/hsds/taxonomy_terms",
    tag = "hsds",
    params(
        TermListParams,
        PagingParams
    ),
    responses(
        (status = 200, description = "A page of HSDS taxonomy terms (HSDS paging envelope)", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, or a page past the last", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn list_taxonomy_terms(RawQuery(query): RawQuery) -> Result<Json<Value>, ApiError> {
    let mut params = paged::<TermListParams>(query.as_deref());
    let paging = Paging::parse(&mut params);
    let search = search_param(&mut params);
    let taxonomy = uuid_param(&mut params, "taxonomy_id", "a taxonomy id as /hsds/taxonomies lists");
    // Our terms are flat: every one is a top term and none has children.
    let _top_only = params.flag("top_only");
    let parent = uuid_param(&mut params, "parent_id", "a taxonomy term id as /hsds/taxonomy_terms lists");
    params.finish()?;
    let items: Vec<Value> = all_terms()
        .into_iter()
        .filter(|_| parent.is_none())
        .filter(|t| taxonomy.is_none_or(|id| t["taxonomy_id"] == id.to_string()))
        .filter(|t| {
            search.as_ref().is_none_or(|s| {
                contains(s, &[t["code"].as_str(), t["name"].as_str(), t["description"].as_str()])
            })
        })
        .collect();
    paging.envelope(&items, Value::clone)
}

/// One taxonomy term by its HSDS id, with its taxonomy.
#[utoipa::path(
    get,
    path = "/hsds/taxonomy_terms/{id}",
    tag = "hsds",
    params(("id" = String, Path, description = "A UUID: the term's HSDS id, as /hsds/taxonomy_terms lists")),
    responses(
        (status = 200, description = "One HSDS taxonomy term", body = crate::http::openapi::JsonObject),
        (status = 400, description = "The id is not a UUID", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No term has this id", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn get_taxonomy_term(path: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    let Path(id) = path.map_err(|e| bad("id", e.body_text()))?;
    let wanted = Uuid::parse_str(&id).map_err(|_| {
        bad("id", "must be an HSDS taxonomy term id (a UUID) as /hsds/taxonomy_terms lists".into())
    })?;
    all_terms()
        .into_iter()
        .find(|t| t["id"] == wanted.to_string())
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no taxonomy term has the id '{wanted}'")))
}
