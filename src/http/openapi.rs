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

/// This document.
#[utoipa::path(tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
#[get("/openapi.json")]
pub async fn openapi_json(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(state.openapi.as_ref())
}

#[cfg(test)]
mod tests {
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
