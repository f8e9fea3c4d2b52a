//! The `sohoa` command: parses the command line and dispatches. Everything it
//! runs lives in the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use sohoa::config::{FlagOverrides, Settings};
use sohoa::domain::Role;
use sohoa::http::auth;
use sohoa::http::views::UploadView;
use sohoa::intake::{UploadMeta, UploadedFile};
use sohoa::startup::{self, Application, Services};

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
        command: KeysCommand,
    },
    /// Scan files in from the command line, wait for OCR, print the record as JSON.
    Ingest {
        /// Owner: personal ID number or tax code.
        #[arg(long)]
        subject: String,
        /// Document kind code, e.g. birth_certificate.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        dossier_code: Option<String>,
        #[arg(long)]
        procedure_code: Option<String>,
        #[arg(long)]
        document_number: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        issued_on: Option<chrono::NaiveDate>,
        /// YYYY-MM-DD
        #[arg(long)]
        valid_until: Option<chrono::NaiveDate>,
        #[arg(long)]
        officer: Option<String>,
        /// The paper never expires (not with --valid-until).
        #[arg(long)]
        permanent: bool,
        /// The agency that issued the paper, as printed on it.
        #[arg(long)]
        issuing_agency: Option<String>,
        /// Who signed the paper.
        #[arg(long)]
        signer: Option<String>,
        /// Result type code, e.g. KQ.G15.000031.
        #[arg(long)]
        result_code: Option<String>,
        /// Where the paper is valid, e.g. "toàn quốc".
        #[arg(long)]
        scope: Option<String>,
        /// The owner's name as printed on the paper.
        #[arg(long)]
        owner_name: Option<String>,
        /// Paper size for files that state no resolution: A4 (default), A5 or ID1.
        #[arg(long, value_parser = parse_paper)]
        paper: Option<sohoa::intake::quality::Paper>,
        /// Page files (PNG, JPEG, TIFF, scanner PDF), in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
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
        command: AuditCommand,
    },
    /// Manage the agency's key that signs digitisation certificates.
    SigningKey {
        #[command(subcommand)]
        command: SigningKeyCommand,
    },
    /// Apply database migrations and exit (instances also do it at start).
    Migrate,
    /// Print the effective configuration.
    Config,
}

#[derive(Subcommand)]
enum KeysCommand {
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

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the whole hash chain of the access ledger; exits 1 and names
    /// the first broken entry when an entry was changed, removed or inserted.
    Verify,
}

#[derive(Subcommand)]
enum SigningKeyCommand {
    /// List the published public keys (the JWKS), marking this instance's current one.
    List,
    /// Retire the current key (kept, and still published, so old certificates
    /// verify) and make a new one. Restart running instances to sign with it.
    Rotate,
}

fn parse_paper(text: &str) -> Result<sohoa::intake::quality::Paper, String> {
    serde_json::from_value(serde_json::Value::String(text.to_uppercase()))
        .map_err(|_| format!("unknown paper size {text:?}; use A4, A5 or ID1"))
}

