//! Scanning at the desk while the citizen waits: the form (kind, dossier,
//! paper size, pages from the file picker, a drop or a tablet's camera),
//! and the answer: each page's verdict in plain Vietnamese, a refusal with
//! what to do, or the paper already on file. The form's fields carry the
//! API's names (`subject_id`, `kind`, `dossier_code`, `paper`, files in
//! `page`); the upload is the API's own (`ops::intake::submit`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::pages::{Frame, html, html_status, vn_time};
use super::session::Desk;
use super::{DeskError, vietnamese};
use crate::domain::quality::{Capture, NOTABLE_SKEW_DEGREES, Paper};
use crate::domain::{DocumentKind, Origin, Page};
use crate::error_code::Coded;
use crate::http::AppState;
use crate::ops::intake::{self, DroppedPage, IntakeError, UploadMeta};

/// The text fields of the scan form.
const SCAN_FIELDS: &[&str] = &["csrf", "subject_id", "kind", "dossier_code", "paper"];

/// One choice of a select.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

fn kinds(selected: &str) -> Vec<Choice> {
    DocumentKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code(),
            label: k.label_vi(),
            selected: k.code() == selected,
        })
        .collect()
}

fn papers(selected: &str) -> Vec<Choice> {
    [
        ("A4", "A4 (giấy thường)"),
        ("A5", "A5 (giấy gấp đôi, sổ)"),
        ("ID1", "Thẻ (căn cước, thẻ ngân hàng)"),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value,
        label,
        selected: value.eq_ignore_ascii_case(selected),
    })
    .collect()
}

