//! The slow work behind an upload, run from the durable `jobs` table: one
//! `digitise` job per record reads every page with Tesseract and writes the
//! searchable PDF, stored as its own blob. A worker claims one job with a lease, renews the lease while it works, and records
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

use crate::certificate::CertificateClaims;
use crate::domain::Sha256Digest;
use crate::intake::decode::{self, Limits, MediaType};
use crate::intake::skew;
use crate::ocr::{OcrError, OcrPool, PageInput};
use crate::pdfa;
use crate::signing::AgencySigner;
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{
    Certification, DbError, Job, JobKind, Origin, PageText, Rendition, Repository, Review,
};
use crate::telemetry::spawn_blocking_in_span;

/// How long an idle worker waits before looking at the queue again, when no
/// in-process notification wakes it (jobs queued by another instance or CLI).
const IDLE_POLL: Duration = Duration::from_millis(500);

/// Everything a worker needs.
#[derive(Clone)]
pub struct JobContext {
    pub repo: Arc<dyn Repository>,
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
    pub agency_id: String,
}

/// Why a job did not succeed, and whether trying again can help.
#[derive(Debug)]
struct JobFailure {
    message: String,
    retryable: bool,
}

impl JobFailure {
    fn permanent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retryable: false,
        }
    }
    fn transient(message: impl Into<String>) -> Self {
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
type Progress = Arc<dyn Fn(u32) + Send + Sync>;

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
    let span = tracing::info_span!("job", job = job.id, kind = %job.kind, record = %job.record_id, attempt = job.attempts);
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
        let result = execute(ctx, &job, progress).await;
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

impl From<OcrError> for JobFailure {
    fn from(e: OcrError) -> Self {
        match e {
            OcrError::Input(_) => JobFailure::permanent(e.to_string()),
            _ => JobFailure::transient(e.to_string()),
        }
    }
}

/// What a finished job hands to the database.
struct Digitised {
    texts: Vec<PageText>,
    rendition: Rendition,
    certification: Option<Certification>,
}

/// Reads every page of the record and writes its searchable PDF; a result
/// registered by its issuer is signed at once.
async fn execute(ctx: &JobContext, job: &Job, progress: Progress) -> Result<Digitised, JobFailure> {
    if job.kind != JobKind::Digitise.as_str() {
        return Err(JobFailure::permanent(format!(
            "unknown job kind {:?}",
            job.kind
        )));
    }
    let record = ctx
        .repo
        .record(&job.record_id)
        .await?
        .ok_or_else(|| JobFailure::permanent("the record does not exist"))?;
    // Each original once, however many pages it holds (multi-page TIFF, PDF).
    let mut files: Vec<(Sha256Digest, bytes::Bytes)> = Vec::new();
    for page in &record.pages {
        if !files.iter().any(|(d, _)| *d == page.sha256) {
            files.push((page.sha256, ctx.blobs.get_original(&page.sha256).await?));
        }
    }
    let file_of = |digest: &Sha256Digest| {
        files
            .iter()
            .find(|(d, _)| d == digest)
            .map(|(_, b)| b.clone())
            .expect("every page's file was fetched")
    };
    // A born-digital PDF keeps its own text: only its pages without text are read.
    let born_digital = record
        .pages
        .iter()
        .any(|p| p.text_source.as_deref() == Some("pdf"));
    let to_read: Vec<_> = record
        .pages
        .iter()
        .filter(|p| p.text_source.as_deref() != Some("pdf"))
        .map(|p| {
            let quality = p.quality.as_ref();
            let skew = quality
                .and_then(|q| q.skew_degrees)
                .filter(|d| d.abs() >= skew::NEGLIGIBLE_DEGREES);
            // The dpi the counter stated or estimated sizes the PDF page.
            let dpi = p.dpi.or(quality.map(|q| q.dpi));
            (p.n, p.file_page, (p.sha256, file_of(&p.sha256)), skew, dpi)
        })
        .collect();
    let read_numbers: Vec<u32> = to_read.iter().map(|p| p.0).collect();
    let limits = ctx.limits;
    let count = to_read.len();
    // A multi-page PDF is parsed once for all its pages, not once a page.
    let mut parsed: Option<(Sha256Digest, decode::Pdf)> = None;
    let read_page = move |i: usize| -> Result<PageInput, OcrError> {
        let (n, file_page, (digest, bytes), skew, dpi) = &to_read[i];
        let cannot =
            |e: decode::DecodeError| OcrError::Input(format!("page {n} cannot be decoded: {e}"));
        let (mut image, mut colour) = if MediaType::sniff(bytes) == Some(MediaType::Pdf) {
            if parsed.as_ref().is_none_or(|(d, _)| d != digest) {
                parsed = Some((*digest, decode::Pdf::parse(bytes, &limits).map_err(cannot)?));
            }
            let (_, pdf) = parsed.as_ref().expect("parsed above");
            (pdf.image(*file_page, &limits).map_err(cannot)?, None)
        } else {
            decode::decode_page_and_colour(bytes, *file_page, &limits).map_err(cannot)?
        };
        // Straighten a crooked page for OCR and the PDF; the stored original
        // stays as it is.
        if let Some(degrees) = skew {
            image.pixels = skew::straighten(&image.pixels, *degrees);
            colour = colour.map(|c| skew::straighten(&c, *degrees));
        }
        Ok(PageInput {
            pixels: image.pixels,
            colour,
            dpi: dpi.or(image.dpi),
        })
    };
    let title = format!("{} {}", record.kind.label_vi(), record.id);
    let numbers = read_numbers.clone();
    let document = if count > 0 {
        Some(
            ctx.ocr
                .digitise(count, title.clone(), read_page, move |i| {
                    progress(numbers[i])
                })
                .await?,
        )
    } else {
        None
    };
    let mut recognised = document
        .as_ref()
        .map(|d| d.pages.clone())
        .unwrap_or_default()
        .into_iter();
    let texts: Vec<PageText> = record
        .pages
        .iter()
        .map(|p| {
            if read_numbers.contains(&p.n) {
                let r = recognised.next().expect("one result per page read");
                PageText {
                    text: r.text,
                    confidence: Some(r.confidence),
                    source: "ocr",
                }
            } else {
                PageText {
                    text: p.ocr_text.clone().unwrap_or_default(),
                    confidence: None,
                    source: "pdf",
                }
            }
        })
        .collect();

    // The searchable PDF: a born-digital PDF already is one, and stays where
    // it is, among the originals (rewriting it would break its signature;
    // copying it would store it twice). Scans get Tesseract's, made archival.
    let rendition = match (born_digital, document) {
        (true, _) => Rendition {
            sha256: record.pages[0].sha256,
            bytes: record.pages[0].bytes,
        },
        (false, Some(document)) => {
            let archival = pdfa::Metadata {
                title,
                created: record.created_at,
            };
            let pdf = spawn_blocking_in_span(move || pdfa::make_archival(&document.pdf, &archival))
                .await
                .map_err(|e| JobFailure::transient(e.to_string()))?
                .map_err(|e| {
                    JobFailure::permanent(format!("the searchable PDF cannot be finished: {e}"))
                })?;
            let rendition = Rendition {
                sha256: Sha256Digest::of(&pdf),
                bytes: pdf.len() as u64,
            };
            ctx.blobs
                .put_rendition(&rendition.sha256, bytes::Bytes::from(pdf))
                .await?;
            rendition
        }
        (false, None) => return Err(JobFailure::permanent("the record has no pages")),
    };

    let certification = if record.origin == Origin::Issued {
        let signer = ctx.signer.as_ref().ok_or_else(|| {
            JobFailure::transient("this worker has no signing key to certify issued results")
        })?;
        let mut signed = record.clone();
        signed.rendition = Some(rendition);
        let at = chrono::Utc::now();
        let jws = CertificateClaims::for_record(&signed, &record.created_by, &ctx.agency_id, at)
            .sign(signer)
            .map_err(|e| JobFailure::permanent(e.to_string()))?;
        Some(Certification {
            jws,
            agency_id: ctx.agency_id.clone(),
            review: Review {
                officer: record.created_by.clone(),
                note: Some("registered by the issuing agency".into()),
                at,
            },
        })
    } else {
        None
    };
    Ok(Digitised {
        texts,
        rendition,
        certification,
    })
}
