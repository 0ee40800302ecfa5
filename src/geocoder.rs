//! The optional external geocoder: a Nominatim-compatible `/search` endpoint
//! asked for street addresses that the built-in gazetteer does not know.
//!
//! It is a good citizen of a shared service: it sends only the query text
//! (with the format, limit, countries and language witgis chooses), names
//! itself in `User-Agent`, gives up after a short timeout, keeps recent
//! answers in memory, and asks at most once per interval (one request may
//! wait one interval for its turn; more are skipped as "busy"). After a
//! failure it rests for [`REST_AFTER_FAILURE`] before asking again. The
//! query text is never logged: it can be a caller's home address.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, HeaderValue, USER_AGENT};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::model::Country;
use crate::model::text::fold;
use crate::places::{Place, PlaceKind};

/// The countries asked for when the caller names none.
pub const COUNTRY_CODES: &str = "it,bg,de,lt";
/// Shown with every geocoder result: Nominatim serves OpenStreetMap data (ODbL).
pub const ATTRIBUTION: &str = "© OpenStreetMap contributors";
/// How long no request is sent after one failed.
pub const REST_AFTER_FAILURE: Duration = Duration::from_secs(10);
/// How long an answer is reused.
pub const CACHE_TTL: Duration = Duration::from_secs(3600);
/// How many answers are kept.
pub const CACHE_ENTRIES: usize = 512;
/// Largest answer read.
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How to reach the geocoder and how gently to ask it.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `/search` endpoint (see [`parse_url`]).
    pub url: Url,
    /// Longest wait for an answer, connection included.
    pub timeout: Duration,
    /// Shortest time between two requests.
    pub interval: Duration,
    /// An e-mail address or URL for the operators of the geocoder to reach
    /// this deployment, added to `User-Agent`.
    pub contact: Option<String>,
}

impl Settings {
    /// Default timeout (2 s) and interval (1 s), no contact.
    pub fn new(url: Url) -> Settings {
        Settings { url, timeout: Duration::from_secs(2), interval: Duration::from_secs(1), contact: None }
    }
}

/// Parses `--geocoder-url`: an absolute `http`/`https` URL of a
/// Nominatim-compatible service, e.g. `https://nominatim.example.org` or
/// `http://localhost:8088/search`; `/search` is added when the path does
/// not end with it. Query parameters (an API key) are kept.
pub fn parse_url(value: &str) -> Result<Url, String> {
    let mut url = Url::parse(value.trim())
        .map_err(|e| format!("not a URL ({e}); give e.g. https://nominatim.example.org"))?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(format!("the scheme '{other}' is not supported; use an http or https URL")),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the URL names no host; give e.g. https://nominatim.example.org".into());
    }
    url.set_fragment(None);
    if !url.path().trim_end_matches('/').ends_with("/search") {
        let path = format!("{}/search", url.path().trim_end_matches('/'));
        url.set_path(&path);
    }
    Ok(url)
}

/// Parses `--geocoder-contact`: printable ASCII, at most 100 characters.
pub fn parse_contact(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() || value.len() > 100 || !value.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err("give an e-mail address or URL in printable ASCII, at most 100 characters".into());
    }
    Ok(value.to_owned())
}

/// Why the geocoder gave no answer; the built-in results stand alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GeocoderError {
    /// Asking now would exceed the request rate: skipped.
    #[error("skipped to keep to one request per interval")]
    Busy,
    /// Resting after a recent failure.
    #[error("resting after a recent failure")]
    Resting,
    /// No answer within the timeout.
    #[error("no answer within {0} ms")]
    Timeout(u128),
    /// Could not connect or the exchange failed.
    #[error("request failed: {0}")]
    Request(String),
    /// Answered with another status than 200.
    #[error("answered HTTP {0}")]
    Status(u16),
    /// Answered something that is not a Nominatim result list.
    #[error("answer is not a Nominatim result list: {0}")]
    BadAnswer(String),
}

impl GeocoderError {
    /// The machine-readable word for API answers: `busy` or `unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            GeocoderError::Busy => "busy",
            _ => "unavailable",
        }
    }
}

