//! The counter's gate over every page of an upload: each file decoded once,
//! on the blocking pool, each page judged (resolution, blank, skew) as soon as
//! it is decoded and its pixels dropped. Blank pages are left out and listed;
//! a page below the resolution floor refuses the upload.

use serde::Serialize;

use super::{IntakeError, Rules, UploadedFile};
use crate::domain::NewPage;
use crate::domain::quality::{Capture, PageQuality, Paper};
use crate::imaging::assess;
use crate::imaging::decode::{self, DecodeError, Limits, MediaType};
use crate::pdf::born_digital;
use crate::telemetry::spawn_blocking_in_span;

/// A page the gate found blank and left out of the record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DroppedPage {
    /// Which uploaded file, from 1.
    pub file: usize,
    /// Which page of that file, from 1.
    pub file_page: u32,
}

/// One page of an uploaded file, as the gate sees it.
enum JudgedPage {
    /// A scanned image, with the quality verdict on it (pixels already dropped).
    Scanned {
        width: u32,
        height: u32,
        dpi: Option<u32>,
        quality: PageQuality,
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

/// Judges each file, then numbers the kept pages across files; blank pages
/// are left out and listed.
pub(super) async fn pages_of(
    rules: &Rules,
    decoding: &tokio::sync::Semaphore,
    files: &[UploadedFile],
    paper: Paper,
) -> Result<(Vec<NewPage>, Vec<DroppedPage>), IntakeError> {
    let mut pages = Vec::new();
    let mut dropped = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let (content, limits) = (file.content.clone(), rules.limits);
        // Decoding is the gate's memory: a page's pixels, and its file mapped.
        // So many at once and no more, however many uploads are in flight.
        let _slot = decoding
            .acquire()
            .await
            .map_err(|e| IntakeError::Internal(e.to_string()))?;
        let judged = spawn_blocking_in_span(move || {
            let bytes = content.view().map_err(|e| e.to_string())?;
            Ok::<_, String>(judge_file(&bytes, &limits, paper))
        })
        .await
        .map_err(|e| IntakeError::Internal(e.to_string()))?
        .map_err(IntakeError::Internal)?
        .map_err(|source| IntakeError::Decode {
            file: index + 1,
            source,
        })?;
        // A born-digital PDF's own bytes are its searchable PDF: it cannot
        // share a record with other files.
        if judged.born_digital && files.len() > 1 {
            return Err(IntakeError::BornDigitalNotAlone(index + 1));
        }
        for (i, page) in judged.pages.into_iter().enumerate() {
            let file_page = i as u32 + 1;
            let mut new = NewPage {
                n: pages.len() as u32 + 1,
                sha256: file.sha256,
                bytes: file.content.len(),
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
                    if quality.blank {
                        dropped.push(DroppedPage {
                            file: index + 1,
                            file_page,
                        });
                        continue;
                    }
                    if quality.dpi < rules.min_dpi && quality.capture == Capture::Photo {
                        let what = if quality.page_found {
                            format!(
                                "whose paper holds only {} dpi, below the {} dpi minimum",
                                quality.dpi, rules.min_dpi
                            )
                        } else {
                            format!(
                                "in which no paper can be told from what surrounds it, and which holds only {} dpi even if the paper fills it, below the {} dpi minimum",
                                quality.dpi, rules.min_dpi
                            )
                        };
                        return Err(IntakeError::PhotoTooSmall {
                            file: index + 1,
                            file_page,
                            what,
                        });
                    }
                    if quality.dpi < rules.min_dpi {
                        return Err(IntakeError::ResolutionTooLow {
                            file: index + 1,
                            file_page,
                            dpi: quality.dpi,
                            estimated: quality.dpi_estimated,
                            min: rules.min_dpi,
                        });
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
            if pages.len() >= rules.limits.max_pages {
                return Err(IntakeError::TooManyPages(rules.limits.max_pages));
            }
            pages.push(new);
        }
    }
    Ok((pages, dropped))
}

/// What the gate makes of one file's bytes, as it judges an upload: how many
/// pages it holds, and how many of those are blank, or why it is refused.
/// (For the fuzz target and its regression inputs.)
pub fn judge_bytes(
    bytes: &[u8],
    limits: &Limits,
    paper: Paper,
) -> Result<(usize, usize), DecodeError> {
    let judged = judge_file(bytes, limits, paper)?;
    let blank = judged
        .pages
        .iter()
        .filter(|p| matches!(p, JudgedPage::Scanned { quality, .. } if quality.blank))
        .count();
    Ok((judged.pages.len(), blank))
}

/// Decodes and judges every page of one file, each page's pixels dropped as
/// soon as it is judged. A PDF is parsed once, whether it is a scanner PDF
/// or born-digital.
fn judge_file(bytes: &[u8], limits: &Limits, paper: Paper) -> Result<JudgedFile, DecodeError> {
    let scanned = |p: decode::PageImage| JudgedPage::Scanned {
        width: p.width,
        height: p.height,
        dpi: p.dpi,
        quality: assess::assess(&p, paper),
    };
    let media = MediaType::sniff(bytes).ok_or(DecodeError::UnknownType)?;
    if media != MediaType::Pdf {
        let mut pages = Vec::new();
        let media = decode::for_each_page(bytes, limits, &mut |image| {
            pages.push(scanned(image));
            Ok(())
        })?;
        return Ok(JudgedFile {
            media,
            born_digital: false,
            pages,
        });
    }
    let pdf = decode::Pdf::parse(bytes, limits)?;
    let mut pages = Vec::new();
    let born = born_digital::pages(&pdf, limits);
    match &born {
        // A scanner PDF: every page is a scan.
        None => {
            for number in pdf.page_numbers() {
                pages.push(scanned(pdf.image(number, limits, false)?));
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
                    None => match pdf.image(number, limits, false) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Inputs the fuzzers found (`fuzz/regressions/decode/`), and the
    /// damaged fixtures: each answered, none a panic.
    #[test]
    fn every_input_the_fuzzer_kept_and_every_damaged_file_is_judged_without_a_panic() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let limits = Limits {
            max_pixels: 4_000_000,
            max_pages: 4,
        };
        let mut seen = 0;
        for dir in ["fuzz/regressions/decode", "fixtures/damaged"] {
            let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let bytes = std::fs::read(entry.path()).unwrap();
                let outcome = std::panic::catch_unwind(|| {
                    judge_bytes(&bytes, &limits, Paper::default()).map(|_| ())
                });
                assert!(outcome.is_ok(), "{} panicked", entry.path().display());
                seen += 1;
            }
        }
        assert!(seen >= 6, "only {seen} inputs found");
    }
}
