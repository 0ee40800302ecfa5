//! Where a record's facts come from, fact by fact: who published them, on
//! which page and of which date, when we read them, whether through a copy,
//! and under which licence (ODbL for points taken from OpenStreetMap).
//!
//! A record carries a list of [`Provenance`] entries beside its free-text
//! `source`, which stays as it was for the readers and imports that know
//! only that. An entry names the facts it gives (`phone`, `location`…); an
//! entry naming none gives the whole record.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{Map, Value};

use super::checks::{FieldError, check_url};

/// Most entries a record may carry.
pub const MAX_ENTRIES: usize = 20;

/// The facts an entry may name: the record's properties that hold a fact,
/// and `location` for the point with its precision.
pub const FACTS: &[&str] = &[
    "name",
    "name_en",
    "category",
    "city",
    "address",
    "postcode",
    "location",
    "website",
    "phone",
    "email",
    "topics",
    "target_groups",
    "languages",
    "opening_hours",
    "access",
    "cost",
    "serves_areas",
    "description",
];

/// One source of some of a record's facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Provenance {
    /// The facts it gives (see [`FACTS`]); empty: the whole record.
    pub facts: Vec<String>,
    /// Who published them, e.g. `ASL Roma 2`, `OpenStreetMap contributors`.
    pub publisher: String,
    /// The page or file they were published on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// What the page is, in the publisher's words, e.g. `Guida DSM`, `rubrica`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The date the page states, if it states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_date: Option<NaiveDate>,
    /// When the page was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_on: Option<NaiveDate>,
    /// Read through someone else's copy of the page, not the page itself.
    pub via_copy: bool,
    /// Whose copy, when `via_copy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub copy: Option<String>,
    /// The licence the facts come under, e.g. `ODbL-1.0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
}

const KEYS: &[&str] =
    &["facts", "publisher", "url", "document", "page_date", "read_on", "via_copy", "copy", "licence"];

/// Reads the `provenance` property: a list of entries (or that list as JSON
/// text, as a CSV cell holds it). Every problem is named by its field, e.g.
/// `provenance[1].url`.
pub fn read(value: Option<&Value>, errors: &mut Vec<FieldError>) -> Vec<Provenance> {
    let mut fail = |field: String, reason: String| errors.push(FieldError { field, reason });
    let parsed;
    let items = match value {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::String(s)) if s.trim().is_empty() => return Vec::new(),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => {
                parsed = items;
                &parsed
            }
            _ => {
                fail("provenance".into(), "must be a list of sources (a JSON array of objects)".into());
                return Vec::new();
            }
        },
        Some(Value::Array(items)) => items,
        Some(_) => {
            fail("provenance".into(), "must be a list of sources (a JSON array of objects)".into());
            return Vec::new();
        }
    };
    if items.len() > MAX_ENTRIES {
        fail("provenance".into(), format!("has {} entries; at most {MAX_ENTRIES} are kept", items.len()));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(map) = item else {
            fail(format!("provenance[{i}]"), "must be an object with at least a publisher".into());
            continue;
        };
        if let Some(p) = entry(map, &format!("provenance[{i}]"), &mut fail) {
            out.push(p);
        }
    }
    out
}

fn entry(map: &Map<String, Value>, at: &str, fail: &mut impl FnMut(String, String)) -> Option<Provenance> {
    let before = std::cell::Cell::new(0usize);
    let mut bad = |field: &str, reason: String| {
        before.set(before.get() + 1);
        fail(format!("{at}.{field}"), reason);
    };
    for key in map.keys().filter(|k| !KEYS.contains(&k.as_str())) {
        bad(key, format!("unknown; an entry has {}", KEYS.join(", ")));
    }
    let mut text = |key: &str, max: usize| -> Option<String> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) if s.trim().chars().count() > max => {
                bad(key, format!("is longer than {max} characters"));
                None
            }
            Some(Value::String(s)) if s.chars().any(|c| c.is_control() || "<>`".contains(c)) => {
                bad(key, "holds control characters or markup; write plain text".into());
                None
            }
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(_) => {
                bad(key, "must be a string".into());
                None
            }
        }
    };
    let reported = before.get();
    let publisher = text("publisher", 200);
    let publisher_reported = before.get() > reported;
    let url = text("url", 500);
    let document = text("document", 200);
    let copy = text("copy", 200);
    let licence = text("licence", 100);
    let page_date = text("page_date", 10);
    let read_on = text("read_on", 10);
    let mut date = |key: &str, raw: Option<String>| {
        raw.and_then(|d| match NaiveDate::parse_from_str(&d, "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(_) => {
                bad(key, format!("'{d}' is not a date in the form YYYY-MM-DD"));
                None
            }
        })
    };
    let page_date = date("page_date", page_date);
    let read_on = date("read_on", read_on);
    if publisher.is_none() && !publisher_reported {
        bad("publisher", "is required: who published the facts, e.g. ASL Roma 2".into());
    }
    if let Some(u) = &url {
        if let Err(reason) = check_url(u) {
            bad("url", reason);
        }
    }
    if let (Some(page), Some(read)) = (page_date, read_on) {
        if read < page {
            bad(
                "read_on",
                format!("{read} is before the page's date {page}; a page is read after it is dated"),
            );
        }
    }
    let via_copy = match map.get("via_copy") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            bad("via_copy", "must be true or false".into());
            false
        }
    };
    if copy.is_some() && !via_copy {
        bad("copy", "names a copy, but via_copy is not true".into());
    }
    let facts = match map.get("facts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            let mut facts = Vec::new();
            for item in items {
                match item.as_str() {
                    Some(f) if FACTS.contains(&f) => {
                        if !facts.iter().any(|x| x == f) {
                            facts.push(f.to_owned());
                        }
                    }
                    Some(f) => {
                        bad("facts", format!("'{f}' is not a fact of a record; use {}", FACTS.join(", ")))
                    }
                    None => bad("facts", "must hold property names as strings".into()),
                }
            }
            facts
        }
        Some(_) => {
            bad("facts", "must be a list of property names, e.g. [\"phone\", \"location\"]".into());
            Vec::new()
        }
    };
    if before.get() > 0 {
        return None;
    }
    Some(Provenance {
        facts,
        publisher: publisher?,
        url,
        document,
        page_date,
        read_on,
        via_copy,
        copy,
        licence,
    })
}

