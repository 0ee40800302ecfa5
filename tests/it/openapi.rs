//! The OpenAPI document against the code it describes: every route the
//! router serves is in the document (read from the router's sources, the
//! list a new route is added to); every documented operation answers; each
//! GET operation's query parameters are exactly those its handler accepts
//! (the handler's own "this endpoint accepts" list); the documented bounds
//! are the bounds enforced; and real answers of many endpoints validate
//! against the documented schema of their status and media type.
#![allow(clippy::unwrap_used)]

use crate::common;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use witgis::auth::{Role, hash_token};
use witgis::clock::Clock;
use witgis::state::AppState;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
/// The catch-all's answer for addresses that are no endpoint.
const NO_SUCH_ENDPOINT: &str = "no such API endpoint";

struct Reply {
    status: StatusCode,
    content_type: String,
    body: Value,
}

struct App {
    router: axum::Router,
    tokens: BTreeMap<Role, String>,
    _db: common::TestDb,
}

impl App {
    async fn new() -> App {
        let db = common::TestDb::sqlite().await;
        db.store.import(&witgis::store::seed().unwrap(), &|_| {}).await.unwrap();
        db.store.import_areas(&common::rome_municipi()).await.unwrap();
        let mut tokens = BTreeMap::new();
        for role in Role::ALL {
            let token = witgis::auth::new_token();
            db.store.create_token(role.as_str(), role, &hash_token(&token)).await.unwrap();
            tokens.insert(role, token);
        }
        let clock = Clock::manual("2026-09-01T08:00:00Z".parse().unwrap());
        let state =
            AppState::load(Arc::clone(&db.store), common::reference()).await.unwrap().with_clock(clock);
        App { router: witgis::http::router(Arc::new(state)), tokens, _db: db }
    }

    async fn call(&self, method: &str, uri: &str, auth: bool, body: Option<(&str, Value)>) -> Reply {
        self.call_as(auth.then_some(Role::Admin), method, uri, body).await
    }

    async fn call_as(
        &self,
        role: Option<Role>,
        method: &str,
        uri: &str,
        body: Option<(&str, Value)>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(uri)
            .header(header::HOST, "gis.example");
        if let Some(role) = role {
            request = request.header(header::AUTHORIZATION, format!("Bearer {}", self.tokens[&role]));
        }
        let body = match body {
            Some((media, value)) => {
                request = request.header(header::CONTENT_TYPE, media);
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        let response = self.router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply { status, content_type, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    async fn document(&self) -> Value {
        let reply = self.call("get", "/api/openapi.json", false, None).await;
        assert_eq!(reply.status, StatusCode::OK);
        reply.body
    }
}

/// Every (method, path) the document lists.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

/// The text of `.route(...)`-like calls in the router's sources, up to the
/// matching parenthesis, outside test modules.
fn route_calls(source: &str) -> Vec<(String, String)> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for marker in [".route(\"", ".route_service(\"", ".nest_service(\"", ".nest(\""] {
        let mut rest = code;
        while let Some(at) = rest.find(marker) {
            let after = &rest[at + marker.len()..];
            let path_end = after.find('"').unwrap();
            let path = after[..path_end].to_owned();
            let mut depth = 1;
            let mut end = after.len();
            for (i, c) in after.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let kind = marker.trim_start_matches('.').trim_end_matches("(\"");
            out.push((path, format!("{kind}:{}", &after[path_end..end])));
            rest = &after[end..];
        }
    }
    out
}

/// Every (method, path) routed outside the documented `routes!` lists, from
/// the sources under src/ (axum cannot list a router's routes).
fn undocumented_routes() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            for (route, call) in route_calls(&source) {
                // The catch-alls answer 404 for addresses that are no endpoint.
                if call.contains("api_not_found") {
                    continue;
                }
                let methods: Vec<&str> =
                    METHODS.iter().copied().filter(|m| call.contains(&format!("{m}("))).collect();
                if methods.is_empty() {
                    out.insert(("any".to_owned(), format!("{route} ({})", path.display())));
                }
                for m in methods {
                    out.insert((m.to_owned(), route.clone()));
                }
            }
        }
    }
    out
}

