//! `sohoa ingest`: scan files in from the command line, wait for OCR, print
//! the record as JSON (the same shape as the upload's answer).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::domain::quality::Paper;
use crate::domain::role::{Actor, Role};
use crate::domain::{Origin, RecordStatus};
use crate::http::views::UploadView;
use crate::ops::intake::{self, Submitted, UploadMeta, UploadedFile};
use crate::startup::Services;

/// The command line's particulars of a paper, and its files.
#[derive(clap::Args)]
pub struct Args {
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
    paper: Option<Paper>,
    /// Page files (PNG, JPEG, TIFF, scanner PDF), in order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

fn parse_paper(text: &str) -> Result<Paper, String> {
    Paper::parse(text).ok_or_else(|| format!("unknown paper size {text:?}; use A4, A5 or ID1"))
}

impl Args {
    fn into_meta(self) -> (UploadMeta, Vec<PathBuf>) {
        let meta = UploadMeta {
            paper: self.paper,
            subject_id: self.subject,
            kind: self.kind,
            dossier_code: self.dossier_code,
            procedure_code: self.procedure_code,
            document_number: self.document_number,
            issued_on: self.issued_on,
            valid_until: self.valid_until,
            officer: self.officer,
            permanent: Some(self.permanent),
            issuing_agency: self.issuing_agency,
            signer: self.signer,
            result_code: self.result_code,
            scope: self.scope,
            owner_name: self.owner_name,
        };
        (meta, self.files)
    }
}

pub async fn run(settings: Settings, args: Args) -> anyhow::Result<ExitCode> {
    let (meta, paths) = args.into_meta();
    let mut files = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        files.push(UploadedFile::new(bytes.into()));
    }
    let services = Services::open(settings).await?;
    let signer = std::sync::Arc::new(services.signer().await?);
    let cx = services.context(signer);
    // The operator at the command line acts with every right, as "cli".
    let operator = Actor::key("cli", Role::Admin);
    let submitted = intake::submit(&cx, &operator, Origin::Scanned, meta, files).await?;
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
        read_with_progress(&services, &submitted).await?;
    }
    let record = services
        .repo
        .record(&record_id)
        .await?
        .context("the record vanished")?;
    let failed = record.status == RecordStatus::Failed;
    let view = UploadView::from(Submitted {
        record,
        ..submitted
    });
    println!("{}", serde_json::to_string_pretty(&view)?);
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Runs the record's jobs in this process, a spinner per page.
async fn read_with_progress(services: &Services, submitted: &Submitted) -> anyhow::Result<()> {
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
    crate::jobs::run_record(
        services.job_context(ocr, None),
        &submitted.record.id,
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
    Ok(())
}
