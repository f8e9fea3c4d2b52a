//! The OpenAPI 3 document, served at `/openapi.json`. Its paths come from
//! the route table itself ([`super::routes`]), so a route cannot be served
//! undocumented; this file adds what no handler states: the description,
//! the key scheme, the tags and the error catalogue.

use actix_web::{App, HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sohoa",
        description = "Digitise, store and reuse the papers citizens hand in at one-stop-shop counters (Decree 107/2021). Every /v1 endpoint needs `Authorization: Bearer KEY`, except the public `GET /v1/signing-keys` and `POST /v1/verify`; citizens open `/c/{token}` links. Reads of someone's papers name their purpose, the dossier code, as header `X-Purpose` or query `purpose` (required for `reader` keys: 400 `purpose_required`), and are recorded in the access ledger, one hash chain per owner, sealed by signed checkpoints (`/v1/ledger/…`). Errors are JSON `{code, message}` with a stable `code` (the `ErrorCode` schema lists them all)."
    ),
    components(schemas(crate::error_code::ErrorCode, super::errors::ErrorBody)),
    modifiers(&ApiKeyScheme),
    tags(
        (name = "records", description = "Scanned papers and their pages"),
        (name = "certification", description = "The officer's review, the agency's signed certificate, and the searchable PDF"),
        (name = "verification", description = "Public: the signing keys, and checking a file against the records (no key needed)"),
        (name = "results", description = "Results registered by the agencies that issued them, and withdrawing records"),
        (name = "reuse", description = "Provide once: what is on file and valid for a dossier, and how often papers were reused"),
        (name = "catalogue", description = "Document kinds and their default validity"),
        (name = "subjects", description = "What is on file for an owner, and who read it"),
        (name = "search", description = "Finding records by what is written on them, in Vietnamese with or without marks"),
        (name = "citizens", description = "Links citizens use to see their own records and who looked at them"),
        (name = "dossiers", description = "Applications, and the records filed in them"),
        (name = "ledger", description = "The access ledger's signed checkpoints over every citizen's chain, and their proofs"),
        (name = "operations", description = "Health and API description")
    )
)]
struct ApiDoc;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key made with `sohoa keys create`"))
                    .build(),
            ),
        );
    }
}

/// The whole document: this file's parts and every route of the table.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(super::routes)
        .split_for_parts();
    doc
}

