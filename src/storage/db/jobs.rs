//! The durable job queue: one `read_page` job per page to read, then one
//! `assemble` job per record, queued in the same transaction as its last
//! page's text. Claiming takes a lease; ending a job records its outcome in
//! the same transaction, so a record never says `pending_review` without its
//! PDF, never stays `processing` after a job failed for good, and a crash
//! redoes only the pages in flight.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::exec::{Conn, Sql};
use super::rows::JobRow;
use super::{Database, DbError, search};
use crate::domain::job::{Job, JobKind, JobState, PAGE_SPACING};
use crate::domain::particulars::Suggestions;
use crate::domain::{Certification, Origin, PageRead, RecordStatus, Rendition, TextSource};

#[async_trait]
pub trait JobRepo: Send + Sync {
    /// Claims the runnable job that is due first (queued and due, or running
    /// with an expired lease), optionally only among one record's jobs.
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

    /// Stores what reading a page produced and ends its job; when it was the
    /// record's last page to read, queues the assembly. One transaction.
    /// True when the assembly was queued.
    async fn finish_page(&self, job: &Job, worker: &str, read: &PageRead) -> Result<bool, DbError>;

    /// Stores the searchable PDF, ends the assembly job, and moves the record
    /// to the status its origin reaches once digitised: `pending_review`, or
    /// straight to `certified` with `certification` (results registered by
    /// their issuer), with the particulars read off its text as
    /// `suggestions`, and writes its search index row. One transaction.
    async fn finish_record(
        &self,
        job: &Job,
        worker: &str,
        rendition: Rendition,
        certification: Option<&Certification>,
        suggestions: &Suggestions,
    ) -> Result<(), DbError>;

    /// Puts a job back in the queue to run again after `delay`.
    async fn retry_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        delay: Duration,
    ) -> Result<(), DbError>;

    /// Ends a job as failed, marks its record `failed` with the reason, and
    /// ends the record's other open jobs with it.
    async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError>;

    /// Jobs not yet done or failed, for one record.
    async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError>;
}

