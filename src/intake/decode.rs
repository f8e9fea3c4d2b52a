//! Turning uploaded files into page images, safely. The file type comes from
//! its leading bytes, never from what the client declares. Every decoder is
//! told the pixel limit first and refuses a page past it from its header,
//! before any pixels are allocated, so a decompression bomb costs nothing.
//!
//! Accepted: PNG, JPEG, TIFF (multi-page, including bilevel fax-compressed
//! scans) and scanner PDFs that hold one image per page (JPEG, Flate or
//! uncompressed images).

use std::io::Cursor;

use image::{GrayImage, ImageFormat, ImageReader};

/// Bounds on what a file may hold.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest page, in pixels.
    pub max_pixels: u64,
    /// Most pages in one file.
    pub max_pages: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Png,
    Jpeg,
    Tiff,
    Pdf,
}

impl MediaType {
    /// Recognises a file by its signature.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(Self::Tiff)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Tiff => "image/tiff",
            Self::Pdf => "application/pdf",
        }
    }
}

/// One page, decoded to 8-bit grey for checking and OCR.
pub struct PageImage {
    pub width: u32,
    pub height: u32,
    /// Resolution the file states (or, for PDF, implies); `None` if unstated.
    pub dpi: Option<u32>,
    pub pixels: GrayImage,
}

impl std::fmt::Debug for PageImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PageImage({}x{}, dpi {:?})",
            self.width, self.height, self.dpi
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error(
        "this file is not a PNG, JPEG, TIFF or scanner PDF; save the scan in one of those formats"
    )]
    UnknownType,
    #[error("{0}")]
    Unsupported(String),
    #[error("the file cannot be read ({0}); it may be damaged or cut short: scan it again")]
    Unreadable(String),
    #[error(
        "page {page} is {width}×{height} pixels, more than the {max_pixels} allowed; scan at a lower resolution"
    )]
    TooLarge {
        page: u32,
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("the file has more than {0} pages")]
    TooManyPages(usize),
}

/// Decodes every page of `bytes`.
pub fn decode_all(
    bytes: &[u8],
    limits: &Limits,
) -> Result<(MediaType, Vec<PageImage>), DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    let pages = match media {
        MediaType::Png | MediaType::Jpeg => vec![decode_single(bytes, media, limits, 1)?],
        MediaType::Tiff => decode_tiff(bytes, limits, None)?,
        MediaType::Pdf => decode_pdf(bytes, limits, None)?,
    };
    if pages.is_empty() {
        return Err(DecodeError::Unreadable("it holds no pages".into()));
    }
    Ok((media, pages))
}

/// Decodes page `file_page` (1-based) of `bytes`.
pub fn decode_page(
    bytes: &[u8],
    file_page: u32,
    limits: &Limits,
) -> Result<PageImage, DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    let mut pages = match media {
        MediaType::Png | MediaType::Jpeg => vec![decode_single(bytes, media, limits, 1)?],
        MediaType::Tiff => decode_tiff(bytes, limits, Some(file_page))?,
        MediaType::Pdf => decode_pdf(bytes, limits, Some(file_page))?,
    };
    if media == MediaType::Png || media == MediaType::Jpeg {
        if file_page != 1 {
            return Err(DecodeError::Unreadable(format!(
                "it has no page {file_page}"
            )));
        }
        return Ok(pages.remove(0));
    }
    pages
        .pop()
        .ok_or_else(|| DecodeError::Unreadable(format!("it has no page {file_page}")))
}

/// Page `file_page` of a PNG or JPEG in grey and, when the file is in
/// colour, in colour too, from one decoding: OCR reads the grey, the
/// searchable PDF shows the colour. Other formats: grey only (see
/// [`decode_page`]; PDFs through [`Pdf`]).
pub fn decode_page_and_colour(
    bytes: &[u8],
    file_page: u32,
    limits: &Limits,
) -> Result<(PageImage, Option<image::RgbImage>), DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    if !matches!(media, MediaType::Png | MediaType::Jpeg) {
        return Ok((decode_page(bytes, file_page, limits)?, None));
    }
    if file_page != 1 {
        return Err(DecodeError::Unreadable(format!(
            "it has no page {file_page}"
        )));
    }
    let (image, dpi) = decode_single_pixels(bytes, media, limits, 1)?;
    let colour = image.color().has_color().then(|| image.to_rgb8());
    let page = PageImage {
        width: image.width(),
        height: image.height(),
        dpi,
        pixels: image.into_luma8(),
    };
    Ok((page, colour))
}