/// The document as served: [`document`] with the patterns of the codes the
/// server parses, stated where they are taken in (the `X-Purpose` header
/// and `purpose` query of every read; `dossier_code` of a reuse check;
/// `procedure_code` of a new dossier), so a client can tell a well-formed
/// request before sending it.
pub fn document_json() -> Result<serde_json::Value, serde_json::Error> {
    use crate::domain::dossier::{DOSSIER_CODE_PATTERN, PROCEDURE_CODE_PATTERN};
    let mut doc = serde_json::to_value(document())?;
    let space = crate::domain::text::SPACE_CLASS;
    let code = DOSSIER_CODE_PATTERN
        .trim_start_matches('^')
        .trim_end_matches('$');
    let purpose_pattern = format!("^[{space}]*(?:{code}[{space}]*)?$");
    let subject_id = crate::domain::subject::subject_id_pattern(chrono::Datelike::year(
        &crate::domain::dossier::vietnam_today(),
    ));
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for operation in item.values_mut() {
                let Some(params) = operation
                    .get_mut("parameters")
                    .and_then(|p| p.as_array_mut())
                else {
                    continue;
                };
                for param in params {
                    // 64-bit numbers: what the server parses, and no more.
                    if param["schema"]["format"] == "int64" {
                        param["schema"]["minimum"] = i64::MIN.into();
                        param["schema"]["maximum"] = i64::MAX.into();
                    }
                    if param["name"] == "kind" && param["in"] == "query" {
                        // One of the catalogue's kinds; blank is no filter.
                        let mut kinds: Vec<serde_json::Value> = vec!["".into()];
                        kinds.extend(
                            crate::domain::DocumentKind::ALL
                                .iter()
                                .map(|k| k.code().into()),
                        );
                        param["schema"] = serde_json::json!({"type": "string", "enum": kinds});
                    }
                    if param["name"] == "subject_id" {
                        param["schema"]["pattern"] = subject_id.clone().into();
                    }
                    if param["in"] == "query" {
                        search_param(param);
                    }
                    let purpose = matches!(
                        (param["name"].as_str(), param["in"].as_str()),
                        (Some("X-Purpose"), Some("header")) | (Some("purpose"), Some("query"))
                    );
                    if purpose {
                        // Optional, and blank is none; a header is never null.
                        param["schema"] = serde_json::json!({
                            "type": "string",
                            "pattern": purpose_pattern.as_str(),
                        });
                    }
                }
            }
        }
    }
    use crate::domain::text::{
        LINE_PATTERN, PARAGRAPH_PATTERN, REQUIRED_LINE_PATTERN, REQUIRED_PARAGRAPH_PATTERN,
    };
    let fields: [(&str, &str, &str, Option<usize>); 9] = [
        ("ReuseCheck", "dossier_code", DOSSIER_CODE_PATTERN, None),
        (
            "OpenDossier",
            "procedure_code",
            PROCEDURE_CODE_PATTERN,
            None,
        ),
        (
            "RevokeRequest",
            "reason",
            REQUIRED_PARAGRAPH_PATTERN,
            Some(crate::ops::withdraw::MAX_REASON),
        ),
        (
            "ReviewRequest",
            "officer",
            REQUIRED_LINE_PATTERN,
            Some(crate::ops::review::MAX_OFFICER),
        ),
        (
            "ReviewRequest",
            "note",
            PARAGRAPH_PATTERN,
            Some(crate::ops::review::MAX_NOTE),
        ),
        (
            "ReviewParticulars",
            "document_number",
            LINE_PATTERN,
            Some(crate::ops::review::MAX_PARTICULAR),
        ),
        (
            "ReviewParticulars",
            "issuing_agency",
            LINE_PATTERN,
            Some(crate::ops::review::MAX_PARTICULAR),
        ),
        (
            "ReviewParticulars",
            "signer",
            LINE_PATTERN,
            Some(crate::ops::review::MAX_PARTICULAR),
        ),
        (
            "ReviewParticulars",
            "owner_name",
            LINE_PATTERN,
            Some(crate::ops::review::MAX_PARTICULAR),
        ),
    ];
    for (schema, field, pattern, max) in fields {
        let pointer = format!("/components/schemas/{schema}/properties/{field}");
        let Some(property) = doc.pointer_mut(&pointer) else {
            debug_assert!(false, "{pointer} is not in the document");
            continue;
        };
        property["pattern"] = pattern.into();
        if let Some(max) = max {
            property["maxLength"] = max.into();
        }
    }
    for schema in ["ReuseCheck", "OpenDossier", "UploadMeta"] {
        if let Some(property) = doc.pointer_mut(&format!(
            "/components/schemas/{schema}/properties/subject_id"
        )) {
            property["pattern"] = subject_id.clone().into();
        }
    }
    patch_bodies(&mut doc);
    patch_upload_meta(&mut doc, &purpose_pattern);
    Ok(doc)
}

/// The search's filters as the server takes them: a status of the
/// lifecycle, an order, a cursor as the previous page gave it.
fn search_param(param: &mut serde_json::Value) {
    use serde_json::json;
    match param["name"].as_str() {
        Some("status") => {
            let statuses: Vec<&str> = crate::domain::RecordStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect();
            param["schema"] = json!({"type": "string", "enum": statuses});
        }
        Some("sort") => {
            param["schema"] = json!({"type": "string", "enum": ["relevance", "newest"]});
        }
        Some("cursor") => {
            param["schema"] =
                json!({"type": "string", "pattern": crate::ops::search::CURSOR_PATTERN});
        }
        _ => {}
    }
}

