//! Telling inks apart on a colour page: the black print Tesseract should
//! read, the red of seals and the blue of signatures and ballpoint pens. A
//! dark pixel is print whatever its tint (black text under a red seal stays
//! black); a light, strongly coloured one is ink of that colour.

use image::{GrayImage, Luma, RgbImage};

/// How much more one channel must be than the others for a pixel to be
/// coloured ink, on 0–255.
const CHROMA: i32 = 55;
/// Darker than this (the darkest channel) is print, whatever its tint.
const DARK: u8 = 60;
/// Beside coloured ink, lighter than this is its rim, not print.
const RIM: u8 = 110;

/// What each pixel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ink {
    Paper,
    Print,
    Red,
    Blue,
}

/// The ink of one pixel.
pub fn classify(r: u8, g: u8, b: u8, grey: u8, paper_level: u8) -> Ink {
    let (ri, gi, bi) = (i32::from(r), i32::from(g), i32::from(b));
    let max = ri.max(gi).max(bi);
    let min = ri.min(gi).min(bi);
    if min < i32::from(DARK) && max - min < 2 * CHROMA {
        return Ink::Print;
    }
    if max - min >= CHROMA {
        if ri >= gi + CHROMA / 2 && ri >= bi + CHROMA / 2 {
            return Ink::Red;
        }
        if bi >= ri + CHROMA / 2 && bi >= gi - 10 {
            return Ink::Blue;
        }
    }
    if grey < paper_level.saturating_sub(70) {
        Ink::Print
    } else {
        Ink::Paper
    }
}

/// A page's inks apart: `print` is the grey page with coloured ink turned to
/// paper; `blue` marks the blue ink (255) — handwriting or a signature;
/// `red` the red ink — a seal, or a heading printed in red.
pub struct Inks {
    pub print: GrayImage,
    pub blue: GrayImage,
    pub red: GrayImage,
    /// The grey page with only the red ink (seals) turned to paper.
    pub without_red: GrayImage,
}

/// Separates the inks of `colour`, whose grey is `grey` (same size).
pub fn separate(colour: &RgbImage, grey: &GrayImage) -> Inks {
    let paper = crate::imaging::assess::paper_level(grey);
    let (w, h) = grey.dimensions();
    let mut print = grey.clone();
    let mut without_red = grey.clone();
    let mut blue = GrayImage::new(w, h);
    let mut red = GrayImage::new(w, h);
    for (x, y, p) in colour.enumerate_pixels() {
        let [r, g, b] = p.0;
        match classify(r, g, b, grey.get_pixel(x, y).0[0], paper) {
            Ink::Red => {
                red.put_pixel(x, y, Luma([255]));
                print.put_pixel(x, y, Luma([paper]));
                without_red.put_pixel(x, y, Luma([paper]));
            }
            Ink::Blue => {
                print.put_pixel(x, y, Luma([paper]));
                blue.put_pixel(x, y, Luma([255]));
                // Blue ink read as handwriting: as dark as print.
                without_red.put_pixel(x, y, Luma([grey.get_pixel(x, y).0[0].min(90)]));
            }
            Ink::Print | Ink::Paper => {}
        }
    }
    // The anti-aliased rim of coloured ink is too pale to tell its colour:
    // what is left of it beside the ink, lighter than print, goes too.
    for y in 0..h {
        for x in 0..w {
            let (is_blue, is_red) = (blue.get_pixel(x, y).0[0] > 0, red.get_pixel(x, y).0[0] > 0);
            if !is_blue && !is_red {
                continue;
            }
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    if print.get_pixel(nx, ny).0[0] > RIM && grey.get_pixel(nx, ny).0[0] < paper {
                        print.put_pixel(nx, ny, Luma([paper]));
                        if is_red {
                            without_red.put_pixel(nx, ny, Luma([paper]));
                        }
                    }
                }
            }
        }
    }
    Inks {
        print,
        blue,
        red,
        without_red,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn black_print_red_seals_and_blue_pens_are_told_apart() {
        let paper = 245;
        assert_eq!(classify(20, 20, 25, 21, paper), Ink::Print);
        assert_eq!(classify(200, 40, 50, 100, paper), Ink::Red);
        assert_eq!(classify(220, 90, 100, 130, paper), Ink::Red, "a faint seal");
        assert_eq!(classify(30, 50, 160, 55, paper), Ink::Blue);
        assert_eq!(
            classify(60, 40, 30, 45, paper),
            Ink::Print,
            "black text under a red seal"
        );
        assert_eq!(classify(240, 238, 235, 238, paper), Ink::Paper);
    }

    #[test]
    fn a_seal_is_turned_to_paper_and_the_print_under_it_kept() {
        // Mostly paper, as a page is: its tone is what the seal becomes.
        let mut colour = RgbImage::from_pixel(40, 1, image::Rgb([245, 245, 245]));
        colour.put_pixel(0, 0, image::Rgb([210, 50, 50]));
        colour.put_pixel(1, 0, image::Rgb([25, 20, 20]));
        colour.put_pixel(2, 0, image::Rgb([40, 60, 170]));
        let grey = image::imageops::grayscale(&colour);
        let inks = separate(&colour, &grey);
        assert_eq!(
            inks.print.get_pixel(0, 0).0[0],
            inks.print.get_pixel(30, 0).0[0]
        );
        assert!(inks.print.get_pixel(1, 0).0[0] < 50);
        assert_eq!(inks.blue.get_pixel(2, 0).0[0], 255);
        assert_eq!(
            (inks.red.get_pixel(0, 0).0[0], inks.red.get_pixel(1, 0).0[0]),
            (255, 0)
        );
        assert!(
            inks.without_red.get_pixel(2, 0).0[0] <= 90,
            "handwriting stays readable"
        );
    }

    #[test]
    fn the_pale_rim_of_a_pen_stroke_goes_with_it_and_print_beside_it_stays() {
        let mut colour = RgbImage::from_pixel(40, 1, image::Rgb([245, 245, 245]));
        colour.put_pixel(10, 0, image::Rgb([40, 60, 170]));
        colour.put_pixel(11, 0, image::Rgb([170, 175, 200]));
        colour.put_pixel(9, 0, image::Rgb([25, 25, 25]));
        let grey = image::imageops::grayscale(&colour);
        let inks = separate(&colour, &grey);
        assert_eq!(
            inks.print.get_pixel(11, 0).0[0],
            inks.print.get_pixel(30, 0).0[0]
        );
        assert!(inks.print.get_pixel(9, 0).0[0] < 50);
    }
}
