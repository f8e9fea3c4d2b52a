//! Purpose-bound reads of someone's papers. A read names its purpose (the
//! dossier it is for); back-office readers must. Every read is appended to
//! its subject's hash chain in the access ledger, and committed, *before*
//! anything is returned, so a read that cannot be logged is not served. Listing, a record, a page, the PDF,
//! the certificate: each is one function here, for the API and the desk alike.

use bytes::Bytes;

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::access::{AccessEntry, Action, NewAccess, Reader};
use crate::domain::kind::UnknownKind;
use crate::domain::role::{Actor, Role};
use crate::domain::subject::SubjectIdError;
use crate::domain::{DocumentKind, DossierCode, Page, Record, RecordStatus, Rendition, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::RecordQuery;

/// Roles that read records and their files.
pub const READ_ROLES: &[Role] = &[Role::Intake, Role::Reader, Role::Admin];
/// Roles that read access logs.
pub const AUDIT_ROLES: &[Role] = &[Role::Auditor, Role::Admin];

/// Records listed at once by default, and at most.
pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(
        "name the dossier this read is for: send its code as the X-Purpose header or the purpose query parameter"
    )]
    PurposeRequired,
    #[error("the purpose must be the dossier code this read is for: {0}")]
    InvalidPurpose(String),
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("{0}")]
    UnknownKind(#[from] UnknownKind),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(
        "the searchable PDF is not ready: the record is {0}{hint}",
        hint = if *.0 == RecordStatus::Processing { "; try again in a few seconds" } else { "" }
    )]
    RenditionNotReady(RecordStatus),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<crate::storage::db::DbError> for AccessError {
    fn from(e: crate::storage::db::DbError) -> Self {
        AccessError::Store(e.into())
    }
}

impl From<crate::storage::blobs::BlobError> for AccessError {
    fn from(e: crate::storage::blobs::BlobError) -> Self {
        AccessError::Store(e.into())
    }
}

impl Coded for AccessError {
    fn code(&self) -> ErrorCode {
        match self {
            AccessError::Forbidden(e) => e.code(),
            AccessError::PurposeRequired => ErrorCode::PurposeRequired,
            AccessError::InvalidPurpose(_) => ErrorCode::InvalidPurpose,
            AccessError::InvalidSubject(_) => ErrorCode::InvalidSubjectId,
            AccessError::UnknownKind(_) => ErrorCode::UnknownKind,
            AccessError::NotFound(_) => ErrorCode::NotFound,
            AccessError::RenditionNotReady(_) => ErrorCode::RenditionNotReady,
            AccessError::Store(e) => e.code(),
            AccessError::Internal(_) => ErrorCode::InternalError,
        }
    }
}

/// What a read by `actor` is for: the dossier code given, checked; a
/// back-office reader must give one, the counter's roles may not.
pub fn purpose(actor: &Actor, given: Option<&str>) -> Result<Option<DossierCode>, AccessError> {
    match given.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => DossierCode::parse(p)
            .map(Some)
            .map_err(|e| AccessError::InvalidPurpose(e.to_string())),
        None if actor.role == Role::Reader => Err(AccessError::PurposeRequired),
        None => Ok(None),
    }
}

/// Appends one ledger entry; the read fails if it cannot be recorded.
pub async fn log(
    cx: &Context,
    reader: Reader,
    subject: &SubjectId,
    record_id: Option<&str>,
    purpose: Option<&DossierCode>,
    action: Action,
) -> Result<(), StoreError> {
    cx.ledger
        .append(NewAccess {
            reader,
            subject_id: subject.clone(),
            record_id: record_id.map(str::to_owned),
            purpose: purpose.cloned(),
            action,
        })
        .await?;
    Ok(())
}

