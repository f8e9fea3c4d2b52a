//! The OpenAPI 3 document, served at `/openapi.json`. Its paths come from
//! the route table itself ([`super::routes`]), so a route cannot be served
//! undocumented; this file adds what no handler states: the description,
//! the key scheme, the tags and the error catalogue, and the patterns of the
//! codes the server parses (`bodies` states what the request bodies need).

use actix_web::{App, HttpResponse, get, web};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use super::AppState;

mod bodies;

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
    bodies::patch_bodies(&mut doc);
    bodies::patch_upload_meta(&mut doc, &purpose_pattern);
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
