//! Records and their pages: storing a checked upload (with its digitisation
//! job, in one transaction), reading records back, and the status changes an
//! officer or issuer makes (`changes`). Status conditions are bound from
//! [`RecordStatus`], so the SQL says no more than the domain's rules.

use async_trait::async_trait;
use sqlx::AssertSqlSafe;

mod changes;

use super::exec::{Conn, Sql, placeholders};
use super::rows::{PAGE_COLUMNS, PageRow, RECORD_COLUMNS, RecordRow};
use super::{Database, DbError};
use crate::domain::{
    AgencyId, DocumentKind, DossierCode, NewRecord, Page, Record, RecordMeta, RecordStatus, Review,
    Sha256Digest, SubjectId, TextSource,
};

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

#[async_trait]
pub trait RecordRepo: Send + Sync {
    /// The live record (see [`RecordStatus::is_live`]) with exactly these files.
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

    /// Whether the record is a born-digital PDF (some page has its own text).
    async fn born_digital(&self, record_id: &str) -> Result<bool, DbError>;

    /// Records uploaded with this dossier code, oldest first.
    async fn dossier_records(&self, code: &DossierCode) -> Result<Vec<Record>, DbError>;

    /// Records in `status`, oldest first, at most `limit`, with their pages
    /// but without text: the review queue.
    async fn records_in_status(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<Record>, DbError>;

    /// Records holding a file with this digest, as an original page or as
    /// the rendition: certified ones first, then newest first.
    async fn records_with_file(&self, digest: &Sha256Digest) -> Result<Vec<Record>, DbError>;

    /// Ends a record's review: `certificate` (JWS, signing agency) certifies
    /// it, none rejects it; `particulars`, when given, are what the officer
    /// confirmed (number, issue date, agency, signer, owner's name). Only
    /// from `pending_review`: false when the record is in any other state
    /// (or does not exist), and nothing changes.
    async fn conclude_review(
        &self,
        record_id: &str,
        review: &Review,
        certificate: Option<(&str, &AgencyId)>,
        particulars: Option<&RecordMeta>,
    ) -> Result<bool, DbError>;

    /// Revokes (or, with `superseded_by`, supersedes) a certified record,
    /// with the reason. False when it is not certified, and nothing changes.
    async fn withdraw(
        &self,
        record_id: &str,
        reason: &str,
        superseded_by: Option<&str>,
        by: &str,
    ) -> Result<bool, DbError>;
}

/// The SQL condition "status is one of the live statuses", bound from `first`.
fn live_status(first: usize) -> String {
    format!(
        "status IN ({})",
        placeholders(first, RecordStatus::LIVE.len())
    )
}

fn live_statuses() -> impl Iterator<Item = &'static str> {
    RecordStatus::LIVE.iter().map(|s| s.as_str())
}

pub(super) async fn pages_of(conn: &mut Conn<'_>, record_id: &str) -> Result<Vec<Page>, DbError> {
    let rows: Vec<PageRow> = conn
        .fetch_all(
            Sql::new(AssertSqlSafe(format!(
                "{PAGE_COLUMNS} WHERE record_id = $1 ORDER BY n"
            )))
            .bind(record_id),
        )
        .await?;
    rows.into_iter().map(PageRow::into_page).collect()
}

/// The records of `rows`, in their order, each with its pages in one query:
/// with the pages' recognised text when `text`, never their words and boxes
/// (what a listing, the review queue and a page of search hits show).
pub(super) async fn with_pages(
    conn: &mut Conn<'_>,
    rows: Vec<RecordRow>,
    text: bool,
) -> Result<Vec<Record>, DbError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let list = placeholders(1, rows.len());
    let ocr_text = if text { "ocr_text" } else { "NULL AS ocr_text" };
    let page_rows: Vec<PageRow> = conn
        .fetch_all(
            Sql::new(AssertSqlSafe(format!(
                "SELECT record_id, n, sha256, bytes, content_type, file_page, width, height, \
                 dpi, {ocr_text}, ocr_confidence, quality, text_source, NULL AS reading, part \
                 FROM pages WHERE record_id IN ({list}) ORDER BY record_id, n"
            )))
            .bind_all(rows.iter().map(|r| r.id.as_str())),
        )
        .await?;
    let mut pages: std::collections::HashMap<String, Vec<Page>> = Default::default();
    for row in page_rows {
        let id = row.record_id.clone();
        pages.entry(id).or_default().push(row.into_page()?);
    }
    rows.into_iter()
        .map(|row| {
            let p = pages.remove(&row.id).unwrap_or_default();
            row.into_record(p)
        })
        .collect()
}

impl Database {
    /// Several records by id, in the order given, each with its pages.
    async fn records_by_id(&self, ids: Vec<(String,)>) -> Result<Vec<Record>, DbError> {
        let mut records = Vec::with_capacity(ids.len());
        for (id,) in ids {
            if let Some(record) = self.record(&id).await? {
                records.push(record);
            }
        }
        Ok(records)
    }
}

