//! Submitting papers: a scan at the counter, or a result registered by the
//! agency that issued it. Everything that must happen before the citizen
//! leaves the desk happens here, in this order, for "nothing acknowledged is
//! ever lost" and "bad input changes nothing": the owner ID, kind and
//! particulars are checked and every page is decoded and judged first; then
//! the original files are written (and fsynced); then the record, its pages
//! and its digitisation job go into the database in one transaction. A crash
//! between the two leaves at most an unreferenced blob, never a record
//! without its bytes. Slow work (OCR, the PDF) runs from the job table.

mod gate;
mod meta;

use bytes::Bytes;

pub use gate::{DroppedPage, judge_bytes};
pub use meta::{MAX_TEXT_FIELD, UploadMeta};

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::role::{Actor, Role};
use crate::domain::subject::SubjectIdError;
use crate::domain::{DocumentKind, NewRecord, Origin, Record, Sha256Digest, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::imaging::decode::{DecodeError, Limits};
use crate::storage::db::Inserted;
use crate::storage::spool::{FileContent, SpooledFile};

/// Roles that upload scans.
pub const SCAN_ROLES: &[Role] = &[Role::Intake, Role::Admin];
/// Roles that register results.
pub const ISSUE_ROLES: &[Role] = &[Role::Issuer, Role::Admin];

/// Who may submit papers of this origin.
pub fn roles_for(origin: Origin) -> &'static [Role] {
    match origin {
        Origin::Scanned => SCAN_ROLES,
        Origin::Issued => ISSUE_ROLES,
    }
}

/// What an upload is held to.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub limits: Limits,
    /// Lowest resolution accepted for a scanned page, in dpi.
    pub min_dpi: u32,
    /// Attempts of the digitisation job before the record fails.
    pub max_attempts: u32,
}

/// One uploaded file, already hashed as it streamed in: spooled to disk by
/// the HTTP layer, in memory from tools and tests.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub content: FileContent,
    pub sha256: Sha256Digest,
}

impl UploadedFile {
    pub fn new(bytes: Bytes) -> Self {
        let sha256 = Sha256Digest::of(&bytes);
        Self {
            content: FileContent::Memory(bytes),
            sha256,
        }
    }

    pub fn spooled(file: SpooledFile) -> Self {
        Self {
            sha256: file.sha256(),
            content: FileContent::Spooled(std::sync::Arc::new(file)),
        }
    }
}

