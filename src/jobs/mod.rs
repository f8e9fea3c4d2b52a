//! The slow work behind an upload, run from the durable `jobs` table: one
//! `digitise` job per record reads every page with Tesseract and writes the
//! searchable PDF, stored as its own blob (`digitise`). A worker claims one
//! job with a lease, renews the lease while it works, and records
//! the outcome in the same transaction that ends the job. A worker that dies
//! leaves its lease to run out; then any worker (in this process after a
//! restart, or another instance) takes the job over. Failures retry with
//! exponential backoff; after the job's last attempt the record is `failed`
//! with the reason.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

mod digitise;

use crate::domain::AgencyId;
use crate::domain::job::Job;
use crate::imaging::decode::Limits;
use crate::reading::OcrPool;
use crate::signing::AgencySigner;
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{DbError, Repo};

/// How long an idle worker waits before looking at the queue again, when no
/// in-process notification wakes it (jobs queued by another instance or CLI).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Everything a worker needs.
#[derive(Clone)]
pub struct JobContext {
    pub repo: Arc<dyn Repo>,
    pub blobs: BlobStore,
    pub ocr: OcrPool,
    pub limits: Limits,
    pub lease: Duration,
    /// Signalled by intake when it queues jobs.
    pub jobs_queued: Arc<Notify>,
    /// Signs results registered by their issuer; none where the worker may
    /// not sign (such results then wait for a worker that can).
    pub signer: Option<Arc<AgencySigner>>,
    /// This instance's agency ID, named in the certificates it signs.
    pub agency_id: AgencyId,
}

/// Why a job did not succeed, and whether trying again can help.
#[derive(Debug)]
pub(crate) struct JobFailure {
    message: String,
    retryable: bool,
}

impl JobFailure {
    pub(crate) fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }
    pub(crate) fn transient(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: true,
        }
    }
}

impl From<DbError> for JobFailure {
    fn from(e: DbError) -> Self {
        JobFailure::transient(e.to_string())
    }
}

impl From<BlobError> for JobFailure {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Unavailable(_) => JobFailure::transient(e.to_string()),
            _ => JobFailure::permanent(e.to_string()),
        }
    }
}

fn worker_id(n: usize) -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "host".into());
    let tag = uuid::Uuid::now_v7().simple().to_string();
    format!(
        "{host}-{}-{n}-{}",
        std::process::id(),
        &tag[tag.len() - 6..]
    )
}

/// Starts `count` workers that run until `stop` turns true. Each runs one job
/// at a time, so `count` bounds the jobs in flight.
pub fn spawn_workers(
    ctx: JobContext,
    count: usize,
    stop: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    (0..count)
        .map(|n| {
            let ctx = ctx.clone();
            let stop = stop.clone();
            let id = worker_id(n);
            tokio::spawn(async move { worker_loop(ctx, id, stop).await })
        })
        .collect()
}

/// Called with each page number as its text is read (the CLI's progress bars).
pub(crate) type Progress = Arc<dyn Fn(u32) + Send + Sync>;

