//! The access ledger's checkpoints and archive: the Merkle tree's leaves and
//! signed tree heads, and segments of old entries moved to the blob store.
//! A checkpoint (or a segment) is written holding `ledger_tree`'s one row,
//! so makers on several instances take turns; chain heads are locked in
//! subject order, as appenders lock them (`ledger`).

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{AssertSqlSafe, FromRow};

use super::exec::Sql;
use super::{Database, DbError};
use crate::domain::access::{AccessEntry, ledger_time};
use crate::domain::checkpoint::{Checkpoint, CheckpointClaims, Segment, SegmentChain, StoredLeaf};
use crate::domain::merkle::{ChainLeaf, Frontier};

/// Signs a checkpoint's claims (a compact JWS), or says why not.
pub type SignClaims<'a> = &'a (dyn Fn(&CheckpointClaims) -> Result<String, String> + Send + Sync);

#[async_trait]
pub trait CheckpointRepo: Send + Sync {
    /// Adds a leaf for every chain that moved since the last checkpoint and
    /// stores the signed tree head; none when no chain moved (unless `force`).
    async fn make_checkpoint(
        &self,
        agency: &str,
        force: bool,
        sign: SignClaims<'_>,
    ) -> Result<Option<Checkpoint>, DbError>;

    /// Checkpoints numbered after `since`, oldest first.
    async fn checkpoints(&self, since: i64, limit: u32) -> Result<Vec<Checkpoint>, DbError>;

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, DbError>;

    /// The tree's leaves after `after_idx` (-1 for all), in order.
    async fn leaves(&self, after_idx: i64, limit: u32) -> Result<Vec<StoredLeaf>, DbError>;

    /// The last leaf holding `subject`'s chain.
    async fn latest_leaf(&self, subject: &str) -> Result<Option<StoredLeaf>, DbError>;

    /// Checkpointed entries written before `cutoff`, in `(subject, place)`
    /// order: what an archive segment may take.
    async fn archivable(
        &self,
        cutoff: DateTime<Utc>,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError>;

    /// The number the next segment gets.
    async fn next_segment(&self) -> Result<i64, DbError>;

    /// Records segment `segment` (already in the blob store), moves each
    /// chain's start past it and removes its entries from the hot table.
    async fn commit_segment(
        &self,
        segment: &Segment,
        chains: &[SegmentChain],
    ) -> Result<(), DbError>;

    /// Every segment, oldest first.
    async fn segments(&self) -> Result<Vec<Segment>, DbError>;
}

#[derive(FromRow)]
struct CheckpointRow {
    n: i64,
    at: String,
    tree_size: i64,
    root_hash: String,
    jws: String,
}

fn stored_time(what: &str, text: &str) -> Result<DateTime<Utc>, DbError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| DbError::Corrupt(format!("{what}: time {text:?} is not one sohoa wrote")))
}

impl CheckpointRow {
    fn into_checkpoint(self) -> Result<Checkpoint, DbError> {
        Ok(Checkpoint {
            at: stored_time(&format!("checkpoint {}", self.n), &self.at)?,
            n: self.n,
            tree_size: self.tree_size,
            root_hash: self.root_hash,
            jws: self.jws,
        })
    }
}

const CHECKPOINT_COLUMNS: &str = "SELECT n, at, tree_size, root_hash, jws FROM ledger_checkpoints";

#[derive(FromRow)]
struct LeafRow {
    idx: i64,
    checkpoint: i64,
    subject_id: String,
    seq: i64,
    hash: String,
}

impl From<LeafRow> for StoredLeaf {
    fn from(r: LeafRow) -> Self {
        StoredLeaf {
            idx: r.idx,
            checkpoint: r.checkpoint,
            leaf: ChainLeaf {
                subject_id: r.subject_id,
                seq: r.seq,
                hash: r.hash,
            },
        }
    }
}

const LEAF_COLUMNS: &str = "SELECT idx, checkpoint, subject_id, seq, hash FROM ledger_leaves";

