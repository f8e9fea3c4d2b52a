//! `sohoa officers create|list|disable|reset-password`: the accounts counter
//! officers sign in to the desk (`/desk/`) with. A password is read from
//! standard input (one line), or generated and printed once when standard
//! input is a terminal left empty or `--generate` is given.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use clap::Subcommand;

use crate::config::Settings;
use crate::domain::Role;
use crate::ops::officers;
use crate::startup::Services;

#[derive(Subcommand)]
pub enum Command {
    /// Create an account; the password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        /// As the desk shows it, e.g. "Nguyễn Thị Lan".
        #[arg(long)]
        full_name: String,
        /// intake, issuer, auditor or admin.
        #[arg(long)]
        role: Role,
        /// Generate a password and print it once, instead of reading one.
        #[arg(long)]
        generate: bool,
    },
    /// List accounts (usernames, names, roles, dates; never passwords).
    List,
    /// Disable an account: its sessions end at once and it cannot sign in.
    Disable {
        #[arg(long)]
        username: String,
    },
    /// Set a new password (read from standard input) and lift any lock.
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long)]
        generate: bool,
    },
}

/// The password to set, and whether it was generated (so is to be shown).
fn password(generate: bool) -> anyhow::Result<(String, bool)> {
    let stdin = std::io::stdin();
    if generate || stdin.is_terminal() {
        return Ok((officers::generate_password(), true));
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let line = line.trim_end_matches(['\r', '\n']).to_owned();
    if line.is_empty() {
        Ok((officers::generate_password(), true))
    } else {
        Ok((line, false))
    }
}

pub async fn run(settings: Settings, command: Command) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    let repo = services.repo.as_ref();
    match command {
        Command::Create {
            username,
            full_name,
            role,
            generate,
        } => {
            let (password, shown) = password(generate)?;
            let officer = officers::create(repo, &username, &full_name, role, &password).await?;
            println!(
                "Created officer {} ({}) with role {}.",
                officer.username, officer.full_name, officer.role
            );
            if shown {
                println!("Password, shown only this once:");
                println!("{password}");
            }
        }
        Command::List => {
            println!(
                "{:<20} {:<28} {:<8} {:<17} disabled",
                "username", "full name", "role", "created"
            );
            let date = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
            for o in repo.officers().await? {
                println!(
                    "{:<20} {:<28} {:<8} {:<17} {}",
                    o.username,
                    o.full_name,
                    o.role,
                    date(o.created_at),
                    o.disabled_at.map(date).unwrap_or_else(|| "-".into())
                );
            }
        }
        Command::Disable { username } => {
            officers::disable(repo, &username).await?;
            println!("Disabled officer {}.", username.trim().to_ascii_lowercase());
        }
        Command::ResetPassword { username, generate } => {
            let (password, shown) = password(generate)?;
            officers::reset_password(repo, &username, &password).await?;
            println!(
                "New password set for {}.",
                username.trim().to_ascii_lowercase()
            );
            if shown {
                println!("Password, shown only this once:");
                println!("{password}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
