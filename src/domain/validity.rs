//! "Valid on a date", decided in one place for listing, reuse and
//! verification: only a certified record is valid, and only until its end
//! date, unless it is permanent. A paper with no end date stated and not
//! marked permanent has no known expiry and counts as valid (the per-kind
//! validity catalogue refines this).

use chrono::NaiveDate;

use super::RecordStatus;

/// Whether a record in `status`, `permanent` or valid until `valid_until`,
/// may be relied on on the day `on`.
pub fn is_valid_on(
    status: RecordStatus,
    permanent: bool,
    valid_until: Option<NaiveDate>,
    on: NaiveDate,
) -> bool {
    status == RecordStatus::Certified && (permanent || valid_until.is_none_or(|until| on <= until))
}

#[cfg(test)]
mod tests {
    use super::*;
    use RecordStatus::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_certified_paper_is_valid_through_its_last_day_and_not_after() {
        let until = Some(day("2027-01-31"));
        assert!(is_valid_on(Certified, false, until, day("2027-01-31")));
        assert!(!is_valid_on(Certified, false, until, day("2027-02-01")));
    }

    #[test]
    fn a_permanent_paper_never_expires() {
        assert!(is_valid_on(Certified, true, None, day("2099-12-31")));
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
                !is_valid_on(status, true, None, day("2026-01-01")),
                "{status}"
            );
        }
    }
}
