//! The upload pipeline. Order matters for "nothing acknowledged is ever lost"
//! and "bad input changes nothing": everything is checked and decoded first;
//! then blobs are written (and fsynced); then the record, its pages and its
//! jobs go into the database in one transaction. A crash between the two
//! leaves at most an unreferenced blob, never a record without its bytes.

use std::sync::Arc;

use bytes::Bytes;
use chrono::NaiveDate;
use serde::Deserialize;
use tokio::sync::Notify;

use super::born_digital;
use super::decode::{self, DecodeError, Limits, MediaType};
use super::quality::{self, Paper};
use crate::domain::subject::SubjectIdError;
use crate::domain::{DocumentKind, Sha256Digest, SubjectId};
use crate::storage::blobs::{BlobError, BlobStore};
use crate::storage::db::{
    DbError, Inserted, NewPage, NewRecord, Origin, Record, RecordMeta, Repository,
};
use crate::telemetry::spawn_blocking_in_span;

/// The `meta` part of an upload, as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadMeta {
    /// Owner: 12-digit personal ID number, 10-digit tax code or 13-digit branch code.
    #[schema(example = "001090012345")]
    pub subject_id: String,
    /// Document kind code, e.g. `birth_certificate`.
    #[schema(example = "birth_certificate")]
    pub kind: String,
    pub dossier_code: Option<String>,
    pub procedure_code: Option<String>,
    /// Reference number printed on the paper (số, ký hiệu).
    pub document_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<NaiveDate>,
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// True when the paper never expires (a birth certificate); not together
    /// with `valid_until`.
    pub permanent: Option<bool>,
    /// The counter officer who scanned it.
    pub officer: Option<String>,
    /// The owner's name as printed on the paper.
    pub owner_name: Option<String>,
    /// Result type code from the catalogue: `KQ.` + level-1 agency code + six
    /// digits.
    #[schema(example = "KQ.G15.000031")]
    pub result_code: Option<String>,
    /// The agency that issued the paper, as printed on it.
    #[schema(example = "UBND phường Bến Nghé")]
    pub issuing_agency: Option<String>,
    /// Who signed the paper.
    pub signer: Option<String>,
    /// Where the paper is valid.
    #[schema(example = "toàn quốc")]
    pub scope: Option<String>,
    /// Paper size, for estimating the resolution of files that state none:
    /// `A4` (default), `A5` or `ID1` (cards).
    pub paper: Option<Paper>,
}

/// A page the gate found blank and left out of the record.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DroppedPage {
    /// Which uploaded file, from 1.
    pub file: usize,
    /// Which page of that file, from 1.
    pub file_page: u32,
}

/// One uploaded file, already hashed as it streamed in.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub bytes: Bytes,
    pub sha256: Sha256Digest,
}

impl UploadedFile {
    pub fn new(bytes: Bytes) -> Self {
        let sha256 = Sha256Digest::of(&bytes);
        Self { bytes, sha256 }
    }
}

#[derive(Debug)]
pub struct Submitted {
    pub record: Record,
    /// True when the same pages were already on file: nothing new was stored.
    pub duplicate: bool,
    /// Blank pages (empty back sides) left out of the record.
    pub dropped_blank_pages: Vec<DroppedPage>,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{0}")]
    InvalidSubject(#[from] SubjectIdError),
    #[error("unknown document kind {0:?}; use one of: {kinds}", kinds = DocumentKind::codes())]
    UnknownKind(String),
    #[error("{0}")]
    InvalidMeta(String),
    #[error("no pages were sent: attach at least one scanned page")]
    MissingPages,
    #[error("file {file}: {source}")]
    Decode { file: usize, source: DecodeError },
    #[error("the record would have more than {0} pages")]
    TooManyPages(usize),
    #[error(
        "file {file}, page {file_page} was scanned at {dpi} dpi{how}, below the {min} dpi minimum: scan it again at {min} dpi or more",
        how = if *estimated { " (estimated from its size and the paper size)" } else { "" }
    )]
    ResolutionTooLow {
        file: usize,
        file_page: u32,
        dpi: u32,
        estimated: bool,
        min: u32,
    },
    #[error("every page is blank: check that the paper was placed face down and scan it again")]
    BlankScan,
    #[error("file {0} is a born-digital PDF: send it on its own, as the only file of its record")]
    BornDigitalNotAlone(usize),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// Field lengths an officer can reasonably type.
