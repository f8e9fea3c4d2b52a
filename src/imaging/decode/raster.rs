//! PNG and JPEG, standalone or (JPEG) inside a scanner PDF: size from the
//! header first, then the pixels within the limits, and the resolution the
//! file states.

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

use super::{DecodeError, Limits, MediaType, PageImage, check_size};

fn image_error(page: u32, e: image::ImageError, limits: &Limits) -> DecodeError {
    match e {
        image::ImageError::Limits(_) => DecodeError::TooLarge {
            page,
            width: 0,
            height: 0,
            max_pixels: limits.max_pixels,
        },
        image::ImageError::Unsupported(u) => DecodeError::Unsupported(format!(
            "page {page} uses a format variant sohoa cannot read: {u}"
        )),
        other => DecodeError::Unreadable(other.to_string()),
    }
}

/// A PNG or JPEG (standalone, or embedded in a PDF page), in grey, and in
/// colour too when `colour` is asked for and the image has colour.
pub(super) fn decode_single(
    bytes: &[u8],
    media: MediaType,
    limits: &Limits,
    page: u32,
    colour: bool,
) -> Result<PageImage, DecodeError> {
    let (image, dpi) = decode_single_pixels(bytes, media, limits, page)?;
    let colour = (colour && image.color().has_color()).then(|| image.to_rgb8());
    Ok(PageImage {
        width: image.width(),
        height: image.height(),
        dpi,
        pixels: image.into_luma8(),
        colour,
    })
}

/// A PNG or JPEG's pixels as stored, and the resolution it states.
pub(super) fn decode_single_pixels(
    bytes: &[u8],
    media: MediaType,
    limits: &Limits,
    page: u32,
) -> Result<(image::DynamicImage, Option<u32>), DecodeError> {
    let format = if media == MediaType::Png {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|e| image_error(page, e, limits))?;
    check_size(page, width, height, limits)?;
    let complete = if media == MediaType::Png {
        png_complete(bytes)
    } else {
        jpeg_complete(bytes)
    };
    complete.map_err(|why| DecodeError::Unreadable(format!("page {page}: {why}")))?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    // Room for the widest pixel format (RGBA, 16 bits a channel).
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(image_limits);
    let image = reader.decode().map_err(|e| image_error(page, e, limits))?;
    let dpi = if media == MediaType::Png {
        png_dpi(bytes)
    } else {
        jpeg_dpi(bytes)
    };
    Ok((image, dpi))
}

/// Whether a PNG is whole: every chunk there, its CRC right, up to `IEND`.
/// Decoders give up quietly on what is missing, so a file cut short in
/// transfer would otherwise pass as a page with its bottom gone.
fn png_complete(bytes: &[u8]) -> Result<(), String> {
    let mut at = 8;
    loop {
        let Some(head) = bytes.get(at..at + 8) else {
            return Err("it ends before its last chunk (IEND): it was cut short".into());
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = String::from_utf8_lossy(&head[4..8]).into_owned();
        let end = at.saturating_add(12).saturating_add(len);
        let Some(stored) = bytes.get(end.saturating_sub(4)..end) else {
            return Err(format!("its {kind} chunk is cut short"));
        };
        let stored = u32::from_be_bytes([stored[0], stored[1], stored[2], stored[3]]);
        if crc32fast::hash(&bytes[at + 4..end - 4]) != stored {
            return Err(format!(
                "its {kind} chunk is damaged (its CRC does not match)"
            ));
        }
        if &head[4..8] == b"IEND" {
            return Ok(());
        }
        at = end;
    }
}

/// Whether a JPEG is whole: its segments there and its image data ending in
/// the end-of-image marker. Decoders fill the rows of a file cut mid-scan
/// with grey, which would make an incomplete page a certified one.
fn jpeg_complete(bytes: &[u8]) -> Result<(), String> {
    const CUT: &str = "it is cut short in the middle of its image data";
    let mut at = 2;
    let mut scans = 0;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            return Err("it is damaged: a segment is not where its header says".into());
        }
        match bytes[at + 1] {
            0xFF => {
                at += 1;
                continue;
            }
            0xD9 if scans > 0 => return Ok(()),
            0xD9 => return Err("it ends before any image data".into()),
            0x01 | 0xD0..=0xD7 => {
                at += 2;
                continue;
            }
            _ => {}
        }
        let Some(len) = bytes.get(at + 2..at + 4) else {
            return Err(CUT.into());
        };
        let next = at + 2 + u16::from_be_bytes([len[0], len[1]]) as usize;
        if next > bytes.len() {
            return Err(CUT.into());
        }
        if bytes[at + 1] != 0xDA {
            at = next;
            continue;
        }
        scans += 1;
        // The entropy-coded data runs to the next marker that is neither a
        // stuffed zero, a restart nor a fill byte.
        let mut i = next;
        loop {
            let Some(&b) = bytes.get(i) else {
                return Err(CUT.into());
            };
            if b == 0xFF {
                match bytes.get(i + 1) {
                    None => return Err(CUT.into()),
                    Some(0x00 | 0xD0..=0xD7) => i += 2,
                    Some(0xFF) => i += 1,
                    Some(_) => break,
                }
            } else {
                i += 1;
            }
        }
        at = i;
    }
    Err("it ends without its end-of-image marker: it was cut short".into())
}

