//! Clearing a round seal's rings on a grey or bilevel page. On a colour
//! page the seal is told apart by its red (`ink`); on a fax or a grey office
//! scan it is as dark as the print, and its outer ring runs through the
//! signer's name printed under it ("Trần Văn Bình" read "~träff Văn Bình").
//! A ring is found as a circle of seal size that an ink blob follows most of
//! the way round (fitted to the blob's pixels by random samples, then by
//! least squares), and the ink along it turned to paper, except where
//! something thicker than the ring crosses it: a letter's stem stays whole.

use std::collections::HashMap;

use image::{GrayImage, Luma};
use imageproc::region_labelling::{Connectivity, connected_components};

use super::leaders::{INK, darker_than};

/// A seal ring's radius, in millimetres: agencies' seals are 30 to 45 mm
/// across, their inner ring about three quarters of that.
const RADIUS_MM: (f32, f32) = (10.0, 24.0);
/// A ring is followed by ink this much of the way round (a signature or the
/// paper's edge may hide the rest).
const COVERAGE: f32 = 0.7;
/// The circle is cut into this many arcs to measure that.
const ARCS: usize = 72;
/// Random circles tried for each blob.
const TRIES: usize = 500;
/// Rings cleared from one blob at most: a seal's outer and inner ring.
const RINGS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Circle {
    x: f32,
    y: f32,
    r: f32,
}

impl Circle {
    /// The circle through three points, if they are not in a line.
    fn through(a: (f32, f32), b: (f32, f32), c: (f32, f32)) -> Option<Circle> {
        let d = 2.0 * (a.0 * (b.1 - c.1) + b.0 * (c.1 - a.1) + c.0 * (a.1 - b.1));
        if d.abs() < 1e-3 {
            return None;
        }
        let sq = |p: (f32, f32)| p.0 * p.0 + p.1 * p.1;
        let x = (sq(a) * (b.1 - c.1) + sq(b) * (c.1 - a.1) + sq(c) * (a.1 - b.1)) / d;
        let y = (sq(a) * (c.0 - b.0) + sq(b) * (a.0 - c.0) + sq(c) * (b.0 - a.0)) / d;
        let r = ((a.0 - x).powi(2) + (a.1 - y).powi(2)).sqrt();
        Some(Circle { x, y, r })
    }