#[derive(Debug)]
pub struct Submitted {
    pub record: Record,
    /// True when the same pages were already on file: nothing new was stored.
    pub duplicate: bool,
    /// Blank pages (empty back sides) left out of the record.
    pub dropped_blank_pages: Vec<DroppedPage>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("unknown document kind {0:?}; use one of: {kinds}", kinds = DocumentKind::codes())]
    UnknownKind(String),
    #[error("{0}")]
    InvalidMeta(String),
    #[error("no pages were sent: attach at least one scanned page")]
    MissingPages,
    #[error("file {file}: {source}")]
    Decode { file: usize, source: DecodeError },
    #[error("the record would have more than {0} pages")]
    TooManyPages(usize),
    #[error(
        "file {file}, page {file_page} was scanned at {dpi} dpi{how}, below the {min} dpi minimum: scan it again at {min} dpi or more",
        how = if *estimated { " (estimated from its size and the paper size)" } else { "" }
    )]
    ResolutionTooLow {
        file: usize,
        file_page: u32,
        dpi: u32,
        estimated: bool,
        min: u32,
    },
    #[error(
        "file {file}, page {file_page} is a photo {what}: take it again closer, the whole paper in the frame, flat and in focus"
    )]
    PhotoTooSmall {
        file: usize,
        file_page: u32,
        /// What is wrong: the paper too small in the frame, or not found.
        what: String,
    },
    #[error("every page is blank: check that the paper was placed face down and scan it again")]
    BlankScan,
    #[error("file {0} is a born-digital PDF: send it on its own, as the only file of its record")]
    BornDigitalNotAlone(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::storage::db::DbError> for IntakeError {
    fn from(e: crate::storage::db::DbError) -> Self {
        IntakeError::Store(e.into())
    }
}

impl From<crate::storage::blobs::BlobError> for IntakeError {
    fn from(e: crate::storage::blobs::BlobError) -> Self {
        IntakeError::Store(e.into())
    }
}

impl Coded for DecodeError {
    fn code(&self) -> ErrorCode {
        match self {
            DecodeError::UnknownType | DecodeError::Unsupported(_) => {
                ErrorCode::UnsupportedMediaType
            }
            DecodeError::Unreadable(_) => ErrorCode::UnreadableImage,
            DecodeError::TooLarge { .. } => ErrorCode::ImageTooLarge,
            DecodeError::TooManyPages(_) => ErrorCode::TooManyPages,
        }
    }
}

impl Coded for IntakeError {
    fn code(&self) -> ErrorCode {
        match self {
            IntakeError::Forbidden(e) => e.code(),
            IntakeError::InvalidSubject(_) => ErrorCode::InvalidSubjectId,
            IntakeError::UnknownKind(_) => ErrorCode::UnknownKind,
            IntakeError::InvalidMeta(_) => ErrorCode::InvalidMeta,
            IntakeError::MissingPages => ErrorCode::MissingPages,
            IntakeError::Decode { source, .. } => source.code(),
            IntakeError::TooManyPages(_) => ErrorCode::TooManyPages,
            IntakeError::ResolutionTooLow { .. } | IntakeError::PhotoTooSmall { .. } => {
                ErrorCode::ResolutionTooLow
            }
            IntakeError::BlankScan => ErrorCode::BlankScan,
            IntakeError::BornDigitalNotAlone(_) => ErrorCode::MixedUpload,
            IntakeError::Store(e) => e.code(),
            IntakeError::Internal(_) => ErrorCode::InternalError,
        }
    }
}

/// What an upload's metadata says, checked as [`submit`] checks it
/// (owner ID, kind, particulars), nothing stored.
pub fn check_meta(
    meta: &UploadMeta,
) -> Result<(SubjectId, DocumentKind, crate::domain::RecordMeta), IntakeError> {
    let subject = SubjectId::parse(&meta.subject_id)?;
    let kind: DocumentKind = meta
        .kind
        .parse()
        .map_err(|_| IntakeError::UnknownKind(meta.kind.clone()))?;
    Ok((subject, kind, meta::validate(meta)?))
}

/// Checks, stores and records an upload by `actor`. `origin` says whether it
/// was scanned at a counter or registered by its issuer (who must then state
/// the paper's particulars).
pub async fn submit(
    cx: &Context,
    actor: &Actor,
    origin: Origin,
    meta: UploadMeta,
    files: Vec<UploadedFile>,
) -> Result<Submitted, IntakeError> {
    authorize(actor, roles_for(origin))?;
    let (subject, kind, particulars) = check_meta(&meta)?;
    if origin == Origin::Issued {
        meta::require_issuer_particulars(&particulars)?;
    }
    if files.is_empty() {
        return Err(IntakeError::MissingPages);
    }

    let (pages, dropped) = gate::pages_of(
        &cx.intake,
        &cx.decoding,
        &files,
        meta.paper.unwrap_or_default(),
    )
    .await?;
    if pages.is_empty() {
        return Err(IntakeError::BlankScan);
    }
    // Files whose every page was blank are neither stored nor part of the record.
    let kept: Vec<&UploadedFile> = files
        .iter()
        .filter(|f| pages.iter().any(|p| p.sha256 == f.sha256))
        .collect();
    let fingerprint = Sha256Digest::of_list(kept.iter().map(|f| &f.sha256));
    let already = cx
        .repo
        .find_same_pages(&subject, kind, &fingerprint)
        .await?;
    if let Some(existing) = already {
        tracing::info!(record = %existing.id, "same pages already on file");
        return Ok(Submitted {
            record: existing,
            duplicate: true,
            dropped_blank_pages: dropped,
        });
    }

    for file in kept {
        cx.blobs
            .put_original_content(&file.sha256, &file.content)
            .await?;
    }
    let new = NewRecord {
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject,
        kind,
        meta: particulars,
        fingerprint,
        created_by: actor.name.clone(),
        origin,
        pages,
    };
    let outcome = cx.repo.insert_record(new, cx.intake.max_attempts).await?;
    Ok(match outcome {
        Inserted::Created(record) => {
            tracing::info!(record = %record.id, kind = %record.kind, pages = record.pages.len(), "record stored");
            cx.jobs_queued.notify_waiters();
            Submitted {
                record,
                duplicate: false,
                dropped_blank_pages: dropped,
            }
        }
        Inserted::Duplicate(record) => Submitted {
            record,
            duplicate: true,
            dropped_blank_pages: dropped,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    fn meta(subject: &str, kind: &str) -> UploadMeta {
        UploadMeta {
            subject_id: subject.into(),
            kind: kind.into(),
            ..UploadMeta::default()
        }
    }

    fn blank_png() -> UploadedFile {
        let page = image::GrayImage::from_pixel(1654, 2339, image::Luma([245]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        page.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        UploadedFile::new(bytes.into_inner().into())
    }

    #[tokio::test]
    async fn a_submission_is_refused_for_its_owner_kind_role_pages_or_particulars() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let scan = Origin::Scanned;
        let file = || vec![blank_png()];
        let code = |r: Result<Submitted, IntakeError>| r.unwrap_err().code();
        let m = meta("123", "cccd");
        assert_eq!(
            code(submit(&cx, &desk, scan, m, file()).await),
            ErrorCode::InvalidSubjectId
        );
        let m = meta(testing::SUBJECT, "passport");
        assert_eq!(
            code(submit(&cx, &desk, scan, m, file()).await),
            ErrorCode::UnknownKind
        );
        let m = meta(testing::SUBJECT, "cccd");
        assert_eq!(
            code(submit(&cx, &desk, scan, m, Vec::new()).await),
            ErrorCode::MissingPages
        );
        let m = meta(testing::SUBJECT, "cccd");
        let issued = Origin::Issued;
        assert_eq!(
            code(submit(&cx, &desk, issued, m, file()).await),
            ErrorCode::Forbidden
        );
        let issuer = Actor::key("civil-registry", Role::Issuer);
        let m = meta(testing::SUBJECT, "cccd");
        assert_eq!(
            code(submit(&cx, &issuer, issued, m, file()).await),
            ErrorCode::InvalidMeta
        );
        let m = meta(testing::SUBJECT, "cccd");
        let garbage = vec![UploadedFile::new(Bytes::from_static(b"not a scan"))];
        assert_eq!(
            code(submit(&cx, &desk, scan, m, garbage).await),
            ErrorCode::UnsupportedMediaType
        );
        let m = meta(testing::SUBJECT, "cccd");
        assert_eq!(
            code(submit(&cx, &desk, scan, m, file()).await),
            ErrorCode::BlankScan
        );
        assert!(
            cx.repo
                .find_same_pages(
                    &SubjectId::parse(testing::SUBJECT).unwrap(),
                    DocumentKind::Cccd,
                    &Sha256Digest::of_list([&file()[0].sha256]),
                )
                .await
                .unwrap()
                .is_none()
        );
    }
}
