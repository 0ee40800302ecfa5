//! Small text helpers shared by validation and search.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases and strips accents so that "Città" and "citta" compare equal.
/// Cyrillic and other scripts are lower-cased and kept.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// True for a non-empty slug: lowercase ASCII letters and digits in groups
/// joined by single '-'.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Makes a slug from free text: accents folded, anything else than letters and
/// digits turned into single '-'.
pub fn slugify(s: &str) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_strips_accents_and_case() {
        assert_eq!(fold("Città"), "citta");
        assert_eq!(fold("Šiauliai"), "siauliai");
        assert_eq!(fold("София"), "софия");
        assert_eq!(fold("Neukölln"), "neukolln");
    }

    #[test]
    fn slugs() {
        assert!(is_slug("it-rm-csm-sabrata"));
        assert!(!is_slug("It-rm"));
        assert!(!is_slug("a--b"));
        assert!(!is_slug("-a"));
        assert!(!is_slug(""));
        assert_eq!(slugify(" Fiumicino "), "fiumicino");
        assert_eq!(slugify("Reggio nell'Emilia"), "reggio-nell-emilia");
    }
}
