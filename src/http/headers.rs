//! Security headers on every answer: a Content-Security-Policy that lets the
//! page load only from this server (and the configured basemap style's
//! origin), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
//! and no framing.

use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy for a page whose only other origin is
/// `basemap_origin` (an online basemap's style host), if any. MapLibre runs
/// its workers from `blob:` URLs and draws sprites and icons from `data:`
/// and `blob:` images. The geocoder is asked by the server, never the page.
pub fn content_security_policy(basemap_origin: Option<&str>) -> String {
    let extra = basemap_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{extra}; \
         connect-src 'self'{extra}; font-src 'self'; worker-src blob:; child-src blob:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host` as the client reached this server (behind a proxy, from
/// `X-Forwarded-Proto`/`X-Forwarded-Host`), for absolute links; empty, so
/// that links stay relative, when the host header is missing or malformed.
pub fn external_base(headers: &axum::http::HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let host = text("x-forwarded-host").or_else(|| text(header::HOST.as_str()));
    let proto = match text("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    match host.filter(|h| h.parse::<axum::http::uri::Authority>().is_ok()) {
        Some(host) => format!("{proto}://{host}"),
        None => String::new(),
    }
}

/// The origin (`https://host:port`) of a style URL.
pub fn origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    match url.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// The layers that add the headers (each only when a handler has not set it).
pub fn layers(basemap_style: Option<&str>) -> [SetResponseHeaderLayer<HeaderValue>; 4] {
    let csp = content_security_policy(basemap_style.and_then(origin).as_deref());
    let csp = HeaderValue::from_str(&csp).unwrap_or(HeaderValue::from_static("default-src 'self'"));
    [
        SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp),
        SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_only_our_origin_and_the_basemap_host() {
        let own = content_security_policy(None);
        assert!(own.contains("connect-src 'self';") && own.contains("frame-ancestors 'none'"), "{own}");
        assert!(!own.contains("http"), "{own}");
        let style = origin("https://tiles.example.org:8443/styles/liberty.json?key=x");
        assert_eq!(style.as_deref(), Some("https://tiles.example.org:8443"));
        let with = content_security_policy(style.as_deref());
        assert!(with.contains("connect-src 'self' https://tiles.example.org:8443;"), "{with}");
        assert!(!with.contains("key=x"), "never the style's query (it may hold an API key)");
    }
}
