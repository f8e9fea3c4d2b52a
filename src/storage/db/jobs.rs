//! The durable job queue: claiming with a lease, renewing it, and ending a
//! job — with its record's new status in the same transaction, so a record
//! never says `pending_review` without its text or stays `processing` after
//! its job failed for good.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::exec::{Conn, Sql};
use super::rows::JobRow;
use super::{Database, DbError};
use crate::domain::job::{Job, JobKind, JobState};
use crate::domain::{Certification, Origin, PageText, RecordStatus, Rendition};

#[async_trait]
pub trait JobRepo: Send + Sync {
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
    /// moves the record to the status its origin reaches once digitised:
    /// `pending_review`, or straight to `certified` with `certification`
    /// (results registered by their issuer). One transaction.
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

    /// Jobs not yet done or failed, for one record.
    async fn open_jobs(&self, record_id: &str) -> Result<u32, DbError>;
}

fn after(d: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Queues the digitisation of a record, inside the transaction storing it.
pub(super) async fn queue_digitise(
    conn: &mut Conn<'_>,
    record_id: &str,
    max_attempts: u32,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    conn.execute(
        Sql::new(
            "INSERT INTO jobs (kind, record_id, page_n, state, attempts, max_attempts, \
             run_after, created_at, updated_at) VALUES ($1, $2, NULL, $3, 0, $4, $5, $5, $5)",
        )
        .bind(JobKind::Digitise.as_str())
        .bind(record_id)
        .bind(JobState::Queued.as_str())
        .bind(max_attempts)
        .bind(now),
    )
    .await?;
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

#[async_trait]
impl JobRepo for Database {
    async fn claim_job(
        &self,
        worker: &str,
        lease: Duration,
        only_record: Option<&str>,
    ) -> Result<Option<Job>, DbError> {
        let row: Option<JobRow> = self
            .pool
            .fetch_optional(
                Sql::new(self.pool.dialect().claim_job)
                    .bind(worker)
                    .bind(after(lease))
                    .bind(Utc::now())
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
        let done = self
            .pool
            .execute(
                Sql::new(
                    "UPDATE jobs SET lease_until = $1, updated_at = $2 \
                     WHERE id = $3 AND lease_owner = $4 AND state = $5",
                )
                .bind(after(lease))
                .bind(Utc::now())
                .bind(job_id)
                .bind(worker)
                .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(done == 1)
    }

    async fn finish_digitise(
        &self,
        job: &Job,
        worker: &str,
        texts: &[PageText],
        rendition: Rendition,
        certification: Option<&Certification>,
    ) -> Result<(), DbError> {
        let now = Utc::now();
        let mut tx = self.pool.begin().await?;
        if !end_job(&mut tx.conn(), job, worker, JobState::Done, None).await? {
            return Err(DbError::Conflict(format!(
                "job {} is no longer ours",
                job.id
            )));
        }
        for (i, text) in texts.iter().enumerate() {
            tx.conn()
                .execute(
                    Sql::new(
                        "UPDATE pages SET ocr_text = $1, ocr_confidence = $2, ocr_done_at = $3, \
                         text_source = $4 WHERE record_id = $5 AND n = $6",
                    )
                    .bind(&text.text)
                    .bind(text.confidence)
                    .bind(now)
                    .bind(text.source.as_str())
                    .bind(&job.record_id)
                    .bind(i as u64 + 1),
                )
                .await?;
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
                     certified_by = $8, updated_at = $9 WHERE id = $10 AND status = $11",
                )
                .bind(origin.digitised_status().as_str())
                .bind(rendition.sha256.to_hex())
                .bind(rendition.bytes)
                .bind(certification.map(|c| c.review.officer.clone()))
                .bind(certification.and_then(|c| c.review.note.clone()))
                .bind(certification.map(|c| c.review.at))
                .bind(certification.map(|c| c.jws.clone()))
                .bind(certification.map(|c| c.agency_id.to_string()))
                .bind(now)
                .bind(&job.record_id)
                .bind(RecordStatus::Processing.as_str()),
            )
            .await?;
        tx.commit().await
    }

    async fn retry_job(
        &self,
        job: &Job,
        worker: &str,
        error: &str,
        delay: Duration,
    ) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new(
                    "UPDATE jobs SET state = $1, lease_owner = NULL, lease_until = NULL, \
                     last_error = $2, run_after = $3, updated_at = $4 \
                     WHERE id = $5 AND lease_owner = $6 AND state = $7",
                )
                .bind(JobState::Queued.as_str())
                .bind(error)
                .bind(after(delay))
                .bind(Utc::now())
                .bind(job.id)
                .bind(worker)
                .bind(JobState::Running.as_str()),
            )
            .await?;
        Ok(())
    }

    async fn fail_job(&self, job: &Job, worker: &str, error: &str) -> Result<(), DbError> {
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
                    .bind(Utc::now())
                    .bind(&job.record_id)
                    .bind(RecordStatus::Processing.as_str()),
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
