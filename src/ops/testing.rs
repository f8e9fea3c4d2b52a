//! What the operations' unit tests share: a context on a fresh SQLite file
//! and an in-memory blob store, and records to work on.

use std::sync::Arc;

use super::Context;
use super::intake::Rules;
use crate::domain::{
    AgencyId, DocumentKind, NewRecord, Origin, Record, RecordMeta, RecordStatus, Sha256Digest,
    SubjectId,
};
use crate::imaging::decode::Limits;
use crate::signing::AgencySigner;
use crate::storage::blobs::BlobStore;

pub(crate) const SUBJECT: &str = "001090012345";

/// A context on a fresh database of its own.
pub(crate) async fn context() -> Context {
    let dir = tempfile::tempdir().unwrap().keep();
    let url = format!("sqlite://{}", dir.join("sohoa.db").display());
    let repo = crate::storage::db::open(&url).await.unwrap();
    let (signer, _) = AgencySigner::load_or_create(&dir.join("keys")).unwrap();
    Context {
        ledger: crate::ledger::Appender::start(repo.clone(), 1),
        repo,
        blobs: BlobStore::in_memory(),
        agency: AgencyId::parse("000.00.06.H56").unwrap(),
        signer: Arc::new(signer),
        intake: Rules {
            limits: Limits {
                max_pixels: 60_000_000,
                max_pages: 100,
            },
            min_dpi: 200,
            max_attempts: 3,
        },
        jobs_queued: Default::default(),
        decoding: Arc::new(tokio::sync::Semaphore::new(2)),
    }
}

/// A record in memory, of [`SUBJECT`], in `status`.
pub(crate) fn record(id: &str, status: RecordStatus) -> Record {
    crate::domain::record::example(id, status)
}

/// A record stored without pages, still `processing`; its id.
pub(crate) async fn stored_record(cx: &Context) -> String {
    let id = uuid::Uuid::now_v7().to_string();
    cx.repo
        .insert_record(
            NewRecord {
                id: id.clone(),
                subject_id: SubjectId::parse(SUBJECT).unwrap(),
                kind: DocumentKind::BirthCertificate,
                meta: RecordMeta::default(),
                fingerprint: Sha256Digest::of(id.as_bytes()),
                created_by: "desk".into(),
                origin: Origin::Scanned,
                pages: Vec::new(),
            },
            3,
        )
        .await
        .unwrap();
    id
}