/// Record `id` for `actor`, with the read's purpose checked and the read
/// logged as `action` before the record is returned.
pub async fn record(
    cx: &Context,
    actor: &Actor,
    id: &str,
    given_purpose: Option<&str>,
    action: Action,
) -> Result<Record, AccessError> {
    authorize(actor, READ_ROLES)?;
    let purpose = purpose(actor, given_purpose)?;
    let record = cx
        .repo
        .record(id)
        .await?
        .ok_or(AccessError::NotFound("record"))?;
    log(
        cx,
        actor.reader(),
        &record.subject_id,
        Some(&record.id),
        purpose.as_ref(),
        action,
    )
    .await?;
    Ok(record)
}

/// Page `n` of record `id` (its metadata; [`original`] gives its bytes),
/// the read logged first.
pub async fn page(
    cx: &Context,
    actor: &Actor,
    id: &str,
    n: u32,
    given_purpose: Option<&str>,
) -> Result<Page, AccessError> {
    authorize(actor, READ_ROLES)?;
    let purpose = purpose(actor, given_purpose)?;
    let page = cx
        .repo
        .page(id, n)
        .await?
        .ok_or(AccessError::NotFound("page"))?;
    let record = cx
        .repo
        .record(id)
        .await?
        .ok_or(AccessError::NotFound("page"))?;
    log(
        cx,
        actor.reader(),
        &record.subject_id,
        Some(id),
        purpose.as_ref(),
        Action::ReadPage,
    )
    .await?;
    Ok(page)
}

/// The original file holding `page`, byte for byte, checked against its SHA-256.
pub async fn original(cx: &Context, page: &Page) -> Result<Bytes, AccessError> {
    Ok(cx.blobs.get_original(&page.sha256).await?)
}

/// The searchable PDF of record `id`, the read logged first; 409 while the
/// record is still processing (or when it failed).
pub async fn pdf(
    cx: &Context,
    actor: &Actor,
    id: &str,
    given_purpose: Option<&str>,
) -> Result<(Record, Rendition), AccessError> {
    let record = record(cx, actor, id, given_purpose, Action::ReadPdf).await?;
    match record.rendition {
        Some(rendition) => Ok((record, rendition)),
        None => Err(AccessError::RenditionNotReady(record.status)),
    }
}

/// The PDF's bytes: a born-digital PDF is its own searchable PDF, kept among
/// the originals; any other is a rendition.
pub async fn pdf_bytes(
    cx: &Context,
    record: &Record,
    rendition: &Rendition,
) -> Result<Bytes, AccessError> {
    let own = record.pages.iter().any(|p| p.sha256 == rendition.sha256);
    Ok(if own {
        cx.blobs.get_original(&rendition.sha256).await?
    } else {
        cx.blobs.get_rendition(&rendition.sha256).await?
    })
}

/// The signed digitisation certificate (JWS) of record `id`, the read logged first.
pub async fn certificate(
    cx: &Context,
    actor: &Actor,
    id: &str,
    given_purpose: Option<&str>,
) -> Result<String, AccessError> {
    let record = record(cx, actor, id, given_purpose, Action::ReadCertificate).await?;
    record.certificate.ok_or(AccessError::NotFound(
        "certificate (the record has not been certified by an officer)",
    ))
}

/// A page of a subject's records, newest first, and the cursor of the next.
#[derive(Debug)]
pub struct Listing {
    pub records: Vec<Record>,
    /// The `before` of the next, older page; none at the end.
    pub next_before: Option<String>,
}

/// How to list a subject's records, as asked.
#[derive(Debug, Clone, Default)]
pub struct ListRequest {
    pub kind: Option<String>,
    pub before: Option<String>,
    pub limit: Option<u32>,
}

/// A subject's records, newest first, without page text, the read logged first.
pub async fn subject_records(
    cx: &Context,
    actor: &Actor,
    subject: &str,
    given_purpose: Option<&str>,
    request: ListRequest,
) -> Result<Listing, AccessError> {
    authorize(actor, READ_ROLES)?;
    let subject = SubjectId::parse(subject)?;
    let purpose = purpose(actor, given_purpose)?;
    let kind = DocumentKind::parse_optional(request.kind.as_deref())?;
    let limit = request.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    log(
        cx,
        actor.reader(),
        &subject,
        None,
        purpose.as_ref(),
        Action::ListRecords,
    )
    .await?;
    let query = RecordQuery {
        kind,
        before: request.before,
        limit,
    };
    let records = cx.repo.subject_records(&subject, &query).await?;
    let next_before = (records.len() as u32 == limit)
        .then(|| records.last().map(|r| r.id.clone()))
        .flatten();
    Ok(Listing {
        records,
        next_before,
    })
}

