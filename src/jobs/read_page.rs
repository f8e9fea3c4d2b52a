//! The `read_page` job: decode one page from its original, cut the paper out
//! of a photo and flatten it, or straighten a scan fed crooked (in memory:
//! the original is never modified), read it on an engine of the pool, and
//! encode the image the searchable PDF will show (stored as the page's part,
//! unless the original itself is embedded). A QR code on the page (a CCCD
//! card's) is decoded and kept with its words.

use bytes::Bytes;

use super::{JobContext, JobFailure};
use crate::domain::job::Job;
use crate::domain::quality::Outline;
use crate::domain::{Page, PagePart, PageRead, PartSource};
use crate::imaging::decode::{self, Limits, MediaType, PageImage};
use crate::imaging::{page as paper, skew};
use crate::pdf::parts;
use crate::reading::PageInput;
use crate::telemetry::spawn_blocking_in_span;

/// The resolution that sizes a page in the PDF when nothing states one.
const FALLBACK_DPI: u32 = 300;

/// A page ready to read, and its part.
struct Prepared {
    input: PageInput,
    part: Option<parts::Encoded>,
    /// A QR code's text, when the page shows one.
    qr: Option<String>,
}

/// Reads page `job.page_n` of its record.
pub(super) async fn execute(ctx: &JobContext, job: &Job) -> Result<PageRead, JobFailure> {
    let n = job
        .page_n
        .ok_or_else(|| JobFailure::permanent("a page job that names no page"))?;
    let page = ctx
        .repo
        .page(&job.record_id, n)
        .await?
        .ok_or_else(|| JobFailure::permanent(format!("page {n} does not exist")))?;
    // A born-digital PDF is its own searchable PDF: its pages need text only.
    let want_part = !ctx.repo.born_digital(&job.record_id).await?;
    let file = ctx.blobs.get_original(&page.sha256).await?;
    let limits = ctx.limits;
    let started = std::time::Instant::now();
    let prepared =
        spawn_blocking_in_span(move || prepare(&file, &page, &limits, want_part)).await??;
    let found_ms = started.elapsed().as_millis() as u64;
    let (mut layout, timings) = ctx.ocr.read(prepared.input).await?;
    layout.qr = prepared.qr;
    tracing::info!(
        page_ms = found_ms,
        qr = layout.qr.is_some(),
        prepare_ms = timings.prepare.as_millis() as u64,
        detect_ms = timings.detect.as_millis() as u64,
        read_ms = timings.read.as_millis() as u64,
        "page stages"
    );
    let part = match prepared.part {
        Some(encoded) => Some(store(ctx, &job.record_id, n, encoded).await?),
        None => None,
    };
    Ok(PageRead { n, layout, part })
}

/// Decodes the page (in colour: colour tells seals and pens from print, and
/// the PDF shows it), flattens or straightens it, and encodes its part when
/// `want_part`.
fn prepare(
    file: &Bytes,
    page: &Page,
    limits: &Limits,
    want_part: bool,
) -> Result<Prepared, JobFailure> {
    let media = MediaType::sniff(file)
        .ok_or_else(|| JobFailure::permanent("the original is no longer a known file type"))?;
    let (mut image, pdf) = if media == MediaType::Pdf {
        let pdf = decode::Pdf::parse(file, limits)?;
        let image = pdf.image(page.file_page, limits, true)?;
        (image, Some(pdf))
    } else {
        let image = decode::decode_page_in_colour(file, page.file_page, limits)?;
        (image, None)
    };
    let quality = page.quality.as_ref();
    let skew = quality
        .and_then(|q| q.skew_degrees)
        .filter(|d| d.abs() >= skew::NEGLIGIBLE_DEGREES);
    let outline = quality.and_then(|q| q.outline);
    if let Some(outline) = &outline {
        flatten(&mut image, outline);
    } else if let Some(degrees) = skew {
        straighten(&mut image, degrees);
    }
    let reshaped = outline.is_some() || skew.is_some();
    // The counter's verdict is the page's own resolution (a photo's header
    // says 72 dpi); it sizes the PDF page too.
    let dpi = quality.map(|q| q.dpi).or(page.dpi).or(image.dpi);
    let part = if want_part {
        let jpeg = pdf.as_ref().and_then(|p| p.jpeg(page.file_page, limits));
        let dpi = dpi.filter(|d| *d >= 70).unwrap_or(FALLBACK_DPI);
        Some(parts::encode(file, media, &image, reshaped, jpeg, dpi)?)
    } else {
        None
    };
    let qr = crate::imaging::qr::read(&image.pixels);
    Ok(Prepared {
        qr,
        input: PageInput {
            pixels: image.pixels,
            colour: image.colour,
            dpi,
        },
        part,
    })
}

/// Cuts the paper out of a photo (or a scanner bed) and flattens it.
fn flatten(image: &mut PageImage, outline: &Outline) {
    let corners = outline.corners.map(|[x, y]| (x, y));
    let (w, h) = (outline.width, outline.height);
    image.pixels = paper::flatten_perspective(&image.pixels, corners, w, h);
    image.colour = image
        .colour
        .take()
        .map(|c| paper::flatten_perspective(&c, corners, w, h));
    (image.width, image.height) = (w, h);
}

/// Turns the page (and its colour copy) by `-degrees`, undoing the skew.
fn straighten(image: &mut PageImage, degrees: f64) {
    image.pixels = skew::straighten(&image.pixels, degrees);
    image.colour = image.colour.take().map(|c| skew::straighten(&c, degrees));
}

/// Stores a part's bytes (when it has its own), durably, before the page is
/// marked read.
async fn store(
    ctx: &JobContext,
    record_id: &str,
    n: u32,
    encoded: parts::Encoded,
) -> Result<PagePart, JobFailure> {
    if let (PartSource::Blob { sha256 }, Some(bytes)) = (encoded.part.source, encoded.blob) {
        ctx.blobs
            .put_part(record_id, n, &sha256, Bytes::from(bytes))
            .await?;
    }
    Ok(encoded.part)
}
