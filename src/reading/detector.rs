//! Finding every text line before anything is read: PaddleOCR's PP-OCRv4
//! text detector (a DB network, Apache-2.0, fetched at setup by pinned
//! version and SHA-256) run in process by `tract`. tract cannot type this
//! model with symbolic height and width, so a page is scaled onto one of a
//! few fixed canvases, each with its own optimised plan, built once. The
//! network's text-probability map becomes boxes the DB way: threshold,
//! connected regions, each region's minimum-area rectangle grown by the
//! unclip ratio, in the page's own pixels.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use image::{GrayImage, RgbImage};
use imageproc::point::Point;
use imageproc::region_labelling::{Connectivity, connected_components};
use tract_onnx::prelude::*;

use super::OcrError;

/// The model file inside the models folder, and its SHA-256.
pub const MODEL_FILE: &str = "ppocr-v4-det.onnx";
pub const MODEL_SHA256: &str = "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9";

/// Canvases (height, width), multiples of 32: portrait, landscape, square.
const CANVASES: [(usize, usize); 3] = [(960, 672), (672, 960), (960, 960)];
/// A pixel is text when its probability is above this.
const THRESHOLD: f32 = 0.3;
/// A region is kept when its mean probability is above this.
const BOX_THRESHOLD: f32 = 0.55;
/// How far a region is grown: its area times this, over its perimeter.
const UNCLIP_RATIO: f32 = 1.6;
/// ImageNet mean and deviation, as the detector was trained with.
const MEAN: [f32; 3] = [0.485, 0.456, 0.406];
const STD: [f32; 3] = [0.229, 0.224, 0.225];

type Plan = Arc<TypedRunnableModel>;

/// A text region: its four corners (top left, top right, bottom right,
/// bottom left) in the page's pixels, and the detector's confidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub corners: [(f32, f32); 4],
    pub score: f32,
}

impl Region {
    /// The axis-aligned box around the region: left, top, right, bottom.
    pub fn bounds(&self) -> (f32, f32, f32, f32) {
        let xs = self.corners.map(|c| c.0);
        let ys = self.corners.map(|c| c.1);
        let min = |v: [f32; 4]| v.iter().copied().fold(f32::INFINITY, f32::min);
        let max = |v: [f32; 4]| v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        (min(xs), min(ys), max(xs), max(ys))
    }

    /// The slope of its top edge, in degrees.
    pub fn angle(&self) -> f32 {
        let (a, b) = (self.corners[0], self.corners[1]);
        (b.1 - a.1).atan2(b.0 - a.0).to_degrees()
    }
}

/// The detector: the model's path and one plan per canvas, built on first use.
pub struct Detector {
    path: PathBuf,
    plans: Mutex<HashMap<(usize, usize), Plan>>,
}

impl std::fmt::Debug for Detector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Detector({})", self.path.display())
    }
}

impl Detector {
    /// The detector in `folder`; an error naming what to do when the model
    /// is missing or is not the pinned one.
    pub fn open(folder: &Path) -> Result<Self, OcrError> {
        let path = folder.join(MODEL_FILE);
        let bytes = std::fs::read(&path).map_err(|e| OcrError::Init {
            languages: "text-line detector".into(),
            reason: format!(
                "cannot read {} ({e}): run scripts/fetch-models.sh (make run and make test do) or set SOHOA_MODELS_DIR",
                path.display()
            ),
        })?;
        let digest = crate::domain::Sha256Digest::of(&bytes).to_hex();
        if digest != MODEL_SHA256 {
            return Err(OcrError::Init {
                languages: "text-line detector".into(),
                reason: format!(
                    "{} is not the pinned model (SHA-256 {digest}, expected {MODEL_SHA256}): fetch it again with scripts/fetch-models.sh",
                    path.display()
                ),
            });
        }
        let detector = Self {
            path,
            plans: Mutex::new(HashMap::new()),
        };
        // Build the portrait plan now, so a broken model is found at start.
        detector.plan(CANVASES[0])?;
        Ok(detector)
    }

