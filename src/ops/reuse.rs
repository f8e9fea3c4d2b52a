//! Provide once: which papers a procedure requires are already on file and
//! valid for a dossier, so the citizen is not asked for them; and how often
//! papers were reused instead of asked for again. The judgement itself is
//! the domain's ([`crate::domain::reuse::judge`]).

use chrono::NaiveDate;

use super::{Context, Forbidden, StoreError, authorize, catalogue};
use crate::domain::access::Action;
use crate::domain::dossier::vietnam_today;
use crate::domain::kind::UnknownKind;
use crate::domain::reuse::{Judgement, Reuse, ReuseStats, judge};
use crate::domain::role::{Actor, Role};
use crate::domain::subject::SubjectIdError;
use crate::domain::validity::Freshness;
use crate::domain::{DocumentKind, DossierCode, ProcedureCode, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::RecordQuery;

/// Roles that check what is on file.
pub const ROLES: &[Role] = &[Role::Intake, Role::Reader, Role::Admin];
/// Roles that read statistics.
pub const STATS_ROLES: &[Role] = &[Role::Admin, Role::Auditor];
/// Most papers one check may ask about.
pub const MAX_REQUIRED: usize = 50;
/// Most records of one kind considered per subject.
const MAX_CANDIDATES: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum ReuseError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("dossier_code must be the code of the dossier these papers are for: {0}")]
    InvalidDossier(String),
    #[error("required must list between 1 and {MAX_REQUIRED} papers")]
    InvalidRequired,
    #[error("{0}")]
    UnknownKind(#[from] UnknownKind),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::storage::db::DbError> for ReuseError {
    fn from(e: crate::storage::db::DbError) -> Self {
        ReuseError::Store(e.into())
    }
}

impl Coded for ReuseError {
    fn code(&self) -> ErrorCode {
        match self {
            ReuseError::Forbidden(e) => e.code(),
            ReuseError::InvalidSubject(_) => ErrorCode::InvalidSubjectId,
            ReuseError::InvalidDossier(_) => ErrorCode::InvalidPurpose,
            ReuseError::InvalidRequired => ErrorCode::InvalidJson,
            ReuseError::UnknownKind(_) => ErrorCode::UnknownKind,
            ReuseError::Store(e) => e.code(),
        }
    }
}

/// One paper a procedure requires.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub kind: String,
    /// Issued at most this many days before the day judged on.
    pub issued_within_days: Option<u32>,
}

/// A reuse check, as asked.
#[derive(Debug, Clone)]
pub struct Check {
    pub subject_id: String,
    /// The dossier the papers are for: the purpose of this read.
    pub dossier_code: String,
    pub procedure_code: Option<String>,
    /// The day validity is judged on; default today (Viet Nam).
    pub on: Option<NaiveDate>,
    pub required: Vec<Requirement>,
}

/// What the check found for each requirement, in the order asked.
pub type Answer = Vec<(DocumentKind, Judgement)>;