fn check_size(page: u32, width: u32, height: u32, limits: &Limits) -> Result<(), DecodeError> {
    if width == 0 || height == 0 {
        return Err(DecodeError::Unreadable(format!(
            "page {page} has no pixels"
        )));
    }
    if width as u64 * height as u64 > limits.max_pixels {
        return Err(DecodeError::TooLarge {
            page,
            width,
            height,
            max_pixels: limits.max_pixels,
        });
    }
    Ok(())
}

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

/// A PNG or JPEG (standalone, or embedded in a PDF page), in grey.
fn decode_single(
    bytes: &[u8],
    media: MediaType,
    limits: &Limits,
    page: u32,
) -> Result<PageImage, DecodeError> {
    let (image, dpi) = decode_single_pixels(bytes, media, limits, page)?;
    Ok(PageImage {
        width: image.width(),
        height: image.height(),
        dpi,
        pixels: image.into_luma8(),
    })
}

/// A PNG or JPEG's pixels as stored, and the resolution it states.
fn decode_single_pixels(
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

fn decode_tiff(
    bytes: &[u8],
    limits: &Limits,
    only: Option<u32>,
) -> Result<Vec<PageImage>, DecodeError> {
    use tiff::decoder::{Decoder, DecodingResult};
    use tiff::tags::Tag;

    let unreadable = |e: tiff::TiffError| match e {
        tiff::TiffError::LimitsExceeded => DecodeError::TooLarge {
            page: 0,
            width: 0,
            height: 0,
            max_pixels: limits.max_pixels,
        },
        tiff::TiffError::UnsupportedError(u) => {
            DecodeError::Unsupported(format!("this TIFF uses a variant sohoa cannot read: {u}"))
        }
        other => DecodeError::Unreadable(other.to_string()),
    };
    let mut tiff_limits = tiff::decoder::Limits::default();
    tiff_limits.decoding_buffer_size =
        usize::try_from(limits.max_pixels.saturating_mul(8)).unwrap_or(usize::MAX);
    let mut decoder = Decoder::new(Cursor::new(bytes))
        .map_err(unreadable)?
        .with_limits(tiff_limits);
    let mut pages = Vec::new();
    let mut page = 1u32;
    loop {
        if page as usize > limits.max_pages {
            return Err(DecodeError::TooManyPages(limits.max_pages));
        }
        if only.is_none_or(|p| p == page) {
            let (width, height) = decoder.dimensions().map_err(unreadable)?;
            check_size(page, width, height, limits)?;
            let color = decoder.colortype().map_err(unreadable)?;
            // 0 = WhiteIsZero (usual for fax scans), 1 = BlackIsZero.
            let white_is_zero = decoder
                .find_tag_unsigned::<u16>(Tag::PhotometricInterpretation)
                .ok()
                .flatten()
                == Some(0);
            let dpi = tiff_dpi(&mut decoder);
            let data = decoder.read_image().map_err(unreadable)?;
            let (w, h) = (width as usize, height as usize);
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
                (tiff::ColorType::RGB(8), DecodingResult::U8(v)) => luma(&v, 3),
                (tiff::ColorType::RGBA(8), DecodingResult::U8(v)) => luma(&v, 4),
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
            pages.push(PageImage {
                width,
                height,
                dpi,
                pixels,
            });
            if only.is_some() {
                return Ok(pages);
            }
        }
        if !decoder.more_images() {
            break;
        }
        decoder.next_image().map_err(unreadable)?;
        page += 1;
    }
    Ok(pages)
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

fn luma(samples: &[u8], channels: usize) -> Vec<u8> {
    samples
        .chunks_exact(channels)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect()
}

fn decode_pdf(
    bytes: &[u8],
    limits: &Limits,
    only: Option<u32>,
) -> Result<Vec<PageImage>, DecodeError> {
    let pdf = Pdf::parse(bytes, limits)?;
    pdf.page_numbers()
        .filter(|n| only.is_none_or(|p| p == *n))
        .map(|n| pdf.image(n, limits))
        .collect()
}

/// A PDF parsed once, within the limits, so that several of its pages can be
/// read (their scanned images, or a born-digital page's own text) without
/// parsing it again.
pub struct Pdf {
    doc: lopdf::Document,
    pages: std::collections::BTreeMap<u32, lopdf::ObjectId>,
}

impl Pdf {
    /// Parses `bytes`: no stream inflates past [`pdf_stream_limit`] (PDF
    /// bombs), and no more than `max_pages` pages.
    pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        let options = lopdf::LoadOptions {
            max_decompressed_size: Some(pdf_stream_limit(limits)),
            ..lopdf::LoadOptions::default()
        };
        let doc = lopdf::Document::load_mem_with_options(bytes, options)
            .map_err(|e| DecodeError::Unreadable(format!("not a valid PDF: {e}")))?;
        let pages = doc.get_pages();
        if pages.len() > limits.max_pages {
            return Err(DecodeError::TooManyPages(limits.max_pages));
        }
        Ok(Self { doc, pages })
    }

    /// Page numbers, from 1, in order.
    pub fn page_numbers(&self) -> impl Iterator<Item = u32> + '_ {
        self.pages.keys().copied()
    }

    /// The scan on page `number`: the largest image the page draws, in grey,
    /// with the resolution its size on the page gives.
    pub fn image(&self, number: u32, limits: &Limits) -> Result<PageImage, DecodeError> {
        use lopdf::Object;
        let page_id = *self
            .pages
            .get(&number)
            .ok_or_else(|| DecodeError::Unreadable(format!("it has no page {number}")))?;
        let no_image = || {
            DecodeError::Unsupported(format!(
                "PDF page {number} holds no scanned image: only scanner PDFs (one image per page) are accepted"
            ))
        };
        // The largest image the page draws is its scan.
        let (resources, inherited) = self
            .doc
            .get_page_resources(page_id)
            .map_err(|_| no_image())?;
        let mut dicts: Vec<&lopdf::Dictionary> = resources.into_iter().collect();
        dicts.extend(
            inherited
                .iter()
                .filter_map(|id| self.doc.get_dictionary(*id).ok()),
        );
        let mut best: Option<(&lopdf::Stream, u32, u32)> = None;
        for dict in dicts {
            let Ok(xobjects) = dict
                .get_deref(b"XObject", &self.doc)
                .and_then(Object::as_dict)
            else {
                continue;
            };
            for (_, obj) in xobjects.iter() {
                let Ok((_, Object::Stream(stream))) = self.doc.dereference(obj) else {
                    continue;
                };
                if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image") {
                    continue;
                }
                let dim = |key: &[u8]| {
                    stream
                        .dict
                        .get_deref(key, &self.doc)
                        .and_then(Object::as_i64)
                        .ok()
                        .and_then(|v| u32::try_from(v).ok())
                };
                if let (Some(w), Some(h)) = (dim(b"Width"), dim(b"Height"))
                    && best
                        .is_none_or(|(_, bw, bh)| (w as u64 * h as u64) > (bw as u64 * bh as u64))
                {
                    best = Some((stream, w, h));
                }
            }
        }
        let (stream, width, height) = best.ok_or_else(no_image)?;
        check_size(number, width, height, limits)?;
        let filters: Vec<Vec<u8>> = stream
            .filters()
            .map(|f| f.into_iter().map(<[u8]>::to_vec).collect())
            .unwrap_or_default();
        let mut image = if filters.last().map(Vec::as_slice) == Some(b"DCTDecode") {
            if filters.len() > 1 {
                return Err(DecodeError::Unsupported(format!(
                    "PDF page {number} wraps its JPEG in another filter, which sohoa cannot read"
                )));
            }
            decode_single(&stream.content, MediaType::Jpeg, limits, number)?
        } else {
            pdf_raw_image(&self.doc, stream, number, width, height)?
        };
        // The page's width in points tells the resolution the scan was made at.
        image.dpi = self
            .size_points(number)
            .map(|(w, _)| w)
            .filter(|w| *w > 0.0)
            .map(|w| (width as f64 / (w / 72.0)).round() as u32);
        Ok(image)
    }

    /// Page `number`'s own text (through each font's ToUnicode map), trimmed;
    /// `None` when it cannot be read.
    pub fn text(&self, number: u32, limits: &Limits) -> Option<String> {
        self.doc
            .extract_text_with_limit(&[number], pdf_stream_limit(limits))
            .ok()
            .map(|t| t.trim().to_owned())
    }

    /// Page `number`'s MediaBox (width, height) in points, following
    /// inheritance from parent page-tree nodes.
    pub fn size_points(&self, number: u32) -> Option<(f64, f64)> {
        use lopdf::Object;
        let mut dict = self.doc.get_dictionary(*self.pages.get(&number)?).ok()?;
        for _ in 0..32 {
            if let Ok(boxed) = dict
                .get_deref(b"MediaBox", &self.doc)
                .and_then(Object::as_array)
            {
                let n: Vec<f64> = boxed
                    .iter()
                    .filter_map(|o| o.as_float().ok())
                    .map(f64::from)
                    .collect();
                return (n.len() == 4).then(|| ((n[2] - n[0]).abs(), (n[3] - n[1]).abs()));
            }
            let parent = dict.get(b"Parent").and_then(Object::as_reference).ok()?;
            dict = self.doc.get_dictionary(parent).ok()?;
        }
        None
    }
}

