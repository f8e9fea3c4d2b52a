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
