//! `sohoa signing-key list|rotate`: the agency's key that signs
//! digitisation certificates.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::ops::keys;
use crate::startup::Services;

#[derive(Subcommand)]
pub enum Command {
    /// List the published public keys (the JWKS), marking this instance's current one.
    List,
    /// Retire the current key (kept, and still published, so old certificates
    /// verify) and make a new one. Restart running instances to sign with it.
    Rotate,
}

pub async fn run(settings: Settings, command: Command) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let dir = services.settings.signing_key_dir();
    let agency = services.settings.agency();
    let repo = services.repo.as_ref();
    let current = match command {
        Command::List => services.signer().await?,
        Command::Rotate => {
            let (old, new) = keys::rotate_signer(repo, &dir, agency).await?;
            println!(
                "Retired key {old} (kept in {}); new key {} is published. Restart running instances to sign with it.",
                dir.join("retired").display(),
                new.kid()
            );
            new
        }
    };
    println!("{:<45} {:<16} {:<20} current", "kid", "agency", "created");
    for key in repo.signing_keys().await? {
        println!(
            "{:<45} {:<16} {:<20} {}",
            key.kid,
            key.agency_id,
            key.created_at.format("%Y-%m-%d %H:%M"),
            if key.kid == current.kid() { "yes" } else { "" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
