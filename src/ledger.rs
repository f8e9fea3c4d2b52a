//! The access ledger: every read of a subject's records leaves an entry that
//! names who (key and role), whose papers, which record, for which dossier
//! (the purpose) and what was read. Entries are append-only and hash-chained:
//! each entry's hash covers its own fields and the previous entry's hash, and
//! the head row keeps the last hash, so editing, deleting or inserting an
//! entry anywhere breaks the chain at that point. [`verify_chain`] finds the
//! first break (`sohoa audit verify`).

use serde_json::json;

use crate::domain::Sha256Digest;
use crate::storage::db::{AccessEntry, DbError, Repository};

/// The `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of an entry: SHA-256 (hex) of the canonical JSON of its fields
/// and the previous entry's hash.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    seq: i64,
    at: &str,
    key_name: &str,
    role: &str,
    subject_id: &str,
    record_id: Option<&str>,
    purpose: Option<&str>,
    action: &str,
    prev_hash: &str,
) -> String {
    let fields = json!({
        "seq": seq, "at": at, "key_name": key_name, "role": role,
        "subject_id": subject_id, "record_id": record_id, "purpose": purpose,
        "action": action, "prev_hash": prev_hash,
    });
    let canonical = serde_jcs::to_vec(&fields).expect("plain JSON always serialises");
    Sha256Digest::of(&canonical).to_hex()
}

fn hash_of(e: &AccessEntry) -> String {
    entry_hash(
        e.seq,
        &e.at,
        &e.key_name,
        &e.role,
        &e.subject_id,
        e.record_id.as_deref(),
        e.purpose.as_deref(),
        &e.action,
        &e.prev_hash,
    )
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {seq} was changed: its content no longer gives its hash")]
    Changed { seq: i64 },
    #[error(
        "entry {seq} does not follow the entry before it (an entry before it was removed, changed or inserted)"
    )]
    Unlinked { seq: i64 },
    #[error("entry {expected} is missing (the next entry present is {found})")]
    Missing { expected: i64, found: i64 },
    #[error(
        "the ledger ends at entry {last} but its head says {head}: entries at the end were removed or added outside sohoa"
    )]
    Truncated { last: i64, head: i64 },
    #[error(
        "the last entry's hash differs from the one kept in the head: the end of the ledger was rewritten"
    )]
    HeadMismatch,
}

/// What a full check found.
#[derive(Debug)]
pub struct ChainReport {
    pub entries: i64,
    pub result: Result<(), Break>,
}

/// Walks the whole ledger in order and reports the first break.
pub async fn verify_chain(repo: &dyn Repository) -> Result<ChainReport, DbError> {
    const BATCH: u32 = 1000;
    let (head_seq, head_hash) = repo.access_log_head().await?;
    let mut prev_hash = GENESIS.to_owned();
    let mut expected = 1;
    let mut checked = 0;
    loop {
        let batch = repo.access_log_page(expected - 1, BATCH).await?;
        if batch.is_empty() {
            break;
        }
        for entry in &batch {
            let result = if entry.seq != expected {
                Err(Break::Missing {
                    expected,
                    found: entry.seq,
                })
            } else if hash_of(entry) != entry.hash {
                Err(Break::Changed { seq: entry.seq })
            } else if entry.prev_hash != prev_hash {
                Err(Break::Unlinked { seq: entry.seq })
            } else {
                Ok(())
            };
            if result.is_err() {
                return Ok(ChainReport {
                    entries: checked,
                    result,
                });
            }
            prev_hash = entry.hash.clone();
            expected += 1;
            checked += 1;
        }
    }
    let result = if checked != head_seq {
        Err(Break::Truncated {
            last: checked,
            head: head_seq,
        })
    } else if checked > 0 && prev_hash != head_hash {
        Err(Break::HeadMismatch)
    } else {
        Ok(())
    };
    Ok(ChainReport {
        entries: checked,
        result,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let base = entry_hash(
            1,
            "2026-11-23T10:00:00.000000Z",
            "desk",
            "reader",
            "001090012345",
            Some("r"),
            Some("p"),
            "read_record",
            GENESIS,
        );
        let variants = [
            entry_hash(
                2,
                "2026-11-23T10:00:00.000000Z",
                "desk",
                "reader",
                "001090012345",
                Some("r"),
                Some("p"),
                "read_record",
                GENESIS,
            ),
            entry_hash(
                1,
                "2026-11-23T10:00:00.000001Z",
                "desk",
                "reader",
                "001090012345",
                Some("r"),
                Some("p"),
                "read_record",
                GENESIS,
            ),
            entry_hash(
                1,
                "2026-11-23T10:00:00.000000Z",
                "desk",
                "reader",
                "001090012346",
                Some("r"),
                Some("p"),
                "read_record",
                GENESIS,
            ),
            entry_hash(
                1,
                "2026-11-23T10:00:00.000000Z",
                "desk",
                "reader",
                "001090012345",
                None,
                Some("p"),
                "read_record",
                GENESIS,
            ),
            entry_hash(
                1,
                "2026-11-23T10:00:00.000000Z",
                "desk",
                "reader",
                "001090012345",
                Some("r"),
                Some("q"),
                "read_record",
                GENESIS,
            ),
            entry_hash(
                1,
                "2026-11-23T10:00:00.000000Z",
                "desk",
                "reader",
                "001090012345",
                Some("r"),
                Some("p"),
                "read_record",
                &"1".repeat(64),
            ),
        ];
        for v in variants {
            assert_ne!(v, base);
        }
    }
}
