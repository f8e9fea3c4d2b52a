//! `/v1/records`: upload a scanned paper, read a record, fetch an original page.

use actix_web::http::StatusCode;
use actix_web::http::header::ContentType;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::files::{file_response, not_modified};
use super::upload::{self as uploads, UploadForm};
use super::views::{RecordView, UploadView};
use super::{AppState, purpose_of};
use crate::domain::Origin;
use crate::domain::access::Action;
use crate::ops::{self, access, intake};

/// Upload a scanned paper.
///
/// Checks the owner ID, kind and every page, stores the original files
/// durably, records them, and queues OCR. Answers 202 once that is durable;
/// OCR continues in the background (poll `GET /v1/records/{id}` until
/// `status` leaves `processing`). If the very same files are already on file
/// for this owner and kind, answers 200 with that record and
/// `"duplicate": true`, storing nothing. A rejected upload stores nothing.
#[utoipa::path(
    tag = "records",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; OCR queued", body = UploadView),
        (status = 200, description = "Already on file (duplicate)", body = UploadView),
        (status = 400, description = "invalid_subject_id, unknown_kind, missing_pages, missing_meta, invalid_meta, unexpected_part, invalid_multipart, mixed_upload (a born-digital PDF sent with other files)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden", body = ErrorBody),
        (status = 413, description = "image_too_large (a file, or a page's pixel count, past its limit), upload_too_large (the whole request), too_many_files, too_many_pages", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "unreadable_image; resolution_too_low (a page below the dpi floor); blank_scan (every page blank)", body = ErrorBody),
        (status = 503, description = "busy (too many uploads in flight on this instance: send it again after Retry-After seconds), storage_unavailable, database_unavailable", body = ErrorBody, headers(("Retry-After" = u32, description = "With busy: seconds to wait before sending again"))),
    ),
    security(("api_key" = []))
)]
#[post("/records")]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    submit(&state, &caller, &req, payload, Origin::Scanned).await
}

/// Reads an upload and submits it: the roles are checked before the body is read.
pub(super) async fn submit(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    payload: web::Payload,
    origin: Origin,
) -> Result<HttpResponse, ApiError> {
    ops::authorize(&caller.0, intake::roles_for(origin))?;
    let (meta, files, _ticket) = uploads::read(state, req, payload).await?;
    let submitted = intake::submit(&state.cx, &caller.0, origin, meta, files).await?;
    let status = if submitted.duplicate {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok(HttpResponse::build(status).json(UploadView::from(submitted)))
}

/// Read a record: status, metadata, and per page its hash, size, dimensions,
/// resolution and recognised text.
#[utoipa::path(
    tag = "records",
    params(("id" = String, Path, description = "Record id"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, body = RecordView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/records/{id}")]
pub async fn get_record(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let purpose = purpose_of(&req);
    let record = access::record(
        &state.cx,
        &caller.0,
        &path.into_inner(),
        purpose.as_deref(),
        Action::ReadRecord,
    )
    .await?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}

/// Fetch the original file holding page `n`, byte for byte as uploaded. The
/// `ETag` is its SHA-256; `If-None-Match` with it answers 304.
#[utoipa::path(
    tag = "records",
    params(("id" = String, Path, description = "Record id"), ("n" = u32, Path, description = "Page number, from 1"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, description = "The original bytes", content_type = "application/octet-stream"),
        (status = 304, description = "Not modified"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/records/{id}/pages/{n}")]
pub async fn get_page(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let page = read_page(&state, &caller, &req, path.into_inner()).await?;
    if let Some(not_modified) = not_modified(&req, &page.sha256) {
        return Ok(not_modified);
    }
    let bytes = access::original(&state.cx, &page).await?;
    let content_type: ContentType = page
        .content_type
        .parse::<mime::Mime>()
        .map(ContentType)
        .unwrap_or(ContentType::octet_stream());
    Ok(file_response(&page.sha256, content_type).body(bytes))
}

/// Page `n` of a record, for a caller allowed to read it and naming its
/// purpose (the read is in the ledger before anything is served).
async fn read_page(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    (id, n): (String, String),
) -> Result<crate::domain::Page, ApiError> {
    ops::authorize(&caller.0, access::READ_ROLES)?;
    let purpose = purpose_of(req);
    access::purpose(&caller.0, purpose.as_deref())?;
    let n: u32 = n.parse().map_err(|_| ApiError::not_found("page"))?;
    Ok(access::page(&state.cx, &caller.0, &id, n, purpose.as_deref()).await?)
}

/// The words read on page `n`, line by line, each with its box (in the
/// pixels of the page as read: `width`×`height`, the paper cut out and
/// flattened for a photo), its confidence, and whether it is `doubtful` (not
/// a Vietnamese syllable, or doubted by the recogniser) or `handwritten`; a
/// word the Vietnamese check corrected keeps what was read in `raw`. 404
/// `not_found` until the page has been read.
#[utoipa::path(
    tag = "records",
    params(("id" = String, Path, description = "Record id"), ("n" = u32, Path, description = "Page number, from 1"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, body = crate::domain::reading::PageLayout),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found (no such page, or not read yet)", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/records/{id}/pages/{n}/words")]
pub async fn get_page_words(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let page = read_page(&state, &caller, &req, path.into_inner()).await?;
    let layout = page.layout.ok_or_else(|| ApiError::not_found("page"))?;
    Ok(HttpResponse::Ok().json(layout))
}
