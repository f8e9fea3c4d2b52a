//! Reading a page in visible stages: prepare the page (tell the inks apart,
//! even out the light) → find every text region (the detector) → group the
//! regions into lines in reading order (`layout`) → read each line: crop it,
//! stretch its contrast, clear dotted leaders and rules, have Tesseract read
//! it as one line, map its words back onto the page, mark handwriting and
//! check each word's Vietnamese. Without a detector (or when it finds
//! nothing) the page is read with Tesseract's own layout analysis.

use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};

use super::cells::{CellInks, Piece, pieces};
use super::detector::{Detector, Region};
use super::engine::Engine;
use super::layout::{self, LineBox};
use super::{OcrError, PageInput};
use crate::domain::reading::{BBox, PageLayout, TextLine, Word};
use crate::imaging::ink;
use crate::imaging::{leaders, light, seal, skew, strays};
use crate::text::check::{self, Dictionary};
use crate::text::names;

/// How long each stage took for one page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub prepare: Duration,
    pub detect: Duration,
    pub read: Duration,
}

/// The page images lines are read from.
pub(super) struct Prepared {
    /// Black print and ballpoint ink, seals turned to paper, light evened.
    reading: GrayImage,
    /// Black print only (signatures turned to paper too), light evened: for
    /// a line a signature is drawn over.
    pub(super) print: Option<GrayImage>,
    /// Where the blue ink is.
    pub(super) blue: Option<GrayImage>,
    /// Where the red ink is.
    pub(super) red: Option<GrayImage>,
    /// The page in grey with its light evened, coloured inks kept: a
    /// heading printed in red is read from it.
    grey: GrayImage,
    /// The page in colour, light evened, for the detector.
    colour: RgbImage,
}

fn prepare(input: &PageInput, dpi: u32) -> Prepared {
    let Some(colour) = &input.colour else {
        // A grey or bilevel page: the seal is as dark as the print, and its
        // ring would cut through the signer's name.
        let mut reading = light::flatten(&input.pixels);
        seal::clear_rings(&mut reading, dpi);
        return Prepared {
            colour: image::DynamicImage::ImageLuma8(reading.clone()).to_rgb8(),
            reading,
            print: None,
            blue: None,
            red: None,
            grey: input.pixels.clone(),
        };
    };
    // Inks are told apart on the page with its light evened in each
    // channel: a warm, dim lamp tints paper and ink alike.
    let colour = light::flatten_colour(colour);
    let grey = image::DynamicImage::ImageRgb8(colour.clone()).to_luma8();
    let inks = ink::separate(&colour, &grey);
    Prepared {
        reading: inks.without_red,
        print: Some(inks.print),
        blue: Some(inks.blue),
        red: Some(inks.red),
        grey,
        colour,
    }
}

/// Reads a page through every stage.
pub(super) fn read(
    engine: &mut Engine,
    detector: Option<&Detector>,
    dictionary: &Dictionary,
    input: &PageInput,
    dpi: u32,
) -> Result<(PageLayout, Timings), OcrError> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let prepared = prepare(input, dpi);
    timings.prepare = started.elapsed();
    let started = Instant::now();
    let regions = match detector {
        Some(d) => d.detect(&prepared.colour)?,
        None => Vec::new(),
    };
    timings.detect = started.elapsed();
    let started = Instant::now();
    let (width, height) = input.pixels.dimensions();
    let layout = if regions.is_empty() {
        let mut layout = engine.read(&prepared.reading, dpi)?;
        for word in layout.lines.iter_mut().flat_map(|l| &mut l.words) {
            checked(word, dictionary);
        }
        layout
    } else {
        let lines = layout::lines(regions, width as f32)
            .into_iter()
            .map(|line| read_line(engine, &prepared, &line, dpi, dictionary))
            .collect::<Result<Vec<_>, _>>()?;
        PageLayout {
            width,
            height,
            lines: lines.into_iter().flatten().collect(),
            qr: None,
        }
    };
    timings.read = started.elapsed();
    Ok((layout, timings))
}

/// One line: each of its cells read, its words joined.
fn read_line(
    engine: &mut Engine,
    page: &Prepared,
    line: &LineBox,
    dpi: u32,
    dictionary: &Dictionary,
) -> Result<Option<TextLine>, OcrError> {
    let mut words = Vec::new();
    for cell in &line.cells {
        words.extend(read_cell(engine, page, cell, dpi, dictionary)?);
    }
    give_surname_back(&mut words);
    let Some(first) = words.first() else {
        return Ok(None);
    };
    let bbox = words.iter().fold(first.bbox, |b, w| b.union(&w.bbox));
    Ok(Some(TextLine {
        bbox,
        words,
        starts_block: line.starts_block,
    }))
}

/// The cell's box grown by a margin, within the page: left, top, width, height.
fn crop_box(region: &Region, page: (u32, u32)) -> (u32, u32, u32, u32) {
    let (l, t, r, b) = region.bounds();
    let margin = ((b - t) * 0.15).max(2.0);
    let x0 = (l - margin).max(0.0) as u32;
    let y0 = (t - margin).max(0.0) as u32;
    let x1 = ((r + margin) as u32).min(page.0);
    let y1 = ((b + margin) as u32).min(page.1);
    (
        x0,
        y0,
        x1.saturating_sub(x0).max(1),
        y1.saturating_sub(y0).max(1),
    )
}