/// A concrete address for a path template.
fn concrete(path: &str, ids: &BTreeMap<&str, String>) -> String {
    let mut out = path.to_owned();
    for (name, value) in ids {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

fn sample_ids() -> BTreeMap<&'static str, String> {
    BTreeMap::from([
        ("id", "it-rm-csm-sabrata".to_owned()),
        ("collection", "resources".to_owned()),
        ("feature", "it-rm-csm-sabrata".to_owned()),
    ])
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_operation_answers() {
    let app = App::new().await;
    let doc = app.document().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{}", doc["openapi"]);
    let documented = documented(&doc);
    let missing: Vec<String> = undocumented_routes()
        .into_iter()
        .filter(|(m, p)| !documented.contains(&(m.clone(), p.clone())))
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routes served but not in the OpenAPI document (add #[utoipa::path] and put them in routes!): {missing:#?}"
    );
    // The catch-alls and the OGC landing page are there, so the scan saw the router.
    let sources = std::fs::read_to_string("src/http/mod.rs").unwrap();
    assert!(route_calls(&sources).iter().any(|(p, _)| p == "/api/{*rest}"));

    for (method, path) in &documented {
        // A DELETE would remove the sample; it is exercised by the schema test.
        let uri = concrete(path, &sample_ids());
        let reply = app.call(method, &uri, true, None).await;
        let detail = reply.body["detail"].as_str().unwrap_or("");
        assert!(
            reply.status != StatusCode::METHOD_NOT_ALLOWED && !detail.starts_with(NO_SUCH_ENDPOINT),
            "{} {path} is documented but not served: {} {detail}",
            method.to_uppercase(),
            reply.status
        );
    }
}

/// The query parameters the document gives an operation, by name.
fn query_params(op: &Value) -> BTreeMap<String, Value> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["in"] == "query")
                .map(|p| (p["name"].as_str().unwrap().to_owned(), p.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Resolves a `$ref` into `components/schemas`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    }
}

/// A valid value for a required parameter, from its documented schema.
fn sample_value(doc: &Value, param: &Value) -> String {
    let schema = resolve(doc, &param["schema"]);
    if let Some(words) = schema["enum"].as_array() {
        return words[0].as_str().unwrap().to_owned();
    }
    match (param["name"].as_str().unwrap(), schema["type"].as_str()) {
        ("lon", _) => "12.49".into(),
        ("lat", _) => "41.89".into(),
        (_, Some("number" | "integer")) => schema["minimum"].to_string(),
        _ => "Roma".into(),
    }
}

fn names_param(reply: &Reply, name: &str) -> bool {
    reply.body["invalid_params"].as_array().is_some_and(|ps| ps.iter().any(|p| p["name"] == name))
}

#[tokio::test]
async fn documented_query_parameters_and_bounds_are_those_the_handlers_enforce() {
    let app = App::new().await;
    let doc = app.document().await;
    let mut checked_bounds = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let params = query_params(op);
        let uri = concrete(path, &sample_ids());
        // One operation may serve several collections: the document lists the
        // parameters of all of them.
        let collections: &[&str] =
            if path.contains("{collection}") { &["resources", "areas", "regions"] } else { &["resources"] };
        let mut accepted: Option<BTreeSet<String>> = None;
        for collection in collections {
            let probe = uri.replace("/resources", &format!("/{collection}"));
            let reply = app.call("get", &format!("{probe}?zz_probe=1"), true, None).await;
            let list: Option<BTreeSet<String>> = reply.body["invalid_params"].as_array().and_then(|ps| {
                let p = ps.iter().find(|p| p["name"] == "zz_probe")?;
                let list = p["reason"].as_str()?.split("this endpoint accepts: ").nth(1)?;
                Some(list.split(", ").map(str::to_owned).collect())
            });
            if let Some(list) = list {
                accepted.get_or_insert_with(BTreeSet::new).extend(list);
            }
        }
        let documented: BTreeSet<String> = params.keys().cloned().collect();
        match accepted {
            Some(accepted) => {
                assert_eq!(documented, accepted, "GET {path}: documented vs accepted parameters")
            }
            None => assert!(
                documented.is_empty(),
                "GET {path} ignores unknown parameters yet documents {documented:?}"
            ),
        }

        // Every bound: the bound itself passes, one step beyond it is refused.
        let required: Vec<String> = params
            .values()
            .filter(|p| p["required"] == true)
            .map(|p| format!("{}={}", p["name"].as_str().unwrap(), sample_value(&doc, p)))
            .collect();
        for (name, param) in &params {
            let schema = resolve(&doc, &param["schema"]);
            let step = if schema["type"] == "integer" { 1.0 } else { 0.5 };
            for (bound, outward) in [("minimum", -step), ("maximum", step)] {
                let Some(limit) = schema[bound].as_f64() else { continue };
                let query = |value: f64| {
                    let mut q: Vec<String> =
                        required.iter().filter(|r| !r.starts_with(&format!("{name}="))).cloned().collect();
                    q.push(format!("{name}={value}"));
                    format!("{uri}?{}", q.join("&"))
                };
                let at = app.call("get", &query(limit), true, None).await;
                assert!(
                    !names_param(&at, name),
                    "GET {path}: {name}={limit} is documented as valid: {}",
                    at.body
                );
                let beyond = app.call("get", &query(limit + outward), true, None).await;
                assert!(
                    beyond.status == StatusCode::BAD_REQUEST && names_param(&beyond, name),
                    "GET {path}: {name}={} is beyond the documented {bound} yet accepted: {} {}",
                    limit + outward,
                    beyond.status,
                    beyond.body
                );
                checked_bounds += 1;
            }
        }
    }
    // lon, lat, k, limit, max_km, radius_km and more across the endpoints.
    assert!(checked_bounds >= 30, "only {checked_bounds} bounds checked");
}

