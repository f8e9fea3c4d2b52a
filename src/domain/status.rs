//! A record's life: scanned and processing, awaiting the officer's check, then
//! certified or rejected; a certified result can later be revoked or superseded.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Stored; OCR and rendition are running.
    Processing,
    /// Processed; awaiting the officer's comparison with the original.
    PendingReview,
    /// Checked and signed: a digitisation result that may be reused.
    Certified,
    /// The officer found the scan does not match the original.
    Rejected,
    /// Processing failed; the reason is on the record.
    Failed,
    /// Withdrawn by its issuer; kept for look-up, never reused.
    Revoked,
    /// Replaced by a newer record; kept for look-up, never reused.
    Superseded,
}

impl RecordStatus {
    /// How the desk and the citizen's page say it.
    pub fn label_vi(self) -> &'static str {
        match self {
            RecordStatus::Processing => "Đang xử lý",
            RecordStatus::PendingReview => "Chờ cán bộ đối chiếu",
            RecordStatus::Certified => "Đã số hóa và ký xác nhận",
            RecordStatus::Rejected => "Không đạt",
            RecordStatus::Failed => "Lỗi xử lý",
            RecordStatus::Revoked => "Đã bị thu hồi",
            RecordStatus::Superseded => "Đã được thay thế",
        }
    }

    pub const ALL: [RecordStatus; 7] = [
        RecordStatus::Processing,
        RecordStatus::PendingReview,
        RecordStatus::Certified,
        RecordStatus::Rejected,
        RecordStatus::Failed,
        RecordStatus::Revoked,
        RecordStatus::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordStatus::Processing => "processing",
            RecordStatus::PendingReview => "pending_review",
            RecordStatus::Certified => "certified",
            RecordStatus::Rejected => "rejected",
            RecordStatus::Failed => "failed",
            RecordStatus::Revoked => "revoked",
            RecordStatus::Superseded => "superseded",
        }
    }

    /// Records that still stand for their paper: a failed, rejected, revoked
    /// or superseded record no longer does (the same files may be recorded
    /// again, and it is never reused).
    pub const LIVE: [RecordStatus; 3] = [
        RecordStatus::Processing,
        RecordStatus::PendingReview,
        RecordStatus::Certified,
    ];

    pub fn is_live(self) -> bool {
        Self::LIVE.contains(&self)
    }

    /// Whether a record may move from `self` to `next` by an officer's or an
    /// issuer's decision, or when its processing ends. (A result registered by
    /// its issuer goes from `processing` to `certified` in one step: see
    /// [`Origin::digitised_status`](super::record::Origin::digitised_status).)
    pub fn can_become(self, next: RecordStatus) -> bool {
        use RecordStatus::*;
        matches!(
            (self, next),
            (Processing, PendingReview)
                | (Processing, Failed)
                | (PendingReview, Certified)
                | (PendingReview, Rejected)
                | (Certified, Revoked)
                | (Certified, Superseded)
        )
    }
}

impl fmt::Display for RecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RecordStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown record status {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::RecordStatus::*;
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        for st in RecordStatus::ALL {
            assert_eq!(st.as_str().parse::<RecordStatus>(), Ok(st));
        }
    }

    #[test]
    fn only_the_documented_transitions_are_allowed() {
        assert!(Processing.can_become(PendingReview));
        assert!(PendingReview.can_become(Certified));
        assert!(Certified.can_become(Revoked));
        assert!(!Processing.can_become(Certified));
        assert!(!Rejected.can_become(Certified));
        assert!(!Revoked.can_become(Certified));
        assert!(!Failed.can_become(PendingReview));
    }

    #[test]
    fn failed_rejected_and_withdrawn_records_are_not_live() {
        for st in RecordStatus::ALL {
            let live = !matches!(st, Failed | Rejected | Revoked | Superseded);
            assert_eq!(st.is_live(), live, "{st}");
        }
    }
}
