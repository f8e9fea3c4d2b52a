//! Which image the searchable PDF shows for a page, and how it is encoded —
//! decided once, when the page is read. The rule: never inflate the scan.
//!
//! - A page left as it was: a JPEG original is embedded as its own bytes
//!   (DCTDecode), and so is a JPEG inside a scanner PDF; a grey or colour PNG
//!   as its own image data (FlateDecode with its PNG predictors).
//! - A bilevel page (fax, black and white scans): CCITT Group 4.
//! - A straightened JPEG page: JPEG once more, at the original's quality.
//! - Anything else (TIFF, PNG with a palette, straightened grey pages):
//!   lossless PNG data.
//!
//! CMYK JPEGs are encoded anew in RGB at their quality: PDF/A-2b with an sRGB
//! output intent admits no device CMYK image.

use crate::domain::{PagePart, PartEncoding, PartSource, Sha256Digest};
use crate::imaging::decode::{MediaType, PageImage};
use crate::imaging::encode::{self, EncodeError, Pixels};

/// A page's part, and the bytes to store for it (none when the original
/// itself is embedded).
#[derive(Debug)]
pub struct Encoded {
    pub part: PagePart,
    pub blob: Option<Vec<u8>>,
}

fn stored(encoding: PartEncoding, page: &PageImage, dpi: u32, bytes: Vec<u8>) -> Encoded {
    Encoded {
        part: PagePart {
            source: PartSource::Blob {
                sha256: Sha256Digest::of(&bytes),
            },
            encoding,
            width: page.pixels.width(),
            height: page.pixels.height(),
            dpi,
        },
        blob: Some(bytes),
    }
}

fn original(encoding: PartEncoding, page: &PageImage, dpi: u32) -> Encoded {
    Encoded {
        part: PagePart {
            source: PartSource::Original,
            encoding,
            width: page.pixels.width(),
            height: page.pixels.height(),
            dpi,
        },
        blob: None,
    }
}

fn pixels(page: &PageImage) -> (Pixels<'_>, u8) {
    match &page.colour {
        Some(colour) => (Pixels::Colour(colour), 3),
        None => (Pixels::Grey(&page.pixels), 1),
    }
}

/// Encodes `page` (decoded from `file`, a `media` file; straightened when
/// `straightened`) for the PDF. `jpeg_in_pdf` is the page's JPEG when the
/// file is a scanner PDF that stores it so.
pub fn encode(
    file: &[u8],
    media: MediaType,
    page: &PageImage,
    straightened: bool,
    jpeg_in_pdf: Option<&[u8]>,
    dpi: u32,
) -> Result<Encoded, EncodeError> {
    let jpeg = match media {
        MediaType::Jpeg => Some(file),
        MediaType::Pdf => jpeg_in_pdf,
        _ => None,
    };
    if let Some(bytes) = jpeg
        && let Some(info) = encode::jpeg_info(bytes)
    {
        let as_it_is = !straightened
            && matches!(info.components, 1 | 3)
            && (info.width, info.height) == page.pixels.dimensions();
        if as_it_is {
            let encoding = PartEncoding::Jpeg {
                components: info.components,
            };
            return Ok(if media == MediaType::Jpeg {
                original(encoding, page, dpi)
            } else {
                stored(encoding, page, dpi, bytes.to_vec())
            });
        }
        let (pixels, components) = pixels(page);
        let bytes = encode::jpeg(pixels, info.quality)?;
        return Ok(stored(PartEncoding::Jpeg { components }, page, dpi, bytes));
    }
    if page.colour.is_none() && encode::is_bilevel(&page.pixels) {
        return Ok(stored(
            PartEncoding::Fax,
            page,
            dpi,
            encode::fax_g4(&page.pixels),
        ));
    }
    if media == MediaType::Png
        && !straightened
        && let Some(png) = encode::png_stream(file)
        && (png.width, png.height) == page.pixels.dimensions()
    {
        let encoding = PartEncoding::Flate {
            components: png.components,
            bits: png.bits,
        };
        return Ok(original(encoding, page, dpi));
    }
    if straightened && page.colour.is_none() && was_bilevel(file, media) {
        // Turning a bilevel page blurs its edges into grey: bring it back to
        // black and white rather than keep the blur losslessly.
        let mut bilevel = page.pixels.clone();
        bilevel
            .pixels_mut()
            .for_each(|p| p.0[0] = if p.0[0] < 128 { 0 } else { 255 });
        return Ok(stored(
            PartEncoding::Fax,
            page,
            dpi,
            encode::fax_g4(&bilevel),
        ));
    }
    let (pixels, _) = pixels(page);
    let png = encode::lossless(pixels)?;
    let encoding = PartEncoding::Flate {
        components: png.components,
        bits: png.bits,
    };
    Ok(stored(encoding, page, dpi, png.data))
}

