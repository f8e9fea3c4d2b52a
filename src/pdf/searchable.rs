//! The searchable PDF, written by sohoa from each page's parts: the page
//! image as it was encoded when the page was read (a JPEG's own bytes, a
//! PNG's own data, CCITT G4 for bilevel pages, lossless Flate otherwise),
//! and an invisible text layer — each recognised word in Tesseract's
//! GlyphLessFont, stretched over its box — so that copying and searching
//! work in any reader. The document is then declared PDF/A-2b
//! ([`super::archival`]).

use bytes::Bytes;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

use super::archival::{self, Metadata, PdfError};
use crate::domain::reading::PageLayout;
use crate::domain::{PagePart, PartEncoding, Sha256Digest};

/// One page to write.
pub struct PdfPage<'a> {
    pub part: PagePart,
    /// The image stream's bytes, encoded as `part.encoding` says.
    pub data: Bytes,
    /// The words to lay over it; boxes in the pixels of the image.
    pub layout: Option<&'a PageLayout>,
}

/// Writes the searchable PDF of `pages`, with `font` (Tesseract's
/// `pdf.ttf`) for the text layer.
pub fn write(pages: &[PdfPage<'_>], font: &[u8], meta: &Metadata) -> Result<Vec<u8>, PdfError> {
    if pages.is_empty() {
        return Err(PdfError::new("a PDF needs at least one page"));
    }
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font_id = add_font(&mut doc, font);
    let mut kids = Vec::with_capacity(pages.len());
    let mut seed = Vec::with_capacity(pages.len() * 32);
    for page in pages {
        kids.push(Object::Reference(add_page(
            &mut doc, pages_id, font_id, page,
        )?));
        seed.extend_from_slice(Sha256Digest::of(&page.data).as_bytes());
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    archival::declare(&mut doc, meta, &Sha256Digest::of(&seed))?;
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| PdfError::new(e.to_string()))?;
    Ok(out)
}

/// Points per pixel at `dpi`.
fn scale(dpi: u32) -> f64 {
    72.0 / f64::from(dpi.max(1))
}

fn add_page(
    doc: &mut Document,
    parent: ObjectId,
    font: ObjectId,
    page: &PdfPage<'_>,
) -> Result<ObjectId, PdfError> {
    let part = &page.part;
    let (w, h) = (part.width, part.height);
    if w == 0 || h == 0 {
        return Err(PdfError::new("a page image has no pixels"));
    }
    let s = scale(part.dpi);
    let (w_pt, h_pt) = (f64::from(w) * s, f64::from(h) * s);
    let image = doc.add_object(image_stream(part, page.data.to_vec()));
    let mut content = format!("q {w_pt:.2} 0 0 {h_pt:.2} 0 0 cm /Im0 Do Q\n");
    if let Some(layout) = page.layout {
        text_layer(&mut content, layout, part, h_pt);
    }
    let contents = doc.add_object(deflated(Dictionary::new(), content.as_bytes()));
    Ok(doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => parent,
        "MediaBox" => vec![0.into(), 0.into(), Object::Real(w_pt as f32), Object::Real(h_pt as f32)],
        "Resources" => dictionary! {
            "XObject" => dictionary! { "Im0" => image },
            "Font" => dictionary! { "F0" => font },
        },
        "Contents" => contents,
    }))
}

/// A stream compressed with Flate.
fn deflated(mut dict: Dictionary, content: &[u8]) -> Stream {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let compressed = encoder
        .write_all(content)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    if compressed.is_empty() && !content.is_empty() {
        return Stream::new(dict, content.to_vec()).with_compression(false);
    }
    dict.set("Filter", "FlateDecode");
    Stream::new(dict, compressed).with_compression(false)
}

