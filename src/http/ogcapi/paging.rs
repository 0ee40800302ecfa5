//! Cursor paging: items in id order, `next` and `prev` links that carry
//! the id of the last item seen.

use chrono::Utc;
use serde::Serialize;

use crate::http::params::Params;

use super::{Collection, DEFAULT_LIMIT, Link, MAX_LIMIT, link, rfc3339};

/// Where a page starts: after an id (`next`) or before one (`prev`).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cursor {
    After(String),
    Before(String),
}

impl Cursor {
    pub(super) fn parse(raw: &str) -> Option<Cursor> {
        match raw.split_once(':') {
            Some(("a", id)) if !id.is_empty() => Some(Cursor::After(id.to_owned())),
            Some(("b", id)) if !id.is_empty() => Some(Cursor::Before(id.to_owned())),
            _ => None,
        }
    }

    pub(super) fn encode(&self) -> String {
        let raw = match self {
            Cursor::After(id) => format!("a:{id}"),
            Cursor::Before(id) => format!("b:{id}"),
        };
        form_urlencoded::byte_serialize(raw.as_bytes()).collect()
    }
}

/// `limit` and `cursor`, shared by every collection.
pub(super) fn paging(params: &mut Params) -> (usize, Option<Cursor>) {
    let limit = params.count("limit", 1..=MAX_LIMIT, DEFAULT_LIMIT);
    let cursor = params.one("cursor").and_then(|raw| {
        let parsed = Cursor::parse(&raw);
        if parsed.is_none() {
            params.fail("cursor", "is not a cursor from a next or prev link of this API".into());
        }
        parsed
    });
    (limit, cursor)
}

/// The page `[start, end)` of `len` items sorted by `id_at`.
pub(super) fn page_bounds<'a>(
    len: usize,
    id_at: impl Fn(usize) -> &'a str,
    cursor: Option<&Cursor>,
    limit: usize,
) -> (usize, usize) {
    let partition = |before: &dyn Fn(&str) -> bool| {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if before(id_at(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    match cursor {
        None => (0, limit.min(len)),
        Some(Cursor::After(id)) => {
            let start = partition(&|x| x <= id.as_str());
            (start, (start + limit).min(len))
        }
        Some(Cursor::Before(id)) => {
            let end = partition(&|x| x < id.as_str());
            (end.saturating_sub(limit), end)
        }
    }
}

/// Where a page lies in its match: its first and last ids, and whether
/// items come before and after it.
pub(super) struct Position<'a> {
    pub(super) first_last: Option<(&'a str, &'a str)>,
    pub(super) more_before: bool,
    pub(super) more_after: bool,
}

/// The `self`, `collection`, `next` and `prev` links of a page; the query is
/// kept as sent, but for its cursor.
pub(super) fn page_links(
    base: &str,
    collection: Collection,
    query: Option<&str>,
    cursor: Option<&Cursor>,
    at: Position<'_>,
) -> Vec<Link> {
    let href = format!("{base}/collections/{}", collection.id());
    let items = format!("{href}/items");
    let keep: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k != "cursor")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let page_link = |cursor: Option<&Cursor>| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(keep.iter());
        let mut query = query.finish();
        if let Some(cursor) = cursor {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("cursor={}", cursor.encode()));
        }
        if query.is_empty() { items.clone() } else { format!("{items}?{query}") }
    };
    let mut links = vec![
        link(page_link(cursor), "self", "application/geo+json", "this page"),
        link(href, "collection", "application/json", "the collection"),
    ];
    if let Some((first, last)) = at.first_last {
        if at.more_after {
            let next = Cursor::After(last.to_owned());
            links.push(link(page_link(Some(&next)), "next", "application/geo+json", "the next page"));
        }
        if at.more_before {
            let prev = Cursor::Before(first.to_owned());
            links.push(link(page_link(Some(&prev)), "prev", "application/geo+json", "the previous page"));
        }
    }
    links
}

/// A page of features.
#[derive(Serialize)]
pub(super) struct Page<F> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "timeStamp")]
    time_stamp: String,
    #[serde(rename = "numberMatched")]
    number_matched: usize,
    #[serde(rename = "numberReturned")]
    number_returned: usize,
    links: Vec<Link>,
    features: Vec<F>,
}

impl<F> Page<F> {
    pub(super) fn new(number_matched: usize, links: Vec<Link>, features: Vec<F>) -> Self {
        Page {
            kind: "FeatureCollection",
            time_stamp: rfc3339(Utc::now()),
            number_matched,
            number_returned: features.len(),
            links,
            features,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