#[async_trait]
impl RecordRepo for Database {
    async fn find_same_pages(
        &self,
        subject: &SubjectId,
        kind: DocumentKind,
        fingerprint: &Sha256Digest,
    ) -> Result<Option<Record>, DbError> {
        let id: Option<(String,)> = self
            .pool
            .fetch_optional(
                Sql::new(AssertSqlSafe(format!(
                    "SELECT id FROM records WHERE subject_id = $1 AND kind = $2 \
                     AND fingerprint = $3 AND {}",
                    live_status(4)
                )))
                .bind(subject.as_str())
                .bind(kind.code())
                .bind(fingerprint.to_hex())
                .bind_all(live_statuses()),
            )
            .await?;
        match id {
            Some((id,)) => self.record(&id).await,
            None => Ok(None),
        }
    }

    async fn insert_record(&self, new: NewRecord, max_attempts: u32) -> Result<Inserted, DbError> {
        match changes::insert(&self.pool, &new, max_attempts).await {
            Ok(()) => {}
            // Another upload of the same pages won the race: answer with it.
            Err(err @ DbError::Conflict(_)) => {
                return match self
                    .find_same_pages(&new.subject_id, new.kind, &new.fingerprint)
                    .await?
                {
                    Some(existing) => Ok(Inserted::Duplicate(existing)),
                    None => Err(err),
                };
            }
            Err(err) => return Err(err),
        }
        let record = self
            .record(&new.id)
            .await?
            .ok_or_else(|| DbError::Corrupt("record vanished after insert".into()))?;
        Ok(Inserted::Created(record))
    }

    async fn record(&self, id: &str) -> Result<Option<Record>, DbError> {
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let row: Option<RecordRow> = conn
            .fetch_optional(
                Sql::new(AssertSqlSafe(format!("{RECORD_COLUMNS} WHERE id = $1"))).bind(id),
            )
            .await?;
        match row {
            Some(row) => {
                let pages = pages_of(&mut conn, &row.id).await?;
                row.into_record(pages).map(Some)
            }
            None => Ok(None),
        }
    }

    async fn page(&self, record_id: &str, n: u32) -> Result<Option<Page>, DbError> {
        let row: Option<PageRow> = self
            .pool
            .fetch_optional(
                Sql::new(AssertSqlSafe(format!(
                    "{PAGE_COLUMNS} WHERE record_id = $1 AND n = $2"
                )))
                .bind(record_id)
                .bind(n),
            )
            .await?;
        row.map(PageRow::into_page).transpose()
    }

    async fn subject_records(
        &self,
        subject: &SubjectId,
        query: &RecordQuery,
    ) -> Result<Vec<Record>, DbError> {
        let kind = query.kind.map(|k| k.code());
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let rows: Vec<RecordRow> = conn
            .fetch_all(
                Sql::new(AssertSqlSafe(format!(
                    "{RECORD_COLUMNS} WHERE subject_id = $1 AND ($2 IS NULL OR kind = $2) \
                     AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
                )))
                .bind(subject.as_str())
                .bind(kind)
                .bind(&query.before)
                .bind(query.limit),
            )
            .await?;
        with_pages(&mut conn, rows, false).await
    }

    async fn born_digital(&self, record_id: &str) -> Result<bool, DbError> {
        let (n,): (i64,) = self
            .pool
            .fetch_one(
                Sql::new("SELECT COUNT(*) FROM pages WHERE record_id = $1 AND text_source = $2")
                    .bind(record_id)
                    .bind(TextSource::Pdf.as_str()),
            )
            .await?;
        Ok(n > 0)
    }

    async fn dossier_records(&self, code: &DossierCode) -> Result<Vec<Record>, DbError> {
        let ids = self
            .pool
            .fetch_all(
                Sql::new("SELECT id FROM records WHERE dossier_code = $1 ORDER BY id")
                    .bind(code.to_string()),
            )
            .await?;
        self.records_by_id(ids).await
    }

    async fn records_in_status(
        &self,
        status: RecordStatus,
        limit: u32,
    ) -> Result<Vec<Record>, DbError> {
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let rows: Vec<RecordRow> = conn
            .fetch_all(
                Sql::new(AssertSqlSafe(format!(
                    "{RECORD_COLUMNS} WHERE status = $1 ORDER BY id LIMIT $2"
                )))
                .bind(status.as_str())
                .bind(limit),
            )
            .await?;
        with_pages(&mut conn, rows, false).await
    }

    async fn records_with_file(&self, digest: &Sha256Digest) -> Result<Vec<Record>, DbError> {
        let ids = self
            .pool
            .fetch_all(
                Sql::new(
                    "SELECT id FROM records WHERE rendition_sha256 = $1 \
                     OR id IN (SELECT record_id FROM pages WHERE sha256 = $1) \
                     ORDER BY CASE WHEN status = $2 THEN 0 ELSE 1 END, id DESC LIMIT 20",
                )
                .bind(digest.to_hex())
                .bind(RecordStatus::Certified.as_str()),
            )
            .await?;
        self.records_by_id(ids).await
    }

    async fn conclude_review(
        &self,
        record_id: &str,
        review: &Review,
        certificate: Option<(&str, &AgencyId)>,
        particulars: Option<&RecordMeta>,
    ) -> Result<bool, DbError> {
        changes::conclude_review(&self.pool, record_id, review, certificate, particulars).await
    }

    async fn withdraw(
        &self,
        record_id: &str,
        reason: &str,
        superseded_by: Option<&str>,
        by: &str,
    ) -> Result<bool, DbError> {
        changes::withdraw(&self.pool, record_id, reason, superseded_by, by).await
    }
}