/// The page image XObject, its bytes embedded as they are.
fn image_stream(part: &PagePart, data: Vec<u8>) -> Stream {
    let colour_space = |components: u8| {
        if components == 3 {
            "DeviceRGB"
        } else {
            "DeviceGray"
        }
    };
    let (w, h) = (i64::from(part.width), i64::from(part.height));
    let mut dict = dictionary! {
        "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
    };
    match part.encoding {
        PartEncoding::Jpeg { components } => {
            dict.set("ColorSpace", colour_space(components));
            dict.set("BitsPerComponent", 8);
            dict.set("Filter", "DCTDecode");
        }
        PartEncoding::Flate { components, bits } => {
            dict.set("ColorSpace", colour_space(components));
            dict.set("BitsPerComponent", i64::from(bits));
            dict.set("Filter", "FlateDecode");
            dict.set(
                "DecodeParms",
                dictionary! {
                    "Predictor" => 15, "Colors" => i64::from(components),
                    "BitsPerComponent" => i64::from(bits), "Columns" => w,
                },
            );
        }
        PartEncoding::Fax => {
            dict.set("ColorSpace", "DeviceGray");
            dict.set("BitsPerComponent", 1);
            dict.set("Filter", "CCITTFaxDecode");
            dict.set(
                "DecodeParms",
                dictionary! {
                    "K" => -1, "Columns" => w, "Rows" => h, "BlackIs1" => false,
                },
            );
        }
    }
    Stream::new(dict, data).with_compression(false)
}

/// Width of every glyph of GlyphLessFont, in thousandths of the font size.
const GLYPH_WIDTH: f64 = 500.0;

/// Invisible text (rendering mode 3): each word placed at its box's lower
/// left, sized to its line's height and stretched to its box's width.
fn text_layer(out: &mut String, layout: &PageLayout, part: &PagePart, h_pt: f64) {
    use std::fmt::Write;
    // The boxes are in the pixels of the image that was read, which is the
    // image embedded; should they differ, scale.
    let sx = scale(part.dpi) * f64::from(part.width) / f64::from(layout.width.max(1));
    let sy = scale(part.dpi) * f64::from(part.height) / f64::from(layout.height.max(1));
    for line in &layout.lines {
        let size = (f64::from(line.bbox.height()) * sy).max(1.0);
        let _ = writeln!(out, "BT 3 Tr /F0 {size:.2} Tf");
        for word in &line.words {
            let glyphs: Vec<u16> = word.text.encode_utf16().collect();
            if glyphs.is_empty() {
                continue;
            }
            let x = f64::from(word.bbox.x0) * sx;
            let y = h_pt - f64::from(line.bbox.y1) * sy;
            let width = f64::from(word.bbox.width().max(1)) * sx;
            let natural = size * GLYPH_WIDTH / 1000.0 * glyphs.len() as f64;
            let stretch = 100.0 * width / natural;
            let hex: String = glyphs.iter().map(|g| format!("{g:04X}")).collect();
            let _ = writeln!(out, "1 0 0 1 {x:.2} {y:.2} Tm {stretch:.2} Tz [<{hex}>] TJ");
        }
        out.push_str("ET\n");
    }
}

/// The ToUnicode map of the text layer: each 2-byte code is its UTF-16 unit.
const TO_UNICODE: &str = "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n\
1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n\
endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";

/// GlyphLessFont as Tesseract embeds it: one glyph, every code mapped to it.
fn add_font(doc: &mut Document, ttf: &[u8]) -> ObjectId {
    let cid_to_gid: Vec<u8> = (0..(1usize << 17)).map(|i| (i % 2) as u8).collect();
    let map = doc.add_object(deflated(Dictionary::new(), &cid_to_gid));
    let to_unicode = doc.add_object(deflated(Dictionary::new(), TO_UNICODE.as_bytes()));
    let file = doc.add_object(deflated(dictionary! { "Length1" => ttf.len() as i64 }, ttf));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor", "FontName" => "GlyphLessFont", "Flags" => 5,
        "FontBBox" => vec![0.into(), 0.into(), 500.into(), 1000.into()],
        "ItalicAngle" => 0, "Ascent" => 1000, "Descent" => -1, "CapHeight" => 1000,
        "StemV" => 80, "FontFile2" => file,
    });
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "GlyphLessFont",
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor, "DW" => 500, "CIDToGIDMap" => map,
    });
    doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "GlyphLessFont",
        "Encoding" => "Identity-H", "DescendantFonts" => vec![cid_font.into()],
        "ToUnicode" => to_unicode,
    })
}
