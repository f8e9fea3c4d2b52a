//! Officers' accounts and their desk sessions. Passwords arrive here already
//! hashed (Argon2id, in `ops::officers`); session tokens as their SHA-256.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::FromRow;

use std::str::FromStr;

use super::exec::Sql;
use super::rows::corrupt;
use super::{Database, DbError};
use crate::domain::Role;
use crate::domain::officer::{Officer, Username};

/// An account as sign-in needs it: the officer and the password's hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub officer: Officer,
    pub password_hash: String,
    pub failed_sign_ins: i64,
}

/// A live desk session.
#[derive(Debug, Clone)]
pub struct DeskSession {
    pub officer: Officer,
    pub csrf: String,
    pub last_seen_at: DateTime<Utc>,
}

#[async_trait]
pub trait OfficerRepo: Send + Sync {
    async fn create_officer(
        &self,
        username: &Username,
        full_name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Officer, DbError>;

    /// Every account, disabled ones included, oldest first.
    async fn officers(&self) -> Result<Vec<Officer>, DbError>;

    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, DbError>;

    /// Sets a new password and lifts any lock; false when there is no such officer.
    async fn set_password(&self, username: &Username, password_hash: &str)
    -> Result<bool, DbError>;

    /// Disables the account and ends its sessions; false when there is no
    /// such officer or it is already disabled.
    async fn disable_officer(&self, username: &Username) -> Result<bool, DbError>;

    /// Counts a failed sign-in; at `lock_after` failures in a row the
    /// account is locked until `lock_until` (and the count starts again).
    async fn failed_sign_in(
        &self,
        officer_id: i64,
        lock_after: i64,
        lock_until: DateTime<Utc>,
    ) -> Result<(), DbError>;

    /// Starts a session after a good sign-in (the failure count cleared).
    async fn open_session(
        &self,
        officer_id: i64,
        token_hash: &str,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError>;

    /// The session with this token hash, if its officer is still enabled.
    async fn session(&self, token_hash: &str) -> Result<Option<DeskSession>, DbError>;

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), DbError>;

    async fn close_session(&self, token_hash: &str) -> Result<(), DbError>;
}

#[derive(FromRow)]
struct OfficerRow {
    id: i64,
    username: String,
    full_name: String,
    role: String,
    created_at: DateTime<Utc>,
    disabled_at: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

const OFFICER_COLUMNS: &str =
    "o.id, o.username, o.full_name, o.role, o.created_at, o.disabled_at, o.locked_until";

impl OfficerRow {
    fn into_officer(self) -> Result<Officer, DbError> {
        Ok(Officer {
            id: self.id,
            username: Username::parse(&self.username)
                .map_err(|_| corrupt("username", &self.username))?,
            full_name: self.full_name,
            role: Role::from_str(&self.role).map_err(|_| corrupt("role", &self.role))?,
            created_at: self.created_at,
            disabled_at: self.disabled_at,
            locked_until: self.locked_until,
        })
    }
}

#[derive(FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    officer: OfficerRow,
    password_hash: String,
    failed_sign_ins: i64,
}

#[derive(FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    officer: OfficerRow,
    csrf: String,
    last_seen_at: DateTime<Utc>,
}

#[async_trait]
impl OfficerRepo for Database {
    async fn create_officer(
        &self,
        username: &Username,
        full_name: &str,
        role: Role,
        password_hash: &str,
    ) -> Result<Officer, DbError> {
        let row: OfficerRow = self
            .pool
            .fetch_one(
                Sql::new(
                    "INSERT INTO officers (username, full_name, role, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     RETURNING id, username, full_name, role, created_at, disabled_at, locked_until",
                )
                .bind(username.as_str())
                .bind(full_name)
                .bind(role.as_str())
                .bind(password_hash)
                .bind(Utc::now()),
            )
            .await
            .map_err(|e| match e {
                DbError::Conflict(_) => {
                    DbError::Conflict(format!("an officer named {:?} already exists", username.as_str()))
                }
                other => other,
            })?;
        row.into_officer()
    }

    async fn officers(&self) -> Result<Vec<Officer>, DbError> {
        let rows: Vec<OfficerRow> = self
            .pool
            .fetch_all(Sql::new(sqlx::AssertSqlSafe(format!(
                "SELECT {OFFICER_COLUMNS} FROM officers o ORDER BY o.id"
            ))))
            .await?;
        rows.into_iter().map(OfficerRow::into_officer).collect()
    }

