//! The `assemble` job, once every page is read: write the searchable PDF
//! from the pages' parts (a born-digital PDF already is one, and stays where
//! it is, among the originals: rewriting it would break its signature),
//! store it as its own blob, sign a result its issuer registered, and move
//! the record on with the particulars read off its text and its search
//! index row — then let the parts go.

use bytes::Bytes;

use super::{JobContext, JobFailure};
use crate::domain::job::Job;
use crate::domain::particulars::Suggestions;
use crate::domain::{
    Certification, Origin, PartSource, Record, Rendition, Review, Sha256Digest, TextSource,
};
use crate::pdf::{archival, parts, searchable};
use crate::signing::certificate::CertificateClaims;
use crate::telemetry::spawn_blocking_in_span;
use crate::text::particulars::{self, Line};

pub(super) async fn execute(ctx: &JobContext, worker: &str, job: &Job) -> Result<(), JobFailure> {
    let started = std::time::Instant::now();
    let record = ctx
        .repo
        .record(&job.record_id)
        .await?
        .ok_or_else(|| JobFailure::permanent("the record does not exist"))?;
    let rendition = if record.is_born_digital() {
        let own = record
            .pages
            .first()
            .ok_or_else(|| JobFailure::permanent("the record has no pages"))?;
        Rendition {
            sha256: own.sha256,
            bytes: own.bytes,
        }
    } else {
        let pdf = write_pdf(ctx, &record).await?;
        let rendition = Rendition {
            sha256: Sha256Digest::of(&pdf),
            bytes: pdf.len() as u64,
        };
        ctx.blobs
            .put_rendition(&rendition.sha256, Bytes::from(pdf))
            .await?;
        rendition
    };
    let certification = certify(ctx, &record, rendition)?;
    let reading = std::time::Instant::now();
    let suggestions = suggestions_of(&record);
    let extract_us = reading.elapsed().as_micros() as u64;
    ctx.repo
        .finish_record(job, worker, rendition, certification.as_ref(), &suggestions)
        .await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        extract_us,
        suggested = suggestions.len(),
        pages = record.pages.len(),
        pdf_bytes = rendition.bytes,
        certified = certification.is_some(),
        "record digitised"
    );
    release_parts(ctx, &record).await;
    Ok(())
}

/// The particulars read off the record's pages, line by line, each line
/// with its words' confidence; a CCCD card's QR code, where a page shows
/// one, over them.
pub fn suggestions_of(record: &Record) -> Suggestions {
    let mut lines = Vec::new();
    for page in &record.pages {
        match &page.layout {
            Some(layout) => lines.extend(layout.lines.iter().filter(|l| !l.words.is_empty()).map(
                |l| {
                    Line {
                        page: page.n,
                        text: l
                            .words
                            .iter()
                            .map(|w| w.text.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                        confidence: (l.words.iter().map(|w| u32::from(w.confidence)).sum::<u32>()
                            / l.words.len() as u32) as u8,
                        doubtful: l.words.iter().any(|w| w.doubtful),
                        words: l.words.iter().map(|w| w.confidence).collect(),
                    }
                },
            )),
            None => {
                let confidence = match page.text_source {
                    Some(TextSource::Pdf) => 100,
                    _ => page.ocr_confidence.unwrap_or(0).min(100) as u8,
                };
                lines.extend(
                    page.ocr_text
                        .iter()
                        .flat_map(|t| t.lines())
                        .filter(|t| !t.trim().is_empty())
                        .map(|t| Line {
                            page: page.n,
                            text: t.trim().to_owned(),
                            confidence,
                            doubtful: false,
                            words: Vec::new(),
                        }),
                );
            }
        }
    }
    let today = chrono::Utc::now().date_naive();
    let read = particulars::extract(record.kind, &lines, today);
    let qr = record
        .pages
        .iter()
        .filter_map(|p| p.layout.as_ref()?.qr.as_deref())
        .map(|payload| particulars::from_cccd_qr(payload, today))
        .find(|s| !s.is_empty())
        .unwrap_or_default();
    particulars::with_qr(read, qr)
}

/// The searchable PDF of every page, from its part and its words.
async fn write_pdf(ctx: &JobContext, record: &Record) -> Result<Vec<u8>, JobFailure> {
    let mut data = Vec::with_capacity(record.pages.len());
    for page in &record.pages {
        let part = page.part.ok_or_else(|| {
            JobFailure::permanent(format!(
                "page {} was read but has no image for the PDF",
                page.n
            ))
        })?;
        let bytes = match part.source {
            PartSource::Blob { sha256 } => ctx.blobs.get_part(&record.id, page.n, &sha256).await?,
            PartSource::Original => {
                let file = ctx.blobs.get_original(&page.sha256).await?;
                parts::from_original(&part, &file)
                    .map(Bytes::from)
                    .ok_or_else(|| {
                        JobFailure::permanent(format!(
                            "page {}'s original no longer holds its image",
                            page.n
                        ))
                    })?
            }
        };
        data.push((part, bytes));
    }
    let font = ctx.font().await?.to_vec();
    let meta = archival::Metadata {
        title: format!("{} {}", record.kind.label_vi(), record.id),
        created: record.created_at,
    };
    let layouts: Vec<_> = record.pages.iter().map(|p| p.layout.clone()).collect();
    let pdf = spawn_blocking_in_span(move || {
        let pages: Vec<searchable::PdfPage<'_>> = data
            .into_iter()
            .zip(&layouts)
            .map(|((part, data), layout)| searchable::PdfPage {
                part,
                data,
                layout: layout.as_ref(),
            })
            .collect();
        searchable::write(&pages, &font, &meta)
    })
    .await??;
    Ok(pdf)
}

/// A result registered by its issuer is certified at once: the issuer vouches
/// for it and this agency's key signs it.
fn certify(
    ctx: &JobContext,
    record: &Record,
    rendition: Rendition,
) -> Result<Option<Certification>, JobFailure> {
    if record.origin != Origin::Issued {
        return Ok(None);
    }
    let signer = ctx.signer.as_ref().ok_or_else(|| {
        JobFailure::transient("this worker has no signing key to certify issued results")
    })?;
    let mut signed = record.clone();
    signed.rendition = Some(rendition);
    let at = chrono::Utc::now();
    let jws = CertificateClaims::for_record(&signed, &record.created_by, &ctx.agency_id, at)
        .sign(signer)
        .map_err(|e| JobFailure::permanent(e.to_string()))?;
    Ok(Some(Certification {
        jws,
        agency_id: ctx.agency_id.clone(),
        review: Review {
            officer: record.created_by.clone(),
            note: Some("registered by the issuing agency".into()),
            at,
        },
    }))
}

/// The parts are in the PDF now; one left behind is harmless.
async fn release_parts(ctx: &JobContext, record: &Record) {
    for page in &record.pages {
        if let Some(PartSource::Blob { sha256 }) = page.part.map(|p| p.source)
            && let Err(e) = ctx.blobs.delete_part(&record.id, page.n, &sha256).await
        {
            tracing::warn!(page = page.n, error = %e, "cannot remove a page's part");
        }
    }
}
