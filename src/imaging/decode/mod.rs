//! Turning uploaded files into page images, safely. The file type comes from
//! its leading bytes, never from what the client declares. Every decoder is
//! told the pixel limit first and refuses a page past it from its header,
//! before any pixels are allocated, so a decompression bomb costs nothing.
//!
//! Accepted: PNG, JPEG, TIFF (multi-page, including bilevel fax-compressed
//! scans) and scanner PDFs that hold one image per page (JPEG, Flate or
//! uncompressed images).

mod pdf;
mod raster;
mod tiff;

use image::GrayImage;

pub use pdf::{Pdf, pdf_stream_limit};
use raster::{decode_single, decode_single_pixels};

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
    /// The same page in colour, when it is in colour and colour was asked
    /// for (the searchable PDF shows it; reading uses the grey).
    pub colour: Option<image::RgbImage>,
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
        MediaType::Png | MediaType::Jpeg => vec![decode_single(bytes, media, limits, 1, false)?],
        MediaType::Tiff => tiff::decode(bytes, limits, None, false)?,
        MediaType::Pdf => pdf::decode(bytes, limits, None)?,
    };
    if pages.is_empty() {
        return Err(DecodeError::Unreadable("it holds no pages".into()));
    }
    Ok((media, pages))
}

/// Decodes the pages of a PNG, JPEG or TIFF one after the other, each
/// handed to `each` and dropped before the next is decoded, so a long
/// multi-page file costs one page of pixels. (PDFs: through [`Pdf`].)
pub fn for_each_page(
    bytes: &[u8],
    limits: &Limits,
    each: &mut dyn FnMut(PageImage) -> Result<(), DecodeError>,
) -> Result<MediaType, DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    match media {
        MediaType::Png | MediaType::Jpeg => each(decode_single(bytes, media, limits, 1, false)?)?,
        MediaType::Tiff => {
            let mut any = false;
            tiff::decode_each(bytes, limits, None, false, &mut |page| {
                any = true;
                each(page)
            })?;
            if !any {
                return Err(DecodeError::Unreadable("it holds no pages".into()));
            }
        }
        MediaType::Pdf => {
            return Err(DecodeError::Unsupported(
                "PDFs are read page by page through Pdf".into(),
            ));
        }
    }
    Ok(media)
}

/// Decodes page `file_page` (1-based) of `bytes`.
pub fn decode_page(
    bytes: &[u8],
    file_page: u32,
    limits: &Limits,
) -> Result<PageImage, DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    let mut pages = match media {
        MediaType::Png | MediaType::Jpeg => vec![decode_single(bytes, media, limits, 1, false)?],
        MediaType::Tiff => tiff::decode(bytes, limits, Some(file_page), false)?,
        MediaType::Pdf => pdf::decode(bytes, limits, Some(file_page))?,
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

/// Page `file_page` in grey and, when it is in colour, in colour too
/// ([`PageImage::colour`]), from one decoding: reading uses the grey, the
/// searchable PDF shows the colour. PDFs: through [`Pdf::image`].
pub fn decode_page_in_colour(
    bytes: &[u8],
    file_page: u32,
    limits: &Limits,
) -> Result<PageImage, DecodeError> {
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    match media {
        MediaType::Tiff => tiff::decode(bytes, limits, Some(file_page), true)?
            .pop()
            .ok_or_else(|| DecodeError::Unreadable(format!("it has no page {file_page}"))),
        MediaType::Pdf => Pdf::parse(bytes, limits)?.image(file_page, limits, true),
        MediaType::Png | MediaType::Jpeg => {
            if file_page != 1 {
                return Err(DecodeError::Unreadable(format!(
                    "it has no page {file_page}"
                )));
            }
            let (image, dpi) = decode_single_pixels(bytes, media, limits, 1)?;
            let colour = image.color().has_color().then(|| image.to_rgb8());
            Ok(PageImage {
                width: image.width(),
                height: image.height(),
                dpi,
                pixels: image.into_luma8(),
                colour,
            })
        }
    }
}

pub(super) fn check_size(
    page: u32,
    width: u32,
    height: u32,
    limits: &Limits,
) -> Result<(), DecodeError> {
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

pub(super) fn luma(samples: &[u8], channels: usize) -> Vec<u8> {
    samples
        .chunks_exact(channels)
        .map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8)
        .collect()
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
