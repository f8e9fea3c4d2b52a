//! The OpenAPI 3 document, generated from the handlers' annotations and
//! served at `/openapi.json`.

use actix_web::HttpResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    certification, citizen, dossiers, errors, health, kinds, records, results, reuse, subjects,
    verify, views,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sohoa",
        description = "Digitise, store and reuse the papers citizens hand in at one-stop-shop counters (Decree 107/2021). Every /v1 endpoint needs `Authorization: Bearer KEY`, except the public `GET /v1/signing-keys` and `POST /v1/verify`; citizens open `/c/{token}` links. Reads of someone's papers name their purpose, the dossier code, as header `X-Purpose` or query `purpose` (required for `reader` keys: 400 `purpose_required`), and are recorded in a hash-chained access ledger. Errors are JSON `{code, message}` with a stable `code`."
    ),
    paths(
        records::upload, records::get_record, records::get_page,
        certification::review, certification::certificate, certification::pdf,
        results::register, results::revoke,
        reuse::check, reuse::stats,
        kinds::list, kinds::set,
        verify::signing_keys, verify::verify,
        subjects::list_records, subjects::access_log,
        citizen::create, citizen::revoke, citizen::open,
        dossiers::open, dossiers::get, health::healthz, openapi_json
    ),
    components(schemas(
        errors::ErrorBody, views::RecordView, views::PageView, views::UploadView, views::RecordList,
        health::Health, dossiers::OpenDossier, dossiers::DossierView, crate::intake::UploadMeta, crate::domain::DocumentKind, crate::domain::RecordStatus,
        views::RenditionView, views::ReviewView, certification::ReviewRequest, certification::Decision,
        crate::certificate::CertificateClaims, crate::certificate::SignatureStatus,
        crate::verification::VerifyAnswer, verify::VerifyBySha256, crate::verification::Verdict, crate::verification::MatchedAs,
        results::RevokeRequest, crate::storage::db::Origin,
        reuse::ReuseCheck, reuse::Requirement, reuse::ReuseAnswer, reuse::ReuseItem, reuse::ItemStatus, reuse::Reason,
        reuse::ReuseStatsView, reuse::Count,
        kinds::KindList, kinds::KindView, kinds::SetValidity, crate::domain::validity::ValidityRule,
        subjects::AccessLogView, crate::storage::db::AccessEntry,
        citizen::NewLink, citizen::LinkView, citizen::CitizenPage, citizen::CitizenRecord, citizen::CitizenAccess
    )),
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
        (name = "operations", description = "Health and API description")
    )
)]
pub struct ApiDoc;

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

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations", responses((status = 200, description = "OpenAPI 3 document")))]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
