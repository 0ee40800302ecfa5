//! References from a resource to the areas it serves.
//!
//! Stored as area ids (slugs such as `it-rm-municipio-02`). The reference data
//! names Rome's territories in words ("ASL Roma 1; Municipio II (Distretto 2)"),
//! so those labels are turned into the ids that Rome's official boundary files
//! use once imported: `it-rm-asl-roma-N`, `it-rm-municipio-NN`, `it-comune-NAME`.

use super::text::{is_slug, slugify};

/// Turns one served-area reference (an id, or a label in the reference data's
/// wording) into an area id, or says why it cannot.
pub fn area_id(reference: &str) -> Result<String, String> {
    let r = reference.trim();
    if r.is_empty() {
        return Err("an empty area reference".into());
    }
    if is_slug(r) {
        return Ok(r.to_owned());
    }
    // Drop a trailing remark in brackets: "Municipio II (Distretto 2)".
    let head = r.split('(').next().unwrap_or(r).trim();
    let words: Vec<&str> = head.split_whitespace().collect();
    match words.as_slice() {
        ["ASL", "Roma", n] if n.parse::<u8>().is_ok() => Ok(format!("it-rm-asl-roma-{n}")),
        ["Municipio", numeral] => roman(numeral)
            .filter(|n| (1..=15).contains(n))
            .map(|n| format!("it-rm-municipio-{n:02}"))
            .ok_or_else(|| format!("'{r}' names no municipio of Rome (I to XV)")),
        ["Comune", "di", name @ ..] if !name.is_empty() => {
            Ok(format!("it-comune-{}", slugify(&name.join(" "))))
        }
        _ => Err(format!(
            "'{r}' is neither an area id (lowercase letters, digits and '-') nor a known label \
             ('ASL Roma N', 'Municipio I'..'Municipio XV', 'Comune di NAME')"
        )),
    }
}

fn roman(s: &str) -> Option<u32> {
    let value = |c| match c {
        'I' => Some(1),
        'V' => Some(5),
        'X' => Some(10),
        _ => None,
    };
    let digits: Option<Vec<u32>> = s.chars().map(value).collect();
    let digits = digits?;
    let mut total = 0;
    for (i, d) in digits.iter().enumerate() {
        match digits.get(i + 1) {
            Some(next) if next > d => total -= *d as i64,
            _ => total += *d as i64,
        }
    }
    u32::try_from(total).ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_labels_become_ids() {
        assert_eq!(area_id("ASL Roma 2").as_deref(), Ok("it-rm-asl-roma-2"));
        assert_eq!(
            area_id("ASL Roma 2 (listed in the ASL Roma 2 DSM service charter)").as_deref(),
            Ok("it-rm-asl-roma-2")
        );
        assert_eq!(area_id("Municipio II (Distretto 2)").as_deref(), Ok("it-rm-municipio-02"));
        assert_eq!(area_id("Municipio XIV (Distretto 14, Primavalle)").as_deref(), Ok("it-rm-municipio-14"));
        assert_eq!(area_id("Municipio IX").as_deref(), Ok("it-rm-municipio-09"));
        assert_eq!(area_id("Comune di Fiumicino").as_deref(), Ok("it-comune-fiumicino"));
        assert_eq!(area_id("it-rm-municipio-03").as_deref(), Ok("it-rm-municipio-03"));
    }

    #[test]
    fn unknown_labels_are_refused_with_the_accepted_forms() {
        assert!(area_id("Municipio XX").is_err());
        assert!(area_id("").is_err());
        let err = area_id("Somewhere Else").unwrap_err();
        assert!(err.contains("ASL Roma N"), "{err}");
    }
}
