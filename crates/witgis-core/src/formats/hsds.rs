//! Open Referral HSDS 3.0: a resource as a compiled (fully nested) service,
//! and back. Pure functions, no HTTP.
//!
//! One witgis resource is one `organization`, one `service`, one `location`
//! (when it has a point or an address) joined by one `service_at_location`,
//! with its `phones`, `languages`, `schedules` and `service_areas` nested as
//! the compiled service schema describes.
//!
//! Ids are UUID v5 under [`NAMESPACE`], derived from our id, so an export is
//! stable and the same resource always gets the same HSDS ids. A UUID v5
//! cannot be turned back into our id, so our id also travels as an
//! `organization_identifier` of type [`ID_TYPE`]: HSDS intends that table for
//! identifiers a third party (here, witgis) gives the organization.
//!
//! Fields HSDS has no column for (category, country, coordinate precision,
//! topics, target groups, access, cost, source, and a status other than open
//! with its days, move and alerts) travel as `attributes` of the service, one
//! per value, whose `taxonomy_term` names the witgis property (`code`) in the
//! `witgis` taxonomy, with the value in `value` (the alerts as their JSON
//! text). HSDS's own `status` and `alert` say the same for HSDS readers.
//!
//! The category and topics are also terms of two HSDS taxonomies
//! ([`Taxonomy`]), tied to the service by one more attribute each, so that
//! HSDS readers can filter by `taxonomy_term_id`; reading ignores those.

use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{FieldError, ReadError};
use crate::model::{Resource, ServiceStatus, hours};

/// The fixed namespace of every HSDS id witgis derives.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5d0c_4a4e_9b7e_4f4b_8a51_7769_7467_6973);

/// The `identifier_type` of the organization identifier holding our id.
pub const ID_TYPE: &str = "witgis resource id";

/// The HSDS version written and read.
pub const VERSION: &str = "3.0";

/// The taxonomy of the terms that name witgis properties.
const TAXONOMY: &str = "witgis";

/// Properties carried as attributes, in the order written.
const ATTRIBUTE_FIELDS: &[&str] = &[
    "category",
    "country",
    "coord_precision",
    "topics",
    "target_groups",
    "access",
    "cost",
    "source",
    "status",
    "status_since",
    "status_until",
    "moved_to",
    "moved_address",
    "alerts",
];

/// Of those, the ones holding a JSON document, carried as its JSON text.
const JSON_FIELDS: &[&str] = &["alerts"];

/// Of those, the ones holding a list.
const LIST_FIELDS: &[&str] = &["topics", "target_groups"];

/// The HSDS `status` of a record's status: open is `active`, a temporary
/// closure `temporarily closed`, a closure `defunct`, a move `inactive`
/// (the service goes on at its new place, another record). The days of a
/// closure are in the record, not in HSDS's status.
fn hsds_status(r: &Resource) -> &'static str {
    match r.status {
        ServiceStatus::Open => "active",
        ServiceStatus::TemporarilyClosed => "temporarily closed",
        ServiceStatus::Closed => "defunct",
        ServiceStatus::Moved => "inactive",
    }
}

/// The HSDS id of one object of a resource, e.g. `("service", "it-rm-csm-x")`.
pub fn object_id(kind: &str, resource_id: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{kind}/{resource_id}").as_bytes())
}

/// The HSDS service id of a resource.
pub fn service_id(resource_id: &str) -> String {
    object_id("service", resource_id).to_string()
}

