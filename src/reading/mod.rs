//! Text recognition and the searchable PDF, with libtesseract in process. A
//! fixed pool of engines, one per worker slot (by default one per core), each
//! created once and reused record after record; never more records at once
//! than engines.
//!
//! One engine reads every page of a record and, in the same pass, feeds
//! Tesseract's own PDF renderer, which lays an invisible, positioned text
//! layer over each page image. Recognition runs once per page for both the
//! text and the PDF. The `tesseract` crate has no renderer API, so the engine
//! is a small safe wrapper over `tesseract-sys` (see [`engine`]).
//!
//! libtesseract's OpenMP threads make a page about 9× slower on a 2-core
//! machine when engines run side by side. The limit must be in the process
//! environment before the library loads, so `main` re-executes the binary with
//! `OMP_THREAD_LIMIT=1` (see [`SINGLE_THREAD_ENV`]); the pool gives the
//! parallelism instead.

mod engine;

use std::sync::{Arc, Mutex};

use image::GrayImage;
use tokio::sync::Semaphore;

use crate::telemetry::spawn_blocking_in_span;
use engine::Engine;

/// The variable and value `main` guarantees before libtesseract loads.
pub const SINGLE_THREAD_ENV: (&str, &str) = ("OMP_THREAD_LIMIT", "1");

/// The resolution told to Tesseract when a page states none and none was
/// estimated; it sizes the PDF page.
const FALLBACK_DPI: u32 = 300;

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("cannot start Tesseract with languages {languages:?}: {reason}")]
    Init { languages: String, reason: String },
    #[error("Tesseract failed on this page: {0}")]
    Recognise(String),
    #[error("Tesseract could not write the searchable PDF: {0}")]
    Render(String),
    /// A page could not be prepared; trying again will not help.
    #[error("{0}")]
    Input(String),
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

/// One page, ready for recognition.
pub struct PageInput {
    pub pixels: GrayImage,
    /// The same page in colour, when it was scanned in colour: the PDF shows
    /// it, while OCR reads the grey.
    pub colour: Option<image::RgbImage>,
    /// As stated by the file or estimated at the counter; sizes the PDF page.
    pub dpi: Option<u32>,
}

/// Every page's text and the searchable PDF of them all.
#[derive(Debug)]
pub struct Document {
    pub pages: Vec<Recognised>,
    /// Tesseract's PDF, one page per image with its text layer.
    pub pdf: Vec<u8>,
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

    /// Recognises `count` pages, asking `page(i)` (from 0) for each in turn so
    /// that only one page's pixels are in memory at a time, and writes the
    /// searchable PDF titled `title`. `done(i)` is called as each page ends.
    pub async fn digitise<P, D>(
        &self,
        count: usize,
        title: String,
        page: P,
        done: D,
    ) -> Result<Document, OcrError>
    where
        P: FnMut(usize) -> Result<PageInput, OcrError> + Send + 'static,
        D: Fn(usize) + Send + 'static,
    {
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
            let result = run(&mut engine, count, &title, page, done);
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
}

fn run<P, D>(
    engine: &mut Engine,
    count: usize,
    title: &str,
    mut page: P,
    done: D,
) -> Result<Document, OcrError>
where
    P: FnMut(usize) -> Result<PageInput, OcrError>,
    D: Fn(usize),
{
    let dir = tempfile::tempdir().map_err(|e| OcrError::Render(e.to_string()))?;
    let mut pdf = engine.pdf_renderer(&dir.path().join("rendition"), title)?;
    let mut pages = Vec::with_capacity(count);
    for i in 0..count {
        let input = page(i)?;
        // Below 70 dpi Tesseract's guess is no worse than a wrong statement;
        // the PDF still needs a size, so a common scanning resolution stands in.
        let dpi = input.dpi.filter(|d| *d >= 70).unwrap_or(FALLBACK_DPI);
        pages.push(engine.recognise(&input.pixels, dpi)?);
        pdf.add_page(engine, input.colour.as_ref())?;
        done(i);
    }
    let pdf = pdf.finish()?;
    Ok(Document { pages, pdf })
}