/// The operation of the document whose template matches a concrete path.
fn operation<'a>(doc: &'a Value, method: &str, uri: &str) -> (&'a str, &'a Value) {
    let path = uri.split('?').next().unwrap();
    let segments: Vec<&str> = path.split('/').collect();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == segments.len()
            && parts.iter().zip(&segments).all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()));
        if fits && item.get(method).is_some() {
            return (template, &item[method]);
        }
    }
    panic!("no documented operation for {method} {path}");
}

/// Validates a reply against the schema the document gives its status and
/// media type.
fn check(doc: &Value, method: &str, uri: &str, reply: &Reply) -> Vec<String> {
    let (template, op) = operation(doc, method, uri);
    let what = format!("{} {uri} ({template}) -> {}", method.to_uppercase(), reply.status.as_u16());
    let Some(response) = op["responses"].get(reply.status.as_str()) else {
        return vec![format!("{what}: status not documented")];
    };
    if reply.status == StatusCode::NO_CONTENT {
        return vec![];
    }
    let media = reply.content_type.split(';').next().unwrap_or("").trim();
    let Some(content) = response["content"].get(media) else {
        return vec![format!("{what}: media type {media} not documented: {}", response["content"])];
    };
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [content["schema"]],
    });
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{what}: schema: {e}"));
    validator.iter_errors(&reply.body).map(|e| format!("{what}: {} at {}", e, e.instance_path)).collect()
}

