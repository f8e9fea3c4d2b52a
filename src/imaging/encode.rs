//! Encoding page images for the searchable PDF, never inflating them: what
//! a JPEG or PNG already holds is read as it is ([`jpeg_info`],
//! [`png_stream`]); what must be encoded anew (a straightened page, a TIFF
//! page) is encoded once — JPEG at the original's quality, bilevel pages as
//! CCITT Group 4, anything else losslessly as PNG data (Flate with PNG
//! predictors).

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, GrayImage, ImageEncoder, RgbImage};

/// What a JPEG says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    /// 1 (grey), 3 (colour) or 4 (CMYK).
    pub components: u8,
    /// The libjpeg quality its luminance table was made with, 1–100.
    pub quality: u8,
}

/// The standard (Annex K) luminance quantisation table, in zig-zag order as
/// JPEG files store it.
const STD_LUMINANCE_ZIGZAG: [u16; 64] = [
    16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40, 26, 24, 22, 22, 24, 49, 35, 37,
    29, 40, 58, 51, 61, 60, 57, 51, 56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81,
    87, 95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
];

/// The luminance table libjpeg makes for `quality`.
fn scaled_table(quality: u8) -> [u16; 64] {
    let q = u32::from(quality.clamp(1, 100));
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    STD_LUMINANCE_ZIGZAG.map(|v| ((u32::from(v) * scale + 50) / 100).clamp(1, 255) as u16)
}

/// The quality whose libjpeg table is closest to `table`.
fn estimate_quality(table: &[u16; 64]) -> u8 {
    (1..=100u8)
        .min_by_key(|q| {
            scaled_table(*q)
                .iter()
                .zip(table)
                .map(|(a, b)| u32::from(a.abs_diff(*b)))
                .sum::<u32>()
        })
        .unwrap_or(75)
}

/// Size, components and quality from a JPEG's markers; none when it is not
/// a baseline or progressive JPEG this reads.
pub fn jpeg_info(bytes: &[u8]) -> Option<JpegInfo> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    let mut luminance: Option<[u16; 64]> = None;
    let mut frame: Option<(u32, u32, u8)> = None;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xFF {
            at += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        let data = bytes.get(at + 4..at + 2 + len)?;
        match marker {
            0xDB => {
                let mut i = 0;
                while i < data.len() {
                    let (precision, id) = (data[i] >> 4, data[i] & 0x0F);
                    let size = if precision == 0 { 64 } else { 128 };
                    let table = data.get(i + 1..i + 1 + size)?;
                    if id == 0 {
                        let mut values = [0u16; 64];
                        for (k, v) in values.iter_mut().enumerate() {
                            *v = if precision == 0 {
                                u16::from(table[k])
                            } else {
                                u16::from_be_bytes([table[2 * k], table[2 * k + 1]])
                            };
                        }
                        luminance = Some(values);
                    }
                    i += 1 + size;
                }
            }
            // Start of frame: baseline, extended or progressive Huffman.
            0xC0..=0xC2 => {
                let height = u32::from(u16::from_be_bytes([*data.get(1)?, *data.get(2)?]));
                let width = u32::from(u16::from_be_bytes([*data.get(3)?, *data.get(4)?]));
                frame = Some((width, height, *data.get(5)?));
            }
            // Start of scan: every table this reads comes before it.
            0xDA => {
                let (width, height, components) = frame?;
                return Some(JpegInfo {
                    width,
                    height,
                    components,
                    quality: luminance.as_ref().map_or(75, estimate_quality),
                });
            }
            _ => {}
        }
        at += 2 + len;
    }
    None
}

/// A PNG's image data as a PDF FlateDecode stream with PNG predictors takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PngStream {
    pub width: u32,
    pub height: u32,
    /// 1 (grey) or 3 (colour).
    pub components: u8,
    /// Bits per component: 1, 2, 4, 8 or 16.
    pub bits: u8,
    /// The IDAT chunks, joined: a zlib stream of filtered rows.
    pub data: Vec<u8>,
}

/// The image data of a non-interlaced grey or RGB PNG without transparency,
/// as it is; none for any other PNG (palette, alpha, interlaced).
pub fn png_stream(bytes: &[u8]) -> Option<PngStream> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let mut at = 8;
    let mut header = None;
    let mut data = Vec::new();
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = bytes.get(at + 8..at + 8 + len)?;
        match kind {
            b"IHDR" if body.len() >= 13 => {
                let width = u32::from_be_bytes(body[0..4].try_into().ok()?);
                let height = u32::from_be_bytes(body[4..8].try_into().ok()?);
                let (bits, colour, interlace) = (body[8], body[9], body[12]);
                let components = match colour {
                    0 => 1,
                    2 => 3,
                    _ => return None,
                };
                if interlace != 0 {
                    return None;
                }
                header = Some((width, height, components, bits));
            }
            b"tRNS" => return None,
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let (width, height, components, bits) = header?;
    (!data.is_empty()).then_some(PngStream {
        width,
        height,
        components,
        bits,
        data,
    })
}

