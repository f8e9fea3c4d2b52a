//! Evening out the light: a phone photo is darker at one end, a hand's
//! shadow crosses it, a dim room greys it all. The paper's own brightness is
//! estimated at every point (the brightest nearby, on a reduced copy,
//! smoothed) and each pixel is divided by it, so the paper comes out white
//! and the ink keeps its contrast. A line's contrast is then stretched on
//! its own ([`stretch`]).

use image::{GrayImage, Luma, imageops};

/// The reduced copy is this many times smaller than the page.
const REDUCTION: u32 = 16;

/// The page with its paper evened out to white.
pub fn flatten(page: &GrayImage) -> GrayImage {
    let (w, h) = page.dimensions();
    if w < 2 * REDUCTION || h < 2 * REDUCTION {
        return page.clone();
    }
    let (sw, sh) = ((w / REDUCTION).max(2), (h / REDUCTION).max(2));
    let small = imageops::resize(page, sw, sh, imageops::FilterType::Triangle);
    // The brightest within two reduced pixels: paper, not ink.
    let mut paper = GrayImage::new(sw, sh);
    for y in 0..sh {
        for x in 0..sw {
            let mut best = 0u8;
            for dy in y.saturating_sub(2)..(y + 3).min(sh) {
                for dx in x.saturating_sub(2)..(x + 3).min(sw) {
                    best = best.max(small.get_pixel(dx, dy).0[0]);
                }
            }
            paper.put_pixel(x, y, Luma([best]));
        }
    }
    let paper = imageproc::filter::box_filter(&paper, 2, 2);
    let paper = imageops::resize(&paper, w, h, imageops::FilterType::Triangle);
    let mut out = GrayImage::new(w, h);
    for (x, y, p) in page.enumerate_pixels() {
        let background = u32::from(paper.get_pixel(x, y).0[0]).max(24);
        let v = (u32::from(p.0[0]) * 255 / background).min(255);
        out.put_pixel(x, y, Luma([v as u8]));
    }
    out
}

/// A line's contrast stretched: its darkest 2% to black, its brightest 10%
/// to white.
pub fn stretch(line: &mut GrayImage) {
    let mut histogram = [0u32; 256];
    for p in line.pixels() {
        histogram[p.0[0] as usize] += 1;
    }
    let total: u32 = histogram.iter().sum();
    if total == 0 {
        return;
    }
    let at = |share: f32| {
        let mut seen = 0;
        for (v, n) in histogram.iter().enumerate() {
            seen += n;
            if seen as f32 >= share * total as f32 {
                return v as i32;
            }
        }
        255
    };
    let (low, high) = (at(0.02), at(0.90));
    if high - low < 24 {
        return;
    }
    for p in line.pixels_mut() {
        let v = (i32::from(p.0[0]) - low) * 255 / (high - low);
        p.0[0] = v.clamp(0, 255) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shadow_across_the_paper_is_evened_out_and_the_ink_kept() {
        // Paper going from 240 on the left to 110 on the right, with a dark stroke.
        let mut page = GrayImage::from_fn(640, 320, |x, _| Luma([(240 - x * 130 / 640) as u8]));
        for x in 500..560 {
            for y in 150..156 {
                page.put_pixel(x, y, Luma([40]));
            }
        }
        let flat = flatten(&page);
        assert!(flat.get_pixel(20, 50).0[0] > 230);
        assert!(
            flat.get_pixel(600, 50).0[0] > 225,
            "the shadowed paper is white"
        );
        assert!(flat.get_pixel(530, 152).0[0] < 110, "the stroke stays dark");
    }

    #[test]
    fn a_dim_line_is_stretched_to_full_contrast() {
        let mut line =
            GrayImage::from_fn(100, 20, |x, _| Luma([if x % 10 < 2 { 90 } else { 140 }]));
        stretch(&mut line);
        assert_eq!(line.get_pixel(0, 0).0[0], 0);
        assert_eq!(line.get_pixel(5, 0).0[0], 255);
    }
}
