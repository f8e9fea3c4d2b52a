//! The `digitise` job: read every page of a record (or, for a born-digital
//! PDF, only its pages without text), write the searchable PDF, and sign a
//! result registered by its issuer. The originals are never modified: a
//! crooked page is straightened in memory, for OCR and the PDF only.

use crate::domain::job::JobKind;
use crate::domain::{Certification, Origin, PageText, Rendition, Review, Sha256Digest, TextSource};
use crate::imaging::decode::{self, MediaType};
use crate::imaging::skew;
use crate::pdf::archival;
use crate::reading::{OcrError, PageInput};
use crate::signing::certificate::CertificateClaims;
use crate::telemetry::spawn_blocking_in_span;

use super::{JobContext, JobFailure, Progress};

impl From<OcrError> for JobFailure {
    fn from(e: OcrError) -> Self {
        match e {
            OcrError::Input(_) => JobFailure::permanent(e.to_string()),
            _ => JobFailure::transient(e.to_string()),
        }
    }
}

/// What a finished job hands to the database.
pub(super) struct Digitised {
    pub(super) texts: Vec<PageText>,
    pub(super) rendition: Rendition,
    pub(super) certification: Option<Certification>,
}

/// Reads every page of the record and writes its searchable PDF; a result
/// registered by its issuer is signed at once.
pub(super) async fn execute(
    ctx: &JobContext,
    job: &crate::domain::job::Job,
    progress: Progress,
) -> Result<Digitised, JobFailure> {
    match &job.kind {
        Ok(JobKind::Digitise) => {}
        Err(unknown) => {
            return Err(JobFailure::permanent(format!(
                "unknown job kind {unknown:?}"
            )));
        }
    }
    let record = ctx
        .repo
        .record(&job.record_id)
        .await?
        .ok_or_else(|| JobFailure::permanent("the record does not exist"))?;
    // Each original once, however many pages it holds (multi-page TIFF, PDF).
    let mut files: Vec<(Sha256Digest, bytes::Bytes)> = Vec::new();
    for page in &record.pages {
        if !files.iter().any(|(d, _)| *d == page.sha256) {
            files.push((page.sha256, ctx.blobs.get_original(&page.sha256).await?));
        }
    }
    let file_of = |digest: &Sha256Digest| {
        files
            .iter()
            .find(|(d, _)| d == digest)
            .map(|(_, b)| b.clone())
            .expect("every page's file was fetched")
    };
    // A born-digital PDF keeps its own text: only its pages without text are read.
    let born_digital = record.is_born_digital();
    let to_read: Vec<_> = record
        .pages
        .iter()
        .filter(|p| p.text_source != Some(TextSource::Pdf))
        .map(|p| {
            let quality = p.quality.as_ref();
            let skew = quality
                .and_then(|q| q.skew_degrees)
                .filter(|d| d.abs() >= skew::NEGLIGIBLE_DEGREES);
            // The dpi the counter stated or estimated sizes the PDF page.
            let dpi = p.dpi.or(quality.map(|q| q.dpi));
            (p.n, p.file_page, (p.sha256, file_of(&p.sha256)), skew, dpi)
        })
        .collect();
    let read_numbers: Vec<u32> = to_read.iter().map(|p| p.0).collect();
    let limits = ctx.limits;
    let count = to_read.len();
    // A multi-page PDF is parsed once for all its pages, not once a page.
    let mut parsed: Option<(Sha256Digest, decode::Pdf)> = None;
    let read_page = move |i: usize| -> Result<PageInput, OcrError> {
        let (n, file_page, (digest, bytes), skew, dpi) = &to_read[i];
        let cannot =
            |e: decode::DecodeError| OcrError::Input(format!("page {n} cannot be decoded: {e}"));
        let (mut image, mut colour) = if MediaType::sniff(bytes) == Some(MediaType::Pdf) {
            if parsed.as_ref().is_none_or(|(d, _)| d != digest) {
                parsed = Some((*digest, decode::Pdf::parse(bytes, &limits).map_err(cannot)?));
            }
            let (_, pdf) = parsed.as_ref().expect("parsed above");
            (pdf.image(*file_page, &limits).map_err(cannot)?, None)
        } else {
            decode::decode_page_and_colour(bytes, *file_page, &limits).map_err(cannot)?
        };
        // Straighten a crooked page for OCR and the PDF; the stored original
        // stays as it is.
        if let Some(degrees) = skew {
            image.pixels = skew::straighten(&image.pixels, *degrees);
            colour = colour.map(|c| skew::straighten(&c, *degrees));
        }
        Ok(PageInput {
            pixels: image.pixels,
            colour,
            dpi: dpi.or(image.dpi),
        })
    };
    let title = format!("{} {}", record.kind.label_vi(), record.id);
    let numbers = read_numbers.clone();
    let document = if count > 0 {
        Some(
            ctx.ocr
                .digitise(count, title.clone(), read_page, move |i| {
                    progress(numbers[i])
                })
                .await?,
        )
    } else {
        None
    };
    let mut recognised = document
        .as_ref()
        .map(|d| d.pages.clone())
        .unwrap_or_default()
        .into_iter();
    let texts: Vec<PageText> = record
        .pages
        .iter()
        .map(|p| {
            if read_numbers.contains(&p.n) {
                let r = recognised.next().expect("one result per page read");
                PageText {
                    text: r.text,
                    confidence: Some(r.confidence),
                    source: TextSource::Ocr,
                }
            } else {
                PageText {
                    text: p.ocr_text.clone().unwrap_or_default(),
                    confidence: None,
                    source: TextSource::Pdf,
                }
            }
        })
        .collect();

    // The searchable PDF: a born-digital PDF already is one, and stays where
    // it is, among the originals (rewriting it would break its signature;
    // copying it would store it twice). Scans get Tesseract's, made archival.
    let rendition = match (born_digital, document) {
        (true, _) => Rendition {
            sha256: record.pages[0].sha256,
            bytes: record.pages[0].bytes,
        },
        (false, Some(document)) => {
            let archival = archival::Metadata {
                title,
                created: record.created_at,
            };
            let pdf =
                spawn_blocking_in_span(move || archival::make_archival(&document.pdf, &archival))
                    .await
                    .map_err(|e| JobFailure::transient(e.to_string()))?
                    .map_err(|e| {
                        JobFailure::permanent(format!("the searchable PDF cannot be finished: {e}"))
                    })?;
            let rendition = Rendition {
                sha256: Sha256Digest::of(&pdf),
                bytes: pdf.len() as u64,
            };
            ctx.blobs
                .put_rendition(&rendition.sha256, bytes::Bytes::from(pdf))
                .await?;
            rendition
        }
        (false, None) => return Err(JobFailure::permanent("the record has no pages")),
    };

    let certification = if record.origin == Origin::Issued {
        let signer = ctx.signer.as_ref().ok_or_else(|| {
            JobFailure::transient("this worker has no signing key to certify issued results")
        })?;
        let mut signed = record.clone();
        signed.rendition = Some(rendition);
        let at = chrono::Utc::now();
        let jws = CertificateClaims::for_record(&signed, &record.created_by, &ctx.agency_id, at)
            .sign(signer)
            .map_err(|e| JobFailure::permanent(e.to_string()))?;
        Some(Certification {
            jws,
            agency_id: ctx.agency_id.clone(),
            review: Review {
                officer: record.created_by.clone(),
                note: Some("registered by the issuing agency".into()),
                at,
            },
        })
    } else {
        None
    };
    Ok(Digitised {
        texts,
        rendition,
        certification,
    })
}
