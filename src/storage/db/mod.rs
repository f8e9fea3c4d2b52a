//! Records, pages, jobs and keys. [`Repository`] is the one interface the rest
//! of sohoa uses. Its SQL is written once, in `portable.rs`; each backend's
//! file (`sqlite.rs`, `postgres.rs`) holds its connection setup, migrations
//! and dialect. Backends are chosen by URL scheme in [`open`].

mod portable;
mod postgres;
mod rows;
mod sqlite;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::validity::ValidityRule;
use crate::domain::{AgencyId, DocumentKind, RecordStatus, Role, Sha256Digest, SubjectId};
use crate::intake::quality::PageQuality;

pub use postgres::PostgresRepository;
pub use sqlite::SqliteRepository;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database URL {0:?} is not supported (use sqlite://PATH or postgres://USER@HOST/DB)")]
    UnsupportedUrl(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Query(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                DbError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                DbError::Conflict(db.message().to_owned())
            }
            _ => DbError::Query(e.to_string()),
        }
    }
}

/// Opens the database named by `url`, running its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Repository>, DbError> {
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteRepository::open(url).await?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresRepository::open(url).await?));
    }
    Err(DbError::UnsupportedUrl(url.to_owned()))
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Metadata of a record as the uploader declared it, already validated.
#[derive(Debug, Clone, Default)]
pub struct RecordMeta {
    pub dossier_code: Option<String>,
    pub procedure_code: Option<String>,
    pub document_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Valid with no end date (a birth certificate, say).
    pub permanent: bool,
    pub officer: Option<String>,
    /// The owner's name as printed on the paper. Personal data: never logged.
    pub owner_name: Option<String>,
    /// Result type code from the catalogue, e.g. `KQ.G15.000031`.
    pub result_code: Option<String>,
    /// The agency that issued the paper (its name as printed).
    pub issuing_agency: Option<String>,
    /// Who signed the paper.
    pub signer: Option<String>,
    /// Where the paper is valid, e.g. `toàn quốc` (nationwide).
    pub scope: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    pub subject_id: SubjectId,
    pub kind: DocumentKind,
    pub meta: RecordMeta,
    pub fingerprint: Sha256Digest,
    pub created_by: String,
    pub origin: Origin,
    pub pages: Vec<NewPage>,
}

/// How a record came to sohoa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Scanned at a counter from the citizen's paper; certified by an officer's review.
    Scanned,
    /// Registered by the agency that issued it; certified on registration.
    Issued,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scanned => "scanned",
            Origin::Issued => "issued",
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewPage {
    pub n: u32,
    pub sha256: Sha256Digest,
    pub bytes: u64,
    pub content_type: &'static str,
    pub file_page: u32,
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    /// The counter's verdict; none for a born-digital page (no pixels to judge).
    pub quality: Option<PageQuality>,
    /// A born-digital page's own text, taken from the PDF; OCR is skipped.
    pub pdf_text: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub subject_id: String,
    pub kind: DocumentKind,
    pub status: RecordStatus,
    pub status_reason: Option<String>,
    pub meta: RecordMeta,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pages: Vec<Page>,
    /// The searchable PDF, once every page is recognised.
    pub rendition: Option<Rendition>,
    /// The officer's comparison with the paper, once made.
    pub review: Option<Review>,
    /// The agency's signed digitisation certificate (JWS compact), once certified.
    pub certificate: Option<String>,
    /// The agency ID that signed the certificate.
    pub certified_by: Option<String>,
    pub origin: Origin,
    /// The record that replaced this one, when superseded.
    pub superseded_by: Option<String>,
    /// Who revoked or superseded it, and when.
    pub withdrawn: Option<(String, DateTime<Utc>)>,
}

/// A searchable PDF made from a record's pages; stored apart from the originals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    pub sha256: Sha256Digest,
    pub bytes: u64,
}

/// The officer's review of a record against the paper.
#[derive(Debug, Clone)]
pub struct Review {
    pub officer: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// The public half of a signing key, as published in the JWKS.
#[derive(Debug, Clone)]
pub struct PublishedKey {
    pub kid: String,
    pub alg: String,
    /// The JWK as JSON text.
    pub public_jwk: String,
    pub agency_id: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Page {
    pub n: u32,
    pub sha256: Sha256Digest,
    pub bytes: u64,
    pub content_type: String,
    pub file_page: u32,
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    pub ocr_text: Option<String>,
    pub ocr_confidence: Option<u32>,
    /// The counter's verdict; absent for pages stored before the gate existed
    /// and for born-digital pages.
    pub quality: Option<PageQuality>,
    /// `ocr`, or `pdf` for a born-digital page's own text.
    pub text_source: Option<String>,
}

/// An open dossier: one citizen's application for one procedure.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub code: String,
    pub agency_id: String,
    pub subject_id: String,
    pub procedure_code: String,
    pub opened_by: String,
    pub opened_at: DateTime<Utc>,
}

/// What inserting a record did.
#[derive(Debug)]
pub enum Inserted {
    Created(Record),
    /// The same pages were already on file for this subject and kind.
    Duplicate(Record),
}

/// Filters for a subject's records, newest first.
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    pub kind: Option<DocumentKind>,
    /// Only records older than this record id (ids are time-ordered UUID v7).
    pub before: Option<String>,
    pub limit: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Recognise every page of a record and write its searchable PDF.
    Digitise,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Digitise => "digitise",
        }
    }
}

