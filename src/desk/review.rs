//! Checking and certifying: this agency's review queue, and the review page
//! (each page's image beside its recognised text, doubtful and handwritten
//! words marked, the particulars to confirm prefilled from what the text
//! says). Confirming signs the digitisation certificate; rejecting needs a
//! note. Both are `ops::review::review`, as the API's review is.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::DeskError;
use super::pages::{Frame, html, vn_time};
use super::session::Desk;
use crate::domain::access::Action;
use crate::domain::particulars::{Warning, warnings};
use crate::domain::reading::PageLayout;
use crate::domain::{Record, RecordStatus};
use crate::http::AppState;
use crate::ops::access;
use crate::ops::review::{self, Decision, Particulars, Request};

/// Most records the queue shows.
const QUEUE: u32 = 100;

struct Waiting {
    id: String,
    kind: &'static str,
    subject_id: String,
    pages: usize,
    scanned: String,
    by: String,
}

#[derive(Template)]
#[template(path = "desk/queue.html")]
struct QueuePage {
    frame: Frame,
    agency: String,
    waiting: Vec<Waiting>,
    reading: usize,
}

pub async fn queue(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, DeskError> {
    crate::ops::authorize(&desk.officer.actor(), review::ROLES)?;
    let repo = state.cx.repo.as_ref();
    let waiting = repo
        .records_in_status(RecordStatus::PendingReview, QUEUE)
        .await?
        .into_iter()
        .map(|r| Waiting {
            kind: r.kind.label_vi(),
            subject_id: r.subject_id.to_string(),
            pages: r.pages.len(),
            scanned: vn_time(r.created_at),
            by: r
                .created_by
                .strip_prefix("officer:")
                .unwrap_or(&r.created_by)
                .to_owned(),
            id: r.id,
        })
        .collect();
    let reading = repo
        .records_in_status(RecordStatus::Processing, QUEUE)
        .await?
        .len();
    html(QueuePage {
        frame: Frame::of("Hàng chờ đối chiếu", &desk),
        agency: state.cx.agency.to_string(),
        waiting,
        reading,
    })
}

/// A run of a page's text: a word to check, or plain text.
pub struct Run {
    pub text: String,
    /// Why it is marked: "chữ viết tay", "chưa chắc", none when plain.
    pub mark: Option<String>,
}

pub struct ReviewPageText {
    pub n: u32,
    pub lines: Vec<Vec<Run>>,
    pub plain: Option<String>,
    pub doubtful: usize,
}

fn runs(layout: &PageLayout) -> (Vec<Vec<Run>>, usize) {
    let mut doubtful = 0;
    let lines = layout
        .lines
        .iter()
        .map(|line| {
            let mut out: Vec<Run> = Vec::new();
            for (i, w) in line.words.iter().enumerate() {
                let space = if i == 0 { "" } else { " " };
                let mark = if w.handwritten {
                    Some(format!("chữ viết tay, độ tin cậy {}%", w.confidence))
                } else if w.doubtful {
                    Some(format!("chưa chắc, độ tin cậy {}%", w.confidence))
                } else {
                    None
                };
                if mark.is_some() {
                    doubtful += 1;
                    if !space.is_empty() {
                        out.push(Run {
                            text: space.into(),
                            mark: None,
                        });
                    }
                    out.push(Run {
                        text: w.text.clone(),
                        mark,
                    });
                } else {
                    match out.last_mut() {
                        Some(last) if last.mark.is_none() => {
                            last.text.push_str(space);
                            last.text.push_str(&w.text);
                        }
                        _ => out.push(Run {
                            text: format!("{space}{}", w.text),
                            mark: None,
                        }),
                    }
                }
            }
            out
        })
        .collect();
    (lines, doubtful)
}

/// One particular to confirm: its value (the record's, else the
/// suggestion's) and where that came from.
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub hint: Option<String>,
    pub input: &'static str,
}

fn fields(record: &Record) -> Vec<Field> {
    let suggested = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| record.suggestions.get(*n))
            .map(|s| (s.value.clone(), s.confidence))
    };
    let one = |name: &'static str,
               label: &'static str,
               confirmed: Option<String>,
               from: &[&str],
               input: &'static str| {
        match (confirmed, suggested(from)) {
            (Some(v), _) => Field {
                name,
                label,
                value: v,
                hint: Some("đã có trên hồ sơ".into()),
                input,
            },
            (None, Some((v, c))) => Field {
                name,
                label,
                value: v,
                hint: Some(format!(
                    "gợi ý đọc từ văn bản, độ tin cậy {:.0}%: đối chiếu với bản giấy",
                    c * 100.0
                )),
                input,
            },
            (None, None) => Field {
                name,
                label,
                value: String::new(),
                hint: Some("không đọc được từ văn bản: gõ theo bản giấy, nếu có".into()),
                input,
            },
        }
    };
    let meta = &record.meta;
    vec![
        one(
            "document_number",
            "Số, ký hiệu",
            meta.document_number.clone(),
            &["document_number"],
            "text",
        ),
        one(
            "issued_on",
            "Ngày cấp",
            meta.issued_on.map(|d| d.to_string()),
            &["issued_on"],
            "date",
        ),
        one(
            "issuing_agency",
            "Cơ quan cấp",
            meta.issuing_agency.clone(),
            &["issuing_agency"],
            "text",
        ),
        one(
            "signer",
            "Người ký",
            meta.signer.clone(),
            &["signer"],
            "text",
        ),
        one(
            "owner_name",
            "Họ và tên chủ giấy tờ",
            meta.owner_name.clone(),
            &["full_name", "company_name"],
            "text",
        ),
    ]
}

