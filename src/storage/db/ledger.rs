//! The access ledger's table: appending an entry chained to the previous one,
//! and reading entries back. The chain's rule (what a hash covers) is the
//! domain's ([`crate::domain::access`]); this file only stores it.

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use sqlx::AssertSqlSafe;

use super::exec::Sql;
use super::rows::{ACCESS_COLUMNS, AccessRow};
use super::{Database, DbError};
use crate::domain::access::{AccessEntry, Hashed, NewAccess, entry_hash, ledger_time};

#[async_trait]
pub trait LedgerRepo: Send + Sync {
    /// Appends an entry to the access ledger, chained to the previous one.
    async fn append_access(&self, access: &NewAccess) -> Result<AccessEntry, DbError>;

    /// A subject's ledger entries, newest first.
    async fn subject_access_log(
        &self,
        subject: &str,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// Ledger entries after `after_seq`, oldest first, at most `limit`.
    async fn access_log_page(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// The ledger's head: last sequence number and hash.
    async fn access_log_head(&self) -> Result<(i64, String), DbError>;
}

impl Database {
    /// Entries matching `rest` (a condition and order over `access_log`).
    async fn entries(
        &self,
        rest: &'static str,
        bind: impl FnOnce(Sql) -> Sql + Send,
    ) -> Result<Vec<AccessEntry>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!("{ACCESS_COLUMNS} {rest}")));
        let rows: Vec<AccessRow> = self.pool.fetch_all(bind(sql)).await?;
        rows.into_iter().map(AccessRow::into_entry).collect()
    }
}

#[async_trait]
impl LedgerRepo for Database {
    async fn append_access(&self, access: &NewAccess) -> Result<AccessEntry, DbError> {
        let mut tx = self.pool.begin().await?;
        // Taking the head row first serialises appenders: a second one
        // waits here and then sees this entry's sequence number and hash.
        let (seq, prev_hash): (i64, String) = tx
            .conn()
            .fetch_one(Sql::new(
                "UPDATE access_log_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
            ))
            .await?;
        // Stored as the text it is hashed as, to the microsecond.
        let at = Utc::now().trunc_subsecs(6);
        let purpose = access.purpose.as_ref().map(ToString::to_string);
        let entry = AccessEntry {
            seq,
            at,
            key_name: access.reader.name.clone(),
            role: access.reader.role.clone(),
            subject_id: access.subject_id.as_str().to_owned(),
            record_id: access.record_id.clone(),
            purpose,
            action: access.action,
            hash: String::new(),
            prev_hash,
        };
        let hash = entry_hash(Hashed {
            seq,
            at: entry.at,
            key_name: &entry.key_name,
            role: &entry.role,
            subject_id: &entry.subject_id,
            record_id: entry.record_id.as_deref(),
            purpose: entry.purpose.as_deref(),
            action: entry.action,
            prev_hash: &entry.prev_hash,
        });
        let entry = AccessEntry { hash, ..entry };
        tx.conn()
            .execute(
                Sql::new(
                    "INSERT INTO access_log (seq, at, key_name, role, subject_id, record_id, \
                     purpose, action, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(seq)
                .bind(ledger_time(entry.at))
                .bind(&entry.key_name)
                .bind(&entry.role)
                .bind(&entry.subject_id)
                .bind(&entry.record_id)
                .bind(&entry.purpose)
                .bind(entry.action.as_str())
                .bind(&entry.prev_hash)
                .bind(&entry.hash),
            )
            .await?;
        tx.conn()
            .execute(
                Sql::new("UPDATE access_log_head SET hash = $1 WHERE id = 1").bind(&entry.hash),
            )
            .await?;
        tx.commit().await?;
        Ok(entry)
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

    async fn access_log_head(&self) -> Result<(i64, String), DbError> {
        self.pool
            .fetch_one(Sql::new(
                "SELECT seq, hash FROM access_log_head WHERE id = 1",
            ))
            .await
    }
}
