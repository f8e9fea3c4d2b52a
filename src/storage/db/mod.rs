//! Records, jobs, the access ledger, keys, the catalogue, dossiers and
//! citizen links, in SQLite or PostgreSQL. Each concern is a small trait in
//! its own file, with its SQL written once for both backends: `records`,
//! `jobs`, `ledger`, `checkpoints`, `keys`, `catalogue`, `dossiers`, `links`, `officers` (desk accounts and sessions), `files` (which
//! stored files records name), `search` (the full-text index), `stats` (counts for metrics). [`Repo`] is
//! all of them, for callers that need several. How a statement runs on each
//! backend is in `exec`; what differs per backend (connection, migrations,
//! argument types, the job claim) is in `sqlite` and `postgres`. The backend
//! is chosen by URL scheme in [`open`].

mod catalogue;
mod checkpoints;
mod dossiers;
mod exec;
mod files;
mod jobs;
mod keys;
mod ledger;
mod links;
mod officers;
mod postgres;
mod records;
mod rows;
mod search;
mod sqlite;
mod stats;

use std::sync::Arc;

use async_trait::async_trait;

pub use catalogue::CatalogueRepo;
pub use checkpoints::{CheckpointRepo, SignClaims};
pub use dossiers::DossierRepo;
pub use files::{FileRepo, NamedFile};
pub use jobs::JobRepo;
pub use keys::KeyRepo;
pub use ledger::LedgerRepo;
pub use links::LinkRepo;
pub use officers::{Credentials, DeskSession, OfficerRepo};
pub use records::{Inserted, RecordQuery, RecordRepo};
pub use search::{Order, SearchQuery, SearchRepo};
pub use stats::StatsRepo;

#[derive(Debug, Clone, thiserror::Error)]
pub enum DbError {
    #[error("database URL {0:?} is not supported (use sqlite://PATH or postgres://USER@HOST/DB)")]
    UnsupportedUrl(String),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Query(String),
    #[error("migration failed: {0}")]
    Migration(String),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                DbError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                DbError::Conflict(db.message().to_owned())
            }
            _ => DbError::Query(e.to_string()),
        }
    }
}

/// Every concern of the database, for callers that need several.
#[async_trait]
pub trait Repo:
    RecordRepo
    + JobRepo
    + LedgerRepo
    + CheckpointRepo
    + KeyRepo
    + CatalogueRepo
    + DossierRepo
    + LinkRepo
    + OfficerRepo
    + FileRepo
    + SearchRepo
    + StatsRepo
{
    /// A cheap round trip, for health checks.
    async fn ping(&self) -> Result<(), DbError>;
}

/// The database: one pool of either backend, behind every trait above.
pub struct Database {
    pool: exec::Pool,
}

#[async_trait]
impl Repo for Database {
    async fn ping(&self) -> Result<(), DbError> {
        self.pool.execute(exec::Sql::new("SELECT 1")).await?;
        Ok(())
    }
}

/// Opens the database named by `url`, running its migrations.
pub async fn open(url: &str) -> Result<Arc<dyn Repo>, DbError> {
    let pool = if url.starts_with("sqlite:") {
        sqlite::open(url).await?
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        postgres::open(url).await?
    } else {
        return Err(DbError::UnsupportedUrl(url.to_owned()));
    };
    Ok(Arc::new(Database { pool }))
}
