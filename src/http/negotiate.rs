//! Choosing an answer's format: `?format=` if given, else the request's
//! `Accept` header, else JSON. Used by every endpoint that writes more than
//! JSON (`/api/coverage`, `/api/coverage/demand`, `/api/quality`).

use axum::http::{HeaderMap, header};

use super::params::Params;

/// A way to write an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`, always offered and the default.
    Json,
    /// `text/csv`.
    Csv,
    /// `application/geo+json`.
    GeoJson,
}

impl Format {
    /// The name `?format=` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::GeoJson => "geojson",
        }
    }

    /// The media type `Accept` names it by.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// What an endpoint writes besides JSON, and how its error lists the names.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    /// The formats other than JSON, in order of preference.
    others: &'static [Format],
    /// The end of the error for an unknown name: "… is not a format; expected {expected}".
    expected: &'static str,
}

impl Offer {
    /// JSON and `others`; `expected` words the names in the error for an unknown one.
    pub const fn new(others: &'static [Format], expected: &'static str) -> Offer {
        Offer { others, expected }
    }

    /// The format asked for: `?format=` (trimmed) naming JSON or one of the
    /// others, failing the parameter when it names none; without it, the
    /// first of the others whose media type `Accept` mentions (compared
    /// case-insensitively, as a substring: parameters and q-values are not
    /// weighed); else JSON.
    pub fn pick(&self, params: &mut Params, headers: &HeaderMap) -> Format {
        match params.one("format").as_deref().map(str::trim) {
            Some(name) => {
                let found = std::iter::once(Format::Json)
                    .chain(self.others.iter().copied())
                    .find(|f| f.name() == name);
                found.unwrap_or_else(|| {
                    params.fail("format", format!("'{name}' is not a format; expected {}", self.expected));
                    Format::Json
                })
            }
            None => {
                let accept = headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_default();
                self.others.iter().copied().find(|f| accept.contains(f.media_type())).unwrap_or(Format::Json)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use serde_json::{Value, json};

    use super::*;

    const ALL: Offer = Offer::new(&[Format::Csv, Format::GeoJson], "json, csv, geojson");
    const CSV: Offer = Offer::new(&[Format::Csv], "json or csv");

    fn pick(
        offer: &Offer,
        query: &str,
        accept: Option<&str>,
    ) -> (Format, Result<(), super::super::error::ApiError>) {
        let mut params = Params::parse(Some(query), &["format"]);
        let mut headers = HeaderMap::new();
        if let Some(a) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_str(a).unwrap());
        }
        let format = offer.pick(&mut params, &headers);
        (format, params.finish())
    }

    #[test]
    fn the_format_parameter_wins_over_accept() {
        assert_eq!(pick(&ALL, "format=json", Some("text/csv")).0, Format::Json);
        assert_eq!(pick(&ALL, "format=geojson", Some("text/csv")).0, Format::GeoJson);
        assert_eq!(pick(&ALL, "format=%20csv%20", Some("application/geo+json")).0, Format::Csv);
        assert_eq!(pick(&CSV, "format=json", Some("text/csv")).0, Format::Json);
        assert!(pick(&ALL, "format=csv", Some("application/json")).1.is_ok());
    }

    #[test]
    fn accept_with_q_values() {
        assert_eq!(pick(&ALL, "", Some("text/csv;q=0.9, application/json;q=0.5")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("application/json, application/geo+json;q=0.8")).0, Format::GeoJson);
        assert_eq!(pick(&CSV, "", Some("Application/JSON;q=1.0, TEXT/CSV; q=0.1")).0, Format::Csv);
        // As before the module existed: q-values are not weighed, so a type
        // mentioned at all is chosen, and the offer's order breaks ties.
        assert_eq!(pick(&ALL, "", Some("text/csv;q=0")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("application/geo+json;q=1, text/csv;q=0.1")).0, Format::Csv);
        // GeoJSON is not offered here.
        assert_eq!(pick(&CSV, "", Some("application/geo+json")).0, Format::Json);
    }

    #[test]
    fn without_a_format_and_with_any_type_the_default_is_json() {
        for accept in [None, Some("*/*"), Some("*/*;q=0.8"), Some("text/*"), Some("text/html, */*")] {
            assert_eq!(pick(&ALL, "", accept).0, Format::Json, "{accept:?}");
            assert_eq!(pick(&CSV, "", accept).0, Format::Json, "{accept:?}");
            assert!(pick(&ALL, "", accept).1.is_ok());
        }
    }

    async fn problem(offer: &Offer, params: Params) -> (StatusCode, String, Value) {
        let mut params = params;
        let format = offer.pick(&mut params, &HeaderMap::new());
        assert_eq!(format, Format::Json);
        let response = params.finish().expect_err("an unknown format is refused").into_response();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, content_type, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn an_unknown_format_is_the_same_problem_as_before() {
        let (status, content_type, body) =
            problem(&ALL, Params::parse(Some("format=xml"), &["format"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, "application/problem+json");
        assert_eq!(
            body,
            json!({
                "type": "about:blank",
                "title": "Bad Request",
                "status": 400,
                "detail": "invalid query parameter(s): format: 'xml' is not a format; expected json, csv, geojson",
                "invalid_params": [{"name": "format", "reason": "'xml' is not a format; expected json, csv, geojson"}],
            })
        );
        // /api/quality's wording.
        let (status, _, body) = problem(&CSV, Params::parse(Some("format=geojson"), &["format"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["invalid_params"],
            json!([{"name": "format", "reason": "'geojson' is not a format; expected json or csv"}])
        );
        // The demand log's parameters never echo a value.
        let demand = Offer::new(&[Format::Csv], "json, csv");
        let (status, _, body) =
            problem(&demand, Params::parse_private(Some("format=Rossi"), &["format"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["invalid_params"],
            json!([{"name": "format", "reason": "the value sent is not a format; expected json, csv"}])
        );
        // Given twice.
        let (_, _, body) = problem(&ALL, Params::parse(Some("format=csv&format=json"), &["format"])).await;
        assert_eq!(body["invalid_params"], json!([{"name": "format", "reason": "is given more than once"}]));
    }
}
