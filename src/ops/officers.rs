//! Officers' accounts and signing in to the desk: accounts made, listed,
//! disabled and given new passwords (from the CLI); passwords hashed with
//! Argon2id off the async threads; a lock after repeated failed sign-ins;
//! sessions kept in the database (so any instance serves them) as the
//! SHA-256 of a random token, ended by sign-out, by disabling the account,
//! or after a while idle.

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::domain::Sha256Digest;
use crate::domain::officer::{MIN_PASSWORD, Officer, OfficerError, Username, officer_role};
use crate::domain::role::{Actor, Role};
use crate::storage::db::{DbError, DeskSession, OfficerRepo};

/// Failed sign-ins in a row that lock an account.
pub const LOCK_AFTER: i64 = 5;
/// How long a lock lasts.
pub const LOCK_FOR: Duration = Duration::minutes(15);
/// A session unused this long is over.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// A session's last-seen time is written at most this often.
const TOUCH_EVERY: Duration = Duration::minutes(1);

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Invalid(#[from] OfficerError),
    #[error("there is no officer named {0:?} (see `sohoa officers list`)")]
    NoSuchOfficer(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a sign-in was refused. The desk says the first two the same way, so
/// that a guess learns nothing of which usernames exist.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong username or password")]
    Wrong,
    #[error("the account is locked after repeated failed sign-ins; try again later")]
    Locked { until: DateTime<Utc> },
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A session just opened: the cookie's token (shown once, stored hashed)
/// and the token its forms carry.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub csrf: String,
    pub officer: Officer,
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn token_hash(token: &str) -> String {
    Sha256Digest::of(token.as_bytes()).to_hex()
}

/// A password an officer can be given to change: 16 letters and digits
/// without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b.iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect()
}

async fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(OfficerError::ShortPassword.into());
    }
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        let salt =
            SaltString::encode_b64(&salt).map_err(|e| AccountError::Hashing(e.to_string()))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hashing(e.to_string()))
    })
    .await
    .map_err(|e| AccountError::Hashing(e.to_string()))?
}

async fn password_matches(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

pub async fn create(
    repo: &dyn OfficerRepo,
    username: &str,
    full_name: &str,
    role: Role,
    password: &str,
) -> Result<Officer, AccountError> {
    let username = Username::parse(username)?;
    let role = officer_role(role)?;
    let full_name = full_name.trim();
    if full_name.is_empty() || full_name.chars().count() > 100 {
        return Err(OfficerError::BadFullName.into());
    }
    let hash = hash_password(password).await?;
    Ok(repo
        .create_officer(&username, full_name, role, &hash)
        .await?)
}

pub async fn reset_password(
    repo: &dyn OfficerRepo,
    username: &str,
    password: &str,
) -> Result<(), AccountError> {
    let username = Username::parse(username)?;
    let hash = hash_password(password).await?;
    if repo.set_password(&username, &hash).await? {
        Ok(())
    } else {
        Err(AccountError::NoSuchOfficer(username.to_string()))
    }
}

/// Disables the account: its sessions end at once, and it cannot sign in.
pub async fn disable(repo: &dyn OfficerRepo, username: &str) -> Result<(), AccountError> {
    let username = Username::parse(username)?;
    if repo.disable_officer(&username).await? {
        Ok(())
    } else {
        Err(AccountError::NoSuchOfficer(username.to_string()))
    }
}

/// Checks a username and password and opens a session. An unknown
/// username costs the same hashing as a known one.
pub async fn sign_in(
    repo: &dyn OfficerRepo,
    username: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<SignedIn, SignInError> {
    let found = match Username::parse(username) {
        Ok(u) => repo.credentials(&u).await?,
        Err(_) => None,
    };
    let Some(found) = found else {
        // The same work as a real check, against a hash that matches nothing.
        password_matches(password, DUMMY_HASH).await;
        return Err(SignInError::Wrong);
    };
    if let Some(until) = found.officer.locked_until.filter(|u| *u > now) {
        return Err(SignInError::Locked { until });
    }
    let good = password_matches(password, &found.password_hash).await;
    if !good || found.officer.disabled_at.is_some() {
        if !good {
            repo.failed_sign_in(found.officer.id, LOCK_AFTER, now + LOCK_FOR)
                .await?;
        }
        return Err(SignInError::Wrong);
    }
    let (token, csrf) = (random_hex(32), random_hex(32));
    repo.open_session(found.officer.id, &token_hash(&token), &csrf, now)
        .await?;
    Ok(SignedIn {
        token,
        csrf,
        officer: found.officer,
    })
}

/// Argon2id of a random password nobody knows: what an unknown username is
/// checked against.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29ob2FkdW1teXNhbHQ$V3BqY0NnWnVqY2JvY1dPRm9hS3BhZ2VYb2dH";

/// The live session a cookie's token opens, if not idle past the timeout;
/// its last-seen time moves on.
pub async fn session(
    repo: &dyn OfficerRepo,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<DeskSession>, DbError> {
    let hash = token_hash(token);
    let Some(found) = repo.session(&hash).await? else {
        return Ok(None);
    };
    if now - found.last_seen_at > IDLE_TIMEOUT {
        repo.close_session(&hash).await?;
        return Ok(None);
    }
    if now - found.last_seen_at > TOUCH_EVERY {
        repo.touch_session(&hash, now).await?;
    }
    Ok(Some(found))
}

/// Every account, for admins.
pub async fn list(
    repo: &dyn OfficerRepo,
    actor: &Actor,
) -> Result<Vec<Officer>, super::access::AccessError> {
    super::authorize(actor, &[Role::Admin])?;
    Ok(repo.officers().await?)
}

pub async fn sign_out(repo: &dyn OfficerRepo, token: &str) -> Result<(), DbError> {
    repo.close_session(&token_hash(token)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_verifies_against_its_own_hash_only() {
        let hash = hash_password("mật khẩu dài đủ").await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(password_matches("mật khẩu dài đủ", &hash).await);
        assert!(!password_matches("mật khẩu khác", &hash).await);
        assert!(!password_matches("anything", DUMMY_HASH).await);
    }

    #[tokio::test]
    async fn a_short_password_is_refused() {
        assert!(matches!(
            hash_password("short").await,
            Err(AccountError::Invalid(OfficerError::ShortPassword))
        ));
    }

    #[test]
    fn generated_passwords_are_long_enough_and_differ() {
        let (a, b) = (generate_password(), generate_password());
        assert!(a.len() >= MIN_PASSWORD);
        assert_ne!(a, b);
    }
}
