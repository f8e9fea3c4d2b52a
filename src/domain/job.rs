//! The slow work behind an upload, as the durable job queue names it.

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Recognise every page of a record and write its searchable PDF.
    Digitise,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Digitise => "digitise",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "digitise" => Some(JobKind::Digitise),
            _ => None,
        }
    }
}

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
        assert_eq!(
            JobKind::parse(JobKind::Digitise.as_str()),
            Some(JobKind::Digitise)
        );
        assert_eq!(JobKind::parse("ocr_page"), None);
    }
}
