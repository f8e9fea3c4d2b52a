//! Wiring: opens the database and blob store, builds the HTTP server and the
//! job workers, and runs them until a shutdown signal.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use utoipa_actix_web::AppExt;

use crate::config::Settings;
use crate::http::{self, AppState};
use crate::imaging::decode::Limits;
use crate::jobs::{self, JobContext};
use crate::ledger::Appender;
use crate::ops;
use crate::reading::OcrPool;
use crate::signing::AgencySigner;
use crate::storage::blobs::BlobStore;
use crate::storage::db::{self, Repo};

/// How long shutdown waits for workers to finish the record they are reading.
const WORKER_GRACE: Duration = Duration::from_secs(30);

/// The stores and shared handles every entry point (server, worker, CLI) needs.
#[derive(Clone)]
pub struct Services {
    pub settings: Arc<Settings>,
    pub repo: Arc<dyn Repo>,
    pub blobs: BlobStore,
    pub jobs_queued: Arc<Notify>,
    /// Appends access ledger entries by group commit.
    pub ledger: Appender,
    /// Files the intake gate decodes at once: one per core.
    pub decoding: Arc<tokio::sync::Semaphore>,
}

impl Services {
    /// Opens the configured database (running migrations) and blob store.
    pub async fn open(settings: Settings) -> anyhow::Result<Self> {
        let repo = db::open(&settings.database_url()).await.with_context(|| {
            format!(
                "opening the database {}",
                redact_url(&settings.database_url())
            )
        })?;
        let endpoint = Some(settings.s3_endpoint.as_str()).filter(|e| !e.is_empty());
        let blobs = BlobStore::open(&settings.blob_url(), endpoint)
            .with_context(|| format!("opening the blob store {}", settings.blob_url()))?;
        // SQLite takes one writer at a time; PostgreSQL commits batches of
        // different chains side by side.
        let writers = if settings.database_url().starts_with("sqlite:") {
            1
        } else {
            4
        };
        Ok(Self {
            settings: Arc::new(settings),
            ledger: Appender::start(repo.clone(), writers),
            repo,
            blobs,
            jobs_queued: Arc::new(Notify::new()),
            decoding: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        })
    }

    pub fn limits(&self) -> Limits {
        Limits {
            max_pixels: self.settings.max_page_pixels,
            max_pages: self.settings.max_pages,
        }
    }

    /// What the operations work with, signing with `signer`.
    pub fn context(&self, signer: Arc<AgencySigner>) -> ops::Context {
        ops::Context {
            repo: self.repo.clone(),
            blobs: self.blobs.clone(),
            agency: self.settings.agency().clone(),
            signer,
            intake: ops::intake::Rules {
                limits: self.limits(),
                min_dpi: self.settings.min_dpi,
                max_attempts: self.settings.job_max_attempts,
            },
            jobs_queued: self.jobs_queued.clone(),
            ledger: self.ledger.clone(),
            decoding: self.decoding.clone(),
        }
    }

    /// An OCR pool sized from the settings.
    pub fn ocr_pool(&self) -> OcrPool {
        let tessdata = Some(self.settings.tessdata_dir.clone()).filter(|d| !d.is_empty());
        OcrPool::new(
            self.settings.ocr_workers(),
            &self.settings.ocr_languages,
            tessdata,
            Some(self.settings.models_dir.clone()),
        )
        .with_page_timeout(Duration::from_secs(self.settings.ocr_page_timeout_secs))
    }

    /// The agency's signing key, made on first use, with its public half
    /// published for `GET /v1/signing-keys`.
    pub async fn signer(&self) -> anyhow::Result<AgencySigner> {
        let dir = self.settings.signing_key_dir();
        let (signer, created) = ops::keys::signer(self.repo.as_ref(), &dir, self.settings.agency())
            .await
            .context("loading the signing key and publishing it")?;
        if created {
            tracing::warn!(
                folder = %dir.display(),
                kid = %signer.kid(),
                "made a new agency signing key; back up this folder, and share it between instances or let each keep its own"
            );
        }
        Ok(signer)
    }

    /// What workers need; `signer` certifies results registered by issuers.
    pub fn job_context(&self, ocr: OcrPool, signer: Option<Arc<AgencySigner>>) -> JobContext {
        JobContext {
            repo: self.repo.clone(),
            blobs: self.blobs.clone(),
            ocr,
            limits: self.limits(),
            lease: self.settings.job_lease(),
            jobs_queued: self.jobs_queued.clone(),
            signer,
            agency_id: self.settings.agency().clone(),
            font: Default::default(),
        }
    }
}

