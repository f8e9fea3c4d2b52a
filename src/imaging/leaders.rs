//! Clearing what confuses a line's reader on printed forms: dotted leaders
//! ("Họ và tên: ……… NGUYỄN VĂN A ………") and the rules of form fields and
//! table cells. A leader is a run of at least four small dots, alike and
//! evenly spaced along the line's lower half; a rule is a long, thin stroke.
//! The periods and diacritics beside letters are not in such runs, and stay.

use std::collections::HashMap;

use image::{GrayImage, Luma};
use imageproc::region_labelling::{Connectivity, connected_components};

/// Darker than this is ink.
pub(super) const INK: u8 = 140;

#[derive(Debug, Clone, Copy)]
struct Blob {
    label: u32,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
}

impl Blob {
    fn w(&self) -> u32 {
        self.x1 - self.x0 + 1
    }
    fn h(&self) -> u32 {
        self.y1 - self.y0 + 1
    }
    fn cx(&self) -> f32 {
        (self.x0 + self.x1) as f32 / 2.0
    }
}

/// A mask of the pixels darker than `level`: 255 there, 0 elsewhere.
pub(super) fn darker_than(line: &GrayImage, level: u8) -> GrayImage {
    let (w, h) = line.dimensions();
    GrayImage::from_fn(w, h, |x, y| {
        Luma([if line.get_pixel(x, y).0[0] < level {
            255
        } else {
            0
        }])
    })
}

/// The line with its leaders and rules turned to paper; the number of blobs cleared.
pub fn clear(line: &mut GrayImage) -> usize {
    let (w, h) = line.dimensions();
    if w < 8 || h < 8 {
        return 0;
    }
    let ink = darker_than(line, INK);
    let labels = connected_components(&ink, Connectivity::Eight, Luma([0]));
    let mut blobs: HashMap<u32, Blob> = HashMap::new();
    for (x, y, l) in labels.enumerate_pixels() {
        let label = l.0[0];
        if label == 0 {
            continue;
        }
        let b = blobs.entry(label).or_insert(Blob {
            label,
            x0: x,
            y0: y,
            x1: x,
            y1: y,
        });
        b.x0 = b.x0.min(x);
        b.y0 = b.y0.min(y);
        b.x1 = b.x1.max(x);
        b.y1 = b.y1.max(y);
    }
    let height = h as f32;
    let mut clear: Vec<u32> = Vec::new();
    // Rules: long and thin, along the line, or across it from edge to edge
    // (a table's column rule caught in a cell's crop).
    for b in blobs.values() {
        let along = b.w() as f32 > 1.5 * height && (b.h() as f32) < 0.12 * height.max(10.0);
        let across = b.y0 <= 1 && b.y1 + 2 >= h && (b.w() as f32) < 0.08 * height.max(25.0);
        if along || across {
            clear.push(b.label);
        }
    }
    // The text's size: the tall blobs' height (capitals and ascenders; a
    // leader's dots may outnumber the letters). A leader's dot is far
    // smaller than a letter, even an x-height one.
    let mut heights: Vec<u32> = blobs.values().map(Blob::h).collect();
    heights.sort_unstable();
    let scale = heights.get(heights.len() * 19 / 20).copied().unwrap_or(0) as f32;
    // A crop holding only a leader: blobs all alike and small.
    let alike = heights
        .first()
        .is_some_and(|low| 3 * low >= 2 * heights[heights.len() - 1]);
    let only_dots = alike && heights.len() >= 4 && scale < 0.2 * height;
    let dot_size = if only_dots {
        0.25 * height
    } else {
        0.35 * scale
    };
    let mut dots: Vec<Blob> = blobs
        .values()
        .copied()
        .filter(|b| {
            let small = (b.w().max(b.h()) as f32) <= dot_size.min(0.2 * height);
            // A dot cut by the crop's side is a sliver of one.
            let cut = b.x0 == 0 || b.x1 + 1 == w;
            let round = cut || (b.w() <= 2 * b.h() + 2 && b.h() <= 2 * b.w() + 2);
            small && round && b.y0 as f32 > 0.45 * height
        })
        .collect();
    // A run's ends lose the dots with ink just above them: the dot below a
    // vowel ("hộ") and a colon's lower dot, next to where a leader starts.
    let near = (0.6 * scale.max(4.0)) as u32;
    let ink_above = |b: &Blob| {
        let top = b.y0.saturating_sub(near);
        (top..b.y0).any(|y| (b.x0..=b.x1).any(|x| ink.get_pixel(x, y).0[0] != 0))
    };
    dots.sort_by(|a, b| a.cx().total_cmp(&b.cx()));
    // A leader cut by the line's crop leaves a shorter run at its edge; at
    // its left edge even one dot (no line starts with a period).
    let edge = 0.6 * height;
    let at_left = |run: &[Blob]| run.first().is_some_and(|b| (b.x0 as f32) < edge);
    let at_edge =
        |run: &[Blob]| at_left(run) || run.last().is_some_and(|b| (b.x1 as f32) > w as f32 - edge);
    let mut run: Vec<Blob> = Vec::new();
    let flush = |run: &mut Vec<Blob>, clear: &mut Vec<u32>| {
        let mut kept: &[Blob] = run;
        while kept.first().is_some_and(&ink_above) {
            kept = &kept[1..];
        }
        while kept.last().is_some_and(&ink_above) {
            kept = &kept[..kept.len() - 1];
        }
        if kept.len() >= 4
            || (kept.len() >= 2 && at_edge(kept))
            || (kept.len() == 1 && at_left(kept))
        {
            clear.extend(kept.iter().map(|b| b.label));
        }
        run.clear();
    };
    for dot in dots {
        if let Some(last) = run.last() {
            let gap = dot.cx() - last.cx();
            let spacing = if run.len() >= 2 {
                run[run.len() - 1].cx() - run[run.len() - 2].cx()
            } else {
                gap
            };
            let even =
                gap > 0.0 && gap < 0.6 * height && (gap - spacing).abs() <= 0.5 * spacing.max(2.0);
            let level = (dot.y0 as i32 - last.y0 as i32).abs() as f32 <= 0.12 * height;
            if !(even && level) {
                flush(&mut run, &mut clear);
            }
        }
        run.push(dot);
    }
    flush(&mut run, &mut clear);
    let cleared = clear.len();
    erase(line, &labels, &clear.into_iter().collect());
    cleared
}

