//! The officers' desk: server-rendered pages in Vietnamese at `/desk/`,
//! from askama templates (`templates/desk/`), one stylesheet served by sohoa
//! itself, and one small script that checks an ID number as it is typed
//! (nothing depends on it). Each page calls the same operations as the API
//! (`crate::ops`), acting as the signed-in officer (`officer:USERNAME` in the
//! ledger), and shows an operation's error by its code in Vietnamese.
//!
//! - `session`: the session cookie, the extractor of the signed-in
//!   officer, CSRF tokens;
//! - `pages`: sign-in and sign-out, the start page, a citizen's papers on
//!   file, the officers' list (admin);
//! - `card`: starting with a citizen from the QR code of their CCCD card;
//! - `scan`: scanning a paper, with each page's verdict;
//! - `review`: the review queue, the review page, confirm (sign) or reject;
//! - `records`: a record with its pages, PDF, certificate and readers;
//!   revoke or supersede; a citizen's access log;
//! - `find`: search; `receipt`: the receipt with the citizen's link.

mod card;
mod find;
mod pages;
mod receipt;
mod records;
mod review;
mod scan;
pub mod session;

/// A form, query or path the desk cannot read.
const BAD_FORM: &str = "Biểu mẫu thiếu thông tin hoặc có thông tin sai dạng; chưa có gì thay đổi. Hãy tải lại trang và làm lại.";

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError, web};
use askama::Template;

use crate::error_code::{Coded, ErrorCode};

/// The desk's routes, under `/desk`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/desk")
            .wrap(
                actix_web::middleware::DefaultHeaders::new()
                    .add((
                        header::CONTENT_SECURITY_POLICY,
                        "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
                    ))
                    .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .add((header::REFERRER_POLICY, "no-referrer"))
                    .add((header::CACHE_CONTROL, "no-store")),
            )
            .route("/desk.css", web::get().to(stylesheet))
            .route("/desk.js", web::get().to(script))
            .route("/login", web::get().to(pages::login_form))
            .route("/login", web::post().to(pages::login))
            .route("/logout", web::post().to(pages::logout))
            .app_data(web::FormConfig::default().error_handler(|_, _| {
                DeskError::Message(BAD_FORM).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|_, _| {
                DeskError::Message(BAD_FORM).into()
            }))
            .app_data(
                web::PathConfig::default()
                    .error_handler(|_, _| DeskError::Message(BAD_FORM).into()),
            )
            .route("/", web::get().to(pages::home))
            .route("/citizen", web::get().to(pages::citizen))
            .route("/card", web::post().to(card::card))
            .route("/scan", web::get().to(scan::form))
            .route("/scan", web::post().to(scan::scan))
            .route("/review", web::get().to(review::queue))
            .route("/records/{id}", web::get().to(records::record))
            .route("/records/{id}/review", web::get().to(review::page))
            .route("/records/{id}/review", web::post().to(review::decide))
            .route("/records/{id}/pages/{n}/image", web::get().to(review::image))
            .route("/records/{id}/pdf", web::get().to(records::pdf))
            .route("/records/{id}/certificate", web::get().to(records::certificate))
            .route("/withdraw", web::get().to(records::withdraw_form))
            .route("/withdraw", web::post().to(records::withdraw))
            .route("/search", web::get().to(find::find))
            .route("/access", web::get().to(records::access_log))
            .route("/receipt", web::post().to(receipt::receipt))
            .route("/officers", web::get().to(pages::officers)),
    )
    .route(
        "/desk",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header((header::LOCATION, "/desk/"))
                .finish()
        }),
    );
}

const STYLESHEET: &str = include_str!("../../templates/desk/desk.css");

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// The desk's script, with the province codes of `domain::subject`.
static SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let codes: Vec<String> = crate::domain::subject::PROVINCE_CODES
        .iter()
        .map(u16::to_string)
        .collect();
    include_str!("../../templates/desk/desk.js").replace("/*PROVINCES*/", &codes.join(","))
});

async fn script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(SCRIPT.as_str())
}

/// What a desk page can end in besides the page itself.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No live session: to the sign-in page.
    #[error("not signed in")]
    SignIn,
    /// A form without this session's CSRF token.
    #[error("form without a valid CSRF token")]
    Csrf,
    /// An operation's refusal, by its code.
    #[error("{message}")]
    Op { code: ErrorCode, message: String },
    /// A refusal of the desk's own, said in Vietnamese (400).
    #[error("{0}")]
    Message(&'static str),
}

impl DeskError {
    pub fn internal(message: impl Into<String>) -> Self {
        DeskError::Op {
            code: ErrorCode::InternalError,
            message: message.into(),
        }
    }
}

impl From<crate::http::errors::ApiError> for DeskError {
    fn from(e: crate::http::errors::ApiError) -> Self {
        DeskError::Op {
            code: e.code(),
            message: e.message().to_owned(),
        }
    }
}

