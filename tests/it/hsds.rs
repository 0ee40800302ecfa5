//! Open Referral HSDS 3.0 both ways: `witgis export --format hsds` of the
//! seed data validates against the official schemas (copied into
//! tests/fixtures/hsds), the `/hsds` API answers the same objects, paging
//! walks every service once, bad paging is a 400 problem, opening hours
//! become weekly schedules where HSDS can say them, and export -> import ->
//! export is byte-identical.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Command, Output};

use axum::http::StatusCode;
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{Map, Value, json};
use witgis::formats::hsds;
use witgis::model::Resource;

const SCHEMAS: &str = "tests/fixtures/hsds";

/// Resolves `$ref`s such as `phone.json` to the copied schema files only.
struct FixtureSchemas;

impl Retrieve for FixtureSchemas {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.as_str().rsplit('/').next().unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(Path::new(SCHEMAS).join(&name))
            .map_err(|e| format!("{SCHEMAS}/{name} ({uri}): {e}"))?;
        Ok(serde_json::from_str(&text)?)
    }
}

fn validator(file: &str) -> Validator {
    let text = std::fs::read_to_string(Path::new(SCHEMAS).join(file)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_base_uri(format!("https://hsds.invalid/schema/{file}"))
        .with_retriever(FixtureSchemas)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// Every schema violation of `value`, as text.
fn violations(v: &Validator, value: &Value) -> Vec<String> {
    v.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

/// The nested objects of a compiled service, each with the schema it must meet.
fn nested(service: &Value) -> Vec<(&'static str, Value)> {
    let mut out = vec![("organization.json", service["organization"].clone())];
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    for o in list(&service["organization"]["organization_identifiers"]) {
        out.push(("organization_identifier.json", o));
    }
    for (key, file) in [
        ("phones", "phone.json"),
        ("schedules", "schedule.json"),
        ("service_areas", "service_area.json"),
        ("languages", "language.json"),
        ("attributes", "attribute.json"),
    ] {
        for o in list(&service[key]) {
            if key == "attributes" {
                out.push(("taxonomy_term.json", o["taxonomy_term"].clone()));
            }
            out.push((file, o));
        }
    }
    for sal in list(&service["service_at_locations"]) {
        let location = sal["location"].clone();
        for a in list(&location["addresses"]) {
            out.push(("address.json", a));
        }
        out.push(("location.json", location));
        out.push(("service_at_location.json", sal));
    }
    out
}

fn witgis(args: &[&str], db: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_witgis"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn export(db: &Path) -> Vec<u8> {
    let out = witgis(&["export", "--format", "hsds"], db);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The seed resources' ids, read straight from data/resources.geojson.
fn seed_ids() -> Vec<String> {
    let fc: Value =
        serde_json::from_str(&std::fs::read_to_string("data/resources.geojson").unwrap()).unwrap();
    let mut ids: Vec<String> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn get(app: &axum::Router, uri: &str) -> (StatusCode, String, Value) {
    let a = common::router::get(app, uri, &[]).await;
    (a.status, a.content_type(), a.json())
}

/// The exported services by id.
fn by_id(export: &[u8]) -> BTreeMap<String, Value> {
    let services: Vec<Value> = serde_json::from_slice(export).unwrap();
    services.into_iter().map(|s| (s["id"].as_str().unwrap().to_owned(), s)).collect()
}

#[tokio::test]
async fn the_seed_export_validates_against_the_official_schemas() {
    let (_app, _state, dir) = common::seeded_app().await;
    let services = by_id(&export(&dir.path().join("test.db")));
    assert_eq!(services.len(), seed_ids().len());

    let service = validator("service.json");
    let compiled = validator("compiled-service.json");
    let mut schemas: BTreeMap<&str, Validator> = BTreeMap::new();
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    let mut errors = Vec::new();
    for (id, s) in &services {
        for v in [&service, &compiled] {
            errors.extend(violations(v, s).into_iter().map(|e| format!("service {id}: {e}")));
        }
        for (file, object) in nested(s) {
            let v = schemas.entry(file).or_insert_with(|| validator(file));
            errors.extend(violations(v, &object).into_iter().map(|e| format!("{file} in {id}: {e}")));
            *checked.entry(file).or_default() += 1;
        }
    }
    assert!(errors.is_empty(), "{} violations, e.g. {:#?}", errors.len(), &errors[..errors.len().min(10)]);
    // Every kind of object the issue names was exported and checked.
    for file in [
        "organization.json",
        "location.json",
        "service_at_location.json",
        "address.json",
        "phone.json",
        "schedule.json",
        "service_area.json",
    ] {
        assert!(checked.get(file).copied().unwrap_or(0) > 0, "no {file} object in the export: {checked:?}");
    }

    // The validator does check: a broken id and a missing required address
    // field are refused.
    let mut bad = services
        .values()
        .find(|s| s["service_at_locations"][0]["location"]["addresses"][0].is_object())
        .unwrap()
        .clone();
    bad["id"] = json!("it-rm-not-a-uuid");
    assert!(!violations(&service, &bad).is_empty());
    let mut bad_address = bad["service_at_locations"][0]["location"]["addresses"][0].clone();
    bad_address.as_object_mut().unwrap().remove("postal_code");
    assert!(!violations(schemas.get("address.json").unwrap(), &bad_address).is_empty());
}

#[tokio::test]
async fn the_api_answers_the_export_and_pages_walk_every_service_once() {
    let (app, _state, dir) = common::seeded_app().await;
    let exported = by_id(&export(&dir.path().join("test.db")));

    let (status, _, root) = get(&app, "/hsds/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(root["version"], "3.0");

    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let (status, _, body) = get(&app, &format!("/hsds/services?page={page}&per_page=7")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["page_number"], page);
        assert_eq!(body["total_items"], exported.len());
        assert_eq!(body["total_pages"], exported.len().div_ceil(7));
        assert_eq!(body["first_page"], page == 1);
        let contents = body["contents"].as_array().unwrap();
        assert_eq!(body["size"], contents.len());
        assert_eq!(body["empty"], contents.is_empty());
        for s in contents {
            let id = s["id"].as_str().unwrap().to_owned();
            assert_eq!(Some(s), exported.get(&id), "service {id} differs from the export");
            seen.push(id);
        }
        if body["last_page"] == true {
            break;
        }
        assert_eq!(contents.len(), 7);
        page += 1;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a service was listed twice");
    let mut expected: Vec<String> = seed_ids().iter().map(|id| hsds::service_id(id)).collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "paging skipped or invented services");

    // One service by id is the exported one.
    let (id, service) = exported.iter().next().unwrap();
    let (status, _, body) = get(&app, &format!("/hsds/services/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(&body, service);
}

#[tokio::test]
async fn bad_paging_and_ids_are_problems_a_person_can_act_on() {
    let (app, _state, _dir) = common::seeded_app().await;
    for (query, param) in [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("page=-1", "page"),
        ("page=1000", "page"),
        ("per_page=0", "per_page"),
        ("per_page=501", "per_page"),
        ("per_page=ten", "per_page"),
        ("colour=red", "colour"),
    ] {
        let (status, content_type, body) = get(&app, &format!("/hsds/services?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(content_type, "application/problem+json", "{query}");
        assert!(body.to_string().contains(param), "{query}: the problem does not name {param}: {body}");
    }
    let (status, content_type, _) = get(&app, "/hsds/services/not-a-uuid").await;
    assert_eq!((status, content_type.as_str()), (StatusCode::BAD_REQUEST, "application/problem+json"));
    let unknown = uuid::Uuid::nil();
    let (status, content_type, _) = get(&app, &format!("/hsds/services/{unknown}")).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::NOT_FOUND, "application/problem+json"));
}

fn with_hours(id: &str, hours: &str) -> Resource {
    let props = json!({
        "id": id, "name": "Night café", "category": "day_centre", "country": "DE",
        "city": "Berlin", "opening_hours": hours, "coord_precision": "street",
    });
    let Value::Object(map) = props else { unreachable!() };
    Resource::from_properties(&map, Some([13.4, 52.5])).unwrap()
}

fn schedules(hours: &str) -> Vec<Map<String, Value>> {
    let r = with_hours("de-b-test", hours);
    let s = hsds::compiled_service(&r, |_| None);
    let v = validator("schedule.json");
    let out: Vec<Map<String, Value>> =
        s["schedules"].as_array().unwrap().iter().map(|o| o.as_object().unwrap().clone()).collect();
    for o in &out {
        assert!(violations(&v, &Value::Object(o.clone())).is_empty(), "{o:?}");
        assert_eq!(o["description"], hours, "the original text is kept");
    }
    out
}

#[test]
fn hours_hsds_can_say_become_weekly_schedules_and_others_stay_text() {
    // The FrauenNachtCafé's published hours: Wednesday, Friday, Saturday
    // 18:00 to midnight, Berlin time.
    let s = schedules("We,Fr,Sa 18:00-24:00");
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["freq"], "WEEKLY");
    assert_eq!(s[0]["byday"], "WE,FR,SA");
    assert_eq!(s[0]["opens_at"], "18:00");
    assert_eq!(s[0]["closes_at"], "24:00");
    assert!(s[0]["notes"].as_str().unwrap().contains("Europe/Berlin"));

    // Split day: one schedule per interval, same days.
    let s = schedules("Mo-Fr 09:00-13:00,14:00-17:30; Sa 10:00-12:00");
    let got: Vec<(String, String, String)> = s
        .iter()
        .map(|o| {
            (
                o["byday"].as_str().unwrap().into(),
                o["opens_at"].as_str().unwrap().into(),
                o["closes_at"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want = [
        ("MO,TU,WE,TH,FR", "09:00", "13:00"),
        ("MO,TU,WE,TH,FR", "14:00", "17:30"),
        ("SA", "10:00", "12:00"),
    ];
    assert_eq!(got, want.map(|(a, b, c)| (a.to_owned(), b.to_owned(), c.to_owned())));

    // Holidays, overnight spans and months are not weekly rules: text only.
    for text in ["Mo-Fr 09:00-13:00; PH off", "Fr 22:00-02:00", "Jan-Jun Mo 10:00-12:00"] {
        let s = schedules(text);
        assert_eq!(s.len(), 1, "{text}");
        assert!(!s[0].contains_key("byday") && !s[0].contains_key("opens_at"), "{text}: {:?}", s[0]);
    }
}

#[tokio::test]
async fn export_import_export_is_byte_identical() {
    let (_app, _state, dir) = common::seeded_app().await;
    let first = export(&dir.path().join("test.db"));
    let file = dir.path().join("export.hsds.json");
    std::fs::write(&file, &first).unwrap();

    let fresh = dir.path().join("fresh.db");
    let out = witgis(&["import", "--format", "hsds", file.to_str().unwrap()], &fresh);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The first store, a fresh install, holds Rome's municipi (issue 35),
    // whose names the export gives: the second gets the same areas.
    let out = witgis(&["import-areas", "data/rome-municipi.geojson"], &fresh);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let second = export(&fresh);
    assert!(first == second, "the second export differs from the first");
}

#[tokio::test]
async fn a_bad_service_is_named_with_its_field_and_nothing_is_imported() {
    let (_app, _state, dir) = common::seeded_app().await;
    let mut services: Vec<Value> = serde_json::from_slice(&export(&dir.path().join("test.db"))).unwrap();
    services[2]["email"] = json!("not an address");
    services[4]["organization"]["organization_identifiers"] = json!([]);
    let file = dir.path().join("bad.json");
    std::fs::write(&file, serde_json::to_vec(&services).unwrap()).unwrap();

    let fresh = dir.path().join("fresh.db");
    let out = witgis(&["import", "--format", "hsds", file.to_str().unwrap()], &fresh);
    assert!(!out.status.success());
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(report.contains("feature 3") && report.contains("email"), "{report}");
    assert!(report.contains("feature 5") && report.contains("organization_identifiers"), "{report}");
    let exported: Vec<Value> = serde_json::from_slice(&export(&fresh)).unwrap();
    assert!(exported.is_empty(), "something was imported");
}

/// A record's status becomes HSDS's `status` (the schema's enum) and its
/// alerts the `alert` text, each with its days; the service still validates.
#[test]
fn status_and_alerts_become_hsds_status_and_alert() {
    let (service, compiled) = (validator("service.json"), validator("compiled-service.json"));
    for (status, extra, expected) in [
        ("open", json!({}), "active"),
        (
            "temporarily_closed",
            json!({"status_since": "2026-03-01", "status_until": "2026-03-31"}),
            "temporarily closed",
        ),
        ("closed", json!({"status_since": "2024-10-15"}), "defunct"),
        ("moved", json!({"moved_address": "Via Roma 1, Roma"}), "inactive"),
    ] {
        let mut props = json!({"id": "it-rm-spdc-x", "name": "SPDC X", "category": "mental_health_centre",
                               "country": "IT", "status": status,
                               "alerts": [{"kind": "admissions_suspended", "since": "2026-04-15",
                                           "note": "lavori in corso"}]});
        if let (Some(p), Value::Object(e)) = (props.as_object_mut(), extra) {
            p.extend(e);
        }
        let r = Resource::from_properties(props.as_object().unwrap(), None).unwrap();
        let s = hsds::compiled_service(&r, |_| None);
        assert_eq!(s["status"], expected);
        assert_eq!(s["alert"], "admissions suspended since 2026-04-15: lavori in corso");
        for v in [&service, &compiled] {
            assert!(violations(v, &s).is_empty(), "{status}: {:?}", violations(v, &s));
        }
    }
}
