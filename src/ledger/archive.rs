//! Retention: entries older than the retention period, once a checkpoint
//! holds them, move from the database to the blob store as a signed
//! segment — a file of JSON lines, one entry each
//! (`ledger/segments/NNNNNNNNNNNN.jsonl`), and the agency's signature over
//! its SHA-256 and where each chain in it ends (`….jws`). Each chain then
//! starts after the segment, and `sohoa audit verify` walks the segments
//! before the database, so verification spans both.

use chrono::{DateTime, SubsecRound, Utc};

use crate::domain::access::{AccessEntry, ledger_time};
use crate::domain::checkpoint::{SEGMENT_TYP, Segment, SegmentChain, SegmentClaims};
use crate::domain::{AgencyId, Sha256Digest};
use crate::signing::AgencySigner;
use crate::storage::blobs::BlobStore;
use crate::storage::db::{DbError, Repo};

/// Entries moved in one segment at most; a longer backlog takes several.
pub const MAX_SEGMENT: usize = 100_000;

/// The blob store's name of segment `n`'s entries.
pub fn blob_name(n: i64) -> String {
    format!("segments/{n:012}.jsonl")
}

fn signature_name(n: i64) -> String {
    format!("segments/{n:012}.jws")
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Blob(#[from] crate::storage::blobs::BlobError),
    #[error("signing the segment: {0}")]
    Signing(String),
}

/// A segment file's entries, in order: one JSON entry a line.
pub fn parse(file: &[u8]) -> Result<Vec<AccessEntry>, String> {
    let text = std::str::from_utf8(file).map_err(|e| e.to_string())?;
    text.lines()
        .enumerate()
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Moves checkpointed entries written before `cutoff` into one segment;
/// none when there are none.
pub async fn archive(
    repo: &dyn Repo,
    blobs: &BlobStore,
    signer: &AgencySigner,
    agency: &AgencyId,
    cutoff: DateTime<Utc>,
) -> Result<Option<Segment>, ArchiveError> {
    let cutoff = cutoff.trunc_subsecs(6);
    let mut taken: Vec<AccessEntry> = Vec::new();
    let mut chains: Vec<SegmentChain> = Vec::new();
    let mut after: Option<(String, i64)> = None;
    'pages: while taken.len() < MAX_SEGMENT {
        let page = repo
            .archivable(cutoff, after.as_ref().map(|(s, p)| (s.as_str(), *p)), 5000)
            .await?;
        let Some(last) = page.last() else { break };
        after = Some((last.subject_id.clone(), last.place()));
        for entry in page {
            let continues = chains
                .last()
                .is_some_and(|c| c.subject_id == entry.subject_id);
            if continues {
                let chain = chains.last_mut().expect("checked above");
                // A chain's archived part is a prefix, without gaps.
                if entry.place() != chain.last + 1 {
                    continue;
                }
                chain.last = entry.place();
                chain.last_hash.clone_from(&entry.hash);
            } else {
                let head = repo.chain_head(&entry.subject_id).await?;
                if head.is_none_or(|h| h.archived_seq + 1 != entry.place()) {
                    continue;
                }
                chains.push(SegmentChain {
                    subject_id: entry.subject_id.clone(),
                    first: entry.place(),
                    last: entry.place(),
                    last_hash: entry.hash.clone(),
                });
            }
            taken.push(entry);
            if taken.len() >= MAX_SEGMENT {
                break 'pages;
            }
        }
    }
    if taken.is_empty() {
        return Ok(None);
    }
    let mut file = Vec::new();
    for entry in &taken {
        serde_json::to_writer(&mut file, entry).expect("plain JSON always serialises");
        file.push(b'\n');
    }
    let sha256 = Sha256Digest::of(&file).to_hex();
    let n = repo.next_segment().await?;
    let at = Utc::now().trunc_subsecs(6);
    let claims = SegmentClaims {
        agency: agency.as_str().to_owned(),
        segment: n,
        at: ledger_time(at),
        cutoff: ledger_time(cutoff),
        entries: taken.len() as i64,
        sha256: sha256.clone(),
        chains: chains.clone(),
    };
    let jws = signer
        .sign(&claims, SEGMENT_TYP)
        .map_err(|e| ArchiveError::Signing(e.to_string()))?;
    // The files first: entries leave the database only once they are kept.
    blobs.put_ledger(&blob_name(n), file.into()).await?;
    blobs
        .put_ledger(&signature_name(n), jws.clone().into())
        .await?;
    let segment = Segment {
        n,
        at,
        cutoff,
        entries: taken.len() as i64,
        sha256,
        jws,
    };
    repo.commit_segment(&segment, &chains).await?;
    tracing::info!(
        segment = n,
        entries = segment.entries,
        chains = chains.len(),
        "archived old access ledger entries to the blob store"
    );
    Ok(Some(segment))
}
