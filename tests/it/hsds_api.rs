//! The HSDS 3.0 API as Open Referral's validator walks it: the root, each
//! list's first, middle and last page (every variant: minimal, one-to-one,
//! full) and each `/{id}` taken from `contents[0].id`, validated against the
//! official schemas copied into tests/fixtures/hsds (the oracle, not our
//! code); the filters against an independent reading of
//! data/resources.geojson; bad parameters as problems naming them; and
//! `Access-Control-Allow-Origin: *` on the public reads and never on writes
//! or the demand log.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{Value, json};

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

fn build(schema: &Value, name: &str) -> Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_base_uri(format!("https://hsds.invalid/schema/{name}"))
        .with_retriever(FixtureSchemas)
        .build(schema)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_json(path: impl AsRef<Path>) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The official schemas: each object's, and from the specification's
/// openapi.json the root answer and the paging envelope (`Page`).
struct Schemas(BTreeMap<&'static str, Validator>);

impl Schemas {
    fn load() -> Schemas {
        let mut out = BTreeMap::new();
        for file in [
            "service.json",
            "compiled-service.json",
            "organization.json",
            "service_at_location.json",
            "location.json",
            "taxonomy.json",
            "taxonomy_term.json",
        ] {
            out.insert(file, build(&read_json(Path::new(SCHEMAS).join(file)), file));
        }
        let openapi = read_json(Path::new(SCHEMAS).join("openapi.json"));
        let root = &openapi["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        out.insert("root", build(root, "root.json"));
        out.insert("Page", build(&openapi["components"]["schemas"]["Page"], "page.json"));
        Schemas(out)
    }

    /// Every violation of `schema` by `value`, as text naming `what`.
    fn check(&self, schema: &str, value: &Value, what: &str) -> Vec<String> {
        self.0[schema]
            .iter_errors(value)
            .map(|e| format!("{what} ({schema}): {e} at {}", e.instance_path))
            .collect()
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn send(app: &axum::Router, request: Request<Body>) -> Reply {
    let a = common::router::send(app, request).await;
    let body = a.json();
    Reply { status: a.status, headers: a.headers, body }
}

async fn get(app: &axum::Router, uri: &str) -> Reply {
    send(
        app,
        Request::get(uri).header(header::ORIGIN, "https://validator.invalid").body(Body::empty()).unwrap(),
    )
    .await
}

/// A 200 answer's body.
async fn ok(app: &axum::Router, uri: &str) -> Value {
    let reply = get(app, uri).await;
    assert_eq!(reply.status, StatusCode::OK, "GET {uri}: {}", reply.body);
    reply.body
}

/// The schema of one list's items, and of its `/{id}` answer.
fn item_schema(list: &str) -> &'static str {
    match list {
        "services" => "service.json",
        "organizations" => "organization.json",
        "service_at_locations" => "service_at_location.json",
        "taxonomies" => "taxonomy.json",
        "taxonomy_terms" => "taxonomy_term.json",
        _ => unreachable!(),
    }
}

/// The nested objects our answers add that the item's own schema lets
/// through unchecked (extra members): organizations' services and
/// service_at_locations' service and location.
fn nested_checks(schemas: &Schemas, list: &str, item: &Value, what: &str) -> Vec<String> {
    let mut errors = Vec::new();
    if list == "organizations" {
        for s in item["services"].as_array().into_iter().flatten() {
            errors.extend(schemas.check("service.json", s, &format!("{what}.services[]")));
        }
    }
    if list == "service_at_locations" {
        if item["service"].is_object() {
            errors.extend(schemas.check("service.json", &item["service"], &format!("{what}.service")));
            errors.extend(schemas.check(
                "compiled-service.json",
                &item["service"],
                &format!("{what}.service"),
            ));
        }
        if item["location"].is_object() {
            errors.extend(schemas.check("location.json", &item["location"], &format!("{what}.location")));
        }
    }
    errors
}

/// The envelope's own promises: its counts agree with its contents.
fn envelope_agrees(body: &Value, page: u64, per_page: u64, what: &str) {
    let contents = body["contents"].as_array().unwrap();
    let total = body["total_items"].as_u64().unwrap();
    assert_eq!(body["total_pages"], total.div_ceil(per_page), "{what}");
    assert_eq!(body["page_number"], page, "{what}");
    assert_eq!(body["size"], contents.len(), "{what}");
    assert_eq!(body["empty"], contents.is_empty(), "{what}");
    assert_eq!(body["first_page"], page == 1, "{what}");
    assert_eq!(body["last_page"], page == total.div_ceil(per_page).max(1), "{what}");
    let expected = total.saturating_sub((page - 1) * per_page).min(per_page);
    assert_eq!(contents.len() as u64, expected, "{what}: page length");
}

#[tokio::test]
async fn every_endpoint_page_and_item_validates_against_the_official_schemas() {
    let (app, _state, _dir) = common::seeded_app().await;
    let schemas = Schemas::load();
    let mut errors = Vec::new();

    let root = ok(&app, "/hsds/").await;
    errors.extend(schemas.check("root", &root, "/hsds/"));
    assert_eq!(root["version"], "3.0");
    assert!(root["openapi_url"].as_str().is_some_and(|u| u.starts_with("https://")), "{root}");

    // (list, variant query, per_page): small pages, so that there is a
    // first, a middle and a last page.
    let variants: &[(&str, &str, u64)] = &[
        ("services", "", 40),
        ("services", "full=true", 40),
        ("services", "full=false", 40),
        ("services", "minimal=true", 40),
        ("organizations", "", 40),
        ("organizations", "full=true", 40),
        ("organizations", "full_service=true", 40),
        ("service_at_locations", "", 40),
        ("service_at_locations", "full=true", 40),
        ("taxonomies", "", 1),
        ("taxonomy_terms", "", 7),
    ];
    let mut validated: BTreeMap<&str, usize> = BTreeMap::new();
    for &(list, variant, per_page) in variants {
        let first = ok(&app, &format!("/hsds/{list}?per_page={per_page}&{variant}")).await;
        let pages = first["total_pages"].as_u64().unwrap();
        assert!(pages >= 2, "{list}?{variant}: {pages} pages, too few to have a middle and a last");
        for page in BTreeSet::from([1, pages.div_ceil(2), pages]) {
            let uri = format!("/hsds/{list}?per_page={per_page}&page={page}&{variant}");
            let body = ok(&app, &uri).await;
            errors.extend(schemas.check("Page", &body, &uri));
            envelope_agrees(&body, page, per_page, &uri);
            for (i, item) in body["contents"].as_array().unwrap().iter().enumerate() {
                let what = format!("{uri} contents[{i}]");
                errors.extend(schemas.check(item_schema(list), item, &what));
                if list == "services" && !variant.contains("minimal") && !variant.contains("false") {
                    errors.extend(schemas.check("compiled-service.json", item, &what));
                }
                errors.extend(nested_checks(&schemas, list, item, &what));
                *validated.entry(list).or_default() += 1;
            }
            if variant.contains("minimal") {
                for item in body["contents"].as_array().unwrap() {
                    let keys: BTreeSet<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
                    assert_eq!(keys, BTreeSet::from(["id", "name", "status", "last_modified"]), "{uri}");
                }
            }
            // The validator's `/{id}` check: the first item's id.
            let id = body["contents"][0]["id"].as_str().unwrap();
            let uri = format!("/hsds/{list}/{id}");
            let one = ok(&app, &uri).await;
            assert_eq!(one["id"], id, "{uri}");
            errors.extend(schemas.check(item_schema(list), &one, &uri));
            if list == "services" {
                errors.extend(schemas.check("compiled-service.json", &one, &uri));
            }
            errors.extend(nested_checks(&schemas, list, &one, &uri));
            *validated.entry("/{id}").or_default() += 1;
        }
    }
    assert!(errors.is_empty(), "{} violations, e.g. {:#?}", errors.len(), &errors[..errors.len().min(10)]);
    for list in ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms", "/{id}"]
    {
        assert!(
            validated.get(list).copied().unwrap_or(0) > 0,
            "nothing of {list} was validated: {validated:?}"
        );
    }

    // The oracle does refuse: a service without its required status, an
    // envelope whose count is text.
    let mut bad = ok(&app, "/hsds/services?per_page=1").await;
    assert!(schemas.check("Page", &json!({"total_items": "many"}), "bad").len() == 1);
    bad["contents"][0].as_object_mut().unwrap().remove("status");
    assert!(!schemas.check("service.json", &bad["contents"][0], "bad").is_empty());
}

/// The seed records as data/resources.geojson has them, by our id.
fn seed() -> BTreeMap<String, Value> {
    let fc = read_json("data/resources.geojson");
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["id"].as_str().unwrap().to_owned(), f.clone()))
        .collect()
}

/// Our id of a compiled service: its organization identifier of witgis's type.
fn our_id(service: &Value) -> String {
    let ids = service["organization"]["organization_identifiers"].as_array().unwrap();
    let id = ids.iter().find(|i| i["identifier_type"] == "witgis resource id").unwrap();
    id["identifier"].as_str().unwrap().to_owned()
}

/// Every item of a list (all pages), with `query` added.
async fn all(app: &axum::Router, list: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1.. {
        let body = ok(app, &format!("/hsds/{list}?per_page=500&page={page}&{query}")).await;
        out.extend(body["contents"].as_array().unwrap().iter().cloned());
        if body["last_page"] == true {
            break;
        }
    }
    out
}

/// Our id of each HSDS service id, read once from the compiled services.
async fn our_ids(app: &axum::Router) -> BTreeMap<String, String> {
    all(app, "services", "").await.iter().map(|s| (s["id"].as_str().unwrap().to_owned(), our_id(s))).collect()
}

/// Our ids of the services a services query lists.
async fn service_ids(app: &axum::Router, ids: &BTreeMap<String, String>, query: &str) -> BTreeSet<String> {
    let listed = all(app, "services", &format!("minimal=true&{query}")).await;
    listed.iter().map(|s| ids[s["id"].as_str().unwrap()].clone()).collect()
}

/// Our ids of the records a service_at_locations query lists.
async fn sal_ids(app: &axum::Router, ids: &BTreeMap<String, String>, query: &str) -> BTreeSet<String> {
    let listed = all(app, "service_at_locations", query).await;
    listed.iter().map(|s| ids[s["service_id"].as_str().unwrap()].clone()).collect()
}

fn ids_where(seed: &BTreeMap<String, Value>, test: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    seed.iter().filter(|(_, f)| test(&f["properties"])).map(|(id, _)| id.clone()).collect()
}

/// Great-circle distance in metres (a sphere of the mean Earth radius).
fn haversine_m([lon1, lat1]: [f64; 2], [lon2, lat2]: [f64; 2]) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * a.sqrt().asin()
}