fn after(from: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    from + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

async fn queue(
    conn: &mut Conn<'_>,
    kind: JobKind,
    record_id: &str,
    page_n: Option<u32>,
    max_attempts: u32,
    now: DateTime<Utc>,
    priority_at: DateTime<Utc>,
) -> Result<(), DbError> {
    conn.execute(
        Sql::new(
            "INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, \
             run_after, priority_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $6, $6)",
        )
        .bind(kind.as_str())
        .bind(record_id)
        .bind(page_n)
        .bind(JobState::Queued.as_str())
        .bind(max_attempts)
        .bind(now)
        .bind(priority_at),
    )
    .await?;
    Ok(())
}

/// Queues the reading of pages `to_read` of a record (spaced by
/// [`PAGE_SPACING`]), inside the transaction storing it; with no page to
/// read (a born-digital PDF), queues the assembly at once.
pub(super) async fn queue_reading(
    conn: &mut Conn<'_>,
    record_id: &str,
    to_read: &[u32],
    max_attempts: u32,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    if to_read.is_empty() {
        return queue(
            conn,
            JobKind::Assemble,
            record_id,
            None,
            max_attempts,
            now,
            now,
        )
        .await;
    }
    for (i, n) in to_read.iter().enumerate() {
        let due = after(now, PAGE_SPACING * i as u32);
        queue(
            conn,
            JobKind::ReadPage,
            record_id,
            Some(*n),
            max_attempts,
            now,
            due,
        )
        .await?;
    }
    Ok(())
}

/// Ends a job this worker still holds, in `state`; false when the lease ran
/// out and another worker owns the job now (its result wins).
async fn end_job(
    conn: &mut Conn<'_>,
    job: &Job,
    worker: &str,
    state: JobState,
    error: Option<&str>,
) -> Result<bool, DbError> {
    let done = conn
        .execute(
            Sql::new(
                "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, \
                 last_error = $2, updated_at = $3 \
                 WHERE id = $4 AND lease_owner = $5 AND state = $6",
            )
            .bind(state.as_str())
            .bind(error)
            .bind(Utc::now())
            .bind(job.id)
            .bind(worker)
            .bind(JobState::Running.as_str()),
        )
        .await?;
    Ok(done == 1)
}

fn lost(job: &Job) -> DbError {
    DbError::Conflict(format!("job {} is no longer ours", job.id))
}

/// Takes the record's row for the rest of the transaction (its write lock on
/// PostgreSQL; SQLite has one writer), so that two workers ending the last
/// two pages at once cannot both see the other still open.
async fn lock_record(conn: &mut Conn<'_>, record_id: &str) -> Result<(), DbError> {
    conn.execute(
        Sql::new("UPDATE records SET updated_at = $1 WHERE id = $2")
            .bind(Utc::now())
            .bind(record_id),
    )
    .await?;
    Ok(())
}

#[async_trait]
impl JobRepo for Database {
    async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
        only_record: Option<&str>,
    ) -> Result<Option<Job>, DbError> {
        let now = Utc::now();
        let row: Option<JobRow> = self
            .pool
            .fetch_optional(
                Sql::new(self.pool.dialect().claim_job)
                    .bind(worker)
                    .bind(after(now, lease))
                    .bind(now)
                    .bind(only_record)
                    .bind(JobState::Queued.as_str())
                    .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(row.map(Job::from))
    }

    async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        lease: Duration,
    ) -> Result<bool, DbError> {
        let now = Utc::now();
        let done = self
            .pool
            .execute(
                Sql::new(
                    "UPDATE jobs SET lease_until = $1, updated_at = $2 \
                     WHERE id = $3 AND lease_owner = $4 AND state = $5",
                )
                .bind(after(now, lease))
                .bind(now)
                .bind(job_id)
                .bind(worker)
                .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(done == 1)
    }

    async fn finish_page(&self, job: &Job, worker: &str, read: &PageRead) -> Result<bool, DbError> {
        let now = Utc::now();
        let layout = serde_json::to_string(&read.layout)
            .map_err(|e| DbError::Query(format!("encoding a page's reading: {e}")))?;
        let part = read
            .part
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok());
        let mut tx = self.pool.begin().await?;
        lock_record(&mut tx.conn(), &job.record_id).await?;
        if !end_job(&mut tx.conn(), job, worker, JobState::Done, None).await? {
            return Err(lost(job));
        }
        tx.conn()
            .execute(
                Sql::new(
                    "UPDATE pages SET ocr_text = $1, ocr_confidence = $2, ocr_done_at = $3, \
                     text_source = $4, reading = $5, part = $6 WHERE record_id = $7 AND n = $8",
                )
                .bind(read.layout.text())
                .bind(read.layout.mean_confidence())
                .bind(now)
                .bind(TextSource::Ocr.as_str())
                .bind(layout)
                .bind(part)
                .bind(&job.record_id)
                .bind(read.n),
            )
            .await?;
        let (open,): (i64,) = tx
            .conn()
            .fetch_one(
                Sql::new(
                    "SELECT COUNT(*) FROM jobs WHERE record_id = $1 AND kind = $2 \
                     AND state IN ($3, $4)",
                )
                .bind(&job.record_id)
                .bind(JobKind::ReadPage.as_str())
                .bind(JobState::Queued.as_str())
                .bind(JobState::Running.as_str()),
            )
            .await?;
        let last = open == 0;
        if last {
            queue(
                &mut tx.conn(),
                JobKind::Assemble,
                &job.record_id,
                None,
                job.max_attempts,
                now,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(last)
    }

    async fn finish_record(
        &self,
        job: &Job,
        worker: &str,
        rendition: Rendition,
        certification: Option<&Certification>,
        suggestions: &Suggestions,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        if !end_job(&mut tx.conn(), job, worker, JobState::Done, None).await? {
            return Err(lost(job));
        }
        let origin = if certification.is_some() {
            Origin::Issued
        } else {
            Origin::Scanned
        };
        tx.conn()
            .execute(
                Sql::new(
                    "UPDATE records SET status = $1, rendition_sha256 = $2, rendition_bytes = $3, \
                     reviewed_by = $4, review_note = $5, reviewed_at = $6, certificate = $7, \
                     certified_by = $8, updated_at = $9, suggestions = $12 \
                     WHERE id = $10 AND status = $11",
                )
                .bind(origin.digitised_status().as_str())
                .bind(rendition.sha256.to_hex())
                .bind(rendition.bytes)
                .bind(certification.map(|c| c.review.officer.clone()))
                .bind(certification.and_then(|c| c.review.note.clone()))
                .bind(certification.map(|c| c.review.at))
                .bind(certification.map(|c| c.jws.clone()))
                .bind(certification.map(|c| c.agency_id.to_string()))
                .bind(Utc::now())
                .bind(&job.record_id)
                .bind(RecordStatus::Processing.as_str())
                .bind(serde_json::to_string(suggestions).ok()),
            )
            .await?;
        // The text is visible from this commit on, and findable with it.
        search::index(&mut tx.conn(), &job.record_id).await?;
        tx.commit().await
    }

    async fn retry_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        delay: Duration,
    ) -> Result<(), DbError> {
        let now = Utc::now();
        self.pool
            .execute(
                Sql::new(
                    "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, \
                     last_error = $2, run_after = $3, updated_at = $4 \
                     WHERE id = $5 AND lease_owner = $6 AND state = $7",
                )
                .bind(JobState::Queued.as_str())
                .bind(error)
                .bind(after(now, delay))
                .bind(now)
                .bind(job.id)
                .bind(worker)
                .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(())
    }

    async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError> {
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        if end_job(&mut tx.conn(), job, worker, JobState::Failed, Some(error)).await? {
            tx.conn()
                .execute(
                    Sql::new(
                        "UPDATE records SET status = $1, status_reason = $2, updated_at = $3 \
                         WHERE id = $4 AND status = $5",
                    )
                    .bind(RecordStatus::Failed.as_str())
                    .bind(error)
                    .bind(now)
                    .bind(&job.record_id)
                    .bind(RecordStatus::Processing.as_str()),
                )
                .await?;
            // The record has failed: its other pages need no reading.
            tx.conn()
                .execute(
                    Sql::new(
                        "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, \
                         last_error = $2, updated_at = $3 \
                         WHERE record_id = $4 AND state IN ($5, $6)",
                    )
                    .bind(JobState::Failed.as_str())
                    .bind(format!("another job of the record failed: {error}"))
                    .bind(now)
                    .bind(&job.record_id)
                    .bind(JobState::Queued.as_str())
                    .bind(JobState::Running.as_str()),
                )
                .await?;
        }
        tx.commit().await
    }

    async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError> {
        let (n,): (i64,) = self
            .pool
            .fetch_one(
                Sql::new("SELECT COUNT(*) FROM jobs WHERE record_id = $1 AND state IN ($2, $3)")
                    .bind(record_id)
                    .bind(JobState::Queued.as_str())
                    .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(n as u32)
    }
}
