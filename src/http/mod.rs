//! The HTTP API. Each resource has its own file; each handler parses the
//! request, calls one operation (`crate::ops`) and renders its answer — no
//! SQL and no rules here. Routes and their OpenAPI entries are registered
//! together in [`routes`] (through `utoipa-actix-web`), so nothing is served
//! undocumented; [`openapi`] builds the document from the same table.

mod auth;
mod certification;
pub mod citizen;
mod citizen_page;
mod dossiers;
pub mod errors;
mod files;
mod health;
mod kinds;
mod ledger;
mod logging;
mod metrics;
pub mod openapi;
mod records;
mod results;
mod reuse;
mod search;
mod subjects;
pub mod upload;
mod verify;
pub mod views;

use std::sync::Arc;

use actix_web::{HttpRequest, web};
use serde::Deserialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::Settings;
use crate::ops;
use errors::ApiError;

pub use auth::Caller;
pub use logging::log_requests;
pub use upload::{UploadBudget, UploadTicket};
pub use verify::VerifyLimiter;

/// What handlers share.
pub struct AppState {
    pub cx: ops::Context,
    pub settings: Arc<Settings>,
    /// Per-address limit on the public `POST /v1/verify`.
    pub verify_limiter: VerifyLimiter,
    /// Where upload bodies stream to.
    pub spool: crate::storage::spool::Spool,
    /// The bound on uploads in flight.
    pub uploads: Arc<UploadBudget>,
    /// The OpenAPI document, built once from the route table.
    pub openapi: Arc<serde_json::Value>,
    /// Renders the process's metrics (none when no recorder is installed).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The route table, with every route's OpenAPI entry.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().error_handler(errors::json_error_handler))
        .app_data(web::QueryConfig::default().error_handler(errors::query_error_handler))
        .app_data(web::PathConfig::default().error_handler(errors::path_error_handler))
        .service(health::healthz)
        .service(metrics::metrics)
        .service(openapi::openapi_json)
        .service(
            scope("/v1")
                .service(records::upload)
                .service(records::get_record)
                .service(records::get_page)
                .service(records::get_page_words)
                .service(certification::review)
                .service(certification::certificate)
                .service(certification::pdf)
                .service(results::revoke)
                .service(results::register)
                .service(reuse::check)
                .service(reuse::stats)
                .service(kinds::list)
                .service(kinds::set)
                .service(subjects::access_log)
                .service(subjects::list_records)
                .service(search::search)
                .service(citizen::create)
                .service(citizen::revoke)
                .service(verify::signing_keys)
                .service(verify::verify)
                .service(dossiers::open)
                .service(dossiers::get)
                .service(ledger::latest)
                .service(ledger::history)
                .service(ledger::make)
                .service(ledger::consistency),
        )
        .service(citizen::open)
        .default_service(web::to(fallback));
}

/// What no route answers: `405` with `Allow` when the path is one the
/// OpenAPI document has with other methods, else `404`.
async fn fallback(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    let allowed = openapi::methods_of(&state.openapi, req.path());
    if allowed.is_empty() {
        return Err(ApiError::not_found(
            "endpoint (see /openapi.json for the API)",
        ));
    }
    let allow = allowed.join(", ");
    Ok(actix_web::HttpResponse::MethodNotAllowed()
        .insert_header((actix_web::http::header::ALLOW, allow.clone()))
        .json(errors::ErrorBody {
            code: crate::error_code::ErrorCode::MethodNotAllowed,
            message: format!(
                "{} is not answered here; this path takes {allow}",
                req.method()
            ),
        }))
}

/// A page size asked for: from 1 to `max` (the document says so), else
/// `400 invalid_query` rather than quietly fewer.
fn check_limit(limit: Option<u32>, max: u32) -> Result<(), ApiError> {
    match limit {
        Some(n) if n == 0 || n > max => Err(ApiError::new(
            crate::error_code::ErrorCode::InvalidQuery,
            format!("limit must be between 1 and {max}, not {n}"),
        )),
        _ => Ok(()),
    }
}

/// The header that names a read's purpose.
pub const PURPOSE_HEADER: &str = "X-Purpose";

#[derive(Deserialize)]
struct PurposeQuery {
    purpose: Option<String>,
}

/// What a read says it is for: header `X-Purpose`, else query `purpose`.
fn purpose_of(req: &HttpRequest) -> Option<String> {
    let from_header = req
        .headers()
        .get(PURPOSE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    from_header.or_else(|| {
        serde_urlencoded::from_str::<PurposeQuery>(req.query_string())
            .ok()
            .and_then(|q| q.purpose)
    })
}
