//! Looking up: one record with its pages, PDF, certificate and who read it;
//! revoking or superseding a result; finding records by what is written on
//! them; a citizen's access log; and the receipt handed back at the end,
//! with the QR code of the citizen's own link. Each read goes through
//! `ops::access` (or `ops::search`), so it is logged, naming the officer.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::DeskError;
use super::pages::{Frame, Paper, html, vn_date, vn_time};
use super::session::Desk;
use crate::domain::access::{AccessEntry, Action};
use crate::http::AppState;
use crate::ops::{access, links, search, withdraw};

/// A particular shown on a record's page.
pub struct Row {
    pub label: &'static str,
    pub value: String,
}

pub struct Seen {
    pub at: String,
    pub by: String,
    pub what: &'static str,
    pub purpose: String,
}

fn seen(entries: Vec<AccessEntry>, record: Option<&str>) -> Vec<Seen> {
    entries
        .into_iter()
        .filter(|e| record.is_none() || e.record_id.as_deref() == record)
        .map(|e| Seen {
            at: vn_time(e.at),
            by: e.key_name,
            what: e.action.label_vi(),
            purpose: e.purpose.unwrap_or_else(|| "—".into()),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "desk/record.html")]
struct RecordPage {
    frame: Frame,
    id: String,
    kind: &'static str,
    subject_id: String,
    status: &'static str,
    status_reason: Option<String>,
    rows: Vec<Row>,
    pages: Vec<u32>,
    has_pdf: bool,
    has_certificate: bool,
    reviewable: bool,
    withdrawable: bool,
    accesses: Option<Vec<Seen>>,
}

pub async fn record(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<String>,
) -> Result<HttpResponse, DeskError> {
    let actor = desk.officer.actor();
    let r = access::record(&state.cx, &actor, &path, None, Action::ReadRecord).await?;
    let m = &r.meta;
    let mut rows = Vec::new();
    let mut row = |label: &'static str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            rows.push(Row { label, value });
        }
    };
    row("Số, ký hiệu", m.document_number.clone());
    row("Ngày cấp", m.issued_on.map(vn_date));
    row("Cơ quan cấp", m.issuing_agency.clone());
    row("Người ký", m.signer.clone());
    row("Chủ giấy tờ", m.owner_name.clone());
    row(
        "Hiệu lực",
        if m.permanent {
            Some("Không thời hạn".into())
        } else {
            m.valid_until.map(|d| format!("Đến {}", vn_date(d)))
        },
    );
    row("Mã hồ sơ", m.dossier_code.as_ref().map(|d| d.to_string()));
    row("Quét lúc", Some(vn_time(r.created_at)));
    row("Cán bộ quét", m.officer.clone());
    row(
        "Đối chiếu",
        r.review.as_ref().map(|v| {
            format!(
                "{}, {}{}",
                v.officer,
                vn_time(v.at),
                v.note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            )
        }),
    );
    row("Thay thế bởi", r.superseded_by.clone());
    let auditor = crate::ops::authorize(&actor, access::AUDIT_ROLES).is_ok();
    let accesses = if auditor {
        Some(seen(
            access::access_log(&state.cx, &actor, r.subject_id.as_str(), Some(200)).await?,
            Some(&r.id),
        ))
    } else {
        None
    };
    html(RecordPage {
        frame: Frame::of("Giấy tờ", &desk),
        kind: r.kind.label_vi(),
        subject_id: r.subject_id.to_string(),
        status: r.status.label_vi(),
        status_reason: r.status_reason.clone(),
        rows,
        pages: r.pages.iter().map(|p| p.n).collect(),
        has_pdf: r.rendition.is_some(),
        has_certificate: r.certificate.is_some(),
        reviewable: r.status == crate::domain::RecordStatus::PendingReview,
        withdrawable: r.status == crate::domain::RecordStatus::Certified
            && crate::ops::authorize(&actor, withdraw::ROLES).is_ok(),
        accesses,
        id: r.id,
    })
}

pub async fn pdf(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<String>,
) -> Result<HttpResponse, DeskError> {
    let (record, rendition) = access::pdf(&state.cx, &desk.officer.actor(), &path, None).await?;
    let bytes = access::pdf_bytes(&state.cx, &record, &rendition).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}.pdf\"", record.id),
        ))
        .insert_header(("X-Content-SHA256", rendition.sha256.to_hex()))
        .body(bytes))
}

pub async fn certificate(
    state: web::Data<AppState>,
    desk: Desk,
    path: web::Path<String>,
) -> Result<HttpResponse, DeskError> {
    let id = path.into_inner();
    let jws = access::certificate(&state.cx, &desk.officer.actor(), &id, None).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jose")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{id}.jws\""),
        ))
        .body(jws))
}

