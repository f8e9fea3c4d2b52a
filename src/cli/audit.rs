//! `sohoa audit verify|checkpoint|archive`: check the whole access ledger,
//! sign a checkpoint now, move old entries to the blob store.

use std::process::ExitCode;

use chrono::{Duration, Utc};
use clap::Subcommand;

use crate::config::Settings;
use crate::ledger::{archive, checkpoint, verify};
use crate::startup::Services;

#[derive(Subcommand)]
pub enum Command {
    /// Walk every subject's hash chain, check every signed checkpoint and
    /// archive segment; exits 1 naming each break (and the first checkpoint
    /// a rewrite breaks) when an entry was changed, removed or inserted.
    Verify,
    /// Sign a checkpoint over every chain's head now, even when none moved.
    Checkpoint,
    /// Move entries older than DAYS (default: `ledger_retention_days`) that a
    /// checkpoint already holds to the blob store, as signed segments;
    /// `--older-than-days 0` moves every entry a checkpoint holds.
    Archive {
        #[arg(long = "older-than-days", value_name = "DAYS")]
        days: Option<u32>,
    },
}

pub async fn run(settings: Settings, command: Command) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let repo = services.repo.as_ref();
    let agency = services.settings.agency().clone();
    match command {
        Command::Verify => {
            let report = verify::verify(repo, &services.blobs).await?;
            if report.problems.is_empty() {
                println!(
                    "The access ledger is intact: {} entries in {} subject chains, {} signed checkpoints, {} archive segments{}.",
                    report.entries,
                    report.chains,
                    report.checkpoints,
                    report.segments,
                    if report.legacy_entries > 0 {
                        format!(
                            ", and {} entries of the older single chain",
                            report.legacy_entries
                        )
                    } else {
                        String::new()
                    }
                );
                Ok(ExitCode::SUCCESS)
            } else {
                println!(
                    "The access ledger is BROKEN ({} problems):",
                    report.problems.len()
                );
                for problem in &report.problems {
                    println!("- {problem}");
                }
                Ok(ExitCode::FAILURE)
            }
        }
        Command::Checkpoint => {
            let signer = services.signer().await?;
            let made = checkpoint::make(repo, &services.blobs, &signer, &agency, true).await?;
            let cp = made.expect("a forced checkpoint is always made");
            println!(
                "Checkpoint {} signed: {} leaves, root {}.",
                cp.n, cp.tree_size, cp.root_hash
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Archive { days } => {
            let explicit = days.is_some();
            let days = days.unwrap_or(services.settings.ledger_retention_days);
            if days == 0 && services.settings.ledger_retention_days == 0 && !explicit {
                println!(
                    "Nothing to do: ledger_retention_days is 0 (keep every entry); pass --older-than-days."
                );
                return Ok(ExitCode::SUCCESS);
            }
            let signer = services.signer().await?;
            let cutoff = Utc::now() - Duration::days(i64::from(days));
            let mut moved = 0;
            while let Some(segment) =
                archive::archive(repo, &services.blobs, &signer, &agency, cutoff).await?
            {
                println!(
                    "Archive segment {}: {} entries moved to the blob store.",
                    segment.n, segment.entries
                );
                moved += segment.entries;
            }
            println!("{moved} entries older than {days} days archived.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