/// What the derived schemas cannot say: the `meta` part of an upload is
/// JSON; a verify answer is `{"match": false}` alone or `match: true` with
/// the verdict (a flattened option derives as `null`-or-object); a review
/// that rejects needs a note; a kind is one of the catalogue's; a verify
/// file is not empty, a SHA-256 is 64 hex digits.
fn patch_bodies(doc: &mut serde_json::Value) {
    use crate::domain::text::REQUIRED_PARAGRAPH_PATTERN;
    use serde_json::json;
    for path in ["/v1/records", "/v1/results"] {
        let pointer = format!(
            "/paths/{}/post/requestBody/content/multipart~1form-data",
            path.replace('/', "~1")
        );
        if let Some(content) = doc.pointer_mut(&pointer) {
            content["encoding"] = json!({"meta": {"contentType": "application/json"}});
        }
    }
    if let Some(body) =
        doc.pointer_mut("/paths/~1v1~1subjects~1{subject_id}~1citizen-links/post/requestBody")
    {
        body["required"] = false.into();
    }
    let schemas = &mut doc["components"]["schemas"];
    if let Some(answer) = schemas.get_mut("VerifyAnswer") {
        let verdict = answer.pointer("/allOf/0/oneOf").and_then(|alternatives| {
            alternatives
                .as_array()?
                .iter()
                .find(|a| a["type"] == "object")
                .cloned()
        });
        if let Some(mut verdict) = verdict {
            verdict["properties"]["match"] = json!({"type": "boolean", "const": true});
            if let Some(required) = verdict["required"].as_array_mut() {
                required.push("match".into());
            }
            let description = answer["description"].clone();
            *answer = json!({
                "description": description,
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["match"],
                        "properties": {"match": {"type": "boolean", "const": false}},
                        "additionalProperties": false,
                    },
                    verdict,
                ],
            });
        }
    }
    if let Some(review) = schemas.get_mut("ReviewRequest") {
        // Confirm with or without a note; reject with one.
        let mut confirm = review.clone();
        confirm["properties"]["decision"] = json!({"type": "string", "const": "confirm"});
        let mut reject = review.clone();
        reject["properties"]["decision"] = json!({"type": "string", "const": "reject"});
        reject["properties"]["note"] = json!({
            "type": "string",
            "pattern": REQUIRED_PARAGRAPH_PATTERN,
            "maxLength": crate::ops::review::MAX_NOTE,
        });
        if let Some(required) = reject["required"].as_array_mut() {
            required.push("note".into());
        }
        // Particulars are confirmed, never rejected.
        if let Some(properties) = reject["properties"].as_object_mut() {
            properties.remove("particulars");
            properties.remove("accept_suggestions");
        }
        let description = review["description"].clone();
        *review = json!({"description": description, "oneOf": [confirm, reject]});
    }
    if let Some(set) = schemas.get_mut("SetValidity") {
        let description = set["description"].clone();
        let note = json!({
            "type": "string",
            "description": "The legal basis, for whoever reads the catalogue next.",
            "pattern": REQUIRED_PARAGRAPH_PATTERN,
            "maxLength": crate::ops::catalogue::MAX_NOTE,
        });
        let variant = |rule: &str| {
            json!({
                "type": "object",
                "required": ["rule", "note"],
                "properties": {"rule": {"type": "string", "const": rule}, "note": note},
            })
        };
        let mut months = variant("months_from_issue");
        months["required"] = json!(["rule", "note", "months"]);
        months["properties"]["months"] = json!({
            "type": "integer",
            "minimum": 1,
            "maximum": crate::domain::validity::MAX_MONTHS,
        });
        *set = json!({
            "description": description,
            "oneOf": [variant("no_expiry"), months, variant("date_on_paper")],
        });
    }
    // `"type": [T, "null"]` as `anyOf`: schemathesis 4.3's coverage phase
    // cannot take a list of types for a formatted string.
    for schema in ["ReuseCheck", "Requirement"] {
        let Some(properties) = schemas
            .pointer_mut(&format!("/{schema}/properties"))
            .and_then(|p| p.as_object_mut())
        else {
            continue;
        };
        for property in properties.values_mut() {
            let Some([kind, null]) = property["type"].as_array().map(|t| t.as_slice()) else {
                continue;
            };
            if null != "null" {
                continue;
            }
            let mut value = property.clone();
            value["type"] = kind.clone();
            if let Some(value) = value.as_object_mut() {
                value.remove("description");
            }
            let description = property["description"].clone();
            *property = json!({"anyOf": [value, {"type": "null"}]});
            if !description.is_null() {
                property["description"] = description;
            }
        }
    }
    if let Some(required) = schemas.pointer_mut("/ReuseCheck/properties/required") {
        required["minItems"] = 1.into();
        required["maxItems"] = crate::ops::reuse::MAX_REQUIRED.into();
    }
    for form in ["VerifyForm", "UploadForm"] {
        if let Some(form) = schemas.get_mut(form) {
            form["additionalProperties"] = false.into();
        }
    }
    if let Some(form) = schemas.get_mut("UploadForm") {
        form["required"] = json!(["meta", "page"]);
        form["properties"]["page"]["minItems"] = 1.into();
    }
    // Inline rather than a `$ref`: schemathesis 4.3 loses a reference met
    // inside a multipart part when it mutates it.
    let kinds: Vec<&str> = crate::domain::DocumentKind::ALL
        .iter()
        .map(|k| k.code())
        .collect();
    for pointer in [
        "/UploadMeta/properties/kind",
        "/Requirement/properties/kind",
    ] {
        if let Some(kind) = schemas.pointer_mut(pointer) {
            let description = kind["description"].clone();
            *kind = json!({"type": "string", "enum": kinds});
            if !description.is_null() {
                kind["description"] = description;
            }
        }
    }
    if let Some(sha) = schemas.pointer_mut("/VerifyBySha256/properties/sha256") {
        let space = crate::domain::text::SPACE_CLASS;
        sha["pattern"] = format!("^[{space}]*[0-9a-fA-F]{{64}}[{space}]*$").into();
    }
}

