//! A safe wrapper over the few libtesseract C calls sohoa needs: one engine
//! (`TessBaseAPI`) that reads a page and walks its result word by word,
//! giving each word's text, box and confidence in reading order.
//!
//! Every pointer here is owned by exactly one value and freed in its `Drop`.
//! An engine is used by one thread at a time (it moves between threads in the
//! pool, which libtesseract allows: it is `Send`, not `Sync`).

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::ptr;
use std::time::Instant;

use image::GrayImage;
use tesseract_sys as sys;

use super::OcrError;
use crate::domain::reading::{BBox, PageLayout, TextLine, Word};

pub(super) struct Engine {
    api: *mut sys::TessBaseAPI,
    /// When the page being read must be done by: every recognition is
    /// cancelled by Tesseract itself at it, and the page fails as timed out.
    deadline: Option<Instant>,
}

// SAFETY: a TessBaseAPI may be used from any thread, one at a time; the pool
// hands each engine to one blocking task at once and `Engine` is not `Sync`.
unsafe impl Send for Engine {}

/// A result iterator, deleted when dropped.
struct Results(*mut sys::TessResultIterator);

impl Drop for Results {
    fn drop(&mut self) {
        // SAFETY: the iterator is live, owned by us, and deleted once.
        unsafe { sys::TessResultIteratorDelete(self.0) };
    }
}

