//! Text recognition with libtesseract, in process. A fixed pool of engines,
//! one per worker slot (by default one per core), each created once and reused
//! page after page; never more pages at once than engines.
//!
//! libtesseract's OpenMP threads make a page about 9× slower on a 2-core
//! machine when engines run side by side. The limit must be in the process
//! environment before the library loads, so `main` re-executes the binary with
//! `OMP_THREAD_LIMIT=1` (see [`SINGLE_THREAD_ENV`]); the pool gives the
//! parallelism instead.

use std::sync::{Arc, Mutex};

use image::GrayImage;
use tokio::sync::Semaphore;

use crate::telemetry::spawn_blocking_in_span;

/// The variable and value `main` guarantees before libtesseract loads.
pub const SINGLE_THREAD_ENV: (&str, &str) = ("OMP_THREAD_LIMIT", "1");

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("cannot start Tesseract with languages {languages:?}: {reason}")]
    Init { languages: String, reason: String },
    #[error("Tesseract failed on this page: {0}")]
    Recognise(String),
    #[error("OCR task panicked or was cancelled: {0}")]
    Task(String),
}

/// What OCR found on one page.
#[derive(Debug, Clone)]
pub struct Recognised {
    pub text: String,
    /// Mean word confidence, 0–100.
    pub confidence: u32,
}

struct Engine(tesseract::Tesseract);

#[derive(Clone)]
pub struct OcrPool {
    languages: String,
    tessdata: Option<String>,
    permits: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<Engine>>>,
    size: usize,
}

impl OcrPool {
    /// A pool of `size` engines for `languages` (e.g. `vie+eng`). Engines are
    /// created on first use; [`OcrPool::warm_up`] creates one now to check that
    /// the language data is installed.
    pub fn new(size: usize, languages: &str, tessdata: Option<String>) -> Self {
        let size = size.max(1);
        Self {
            languages: languages.to_owned(),
            tessdata,
            permits: Arc::new(Semaphore::new(size)),
            idle: Arc::new(Mutex::new(Vec::with_capacity(size))),
            size,
        }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Creates one engine now, so a missing language pack is reported at start.
    pub async fn warm_up(&self) -> Result<(), OcrError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| OcrError::Task(e.to_string()))?;
        let (languages, tessdata) = (self.languages.clone(), self.tessdata.clone());
        let engine = spawn_blocking_in_span(move || new_engine(&languages, tessdata.as_deref()))
            .await
            .map_err(|e| OcrError::Task(e.to_string()))??;
        self.idle.lock().expect("engine pool poisoned").push(engine);
        Ok(())
    }

    /// Recognises the text of one page. `dpi` helps Tesseract size its glyphs.
    pub async fn recognise(
        &self,
        page: GrayImage,
        dpi: Option<u32>,
    ) -> Result<Recognised, OcrError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| OcrError::Task(e.to_string()))?;
        let engine = self.idle.lock().expect("engine pool poisoned").pop();
        let (languages, tessdata) = (self.languages.clone(), self.tessdata.clone());
        let (engine, result) = spawn_blocking_in_span(move || {
            let engine = match engine {
                Some(e) => e,
                None => match new_engine(&languages, tessdata.as_deref()) {
                    Ok(e) => e,
                    Err(e) => return (None, Err(e)),
                },
            };
            run(engine, &page, dpi)
        })
        .await
        .map_err(|e| OcrError::Task(e.to_string()))?;
        // An engine that failed is dropped; a fresh one is made next time.
        if let Some(engine) = engine {
            self.idle.lock().expect("engine pool poisoned").push(engine);
        }
        result
    }
}

fn new_engine(languages: &str, tessdata: Option<&str>) -> Result<Engine, OcrError> {
    let started = std::time::Instant::now();
    let mut engine =
        tesseract::Tesseract::new(tessdata, Some(languages)).map_err(|e| OcrError::Init {
            languages: languages.to_owned(),
            reason: e.to_string(),
        })?;
    // The library defaults to one uniform text block; scanned papers have
    // headers, columns and stamps. Automatic layout analysis is what the
    // `tesseract` command uses, and reads them far better.
    engine.set_page_seg_mode(tesseract::PageSegMode::PsmAuto);
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "Tesseract engine ready"
    );
    Ok(Engine(engine))
}

fn run(
    engine: Engine,
    page: &GrayImage,
    dpi: Option<u32>,
) -> (Option<Engine>, Result<Recognised, OcrError>) {
    let (width, height) = page.dimensions();
    let tess = match engine
        .0
        .set_frame(page.as_raw(), width as i32, height as i32, 1, width as i32)
    {
        Ok(t) => t,
        Err(e) => return (None, Err(OcrError::Recognise(e.to_string()))),
    };
    // Below 70 dpi Tesseract's guess is no worse than a wrong statement.
    let tess = match dpi {
        Some(d) if d >= 70 => tess.set_source_resolution(d as i32),
        _ => tess,
    };
    let mut tess = match tess.recognize() {
        Ok(t) => t,
        Err(e) => return (None, Err(OcrError::Recognise(e.to_string()))),
    };
    let text = match tess.get_text() {
        Ok(t) => t,
        Err(e) => return (None, Err(OcrError::Recognise(e.to_string()))),
    };
    let confidence = tess.mean_text_conf().clamp(0, 100) as u32;
    (Some(Engine(tess)), Ok(Recognised { text, confidence }))
}
