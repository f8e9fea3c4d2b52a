//! `GET /metrics`: the process's metrics in Prometheus's text format, for
//! admin keys (a scraper sends one as `Authorization: Bearer`): requests by
//! route pattern and status, their latency, pages read and their latency,
//! jobs by state, OCR engines busy, uploads in flight and their spooled
//! bytes, ledger entries and commit latency, and searches' time by phase
//! (matching, fetching the hits, logging them as reads). No label carries
//! personal data: routes are patterns, never paths.

use actix_web::{HttpResponse, get, web};

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use crate::domain::Role;
use crate::ops::authorize;

/// Metrics in Prometheus's text exposition format (admin keys).
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 503, description = "database_unavailable", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, &[Role::Admin])?;
    // Jobs are counted in the database, so every instance reports the queue.
    for (job_state, count) in state.cx.repo.job_counts().await? {
        ::metrics::gauge!("sohoa_jobs", "state" => job_state).set(count as f64);
    }
    let (uploads, bytes) = state.uploads.in_flight();
    ::metrics::gauge!("sohoa_uploads_in_flight").set(uploads as f64);
    ::metrics::gauge!("sohoa_upload_spooled_bytes").set(bytes as f64);
    let body = state
        .metrics
        .as_ref()
        .map(|handle| handle.render())
        .unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body))
}