impl Engine {
    pub(super) fn new(languages: &str, tessdata: Option<&str>) -> Result<Self, OcrError> {
        let init_error = |reason: String| OcrError::Init {
            languages: languages.to_owned(),
            reason,
        };
        let lang = CString::new(languages).map_err(|e| init_error(e.to_string()))?;
        let data = tessdata
            .map(CString::new)
            .transpose()
            .map_err(|e| init_error(e.to_string()))?;
        let started = std::time::Instant::now();
        // SAFETY: TessBaseAPICreate returns a fresh handle (or null), owned by
        // `engine` from here on so that Drop frees it on every path.
        let engine = Engine {
            api: unsafe { sys::TessBaseAPICreate() },
            deadline: None,
        };
        if engine.api.is_null() {
            return Err(init_error(
                "libtesseract could not allocate an engine".into(),
            ));
        }
        // SAFETY: the handle is live; both strings outlive the call.
        let rc = unsafe {
            sys::TessBaseAPIInit3(
                engine.api,
                data.as_ref().map_or(ptr::null(), |d| d.as_ptr()),
                lang.as_ptr(),
            )
        };
        if rc != 0 {
            return Err(init_error(
                "the language data is missing or unreadable (is tesseract-ocr-vie installed?)"
                    .into(),
            ));
        }
        // Each read sets its page segmentation mode: automatic layout for a
        // whole page, one line for a line the detector found.
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Tesseract engine ready"
        );
        Ok(engine)
    }

    /// The folder Tesseract reads its data from (`pdf.ttf` is there too).
    pub(super) fn datapath(&self) -> Option<String> {
        // SAFETY: live handle; the string is owned by the engine and copied here.
        unsafe {
            let raw = sys::TessBaseAPIGetDatapath(self.api);
            (!raw.is_null()).then(|| CStr::from_ptr(raw).to_string_lossy().into_owned())
        }
    }

    /// Reads one page with Tesseract's own layout analysis: its words, line
    /// by line in reading order.
    pub(super) fn read(&mut self, page: &GrayImage, dpi: u32) -> Result<PageLayout, OcrError> {
        self.recognise(page, dpi, sys::TessPageSegMode_PSM_AUTO)?;
        let lines = self.lines()?;
        let (width, height) = page.dimensions();
        Ok(PageLayout {
            width,
            height,
            lines,
            qr: None,
        })
    }

    /// Reads one line (a crop holding one line of text): its words, with
    /// boxes in the crop's pixels.
    pub(super) fn read_line(&mut self, line: &GrayImage, dpi: u32) -> Result<Vec<Word>, OcrError> {
        self.recognise(line, dpi, sys::TessPageSegMode_PSM_SINGLE_LINE)?;
        Ok(self.lines()?.into_iter().flat_map(|l| l.words).collect())
    }

    fn recognise(
        &mut self,
        image: &GrayImage,
        dpi: u32,
        mode: sys::TessPageSegMode,
    ) -> Result<(), OcrError> {
        let (width, height) = image.dimensions();
        let (w, h) = (c_int::try_from(width), c_int::try_from(height));
        let (Ok(w), Ok(h)) = (w, h) else {
            return Err(OcrError::Input(format!(
                "a {width}×{height} page is too large for Tesseract"
            )));
        };
        // SAFETY: live handle; the pixel buffer holds exactly w*h bytes
        // (8-bit grey, rows of w bytes) and Tesseract copies it before
        // SetImage returns.
        unsafe {
            sys::TessBaseAPISetPageSegMode(self.api, mode);
            sys::TessBaseAPISetImage(self.api, image.as_raw().as_ptr(), w, h, 1, w);
            sys::TessBaseAPISetSourceResolution(self.api, dpi as c_int);
        }
        let Some(deadline) = self.deadline else {
            // SAFETY: live handle; a null monitor means no progress or timeout.
            if unsafe { sys::TessBaseAPIRecognize(self.api, ptr::null_mut()) } != 0 {
                return Err(OcrError::Recognise("recognition failed".into()));
            }
            return Ok(());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(OcrError::TimedOut);
        }
        // SAFETY: the monitor is ours, live for the call, and deleted once.
        let failed = unsafe {
            let monitor = sys::TessMonitorCreate();
            sys::TessMonitorSetDeadlineMSecs(
                monitor,
                c_int::try_from(left.as_millis()).unwrap_or(c_int::MAX),
            );
            let failed = sys::TessBaseAPIRecognize(self.api, monitor) != 0;
            sys::TessMonitorDelete(monitor);
            failed
        };
        if Instant::now() >= deadline {
            return Err(OcrError::TimedOut);
        }
        if failed {
            return Err(OcrError::Recognise("recognition failed".into()));
        }
        Ok(())
    }

    /// Sets when the page being read must be done by (none: no limit).
    pub(super) fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Walks the recognised page word by word.
    fn lines(&mut self) -> Result<Vec<TextLine>, OcrError> {
        use sys::{
            TessPageIteratorLevel_RIL_BLOCK as BLOCK, TessPageIteratorLevel_RIL_PARA as PARA,
            TessPageIteratorLevel_RIL_TEXTLINE as LINE, TessPageIteratorLevel_RIL_WORD as WORD,
        };
        // SAFETY: live handle after Recognize; the iterator is ours to delete.
        let raw = unsafe { sys::TessBaseAPIGetIterator(self.api) };
        if raw.is_null() {
            return Ok(Vec::new());
        }
        let results = Results(raw);
        // SAFETY: the page iterator is a view of `results`, valid while it lives.
        let page = unsafe { sys::TessResultIteratorGetPageIterator(results.0) };
        let mut lines: Vec<TextLine> = Vec::new();
        loop {
            // SAFETY: both iterators are live; every out-pointer is a local.
            unsafe {
                let mut b = [0 as c_int; 4];
                if sys::TessPageIteratorIsAtBeginningOf(page, LINE) != 0 {
                    let starts_block = sys::TessPageIteratorIsAtBeginningOf(page, PARA) != 0
                        || sys::TessPageIteratorIsAtBeginningOf(page, BLOCK) != 0;
                    let has_box = sys::TessPageIteratorBoundingBox(
                        page, LINE, &mut b[0], &mut b[1], &mut b[2], &mut b[3],
                    ) != 0;
                    if has_box {
                        lines.push(TextLine {
                            bbox: bbox(b),
                            words: Vec::new(),
                            starts_block,
                        });
                    }
                }
                let text = sys::TessResultIteratorGetUTF8Text(results.0, WORD);
                if !text.is_null() {
                    let word = CStr::from_ptr(text).to_string_lossy().trim().to_owned();
                    sys::TessDeleteText(text);
                    let confidence = sys::TessResultIteratorConfidence(results.0, WORD);
                    let has_box = sys::TessPageIteratorBoundingBox(
                        page, WORD, &mut b[0], &mut b[1], &mut b[2], &mut b[3],
                    ) != 0;
                    if has_box
                        && !word.is_empty()
                        && let Some(line) = lines.last_mut()
                    {
                        line.words.push(Word {
                            text: word,
                            bbox: bbox(b),
                            confidence: confidence.clamp(0.0, 100.0).round() as u8,
                            raw: None,
                            doubtful: false,
                            handwritten: false,
                        });
                    }
                }
                if sys::TessResultIteratorNext(results.0, WORD) == 0 {
                    break;
                }
            }
        }
        lines.retain(|l| !l.words.is_empty());
        Ok(lines)
    }
}

fn bbox(b: [c_int; 4]) -> BBox {
    let at = |v: c_int| u32::try_from(v).unwrap_or(0);
    BBox {
        x0: at(b[0]),
        y0: at(b[1]),
        x1: at(b[2]),
        y1: at(b[3]),
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the handle is live and dropped once.
        unsafe {
            sys::TessBaseAPIEnd(self.api);
            sys::TessBaseAPIDelete(self.api);
        }
    }
}
