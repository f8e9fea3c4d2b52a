//! `/v1/records`: upload a scanned paper, read a record, fetch an original page.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType, EntityTag};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::BytesMut;
use futures_util::TryStreamExt;
use sha2::Digest;

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::{RecordView, UploadQuality, UploadView};
use crate::domain::{Role, Sha256Digest};
use crate::intake::{Submitted, UploadMeta, UploadedFile};
use crate::storage::db::Origin;

/// Roles that may read records and their files.
pub const READ_ROLES: &[Role] = &[Role::Intake, Role::Reader, Role::Admin];
/// Roles that may upload scans.
pub const UPLOAD_ROLES: &[Role] = &[Role::Intake, Role::Admin];

/// Largest `meta` part.
const MAX_META_BYTES: usize = 64 * 1024;

/// Body of `POST /v1/records` (multipart/form-data).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// JSON metadata.
    meta: UploadMeta,
    /// One part per scanned file: PNG, JPEG, TIFF (multi-page allowed) or a
    /// scanner PDF. Repeat the part for more files; pages are numbered in order.
    #[schema(value_type = Vec<String>, format = Binary)]
    page: Vec<Vec<u8>>,
}

/// Upload a scanned paper.
///
/// Checks the owner ID, kind and every page, stores the original files
/// durably, records them, and queues OCR. Answers 202 once that is durable;
/// OCR continues in the background (poll `GET /v1/records/{id}` until
/// `status` leaves `processing`). If the very same files are already on file
/// for this owner and kind, answers 200 with that record and
/// `"duplicate": true`, storing nothing. A rejected upload stores nothing.
#[utoipa::path(
    post, path = "/v1/records", tag = "records",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 202, description = "Stored; OCR queued", body = UploadView),
        (status = 200, description = "Already on file (duplicate)", body = UploadView),
        (status = 400, description = "invalid_subject_id, unknown_kind, missing_pages, missing_meta, invalid_meta, unexpected_part, invalid_multipart, mixed_upload (a born-digital PDF sent with other files)", body = ErrorBody),
        (status = 401, description = "unauthorized", body = ErrorBody),
        (status = 403, description = "forbidden", body = ErrorBody),
        (status = 413, description = "image_too_large: file, upload or page dimensions past the limits", body = ErrorBody),
        (status = 415, description = "unsupported_media_type", body = ErrorBody),
        (status = 422, description = "unreadable_image; resolution_too_low (a page below the dpi floor); blank_scan (every page blank)", body = ErrorBody),
        (status = 503, description = "storage_unavailable, database_unavailable", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn upload(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(UPLOAD_ROLES)?;
    let (meta, files) = read_upload(&state, &req, payload).await?;
    let submitted = state
        .intake
        .submit(meta, files, &caller.key_name, Origin::Scanned)
        .await?;
    Ok(upload_response(submitted))
}

/// 202 with the new record, or 200 with the one already on file.
pub(super) fn upload_response(submitted: Submitted) -> HttpResponse {
    let status = if submitted.duplicate {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    HttpResponse::build(status).json(UploadView {
        record: submitted.record.into(),
        duplicate: submitted.duplicate,
        quality: UploadQuality {
            dropped_blank_pages: submitted.dropped_blank_pages,
        },
    })
}

/// Read a record: status, metadata, and per page its hash, size, dimensions,
/// resolution and recognised text.
#[utoipa::path(
    get, path = "/v1/records/{id}", tag = "records",
    params(("id" = String, Path, description = "Record id"), ("X-Purpose" = Option<String>, Header, description = "The dossier code this read is for (or query `purpose`); required for reader keys")),
    responses(
        (status = 400, description = "purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 200, body = RecordView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn get_record(
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
        Action::ReadRecord,
    )
    .await?;
    Ok(HttpResponse::Ok().json(RecordView::from(record)))
}

/// Fetch the original file holding page `n`, byte for byte as uploaded. The
/// `ETag` is its SHA-256; `If-None-Match` with it answers 304.
#[utoipa::path(
    get, path = "/v1/records/{id}/pages/{n}", tag = "records",
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
pub async fn get_page(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let purpose = access::purpose(&req, &caller)?;
    let (id, n) = path.into_inner();
    let n: u32 = n.parse().map_err(|_| ApiError::not_found("page"))?;
    let page = state
        .repo
        .page(&id, n)
        .await?
        .ok_or_else(|| ApiError::not_found("page"))?;
    let subject = state
        .repo
        .record(&id)
        .await?
        .map(|r| r.subject_id)
        .ok_or_else(|| ApiError::not_found("page"))?;
    access::log_read(
        &state,
        &caller,
        &subject,
        Some(&id),
        purpose.as_deref(),
        Action::ReadPage,
    )
    .await?;
    if let Some(not_modified) = not_modified(&req, &page.sha256) {
        return Ok(not_modified);
    }
    let bytes = state.blobs.get_original(&page.sha256).await?;
    let content_type: ContentType = page
        .content_type
        .parse::<mime::Mime>()
        .map(ContentType)
        .unwrap_or(ContentType::octet_stream());
    Ok(file_response(&page.sha256, content_type).body(bytes))
}

/// 304 when the request's `If-None-Match` already names this file's digest.
pub(super) fn not_modified(req: &HttpRequest, digest: &Sha256Digest) -> Option<HttpResponse> {
    let hex = digest.to_hex();
    matches_etag(req, &hex).then(|| {
        HttpResponse::NotModified()
            .insert_header(header::ETag(EntityTag::new_strong(hex)))
            .finish()
    })
}

/// The headers of a stored file: its SHA-256 as `ETag` and `X-Content-SHA256`
/// (so every byte served can be checked), never cached by shared caches.
pub(super) fn file_response(
    digest: &Sha256Digest,
    content_type: ContentType,
) -> actix_web::HttpResponseBuilder {
    let hex = digest.to_hex();
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header(content_type)
        .insert_header(header::ETag(EntityTag::new_strong(hex.clone())))
        .insert_header(("X-Content-SHA256", hex))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    builder
}

/// Whether the request's `If-None-Match` names this SHA-256 (hex) ETag.
fn matches_etag(req: &HttpRequest, hex: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_matches('"') == hex))
}

