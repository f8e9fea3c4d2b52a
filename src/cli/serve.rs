//! `sohoa serve`, `sohoa worker`, `sohoa migrate`: running the service, and
//! the one thing every run needs first — single-threaded OpenMP.

use std::process::ExitCode;

use anyhow::Context;

use crate::config::{PLACEHOLDER_AGENCY_ID, Settings};
use crate::startup::{self, Application, Services};

/// Serves HTTP, with job workers unless `workers` is false.
pub async fn serve(settings: Settings, workers: bool) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    log_backends(&services);
    let app = Application::build(services, workers).await?;
    // Tests and scripts read this line to find the port.
    println!("sohoa listening on http://{}", app.address());
    tracing::info!(address = %app.address(), "listening");
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

/// Runs job workers only, until SIGINT or SIGTERM.
pub async fn worker(settings: Settings) -> anyhow::Result<ExitCode> {
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

/// Applies the database migrations (opening the stores does) and exits.
pub async fn migrate(settings: Settings) -> anyhow::Result<ExitCode> {
    let services = Services::open(settings).await?;
    log_backends(&services);
    println!("Database schema is up to date.");
    Ok(ExitCode::SUCCESS)
}

fn log_backends(services: &Services) {
    if services.settings.agency_id.is_empty() {
        tracing::warn!(
            placeholder = PLACEHOLDER_AGENCY_ID,
            "SOHOA_AGENCY_ID is not set: dossier codes use a placeholder agency ID; set it to this agency's electronic ID (NNN.NN.NN.XNN)"
        );
    }
    tracing::info!(
        database = %startup::redact_url(&services.settings.database_url()),
        blobs = %services.settings.blob_url(),
        "stores open"
    );
}

/// libtesseract's OpenMP runtime reads `OMP_THREAD_LIMIT` when the library
/// loads, before `main`. Unless it is already 1, set it and replace this
/// process with a fresh copy of itself, so every engine is single-threaded
/// whatever the operator's environment. glibc's `MALLOC_ARENA_MAX` is set to
/// 2 on the way unless the operator set it: with an arena per blocking
/// thread, memory freed after decoding an upload's page stays with that
/// thread's arena, and 50 uploads at once peaked at 441 MB instead of 186.
pub fn ensure_single_threaded_openmp() {
    use std::os::unix::process::CommandExt;
    let (name, value) = crate::reading::SINGLE_THREAD_ENV;
    let omp_set = std::env::var_os(name).is_some_and(|v| v == value);
    let arenas_set = std::env::var_os(MALLOC_ARENAS.0).is_some();
    if omp_set && arenas_set {
        return;
    }
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        std::env::set_var(name, value);
        if !arenas_set {
            std::env::set_var(MALLOC_ARENAS.0, MALLOC_ARENAS.1);
        }
    }
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| "sohoa".into());
    let err = std::process::Command::new("/proc/self/exe")
        .arg0(argv0)
        .args(args)
        .exec();
    eprintln!("warning: could not restart with {name}={value} ({err}); OCR will be much slower");
}

/// glibc's bound on malloc arenas, set for the process unless already set.
const MALLOC_ARENAS: (&str, &str) = ("MALLOC_ARENA_MAX", "2");
