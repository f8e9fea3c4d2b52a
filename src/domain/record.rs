//! A digitised paper as sohoa keeps it: the record, its pages, the searchable
//! PDF made from them, the officer's review and the agency's certificate.
//! Storage maps its rows to these types and back; nothing here does I/O.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::particulars::Suggestions;
use super::quality::PageQuality;
use super::reading::PageLayout;
use super::{AgencyId, DocumentKind, DossierCode, RecordStatus, Sha256Digest, SubjectId};

/// How a record came to sohoa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Scanned at a counter from the citizen's paper; certified by an officer's review.
    Scanned,
    /// Registered by the agency that issued it; certified on registration.
    Issued,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Scanned => "scanned",
            Origin::Issued => "issued",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "scanned" => Some(Origin::Scanned),
            "issued" => Some(Origin::Issued),
            _ => None,
        }
    }

    /// The status a record reaches once its text and PDF are made: a scan
    /// waits for the officer's comparison with the paper; a result its
    /// issuer registered is certified at once.
    pub fn digitised_status(self) -> RecordStatus {
        match self {
            Origin::Scanned => RecordStatus::PendingReview,
            Origin::Issued => RecordStatus::Certified,
        }
    }
}

/// Where a page's text came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    /// Recognised from the page image.
    Ocr,
    /// A born-digital PDF's own text.
    Pdf,
}

impl TextSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TextSource::Ocr => "ocr",
            TextSource::Pdf => "pdf",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "ocr" => Some(TextSource::Ocr),
            "pdf" => Some(TextSource::Pdf),
            _ => None,
        }
    }
}

/// The paper's particulars as the uploader declared them, already validated.
#[derive(Debug, Clone, Default)]
pub struct RecordMeta {
    pub dossier_code: Option<DossierCode>,
    pub procedure_code: Option<String>,
    pub document_number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Valid with no end date (a birth certificate, say).
    pub permanent: bool,
    pub officer: Option<String>,
    /// The owner's name as printed on the paper. Personal data: never logged.
    pub owner_name: Option<String>,
    /// Result type code from the catalogue, e.g. `KQ.G15.000031`.
    pub result_code: Option<String>,
    /// The agency that issued the paper (its name as printed).
    pub issuing_agency: Option<String>,
    /// Who signed the paper.
    pub signer: Option<String>,
    /// Where the paper is valid, e.g. `toàn quốc` (nationwide).
    pub scope: Option<String>,
}

/// A searchable PDF made from a record's pages; stored apart from the originals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rendition {
    pub sha256: Sha256Digest,
    pub bytes: u64,
}

/// The officer's review of a record against the paper.
#[derive(Debug, Clone)]
pub struct Review {
    pub officer: String,
    pub note: Option<String>,
    pub at: DateTime<Utc>,
}

/// Who withdrew a certified record (revoked or superseded it), and when.
#[derive(Debug, Clone)]
pub struct Withdrawal {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// How a page's image is encoded in the searchable PDF: never inflated, so
/// the PDF is about the size of the scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "filter", rename_all = "snake_case")]
pub enum PartEncoding {
    /// JPEG bytes (DCTDecode): the original's own, or the straightened page
    /// encoded once at the original's quality.
    Jpeg { components: u8 },
    /// Lossless FlateDecode with PNG predictors: a PNG's own image data, or
    /// a page encoded so.
    Flate { components: u8, bits: u8 },
    /// A bilevel page, CCITT Group 4 (fax).
    Fax,
}

/// Where a part's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartSource {
    /// The page's original file, embedded as it is.
    Original,
    /// A blob of its own, under `parts/`.
    Blob { sha256: Sha256Digest },
}

/// The page image the searchable PDF shows, made when the page is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PagePart {
    pub source: PartSource,
    pub encoding: PartEncoding,
    pub width: u32,
    pub height: u32,
    /// Sizes the PDF page: pixels at this resolution.
    pub dpi: u32,
}

/// One page of a record.
#[derive(Debug, Clone)]
pub struct Page {
    /// Page number in the record, from 1.
    pub n: u32,
    /// SHA-256 of the original file holding this page.
    pub sha256: Sha256Digest,
    /// Size of that file.
    pub bytes: u64,
    pub content_type: String,
    /// Page within that file, from 1.
    pub file_page: u32,
    pub width: u32,
    pub height: u32,
    /// As the file states it.
    pub dpi: Option<u32>,
    pub ocr_text: Option<String>,
    pub ocr_confidence: Option<u32>,
    /// The counter's verdict; absent for pages stored before the gate existed
    /// and for born-digital pages.
    pub quality: Option<PageQuality>,
    /// Where `ocr_text` came from, once there is text.
    pub text_source: Option<TextSource>,
    /// Its lines and words with their boxes, once read (not in listings).
    pub layout: Option<PageLayout>,
    /// Its image as the searchable PDF embeds it, once read.
    pub part: Option<PagePart>,
}