    fn plan(&self, canvas: (usize, usize)) -> Result<Plan, OcrError> {
        if let Some(plan) = self
            .plans
            .lock()
            .expect("detector plans poisoned")
            .get(&canvas)
        {
            return Ok(plan.clone());
        }
        let failed = |e: TractError| OcrError::Init {
            languages: "text-line detector".into(),
            reason: format!("{}: {e}", self.path.display()),
        };
        let (h, w) = canvas;
        let plan = tract_onnx::onnx()
            .model_for_path(&self.path)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, 3, h, w]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(failed)?;
        self.plans
            .lock()
            .expect("detector plans poisoned")
            .insert(canvas, plan.clone());
        Ok(plan)
    }

    /// Every text region of `page`, top to bottom.
    pub fn detect(&self, page: &RgbImage) -> Result<Vec<Region>, OcrError> {
        let (pw, ph) = page.dimensions();
        if pw == 0 || ph == 0 {
            return Ok(Vec::new());
        }
        let canvas = canvas_for(pw, ph);
        let (ch, cw) = canvas;
        let scale = (cw as f32 / pw as f32).min(ch as f32 / ph as f32);
        let (sw, sh) = (
            ((pw as f32 * scale).round() as u32).clamp(1, cw as u32),
            ((ph as f32 * scale).round() as u32).clamp(1, ch as u32),
        );
        let small = image::imageops::resize(page, sw, sh, image::imageops::FilterType::Triangle);
        let input = tract_ndarray::Array4::<f32>::from_shape_fn((1, 3, ch, cw), |(_, c, y, x)| {
            // The canvas outside the page is white paper.
            let v = if (x as u32) < sw && (y as u32) < sh {
                f32::from(small.get_pixel(x as u32, y as u32).0[c]) / 255.0
            } else {
                1.0
            };
            (v - MEAN[c]) / STD[c]
        });
        let plan = self.plan(canvas)?;
        let out = plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(|e| OcrError::Recognise(format!("the text-line detector failed: {e}")))?;
        let map = out[0]
            .to_plain_array_view::<f32>()
            .map_err(|e| OcrError::Recognise(format!("the text-line detector's output: {e}")))?;
        let probability = |x: usize, y: usize| map.get([0, 0, y, x]).copied().unwrap_or(0.0);
        let mut regions = regions(probability, sw as usize, sh as usize);
        for r in &mut regions {
            r.corners = r.corners.map(|(x, y)| {
                (
                    (x / scale).clamp(0.0, pw as f32 - 1.0),
                    (y / scale).clamp(0.0, ph as f32 - 1.0),
                )
            });
        }
        regions.sort_by(|a, b| a.bounds().1.total_cmp(&b.bounds().1));
        Ok(regions)
    }
}

/// The canvas a page of this shape is scaled onto.
fn canvas_for(width: u32, height: u32) -> (usize, usize) {
    let aspect = height as f32 / width as f32;
    if aspect > 1.15 {
        CANVASES[0]
    } else if aspect < 0.87 {
        CANVASES[1]
    } else {
        CANVASES[2]
    }
}

/// Boxes from a probability map (`w`×`h` in canvas pixels), the DB way.
fn regions(probability: impl Fn(usize, usize) -> f32, w: usize, h: usize) -> Vec<Region> {
    let mut bitmap = GrayImage::new(w as u32, h as u32);
    for y in 0..h {
        for x in 0..w {
            if probability(x, y) > THRESHOLD {
                bitmap.put_pixel(x as u32, y as u32, image::Luma([255]));
            }
        }
    }
    // Close one-pixel gaps between a line's letters.
    let bitmap =
        imageproc::morphology::dilate(&bitmap, imageproc::distance_transform::Norm::LInf, 1);
    let labels = connected_components(&bitmap, Connectivity::Eight, image::Luma([0]));
    let mut points: HashMap<u32, Vec<Point<i32>>> = HashMap::new();
    for (x, y, label) in labels.enumerate_pixels() {
        if label.0[0] != 0 {
            points
                .entry(label.0[0])
                .or_default()
                .push(Point::new(x as i32, y as i32));
        }
    }
    let mut out = Vec::new();
    for pts in points.values() {
        if pts.len() < 6 {
            continue;
        }
        let (minx, maxx) = pts
            .iter()
            .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
        let (miny, maxy) = pts
            .iter()
            .fold((i32::MAX, i32::MIN), |(a, b), p| (a.min(p.y), b.max(p.y)));
        if (maxx - minx).min(maxy - miny) < 2 {
            continue;
        }
        let score = pts
            .iter()
            .map(|p| probability(p.x as usize, p.y as usize))
            .sum::<f32>()
            / pts.len() as f32;
        if score < BOX_THRESHOLD {
            continue;
        }
        let rect = imageproc::geometry::min_area_rect(pts);
        out.push(Region {
            corners: unclip(order(rect.map(|p| (p.x as f32, p.y as f32)))),
            score,
        });
    }
    out
}

