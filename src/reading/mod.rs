//! Text recognition with libtesseract in process. A fixed pool of engines,
//! one per worker slot (by default one per core), each created once and
//! reused page after page; never more pages at once than engines. Each page
//! is read on its own, so the pages of one record spread over every engine.
//! The `tesseract` crate exposes neither word boxes nor a raw handle, so the
//! engine is a small safe wrapper over `tesseract-sys` (see [`engine`]).
//!
//! libtesseract's OpenMP threads make a page about 9× slower on a 2-core
//! machine when engines run side by side. The limit must be in the process
//! environment before the library loads, so `main` re-executes the binary with
//! `OMP_THREAD_LIMIT=1` (see [`SINGLE_THREAD_ENV`]); the pool gives the
//! parallelism instead.

mod engine;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use image::GrayImage;
use tokio::sync::Semaphore;

use crate::domain::reading::PageLayout;
use crate::telemetry::spawn_blocking_in_span;
use engine::Engine;

/// The variable and value `main` guarantees before libtesseract loads.
pub const SINGLE_THREAD_ENV: (&str, &str) = ("OMP_THREAD_LIMIT", "1");

/// The resolution told to Tesseract when a page states none and none was
/// estimated.
const FALLBACK_DPI: u32 = 300;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("cannot start Tesseract with languages {languages:?}: {reason}")]
    Init { languages: String, reason: String },
    #[error("Tesseract failed on this page: {0}")]
    Recognise(String),
    /// A page could not be prepared; trying again will not help.
    #[error("{0}")]
    Input(String),
    #[error("OCR task panicked or was cancelled: {0}")]
    Task(String),
}

/// One page, ready for recognition.
pub struct PageInput {
    /// The page in grey, straightened when it was crooked.
    pub pixels: GrayImage,
    /// As stated by the file or estimated at the counter.
    pub dpi: Option<u32>,
}

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
        let engine = spawn_blocking_in_span(move || Engine::new(&languages, tessdata.as_deref()))
            .await
            .map_err(|e| OcrError::Task(e.to_string()))??;
        self.idle.lock().expect("engine pool poisoned").push(engine);
        Ok(())
    }

    /// Reads one page on an engine of the pool.
    pub async fn read(&self, input: PageInput) -> Result<PageLayout, OcrError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| OcrError::Task(e.to_string()))?;
        let engine = self.idle.lock().expect("engine pool poisoned").pop();
        let (languages, tessdata) = (self.languages.clone(), self.tessdata.clone());
        let (engine, result) = spawn_blocking_in_span(move || {
            let mut engine = match engine {
                Some(e) => e,
                None => match Engine::new(&languages, tessdata.as_deref()) {
                    Ok(e) => e,
                    Err(e) => return (None, Err(e)),
                },
            };
            // Below 70 dpi Tesseract's guess is no worse than a wrong statement.
            let dpi = input.dpi.filter(|d| *d >= 70).unwrap_or(FALLBACK_DPI);
            let result = engine.read(&input.pixels, dpi);
            // An engine that failed inside Tesseract is dropped; a fresh one is
            // made next time. Bad input leaves the engine sound.
            let keep = matches!(result, Ok(_) | Err(OcrError::Input(_)));
            (keep.then_some(engine), result)
        })
        .await
        .map_err(|e| OcrError::Task(e.to_string()))?;
        if let Some(engine) = engine {
            self.idle.lock().expect("engine pool poisoned").push(engine);
        }
        result
    }

    /// Tesseract's invisible-text font (`pdf.ttf`, GlyphLessFont), which the
    /// searchable PDF embeds: from the configured data folder, else the
    /// library's.
    pub async fn text_layer_font(&self) -> Result<Vec<u8>, OcrError> {
        let folder = match &self.tessdata {
            Some(dir) => PathBuf::from(dir),
            None => {
                let (languages, tessdata) = (self.languages.clone(), self.tessdata.clone());
                let path = spawn_blocking_in_span(move || {
                    Engine::new(&languages, tessdata.as_deref()).map(|e| e.datapath())
                })
                .await
                .map_err(|e| OcrError::Task(e.to_string()))??;
                PathBuf::from(path.unwrap_or_default())
            }
        };
        let file = folder.join("pdf.ttf");
        std::fs::read(&file).map_err(|e| OcrError::Init {
            languages: self.languages.clone(),
            reason: format!("cannot read {}: {e}", file.display()),
        })
    }
}
