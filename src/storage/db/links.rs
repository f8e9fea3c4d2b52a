//! Citizen links, stored under the SHA-256 of their token.

use async_trait::async_trait;
use chrono::Utc;
use sqlx::AssertSqlSafe;

use super::exec::Sql;
use super::rows::{LINK_COLUMNS, LinkRow};
use super::{Database, DbError};
use crate::domain::link::CitizenLink;

#[async_trait]
pub trait LinkRepo: Send + Sync {
    /// Stores a new citizen link under the SHA-256 of its token.
    async fn create_citizen_link(
        &self,
        link: &CitizenLink,
        token_hash: &str,
    ) -> Result<(), DbError>;

    async fn citizen_link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<CitizenLink>, DbError>;

    async fn citizen_link(&self, id: &str) -> Result<Option<CitizenLink>, DbError>;

    /// Revokes a link; false when there is no such live link.
    async fn revoke_citizen_link(&self, id: &str) -> Result<bool, DbError>;
}

impl Database {
    async fn link_where(&self, column: &str, value: &str) -> Result<Option<CitizenLink>, DbError> {
        let row: Option<LinkRow> = self
            .pool
            .fetch_optional(
                Sql::new(AssertSqlSafe(format!("{LINK_COLUMNS} WHERE {column} = $1"))).bind(value),
            )
            .await?;
        row.map(LinkRow::into_link).transpose()
    }
}

#[async_trait]
impl LinkRepo for Database {
    async fn create_citizen_link(
        &self,
        link: &CitizenLink,
        token_hash: &str,
    ) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new(
                    "INSERT INTO citizen_links (id, subject_id, token_hash, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&link.id)
                .bind(link.subject_id.as_str())
                .bind(token_hash)
                .bind(&link.created_by)
                .bind(link.created_at)
                .bind(link.expires_at),
            )
            .await?;
        Ok(())
    }

    async fn citizen_link_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<CitizenLink>, DbError> {
        self.link_where("token_hash", token_hash).await
    }

    async fn citizen_link(&self, id: &str) -> Result<Option<CitizenLink>, DbError> {
        self.link_where("id", id).await
    }

    async fn revoke_citizen_link(&self, id: &str) -> Result<bool, DbError> {
        let done = self
            .pool
            .execute(
                Sql::new(
                    "UPDATE citizen_links SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(Utc::now())
                .bind(id),
            )
            .await?;
        Ok(done == 1)
    }
}