/// The `meta` part's text rules (one line each, at most
/// `MAX_TEXT_FIELD` characters, a dossier code that parses, a result code
/// of the catalogue's form), and for `POST /v1/results` a schema of its own
/// naming the particulars an issuer must state. What stays in words: dates
/// in order (`valid_until` not before `issued_on`, which is not in the
/// future) and `permanent` not with `valid_until`.
fn patch_upload_meta(doc: &mut serde_json::Value, dossier_pattern: &str) {
    use crate::domain::text::{LINE_PATTERN, REQUIRED_LINE_PATTERN};
    use crate::ops::intake::MAX_TEXT_FIELD;
    use serde_json::json;
    let space = crate::domain::text::SPACE_CLASS;
    let schemas = &mut doc["components"]["schemas"];
    let Some(meta) = schemas.get_mut("UploadMeta") else {
        return;
    };
    let text_fields = [
        "procedure_code",
        "document_number",
        "officer",
        "owner_name",
        "issuing_agency",
        "signer",
        "scope",
    ];
    for field in text_fields {
        let property = &mut meta["properties"][field];
        property["pattern"] = LINE_PATTERN.into();
        property["maxLength"] = MAX_TEXT_FIELD.into();
    }
    meta["properties"]["dossier_code"]["pattern"] = dossier_pattern.into();
    meta["properties"]["result_code"]["pattern"] =
        format!("^[{space}]*(?:KQ\\.[A-Z][0-9]{{2}}\\.[0-9]{{6}}[{space}]*)?$").into();
    let upload = meta.clone();
    let mut result = meta.clone();
    for field in ["document_number", "issuing_agency", "signer"] {
        result["properties"][field]["pattern"] = REQUIRED_LINE_PATTERN.into();
    }
    result["properties"]["result_code"]["pattern"] =
        format!("^[{space}]*KQ\\.[A-Z][0-9]{{2}}\\.[0-9]{{6}}[{space}]*$").into();
    result["properties"]["issued_on"] = json!({"type": "string", "format": "date"});
    for field in ["result_code", "document_number", "issuing_agency", "signer"] {
        result["properties"][field]["type"] = "string".into();
    }
    if let Some(required) = result["required"].as_array_mut() {
        for field in [
            "result_code",
            "document_number",
            "issuing_agency",
            "signer",
            "issued_on",
        ] {
            required.push(field.into());
        }
    }
    result["description"] = "The `meta` part of `POST /v1/results`: an upload's, with the particulars an issuer must state.".into();
    schemas["ResultMeta"] = result.clone();
    // The forms hold their `meta` inline, references resolved: schemathesis
    // 4.3 loses a reference inside a multipart part when it mutates it.
    let components = schemas.clone();
    let mut upload_meta = upload;
    inline_refs(&mut upload_meta, &components);
    let mut result_meta = result;
    inline_refs(&mut result_meta, &components);
    if let Some(form) = schemas.get_mut("UploadForm") {
        form["properties"]["meta"] = upload_meta;
    }
    if let Some(form) = schemas.get("UploadForm").cloned() {
        let mut result_form = form;
        result_form["properties"]["meta"] = result_meta;
        schemas["ResultForm"] = result_form;
        let pointer = "/paths/~1v1~1results/post/requestBody/content/multipart~1form-data/schema";
        if let Some(schema) = doc.pointer_mut(pointer) {
            *schema = json!({"$ref": "#/components/schemas/ResultForm"});
        }
    }
}

/// Replaces every `{"$ref": "#/components/schemas/X"}` under `value` by
/// X itself (the document's schemas hold no cycles through these).
fn inline_refs(value: &mut serde_json::Value, schemas: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(|r| r.as_str())
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                let mut target = schemas[name].clone();
                inline_refs(&mut target, schemas);
                *value = target;
                return;
            }
            for child in map.values_mut() {
                inline_refs(child, schemas);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                inline_refs(child, schemas);
            }
        }
        _ => {}
    }
}

