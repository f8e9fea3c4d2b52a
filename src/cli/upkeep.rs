//! `sohoa scrub` and `sohoa gc`: re-read every stored file against its
//! SHA-256; remove blobs no record names.

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
