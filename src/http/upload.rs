//! Reading an upload's multipart body: one `meta` part and the `page` parts,
//! each file spooled to disk and hashed as it streams in, stopping at the
//! size limits, within the instance's bound on uploads in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use actix_web::http::header::HeaderMap;
use actix_web::{HttpRequest, web};
use bytes::BytesMut;
use futures_util::TryStreamExt;

use super::AppState;
use super::errors::{ApiError, multipart_error};
use crate::config::Settings;
use crate::error_code::ErrorCode;
use crate::ops::intake::{UploadMeta, UploadedFile};
use crate::storage::spool::Spool;

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

/// Reads an upload, its files spooled to disk, within the instance's
/// [`UploadBudget`]: the ticket is held until the upload is answered.
pub(super) async fn read(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(UploadMeta, Vec<UploadedFile>, UploadTicket), ApiError> {
    let (mut ticket, payload) = admit(state, req, payload).await?;
    let (meta, files) = read_parts(
        &state.settings,
        &state.spool,
        req.headers(),
        payload,
        &mut ticket,
    )
    .await?;
    Ok((meta, files, ticket))
}

/// Admits an upload into the instance's [`UploadBudget`] by its declared
/// length, or refuses it (reading what the client still sends first).
async fn admit(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(UploadTicket, web::Payload), ApiError> {
    let settings = &state.settings;
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > settings.max_upload_bytes + MAX_META_BYTES as u64 + 64 * 1024) {
        return Err(ApiError::new(
            ErrorCode::UploadTooLarge,
            format!(
                "the upload is larger than the {} MB allowed in one request",
                settings.max_upload_bytes / 1_000_000
            ),
        ));
    }
    match state.uploads.admit(declared.unwrap_or(0)) {
        Ok(ticket) => Ok((ticket, payload)),
        Err(busy) => {
            drain(payload).await;
            Err(busy)
        }
    }
}

/// Reads the parts of an upload's body, its files spooled to `spool`,
/// holding `ticket` to the bytes it reads. (Public for the fuzz target.)
pub async fn read_parts<S>(
    settings: &Settings,
    spool: &Spool,
    headers: &HeaderMap,
    body: S,
    ticket: &mut UploadTicket,
) -> Result<(UploadMeta, Vec<UploadedFile>), ApiError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + 'static,
{
    let parts = read_multipart(settings, spool, headers, body, ticket, &[]).await?;
    let meta = parts.meta.ok_or_else(|| {
        ApiError::new(
            ErrorCode::MissingMeta,
            "the upload has no `meta` part with the owner ID and kind",
        )
    })?;
    Ok((meta, parts.files))
}

/// What a multipart upload held.
pub struct Parts {
    /// The `meta` part, when there was one.
    pub meta: Option<UploadMeta>,
    /// Text fields among `form_fields`, by name (the desk's form).
    pub fields: std::collections::BTreeMap<String, String>,
    pub files: Vec<UploadedFile>,
}

/// Reads a form upload (the desk's): the text fields named in `form_fields`
/// and the `page` files, within the instance's [`UploadBudget`].
pub async fn read_form(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
    form_fields: &[&str],
) -> Result<(Parts, UploadTicket), ApiError> {
    let (mut ticket, payload) = admit(state, req, payload).await?;
    let parts = read_multipart(
        &state.settings,
        &state.spool,
        req.headers(),
        payload,
        &mut ticket,
        form_fields,
    )
    .await?;
    Ok((parts, ticket))
}

async fn read_multipart<S>(
    settings: &Settings,
    spool: &Spool,
    headers: &HeaderMap,
    body: S,
    ticket: &mut UploadTicket,
    form_fields: &[&str],
) -> Result<Parts, ApiError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, actix_web::error::PayloadError>> + 'static,
{
    let mut form = actix_multipart::Multipart::new(headers, body);
    let mut meta: Option<UploadMeta> = None;
    let mut fields = std::collections::BTreeMap::new();
    let mut field_bytes = 0usize;
    let mut files = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            known if form_fields.contains(&known) => {
                let mut buf = BytesMut::new();
                while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                    field_bytes += chunk.len();
                    if field_bytes > MAX_META_BYTES {
                        return Err(ApiError::new(
                            ErrorCode::InvalidMeta,
                            "the form's fields are larger than 64 KiB",
                        ));
                    }
                    buf.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(buf.to_vec()).map_err(|_| {
                    ApiError::new(
                        ErrorCode::InvalidMeta,
                        format!("the form field {known:?} is not UTF-8 text"),
                    )
                })?;
                fields.insert(known.to_owned(), text);
            }
            // A file picker left empty still sends its part, with no bytes
            // and no file name: it is no page.
            "page" if !form_fields.is_empty() && empty_file(&field) => {
                while field.try_next().await.map_err(multipart_error)?.is_some() {}
            }
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
                // To disk, hashed, as the bytes stream in; stop at the limits.
                let mut writer = spool.create().await.map_err(spool_error)?;
                while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
                    total += chunk.len() as u64;
                    if writer.len() + chunk.len() as u64 > settings.max_file_bytes {
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
                    ticket.reach(total)?;
                    writer.write(&chunk).await.map_err(spool_error)?;
                }
                let file = writer.finish().await.map_err(spool_error)?;
                files.push(UploadedFile::spooled(file));
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
    Ok(Parts {
        meta,
        fields,
        files,
    })
}

/// A file part of a form sent with no file chosen.
fn empty_file(field: &actix_multipart::Field) -> bool {
    field
        .content_disposition()
        .and_then(|d| d.get_filename())
        .is_some_and(str::is_empty)
}

/// Reads and drops what the client is still sending (for a while at most),
/// so that it reads the answer rather than a connection reset mid-body.
async fn drain(mut payload: web::Payload) {
    use futures_util::StreamExt;
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        while let Some(Ok(_)) = payload.next().await {}
    })
    .await;
}