/// This document.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.openapi.as_ref())
}

/// The methods the document gives `path` (a concrete request path), upper
/// case, in the document's order; none when no documented path matches.
pub fn methods_of(doc: &serde_json::Value, path: &str) -> Vec<String> {
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let Some(paths) = doc["paths"].as_object() else {
        return Vec::new();
    };
    // Of the templates that match, the one with the fewest parameters: a
    // literal path (`/v1/reuse/stats`) before a templated one (`/v1/reuse/{x}`).
    let best = paths
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let mut params = 0;
            let matches = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(t, s)| {
                    if t.starts_with('{') && t.ends_with('}') {
                        params += 1;
                        !s.is_empty()
                    } else {
                        t == s
                    }
                });
            matches.then_some((params, item))
        })
        .min_by_key(|(params, _)| *params);
    if let Some((_, item)) = best {
        return METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_ascii_uppercase())
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_served_document_states_the_purpose_and_procedure_code_patterns() {
        use crate::domain::dossier::{DOSSIER_CODE_PATTERN, PROCEDURE_CODE_PATTERN};
        let doc = super::document_json().unwrap();
        let mut purposes = 0;
        for item in doc["paths"].as_object().unwrap().values() {
            for op in item.as_object().unwrap().values() {
                for p in op["parameters"].as_array().into_iter().flatten() {
                    if p["name"] == "X-Purpose" || p["name"] == "purpose" {
                        let pattern =
                            regex::Regex::new(p["schema"]["pattern"].as_str().unwrap()).unwrap();
                        for (purpose, ok) in [
                            ("", true),
                            (" ", true),
                            ("000.00.06.H56-231027-0361", true),
                            (" 000.00.06.H56-231027-0361 ", true),
                            ("null", false),
                            ("000.00.06.H56-231027-0000", false),
                        ] {
                            assert_eq!(pattern.is_match(purpose), ok, "{purpose:?}");
                            let actor =
                                crate::domain::role::Actor::key("r", crate::domain::Role::Intake);
                            assert_eq!(
                                crate::ops::access::purpose(&actor, Some(purpose)).is_ok(),
                                ok,
                                "{purpose:?}"
                            );
                        }
                        purposes += 1;
                    }
                }
            }
        }
        assert!(purposes >= 6, "{purposes}");
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["ReuseCheck"]["properties"]["dossier_code"]["pattern"],
            DOSSIER_CODE_PATTERN
        );
        assert_eq!(
            schemas["OpenDossier"]["properties"]["procedure_code"]["pattern"],
            PROCEDURE_CODE_PATTERN
        );
        assert_eq!(
            schemas["RevokeRequest"]["properties"]["reason"]["maxLength"],
            500
        );
        for review in schemas["ReviewRequest"]["oneOf"].as_array().unwrap() {
            assert!(review["properties"]["officer"]["pattern"].is_string());
            assert!(review["properties"]["note"]["pattern"].is_string());
        }
    }

    #[test]
    fn a_request_path_finds_its_documented_methods_by_template() {
        let doc = serde_json::json!({"paths": {
            "/v1/records": {"post": {}},
            "/v1/records/{id}": {"get": {}},
            "/v1/kinds/{kind}": {"get": {}, "put": {}},
        }});
        assert_eq!(super::methods_of(&doc, "/v1/records/abc"), ["GET"]);
        assert_eq!(super::methods_of(&doc, "/v1/kinds/x"), ["GET", "PUT"]);
        assert_eq!(super::methods_of(&doc, "/v1/records"), ["POST"]);
        assert!(super::methods_of(&doc, "/v1/records/abc/nothing").is_empty());
        assert!(super::methods_of(&doc, "/v2/records").is_empty());
    }

    #[test]
    fn every_route_of_the_table_is_in_the_document_with_its_method() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        // Every operation names its responses and a tag.
        let mut operations = 0;
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                operations += 1;
                assert!(op["responses"].is_object(), "{method} {path}");
                assert!(op["tags"].is_array(), "{method} {path} has no tag");
            }
        }
        assert!(operations >= 23, "only {operations} operations");
        assert!(doc["paths"]["/v1/records/{id}/pages/{n}"]["get"].is_object());
        assert!(doc["components"]["schemas"]["ErrorCode"].is_object());
    }
}
