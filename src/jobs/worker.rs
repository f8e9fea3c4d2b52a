//! The workers: each claims one job at a time, holds its lease (renewed by a
//! task that a guard stops on every exit, panic included), runs it, and
//! records the outcome — done, retried with backoff, or failed for good.

use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use super::{JobContext, JobFailure, assemble, read_page};
use crate::domain::job::{Job, JobKind};

/// How long an idle worker waits before looking at the queue again, when no
/// in-process notification wakes it (jobs queued by another instance or CLI).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Called with each page number as it is read (the CLI's progress bars).
pub(super) type Progress = Arc<dyn Fn(u32) + Send + Sync>;

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

/// Runs the jobs of one record to completion in this process with `count`
/// workers, calling `on_page` as each page is read (the CLI's progress
/// bars). Returns when no job of the record is left open, whoever ran them:
/// jobs another process holds are waited for, or taken over once their
/// lease runs out.
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
                            run_job(&ctx, &id, job, &on_page).await;
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
    let progress: Progress = Arc::new(|_| {});
    loop {
        if *stop.borrow() {
            break;
        }
        // Register interest before looking, so a notification between the
        // empty claim and the wait is not missed.
        let queued = ctx.jobs_queued.notified();
        match ctx.repo.claim_job(&id, ctx.lease, None).await {
            Ok(Some(job)) => {
                run_job(&ctx, &id, job, &progress).await;
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

/// Renews a job's lease while it lives; dropping it (the job ended, failed
/// or panicked) stops the renewing.
struct LeaseGuard(JoinHandle<()>);

impl LeaseGuard {
    fn hold(ctx: &JobContext, worker: &str, job_id: i64) -> Self {
        let (ctx, worker) = (ctx.clone(), worker.to_owned());
        Self(tokio::spawn(async move {
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
                    Err(e) => {
                        tracing::warn!(job = job_id, error = %e, "cannot renew the job's lease")
                    }
                }
            }
        }))
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one claimed job and records its outcome.
async fn run_job(ctx: &JobContext, worker: &str, job: Job, progress: &Progress) {
    let kind = match &job.kind {
        Ok(kind) => kind.as_str(),
        Err(unknown) => unknown.as_str(),
    };
    let span = tracing::info_span!("job", job = job.id, kind, record = %job.record_id, page = job.page_n, attempt = job.attempts);
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
        let result = {
            let _lease = LeaseGuard::hold(ctx, worker, job.id);
            // A panic is one job's failure: the worker, its lease renewer and
            // the other engines' work go on.
            std::panic::AssertUnwindSafe(execute(ctx, worker, &job, progress))
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "no message".into());
                    Err(JobFailure::transient(format!("the job panicked: {why}")))
                })
        };
        let outcome = match result {
            Ok(()) => Ok(()),
            Err(failure) if failure.retryable && job.attempts < job.max_attempts => {
                let delay = Duration::from_secs(2u64.saturating_pow(job.attempts).min(300));
                tracing::warn!(error = %failure.message, retry_in_s = delay.as_secs(), "job failed; will retry");
                ctx.repo.retry_job(&job, worker, &failure.message, delay).await
            }
            Err(failure) => {
                metrics::counter!("sohoa_jobs_failed_total").increment(1);
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

/// Runs the job and stores its result (ending the job in the same transaction).
async fn execute(
    ctx: &JobContext,
    worker: &str,
    job: &Job,
    progress: &Progress,
) -> Result<(), JobFailure> {
    match &job.kind {
        Ok(JobKind::ReadPage) => {
            let started = std::time::Instant::now();
            let read = read_page::execute(ctx, job).await?;
            let n = read.n;
            let words = read.layout.word_count();
            let last = ctx.repo.finish_page(job, worker, &read).await?;
            metrics::histogram!("sohoa_page_read_seconds").record(started.elapsed().as_secs_f64());
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                words,
                confidence = read.layout.mean_confidence(),
                "page read"
            );
            progress(n);
            if last {
                ctx.jobs_queued.notify_waiters();
            }
            Ok(())
        }
        Ok(JobKind::Assemble) => assemble::execute(ctx, worker, job).await,
        Err(unknown) => Err(JobFailure::permanent(format!(
            "unknown job kind {unknown:?} (queued by another version of sohoa?)"
        ))),
    }
}