#[derive(FromRow)]
struct SegmentRow {
    n: i64,
    at: String,
    cutoff: String,
    entries: i64,
    sha256: String,
    jws: String,
}

#[derive(FromRow)]
struct TreeRow {
    checkpoints: i64,
    size: i64,
    frontier: String,
}

#[async_trait]
impl CheckpointRepo for Database {
    async fn make_checkpoint(
        &self,
        agency: &str,
        force: bool,
        sign: SignClaims<'_>,
    ) -> Result<Option<Checkpoint>, DbError> {
        let mut tx = self.pool.begin().await?;
        let tree: TreeRow = tx
            .conn()
            .fetch_one(Sql::new(
                "UPDATE ledger_tree SET checkpoints = checkpoints WHERE id = 1 \
                 RETURNING checkpoints, size, frontier",
            ))
            .await?;
        let mut frontier = Frontier::from_json(&tree.frontier)
            .filter(|f| f.size() == tree.size as u64)
            .ok_or_else(|| DbError::Corrupt("the ledger tree's frontier".into()))?;
        let moved: Vec<(String, i64, String)> = tx
            .conn()
            .fetch_all(Sql::new(
                "SELECT subject_id, seq, hash FROM ledger_chains \
                 WHERE seq > checkpointed_seq ORDER BY subject_id",
            ))
            .await?;
        if moved.is_empty() && !force {
            return Ok(None);
        }
        let n = tree.checkpoints + 1;
        let mut size = tree.size;
        for (subject, seq, hash) in moved {
            let leaf = ChainLeaf {
                subject_id: subject,
                seq,
                hash,
            };
            frontier.push(leaf.leaf_hash());
            tx.conn()
                .execute(
                    Sql::new(
                        "INSERT INTO ledger_leaves (idx, checkpoint, subject_id, seq, hash) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(size)
                    .bind(n)
                    .bind(&leaf.subject_id)
                    .bind(leaf.seq)
                    .bind(&leaf.hash),
                )
                .await?;
            tx.conn()
                .execute(
                    Sql::new(
                        "UPDATE ledger_chains SET checkpointed_seq = $2 WHERE subject_id = $1",
                    )
                    .bind(&leaf.subject_id)
                    .bind(leaf.seq),
                )
                .await?;
            size += 1;
        }
        let at = Utc::now().trunc_subsecs(6);
        let claims = CheckpointClaims {
            agency: agency.to_owned(),
            checkpoint: n,
            at: ledger_time(at),
            tree_size: size,
            root_hash: hex::encode(frontier.root()),
        };
        let jws =
            sign(&claims).map_err(|e| DbError::Query(format!("signing a checkpoint: {e}")))?;
        tx.conn()
            .execute(
                Sql::new(
                    "INSERT INTO ledger_checkpoints (n, at, tree_size, root_hash, jws) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(n)
                .bind(&claims.at)
                .bind(size)
                .bind(&claims.root_hash)
                .bind(&jws),
            )
            .await?;
        tx.conn()
            .execute(
                Sql::new(
                    "UPDATE ledger_tree SET checkpoints = $1, size = $2, frontier = $3 WHERE id = 1",
                )
                .bind(n)
                .bind(size)
                .bind(frontier.to_json()),
            )
            .await?;
        tx.commit().await?;
        Ok(Some(Checkpoint {
            n,
            at,
            tree_size: size,
            root_hash: claims.root_hash,
            jws,
        }))
    }

    async fn checkpoints(&self, since: i64, limit: u32) -> Result<Vec<Checkpoint>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{CHECKPOINT_COLUMNS} WHERE n > $1 ORDER BY n LIMIT $2"
        )))
        .bind(since)
        .bind(limit);
        let rows: Vec<CheckpointRow> = self.pool.fetch_all(sql).await?;
        rows.into_iter()
            .map(CheckpointRow::into_checkpoint)
            .collect()
    }

    async fn latest_checkpoint(&self) -> Result<Option<Checkpoint>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{CHECKPOINT_COLUMNS} ORDER BY n DESC LIMIT 1"
        )));
        let row: Option<CheckpointRow> = self.pool.fetch_optional(sql).await?;
        row.map(CheckpointRow::into_checkpoint).transpose()
    }

    async fn leaves(&self, after_idx: i64, limit: u32) -> Result<Vec<StoredLeaf>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{LEAF_COLUMNS} WHERE idx > $1 ORDER BY idx LIMIT $2"
        )))
        .bind(after_idx)
        .bind(limit);
        let rows: Vec<LeafRow> = self.pool.fetch_all(sql).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn latest_leaf(&self, subject: &str) -> Result<Option<StoredLeaf>, DbError> {
        let sql = Sql::new(AssertSqlSafe(format!(
            "{LEAF_COLUMNS} WHERE subject_id = $1 ORDER BY idx DESC LIMIT 1"
        )))
        .bind(subject);
        let row: Option<LeafRow> = self.pool.fetch_optional(sql).await?;
        Ok(row.map(Into::into))
    }

    async fn archivable(
        &self,
        cutoff: DateTime<Utc>,
        after: Option<(&str, i64)>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, DbError> {
        let (subject, place) = after.unwrap_or(("", 0));
        self.entries(
            "WHERE chain_seq IS NOT NULL AND at < $1 \
               AND (subject_id > $2 OR (subject_id = $2 AND chain_seq > $3)) \
               AND chain_seq <= (SELECT checkpointed_seq FROM ledger_chains c \
                                 WHERE c.subject_id = access_log.subject_id) \
             ORDER BY subject_id, chain_seq LIMIT $4",
            |sql| {
                sql.bind(ledger_time(cutoff))
                    .bind(subject)
                    .bind(place)
                    .bind(limit)
            },
        )
        .await
    }

    async fn next_segment(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = self
            .pool
            .fetch_one(Sql::new(
                "SELECT segments + 1 FROM ledger_tree WHERE id = 1",
            ))
            .await?;
        Ok(n)
    }

    async fn commit_segment(
        &self,
        segment: &Segment,
        chains: &[SegmentChain],
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let changed = tx
            .conn()
            .execute(
                Sql::new("UPDATE ledger_tree SET segments = $1 WHERE id = 1 AND segments = $2")
                    .bind(segment.n)
                    .bind(segment.n - 1),
            )
            .await?;
        if changed != 1 {
            return Err(DbError::Conflict(format!(
                "archive segment {} was written by another archiver at the same time",
                segment.n
            )));
        }
        tx.conn()
            .execute(
                Sql::new(
                    "INSERT INTO ledger_segments (n, at, cutoff, entries, sha256, jws) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(segment.n)
                .bind(ledger_time(segment.at))
                .bind(ledger_time(segment.cutoff))
                .bind(segment.entries)
                .bind(&segment.sha256)
                .bind(&segment.jws),
            )
            .await?;
        for chain in chains {
            tx.conn()
                .execute(
                    Sql::new(
                        "UPDATE ledger_chains SET archived_seq = $2, archived_hash = $3 \
                         WHERE subject_id = $1",
                    )
                    .bind(&chain.subject_id)
                    .bind(chain.last)
                    .bind(&chain.last_hash),
                )
                .await?;
            tx.conn()
                .execute(
                    Sql::new("DELETE FROM access_log WHERE subject_id = $1 AND chain_seq <= $2")
                        .bind(&chain.subject_id)
                        .bind(chain.last),
                )
                .await?;
        }
        tx.commit().await
    }

    async fn segments(&self) -> Result<Vec<Segment>, DbError> {
        let rows: Vec<SegmentRow> = self
            .pool
            .fetch_all(Sql::new(
                "SELECT n, at, cutoff, entries, sha256, jws FROM ledger_segments ORDER BY n",
            ))
            .await?;
        rows.into_iter()
            .map(|r| {
                let what = format!("archive segment {}", r.n);
                Ok(Segment {
                    at: stored_time(&what, &r.at)?,
                    cutoff: stored_time(&what, &r.cutoff)?,
                    n: r.n,
                    entries: r.entries,
                    sha256: r.sha256,
                    jws: r.jws,
                })
            })
            .collect()
    }
}
