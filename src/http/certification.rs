//! The officer's review and what it produces: `POST /v1/records/{id}/review`,
//! the signed certificate (`GET /v1/records/{id}/certificate`) and the
//! searchable PDF (`GET /v1/records/{id}/pdf`).

use actix_web::http::header::{self, ContentType};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Deserialize;

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::files::{file_response, not_modified};
use super::views::RecordView;
use super::{AppState, purpose_of};
use crate::ops::access;
use crate::ops::review as reviews;

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
    /// The paper's particulars as the officer confirms them (confirm only):
    /// a field left out keeps the record's, an empty one clears it.
    pub particulars: Option<ReviewParticulars>,
    /// Take the record's `suggestions` for every particular it lacks and the
    /// officer did not type (confirm only).
    #[serde(default)]
    pub accept_suggestions: bool,
}

/// Particulars confirmed in review; they become the record's and its certificate's.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewParticulars {
    #[schema(example = "125/UBND-TP")]
    pub document_number: Option<String>,
    /// `YYYY-MM-DD`, not in the future; empty clears it.
    #[schema(example = "2024-03-05")]
    pub issued_on: Option<String>,
    #[schema(example = "UBND PHƯỜNG LÁNG HẠ")]
    pub issuing_agency: Option<String>,
    #[schema(example = "Trần Văn Bình")]
    pub signer: Option<String>,
    /// The owner's name as printed (a company's for a business paper).
    #[schema(example = "NGUYỄN VĂN AN")]
    pub owner_name: Option<String>,
}

/// Review a record against the paper.
///
/// `confirm` moves a record from `pending_review` to `certified` and signs
/// its digitisation certificate with the agency's key, over the particulars
/// as confirmed (`particulars`, `accept_suggestions`); `reject` moves it to
/// `rejected` (a note saying why is required). From any other status the
/// answer is 409 `invalid_transition` and nothing changes.
#[utoipa::path(
    tag = "certification",
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
#[post("/records/{id}/review")]
pub async fn review(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<ReviewRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let request = reviews::Request {
        decision: match body.decision {
            Decision::Confirm => reviews::Decision::Confirm,
            Decision::Reject => reviews::Decision::Reject,
        },
        officer: body.officer,
        note: body.note,
        particulars: body
            .particulars
            .map(|p| reviews::Particulars {
                document_number: p.document_number,
                issued_on: p.issued_on,
                issuing_agency: p.issuing_agency,
                signer: p.signer,
                owner_name: p.owner_name,
            })
            .unwrap_or_default(),
        accept_suggestions: body.accept_suggestions,
    };
    let record = reviews::review(&state.cx, &caller.0, &path.into_inner(), request).await?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}

/// The record's signed digitisation certificate, as a JWS in compact
/// serialisation (`application/jose`). Verify it with any JOSE library and
/// the keys of `GET /v1/signing-keys`; its payload is canonical JSON
/// (`CertificateClaims`).
#[utoipa::path(
    tag = "certification",
    params(("id" = String, Path, description = "Record id"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, description = "JWS compact serialisation", content_type = "application/jose", body = String),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found: no such record, or it is not certified", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/records/{id}/certificate")]
pub async fn certificate(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let purpose = purpose_of(&req);
    let jws =
        access::certificate(&state.cx, &caller.0, &path.into_inner(), purpose.as_deref()).await?;
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
    tag = "certification",
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
#[get("/records/{id}/pdf")]
pub async fn pdf(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let purpose = purpose_of(&req);
    let (record, rendition) =
        access::pdf(&state.cx, &caller.0, &path.into_inner(), purpose.as_deref()).await?;
    if let Some(not_modified) = not_modified(&req, &rendition.sha256) {
        return Ok(not_modified);
    }
    let bytes = access::pdf_bytes(&state.cx, &record, &rendition).await?;
    Ok(
        file_response(&rendition.sha256, ContentType(mime::APPLICATION_PDF))
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}.pdf\"", record.id),
            ))
            .body(bytes),
    )
}
