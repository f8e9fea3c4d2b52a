//! Clearing ink a line's crop caught that is not the line's: the lines
//! above and below, cut by the crop's edge ([`clear_neighbours`]), and on a
//! grey page a seal's ring or a background pattern printed paler than the
//! text ([`clear_faint`]).

use std::collections::HashMap;

use image::{GrayImage, Luma};
use imageproc::region_labelling::{Connectivity, connected_components};

use super::leaders::{INK, darker_than, erase};

/// Darker than this is ink of some kind, print or not ([`clear_faint`]).
const FAINT: u8 = 190;
/// Print has pixels darker than this, once a line's contrast is stretched.
const CORE: u8 = 60;

/// On a grey line whose contrast was stretched, the ink far from any black
/// core turned to paper: a seal's ring or a background pattern printed
/// paler than the text, even where it runs into a letter. Letters keep their
/// core and the grey edge around it. Answers the pixels cleared.
pub fn clear_faint(line: &mut GrayImage) -> usize {
    let (w, h) = line.dimensions();
    if w < 8 || h < 8 {
        return 0;
    }
    let core = darker_than(line, CORE);
    let reach = (h / 40).clamp(2, 4) as u8;
    let near_core =
        imageproc::morphology::dilate(&core, imageproc::distance_transform::Norm::LInf, reach);
    let paper = crate::imaging::assess::paper_level(line);
    let mut cleared = 0;
    for (x, y, p) in line.enumerate_pixels_mut() {
        if p.0[0] < FAINT && near_core.get_pixel(x, y).0[0] == 0 {
            p.0[0] = paper;
            cleared += 1;
        }
    }
    cleared
}

/// The ink of neighbouring lines caught by a line's crop turned to paper:
/// blobs touching the crop's top or bottom edge whose middle lies in its
/// outer quarter (a descender of the line above, the top of the line
/// below, a seal's ring). The line's own letters, marks included, lie
/// within. Answers the number of blobs cleared.
pub fn clear_neighbours(line: &mut GrayImage) -> usize {
    let (w, h) = line.dimensions();
    if w < 8 || h < 8 {
        return 0;
    }
    let ink = darker_than(line, INK);
    let labels = connected_components(&ink, Connectivity::Eight, Luma([0]));
    let mut spans: HashMap<u32, (u32, u32)> = HashMap::new();
    for (_, y, l) in labels.enumerate_pixels() {
        if l.0[0] != 0 {
            let span = spans.entry(l.0[0]).or_insert((y, y));
            span.0 = span.0.min(y);
            span.1 = span.1.max(y);
        }
    }
    let (top, bottom) = (h as f32 * 0.25, h as f32 * 0.75);
    let gone: std::collections::HashSet<u32> = spans
        .iter()
        .filter(|(_, (y0, y1))| {
            let middle = (*y0 + *y1) as f32 / 2.0;
            (*y0 == 0 && middle < top) || (*y1 == h - 1 && middle > bottom)
        })
        .map(|(l, _)| *l)
        .collect();
    erase(line, &labels, &gone);
    gone.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_above_and_below_caught_at_the_edges_are_cleared() {
        let mut line = GrayImage::from_pixel(300, 60, Luma([250]));
        let bar = |line: &mut GrayImage, x: u32, y0: u32, y1: u32| {
            for y in y0..y1 {
                for xx in x..x + 4 {
                    line.put_pixel(xx, y, Luma([20]));
                }
            }
        };
        bar(&mut line, 20, 0, 8); // a descender from above
        bar(&mut line, 60, 52, 60); // the top of a capital below
        bar(&mut line, 100, 15, 45); // this line's letter
        bar(&mut line, 140, 8, 12); // a mark above this line's letter
        assert_eq!(clear_neighbours(&mut line), 2);
        assert!(line.get_pixel(21, 3).0[0] > 200 && line.get_pixel(61, 55).0[0] > 200);
        assert!(line.get_pixel(101, 30).0[0] < 50 && line.get_pixel(141, 10).0[0] < 50);
    }

    #[test]
    fn a_seal_ring_paler_than_the_print_is_cleared_on_a_grey_line_even_where_it_meets_a_letter() {
        let mut line = GrayImage::from_pixel(300, 60, Luma([250]));
        for y in 10..50 {
            line.put_pixel(40, y, Luma([110])); // the ring, mid-grey
            line.put_pixel(41, y, Luma([110]));
            for x in 100..106 {
                line.put_pixel(x, y, Luma([if x == 100 || x == 105 { 150 } else { 15 }]));
            }
        }
        // The ring runs into the letter's edge.
        for x in 42..100 {
            line.put_pixel(x, 30, Luma([110]));
        }
        assert!(clear_faint(&mut line) > 80);
        assert!(line.get_pixel(40, 30).0[0] > 200 && line.get_pixel(70, 30).0[0] > 200);
        assert!(line.get_pixel(102, 30).0[0] < 50 && line.get_pixel(100, 30).0[0] == 150);
    }
}
