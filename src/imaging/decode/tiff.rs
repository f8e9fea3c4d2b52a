//! TIFF: multi-page, grey, colour and bilevel (fax-compressed) scans.

use std::io::Cursor;

use image::{GrayImage, RgbImage};

use super::{DecodeError, Limits, PageImage, check_size, luma};

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
    only: Option<u32>,
    colour: bool,
) -> Result<Vec<PageImage>, DecodeError> {
    let mut pages = Vec::new();
    decode_each(bytes, limits, only, colour, &mut |page| {
        pages.push(page);
        Ok(())
    })?;
    Ok(pages)
}

/// Decodes the pages one after the other, each handed to `each` and
/// dropped before the next is decoded.
pub(super) fn decode_each(
    bytes: &[u8],
    limits: &Limits,
    only: Option<u32>,
    colour: bool,
    each: &mut dyn FnMut(PageImage) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::Tag;

    let unreadable = |page: u32| {
        move |e: tiff::TiffError| match e {
            tiff::TiffError::LimitsExceeded => DecodeError::TooLarge {
                page: 0,
                width: 0,
                height: 0,
                max_pixels: limits.max_pixels,
            },
            tiff::TiffError::UnsupportedError(u) => {
                DecodeError::Unsupported(format!("this TIFF uses a variant sohoa cannot read: {u}"))
            }
            tiff::TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                DecodeError::Unreadable(format!("page {page}: it ends early: it was cut short"))
            }
            other => DecodeError::Unreadable(format!("page {page}: {other}")),
        }
    };
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size =
        usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(unreadable(1))?
        .with_limits(tiff_limits);
    let mut page = 1u32;
    loop {
        if page as usize > limits.max_pages {
            return Err(DecodeError::TooManyPages(limits.max_pages));
        }
        if only.is_none_or(|p| p == page) {
            let (width, height) = decoder.dimensions().map_err(unreadable(page))?;
            check_size(page, width, height, limits)?;
            let color = decoder.colortype().map_err(unreadable(page))?;
            // 0 = WhiteIsZero (usual for fax scans), 1 = BlackIsZero.
            let white_is_zero = decoder
                .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
                .ok()
                .flatten()
                == Some(0);
            let dpi = tiff_dpi(&mut decoder);
            data_within(&mut decoder, bytes.len(), page)?;
            let data = decoder.read_image().map_err(unreadable(page))?;
            let (w, h) = (width as usize, height as usize);
            let mut kept_colour = None;
            let mut rgb = |v: &[u8], channels: usize| {
                if colour {
                    let samples: Vec<u8> = v
                        .chunks_exact(channels)
                        .flat_map(|p| [p[0], p[1], p[2]])
                        .collect();
                    kept_colour = RgbImage::from_raw(width, height, samples);
                }
                luma(v, channels)
            };
            let gray: Vec<u8> = match (color, data) {
                (tiff::ColorType::Gray(8), DecodingResult::U8(v)) => v,
                (tiff::ColorType::Gray(16), DecodingResult::U16(v)) => {
                    v.iter().map(|p| (p >> 8) as u8).collect()
                }
                (tiff::ColorType::Gray(1), DecodingResult::U8(v)) => {
                    let row = w.div_ceil(8);
                    let mut out = Vec::with_capacity(w * h);
                    for y in 0..h {
                        for x in 0..w {
                            let bit = v.get(y * row + x / 8).map_or(0, |b| (b >> (7 - x % 8)) & 1);
                            out.push(if bit == 1 { 255 } else { 0 });
                        }
                    }
                    out
                }
                (tiff::ColorType::RGB(8), DecodingResult::U8(v)) => rgb(&v, 3),
                (tiff::ColorType::RGBA(8), DecodingResult::U8(v)) => rgb(&v, 4),
                (other, _) => {
                    return Err(DecodeError::Unsupported(format!(
                        "TIFF page {page} uses colour type {other:?}, which sohoa cannot read; scan in grey or colour"
                    )));
                }
            };
            let gray = if white_is_zero {
                gray.into_iter().map(|p| 255 - p).collect()
            } else {
                gray
            };
            let pixels = GrayImage::from_raw(width, height, gray)
                .ok_or_else(|| DecodeError::Unreadable(format!("page {page} is cut short")))?;
            each(PageImage {
                width,
                height,
                dpi,
                pixels,
                colour: kept_colour,
            })?;
            if only.is_some() {
                return Ok(());
            }
        }
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(unreadable(page + 1))?;
        page += 1;
    }
    Ok(())
}

fn tiff_dpi<R: std::io::Read + std::io::Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
) -> Option<u32> {
    use tiff::tags::Tag;
    let value = decoder.find_tag(Tag::XResolution).ok().flatten()?;
    let res = match value {
        tiff::decoder::ifd::Value::Rational(n, d) if d > 0 => n as f64 / d as f64,
        other => other.into_f64().ok()?,
    };
    let unit = decoder
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .unwrap_or(2);
    match unit {
        2 if res > 0.0 => Some(res.round() as u32),
        3 if res > 0.0 => Some((res * 2.54).round() as u32),
        _ => None,
    }
}

/// Refuses a page whose strips or tiles run past the end of the file (a
/// TIFF cut short): the decoder would leave their rows blank.
fn data_within<R: std::io::Read + std::io::Seek>(
    decoder: &mut tiff::decoder::Decoder<R>,
    len: usize,
    page: u32,
) -> Result<(), DecodeError> {
    use tiff::tags::Tag;
    for (offsets, counts) in [
        (Tag::StripOffsets, Tag::StripByteCounts),
        (Tag::TileOffsets, Tag::TileByteCounts),
    ] {
        let (Ok(Some(offsets)), Ok(Some(counts))) = (
            decoder.find_tag_unsigned_vec::<u64>(offsets),
            decoder.find_tag_unsigned_vec::<u64>(counts),
        ) else {
            continue;
        };
        if offsets.len() != counts.len()
            || offsets
                .iter()
                .zip(&counts)
                .any(|(o, c)| o.saturating_add(*c) > len as u64)
        {
            return Err(DecodeError::Unreadable(format!(
                "page {page}: its image data runs past the end of the file: it was cut short"
            )));
        }
    }
    Ok(())
}