impl<E: Coded + std::fmt::Display> From<E> for DeskError {
    fn from(e: E) -> Self {
        DeskError::Op {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

/// An error code, as an officer is told it.
pub fn vietnamese(code: ErrorCode) -> &'static str {
    use ErrorCode::*;
    match code {
        InvalidSubjectId => {
            "Số định danh không hợp lệ: cần đủ 12 chữ số (mã tỉnh, mã thế kỷ và giới tính, năm sinh, 6 số cuối) hoặc mã số thuế của tổ chức. Kiểm tra lại từng chữ số."
        }
        UnknownKind => "Loại giấy tờ này chưa có trong danh mục.",
        MissingPages => "Chưa chọn trang nào: hãy đính kèm ảnh chụp hoặc bản quét giấy tờ.",
        InvalidPurpose | PurposeRequired => {
            "Mã hồ sơ không hợp lệ: mã hồ sơ có dạng 000.00.00.H00-261123-0001."
        }
        InvalidQuery => {
            "Nội dung tìm kiếm không hợp lệ: gõ từ 1 đến 200 ký tự, dấu ngoặc kép phải có đủ cặp."
        }
        InvalidMeta => {
            "Thông tin kèm theo giấy tờ chưa hợp lệ (mã hồ sơ, ngày tháng hoặc độ dài): hãy kiểm tra và gửi lại."
        }
        MissingMeta | UnexpectedPart | InvalidMultipart => {
            "Biểu mẫu gửi lên không đúng dạng; chưa có gì thay đổi. Hãy tải lại trang và làm lại."
        }
        MixedUpload => "Bản PDF điện tử phải gửi riêng: mỗi bản PDF là một giấy tờ.",
        InvalidReview => "Thông tin đối chiếu chưa hợp lệ: hãy kiểm tra lại từng ô.",
        InvalidReason => "Hãy ghi lý do bằng lời (tối đa 2000 ký tự).",
        InvalidSupersededBy => {
            "Mã giấy tờ thay thế không đúng: phải là kết quả đã ký xác nhận, cùng loại, cùng chủ giấy tờ."
        }
        Forbidden => "Tài khoản của bạn không có quyền làm việc này.",
        Unauthorized => "Phiên làm việc đã hết. Hãy đăng nhập lại.",
        NotFound | LinkNotFound => "Không tìm thấy giấy tờ hoặc trang này.",
        InvalidTransition => "Giấy tờ đang ở trạng thái không cho phép việc này.",
        RenditionNotReady => {
            "Bản PDF chưa sẵn sàng: giấy tờ đang được xử lý, hãy thử lại sau ít giây."
        }
        ImageTooLarge | UploadTooLarge | FileTooLarge => {
            "Tệp quá lớn. Hãy quét ở 300 dpi hoặc chụp lại với kích thước nhỏ hơn."
        }
        TooManyFiles | TooManyPages => "Quá nhiều trang trong một lần gửi. Hãy tách giấy tờ ra.",
        UnsupportedMediaType | UnreadableImage => {
            "Không đọc được tệp ảnh. Hãy chụp hoặc quét lại, lưu dạng JPEG, PNG, TIFF hoặc PDF."
        }
        ResolutionTooLow => {
            "Ảnh quá mờ hoặc độ phân giải thấp. Hãy quét lại ở 300 dpi hoặc chụp lại gần hơn, đủ sáng."
        }
        BlankScan => "Trang quét trống. Hãy kiểm tra mặt giấy và quét lại.",
        RateLimited | Busy => "Hệ thống đang bận. Hãy thử lại sau ít giây.",
        DatabaseUnavailable | StorageUnavailable | InternalError => {
            "Hệ thống đang gặp sự cố; chưa có gì thay đổi. Hãy thử lại, nếu vẫn lỗi hãy báo quản trị."
        }
        _ => "Yêu cầu không thực hiện được.",
    }
}

#[derive(Template)]
#[template(path = "desk/error.html")]
struct ErrorPage<'a> {
    frame: pages::Frame,
    message: &'a str,
    code: &'a str,
}

impl ResponseError for DeskError {
    fn status_code(&self) -> StatusCode {
        match self {
            DeskError::SignIn => StatusCode::SEE_OTHER,
            DeskError::Csrf => StatusCode::FORBIDDEN,
            DeskError::Message(_) => StatusCode::BAD_REQUEST,
            DeskError::Op { code, .. } => StatusCode::from_u16(code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (message, code) = match self {
            DeskError::SignIn => {
                return HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, "/desk/login"))
                    .finish();
            }
            DeskError::Csrf => (
                "Biểu mẫu đã hết hạn hoặc không hợp lệ; chưa có gì thay đổi. Hãy tải lại trang và làm lại.",
                "csrf",
            ),
            DeskError::Message(message) => (*message, "invalid_request"),
            DeskError::Op { code, message } => {
                if code.is_server_error() {
                    tracing::error!(code = code.as_str(), error = %message, "desk page failed");
                }
                (vietnamese(*code), code.as_str())
            }
        };
        let body = ErrorPage {
            frame: pages::Frame::bare("Không thực hiện được"),
            message,
            code,
        }
        .render()
        .unwrap_or_else(|_| message.to_owned());
        HttpResponse::build(self.status_code())
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ))
            .body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_code_has_a_vietnamese_message() {
        for code in ErrorCode::ALL {
            assert!(!vietnamese(code).is_empty(), "{code:?}");
        }
        assert!(vietnamese(ErrorCode::BlankScan).contains("quét lại"));
    }
}
