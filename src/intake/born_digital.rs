//! Born-digital PDFs: papers an agency issued as PDF, not scanned. Their text
//! is taken from the PDF itself (lopdf, through each font's ToUnicode map);
//! only pages without text (a scanned annex) are decoded as images for OCR.
//! The file itself is kept byte for byte, so a digital signature inside it
//! stays intact.

use lopdf::Document;

use super::decode::{self, DecodeError, Limits};

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

/// The pages of `bytes` if it is a born-digital PDF (some page carries
/// text), or `None` for a scanner PDF (images only).
pub fn pages(bytes: &[u8], limits: &Limits) -> Result<Option<Vec<TextPage>>, DecodeError> {
    let doc = decode::load_pdf(bytes, limits)?;
    let max_stream = decode::pdf_stream_limit(limits);
    let page_ids = doc.get_pages();
    let mut pages = Vec::with_capacity(page_ids.len());
    for (&number, &page_id) in &page_ids {
        let text = doc
            .extract_text_with_limit(&[number], max_stream)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| t.chars().filter(|c| !c.is_whitespace()).count() >= MIN_TEXT_CHARS);
        let (width_pt, height_pt) = media_box(&doc, page_id).unwrap_or((595, 842));
        pages.push(TextPage {
            text,
            width_pt,
            height_pt,
        });
    }
    Ok(pages.iter().any(|p| p.text.is_some()).then_some(pages))
}

fn media_box(doc: &Document, page_id: lopdf::ObjectId) -> Option<(u32, u32)> {
    let mut id = page_id;
    for _ in 0..32 {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(b) = dict
            .get(b"MediaBox")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_array())
        {
            let n: Vec<f64> = b
                .iter()
                .filter_map(|o| {
                    o.as_float()
                        .ok()
                        .map(f64::from)
                        .or_else(|| o.as_i64().ok().map(|v| v as f64))
                })
                .collect();
            if n.len() == 4 {
                return Some((
                    (n[2] - n[0]).abs().round() as u32,
                    (n[3] - n[1]).abs().round() as u32,
                ));
            }
        }
        id = dict
            .get(b"Parent")
            .and_then(lopdf::Object::as_reference)
            .ok()?;
    }
    None
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

    #[test]
    fn a_born_digital_pdf_gives_its_own_vietnamese_text_and_marks_its_scanned_page() {
        let pages = pages(&fixture("born_digital_result.pdf"), &limits())
            .unwrap()
            .expect("born-digital");
        assert_eq!(pages.len(), 2);
        let text = pages[0].text.as_deref().unwrap();
        assert!(text.contains("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"), "{text}");
        assert!(text.contains("NGUYỄN VĂN AN"), "{text}");
        assert_eq!((pages[0].width_pt, pages[0].height_pt), (595, 842));
        assert!(pages[1].text.is_none(), "the annex is a scan");
    }

    #[test]
    fn a_scanner_pdf_is_not_born_digital() {
        assert!(
            pages(&fixture("two_page.pdf"), &limits())
                .unwrap()
                .is_none()
        );
    }
}