/// Corners in the order top left, top right, bottom right, bottom left.
fn order(corners: [(f32, f32); 4]) -> [(f32, f32); 4] {
    let by = |f: fn(&(f32, f32)) -> f32, max: bool| {
        let pick = corners
            .iter()
            .copied()
            .fold(None::<(f32, f32)>, |best, c| match best {
                Some(b) if (f(&c) > f(&b)) != max => Some(b),
                _ => Some(c),
            });
        pick.unwrap_or((0.0, 0.0))
    };
    let sum = |c: &(f32, f32)| c.0 + c.1;
    let diff = |c: &(f32, f32)| c.0 - c.1;
    [
        by(sum, false),
        by(diff, true),
        by(sum, true),
        by(diff, false),
    ]
}

/// The rectangle grown on every side by `area × ratio / perimeter`, as DB's
/// unclipping does for its shrunk training targets.
fn unclip(c: [(f32, f32); 4]) -> [(f32, f32); 4] {
    let len = |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let (w, h) = (len(c[0], c[1]), len(c[1], c[2]));
    if w < 1e-3 || h < 1e-3 {
        return c;
    }
    let d = w * h * UNCLIP_RATIO / (2.0 * (w + h));
    let (ux, uy) = ((c[1].0 - c[0].0) / w, (c[1].1 - c[0].1) / w);
    let (vx, vy) = ((c[3].0 - c[0].0) / h, (c[3].1 - c[0].1) / h);
    let grow = |p: (f32, f32), su: f32, sv: f32| {
        (p.0 + d * (su * ux + sv * vx), p.1 + d * (su * uy + sv * vy))
    };
    [
        grow(c[0], -1.0, -1.0),
        grow(c[1], 1.0, -1.0),
        grow(c[2], 1.0, 1.0),
        grow(c[3], -1.0, 1.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_goes_on_the_canvas_of_its_shape() {
        assert_eq!(canvas_for(2480, 3508), (960, 672));
        assert_eq!(canvas_for(3508, 2480), (672, 960));
        assert_eq!(canvas_for(1000, 1000), (960, 960));
    }

    #[test]
    fn a_probable_line_becomes_one_box_grown_around_it() {
        // A 60×8 band of text probability 0.9 on an empty map.
        let map = |x: usize, y: usize| {
            if (20..80).contains(&x) && (30..38).contains(&y) {
                0.9
            } else {
                0.0
            }
        };
        let found = regions(map, 120, 80);
        assert_eq!(found.len(), 1);
        let (l, t, r, b) = found[0].bounds();
        assert!(
            l < 20.0 && r > 79.0 && t < 30.0 && b > 37.0,
            "{:?}",
            found[0].bounds()
        );
        assert!(
            r - l < 80.0 && b - t < 24.0,
            "grown, not swollen: {:?}",
            found[0].bounds()
        );
        assert!(found[0].angle().abs() < 1.0);
    }

    #[test]
    fn faint_specks_are_not_text() {
        let map = |x: usize, y: usize| {
            if (x, y) == (5, 5) {
                0.9
            } else if x < 40 && y < 10 {
                0.35
            } else {
                0.0
            }
        };
        assert!(regions(map, 60, 30).is_empty());
    }
}