/// The resource as a compiled HSDS service. `area_name` gives the name of a
/// served area by its id, when known.
pub fn compiled_service(r: &Resource, area_name: impl Fn(&str) -> Option<String>) -> Value {
    let props = super::geojson::feature(r, []).get("properties").cloned().unwrap_or(Value::Null);
    let id = |kind: &str| object_id(kind, &r.id).to_string();
    let service = id("service");
    let organization = id("organization");

    let mut s = Map::new();
    s.insert("id".into(), json!(service));
    s.insert("organization_id".into(), json!(organization));
    s.insert("name".into(), json!(r.name));
    put(&mut s, "alternate_name", r.name_en.as_deref());
    put(&mut s, "description", r.description.as_deref());
    put(&mut s, "url", r.website.as_deref());
    put(&mut s, "email", r.email.as_deref());
    s.insert("status".into(), json!(hsds_status(r)));
    if !r.alerts.is_empty() {
        let alerts: Vec<String> = r.alerts.iter().map(crate::model::Alert::describe).collect();
        s.insert("alert".into(), json!(alerts.join("; ")));
    }
    if let Some(d) = r.last_verified {
        s.insert("assured_date".into(), json!(d.format("%Y-%m-%d").to_string()));
    }

    let phones: Vec<Value> =
        r.phone.iter().map(|n| json!({ "id": id("phone"), "service_id": service, "number": n })).collect();
    s.insert("phones".into(), Value::Array(phones));
    s.insert("schedules".into(), Value::Array(schedules(r, &service)));
    let areas: Vec<Value> = r
        .serves_areas
        .iter()
        .map(|a| {
            let mut o = Map::new();
            o.insert("id".into(), json!(object_id("service_area", &format!("{}/{a}", r.id)).to_string()));
            o.insert("service_id".into(), json!(service));
            put(&mut o, "name", area_name(a).as_deref());
            o.insert("uri".into(), json!(area_uri(a)));
            Value::Object(o)
        })
        .collect();
    s.insert("service_areas".into(), Value::Array(areas));
    s.insert("service_at_locations".into(), Value::Array(location(r, &service, &organization)));
    let languages: Vec<Value> = r
        .languages
        .iter()
        .map(|code| {
            json!({
                "id": object_id("language", &format!("{}/{code}", r.id)).to_string(),
                "service_id": service,
                "code": code,
            })
        })
        .collect();
    s.insert("languages".into(), Value::Array(languages));

    let mut o = Map::new();
    o.insert("id".into(), json!(organization));
    o.insert("name".into(), json!(r.name));
    put(&mut o, "alternate_name", r.name_en.as_deref());
    // Required by the schema; empty when we have no description.
    o.insert("description".into(), json!(r.description.as_deref().unwrap_or("")));
    put(&mut o, "website", r.website.as_deref());
    put(&mut o, "email", r.email.as_deref());
    o.insert(
        "organization_identifiers".into(),
        json!([{
            "id": id("organization_identifier"),
            "organization_id": organization,
            "identifier_type": ID_TYPE,
            "identifier": r.id,
        }]),
    );
    s.insert("organization".into(), Value::Object(o));
    let mut attributes = attributes(r, &service, &props);
    attributes.extend(taxonomy_attributes(r, &service));
    s.insert("attributes".into(), Value::Array(attributes));
    Value::Object(s)
}

/// The URI that names a served area: `urn:witgis:area:<id>`.
fn area_uri(area_id: &str) -> String {
    format!("urn:witgis:area:{area_id}")
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        map.insert(key.into(), json!(v));
    }
}

/// Whether the resource has an HSDS location (and service_at_location): a
/// point or any part of an address.
pub fn has_location(r: &Resource) -> bool {
    r.location.is_some() || r.address.is_some() || r.city.is_some() || r.postcode.is_some()
}

/// The service_at_location with its physical location, when the resource has
/// a point or an address.
fn location(r: &Resource, service: &str, organization: &str) -> Vec<Value> {
    if !has_location(r) {
        return Vec::new();
    }
    let location = object_id("location", &r.id).to_string();
    let mut l = Map::new();
    l.insert("id".into(), json!(location));
    l.insert("location_type".into(), json!("physical"));
    l.insert("organization_id".into(), json!(organization));
    l.insert("name".into(), json!(r.name));
    if let Some(p) = r.location {
        l.insert("latitude".into(), json!(p.lat));
        l.insert("longitude".into(), json!(p.lon));
    }
    // address_1, city, state_province and postal_code are required by the
    // schema: empty strings stand for "not known".
    let address = json!({
        "id": object_id("address", &r.id).to_string(),
        "location_id": location,
        "address_1": r.address.as_deref().unwrap_or(""),
        "city": r.city.as_deref().unwrap_or(""),
        "state_province": "",
        "postal_code": r.postcode.as_deref().unwrap_or(""),
        "country": r.country.as_str(),
        "address_type": "physical",
    });
    l.insert("addresses".into(), json!([address]));
    vec![json!({
        "id": object_id("service_at_location", &r.id).to_string(),
        "service_id": service,
        "location_id": location,
        "location": Value::Object(l),
    })]
}