    async fn credentials(&self, username: &Username) -> Result<Option<Credentials>, DbError> {
        let row: Option<CredentialsRow> = self
            .pool
            .fetch_optional(
                Sql::new(sqlx::AssertSqlSafe(format!(
                    "SELECT {OFFICER_COLUMNS}, o.password_hash, o.failed_sign_ins \
                     FROM officers o WHERE o.username = $1"
                )))
                .bind(username.as_str()),
            )
            .await?;
        row.map(|r| {
            Ok(Credentials {
                officer: r.officer.into_officer()?,
                password_hash: r.password_hash,
                failed_sign_ins: r.failed_sign_ins,
            })
        })
        .transpose()
    }

    async fn set_password(
        &self,
        username: &Username,
        password_hash: &str,
    ) -> Result<bool, DbError> {
        let done = self
            .pool
            .execute(
                Sql::new(
                    "UPDATE officers SET password_hash = $1, failed_sign_ins = 0, \
                     locked_until = NULL WHERE username = $2",
                )
                .bind(password_hash)
                .bind(username.as_str()),
            )
            .await?;
        Ok(done == 1)
    }

    async fn disable_officer(&self, username: &Username) -> Result<bool, DbError> {
        let mut tx = self.pool.begin().await?;
        let mut conn = tx.conn();
        let done = conn
            .execute(
                Sql::new(
                    "UPDATE officers SET disabled_at = $1 WHERE username = $2 AND disabled_at IS NULL",
                )
                .bind(Utc::now())
                .bind(username.as_str()),
            )
            .await?;
        conn.execute(
            Sql::new(
                "DELETE FROM desk_sessions WHERE officer_id IN \
                 (SELECT id FROM officers WHERE username = $1)",
            )
            .bind(username.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(done == 1)
    }

    async fn failed_sign_in(
        &self,
        officer_id: i64,
        lock_after: i64,
        lock_until: DateTime<Utc>,
    ) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new(
                    "UPDATE officers SET \
                     locked_until = CASE WHEN failed_sign_ins + 1 >= $1 THEN $2 ELSE locked_until END, \
                     failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $1 THEN 0 ELSE failed_sign_ins + 1 END \
                     WHERE id = $3",
                )
                .bind(lock_after)
                .bind(lock_until)
                .bind(officer_id),
            )
            .await?;
        Ok(())
    }

    async fn open_session(
        &self,
        officer_id: i64,
        token_hash: &str,
        csrf: &str,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let mut tx = self.pool.begin().await?;
        let mut conn = tx.conn();
        conn.execute(
            Sql::new("UPDATE officers SET failed_sign_ins = 0, locked_until = NULL WHERE id = $1")
                .bind(officer_id),
        )
        .await?;
        conn.execute(
            Sql::new(
                "INSERT INTO desk_sessions (token_hash, officer_id, csrf, created_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(token_hash)
            .bind(officer_id)
            .bind(csrf)
            .bind(now),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> Result<Option<DeskSession>, DbError> {
        let row: Option<SessionRow> = self
            .pool
            .fetch_optional(
                Sql::new(sqlx::AssertSqlSafe(format!(
                    "SELECT {OFFICER_COLUMNS}, s.csrf, s.last_seen_at FROM desk_sessions s \
                     JOIN officers o ON o.id = s.officer_id \
                     WHERE s.token_hash = $1 AND o.disabled_at IS NULL"
                )))
                .bind(token_hash),
            )
            .await?;
        row.map(|r| {
            Ok(DeskSession {
                officer: r.officer.into_officer()?,
                csrf: r.csrf,
                last_seen_at: r.last_seen_at,
            })
        })
        .transpose()
    }

    async fn touch_session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new("UPDATE desk_sessions SET last_seen_at = $1 WHERE token_hash = $2")
                    .bind(now)
                    .bind(token_hash),
            )
            .await?;
        Ok(())
    }

    async fn close_session(&self, token_hash: &str) -> Result<(), DbError> {
        self.pool
            .execute(Sql::new("DELETE FROM desk_sessions WHERE token_hash = $1").bind(token_hash))
            .await?;
        Ok(())
    }
}
