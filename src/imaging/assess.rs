//! The counter's quality gate on the pixels, judged while the citizen
//! waits: each page's resolution (stated by the file, or estimated from its
//! pixel size and the declared paper size), whether it is blank (the empty
//! back side a duplex feeder also scans) and how crooked it was fed. What
//! the verdict means for the officer is the domain's
//! ([`crate::domain::quality`]).

use image::GrayImage;

use crate::domain::quality::{Capture, Outline, PageQuality, Paper, estimate_dpi};

/// Share of pixels clearly darker than the paper below which a page is blank.
/// Text pages run to several percent; a blank back side with dust, far below.
const BLANK_INK_SHARE: f64 = 0.001;

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

/// Whether a page carries nothing: almost no pixel is much darker than the
/// paper's own tone.
pub fn is_blank(page: &GrayImage) -> bool {
    let histogram = histogram(page);
    let total: u64 = histogram.iter().sum();
    if total == 0 {
        return true;
    }
    let ink_below = paper_of(&histogram).saturating_sub(80);
    let ink: u64 = histogram[..ink_below].iter().sum();
    (ink as f64) / (total as f64) < BLANK_INK_SHARE
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
        // A page found is flattened whole; the skew of a scan is measured.
        skew_degrees: if blank || found.is_some() {
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