fn main() -> ExitCode {
    ensure_single_threaded_openmp();
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

/// libtesseract's OpenMP runtime reads `OMP_THREAD_LIMIT` when the library
/// loads, before `main`. Unless it is already 1, set it and replace this
/// process with a fresh copy of itself, so every engine is single-threaded
/// whatever the operator's environment.
fn ensure_single_threaded_openmp() {
    use std::os::unix::process::CommandExt;
    let (name, value) = sohoa::ocr::SINGLE_THREAD_ENV;
    if std::env::var_os(name).is_some_and(|v| v == value) {
        return;
    }
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe { std::env::set_var(name, value) };
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| "sohoa".into());
    let err = std::process::Command::new("/proc/self/exe")
        .arg0(argv0)
        .args(args)
        .exec();
    eprintln!("warning: could not restart with {name}={value} ({err}); OCR will be much slower");
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
        Command::Migrate => {
            let services = Services::open(settings).await?;
            log_backends(&services);
            println!("Database schema is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { no_workers, .. } => serve(settings, !no_workers).await,
        Command::Verify { file, json, server } => {
            verify(settings, &file, json, server.as_deref()).await
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let services = Services::open(settings).await?;
            let report = sohoa::ledger::verify_chain(services.repo.as_ref()).await?;
            match report.result {
                Ok(()) => {
                    println!(
                        "The access ledger is intact: {} entries, each chained to the one before.",
                        report.entries
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    println!(
                        "The access ledger is BROKEN after {} good entries: {broken}.",
                        report.entries
                    );
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::SigningKey { command } => {
            let services = Services::open(settings).await?;
            let current = match command {
                SigningKeyCommand::List => services.signer().await?,
                SigningKeyCommand::Rotate => {
                    let old = services.signer().await?;
                    let dir = services.settings.signing_key_dir();
                    let new = sohoa::signing::AgencySigner::rotate(&dir)?;
                    services
                        .repo
                        .publish_signing_key(&new.published(services.settings.agency().as_str()))
                        .await?;
                    println!(
                        "Retired key {} (kept in {}); new key {} is published. Restart running instances to sign with it.",
                        old.kid(),
                        dir.join("retired").display(),
                        new.kid()
                    );
                    new
                }
            };
            println!("{:<45} {:<16} {:<20} current", "kid", "agency", "created");
            for key in services.repo.signing_keys().await? {
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
        Command::Worker => worker(settings).await,
        Command::Keys {
            command: KeysCommand::Create { name, role },
        } => {
            let name = name.trim();
            anyhow::ensure!(!name.is_empty(), "the key needs a name (--name)");
            let services = Services::open(settings).await?;
            let key = auth::generate_key();
            services
                .repo
                .create_api_key(name, role, &auth::hash_key(&key))
                .await?;
            println!("Created API key {name:?} with role {role}. It is shown only this once:");
            println!("{key}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::List,
        } => {
            let services = Services::open(settings).await?;
            println!("{:<24} {:<8} {:<20} revoked", "name", "role", "created");
            for key in services.repo.list_api_keys().await? {
                let date =
                    |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M").to_string();
                println!(
                    "{:<24} {:<8} {:<20} {}",
                    key.name,
                    key.role,
                    date(key.created_at),
                    key.revoked_at.map(date).unwrap_or_else(|| "-".into())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Keys {
            command: KeysCommand::Revoke { name },
        } => {
            let services = Services::open(settings).await?;
            anyhow::ensure!(
                services.repo.revoke_api_key(name.trim()).await?,
                "there is no live key named {name:?} (see `sohoa keys list`)"
            );
            println!("Revoked API key {name:?}.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest {
            subject,
            kind,
            dossier_code,
            procedure_code,
            document_number,
            issued_on,
            valid_until,
            officer,
            permanent,
            issuing_agency,
            signer,
            result_code,
            scope,
            owner_name,
            paper,
            files,
        } => {
            let meta = UploadMeta {
                paper,
                subject_id: subject,
                kind,
                dossier_code,
                procedure_code,
                document_number,
                issued_on,
                valid_until,
                officer,
                permanent: Some(permanent),
                issuing_agency,
                signer,
                result_code,
                scope,
                owner_name,
            };
            ingest(settings, meta, files).await
        }
    }
}

async fn serve(settings: Settings, workers: bool) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    log_backends(&services);
    let app = Application::build(services, workers).await?;
    // Tests and scripts read this line to find the port.
    println!("sohoa listening on http://{}", app.address());
    tracing::info!(address = %app.address(), "listening");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

async fn worker(settings: Settings) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    log_backends(&services);
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let signer = std::sync::Arc::new(services.signer().await?);
    let handles = startup::start_workers(&services, stop_rx, signer).await?;
    tokio::signal::ctrl_c()
        .await
        .context("waiting for a shutdown signal")?;
    tracing::info!("stopping workers");
    startup::stop_workers(stop, handles).await;
    Ok(ExitCode::SUCCESS)
}

fn log_backends(services: &Services) {
    if services.settings.agency_id.is_empty() {
        tracing::warn!(
            placeholder = sohoa::config::PLACEHOLDER_AGENCY_ID,
            "SOHOA_AGENCY_ID is not set: dossier codes use a placeholder agency ID; set it to this agency's electronic ID (NNN.NN.NN.XNN)"
        );
    }
    tracing::info!(
        database = %startup::redact_url(&services.settings.database_url()),
        blobs = %services.settings.blob_url(),
        "stores open"
    );
}

async fn verify(
    settings: Settings,
    file: &std::path::Path,
    json: bool,
    server: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let digest = sohoa::domain::Sha256Digest::of(&bytes);
    let verdict = match server {
        Some(url) => verify_remotely(url, &digest).await?,
        None => {
            let services = Services::open(settings).await?;
            sohoa::verification::verify(services.repo.as_ref(), &digest).await?
        }
    };
    let ok = verdict
        .as_ref()
        .is_some_and(|v| v.signature == sohoa::certificate::SignatureStatus::Valid);
    if json {
        let answer = sohoa::verification::VerifyAnswer::from(verdict);
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    println!("SHA-256:   {}", digest.to_hex());
    let Some(v) = verdict else {
        println!("No match:  this file is not, byte for byte, a page or PDF of any record here.");
        return Ok(ExitCode::FAILURE);
    };
    let what = match v.matched_as {
        sohoa::verification::MatchedAs::Page => "an original page",
        sohoa::verification::MatchedAs::Pdf => "the searchable PDF",
    };
    println!("Match:     {what} of record {}", v.record_id);
    println!("Kind:      {} ({})", v.kind_label, v.kind.code());
    if let Some(agency) = &v.issuing_agency {
        println!("Issued by: {agency}");
    }
    println!("Status:    {}", v.status);
    let until = match (v.permanent, v.valid_until) {
        (true, _) => " (permanent)".to_owned(),
        (false, Some(d)) => format!(" (until {d})"),
        _ => String::new(),
    };
    println!("Valid:     {}{until}", if v.valid { "yes" } else { "no" });
    let signature = match v.signature {
        sohoa::certificate::SignatureStatus::Valid => format!(
            "verifies (agency {})",
            v.certified_by.as_deref().unwrap_or("?")
        ),
        sohoa::certificate::SignatureStatus::Invalid => "DOES NOT VERIFY".to_owned(),
        sohoa::certificate::SignatureStatus::Absent => "none yet (not certified)".to_owned(),
    };
    println!("Signature: {signature}");
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks a server's public `POST /v1/verify` about a digest.
async fn verify_remotely(
    url: &str,
    digest: &sohoa::domain::Sha256Digest,
) -> anyhow::Result<Option<sohoa::verification::Verdict>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let endpoint = format!("{}/v1/verify", url.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&endpoint)
        .header("Content-Type", "application/json")
        .body(serde_json::json!({ "sha256": digest.to_hex() }).to_string())
        .send()
        .await
        .with_context(|| format!("asking {endpoint}"))?;
    let status = response.status();
    let body = response.text().await.context("reading the answer")?;
    anyhow::ensure!(status.is_success(), "{endpoint} answered {status}: {body}");
    let answer: serde_json::Value =
        serde_json::from_str(&body).with_context(|| format!("{endpoint} answered {body}"))?;
    if answer["match"] != serde_json::Value::Bool(true) {
        return Ok(None);
    }
    let verdict =
        serde_json::from_value(answer).with_context(|| format!("{endpoint} answered {body}"))?;
    Ok(Some(verdict))
}

async fn ingest(
    settings: Settings,
    meta: UploadMeta,
    paths: Vec<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let mut files = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files.push(UploadedFile::new(bytes.into()));
    }
    let services = Services::open(settings).await?;
    let submitted = services
        .intake()
        .submit(meta, files, "cli", sohoa::storage::db::Origin::Scanned)
        .await?;
    for dropped in &submitted.dropped_blank_pages {
        eprintln!(
            "File {}, page {} is blank and was left out.",
            dropped.file, dropped.file_page
        );
    }
    let record_id = submitted.record.id.clone();
    if submitted.duplicate {
        eprintln!("These pages are already on file as record {record_id}; nothing new was stored.");
    } else {
        let bars = indicatif::MultiProgress::new();
        if !std::io::stderr().is_terminal() {
            bars.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        let style = indicatif::ProgressStyle::with_template("{spinner} page {prefix}: {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        let page_bars: Vec<indicatif::ProgressBar> = submitted
            .record
            .pages
            .iter()
            .map(|p| {
                let bar = bars.add(indicatif::ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(p.n.to_string());
                bar.set_message("recognising text…");
                bar.enable_steady_tick(std::time::Duration::from_millis(120));
                bar
            })
            .collect();
        let done_bars = page_bars.clone();
        let ocr = services.ocr_pool();
        ocr.warm_up()
            .await
            .context("starting OCR (is tesseract-ocr-vie installed?)")?;
        let count = ocr.size();
        sohoa::jobs::run_record(
            services.job_context(ocr, None),
            &record_id,
            count,
            move |n| {
                if let Some(bar) = done_bars.get(n as usize - 1) {
                    bar.finish_with_message("done");
                }
            },
        )
        .await;
        for bar in page_bars {
            bar.finish_and_clear();
        }
    }
    let record = services
        .repo
        .record(&record_id)
        .await?
        .context("the record vanished")?;
    let failed = record.status == sohoa::domain::RecordStatus::Failed;
    let view = UploadView {
        record: record.into(),
        duplicate: submitted.duplicate,
        quality: sohoa::http::views::UploadQuality {
            dropped_blank_pages: submitted.dropped_blank_pages,
        },
    };
    println!("{}", serde_json::to_string_pretty(&view)?);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
