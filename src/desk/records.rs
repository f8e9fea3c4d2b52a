//! Looking up: one record with its pages, PDF, certificate and who read it;
//! revoking or superseding a result; a citizen's access log. Each read goes
//! through `ops::access`, so it is logged, naming the officer.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::DeskError;
use super::pages::{Frame, html, vn_date, vn_time};
use super::session::Desk;
use crate::domain::access::{AccessEntry, Action};
use crate::http::AppState;
use crate::ops::{access, withdraw};

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
