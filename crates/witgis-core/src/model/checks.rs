//! What is wrong with a field ([`FieldError`], [`ValidationErrors`]), and the
//! checks of the fields that hold contact details and sources: web
//! addresses, source text, phone numbers, e-mail addresses.

use serde::Serialize;

/// One thing wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The property name, e.g. `lat` or `topics`.
    pub field: String,
    /// Why the value was refused, in words a person can act on.
    pub reason: String,
}

/// Everything wrong with a record; never empty.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.reason)).collect::<Vec<_>>().join("; "))]
pub struct ValidationErrors(pub Vec<FieldError>);

/// Characters that could end an HTML attribute or start markup, refused in
/// web addresses (a URL needs none of them unescaped).
fn breaks_attribute(c: char) -> bool {
    c.is_whitespace() || c.is_control() || "\"'<>`\\".contains(c)
}

/// A web address: http(s), a host with a dot, no character that could end an
/// HTML attribute.
pub(crate) fn check_url(s: &str) -> Result<(), String> {
    if let Some(c) = s.chars().find(|&c| breaks_attribute(c)) {
        return Err(format!(
            "holds the character {c:?}, which a web address never needs; percent-encode it (e.g. %22 for \")"
        ));
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| h.contains('.')) => {
            Ok(())
        }
        _ => Err(format!("'{s}' is not a web address starting with http:// or https://")),
    }
}

/// `source` is free text ("knowledge", "coordinates = GeoNames \"Horn\"")
/// with web addresses among it: every address must be http(s) with no
/// attribute-breaking character, and the text holds no markup or control
/// characters.
pub(crate) fn check_source(s: &str) -> Result<(), String> {
    if let Some(c) = s.chars().find(|&c| c.is_control() || "<>`".contains(c)) {
        return Err(format!("holds the character {c:?}; write plain text and web addresses"));
    }
    for token in s.split(|c: char| c.is_whitespace() || c == ';' || c == ',') {
        let token = token.trim_start_matches('(').trim_end_matches([')', '.']);
        let Some((scheme, rest)) = token.split_once(':') else { continue };
        let is_scheme = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c));
        if !is_scheme || rest.is_empty() {
            continue; // a word followed by a colon, not an address
        }
        if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
            return Err(format!(
                "holds an address with the scheme '{scheme}:'; only http:// and https:// addresses are kept"
            ));
        }
        if token.chars().any(breaks_attribute) {
            return Err("holds a web address with a quote or backslash; percent-encode it".into());
        }
        check_url(token)?;
    }
    Ok(())
}

pub(crate) fn check_phone(s: &str) -> Result<(), String> {
    let allowed = s.chars().all(|c| c.is_ascii_digit() || " +-()./".contains(c));
    let digits = s.chars().filter(char::is_ascii_digit).count();
    if allowed && (3..=20).contains(&digits) {
        Ok(())
    } else {
        Err(format!("'{s}' is not a phone number (digits, spaces and + - ( ) . / only)"))
    }
}

pub(crate) fn check_email(s: &str) -> Result<(), String> {
    let bad = || format!("'{s}' is not an e-mail address like name@example.org");
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || !domain_ok || s.contains(char::is_whitespace) {
        return Err(bad());
    }
    Ok(())
}
