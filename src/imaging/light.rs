//! Evening out the light: a phone photo is darker at one end, a hand's
//! shadow crosses it, a dim room greys it all. The paper's own brightness is
//! estimated at every point (the brightest nearby, on a reduced copy,
//! smoothed) and each pixel is divided by it, so the paper comes out white
//! and the ink keeps its contrast; the colour page the detector reads is
//! evened by the same estimate ([`flatten_colour`]). A line's contrast is then stretched on
//! its own ([`stretch`]).

use image::{GrayImage, Luma, RgbImage, imageops};

/// The reduced copy is this many times smaller than the page.
const REDUCTION: u32 = 16;

/// The page with its paper evened out to white.
pub fn flatten(page: &GrayImage) -> GrayImage {
    let Some(paper) = paper(page) else {
        return page.clone();
    };
    let mut out = GrayImage::new(page.width(), page.height());
    for ((o, p), b) in out.pixels_mut().zip(page.pixels()).zip(paper.pixels()) {
        o.0[0] = evened(p.0[0], b.0[0]);
    }
    out
}

/// The page in colour with its paper evened out to white in each channel:
/// a dim photo's warm cast and a hand's shadow go, so a pixel's colour is
/// its ink's (a warm lamp tints the paper and the ink alike) and the
/// text-line detector sees the contrast a scan would have.
pub fn flatten_colour(colour: &RgbImage) -> RgbImage {
    let channels: Vec<GrayImage> = (0..3)
        .map(|c| {
            GrayImage::from_fn(colour.width(), colour.height(), |x, y| {
                Luma([colour.get_pixel(x, y).0[c]])
            })
        })
        .collect();
    let papers: Option<Vec<GrayImage>> = channels.iter().map(paper).collect();
    let Some(papers) = papers else {
        return colour.clone();
    };
    RgbImage::from_fn(colour.width(), colour.height(), |x, y| {
        let p = colour.get_pixel(x, y).0;
        image::Rgb([0, 1, 2].map(|c| evened(p[c], papers[c].get_pixel(x, y).0[0])))
    })
}

/// A pixel divided by the paper's brightness where it is.
fn evened(value: u8, paper: u8) -> u8 {
    let background = u32::from(paper).max(24);
    (u32::from(value) * 255 / background).min(255) as u8
}

/// The paper's own brightness at every point of `page`: the brightest
/// nearby on a reduced copy (paper, not ink), smoothed and brought back to
/// the page's size. None for a page too small to reduce.
fn paper(page: &GrayImage) -> Option<GrayImage> {
    let (w, h) = page.dimensions();
    if w < 2 * REDUCTION || h < 2 * REDUCTION {
        return None;
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
    Some(imageops::resize(
        &paper,
        w,
        h,
        imageops::FilterType::Triangle,
    ))
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

    #[test]
    fn a_page_under_a_warm_dim_lamp_comes_out_white_with_its_inks_kept() {
        // Paper lit (150, 128, 92) on the left, shadowed to a third on the
        // right; black print and a red seal on it, lit and dimmed alike.
        let lamp = |x: u32| 1.0 - 0.66 * x as f32 / 640.0;
        let page = RgbImage::from_fn(640, 320, |x, y| {
            let ink = match (x, y) {
                (100..=160 | 500..=560, 150..=156) => [0.2, 0.2, 0.2],
                (200..=240, 200..=240) => [0.9, 0.2, 0.2],
                _ => [1.0, 1.0, 1.0],
            };
            let warm = [150.0, 128.0, 92.0];
            image::Rgb([0, 1, 2].map(|c| (warm[c] * ink[c] * lamp(x)) as u8))
        });
        let flat = flatten_colour(&page);
        let [r, g, b] = flat.get_pixel(20, 50).0;
        assert!(
            r > 235 && g > 235 && b > 235,
            "lit paper is white: {r} {g} {b}"
        );
        let [r, g, b] = flat.get_pixel(600, 50).0;
        assert!(
            r > 225 && g > 225 && b > 225,
            "shadowed paper is white: {r} {g} {b}"
        );
        for x in [130, 530] {
            let [r, g, b] = flat.get_pixel(x, 152).0;
            assert!(r < 90 && g < 90 && b < 90, "print stays black: {r} {g} {b}");
        }
        let [r, g, b] = flat.get_pixel(220, 220).0;
        assert!(
            crate::imaging::ink::classify(r, g, b, g, 250) == crate::imaging::ink::Ink::Red,
            "the seal stays red: {r} {g} {b}"
        );
    }
}
