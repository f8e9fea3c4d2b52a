//! The counter's quality gate, judged while the citizen waits: each page's
//! resolution (stated by the file, or estimated from its pixel size and the
//! declared paper size) and whether it is blank (the empty back side a duplex
//! feeder also scans).

use image::GrayImage;
use serde::{Deserialize, Serialize};

/// Paper sizes a scan can declare (`meta.paper`), for estimating resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub enum Paper {
    #[default]
    A4,
    A5,
    /// ID-1 cards: CCCD, bank cards (85.6 × 54 mm).
    #[serde(rename = "ID1")]
    Id1,
}

impl Paper {
    /// Long and short side, in inches.
    fn inches(self) -> (f64, f64) {
        match self {
            Paper::A4 => (297.0 / 25.4, 210.0 / 25.4),
            Paper::A5 => (210.0 / 25.4, 148.0 / 25.4),
            Paper::Id1 => (85.6 / 25.4, 54.0 / 25.4),
        }
    }
}

/// What the gate found on one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageQuality {
    /// Resolution in dots per inch.
    pub dpi: u32,
    /// True when the file states no resolution and `dpi` was estimated from
    /// the page's pixel size and the declared paper size.
    pub dpi_estimated: bool,
    pub blank: bool,
    /// How far the page was fed crooked, in degrees (positive: turned
    /// counter-clockwise); null when blank or too little text to tell. Pages
    /// are straightened before OCR; the original is kept as it was.
    #[serde(default)]
    pub skew_degrees: Option<f64>,
}

/// Mean OCR confidence below which a page is flagged for a rescan.
pub const LOW_CONFIDENCE: u32 = 60;
/// Skew beyond which a page is flagged (it is straightened for OCR anyway).
pub const NOTABLE_SKEW_DEGREES: f64 = 2.0;

/// Why an officer might rescan a page while the citizen is still at the desk:
/// `low_ocr_confidence` (once OCR is done), `skewed`, `resolution_estimated`.
pub fn warnings(quality: &PageQuality, ocr_confidence: Option<u32>) -> Vec<&'static str> {
    let mut out = Vec::new();
    if ocr_confidence.is_some_and(|c| c < LOW_CONFIDENCE) {
        out.push("low_ocr_confidence");
    }
    if quality
        .skew_degrees
        .is_some_and(|d| d.abs() > NOTABLE_SKEW_DEGREES)
    {
        out.push("skewed");
    }
    if quality.dpi_estimated {
        out.push("resolution_estimated");
    }
    out
}

/// Resolution from pixel size and paper size: the mean of both sides' ratios.
pub fn estimate_dpi(width: u32, height: u32, paper: Paper) -> u32 {
    let (long_px, short_px) = (width.max(height) as f64, width.min(height) as f64);
    let (long_in, short_in) = paper.inches();
    ((long_px / long_in + short_px / short_in) / 2.0).round() as u32
}

/// Share of pixels clearly darker than the paper below which a page is blank.
/// Text pages run to several percent; a blank back side with dust, far below.
const BLANK_INK_SHARE: f64 = 0.001;

/// Whether a page carries nothing: almost no pixel is much darker than the
/// paper's own tone (taken as the 90th percentile of brightness).
pub fn is_blank(page: &GrayImage) -> bool {
    // Every other pixel of every other row: a quarter of the work, and a text
    // line is still hundreds of samples wide.
    let mut histogram = [0u64; 256];
    let width = page.width() as usize;
    for row in page.as_raw().chunks_exact(width.max(1)).step_by(2) {
        for p in row.iter().step_by(2) {
            histogram[*p as usize] += 1;
        }
    }
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return true;
    }
    // Paper tone: the brightness that 90% of pixels are at or below.
    let mut seen = 0;
    let mut paper = 255usize;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 10 >= total * 9 {
            paper = value;
            break;
        }
    }
    let ink_below = paper.saturating_sub(80);
    let ink: u64 = histogram[..ink_below].iter().sum();
    (ink as f64) / (total as f64) < BLANK_INK_SHARE
}

/// Assesses one decoded page.
pub fn assess(page: &super::decode::PageImage, paper: Paper) -> PageQuality {
    let (dpi, dpi_estimated) = match page.dpi {
        Some(d) if d > 0 => (d, false),
        _ => (estimate_dpi(page.width, page.height, paper), true),
    };
    let blank = is_blank(&page.pixels);
    PageQuality {
        dpi,
        dpi_estimated,
        blank,
        skew_degrees: if blank {
            None
        } else {
            super::skew::measure(&page.pixels)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_low_confidence_notable_skew_and_estimated_resolution() {
        let mut q = PageQuality {
            dpi: 300,
            dpi_estimated: false,
            blank: false,
            skew_degrees: Some(0.4),
        };
        assert!(warnings(&q, None).is_empty());
        assert!(warnings(&q, Some(LOW_CONFIDENCE)).is_empty());
        assert_eq!(
            warnings(&q, Some(LOW_CONFIDENCE - 1)),
            ["low_ocr_confidence"]
        );
        q.skew_degrees = Some(-2.5);
        q.dpi_estimated = true;
        assert_eq!(warnings(&q, Some(90)), ["skewed", "resolution_estimated"]);
    }

    #[test]
    fn an_a4_page_of_2480_by_3508_pixels_is_300_dpi() {
        assert_eq!(estimate_dpi(2480, 3508, Paper::A4), 300);
        assert_eq!(estimate_dpi(3508, 2480, Paper::A4), 300, "landscape too");
    }

    #[test]
    fn a_card_of_1011_by_638_pixels_is_300_dpi() {
        assert_eq!(estimate_dpi(1011, 638, Paper::Id1), 300);
    }

    #[test]
    fn white_paper_with_specks_is_blank_and_a_line_of_text_is_not() {
        let mut page = GrayImage::from_pixel(1000, 1400, image::Luma([245]));
        for i in 0..60 {
            page.put_pixel((i * 37) % 1000, (i * 53) % 1400, image::Luma([120]));
        }
        assert!(is_blank(&page));
        for x in 100..900 {
            for y in 200..215 {
                page.put_pixel(x, y, image::Luma([20]));
            }
        }
        assert!(!is_blank(&page));
    }

    #[test]
    fn a_grey_toned_blank_sheet_is_still_blank() {
        let page = GrayImage::from_pixel(500, 700, image::Luma([190]));
        assert!(is_blank(&page));
    }

    #[test]
    fn the_blank_back_fixture_is_blank_and_every_paper_fixture_is_not() {
        let limits = super::super::decode::Limits {
            max_pixels: 60_000_000,
            max_pages: 10,
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for (file, blank) in [
            ("blank_back.png", true),
            ("birth_certificate.png", false),
            ("cccd_front.jpg", false),
            ("criminal_record_certificate.jpg", false),
            ("two_page.tiff", false),
            ("two_page.pdf", false),
            ("low_resolution.png", false),
        ] {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let (_, pages) = super::super::decode::decode_all(&bytes, &limits).unwrap();
            for page in &pages {
                assert_eq!(assess(page, Paper::A4).blank, blank, "{file}");
            }
        }
    }
}
