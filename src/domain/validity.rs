//! "Valid on a date", decided in one place for listing, reuse and
//! verification. A paper's end date comes from, in order: `permanent`; an
//! explicit `valid_until` (the date printed on it); its kind's rule in the
//! validity catalogue (no expiry, or a number of months from issue). Only a
//! certified record is ever valid. A procedure may demand freshness on top
//! (issued within N days): see [`Freshness`].

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{DocumentKind, RecordStatus};

/// A kind's default validity, from the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ValidityRule {
    /// Valid until revoked or replaced.
    NoExpiry,
    /// Valid for `months` from the issue date.
    MonthsFromIssue { months: u32 },
    /// Valid until the date printed on the paper (`valid_until`).
    DateOnPaper,
}

impl ValidityRule {
    /// The stored form: rule name and months.
    pub fn to_parts(self) -> (&'static str, Option<u32>) {
        match self {
            ValidityRule::NoExpiry => ("no_expiry", None),
            ValidityRule::MonthsFromIssue { months } => ("months_from_issue", Some(months)),
            ValidityRule::DateOnPaper => ("date_on_paper", None),
        }
    }

    pub fn from_parts(rule: &str, months: Option<u32>) -> Option<Self> {
        match (rule, months) {
            ("no_expiry", _) => Some(ValidityRule::NoExpiry),
            ("months_from_issue", Some(m)) if m > 0 => {
                Some(ValidityRule::MonthsFromIssue { months: m })
            }
            ("date_on_paper", _) => Some(ValidityRule::DateOnPaper),
            _ => None,
        }
    }
}

/// A kind's entry in the validity catalogue.
#[derive(Debug, Clone)]
pub struct KindValidity {
    pub kind: DocumentKind,
    pub rule: ValidityRule,
    /// Where the rule comes from.
    pub note: String,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Longest period a months rule may give.
pub const MAX_MONTHS: u32 = 1200;

/// When a paper stops being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Never,
    /// Valid through this day, inclusive.
    After(NaiveDate),
    /// The rule needs a date the record does not have (an issue date, or the
    /// date printed on a card): it cannot be relied on.
    Unknown,
}

/// The facts about a record that validity depends on.
#[derive(Debug, Clone, Copy)]
pub struct PaperDates {
    pub permanent: bool,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// When the paper expires under `rule`.
pub fn expiry(rule: ValidityRule, paper: PaperDates) -> Expiry {
    if paper.permanent {
        return Expiry::Never;
    }
    if let Some(until) = paper.valid_until {
        return Expiry::After(until);
    }
    match rule {
        ValidityRule::NoExpiry => Expiry::Never,
        ValidityRule::MonthsFromIssue { months } => match paper.issued_on {
            // "6 months from issue": issued on 15 January, valid through 14 July.
            Some(issued) => issued
                .checked_add_months(Months::new(months))
                .and_then(|d| d.checked_sub_days(Days::new(1)))
                .map_or(Expiry::Never, Expiry::After),
            None => Expiry::Unknown,
        },
        ValidityRule::DateOnPaper => Expiry::Unknown,
    }
}

/// Whether a record in `status` with this expiry may be relied on on `on`.
pub fn is_valid_on(status: RecordStatus, expiry: Expiry, on: NaiveDate) -> bool {
    status == RecordStatus::Certified
        && match expiry {
            Expiry::Never => true,
            Expiry::After(last) => on <= last,
            Expiry::Unknown => false,
        }
}

/// A procedure's demand that a paper be recent: issued within `days` before `on`.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    pub days: u32,
}

impl Freshness {
    /// A paper with no issue date cannot show that it is fresh.
    pub fn is_met(self, issued_on: Option<NaiveDate>, on: NaiveDate) -> bool {
        let Some(issued) = issued_on else {
            return false;
        };
        on.checked_sub_days(Days::new(self.days as u64))
            .is_none_or(|earliest| issued >= earliest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordStatus::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dates(issued: Option<&str>, until: Option<&str>, permanent: bool) -> PaperDates {
        PaperDates {
            permanent,
            issued_on: issued.map(day),
            valid_until: until.map(day),
        }
    }

    #[test]
    fn a_paper_is_valid_through_its_last_day_and_not_after() {
        let e = expiry(
            ValidityRule::DateOnPaper,
            dates(None, Some("2027-01-31"), false),
        );
        assert!(is_valid_on(Certified, e, day("2027-01-31")));
        assert!(!is_valid_on(Certified, e, day("2027-02-01")));
    }

    #[test]
    fn six_months_from_issue_ends_the_day_before_the_same_date_six_months_on() {
        let rule = ValidityRule::MonthsFromIssue { months: 6 };
        let e = expiry(rule, dates(Some("2026-01-15"), None, false));
        assert_eq!(e, Expiry::After(day("2026-07-14")));
        assert!(is_valid_on(Certified, e, day("2026-07-14")));
        assert!(!is_valid_on(Certified, e, day("2026-07-15")));
    }

    #[test]
    fn a_rule_that_needs_a_missing_date_cannot_be_relied_on() {
        let rule = ValidityRule::MonthsFromIssue { months: 12 };
        assert_eq!(expiry(rule, dates(None, None, false)), Expiry::Unknown);
        assert_eq!(
            expiry(ValidityRule::DateOnPaper, dates(None, None, false)),
            Expiry::Unknown
        );
        assert!(!is_valid_on(Certified, Expiry::Unknown, day("2026-01-01")));
    }

    #[test]
    fn permanent_papers_and_no_expiry_kinds_never_expire() {
        let e = expiry(ValidityRule::DateOnPaper, dates(None, None, true));
        assert!(is_valid_on(Certified, e, day("2099-12-31")));
        let e = expiry(
            ValidityRule::NoExpiry,
            dates(Some("1990-03-15"), None, false),
        );
        assert!(is_valid_on(Certified, e, day("2099-12-31")));
    }

    #[test]
    fn only_certified_records_are_valid() {
        for status in [
            PendingReview,
            Processing,
            Rejected,
            Failed,
            Revoked,
            Superseded,
        ] {
            assert!(
                !is_valid_on(status, Expiry::Never, day("2026-01-01")),
                "{status}"
            );
        }
    }

    #[test]
    fn freshness_counts_days_back_from_the_date_asked_about() {
        let within = Freshness { days: 180 };
        let on = day("2026-11-23");
        assert!(within.is_met(Some(day("2026-05-27")), on));
        assert!(!within.is_met(Some(day("2026-05-26")), on));
        assert!(!within.is_met(None, on));
    }

    #[test]
    fn rules_round_trip_through_their_stored_form() {
        for rule in [
            ValidityRule::NoExpiry,
            ValidityRule::MonthsFromIssue { months: 6 },
            ValidityRule::DateOnPaper,
        ] {
            let (name, months) = rule.to_parts();
            assert_eq!(ValidityRule::from_parts(name, months), Some(rule));
        }
        assert_eq!(ValidityRule::from_parts("months_from_issue", None), None);
    }
}