#[derive(Template)]
#[template(path = "desk/review.html")]
struct ReviewPage {
    frame: Frame,
    record_id: String,
    kind: &'static str,
    subject_id: String,
    scanned: String,
    status: &'static str,
    can_review: bool,
    mismatch: Option<String>,
    pages: Vec<ReviewPageText>,
    fields: Vec<Field>,
    note: String,
    error: Option<String>,
}

fn review_page(
    desk: &Desk,
    record: Record,
    values: Option<&ReviewForm>,
    error: Option<String>,
) -> ReviewPage {
    let mut fields = fields(&record);
    if let Some(form) = values {
        for f in &mut fields {
            f.value = form.value(f.name).to_owned();
        }
    }
    let mismatch = warnings(&record.subject_id, &record.suggestions)
        .contains(&Warning::SubjectMismatch)
        .then(|| {
            let named = ["personal_id", "tax_code"]
                .iter()
                .find_map(|f| record.suggestions.get(*f))
                .map(|s| s.value.clone())
                .unwrap_or_default();
            format!(
                "Giấy tờ ghi số định danh {named}, khác với số {} của hồ sơ: có thể là giấy tờ của người khác. Kiểm tra lại trước khi xác nhận.",
                record.subject_id
            )
        });
    let pages = record
        .pages
        .iter()
        .map(|p| match &p.layout {
            Some(layout) => {
                let (lines, doubtful) = runs(layout);
                ReviewPageText {
                    n: p.n,
                    lines,
                    plain: None,
                    doubtful,
                }
            }
            None => ReviewPageText {
                n: p.n,
                lines: Vec::new(),
                plain: p.ocr_text.clone(),
                doubtful: 0,
            },
        })
        .collect();
    ReviewPage {
        frame: Frame::of("Đối chiếu và ký xác nhận", desk),
        kind: record.kind.label_vi(),
        subject_id: record.subject_id.to_string(),
        scanned: vn_time(record.created_at),
        status: record.status.label_vi(),
        can_review: record.status == RecordStatus::PendingReview,
        mismatch,
        pages,
        fields,
        note: values.map(|v| v.note.clone()).unwrap_or_default(),
        error,
        record_id: record.id,
    }
}

pub async fn page(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<String>,
) -> Result<HttpResponse, DeskError> {
    let actor = desk.officer.actor();
    crate::ops::authorize(&actor, review::ROLES)?;
    let record = access::record(&state.cx, &actor, &path, None, Action::ReadRecord).await?;
    html(review_page(&desk, record, None, None))
}

#[derive(serde::Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    document_number: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    issuing_agency: String,
    #[serde(default)]
    signer: String,
    #[serde(default)]
    owner_name: String,
}

impl ReviewForm {
    fn value(&self, name: &str) -> &str {
        match name {
            "document_number" => &self.document_number,
            "issued_on" => &self.issued_on,
            "issuing_agency" => &self.issuing_agency,
            "signer" => &self.signer,
            "owner_name" => &self.owner_name,
            _ => "",
        }
    }
}

pub async fn decide(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<String>,
    form: web::Form<ReviewForm>,
) -> Result<HttpResponse, DeskError> {
    let form = form.into_inner();
    desk.check_csrf(&form.csrf)?;
    let actor = desk.officer.actor();
    let id = path.into_inner();
    let decision = match form.decision.as_str() {
        "confirm" => Decision::Confirm,
        "reject" => Decision::Reject,
        _ => return Err(DeskError::Message("Hãy chọn Xác nhận hoặc Không đạt.")),
    };
    let typed = |v: &str| Some(v.trim().to_owned());
    let particulars = match decision {
        Decision::Confirm => Particulars {
            document_number: typed(&form.document_number),
            issued_on: typed(&form.issued_on),
            issuing_agency: typed(&form.issuing_agency),
            signer: typed(&form.signer),
            owner_name: typed(&form.owner_name),
        },
        Decision::Reject => Particulars::default(),
    };
    let request = Request {
        decision,
        officer: desk.officer.full_name.clone(),
        note: Some(form.note.clone()).filter(|n| !n.trim().is_empty()),
        particulars,
        accept_suggestions: false,
    };
    match review::review(&state.cx, &actor, &id, request).await {
        Ok(record) => {
            tracing::info!(record = %record.id, status = record.status.as_str(), "desk review");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, format!("/desk/records/{}", record.id)))
                .finish())
        }
        Err(review::ReviewError::Invalid(reason)) => {
            // Said again on the form, with what the officer typed kept.
            let record = access::record(&state.cx, &actor, &id, None, Action::ReadRecord).await?;
            let message = invalid_vi(&reason);
            let page = review_page(&desk, record, Some(&form), Some(message));
            super::pages::html_status(actix_web::http::StatusCode::BAD_REQUEST, page)
        }
        Err(e) => Err(e.into()),
    }
}

/// A review's refusal, in Vietnamese.
fn invalid_vi(reason: &str) -> String {
    if reason.contains("rejection needs a note") {
        "Khi đánh dấu Không đạt, hãy ghi rõ điểm không khớp với bản giấy.".into()
    } else if reason.contains("issued_on") && reason.contains("future") {
        "Ngày cấp không thể sau ngày hôm nay.".into()
    } else if reason.contains("issued_on") {
        "Ngày cấp không đúng dạng ngày.".into()
    } else {
        "Thông tin chưa hợp lệ (quá dài hoặc có ký tự điều khiển): hãy sửa lại.".into()
    }
}

/// The preview of a page: `ops::preview`, the read logged.
pub async fn image(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<(String, u32)>,
) -> Result<HttpResponse, DeskError> {
    let (id, n) = path.into_inner();
    let jpeg =
        crate::ops::preview::page_preview(&state.cx, &desk.officer.actor(), &id, n, None).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/jpeg")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(jpeg))
}
