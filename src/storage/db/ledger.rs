//! The access ledger's entries, appended to their subject's chain in
//! batches, and the chain heads; the checkpoints and the archive are
//! `checkpoints`'. What a hash covers is the domain's
//! ([`crate::domain::access`], [`crate::domain::merkle`]); this file only
//! stores it, and takes the locks that keep each chain one chain: a
//! subject's head row is locked (taken in subject order, so two batches
//! never deadlock) while its entries are appended, and `ledger_tree` while
//! a checkpoint or a segment is written.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{AssertSqlSafe, FromRow};

use super::exec::{Arg, Sql, placeholders};
use super::rows::{ACCESS_COLUMNS, AccessRow};
use super::{Database, DbError};
use crate::domain::access::{AccessEntry, GENESIS, Hashed, NewAccess, entry_hash, ledger_time};
use crate::domain::checkpoint::ChainHead;

#[async_trait]
pub trait LedgerRepo: Send + Sync {
    /// Appends `batch` in one transaction, each entry chained to the last
    /// of its subject's chain: all are committed, or none.
    async fn append_access(&self, batch: &[NewAccess]) -> Result<Vec<AccessEntry>, DbError>;

    /// A subject's ledger entries, newest first.
    async fn subject_access_log(
        &self,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// Ledger entries after `after_seq` in the order written, at most `limit`.
    async fn access_log_page(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// Entries of the single chain written before per-subject chains.
    async fn legacy_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AccessEntry>, DbError>;

    /// That single chain's head: last sequence number and hash.
    async fn access_log_head(&self) -> Result<(i64, String), DbError>;

    /// Entries of subject chains in `(subject, place)` order, after `after`.
    async fn chain_page(
        &self,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// Every subject chain's head, by subject, after `after`.
    async fn chain_heads(&self, after: Option<&str>, limit: u32)
    -> Result<Vec<ChainHead>, DbError>;

    async fn chain_head(&self, subject: &str) -> Result<Option<ChainHead>, DbError>;
}

#[derive(FromRow)]
struct HeadRow {
    subject_id: String,
    seq: i64,
    hash: String,
    checkpointed_seq: i64,
    archived_seq: i64,
    archived_hash: String,
}

impl From<HeadRow> for ChainHead {
    fn from(r: HeadRow) -> Self {
        ChainHead {
            subject_id: r.subject_id,
            seq: r.seq,
            hash: r.hash,
            checkpointed_seq: r.checkpointed_seq,
            archived_seq: r.archived_seq,
            archived_hash: r.archived_hash,
        }
    }
}

const HEAD_COLUMNS: &str = "SELECT subject_id, seq, hash, checkpointed_seq, archived_seq, \
     archived_hash FROM ledger_chains";

impl Database {
    /// Entries matching `rest` (a condition and order over `access_log`).
    pub(super) async fn entries(
        &self,
        rest: &'static str,
        bind: impl FnOnce(Sql) -> Sql + Send,
    ) -> Result<Vec<AccessEntry>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!("{ACCESS_COLUMNS} {rest}")));
        let rows: Vec<AccessRow> = self.pool.fetch_all(bind(sql)).await?;
        rows.into_iter().map(AccessRow::into_entry).collect()
    }
}

