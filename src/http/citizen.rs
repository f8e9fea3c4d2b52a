//! Citizens read their own records and who looked at them. A counter issues
//! a link (`POST /v1/subjects/{subject_id}/citizen-links`), valid 30 days by
//! default, printable as a QR code; opening it (`GET /c/{token}`) shows that
//! subject's records, with status and validity, and the access ledger's
//! entries for them: when, which system, for which dossier. In Vietnamese as
//! a page, or as JSON (`?format=json` or `Accept: application/json`). The
//! link shows nothing else, and stops working when revoked or expired. Only
//! the token's SHA-256 is stored.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use crate::catalogue::Catalogue;
use crate::domain::dossier::vietnam_today;
use crate::domain::validity::Expiry;
use crate::domain::{DocumentKind, RecordStatus, Role, Sha256Digest, SubjectId};
use crate::storage::db::{CitizenLink, RecordQuery};

/// Roles that issue and revoke citizen links.
pub const LINK_ROLES: &[Role] = &[Role::Intake, Role::Admin];
const DEFAULT_DAYS: u32 = 30;
const MAX_DAYS: u32 = 366;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Days the link works (default 30, at most 366).
    pub valid_days: Option<u32>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LinkView {
    pub id: String,
    pub subject_id: String,
    /// The link to give the citizen (shown once: only its hash is kept).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The same link as a QR code to print, SVG.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: DateTime<Utc>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<DateTime<Utc>>,
}

fn token_hash(token: &str) -> String {
    Sha256Digest::of(token.as_bytes()).to_hex()
}

