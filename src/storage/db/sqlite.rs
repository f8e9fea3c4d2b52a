//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`,
//! so a committed record survives a crash or power loss.
//!
//! Dialect: timestamps are bound as fixed-width RFC 3339 text, so that
//! comparing them as text compares times; SQLite serialises writers, so
//! claiming a job is a single `UPDATE … RETURNING` with no row locks.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::Arguments;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};

use super::DbError;
use super::exec::{Arg, Dialect, Pool};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

pub(super) static DIALECT: Dialect = Dialect {
    // SQLite runs one writer at a time, so the sub-select and update are atomic.
    claim_job: "UPDATE jobs SET state = $6, attempts = attempts + 1, \
         lease_owner = $1, lease_until = $2, updated_at = $3 \
         WHERE id = (SELECT id FROM jobs \
             WHERE ((state = $5 AND run_after <= $3) OR (state = $6 AND lease_until < $3)) \
               AND ($4 IS NULL OR record_id = $4) \
             ORDER BY priority_at, id LIMIT 1) \
         RETURNING id, kind, record_id, page_n, attempts, max_attempts",
};

/// A timestamp as fixed-width text: `2026-01-02T03:04:05.678901Z`.
fn text_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(super) fn arguments(args: Vec<Arg>) -> Result<SqliteArguments, DbError> {
    let mut out = SqliteArguments::default();
    for arg in args {
        match arg {
            Arg::Text(v) => out.add(v),
            Arg::Int(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
            Arg::Date(v) => out.add(v),
            Arg::Time(v) => out.add(v.map(text_time)),
        }
        .map_err(|e| DbError::Query(format!("binding an argument: {e}")))?;
    }
    Ok(out)
}

pub(super) async fn open(url: &str) -> Result<Pool, DbError> {
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
    Ok(Pool::Sqlite(pool))
}
