//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed record survives a crash or power loss.
//!
//! Dialect notes: timestamps are bound as fixed-width RFC 3339 text (`ts`), so
//! that comparing them as text compares times; SQLite serialises writers, so
//! claiming a job is a single `UPDATE … RETURNING` with no row locks.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
// Composed SQL below only joins the constant column lists; values are always bound.
use sqlx::{AssertSqlSafe, FromRow, SqlitePool};

use super::{
    ApiKey, DbError, Inserted, Job, JobKind, NewRecord, Page, PageText, Record, RecordMeta,
    RecordQuery, Repository,
};
use crate::domain::{DocumentKind, RecordStatus, Role, Sha256Digest, SubjectId};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteRepository {
    pool: SqlitePool,
}

/// A timestamp as fixed-width text: `2026-01-02T03:04:05.678901Z`.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn later(d: Duration) -> String {
    ts(Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
}

impl SqliteRepository {
    pub async fn open(url: &str) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::UnsupportedUrl(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(15))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Unavailable(format!("{}: {e}", dir.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(20))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }

    async fn pages_of(&self, record_id: &str) -> Result<Vec<Page>, DbError> {
        let rows: Vec<PageRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{PAGE_COLUMNS} WHERE record_id = $1 ORDER BY n"
        )))
        .bind(record_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(PageRow::into_page).collect()
    }
}

const RECORD_COLUMNS: &str = "SELECT id, subject_id, kind, status, status_reason, dossier_code, \
     procedure_code, document_number, issued_on, valid_until, officer, created_by, created_at, \
     updated_at FROM records";

const PAGE_COLUMNS: &str = "SELECT record_id, n, sha256, bytes, content_type, file_page, width, \
     height, dpi, ocr_text, ocr_confidence FROM pages";

#[derive(FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    role: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    fn into_key(self) -> Result<ApiKey, DbError> {
        Ok(ApiKey {
            id: self.id,
            role: Role::from_str(&self.role).map_err(DbError::Corrupt)?,
            name: self.name,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(FromRow)]
struct RecordRow {
    id: String,
    subject_id: String,
    kind: String,
    status: String,
    status_reason: Option<String>,
    dossier_code: Option<String>,
    procedure_code: Option<String>,
    document_number: Option<String>,
    issued_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    officer: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl RecordRow {
    fn into_record(self, pages: Vec<Page>) -> Result<Record, DbError> {
        Ok(Record {
            kind: DocumentKind::from_str(&self.kind)
                .map_err(|e| DbError::Corrupt(e.to_string()))?,
            status: RecordStatus::from_str(&self.status).map_err(DbError::Corrupt)?,
            id: self.id,
            subject_id: self.subject_id,
            status_reason: self.status_reason,
            meta: RecordMeta {
                dossier_code: self.dossier_code,
                procedure_code: self.procedure_code,
                document_number: self.document_number,
                issued_on: self.issued_on,
                valid_until: self.valid_until,
                officer: self.officer,
            },
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            pages,
        })
    }
}

#[derive(FromRow)]
struct PageRow {
    record_id: String,
    n: i64,
    sha256: String,
    bytes: i64,
    content_type: String,
    file_page: i64,
    width: i64,
    height: i64,
    dpi: Option<i64>,
    ocr_text: Option<String>,
    ocr_confidence: Option<i64>,
}

impl PageRow {
    fn into_page(self) -> Result<Page, DbError> {
        let sha256 = Sha256Digest::parse(&self.sha256)
            .ok_or_else(|| DbError::Corrupt(format!("page digest {:?}", self.sha256)))?;
        Ok(Page {
            n: self.n as u32,
            sha256,
            bytes: self.bytes as u64,
            content_type: self.content_type,
            file_page: self.file_page as u32,
            width: self.width as u32,
            height: self.height as u32,
            dpi: self.dpi.map(|d| d as u32),
            ocr_text: self.ocr_text,
            ocr_confidence: self.ocr_confidence.map(|c| c as u32),
        })
    }
}

#[derive(FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    record_id: String,
    page_n: Option<i64>,
    attempts: i64,
    max_attempts: i64,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            id: r.id,
            kind: r.kind,
            record_id: r.record_id,
            page_n: r.page_n.map(|n| n as u32),
            attempts: r.attempts as u32,
            max_attempts: r.max_attempts as u32,
        }
    }
}

