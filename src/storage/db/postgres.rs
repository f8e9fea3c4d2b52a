//! The distributed backend: PostgreSQL, shared by any number of sohoa
//! instances. Migrations run at start under PostgreSQL's advisory lock, so
//! instances starting together apply them once.
//!
//! Dialect notes: timestamps are bound as `timestamptz`; a worker claims a job
//! with `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same
//! job and never wait on each other's locks.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::DbError;
use super::portable::portable_repository;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub struct PostgresRepository {
    pool: PgPool,
}

fn ts(t: DateTime<Utc>) -> DateTime<Utc> {
    t
}

fn later(d: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl PostgresRepository {
    pub async fn open(url: &str) -> Result<Self, DbError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::UnsupportedUrl(format!("{e}")))?
            .application_name("sohoa");
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
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
/// `SKIP LOCKED` lets each concurrent claimer take a different row.
const CLAIM_JOB_SQL: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
     lease_owner = $1, lease_until = $2, updated_at = $3 \
     WHERE id = (SELECT id FROM jobs \
         WHERE ((state = 'queued' AND run_after <= $3) OR (state = 'running' AND lease_until < $3)) \
           AND ($4::text IS NULL OR record_id = $4) \
         ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) \
     RETURNING id, kind, record_id, page_n, attempts, max_attempts";

portable_repository!(PostgresRepository);