fn base_url(state: &AppState, req: &HttpRequest) -> String {
    if !state.settings.public_url.is_empty() {
        return state.settings.public_url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// Issue a link for a citizen to read their own records and access log.
#[utoipa::path(
    post, path = "/v1/subjects/{subject_id}/citizen-links", tag = "citizens",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code")),
    request_body = NewLink,
    responses(
        (status = 201, body = LinkView),
        (status = 400, description = "invalid_subject_id, invalid_json", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: Option<web::Json<NewLink>>,
) -> Result<HttpResponse, ApiError> {
    caller.require(LINK_ROLES)?;
    let subject = SubjectId::parse(&path.into_inner())
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
    let days = body
        .map(|b| b.into_inner())
        .unwrap_or_default()
        .valid_days
        .unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(
            "invalid_json",
            format!("valid_days must be between 1 and {MAX_DAYS}"),
        ));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let now = Utc::now();
    let link = CitizenLink {
        id: uuid::Uuid::now_v7().to_string(),
        subject_id: subject.as_str().to_owned(),
        created_by: caller.key_name.clone(),
        created_at: now,
        expires_at: now + Duration::days(days as i64),
        revoked_at: None,
    };
    state
        .repo
        .create_citizen_link(&link, &token_hash(&token))
        .await?;
    let url = format!("{}/c/{token}", base_url(&state, &req));
    let qr_svg = qrcode::QrCode::new(url.as_bytes()).ok().map(|code| {
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build()
    });
    tracing::info!(link = %link.id, days, "citizen link issued");
    Ok(HttpResponse::Created().json(LinkView {
        id: link.id,
        subject_id: link.subject_id,
        url: Some(url),
        qr_svg,
        expires_at: link.expires_at,
        revoked_at: None,
    }))
}

/// Revoke a citizen link: it stops working at once.
#[utoipa::path(
    post, path = "/v1/citizen-links/{id}/revoke", tag = "citizens",
    params(("id" = String, Path, description = "Link id")),
    responses(
        (status = 200, body = LinkView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found: no such live link", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(LINK_ROLES)?;
    let id = path.into_inner();
    if !state.repo.revoke_citizen_link(&id).await? {
        return Err(ApiError::not_found("live citizen link"));
    }
    let link = state
        .repo
        .citizen_link(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("citizen link"))?;
    tracing::info!(link = %id, "citizen link revoked");
    Ok(HttpResponse::Ok().json(LinkView {
        id: link.id,
        subject_id: link.subject_id,
        url: None,
        qr_svg: None,
        expires_at: link.expires_at,
        revoked_at: link.revoked_at,
    }))
}

/// A record as its owner sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitizenRecord {
    pub id: String,
    pub kind: DocumentKind,
    pub kind_label: &'static str,
    pub status: RecordStatus,
    pub status_label: &'static str,
    pub document_number: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub issued_on: Option<NaiveDate>,
    /// Last day of validity; null when it does not expire or cannot be known.
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    /// Whether it can be reused today.
    pub valid_today: bool,
}

/// One look at the citizen's papers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitizenAccess {
    #[schema(value_type = String, format = DateTime)]
    pub at: DateTime<Utc>,
    /// The API key (system) that looked.
    pub by: String,
    pub role: String,
    /// The dossier it was for.
    pub purpose: Option<String>,
    pub action: String,
    pub record_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitizenPage {
    pub subject_id: String,
    pub records: Vec<CitizenRecord>,
    /// Newest first.
    pub accesses: Vec<CitizenAccess>,
    #[schema(value_type = String, format = DateTime)]
    pub link_expires_at: DateTime<Utc>,
}

/// What a citizen link shows: the owner's records and who looked at them.
#[utoipa::path(
    get, path = "/c/{token}", tag = "citizens",
    params(("token" = String, Path, description = "The token from the link")),
    responses(
        (status = 200, description = "A page in Vietnamese, or JSON with `?format=json` or `Accept: application/json`", body = CitizenPage),
        (status = 404, description = "link_not_found", body = ErrorBody),
        (status = 410, description = "link_expired, link_revoked", body = ErrorBody),
    )
)]
pub async fn open(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let wants_json = req.query_string().split('&').any(|p| p == "format=json")
        || req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    let token = path.into_inner();
    let link = state
        .repo
        .citizen_link_by_token_hash(&token_hash(&token))
        .await?;
    let refusal = match &link {
        None => Some((
            StatusCode::NOT_FOUND,
            "link_not_found",
            "Không tìm thấy liên kết này. Hãy kiểm tra lại đường dẫn hoặc hỏi cán bộ Bộ phận Một cửa.",
        )),
        Some(l) if l.revoked_at.is_some() => Some((
            StatusCode::GONE,
            "link_revoked",
            "Liên kết này đã bị thu hồi. Hãy đề nghị Bộ phận Một cửa cấp liên kết mới.",
        )),
        Some(l) if l.expires_at <= Utc::now() => Some((
            StatusCode::GONE,
            "link_expired",
            "Liên kết này đã hết hạn. Hãy đề nghị Bộ phận Một cửa cấp liên kết mới.",
        )),
        Some(_) => None,
    };
    if let Some((status, code, message)) = refusal {
        return Ok(if wants_json {
            HttpResponse::build(status).json(ErrorBody {
                code,
                message: message.to_owned(),
            })
        } else {
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(page(
                    "Liên kết không dùng được",
                    &format!("<p class=\"notice\">{}</p>", escape(message)),
                ))
        });
    }
    let link = link.expect("checked above");
    let subject = SubjectId::parse(&link.subject_id)
        .map_err(|e| ApiError::internal(format!("stored subject: {e}")))?;
    access::log(
        &state,
        &format!("citizen-link {}", link.id),
        "citizen",
        subject.as_str(),
        None,
        None,
        Action::CitizenView,
    )
    .await?;
    let catalogue = Catalogue::load(state.repo.as_ref()).await?;
    let today = vietnam_today();
    let records = state
        .repo
        .subject_records(
            &subject,
            &RecordQuery {
                kind: None,
                before: None,
                limit: 500,
            },
        )
        .await?
        .into_iter()
        .filter(|r| !matches!(r.status, RecordStatus::Failed | RecordStatus::Rejected))
        .map(|r| CitizenRecord {
            valid_today: catalogue.is_valid_on(&r, today),
            valid_until: match catalogue.expiry(&r) {
                Expiry::After(d) => Some(d),
                _ => None,
            },
            kind_label: r.kind.label_vi(),
            status_label: status_vi(r.status),
            id: r.id,
            kind: r.kind,
            status: r.status,
            document_number: r.meta.document_number,
            issued_on: r.meta.issued_on,
        })
        .collect();
    let accesses = state
        .repo
        .subject_access_log(subject.as_str(), 500)
        .await?
        .into_iter()
        .filter(|e| e.action != Action::CitizenView.as_str())
        .map(|e| CitizenAccess {
            at: DateTime::parse_from_rfc3339(&e.at)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default(),
            by: e.key_name,
            role: e.role,
            purpose: e.purpose,
            action: e.action,
            record_id: e.record_id,
        })
        .collect();
    let view = CitizenPage {
        subject_id: link.subject_id,
        records,
        accesses,
        link_expires_at: link.expires_at,
    };
    let response = if wants_json {
        HttpResponse::Ok().json(&view)
    } else {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(render(&view))
    };
    let mut response = response;
    // Personal data: never cached, never sent to other sites.
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

fn status_vi(status: RecordStatus) -> &'static str {
    match status {
        RecordStatus::Processing => "Đang xử lý",
        RecordStatus::PendingReview => "Chờ cán bộ đối chiếu",
        RecordStatus::Certified => "Đã số hóa và ký xác nhận",
        RecordStatus::Rejected => "Không đạt",
        RecordStatus::Failed => "Lỗi xử lý",
        RecordStatus::Revoked => "Đã bị thu hồi",
        RecordStatus::Superseded => "Đã được thay thế",
    }
}

