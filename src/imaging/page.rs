//! Finding the paper (or the card) in a capture: a phone photo of an A4 page
//! on a desk, an ID card on a dark table, an A5 paper on an A4 scanner bed.
//! On a reduced copy the paper is told from what surrounds it (it is the
//! largest bright region), its outline is simplified to four corners, and
//! the page is then straightened to a flat rectangle of its real shape
//! ([`flatten_perspective`]). The page's own pixels give its resolution,
//! whatever the file's header says (phones say 72 dpi).

use image::{GrayImage, ImageBuffer, Luma, Pixel, imageops};
use imageproc::geometric_transformations::{Border, Interpolation, Projection, warp_into};
use imageproc::point::Point;
use imageproc::region_labelling::{Connectivity, connected_components};

use crate::domain::quality::Paper;

/// Width of the reduced copy the paper is looked for on.
const WORK: u32 = 640;

/// Where the paper is, and what it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// Top left, top right, bottom right, bottom left, in the capture's pixels.
    pub corners: [(f32, f32); 4],
    /// A4 or A5 as declared, or ID1 when its shape is a card's.
    pub paper: Paper,
    /// The paper's pixels per inch along its long side.
    pub dpi: u32,
    /// Its size once straightened, in pixels.
    pub width: u32,
    pub height: u32,
}

fn distance(a: (f32, f32), b: (f32, f32)) -> f32 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

/// Corners in the order top left, top right, bottom right, bottom left.
fn ordered(points: &[(f32, f32)]) -> [(f32, f32); 4] {
    let pick = |key: &dyn Fn(&(f32, f32)) -> f32| {
        points
            .iter()
            .copied()
            .max_by(|a, b| key(a).total_cmp(&key(b)))
            .unwrap_or((0.0, 0.0))
    };
    [
        pick(&|p| -(p.0 + p.1)),
        pick(&|p| p.0 - p.1),
        pick(&|p| p.0 + p.1),
        pick(&|p| p.1 - p.0),
    ]
}

/// The area of a quadrilateral, its corners in order.
fn area(q: &[(f32, f32); 4]) -> f32 {
    let mut twice = 0.0;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        twice += a.0 * b.1 - b.0 * a.1;
    }
    (twice / 2.0).abs()
}

/// The paper's four corners on its outline's convex hull: of the hull's
/// simplifications to four points, its extreme points along the diagonals
/// (a page turned a little) and along the axes (turned about 45°), the
/// quadrilateral that covers most.
fn four_corners(hull: &[Point<i32>]) -> [(f32, f32); 4] {
    let points: Vec<(f32, f32)> = hull.iter().map(|p| (p.x as f32, p.y as f32)).collect();
    let extreme = |key: &dyn Fn(&(f32, f32)) -> f32| {
        points
            .iter()
            .copied()
            .max_by(|a, b| key(a).total_cmp(&key(b)))
            .unwrap_or((0.0, 0.0))
    };
    let mut candidates = vec![
        ordered(&points),
        [
            extreme(&|p| -p.1),
            extreme(&|p| p.0),
            extreme(&|p| p.1),
            extreme(&|p| -p.0),
        ],
    ];
    let perimeter = imageproc::geometry::arc_length(hull, true);
    for epsilon in [0.02, 0.035, 0.05, 0.08] {
        let poly = imageproc::geometry::approximate_polygon_dp(hull, perimeter * epsilon, true);
        if poly.len() == 4 {
            let q: Vec<(f32, f32)> = poly.iter().map(|p| (p.x as f32, p.y as f32)).collect();
            candidates.push(ordered(&q));
        }
    }
    let best = candidates
        .into_iter()
        .max_by(|a, b| area(a).total_cmp(&area(b)))
        .unwrap_or([(0.0, 0.0); 4]);
    ordered(&best)
}