#[derive(Template)]
#[template(path = "desk/withdraw.html")]
struct WithdrawPage {
    frame: Frame,
    record_id: String,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct WithdrawQuery {
    #[serde(default)]
    record_id: String,
}

pub async fn withdraw_form(
    desk: Desk,
    query: web::Query<WithdrawQuery>,
) -> Result<HttpResponse, DeskError> {
    crate::ops::authorize(&desk.officer.actor(), withdraw::ROLES)?;
    html(WithdrawPage {
        frame: Frame::of("Thu hồi hoặc thay thế kết quả", &desk),
        record_id: query.into_inner().record_id,
        error: None,
    })
}

#[derive(serde::Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    superseded_by: String,
}

pub async fn withdraw(
    state: web::Data<AppState>,
    desk: Desk,
    form: web::Form<WithdrawForm>,
) -> Result<HttpResponse, DeskError> {
    let form = form.into_inner();
    desk.check_csrf(&form.csrf)?;
    let actor = desk.officer.actor();
    let id = form.record_id.trim();
    match withdraw::withdraw(
        &state.cx,
        &actor,
        id,
        &form.reason,
        Some(form.superseded_by.as_str()),
    )
    .await
    {
        Ok(record) => {
            tracing::info!(record = %record.id, status = record.status.as_str(), "desk withdrawal");
            let back = if crate::ops::authorize(&actor, access::READ_ROLES).is_ok() {
                format!("/desk/records/{}", record.id)
            } else {
                "/desk/withdraw?done=1".to_owned()
            };
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, back))
                .finish())
        }
        Err(e) => {
            use crate::error_code::Coded;
            if e.code().is_server_error() || matches!(e, withdraw::WithdrawError::Forbidden(_)) {
                return Err(e.into());
            }
            let message = match &e {
                withdraw::WithdrawError::InvalidReason(_) => {
                    "Hãy ghi lý do thu hồi bằng lời (tối đa 2000 ký tự).".to_owned()
                }
                withdraw::WithdrawError::InvalidReplacement => "Mã giấy tờ thay thế không đúng: phải là kết quả đã ký xác nhận, cùng loại, cùng chủ giấy tờ.".to_owned(),
                withdraw::WithdrawError::NotOwnResult => "Chỉ được thu hồi kết quả do chính cơ quan mình cấp.".to_owned(),
                other => super::vietnamese(other.code()).to_owned(),
            };
            super::pages::html_status(
                actix_web::http::StatusCode::from_u16(e.code().http_status())
                    .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST),
                WithdrawPage {
                    frame: Frame::of("Thu hồi hoặc thay thế kết quả", &desk),
                    record_id: id.to_owned(),
                    error: Some(message),
                },
            )
        }
    }
}

/// A run of a snippet: marked where the query matched.
pub struct Piece {
    pub text: String,
    pub marked: bool,
}

pub struct Found {
    pub id: String,
    pub kind: &'static str,
    pub subject_id: String,
    pub number: String,
    pub status: &'static str,
    pub snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "desk/search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    subject_id: String,
    searched: bool,
    found: Vec<Found>,
    /// The next page's address.
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    cursor: String,
}

fn pieces(snippet: &crate::text::search::Snippet) -> Vec<Piece> {
    let text = &snippet.text;
    let mut out = Vec::new();
    let mut at = 0;
    for [start, end] in &snippet.marks {
        let (start, end) = ((*start).max(at), (*end).min(text.len()));
        if start >= end || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            continue;
        }
        if start > at {
            out.push(Piece {
                text: text[at..start].to_owned(),
                marked: false,
            });
        }
        out.push(Piece {
            text: text[start..end].to_owned(),
            marked: true,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Piece {
            text: text[at..].to_owned(),
            marked: false,
        });
    }
    out
}