fn action_vi(action: &str) -> &'static str {
    match action {
        "list_records" => "Tra cứu danh sách giấy tờ",
        "read_record" => "Xem thông tin giấy tờ",
        "read_page" => "Xem bản quét",
        "read_pdf" => "Tải bản PDF",
        "read_certificate" => "Xem chứng thư số hóa",
        "read_dossier" => "Xem hồ sơ",
        "reuse_check" => "Kiểm tra để dùng lại giấy tờ",
        _ => "Truy cập khác",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

fn vn_time(t: DateTime<Utc>) -> String {
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    t.with_timezone(&vn).format("%H:%M %d/%m/%Y").to_string()
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
body {{ font-family: system-ui, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 56rem; padding: 1rem; color: #1a1a1a; line-height: 1.5; }}
h1 {{ font-size: 1.4rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #ddd; vertical-align: top; }}
th {{ background: #f3f3f3; }}
.ok {{ color: #116611; font-weight: 600; }} .no {{ color: #a11; font-weight: 600; }}
.notice {{ padding: 1rem; background: #fff4e5; border-left: 4px solid #e69500; }}
small {{ color: #555; }}
</style>
</head>
<body>
{body}
</body>
</html>"#,
        title = escape(title)
    )
}

fn render(view: &CitizenPage) -> String {
    let mut body = String::new();
    body.push_str("<h1>Giấy tờ của bạn đã được số hóa</h1>\n");
    body.push_str(&format!(
        "<p>Số định danh: <strong>{}</strong>. Bạn không phải nộp lại các giấy tờ còn hiệu lực dưới đây.</p>\n",
        escape(&view.subject_id)
    ));
    body.push_str("<h2>Giấy tờ</h2>\n");
    if view.records.is_empty() {
        body.push_str("<p>Chưa có giấy tờ nào.</p>\n");
    } else {
        body.push_str("<table id=\"records\"><thead><tr><th>Loại giấy tờ</th><th>Số, ký hiệu</th><th>Ngày cấp</th><th>Tình trạng</th><th>Hiệu lực</th></tr></thead><tbody>\n");
        for r in &view.records {
            let validity = match (r.valid_today, r.valid_until) {
                (true, Some(d)) => {
                    format!("<span class=\"ok\">Còn hiệu lực</span> đến {}", vn_date(d))
                }
                (true, None) => {
                    "<span class=\"ok\">Còn hiệu lực</span> (không thời hạn)".to_owned()
                }
                (false, Some(d)) if r.status == RecordStatus::Certified => {
                    format!(
                        "<span class=\"no\">Hết hiệu lực</span> từ sau {}",
                        vn_date(d)
                    )
                }
                (false, _) => "<span class=\"no\">Không dùng lại được</span>".to_owned(),
            };
            body.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                escape(r.kind_label),
                escape(r.document_number.as_deref().unwrap_or("—")),
                r.issued_on.map(vn_date).unwrap_or_else(|| "—".into()),
                escape(r.status_label),
                validity
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str("<h2>Ai đã xem giấy tờ của bạn</h2>\n");
    if view.accesses.is_empty() {
        body.push_str("<p>Chưa có lượt truy cập nào.</p>\n");
    } else {
        body.push_str("<table id=\"accesses\"><thead><tr><th>Thời gian</th><th>Hệ thống</th><th>Việc</th><th>Cho hồ sơ</th></tr></thead><tbody>\n");
        for a in &view.accesses {
            body.push_str(&format!(
                "<tr><td>{}</td><td>{} <small>({})</small></td><td>{}</td><td>{}</td></tr>\n",
                vn_time(a.at),
                escape(&a.by),
                escape(&a.role),
                action_vi(&a.action),
                escape(a.purpose.as_deref().unwrap_or("—"))
            ));
        }
        body.push_str("</tbody></table>\n");
    }
    body.push_str(&format!(
        "<p><small>Liên kết này dùng được đến {}. Nếu có lượt xem nào bạn không biết, hãy báo Bộ phận Một cửa.</small></p>\n",
        vn_time(view.link_expires_at)
    ));
    page("Giấy tờ đã số hóa của bạn", &body)
}
