//! API keys (only their SHA-256 is stored) and the public halves of the
//! agency's signing keys.

use async_trait::async_trait;
use chrono::Utc;

use super::exec::Sql;
use super::rows::{KeyRow, SigningKeyRow};
use super::{Database, DbError};
use crate::domain::Role;
use crate::domain::key::{ApiKey, PublishedKey};

#[async_trait]
pub trait KeyRepo: Send + Sync {
    async fn create_api_key(
        &self,
        name: &str,
        role: Role,
        key_hash: &str,
    ) -> Result<ApiKey, DbError>;

    /// The live key with this hash.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, DbError>;

    /// Every key, revoked ones included, oldest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, DbError>;

    /// Revokes the key with this name; false when there is no such live key.
    async fn revoke_api_key(&self, name: &str) -> Result<bool, DbError>;

    /// Publishes a signing key's public half; publishing it again is a no-op.
    async fn publish_signing_key(&self, key: &PublishedKey) -> Result<(), DbError>;

    /// Every published key, oldest first.
    async fn signing_keys(&self) -> Result<Vec<PublishedKey>, DbError>;
}

#[async_trait]
impl KeyRepo for Database {
    async fn create_api_key(
        &self,
        name: &str,
        role: Role,
        key_hash: &str,
    ) -> Result<ApiKey, DbError> {
        let row: KeyRow = self
            .pool
            .fetch_one(
                Sql::new(
                    "INSERT INTO api_keys (name, role, key_hash, created_at) VALUES ($1, $2, $3, $4) \
                     RETURNING id, name, role, created_at, revoked_at",
                )
                .bind(name)
                .bind(role.as_str())
                .bind(key_hash)
                .bind(Utc::now()),
            )
            .await
            .map_err(|e| match e {
                DbError::Conflict(_) => {
                    DbError::Conflict(format!("a key named {name:?} already exists"))
                }
                other => other,
            })?;
        row.into_key()
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>, DbError> {
        let row: Option<KeyRow> = self
            .pool
            .fetch_optional(
                Sql::new(
                    "SELECT id, name, role, created_at, revoked_at FROM api_keys \
                     WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .bind(key_hash),
            )
            .await?;
        row.map(KeyRow::into_key).transpose()
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, DbError> {
        let rows: Vec<KeyRow> = self
            .pool
            .fetch_all(Sql::new(
                "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY id",
            ))
            .await?;
        rows.into_iter().map(KeyRow::into_key).collect()
    }

    async fn revoke_api_key(&self, name: &str) -> Result<bool, DbError> {
        let done = self
            .pool
            .execute(
                Sql::new(
                    "UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                )
                .bind(Utc::now())
                .bind(name),
            )
            .await?;
        Ok(done == 1)
    }

    async fn publish_signing_key(&self, key: &PublishedKey) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new(
                    "INSERT INTO signing_keys (kid, alg, public_jwk, agency_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING",
                )
                .bind(&key.kid)
                .bind(&key.alg)
                .bind(&key.public_jwk)
                .bind(key.agency_id.as_str())
                .bind(key.created_at),
            )
            .await?;
        Ok(())
    }

    async fn signing_keys(&self) -> Result<Vec<PublishedKey>, DbError> {
        let rows: Vec<SigningKeyRow> = self
            .pool
            .fetch_all(Sql::new(
                "SELECT kid, alg, public_jwk, agency_id, created_at FROM signing_keys \
                 ORDER BY created_at, kid",
            ))
            .await?;
        rows.into_iter().map(SigningKeyRow::into_key).collect()
    }
}