/// Whether the file held a bilevel image (a fax TIFF, a 1-bit PNG).
fn was_bilevel(file: &[u8], media: MediaType) -> bool {
    match media {
        MediaType::Png => encode::png_stream(file).is_some_and(|p| p.bits == 1),
        MediaType::Tiff => tiff_bits(file) == Some(1),
        _ => false,
    }
}

fn tiff_bits(file: &[u8]) -> Option<u16> {
    let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(file)).ok()?;
    decoder
        .find_tag_unsigned::<u16>(tiff::tags::Tag::BitsPerSample)
        .ok()
        .flatten()
}

/// The bytes a part embeds when it is its original: a JPEG as it is, a PNG's
/// image data.
pub fn from_original(part: &PagePart, file: &[u8]) -> Option<Vec<u8>> {
    match part.encoding {
        PartEncoding::Jpeg { .. } => Some(file.to_vec()),
        PartEncoding::Flate { .. } => encode::png_stream(file).map(|png| png.data),
        PartEncoding::Fax => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grey(width: u32, height: u32) -> image::GrayImage {
        image::GrayImage::from_fn(width, height, |x, y| {
            image::Luma([((x + y) % 200) as u8 + 20])
        })
    }

    fn page(pixels: image::GrayImage) -> PageImage {
        PageImage {
            width: pixels.width(),
            height: pixels.height(),
            dpi: Some(300),
            pixels,
            colour: None,
        }
    }

    #[test]
    fn a_jpeg_left_as_it_was_is_embedded_as_its_own_bytes() {
        let pixels = grey(64, 40);
        let file = encode::jpeg(Pixels::Grey(&pixels), 70).unwrap();
        let encoded = encode(
            &file,
            MediaType::Jpeg,
            &page(pixels.clone()),
            false,
            None,
            300,
        )
        .unwrap();
        assert_eq!(encoded.part.source, PartSource::Original);
        assert_eq!(encoded.part.encoding, PartEncoding::Jpeg { components: 1 });
        assert_eq!(from_original(&encoded.part, &file).unwrap(), file);

        let turned = encode(&file, MediaType::Jpeg, &page(pixels), true, None, 300).unwrap();
        assert!(matches!(turned.part.source, PartSource::Blob { .. }));
        let bytes = turned.blob.unwrap();
        assert!(encode::jpeg_info(&bytes).unwrap().quality.abs_diff(70) <= 1);
    }

    #[test]
    fn a_png_left_as_it_was_embeds_its_own_image_data() {
        let pixels = grey(50, 30);
        let mut file = Vec::new();
        pixels
            .write_to(
                &mut std::io::Cursor::new(&mut file),
                image::ImageFormat::Png,
            )
            .unwrap();
        let encoded = encode(&file, MediaType::Png, &page(pixels), false, None, 300).unwrap();
        assert_eq!(encoded.part.source, PartSource::Original);
        assert_eq!(
            encoded.part.encoding,
            PartEncoding::Flate {
                components: 1,
                bits: 8
            }
        );
        assert_eq!(
            from_original(&encoded.part, &file).unwrap(),
            encode::png_stream(&file).unwrap().data
        );
    }

    #[test]
    fn a_bilevel_page_becomes_group_4() {
        let pixels = image::GrayImage::from_fn(80, 60, |x, _| {
            image::Luma([if x % 9 < 3 { 0 } else { 255 }])
        });
        let encoded = encode(b"II*\0", MediaType::Tiff, &page(pixels), false, None, 200).unwrap();
        assert_eq!(encoded.part.encoding, PartEncoding::Fax);
        assert!(encoded.blob.is_some());
    }
}
