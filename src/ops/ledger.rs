//! The access ledger's signed checkpoints, for anyone holding a key: the
//! latest, the history, the proof that one extends another; and a
//! checkpoint made on demand (auditors, admins). A checkpoint holds no
//! personal data: a tree size and a root hash, signed.

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::checkpoint::Checkpoint;
use crate::domain::role::{Actor, Role};
use crate::error_code::{Coded, ErrorCode};
use crate::ledger::checkpoint::{self, CheckpointError, ConsistencyProof};

/// Roles that make checkpoints on demand.
pub const CHECKPOINT_ROLES: &[Role] = &[Role::Auditor, Role::Admin];
/// Checkpoints listed at once at most.
pub const MAX_LIST: u32 = 1000;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("no checkpoint has been signed yet")]
    NoCheckpoint,
    #[error("no checkpoint {0}")]
    NoSuchCheckpoint(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CheckpointError> for LedgerError {
    fn from(e: CheckpointError) -> Self {
        match e {
            CheckpointError::Db(e) => LedgerError::Store(e.into()),
            CheckpointError::Blob(e) => LedgerError::Store(e.into()),
            CheckpointError::NoSuchCheckpoint(n) => LedgerError::NoSuchCheckpoint(n),
        }
    }
}

impl From<crate::storage::db::DbError> for LedgerError {
    fn from(e: crate::storage::db::DbError) -> Self {
        LedgerError::Store(e.into())
    }
}

impl Coded for LedgerError {
    fn code(&self) -> ErrorCode {
        match self {
            LedgerError::Forbidden(e) => e.code(),
            LedgerError::NoCheckpoint | LedgerError::NoSuchCheckpoint(_) => ErrorCode::NotFound,
            LedgerError::Store(e) => e.code(),
        }
    }
}

pub async fn latest(cx: &Context, actor: &Actor) -> Result<Checkpoint, LedgerError> {
    authorize(actor, &Role::ALL)?;
    cx.repo
        .latest_checkpoint()
        .await?
        .ok_or(LedgerError::NoCheckpoint)
}

/// Checkpoints after number `since`, oldest first.
pub async fn history(
    cx: &Context,
    actor: &Actor,
    since: i64,
    limit: Option<u32>,
) -> Result<Vec<Checkpoint>, LedgerError> {
    authorize(actor, &Role::ALL)?;
    let limit = limit.unwrap_or(100).clamp(1, MAX_LIST);
    Ok(cx.repo.checkpoints(since.max(0), limit).await?)
}

pub async fn consistency(
    cx: &Context,
    actor: &Actor,
    from: i64,
    to: i64,
) -> Result<ConsistencyProof, LedgerError> {
    authorize(actor, &Role::ALL)?;
    Ok(checkpoint::consistency(cx.repo.as_ref(), from, to).await?)
}

/// Signs a checkpoint now, even when no chain moved.
pub async fn make(cx: &Context, actor: &Actor) -> Result<Checkpoint, LedgerError> {
    authorize(actor, CHECKPOINT_ROLES)?;
    checkpoint::make(cx.repo.as_ref(), &cx.blobs, &cx.signer, &cx.agency, true)
        .await?
        .ok_or(LedgerError::NoCheckpoint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::Action;
    use crate::domain::merkle;
    use crate::ops::{access, testing};

    #[tokio::test]
    async fn a_checkpoint_holds_every_chain_that_moved_and_proves_each_head() {
        let cx = testing::context().await;
        cx.repo
            .publish_signing_key(&cx.signer.published(&cx.agency))
            .await
            .unwrap();
        let desk = Actor::key("desk", Role::Intake);
        let auditor = Actor::key("inspector", Role::Auditor);
        assert_eq!(
            latest(&cx, &desk).await.unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            make(&cx, &desk).await.unwrap_err().code(),
            ErrorCode::Forbidden
        );
        let id = testing::stored_record(&cx).await;
        for _ in 0..3 {
            access::record(&cx, &desk, &id, None, Action::ReadRecord)
                .await
                .unwrap();
        }
        let first = make(&cx, &auditor).await.unwrap();
        assert_eq!((first.n, first.tree_size), (1, 1));
        // Nothing moved: the periodic maker makes none.
        let none = checkpoint::make(cx.repo.as_ref(), &cx.blobs, &cx.signer, &cx.agency, false)
            .await
            .unwrap();
        assert!(none.is_none());
        access::record(&cx, &desk, &id, None, Action::ReadRecord)
            .await
            .unwrap();
        let second = make(&cx, &auditor).await.unwrap();
        assert_eq!((second.n, second.tree_size), (2, 2));

        let proof = checkpoint::inclusion(cx.repo.as_ref(), testing::SUBJECT)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(proof.leaf.seq, 4);
        let path: Vec<merkle::Hash> = proof
            .audit_path
            .iter()
            .map(|h| merkle::from_hex(h).unwrap())
            .collect();
        assert!(merkle::verify_inclusion(
            proof.leaf_index as u64,
            proof.tree_size as u64,
            &proof.leaf.leaf_hash(),
            &path,
            &merkle::from_hex(&second.root_hash).unwrap(),
        ));
        let keys = cx.repo.signing_keys().await.unwrap();
        let signed = crate::signing::verify(&second.jws, &keys).unwrap();
        assert_eq!(signed.payload["root_hash"], second.root_hash);
        assert_eq!(signed.payload["tree_size"], 2);

        let c = consistency(&cx, &desk, 1, 2).await.unwrap();
        let proof: Vec<merkle::Hash> = c
            .proof
            .iter()
            .map(|h| merkle::from_hex(h).unwrap())
            .collect();
        assert!(merkle::verify_consistency(
            1,
            2,
            &merkle::from_hex(&c.from_root).unwrap(),
            &merkle::from_hex(&c.to_root).unwrap(),
            &proof
        ));
        let backwards = consistency(&cx, &desk, 2, 1).await.unwrap();
        assert!(
            backwards.proof.is_empty(),
            "a later tree has nothing to prove"
        );
        assert_eq!(
            consistency(&cx, &desk, 1, 9).await.unwrap_err().code(),
            ErrorCode::NotFound
        );
        assert_eq!(
            consistency(&cx, &desk, i64::MIN, 1)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound,
            "the smallest number names no checkpoint, and does not overflow"
        );
        assert_eq!(history(&cx, &desk, 1, None).await.unwrap().len(), 1);
        let report = crate::ledger::verify::verify(cx.repo.as_ref(), &cx.blobs)
            .await
            .unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(
            (report.entries, report.chains, report.checkpoints),
            (4, 1, 2)
        );
    }

    #[tokio::test]
    async fn concurrent_reads_share_commits_and_keep_one_chain_per_subject() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let id = testing::stored_record(&cx).await;
        let reads = (0..64).map(|_| access::record(&cx, &desk, &id, None, Action::ReadRecord));
        for read in futures_util::future::join_all(reads).await {
            read.unwrap();
        }
        let log = cx
            .repo
            .subject_access_log(testing::SUBJECT, 100)
            .await
            .unwrap();
        let mut places: Vec<i64> = log.iter().map(|e| e.chain_seq.unwrap()).collect();
        places.sort_unstable();
        assert_eq!(places, (1..=64).collect::<Vec<_>>());
        let report = crate::ledger::verify::verify(cx.repo.as_ref(), &cx.blobs)
            .await
            .unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }
}
