//! `GET /api/vocabulary`: the covered countries and the closed vocabularies
//! (categories in legend order, topics), so that the page never types them
//! again; their labels stay in the page's language files.

use axum::Json;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::model::{Category, Country, Topic};

/// The words the page lists and checks its fragment against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Vocabulary {
    /// The covered countries, in the order lists show them.
    pub countries: Vec<Country>,
    /// Every category, in the order of the legend.
    pub categories: Vec<Category>,
    /// Every topic.
    pub topics: Vec<Topic>,
}

impl Vocabulary {
    /// The vocabulary of this build.
    pub fn current() -> Vocabulary {
        Vocabulary {
            countries: Country::COVERED.to_vec(),
            categories: Category::LEGEND.to_vec(),
            topics: Topic::ALL.to_vec(),
        }
    }
}

/// The `/api/vocabulary` route; it needs no state.
pub fn router<S: Clone + Send + Sync + 'static>() -> OpenApiRouter<S> {
    OpenApiRouter::new().routes(routes!(vocabulary))
}

#[utoipa::path(
    get,
    path = "/api/vocabulary",
    tag = "service",
    responses(
        (status = 200, description = "The covered countries, the categories in legend order and the topics", body = Vocabulary)
    )
)]
async fn vocabulary() -> Response {
    ([(header::CACHE_CONTROL, "no-cache")], Json(Vocabulary::current())).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn the_legend_holds_every_category_once() {
        let legend: BTreeSet<Category> = Category::LEGEND.into_iter().collect();
        let all: BTreeSet<Category> = Category::ALL.iter().copied().collect();
        assert_eq!(legend, all);
        assert_eq!(legend.len(), Category::LEGEND.len());
    }
}