/// `($first, …), (…), …`: `rows` tuples of `width` placeholders each.
fn tuples(first: usize, width: usize, rows: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(first + r * width, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The entry `access` becomes at `place` in its chain, after `prev_hash`.
fn chained(access: &NewAccess, place: i64, prev_hash: String, at: DateTime<Utc>) -> AccessEntry {
    let mut entry = AccessEntry {
        seq: 0,
        chain_seq: Some(place),
        at,
        key_name: access.reader.name.clone(),
        role: access.reader.role.clone(),
        subject_id: access.subject_id.as_str().to_owned(),
        record_id: access.record_id.clone(),
        purpose: access.purpose.as_ref().map(ToString::to_string),
        action: access.action,
        hash: String::new(),
        prev_hash,
    };
    entry.hash = entry_hash(Hashed {
        seq: place,
        at: entry.at,
        key_name: &entry.key_name,
        role: &entry.role,
        subject_id: &entry.subject_id,
        record_id: entry.record_id.as_deref(),
        purpose: entry.purpose.as_deref(),
        action: entry.action,
        prev_hash: &entry.prev_hash,
    });
    entry
}

#[async_trait]
impl LedgerRepo for Database {
    async fn append_access(&self, batch: &[NewAccess]) -> Result<Vec<AccessEntry>, DbError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let mut subjects: Vec<&str> = batch.iter().map(|a| a.subject_id.as_str()).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let mut tx = self.pool.begin().await?;
        // Taking the head rows (in subject order, so two batches never
        // deadlock) serialises appenders of one chain across instances;
        // other chains are not touched. Three statements a batch, however
        // many entries and chains it holds.
        let rows = (0..subjects.len())
            .map(|i| format!("(${}, 0, ${})", 2 * i + 1, 2 * i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let heads: Vec<(String, i64, String)> = tx
            .conn()
            .fetch_all(
                Sql::new(AssertSqlSafe(format!(
                    "INSERT INTO ledger_chains (subject_id, seq, hash) VALUES {rows} \
                     ON CONFLICT (subject_id) DO UPDATE SET seq = ledger_chains.seq \
                     RETURNING subject_id, seq, hash"
                )))
                .bind_all(
                    subjects
                        .iter()
                        .flat_map(|s| [Arg::from(*s), Arg::from(GENESIS)]),
                ),
            )
            .await?;
        let mut heads: HashMap<String, (i64, String)> = heads
            .into_iter()
            .map(|(subject, seq, hash)| (subject, (seq, hash)))
            .collect();
        // Stored as the text it is hashed as, to the microsecond.
        let at = Utc::now().trunc_subsecs(6);
        let mut entries = Vec::with_capacity(batch.len());
        for access in batch {
            let head = heads
                .get_mut(access.subject_id.as_str())
                .ok_or_else(|| DbError::Corrupt("a chain head was not returned".into()))?;
            let entry = chained(access, head.0 + 1, head.1.clone(), at);
            *head = (head.0 + 1, entry.hash.clone());
            entries.push(entry);
        }
        let rows = tuples(1, 10, entries.len());
        let written: Vec<(i64, String, i64)> = tx
            .conn()
            .fetch_all(
                Sql::new(AssertSqlSafe(format!(
                    "INSERT INTO access_log (chain_seq, at, key_name, role, subject_id, \
                     record_id, purpose, action, prev_hash, hash) VALUES {rows} \
                     RETURNING seq, subject_id, chain_seq"
                )))
                .bind_all(entries.iter().flat_map(|e| {
                    [
                        Arg::from(e.place()),
                        Arg::from(ledger_time(e.at)),
                        Arg::from(&e.key_name),
                        Arg::from(&e.role),
                        Arg::from(&e.subject_id),
                        Arg::from(&e.record_id),
                        Arg::from(&e.purpose),
                        Arg::from(e.action.as_str()),
                        Arg::from(&e.prev_hash),
                        Arg::from(&e.hash),
                    ]
                })),
            )
            .await?;
        let seqs: HashMap<(String, i64), i64> = written
            .into_iter()
            .map(|(seq, subject, place)| ((subject, place), seq))
            .collect();
        for entry in &mut entries {
            entry.seq = *seqs
                .get(&(entry.subject_id.clone(), entry.place()))
                .ok_or_else(|| DbError::Corrupt("an appended entry was not returned".into()))?;
        }
        let rows = tuples(1, 3, heads.len());
        let mut moved: Vec<(String, (i64, String))> = heads.into_iter().collect();
        moved.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        tx.conn()
            .execute(
                Sql::new(AssertSqlSafe(format!(
                    "INSERT INTO ledger_chains (subject_id, seq, hash) VALUES {rows} \
                     ON CONFLICT (subject_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash"
                )))
                .bind_all(moved.into_iter().flat_map(|(subject, (seq, hash))| {
                    [Arg::from(subject), Arg::from(seq), Arg::from(hash)]
                })),
            )
            .await?;
        tx.commit().await?;
        Ok(entries)
    }

    async fn subject_access_log(
        &self,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError> {
        self.entries("WHERE subject_id = $1 ORDER BY seq DESC LIMIT $2", |sql| {
            sql.bind(subject).bind(limit)
        })
        .await
    }

    async fn access_log_page(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError> {
        self.entries("WHERE seq > $1 ORDER BY seq LIMIT $2", |sql| {
            sql.bind(after_seq).bind(limit)
        })
        .await
    }

    async fn legacy_page(&self, after_seq: i64, limit: u32) -> Result<Vec<AccessEntry>, DbError> {
        self.entries(
            "WHERE chain_seq IS NULL AND seq > $1 ORDER BY seq LIMIT $2",
            |sql| sql.bind(after_seq).bind(limit),
        )
        .await
    }

    async fn access_log_head(&self) -> Result<(i64, String), DbError> {
        self.pool
            .fetch_one(Sql::new(
                "SELECT seq, hash FROM access_log_head WHERE id = 1",
            ))
            .await
    }

    async fn chain_page(
        &self,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError> {
        let (subject, place) = after.unwrap_or(("", 0));
        self.entries(
            "WHERE chain_seq IS NOT NULL AND (subject_id > $1 OR (subject_id = $1 AND chain_seq > $2)) \
             ORDER BY subject_id, chain_seq LIMIT $3",
            |sql| sql.bind(subject).bind(place).bind(limit),
        )
        .await
    }

    async fn chain_heads(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ChainHead>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{HEAD_COLUMNS} WHERE subject_id > $1 ORDER BY subject_id LIMIT $2"
        )))
        .bind(after.unwrap_or(""))
        .bind(limit);
        let rows: Vec<HeadRow> = self.pool.fetch_all(sql).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn chain_head(&self, subject: &str) -> Result<Option<ChainHead>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{HEAD_COLUMNS} WHERE subject_id = $1"
        )))
        .bind(subject);
        let row: Option<HeadRow> = self.pool.fetch_optional(sql).await?;
        Ok(row.map(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SubjectId;
    use crate::domain::access::{Action, Reader};
    use crate::storage::blobs::BlobStore;

    async fn database() -> Database {
        let dir = tempfile::tempdir().unwrap().keep();
        let url = format!("sqlite://{}", dir.join("ledger.db").display());
        Database {
            pool: super::super::sqlite::open(&url).await.unwrap(),
        }
    }

    /// Writes an entry as sohoa did before chains per owner: one chain over
    /// every subject, its head in `access_log_head`.
    async fn legacy(db: &Database, seq: i64, prev: &str, subject: &str) -> String {
        let at = Utc::now().trunc_subsecs(6);
        let hash = entry_hash(Hashed {
            seq,
            at,
            key_name: "desk",
            role: "intake",
            subject_id: subject,
            record_id: None,
            purpose: None,
            action: Action::ListRecords,
            prev_hash: prev,
        });
        db.pool
            .execute(
                Sql::new(
                    "INSERT INTO access_log (seq, at, key_name, role, subject_id, record_id, \
                     purpose, action, prev_hash, hash) \
                     VALUES ($1, $2, 'desk', 'intake', $3, NULL, NULL, 'list_records', $4, $5)",
                )
                .bind(seq)
                .bind(ledger_time(at))
                .bind(subject)
                .bind(prev)
                .bind(&hash),
            )
            .await
            .unwrap();
        db.pool
            .execute(
                Sql::new("UPDATE access_log_head SET seq = $1, hash = $2 WHERE id = 1")
                    .bind(seq)
                    .bind(&hash),
            )
            .await
            .unwrap();
        hash
    }

    #[tokio::test]
    async fn entries_of_the_older_single_chain_stay_verified_beside_the_chains_per_owner() {
        let db = database().await;
        let mut prev = GENESIS.to_owned();
        for (seq, subject) in [
            (1, "079301000001"),
            (2, "001090012345"),
            (3, "079301000001"),
        ] {
            prev = legacy(&db, seq, &prev, subject).await;
        }
        let access = NewAccess {
            reader: Reader {
                name: "desk".into(),
                role: "intake".into(),
            },
            subject_id: SubjectId::parse("001090012345").unwrap(),
            record_id: None,
            purpose: None,
            action: Action::ReadRecord,
        };
        let entries = db.append_access(&[access.clone(), access]).await.unwrap();
        let places: Vec<(i64, Option<i64>)> =
            entries.iter().map(|e| (e.seq, e.chain_seq)).collect();
        assert_eq!(places, vec![(4, Some(1)), (5, Some(2))]);
        let blobs = BlobStore::in_memory();
        let report = crate::ledger::verify::verify(&db, &blobs).await.unwrap();
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        assert_eq!(
            (report.legacy_entries, report.entries, report.chains),
            (3, 2, 1)
        );

        db.pool
            .execute(Sql::new(
                "UPDATE access_log SET key_name = 'someone' WHERE seq = 2",
            ))
            .await
            .unwrap();
        let report = crate::ledger::verify::verify(&db, &blobs).await.unwrap();
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(
            report.problems[0].contains("older single chain is broken: entry 2 was changed"),
            "{:?}",
            report.problems
        );
    }
}
