//! The access ledger as a whole: [`verify_chain`] walks every entry in order
//! and reports the first break (`sohoa audit verify`). What an entry is and
//! what its hash covers is the domain's ([`crate::domain::access`]); the
//! table is storage's ([`crate::storage::db::LedgerRepo`]).

use crate::domain::access::{Break, ChainCheck};
use crate::storage::db::{DbError, LedgerRepo};

/// What a full check found.
#[derive(Debug)]
pub struct ChainReport {
    /// Entries found sound before the first break (all of them when intact).
    pub entries: i64,
    pub result: Result<(), Break>,
}

/// Walks the whole ledger in order and reports the first break.
pub async fn verify_chain(repo: &dyn LedgerRepo) -> Result<ChainReport, DbError> {
    const BATCH: u32 = 1000;
    let (head_seq, head_hash) = repo.access_log_head().await?;
    let mut check = ChainCheck::default();
    loop {
        let batch = repo.access_log_page(check.checked(), BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            if let Err(broken) = check.next(entry) {
                return Ok(ChainReport {
                    entries: check.checked(),
                    result: Err(broken),
                });
            }
        }
    }
    Ok(ChainReport {
        entries: check.checked(),
        result: check.finish(head_seq, &head_hash),
    })
}