#[async_trait]
impl Repository for SqliteRepository {
    async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_api_key(
        &self,
        name: &str,
        role: Role,
        key_hash: &str,
    ) -> Result<ApiKey, DbError> {
        let row: KeyRow = sqlx::query_as(
            "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, name, role, created_at, revoked_at",
        )
        .bind(name)
        .bind(role.as_str())
        .bind(key_hash)
        .bind(ts(Utc::now()))
        .fetch_one(&self.pool)
        .await
        .map_err(|e| match DbError::from(e) {
            DbError::Conflict(_) => {
                DbError::Conflict(format!("a key named {name:?} already exists"))
            }
            other => other,
        })?;
        row.into_key()
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, DbError> {
        let row: Option<KeyRow> = sqlx::query_as(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys \
             WHERE key_hash = $1 AND revoked_at IS NULL",
        )
        .bind(key_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(KeyRow::into_key).transpose()
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, DbError> {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(KeyRow::into_key).collect()
    }

    async fn revoke_api_key(&self, name: &str) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
        )
        .bind(ts(Utc::now()))
        .bind(name)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn find_same_pages(
        &self,
        subject: &SubjectId,
        kind: DocumentKind,
        fingerprint: &Sha256Digest,
    ) -> Result<Option<Record>, DbError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT id FROM records WHERE subject_id = $1 AND kind = $2 AND fingerprint = $3 \
             AND status NOT IN ('failed', 'rejected')",
        )
        .bind(subject.as_str())
        .bind(kind.code())
        .bind(fingerprint.to_hex())
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => self.record(&id).await,
            None => Ok(None),
        }
    }

    async fn insert_record(&self, new: NewRecord, max_attempts: u32) -> Result<Inserted, DbError> {
        let now = ts(Utc::now());
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO records (id, subject_id, kind, status, dossier_code, procedure_code, \
             document_number, issued_on, valid_until, officer, fingerprint, created_by, \
             created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(&new.id)
        .bind(new.subject_id.as_str())
        .bind(new.kind.code())
        .bind(RecordStatus::Processing.as_str())
        .bind(&new.meta.dossier_code)
        .bind(&new.meta.procedure_code)
        .bind(&new.meta.document_number)
        .bind(new.meta.issued_on)
        .bind(new.meta.valid_until)
        .bind(&new.meta.officer)
        .bind(new.fingerprint.to_hex())
        .bind(&new.created_by)
        .bind(&now)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            let err = DbError::from(e);
            if matches!(err, DbError::Conflict(_)) {
                // Another upload of the same pages won the race: answer with it.
                drop(tx);
                return match self
                    .find_same_pages(&new.subject_id, new.kind, &new.fingerprint)
                    .await?
                {
                    Some(existing) => Ok(Inserted::Duplicate(existing)),
                    None => Err(err),
                };
            }
            return Err(err);
        }
        for page in &new.pages {
            sqlx::query(
                "INSERT INTO pages (record_id, n, sha256, bytes, content_type, file_page, width, \
                 height, dpi) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&new.id)
            .bind(page.n as i64)
            .bind(page.sha256.to_hex())
            .bind(page.bytes as i64)
            .bind(page.content_type)
            .bind(page.file_page as i64)
            .bind(page.width as i64)
            .bind(page.height as i64)
            .bind(page.dpi.map(|d| d as i64))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, \
                 run_after, created_at, updated_at) \
                 VALUES ($1, $2, $3, 'queued', 0, $4, $5, $5, $5)",
            )
            .bind(JobKind::OcrPage.as_str())
            .bind(&new.id)
            .bind(page.n as i64)
            .bind(max_attempts as i64)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        let record = self
            .record(&new.id)
            .await?
            .ok_or_else(|| DbError::Corrupt("record vanished after insert".into()))?;
        Ok(Inserted::Created(record))
    }

    async fn record(&self, id: &str) -> Result<Option<Record>, DbError> {
        let row: Option<RecordRow> =
            sqlx::query_as(AssertSqlSafe(format!("{RECORD_COLUMNS} WHERE id = $1")))
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        match row {
            Some(row) => {
                let pages = self.pages_of(&row.id).await?;
                row.into_record(pages).map(Some)
            }
            None => Ok(None),
        }
    }

    async fn subject_records(
        &self,
        subject: &SubjectId,
        query: &RecordQuery,
    ) -> Result<Vec<Record>, DbError> {
        let rows: Vec<RecordRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{RECORD_COLUMNS} WHERE subject_id = $1 AND ($2 IS NULL OR kind = $2) \
             AND ($3 IS NULL OR id < $3) ORDER BY id DESC LIMIT $4"
        )))
        .bind(subject.as_str())
        .bind(query.kind.map(|k| k.code()))
        .bind(&query.before)
        .bind(query.limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let Some(oldest) = rows.last().map(|r| r.id.clone()) else {
            return Ok(Vec::new());
        };
        // One query for all pages of the listed records, text left out.
        let page_rows: Vec<PageRow> = sqlx::query_as(
            "SELECT p.record_id, p.n, p.sha256, p.bytes, p.content_type, p.file_page, p.width, \
             p.height, p.dpi, NULL AS ocr_text, p.ocr_confidence \
             FROM pages p JOIN records r ON r.id = p.record_id \
             WHERE r.subject_id = $1 AND ($2 IS NULL OR r.kind = $2) AND r.id >= $3 \
             AND ($4 IS NULL OR r.id < $4) ORDER BY p.record_id, p.n",
        )
        .bind(subject.as_str())
        .bind(query.kind.map(|k| k.code()))
        .bind(&oldest)
        .bind(&query.before)
        .fetch_all(&self.pool)
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

    async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
        only_record: Option<&str>,
    ) -> Result<Option<Job>, DbError> {
        let now = ts(Utc::now());
        let row: Option<JobRow> = sqlx::query_as(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1, \
             lease_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs \
                 WHERE ((state = 'queued' AND run_after <= $3) \
                     OR (state = 'running' AND lease_until < $3)) \
                   AND ($4 IS NULL OR record_id = $4) \
                 ORDER BY id LIMIT 1) \
             RETURNING id, kind, record_id, page_n, attempts, max_attempts",
        )
        .bind(worker)
        .bind(later(lease))
        .bind(&now)
        .bind(only_record)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Job::from))
    }

    async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE jobs SET lease_until = $1, updated_at = $2 \
             WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
        )
        .bind(later(lease))
        .bind(ts(Utc::now()))
        .bind(job_id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn finish_ocr_page(
        &self,
        job: &Job,
        worker: &str,
        text: &PageText,
    ) -> Result<(), DbError> {
        let now = ts(Utc::now());
        let mut tx = self.pool.begin().await?;
        let owned = sqlx::query(
            "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, \
             last_error = NULL, updated_at = $1 WHERE id = $2 AND lease_owner = $3 AND state = 'running'",
        )
        .bind(&now)
        .bind(job.id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        if owned.rows_affected() != 1 {
            // The lease ran out and another worker owns the job now: its result wins.
            return Err(DbError::Conflict(format!(
                "job {} is no longer ours",
                job.id
            )));
        }
        sqlx::query(
            "UPDATE pages SET ocr_text = $1, ocr_confidence = $2, ocr_done_at = $3 \
             WHERE record_id = $4 AND n = $5",
        )
        .bind(&text.text)
        .bind(text.confidence as i64)
        .bind(&now)
        .bind(&job.record_id)
        .bind(job.page_n.map(|n| n as i64))
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE records SET status = 'pending_review', updated_at = $1 \
             WHERE id = $2 AND status = 'processing' \
             AND NOT EXISTS (SELECT 1 FROM pages WHERE record_id = $2 AND ocr_done_at IS NULL)",
        )
        .bind(&now)
        .bind(&job.record_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn retry_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        delay: Duration,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_until = NULL, \
             last_error = $1, run_after = $2, updated_at = $3 \
             WHERE id = $4 AND lease_owner = $5 AND state = 'running'",
        )
        .bind(error)
        .bind(later(delay))
        .bind(ts(Utc::now()))
        .bind(job.id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError> {
        let now = ts(Utc::now());
        let mut tx = self.pool.begin().await?;
        let owned = sqlx::query(
            "UPDATE jobs SET state = 'failed', lease_owner = NULL, lease_until = NULL, \
             last_error = $1, updated_at = $2 WHERE id = $3 AND lease_owner = $4 AND state = 'running'",
        )
        .bind(error)
        .bind(&now)
        .bind(job.id)
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        if owned.rows_affected() == 1 {
            sqlx::query(
                "UPDATE records SET status = 'failed', status_reason = $1, updated_at = $2 \
                 WHERE id = $3 AND status = 'processing'",
            )
            .bind(error)
            .bind(&now)
            .bind(&job.record_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs WHERE record_id = $1 AND state IN ('queued', 'running')",
        )
        .bind(record_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n as u32)
    }
}