/// Every read of a subject's papers, newest first, at most `limit` (default
/// 100, at most 1000): for auditors.
pub async fn access_log(
    cx: &Context,
    actor: &Actor,
    subject: &str,
    limit: Option<u32>,
) -> Result<Vec<AccessEntry>, AccessError> {
    authorize(actor, AUDIT_ROLES)?;
    let subject = SubjectId::parse(subject)?;
    let limit = limit.unwrap_or(100).clamp(1, 1000);
    Ok(cx.repo.subject_access_log(subject.as_str(), limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[test]
    fn a_reader_must_name_a_dossier_and_the_counter_may_not() {
        let reader = Actor::key("one-stop", Role::Reader);
        let desk = Actor::key("desk", Role::Intake);
        assert_eq!(
            purpose(&reader, None).unwrap_err().code(),
            ErrorCode::PurposeRequired
        );
        assert_eq!(
            purpose(&reader, Some("  ")).unwrap_err().code(),
            ErrorCode::PurposeRequired
        );
        assert_eq!(purpose(&desk, None).unwrap(), None);
        assert_eq!(
            purpose(&desk, Some("dossier 7")).unwrap_err().code(),
            ErrorCode::InvalidPurpose
        );
        let code = purpose(&reader, Some(" 000.00.06.H56-231027-0361 ")).unwrap();
        assert_eq!(code.unwrap().to_string(), "000.00.06.H56-231027-0361");
    }

    #[tokio::test]
    async fn a_read_is_logged_before_it_is_served_and_refused_reads_log_nothing() {
        let cx = testing::context().await;
        let id = testing::stored_record(&cx).await;
        let auditor = Actor::key("inspector", Role::Auditor);
        let err = record(&cx, &auditor, &id, None, Action::ReadRecord)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let reader = Actor::key("one-stop", Role::Reader);
        let err = record(&cx, &reader, &id, None, Action::ReadRecord)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PurposeRequired);
        assert!(cx.repo.access_log_page(0, 10).await.unwrap().is_empty());

        let read = record(
            &cx,
            &reader,
            &id,
            Some("000.00.06.H56-231027-0361"),
            Action::ReadRecord,
        )
        .await
        .unwrap();
        assert_eq!(read.id, id);
        let log = cx.repo.access_log_page(0, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].key_name, "one-stop");
        assert_eq!(log[0].purpose.as_deref(), Some("000.00.06.H56-231027-0361"));
    }

    #[tokio::test]
    async fn the_pdf_of_a_record_still_processing_is_not_ready() {
        let cx = testing::context().await;
        let id = testing::stored_record(&cx).await;
        let desk = Actor::key("desk", Role::Intake);
        let err = pdf(&cx, &desk, &id, None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::RenditionNotReady);
        assert!(err.to_string().contains("try again"));
        let err = certificate(&cx, &desk, &id, None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }

    #[tokio::test]
    async fn listing_checks_the_owner_and_the_kind() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let err = subject_records(&cx, &desk, "123", None, ListRequest::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSubjectId);
        let request = ListRequest {
            kind: Some("passport".into()),
            ..ListRequest::default()
        };
        let err = subject_records(&cx, &desk, testing::SUBJECT, None, request)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnknownKind);
        testing::stored_record(&cx).await;
        let listing = subject_records(&cx, &desk, testing::SUBJECT, None, ListRequest::default())
            .await
            .unwrap();
        assert_eq!(listing.records.len(), 1);
        assert_eq!(listing.next_before, None);
    }
}