/// For each requirement, the record to reuse or the reason the citizen must
/// provide the paper. Each reuse is recorded for the dossier (once per
/// dossier and record) and the check is logged in the subject's access
/// ledger with the dossier as purpose.
pub async fn check(cx: &Context, actor: &Actor, check: Check) -> Result<Answer, ReuseError> {
    authorize(actor, ROLES)?;
    let subject = SubjectId::parse(&check.subject_id)?;
    let dossier = DossierCode::parse(check.dossier_code.trim())
        .map_err(|e| ReuseError::InvalidDossier(e.to_string()))?;
    if check.required.is_empty() || check.required.len() > MAX_REQUIRED {
        return Err(ReuseError::InvalidRequired);
    }
    let mut wanted = Vec::with_capacity(check.required.len());
    for r in &check.required {
        let kind: DocumentKind = r.kind.parse()?;
        wanted.push((kind, r.issued_within_days.map(|days| Freshness { days })));
    }
    let on = check.on.unwrap_or_else(vietnam_today);
    super::access::log(
        cx,
        actor.reader(),
        &subject,
        None,
        Some(&dossier),
        Action::ReuseCheck,
    )
    .await?;
    let catalogue = catalogue::load(cx).await?;
    // A procedure code that is not one is not counted against any procedure.
    let procedure_code = check
        .procedure_code
        .as_deref()
        .and_then(|p| ProcedureCode::parse(p).ok());
    let mut answer = Vec::with_capacity(wanted.len());
    for (kind, freshness) in wanted {
        let query = RecordQuery {
            kind: Some(kind),
            before: None,
            limit: MAX_CANDIDATES,
        };
        let records = cx.repo.subject_records(&subject, &query).await?;
        let judgement = judge(&catalogue, records, on, freshness);
        if let Judgement::OnFile(record) = &judgement {
            cx.repo
                .record_reuse(&Reuse {
                    dossier_code: dossier.clone(),
                    record_id: record.id.clone(),
                    subject_id: record.subject_id.clone(),
                    kind,
                    agency_id: dossier.agency().clone(),
                    procedure_code: procedure_code.clone(),
                    reused_by: actor.name.clone(),
                })
                .await?;
        }
        answer.push((kind, judgement));
    }
    let reused = answer
        .iter()
        .filter(|(_, j)| matches!(j, Judgement::OnFile(_)))
        .count();
    tracing::info!(required = answer.len(), reused, "reuse checked");
    Ok(answer)
}

/// Reuses counted from `from` (default 30 days before `to`) to `to` (default
/// today), by kind and by reusing agency. A `from` after `to` is a period of
/// no days: nothing counted.
pub async fn stats(
    cx: &Context,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate, ReuseStats), ReuseError> {
    authorize(actor, STATS_ROLES)?;
    let to = to.unwrap_or_else(vietnam_today);
    let from = from.unwrap_or_else(|| to - chrono::Days::new(30));
    if from > to {
        return Ok((from, to, ReuseStats::default()));
    }
    Ok((from, to, cx.repo.reuse_stats(from, to).await?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::testing;

    fn asking(kinds: &[&str]) -> Check {
        Check {
            subject_id: testing::SUBJECT.into(),
            dossier_code: "000.00.06.H56-231027-0361".into(),
            procedure_code: None,
            on: None,
            required: kinds
                .iter()
                .map(|k| Requirement {
                    kind: (*k).into(),
                    issued_within_days: None,
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn a_check_needs_a_dossier_known_kinds_and_between_one_and_fifty_papers() {
        let cx = testing::context().await;
        let desk = Actor::key("desk", Role::Intake);
        let mut bad_dossier = asking(&["cccd"]);
        bad_dossier.dossier_code = "HS-7".into();
        let err = check(&cx, &desk, bad_dossier).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPurpose);
        let err = check(&cx, &desk, asking(&[])).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidJson);
        let err = check(&cx, &desk, asking(&["passport"])).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::UnknownKind);
        let auditor = Actor::key("inspector", Role::Auditor);
        let err = check(&cx, &auditor, asking(&["cccd"])).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert!(cx.repo.access_log_page(0, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_paper_still_processing_must_be_provided_and_the_check_is_logged() {
        let cx = testing::context().await;
        testing::stored_record(&cx).await;
        let desk = Actor::key("desk", Role::Intake);
        let answer = check(&cx, &desk, asking(&["birth_certificate", "cccd"]))
            .await
            .unwrap();
        assert!(matches!(
            answer[0].1,
            Judgement::MustProvide(crate::domain::reuse::Reason::PendingReview)
        ));
        assert!(matches!(
            answer[1].1,
            Judgement::MustProvide(crate::domain::reuse::Reason::None)
        ));
        let log = cx.repo.access_log_page(0, 10).await.unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].action, Action::ReuseCheck);
    }

    #[tokio::test]
    async fn statistics_over_a_period_that_ends_before_it_starts_count_nothing() {
        let cx = testing::context().await;
        let admin = Actor::key("root", Role::Admin);
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let answer = stats(
            &cx,
            &admin,
            Some(day("2026-02-01")),
            Some(day("2026-01-01")),
        )
        .await
        .unwrap();
        assert_eq!(answer.2.total, 0);
    }
}
