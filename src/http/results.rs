//! Results an agency issued (kết quả giải quyết TTHC), registered by the
//! issuer itself, and their withdrawal: `POST /v1/results`,
//! `POST /v1/records/{id}/revoke`.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::submit;
use super::upload::UploadForm;
use super::views::{RecordView, UploadView};
use crate::domain::Origin;
use crate::ops::withdraw;

/// Register a result this agency issued.
///
/// The same multipart shape as `POST /v1/records` (`meta` + `page`…), and
/// `meta` must state `result_code`, `document_number`, `issuing_agency`,
/// `signer` and `issued_on` (plus `valid_until` or `permanent` where the
/// paper says so). A born-digital PDF is accepted and kept byte for byte
/// (a digital signature in it stays intact); its text is taken from the PDF,
/// OCR only reads pages without text. The result is stored, hashed and read
/// like any record, then certified at once: the issuer vouches for it and
/// this agency's key signs it. Answers 202 once stored (`processing`), or 200
/// with `duplicate: true` when the same files are already registered.
#[utoipa::path(
    tag = "results",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; it is read and certified in the background", body = UploadView),
        (status = 200, description = "Already registered (duplicate)", body = UploadView),
        (status = 400, description = "invalid_meta (a particular missing or malformed), and the upload errors of POST /v1/records", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "busy (too many uploads in flight on this instance: send it again after Retry-After seconds), storage_unavailable, database_unavailable", body = ErrorBody, headers(("Retry-After" = u32, description = "With busy: seconds to wait before sending again"))),
    ),
    security(("api_key" = []))
)]
#[post("/results")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    submit(&state, &caller, &req, payload, Origin::Issued).await
}

/// Body of `POST /v1/records/{id}/revoke`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// Why, in words the citizen and later agencies can read.
    #[schema(example = "cấp nhầm thông tin ngày sinh")]
    pub reason: String,
    /// The record that replaces this one (same owner and kind, certified):
    /// the status becomes `superseded` instead of `revoked`.
    pub superseded_by: Option<String>,
}

/// Revoke or supersede a certified record.
///
/// An issuer may withdraw the results it registered; an admin, any record.
/// The record stays readable for look-up and audit, is never offered for
/// reuse, and verification reports it `revoked` (or `superseded`).
#[utoipa::path(
    tag = "results",
    params(("id" = String, Path, description = "Record id")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Withdrawn: the record, now revoked or superseded", body = RecordView),
        (status = 400, description = "invalid_json, invalid_reason, invalid_superseded_by", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "forbidden: not this issuer's result", body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "invalid_transition: only a certified record can be withdrawn", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/records/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let record = withdraw::withdraw(
        &state.cx,
        &caller.0,
        &path.into_inner(),
        &body.reason,
        body.superseded_by.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}
