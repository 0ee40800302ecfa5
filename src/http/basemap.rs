//! A local vector basemap: one PMTiles v3 archive served from disk with HTTP
//! range requests at [`ARCHIVE_PATH`], and the SDF glyphs its labels need at
//! `/fonts/{fontstack}/{range}.pbf`.
//!
//! The archive is opened once and read with positioned reads; it is never
//! loaded into memory whole.

use std::ops::RangeInclusive;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::error::problem;
pub use crate::basemap::{Basemap, BasemapError};

/// Where the page finds the archive.
pub const ARCHIVE_PATH: &str = "/basemap/basemap.pmtiles";

/// How much one positioned read takes from the file.
const CHUNK: u64 = 256 * 1024;

/// What to answer to a request's `Range` and `If-Range` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAnswer {
    /// The whole file, `200`.
    Full,
    /// These bytes, `206`.
    Partial(RangeInclusive<u64>),
    /// `416`: the range is malformed or starts past the end.
    Unsatisfiable,
}

/// Decides the answer for a file of `len` bytes with strong ETag `etag`.
///
/// One `bytes=` range is served (`a-b`, `a-`, `-n`; an end past the file is
/// cut to it). Several ranges, another unit, or an `If-Range` that is not
/// our ETag get the whole file, as RFC 9110 allows.
pub fn answer_range(range: Option<&str>, if_range: Option<&str>, etag: &str, len: u64) -> RangeAnswer {
    let Some(range) = range.map(str::trim) else { return RangeAnswer::Full };
    if if_range.is_some_and(|v| v.trim() != etag) {
        return RangeAnswer::Full;
    }
    let Some(spec) = range.strip_prefix("bytes=") else { return RangeAnswer::Full };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return RangeAnswer::Unsatisfiable };
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) { None } else { s.parse::<u64>().ok() }
    };
    match (first.is_empty(), last.is_empty()) {
        (true, true) => RangeAnswer::Unsatisfiable,
        (true, false) => match number(last) {
            Some(n) if n > 0 && len > 0 => RangeAnswer::Partial(len.saturating_sub(n)..=len - 1),
            _ => RangeAnswer::Unsatisfiable,
        },
        (false, open_end) => {
            let Some(start) = number(first) else { return RangeAnswer::Unsatisfiable };
            let end = if open_end { Some(u64::MAX) } else { number(last) };
            match end {
                Some(end) if start <= end && start < len => RangeAnswer::Partial(start..=end.min(len - 1)),
                _ => RangeAnswer::Unsatisfiable,
            }
        }
    }
}

/// The basemap routes, with their OpenAPI operations: the archive (a 404
/// problem when none is given) and the glyphs.
pub fn router<S: Clone + Send + Sync + 'static>(basemap: Option<Arc<Basemap>>) -> OpenApiRouter<S> {
    OpenApiRouter::new().routes(routes!(archive)).with_state(basemap).routes(routes!(glyph_range))
}

/// `GET /basemap/basemap.pmtiles`: the PMTiles archive, whole or one byte range.
#[utoipa::path(
    get,
    path = "/basemap/basemap.pmtiles",
    tag = "basemap",
    params(
        ("Range" = Option<String>, Header, description = "One byte range, bytes=START-END, bytes=START- or bytes=-SUFFIX"),
        ("If-Range" = Option<String>, Header, description = "The archive's ETag: the range is served only if the file is still this one")
    ),
    responses(
        (status = 200, description = "The whole archive", content_type = "application/vnd.pmtiles"),
        (status = 206, description = "The range asked for", content_type = "application/vnd.pmtiles"),
        (status = 404, description = "No local basemap is configured (start with --basemap FILE)", body = crate::http::error::Problem, content_type = "application/problem+json"),
        (status = 416, description = "The range is malformed or starts past the end", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn archive(State(basemap): State<Option<Arc<Basemap>>>, headers: HeaderMap) -> Response {
    let Some(basemap) = basemap else {
        return problem(
            StatusCode::NOT_FOUND,
            "this server has no local basemap; start it with --basemap FILE.pmtiles".into(),
            None,
        );
    };
    let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok());
    let answer = answer_range(text(header::RANGE), text(header::IF_RANGE), basemap.etag(), basemap.len());
    let (status, range) = match answer {
        RangeAnswer::Full if basemap.is_empty() => (StatusCode::OK, None),
        RangeAnswer::Full => (StatusCode::OK, Some(0..=basemap.len() - 1)),
        RangeAnswer::Partial(r) => (StatusCode::PARTIAL_CONTENT, Some(r)),
        RangeAnswer::Unsatisfiable => {
            let mut response = problem(
                StatusCode::RANGE_NOT_SATISFIABLE,
                format!(
                    "the range is malformed or starts past the end: the basemap has {} bytes; ask for \
                     bytes=START-END with START below {}",
                    basemap.len(),
                    basemap.len()
                ),
                None,
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", basemap.len())) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return response;
        }
    };
    let length = range.as_ref().map_or(0, |r| r.end() - r.start() + 1);
    let mut response = Response::new(match range.clone() {
        Some(r) => Body::from_stream(chunks(basemap.clone(), r)),
        None => Body::empty(),
    });
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.pmtiles"));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(v) = HeaderValue::from_str(basemap.etag()) {
        h.insert(header::ETAG, v);
    }
    if let (StatusCode::PARTIAL_CONTENT, Some(r)) = (status, range) {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{}", r.start(), r.end(), basemap.len())) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    response
}

/// The bytes of `range`, read from the file in chunks off the async threads.
fn chunks(
    basemap: Arc<Basemap>,
    range: RangeInclusive<u64>,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    let (start, end) = (*range.start(), *range.end());
    futures_util::stream::try_unfold(start, move |at| {
        let basemap = basemap.clone();
        async move {
            if at > end {
                return Ok(None);
            }
            let n = (end - at + 1).min(CHUNK);
            let bytes = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0; usize::try_from(n).unwrap_or(0)];
                basemap.read_at(&mut buf, at).map(|()| Bytes::from(buf))
            })
            .await
            .map_err(std::io::Error::other)??;
            Ok(Some((bytes, at + n)))
        }
    })
}