/// A sampled request: method, address, with the admin token, body.
type Call<'a> = (&'a str, String, bool, Option<(&'a str, Value)>);

#[tokio::test]
async fn sampled_responses_validate_against_their_documented_schemas() {
    let app = App::new().await;
    let doc = app.document().await;
    let area = common::rome_municipi()[0].id.clone();
    let need = doc.pointer("/components/schemas/Topic/enum/0").unwrap().as_str().unwrap().to_owned();
    let resource = app.call("get", "/api/resources?limit=1", false, None).await;
    let id = resource.body["features"][0]["id"].as_str().unwrap().to_owned();
    let new_feature = json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [12.5, 41.9]},
        "properties": {"name": "Sportello di prova", "category": "day_centre", "country": "IT"}});
    let demand = json!({"date": "2026-09-01", "need": need, "channel": "phone", "requester": "other",
                        "area": area, "referred_to": []});
    let calls: Vec<Call> = vec![
        ("get", "/api/resources?limit=50".into(), false, None),
        ("get", "/api/resources?category=library&country=IT".into(), false, None),
        ("get", format!("/api/resources/{id}"), false, None),
        ("get", "/api/resources/no-such-resource".into(), false, None),
        ("get", "/api/nearest?lon=12.49&lat=41.89&k=20".into(), false, None),
        ("get", "/api/nearest?lon=12.49&lat=91".into(), false, None),
        ("get", "/api/categories".into(), false, None),
        ("get", format!("/api/referral?lon=12.49&lat=41.89&need={need}"), false, None),
        ("get", "/api/places?q=Roma".into(), false, None),
        ("get", "/api/areas".into(), false, None),
        ("get", format!("/api/areas/{area}"), false, None),
        ("get", "/api/regions?country=IT".into(), false, None),
        ("get", "/api/quality".into(), false, None),
        ("get", "/api/coverage".into(), false, None),
        ("get", "/api/coverage/gaps?country=IT&limit=5".into(), false, None),
        ("get", "/api/coverage/suggest?country=IT".into(), false, None),
        ("post", "/api/demand".into(), true, Some(("application/json", demand.clone()))),
        ("post", "/api/demand".into(), false, Some(("application/json", demand))),
        ("get", "/api/demand/summary".into(), true, None),
        ("get", "/api/demand/recent".into(), true, None),
        ("get", "/api/coverage/demand".into(), true, None),
        ("post", "/api/resources".into(), true, Some(("application/geo+json", new_feature.clone()))),
        ("post", "/api/resources".into(), true, Some(("application/geo+json", json!({"type": "Feature"})))),
        ("get", format!("/api/resources/{id}/history"), true, None),
        ("get", "/healthz".into(), false, None),
        ("get", "/readyz".into(), false, None),
        ("get", "/api/config".into(), false, None),
        ("get", "/api/vocabulary".into(), false, None),
        ("get", "/ogcapi".into(), false, None),
        ("get", "/ogcapi/conformance".into(), false, None),
        ("get", "/ogcapi/collections".into(), false, None),
        ("get", "/ogcapi/collections/resources".into(), false, None),
        ("get", "/ogcapi/collections/areas".into(), false, None),
        ("get", "/ogcapi/collections/resources/queryables".into(), false, None),
        ("get", "/ogcapi/collections/resources/items?limit=10&bbox=12.3,41.8,12.7,42.0".into(), false, None),
        ("get", "/ogcapi/collections/areas/items?limit=3".into(), false, None),
        ("get", format!("/ogcapi/collections/resources/items/{id}"), false, None),
        ("get", "/ogcapi/collections/nowhere/items".into(), false, None),
        ("get", "/ogcapi/collections/resources/items?limit=0".into(), false, None),
        (
            "post",
            "/ogcapi/collections/resources/items".into(),
            true,
            Some(("application/geo+json", new_feature)),
        ),
        ("delete", format!("/api/resources/{id}"), true, None),
    ];
    let mut failures = Vec::new();
    let mut statuses = BTreeSet::new();
    for (method, uri, auth, body) in calls {
        let reply = app.call(method, &uri, auth, body).await;
        assert!(reply.status.as_u16() < 500, "{method} {uri}: {} {}", reply.status, reply.body);
        statuses.insert(reply.status.as_u16());
        failures.extend(check(&doc, method, &uri, &reply));
    }
    assert!(failures.is_empty(), "answers that do not match the document:\n{}", failures.join("\n"));
    // The sample covers success, creation, the problems and a refused token.
    for status in [200, 201, 400, 401, 404] {
        assert!(statuses.contains(&status), "no sampled answer had status {status}: {statuses:?}");
    }
}

