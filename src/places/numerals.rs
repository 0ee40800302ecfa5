//! The forms a Rome municipio is named in (`municipio VII`, `mun. 7`), and
//! queries that are street addresses.

use super::key;

const ROMAN: [&str; 15] =
    ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii", "xiv", "xv"];

/// The number of the Rome municipio a query names in one of its usual forms
/// (`municipio 7`, `municipio VII`, `VII municipio`, `municipio roma 7`,
/// `Municipio Roma VII`, `mun. 7`), if it does.
pub fn municipio_number(query: &str) -> Option<u8> {
    let q = key(query).replace(['.', ',', '-'], " ");
    let words: Vec<&str> =
        q.split_whitespace().filter(|w| !matches!(*w, "roma" | "rome" | "di" | "del")).collect();
    let number = |w: &str| -> Option<u8> {
        let n = match w.parse::<u8>() {
            Ok(n) => n,
            Err(_) => ROMAN.iter().position(|r| *r == w)? as u8 + 1,
        };
        (1..=15).contains(&n).then_some(n)
    };
    let is_word = |w: &str| matches!(w, "municipio" | "mun" | "municipi");
    match words[..] {
        [a, b] if is_word(a) => number(b),
        [a, b] if is_word(b) => number(a),
        _ => None,
    }
}

/// Does the query look like a street with a house number ("Via Appia Nuova
/// 500", "12 Via dei Gracchi"), which only a geocoder can place?
pub fn is_street_address(query: &str) -> bool {
    if municipio_number(query).is_some() {
        return false;
    }
    let words: Vec<&str> = query.split([' ', ',']).filter(|w| !w.is_empty()).collect();
    let house = |w: &str| {
        let digits = w.chars().take_while(char::is_ascii_digit).count();
        (1..=4).contains(&digits)
            && w[digits..].chars().all(|c| c.is_ascii_alphabetic() || c == '/')
            && w[digits..].chars().filter(char::is_ascii_alphabetic).count() <= 1
    };
    let wordy = words.iter().filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2).count();
    words.len() >= 2
        && wordy >= 1
        && (words.last().is_some_and(|w| house(w)) || words.first().is_some_and(|w| house(w)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipio_forms_and_street_addresses_are_told_apart() {
        for q in [
            "municipio 7",
            "municipio VII",
            "VII municipio",
            "municipio roma 7",
            "Municipio Roma VII",
            "mun. 7",
            "Mun VII",
        ] {
            assert_eq!(municipio_number(q), Some(7), "{q}");
        }
        for q in ["municipio 16", "municipio", "roma 7", "municipio di saronno", "via municipio 7 bis x"] {
            assert_eq!(municipio_number(q), None, "{q}");
        }
        for q in [
            "Via Appia Nuova 500",
            "via dei gracchi 12",
            "12 Via dei Gracchi",
            "Mareschstraße 14",
            "via roma 3/a",
        ] {
            assert!(is_street_address(q), "{q}");
        }
        for q in ["Torre Angela", "municipio 7", "Roma 00184", "XV", "via appia"] {
            assert!(!is_street_address(q), "{q}");
        }
    }
}