pub async fn find(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, DeskError> {
    let query = query.into_inner();
    let q = query.q.trim().to_owned();
    let subject_id = query.subject_id.trim().to_owned();
    let frame = Frame::of("Tìm giấy tờ", &desk);
    if q.is_empty() {
        crate::ops::authorize(&desk.officer.actor(), access::READ_ROLES)?;
        return html(SearchPage {
            frame,
            q,
            subject_id,
            searched: false,
            found: Vec::new(),
            next: None,
        });
    }
    let request = search::Request {
        q: q.clone(),
        subject_id: Some(subject_id.clone()).filter(|s| !s.is_empty()),
        cursor: Some(query.cursor).filter(|c| !c.is_empty()),
        limit: Some(20),
        ..search::Request::default()
    };
    let found = search::search(&state.cx, &desk.officer.actor(), None, &request).await?;
    html(SearchPage {
        frame,
        found: found
            .hits
            .into_iter()
            .map(|h| Found {
                kind: h.record.kind.label_vi(),
                subject_id: h.record.subject_id.to_string(),
                number: h
                    .record
                    .meta
                    .document_number
                    .clone()
                    .unwrap_or_else(|| "—".into()),
                status: h.record.status.label_vi(),
                snippet: h.snippet.as_ref().map(pieces).unwrap_or_default(),
                id: h.record.id,
            })
            .collect(),
        next: found.next_cursor.map(|cursor| {
            let query = serde_urlencoded::to_string([
                ("q", q.as_str()),
                ("subject_id", subject_id.as_str()),
                ("cursor", cursor.as_str()),
            ])
            .unwrap_or_default();
            format!("/desk/search?{query}")
        }),
        q,
        subject_id,
        searched: true,
    })
}

#[derive(Template)]
#[template(path = "desk/access.html")]
struct AccessPage {
    frame: Frame,
    subject_id: String,
    accesses: Vec<Seen>,
}

#[derive(serde::Deserialize)]
pub struct SubjectQuery {
    #[serde(default)]
    subject_id: String,
}

pub async fn access_log(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<SubjectQuery>,
) -> Result<HttpResponse, DeskError> {
    let subject = query.into_inner().subject_id.trim().to_owned();
    let actor = desk.officer.actor();
    let accesses = if subject.is_empty() {
        crate::ops::authorize(&actor, access::AUDIT_ROLES)?;
        Vec::new()
    } else {
        seen(
            access::access_log(&state.cx, &actor, &subject, Some(500)).await?,
            None,
        )
    };
    html(AccessPage {
        frame: Frame::of("Nhật ký truy cập", &desk),
        subject_id: subject,
        accesses,
    })
}

#[derive(Template)]
#[template(path = "desk/receipt.html")]
struct ReceiptPage {
    frame: Frame,
    subject_id: String,
    dossier_code: String,
    agency: String,
    today: String,
    papers: Vec<Paper>,
    reused: Vec<Paper>,
    link: String,
    link_until: String,
    qr_svg: String,
}

#[derive(serde::Deserialize)]
pub struct ReceiptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    subject_id: String,
    #[serde(default)]
    dossier_code: String,
}

/// The receipt: the papers digitised today for the citizen and those on
/// file that they did not need to bring, and a new link to their own page
/// as a QR code. A POST: it issues that link.
pub async fn receipt(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    form: web::Form<ReceiptForm>,
) -> Result<HttpResponse, DeskError> {
    let form = form.into_inner();
    desk.check_csrf(&form.csrf)?;
    let actor = desk.officer.actor();
    crate::ops::authorize(&actor, links::ROLES)?;
    let dossier = Some(form.dossier_code.trim()).filter(|d| !d.is_empty());
    let on_file =
        crate::ops::on_file::on_file(&state.cx, &actor, &form.subject_id, dossier).await?;
    let today = crate::domain::dossier::vietnam_today();
    let vn = chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    let (mut papers, mut reused) = (Vec::new(), Vec::new());
    for r in &on_file {
        if r.record.created_at.with_timezone(&vn).date_naive() == today {
            papers.push(Paper::of(r));
        } else if r.valid_today {
            reused.push(Paper::of(r));
        }
    }
    let issued = links::create(&state.cx, &actor, &form.subject_id, None).await?;
    let url = format!(
        "{}/c/{}",
        crate::http::citizen::base_url(&state, &req),
        issued.token
    );
    let qr_svg = crate::http::citizen::qr_svg(&url)
        .ok_or_else(|| DeskError::internal("the citizen link does not fit a QR code"))?;
    tracing::info!(link = %issued.link.id, "desk receipt with a citizen link");
    html(ReceiptPage {
        frame: Frame::of("Giấy biên nhận số hóa", &desk),
        subject_id: issued.link.subject_id.to_string(),
        dossier_code: dossier.unwrap_or_default().to_owned(),
        agency: state.cx.agency.to_string(),
        today: vn_date(today),
        papers,
        reused,
        link: url,
        link_until: vn_time(issued.link.expires_at),
        qr_svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snippet_is_cut_into_marked_and_plain_pieces_at_its_marks() {
        let text = "Ông Nguyễn Văn An sinh năm";
        let at = |w: &str| {
            let i = text.find(w).unwrap();
            [i, i + w.len()]
        };
        let snippet = crate::text::search::Snippet {
            text: text.into(),
            marks: vec![at("Nguyễn"), at("Văn")],
        };
        let p = pieces(&snippet);
        let shown: Vec<(&str, bool)> = p.iter().map(|p| (p.text.as_str(), p.marked)).collect();
        assert_eq!(
            shown,
            [
                ("Ông ", false),
                ("Nguyễn", true),
                (" ", false),
                ("Văn", true),
                (" An sinh năm", false)
            ]
        );
    }

    #[test]
    fn marks_off_character_boundaries_are_skipped_not_panicked_on() {
        let snippet = crate::text::search::Snippet {
            text: "Đình".into(),
            marks: vec![[1, 3], [0, 99]],
        };
        assert_eq!(pieces(&snippet).len(), 1);
    }
}
