//! `GET /api/coverage`, `/api/coverage/gaps`, `/api/coverage/suggest` and
//! `/api/coverage/demand`: supply by country or area, the localities far from
//! any service, where a new service would reach the most people, and logged
//! demand against supply. See [`crate::coverage`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::ApiError;
use super::extract::Caller;
use super::geojson::GeoJson;
use super::negotiate::{Format, Offer};
use super::offload::offload;
use super::params::{Params, query_params};
use crate::auth::Role;
use crate::coverage::{self, DemandQuery, Level, Period, Query, Weight, export};
use crate::index::{Filter, Snapshot};
use crate::model::{Category, Country, Topic};
use crate::reference::ReferenceData;
use crate::service::Service;
use crate::state::AppState;

/// Largest `radius_km` for suggestions.
pub const MAX_RADIUS_KM: f64 = 100.0;
/// Most suggestions one query returns.
pub const MAX_K: usize = 50;
/// Most gaps one query returns.
pub const MAX_GAPS: usize = 10_000;

fn query(params: &mut Params) -> Query {
    Query {
        categories: params.list::<Category>("category"),
        topics: params.list::<Topic>("topic"),
        countries: params.list::<Country>("country"),
    }
}

/// Runs CPU-heavy work in the bounded pool, checking the budget before and
/// after (work with loops of its own checks inside them too).
async fn blocking<T: Send + 'static>(
    state: &AppState,
    ask_less: &'static str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    offload(state, ask_less, move |budget| {
        budget.check()?;
        let answer = work();
        budget.check()?;
        Ok(answer)
    })
    .await
}

/// What to ask instead of a coverage report that does not fit the budget.
const ASK_LESS_REPORT: &str = "ask for fewer countries or categories";

/// The formats of `/api/coverage`.
const REPORT_FORMATS: Offer = Offer::new(&[Format::Csv, Format::GeoJson]);

/// The formats of `/api/coverage/demand`.
const DEMAND_FORMATS: Offer = Offer::new(&[Format::Csv]);

query_params! {
    /// The parameters of `GET /api/coverage`.
    pub struct CoverageParams {
        /// country, region or area
        level: Option<String>,
        /// Only these categories (repeat or comma-separate)
        category: Option<Vec<crate::model::Category>>,
        /// Only resources with any of these topics (repeat or comma-separate)
        topic: Option<Vec<crate::model::Topic>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// json, csv or geojson
        format: Option<String>,
        /// For the shares within 30/45/60 minutes by public transport (given when a stored GTFS feed covers a row): when to leave, local time of the feed's zone (YYYY-MM-DDTHH:MM); default the next Wednesday at 09:00
        depart: Option<String>,
    }
}