/// The paper in `page`, when there is one distinct from its surroundings
/// (covering between a sixth and nine tenths of the capture). `declared` is
/// the paper size the upload named.
pub fn find(page: &GrayImage, declared: Paper) -> Option<Found> {
    let (w, h) = page.dimensions();
    if w < 64 || h < 64 {
        return None;
    }
    let scale = WORK as f32 / w.max(h) as f32;
    let (sw, sh) = (
        ((w as f32 * scale) as u32).max(16),
        ((h as f32 * scale) as u32).max(16),
    );
    let small = imageops::resize(page, sw, sh, imageops::FilterType::Triangle);
    let small = imageproc::filter::gaussian_blur_f32(&small, 2.0);
    let level = imageproc::contrast::otsu_level(&small);
    let bright =
        imageproc::contrast::threshold(&small, level, imageproc::contrast::ThresholdType::Binary);
    // Text and shadows punch holes in the paper: close them.
    let bright =
        imageproc::morphology::close(&bright, imageproc::distance_transform::Norm::LInf, 4);
    let labels = connected_components(&bright, Connectivity::Four, Luma([0]));
    let mut sizes: std::collections::HashMap<u32, usize> = Default::default();
    for l in labels.pixels() {
        if l.0[0] != 0 {
            *sizes.entry(l.0[0]).or_default() += 1;
        }
    }
    let (&label, &size) = sizes.iter().max_by_key(|(_, n)| **n)?;
    let share = size as f32 / (sw * sh) as f32;
    if !(0.16..=0.9).contains(&share) {
        return None;
    }
    let points: Vec<Point<i32>> = labels
        .enumerate_pixels()
        .filter(|(_, _, l)| l.0[0] == label)
        .map(|(x, y, _)| Point::new(x as i32, y as i32))
        .collect();
    let hull = imageproc::geometry::convex_hull(points);
    if hull.len() < 4 {
        return None;
    }
    let corners = four_corners(&hull);
    // A paper that fills the frame (a scan, a card scanned edge to edge,
    // its text holing the "bright" region) has nothing around it to cut off.
    if area(&corners) > 0.9 * (sw * sh) as f32 {
        return None;
    }
    let corners = corners.map(|(x, y)| (x / scale, y / scale));
    let top = distance(corners[0], corners[1]);
    let bottom = distance(corners[3], corners[2]);
    let left = distance(corners[0], corners[3]);
    let right = distance(corners[1], corners[2]);
    let (across, down) = ((top + bottom) / 2.0, (left + right) / 2.0);
    let (long, short) = (across.max(down), across.min(down));
    if short < 32.0 {
        return None;
    }
    let aspect = long / short;
    let paper = if (1.5..=1.7).contains(&aspect) {
        Paper::Id1
    } else if (1.3..=1.5).contains(&aspect) {
        match declared {
            Paper::Id1 => Paper::A4,
            other => other,
        }
    } else {
        return None;
    };
    let (long_in, short_in) = paper.inches();
    let dpi = (long / long_in as f32).round() as u32;
    let (long_px, short_px) = (
        long.round() as u32,
        (long * (short_in / long_in) as f32).round() as u32,
    );
    let (width, height) = if across >= down {
        (long_px, short_px)
    } else {
        (short_px, long_px)
    };
    Some(Found {
        corners,
        paper,
        dpi,
        width,
        height,
    })
}