/// A job a worker has claimed and holds the lease of.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub record_id: String,
    pub page_n: Option<u32>,
    /// Including the current one.
    pub attempts: u32,
    pub max_attempts: u32,
}

/// The text of one page, recognised (or, for a born-digital page, already there).
#[derive(Debug, Clone)]
pub struct PageText {
    pub text: String,
    /// OCR's mean word confidence; none for text taken from a PDF.
    pub confidence: Option<u32>,
    /// `ocr` or `pdf`.
    pub source: &'static str,
}

/// A certificate to store with the job's result: signed content, signing
/// agency and the review that stands for it.
#[derive(Debug, Clone)]
pub struct Certification {
    pub jws: String,
    pub agency_id: String,
    pub review: Review,
}

/// A kind's entry in the validity catalogue.
#[derive(Debug, Clone)]
pub struct KindValidity {
    pub kind: DocumentKind,
    pub rule: ValidityRule,
    pub note: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A paper reused for a dossier instead of being asked for again.
#[derive(Debug, Clone)]
pub struct Reuse {
    pub dossier_code: String,
    pub record_id: String,
    pub subject_id: String,
    pub kind: DocumentKind,
    pub agency_id: String,
    pub procedure_code: Option<String>,
    pub reused_by: String,
}

/// Reuses counted over a period.
#[derive(Debug, Clone, Default)]
pub struct ReuseStats {
    pub total: u64,
    pub by_kind: Vec<(String, u64)>,
    pub by_agency: Vec<(String, u64)>,
}

/// An access to a subject's records, before it is chained.
#[derive(Debug, Clone)]
pub struct NewAccess {
    pub key_name: String,
    pub role: String,
    pub subject_id: String,
    pub record_id: Option<String>,
    pub purpose: Option<String>,
    pub action: String,
}

/// An entry of the access ledger as stored (and as the access-log
/// endpoint shows it: the hashed fields are the stored ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub seq: i64,
    /// RFC 3339, UTC, microseconds: exactly what is hashed.
    pub at: String,
    /// The API key (or citizen link) that read.
    pub key_name: String,
    pub role: String,
    pub subject_id: String,
    pub record_id: Option<String>,
    /// The dossier the read was for.
    pub purpose: Option<String>,
    /// `list_records`, `read_record`, `read_page`, `read_pdf`,
    /// `read_certificate`, `read_dossier`, `reuse_check` or `citizen_view`.
    pub action: String,
    /// The previous entry's hash (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 of this entry's canonical JSON and `prev_hash`.
    pub hash: String,
}

/// A link a citizen opens to read their own records.
#[derive(Debug, Clone)]
pub struct CitizenLink {
    pub id: String,
    pub subject_id: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait Repository: Send + Sync {
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<(), DbError>;

    async fn create_api_key(
        &self,
        name: &str,
        role: Role,
        key_hash: &str,
    ) -> Result<ApiKey, DbError>;
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, DbError>;
    /// Every key, revoked ones included, oldest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, DbError>;
    /// Revokes the key with this name; false when there is no such live key.
    async fn revoke_api_key(&self, name: &str) -> Result<bool, DbError>;

    /// The live record (not failed, rejected, revoked or superseded) with exactly these files.
    async fn find_same_pages(
        &self,
        subject: &SubjectId,
        kind: DocumentKind,
        fingerprint: &Sha256Digest,
    ) -> Result<Option<Record>, DbError>;

    /// Inserts the record, its pages and its digitisation job in one
    /// transaction. `max_attempts` bounds the job's retries.
    async fn insert_record(
        &self,
        record: NewRecord,
        max_attempts: u32,
    ) -> Result<Inserted, DbError>;

    async fn record(&self, id: &str) -> Result<Option<Record>, DbError>;

    /// One page of a record, without loading the others.
    async fn page(&self, record_id: &str, n: u32) -> Result<Option<Page>, DbError>;

    /// A subject's records, newest first, with their pages but without OCR text.
    async fn subject_records(
        &self,
        subject: &SubjectId,
        query: &RecordQuery,
    ) -> Result<Vec<Record>, DbError>;

    /// Claims the oldest runnable job (queued and due, or running with an
    /// expired lease), optionally only among one record's jobs.
    async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
        only_record: Option<&str>,
    ) -> Result<Option<Job>, DbError>;