/// What is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    /// The text, as typed (only this goes upstream about the caller).
    pub text: String,
    /// Only this country, or the four witgis covers.
    pub country: Option<Country>,
    /// Preferred language of the names (`accept-language`).
    pub lang: Option<String>,
    /// Most results wanted.
    pub limit: usize,
}

/// A found place and what it is in OpenStreetMap.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The place, of kind `address`.
    pub place: Place,
    /// A settlement or administrative area rather than a street or building.
    pub settlement: bool,
}

type Key = (String, Option<Country>, Option<String>, usize);

struct Memory {
    cache: HashMap<Key, (Instant, Arc<[Found]>)>,
    order: VecDeque<Key>,
    /// The earliest moment the next request may be sent.
    next_slot: Option<Instant>,
    /// No request before this, after a failure.
    rest_until: Option<Instant>,
}

/// A client of one Nominatim-compatible service, shared by every request.
pub struct Geocoder {
    settings: Settings,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
    user_agent: HeaderValue,
    memory: Mutex<Memory>,
    /// Requests sent upstream (for the health of tests and logs).
    sent: std::sync::atomic::AtomicU64,
}

impl Geocoder {
    /// A client for `settings`; no request is sent until the first search.
    pub fn new(settings: Settings) -> Geocoder {
        let connector =
            HttpsConnectorBuilder::new().with_webpki_roots().https_or_http().enable_http1().build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let version = env!("CARGO_PKG_VERSION");
        let ua = match &settings.contact {
            Some(c) => format!("witgis/{version} (+{c})"),
            None => format!("witgis/{version}"),
        };
        let user_agent = HeaderValue::from_str(&ua).unwrap_or(HeaderValue::from_static("witgis"));
        let memory =
            Memory { cache: HashMap::new(), order: VecDeque::new(), next_slot: None, rest_until: None };
        Geocoder { settings, client, user_agent, memory: Mutex::new(memory), sent: 0.into() }
    }

