//! Reading an upload's multipart body: one `meta` part and the `page` parts,
//! each file hashed as it streams in, stopping at the size limits.

use actix_web::{HttpRequest, web};
use bytes::BytesMut;
use futures_util::TryStreamExt;
use sha2::Digest;

use super::AppState;
use super::errors::{ApiError, multipart_error};
use crate::domain::Sha256Digest;
use crate::error_code::ErrorCode;
use crate::ops::intake::{UploadMeta, UploadedFile};

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

pub(super) async fn read(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(UploadMeta, Vec<UploadedFile>), ApiError> {
    let settings = &state.settings;
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut meta: Option<UploadMeta> = None;
    let mut files = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "meta" => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                    if buf.len() + chunk.len() > MAX_META_BYTES {
                        return Err(ApiError::new(
                            ErrorCode::InvalidMeta,
                            "the meta part is larger than 64 KiB",
                        ));
                    }
                    buf.extend_from_slice(&chunk);
                }
                let parsed: UploadMeta = serde_json::from_slice(&buf).map_err(|e| {
                    ApiError::new(
                        ErrorCode::InvalidMeta,
                        format!("the meta part is not valid JSON for an upload: {e}"),
                    )
                })?;
                meta = Some(parsed);
            }
            "page" => {
                if files.len() >= settings.max_pages {
                    return Err(ApiError::new(
                        ErrorCode::TooManyFiles,
                        format!("an upload may hold at most {} files", settings.max_pages),
                    ));
                }
                // Hash while the bytes stream in; stop at the limits.
                let mut hasher = sha2::Sha256::new();
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                    total += chunk.len() as u64;
                    if buf.len() as u64 + chunk.len() as u64 > settings.max_file_bytes {
                        return Err(ApiError::new(
                            ErrorCode::ImageTooLarge,
                            format!(
                                "file {} is larger than the {} MB allowed for one file",
                                files.len() + 1,
                                settings.max_file_bytes / 1_000_000
                            ),
                        ));
                    }
                    if total > settings.max_upload_bytes {
                        return Err(ApiError::new(
                            ErrorCode::UploadTooLarge,
                            format!(
                                "the upload is larger than the {} MB allowed in one request",
                                settings.max_upload_bytes / 1_000_000
                            ),
                        ));
                    }
                    hasher.update(&chunk);
                    buf.extend_from_slice(&chunk);
                }
                files.push(UploadedFile {
                    bytes: buf.freeze(),
                    sha256: Sha256Digest::from_hasher(hasher),
                });
            }
            other => {
                return Err(ApiError::new(
                    ErrorCode::UnexpectedPart,
                    format!(
                        "unexpected part {other:?}: send one `meta` part and one or more `page` parts"
                    ),
                ));
            }
        }
    }
    let meta = meta.ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingMeta,
            "the upload has no `meta` part with the owner ID and kind",
        )
    })?;
    Ok((meta, files))
}
