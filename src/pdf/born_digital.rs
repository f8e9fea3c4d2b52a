//! Born-digital PDFs: papers an agency issued as PDF, not scanned. Their text
//! is taken from the PDF itself (lopdf, through each font's ToUnicode map);
//! only pages without text (a scanned annex) are decoded as images for OCR.
//! The file itself is kept byte for byte, so a digital signature inside it
//! stays intact.

use crate::imaging::decode::{Limits, Pdf};

/// Fewer visible characters than this on a page means it carries no text of
/// its own (stray marks, a page number).
const MIN_TEXT_CHARS: usize = 20;

/// One page of a born-digital PDF.
#[derive(Debug, Clone)]
pub struct TextPage {
    /// The page's own text, or `None` when it has none (OCR it).
    pub text: Option<String>,
    /// Page size in points (1/72 inch).
    pub width_pt: u32,
    pub height_pt: u32,
}

/// The pages of `pdf` if it is born-digital (some page carries text), or
/// `None` for a scanner PDF (images only).
pub fn pages(pdf: &Pdf, limits: &Limits) -> Option<Vec<TextPage>> {
    let pages: Vec<TextPage> = pdf
        .page_numbers()
        .map(|number| {
            let text = pdf
                .text(number, limits)
                .filter(|t| t.chars().filter(|c| !c.is_whitespace()).count() >= MIN_TEXT_CHARS);
            let (width, height) = pdf.size_points(number).unwrap_or((595.0, 842.0));
            TextPage {
                text,
                width_pt: width.round() as u32,
                height_pt: height.round() as u32,
            }
        })
        .collect();
    pages.iter().any(|p| p.text.is_some()).then_some(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_pixels: 60_000_000,
            max_pages: 100,
        }
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn parsed(name: &str) -> Pdf {
        Pdf::parse(&fixture(name), &limits()).unwrap()
    }

    #[test]
    fn a_born_digital_pdf_gives_its_own_vietnamese_text_and_marks_its_scanned_page() {
        let pages = pages(&parsed("born_digital_result.pdf"), &limits()).expect("born-digital");
        assert_eq!(pages.len(), 2);
        let text = pages[0].text.as_deref().unwrap();
        assert!(text.contains("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"), "{text}");
        assert!(text.contains("NGUYỄN VĂN AN"), "{text}");
        assert_eq!((pages[0].width_pt, pages[0].height_pt), (595, 842));
        assert!(pages[1].text.is_none(), "the annex is a scan");
    }

    #[test]
    fn a_scanner_pdf_is_not_born_digital() {
        assert!(pages(&parsed("two_page.pdf"), &limits()).is_none());
    }
}
