//! The officer's review: comparing the scan with the paper. Confirming moves
//! a record from `pending_review` to `certified` and has the agency sign its
//! digitisation certificate; rejecting moves it to `rejected`, with a note.
//! From any other status nothing changes. The update is conditional, so two
//! concurrent reviews cannot both win.

use chrono::Utc;

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::role::{Actor, Role};
use crate::domain::{Record, RecordStatus, Review, text};
use crate::error_code::{Coded, ErrorCode};
use crate::signing::SigningError;
use crate::signing::certificate::CertificateClaims;

/// Roles that review scans.
pub const ROLES: &[Role] = &[Role::Intake, Role::Admin];

/// Longest review note.
pub const MAX_NOTE: usize = 2000;
/// Longest officer name.
pub const MAX_OFFICER: usize = 200;

/// What the officer decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The scan matches the paper: certify and sign it.
    Confirm,
    /// The scan does not match the paper: reject it (a rescan may follow).
    Reject,
}

impl Decision {
    fn target(self) -> RecordStatus {
        match self {
            Decision::Confirm => RecordStatus::Certified,
            Decision::Reject => RecordStatus::Rejected,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    Invalid(String),
    #[error("record not found")]
    NotFound,
    #[error("a {from} record cannot become {to}: {hint}", hint = transition_hint(*from))]
    InvalidTransition {
        from: RecordStatus,
        to: RecordStatus,
    },
    #[error("cannot sign the certificate: {0}")]
    Signing(#[from] SigningError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::storage::db::DbError> for ReviewError {
    fn from(e: crate::storage::db::DbError) -> Self {
        ReviewError::Store(e.into())
    }
}

impl Coded for ReviewError {
    fn code(&self) -> ErrorCode {
        match self {
            ReviewError::Forbidden(e) => e.code(),
            ReviewError::Invalid(_) => ErrorCode::InvalidReview,
            ReviewError::NotFound => ErrorCode::NotFound,
            ReviewError::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            ReviewError::Signing(_) => ErrorCode::InternalError,
            ReviewError::Store(e) => e.code(),
        }
    }
}

/// What the officer can do next, named in a refused transition.
fn transition_hint(from: RecordStatus) -> &'static str {
    match from {
        RecordStatus::Processing => {
            "its text and PDF are still being made; review it once it is pending_review"
        }
        RecordStatus::Certified => "it is already certified",
        RecordStatus::Rejected => "it was rejected; upload a new scan instead",
        RecordStatus::Failed => "its processing failed; upload a new scan instead",
        _ => "it is no longer in use",
    }
}

/// A review as the officer states it: who compared, and what they noticed.
#[derive(Debug, Clone)]
pub struct Request {
    pub decision: Decision,
    pub officer: String,
    pub note: Option<String>,
}

/// The officer's name and note, checked: a name is required, and a
/// rejection says what does not match.
fn checked(request: &Request) -> Result<(String, Option<String>), ReviewError> {
    let officer = text::line("officer", &request.officer, MAX_OFFICER)
        .map_err(ReviewError::Invalid)?
        .ok_or_else(|| {
            ReviewError::Invalid(
                "officer is required: the name of the officer who compared the scan with the paper"
                    .into(),
            )
        })?;
    let note = text::paragraph("note", request.note.as_deref().unwrap_or(""), MAX_NOTE)
        .map_err(ReviewError::Invalid)?;
    if request.decision == Decision::Reject && note.is_none() {
        return Err(ReviewError::Invalid(
            "a rejection needs a note saying what does not match the paper".into(),
        ));
    }
    Ok((officer, note))
}

/// Reviews record `id`; the record as it is afterwards.
pub async fn review(
    cx: &Context,
    actor: &Actor,
    id: &str,
    request: Request,
) -> Result<Record, ReviewError> {
    authorize(actor, ROLES)?;
    let (officer, note) = checked(&request)?;
    let record = cx.repo.record(id).await?.ok_or(ReviewError::NotFound)?;
    let target = request.decision.target();
    if !record.status.can_become(target) {
        return Err(ReviewError::InvalidTransition {
            from: record.status,
            to: target,
        });
    }
    let at = Utc::now();
    let certificate = match request.decision {
        Decision::Confirm => Some(
            CertificateClaims::for_record(&record, &officer, &cx.agency, at).sign(&cx.signer)?,
        ),
        Decision::Reject => None,
    };
    let review = Review { officer, note, at };
    let concluded = cx
        .repo
        .conclude_review(id, &review, certificate.as_deref().map(|c| (c, &cx.agency)))
        .await?;
    if !concluded {
        // Another review got there first.
        let now = cx.repo.record(id).await?;
        return Err(ReviewError::InvalidTransition {
            from: now.map_or(record.status, |r| r.status),
            to: target,
        });
    }
    tracing::info!(record = %id, status = %target, "record reviewed");
    cx.repo.record(id).await?.ok_or(ReviewError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(decision: Decision, officer: &str, note: Option<&str>) -> Request {
        Request {
            decision,
            officer: officer.into(),
            note: note.map(Into::into),
        }
    }

    #[test]
    fn a_review_without_an_officer_is_refused() {
        let err = checked(&request(Decision::Confirm, "  ", None)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidReview);
    }

    #[test]
    fn a_rejection_without_a_note_is_refused_and_a_confirmation_needs_none() {
        let err = checked(&request(Decision::Reject, "Lê Thị Hoa", None)).unwrap_err();
        assert!(err.to_string().contains("note"));
        assert!(checked(&request(Decision::Confirm, "Lê Thị Hoa", None)).is_ok());
        let (officer, note) = checked(&request(
            Decision::Reject,
            " Lê Thị Hoa ",
            Some("thiếu dấu"),
        ))
        .unwrap();
        assert_eq!(
            (officer.as_str(), note.as_deref()),
            ("Lê Thị Hoa", Some("thiếu dấu"))
        );
    }

    #[test]
    fn an_overlong_note_is_refused() {
        let long = "x".repeat(MAX_NOTE + 1);
        let err = checked(&request(Decision::Reject, "Lê Thị Hoa", Some(&long))).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidReview);
    }

    #[tokio::test]
    async fn only_the_counter_reviews_and_only_a_record_awaiting_review() {
        let cx = crate::ops::testing::context().await;
        let confirm = || request(Decision::Confirm, "Lê Thị Hoa", None);
        let reader = Actor::key("one-stop", Role::Reader);
        let err = review(&cx, &reader, "nope", confirm()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let desk = Actor::key("desk", Role::Intake);
        let err = review(&cx, &desk, "nope", confirm()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let id = crate::ops::testing::stored_record(&cx).await;
        let err = review(&cx, &desk, &id, confirm()).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidTransition);
        assert!(err.to_string().contains("still being made"));
    }

    #[test]
    fn a_refused_transition_says_what_to_do_instead() {
        let err = ReviewError::InvalidTransition {
            from: RecordStatus::Rejected,
            to: RecordStatus::Certified,
        };
        assert_eq!(err.code(), ErrorCode::InvalidTransition);
        assert!(err.to_string().contains("upload a new scan"));
    }
}