/// The blobs labelled `gone` turned to paper with their grey rim (the
/// anti-aliased edge, lighter than ink, within a few pixels), leaving the
/// other blobs' ink alone.
pub(super) fn erase(
    line: &mut GrayImage,
    labels: &image::ImageBuffer<Luma<u32>, Vec<u32>>,
    gone: &std::collections::HashSet<u32>,
) {
    if gone.is_empty() {
        return;
    }
    let (w, h) = line.dimensions();
    let paper = crate::imaging::assess::paper_level(line);
    let grow = (h / 40).clamp(1, 3);
    let mut paint = GrayImage::new(w, h);
    for (x, y, l) in labels.enumerate_pixels() {
        if !gone.contains(&l.0[0]) {
            continue;
        }
        for ny in y.saturating_sub(grow)..(y + grow + 1).min(h) {
            for nx in x.saturating_sub(grow)..(x + grow + 1).min(w) {
                let other = labels.get_pixel(nx, ny).0[0];
                if other == 0 || gone.contains(&other) {
                    paint.put_pixel(nx, ny, Luma([255]));
                }
            }
        }
    }
    for (x, y, p) in paint.enumerate_pixels() {
        if p.0[0] != 0 {
            line.put_pixel(x, y, Luma([paper]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(line: &mut GrayImage, x: u32, y: u32, size: u32) {
        for dx in 0..size {
            for dy in 0..size {
                line.put_pixel(x + dx, y + dy, Luma([20]));
            }
        }
    }

    #[test]
    fn a_dotted_leader_is_cleared_and_a_period_and_letters_kept() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        // A letter-like stroke, a period after it, then a leader of 10 dots.
        for y in 8..32 {
            for x in 20..24 {
                line.put_pixel(x, y, Luma([20]));
            }
        }
        dot(&mut line, 28, 28, 3);
        for i in 0..10 {
            dot(&mut line, 100 + i * 12, 28, 3);
        }
        let cleared = clear(&mut line);
        assert_eq!(cleared, 10);
        assert!(line.get_pixel(101, 29).0[0] > 200, "the leader is gone");
        assert!(line.get_pixel(29, 29).0[0] < 50, "the period stays");
        assert!(line.get_pixel(21, 20).0[0] < 50, "the letter stays");
    }

    #[test]
    fn the_end_of_a_leader_cut_by_the_crop_is_cleared_but_a_lone_period_kept() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        for y in 8..32 {
            for x in 20..24 {
                line.put_pixel(x, y, Luma([20]));
            }
        }
        dot(&mut line, 28, 28, 3);
        for i in 0..3 {
            dot(&mut line, 366 + i * 12, 28, 3);
        }
        assert_eq!(clear(&mut line), 3);
        assert!(line.get_pixel(29, 29).0[0] < 50, "the period stays");
    }

    #[test]
    fn the_dot_below_a_vowel_and_a_colon_next_to_a_leader_are_kept() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        // "ộ:" then the leader: a letter with its dot below, a colon.
        for y in 10..26 {
            for x in 20..30 {
                line.put_pixel(x, y, Luma([20]));
            }
        }
        dot(&mut line, 23, 30, 3);
        dot(&mut line, 40, 14, 3);
        dot(&mut line, 40, 24, 3);
        for i in 0..8 {
            dot(&mut line, 52 + i * 12, 24, 3);
        }
        assert_eq!(clear(&mut line), 8);
        assert!(line.get_pixel(24, 31).0[0] < 50, "the dot below stays");
        assert!(line.get_pixel(41, 25).0[0] < 50, "the colon stays");
        assert!(line.get_pixel(53, 25).0[0] > 200, "the leader goes");
    }

    #[test]
    fn a_dot_goes_with_its_grey_rim() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        for i in 0..6 {
            let x = 100 + i * 12;
            dot(&mut line, x, 28, 3);
            for (rx, ry) in [(x - 1, 29), (x + 3, 29), (x + 1, 27), (x + 1, 31)] {
                line.put_pixel(rx, ry, Luma([180]));
            }
        }
        clear(&mut line);
        assert!(line.pixels().all(|p| p.0[0] > 200), "no ring left");
    }

    #[test]
    fn a_form_rule_is_cleared() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        for x in 10..390 {
            line.put_pixel(x, 36, Luma([30]));
            line.put_pixel(x, 37, Luma([30]));
        }
        assert_eq!(clear(&mut line), 1);
        assert!(line.get_pixel(200, 36).0[0] > 200);
    }

    #[test]
    fn a_column_rule_across_the_line_is_cleared_and_a_letter_l_kept() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        for y in 0..40 {
            line.put_pixel(200, y, Luma([30]));
            line.put_pixel(201, y, Luma([30]));
        }
        for y in 6..32 {
            line.put_pixel(100, y, Luma([30]));
            line.put_pixel(101, y, Luma([30]));
        }
        assert_eq!(clear(&mut line), 1);
        assert!(line.get_pixel(200, 20).0[0] > 200 && line.get_pixel(100, 20).0[0] < 50);
    }

    #[test]
    fn letters_small_in_a_tall_crop_are_not_taken_for_dots() {
        // A label in a crop made tall by the handwriting beside it.
        let mut line = GrayImage::from_pixel(400, 240, Luma([250]));
        for i in 0..12 {
            let x = 20 + i * 26;
            let (top, bottom) = if i % 3 == 0 { (120, 150) } else { (135, 150) };
            for y in top..bottom {
                for xx in x..x + 14 {
                    line.put_pixel(xx, y, Luma([25]));
                }
            }
        }
        assert_eq!(clear(&mut line), 0);
    }

    #[test]
    fn diacritics_above_the_letters_are_kept() {
        let mut line = GrayImage::from_pixel(400, 40, Luma([250]));
        for i in 0..8 {
            dot(&mut line, 50 + i * 12, 4, 3);
        }
        assert_eq!(clear(&mut line), 0);
    }
}