/// Resolution from a PNG's `pHYs` chunk (pixels per metre).
fn png_dpi(bytes: &[u8]) -> Option<u32> {
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().ok()?) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = bytes.get(at + 8..at + 8 + len)?;
        if kind == b"pHYs" && len >= 9 {
            let ppm = u32::from_be_bytes(data[0..4].try_into().ok()?);
            return (data[8] == 1 && ppm > 0).then(|| (ppm as f64 * 0.0254).round() as u32);
        }
        if kind == b"IDAT" || kind == b"IEND" {
            return None;
        }
        at += 12 + len;
    }
    None
}

/// Resolution from a JPEG's JFIF header.
fn jpeg_dpi(bytes: &[u8]) -> Option<u32> {
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        let len = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let data = bytes.get(at + 4..at + 2 + len)?;
        if marker == 0xE0 && data.starts_with(b"JFIF\0") && data.len() >= 12 {
            let units = data[7];
            let density = u16::from_be_bytes([data[8], data[9]]) as f64;
            return match units {
                1 if density > 0.0 => Some(density.round() as u32),
                2 if density > 0.0 => Some((density * 2.54).round() as u32),
                _ => None,
            };
        }
        if marker == 0xDA {
            return None;
        }
        at += 2 + len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(format: ImageFormat, progressive: bool) -> Vec<u8> {
        let mut image = image::GrayImage::new(64, 48);
        for (x, y, p) in image.enumerate_pixels_mut() {
            *p = image::Luma([((x * 7 + y * 3) % 256) as u8]);
        }
        let mut out = Cursor::new(Vec::new());
        if progressive {
            // image writes baseline JPEGs only; a progressive one comes from the fixtures.
            return std::fs::read(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/sparse/one_line_progressive.jpg"),
            )
            .unwrap();
        }
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_whole_png_or_jpeg_passes_and_one_cut_short_or_damaged_does_not() {
        let png = encoded(ImageFormat::Png, false);
        assert_eq!(png_complete(&png), Ok(()));
        assert!(
            png_complete(&png[..png.len() - 12])
                .unwrap_err()
                .contains("IEND")
        );
        assert!(png_complete(&png[..png.len() / 2]).is_err());
        let mut flipped = png.clone();
        flipped[png.len() / 2] ^= 0x40;
        assert!(png_complete(&flipped).unwrap_err().contains("CRC"));

        for jpeg in [
            encoded(ImageFormat::Jpeg, false),
            encoded(ImageFormat::Jpeg, true),
        ] {
            assert_eq!(jpeg_complete(&jpeg), Ok(()));
            let mut trailer = jpeg.clone();
            trailer.extend_from_slice(b"camera maker's trailer");
            assert_eq!(
                jpeg_complete(&trailer),
                Ok(()),
                "data after the end is no harm"
            );
            assert!(jpeg_complete(&jpeg[..jpeg.len() - 2]).is_err(), "no EOI");
            assert!(
                jpeg_complete(&jpeg[..jpeg.len() * 2 / 3]).is_err(),
                "cut mid-scan"
            );
            assert!(jpeg_complete(&jpeg[..40]).is_err(), "cut in the headers");
        }
    }
}