/// The coverage report as JSON; as CSV with `format=csv` or `Accept:
/// text/csv`; as GeoJSON (each row's outline, the CSV's columns as
/// properties) with `format=geojson` or `Accept: application/geo+json`.
#[utoipa::path(
    get,
    path = "/api/coverage",
    tag = "coverage",
    params(
        CoverageParams
    ),
    responses(
        (status = 200, description = "Supply per territory and what it does not know", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn coverage(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of::<CoverageParams>(raw.as_deref());
    let level = match params.one("level").as_deref().map(str::trim) {
        None | Some("country") => Level::Country,
        Some("area") => Level::Area,
        Some("region") => Level::Region,
        Some(other) => {
            params.fail("level", format!("'{other}' is not a level; expected country, region or area"));
            Level::Country
        }
    };
    let format = REPORT_FORMATS.pick(&mut params, &headers);
    let depart = super::coverage_transit::depart(&mut params, state.desk_today());
    let query = query(&mut params);
    params.finish()?;
    let name = file_name(level, &query);
    let snapshot = state.snapshot();
    let completeness = state.completeness();
    let reference = Arc::clone(state.reference());
    let shipped = Arc::clone(&reference);
    let networks = state.transit();
    let (report, snapshot, transit) = offload(&state, ASK_LESS_REPORT, move |budget| {
        budget.check()?;
        let report = coverage::report(&snapshot, shipped.census(), level, &query, &completeness);
        budget.check()?;
        let transit = super::coverage_transit::figures(
            &snapshot, &shipped, &networks, &query, &report, depart, budget,
        )?;
        Ok((report, snapshot, transit))
    })
    .await?;
    match format {
        Format::Json => Ok(Json(super::coverage_transit::json(&report, transit)).into_response()),
        Format::Csv => csv_response(export::to_csv(&report), &name),
        Format::GeoJson => {
            let body = blocking(&state, ASK_LESS_REPORT, move || {
                let mut doc = export::to_geojson(&report, |id| outline(&snapshot, &reference, level, id));
                super::coverage_transit::geojson(&mut doc, transit);
                doc
            })
            .await?;
            let mut response = GeoJson(body).into_response();
            response.headers_mut().insert(header::CONTENT_DISPOSITION, disposition(&name, "geojson"));
            Ok(response)
        }
    }
}

/// The file name of a report, after what it holds:
/// `witgis-coverage-<level>[-<categories>][-<topics>][-<countries>]`, lists
/// joined with `+` (e.g. `witgis-coverage-area-mental_health_centre`).
fn file_name(level: Level, query: &Query) -> String {
    let mut parts = vec!["witgis-coverage".to_owned(), level.as_str().to_owned()];
    let join = |words: Vec<String>| (!words.is_empty()).then(|| words.join("+"));
    parts.extend(join(query.categories.iter().map(|c| c.to_string()).collect()));
    parts.extend(join(query.topics.iter().map(|t| t.to_string()).collect()));
    parts.extend(join(query.countries.iter().map(|c| c.to_string()).collect()));
    parts.join("-")
}

/// `Content-Disposition` for a report file (vocabulary words only, so always a valid header).
fn disposition(name: &str, extension: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("inline; filename=\"{name}.{extension}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"))
}

/// The outline of a report row: the country's (Natural Earth 1:50m), the
/// region's (Natural Earth 1:10m) or the loaded area's.
fn outline(
    snapshot: &Snapshot,
    reference: &ReferenceData,
    level: Level,
    id: &str,
) -> Option<geojson::Geometry> {
    match level {
        Level::Country => {
            id.parse().ok().and_then(|c| reference.countries.outline(c)).map(geojson::Geometry::from)
        }
        Level::Region => reference.regions.get(id).map(|a| geojson::Geometry::from(&a.geometry)),
        Level::Area => snapshot.area(id).map(|a| geojson::Geometry::from(&a.geometry)),
    }
}

fn csv_response(body: Result<Vec<u8>, csv::Error>, name: &str) -> Result<Response, ApiError> {
    let body = body.map_err(|e| ApiError::Internal(format!("cannot write CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition(name, "csv")),
        ],
        body,
    )
        .into_response())
}

query_params! {
    /// The parameters of `GET /api/coverage/gaps`.
    pub struct GapParams {
        /// Only these categories (repeat or comma-separate)
        category: Option<Vec<crate::model::Category>>,
        /// Only resources with any of these topics (repeat or comma-separate)
        topic: Option<Vec<crate::model::Topic>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// Only places farther than this (default 25)
        #[param(minimum = 0, maximum = 2000)]
        min_km: Option<f64>,
        /// How many (default 100)
        #[param(minimum = 1, maximum = 10000)]
        limit: Option<u32>,
    }
}

/// Localities farther than `min_km` (default 25) from any matching resource,
/// most populous first, as GeoJSON. Each says how many matching records the
/// directory holds in its country (`records`) and whether the directory
/// claims to list them all (`complete`): when not, the distance describes
/// the directory, not the supply.
#[utoipa::path(
    get,
    path = "/api/coverage/gaps",
    tag = "coverage",
    params(
        GapParams
    ),
    responses(
        (status = 200, description = "Places farthest from any matching resource", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn gaps(State(state): State<Arc<AppState>>, RawQuery(raw): RawQuery) -> Result<Response, ApiError> {
    let mut params = Params::of::<GapParams>(raw.as_deref());
    let min_km = params.number("min_km", 0.0..=2000.0, "a distance in kilometres").unwrap_or(25.0);
    let limit = params.count("limit", 1..=MAX_GAPS, 100);
    let query = query(&mut params);
    params.finish()?;
    let snapshot = state.snapshot();
    let completeness = state.completeness();
    let reference = Arc::clone(state.reference());
    let body = blocking(&state, "ask for fewer countries, a larger min_km or a smaller limit", move || {
        let found = coverage::gaps(&snapshot, &reference.localities, &query, min_km * 1000.0, limit);
        export::gaps_geojson(&found, &reference.localities, &snapshot, &completeness, &query, min_km)
    })
    .await?;
    Ok(GeoJson(body).into_response())
}

query_params! {
    /// The parameters of `GET /api/coverage/suggest`.
    pub struct SuggestParams {
        /// Only these categories (repeat or comma-separate)
        category: Option<Vec<crate::model::Category>>,
        /// Only resources with any of these topics (repeat or comma-separate)
        topic: Option<Vec<crate::model::Topic>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// Reach of a new service (default 10)
        #[param(minimum = 1, maximum = 100)]
        radius_km: Option<f64>,
        /// How many (default 5)
        #[param(minimum = 1, maximum = 50)]
        k: Option<u32>,
        /// population, or demand (needs a viewer token)
        weight: Option<String>,
        /// First day (YYYY-MM-DD)
        from: Option<String>,
        /// Last day (YYYY-MM-DD)
        to: Option<String>,
    }
}

/// Up to `k` (default 5) localities where a new service would cover the most
/// people (or, with `weight=demand`, logged requests) now farther than
/// `radius_km` (default 10) from any matching one.
#[utoipa::path(
    get,
    path = "/api/coverage/suggest",
    tag = "coverage",
    params(
        SuggestParams
    ),
    security((), ("bearer" = ["viewer"])),
    responses(
        (status = 200, description = "Suggested places for new services", body = crate::http::openapi::FeatureCollection, content_type = "application/geo+json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn suggest(
    State(state): State<Arc<AppState>>,
    caller: Result<Caller, ApiError>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let mut params = Params::of_private::<SuggestParams>(raw.as_deref());
    let radius_km = params.number("radius_km", 1.0..=MAX_RADIUS_KM, "a radius in kilometres").unwrap_or(10.0);
    let k = params.count("k", 1..=MAX_K, 5);
    let weight = match params.one("weight").as_deref().map(str::trim) {
        None => Weight::Population,
        Some(name) => Weight::parse(name).unwrap_or_else(|| {
            params.fail("weight", format!("'{name}' is not a weight; expected population or demand"));
            Weight::Population
        }),
    };
    let asked_range = params.has("from") || params.has("to");
    let range = super::demand::published_range(&mut params, state.desk_today());
    if weight == Weight::Population && asked_range {
        params.fail("from", "from and to limit the demand log: they go with weight=demand".into());
    }
    let query = query(&mut params);
    if weight == Weight::Demand && query.topics.len() != 1 {
        params.fail(
            "topic",
            "weight=demand needs exactly one topic: the need whose requests the new sites should meet".into(),
        );
    }
    params.finish()?;
    let records = match weight {
        Weight::Population => None,
        Weight::Demand => {
            caller?.require(Role::Viewer)?;
            Some(Service::new(Arc::clone(&state)).published_demand(&range).await?)
        }
    };
    let snapshot = state.snapshot();
    let completeness = state.completeness();
    let reference = Arc::clone(state.reference());
    let body =
        offload(&state, "ask for a smaller radius_km, a smaller k or fewer countries", move |budget| {
            budget.check()?;
            let localities = &reference.localities;
            let basis = coverage::basis(
                &snapshot,
                &completeness,
                &query.resource_filter(),
                &query.countries,
                &query.reported_categories(),
            );
            let requests =
                records.map(|r| coverage::demand_points(&snapshot, &reference.countries, &r, &query.topics));
            let demand = requests.as_ref().unwrap_or(localities);
            let s = coverage::suggest_within(
                &snapshot,
                demand,
                localities,
                &query,
                radius_km * 1000.0,
                k,
                weight.min_gain(),
                budget,
            )?;
            let context = export::SuggestionContext {
                weight,
                radius_km,
                basis,
                range: (weight == Weight::Demand).then_some(&range),
            };
            Ok(export::suggestions_geojson(&s, localities, context))
        })
        .await?;
    Ok(GeoJson(body).into_response())
}

/// Largest `radius_km` for demand against supply.
pub const MAX_DEMAND_RADIUS_KM: f64 = 100.0;

query_params! {
    /// The parameters of `GET /api/coverage/demand`.
    pub struct DemandParams {
        /// First day (YYYY-MM-DD)
        from: Option<String>,
        /// Last day (YYYY-MM-DD)
        to: Option<String>,
        /// Only these needs
        need: Option<Vec<crate::model::Topic>>,
        /// Only these countries, ISO 3166-1 alpha-2 (repeat or comma-separate)
        country: Option<Vec<crate::model::Country>>,
        /// A month (YYYY-MM) or quarter
        period: Option<String>,
        /// Reach of a service (default 10)
        #[param(minimum = 0, maximum = 100)]
        radius_km: Option<f64>,
        /// json or csv
        format: Option<String>,
    }
}

/// `GET /api/coverage/demand?from=&to=&need=&country=&period=&radius_km=`
/// (viewer or higher): the demand log per period, area and need against the
/// resources meeting the need, and the areas ranked by unmet demand; JSON, or
/// CSV of the rows.
#[utoipa::path(
    get,
    path = "/api/coverage/demand",
    tag = "coverage",
    params(
        DemandParams
    ),
    security(("bearer" = ["viewer"])),
    responses(
        (status = 200, description = "Demand against supply per area", body = crate::http::openapi::JsonObject),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "No token, or an unknown, expired or revoked one", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's role is too low", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
pub async fn demand(
    State(state): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    caller.require(Role::Viewer)?;
    let mut params = Params::of_private::<DemandParams>(raw.as_deref());
    let range = super::demand::published_range(&mut params, state.desk_today());
    let period = match params.one("period") {
        None => Period::All,
        Some(raw) => Period::parse(&raw).unwrap_or_else(|| {
            params.fail("period", format!("'{}' is not one of: all, year, quarter, month", raw.trim()));
            Period::All
        }),
    };
    let radius_km =
        params.number("radius_km", 0.0..=MAX_DEMAND_RADIUS_KM, "a radius in kilometres").unwrap_or(10.0);
    let query = DemandQuery {
        needs: params.list::<Topic>("need"),
        countries: params.list::<Country>("country"),
        period,
        radius_m: radius_km * 1000.0,
    };
    let csv = DEMAND_FORMATS.pick(&mut params, &headers) == Format::Csv;
    params.finish()?;
    let cells = Service::new(Arc::clone(&state)).published_demand(&range).await?;
    let snapshot = state.snapshot();
    let completeness = state.completeness();
    // Supply is the resources meeting a need, of any category.
    let supply = Filter { topics: query.needs.clone(), ..Filter::default() };
    let countries = query.countries.clone();
    let (report, basis) =
        blocking(&state, "ask for a shorter period, fewer needs or fewer countries", move || {
            let basis = coverage::basis(&snapshot, &completeness, &supply, &countries, Category::ALL);
            (coverage::demand_vs_supply(&snapshot, &cells, &query), basis)
        })
        .await?;
    if csv {
        csv_response(export::demand_csv(&report), "witgis-demand-vs-supply")
    } else {
        let mut body = serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
        body["from"] = json!(range.from);
        body["to"] = json!(range.to);
        body["records"] = json!(basis.0);
        body["complete"] = json!(basis.1);
        body["published_through"] = json!(range.through.format("%Y-%m").to_string());
        Ok(Json(body).into_response())
    }
}
