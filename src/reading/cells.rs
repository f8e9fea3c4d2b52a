//! One cell's inks, and the cutting of a cell into pieces read apart: a
//! printed label and the value written by hand after it, a signature drawn
//! over the signer's printed name.

use image::GrayImage;

use super::pipeline::Prepared;
use crate::imaging::leaders;

/// Darker than this, in the print image, is print.
const PRINT: u8 = 110;

/// The inks in one cell's box.
#[derive(Debug, Default)]
pub(super) struct CellInks {
    pub(super) blue: u32,
    red: u32,
    print: u32,
    /// Print pixels in the columns that hold blue ink.
    print_under_blue: u32,
    /// Whether each column holds blue ink.
    pub(super) blue_columns: Vec<bool>,
}

impl CellInks {
    pub(super) fn of(page: &Prepared, (x, y, w, h): (u32, u32, u32, u32)) -> Self {
        let mut out = Self {
            blue_columns: vec![false; w as usize],
            ..Self::default()
        };
        let Some(print) = &page.print else {
            return out;
        };
        for cx in x..x + w {
            let (mut blue, mut under) = (0, 0);
            for cy in y..y + h {
                if page
                    .blue
                    .as_ref()
                    .is_some_and(|b| b.get_pixel(cx, cy).0[0] > 0)
                {
                    blue += 1;
                } else if page
                    .red
                    .as_ref()
                    .is_some_and(|r| r.get_pixel(cx, cy).0[0] > 0)
                {
                    out.red += 1;
                } else if print.get_pixel(cx, cy).0[0] < PRINT {
                    out.print += 1;
                    under += 1;
                }
            }
            if blue > 0 {
                out.blue += blue;
                out.print_under_blue += under;
                out.blue_columns[(cx - x) as usize] = true;
            }
        }
        out
    }

    /// Blue ink drawn over print (a signature across the signer's name)
    /// rather than beside it (a value filled in after a printed label).
    pub(super) fn blue_over_print(&self) -> bool {
        self.blue > 0 && self.print_under_blue * 3 > self.blue
    }

    /// Counts the print under the blue again on `print` cropped to the cell
    /// with its leaders cleared: the dots a value is written over are no
    /// print to speak of.
    pub(super) fn recount_under_blue(
        &mut self,
        print: &GrayImage,
        (x, y, w, h): (u32, u32, u32, u32),
    ) {
        let mut crop = image::imageops::crop_imm(print, x, y, w, h).to_image();
        leaders::clear(&mut crop);
        self.print_under_blue = 0;
        for (cx, _, p) in crop.enumerate_pixels() {
            if self.blue_columns[cx as usize] && p.0[0] < PRINT {
                self.print_under_blue += 1;
            }
        }
    }

    /// Mostly red: a heading printed in red (on an ID card), read as it is.
    pub(super) fn red_print(&self) -> bool {
        self.red > 40 && self.red > 3 * (self.print + self.blue)
    }
}

/// A stretch of a cell's columns read on its own: printed, or by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Piece {
    pub(super) x0: u32,
    pub(super) x1: u32,
    pub(super) handwritten: bool,
}

/// A cell's columns cut where blue ink begins and ends (gaps in the
/// handwriting under `join` columns wide are bridged), so that a printed
/// label and the value written after it are read apart.
pub(super) fn pieces(blue_columns: &[bool], join: usize) -> Vec<Piece> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for (i, _) in blue_columns.iter().enumerate().filter(|(_, b)| **b) {
        match spans.last_mut() {
            Some(last) if i - last.1 <= join => last.1 = i + 1,
            _ => spans.push((i, i + 1)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end) in spans {
        if start > at {
            out.push(Piece {
                x0: at as u32,
                x1: start as u32,
                handwritten: false,
            });
        }
        out.push(Piece {
            x0: start as u32,
            x1: end as u32,
            handwritten: true,
        });
        at = end;
    }
    if at < blue_columns.len() {
        out.push(Piece {
            x0: at as u32,
            x1: blue_columns.len() as u32,
            handwritten: false,
        });
    }
    // Printed slivers (a stroke's tail, a dot of the leader) join the piece
    // before them; handwriting, however short ("Mẹ"), stays its own.
    let min = join as u32 / 6;
    let mut merged: Vec<Piece> = Vec::new();
    for piece in out {
        match merged.last_mut() {
            Some(last) if !piece.handwritten && piece.x1 - piece.x0 < min => last.x1 = piece.x1,
            _ => merged.push(piece),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_and_the_value_written_after_it_are_read_apart() {
        let mut columns = vec![false; 600];
        columns[400..440].fill(true); // "Mẹ", short
        let got: Vec<_> = pieces(&columns, 120)
            .iter()
            .map(|p| (p.x0, p.x1, p.handwritten))
            .collect();
        assert_eq!(
            got,
            vec![(0, 400, false), (400, 440, true), (440, 600, false)]
        );
    }

    #[test]
    fn gaps_between_handwritten_words_are_bridged() {
        let mut columns = vec![false; 600];
        columns[100..160].fill(true);
        columns[200..260].fill(true);
        let got: Vec<_> = pieces(&columns, 120)
            .iter()
            .map(|p| (p.x0, p.x1, p.handwritten))
            .collect();
        assert_eq!(
            got,
            vec![(0, 100, false), (100, 260, true), (260, 600, false)]
        );
    }
}