const MAX_TEXT_FIELD: usize = 200;

pub struct Intake {
    repo: Arc<dyn Repository>,
    blobs: BlobStore,
    limits: Limits,
    min_dpi: u32,
    max_attempts: u32,
    /// Wakes idle workers in this process when new jobs are queued.
    jobs_queued: Arc<Notify>,
}

impl Intake {
    pub fn new(
        repo: Arc<dyn Repository>,
        blobs: BlobStore,
        limits: Limits,
        min_dpi: u32,
        max_attempts: u32,
        jobs_queued: Arc<Notify>,
    ) -> Self {
        Self {
            repo,
            blobs,
            limits,
            min_dpi,
            max_attempts,
            jobs_queued,
        }
    }

    /// Checks, stores and records an upload. `actor` names who sent it;
    /// `origin` says whether it was scanned at a counter or registered by
    /// its issuer (who must then state the paper's particulars).
    pub async fn submit(
        &self,
        meta: UploadMeta,
        files: Vec<UploadedFile>,
        actor: &str,
        origin: Origin,
    ) -> Result<Submitted, IntakeError> {
        let subject = SubjectId::parse(&meta.subject_id)?;
        let kind: DocumentKind = meta
            .kind
            .parse()
            .map_err(|_| IntakeError::UnknownKind(meta.kind.clone()))?;
        let record_meta = validate_meta(&meta)?;
        if origin == Origin::Issued {
            require_issuer_particulars(&record_meta)?;
        }
        if files.is_empty() {
            return Err(IntakeError::MissingPages);
        }

        let (pages, dropped) = self
            .decode_files(&files, meta.paper.unwrap_or_default())
            .await?;
        if pages.is_empty() {
            return Err(IntakeError::BlankScan);
        }
        // Files whose every page was blank are neither stored nor part of the record.
        let kept: Vec<&UploadedFile> = files
            .iter()
            .filter(|f| pages.iter().any(|p| p.sha256 == f.sha256))
            .collect();
        let fingerprint = Sha256Digest::of_list(kept.iter().map(|f| &f.sha256));
        if let Some(existing) = self
            .repo
            .find_same_pages(&subject, kind, &fingerprint)
            .await?
        {
            tracing::info!(record = %existing.id, "same pages already on file");
            return Ok(Submitted {
                record: existing,
                duplicate: true,
                dropped_blank_pages: dropped,
            });
        }

        for file in kept {
            self.blobs
                .put_original(&file.sha256, file.bytes.clone())
                .await?;
        }
        let new = NewRecord {
            id: uuid::Uuid::now_v7().to_string(),
            subject_id: subject,
            kind,
            meta: record_meta,
            fingerprint,
            created_by: actor.to_owned(),
            origin,
            pages,
        };
        let outcome = self.repo.insert_record(new, self.max_attempts).await?;
        Ok(match outcome {
            Inserted::Created(record) => {
                tracing::info!(record = %record.id, kind = %record.kind, pages = record.pages.len(), "record stored");
                self.jobs_queued.notify_waiters();
                Submitted {
                    record,
                    duplicate: false,
                    dropped_blank_pages: dropped,
                }
            }
            Inserted::Duplicate(record) => Submitted {
                record,
                duplicate: true,
                dropped_blank_pages: dropped,
            },
        })
    }

