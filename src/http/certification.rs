//! The officer's review and what it produces: `POST /v1/records/{id}/review`,
//! the signed certificate (`GET /v1/records/{id}/certificate`) and the
//! searchable PDF (`GET /v1/records/{id}/pdf`).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::{READ_ROLES, UPLOAD_ROLES, file_response, not_modified};
use super::views::RecordView;
use crate::certificate::CertificateClaims;
use crate::domain::{RecordStatus, text};
use crate::storage::db::Review;

/// Longest review note.
const MAX_NOTE: usize = 2000;
/// Longest officer name.
const MAX_OFFICER: usize = 200;

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The scan matches the paper: certify and sign it.
    Confirm,
    /// The scan does not match the paper: reject it (a rescan may follow).
    Reject,
}

/// Body of `POST /v1/records/{id}/review`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub decision: Decision,
    /// The officer who compared the scan with the paper, as they sign.
    #[schema(example = "Nguyễn Thị Lan")]
    pub officer: String,
    /// What the officer noticed; required when rejecting.
    pub note: Option<String>,
}

/// Review a record against the paper.
///
/// `confirm` moves a record from `pending_review` to `certified` and signs
/// its digitisation certificate with the agency's key; `reject` moves it to
/// `rejected` (a note saying why is required). From any other status the
/// answer is 409 `invalid_transition` and nothing changes.
#[utoipa::path(
    post, path = "/v1/records/{id}/review", tag = "certification",
    params(("id" = String, Path, description = "Record id")),
    request_body = ReviewRequest,
    responses(
        (status = 200, description = "Reviewed: the record, now certified or rejected", body = RecordView),
        (status = 400, description = "invalid_json, invalid_review", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "invalid_transition: the record is not awaiting review", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(UPLOAD_ROLES)?;
    let id = path.into_inner();
    let request = body.into_inner();
    let invalid = |message: String| ApiError::bad_request("invalid_review", message);
    let officer = text::line("officer", &request.officer, MAX_OFFICER)
        .map_err(invalid)?
        .ok_or_else(|| {
            invalid(
                "officer is required: the name of the officer who compared the scan with the paper"
                    .into(),
            )
        })?;
    let note = text::paragraph("note", request.note.as_deref().unwrap_or(""), MAX_NOTE)
        .map_err(invalid)?;
    if matches!(request.decision, Decision::Reject) && note.is_none() {
        return Err(invalid(
            "a rejection needs a note saying what does not match the paper".into(),
        ));
    }
    let record = state
        .repo
        .record(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))?;
    let target = match request.decision {
        Decision::Confirm => RecordStatus::Certified,
        Decision::Reject => RecordStatus::Rejected,
    };
    if !record.status.can_become(target) {
        return Err(invalid_transition(record.status, target));
    }
    let at = Utc::now();
    let review = Review {
        officer: officer.clone(),
        note,
        at,
    };
    let agency = state.settings.agency();
    let certificate = match request.decision {
        Decision::Confirm => Some(
            CertificateClaims::for_record(&record, &officer, agency.as_str(), at)
                .sign(&state.signer)
                .map_err(ApiError::internal)?,
        ),
        Decision::Reject => None,
    };
    let concluded = state
        .repo
        .conclude_review(
            &id,
            &review,
            certificate.as_deref().map(|c| (c, agency.as_str())),
        )
        .await?;
    if !concluded {
        // Another review got there first.
        let now = state.repo.record(&id).await?;
        let status = now.map_or(record.status, |r| r.status);
        return Err(invalid_transition(status, target));
    }
    tracing::info!(record = %id, status = %target, "record reviewed");
    let record = state
        .repo
        .record(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}

fn invalid_transition(from: RecordStatus, to: RecordStatus) -> ApiError {
    let hint = match from {
        RecordStatus::Processing => {
            "its text and PDF are still being made; review it once it is pending_review"
        }
        RecordStatus::Certified => "it is already certified",
        RecordStatus::Rejected => "it was rejected; upload a new scan instead",
        RecordStatus::Failed => "its processing failed; upload a new scan instead",
        _ => "it is no longer in use",
    };
    ApiError::new(
        StatusCode::CONFLICT,
        "invalid_transition",
        format!("a {from} record cannot become {to}: {hint}"),
    )
}

/// The record's signed digitisation certificate, as a JWS in compact
/// serialisation (`application/jose`). Verify it with any JOSE library and
/// the keys of `GET /v1/signing-keys`; its payload is canonical JSON
/// (`CertificateClaims`).
#[utoipa::path(
    get, path = "/v1/records/{id}/certificate", tag = "certification",
    params(("id" = String, Path, description = "Record id"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, description = "JWS compact serialisation", content_type = "application/jose", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found: no such record, or it is not certified", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn certificate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let record = access::read_record(
        &state,
        &caller,
        &req,
        &path.into_inner(),
        Action::ReadCertificate,
    )
    .await?;
    let jws = record.certificate.ok_or_else(|| {
        ApiError::not_found("certificate (the record has not been certified by an officer)")
    })?;
    Ok(HttpResponse::Ok()
        .content_type("application/jose")
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .body(jws))
}

/// The searchable PDF of every page: the page images with an invisible text
/// layer over the words, so copying and searching work in any reader. It is
/// made once OCR is done and stored apart from the originals; the `ETag` and
/// `X-Content-SHA256` are its SHA-256, which the certificate signs.
#[utoipa::path(
    get, path = "/v1/records/{id}/pdf", tag = "certification",
    params(("id" = String, Path, description = "Record id"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 304, description = "Not modified"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
        (status = 409, description = "rendition_not_ready: OCR is still running, or failed", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn pdf(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let record =
        access::read_record(&state, &caller, &req, &path.into_inner(), Action::ReadPdf).await?;
    let Some(rendition) = record.rendition else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "rendition_not_ready",
            format!(
                "the searchable PDF is not ready: the record is {}{}",
                record.status,
                if record.status == RecordStatus::Processing {
                    "; try again in a few seconds"
                } else {
                    ""
                }
            ),
        ));
    };
    if let Some(not_modified) = not_modified(&req, &rendition.sha256) {
        return Ok(not_modified);
    }
    // A born-digital PDF is its own searchable PDF, kept among the originals.
    let bytes = if record.pages.iter().any(|p| p.sha256 == rendition.sha256) {
        state.blobs.get_original(&rendition.sha256).await?
    } else {
        state.blobs.get_rendition(&rendition.sha256).await?
    };
    Ok(
        file_response(&rendition.sha256, ContentType(mime::APPLICATION_PDF))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}.pdf\"", record.id),
            ))
            .body(bytes),
    )
}
