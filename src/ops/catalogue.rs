//! The validity catalogue: each kind's default validity, kept as data.
//! Anyone with a key reads it; admins change it, naming the legal basis.

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::catalogue::Catalogue;
use crate::domain::kind::UnknownKind;
use crate::domain::role::{Actor, Role};
use crate::domain::validity::{KindValidity, MAX_MONTHS, ValidityRule};
use crate::domain::{DocumentKind, text};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::DbError;

/// Roles that change the catalogue.
pub const EDIT_ROLES: &[Role] = &[Role::Admin];
/// Longest note.
pub const MAX_NOTE: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    UnknownKind(#[from] UnknownKind),
    #[error("{0}")]
    InvalidValidity(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbError> for CatalogueError {
    fn from(e: DbError) -> Self {
        CatalogueError::Store(e.into())
    }
}

impl Coded for CatalogueError {
    fn code(&self) -> ErrorCode {
        match self {
            CatalogueError::Forbidden(e) => e.code(),
            CatalogueError::UnknownKind(_) => ErrorCode::UnknownKind,
            CatalogueError::InvalidValidity(_) => ErrorCode::InvalidValidity,
            CatalogueError::Store(e) => e.code(),
        }
    }
}

/// The catalogue as it stands, to apply to records.
pub async fn load(cx: &Context) -> Result<Catalogue, DbError> {
    Ok(Catalogue::new(cx.repo.validity_catalogue().await?))
}

/// Every kind's entry.
pub async fn kinds(cx: &Context) -> Result<Vec<KindValidity>, DbError> {
    cx.repo.validity_catalogue().await
}

/// Changes `kind`'s default validity to `rule`, for the reason in `note`.
pub async fn set_validity(
    cx: &Context,
    actor: &Actor,
    kind: &str,
    rule: ValidityRule,
    note: &str,
) -> Result<KindValidity, CatalogueError> {
    authorize(actor, EDIT_ROLES)?;
    let kind: DocumentKind = kind.parse()?;
    if let ValidityRule::MonthsFromIssue { months } = rule
        && !(1..=MAX_MONTHS).contains(&months)
    {
        return Err(CatalogueError::InvalidValidity(format!(
            "months must be between 1 and {MAX_MONTHS}"
        )));
    }
    let note = text::paragraph("note", note, MAX_NOTE)
        .map_err(CatalogueError::InvalidValidity)?
        .ok_or_else(|| {
            CatalogueError::InvalidValidity(format!(
                "note must say where the rule comes from (up to {MAX_NOTE} characters)"
            ))
        })?;
    let entry = cx.repo.set_validity(kind, rule, &note, &actor.name).await?;
    tracing::info!(kind = %kind, "validity rule changed");
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[tokio::test]
    async fn only_an_admin_changes_a_rule_and_only_with_a_period_and_a_note() {
        let cx = testing::context().await;
        let admin = Actor::key("root", Role::Admin);
        let six = ValidityRule::MonthsFromIssue { months: 6 };
        let desk = Actor::key("desk", Role::Intake);
        let err = set_validity(&cx, &desk, "cccd", six, "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let err = set_validity(&cx, &admin, "passport", six, "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnknownKind);
        let zero = ValidityRule::MonthsFromIssue { months: 0 };
        let err = set_validity(&cx, &admin, "cccd", zero, "x")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidValidity);
        let err = set_validity(&cx, &admin, "cccd", six, " ")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidValidity);
        let entry = set_validity(&cx, &admin, "cccd", six, "Luật 26/2023")
            .await
            .unwrap();
        assert_eq!(entry.rule, six);
        assert_eq!(load(&cx).await.unwrap().rule(DocumentKind::Cccd), six);
    }
}
