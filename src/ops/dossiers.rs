//! Dossiers: opening one for an applicant and a procedure (its code
//! allocated atomically), and reading what was filed in it — a read of the
//! applicant's papers, logged with the dossier as its purpose.

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::access::Action;
use crate::domain::dossier::{ProcedureCodeError, vietnam_today};
use crate::domain::role::{Actor, Role};
use crate::domain::subject::SubjectIdError;
use crate::domain::{Dossier, DossierCode, ProcedureCode, Record, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::DbError;

/// Roles that open dossiers.
pub const OPEN_ROLES: &[Role] = &[Role::Intake, Role::Admin];
/// Roles that read them.
pub const READ_ROLES: &[Role] = super::access::READ_ROLES;

#[derive(Debug, thiserror::Error)]
pub enum DossierError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("{0}")]
    InvalidProcedure(#[from] ProcedureCodeError),
    #[error("dossier not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for DossierError {
    fn from(e: DbError) -> Self {
        DossierError::Store(e.into())
    }
}

impl Coded for DossierError {
    fn code(&self) -> ErrorCode {
        match self {
            DossierError::Forbidden(e) => e.code(),
            DossierError::InvalidSubject(_) => ErrorCode::InvalidSubjectId,
            DossierError::InvalidProcedure(_) => ErrorCode::InvalidProcedureCode,
            DossierError::NotFound => ErrorCode::NotFound,
            DossierError::Store(e) => e.code(),
        }
    }
}

/// Opens a dossier: `{this agency}-{today in Viet Nam, yyMMdd}-{next number}`.
pub async fn open(
    cx: &Context,
    actor: &Actor,
    subject: &str,
    procedure_code: &str,
) -> Result<Dossier, DossierError> {
    authorize(actor, OPEN_ROLES)?;
    let subject = SubjectId::parse(subject)?;
    let procedure = ProcedureCode::parse(procedure_code)?;
    let dossier = cx
        .repo
        .open_dossier(
            &cx.agency,
            vietnam_today(),
            &subject,
            &procedure,
            &actor.name,
        )
        .await?;
    tracing::info!(dossier = %dossier.code, "dossier opened");
    Ok(dossier)
}

/// A dossier and the records filed in it, oldest first.
pub async fn get(
    cx: &Context,
    actor: &Actor,
    code: &str,
) -> Result<(Dossier, Vec<Record>), DossierError> {
    authorize(actor, READ_ROLES)?;
    let code = DossierCode::parse(code).map_err(|_| DossierError::NotFound)?;
    let dossier = cx
        .repo
        .dossier(&code)
        .await?
        .ok_or(DossierError::NotFound)?;
    // Reading a dossier is a read of its applicant's papers, for that dossier.
    super::access::log(
        cx,
        actor.reader(),
        &dossier.subject_id,
        None,
        Some(&code),
        Action::ReadDossier,
    )
    .await?;
    let records = cx.repo.dossier_records(&code).await?;
    Ok((dossier, records))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[tokio::test]
    async fn a_dossier_needs_an_owner_and_a_procedure_and_an_unknown_one_is_not_found() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let err = open(&cx, &desk, "123", "1.001193").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidSubjectId);
        let err = open(&cx, &desk, testing::SUBJECT, " ").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidProcedureCode);
        let reader = Actor::key("one-stop", Role::Reader);
        let err = open(&cx, &reader, testing::SUBJECT, "1.001193")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let opened = open(&cx, &desk, testing::SUBJECT, "1.001193")
            .await
            .unwrap();
        assert!(opened.code.to_string().starts_with("000.00.06.H56-"));
        let (found, records) = get(&cx, &reader, &opened.code.to_string()).await.unwrap();
        assert_eq!(found.code, opened.code);
        assert!(records.is_empty());
        let err = get(&cx, &reader, "000.00.06.H56-231027-9999")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let err = get(&cx, &reader, "nonsense").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
    }
}