    /// The circle nearest to the points in the least-squares sense (Kåsa's
    /// fit: linear in the centre and in r² − |centre|²).
    fn fitted(points: &[(f32, f32)]) -> Option<Circle> {
        let n = points.len() as f64;
        if n < 3.0 {
            return None;
        }
        let (mx, my) = points.iter().fold((0.0, 0.0), |(sx, sy), p| {
            (sx + f64::from(p.0) / n, sy + f64::from(p.1) / n)
        });
        let (mut suu, mut svv, mut suv, mut suuu, mut svvv, mut suvv, mut svuu) =
            (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for p in points {
            let (u, v) = (f64::from(p.0) - mx, f64::from(p.1) - my);
            suu += u * u;
            svv += v * v;
            suv += u * v;
            suuu += u * u * u;
            svvv += v * v * v;
            suvv += u * v * v;
            svuu += v * u * u;
        }
        let det = suu * svv - suv * suv;
        if det.abs() < 1e-9 {
            return None;
        }
        let (bu, bv) = ((suuu + suvv) / 2.0, (svvv + svuu) / 2.0);
        let uc = (bu * svv - bv * suv) / det;
        let vc = (bv * suu - bu * suv) / det;
        let r = (uc * uc + vc * vc + (suu + svv) / n).sqrt();
        Some(Circle {
            x: (uc + mx) as f32,
            y: (vc + my) as f32,
            r: r as f32,
        })
    }

    fn off(&self, p: (f32, f32)) -> f32 {
        (((p.0 - self.x).powi(2) + (p.1 - self.y).powi(2)).sqrt() - self.r).abs()
    }
}

/// A small deterministic generator: the same page is always read the same.
struct Draws(u64);

impl Draws {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The page's seal rings turned to paper; answers how many were cleared.
pub fn clear_rings(page: &mut GrayImage, dpi: u32) -> usize {
    let mm = dpi.max(72) as f32 / 25.4;
    let (r_min, r_max) = (RADIUS_MM.0 * mm, RADIUS_MM.1 * mm);
    let ink = darker_than(page, INK);
    let labels = connected_components(&ink, Connectivity::Eight, Luma([0]));
    let mut boxes: HashMap<u32, (u32, u32, u32, u32)> = HashMap::new();
    for (x, y, l) in labels.enumerate_pixels() {
        if l.0[0] != 0 {
            let b = boxes.entry(l.0[0]).or_insert((x, y, x, y));
            *b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
        }
    }
    // A blob holding a ring spans the ring at least, and not much more than
    // the signature drawn across it.
    let candidates: HashMap<u32, Vec<(f32, f32)>> = boxes
        .iter()
        .filter(|(_, b)| {
            let (w, h) = ((b.2 - b.0 + 1) as f32, (b.3 - b.1 + 1) as f32);
            w.min(h) >= 1.8 * r_min && w.max(h) <= 6.0 * r_max
        })
        .map(|(l, _)| (*l, Vec::new()))
        .collect();
    if candidates.is_empty() {
        return 0;
    }
    let mut candidates = candidates;
    for (x, y, l) in labels.enumerate_pixels() {
        if let Some(points) = candidates.get_mut(&l.0[0]) {
            points.push((x as f32, y as f32));
        }
    }
    let tolerance = (0.4 * mm).max(2.0);
    let paper = super::assess::paper_level(page);
    let mut cleared = 0;
    let mut labels_in_order: Vec<u32> = candidates.keys().copied().collect();
    labels_in_order.sort_unstable();
    for label in labels_in_order {
        let mut points = candidates.remove(&label).unwrap_or_default();
        for _ in 0..RINGS {
            let Some(ring) = find_ring(&points, (r_min, r_max), tolerance) else {
                break;
            };
            erase_ring(page, &ink, ring, tolerance, paper);
            points.retain(|p| ring.off(*p) > tolerance);
            cleared += 1;
        }
    }
    cleared
}

/// The circle of seal size the points follow most of the way round.
fn find_ring(points: &[(f32, f32)], radius: (f32, f32), tolerance: f32) -> Option<Circle> {
    if points.len() < 30 {
        return None;
    }
    // Scored on a sample of the blob: a few thousand points tell a ring.
    let stride = (points.len() / 3000).max(1);
    let sample: Vec<(f32, f32)> = points.iter().step_by(stride).copied().collect();
    let mut draws = Draws(0x9E37_79B9_7F4A_7C15 ^ points.len() as u64);
    let mut best: Option<(usize, Circle)> = None;
    for _ in 0..TRIES {
        let pick = |d: &mut Draws| sample[d.below(sample.len())];
        let (a, b, c) = (pick(&mut draws), pick(&mut draws), pick(&mut draws));
        let Some(circle) = Circle::through(a, b, c) else {
            continue;
        };
        if circle.r < radius.0 || circle.r > radius.1 {
            continue;
        }
        let score = sample
            .iter()
            .filter(|p| circle.off(**p) <= tolerance)
            .count();
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, circle));
        }
    }
    let (_, rough) = best?;
    let near: Vec<(f32, f32)> = points
        .iter()
        .copied()
        .filter(|p| rough.off(*p) <= tolerance)
        .collect();
    let ring = Circle::fitted(&near).filter(|c| c.r >= radius.0 && c.r <= radius.1)?;
    let mut arcs = [false; ARCS];
    for p in points.iter().filter(|p| ring.off(**p) <= tolerance) {
        let angle = (p.1 - ring.y).atan2(p.0 - ring.x) + std::f32::consts::PI;
        let arc = ((angle / std::f32::consts::TAU) * ARCS as f32) as usize;
        arcs[arc.min(ARCS - 1)] = true;
    }
    let followed = arcs.iter().filter(|a| **a).count() as f32 / ARCS as f32;
    (followed >= COVERAGE).then_some(ring)
}