#[tokio::test]
async fn the_document_describes_vocabularies_problems_and_roles() {
    let app = App::new().await;
    let doc = app.document().await;
    let words = |name: &str| -> BTreeSet<String> {
        doc["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect()
    };
    let all = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    let categories: Vec<&str> = witgis::model::Category::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(words("Category"), all(&categories));
    let topics: Vec<&str> = witgis::model::Topic::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(words("Topic"), all(&topics));
    let countries = words("Country");
    assert!(
        countries.contains("IT") && countries.contains("LT") && !countries.contains("XX"),
        "{countries:?}"
    );

    // The landing page's service-desc (OpenAPI 3.1) is the OGC API part of
    // this document, rooted at /ogcapi as OGC API clients read it: every
    // /ogcapi operation, the same, under its path without the prefix.
    let landing = app.call("get", "/ogcapi", false, None).await;
    let descs: Vec<&Value> =
        landing.body["links"].as_array().unwrap().iter().filter(|l| l["rel"] == "service-desc").collect();
    let desc = descs.iter().find(|l| l["type"] == "application/vnd.oai.openapi+json;version=3.1").unwrap();
    let href = desc["href"].as_str().unwrap().trim_start_matches("http://gis.example");
    let served = app.call("get", href, false, None).await;
    assert_eq!(served.content_type, desc["type"].as_str().unwrap());
    let ogc = &served.body;
    assert_eq!(ogc["servers"][0]["url"], "/ogcapi");
    assert_eq!(ogc["components"], doc["components"]);
    for (path, item) in doc["paths"].as_object().unwrap() {
        match path.strip_prefix("/ogcapi") {
            Some("") => assert_eq!(&ogc["paths"]["/"], item),
            Some("/") | None => assert!(ogc["paths"].get(path).is_none() || path.starts_with("/collections")),
            Some(rest) => assert_eq!(&ogc["paths"][rest], item, "{path}"),
        }
    }
    // Nothing else, but each collection's own items path.
    let mut expected: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/ogcapi"))
        .map(|rest| if rest.is_empty() { "/".to_owned() } else { rest.to_owned() })
        .collect();
    expected.extend(["resources", "areas", "regions"].map(|c| format!("/collections/{c}/items")));
    assert_eq!(ogc["paths"].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>(), expected);
    // Its OpenAPI 3.0 form is the other service-desc link.
    let desc30 = descs.iter().find(|l| l["type"] == "application/vnd.oai.openapi+json;version=3.0").unwrap();
    let href30 = desc30["href"].as_str().unwrap().trim_start_matches("http://gis.example");
    let served30 = app.call("get", href30, false, None).await;
    assert_eq!(served30.content_type, desc30["type"].as_str().unwrap());
    assert_eq!(served30.body["openapi"], "3.0.3");
    assert_eq!(
        served30.body["paths"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ogc["paths"].as_object().unwrap().keys().collect::<Vec<_>>()
    );

    // Each write needs the role its handler checks: a viewer token is refused
    // with 403 exactly where the document asks for more than viewer.
    assert_eq!(doc.pointer("/components/securitySchemes/bearer/scheme").unwrap(), "bearer");
    let role_of = |method: &str, path: &str| -> Option<String> {
        let req = doc["paths"][path][method]["security"].as_array()?;
        req.iter().find_map(|r| r["bearer"][0].as_str().map(str::to_owned))
    };
    assert_eq!(role_of("post", "/api/resources").as_deref(), Some("editor"));
    assert_eq!(role_of("post", "/api/resources/{id}/restore").as_deref(), Some("admin"));
    assert_eq!(role_of("post", "/api/demand").as_deref(), Some("operator"));
    for (method, path) in documented(&doc) {
        let op = &doc["paths"][&path][&method];
        if op["security"].is_null() {
            continue;
        }
        let needed: Role = role_of(&method, &path).unwrap().parse().unwrap();
        let uri = concrete(&path, &sample_ids());
        let optional =
            op["security"].as_array().unwrap().iter().any(|r| r.as_object().is_some_and(|o| o.is_empty()));
        if !optional {
            let none = app.call_as(None, &method, &uri, None).await;
            assert_eq!(
                none.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token: {}",
                none.body
            );
            if let Some(below) = Role::ALL.into_iter().rev().find(|r| *r < needed) {
                let refused = app.call_as(Some(below), &method, &uri, None).await;
                assert_eq!(
                    refused.status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {below}: {}",
                    refused.body
                );
            }
        }
        let enough = app.call_as(Some(needed), &method, &uri, None).await;
        assert!(
            ![StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&enough.status),
            "{method} {path} as {needed}, the documented role: {} {}",
            enough.status,
            enough.body
        );
        assert!(op["responses"].get("401").is_some(), "{method} {path}: needs a token but documents no 401");
        let problem = op.pointer("/responses/401/content/application~1problem+json/schema/$ref");
        assert_eq!(problem.and_then(Value::as_str), Some("#/components/schemas/Problem"), "{method} {path}");
    }
}

/// Whether the reply refuses `name` as an unknown parameter (not for its value).
fn refused_as_unknown(reply: &Reply, name: &str) -> bool {
    reply.body["invalid_params"].as_array().is_some_and(|ps| {
        ps.iter().any(|p| {
            p["name"] == name && p["reason"].as_str().is_some_and(|r| r.starts_with("unknown parameter"))
        })
    })
}

/// Declared once: for every operation of the document that takes query
/// parameters, the real router knows each documented one by name (its
/// value may be refused, its name never), and refuses a made-up one. Read
/// from the answers, not from any list the handlers share with the document.
#[tokio::test]
async fn every_documented_query_parameter_is_known_and_a_made_up_one_is_refused() {
    let app = App::new().await;
    let doc = app.document().await;
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let params = query_params(op);
            if params.is_empty() {
                continue;
            }
            // One operation may serve several collections: a parameter of any
            // of them is documented.
            let collections: &[&str] = if path.contains("{collection}") {
                &["resources", "areas", "regions"]
            } else {
                &["resources"]
            };
            let uris: Vec<String> = collections
                .iter()
                .map(|c| concrete(path, &sample_ids()).replace("/resources", &format!("/{c}")))
                .collect();
            for name in params.keys() {
                let mut known = false;
                for uri in &uris {
                    let reply = app.call(method, &format!("{uri}?{name}=zz"), true, None).await;
                    assert_ne!(reply.status, StatusCode::INTERNAL_SERVER_ERROR, "{method} {uri}?{name}=zz");
                    known |= !refused_as_unknown(&reply, name);
                }
                assert!(
                    known,
                    "{} {path}: documents {name}, which the router refuses as unknown",
                    method.to_uppercase()
                );
                checked += 1;
            }
            for uri in &uris {
                let reply = app.call(method, &format!("{uri}?zz_made_up=1"), true, None).await;
                assert!(
                    reply.status == StatusCode::BAD_REQUEST && refused_as_unknown(&reply, "zz_made_up"),
                    "{} {uri}: a made-up parameter is not refused: {} {}",
                    method.to_uppercase(),
                    reply.status,
                    reply.body
                );
            }
        }
    }
    // lon, lat, bbox, category, … over some forty operations.
    assert!(checked >= 100, "only {checked} documented parameters checked");
}