fn point(feature: &Value) -> Option<[f64; 2]> {
    let c = feature["geometry"]["coordinates"].as_array()?;
    Some([c[0].as_f64()?, c[1].as_f64()?])
}

#[tokio::test]
async fn filters_match_an_independent_reading_of_the_seed_data() {
    let (app, _state, _dir) = common::seeded_app().await;
    let seed = seed();
    let everyone: BTreeSet<String> = seed.keys().cloned().collect();
    let ids = our_ids(&app).await;
    assert_eq!(service_ids(&app, &ids, "").await, everyone, "the services are the seed records");

    // One service_at_location per record with a point or an address.
    let placed = seed
        .iter()
        .filter(|(_, f)| {
            let p = &f["properties"];
            !f["geometry"].is_null() || ["address", "city", "postcode"].iter().any(|k| p[*k].is_string())
        })
        .map(|(id, _)| id.clone())
        .collect();
    assert_eq!(sal_ids(&app, &ids, "").await, placed);

    // search: in the name, English name, description, address or city.
    for word in ["roma", "Psichiatr", "university"] {
        let needle = word.to_lowercase();
        let expected = ids_where(&seed, |p| {
            ["name", "name_en", "description", "address", "city"]
                .iter()
                .any(|k| p[*k].as_str().is_some_and(|v| v.to_lowercase().contains(&needle)))
        });
        assert!(!expected.is_empty() && expected.len() < seed.len(), "{word}: a poor probe");
        assert_eq!(service_ids(&app, &ids, &format!("search={word}")).await, expected, "search={word}");
        let placed_expected: BTreeSet<String> = expected.intersection(&placed).cloned().collect();
        assert_eq!(
            sal_ids(&app, &ids, &format!("search={word}")).await,
            placed_expected,
            "sal search={word}"
        );
        let orgs = all(&app, "organizations", &format!("full=true&search={word}")).await;
        let org_ids: BTreeSet<String> = orgs.iter().map(|o| our_id(&json!({"organization": o}))).collect();
        assert_eq!(org_ids, expected, "organizations search={word}");
    }

    // The terms: every category and topic of the seed is one, in its taxonomy.
    let taxonomies = all(&app, "taxonomies", "").await;
    assert_eq!(taxonomies.len(), 2, "categories and topics");
    let terms = all(&app, "taxonomy_terms", "").await;
    let term = |taxonomy: &str, code: &str| {
        terms.iter().find(|t| t["taxonomy"] == taxonomy && t["code"] == code).cloned()
    };
    for f in seed.values() {
        let p = &f["properties"];
        assert!(term("witgis categories", p["category"].as_str().unwrap()).is_some(), "{p}");
        for t in p["topics"].as_array().into_iter().flatten() {
            assert!(term("witgis topics", t.as_str().unwrap()).is_some(), "{t}");
        }
    }
    for t in &taxonomies {
        let id = t["id"].as_str().unwrap();
        let listed = all(&app, "taxonomy_terms", &format!("taxonomy_id={id}")).await;
        let expected: Vec<&Value> = terms.iter().filter(|x| x["taxonomy_id"] == id).collect();
        assert_eq!(listed.iter().collect::<Vec<_>>(), expected);
        assert!(!listed.is_empty());
    }

    // taxonomy_term_id: a category, and a topic.
    for (taxonomy, property, code) in [
        ("witgis categories", "category", "mental_health_centre"),
        ("witgis topics", "topics", "peer_support"),
    ] {
        let id = term(taxonomy, code).unwrap()["id"].as_str().unwrap().to_owned();
        let expected = ids_where(&seed, |p| match &p[property] {
            Value::String(s) => s == code,
            Value::Array(items) => items.iter().any(|i| i == code),
            _ => false,
        });
        assert!(!expected.is_empty());
        assert_eq!(service_ids(&app, &ids, &format!("taxonomy_term_id={id}")).await, expected, "{code}");
        let placed_expected: BTreeSet<String> = expected.intersection(&placed).cloned().collect();
        assert_eq!(sal_ids(&app, &ids, &format!("taxonomy_term_id={id}")).await, placed_expected, "{code}");
    }
    // taxonomy_id: records with any term of it.
    let topics_id = taxonomies.iter().find(|t| t["name"] == "witgis topics").unwrap()["id"].as_str().unwrap();
    let with_topics = ids_where(&seed, |p| p["topics"].as_array().is_some_and(|t| !t.is_empty()));
    assert_eq!(service_ids(&app, &ids, &format!("taxonomy_id={topics_id}")).await, with_topics);
    let nobody = "00000000-0000-0000-0000-000000000001";
    for filter in ["taxonomy_id", "taxonomy_term_id", "organization_id"] {
        assert!(service_ids(&app, &ids, &format!("{filter}={nobody}")).await.is_empty(), "{filter}");
    }

    // organization_id: that organization's service only.
    let orgs = all(&app, "organizations", "full=true").await;
    let org = &orgs[orgs.len() / 2];
    let id = org["id"].as_str().unwrap();
    let owner = our_id(&json!({"organization": org}));
    assert_eq!(
        service_ids(&app, &ids, &format!("organization_id={id}")).await,
        BTreeSet::from([owner.clone()])
    );
    let services = all(&app, "services", &format!("organization_id={id}&full=false")).await;
    assert_eq!(services[0]["organization_id"], id);

    // postcode: the records whose address has it (spaces ignored).
    let expected = ids_where(&seed, |p| p["postcode"] == "00154");
    assert!(expected.len() > 1);
    assert_eq!(sal_ids(&app, &ids, "postcode=00154").await, expected);
    assert_eq!(sal_ids(&app, &ids, "postcode=%2000%20154").await, expected);

    // proximity: within that many metres of the postcode's centre, the mean
    // point of its records. The test's distance is a sphere's, ours an
    // ellipsoid's: records within 1% of the edge are not judged.
    let points: Vec<[f64; 2]> =
        seed.values().filter(|f| f["properties"]["postcode"] == "00154").filter_map(point).collect();
    let n = points.len() as f64;
    let centre = [points.iter().map(|p| p[0]).sum::<f64>() / n, points.iter().map(|p| p[1]).sum::<f64>() / n];
    for metres in [1500.0, 4000.0] {
        let got = sal_ids(&app, &ids, &format!("postcode=00154&proximity={metres}")).await;
        let distance = |id: &String| point(&seed[id]).map(|p| haversine_m(centre, p));
        for id in &got {
            assert!(distance(id).is_some_and(|d| d <= metres * 1.01), "{id} is not within {metres} m");
        }
        let inside = ids_where(&seed, |_| true)
            .into_iter()
            .filter(|id| distance(id).is_some_and(|d| d < metres * 0.99))
            .collect::<BTreeSet<_>>();
        assert!(
            inside.is_subset(&got),
            "{metres} m: missed {:?}",
            inside.difference(&got).collect::<Vec<_>>()
        );
        assert!(got.len() > expected.len() || !inside.is_empty(), "{metres} m: a poor probe");
    }

    // modified_after: every record was stored after 2000, none after 2100;
    // and each is listed from its own last_modified.
    assert_eq!(service_ids(&app, &ids, "modified_after=2000-01-01").await, everyone);
    assert!(service_ids(&app, &ids, "modified_after=2100-01-01T00:00:00Z").await.is_empty());
    let minimal = all(&app, "services", "minimal=true").await;
    let newest = minimal.iter().map(|s| s["last_modified"].as_str().unwrap()).max().unwrap().to_owned();
    let after = all(&app, "services", &format!("minimal=true&modified_after={newest}")).await;
    let expected: Vec<&Value> = minimal.iter().filter(|s| s["last_modified"] == newest.as_str()).collect();
    assert_eq!(after.iter().collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn bad_parameters_are_problems_naming_them() {
    let (app, state, _dir) = common::seeded_app().await;
    let before = state.snapshot().index().len();
    let cases: &[(&str, &str)] = &[
        ("services?page=0", "page"),
        ("services?per_page=501", "per_page"),
        ("services?format=ndjson", "format"),
        ("services?search=%20", "search"),
        ("services?taxonomy_term_id=csm", "taxonomy_term_id"),
        ("services?taxonomy_id=42", "taxonomy_id"),
        ("services?organization_id=asl-roma-1", "organization_id"),
        ("services?modified_after=yesterday", "modified_after"),
        ("services?minimal=perhaps", "minimal"),
        ("services?minimal=true&full=true", "minimal"),
        ("services?postcode=00154", "postcode"),
        ("organizations?full_service=2", "full_service"),
        ("organizations?taxonomy_id=x", "taxonomy_id"),
        ("organizations/00000000-0000-0000-0000-000000000000?full_service=yes", "full_service"),
        ("service_at_locations?proximity=500", "proximity"),
        ("service_at_locations?postcode=00154&proximity=0", "proximity"),
        ("service_at_locations?postcode=00154&proximity=far", "proximity"),
        ("service_at_locations?postcode=99999&proximity=500", "postcode"),
        ("service_at_locations?postcode=%20", "postcode"),
        ("service_at_locations?page=99", "page"),
        ("taxonomies?page=3", "page"),
        ("taxonomies?per_page=1000", "per_page"),
        ("taxonomy_terms?parent_id=root", "parent_id"),
        ("taxonomy_terms?top_only=sometimes", "top_only"),
        ("taxonomy_terms?taxonomy_id=categories", "taxonomy_id"),
        ("services/not-a-uuid", "id"),
        ("organizations/not-a-uuid", "id"),
        ("service_at_locations/not-a-uuid", "id"),
        ("taxonomies/not-a-uuid", "id"),
        ("taxonomy_terms/not-a-uuid", "id"),
    ];
    for (query, param) in cases {
        let reply = get(&app, &format!("/hsds/{query}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{query}: {}", reply.body);
        let content_type = reply.headers.get(header::CONTENT_TYPE).unwrap();
        assert_eq!(content_type, "application/problem+json", "{query}");
        let named = reply.body["invalid_params"].as_array().unwrap();
        assert!(
            named.iter().any(|p| p["name"] == *param),
            "{query}: the problem does not name {param}: {}",
            reply.body
        );
    }
    let nobody = uuid::Uuid::nil();
    for list in ["services", "organizations", "service_at_locations", "taxonomies", "taxonomy_terms"] {
        let reply = get(&app, &format!("/hsds/{list}/{nobody}")).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{list}: {}", reply.body);
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    }
    // The per_page bounds themselves are accepted.
    for query in ["services?per_page=1", "services?per_page=500", "taxonomy_terms?per_page=500&format=json"] {
        assert_eq!(get(&app, &format!("/hsds/{query}")).await.status, StatusCode::OK, "{query}");
    }
    assert_eq!(state.snapshot().index().len(), before);
}

fn allow_origin(reply: &Reply) -> Option<&str> {
    reply.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).and_then(|v| v.to_str().ok())
}

fn with_origin(method: &str, uri: &str, extra: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut r =
        Request::builder().method(method).uri(uri).header(header::ORIGIN, "https://elsewhere.invalid");
    for (k, v) in extra {
        r = r.header(*k, *v);
    }
    r.body(Body::from(body.to_owned())).unwrap()
}

#[tokio::test]
async fn any_origin_may_read_the_public_apis_and_none_may_write_or_read_the_demand_log() {
    let (app, _state, _dir) = common::seeded_app().await;
    // Reads, without any key.
    for uri in
        ["/hsds/", "/hsds/services", "/hsds/taxonomies", "/ogcapi", "/ogcapi/collections/resources/items"]
    {
        let reply = send(&app, with_origin("GET", uri, &[], "")).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}");
        assert_eq!(allow_origin(&reply), Some("*"), "GET {uri}");
    }
    // A problem answer of a public read is readable too (the page can show it).
    let reply = send(&app, with_origin("GET", "/hsds/services?page=0", &[], "")).await;
    assert_eq!((reply.status, allow_origin(&reply)), (StatusCode::BAD_REQUEST, Some("*")));

    // The preflight of a read grants GET and HEAD and the headers asked.
    for uri in ["/hsds/services", "/ogcapi/collections/resources/items"] {
        let asked = [("access-control-request-method", "GET"), ("access-control-request-headers", "accept")];
        let reply = send(&app, with_origin("OPTIONS", uri, &asked, "")).await;
        assert!(reply.status.is_success(), "OPTIONS {uri}: {}", reply.status);
        assert_eq!(allow_origin(&reply), Some("*"), "OPTIONS {uri}");
        let methods = reply.headers[header::ACCESS_CONTROL_ALLOW_METHODS].to_str().unwrap();
        assert!(methods.contains("GET") && !methods.contains("POST"), "{methods}");
        assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_HEADERS], "accept");
    }

    // Writes and the demand log: no grant, whether preflighted or sent.
    let item = r#"{"type":"Feature","geometry":null,"properties":{"id":"x","name":"x"}}"#;
    let json_type = [("content-type", "application/json")];
    for (method, uri, body) in [
        ("POST", "/ogcapi/collections/resources/items", item),
        ("DELETE", "/ogcapi/collections/resources/items/it-rm-x", ""),
        ("POST", "/api/resources", item),
        ("POST", "/api/demand", r#"{"need":"housing"}"#),
        ("GET", "/api/demand/summary", ""),
        ("GET", "/api/demand/recent", ""),
    ] {
        let reply = send(&app, with_origin(method, uri, &json_type, body)).await;
        assert_eq!(allow_origin(&reply), None, "{method} {uri} ({})", reply.status);
        let asked =
            [("access-control-request-method", method), ("access-control-request-headers", "content-type")];
        let reply = send(&app, with_origin("OPTIONS", uri, &asked, "")).await;
        assert_eq!(allow_origin(&reply), None, "preflight of {method} {uri} ({})", reply.status);
    }
}
