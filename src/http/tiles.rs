//! `GET /tiles/resources/{z}/{x}/{y}.mvt` (the resources as Mapbox Vector
//! Tiles, with the listing's filters) and `GET /tiles/resources.json` (their
//! TileJSON). What a tile holds is in [`crate::tiles`].

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::{ApiError, InvalidParam};
use super::offload::offload;
use super::params::{Params, query_params};
use crate::index::Filter;
use crate::state::AppState;
use crate::tiles::{self, MAX_ZOOM, TileId};

/// The media type of a Mapbox Vector Tile.
pub const MVT_MEDIA_TYPE: &str = "application/vnd.mapbox-vector-tile";

/// The tile routes.
pub fn router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new().routes(routes!(resource_tile)).routes(routes!(tilejson))
}

/// One tile of the resources that pass the filters: a point per distinct
/// point (several records on one point are a stack with `count`), or grid
/// clusters with `point_count`, `records` and their extent at low zooms and
/// in crowded tiles. Every matching located record is counted in exactly one
/// feature of each zoom's tiles.
#[utoipa::path(
    get,
    path = "/tiles/resources/{z}/{x}/{y}",
    tag = "resources",
    params(
        ("z" = u8, Path, minimum = 0, maximum = 16, description = "Zoom level"),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1 from the antimeridian eastwards"),
        ("y" = String, Path, description = "Row, 0 to 2^z - 1 from the north, followed by .mvt (e.g. 1523.mvt)"),
        TileFilterParams
    ),
    responses(
        (status = 200, description = "The tile (one layer, `resources`)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 400, description = "A bad tile address or parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The server is busy; try again after Retry-After", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn resource_tile(
    State(state): State<Arc<AppState>>,
    Path((z, x, y)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    // Every wrong part named at once: the address and the filters.
    let (tile, filter) = match (tile_id(&z, &x, &y), filter(query.as_deref())) {
        (Ok(tile), Ok(filter)) => (tile, filter),
        (Err(ApiError::InvalidParams(mut a)), Err(ApiError::InvalidParams(b))) => {
            a.extend(b);
            return Err(ApiError::InvalidParams(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    let snapshot = state.snapshot();
    let bytes = offload(&state, "ask for a tile at a deeper zoom", move |budget| {
        let marks = tiles::marks(&snapshot, tile, &filter);
        budget.check()?;
        Ok(tiles::encode(&snapshot, &marks))
    })
    .await?
    .map_err(|e| ApiError::Internal(format!("the tile could not be encoded: {e}")))?;
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(MVT_MEDIA_TYPE)),
        // The directory changes under the tiles: ask again each time.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    Ok((headers, bytes).into_response())
}

query_params! {
    /// The filters of the resource tiles and their TileJSON.
    pub struct TileFilterParams {
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
    }
}

/// The TileJSON 3.0 document of the resource tiles, for these filters.
#[utoipa::path(
    get,
    path = "/tiles/resources.json",
    tag = "resources",
    params(
        TileFilterParams
    ),
    responses(
        (status = 200, description = "The TileJSON document", content_type = "application/json"),
        (status = 400, description = "A bad or unknown parameter, each named in invalid_params", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn tilejson(headers: HeaderMap, RawQuery(query): RawQuery) -> Result<Json<Value>, ApiError> {
    filter(query.as_deref())?;
    let base = super::headers::external_base(&headers);
    let query = query.filter(|q| !q.is_empty()).map(|q| format!("?{q}")).unwrap_or_default();
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": "witgis resources",
        "description": "Help resources; stacks of records on one point and grid clusters at low zooms",
        "tiles": [format!("{base}/tiles/resources/{{z}}/{{x}}/{{y}}.mvt{query}")],
        "minzoom": 0,
        "maxzoom": MAX_ZOOM,
        "bounds": [-180.0, -tiles::MAX_LAT, 180.0, tiles::MAX_LAT],
        "vector_layers": [{
            "id": tiles::LAYER,
            "minzoom": 0,
            "maxzoom": MAX_ZOOM,
            "fields": {
                "id": "String: the record's id, or stack:lon,lat for a stack",
                "category": "String: the records' category, or mixed",
                "approx": "Boolean: some record's point is only a district's or city's",
                "count": "Number: records on the point",
                "stack": "String: lon,lat of a stack's point",
                "cluster": "Boolean: a grid cluster",
                "cluster_id": "Number: unique among all tiles",
                "point_count": "Number: distinct points in the cluster",
                "records": "Number: records in the cluster",
                "west": "Number: the cluster's records' extent",
                "south": "Number: the cluster's records' extent",
                "east": "Number: the cluster's records' extent",
                "north": "Number: the cluster's records' extent"
            }
        }]
    })))
}

/// The tile at `z/x/y.mvt`, or what is wrong with the address.
fn tile_id(z: &str, x: &str, y: &str) -> Result<TileId, ApiError> {
    let mut bad = Vec::new();
    let mut fail = |name: &str, reason: String| bad.push(InvalidParam { name: name.into(), reason });
    let z_value = z.parse::<u8>().ok().filter(|z| *z <= MAX_ZOOM);
    if z_value.is_none() {
        fail("z", format!("'{z}' must be a zoom level from 0 to {MAX_ZOOM}"));
    }
    let side = z_value.map(|z| 1u64 << z);
    let within = |v: &str| v.parse::<u32>().ok().filter(|v| side.is_none_or(|n| u64::from(*v) < n));
    let range = side.map_or_else(|| "0 to 2^z - 1".to_owned(), |n| format!("0 to {}", n - 1));
    let x_value = within(x);
    if x_value.is_none() {
        fail("x", format!("'{x}' must be a column from {range}"));
    }
    let y_value = y.strip_suffix(".mvt").and_then(within);
    if y_value.is_none() {
        fail("y", format!("'{y}' must be a row from {range} followed by .mvt"));
    }
    match (z_value, x_value, y_value) {
        (Some(z), Some(x), Some(y)) => TileId::new(z, x, y).ok_or(ApiError::InvalidParams(bad)),
        _ => Err(ApiError::InvalidParams(bad)),
    }
}

/// The filters of a tile's query, or what is wrong with them.
fn filter(query: Option<&str>) -> Result<Filter, ApiError> {
    let mut params = Params::of::<TileFilterParams>(query);
    let mut filter = params.filter();
    filter.verified_since = params.verified_since();
    params.finish()?;
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_addresses_name_what_is_wrong() {
        assert_eq!(tile_id("3", "4", "2.mvt").ok(), TileId::new(3, 4, 2));
        let names = |z, x, y| match tile_id(z, x, y) {
            Err(ApiError::InvalidParams(bad)) => bad.into_iter().map(|p| p.name).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(names("3", "8", "2.mvt"), ["x"]);
        assert_eq!(names("3", "1", "2.png"), ["y"]);
        assert_eq!(names("17", "1", "2.mvt"), ["z"]);
        assert_eq!(names("a", "-1", "x"), ["z", "x", "y"]);
    }
}