    /// Judges each file on the blocking pool (each file parsed and decoded
    /// once), then numbers the kept pages across files; blank pages are left
    /// out and listed.
    async fn decode_files(
        &self,
        files: &[UploadedFile],
        paper: Paper,
    ) -> Result<(Vec<NewPage>, Vec<DroppedPage>), IntakeError> {
        let mut pages = Vec::new();
        let mut dropped = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let (bytes, limits) = (file.bytes.clone(), self.limits);
            let judged = spawn_blocking_in_span(move || judge_file(&bytes, &limits, paper))
                .await
                .map_err(|e| IntakeError::Internal(e.to_string()))?
                .map_err(|source| IntakeError::Decode {
                    file: index + 1,
                    source,
                })?;
            // A born-digital PDF's own bytes are its searchable PDF: it
            // cannot share a record with other files.
            if judged.born_digital && files.len() > 1 {
                return Err(IntakeError::BornDigitalNotAlone(index + 1));
            }
            for (i, page) in judged.pages.into_iter().enumerate() {
                let file_page = i as u32 + 1;
                let mut new = NewPage {
                    n: pages.len() as u32 + 1,
                    sha256: file.sha256,
                    bytes: file.bytes.len() as u64,
                    content_type: judged.media.content_type(),
                    file_page,
                    width: 0,
                    height: 0,
                    dpi: None,
                    quality: None,
                    pdf_text: None,
                };
                match page {
                    JudgedPage::Scanned {
                        width,
                        height,
                        dpi,
                        quality,
                    } => {
                        if !self.passes_gate(index, file_page, &quality, &mut dropped)? {
                            continue;
                        }
                        (new.width, new.height, new.dpi) = (width, height, dpi);
                        new.quality = Some(quality);
                    }
                    JudgedPage::Text {
                        text,
                        width_pt,
                        height_pt,
                    } => {
                        (new.width, new.height) = (width_pt, height_pt);
                        new.pdf_text = Some(text);
                    }
                }
                if pages.len() >= self.limits.max_pages {
                    return Err(IntakeError::TooManyPages(self.limits.max_pages));
                }
                pages.push(new);
            }
        }
        Ok((pages, dropped))
    }

    /// The counter's gate for one scanned page: false (and listed in
    /// `dropped`) when it is blank, an error when its resolution is too low.
    fn passes_gate(
        &self,
        index: usize,
        file_page: u32,
        verdict: &quality::PageQuality,
        dropped: &mut Vec<DroppedPage>,
    ) -> Result<bool, IntakeError> {
        if verdict.blank {
            dropped.push(DroppedPage {
                file: index + 1,
                file_page,
            });
            return Ok(false);
        }
        if verdict.dpi < self.min_dpi {
            return Err(IntakeError::ResolutionTooLow {
                file: index + 1,
                file_page,
                dpi: verdict.dpi,
                estimated: verdict.dpi_estimated,
                min: self.min_dpi,
            });
        }
        Ok(true)
    }
}

/// One page of an uploaded file, as the counter's gate sees it.
enum JudgedPage {
    /// A scanned image, with the quality verdict on it (pixels already dropped).
    Scanned {
        width: u32,
        height: u32,
        dpi: Option<u32>,
        quality: quality::PageQuality,
    },
    /// A born-digital page: its own text, nothing to scan (empty for a page
    /// with neither text nor a scanned image, such as drawings).
    Text {
        text: String,
        width_pt: u32,
        height_pt: u32,
    },
}

struct JudgedFile {
    media: MediaType,
    born_digital: bool,
    pages: Vec<JudgedPage>,
}

/// Decodes and judges every page of one file, each page's pixels dropped as
/// soon as it is judged. A PDF is parsed once, whether it is a scanner PDF
/// or born-digital.
fn judge_file(bytes: &[u8], limits: &Limits, paper: Paper) -> Result<JudgedFile, DecodeError> {
    let scanned = |p: decode::PageImage| JudgedPage::Scanned {
        width: p.width,
        height: p.height,
        dpi: p.dpi,
        quality: quality::assess(&p, paper),
    };
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    if media != MediaType::Pdf {
        let (media, images) = decode::decode_all(bytes, limits)?;
        return Ok(JudgedFile {
            media,
            born_digital: false,
            pages: images.into_iter().map(scanned).collect(),
        });
    }
    let pdf = decode::Pdf::parse(bytes, limits)?;
    let mut pages = Vec::new();
    let born = born_digital::pages(&pdf, limits);
    match &born {
        // A scanner PDF: every page is a scan.
        None => {
            for number in pdf.page_numbers() {
                pages.push(scanned(pdf.image(number, limits)?));
            }
        }
        // Born-digital: pages with text as they are, the others scanned.
        Some(text_pages) => {
            for (number, page) in pdf.page_numbers().zip(text_pages) {
                let judged = match &page.text {
                    Some(text) => JudgedPage::Text {
                        text: text.clone(),
                        width_pt: page.width_pt,
                        height_pt: page.height_pt,
                    },
                    None => match pdf.image(number, limits) {
                        Ok(image) => scanned(image),
                        Err(DecodeError::Unsupported(_)) => JudgedPage::Text {
                            text: String::new(),
                            width_pt: page.width_pt,
                            height_pt: page.height_pt,
                        },
                        Err(e) => return Err(e),
                    },
                };
                pages.push(judged);
            }
        }
    }
    if pages.is_empty() {
        return Err(DecodeError::Unreadable("it holds no pages".into()));
    }
    Ok(JudgedFile {
        media,
        born_digital: born.is_some(),
        pages,
    })
}

