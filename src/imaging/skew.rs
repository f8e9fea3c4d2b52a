//! Skew: how far a page was fed crooked, and straightening it for OCR. The
//! original file is never touched; only the pixels handed to Tesseract are
//! rotated.
//!
//! Measurement: on a reduced copy, the dark ("ink") pixels are projected onto
//! the vertical axis at each candidate angle; text lines line up, and the
//! profile is sharpest, at the page's skew. Coarse steps, then fine ones.

use image::{GrayImage, ImageBuffer, Pixel};

/// Angles searched, in degrees either way; scans fed further off than this
/// are rare and better rescanned.
const MAX_DEGREES: f64 = 8.0;
/// Below this the page is left as it is.
pub const NEGLIGIBLE_DEGREES: f64 = 0.15;
/// Width of the reduced copy used for measuring.
const WORK_WIDTH: u32 = 500;

/// The page's skew in degrees, positive when its content is turned
/// counter-clockwise; `None` when there is too little ink to tell.
pub fn measure(page: &GrayImage) -> Option<f64> {
    let step = (page.width() / WORK_WIDTH).max(1);
    let ink = ink_points(page, step);
    if ink.len() < 200 {
        return None;
    }
    // Projected positions stay within ± the reduced page's diagonal.
    let (w, h) = (page.width() / step + 1, page.height() / step + 1);
    let reach = ((w as f64).hypot(h as f64)).ceil() as i64 + 1;
    let mut bins = vec![0u64; (2 * reach + 1) as usize];
    // `every`: use every n-th ink point (the coarse search needs fewer).
    let mut score = |degrees: f64, every: usize| {
        let (sin, cos) = degrees.to_radians().sin_cos();
        bins.iter_mut().for_each(|b| *b = 0);
        for &(x, y) in ink.iter().step_by(every) {
            bins[((y * cos - x * sin).round() as i64 + reach) as usize] += 1;
        }
        bins.iter().map(|c| c * c).sum::<u64>()
    };
    let mut best_in = |from: f64, to: f64, by: f64, every: usize| {
        let mut best = (from, 0u64);
        let mut angle = from;
        while angle <= to + 1e-9 {
            let s = score(angle, every);
            if s > best.1 {
                best = (angle, s);
            }
            angle += by;
        }
        best.0
    };
    let coarse = best_in(-MAX_DEGREES, MAX_DEGREES, 0.5, 3);
    let fine = best_in(coarse - 0.5, coarse + 0.5, 0.05, 1);
    // y grows downwards in images, so a line turned counter-clockwise has
    // y falling as x grows: the best projection angle has the opposite sign.
    Some((-fine * 100.0).round() / 100.0)
}

/// Coordinates (in reduced pixels) of pixels much darker than the paper.
fn ink_points(page: &GrayImage, step: u32) -> Vec<(f64, f64)> {
    let mut histogram = [0u64; 256];
    for p in page.as_raw().iter().step_by(step as usize) {
        histogram[*p as usize] += 1;
    }
    let total: u64 = histogram.iter().sum();
    let mut seen = 0;
    let mut paper = 255u8;
    for (value, count) in histogram.iter().enumerate() {
        seen += count;
        if seen * 10 >= total * 9 {
            paper = value as u8;
            break;
        }
    }
    let threshold = paper.saturating_sub(80);
    let mut points = Vec::new();
    let width = page.width() as usize;
    for (ry, row) in page
        .as_raw()
        .chunks_exact(width.max(1))
        .step_by(step as usize)
        .enumerate()
    {
        for (rx, p) in row.iter().step_by(step as usize).enumerate() {
            if *p < threshold {
                points.push((rx as f64, ry as f64));
            }
        }
    }
    points
}

/// The page turned by `-degrees` about its centre (undoing a skew of
/// `degrees`), same size, uncovered corners filled with white.
pub fn straighten<P>(page: &ImageBuffer<P, Vec<u8>>, degrees: f64) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let (w, h) = page.dimensions();
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    // Screen coordinates (y down): turning a point counter-clockwise by t maps
    // (dx, dy) to (dx cos t + dy sin t, -dx sin t + dy cos t). The output turns
    // the page by -degrees, so each output pixel samples the input at the
    // point turned by +degrees.
    let (sin, cos) = degrees.to_radians().sin_cos();
    let channels = P::CHANNEL_COUNT as usize;
    let white = [255u8; 4];
    let mut out = ImageBuffer::from_pixel(w, h, *P::from_slice(&white[..channels]));
    let mut sample = [0u8; 4];
    for y in 0..h {
        for x in 0..w {
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            let sx = cos * dx + sin * dy + cx;
            let sy = -sin * dx + cos * dy + cy;
            if sx < 0.0 || sy < 0.0 || sx >= (w - 1) as f64 || sy >= (h - 1) as f64 {
                continue;
            }
            let (x0, y0) = (sx.floor() as u32, sy.floor() as u32);
            let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
            for (c, value) in sample.iter_mut().enumerate().take(channels) {
                let p = |x, y| page.get_pixel(x, y).channels()[c] as f64;
                let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
                let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
                *value = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
            out.put_pixel(x, y, *P::from_slice(&sample[..channels]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text-like bars on white, turned by `degrees` counter-clockwise.
    fn lines_turned(degrees: f64) -> GrayImage {
        let mut straight = GrayImage::from_pixel(1200, 1600, image::Luma([250]));
        for row in 0..20 {
            for x in 150..1050 {
                if (x / 23) % 5 == 4 {
                    continue; // gaps between "words"
                }
                for y in (200 + row * 60)..(214 + row * 60) {
                    straight.put_pixel(x, y, image::Luma([20]));
                }
            }
        }
        straighten(&straight, -degrees)
    }

    #[test]
    fn a_page_turned_three_degrees_measures_three_degrees() {
        let skew = measure(&lines_turned(3.0)).unwrap();
        assert!((skew - 3.0).abs() < 0.2, "measured {skew}");
        let skew = measure(&lines_turned(-2.0)).unwrap();
        assert!((skew + 2.0).abs() < 0.2, "measured {skew}");
    }

    #[test]
    fn a_straight_page_measures_close_to_zero_and_a_blank_one_not_at_all() {
        assert!(measure(&lines_turned(0.0)).unwrap().abs() < 0.2);
        assert_eq!(
            measure(&GrayImage::from_pixel(800, 1000, image::Luma([250]))),
            None
        );
    }

    #[test]
    fn straightening_a_turned_page_brings_it_back_to_zero() {
        let turned = lines_turned(4.0);
        let fixed = straighten(&turned, measure(&turned).unwrap());
        assert!(measure(&fixed).unwrap().abs() < 0.2);
    }
}
