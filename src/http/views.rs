//! The JSON shapes the API answers with. Stable: fields are added, never
//! renamed or removed.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::access::{AccessEntry, ledger_time};
use crate::domain::particulars::{Suggestions, Warning, warnings};
use crate::domain::quality::{self, PageQuality};
use crate::domain::{DocumentKind, Page, Record, RecordStatus};
use crate::ops::intake::{DroppedPage, Submitted};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordView {
    /// Record id (UUID v7: time-ordered).
    pub id: String,
    pub subject_id: String,
    pub kind: DocumentKind,
    /// The kind's Vietnamese name.
    #[schema(example = "Giấy khai sinh")]
    pub kind_label: &'static str,
    pub status: RecordStatus,
    /// Why the record failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub dossier_code: Option<String>,
    pub procedure_code: Option<String>,
    pub document_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// True when the paper never expires.
    pub permanent: bool,
    /// The counter officer who scanned it.
    pub officer: Option<String>,
    /// The owner's name as printed on the paper.
    pub owner_name: Option<String>,
    /// Result type code, e.g. `KQ.G15.000031`.
    pub result_code: Option<String>,
    /// The agency that issued the paper.
    pub issuing_agency: Option<String>,
    /// Who signed the paper.
    pub signer: Option<String>,
    /// Where the paper is valid.
    pub scope: Option<String>,
    /// The searchable PDF (`GET …/pdf`), once OCR is done.
    pub pdf: Option<RenditionView>,
    /// The officer's review, once made.
    pub review: Option<ReviewView>,
    /// Electronic ID of the agency that signed the certificate
    /// (`GET …/certificate`), once certified.
    pub certified_by: Option<String>,
    /// Name of the API key that uploaded it.
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: DateTime<Utc>,
    pub pages: Vec<PageView>,
    /// Particulars read off the text once digitised, each with a confidence
    /// from 0 to 1, for the review to confirm (`accept_suggestions`): keys
    /// among `full_name`, `date_of_birth` (YYYY-MM-DD), `personal_id`,
    /// `document_number`, `issued_on` (YYYY-MM-DD), `issuing_agency`,
    /// `signer`, `company_name`, `tax_code`; a field not found is absent.
    /// Not the record's particulars until confirmed.
    #[schema(example = json!({"full_name": {"value": "NGUYỄN VĂN AN", "confidence": 0.9}}))]
    pub suggestions: Suggestions,
    /// What the officer should look at: `subject_mismatch` when the paper
    /// names another ID number than `subject_id`.
    pub warnings: Vec<Warning>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RenditionView {
    /// SHA-256 of the PDF, as signed in the certificate.
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    /// The officer who compared the scan with the paper.
    pub officer: String,
    pub note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PageView {
    /// Page number in the record, from 1.
    pub n: u32,
    /// SHA-256 of the original file holding this page (`GET …/pages/{n}` serves it).
    pub sha256: String,
    /// Size of that file in bytes.
    pub bytes: u64,
    pub content_type: String,
    /// Page within that file, from 1 (above 1 only for multi-page TIFF or PDF).
    pub file_page: u32,
    pub width: u32,
    pub height: u32,
    /// Resolution the file states, if it states one.
    pub dpi: Option<u32>,
    /// Recognised text; null until OCR is done (and left out of listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocr_text: Option<String>,
    /// Tesseract's mean word confidence, 0–100; null until OCR is done.
    pub ocr_confidence: Option<u32>,
    /// The counter's quality verdict on this page.
    pub quality: Option<QualityView>,
    /// Once read (and left out of listings): the words a reviewer should
    /// confirm, handwritten or doubtful, with their boxes to highlight them.
    /// All the words are at `GET …/pages/{n}/words`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_confirm: Option<ToConfirm>,
}

/// The words of a page to confirm against the paper.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ToConfirm {
    /// Size of the page as read, which the boxes are in (a photo's paper
    /// is cut out and flattened first, so it can differ from the original's).
    pub width: u32,
    pub height: u32,
    pub words: Vec<WordToConfirm>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WordToConfirm {
    /// The word as shown in the text.
    pub text: String,
    /// What the recogniser read, when the Vietnamese check corrected it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    /// Confidence 0–100.
    pub confidence: u8,
    /// Left, top, right, bottom, in pixels of the page as read.
    pub bbox: [u32; 4],
    /// Line of the page it is on, from 0.
    pub line: u32,
    /// Written by hand: a guess, never a certain value.
    pub handwritten: bool,
    /// Not a Vietnamese syllable, or doubted by the recogniser.
    pub doubtful: bool,
}

impl ToConfirm {
    fn of(layout: &crate::domain::reading::PageLayout) -> Self {
        let mut words = Vec::new();
        for (i, line) in layout.lines.iter().enumerate() {
            for w in line.words.iter().filter(|w| w.doubtful || w.handwritten) {
                words.push(WordToConfirm {
                    text: w.text.clone(),
                    raw: w.raw.clone(),
                    confidence: w.confidence,
                    bbox: [w.bbox.x0, w.bbox.y0, w.bbox.x1, w.bbox.y1],
                    line: i as u32,
                    handwritten: w.handwritten,
                    doubtful: w.doubtful,
                });
            }
        }
        Self {
            width: layout.width,
            height: layout.height,
            words,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QualityView {
    #[serde(flatten)]
    pub verdict: PageQuality,
    /// Reasons to rescan while the citizen is still at the desk:
    /// `low_ocr_confidence` (after OCR), `skewed` (over 2°), `resolution_estimated`.
    pub warnings: Vec<&'static str>,
}

/// The answer to an upload.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadView {
    #[serde(flatten)]
    pub record: RecordView,
    /// True when the same pages were already on file for this owner and kind:
    /// this is that record, and nothing new was stored.
    pub duplicate: bool,
    pub quality: UploadQuality,
}

impl From<Submitted> for UploadView {
    fn from(s: Submitted) -> Self {
        Self {
            record: s.record.into(),
            duplicate: s.duplicate,
            quality: UploadQuality {
                dropped_blank_pages: s.dropped_blank_pages,
            },
        }
    }
}

/// The quality gate's verdict on the upload as a whole.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UploadQuality {
    /// Blank pages (empty back sides) left out of the record.
    pub dropped_blank_pages: Vec<DroppedPage>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecordList {
    /// Newest first.
    pub records: Vec<RecordView>,
    /// Pass as `before` to get the next, older page of results; null at the end.
    pub next_before: Option<String>,
}

impl From<Page> for PageView {
    fn from(p: Page) -> Self {
        Self {
            n: p.n,
            sha256: p.sha256.to_hex(),
            bytes: p.bytes,
            content_type: p.content_type,
            file_page: p.file_page,
            width: p.width,
            height: p.height,
            dpi: p.dpi,
            ocr_text: p.ocr_text,
            ocr_confidence: p.ocr_confidence,
            quality: p.quality.map(|q| QualityView {
                warnings: quality::warnings(&q, p.ocr_confidence),
                verdict: q,
            }),
            to_confirm: p.layout.as_ref().map(ToConfirm::of),
        }
    }
}

impl From<Record> for RecordView {
    fn from(r: Record) -> Self {
        Self {
            kind_label: r.kind.label_vi(),
            id: r.id,
            subject_id: r.subject_id.to_string(),
            kind: r.kind,
            status: r.status,
            status_reason: r.status_reason,
            dossier_code: r.meta.dossier_code.map(|c| c.to_string()),
            procedure_code: r.meta.procedure_code,
            document_number: r.meta.document_number,
            issued_on: r.meta.issued_on,
            valid_until: r.meta.valid_until,
            permanent: r.meta.permanent,
            officer: r.meta.officer,
            owner_name: r.meta.owner_name,
            result_code: r.meta.result_code,
            issuing_agency: r.meta.issuing_agency,
            signer: r.meta.signer,
            scope: r.meta.scope,
            pdf: r.rendition.map(|p| RenditionView {
                sha256: p.sha256.to_hex(),
                bytes: p.bytes,
            }),
            review: r.review.map(|v| ReviewView {
                officer: v.officer,
                note: v.note,
                at: v.at,
            }),
            certified_by: r.certified_by.map(|a| a.to_string()),
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            pages: r.pages.into_iter().map(PageView::from).collect(),
            warnings: warnings(&r.subject_id, &r.suggestions),
            suggestions: r.suggestions,
        }
    }
}

/// An entry of the access ledger as stored: the hashed fields are the stored ones.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AccessEntry)]
pub struct AccessEntryView {
    /// The order of writing, across every subject.
    pub seq: i64,
    /// The entry's place in its subject's chain, from 1 (what its hash
    /// covers as `seq`); absent for entries of the older single chain.
    pub chain_seq: Option<i64>,
    /// RFC 3339, UTC, microseconds: exactly what is hashed.
    pub at: String,
    /// The API key (or citizen link) that read.
    pub key_name: String,
    pub role: String,
    pub subject_id: String,
    pub record_id: Option<String>,
    /// The dossier the read was for.
    pub purpose: Option<String>,
    /// `list_records`, `read_record`, `read_page`, `read_pdf`,
    /// `read_certificate`, `read_dossier`, `reuse_check` or `citizen_view`.
    pub action: &'static str,
    /// The previous entry's hash in the subject's chain (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 (hex) of the canonical JSON (RFC 8785) of `seq` (the chain
    /// place), `at`, `key_name`, `role`, `subject_id`, `record_id`,
    /// `purpose`, `action` and `prev_hash`.
    pub hash: String,
}

impl From<AccessEntry> for AccessEntryView {
    fn from(e: AccessEntry) -> Self {
        Self {
            seq: e.seq,
            chain_seq: e.chain_seq,
            at: ledger_time(e.at),
            key_name: e.key_name,
            role: e.role,
            subject_id: e.subject_id,
            record_id: e.record_id,
            purpose: e.purpose,
            action: e.action.as_str(),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}
