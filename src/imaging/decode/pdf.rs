//! Scanner PDFs (one image per page: JPEG, Flate or uncompressed), parsed
//! once within the limits, so that several pages (their images, or a
//! born-digital page's own text) are read without parsing the file again.

use image::GrayImage;

use super::raster::decode_single;
use super::{DecodeError, Limits, MediaType, PageImage, check_size, luma};

pub(super) fn decode(
    bytes: &[u8],
    limits: &Limits,
    only: Option<u32>,
) -> Result<Vec<PageImage>, DecodeError> {
    let pdf = Pdf::parse(bytes, limits)?;
    pdf.page_numbers()
        .filter(|n| only.is_none_or(|p| p == *n))
        .map(|n| pdf.image(n, limits, false))
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
        // Every whole PDF ends with `%%EOF` (after an update too); lopdf
        // rebuilds what it can of one cut short, which would hide the loss.
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(DecodeError::Unreadable(
                "the PDF ends before its end marker (%%EOF): it was cut short".into(),
            ));
        }
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

    /// The largest image page `number` draws (its scan), and its size.
    fn scan(
        &self,
        number: u32,
        limits: &Limits,
    ) -> Result<(&lopdf::Stream, u32, u32), DecodeError> {
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
        Ok((stream, width, height))
    }

    /// The JPEG bytes of page `number`'s scan, when it is stored as a JPEG
    /// and nothing else (so the searchable PDF can embed it as it is).
    pub fn jpeg(&self, number: u32, limits: &Limits) -> Option<&[u8]> {
        let (stream, _, _) = self.scan(number, limits).ok()?;
        let filters = stream.filters().ok()?;
        (filters == [b"DCTDecode".as_slice()]).then_some(stream.content.as_slice())
    }

    /// The scan on page `number`: the largest image the page draws, in grey
    /// (and in colour too when `colour` is asked for), with the resolution
    /// its size on the page gives.
    pub fn image(
        &self,
        number: u32,
        limits: &Limits,
        colour: bool,
    ) -> Result<PageImage, DecodeError> {
        let (stream, width, height) = self.scan(number, limits)?;
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
            decode_single(&stream.content, MediaType::Jpeg, limits, number, colour)?
        } else {
            pdf_raw_image(&self.doc, stream, number, width, height, colour)?
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
    colour: bool,
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
    let colour = (colour && channels == 3)
        .then(|| image::RgbImage::from_raw(width, height, data[..expected].to_vec()))
        .flatten();
    Ok(PageImage {
        width,
        height,
        dpi: None,
        pixels,
        colour,
    })
}