/// The entry that gives `fact` (the first naming it, else the first naming
/// no fact), if any.
pub fn of<'a>(entries: &'a [Provenance], fact: &str) -> Option<&'a Provenance> {
    entries
        .iter()
        .find(|p| p.facts.iter().any(|f| f == fact))
        .or_else(|| entries.iter().find(|p| p.facts.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> (Vec<Provenance>, Vec<String>) {
        let mut errors = Vec::new();
        let out = read(Some(&value), &mut errors);
        (out, errors.into_iter().map(|e| e.field).collect())
    }

    fn asl() -> Value {
        json!({
            "facts": ["phone", "opening_hours"],
            "publisher": "ASL Roma 2",
            "url": "https://www.aslroma2.it/guida.pdf",
            "document": "Guida DSM",
            "page_date": "2025-11-21",
            "read_on": "2026-09-21",
            "via_copy": true,
            "copy": "someone/dataset"
        })
    }

    #[test]
    fn a_full_entry_keeps_every_value() {
        let (p, errors) = fields(json!([asl()]));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(p[0].publisher, "ASL Roma 2");
        assert_eq!(p[0].page_date, NaiveDate::from_ymd_opt(2025, 11, 21));
        assert_eq!(p[0].read_on, NaiveDate::from_ymd_opt(2026, 9, 21));
        assert!(p[0].via_copy);
        assert_eq!(p[0].facts, ["phone", "opening_hours"]);
        // Serialised and read again: the same.
        let again = fields(serde_json::to_value(&p).expect("json")).0;
        assert_eq!(again, p);
    }

    #[test]
    fn the_list_may_come_as_json_text() {
        let (p, errors) = fields(Value::String(json!([asl()]).to_string()));
        assert!(errors.is_empty() && p.len() == 1, "{errors:?}");
    }

    #[test]
    fn each_bad_field_is_named_with_its_entry() {
        let mut bad = asl();
        bad["url"] = json!("javascript:alert(1)");
        bad["page_date"] = json!("21/11/2025");
        bad["facts"] = json!(["phone", "colour"]);
        bad["via_copy"] = json!("yes");
        bad["extra"] = json!(1);
        let (p, errors) = fields(json!([asl(), bad]));
        assert!(p.len() == 1, "the good entry is read");
        for f in ["url", "page_date", "facts", "via_copy", "extra"] {
            assert!(errors.contains(&format!("provenance[1].{f}")), "{f} missing in {errors:?}");
        }
    }

    #[test]
    fn a_publisher_is_required_and_dates_are_in_order() {
        let (_, errors) = fields(json!([{ "url": "https://example.org/a" }]));
        assert_eq!(errors, ["provenance[0].publisher"]);
        let mut early = asl();
        early["read_on"] = json!("2025-01-01");
        assert_eq!(fields(json!([early])).1, ["provenance[0].read_on"]);
        let mut copy = asl();
        copy["via_copy"] = json!(false);
        assert_eq!(fields(json!([copy])).1, ["provenance[0].copy"]);
    }

    #[test]
    fn not_a_list_is_refused() {
        assert_eq!(fields(json!({"publisher": "x"})).1, ["provenance"]);
        assert_eq!(fields(json!("not json")).1, ["provenance"]);
        assert_eq!(fields(json!([1])).1, ["provenance[0]"]);
        let many: Vec<Value> = (0..=MAX_ENTRIES).map(|_| asl()).collect();
        assert_eq!(fields(Value::Array(many)).1, ["provenance"]);
    }

    #[test]
    fn the_entry_of_a_fact() {
        let (p, _) = fields(json!([asl(), {"publisher": "OpenStreetMap contributors", "facts": ["location"],
            "licence": "ODbL-1.0"}]));
        assert_eq!(of(&p, "location").map(|e| e.publisher.as_str()), Some("OpenStreetMap contributors"));
        assert_eq!(of(&p, "phone").map(|e| e.publisher.as_str()), Some("ASL Roma 2"));
        assert_eq!(of(&p, "address"), None);
    }
}
