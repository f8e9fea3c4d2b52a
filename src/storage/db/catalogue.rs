//! The validity catalogue (each kind's default validity, as data) and the
//! reuses counted against it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::exec::Sql;
use super::rows::KindValidityRow;
use super::{Database, DbError};
use crate::domain::DocumentKind;
use crate::domain::reuse::{Reuse, ReuseStats};
use crate::domain::validity::{KindValidity, ValidityRule};

#[async_trait]
pub trait CatalogueRepo: Send + Sync {
    /// The validity catalogue, one entry per kind.
    async fn validity_catalogue(&self) -> Result<Vec<KindValidity>, DbError>;

    /// Changes a kind's default validity.
    async fn set_validity(
        &self,
        kind: DocumentKind,
        rule: ValidityRule,
        note: &str,
        by: &str,
    ) -> Result<KindValidity, DbError>;

    /// Records a reuse; the same record for the same dossier counts once.
    async fn record_reuse(&self, reuse: &Reuse) -> Result<(), DbError>;

    /// Reuses from `from` to `to` (inclusive days, UTC), by kind and by agency.
    async fn reuse_stats(&self, from: NaiveDate, to: NaiveDate) -> Result<ReuseStats, DbError>;
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

#[async_trait]
impl CatalogueRepo for Database {
    async fn validity_catalogue(&self) -> Result<Vec<KindValidity>, DbError> {
        let rows: Vec<KindValidityRow> = self
            .pool
            .fetch_all(Sql::new(
                "SELECT kind, rule, months, note, updated_by, updated_at FROM kind_validity \
                 ORDER BY kind",
            ))
            .await?;
        rows.into_iter().map(KindValidityRow::into_entry).collect()
    }

    async fn set_validity(
        &self,
        kind: DocumentKind,
        rule: ValidityRule,
        note: &str,
        by: &str,
    ) -> Result<KindValidity, DbError> {
        let (name, months) = rule.to_parts();
        let row: KindValidityRow = self
            .pool
            .fetch_one(
                Sql::new(
                    "INSERT INTO kind_validity (kind, rule, months, note, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (kind) DO UPDATE SET rule = $2, months = $3, note = $4, \
                     updated_by = $5, updated_at = $6 \
                     RETURNING kind, rule, months, note, updated_by, updated_at",
                )
                .bind(kind.code())
                .bind(name)
                .bind(months)
                .bind(note)
                .bind(by)
                .bind(Utc::now()),
            )
            .await?;
        row.into_entry()
    }

    async fn record_reuse(&self, reuse: &Reuse) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new(
                    "INSERT INTO reuses (dossier_code, record_id, subject_id, kind, agency_id, \
                     procedure_code, reused_by, reused_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (dossier_code, record_id) DO NOTHING",
                )
                .bind(reuse.dossier_code.to_string())
                .bind(&reuse.record_id)
                .bind(reuse.subject_id.as_str())
                .bind(reuse.kind.code())
                .bind(reuse.agency_id.as_str())
                .bind(reuse.procedure_code.as_ref().map(|p| p.as_str()))
                .bind(&reuse.reused_by)
                .bind(Utc::now()),
            )
            .await?;
        Ok(())
    }

    async fn reuse_stats(&self, from: NaiveDate, to: NaiveDate) -> Result<ReuseStats, DbError> {
        let start = midnight(from);
        let end = midnight(to.succ_opt().unwrap_or(to));
        let count = |column: &'static str| {
            Sql::new(sqlx::AssertSqlSafe(format!(
                "SELECT {column}, COUNT(*) FROM reuses WHERE reused_at >= $1 AND reused_at < $2 \
                 GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
            )))
            .bind(start)
            .bind(end)
        };
        let by_kind: Vec<(String, i64)> = self.pool.fetch_all(count("kind")).await?;
        let by_agency: Vec<(String, i64)> = self.pool.fetch_all(count("agency_id")).await?;
        let counts = |rows: Vec<(String, i64)>| -> Vec<(String, u64)> {
            rows.into_iter().map(|(k, n)| (k, n as u64)).collect()
        };
        let by_kind = counts(by_kind);
        Ok(ReuseStats {
            total: by_kind.iter().map(|(_, n)| n).sum(),
            by_kind,
            by_agency: counts(by_agency),
        })
    }
}