#[derive(Template)]
#[template(path = "desk/scan.html")]
struct ScanPage {
    frame: Frame,
    subject_id: String,
    dossier_code: String,
    kinds: Vec<Choice>,
    papers: Vec<Choice>,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ScanQuery {
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    dossier_code: String,
    #[serde(default)]
    kind: String,
}

pub async fn form(desk: Desk, query: web::Query<ScanQuery>) -> Result<HttpResponse, DeskError> {
    crate::ops::authorize(&desk.officer.actor(), intake::SCAN_ROLES)?;
    let query = query.into_inner();
    html(ScanPage {
        frame: Frame::of("Quét giấy tờ", &desk),
        subject_id: query.subject_id.trim().to_owned(),
        dossier_code: query.dossier_code.trim().to_owned(),
        kinds: kinds(&query.kind),
        papers: papers("A4"),
        error: None,
    })
}

/// What the officer is told about one page.
struct PageVerdict {
    n: u32,
    lines: Vec<String>,
    warn: bool,
}

#[derive(Template)]
#[template(path = "desk/scanned.html")]
struct ScannedPage {
    frame: Frame,
    record_id: String,
    kind: &'static str,
    subject_id: String,
    dossier_code: String,
    duplicate: bool,
    stored_at: String,
    pages: Vec<PageVerdict>,
    dropped: Vec<String>,
}

pub async fn scan(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    payload: web::Payload,
) -> Result<HttpResponse, DeskError> {
    let actor = desk.officer.actor();
    let (parts, _ticket) = desk
        .read_form(&state, &req, payload, intake::SCAN_ROLES, SCAN_FIELDS)
        .await?;
    let field = |name: &str| parts.fields.get(name).map(|v| v.trim()).unwrap_or("");
    let (subject_id, kind, dossier_code, paper) = (
        field("subject_id").to_owned(),
        field("kind").to_owned(),
        field("dossier_code").to_owned(),
        field("paper").to_owned(),
    );
    let meta = UploadMeta {
        subject_id: subject_id.clone(),
        kind: kind.clone(),
        dossier_code: Some(dossier_code.clone()).filter(|d| !d.is_empty()),
        officer: Some(desk.officer.full_name.clone()),
        paper: Paper::parse(&paper),
        ..UploadMeta::default()
    };
    match intake::submit(&state.cx, &actor, Origin::Scanned, meta, parts.files).await {
        Ok(submitted) => {
            let record = submitted.record;
            tracing::info!(record = %record.id, duplicate = submitted.duplicate, "desk scan stored");
            html_status(
                if submitted.duplicate {
                    StatusCode::OK
                } else {
                    StatusCode::ACCEPTED
                },
                ScannedPage {
                    frame: Frame::of(
                        if submitted.duplicate {
                            "Giấy tờ đã có"
                        } else {
                            "Đã lưu bản quét"
                        },
                        &desk,
                    ),
                    kind: record.kind.label_vi(),
                    subject_id: record.subject_id.to_string(),
                    dossier_code,
                    duplicate: submitted.duplicate,
                    stored_at: vn_time(record.created_at),
                    pages: record.pages.iter().map(verdict).collect(),
                    dropped: submitted.dropped_blank_pages.iter().map(dropped).collect(),
                    record_id: record.id,
                },
            )
        }
        Err(e) => {
            if e.code().is_server_error() {
                return Err(e.into());
            }
            tracing::info!(code = e.code().as_str(), "desk scan refused");
            html_status(
                StatusCode::from_u16(e.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                ScanPage {
                    frame: Frame::of("Quét giấy tờ", &desk),
                    subject_id,
                    dossier_code,
                    kinds: kinds(&kind),
                    papers: papers(&paper),
                    error: Some(refusal(&e)),
                },
            )
        }
    }
}

/// A refused scan, told as what to do about it.
pub fn refusal(e: &IntakeError) -> String {
    match e {
        IntakeError::ResolutionTooLow {
            file,
            file_page,
            dpi,
            estimated,
            min,
        } => format!(
            "Tệp {file}, trang {file_page}: độ phân giải {dpi} dpi{}, thấp hơn mức tối thiểu {min} dpi. Chụp lại hoặc quét lại ở {min} dpi trở lên; chưa lưu trang nào.",
            if *estimated {
                " (ước tính theo khổ giấy)"
            } else {
                ""
            }
        ),
        IntakeError::PhotoTooSmall {
            file, file_page, ..
        } => format!(
            "Tệp {file}, trang {file_page}: tờ giấy quá nhỏ trong ảnh hoặc không thấy rõ mép giấy. Chụp lại gần hơn, để cả tờ giấy trong khung hình, đặt phẳng, đủ sáng và rõ nét; chưa lưu trang nào."
        ),
        IntakeError::BlankScan => "Mọi trang đều trống: không thấy chữ, chữ ký hay con dấu nào. Kiểm tra đã đặt đúng mặt giấy (úp mặt có chữ xuống kính máy quét) rồi quét lại; chưa lưu trang nào.".to_owned(),
        IntakeError::Decode { file, source } => {
            format!("Tệp {file}: {}", vietnamese(source.code()))
        }
        IntakeError::BornDigitalNotAlone(file) => format!(
            "Tệp {file} là bản PDF điện tử (có sẵn chữ): hãy gửi riêng, mỗi bản PDF là một giấy tờ."
        ),
        IntakeError::TooManyPages(n) => {
            format!("Giấy tờ có hơn {n} trang: hãy tách thành nhiều lần quét.")
        }
        other => vietnamese(other.code()).to_owned(),
    }
}

fn degrees(d: f64) -> String {
    format!("{:.1}", d.abs()).replace('.', ",")
}

/// What the gate and the reader found on a page, in plain Vietnamese.
fn verdict(page: &Page) -> PageVerdict {
    let mut lines = Vec::new();
    let mut warn = false;
    match &page.quality {
        Some(q) => {
            match (q.capture, q.page_found) {
                (Capture::Photo, true) => lines.push(format!(
                    "Ảnh chụp: đã tìm thấy tờ giấy, cắt khỏi nền và làm phẳng để đọc; độ phân giải của trang khoảng {} dpi.",
                    q.dpi
                )),
                (Capture::Photo, false) => lines.push(format!(
                    "Ảnh chụp: độ phân giải của trang khoảng {} dpi.",
                    q.dpi
                )),
                (Capture::Scan, true) => lines.push(format!(
                    "Bản quét {} dpi: đã tách tờ giấy khỏi nền máy quét.",
                    q.dpi
                )),
                (Capture::Scan, false) if q.dpi_estimated => {
                    warn = true;
                    lines.push(format!(
                        "Tệp không ghi độ phân giải; ước tính theo khổ giấy khoảng {} dpi. Nếu chữ nhỏ bị nhòe, hãy quét lại ở 300 dpi.",
                        q.dpi
                    ));
                }
                (Capture::Scan, false) => lines.push(format!("Bản quét {} dpi: đạt.", q.dpi)),
            }
            if let Some(d) = q.skew_degrees {
                if d.abs() > NOTABLE_SKEW_DEGREES {
                    warn = true;
                    lines.push(format!(
                        "Giấy đặt lệch {}°: đã xoay thẳng khi đọc chữ (bản gốc giữ nguyên). Nếu dòng chữ bị mất, hãy đặt thẳng và quét lại.",
                        degrees(d)
                    ));
                } else if d.abs() >= 0.3 {
                    lines.push(format!("Lệch nhẹ {}°: đã xoay thẳng khi đọc.", degrees(d)));
                }
            }
        }
        None => lines.push("Trang PDF điện tử: dùng chữ có sẵn trong tệp.".to_owned()),
    }
    if let Some(c) = page
        .ocr_confidence
        .filter(|c| *c < crate::domain::quality::LOW_CONFIDENCE)
    {
        warn = true;
        lines.push(format!(
            "Chữ đọc được kém (độ tin cậy {c}%): nên chụp lại rõ hơn."
        ));
    }
    PageVerdict {
        n: page.n,
        lines,
        warn,
    }
}

fn dropped(d: &DroppedPage) -> String {
    format!(
        "Tệp {}, trang {}: trang trống (mặt sau không có chữ), đã bỏ ra, không lưu.",
        d.file, d.file_page
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::quality::PageQuality;

    fn page(quality: PageQuality) -> Page {
        Page {
            n: 1,
            sha256: crate::domain::Sha256Digest::of(b"page"),
            bytes: 4,
            content_type: "image/jpeg".into(),
            file_page: 1,
            width: 2480,
            height: 3508,
            dpi: Some(72),
            ocr_text: None,
            ocr_confidence: None,
            quality: Some(quality),
            text_source: None,
            layout: None,
            part: None,
        }
    }

    #[test]
    fn a_crooked_photo_is_said_to_be_cut_out_and_straightened_and_flagged() {
        let v = verdict(&page(PageQuality {
            dpi: 240,
            dpi_estimated: true,
            capture: Capture::Photo,
            page_found: true,
            outline: None,
            blank: false,
            skew_degrees: Some(-3.24),
        }));
        let said = v.lines.join(" ");
        assert!(
            said.contains("cắt khỏi nền") && said.contains("240 dpi"),
            "{said}"
        );
        assert!(
            said.contains("lệch 3,2°") && said.contains("bản gốc giữ nguyên"),
            "{said}"
        );
        assert!(v.warn);
    }

    #[test]
    fn a_straight_scan_at_300_dpi_is_simply_good() {
        let v = verdict(&page(PageQuality {
            dpi: 300,
            dpi_estimated: false,
            capture: Capture::Scan,
            page_found: false,
            outline: None,
            blank: false,
            skew_degrees: Some(0.1),
        }));
        assert_eq!(v.lines, ["Bản quét 300 dpi: đạt."]);
        assert!(!v.warn);
    }

    #[test]
    fn a_refusal_says_which_page_and_what_to_do() {
        let low = refusal(&IntakeError::ResolutionTooLow {
            file: 2,
            file_page: 1,
            dpi: 96,
            estimated: false,
            min: 200,
        });
        assert!(
            low.contains("Tệp 2, trang 1") && low.contains("96 dpi") && low.contains("Chụp lại"),
            "{low}"
        );
        assert!(refusal(&IntakeError::BlankScan).contains("quét lại"));
    }
}
