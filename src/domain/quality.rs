//! The counter's verdict on a page, and the rules that turn it into advice
//! for the officer while the citizen waits. The pixels are judged in
//! `imaging`; this module holds what the verdict is and what it means.

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
    pub fn inches(self) -> (f64, f64) {
        match self {
            Paper::A4 => (297.0 / 25.4, 210.0 / 25.4),
            Paper::A5 => (210.0 / 25.4, 148.0 / 25.4),
            Paper::Id1 => (85.6 / 25.4, 54.0 / 25.4),
        }
    }

    /// `A4`, `A5` or `ID1`, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "A4" => Some(Paper::A4),
            "A5" => Some(Paper::A5),
            "ID1" => Some(Paper::Id1),
            _ => None,
        }
    }
}

/// How a page was captured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Capture {
    /// A flatbed or feeder scan: the file's resolution is the page's.
    #[default]
    Scan,
    /// A photo (a phone, a document camera): the page's own pixels give its
    /// resolution, whatever the header says.
    Photo,
}

/// Where the paper lies in a capture, to cut it out and flatten it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outline {
    /// Top left, top right, bottom right, bottom left, in the capture's pixels.
    pub corners: [[f32; 2]; 4],
    /// The flattened page's size, in pixels.
    pub width: u32,
    pub height: u32,
}

/// What the gate found on one page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageQuality {
    /// Resolution in dots per inch: the file's for a scan, the page's own
    /// pixels for a photo.
    pub dpi: u32,
    /// True when `dpi` is not the file's statement: estimated from the
    /// page's pixel size and the paper size, or from the paper found in a photo.
    pub dpi_estimated: bool,
    #[serde(default)]
    pub capture: Capture,
    /// True when the paper (or card) was found apart from what surrounds it
    /// (a desk, a scanner bed): it is cut out and flattened for reading.
    #[serde(default)]
    pub page_found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Outline>,
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
/// `low_ocr_confidence` (once OCR is done), `skewed`, `resolution_estimated`
/// (a scan whose file states no resolution; a photo's is its page's own).
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
    if quality.dpi_estimated && quality.capture == Capture::Scan {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_name_low_confidence_notable_skew_and_estimated_resolution() {
        let mut q = PageQuality {
            dpi: 300,
            dpi_estimated: false,
            capture: Capture::Scan,
            page_found: false,
            outline: None,
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
    fn paper_sizes_parse_in_any_case() {
        assert_eq!(Paper::parse("a5"), Some(Paper::A5));
        assert_eq!(Paper::parse("ID1"), Some(Paper::Id1));
        assert_eq!(Paper::parse("letter"), None);
    }
}
