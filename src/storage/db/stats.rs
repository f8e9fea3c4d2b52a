//! Counts for `GET /metrics`, read at each scrape: jobs by state.

use async_trait::async_trait;

use super::exec::Sql;
use super::{Database, DbError};

#[async_trait]
pub trait StatsRepo: Send + Sync {
    /// Jobs in each state (`queued`, `running`, `done`, `failed`).
    async fn job_counts(&self) -> Result<Vec<(String, i64)>, DbError>;
}

#[async_trait]
impl StatsRepo for Database {
    async fn job_counts(&self) -> Result<Vec<(String, i64)>, DbError> {
        self.pool
            .fetch_all(Sql::new(
                "SELECT state, COUNT(*) FROM jobs GROUP BY state ORDER BY state",
            ))
            .await
    }
}
