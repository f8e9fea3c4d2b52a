//! Provide once: whether a paper a procedure requires is already on file and
//! valid, so the citizen is not asked for it again ([`judge`]), and the
//! record of each reuse.

use chrono::NaiveDate;
use serde::Serialize;

use super::catalogue::Catalogue;
use super::validity::{Expiry, Freshness};
use super::{AgencyId, DocumentKind, DossierCode, ProcedureCode, Record, RecordStatus};

/// Why a paper must be provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing of this kind is on file.
    None,
    /// On file, but no longer valid on that day.
    Expired,
    /// On file and valid, but issued longer ago than the procedure accepts.
    TooOld,
    /// On file but revoked or superseded.
    Revoked,
    /// Scanned but not yet checked and signed by an officer.
    PendingReview,
    /// On file, but its validity cannot be established: its kind's rule
    /// needs a date the record lacks (the issue date, or the date printed on
    /// a card).
    ValidityUnknown,
}

impl Reason {
    /// How close a miss is: a paper that is valid but too old beats an
    /// expired one, which beats one of unknown validity, one awaiting review,
    /// and a revoked one.
    fn closeness(self) -> u8 {
        match self {
            Reason::TooOld => 5,
            Reason::Expired => 4,
            Reason::ValidityUnknown => 3,
            Reason::PendingReview => 2,
            Reason::Revoked => 1,
            Reason::None => 0,
        }
    }
}

/// What the check found for one required paper.
#[derive(Debug)]
pub enum Judgement {
    /// Reuse this record: do not ask for the paper.
    OnFile(Box<Record>),
    /// The citizen must provide it, for the closest miss's reason.
    MustProvide(Reason),
}

/// Picks the record to reuse among a subject's records of one kind (the
/// certified one valid on `on` and meeting `freshness`, freshest issue date
/// first), or the reason there is none.
pub fn judge(
    catalogue: &Catalogue,
    records: Vec<Record>,
    on: NaiveDate,
    freshness: Option<Freshness>,
) -> Judgement {
    let mut best: Option<Record> = None;
    let mut closest = Reason::None;
    for record in records {
        let reason = match record.status {
            RecordStatus::Certified => {
                if catalogue.is_valid_on(&record, on) {
                    if freshness.is_none_or(|f| f.is_met(record.meta.issued_on, on)) {
                        let fresher = best.as_ref().is_none_or(|b| {
                            (record.meta.issued_on, &record.id) > (b.meta.issued_on, &b.id)
                        });
                        if fresher {
                            best = Some(record);
                        }
                        continue;
                    }
                    Reason::TooOld
                } else if catalogue.expiry(&record) == Expiry::Unknown {
                    Reason::ValidityUnknown
                } else {
                    Reason::Expired
                }
            }
            RecordStatus::Processing | RecordStatus::PendingReview => Reason::PendingReview,
            RecordStatus::Revoked | RecordStatus::Superseded => Reason::Revoked,
            RecordStatus::Rejected | RecordStatus::Failed => continue,
        };
        if reason.closeness() > closest.closeness() {
            closest = reason;
        }
    }
    match best {
        Some(record) => Judgement::OnFile(Box::new(record)),
        None => Judgement::MustProvide(closest),
    }
}

/// A paper reused for a dossier instead of being asked for again.
#[derive(Debug, Clone)]
pub struct Reuse {
    pub dossier_code: DossierCode,
    pub record_id: String,
    pub subject_id: super::SubjectId,
    pub kind: DocumentKind,
    /// The reusing agency: the dossier code's.
    pub agency_id: AgencyId,
    pub procedure_code: Option<ProcedureCode>,
    pub reused_by: String,
}

/// Reuses counted over a period.
#[derive(Debug, Clone, Default)]
pub struct ReuseStats {
    pub total: u64,
    pub by_kind: Vec<(String, u64)>,
    pub by_agency: Vec<(String, u64)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::validity::{KindValidity, ValidityRule};

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn record(id: &str, status: RecordStatus, issued: Option<&str>) -> Record {
        let mut record = crate::domain::record::example(id, status);
        record.kind = DocumentKind::MarriageStatusCertificate;
        record.meta.issued_on = issued.map(day);
        record
    }

    fn six_months() -> Catalogue {
        Catalogue::new([KindValidity {
            kind: DocumentKind::MarriageStatusCertificate,
            rule: ValidityRule::MonthsFromIssue { months: 6 },
            note: String::new(),
            updated_by: None,
            updated_at: None,
        }])
    }

    fn reason(j: Judgement) -> Reason {
        match j {
            Judgement::MustProvide(r) => r,
            Judgement::OnFile(r) => panic!("reused {}", r.id),
        }
    }

    #[test]
    fn nothing_on_file_must_be_provided() {
        let j = judge(&six_months(), Vec::new(), day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::None);
    }

    #[test]
    fn the_freshest_valid_certified_paper_is_reused() {
        let records = vec![
            record("a", RecordStatus::Certified, Some("2026-09-01")),
            record("b", RecordStatus::Certified, Some("2026-10-01")),
            record("c", RecordStatus::Certified, Some("2026-08-01")),
        ];
        match judge(&six_months(), records, day("2026-11-23"), None) {
            Judgement::OnFile(r) => assert_eq!(r.id, "b"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_expired_paper_is_named_as_expired() {
        let records = vec![record("a", RecordStatus::Certified, Some("2026-01-01"))];
        let j = judge(&six_months(), records, day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::Expired);
    }

    #[test]
    fn a_valid_paper_older_than_the_procedure_accepts_is_too_old() {
        let records = vec![record("a", RecordStatus::Certified, Some("2026-09-01"))];
        let j = judge(
            &six_months(),
            records,
            day("2026-11-23"),
            Some(Freshness { days: 30 }),
        );
        assert_eq!(reason(j), Reason::TooOld);
    }

    #[test]
    fn a_months_rule_without_an_issue_date_is_of_unknown_validity() {
        let records = vec![record("a", RecordStatus::Certified, None)];
        let j = judge(&six_months(), records, day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::ValidityUnknown);
    }

    #[test]
    fn the_closest_miss_is_named_and_rejected_or_failed_scans_do_not_count() {
        let records = vec![
            record("a", RecordStatus::Revoked, Some("2026-10-01")),
            record("b", RecordStatus::PendingReview, Some("2026-10-01")),
            record("c", RecordStatus::Rejected, Some("2026-10-01")),
        ];
        let j = judge(&six_months(), records, day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::PendingReview);
        let records = vec![
            record("a", RecordStatus::Revoked, Some("2026-10-01")),
            record("b", RecordStatus::Certified, Some("2026-01-01")),
        ];
        let j = judge(&six_months(), records, day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::Expired);
        let records = vec![
            record("a", RecordStatus::Failed, None),
            record("b", RecordStatus::Rejected, None),
        ];
        let j = judge(&six_months(), records, day("2026-11-23"), None);
        assert_eq!(reason(j), Reason::None);
    }
}
