//! The slow work behind an upload, as the durable job queue names it.

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Read one page (`page_n`) and encode its image for the PDF.
    ReadPage,
    /// Once every page is read: write the searchable PDF from the pages'
    /// parts, and move the record on (certifying a result its issuer
    /// registered).
    Assemble,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::ReadPage => "read_page",
            JobKind::Assemble => "assemble",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read_page" => Some(JobKind::ReadPage),
            "assemble" => Some(JobKind::Assemble),
            _ => None,
        }
    }
}

/// How far apart in time the pages of one record are queued: page `k` of a
/// record uploaded at `t` is due at `t + (k - 1) × PAGE_SPACING` in the
/// claim order. A record's pages spread over every engine while a page of a
/// record uploaded later still goes before the long record's later pages.
pub const PAGE_SPACING: std::time::Duration = std::time::Duration::from_millis(1000);

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    /// Waiting to run (again) once its `run_after` is due.
    Queued,
    /// Claimed by a worker holding its lease.
    Running,
    Done,
    /// Given up; its record is failed with the reason.
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }
}

/// A job a worker has claimed and holds the lease of.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    /// The stored name, when it is a kind this build does not know (a newer
    /// instance queued it).
    pub kind: Result<JobKind, String>,
    pub record_id: String,
    pub page_n: Option<u32>,
    /// Including the current one.
    pub attempts: u32,
    pub max_attempts: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_kinds_round_trip_and_unknown_ones_are_none() {
        for kind in [JobKind::ReadPage, JobKind::Assemble] {
            assert_eq!(JobKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(JobKind::parse("digitise"), None);
    }
}