/// The font stacks witgis has glyphs for (those the Protomaps style names).
pub const FONT_STACKS: [&str; 3] = ["Noto Sans Regular", "Noto Sans Medium", "Noto Sans Italic"];

/// `GET /fonts/{fontstack}/{start}-{end}.pbf`: a vendored glyph range from
/// `web/vendor/fonts/`, or an empty set of glyphs for a range witgis does not
/// ship (MapLibre then draws the label without those letters instead of
/// failing the whole tile).
#[utoipa::path(
    get,
    path = "/fonts/{fontstack}/{range}",
    tag = "basemap",
    params(
        ("fontstack" = String, Path, description = "Noto Sans Regular, Noto Sans Medium or Noto Sans Italic"),
        ("range" = String, Path, description = "START-END.pbf: 256 code points from a multiple of 256, e.g. 0-255.pbf")
    ),
    responses(
        (status = 200, description = "The glyphs (SDF, protobuf); empty for a range witgis does not ship", content_type = "application/x-protobuf"),
        (status = 404, description = "An unknown font stack or a malformed range", body = crate::http::error::Problem, content_type = "application/problem+json")
    )
)]
async fn glyph_range(UrlPath((stack, range)): UrlPath<(String, String)>) -> Response {
    let Some(start) = parse_glyph_range(&range) else {
        return problem(
            StatusCode::NOT_FOUND,
            "a glyph range is START-END.pbf, 256 code points from a multiple of 256, e.g. 0-255.pbf".into(),
            None,
        );
    };
    if !FONT_STACKS.contains(&stack.as_str()) {
        return problem(
            StatusCode::NOT_FOUND,
            format!("witgis has glyphs for these font stacks only: {}", FONT_STACKS.join(", ")),
            None,
        );
    }
    // Debian ships no Noto Sans Medium: its labels use the regular glyphs.
    let file = if stack == "Noto Sans Medium" { "Noto Sans Regular" } else { stack.as_str() };
    let path = format!("vendor/fonts/{file}/{start}-{}.pbf", start + 255);
    let body = super::web::asset(&path).map_or(std::borrow::Cow::Borrowed(&[][..]), |f| f.data);
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf")),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        body,
    )
        .into_response()
}

/// The first code point of `START-END.pbf` when it names one 256-code-point
/// range of the Basic Multilingual Plane.
pub fn parse_glyph_range(name: &str) -> Option<u32> {
    let (start, end) = name.strip_suffix(".pbf")?.split_once('-')?;
    let (start, end) = (start.parse::<u32>().ok()?, end.parse::<u32>().ok()?);
    (start % 256 == 0 && end == start + 255 && end <= 0xFFFF).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETAG: &str = "\"2a-1\"";

    fn answer(range: &str, len: u64) -> RangeAnswer {
        answer_range(Some(range), None, ETAG, len)
    }

    #[test]
    fn single_ranges_are_cut_to_the_file() {
        assert_eq!(answer("bytes=0-9", 100), RangeAnswer::Partial(0..=9));
        assert_eq!(answer("bytes=90-", 100), RangeAnswer::Partial(90..=99));
        assert_eq!(answer("bytes=-10", 100), RangeAnswer::Partial(90..=99));
        assert_eq!(answer("bytes=-500", 100), RangeAnswer::Partial(0..=99));
        assert_eq!(answer("bytes=0-16383", 127), RangeAnswer::Partial(0..=126), "pmtiles asks 16 KiB first");
        assert_eq!(answer("bytes=99-99", 100), RangeAnswer::Partial(99..=99));
    }

    #[test]
    fn ranges_past_the_end_or_malformed_are_unsatisfiable() {
        assert_eq!(answer("bytes=100-200", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=100-", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=9-3", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=-0", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=-", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=abc", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=+1-2", 100), RangeAnswer::Unsatisfiable);
        assert_eq!(answer("bytes=1-99999999999999999999999", 100), RangeAnswer::Unsatisfiable);
    }

    #[test]
    fn other_units_several_ranges_and_stale_if_range_get_the_whole_file() {
        assert_eq!(answer_range(None, None, ETAG, 100), RangeAnswer::Full);
        assert_eq!(answer("items=0-9", 100), RangeAnswer::Full);
        assert_eq!(answer("bytes=0-9,20-29", 100), RangeAnswer::Full);
        assert_eq!(answer_range(Some("bytes=0-9"), Some("\"old\""), ETAG, 100), RangeAnswer::Full);
        assert_eq!(
            answer_range(Some("bytes=0-9"), Some("Wed, 21 Oct 2015 07:28:00 GMT"), ETAG, 100),
            RangeAnswer::Full
        );
        assert_eq!(answer_range(Some("bytes=0-9"), Some(ETAG), ETAG, 100), RangeAnswer::Partial(0..=9));
    }

    #[test]
    fn glyph_ranges_are_256_code_points() {
        assert_eq!(parse_glyph_range("0-255.pbf"), Some(0));
        assert_eq!(parse_glyph_range("1024-1279.pbf"), Some(1024));
        assert_eq!(parse_glyph_range("65280-65535.pbf"), Some(65280));
        for bad in ["0-256.pbf", "1-256.pbf", "0-255", "65536-65791.pbf", "a-b.pbf", "../x.pbf"] {
            assert_eq!(parse_glyph_range(bad), None, "{bad}");
        }
    }
}
