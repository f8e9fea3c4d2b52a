//! `sohoa audit verify`: recompute the access ledger's whole hash chain.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::startup::Services;

#[derive(Subcommand)]
pub enum Command {
    /// Recompute the whole hash chain of the access ledger; exits 1 and names
    /// the first broken entry when an entry was changed, removed or inserted.
    Verify,
}

pub async fn run(settings: Settings, command: Command) -> anyhow::Result<ExitCode> {
    let Command::Verify = command;
    let services = Services::open(settings).await?;
    let report = crate::ledger::verify_chain(services.repo.as_ref()).await?;
    Ok(match report.result {
        Ok(()) => {
            println!(
                "The access ledger is intact: {} entries, each chained to the one before.",
                report.entries
            );
            ExitCode::SUCCESS
        }
        Err(broken) => {
            println!(
                "The access ledger is BROKEN after {} good entries: {broken}.",
                report.entries
            );
            ExitCode::FAILURE
        }
    })
}
