//! What people and systems do with sohoa, one function per operation, each
//! taking domain types and returning domain results or a typed error with
//! its [`ErrorCode`](crate::error_code::ErrorCode). The HTTP API, the
//! officers' desk and the command line all call these, so a rule lives here
//! once: who may do it (the roles each module names), what is checked, what
//! is logged in the access ledger, what changes.
//!
//! - `intake`: a scan submitted at the counter, or a result registered by its issuer;
//! - `review`: the officer's comparison with the paper, and the signature;
//! - `withdraw`: revoking or superseding a certified record;
//! - `access`: purpose-bound reads of someone's papers, each logged first;
//! - `reuse`: provide once — what is on file and valid for a dossier;
//! - `search`: finding records by what is written on them;
//! - `on_file`, `preview`: what the desk shows (the papers on file, a page to look at);
//! - `ledger`: the access ledger's signed checkpoints and their proofs;
//! - `dossiers`, `catalogue`, `links`, `keys`, `verify`: the rest.

pub mod access;
pub mod catalogue;
pub mod dossiers;
pub mod intake;
pub mod keys;
pub mod ledger;
pub mod links;
pub mod officers;
pub mod on_file;
pub mod preview;
pub mod reuse;
pub mod review;
pub mod search;
#[cfg(test)]
pub(crate) mod testing;
pub mod verify;
pub mod withdraw;

use std::sync::Arc;

use tokio::sync::Notify;

use crate::domain::AgencyId;
use crate::domain::role::{Actor, Role};
use crate::error_code::{Coded, ErrorCode};
use crate::signing::AgencySigner;
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{DbError, Repo};

/// What the operations work with: the stores, this agency and its key, and
/// the limits uploads are held to.
#[derive(Clone)]
pub struct Context {
    pub repo: Arc<dyn Repo>,
    pub blobs: BlobStore,
    /// This instance's agency: named in dossier codes and certificates.
    pub agency: AgencyId,
    /// The agency's current signing key.
    pub signer: Arc<AgencySigner>,
    pub intake: intake::Rules,
    /// Files the intake gate may decode at once (one per core): what bounds
    /// its memory, however many uploads are in flight.
    pub decoding: Arc<tokio::sync::Semaphore>,
    /// Wakes idle workers in this process when new jobs are queued.
    pub jobs_queued: Arc<Notify>,
    /// Where reads append their ledger entries (group commit).
    pub ledger: crate::ledger::Appender,
}

/// The caller's role is not among those an operation admits.
#[derive(Debug, Clone, thiserror::Error)]
#[error("this role may not do this; it needs one of: {allowed}")]
pub struct Forbidden {
    pub allowed: String,
}

impl Coded for Forbidden {
    fn code(&self) -> ErrorCode {
        ErrorCode::Forbidden
    }
}

/// Admits `actor` if its role is one of `roles`.
pub fn authorize(actor: &Actor, roles: &[Role]) -> Result<(), Forbidden> {
    if roles.contains(&actor.role) {
        Ok(())
    } else {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(Forbidden {
            allowed: names.join(", "),
        })
    }
}

/// A store failed: the database or the blob store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl Coded for DbError {
    fn code(&self) -> ErrorCode {
        match self {
            DbError::Unavailable(_) => ErrorCode::DatabaseUnavailable,
            _ => ErrorCode::InternalError,
        }
    }
}

impl Coded for BlobError {
    fn code(&self) -> ErrorCode {
        match self {
            BlobError::Unavailable(_) => ErrorCode::StorageUnavailable,
            _ => ErrorCode::InternalError,
        }
    }
}

impl Coded for StoreError {
    fn code(&self) -> ErrorCode {
        match self {
            StoreError::Db(e) => e.code(),
            StoreError::Blob(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_actor_is_admitted_only_with_a_listed_role() {
        let reader = Actor::key("desk-1", Role::Reader);
        assert!(authorize(&reader, &[Role::Reader, Role::Admin]).is_ok());
        let refused = authorize(&reader, &[Role::Intake]).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::Forbidden);
        assert!(refused.to_string().contains("intake"));
    }

    #[test]
    fn unreachable_stores_are_503_and_other_store_faults_are_500() {
        let down = StoreError::Db(DbError::Unavailable("refused".into()));
        assert_eq!(down.code(), ErrorCode::DatabaseUnavailable);
        let blobs = StoreError::Blob(BlobError::Unavailable("refused".into()));
        assert_eq!(blobs.code(), ErrorCode::StorageUnavailable);
        let bug = StoreError::Db(DbError::Query("syntax".into()));
        assert_eq!(bug.code(), ErrorCode::InternalError);
    }
}