/// One attribute per value of each property HSDS has no column for.
fn attributes(r: &Resource, service: &str, props: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for field in ATTRIBUTE_FIELDS {
        let json_text: String;
        let values: Vec<&str> = match props.get(*field) {
            // Open is every record's default: said by HSDS's `status` alone.
            Some(Value::String(s)) if *field == "status" && s == "open" => Vec::new(),
            Some(Value::String(s)) => vec![s.as_str()],
            Some(v @ Value::Array(items)) if JSON_FIELDS.contains(field) => {
                if items.is_empty() {
                    Vec::new()
                } else {
                    json_text = v.to_string();
                    vec![json_text.as_str()]
                }
            }
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let term = object_id("taxonomy_term", field).to_string();
        for (i, value) in values.into_iter().enumerate() {
            out.push(json!({
                "id": object_id("attribute", &format!("{}/{field}/{i}", r.id)).to_string(),
                "link_id": service,
                "link_type": field,
                "link_entity": "service",
                "taxonomy_term_id": term,
                "value": value,
                "taxonomy_term": {
                    "id": term,
                    "code": field,
                    "name": field,
                    "description": format!("The witgis property '{field}' (see the witgis data format)."),
                    "taxonomy": TAXONOMY,
                },
            }));
        }
    }
    out
}

/// One weekly rule: days (0 = Monday) and the intervals open on them.
struct Rule {
    days: Vec<usize>,
    intervals: Vec<(String, String)>,
}

const BYDAY: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const OSM_DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

/// Reads the plain weekly subset of `opening_hours`: `24/7`, or rules such
/// as `Mo-Fr 08:00-13:00,14:00-18:00; Sa 09:00-12:00`, each day named once
/// and each interval within one day. Anything else (holidays, months, weeks,
/// overnight spans, comments, `off`, overriding rules) is `None`.
fn weekly(text: &str) -> Option<Vec<Rule>> {
    if text.trim() == "24/7" {
        return Some(vec![Rule {
            days: (0..7).collect(),
            intervals: vec![("00:00".into(), "24:00".into())],
        }]);
    }
    let mut seen = [false; 7];
    let mut rules = Vec::new();
    for part in text.split(';') {
        let (days_text, times_text) = part.trim().split_once(' ')?;
        let mut days = Vec::new();
        for item in days_text.split(',') {
            let day = |d: &str| OSM_DAYS.iter().position(|x| *x == d);
            match item.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a)?, day(b)?);
                    if a > b {
                        return None;
                    }
                    days.extend(a..=b);
                }
                None => days.push(day(item)?),
            }
        }
        for &d in &days {
            if seen[d] {
                return None;
            }
            seen[d] = true;
        }
        days.sort_unstable();
        let mut intervals = Vec::new();
        for span in times_text.trim().split(',') {
            let (a, b) = span.split_once('-')?;
            let (ma, mb) = (minutes(a)?, minutes(b)?);
            if ma >= mb || mb > 24 * 60 {
                return None;
            }
            intervals.push((a.to_owned(), b.to_owned()));
        }
        rules.push(Rule { days, intervals });
    }
    Some(rules)
}

/// `HH:MM` as minutes after midnight.
fn minutes(t: &str) -> Option<u32> {
    let (h, m) = t.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 24 && m < 60 && (h < 24 || m == 0)).then_some(h * 60 + m)
}

/// The resource's opening hours as HSDS schedules: one weekly schedule per
/// rule and interval where HSDS can say it, else one schedule holding the
/// text. Every schedule keeps the original text in `description`.
///
/// Times are local wall-clock times in the country's zone, named in `notes`.
/// HSDS 3.0's `timezone` is one fixed UTC offset, which would be wrong for
/// half the year in zones with summer time, so it is not written.
fn schedules(r: &Resource, service: &str) -> Vec<Value> {
    let Some(text) = r.opening_hours.as_deref() else { return Vec::new() };
    let zone = hours::time_zone(r.country);
    let sid = |i: usize| object_id("schedule", &format!("{}/{i}", r.id)).to_string();
    match weekly(text) {
        Some(rules) => {
            let mut out = Vec::new();
            for rule in rules {
                let byday: Vec<&str> = rule.days.iter().map(|&d| BYDAY[d]).collect();
                for (opens, closes) in rule.intervals {
                    out.push(json!({
                        "id": sid(out.len()),
                        "service_id": service,
                        "freq": "WEEKLY",
                        "wkst": "MO",
                        "byday": byday.join(","),
                        "opens_at": opens,
                        "closes_at": closes,
                        "description": text,
                        "notes": format!("Local time in {}.", zone.name()),
                    }));
                }
            }
            out
        }
        None => vec![json!({
            "id": sid(0),
            "service_id": service,
            "description": text,
            "notes": format!(
                "OpenStreetMap opening_hours syntax, local time in {}; not expressible as HSDS weekly rules.",
                zone.name()
            ),
        })],
    }
}

