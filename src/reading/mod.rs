//! Reading pages: lines found first by a neural text-line detector
//! (`detector`), grouped in reading order (`layout`), each read by
//! libtesseract as one line (`pipeline`), its words checked as Vietnamese.
//! A fixed pool of engines, one per worker slot (by default one per core),
//! each created once and reused page after page; never more pages at once
//! than engines. The detector is shared: its plans run from any thread. The
//! `tesseract` crate exposes neither word boxes nor a raw handle, so the
//! engine is a small safe wrapper over `tesseract-sys` (see [`engine`]).
//!
//! libtesseract's OpenMP threads make a page about 9× slower on a 2-core
//! machine when engines run side by side. The limit must be in the process
//! environment before the library loads, so `main` re-executes the binary with
//! `OMP_THREAD_LIMIT=1` (see [`SINGLE_THREAD_ENV`]); the pool gives the
//! parallelism instead.

mod cells;
pub mod detector;
mod engine;
pub mod layout;
mod pipeline;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::GrayImage;
use tokio::sync::Semaphore;

use crate::domain::reading::PageLayout;
use crate::telemetry::spawn_blocking_in_span;
use crate::text::check::Dictionary;
use detector::Detector;
use engine::Engine;

pub use pipeline::Timings;

/// The dictionary of common words inside the models folder.
pub const DICTIONARY_FILE: &str = "vie-words.txt";

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
    /// The page took longer than `ocr_page_timeout_secs`.
    #[error(
        "reading the page took longer than the time allowed for a page (ocr_page_timeout_secs)"
    )]
    TimedOut,
}

/// One page, ready for reading.
pub struct PageInput {
    /// The page in grey, straightened (or flattened) when it needed it.
    pub pixels: GrayImage,
    /// The same page in colour, when it is in colour: seals and pens are
    /// told from print by their colour.
    pub colour: Option<image::RgbImage>,
    /// As stated by the file, estimated at the counter, or the page's own.
    pub dpi: Option<u32>,
}

/// The detector and the dictionary, loaded once from the models folder.
struct Models {
    detector: Option<Detector>,
    dictionary: Dictionary,
}

#[derive(Clone)]
pub struct OcrPool {
    languages: String,
    tessdata: Option<String>,
    models_dir: Option<PathBuf>,
    models: Arc<tokio::sync::OnceCell<Arc<Models>>>,
    permits: Arc<Semaphore>,
    idle: Arc<Mutex<Vec<Engine>>>,
    size: usize,
    /// Longest a page may take on an engine.
    page_timeout: Option<std::time::Duration>,
}

impl OcrPool {
    /// A pool of `size` engines for `languages` (e.g. `vie`), with the
    /// detector and dictionary of `models_dir` (none: Tesseract's own layout
    /// analysis, no dictionary). Engines are created on first use;
    /// [`OcrPool::warm_up`] checks now that everything is installed.
    pub fn new(
        size: usize,
        languages: &str,
        tessdata: Option<String>,
        models_dir: Option<PathBuf>,
    ) -> Self {
        let size = size.max(1);
        metrics::gauge!("sohoa_ocr_engines").set(size as f64);
        Self {
            languages: languages.to_owned(),
            tessdata,
            models_dir,
            models: Default::default(),
            permits: Arc::new(Semaphore::new(size)),
            idle: Arc::new(Mutex::new(Vec::with_capacity(size))),
            size,
            page_timeout: None,
        }
    }

    /// Limits each page to `timeout` on its engine: past it Tesseract stops,
    /// the engine is replaced and the page fails as timed out.
    pub fn with_page_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.page_timeout = Some(timeout);
        self
    }

    async fn models(&self) -> Result<Arc<Models>, OcrError> {
        let dir = self.models_dir.clone();
        self.models
            .get_or_try_init(|| async move {
                spawn_blocking_in_span(move || load_models(dir.as_deref()))
                    .await
                    .map_err(|e| OcrError::Task(e.to_string()))?
                    .map(Arc::new)
            })
            .await
            .cloned()
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Creates one engine and loads the models now, so a missing language
    /// pack or model is reported at start.
    pub async fn warm_up(&self) -> Result<(), OcrError> {
        self.models().await?;
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

    /// Reads one page on an engine of the pool; how long each stage took.
    pub async fn read(&self, input: PageInput) -> Result<(PageLayout, Timings), OcrError> {
        let models = self.models().await?;
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| OcrError::Task(e.to_string()))?;
        let engine = self.idle.lock().expect("engine pool poisoned").pop();
        let busy = metrics::gauge!("sohoa_ocr_engines_busy");
        busy.increment(1.0);
        let _idle_again = scopeguard(move || busy.decrement(1.0));
        let (languages, tessdata) = (self.languages.clone(), self.tessdata.clone());
        let timeout = self.page_timeout;
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
            engine.set_deadline(timeout.map(|t| std::time::Instant::now() + t));
            let result = pipeline::read(
                &mut engine,
                models.detector.as_ref(),
                &models.dictionary,
                &input,
                dpi,
            );
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

/// The detector and dictionary in `dir`; without a folder, neither.
fn load_models(dir: Option<&Path>) -> Result<Models, OcrError> {
    let Some(dir) = dir else {
        return Ok(Models {
            detector: None,
            dictionary: Dictionary::default(),
        });
    };
    let detector = Detector::open(dir)?;
    let path = dir.join(DICTIONARY_FILE);
    let words = std::fs::read_to_string(&path).map_err(|e| OcrError::Init {
        languages: "dictionary".into(),
        reason: format!(
            "cannot read {} ({e}): run scripts/fetch-models.sh (make run and make test do)",
            path.display()
        ),
    })?;
    Ok(Models {
        detector: Some(detector),
        dictionary: Dictionary::from_lines(&words),
    })
}

/// Runs `f` when dropped: on every exit of the scope that holds it.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