    /// Where the service is, for logs: scheme, host, port and path only (no
    /// credentials or API key).
    pub fn describe(&self) -> String {
        let u = &self.settings.url;
        let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
        format!("{}://{}{port}{}", u.scheme(), u.host_str().unwrap_or(""), u.path())
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Requests sent upstream so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        self.memory.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Places for `query`: from the cache when asked recently, else from the
    /// service, in its order.
    pub async fn search(&self, query: &Query) -> Result<Arc<[Found]>, GeocoderError> {
        let key: Key = (fold(query.text.trim()), query.country, query.lang.clone(), query.limit);
        let slot = {
            let mut m = self.memory();
            let now = Instant::now();
            if let Some((at, found)) = m.cache.get(&key) {
                if now.duration_since(*at) < CACHE_TTL {
                    return Ok(Arc::clone(found));
                }
            }
            if m.rest_until.is_some_and(|t| now < t) {
                return Err(GeocoderError::Resting);
            }
            let slot = m.next_slot.map_or(now, |s| s.max(now));
            if slot.duration_since(now) > self.settings.interval {
                return Err(GeocoderError::Busy);
            }
            m.next_slot = Some(slot + self.settings.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let answer = match tokio::time::timeout(self.settings.timeout, self.ask(query)).await {
            Ok(answer) => answer,
            Err(_) => Err(GeocoderError::Timeout(self.settings.timeout.as_millis())),
        };
        let mut m = self.memory();
        match answer {
            Ok(found) => {
                let found: Arc<[Found]> = found.into();
                if m.cache.insert(key.clone(), (Instant::now(), Arc::clone(&found))).is_none() {
                    m.order.push_back(key);
                }
                while m.order.len() > CACHE_ENTRIES {
                    if let Some(old) = m.order.pop_front() {
                        m.cache.remove(&old);
                    }
                }
                Ok(found)
            }
            Err(e) => {
                m.rest_until = Some(Instant::now() + REST_AFTER_FAILURE);
                // The reason and the service, never the query.
                tracing::warn!(geocoder = %self.describe(), error = %e, "the external geocoder failed; built-in places only for {} s", REST_AFTER_FAILURE.as_secs());
                Err(e)
            }
        }
    }

    async fn ask(&self, query: &Query) -> Result<Vec<Found>, GeocoderError> {
        let mut url = self.settings.url.clone();
        {
            let country = query.country.map(|c| c.as_str().to_ascii_lowercase());
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("q", query.text.trim())
                .append_pair("format", "jsonv2")
                .append_pair("limit", &query.limit.to_string())
                .append_pair("addressdetails", "1")
                .append_pair("countrycodes", country.as_deref().unwrap_or(COUNTRY_CODES));
            if let Some(lang) = &query.lang {
                pairs.append_pair("accept-language", lang);
            }
        }
        let uri: hyper::Uri =
            url.as_str().parse().map_err(|e| GeocoderError::Request(format!("bad request URL: {e}")))?;
        let request = hyper::Request::get(uri)
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "application/json")
            .body(Empty::new())
            .map_err(|e| GeocoderError::Request(e.to_string()))?;
        let response = self.client.request(request).await.map_err(|e| {
            let cause = std::error::Error::source(&e).map(|s| format!(": {s}")).unwrap_or_default();
            GeocoderError::Request(format!("{e}{cause}"))
        })?;
        if response.status() != hyper::StatusCode::OK {
            return Err(GeocoderError::Status(response.status().as_u16()));
        }
        let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
            .map_err(|e| GeocoderError::BadAnswer(format!("could not read it: {e}")))?
            .to_bytes();
        read_answer(&body, query)
    }
}

/// Reads a Nominatim `jsonv2` answer: an array of results, each with `lat`,
/// `lon` and `display_name`; results that lack them, lie outside the wanted
/// countries or repeat one already read are left out.
pub fn read_answer(body: &[u8], query: &Query) -> Result<Vec<Found>, GeocoderError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| GeocoderError::BadAnswer("not JSON".into()))?;
    let Value::Array(items) = value else {
        return Err(GeocoderError::BadAnswer("not a JSON array".into()));
    };
    let number = |v: &Value| match v {
        Value::String(s) => s.trim().parse::<f64>().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    };
    let mut out: Vec<Found> = Vec::new();
    for item in &items {
        let (Some(lat), Some(lon)) = (item.get("lat").and_then(number), item.get("lon").and_then(number))
        else {
            continue;
        };
        if !(lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon))
        {
            continue;
        }
        let Some(name) = item.get("display_name").and_then(Value::as_str).map(str::trim) else { continue };
        if name.is_empty() {
            continue;
        }
        let name: String = name.chars().take(200).collect();
        let country = item
            .pointer("/address/country_code")
            .and_then(Value::as_str)
            .and_then(|c| c.to_ascii_uppercase().parse::<Country>().ok());
        let wanted = match (query.country, country) {
            (Some(want), Some(got)) => want == got,
            (None, Some(got)) => COUNTRY_CODES.split(',').any(|c| c.eq_ignore_ascii_case(got.as_str())),
            (_, None) => true,
        };
        if !wanted || out.iter().any(|f| fold(&f.place.name) == fold(&name)) {
            continue;
        }
        let class = item.get("category").or_else(|| item.get("class")).and_then(Value::as_str).unwrap_or("");
        let place = Place {
            name,
            kind: PlaceKind::Address,
            country: country.or(query.country),
            lon,
            lat,
            population: None,
            ..Place::default()
        };
        out.push(Found { place, settlement: matches!(class, "place" | "boundary") });
        if out.len() >= query.limit {
            break;
        }
    }
    Ok(out)
}