/// Runs the jobs of one record to completion in this process, calling
/// `on_page` as each page finishes (the CLI's progress bars). Returns when no
/// job of the record is left open, whoever ran them: jobs another process
/// holds are waited for, or taken over once their lease runs out.
pub async fn run_record(
    ctx: JobContext,
    record_id: &str,
    count: usize,
    on_page: impl Fn(u32) + Send + Sync + 'static,
) {
    let on_page: Progress = Arc::new(on_page);
    let handles: Vec<_> = (0..count.max(1))
        .map(|n| {
            let (ctx, record, on_page, id) = (
                ctx.clone(),
                record_id.to_owned(),
                on_page.clone(),
                worker_id(n),
            );
            tokio::spawn(async move {
                loop {
                    match ctx.repo.claim_job(&id, ctx.lease, Some(&record)).await {
                        Ok(Some(job)) => {
                            run_job(&ctx, &id, job, on_page.clone()).await;
                            continue;
                        }
                        Ok(None) => match ctx.repo.open_jobs(&record).await {
                            Ok(0) => return,
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot count open jobs; retrying")
                            }
                        },
                        Err(e) => tracing::warn!(error = %e, "cannot claim a job; retrying"),
                    }
                    tokio::time::sleep(IDLE_POLL).await;
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.await;
    }
}

async fn worker_loop(ctx: JobContext, id: String, mut stop: watch::Receiver<bool>) {
    tracing::debug!(worker = %id, "worker started");
    loop {
        if *stop.borrow() {
            break;
        }
        // Register interest before looking, so a notification between the
        // empty claim and the wait is not missed.
        let queued = ctx.jobs_queued.notified();
        match ctx.repo.claim_job(&id, ctx.lease, None).await {
            Ok(Some(job)) => {
                run_job(&ctx, &id, job, Arc::new(|_| {})).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(worker = %id, error = %e, "cannot claim a job"),
        }
        tokio::select! {
            _ = queued => {}
            _ = tokio::time::sleep(IDLE_POLL) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::debug!(worker = %id, "worker stopped");
}

/// Runs one claimed job and records its outcome.
async fn run_job(ctx: &JobContext, worker: &str, job: Job, progress: Progress) {
    let kind = match &job.kind {
        Ok(kind) => kind.as_str(),
        Err(unknown) => unknown.as_str(),
    };
    let span = tracing::info_span!("job", job = job.id, kind, record = %job.record_id, attempt = job.attempts);
    async {
        if job.attempts > job.max_attempts {
            let reason = format!(
                "gave up after {} attempts: the worker stopped each time while processing this record",
                job.max_attempts
            );
            tracing::warn!("{reason}");
            if let Err(e) = ctx.repo.fail_job(&job, worker, &reason).await {
                tracing::error!(error = %e, "cannot record the job's failure");
            }
            return;
        }
        let started = std::time::Instant::now();
        let renewer = spawn_lease_renewer(ctx.clone(), worker.to_owned(), job.id);
        let result = digitise::execute(ctx, &job, progress).await;
        renewer.abort();
        let outcome = match result {
            Ok(done) => {
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    pages = done.texts.len(),
                    min_confidence = done.texts.iter().filter_map(|t| t.confidence).min(),
                    pdf_bytes = done.rendition.bytes,
                    certified = done.certification.is_some(),
                    "record digitised"
                );
                ctx.repo
                    .finish_digitise(&job, worker, &done.texts, done.rendition, done.certification.as_ref())
                    .await
            }
            Err(failure) if failure.retryable && job.attempts < job.max_attempts => {
                let delay = Duration::from_secs(2u64.saturating_pow(job.attempts).min(300));
                tracing::warn!(error = %failure.message, retry_in_s = delay.as_secs(), "job failed; will retry");
                ctx.repo.retry_job(&job, worker, &failure.message, delay).await
            }
            Err(failure) => {
                tracing::warn!(error = %failure.message, "job failed for good");
                ctx.repo.fail_job(&job, worker, &failure.message).await
            }
        };
        if let Err(e) = outcome {
            tracing::error!(error = %e, "cannot record the job's outcome; its lease will run out and it will run again");
        }
    }
    .instrument(span)
    .await
}

fn spawn_lease_renewer(ctx: JobContext, worker: String, job_id: i64) -> JoinHandle<()> {
    tokio::spawn(async move {
        let every = (ctx.lease / 3).max(Duration::from_millis(200));
        loop {
            tokio::time::sleep(every).await;
            match ctx.repo.renew_lease(job_id, &worker, ctx.lease).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        job = job_id,
                        "lost the job's lease; another worker may take it over"
                    );
                    return;
                }
                Err(e) => tracing::warn!(job = job_id, error = %e, "cannot renew the job's lease"),
            }
        }
    })
}
