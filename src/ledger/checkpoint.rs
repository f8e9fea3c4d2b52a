//! Signed checkpoints: a leaf for every subject chain that moved, appended
//! to one Merkle tree (RFC 9162), its root signed with the agency's key,
//! stored in the database and copied to the blob store
//! (`ledger/checkpoints/NNNNNNNNNNNN.jws`), which an operator can put under
//! object lock or copy off-site. Made every `ledger_checkpoint_secs` by every
//! serving instance (the first to find moved chains makes it) and on demand.
//! Also the proofs served from them: a chain head's inclusion, and that one
//! checkpoint's tree extends an earlier one's.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::domain::AgencyId;
use crate::domain::checkpoint::{CHECKPOINT_TYP, Checkpoint, StoredLeaf};
use crate::domain::merkle::{self, ChainLeaf, Hash};
use crate::signing::AgencySigner;
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{DbError, Repo};

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error("no checkpoint {0}")]
    NoSuchCheckpoint(i64),
}

/// The blob store's name of checkpoint `n`.
pub fn blob_name(n: i64) -> String {
    format!("checkpoints/{n:012}.jws")
}

/// Makes a checkpoint if any chain moved since the last (or, with `force`,
/// in any case) and copies it to the blob store; the checkpoint made, if any.
pub async fn make(
    repo: &dyn Repo,
    blobs: &BlobStore,
    signer: &AgencySigner,
    agency: &AgencyId,
    force: bool,
) -> Result<Option<Checkpoint>, CheckpointError> {
    let sign = |claims: &crate::domain::checkpoint::CheckpointClaims| {
        signer
            .sign(claims, CHECKPOINT_TYP)
            .map_err(|e| e.to_string())
    };
    let made = repo.make_checkpoint(agency.as_str(), force, &sign).await?;
    if let Some(checkpoint) = &made {
        blobs
            .put_ledger(&blob_name(checkpoint.n), checkpoint.jws.clone().into())
            .await?;
        tracing::info!(
            checkpoint = checkpoint.n,
            tree_size = checkpoint.tree_size,
            "signed an access ledger checkpoint"
        );
    }
    Ok(made)
}

/// Makes a checkpoint every `every` until `stop` turns true; failures are
/// logged and tried again next time.
pub fn spawn_periodic(
    repo: Arc<dyn Repo>,
    blobs: BlobStore,
    signer: Arc<AgencySigner>,
    agency: AgencyId,
    every: Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
            if let Err(e) = make(repo.as_ref(), &blobs, &signer, &agency, false).await {
                tracing::warn!(error = %e, "could not make an access ledger checkpoint; trying again later");
            }
        }
    })
}

/// Every leaf hash of the tree up to `size` leaves, in order.
async fn leaf_hashes(repo: &dyn Repo, size: i64) -> Result<Vec<Hash>, DbError> {
    const PAGE: u32 = 10_000;
    let mut hashes = Vec::with_capacity(size.max(0) as usize);
    let mut after = -1;
    while (hashes.len() as i64) < size {
        let page: Vec<StoredLeaf> = repo.leaves(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.idx;
        hashes.extend(page.iter().map(|l| l.leaf.leaf_hash()));
    }
    hashes.truncate(size.max(0) as usize);
    if (hashes.len() as i64) < size {
        return Err(DbError::Corrupt(format!(
            "the ledger tree has fewer than {size} leaves"
        )));
    }
    Ok(hashes)
}

/// That a subject chain's head is in a signed checkpoint (RFC 9162 §2.1.3).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InclusionProof {
    /// The checkpoint the proof is against: its number, tree and JWS.
    pub checkpoint: i64,
    pub tree_size: i64,
    pub root_hash: String,
    pub jws: String,
    /// The leaf: the chain's head as that checkpoint saw it.
    pub leaf_index: i64,
    #[schema(value_type = Object)]
    pub leaf: ChainLeaf,
    /// The audit path, hex, leaf to root.
    pub audit_path: Vec<String>,
}

/// The proof that `subject`'s chain head, as last checkpointed, is in the
/// latest checkpoint; none before the chain's first checkpoint.
pub async fn inclusion(repo: &dyn Repo, subject: &str) -> Result<Option<InclusionProof>, DbError> {
    let Some(latest) = repo.latest_checkpoint().await? else {
        return Ok(None);
    };
    let Some(stored) = repo
        .latest_leaf(subject)
        .await?
        .filter(|l| l.idx < latest.tree_size)
    else {
        return Ok(None);
    };
    let hashes = leaf_hashes(repo, latest.tree_size).await?;
    let path = merkle::inclusion_proof(stored.idx as usize, &hashes);
    Ok(Some(InclusionProof {
        checkpoint: latest.n,
        tree_size: latest.tree_size,
        root_hash: latest.root_hash,
        jws: latest.jws,
        leaf_index: stored.idx,
        leaf: stored.leaf,
        audit_path: path.iter().map(hex::encode).collect(),
    }))
}

/// That checkpoint `to`'s tree extends checkpoint `from`'s (RFC 9162 §2.1.4).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsistencyProof {
    pub from: i64,
    pub from_size: i64,
    pub from_root: String,
    pub to: i64,
    pub to_size: i64,
    pub to_root: String,
    /// The proof's hashes, hex.
    pub proof: Vec<String>,
}

pub async fn consistency(
    repo: &dyn Repo,
    from: i64,
    to: i64,
) -> Result<ConsistencyProof, CheckpointError> {
    let get = |n: i64| async move {
        repo.checkpoints(n.saturating_sub(1), 1)
            .await?
            .into_iter()
            .next()
            .filter(|c| c.n == n)
            .ok_or(CheckpointError::NoSuchCheckpoint(n))
    };
    let (first, second) = (get(from).await?, get(to).await?);
    let proof = if first.tree_size <= second.tree_size {
        let hashes = leaf_hashes(repo, second.tree_size).await?;
        merkle::consistency_proof(first.tree_size as usize, &hashes)
    } else {
        Vec::new()
    };
    Ok(ConsistencyProof {
        from: first.n,
        from_size: first.tree_size,
        from_root: first.root_hash,
        to: second.n,
        to_size: second.tree_size,
        to_root: second.root_hash,
        proof: proof.iter().map(hex::encode).collect(),
    })
}