fn spool_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!("spooling an upload to disk: {e}"))
}

/// The bound on uploads in flight on one instance: how many at once, and
/// how many bytes of them all together are spooled to disk.
#[derive(Debug)]
pub struct UploadBudget {
    max_uploads: usize,
    max_bytes: u64,
    uploads: AtomicUsize,
    bytes: AtomicU64,
}

impl UploadBudget {
    pub fn new(max_uploads: usize, max_bytes: u64) -> Self {
        Self {
            max_uploads,
            max_bytes,
            uploads: AtomicUsize::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Admits one more upload, reserving the bytes it declares, or answers
    /// `busy`.
    pub fn admit(self: &Arc<Self>, declared: u64) -> Result<UploadTicket, ApiError> {
        let uploads = self.uploads.fetch_add(1, Ordering::SeqCst) + 1;
        let mut ticket = UploadTicket {
            budget: self.clone(),
            reserved: 0,
        };
        if uploads > self.max_uploads {
            return Err(ApiError::new(
                ErrorCode::Busy,
                format!("{} uploads already in flight", self.max_uploads),
            ));
        }
        ticket.reach(declared)?;
        Ok(ticket)
    }

    /// Uploads in flight now, and their bytes.
    pub fn in_flight(&self) -> (usize, u64) {
        (
            self.uploads.load(Ordering::SeqCst),
            self.bytes.load(Ordering::SeqCst),
        )
    }
}

/// One upload's place in the [`UploadBudget`], given back when dropped.
#[derive(Debug)]
pub struct UploadTicket {
    budget: Arc<UploadBudget>,
    reserved: u64,
}

impl UploadTicket {
    /// Grows the reservation to `bytes`, or answers `busy` when the
    /// instance has no room for them.
    pub fn reach(&mut self, bytes: u64) -> Result<(), ApiError> {
        if bytes <= self.reserved {
            return Ok(());
        }
        let more = bytes - self.reserved;
        let before = self.budget.bytes.fetch_add(more, Ordering::SeqCst);
        if before + more > self.budget.max_bytes {
            self.budget.bytes.fetch_sub(more, Ordering::SeqCst);
            return Err(ApiError::new(
                ErrorCode::Busy,
                format!(
                    "{} bytes of uploads already in flight, {more} more would pass {}",
                    before, self.budget.max_bytes
                ),
            ));
        }
        self.reserved = bytes;
        Ok(())
    }
}

impl Drop for UploadTicket {
    fn drop(&mut self) {
        self.budget.bytes.fetch_sub(self.reserved, Ordering::SeqCst);
        self.budget.uploads.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_turns_away_uploads_past_its_count_or_bytes_and_takes_them_back_when_done() {
        let budget = Arc::new(UploadBudget::new(2, 1000));
        let a = budget.admit(400).unwrap();
        let mut b = budget.admit(0).unwrap();
        let third = budget.admit(0).unwrap_err();
        assert_eq!(third.code(), ErrorCode::Busy);
        assert_eq!(budget.in_flight(), (2, 400));
        b.reach(600).unwrap();
        assert_eq!(b.reach(601).unwrap_err().code(), ErrorCode::Busy);
        assert_eq!(budget.in_flight(), (2, 1000));
        drop(a);
        b.reach(1000).unwrap();
        drop(b);
        assert_eq!(budget.in_flight(), (0, 0));
        assert_eq!(
            budget.admit(1001).unwrap_err().code(),
            ErrorCode::Busy,
            "more than the whole budget is never admitted"
        );
        assert_eq!(budget.in_flight(), (0, 0));
    }
}
