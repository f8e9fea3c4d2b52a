//! Which stored files the records name: for `sohoa scrub`, which re-reads
//! every one, and `sohoa gc`, which removes the blobs none names.

use async_trait::async_trait;

use super::exec::Sql;
use super::{Database, DbError};

/// A file a record names: one of its originals, or its rendition.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NamedFile {
    /// SHA-256, hex.
    pub sha256: String,
    pub record_id: String,
    /// `original` or `rendition` (a born-digital PDF's rendition is its
    /// original, and listed once, as that).
    pub what: String,
}

#[async_trait]
pub trait FileRepo: Send + Sync {
    /// Files named by records, by digest then record, after `after`.
    async fn named_files(
        &self,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<NamedFile>, DbError>;

    /// Whether any record names this digest, as an original or a rendition.
    async fn file_named(&self, sha256: &str) -> Result<bool, DbError>;
}

#[async_trait]
impl FileRepo for Database {
    async fn named_files(
        &self,
        after: Option<(&str, &str)>,
        limit: u32,
    ) -> Result<Vec<NamedFile>, DbError> {
        let (sha, record) = after.unwrap_or(("", ""));
        self.pool
            .fetch_all(
                Sql::new(
                    "SELECT sha256, record_id, what FROM ( \
                       SELECT DISTINCT sha256, record_id, 'original' AS what FROM pages \
                       UNION ALL \
                       SELECT rendition_sha256 AS sha256, id AS record_id, 'rendition' AS what \
                       FROM records r WHERE rendition_sha256 IS NOT NULL AND NOT EXISTS \
                         (SELECT 1 FROM pages p WHERE p.record_id = r.id AND p.sha256 = r.rendition_sha256) \
                     ) f WHERE sha256 > $1 OR (sha256 = $1 AND record_id > $2) \
                     ORDER BY sha256, record_id LIMIT $3",
                )
                .bind(sha)
                .bind(record)
                .bind(limit),
            )
            .await
    }

    async fn file_named(&self, sha256: &str) -> Result<bool, DbError> {
        let (n,): (i64,) = self
            .pool
            .fetch_one(
                Sql::new(
                    "SELECT (SELECT COUNT(*) FROM pages WHERE sha256 = $1) \
                          + (SELECT COUNT(*) FROM records WHERE rendition_sha256 = $1)",
                )
                .bind(sha256),
            )
            .await?;
        Ok(n > 0)
    }
}
