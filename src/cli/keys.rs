//! `sohoa keys create|list|revoke`: the API keys systems call sohoa with.

use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::Role;
use crate::ops::keys;
use crate::startup::Services;

#[derive(Subcommand)]
pub enum Command {
    /// Create a key; the key is printed once, alone on the last line.
    Create {
        #[arg(long)]
        name: String,
        /// admin, intake, reader, issuer or auditor.
        #[arg(long)]
        role: Role,
    },
    /// List keys (names, roles, dates; never the keys themselves).
    List,
    /// Revoke a key by name: it stops working at once.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

pub async fn run(settings: Settings, command: Command) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let repo = services.repo.as_ref();
    match command {
        Command::Create { name, role } => {
            let (stored, key) = keys::create(repo, &name, role).await?;
            println!(
                "Created API key {:?} with role {role}. It is shown only this once:",
                stored.name
            );
            println!("{key}");
        }
        Command::List => {
            println!("{:<24} {:<8} {:<20} revoked", "name", "role", "created");
            let date = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
            for key in repo.list_api_keys().await? {
                println!(
                    "{:<24} {:<8} {:<20} {}",
                    key.name,
                    key.role,
                    date(key.created_at),
                    key.revoked_at.map(date).unwrap_or_else(|| "-".into())
                );
            }
        }
        Command::Revoke { name } => {
            keys::revoke(repo, &name).await?;
            println!("Revoked API key {:?}.", name.trim());
        }
    }
    Ok(ExitCode::SUCCESS)
}
