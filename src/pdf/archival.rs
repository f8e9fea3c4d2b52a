//! What makes the searchable PDF archival (PDF/A-2b, the profile Vietnamese
//! records management expects): XMP metadata declaring PDF/A-2b, an sRGB
//! output intent, a file identifier, and document information that agrees
//! with the XMP. The writer (`searchable`) embeds its one font and uses no
//! transparency, encryption or JavaScript.
//!
//! It is not checked by a PDF/A validator here (none is installable on the
//! build machines); the README says how close it is.

use chrono::{DateTime, SecondsFormat, Utc};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

use crate::domain::Sha256Digest;

/// The sRGB profile of the output intent; `assets/make_srgb_icc.py` made it.
const SRGB_ICC: &[u8] = include_bytes!("../../assets/srgb.icc");

/// What the archival copy says about itself.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub title: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PdfError(String);

impl From<lopdf::Error> for PdfError {
    fn from(e: lopdf::Error) -> Self {
        PdfError(e.to_string())
    }
}

impl PdfError {
    pub(super) fn new(message: impl Into<String>) -> Self {
        PdfError(message.into())
    }
}

/// Rewrites `pdf` with PDF/A-2b metadata and output intent.
pub fn make_archival(pdf: &[u8], meta: &Metadata) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::load_mem(pdf)?;
    declare(&mut doc, meta, &Sha256Digest::of(pdf))?;
    let mut out = Vec::with_capacity(pdf.len() + 4096);
    doc.prune_objects();
    doc.save_to(&mut out).map_err(|e| PdfError(e.to_string()))?;
    Ok(out)
}

/// Adds PDF/A-2b metadata, output intent and a file identifier (derived
/// from `seed`, so the same pages give the same bytes) to `doc`.
pub fn declare(doc: &mut Document, meta: &Metadata, seed: &Sha256Digest) -> Result<(), PdfError> {
    let producer = format!("sohoa {} with Tesseract", env!("CARGO_PKG_VERSION"));
    let created = meta.created.to_rfc3339_opts(SecondsFormat::Secs, true);

    let xmp = xmp_packet(&meta.title, &producer, &created);
    let mut xmp_dict = Dictionary::new();
    xmp_dict.set("Type", Object::Name(b"Metadata".to_vec()));
    xmp_dict.set("Subtype", Object::Name(b"XML".to_vec()));
    // PDF/A wants the packet readable without decompression.
    let xmp_id = doc.add_object(Stream::new(xmp_dict, xmp.into_bytes()).with_compression(false));

    let mut icc_dict = Dictionary::new();
    icc_dict.set("N", Object::Integer(3));
    let icc_id = doc.add_object(Stream::new(icc_dict, SRGB_ICC.to_vec()));
    let mut intent = Dictionary::new();
    intent.set("Type", Object::Name(b"OutputIntent".to_vec()));
    intent.set("S", Object::Name(b"GTS_PDFA1".to_vec()));
    intent.set("OutputConditionIdentifier", text("sRGB IEC61966-2.1"));
    intent.set("Info", text("sRGB IEC61966-2.1"));
    intent.set("DestOutputProfile", Object::Reference(icc_id));

    let catalog = doc.catalog_mut()?;
    catalog.set("Metadata", Object::Reference(xmp_id));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );

    // The information dictionary must say what the XMP says.
    let mut info = Dictionary::new();
    info.set("Title", text_utf16(&meta.title));
    info.set("Producer", text(&producer));
    let pdf_date = meta.created.format("D:%Y%m%d%H%M%S+00'00'").to_string();
    info.set("CreationDate", text(&pdf_date));
    info.set("ModDate", text(&pdf_date));
    let info_id = doc.add_object(info);
    doc.trailer.set("Info", Object::Reference(info_id));

    // A file identifier, the same in both halves for a new file.
    let id = seed.as_bytes()[..16].to_vec();
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    if doc.version.as_str() < "1.4" {
        doc.version = "1.4".into();
    }
    Ok(())
}

fn text(s: &str) -> Object {
    Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
}

/// A text string in UTF-16BE with its byte-order mark, for non-Latin titles.
fn text_utf16(s: &str) -> Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Hexadecimal)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xmp_packet(title: &str, producer: &str, created: &str) -> String {
    let (title, producer) = (xml_escape(title), xml_escape(producer));
    format!(
        r#"<?xpacket begin="﻿" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>2</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <xmp:CreateDate>{created}</xmp:CreateDate>
   <xmp:ModifyDate>{created}</xmp:ModifyDate>
   <xmp:CreatorTool>{producer}</xmp:CreatorTool>
   <pdf:Producer>{producer}</pdf:Producer>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_pdf() -> Vec<u8> {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        });
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => vec![page_id.into()],
                "Count" => 1,
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog_id);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    #[test]
    fn the_archival_copy_declares_pdfa_2b_with_an_srgb_output_intent() {
        let meta = Metadata {
            title: "Giấy khai sinh 0190".into(),
            created: "2026-11-23T10:00:00Z".parse().unwrap(),
        };
        let out = make_archival(&tiny_pdf(), &meta).unwrap();
        let doc = Document::load_mem(&out).unwrap();
        let catalog = doc.catalog().unwrap();
        let xmp_ref = catalog.get(b"Metadata").unwrap().as_reference().unwrap();
        let xmp = doc.get_object(xmp_ref).unwrap().as_stream().unwrap();
        let xmp = String::from_utf8(xmp.content.clone()).unwrap();
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"));
        assert!(xmp.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
        assert!(xmp.contains("Giấy khai sinh 0190"));
        let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
        let intent = intents[0].as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap();
        assert_eq!(id.len(), 2);
    }

    #[test]
    fn the_same_pdf_gives_the_same_archival_bytes() {
        let meta = Metadata {
            title: "t".into(),
            created: "2026-11-23T10:00:00Z".parse().unwrap(),
        };
        let pdf = tiny_pdf();
        assert_eq!(
            make_archival(&pdf, &meta).unwrap(),
            make_archival(&pdf, &meta).unwrap()
        );
    }
}