#[derive(Debug, thiserror::Error)]
#[error("the page image cannot be encoded: {0}")]
pub struct EncodeError(String);

/// Grey or colour pixels to encode.
pub enum Pixels<'a> {
    Grey(&'a GrayImage),
    Colour(&'a RgbImage),
}

impl Pixels<'_> {
    fn parts(&self) -> (&[u8], u32, u32, ExtendedColorType) {
        match self {
            Pixels::Grey(g) => (g.as_raw(), g.width(), g.height(), ExtendedColorType::L8),
            Pixels::Colour(c) => (c.as_raw(), c.width(), c.height(), ExtendedColorType::Rgb8),
        }
    }
}

/// JPEG at `quality` (1–100).
pub fn jpeg(pixels: Pixels<'_>, quality: u8) -> Result<Vec<u8>, EncodeError> {
    let (raw, w, h, colour) = pixels.parts();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100))
        .write_image(raw, w, h, colour)
        .map_err(|e| EncodeError(e.to_string()))?;
    Ok(out)
}

/// Lossless: PNG image data (the best standard filter for scans that are
/// neither bilevel nor photographs to keep as JPEG).
pub fn lossless(pixels: Pixels<'_>) -> Result<PngStream, EncodeError> {
    let (raw, w, h, colour) = pixels.parts();
    let mut png = Vec::new();
    PngEncoder::new_with_quality(
        Cursor::new(&mut png),
        CompressionType::Best,
        FilterType::Adaptive,
    )
    .write_image(raw, w, h, colour)
    .map_err(|e| EncodeError(e.to_string()))?;
    png_stream(&png).ok_or_else(|| EncodeError("the PNG encoder wrote no image data".into()))
}

/// Whether every pixel is black or white: a bilevel page (fax, line art).
pub fn is_bilevel(page: &GrayImage) -> bool {
    page.as_raw().iter().all(|p| *p == 0 || *p == 255)
}

/// CCITT Group 4 (`K -1`, `BlackIs1 false`) of a page, dark pixels black.
pub fn fax_g4(page: &GrayImage) -> Vec<u8> {
    use fax::encoder::Encoder;
    use fax::{Color, VecWriter};
    let mut encoder = Encoder::new(VecWriter::new());
    let width = page.width();
    for row in page.as_raw().chunks_exact(width.max(1) as usize) {
        let pels = row
            .iter()
            .map(|p| if *p < 128 { Color::Black } else { Color::White });
        // Writing to memory cannot fail.
        let _ = encoder.encode_line(pels, width);
    }
    match encoder.finish() {
        Ok(writer) => writer.finish(),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> GrayImage {
        GrayImage::from_fn(120, 80, |x, y| {
            image::Luma([if (x / 7 + y / 5) % 3 == 0 { 0 } else { 255 }])
        })
    }

    #[test]
    fn a_jpegs_quality_is_read_back_from_its_tables() {
        let grey = GrayImage::from_fn(64, 48, |x, y| image::Luma([(x * 3 + y * 2) as u8]));
        for quality in [40u8, 60, 75, 92] {
            let bytes = jpeg(Pixels::Grey(&grey), quality).unwrap();
            let info = jpeg_info(&bytes).unwrap();
            assert_eq!((info.width, info.height, info.components), (64, 48, 1));
            assert!(
                info.quality.abs_diff(quality) <= 1,
                "{quality} read as {}",
                info.quality
            );
        }
    }

    #[test]
    fn a_pngs_image_data_is_taken_as_it_is() {
        let mut bytes = Vec::new();
        page()
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        let stream = png_stream(&bytes).unwrap();
        assert_eq!(
            (stream.width, stream.height, stream.components, stream.bits),
            (120, 80, 1, 8)
        );
        let mut inflated = Vec::new();
        use std::io::Read;
        flate2::read::ZlibDecoder::new(&stream.data[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len(), (120 + 1) * 80, "one filter byte a row");
    }

    #[test]
    fn a_bilevel_page_round_trips_through_group_4() {
        let page = page();
        assert!(is_bilevel(&page));
        let encoded = fax_g4(&page);
        assert!(encoded.len() < page.as_raw().len() / 8);
        let mut rows = Vec::new();
        fax::decoder::decode_g4(encoded.into_iter(), 120, Some(80), |transitions| {
            let row: Vec<u8> = fax::decoder::pels(transitions, 120)
                .map(|c| if c == fax::Color::Black { 0 } else { 255 })
                .collect();
            rows.push(row);
        })
        .unwrap();
        assert_eq!(rows.concat(), page.as_raw().clone());
    }

    #[test]
    fn lossless_encoding_gives_png_data() {
        let colour = RgbImage::from_fn(30, 20, |x, y| image::Rgb([x as u8 * 8, y as u8 * 9, 100]));
        let stream = lossless(Pixels::Colour(&colour)).unwrap();
        assert_eq!((stream.components, stream.bits), (3, 8));
    }
}
