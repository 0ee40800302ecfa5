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

/// What an endpoint writes besides JSON.
#[derive(Debug, Clone, Copy)]
pub struct Offer {
    /// The formats other than JSON, in order of preference.
    others: &'static [Format],
}

impl Offer {
    /// JSON and `others` (in order of preference when `Accept` names
    /// several at the same quality).
    pub const fn new(others: &'static [Format]) -> Offer {
        Offer { others }
    }

    /// The format asked for: `?format=` (trimmed) naming JSON or one of the
    /// others, failing the parameter when it names none; without it, the
    /// offered format the `Accept` header weighs highest (RFC 9110 §12.5.1:
    /// the most specific range that matches gives the quality, `q=0` refuses);
    /// JSON when nothing offered is named or wanted, at equal quality when
    /// only wildcards match, and without the header.
    pub fn pick(&self, params: &mut Params, headers: &HeaderMap) -> Format {
        match params.one("format").as_deref().map(str::trim) {
            Some(name) => self.formats().find(|f| f.name() == name).unwrap_or_else(|| {
                let names: Vec<&str> = self.formats().map(Format::name).collect();
                params.fail("format", format!("'{name}' is not a format; expected {}", names.join(", ")));
                Format::Json
            }),
            None => {
                let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
                    return Format::Json;
                };
                let ranges = media_ranges(accept);
                // Others first, so that they win ties among types named
                // exactly; JSON wins ties where only a wildcard matched.
                let mut best = (Format::Json, Weight::default());
                for format in self.others.iter().copied().chain([Format::Json]) {
                    let weight = weigh(&ranges, format);
                    let key = |f: Format, w: Weight| (w.quality, w.exact, !w.exact && f == Format::Json);
                    if key(format, weight) > key(best.0, best.1) {
                        best = (format, weight);
                    }
                }
                if best.1.quality > 0 { best.0 } else { Format::Json }
            }
        }
    }

    /// JSON, then the others.
    fn formats(&self) -> impl Iterator<Item = Format> + '_ {
        std::iter::once(Format::Json).chain(self.others.iter().copied())
    }
}

/// How much an `Accept` header wants one format.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Weight {
    /// The quality in thousandths (`q=0.5` is 500); 0 when unwanted.
    quality: u16,
    /// Whether the range that gave it names the type exactly.
    exact: bool,
}

/// The header's media ranges that parse (others are ignored), lowercased.
fn media_ranges(accept: &str) -> Vec<mime::Mime> {
    accept.split(',').filter_map(|range| range.trim().to_ascii_lowercase().parse().ok()).collect()
}

/// The weight of `format` in `ranges`: that of the most specific range
/// matching it (`type/subtype` over `type/*` over `*/*`).
fn weigh(ranges: &[mime::Mime], format: Format) -> Weight {
    let media_type = format.media_type();
    let kind = media_type.split('/').next().unwrap_or(media_type);
    let mut best: Option<(u8, u16)> = None;
    for range in ranges {
        // The essence, not the subtype: `mime` reads `geo+json` as `geo` with a suffix.
        let specificity = match (range.type_().as_str(), range.subtype().as_str()) {
            _ if range.essence_str() == media_type => 2,
            (t, "*") if t == kind => 1,
            ("*", "*") => 0,
            _ => continue,
        };
        if best.is_none_or(|(b, _)| specificity > b) {
            best = Some((specificity, quality(range)));
        }
    }
    best.map_or(Weight::default(), |(specificity, quality)| Weight { quality, exact: specificity == 2 })
}

/// A range's `q` in thousandths: 1000 without one, 0 for a malformed one.
fn quality(range: &mime::Mime) -> u16 {
    match range.get_param("q") {
        None => 1000,
        Some(q) => q
            .as_str()
            .parse::<f32>()
            .ok()
            .filter(|q| (0.0..=1.0).contains(q))
            .map_or(0, |q| (q * 1000.0).round() as u16),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, StatusCode};
    use axum::response::IntoResponse;
    use http_body_util::BodyExt;
    use serde_json::{Value, json};

    use super::*;

    const ALL: Offer = Offer::new(&[Format::Csv, Format::GeoJson]);
    const CSV: Offer = Offer::new(&[Format::Csv]);

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
    fn accept_is_weighed_by_its_q_values() {
        assert_eq!(pick(&ALL, "", Some("text/csv;q=0.9, application/json;q=0.5")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("application/json;q=0.5, text/csv;q=0.9")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("application/json, application/geo+json;q=0.8")).0, Format::Json);
        assert_eq!(pick(&CSV, "", Some("Application/JSON;q=1.0, TEXT/CSV; q=0.1")).0, Format::Json);
        assert_eq!(pick(&ALL, "", Some("application/geo+json;q=1, text/csv;q=0.1")).0, Format::GeoJson);
        // q=0 refuses a type; with nothing else wanted, JSON.
        assert_eq!(pick(&ALL, "", Some("text/csv;q=0")).0, Format::Json);
        assert_eq!(pick(&ALL, "", Some("text/csv;q=0, */*;q=0.1")).0, Format::Json);
        // The most specific range gives the quality.
        assert_eq!(pick(&ALL, "", Some("text/*;q=0.2, text/csv, application/json;q=0.5")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("text/*, application/json;q=0.5")).0, Format::Csv);
        assert_eq!(
            pick(&ALL, "", Some("text/*;q=0.9, text/csv;q=0.1, application/json;q=0.5")).0,
            Format::Json
        );
        // Named at the same quality: the offer's order (CSV before JSON).
        assert_eq!(pick(&ALL, "", Some("application/json, text/csv")).0, Format::Csv);
        assert_eq!(pick(&ALL, "", Some("application/geo+json, text/csv")).0, Format::Csv);
        // A malformed q counts as 0; a range that does not parse is skipped.
        assert_eq!(pick(&ALL, "", Some("text/csv;q=high")).0, Format::Json);
        assert_eq!(pick(&ALL, "", Some("no-slash, text/csv")).0, Format::Csv);
        // GeoJSON is not offered here.
        assert_eq!(pick(&CSV, "", Some("application/geo+json")).0, Format::Json);
    }

    #[test]
    fn without_a_format_and_with_any_type_the_default_is_json() {
        for accept in
            [None, Some("*/*"), Some("*/*;q=0.8"), Some("text/html, */*"), Some("text/html"), Some("")]
        {
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
        // An offer without GeoJSON names only what it has.
        let (status, _, body) = problem(&CSV, Params::parse(Some("format=geojson"), &["format"])).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body["invalid_params"],
            json!([{"name": "format", "reason": "'geojson' is not a format; expected json, csv"}])
        );
        // The demand log's parameters never echo a value.
        let demand = Offer::new(&[Format::Csv]);
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
