//! Group commit: reads hand their entries to the appender, which commits
//! whatever has queued up (at most [`MAX_BATCH`]) in one transaction, one
//! fsync for the lot, and answers each read only once the transaction
//! holding its entry is committed. So a read that cannot be logged is still
//! not served, and concurrent reads share a commit instead of queueing for
//! one each. A batch is what arrived while the previous commit ran: alone, a
//! read waits for nothing but its own commit.

use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use crate::domain::access::{AccessEntry, NewAccess};
use crate::storage::db::{DbError, LedgerRepo};

/// Entries committed together at most.
pub const MAX_BATCH: usize = 256;
/// Reads waiting for the appender at most; past it a read waits to queue.
const QUEUE: usize = 4096;

type Waiting = (NewAccess, oneshot::Sender<Result<AccessEntry, DbError>>);

/// The handle reads append through; cheap to clone.
#[derive(Clone)]
pub struct Appender {
    queue: mpsc::Sender<Waiting>,
}

impl Appender {
    /// Starts `writers` committers on `repo` (one suits SQLite, whose
    /// writers take turns; more let PostgreSQL commit batches of different
    /// chains side by side).
    pub fn start(repo: Arc<dyn LedgerRepo>, writers: usize) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..writers.max(1) {
            tokio::spawn(commit_batches(repo.clone(), rx.clone()));
        }
        Self { queue }
    }

    /// Appends `access`, returning once it is committed.
    pub async fn append(&self, access: NewAccess) -> Result<AccessEntry, DbError> {
        let (done, answer) = oneshot::channel();
        let stopped = || DbError::Unavailable("the access ledger's appender has stopped".into());
        self.queue
            .send((access, done))
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn commit_batches(repo: Arc<dyn LedgerRepo>, rx: Arc<Mutex<mpsc::Receiver<Waiting>>>) {
    loop {
        let mut waiting = Vec::new();
        {
            let mut rx = rx.lock().await;
            if rx.recv_many(&mut waiting, MAX_BATCH).await == 0 {
                return;
            }
        }
        let (batch, answers): (Vec<NewAccess>, Vec<_>) = waiting.into_iter().unzip();
        let started = std::time::Instant::now();
        let result = repo.append_access(&batch).await;
        metrics::histogram!("sohoa_ledger_commit_seconds").record(started.elapsed().as_secs_f64());
        match result {
            Ok(entries) => {
                metrics::counter!("sohoa_ledger_entries_total").increment(entries.len() as u64);
                for (entry, answer) in entries.into_iter().zip(answers) {
                    let _ = answer.send(Ok(entry));
                }
            }
            Err(e) => {
                metrics::counter!("sohoa_ledger_commit_failures_total").increment(1);
                tracing::warn!(entries = batch.len(), error = %e, "could not commit access ledger entries; their reads are refused");
                for answer in answers {
                    let _ = answer.send(Err(e.clone()));
                }
            }
        }
        tracing::debug!(
            entries = batch.len(),
            ms = started.elapsed().as_millis() as u64,
            "committed access ledger entries"
        );
    }
}
