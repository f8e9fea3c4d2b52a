//! The desk's pages: sign-in and sign-out, the start page (enter a
//! citizen's ID), the papers on file for that citizen with their validity,
//! and the officers' list for admins.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;

use super::DeskError;
use super::card::CardHolder;
use super::session::{self, Desk, LOGIN_CSRF_COOKIE, SESSION_COOKIE};
use crate::domain::Role;
use crate::domain::officer::Officer;
use crate::http::AppState;
use crate::ops::officers::{self, SignInError};
use crate::ops::on_file::on_file;

/// What every page's frame shows: its title, and who is signed in.
pub struct Frame {
    pub title: &'static str,
    pub officer: Option<String>,
    pub role: &'static str,
    pub csrf: String,
    pub admin: bool,
    /// What the nav offers: the rooms this officer's role may enter.
    pub can_read: bool,
    pub can_review: bool,
    pub can_withdraw: bool,
    pub can_audit: bool,
}

impl Frame {
    pub fn bare(title: &'static str) -> Self {
        Frame {
            title,
            officer: None,
            role: "",
            csrf: String::new(),
            admin: false,
            can_read: false,
            can_review: false,
            can_withdraw: false,
            can_audit: false,
        }
    }

    pub(super) fn of(title: &'static str, desk: &Desk) -> Self {
        Frame {
            title,
            officer: Some(desk.officer.full_name.clone()),
            role: role_vi(desk.officer.role),
            csrf: desk.csrf.clone(),
            admin: desk.officer.role == Role::Admin,
            can_read: crate::ops::access::READ_ROLES.contains(&desk.officer.role),
            can_review: crate::ops::review::ROLES.contains(&desk.officer.role),
            can_withdraw: crate::ops::withdraw::ROLES.contains(&desk.officer.role),
            can_audit: crate::ops::access::AUDIT_ROLES.contains(&desk.officer.role),
        }
    }
}

pub(super) fn role_vi(role: Role) -> &'static str {
    match role {
        Role::Intake => "Cán bộ tiếp nhận",
        Role::Issuer => "Cán bộ ký xác nhận",
        Role::Auditor => "Kiểm tra viên",
        Role::Admin => "Quản trị",
        Role::Reader => "Hệ thống khai thác",
    }
}

pub(super) fn vn_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

pub(super) fn vn_time(t: DateTime<Utc>) -> String {
    let vn = FixedOffset::east_opt(7 * 3600).expect("UTC+7");
    t.with_timezone(&vn).format("%H:%M %d/%m/%Y").to_string()
}

pub(super) fn html(page: impl Template) -> Result<HttpResponse, DeskError> {
    html_status(actix_web::http::StatusCode::OK, page)
}

