//! A safe wrapper over the few libtesseract C calls sohoa needs: one engine
//! (`TessBaseAPI`) that recognises a page, and Tesseract's PDF renderer, which
//! writes the page it has just recognised as image plus invisible text.
//!
//! Every pointer here is owned by exactly one value and freed in its `Drop`.
//! An engine is used by one thread at a time (it moves between threads in the
//! pool, which libtesseract allows: it is `Send`, not `Sync`).

use std::ffi::{CStr, CString};
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::ptr;

use image::{GrayImage, RgbImage};
use leptonica_sys as lept;
use tesseract_sys as sys;

use super::{OcrError, Recognised};

pub(super) struct Engine {
    api: *mut sys::TessBaseAPI,
}

// SAFETY: a TessBaseAPI may be used from any thread, one at a time; the pool
// hands each engine to one blocking task at once and `Engine` is not `Sync`.
unsafe impl Send for Engine {}

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
        // The library defaults to one uniform text block; scanned papers have
        // headers, columns and stamps. Automatic layout analysis is what the
        // `tesseract` command uses, and reads them far better.
        // SAFETY: live handle.
        unsafe { sys::TessBaseAPISetPageSegMode(engine.api, sys::TessPageSegMode_PSM_AUTO) };
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "Tesseract engine ready"
        );
        Ok(engine)
    }

    /// Recognises one page. Its results stay in the engine until the next
    /// page, for [`PdfRenderer::add_page`].
    pub(super) fn recognise(&mut self, page: &GrayImage, dpi: u32) -> Result<Recognised, OcrError> {
        let (width, height) = page.dimensions();
        let (w, h) = (c_int::try_from(width), c_int::try_from(height));
        let (Ok(w), Ok(h)) = (w, h) else {
            return Err(OcrError::Input(format!(
                "a {width}×{height} page is too large for Tesseract"
            )));
        };
        // SAFETY: the pixel buffer holds exactly w*h bytes (8-bit grey, rows
        // of w bytes) and Tesseract copies it before SetImage returns.
        unsafe {
            sys::TessBaseAPISetImage(self.api, page.as_raw().as_ptr(), w, h, 1, w);
            sys::TessBaseAPISetSourceResolution(self.api, dpi as c_int);
        }
        // SAFETY: live handle; a null monitor means no progress or timeout.
        if unsafe { sys::TessBaseAPIRecognize(self.api, ptr::null_mut()) } != 0 {
            return Err(OcrError::Recognise("recognition failed".into()));
        }
        // SAFETY: the returned string is owned by us and freed with
        // TessDeleteText after copying it.
        let text = unsafe {
            let raw = sys::TessBaseAPIGetUTF8Text(self.api);
            if raw.is_null() {
                return Err(OcrError::Recognise("no text was returned".into()));
            }
            let text = CStr::from_ptr(raw).to_string_lossy().into_owned();
            sys::TessDeleteText(raw);
            text
        };
        // SAFETY: live handle, recognition done.
        let confidence = unsafe { sys::TessBaseAPIMeanTextConf(self.api) }.clamp(0, 100) as u32;
        Ok(Recognised { text, confidence })
    }

    /// Starts a PDF at `base` + `.pdf`, titled `title`.
    pub(super) fn pdf_renderer(&self, base: &Path, title: &str) -> Result<PdfRenderer, OcrError> {
        let render_error = |e: &dyn std::fmt::Display| OcrError::Render(e.to_string());
        let base_c =
            CString::new(base.to_string_lossy().as_bytes()).map_err(|e| render_error(&e))?;
        let title_c = CString::new(title).map_err(|e| render_error(&e))?;
        // SAFETY: live handle; the data path string belongs to the engine and
        // is copied by the renderer's constructor.
        let renderer = unsafe {
            let datadir = sys::TessBaseAPIGetDatapath(self.api);
            sys::TessPDFRendererCreate(base_c.as_ptr(), datadir, 0)
        };
        if renderer.is_null() {
            return Err(OcrError::Render("the PDF renderer could not start".into()));
        }
        let pdf = PdfRenderer {
            renderer,
            path: base.with_extension("pdf"),
        };
        // SAFETY: live renderer; the title is copied.
        if unsafe { sys::TessResultRendererBeginDocument(pdf.renderer, title_c.as_ptr()) } == 0 {
            return Err(OcrError::Render(format!(
                "cannot open {} for writing",
                pdf.path.display()
            )));
        }
        Ok(pdf)
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

/// Tesseract's PDF renderer, writing to a file.
pub(super) struct PdfRenderer {
    renderer: *mut sys::TessResultRenderer,
    path: PathBuf,
}

impl PdfRenderer {
    /// Appends the page `engine` has just recognised: its image, and each
    /// word as invisible text over the word's place on the image. With
    /// `colour` (same size as the page recognised) the PDF shows the colour
    /// image instead of the grey one OCR read.
    pub(super) fn add_page(
        &mut self,
        engine: &mut Engine,
        colour: Option<&RgbImage>,
    ) -> Result<(), OcrError> {
        if let Some(colour) = colour {
            let pix = rgb_pix(colour)?;
            // SAFETY: live handle; the engine takes ownership of the pix and
            // frees it when the next page's image replaces it.
            unsafe { sys::TessBaseAPISetInputImage(engine.api, pix.cast()) };
        }
        // SAFETY: both handles are live; the engine has a recognised page.
        if unsafe { sys::TessResultRendererAddImage(self.renderer, engine.api) } == 0 {
            return Err(OcrError::Render("a page could not be added".into()));
        }
        Ok(())
    }

    /// Ends the document and returns its bytes.
    pub(super) fn finish(self) -> Result<Vec<u8>, OcrError> {
        // SAFETY: live renderer; ending writes the trailer and closes the file.
        if unsafe { sys::TessResultRendererEndDocument(self.renderer) } == 0 {
            return Err(OcrError::Render("the document could not be closed".into()));
        }
        std::fs::read(&self.path).map_err(|e| OcrError::Render(e.to_string()))
    }
}

/// A 32-bit Leptonica image of `image` (red in the high byte of each word).
fn rgb_pix(image: &RgbImage) -> Result<*mut lept::Pix, OcrError> {
    let (width, height) = image.dimensions();
    let too_large = || OcrError::Input(format!("a {width}×{height} colour page is too large"));
    let (w, h) = (
        i32::try_from(width).map_err(|_| too_large())?,
        i32::try_from(height).map_err(|_| too_large())?,
    );
    // SAFETY: pixCreate returns a fresh, zeroed 32 bpp image or null.
    let pix = unsafe { lept::pixCreate(w, h, 32) };
    if pix.is_null() {
        return Err(too_large());
    }
    // SAFETY: the pix has `h` rows of `wpl` 32-bit words, each at least `w`
    // words long; we write exactly `w` words per row.
    unsafe {
        let data = lept::pixGetData(pix);
        let wpl = lept::pixGetWpl(pix) as usize;
        for (y, row) in image.rows().enumerate() {
            let line = std::slice::from_raw_parts_mut(data.add(y * wpl), width as usize);
            for (word, p) in line.iter_mut().zip(row) {
                let [r, g, b] = p.0;
                *word = (r as u32) << 24 | (g as u32) << 16 | (b as u32) << 8 | 0xff;
            }
        }
    }
    Ok(pix)
}

impl Drop for PdfRenderer {
    fn drop(&mut self) {
        // SAFETY: the renderer is live and dropped once.
        unsafe { sys::TessDeleteResultRenderer(self.renderer) };
    }
}