/// Reads resources back from an export: a JSON array of compiled services.
/// All or nothing; each bad service is named with its field.
pub fn read(text: &str) -> Result<Vec<Resource>, ReadError> {
    let parsed: Value =
        serde_json::from_str(text).map_err(|e| ReadError::File(format!("not valid JSON: {e}")))?;
    let Value::Array(services) = parsed else {
        return Err(ReadError::File("expected a JSON array of HSDS compiled services".into()));
    };
    let mut collector = super::Collector::new();
    for (i, s) in services.iter().enumerate() {
        let (id, result) = resource_from_service(s);
        collector.push(i + 1, id, result);
    }
    collector.finish()
}

/// One compiled service as a resource, with our id when it was readable.
pub fn resource_from_service(s: &Value) -> (Option<String>, Result<Resource, Vec<FieldError>>) {
    let fail = |field: &str, reason: &str| vec![FieldError { field: field.into(), reason: reason.into() }];
    let our_id = s["organization"]["organization_identifiers"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["identifier_type"] == ID_TYPE)
        .and_then(|i| i["identifier"].as_str())
        .map(str::to_owned);
    let Some(id) = our_id else {
        return (
            None,
            Err(fail(
                "organization.organization_identifiers",
                &format!("needs an identifier of type '{ID_TYPE}' naming the witgis id"),
            )),
        );
    };
    let mut p = Map::new();
    p.insert("id".into(), json!(id));
    let copy = |p: &mut Map<String, Value>, from: &Value, key: &str, to: &str| {
        if let Some(v) = from.get(key).filter(|v| !v.is_null()) {
            if v.as_str() != Some("") {
                p.insert(to.into(), v.clone());
            }
        }
    };
    copy(&mut p, s, "name", "name");
    copy(&mut p, s, "alternate_name", "name_en");
    copy(&mut p, s, "description", "description");
    copy(&mut p, s, "url", "website");
    copy(&mut p, s, "email", "email");
    copy(&mut p, s, "assured_date", "last_verified");
    if let Some(phone) = s["phones"].get(0) {
        copy(&mut p, phone, "number", "phone");
    }
    let languages: Vec<Value> =
        s["languages"].as_array().into_iter().flatten().filter_map(|l| l.get("code").cloned()).collect();
    if !languages.is_empty() {
        p.insert("languages".into(), Value::Array(languages));
    }
    if let Some(schedule) = s["schedules"].get(0) {
        copy(&mut p, schedule, "description", "opening_hours");
    }
    let mut areas = Vec::new();
    for (i, a) in s["service_areas"].as_array().into_iter().flatten().enumerate() {
        match a["uri"].as_str().and_then(|u| u.strip_prefix("urn:witgis:area:")) {
            Some(area) => areas.push(json!(area)),
            None => {
                return (
                    Some(id),
                    Err(fail(&format!("service_areas[{i}].uri"), "must be urn:witgis:area:<area id>")),
                );
            }
        }
    }
    if !areas.is_empty() {
        p.insert("serves_areas".into(), Value::Array(areas));
    }
    let mut point = None;
    if let Some(l) = s["service_at_locations"].get(0).map(|sal| &sal["location"]) {
        if let (Some(lat), Some(lon)) = (l["latitude"].as_f64(), l["longitude"].as_f64()) {
            point = Some([lon, lat]);
        }
        if let Some(a) = l["addresses"].get(0) {
            copy(&mut p, a, "address_1", "address");
            copy(&mut p, a, "city", "city");
            copy(&mut p, a, "postal_code", "postcode");
        }
    }
    for a in s["attributes"].as_array().into_iter().flatten() {
        let (Some(field), Some(value)) = (a["taxonomy_term"]["code"].as_str(), a.get("value")) else {
            continue;
        };
        if a["taxonomy_term"]["taxonomy"] != TAXONOMY || !ATTRIBUTE_FIELDS.contains(&field) {
            continue;
        }
        if LIST_FIELDS.contains(&field) {
            let list = p.entry(field).or_insert_with(|| json!([]));
            if let Value::Array(items) = list {
                items.push(value.clone());
            }
        } else {
            p.insert(field.into(), value.clone());
        }
    }
    let result = Resource::from_properties(&p, point).map_err(|e| e.0);
    (Some(id), result)
}