pub(super) fn html_status(
    status: actix_web::http::StatusCode,
    page: impl Template,
) -> Result<HttpResponse, DeskError> {
    let body = page
        .render()
        .map_err(|e| DeskError::internal(format!("rendering a desk page: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

#[derive(Template)]
#[template(path = "desk/login.html")]
struct LoginPage {
    frame: Frame,
    csrf: String,
    username: String,
    error: Option<String>,
}

fn random_token() -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_page(
    req: &HttpRequest,
    status: actix_web::http::StatusCode,
    username: String,
    error: Option<String>,
) -> Result<HttpResponse, DeskError> {
    let csrf = random_token();
    let body = LoginPage {
        frame: Frame::bare("Đăng nhập"),
        csrf: csrf.clone(),
        username,
        error,
    }
    .render()
    .map_err(|e| DeskError::Op {
        code: crate::error_code::ErrorCode::InternalError,
        message: format!("rendering the sign-in page: {e}"),
    })?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .cookie(session::cookie(req, LOGIN_CSRF_COOKIE, csrf))
        .body(body))
}

pub async fn login_form(req: HttpRequest) -> Result<HttpResponse, DeskError> {
    login_page(&req, actix_web::http::StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, DeskError> {
    let form = form.into_inner();
    let expected = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_owned());
    if !expected.is_some_and(|e| !e.is_empty() && session::same(&form.csrf, &e)) {
        return Err(DeskError::Csrf);
    }
    let now = Utc::now();
    match officers::sign_in(state.cx.repo.as_ref(), &form.username, &form.password, now).await {
        Ok(signed_in) => {
            tracing::info!(officer_id = signed_in.officer.id, "officer signed in");
            Ok(HttpResponse::SeeOther()
                .insert_header((header::LOCATION, "/desk/"))
                .cookie(session::cookie(&req, SESSION_COOKIE, signed_in.token))
                .cookie(session::expired(&req, LOGIN_CSRF_COOKIE))
                .finish())
        }
        Err(SignInError::Wrong) => {
            tracing::info!("desk sign-in refused");
            login_page(
                &req,
                actix_web::http::StatusCode::UNAUTHORIZED,
                form.username,
                Some("Sai tên đăng nhập hoặc mật khẩu.".into()),
            )
        }
        Err(SignInError::Locked { until }) => {
            tracing::info!("desk sign-in refused: account locked");
            login_page(
                &req,
                actix_web::http::StatusCode::UNAUTHORIZED,
                form.username,
                Some(format!(
                    "Tài khoản tạm khóa vì đăng nhập sai nhiều lần. Hãy thử lại sau {}, hoặc nhờ quản trị đặt lại mật khẩu.",
                    vn_time(until)
                )),
            )
        }
        Err(SignInError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    desk: Desk,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, DeskError> {
    desk.check_csrf(&form.csrf)?;
    officers::sign_out(state.cx.repo.as_ref(), &desk.token).await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/desk/login"))
        .cookie(session::expired(&req, SESSION_COOKIE))
        .finish())
}

#[derive(Template)]
#[template(path = "desk/home.html")]
struct HomePage {
    frame: Frame,
}

pub async fn home(desk: Desk) -> Result<HttpResponse, DeskError> {
    html(HomePage {
        frame: Frame::of("Bàn tiếp nhận", &desk),
    })
}

#[derive(Deserialize)]
pub struct CitizenQuery {
    subject_id: String,
    #[serde(default)]
    dossier_code: String,
}

/// One paper of the list, as shown.
pub(super) struct Paper {
    pub id: String,
    pub kind: &'static str,
    pub number: String,
    pub issued_on: String,
    pub status: &'static str,
    pub reusable: bool,
    pub validity: String,
}

impl Paper {
    pub(super) fn of(r: &crate::ops::links::OwnRecord) -> Self {
        let validity = match (r.valid_today, r.valid_until) {
            (true, Some(d)) => format!("Còn hiệu lực đến {}", vn_date(d)),
            (true, None) => "Còn hiệu lực, không thời hạn".to_owned(),
            (false, Some(d)) => format!("Hết hiệu lực từ sau {}", vn_date(d)),
            (false, None) => "Chưa dùng lại được".to_owned(),
        };
        Paper {
            id: r.record.id.clone(),
            kind: r.record.kind.label_vi(),
            number: r
                .record
                .meta
                .document_number
                .clone()
                .unwrap_or_else(|| "—".into()),
            issued_on: r
                .record
                .meta
                .issued_on
                .map(vn_date)
                .unwrap_or_else(|| "—".into()),
            status: r.record.status.label_vi(),
            reusable: r.valid_today,
            validity,
        }
    }
}

#[derive(Template)]
#[template(path = "desk/citizen.html")]
struct CitizenPage {
    frame: Frame,
    subject_id: String,
    dossier_code: String,
    card: Option<CardHolder>,
    reusable: Vec<Paper>,
    others: Vec<Paper>,
}

pub async fn citizen(
    state: web::Data<AppState>,
    desk: Desk,
    query: web::Query<CitizenQuery>,
) -> Result<HttpResponse, DeskError> {
    let query = query.into_inner();
    citizen_page(&state, &desk, &query.subject_id, &query.dossier_code, None).await
}

/// The papers on file for `subject`, read as the officer (and so logged).
pub(super) async fn citizen_page(
    state: &AppState,
    desk: &Desk,
    subject: &str,
    dossier_code: &str,
    card: Option<CardHolder>,
) -> Result<HttpResponse, DeskError> {
    let dossier = Some(dossier_code.trim()).filter(|d| !d.is_empty());
    let actor = desk.officer.actor();
    let records = on_file(&state.cx, &actor, subject, dossier).await?;
    let (reusable, others): (Vec<Paper>, Vec<Paper>) =
        records.iter().map(Paper::of).partition(|p| p.reusable);
    html(CitizenPage {
        frame: Frame::of("Giấy tờ đã có", desk),
        subject_id: subject.trim().to_owned(),
        dossier_code: dossier.unwrap_or_default().to_owned(),
        card,
        reusable,
        others,
    })
}

struct OfficerRow {
    username: String,
    full_name: String,
    role: &'static str,
    created: String,
    disabled: bool,
}

#[derive(Template)]
#[template(path = "desk/officers.html")]
struct OfficersPage {
    frame: Frame,
    officers: Vec<OfficerRow>,
}

pub async fn officers(state: web::Data<AppState>, desk: Desk) -> Result<HttpResponse, DeskError> {
    let rows = officers::list(state.cx.repo.as_ref(), &desk.officer.actor())
        .await?
        .into_iter()
        .map(|o: Officer| OfficerRow {
            username: o.username.to_string(),
            full_name: o.full_name,
            role: role_vi(o.role),
            created: vn_time(o.created_at),
            disabled: o.disabled_at.is_some(),
        })
        .collect();
    html(OfficersPage {
        frame: Frame::of("Cán bộ", &desk),
        officers: rows,
    })
}
