//! Dossiers and their codes, allocated atomically per agency per day.

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use sqlx::AssertSqlSafe;

use super::exec::Sql;
use super::rows::{DOSSIER_COLUMNS, DossierRow};
use super::{Database, DbError};
use crate::domain::{AgencyId, Dossier, DossierCode, ProcedureCode, SubjectId};

#[async_trait]
pub trait DossierRepo: Send + Sync {
    /// Opens a dossier, allocating the next sequence number of `agency` on
    /// `day` atomically (unique however many requests race).
    async fn open_dossier(
        &self,
        agency: &AgencyId,
        day: NaiveDate,
        subject: &SubjectId,
        procedure_code: &ProcedureCode,
        opened_by: &str,
    ) -> Result<Dossier, DbError>;

    async fn dossier(&self, code: &DossierCode) -> Result<Option<Dossier>, DbError>;
}

#[async_trait]
impl DossierRepo for Database {
    async fn open_dossier(
        &self,
        agency: &AgencyId,
        day: NaiveDate,
        subject: &SubjectId,
        procedure_code: &ProcedureCode,
        opened_by: &str,
    ) -> Result<Dossier, DbError> {
        let mut tx = self.pool.begin().await?;
        // One statement: the row lock (or SQLite's single writer) makes
        // concurrent openings take consecutive numbers.
        let (sequence,): (i64,) = tx
            .conn()
            .fetch_one(
                Sql::new(
                    "INSERT INTO dossier_sequences (agency_id, day, last) VALUES ($1, $2, 1) \
                     ON CONFLICT (agency_id, day) DO UPDATE SET last = dossier_sequences.last + 1 \
                     RETURNING last",
                )
                .bind(agency.as_str())
                .bind(day.format("%Y-%m-%d").to_string()),
            )
            .await?;
        let code = DossierCode::new(agency.clone(), day, sequence as u32);
        let row: DossierRow = tx
            .conn()
            .fetch_one(
                Sql::new(AssertSqlSafe(format!(
                    "INSERT INTO dossiers ({DOSSIER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) \
                     RETURNING {DOSSIER_COLUMNS}"
                )))
                .bind(code.to_string())
                .bind(agency.as_str())
                .bind(subject.as_str())
                .bind(procedure_code.as_str())
                .bind(opened_by)
                .bind(Utc::now()),
            )
            .await?;
        tx.commit().await?;
        row.into_dossier()
    }

    async fn dossier(&self, code: &DossierCode) -> Result<Option<Dossier>, DbError> {
        let row: Option<DossierRow> = self
            .pool
            .fetch_optional(
                Sql::new(AssertSqlSafe(format!(
                    "SELECT {DOSSIER_COLUMNS} FROM dossiers WHERE code = $1"
                )))
                .bind(code.to_string()),
            )
            .await?;
        row.map(DossierRow::into_dossier).transpose()
    }
}