/// Reads an upload's multipart body: one `meta` part and the `page` parts,
/// hashing each file as it streams in and stopping at the size limits.
pub(super) async fn read_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(UploadMeta, Vec<UploadedFile>), ApiError> {
    let settings = &state.settings;
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut meta: Option<UploadMeta> = None;
    let mut files = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = form.try_next().await? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "meta" => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.try_next().await? {
                    if buf.len() + chunk.len() > MAX_META_BYTES {
                        return Err(ApiError::bad_request(
                            "invalid_meta",
                            "the meta part is larger than 64 KiB",
                        ));
                    }
                    buf.extend_from_slice(&chunk);
                }
                let parsed: UploadMeta = serde_json::from_slice(&buf).map_err(|e| {
                    ApiError::bad_request(
                        "invalid_meta",
                        format!("the meta part is not valid JSON for an upload: {e}"),
                    )
                })?;
                meta = Some(parsed);
            }
            "page" => {
                // Hash while the bytes stream in; stop at the limits.
                let mut hasher = sha2::Sha256::new();
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.try_next().await? {
                    total += chunk.len() as u64;
                    if buf.len() as u64 + chunk.len() as u64 > settings.max_file_bytes {
                        return Err(ApiError::too_large(format!(
                            "file {} is larger than the {} MB allowed for one file",
                            files.len() + 1,
                            settings.max_file_bytes / 1_000_000
                        )));
                    }
                    if total > settings.max_upload_bytes {
                        return Err(ApiError::too_large(format!(
                            "the upload is larger than the {} MB allowed in one request",
                            settings.max_upload_bytes / 1_000_000
                        )));
                    }
                    hasher.update(&chunk);
                    buf.extend_from_slice(&chunk);
                }
                if files.len() >= settings.max_pages {
                    return Err(ApiError::too_large(format!(
                        "an upload may hold at most {} files",
                        settings.max_pages
                    )));
                }
                files.push(UploadedFile {
                    bytes: buf.freeze(),
                    sha256: Sha256Digest::from_hasher(hasher),
                });
            }
            other => {
                return Err(ApiError::bad_request(
                    "unexpected_part",
                    format!(
                        "unexpected part {other:?}: send one `meta` part and one or more `page` parts"
                    ),
                ));
            }
        }
    }
    let meta = meta.ok_or_else(|| {
        ApiError::bad_request(
            "missing_meta",
            "the upload has no `meta` part with the owner ID and kind",
        )
    })?;
    Ok((meta, files))
}