/// The geocoder's results that are not already among `listed`: a result is
/// left out when a listed place lies within 100 m of it, when a listed place
/// within 10 km has the same name (the first part of the result's name,
/// accents and case aside), or when it is a settlement or area and a listed
/// locality or area lies within 5 km (the same town found twice).
pub fn new_results<'a>(listed: &[&Place], found: &'a [Found]) -> Vec<&'a Place> {
    let head = |name: &str| fold(name.split(',').next().unwrap_or(name).trim());
    found
        .iter()
        .filter(|f| {
            let p = &f.place;
            !listed.iter().any(|l| {
                let d = crate::sphere::geodesic_m([p.lon, p.lat], [l.lon, l.lat]);
                d <= 100.0
                    || (d <= 10_000.0 && head(&p.name) == head(&l.name))
                    || (f.settlement
                        && d <= 5_000.0
                        && matches!(l.kind, PlaceKind::Locality | PlaceKind::Area | PlaceKind::Quarter))
            })
        })
        .map(|f| &f.place)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(text: &str) -> Query {
        Query { text: text.into(), country: None, lang: None, limit: 5 }
    }

    #[test]
    fn urls_get_their_search_path_and_bad_ones_are_refused() {
        let ok = |s: &str| parse_url(s).map(|u| u.to_string());
        assert_eq!(
            ok("https://nominatim.example.org").as_deref(),
            Ok("https://nominatim.example.org/search")
        );
        assert_eq!(ok("http://127.0.0.1:8088/search").as_deref(), Ok("http://127.0.0.1:8088/search"));
        assert_eq!(ok("http://host/nominatim/").as_deref(), Ok("http://host/nominatim/search"));
        assert_eq!(ok("https://host/v1/?key=abc").as_deref(), Ok("https://host/v1/search?key=abc"));
        for bad in ["nominatim.example.org", "ftp://host/", "file:///etc/passwd", "http://", ""] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        assert!(parse_contact("ops@example.org").is_ok());
        assert!(parse_contact("a\nb").is_err());
    }

    #[test]
    fn answers_are_read_leniently_and_garbage_is_refused() {
        let body = br#"[
            {"lat": "41.8720", "lon": "12.4820", "display_name": "106, Via Ostiense, Roma, Italia",
             "category": "building", "address": {"country_code": "it"}},
            {"lat": "x", "lon": "12", "display_name": "no latitude"},
            {"lat": "95", "lon": "12", "display_name": "off the globe"},
            {"lat": "48.85", "lon": "2.35", "display_name": "Paris", "address": {"country_code": "fr"}},
            {"lat": "41.9", "lon": "12.5", "display_name": "Roma, Lazio, Italia", "category": "boundary",
             "address": {"country_code": "it"}},
            {"lat": "41.9", "lon": "12.5", "display_name": "ROMA, Lazio, Italia"}
        ]"#;
        let found = read_answer(body, &query("via ostiense 106")).expect("read");
        let names: Vec<&str> = found.iter().map(|f| f.place.name.as_str()).collect();
        assert_eq!(names, ["106, Via Ostiense, Roma, Italia", "Roma, Lazio, Italia"]);
        assert_eq!(found[0].place.kind, PlaceKind::Address);
        assert_eq!(found[0].place.country.map(|c| c.to_string()).as_deref(), Some("IT"));
        assert!(!found[0].settlement && found[1].settlement);
        for garbage in [&b"<html>busy</html>"[..], b"{\"error\": \"x\"}", b""] {
            assert!(matches!(read_answer(garbage, &query("x")), Err(GeocoderError::BadAnswer(_))));
        }
    }

    #[test]
    fn results_already_listed_are_left_out() {
        let place = |name: &str, kind, lon, lat| Place {
            name: name.into(),
            kind,
            country: None,
            lon,
            lat,
            population: None,
            ..Place::default()
        };
        let listed = [
            place("Via Ostiense 106, Roma", PlaceKind::Address, 12.4820, 41.8720),
            place("Rome", PlaceKind::Locality, 12.5113, 41.8919),
        ];
        let found = |name: &str, lon, lat, settlement| Found {
            place: place(name, PlaceKind::Address, lon, lat),
            settlement,
        };
        let from = [
            found("106, Via Ostiense, Roma", 12.4821, 41.8721, false), // 14 m away
            found("Roma, Roma Capitale, Lazio, Italia", 12.4829, 41.8933, true), // the town again
            found("Rome, Georgia, USA", -85.16, 34.25, true),
            found("Via Appia Nuova 1, Roma", 12.5150, 41.8800, false),
        ];
        let listed: Vec<&Place> = listed.iter().collect();
        let kept: Vec<&str> = new_results(&listed, &from).iter().map(|p| p.name.as_str()).collect();
        assert_eq!(kept, ["Rome, Georgia, USA", "Via Appia Nuova 1, Roma"]);
    }
}
