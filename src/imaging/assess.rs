//! The counter's quality gate on the pixels, judged while the citizen
//! waits: each page's resolution (stated by the file, or estimated from its
//! pixel size and the declared paper size), whether it is blank (the empty
//! back side a duplex feeder also scans) and how crooked it was fed. What
//! the verdict means for the officer is the domain's
//! ([`crate::domain::quality`]).

use image::GrayImage;

use crate::domain::quality::{Capture, Outline, PageQuality, Paper, estimate_dpi};

/// How much darker than the paper a pixel must be to count as ink.
const INK_BELOW_PAPER: usize = 80;
/// A mark a person made spans at least this much of the page (6 mm of A4's
/// 297), in either direction: a short word, an initial, a stamp's ring.
/// Dust and specks, however many, are each far smaller.
const MARK_SPAN_MM: usize = 6;
/// Cells of ink a mark holds at least.
const MARK_CELLS: usize = 8;
/// The border left out of the test, in thousandths of each side: where
/// scanner lids leave grey bands and shadows.
const EDGE_PER_MILLE: u32 = 30;

/// The brightness histogram of every other pixel of every other row: a
/// quarter of the work, and a text line is still hundreds of samples wide.
fn histogram(page: &GrayImage) -> [u64; 256] {
    let mut histogram = [0u64; 256];
    let width = page.width() as usize;
    for row in page.as_raw().chunks_exact(width.max(1)).step_by(2) {
        for p in row.iter().step_by(2) {
            histogram[*p as usize] += 1;
        }
    }
    histogram
}

/// The paper's own tone: the brightness that 90% of pixels are at or below.
fn paper_of(histogram: &[u64; 256]) -> usize {
    let total: u64 = histogram.iter().sum();
    let mut seen = 0;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 10 >= total * 9 {
            return value;
        }
    }
    255
}

/// The paper's tone of a page, 0–255.
pub fn paper_level(page: &GrayImage) -> u8 {
    paper_of(&histogram(page)).min(255) as u8
}

/// Whether a page carries nothing a person would call content. The page is
/// cut into cells of about a millimetre; a cell is inked when enough of its
/// pixels are much darker than the paper's own tone; inked cells a cell or
/// two apart make one mark. Any mark spanning [`MARK_SPAN_MM`] — a line of
/// text, a signature, a stamp, a table's rule — makes the page not blank,
/// however little of it is ink (a one-line annex inks under 0.1% of an A4
/// page); specks of dust stay apart and small.
pub fn is_blank(page: &GrayImage) -> bool {
    let histogram = histogram(page);
    if histogram.iter().sum::<u64>() == 0 {
        return true;
    }
    let ink_below = paper_of(&histogram).saturating_sub(INK_BELOW_PAPER) as u8;
    let (w, h) = page.dimensions();
    // About a millimetre: the page's long side taken as A4's 297 mm.
    let cell = (w.max(h) / 297).max(2);
    let (x0, y0) = (w * EDGE_PER_MILLE / 1000, h * EDGE_PER_MILLE / 1000);
    let (cols, rows) = (
        ((w - 2 * x0) / cell) as usize,
        ((h - 2 * y0) / cell) as usize,
    );
    if cols == 0 || rows == 0 {
        return true;
    }
    let needed = ((cell * cell) / 16).max(1);
    let mut inked = vec![false; cols * rows];
    let raw = page.as_raw();
    for r in 0..rows {
        for c in 0..cols {
            let mut dark = 0;
            'cell: for y in 0..cell {
                let row = ((y0 + r as u32 * cell + y) * w + x0 + c as u32 * cell) as usize;
                for p in &raw[row..row + cell as usize] {
                    if *p < ink_below {
                        dark += 1;
                        if dark >= needed {
                            break 'cell;
                        }
                    }
                }
            }
            inked[r * cols + c] = dark >= needed;
        }
    }
    !has_mark(&inked, cols, rows, MARK_SPAN_MM)
}

