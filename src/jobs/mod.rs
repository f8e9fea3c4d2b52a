//! The slow work behind an upload, run from the durable `jobs` table: one
//! `read_page` job per page reads it with Tesseract and encodes its image for
//! the PDF (`read_page`), so the pages of one record spread over every
//! engine; once the last page is read, one `assemble` job writes the
//! searchable PDF from the pages' parts and moves the record on
//! (`assemble`). A worker (`worker`) claims one job at a time with a lease,
//! renews the lease while it works, and records the outcome in the same
//! transaction that ends the job. A worker that dies leaves its lease to run
//! out; then any worker (in this process after a restart, or another
//! instance) takes the job over: a crash redoes only the pages in flight.
//! Failures retry with exponential backoff; after a job's last attempt the
//! record is `failed` with the reason.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, OnceCell};

mod assemble;
mod read_page;
mod worker;

pub use assemble::suggestions_of;
pub use worker::{run_record, spawn_workers};

use crate::domain::AgencyId;
use crate::imaging::decode::{DecodeError, Limits};
use crate::imaging::encode::EncodeError;
use crate::pdf::archival::PdfError;
use crate::reading::{OcrError, OcrPool};
use crate::signing::AgencySigner;
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{DbError, Repo};

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
    /// The text layer's font, read once from Tesseract's data.
    pub font: Arc<OnceCell<Vec<u8>>>,
}

impl JobContext {
    async fn font(&self) -> Result<&[u8], JobFailure> {
        let font = self
            .font
            .get_or_try_init(|| self.ocr.text_layer_font())
            .await
            .map_err(|e| JobFailure::permanent(e.to_string()))?;
        Ok(font.as_slice())
    }
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

impl From<OcrError> for JobFailure {
    fn from(e: OcrError) -> Self {
        match e {
            OcrError::Input(_) => JobFailure::permanent(e.to_string()),
            _ => JobFailure::transient(e.to_string()),
        }
    }
}

impl From<DecodeError> for JobFailure {
    fn from(e: DecodeError) -> Self {
        JobFailure::permanent(format!("the page cannot be decoded: {e}"))
    }
}

impl From<EncodeError> for JobFailure {
    fn from(e: EncodeError) -> Self {
        JobFailure::permanent(e.to_string())
    }
}

impl From<PdfError> for JobFailure {
    fn from(e: PdfError) -> Self {
        JobFailure::permanent(format!("the searchable PDF cannot be written: {e}"))
    }
}

impl From<tokio::task::JoinError> for JobFailure {
    fn from(e: tokio::task::JoinError) -> Self {
        JobFailure::transient(format!("the work on this page stopped: {e}"))
    }
}
