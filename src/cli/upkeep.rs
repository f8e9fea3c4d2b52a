//! `sohoa scrub`, `sohoa gc` and `sohoa reindex`: re-read every stored file
//! against its SHA-256; remove blobs no record names; rebuild the search
//! index (and the suggested particulars) from what is stored.

use std::process::ExitCode;

use crate::config::Settings;
use crate::startup::Services;
use crate::storage::maintenance;

/// Re-reads every original and rendition; exits 1 naming the records of
/// any file missing or changed.
pub async fn scrub(settings: Settings) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let report = maintenance::scrub(services.repo.as_ref(), &services.blobs).await?;
    if report.problems.is_empty() {
        println!("All {} stored files match their SHA-256.", report.checked);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} of {} stored files are missing or changed:",
        report.problems.len(),
        report.checked
    );
    for problem in &report.problems {
        println!("- {problem}");
    }
    Ok(ExitCode::FAILURE)
}

/// Removes blobs no record names, written more than `grace_hours` ago.
pub async fn gc(settings: Settings, grace_hours: u32, dry_run: bool) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let grace = chrono::Duration::hours(i64::from(grace_hours));
    let report = maintenance::gc(services.repo.as_ref(), &services.blobs, grace, dry_run).await?;
    for (folder, digest) in &report.removed {
        println!(
            "{} {folder}/{digest}",
            if dry_run { "would remove" } else { "removed" }
        );
    }
    println!(
        "{} of {} stored files are named by no record and older than {grace_hours} hours{}.",
        report.removed.len(),
        report.examined,
        if dry_run {
            " (dry run: nothing removed)"
        } else {
            "; removed"
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Records reindexed per transaction.
const REINDEX_BATCH: u32 = 500;

/// Rewrites every record's search index row, oldest first, in batches; with
/// `suggestions`, reads each record's particulars off its text again first.
pub async fn reindex(settings: Settings, suggestions: bool) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let repo = services.repo.as_ref();
    let started = std::time::Instant::now();
    let (mut seen, mut written) = (0u64, 0u64);
    let mut after: Option<String> = None;
    loop {
        let ids = repo.record_ids(after.as_deref(), REINDEX_BATCH).await?;
        let Some(last) = ids.last().cloned() else {
            break;
        };
        if suggestions {
            for id in &ids {
                if let Some(record) = repo.record(id).await?
                    && record.status != crate::domain::RecordStatus::Processing
                {
                    let read = crate::jobs::suggestions_of(&record);
                    repo.set_suggestions(id, &read).await?;
                }
            }
        }
        written += repo.reindex(&ids).await?;
        seen += ids.len() as u64;
        after = Some(last);
    }
    repo.optimize().await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Indexed {written} of {seen} records ({} still processing) in {secs:.1} s, {:.0} records/s.",
        seen - written,
        written as f64 / secs.max(1e-9)
    );
    Ok(ExitCode::SUCCESS)
}