/// Whether the inked cells hold a mark: a group of at least [`MARK_CELLS`]
/// cells, each within two cells of another, spanning `span` cells.
fn has_mark(inked: &[bool], cols: usize, rows: usize, span: usize) -> bool {
    let mut seen = vec![false; inked.len()];
    let mut stack = Vec::new();
    for start in 0..inked.len() {
        if !inked[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut count, mut left, mut right, mut top, mut bottom) =
            (0, usize::MAX, 0, usize::MAX, 0);
        while let Some(i) = stack.pop() {
            let (r, c) = (i / cols, i % cols);
            count += 1;
            (left, right, top, bottom) = (left.min(c), right.max(c), top.min(r), bottom.max(r));
            for nr in r.saturating_sub(2)..(r + 3).min(rows) {
                for nc in c.saturating_sub(2)..(c + 3).min(cols) {
                    let j = nr * cols + nc;
                    if inked[j] && !seen[j] {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        if count >= MARK_CELLS && (right - left + 1 >= span || bottom - top + 1 >= span) {
            return true;
        }
    }
    false
}

/// At or below this stated resolution a file is a photo's: phones and
/// cameras state 72 or 96 dpi whatever their real resolution.
const PHOTO_DPI: u32 = 96;

/// Assesses one decoded page: finds the paper when it lies on something
/// else, and judges its resolution from its own pixels when it is a photo.
pub fn assess(page: &super::decode::PageImage, paper: Paper) -> PageQuality {
    let stated = page.dpi.filter(|d| *d > 0);
    let found = super::page::find(&page.pixels, paper);
    let photo = match stated {
        Some(d) => d <= PHOTO_DPI,
        None => found.is_some(),
    };
    let (dpi, dpi_estimated) = match (&found, stated) {
        (Some(f), _) if photo => (f.dpi, true),
        // A photo whose paper cannot be told from its surroundings (dim
        // light, a shadow across it) is judged as if the paper filled the
        // frame: its header's 72 dpi says nothing.
        (None, _) if photo => (estimate_dpi(page.width, page.height, paper), true),
        (_, Some(d)) => (d, false),
        (_, None) => (estimate_dpi(page.width, page.height, paper), true),
    };
    let blank = is_blank(&page.pixels);
    PageQuality {
        dpi,
        dpi_estimated,
        capture: if photo { Capture::Photo } else { Capture::Scan },
        page_found: found.is_some(),
        outline: found.map(|f| Outline {
            corners: f.corners.map(|(x, y)| [x, y]),
            width: f.width,
            height: f.height,
        }),
        blank,
        // A page found is flattened whole; the skew of a scan is measured,
        // and of a photo whose paper was not found, once its light is
        // evened: in a dim room the desk and a shadowed paper are as dark
        // as ink, and would be measured as lines.
        skew_degrees: if blank || found.is_some() {
            None
        } else if photo {
            super::skew::measure(&super::light::flatten(&page.pixels))
        } else {
            super::skew::measure(&page.pixels)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_photo_whose_paper_cannot_be_found_is_judged_by_its_frame_not_its_header() {
        // Dim and even: no paper stands out from anything around it.
        let mut pixels = GrayImage::from_pixel(1500, 2000, image::Luma([90]));
        for y in (300..1700).step_by(60) {
            for x in 200..1300 {
                for dy in 0..12 {
                    pixels.put_pixel(x, y + dy, image::Luma([30]));
                }
            }
        }
        let page = crate::imaging::decode::PageImage {
            width: 1500,
            height: 2000,
            dpi: Some(72),
            pixels,
            colour: None,
        };
        let q = assess(&page, Paper::A4);
        assert_eq!((q.capture, q.page_found), (Capture::Photo, false));
        assert!(q.dpi_estimated && (170..=190).contains(&q.dpi), "{q:?}");
    }

    #[test]
    fn a_page_with_one_line_a_signature_or_a_stamp_is_not_blank_and_a_dusty_back_is() {
        let limits = crate::imaging::decode::Limits {
            max_pixels: 60_000_000,
            max_pages: 10,
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sparse");
        for (file, blank) in [
            ("one_line.png", false),
            ("one_line_16bit.png", false),
            ("one_line_progressive.jpg", false),
            ("one_line_cmyk.jpg", false),
            ("with_annex.tiff", false),
            ("one_line.pdf", false),
            ("signature_only.png", false),
            ("stamp_only.png", false),
            ("dusty_back.png", true),
        ] {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let (_, pages) = crate::imaging::decode::decode_all(&bytes, &limits).unwrap();
            for (n, page) in pages.iter().enumerate() {
                assert_eq!(is_blank(&page.pixels), blank, "{file} page {}", n + 1);
            }
        }
    }

    #[test]
    fn a_grey_toned_blank_sheet_is_still_blank() {
        let page = GrayImage::from_pixel(500, 700, image::Luma([190]));
        assert!(is_blank(&page));
    }

    #[test]
    fn the_blank_back_fixture_is_blank_and_every_paper_fixture_is_not() {
        let limits = crate::imaging::decode::Limits {
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
            let (_, pages) = crate::imaging::decode::decode_all(&bytes, &limits).unwrap();
            for page in &pages {
                assert_eq!(assess(page, Paper::A4).blank, blank, "{file}");
            }
        }
    }
}