    /// Extends a lease the worker still holds; false when it has lost it.
    async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, DbError>;

    /// Stores every page's text and the rendition, finishes the job, and
    /// moves the record to `pending_review`, or straight to `certified` with
    /// `certification` (results registered by their issuer). One transaction.
    async fn finish_digitise(
        &self,
        job: &Job,
        worker: &str,
        texts: &[PageText],
        rendition: Rendition,
        certification: Option<&Certification>,
    ) -> Result<(), DbError>;

    /// Puts a job back in the queue to run again after `delay`.
    async fn retry_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        delay: Duration,
    ) -> Result<(), DbError>;

    /// Ends a job as failed and marks its record `failed` with the reason.
    async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError>;

    /// Opens a dossier, allocating the next sequence number of `agency` on
    /// `day` atomically (unique however many requests race). Returns it with
    /// its code.
    async fn open_dossier(
        &self,
        agency: &AgencyId,
        day: NaiveDate,
        subject: &SubjectId,
        procedure_code: &str,
        opened_by: &str,
    ) -> Result<Dossier, DbError>;

    async fn dossier(&self, code: &str) -> Result<Option<Dossier>, DbError>;

    /// Records uploaded with this dossier code, oldest first.
    async fn dossier_records(&self, code: &str) -> Result<Vec<Record>, DbError>;

    /// Jobs not yet done or failed, for one record.
    async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError>;

    /// Ends a record's review: `certificate` (JWS, signing agency) certifies
    /// it, none rejects it. Only from `pending_review`: false when the record
    /// is in any other state (or does not exist), and nothing changes.
    async fn conclude_review(
        &self,
        record_id: &str,
        review: &Review,
        certificate: Option<(&str, &str)>,
    ) -> Result<bool, DbError>;

    /// Publishes a signing key's public half; publishing it again is a no-op.
    async fn publish_signing_key(&self, key: &PublishedKey) -> Result<(), DbError>;

    /// Every published key, oldest first.
    async fn signing_keys(&self) -> Result<Vec<PublishedKey>, DbError>;

    /// The validity catalogue, one entry per kind.
    async fn validity_catalogue(&self) -> Result<Vec<KindValidity>, DbError>;

    /// Changes a kind's default validity.
    async fn set_validity(
        &self,
        kind: DocumentKind,
        rule: ValidityRule,
        note: &str,
        by: &str,
    ) -> Result<KindValidity, DbError>;

    /// Revokes (or, with `superseded_by`, supersedes) a certified record,
    /// with the reason. False when it is not certified, and nothing changes.
    async fn withdraw(
        &self,
        record_id: &str,
        reason: &str,
        superseded_by: Option<&str>,
        by: &str,
    ) -> Result<bool, DbError>;

    /// Records a reuse; the same record for the same dossier counts once.
    async fn record_reuse(&self, reuse: &Reuse) -> Result<(), DbError>;

    /// Reuses from `from` to `to` (inclusive days, UTC), by kind and by agency.
    async fn reuse_stats(&self, from: NaiveDate, to: NaiveDate) -> Result<ReuseStats, DbError>;

    /// Appends an entry to the access ledger, chained to the previous one.
    async fn append_access(&self, access: &NewAccess) -> Result<AccessEntry, DbError>;

    /// A subject's ledger entries, newest first.
    async fn subject_access_log(
        &self,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// Ledger entries after `after_seq`, oldest first, at most `limit`.
    async fn access_log_page(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// The ledger's head: last sequence number and hash.
    async fn access_log_head(&self) -> Result<(i64, String), DbError>;

    /// Stores a new citizen link under the SHA-256 of its token.
    async fn create_citizen_link(
        &self,
        link: &CitizenLink,
        token_hash: &str,
    ) -> Result<(), DbError>;

    async fn citizen_link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<CitizenLink>, DbError>;

    async fn citizen_link(&self, id: &str) -> Result<Option<CitizenLink>, DbError>;

    /// Revokes a link; false when there is no such live link.
    async fn revoke_citizen_link(&self, id: &str) -> Result<bool, DbError>;

    /// Records holding a file with this digest, as an original page or as
    /// the rendition: certified ones first, then newest first.
    async fn records_with_file(&self, digest: &Sha256Digest) -> Result<Vec<Record>, DbError>;
}
