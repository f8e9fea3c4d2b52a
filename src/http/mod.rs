//! The HTTP API. The route table is here, in one place; each resource has its
//! own file; handlers hold no SQL and call `intake`, `storage` and friends.

mod access;
pub mod auth;
mod certification;
mod citizen;
mod dossiers;
pub mod errors;
mod health;
mod kinds;
mod logging;
pub mod openapi;
mod records;
mod results;
mod reuse;
mod subjects;
mod verify;
pub mod views;

use std::sync::Arc;

use actix_web::web;

use crate::config::Settings;
use crate::intake::Intake;
use crate::signing::AgencySigner;
use crate::storage::blobs::BlobStore;
use crate::storage::db::Repository;
use errors::ApiError;

pub use logging::log_requests;
pub use verify::VerifyLimiter;

/// What handlers share.
pub struct AppState {
    pub repo: Arc<dyn Repository>,
    pub blobs: BlobStore,
    pub intake: Arc<Intake>,
    pub settings: Arc<Settings>,
    /// The agency's current signing key.
    pub signer: Arc<AgencySigner>,
    /// Per-address limit on the public `POST /v1/verify`.
    pub verify_limiter: VerifyLimiter,
}

/// The route table.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().error_handler(errors::json_error_handler))
        .app_data(web::QueryConfig::default().error_handler(errors::query_error_handler))
        .route("/healthz", web::get().to(health::healthz))
        .route("/openapi.json", web::get().to(openapi::openapi_json))
        .service(
            web::scope("/v1")
                .route("/records", web::post().to(records::upload))
                .route("/records/{id}", web::get().to(records::get_record))
                .route("/records/{id}/pages/{n}", web::get().to(records::get_page))
                .route(
                    "/records/{id}/review",
                    web::post().to(certification::review),
                )
                .route(
                    "/records/{id}/certificate",
                    web::get().to(certification::certificate),
                )
                .route("/records/{id}/pdf", web::get().to(certification::pdf))
                .route("/records/{id}/revoke", web::post().to(results::revoke))
                .route("/results", web::post().to(results::register))
                .route("/reuse-check", web::post().to(reuse::check))
                .route("/stats/reuse", web::get().to(reuse::stats))
                .route("/catalogue/kinds", web::get().to(kinds::list))
                .route("/catalogue/kinds/{kind}", web::put().to(kinds::set))
                .route(
                    "/subjects/{subject_id}/access-log",
                    web::get().to(subjects::access_log),
                )
                .route(
                    "/subjects/{subject_id}/citizen-links",
                    web::post().to(citizen::create),
                )
                .route(
                    "/citizen-links/{id}/revoke",
                    web::post().to(citizen::revoke),
                )
                .route("/signing-keys", web::get().to(verify::signing_keys))
                .route("/verify", web::post().to(verify::verify))
                .route("/dossiers", web::post().to(dossiers::open))
                .route("/dossiers/{code}", web::get().to(dossiers::get))
                .route(
                    "/subjects/{subject_id}/records",
                    web::get().to(subjects::list_records),
                ),
        )
        .route("/c/{token}", web::get().to(citizen::open))
        .default_service(web::to(not_found));
}

async fn not_found() -> Result<actix_web::HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "endpoint (see /openapi.json for the API)",
    ))
}
