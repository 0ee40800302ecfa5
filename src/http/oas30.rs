//! OpenAPI 3.1 written down as OpenAPI 3.0, for the clients that read only
//! 3.0: GDAL's OAPIF driver (3.6 refuses any other media type, and then
//! filters every query on the client) and QGIS.
//!
//! utoipa writes 3.1, whose schemas are JSON Schema 2020-12; 3.0 schemas are
//! an older dialect. The rewrite covers what the two differ in:
//! - `type: [T, "null"]` becomes `type: T, nullable: true`;
//! - `oneOf`/`anyOf` with a `{"type": "null"}` member loses it and becomes
//!   nullable (one remaining member is wrapped in `allOf`, as 3.0 ignores
//!   the siblings of a `$ref`);
//! - `const` becomes a one-value `enum`, `examples` the first `example`,
//!   numeric `exclusiveMinimum`/`exclusiveMaximum` the 3.0 boolean form;
//! - `$schema`, `license.identifier` and other 3.1-only members are dropped.

use serde_json::{Map, Value, json};

/// The `openapi` version written.
pub const VERSION: &str = "3.0.3";

/// The document `doc` (OpenAPI 3.1) as OpenAPI 3.0.
pub fn downgrade(doc: &Value) -> Value {
    let mut out = doc.clone();
    if let Some(root) = out.as_object_mut() {
        root.insert("openapi".into(), Value::String(VERSION.into()));
        root.remove("jsonSchemaDialect");
        root.remove("webhooks");
        if let Some(license) =
            root.get_mut("info").and_then(|i| i.get_mut("license")).and_then(Value::as_object_mut)
        {
            license.remove("identifier");
        }
        if let Some(schemas) =
            root.get_mut("components").and_then(|c| c.get_mut("schemas")).and_then(Value::as_object_mut)
        {
            for schema in schemas.values_mut() {
                schema_30(schema);
            }
        }
        if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
            for item in paths.values_mut() {
                path_item_30(item);
            }
        }
    }
    out
}

/// Rewrites the schemas inside one path item: its operations' parameters,
/// request bodies and responses.
fn path_item_30(item: &mut Value) {
    let Some(item) = item.as_object_mut() else { return };
    for (key, operation) in item.iter_mut() {
        if key == "parameters" {
            parameters_30(operation);
            continue;
        }
        let Some(op) = operation.as_object_mut() else { continue };
        if let Some(params) = op.get_mut("parameters") {
            parameters_30(params);
        }
        if let Some(body) = op.get_mut("requestBody") {
            content_30(body);
        }
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for response in responses.values_mut() {
                content_30(response);
                if let Some(headers) = response.get_mut("headers").and_then(Value::as_object_mut) {
                    for header in headers.values_mut() {
                        if let Some(schema) = header.get_mut("schema") {
                            schema_30(schema);
                        }
                    }
                }
            }
        }
    }
}

fn parameters_30(params: &mut Value) {
    for param in params.as_array_mut().into_iter().flatten() {
        if let Some(schema) = param.get_mut("schema") {
            schema_30(schema);
        }
    }
}

/// The schemas of a request body's or a response's `content`.
fn content_30(holder: &mut Value) {
    if let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) {
        for media in content.values_mut() {
            if let Some(schema) = media.get_mut("schema") {
                schema_30(schema);
            }
        }
    }
}