fn validate_meta(meta: &UploadMeta) -> Result<RecordMeta, IntakeError> {
    let text = |name: &str, value: &Option<String>| -> Result<Option<String>, IntakeError> {
        crate::domain::text::line(name, value.as_deref().unwrap_or(""), MAX_TEXT_FIELD)
            .map_err(IntakeError::InvalidMeta)
    };
    if let (Some(issued), Some(until)) = (meta.issued_on, meta.valid_until)
        && until < issued
    {
        return Err(IntakeError::InvalidMeta(
            "valid_until is before issued_on".into(),
        ));
    }
    if let Some(issued) = meta.issued_on
        && issued > crate::domain::dossier::vietnam_today()
    {
        return Err(IntakeError::InvalidMeta(format!(
            "issued_on {issued} is in the future"
        )));
    }
    let permanent = meta.permanent.unwrap_or(false);
    if permanent && meta.valid_until.is_some() {
        return Err(IntakeError::InvalidMeta(
            "a paper is either permanent or valid until a date: send permanent or valid_until, not both".into(),
        ));
    }
    let result_code = text("result_code", &meta.result_code)?;
    if let Some(code) = &result_code
        && !is_result_code(code)
    {
        return Err(IntakeError::InvalidMeta(format!(
            "result_code {code:?} is not a catalogue code like KQ.G15.000031 (KQ, a level-1 agency code such as G15 or H56, six digits)"
        )));
    }
    let dossier_code = text("dossier_code", &meta.dossier_code)?;
    if let Some(code) = &dossier_code {
        crate::domain::DossierCode::parse(code)
            .map_err(|e| IntakeError::InvalidMeta(e.to_string()))?;
    }
    Ok(RecordMeta {
        dossier_code,
        procedure_code: text("procedure_code", &meta.procedure_code)?,
        document_number: text("document_number", &meta.document_number)?,
        issued_on: meta.issued_on,
        valid_until: meta.valid_until,
        permanent,
        officer: text("officer", &meta.officer)?,
        owner_name: text("owner_name", &meta.owner_name)?,
        result_code,
        issuing_agency: text("issuing_agency", &meta.issuing_agency)?,
        signer: text("signer", &meta.signer)?,
        scope: text("scope", &meta.scope)?,
    })
}

/// What an issuer must state when registering a result it issued.
fn require_issuer_particulars(meta: &RecordMeta) -> Result<(), IntakeError> {
    let missing: Vec<&str> = [
        ("result_code", meta.result_code.is_none()),
        ("document_number", meta.document_number.is_none()),
        ("issuing_agency", meta.issuing_agency.is_none()),
        ("signer", meta.signer.is_none()),
        ("issued_on", meta.issued_on.is_none()),
    ]
    .into_iter()
    .filter_map(|(name, absent)| absent.then_some(name))
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(IntakeError::InvalidMeta(format!(
            "a registered result must state {}",
            missing.join(", ")
        )))
    }
}

/// `KQ.` + a letter and two digits (level-1 agency code) + `.` + six digits.
fn is_result_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 13
        && code.starts_with("KQ.")
        && b[3].is_ascii_uppercase()
        && b[4..6].iter().all(u8::is_ascii_digit)
        && b[6] == b'.'
        && b[7..].iter().all(u8::is_ascii_digit)
}