/// The paper cut out of `page` along `corners` and straightened to
/// `width` × `height`.
pub fn flatten_perspective<P>(
    page: &ImageBuffer<P, Vec<u8>>,
    corners: [(f32, f32); 4],
    width: u32,
    height: u32,
) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8> + Send + Sync,
{
    let (w, h) = (width.max(1) as f32 - 1.0, height.max(1) as f32 - 1.0);
    let target = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    let white = *P::from_slice(&[255u8; 4][..P::CHANNEL_COUNT as usize]);
    let mut out = ImageBuffer::from_pixel(width.max(1), height.max(1), white);
    // `warp_into` maps each output pixel through the projection's inverse:
    // the projection takes the page's corners to the output's.
    if let Some(projection) = Projection::from_control_points(corners, target) {
        warp_into(
            page,
            projection,
            Interpolation::Bilinear,
            Border::Constant(white),
            &mut out,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white A4-shaped quad, turned and foreshortened, on a dark desk.
    fn photo() -> GrayImage {
        let mut page = GrayImage::from_pixel(1200, 1600, Luma([60]));
        let quad = [
            (250.0, 200.0),
            (950.0, 260.0),
            (1000.0, 1250.0),
            (180.0, 1230.0),
        ];
        let inside = |x: f32, y: f32| {
            (0..4).all(|i| {
                let (a, b) = (quad[i], quad[(i + 1) % 4]);
                (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0) >= 0.0
            })
        };
        for (x, y, p) in page.enumerate_pixels_mut() {
            if inside(x as f32, y as f32) {
                *p = Luma([235]);
            }
        }
        page
    }

    #[test]
    fn a_page_on_a_desk_is_found_by_its_four_corners() {
        let found = find(&photo(), Paper::A4).expect("the page is found");
        let expected = [
            (250.0, 200.0),
            (950.0, 260.0),
            (1000.0, 1250.0),
            (180.0, 1230.0),
        ];
        for (got, want) in found.corners.iter().zip(expected) {
            assert!(
                distance(*got, want) < 25.0,
                "{:?} for {want:?}",
                found.corners
            );
        }
        assert_eq!(found.paper, Paper::A4);
        // About 1000 pixels along 11.7 inches.
        assert!((75..95).contains(&found.dpi), "{}", found.dpi);
        assert!(found.height > found.width);
    }

    #[test]
    fn a_sheet_turned_on_a_scanner_bed_keeps_its_own_corners() {
        // An A5 sheet turned 2° on a grey bed, a little lighter than it.
        let mut page = GrayImage::from_pixel(1240, 1754, Luma([214]));
        let (c, s) = (2f32.to_radians().cos(), 2f32.to_radians().sin());
        for y in 0..1240u32 {
            for x in 0..874u32 {
                let (fx, fy) = (x as f32, y as f32);
                let (px, py) = (180.0 + fx * c + fy * s, 250.0 - fx * s + fy * c);
                page.put_pixel(px as u32, py as u32, Luma([250]));
            }
        }
        let found = find(&page, Paper::A5).expect("the sheet is found");
        let bottom_left = (180.0 + 1239.0 * s, 250.0 + 1239.0 * c);
        assert!(
            distance(found.corners[3], bottom_left) < 12.0,
            "{:?}",
            found.corners
        );
        assert_eq!(found.paper, Paper::A5);
        let aspect = found.height as f32 / found.width as f32;
        assert!((aspect - 210.0 / 148.0).abs() < 0.02, "{found:?}");
    }

    #[test]
    fn a_page_filling_the_frame_is_not_looked_for() {
        let scan = GrayImage::from_pixel(1240, 1754, Luma([240]));
        assert_eq!(find(&scan, Paper::A4), None);
    }

    #[test]
    fn a_card_scanned_edge_to_edge_with_its_text_is_not_looked_for() {
        let mut card = GrayImage::from_pixel(1011, 638, Luma([235]));
        for row in 0..6 {
            for x in 300..950 {
                for y in (150 + row * 70)..(165 + row * 70) {
                    card.put_pixel(x, y, Luma([25]));
                }
            }
        }
        assert_eq!(find(&card, Paper::Id1), None);
    }

    #[test]
    fn a_card_is_told_by_its_shape() {
        let mut page = GrayImage::from_pixel(1600, 1200, Luma([40]));
        for y in 300..850 {
            for x in 300..1170 {
                page.put_pixel(x, y, Luma([220]));
            }
        }
        let found = find(&page, Paper::A4).expect("the card is found");
        assert_eq!(found.paper, Paper::Id1);
        assert!(found.width > found.height);
        let flat = flatten_perspective(&page, found.corners, found.width, found.height);
        assert!(flat.get_pixel(found.width / 2, found.height / 2).0[0] > 200);
    }
}