fn read_cell(
    engine: &mut Engine,
    page: &Prepared,
    cell: &Region,
    dpi: u32,
    dictionary: &Dictionary,
) -> Result<Vec<Word>, OcrError> {
    let area = crop_box(cell, page.reading.dimensions());
    let (x, y, w, h) = area;
    let mut inks = CellInks::of(page, area);
    let print = page.print.as_ref().unwrap_or(&page.reading);
    if inks.blue > 0 && inks.blue_over_print() {
        inks.recount_under_blue(print, area);
    }
    let whole = |source| {
        vec![(
            Piece {
                x0: 0,
                x1: w,
                handwritten: false,
            },
            source,
        )]
    };
    let parts: Vec<(Piece, &GrayImage)> = if inks.red_print() {
        whole(&page.grey)
    } else if inks.blue_over_print() {
        // A signature across the print: the print alone is read.
        whole(print)
    } else if inks.blue > 0 {
        // A value written after a printed label: each read apart, the
        // label without the ink, the value with it.
        pieces(&inks.blue_columns, h as usize)
            .into_iter()
            .map(|p| (p, if p.handwritten { &page.reading } else { print }))
            .collect()
    } else {
        whole(&page.reading)
    };
    let angle = cell.angle();
    let mut words = Vec::new();
    for (part, source) in parts {
        let mut crop =
            image::imageops::crop_imm(source, x + part.x0, y, part.x1 - part.x0, h).to_image();
        if angle.abs() > 1.5 {
            crop = skew::straighten(&crop, -f64::from(angle));
        }
        light::stretch(&mut crop);
        if page.print.is_none() {
            // A grey page: a seal or a background pattern is a paler grey
            // than print, and has no black core.
            strays::clear_faint(&mut crop);
        }
        strays::clear_neighbours(&mut crop);
        leaders::clear(&mut crop);
        let (crop, pad) = padded(&crop);
        let read_words = engine.read_line(&crop, dpi)?;
        for mut word in read_words.into_iter().filter(|w| !is_noise(w)) {
            let (left, top) = (x + part.x0, y);
            let at = |v: u32, origin: u32, limit: u32| (v.saturating_sub(pad) + origin).min(limit);
            word.bbox = BBox {
                x0: at(word.bbox.x0, left, x + part.x1),
                y0: at(word.bbox.y0, top, y + h),
                x1: at(word.bbox.x1, left, x + part.x1),
                y1: at(word.bbox.y1, top, y + h),
            };
            word.handwritten = part.handwritten && written_in_blue(page, &word.bbox);
            checked(&mut word, dictionary);
            words.push(word);
        }
    }
    Ok(words)
}

/// Below this confidence a word of no letter or digit is a smudge read as
/// punctuation (a stroke of a signature, a seal's edge), not text.
const NOISE_CONFIDENCE: u8 = 30;

fn is_noise(word: &Word) -> bool {
    word.confidence < NOISE_CONFIDENCE && !word.text.chars().any(char::is_alphanumeric)
}

/// The line on a paper-white margin a third of its height wide: Tesseract
/// reads a line best with room around it (marks above capitals touch the
/// crop's edge otherwise). Answers the margin too.
fn padded(line: &GrayImage) -> (GrayImage, u32) {
    let (w, h) = line.dimensions();
    let pad = (h / 3).max(4);
    let mut out = GrayImage::from_pixel(w + 2 * pad, h + 2 * pad, image::Luma([255]));
    image::imageops::replace(&mut out, line, i64::from(pad), i64::from(pad));
    (out, pad)
}

/// Whether most of a word's ink is blue.
fn written_in_blue(page: &Prepared, b: &BBox) -> bool {
    let (Some(blue), Some(print)) = (&page.blue, &page.print) else {
        return false;
    };
    let (mut blue_px, mut print_px) = (0u32, 0u32);
    for y in b.y0..b.y1.min(blue.height()) {
        for x in b.x0..b.x1.min(blue.width()) {
            if blue.get_pixel(x, y).0[0] > 0 {
                blue_px += 1;
            } else if print.get_pixel(x, y).0[0] < 110 {
                print_px += 1;
            }
        }
    }
    blue_px > 8 && blue_px > print_px
}

/// A name in capitals — a line's words after its label, or the whole line —
/// whose surname was read with a mark lost gets it back (the raw kept).
fn give_surname_back(words: &mut [Word]) {
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let start = texts
        .iter()
        .rposition(|t| t.ends_with(':'))
        .map_or(0, |i| i + 1);
    if !names::is_capital_name(&texts, start) {
        return;
    }
    if let Some(surname) = names::surname(&words[start].text) {
        let word = &mut words[start];
        let raw = std::mem::replace(&mut word.text, surname.to_uppercase());
        word.raw.get_or_insert(raw);
    }
}

/// The Vietnamese check on one word; a handwritten word is always to confirm.
fn checked(word: &mut Word, dictionary: &Dictionary) {
    let result = check::check(&word.text, word.confidence, dictionary);
    if result.raw.is_some() {
        word.raw = Some(std::mem::replace(&mut word.text, result.text));
    }
    word.doubtful = result.doubtful || word.handwritten;
}
