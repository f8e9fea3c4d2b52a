//! Withdrawing a certified record: revoked, or superseded by a certified
//! replacement of the same owner and kind. An issuer may withdraw only the
//! results it registered; an admin, any record. The record stays readable
//! for look-up and audit and is never offered for reuse.

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::role::{Actor, Role};
use crate::domain::{Origin, Record, RecordStatus, text};
use crate::error_code::{Coded, ErrorCode};

/// Roles that withdraw records.
pub const ROLES: &[Role] = &[Role::Issuer, Role::Admin];

/// Longest reason.
pub const MAX_REASON: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum WithdrawError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("an issuer may revoke only the results it registered")]
    NotOwnResult,
    #[error("{0}")]
    InvalidReason(String),
    #[error("superseded_by must be another certified record of the same owner and kind")]
    InvalidReplacement,
    #[error("record not found")]
    NotFound,
    #[error("a {from} record cannot become {to}: only a certified record can be withdrawn")]
    InvalidTransition {
        from: RecordStatus,
        to: RecordStatus,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::storage::db::DbError> for WithdrawError {
    fn from(e: crate::storage::db::DbError) -> Self {
        WithdrawError::Store(e.into())
    }
}

impl Coded for WithdrawError {
    fn code(&self) -> ErrorCode {
        match self {
            WithdrawError::Forbidden(e) => e.code(),
            WithdrawError::NotOwnResult => ErrorCode::Forbidden,
            WithdrawError::InvalidReason(_) => ErrorCode::InvalidReason,
            WithdrawError::InvalidReplacement => ErrorCode::InvalidSupersededBy,
            WithdrawError::NotFound => ErrorCode::NotFound,
            WithdrawError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            WithdrawError::Store(e) => e.code(),
        }
    }
}

/// Whether `actor` may withdraw `record`: an issuer only its own results.
fn may_withdraw(actor: &Actor, record: &Record) -> bool {
    actor.role != Role::Issuer
        || (record.origin == Origin::Issued && record.created_by == actor.name)
}

/// Whether `newer` may replace `record`.
fn fits_as_replacement(record: &Record, newer: &Record) -> bool {
    newer.id != record.id
        && newer.subject_id == record.subject_id
        && newer.kind == record.kind
        && newer.status == RecordStatus::Certified
}

/// Revokes record `id` for `reason`, or supersedes it by `superseded_by`;
/// the record as it is afterwards.
pub async fn withdraw(
    cx: &Context,
    actor: &Actor,
    id: &str,
    reason: &str,
    superseded_by: Option<&str>,
) -> Result<Record, WithdrawError> {
    authorize(actor, ROLES)?;
    let reason = text::paragraph("reason", reason, MAX_REASON)
        .map_err(WithdrawError::InvalidReason)?
        .ok_or_else(|| {
            WithdrawError::InvalidReason(format!(
                "give the reason in plain words (up to {MAX_REASON} characters)"
            ))
        })?;
    let record = cx.repo.record(id).await?.ok_or(WithdrawError::NotFound)?;
    if !may_withdraw(actor, &record) {
        return Err(WithdrawError::NotOwnResult);
    }
    let replacement = match superseded_by.map(str::trim) {
        None | Some("") => None,
        Some(other) => {
            let newer = cx.repo.record(other).await?;
            if !newer.is_some_and(|n| fits_as_replacement(&record, &n)) {
                return Err(WithdrawError::InvalidReplacement);
            }
            Some(other)
        }
    };
    let target = if replacement.is_some() {
        RecordStatus::Superseded
    } else {
        RecordStatus::Revoked
    };
    let done = cx
        .repo
        .withdraw(id, &reason, replacement, &actor.name)
        .await?;
    if !done {
        let now = cx.repo.record(id).await?;
        return Err(WithdrawError::InvalidTransition {
            from: now.map_or(record.status, |r| r.status),
            to: target,
        });
    }
    tracing::info!(record = %id, status = %target, "record withdrawn");
    cx.repo.record(id).await?.ok_or(WithdrawError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    #[test]
    fn an_issuer_may_withdraw_only_its_own_results_and_an_admin_any() {
        let mut record = testing::record("r1", RecordStatus::Certified);
        record.origin = Origin::Issued;
        record.created_by = "civil-registry".into();
        assert!(may_withdraw(
            &Actor::key("civil-registry", Role::Issuer),
            &record
        ));
        assert!(!may_withdraw(
            &Actor::key("land-office", Role::Issuer),
            &record
        ));
        assert!(may_withdraw(&Actor::key("root", Role::Admin), &record));
        record.origin = Origin::Scanned;
        assert!(!may_withdraw(
            &Actor::key("civil-registry", Role::Issuer),
            &record
        ));
    }

    #[test]
    fn only_another_certified_record_of_the_same_owner_and_kind_replaces_one() {
        let old = testing::record("r1", RecordStatus::Certified);
        let newer = testing::record("r2", RecordStatus::Certified);
        assert!(fits_as_replacement(&old, &newer));
        assert!(!fits_as_replacement(&old, &old));
        let pending = testing::record("r3", RecordStatus::PendingReview);
        assert!(!fits_as_replacement(&old, &pending));
        let mut other_kind = testing::record("r4", RecordStatus::Certified);
        other_kind.kind = crate::domain::DocumentKind::Diploma;
        assert!(!fits_as_replacement(&old, &other_kind));
    }

    #[tokio::test]
    async fn withdrawing_needs_a_reason_a_known_record_and_a_certified_one() {
        let cx = testing::context().await;
        let admin = Actor::key("root", Role::Admin);
        let err = withdraw(&cx, &admin, "nope", "  ", None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidReason);
        let err = withdraw(&cx, &admin, "nope", "sai", None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let intake = Actor::key("desk", Role::Intake);
        let err = withdraw(&cx, &intake, "nope", "sai", None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let id = testing::stored_record(&cx).await;
        let err = withdraw(&cx, &admin, &id, "sai", None).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidTransition);
    }
}
