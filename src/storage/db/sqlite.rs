//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed record survives a crash or power loss.
//!
//! Dialect notes: timestamps are bound as fixed-width RFC 3339 text (`ts`), so
//! that comparing them as text compares times; SQLite serialises writers, so
//! claiming a job is a single `UPDATE … RETURNING` with no row locks.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::DbError;
use super::portable::portable_repository;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub struct SqliteRepository {
    pool: SqlitePool,
}

/// A timestamp as fixed-width text: `2026-01-02T03:04:05.678901Z`.
fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn later(d: Duration) -> String {
    ts(Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX))
}

impl SqliteRepository {
    pub async fn open(url: &str) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::UnsupportedUrl(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(15))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbError::Unavailable(format!("{}: {e}", dir.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(20))
            .connect_with(options)
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| DbError::Migration(e.to_string()))?;
        Ok(Self { pool })
    }
}

/// The oldest runnable job: queued and due, or running with a lapsed lease.
/// SQLite runs one writer at a time, so the sub-select and update are atomic.
const CLAIM_JOB_SQL: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
     lease_owner = $1, lease_until = $2, updated_at = $3 \
     WHERE id = (SELECT id FROM jobs \
         WHERE ((state = 'queued' AND run_after <= $3) OR (state = 'running' AND lease_until < $3)) \
           AND ($4 IS NULL OR record_id = $4) \
         ORDER BY id LIMIT 1) \
     RETURNING id, kind, record_id, page_n, attempts, max_attempts";

portable_repository!(SqliteRepository);