/// Hides a password in a database URL before it is logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Starts the job workers, after checking that OCR can start.
pub async fn start_workers(
    services: &Services,
    stop: watch::Receiver<bool>,
    signer: Arc<AgencySigner>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let ocr = services.ocr_pool();
    ocr.warm_up()
        .await
        .context("starting OCR (is tesseract-ocr-vie installed, and were the models fetched?)")?;
    tracing::info!(
        engines = ocr.size(),
        languages = %services.settings.ocr_languages,
        omp_thread_limit = %std::env::var("OMP_THREAD_LIMIT").unwrap_or_default(),
        "OCR workers started"
    );
    let count = ocr.size();
    Ok(jobs::spawn_workers(
        services.job_context(ocr, Some(signer)),
        count,
        stop,
    ))
}

pub struct Application {
    server: actix_web::dev::Server,
    address: SocketAddr,
    workers: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and, with `workers`, starts
    /// the job workers. Nothing is served until [`Application::run_until_stopped`].
    pub async fn build(services: Services, workers: bool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&services.settings.listen)
            .with_context(|| format!("binding {}", services.settings.listen))?;
        let address = listener.local_addr()?;
        let (stop, stop_rx) = watch::channel(false);
        let signer = Arc::new(services.signer().await?);
        tracing::info!(kid = %signer.kid(), "signing digitisation certificates");
        let mut tasks = ledger_tasks(&services, &signer, &stop_rx);
        let workers = if workers {
            start_workers(&services, stop_rx, signer.clone()).await?
        } else {
            tracing::info!("running without workers: OCR jobs wait for a `sohoa worker`");
            Vec::new()
        };
        tasks.extend(workers);
        let workers = tasks;
        let openapi = http::openapi::document_json().context("building the OpenAPI document")?;
        let state = web::Data::new(AppState {
            cx: services.context(signer),
            settings: services.settings.clone(),
            verify_limiter: http::VerifyLimiter::new(services.settings.verify_per_minute),
            spool: crate::storage::spool::Spool::open(&services.settings.spool_dir())
                .with_context(|| {
                    format!(
                        "opening the upload spool {}",
                        services.settings.spool_dir().display()
                    )
                })?,
            uploads: Arc::new(http::UploadBudget::new(
                services.settings.max_uploads_in_flight,
                services.settings.max_spooled_bytes,
            )),
            openapi: Arc::new(openapi),
            metrics: crate::telemetry::install_metrics(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .into_utoipa_app()
                .app_data(state.clone())
                .configure(http::routes)
                .into_app()
                .configure(crate::desk::routes)
                .wrap(from_fn(http::log_requests))
        })
        .shutdown_timeout(30)
        .listen(listener)?
        .run();
        Ok(Self {
            server,
            address,
            workers,
            stop,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Serves until SIGINT or SIGTERM, then lets workers finish their record.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.server.await?;
        stop_workers(self.stop, self.workers).await;
        Ok(())
    }
}

/// The access ledger's periodic work: a signed checkpoint every
/// `ledger_checkpoint_secs` when a chain moved, and, with a retention period,
/// old entries archived once a day.
fn ledger_tasks(
    services: &Services,
    signer: &Arc<AgencySigner>,
    stop: &watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let settings = &services.settings;
    let mut tasks = vec![crate::ledger::checkpoint::spawn_periodic(
        services.repo.clone(),
        services.blobs.clone(),
        signer.clone(),
        settings.agency().clone(),
        Duration::from_secs(settings.ledger_checkpoint_secs),
        stop.clone(),
    )];
    let days = settings.ledger_retention_days;
    if days > 0 {
        let (repo, blobs, signer) = (
            services.repo.clone(),
            services.blobs.clone(),
            signer.clone(),
        );
        let agency = settings.agency().clone();
        let mut stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => return,
                }
                let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
                let archived =
                    crate::ledger::archive::archive(repo.as_ref(), &blobs, &signer, &agency, cutoff)
                        .await;
                if let Err(e) = archived {
                    tracing::warn!(error = %e, "could not archive old access ledger entries; trying again tomorrow");
                }
            }
        }));
    }
    tasks
}

/// Asks workers to stop and waits for them, up to a grace period; a page
/// still running after it is taken over by the next worker once its lease ends.
pub async fn stop_workers(stop: watch::Sender<bool>, workers: Vec<JoinHandle<()>>) {
    let _ = stop.send(true);
    let all = futures_util::future::join_all(workers);
    if tokio::time::timeout(WORKER_GRACE, all).await.is_err() {
        tracing::warn!(
            "workers did not stop in time; their jobs will be taken over after the lease"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_in_database_urls_are_hidden() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("sqlite://./data/sohoa.db"),
            "sqlite://./data/sohoa.db"
        );
    }
}