/// The ring's ink turned to paper, across its width and its grey rim, where
/// the ink across the ring is no thicker than the ring itself.
fn erase_ring(page: &mut GrayImage, ink: &GrayImage, ring: Circle, tolerance: f32, paper: u8) {
    let (w, h) = page.dimensions();
    let reach = (3.0 * tolerance).ceil() as i32;
    let at = |angle: f32, offset: i32| {
        let rho = ring.r + offset as f32;
        let x = (ring.x + rho * angle.cos()).round();
        let y = (ring.y + rho * angle.sin()).round();
        (x >= 0.0 && y >= 0.0 && (x as u32) < w && (y as u32) < h).then_some((x as u32, y as u32))
    };
    let is_ink = |p: Option<(u32, u32)>| p.is_some_and(|(x, y)| ink.get_pixel(x, y).0[0] != 0);
    let steps = (std::f32::consts::TAU * (ring.r + reach as f32) * 2.0).ceil() as usize;
    // The ring's width: the usual run of ink across it.
    let mut runs = Vec::with_capacity(steps);
    let run_at = |angle: f32| -> Option<(i32, i32)> {
        let nearest = (0..=tolerance.ceil() as i32)
            .flat_map(|d| [d, -d])
            .find(|d| is_ink(at(angle, *d)))?;
        let mut lo = nearest;
        while lo > -reach && is_ink(at(angle, lo - 1)) {
            lo -= 1;
        }
        let mut hi = nearest;
        while hi < reach && is_ink(at(angle, hi + 1)) {
            hi += 1;
        }
        Some((lo, hi))
    };
    for k in 0..steps {
        let angle = k as f32 / steps as f32 * std::f32::consts::TAU;
        runs.push(run_at(angle));
    }
    let mut widths: Vec<i32> = runs.iter().flatten().map(|(lo, hi)| hi - lo + 1).collect();
    if widths.is_empty() {
        return;
    }
    widths.sort_unstable();
    let width = widths[widths.len() / 2];
    let thickest = (width as f32 * 1.6).ceil() as i32 + 1;
    for (k, run) in runs.iter().enumerate() {
        let Some((lo, hi)) = *run else { continue };
        if hi - lo + 1 > thickest || lo <= -reach || hi >= reach {
            continue;
        }
        let angle = k as f32 / steps as f32 * std::f32::consts::TAU;
        for offset in lo - 1..=hi + 1 {
            if let Some((x, y)) = at(angle, offset) {
                page.put_pixel(x, y, Luma([paper]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DPI: u32 = 200;

    fn ring(page: &mut GrayImage, cx: f32, cy: f32, r: f32, width: f32) {
        for (x, y, p) in page.enumerate_pixels_mut() {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            if (d - r).abs() <= width / 2.0 {
                p.0[0] = 40;
            }
        }
    }

    fn bar(page: &mut GrayImage, x0: u32, y0: u32, x1: u32, y1: u32) {
        for y in y0..y1 {
            for x in x0..x1 {
                page.put_pixel(x, y, Luma([20]));
            }
        }
    }

    #[test]
    fn a_seal_ring_across_a_printed_name_is_cleared_and_the_letters_stems_stay() {
        let mut page = GrayImage::from_pixel(800, 700, Luma([250]));
        // A seal 34 mm across (134 px at 200 dpi), two rings.
        ring(&mut page, 300.0, 300.0, 134.0, 4.0);
        ring(&mut page, 300.0, 300.0, 96.0, 2.5);
        // Letters' stems under the ring's bottom, which crosses them at y 434.
        for x in (240..400).step_by(20) {
            bar(&mut page, x, 415, x + 5, 450);
        }
        assert_eq!(clear_rings(&mut page, DPI), 2);
        // The ring is gone, round the top, on the sides and between stems.
        for (x, y) in [(300, 166), (166, 300), (434, 300), (252, 425), (300, 396)] {
            assert!(page.get_pixel(x, y).0[0] > 200, "ink left at {x},{y}");
        }
        // Each stem is whole where the ring crossed it.
        for x in (240..400).step_by(20) {
            assert!(page.get_pixel(x + 2, 434).0[0] < 50, "stem at {x} cut");
        }
    }

    #[test]
    fn a_page_of_text_and_frames_keeps_every_stroke() {
        let mut page = GrayImage::from_pixel(800, 700, Luma([250]));
        // A box round a field (a table's cell) and rows of letters.
        bar(&mut page, 100, 100, 600, 104);
        bar(&mut page, 100, 400, 600, 404);
        bar(&mut page, 100, 100, 104, 404);
        bar(&mut page, 596, 100, 600, 404);
        for y in (150..380).step_by(40) {
            for x in (120..580).step_by(14) {
                bar(&mut page, x, y, x + 4, y + 24);
            }
        }
        let before = page.clone();
        assert_eq!(clear_rings(&mut page, DPI), 0);
        assert_eq!(page, before);
    }

    #[test]
    fn a_circle_smaller_than_any_seal_is_not_taken_for_one() {
        let mut page = GrayImage::from_pixel(400, 400, Luma([250]));
        ring(&mut page, 200.0, 200.0, 40.0, 4.0); // 10 mm across: a letter O, a logo
        assert_eq!(clear_rings(&mut page, DPI), 0);
    }
}