/// Rewrites one schema and every schema inside it.
pub fn schema_30(schema: &mut Value) {
    let Some(obj) = schema.as_object_mut() else { return };
    for key in ["properties", "patternProperties", "$defs", "definitions"] {
        if let Some(children) = obj.get_mut(key).and_then(Value::as_object_mut) {
            children.values_mut().for_each(schema_30);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = obj.get_mut(key) {
            schema_30(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(list) = obj.get_mut(key).and_then(Value::as_array_mut) {
            list.iter_mut().for_each(schema_30);
        }
    }
    type_list(obj);
    nullable_alternatives(obj);
    if let Some(value) = obj.remove("const") {
        obj.insert("enum".into(), json!([value]));
    }
    if let Some(Value::Array(examples)) = obj.remove("examples") {
        if let Some(first) = examples.into_iter().next() {
            obj.insert("example".into(), first);
        }
    }
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n @ Value::Number(_)) = obj.remove(exclusive) {
            obj.insert(bound.into(), n);
            obj.insert(exclusive.into(), Value::Bool(true));
        }
    }
    for key in ["$schema", "$id", "$comment", "contentMediaType", "contentEncoding", "prefixItems", "$defs"] {
        obj.remove(key);
    }
}

/// `type: [T, "null"]` → `type: T, nullable: true`; several non-null types
/// → `anyOf` of each.
fn type_list(obj: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = obj.get("type") else { return };
    let nullable = types.iter().any(|t| t == "null");
    let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    match rest.as_slice() {
        [] => {
            obj.remove("type");
        }
        [one] => {
            obj.insert("type".into(), one.clone());
        }
        _ => {
            obj.remove("type");
            obj.insert(
                "anyOf".into(),
                Value::Array(rest.into_iter().map(|t| json!({ "type": t })).collect()),
            );
        }
    }
    if nullable {
        obj.insert("nullable".into(), Value::Bool(true));
    }
}

/// `oneOf: [{"type": "null"}, X]` → `allOf: [X], nullable: true` (the
/// description moved up beside it).
fn nullable_alternatives(obj: &mut Map<String, Value>) {
    for key in ["oneOf", "anyOf"] {
        let Some(Value::Array(list)) = obj.get(key) else { continue };
        let is_null = |s: &Value| {
            s.get("type").is_some_and(|t| t == "null") && s.as_object().is_some_and(|o| o.len() == 1)
        };
        if !list.iter().any(is_null) {
            continue;
        }
        let mut rest: Vec<Value> = list.iter().filter(|s| !is_null(s)).cloned().collect();
        obj.remove(key);
        obj.insert("nullable".into(), Value::Bool(true));
        if let [only] = rest.as_mut_slice() {
            if let Some(description) = only.as_object_mut().and_then(|o| o.remove("description")) {
                obj.entry("description").or_insert(description);
            }
            obj.insert("allOf".into(), Value::Array(rest));
        } else if !rest.is_empty() {
            obj.insert(key.into(), Value::Array(rest));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nullable_type_list_becomes_nullable() {
        let mut s = json!({ "type": ["string", "null"], "maxLength": 3 });
        schema_30(&mut s);
        assert_eq!(s, json!({ "type": "string", "nullable": true, "maxLength": 3 }));
    }

    #[test]
    fn a_nullable_reference_is_wrapped_in_all_of() {
        let mut s = json!({ "oneOf": [{ "type": "null" }, { "$ref": "#/components/schemas/Cost", "description": "Free or fee." }] });
        schema_30(&mut s);
        assert_eq!(
            s,
            json!({ "nullable": true, "description": "Free or fee.", "allOf": [{ "$ref": "#/components/schemas/Cost" }] })
        );
    }

    #[test]
    fn nested_schemas_const_examples_and_exclusive_bounds_are_rewritten() {
        let mut s = json!({
            "type": "object",
            "properties": {
                "a": { "type": "array", "items": { "type": ["integer", "null"], "exclusiveMinimum": 0 } },
                "b": { "const": "x", "examples": ["x", "y"] }
            }
        });
        schema_30(&mut s);
        assert_eq!(
            s,
            json!({
                "type": "object",
                "properties": {
                    "a": { "type": "array", "items": { "type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true } },
                    "b": { "enum": ["x"], "example": "x" }
                }
            })
        );
    }

    #[test]
    fn the_document_says_3_0_and_drops_what_3_0_lacks() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1", "license": { "name": "MIT", "identifier": "MIT" } },
            "paths": { "/x": { "get": {
                "parameters": [{ "name": "q", "in": "query", "schema": { "type": ["string", "null"] } }],
                "responses": { "200": { "description": "ok", "content": { "application/json": { "schema": { "type": ["object", "null"] } } } } }
            } } }
        });
        let out = downgrade(&doc);
        assert_eq!(out["openapi"], "3.0.3");
        assert_eq!(out["info"]["license"], json!({ "name": "MIT" }));
        let op = &out["paths"]["/x"]["get"];
        assert_eq!(op["parameters"][0]["schema"], json!({ "type": "string", "nullable": true }));
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"],
            json!({ "type": "object", "nullable": true })
        );
    }
}
