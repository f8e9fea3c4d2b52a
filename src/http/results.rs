//! Results an agency issued (kết quả giải quyết TTHC), registered by the
//! issuer itself, and their withdrawal: `POST /v1/results`,
//! `POST /v1/records/{id}/revoke`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::{UploadForm, read_upload, upload_response};
use super::views::{RecordView, UploadView};
use crate::domain::{RecordStatus, Role, text};
use crate::storage::db::Origin;

/// Roles that register results.
pub const ISSUE_ROLES: &[Role] = &[Role::Issuer, Role::Admin];

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
    post, path = "/v1/results", tag = "results",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; it is read and certified in the background", body = UploadView),
        (status = 200, description = "Already registered (duplicate)", body = UploadView),
        (status = 400, description = "invalid_meta (a particular missing or malformed), and the upload errors of POST /v1/records", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(ISSUE_ROLES)?;
    let (meta, files) = read_upload(&state, &req, payload).await?;
    let submitted = state
        .intake
        .submit(meta, files, &caller.key_name, Origin::Issued)
        .await?;
    Ok(upload_response(submitted))
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
    post, path = "/v1/records/{id}/revoke", tag = "results",
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
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(ISSUE_ROLES)?;
    let id = path.into_inner();
    let body = body.into_inner();
    let reason = text::paragraph("reason", &body.reason, 500)
        .map_err(|m| ApiError::bad_request("invalid_reason", m))?
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_reason",
                "give the reason in plain words (up to 500 characters)",
            )
        })?;
    let reason = reason.as_str();
    let record = state
        .repo
        .record(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))?;
    if caller.role == Role::Issuer
        && !(record.origin == Origin::Issued && record.created_by == caller.key_name)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "an issuer may revoke only the results it registered",
        ));
    }
    let replacement = match body.superseded_by.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(other) => {
            let newer = state.repo.record(other).await?;
            let fits = newer.as_ref().is_some_and(|n| {
                n.id != record.id
                    && n.subject_id == record.subject_id
                    && n.kind == record.kind
                    && n.status == RecordStatus::Certified
            });
            if !fits {
                return Err(ApiError::bad_request(
                    "invalid_superseded_by",
                    "superseded_by must be another certified record of the same owner and kind",
                ));
            }
            Some(other.to_owned())
        }
    };
    let target = if replacement.is_some() {
        RecordStatus::Superseded
    } else {
        RecordStatus::Revoked
    };
    let done = state
        .repo
        .withdraw(&id, reason, replacement.as_deref(), &caller.key_name)
        .await?;
    if !done {
        let now = state
            .repo
            .record(&id)
            .await?
            .map_or(record.status, |r| r.status);
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "invalid_transition",
            format!(
                "a {now} record cannot become {target}: only a certified record can be withdrawn"
            ),
        ));
    }
    tracing::info!(record = %id, status = %target, "record withdrawn");
    let record = state
        .repo
        .record(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}
