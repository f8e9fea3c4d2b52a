//! The officer's review: comparing the scan with the paper. Confirming moves
//! a record from `pending_review` to `certified` and has the agency sign its
//! digitisation certificate; rejecting moves it to `rejected`, with a note.
//! From any other status nothing changes. The update is conditional, so two
//! concurrent reviews cannot both win.

use chrono::Utc;

use super::{Context, Forbidden, StoreError, authorize};
use crate::domain::role::{Actor, Role};
use crate::domain::{Record, RecordMeta, RecordStatus, Review, text};
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

/// Longest particular (number, agency, signer, owner's name).
pub const MAX_PARTICULAR: usize = 200;

/// A review as the officer states it: who compared, what they noticed, and
/// the paper's particulars as they confirm them.
#[derive(Debug, Clone)]
pub struct Request {
    pub decision: Decision,
    pub officer: String,
    pub note: Option<String>,
    /// Particulars typed or corrected by the officer; a field left out keeps
    /// the record's, an empty one clears it.
    pub particulars: Particulars,
    /// Take the suggestions read off the text for every field the record
    /// does not have and the officer did not type.
    pub accept_suggestions: bool,
}

/// The particulars a confirming review sets.
#[derive(Debug, Clone, Default)]
pub struct Particulars {
    pub document_number: Option<String>,
    /// `YYYY-MM-DD`, not in the future.
    pub issued_on: Option<String>,
    pub issuing_agency: Option<String>,
    pub signer: Option<String>,
    pub owner_name: Option<String>,
}

impl Particulars {
    fn is_empty(&self) -> bool {
        self.document_number.is_none()
            && self.issued_on.is_none()
            && self.issuing_agency.is_none()
            && self.signer.is_none()
            && self.owner_name.is_none()
    }
}

/// The record's particulars once the review confirms them: what the officer
/// typed, else (when accepted) the suggestion, else what the record had.
/// None when the review changes none.
fn confirmed(
    record: &Record,
    request: &Request,
    today: chrono::NaiveDate,
) -> Result<Option<RecordMeta>, ReviewError> {
    let given = &request.particulars;
    if request.decision == Decision::Reject {
        if !given.is_empty() || request.accept_suggestions {
            return Err(ReviewError::Invalid(
                "particulars are confirmed with the paper, not with a rejection".into(),
            ));
        }
        return Ok(None);
    }
    if given.is_empty() && !request.accept_suggestions {
        return Ok(None);
    }
    let suggested = |fields: &[&str]| {
        fields
            .iter()
            .find_map(|f| record.suggestions.get(*f))
            .map(|s| s.value.clone())
            .filter(|_| request.accept_suggestions)
    };
    let line =
        |name: &str, typed: &Option<String>, now: &Option<String>, fields: &[&str]| match typed {
            Some(v) => text::line(name, v, MAX_PARTICULAR).map_err(ReviewError::Invalid),
            None => Ok(now.clone().or_else(|| suggested(fields))),
        };
    let mut meta = record.meta.clone();
    meta.document_number = line(
        "document_number",
        &given.document_number,
        &record.meta.document_number,
        &["document_number"],
    )?;
    meta.issuing_agency = line(
        "issuing_agency",
        &given.issuing_agency,
        &record.meta.issuing_agency,
        &["issuing_agency"],
    )?;
    meta.signer = line("signer", &given.signer, &record.meta.signer, &["signer"])?;
    meta.owner_name = line(
        "owner_name",
        &given.owner_name,
        &record.meta.owner_name,
        &["full_name", "company_name"],
    )?;
    meta.issued_on = match given.issued_on.as_deref().map(str::trim) {
        Some("") => None,
        Some(day) => {
            let day: chrono::NaiveDate = day.parse().map_err(|_| {
                ReviewError::Invalid(format!("issued_on {day:?} is not a date (YYYY-MM-DD)"))
            })?;
            if day > today {
                return Err(ReviewError::Invalid("issued_on is in the future".into()));
            }
            Some(day)
        }
        None => record
            .meta
            .issued_on
            .or_else(|| suggested(&["issued_on"]).and_then(|d| d.parse().ok())),
    };
    Ok(Some(meta))
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
    if request.decision == Decision::Reject
        && (!request.particulars.is_empty() || request.accept_suggestions)
    {
        return Err(ReviewError::Invalid(
            "particulars are confirmed with the paper, not with a rejection".into(),
        ));
    }
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
    let particulars = confirmed(&record, &request, at.date_naive())?;
    let mut signed = record.clone();
    if let Some(meta) = &particulars {
        // The certificate covers the particulars as confirmed.
        signed.meta = meta.clone();
    }
    let certificate = match request.decision {
        Decision::Confirm => Some(
            CertificateClaims::for_record(&signed, &officer, &cx.agency, at).sign(&cx.signer)?,
        ),
        Decision::Reject => None,
    };
    let review = Review { officer, note, at };
    let concluded = cx
        .repo
        .conclude_review(
            id,
            &review,
            certificate.as_deref().map(|c| (c, &cx.agency)),
            particulars.as_ref(),
        )
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
            particulars: Particulars::default(),
            accept_suggestions: false,
        }
    }

    fn today() -> chrono::NaiveDate {
        "2026-12-03".parse().unwrap()
    }

    #[test]
    fn a_confirmation_takes_the_typed_particulars_then_the_suggestions() {
        use crate::domain::particulars::Suggestion;
        let mut record = crate::domain::record::example("r", RecordStatus::PendingReview);
        record.meta.signer = Some("Trần Văn Bình".into());
        for (field, value) in [
            ("document_number", "125/UBND-TP"),
            ("issued_on", "2024-03-05"),
            ("full_name", "NGUYỄN VĂN AN"),
            ("signer", "Trần Văn Binh"),
        ] {
            record.suggestions.insert(
                field.into(),
                Suggestion {
                    value: value.into(),
                    confidence: 0.9,
                },
            );
        }
        let mut req = request(Decision::Confirm, "Lê Thị Hoa", None);
        assert!(confirmed(&record, &req, today()).unwrap().is_none());
        req.accept_suggestions = true;
        req.particulars.document_number = Some("126/UBND-TP".into());
        let meta = confirmed(&record, &req, today()).unwrap().unwrap();
        assert_eq!(meta.document_number.as_deref(), Some("126/UBND-TP"));
        assert_eq!(meta.issued_on, Some("2024-03-05".parse().unwrap()));
        assert_eq!(meta.owner_name.as_deref(), Some("NGUYỄN VĂN AN"));
        // What the record already had stands over a suggestion.
        assert_eq!(meta.signer.as_deref(), Some("Trần Văn Bình"));
    }

    #[test]
    fn particulars_are_checked_and_never_come_with_a_rejection() {
        let record = crate::domain::record::example("r", RecordStatus::PendingReview);
        let mut req = request(Decision::Confirm, "Lê Thị Hoa", None);
        req.particulars.issued_on = Some("2027-01-01".into());
        assert!(confirmed(&record, &req, today()).is_err());
        req.particulars.issued_on = Some("05/03/2024".into());
        assert!(confirmed(&record, &req, today()).is_err());
        let mut reject = request(Decision::Reject, "Lê Thị Hoa", Some("mờ"));
        reject.accept_suggestions = true;
        let err = confirmed(&record, &reject, today()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidReview);
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
