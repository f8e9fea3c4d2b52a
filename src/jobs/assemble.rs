//! The `assemble` job, once every page is read: write the searchable PDF
//! from the pages' parts (a born-digital PDF already is one, and stays where
//! it is, among the originals: rewriting it would break its signature),
//! store it as its own blob, sign a result its issuer registered, and move
//! the record on — then let the parts go.

use bytes::Bytes;

use super::{JobContext, JobFailure};
use crate::domain::job::Job;
use crate::domain::{Certification, Origin, PartSource, Record, Rendition, Review, Sha256Digest};
use crate::pdf::{archival, parts, searchable};
use crate::signing::certificate::CertificateClaims;
use crate::telemetry::spawn_blocking_in_span;

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
    ctx.repo
        .finish_record(job, worker, rendition, certification.as_ref())
        .await?;
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        pages = record.pages.len(),
        pdf_bytes = rendition.bytes,
        certified = certification.is_some(),
        "record digitised"
    );
    release_parts(ctx, &record).await;
    Ok(())
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