/// A digitised paper.
#[derive(Debug, Clone)]
pub struct Record {
    /// UUID v7: time-ordered.
    pub id: String,
    pub subject_id: SubjectId,
    pub kind: DocumentKind,
    pub status: RecordStatus,
    pub status_reason: Option<String>,
    pub meta: RecordMeta,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pages: Vec<Page>,
    /// The searchable PDF, once every page is recognised.
    pub rendition: Option<Rendition>,
    /// The officer's comparison with the paper, once made.
    pub review: Option<Review>,
    /// The agency's signed digitisation certificate (JWS compact), once certified.
    pub certificate: Option<String>,
    /// The agency that signed the certificate.
    pub certified_by: Option<AgencyId>,
    pub origin: Origin,
    /// The record that replaced this one, when superseded.
    pub superseded_by: Option<String>,
    /// Who revoked or superseded it, and when.
    pub withdrawn: Option<Withdrawal>,
    /// Particulars read off its text once digitised, for the review to
    /// confirm; apart from the confirmed ones in `meta`.
    pub suggestions: Suggestions,
}

impl Record {
    /// True when the record is a born-digital PDF: its single file is its own
    /// searchable PDF.
    pub fn is_born_digital(&self) -> bool {
        self.pages
            .iter()
            .any(|p| p.text_source == Some(TextSource::Pdf))
    }
}

/// A record to store: checked, its files already durably written.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub id: String,
    pub subject_id: SubjectId,
    pub kind: DocumentKind,
    pub meta: RecordMeta,
    /// SHA-256 over the ordered digests of its files: the same files for the
    /// same owner and kind are one record.
    pub fingerprint: Sha256Digest,
    pub created_by: String,
    pub origin: Origin,
    pub pages: Vec<NewPage>,
}

/// A page of a record to store.
#[derive(Debug, Clone)]
pub struct NewPage {
    pub n: u32,
    pub sha256: Sha256Digest,
    pub bytes: u64,
    pub content_type: &'static str,
    pub file_page: u32,
    pub width: u32,
    pub height: u32,
    pub dpi: Option<u32>,
    /// The counter's verdict; none for a born-digital page (no pixels to judge).
    pub quality: Option<PageQuality>,
    /// A born-digital page's own text, taken from the PDF; OCR is skipped.
    pub pdf_text: Option<String>,
}

/// What reading one page produced, stored with it.
#[derive(Debug, Clone)]
pub struct PageRead {
    pub n: u32,
    pub layout: PageLayout,
    /// Its image for the PDF; none for a born-digital record's page (the
    /// original PDF is its own searchable PDF).
    pub part: Option<PagePart>,
}

/// A certificate to store with the job's result: signed content, signing
/// agency and the review that stands for it.
#[derive(Debug, Clone)]
pub struct Certification {
    pub jws: String,
    pub agency_id: AgencyId,
    pub review: Review,
}

/// A record to test rules with: a birth certificate of `001090012345`,
/// scanned, with no pages, in `status`.
#[cfg(test)]
pub(crate) fn example(id: &str, status: RecordStatus) -> Record {
    Record {
        id: id.into(),
        subject_id: SubjectId::parse("001090012345").expect("a valid personal ID"),
        kind: DocumentKind::BirthCertificate,
        status,
        status_reason: None,
        meta: RecordMeta::default(),
        created_by: "desk".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
        pages: Vec::new(),
        rendition: None,
        review: None,
        certificate: None,
        certified_by: None,
        origin: Origin::Scanned,
        superseded_by: None,
        withdrawn: None,
        suggestions: Suggestions::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_waits_for_review_and_an_issued_result_is_certified_once_read() {
        assert_eq!(
            Origin::Scanned.digitised_status(),
            RecordStatus::PendingReview
        );
        assert_eq!(Origin::Issued.digitised_status(), RecordStatus::Certified);
    }

    #[test]
    fn origins_and_text_sources_round_trip_through_their_names() {
        for o in [Origin::Scanned, Origin::Issued] {
            assert_eq!(Origin::parse(o.as_str()), Some(o));
        }
        for s in [TextSource::Ocr, TextSource::Pdf] {
            assert_eq!(TextSource::parse(s.as_str()), Some(s));
        }
        assert_eq!(Origin::parse("faxed"), None);
    }
}