/// Writes resources as a JSON array of compiled services, one per line.
pub fn write<'a, W: std::io::Write>(
    mut out: W,
    resources: impl IntoIterator<Item = &'a Resource>,
    area_name: impl Fn(&str) -> Option<String>,
) -> std::io::Result<()> {
    out.write_all(b"[\n")?;
    for (i, r) in resources.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut out, &compiled_service(r, &area_name))?;
    }
    out.write_all(b"\n]\n")?;
    out.flush()
}

/// One of the two HSDS taxonomies witgis publishes: its closed vocabularies
/// of categories and of topics, one term per word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taxonomy {
    /// What kind of place or programme a resource is (one per resource).
    Category,
    /// The needs a resource answers (any number per resource).
    Topic,
}

impl Taxonomy {
    /// Both, in the order listed.
    pub const ALL: [Taxonomy; 2] = [Taxonomy::Category, Taxonomy::Topic];

    /// The witgis property the taxonomy's terms are values of.
    pub fn property(self) -> &'static str {
        match self {
            Taxonomy::Category => "category",
            Taxonomy::Topic => "topics",
        }
    }

    /// The taxonomy's HSDS id.
    pub fn id(self) -> Uuid {
        object_id("taxonomy", self.property())
    }

    /// Its name, also each term's `taxonomy`.
    pub fn name(self) -> &'static str {
        match self {
            Taxonomy::Category => "witgis categories",
            Taxonomy::Topic => "witgis topics",
        }
    }

    /// The codes of its terms, in the order listed (categories as the map's
    /// legend lists them).
    pub fn codes(self) -> Vec<&'static str> {
        match self {
            Taxonomy::Category => crate::model::Category::LEGEND.iter().map(|c| c.as_str()).collect(),
            Taxonomy::Topic => crate::model::Topic::ALL.iter().map(|t| t.as_str()).collect(),
        }
    }

    /// The HSDS taxonomy object.
    pub fn object(self) -> Value {
        let description = match self {
            Taxonomy::Category => {
                "What kind of place or programme a witgis resource is: the closed list of values of its \
                 'category' property; each resource has exactly one."
            }
            Taxonomy::Topic => {
                "The needs a witgis resource answers: the closed list of values of its 'topics' property; \
                 a resource has any number of them."
            }
        };
        json!({
            "id": self.id().to_string(),
            "name": self.name(),
            "description": description,
            "version": VERSION_OF_TAXONOMIES,
        })
    }

    /// The HSDS id of one of its terms.
    pub fn term_id(self, code: &str) -> Uuid {
        object_id("taxonomy_term", &format!("{}/{code}", self.property()))
    }

    /// The HSDS taxonomy_term object of one code, with its taxonomy.
    pub fn term(self, code: &str) -> Value {
        let mut name = code.replace('_', " ");
        if let Some(first) = name.get(..1) {
            name = first.to_uppercase() + &name[1..];
        }
        json!({
            "id": self.term_id(code).to_string(),
            "code": code,
            "name": name,
            "description": format!("Resources whose witgis '{}' property holds '{code}'.", self.property()),
            "taxonomy": self.name(),
            "taxonomy_id": self.id().to_string(),
            "taxonomy_detail": self.object(),
        })
    }

    /// The codes of this taxonomy a resource has.
    pub fn codes_of(self, r: &Resource) -> Vec<&'static str> {
        match self {
            Taxonomy::Category => vec![r.category.as_str()],
            Taxonomy::Topic => r.topics.iter().map(|t| t.as_str()).collect(),
        }
    }
}

/// The `version` of both taxonomies: the witgis data format they follow.
const VERSION_OF_TAXONOMIES: &str = "witgis 1";

/// The attributes tying a service to its terms in the two taxonomies: its
/// category, then each topic.
fn taxonomy_attributes(r: &Resource, service: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for t in Taxonomy::ALL {
        for code in t.codes_of(r) {
            out.push(json!({
                "id": object_id("attribute", &format!("{}/{}/{code}", r.id, t.name())).to_string(),
                "link_id": service,
                "link_type": t.property(),
                "link_entity": "service",
                "taxonomy_term_id": t.term_id(code).to_string(),
                "taxonomy_term": t.term(code),
            }));
        }
    }
    out
}
