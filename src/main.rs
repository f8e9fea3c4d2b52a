//! The `sohoa` command: parses the command line and dispatches to
//! `sohoa::cli`. Everything it runs lives in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use sohoa::cli;
use sohoa::config::{FlagOverrides, Settings};

#[derive(Parser)]
#[command(
    name = "sohoa",
    version,
    about = "Digitise, store and reuse citizens' papers at one-stop-shop counters"
)]
struct Cli {
    /// Configuration file (TOML). Default: ./sohoa.toml when it exists.
    #[arg(long, global = true, env = "SOHOA_CONFIG")]
    config: Option<PathBuf>,
    /// Folder for the embedded database and blobs (SOHOA_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once per run: the size of the largest variant (ingest's fields) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API and run job workers.
    Serve {
        /// Address to listen on (SOHOA_LISTEN), e.g. 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Serve HTTP only; run `sohoa worker` elsewhere for OCR.
        #[arg(long)]
        no_workers: bool,
    },
    /// Run job workers only (no HTTP).
    Worker,
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: cli::keys::Command,
    },
    /// Manage officers' accounts for the desk (/desk/).
    Officers {
        #[command(subcommand)]
        command: cli::officers::Command,
    },
    /// Scan files in from the command line, wait for OCR, print the record as JSON.
    Ingest(cli::ingest::Args),
    /// Check a file (a page as scanned, or a record's PDF) against the
    /// records: kind, issuing agency, status, validity, signature. Exits 0
    /// when it matches a record whose signature verifies, 1 otherwise.
    Verify {
        /// The file to check.
        file: PathBuf,
        /// Print the answer as JSON (the same as POST /v1/verify).
        #[arg(long)]
        json: bool,
        /// Ask a sohoa server's public POST /v1/verify (e.g.
        /// https://sohoa.hanoi.gov.vn) instead of the local stores; only the
        /// file's SHA-256 is sent.
        #[arg(long)]
        server: Option<String>,
    },
    /// Check the access ledger.
    Audit {
        #[command(subcommand)]
        command: cli::audit::Command,
    },
    /// Manage the agency's key that signs digitisation certificates.
    SigningKey {
        #[command(subcommand)]
        command: cli::signing_key::Command,
    },
    /// Re-read every stored original and rendition and check its SHA-256;
    /// exits 1 naming the records of any file missing or changed.
    Scrub,
    /// Remove stored files no record names (left by uploads that failed
    /// part-way), once older than the grace period.
    Gc {
        /// Spare files written less than this many hours ago (an upload in
        /// flight has written its files but not yet its record).
        #[arg(long, default_value_t = 24)]
        grace_hours: u32,
        /// List what would be removed, and remove nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Rebuild the search index from every record's stored text and
    /// particulars (and, with --suggestions, read the particulars off the
    /// text again first, by the current rules).
    Reindex {
        /// Also re-read each record's suggested particulars.
        #[arg(long)]
        suggestions: bool,
    },
    /// Apply database migrations and exit (instances also do it at start).
    Migrate,
    /// Print the effective configuration.
    Config,
}

fn main() -> ExitCode {
    cli::serve::ensure_single_threaded_openmp();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let settings = Settings::load(
        cli.config.as_deref(),
        FlagOverrides {
            listen,
            data_dir: cli.data_dir.clone(),
        },
    )?;
    sohoa::telemetry::init(&settings);
    match cli.command {
        Command::Config => {
            print!("{}", settings.to_toml());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => cli::serve::migrate(settings).await,
        Command::Serve { no_workers, .. } => cli::serve::serve(settings, !no_workers).await,
        Command::Worker => cli::serve::worker(settings).await,
        Command::Verify { file, json, server } => {
            cli::verify::run(settings, &file, json, server.as_deref()).await
        }
        Command::Audit { command } => cli::audit::run(settings, command).await,
        Command::SigningKey { command } => cli::signing_key::run(settings, command).await,
        Command::Keys { command } => cli::keys::run(settings, command).await,
        Command::Officers { command } => cli::officers::run(settings, command).await,
        Command::Ingest(args) => cli::ingest::run(settings, args).await,
        Command::Scrub => cli::upkeep::scrub(settings).await,
        Command::Reindex { suggestions } => cli::upkeep::reindex(settings, suggestions).await,
        Command::Gc {
            grace_hours,
            dry_run,
        } => cli::upkeep::gc(settings, grace_hours, dry_run).await,
    }
}
