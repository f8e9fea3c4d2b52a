//! Keys: the API keys systems call sohoa with — made, listed, revoked and
//! checked on every call; only a key's SHA-256 is stored — and the agency's
//! signing key, made on first use and rotated on demand, its public half
//! published so that every instance serves every key.

use std::path::Path;

use rand::RngCore;

use crate::domain::key::ApiKey;
use crate::domain::role::{Actor, Role};
use crate::domain::{AgencyId, Sha256Digest};
use crate::signing::{AgencySigner, SigningError};
use crate::storage::db::{DbError, KeyRepo};

const KEY_PREFIX: &str = "sohoa_";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the key needs a name (--name)")]
    NoName,
    #[error("there is no live key named {0:?} (see `sohoa keys list`)")]
    NoSuchKey(String),
    #[error(transparent)]
    Signing(#[from] SigningError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new random API key: `sohoa_` and 32 random bytes in hex.
fn generate_key() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{KEY_PREFIX}{}", hex::encode(bytes))
}

/// What is stored of a key.
fn hash_key(key: &str) -> String {
    Sha256Digest::of(key.trim().as_bytes()).to_hex()
}

/// Makes a key named `name` with `role`; the key itself, shown once.
pub async fn create(
    repo: &dyn KeyRepo,
    name: &str,
    role: Role,
) -> Result<(ApiKey, String), KeyError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(KeyError::NoName);
    }
    let key = generate_key();
    let stored = repo.create_api_key(name, role, &hash_key(&key)).await?;
    Ok((stored, key))
}

/// Revokes the live key named `name`: it stops working at once.
pub async fn revoke(repo: &dyn KeyRepo, name: &str) -> Result<(), KeyError> {
    let name = name.trim();
    if repo.revoke_api_key(name).await? {
        Ok(())
    } else {
        Err(KeyError::NoSuchKey(name.to_owned()))
    }
}

/// The actor a presented key stands for; none for a malformed, unknown or
/// revoked key.
pub async fn authenticate(repo: &dyn KeyRepo, key: &str) -> Result<Option<Actor>, DbError> {
    let key = key.trim();
    if !key.starts_with(KEY_PREFIX) {
        return Ok(None);
    }
    Ok(repo.api_key_by_hash(&hash_key(key)).await?.map(|k| Actor {
        name: k.name,
        role: k.role,
    }))
}

/// The agency's signing key from `dir`, made there on first use (then
/// `created`), with its public half published.
pub async fn signer(
    repo: &dyn KeyRepo,
    dir: &Path,
    agency: &AgencyId,
) -> Result<(AgencySigner, bool), KeyError> {
    let (signer, created) = AgencySigner::load_or_create(dir)?;
    repo.publish_signing_key(&signer.published(agency)).await?;
    Ok((signer, created))
}

/// Retires the current signing key (kept in `dir/retired`, its public half
/// still published, so old certificates verify) and makes and publishes a
/// new one. Returns the retired key's id and the new signer.
pub async fn rotate_signer(
    repo: &dyn KeyRepo,
    dir: &Path,
    agency: &AgencyId,
) -> Result<(String, AgencySigner), KeyError> {
    let (old, _) = signer(repo, dir, agency).await?;
    let new = AgencySigner::rotate(dir)?;
    repo.publish_signing_key(&new.published(agency)).await?;
    Ok((old.kid().to_owned(), new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[test]
    fn generated_keys_are_distinct_and_hash_stably() {
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX) && a.len() == KEY_PREFIX.len() + 64);
        assert_eq!(hash_key(&a), hash_key(&format!(" {a} ")));
        assert_ne!(hash_key(&a), hash_key(&b));
    }

    #[tokio::test]
    async fn a_key_authenticates_until_revoked_and_a_nameless_one_is_refused() {
        let cx = testing::context().await;
        let repo = cx.repo.as_ref();
        assert!(matches!(
            create(repo, " ", Role::Intake).await,
            Err(KeyError::NoName)
        ));
        let (_, key) = create(repo, "desk-1", Role::Intake).await.unwrap();
        let actor = authenticate(repo, &key).await.unwrap().unwrap();
        assert_eq!(actor, Actor::key("desk-1", Role::Intake));
        assert_eq!(authenticate(repo, "not-a-key").await.unwrap(), None);
        revoke(repo, "desk-1").await.unwrap();
        assert_eq!(authenticate(repo, &key).await.unwrap(), None);
        assert!(matches!(
            revoke(repo, "desk-1").await,
            Err(KeyError::NoSuchKey(_))
        ));
    }
}