/// The largest stream a PDF may inflate to: the bytes of the largest page allowed.
pub fn pdf_stream_limit(limits: &Limits) -> usize {
    usize::try_from(limits.max_pixels.saturating_mul(4)).unwrap_or(usize::MAX)
}

fn pdf_raw_image(
    doc: &lopdf::Document,
    stream: &lopdf::Stream,
    page: u32,
    width: u32,
    height: u32,
) -> Result<PageImage, DecodeError> {
    use lopdf::Object;

    let bpc = stream
        .dict
        .get_deref(b"BitsPerComponent", doc)
        .and_then(Object::as_i64)
        .unwrap_or(8);
    let channels = match stream.dict.get_deref(b"ColorSpace", doc) {
        Ok(Object::Name(name)) if name == b"DeviceGray" => 1,
        Ok(Object::Name(name)) if name == b"DeviceRGB" => 3,
        Ok(Object::Array(items))
            if items.first().and_then(|o| o.as_name().ok()) == Some(b"ICCBased") =>
        {
            items
                .get(1)
                .and_then(|o| doc.dereference(o).ok())
                .and_then(|(_, o)| o.as_stream().ok())
                .and_then(|s| s.dict.get(b"N").and_then(Object::as_i64).ok())
                .unwrap_or(0)
        }
        _ => 0,
    };
    if !matches!((channels, bpc), (1, 8) | (3, 8) | (1, 1)) {
        return Err(DecodeError::Unsupported(format!(
            "PDF page {page} stores its image in a way sohoa cannot read ({channels} channels, {bpc} bits); rescan to JPEG, PNG or TIFF"
        )));
    }
    let (w, h) = (width as usize, height as usize);
    let row = if bpc == 1 {
        w.div_ceil(8)
    } else {
        w * channels as usize
    };
    let expected = row * h;
    let data = stream
        .decompressed_content_with_limit(expected)
        .map_err(|e| match e {
            lopdf::Error::Unimplemented(_) => DecodeError::Unsupported(format!(
                "PDF page {page} uses a compression sohoa cannot read (fax, JBIG2 or JPEG 2000); rescan to JPEG, PNG or TIFF"
            )),
            other => DecodeError::Unreadable(format!("page {page}: {other}")),
        })?;
    if data.len() < expected {
        return Err(DecodeError::Unreadable(format!(
            "page {page}'s image is cut short"
        )));
    }
    let gray = match (channels, bpc) {
        (1, 8) => data[..expected].to_vec(),
        (3, 8) => luma(&data[..expected], 3),
        _ => {
            let mut out = Vec::with_capacity(w * h);
            for y in 0..h {
                for x in 0..w {
                    let bit = (data[y * row + x / 8] >> (7 - x % 8)) & 1;
                    out.push(if bit == 1 { 255 } else { 0 });
                }
            }
            out
        }
    };
    let pixels = GrayImage::from_raw(width, height, gray)
        .ok_or_else(|| DecodeError::Unreadable(format!("page {page}'s image is cut short")))?;
    Ok(PageImage {
        width,
        height,
        dpi: None,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_pixels: 40_000_000,
        max_pages: 10,
    };

    fn png_with_dpi(w: u32, h: u32, dpi: u32) -> Vec<u8> {
        let img = GrayImage::from_pixel(w, h, image::Luma([200]));
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_pixel_dims(Some(png::PixelDimensions {
            xppu: (dpi as f64 / 0.0254).round() as u32,
            yppu: (dpi as f64 / 0.0254).round() as u32,
            unit: png::Unit::Meter,
        }));
        enc.write_header()
            .unwrap()
            .write_image_data(img.as_raw())
            .unwrap();
        out
    }

    #[test]
    fn a_png_states_its_size_and_resolution() {
        let (media, pages) = decode_all(&png_with_dpi(40, 30, 300), &LIMITS).unwrap();
        assert_eq!(media, MediaType::Png);
        assert_eq!(
            (pages[0].width, pages[0].height, pages[0].dpi),
            (40, 30, Some(300))
        );
    }

    #[test]
    fn a_png_larger_than_the_limit_is_refused_from_its_header() {
        let limits = Limits {
            max_pixels: 100,
            max_pages: 1,
        };
        let err = decode_all(&png_with_dpi(40, 30, 300), &limits).unwrap_err();
        assert!(matches!(
            err,
            DecodeError::TooLarge {
                width: 40,
                height: 30,
                ..
            }
        ));
    }

    #[test]
    fn text_is_not_an_image() {
        assert_eq!(
            decode_all(b"hello", &LIMITS).unwrap_err(),
            DecodeError::UnknownType
        );
    }

    #[test]
    fn a_truncated_png_is_unreadable() {
        let bytes = png_with_dpi(400, 300, 300);
        let err = decode_all(&bytes[..bytes.len() / 2], &LIMITS).unwrap_err();
        assert!(matches!(err, DecodeError::Unreadable(_)), "{err:?}");
    }
}
