//! The distributed backend: PostgreSQL, shared by any number of sohoa
//! instances. Migrations run at start under PostgreSQL's advisory lock, so
//! instances starting together apply them once.
//!
//! Dialect: timestamps are bound as `timestamptz`; a worker claims a job with
//! `FOR UPDATE SKIP LOCKED`, so concurrent workers never take the same job
//! and never wait on each other's locks.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Arguments;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPoolOptions};

use super::DbError;
use super::exec::{Arg, Dialect, Pool};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

pub(super) static DIALECT: Dialect = Dialect {
    // `SKIP LOCKED` lets each concurrent claimer take a different row.
    claim_job: "UPDATE jobs SET state = $6, attempts = attempts + 1, \
         lease_owner = $1, lease_until = $2, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs \
             WHERE ((state = $5 AND run_after <= $3) OR (state = $6 AND lease_until < $3)) \
               AND ($4::text IS NULL OR record_id = $4) \
             ORDER BY priority_at, id LIMIT 1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, kind, record_id, page_n, attempts, max_attempts",
};

pub(super) fn arguments(args: Vec<Arg>) -> Result<PgArguments, DbError> {
    let mut out = PgArguments::default();
    for arg in args {
        match arg {
            Arg::Text(v) => out.add(v),
            Arg::Int(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Date(v) => out.add(v),
            Arg::Time(v) => out.add(v),
        }
        .map_err(|e| DbError::Query(format!("binding an argument: {e}")))?;
    }
    Ok(out)
}

pub(super) async fn open(url: &str) -> Result<Pool, DbError> {
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
    Ok(Pool::Postgres(pool))
}
