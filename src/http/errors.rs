//! The one error type handlers return: an [`ErrorCode`] and a message a
//! counter officer can read, answered as `{code, message}` with the code's
//! status. Any operation's error converts into it through its code; for a
//! server error the cause goes to the log and the client gets a generic
//! message.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error_code::{Coded, ErrorCode};

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_subject_id`.
    #[schema(example = "invalid_subject_id")]
    pub code: ErrorCode,
    /// What went wrong and what to do, in plain language.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    message: String,
    /// Logged for server errors; never sent.
    cause: Option<String>,
}

/// Seconds a client is told to wait after `503 busy`.
pub const BUSY_RETRY_SECS: u32 = 2;

const INTERNAL_MESSAGE: &str = "something went wrong on the server; the request was not completed. Try again, and tell the administrator if it persists";

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        if code.is_server_error() {
            let public = match code {
                ErrorCode::DatabaseUnavailable => {
                    "the database is not reachable right now; nothing was saved. Try again in a moment".to_owned()
                }
                ErrorCode::StorageUnavailable => {
                    "the file store is not reachable right now; nothing was saved. Try again in a moment".to_owned()
                }
                ErrorCode::Busy => format!(
                    "the server is taking in as many uploads as it can right now; nothing was saved. Send it again in {BUSY_RETRY_SECS} s"
                ),
                _ => INTERNAL_MESSAGE.to_owned(),
            };
            return Self {
                code,
                message: public,
                cause: Some(message),
            };
        }
        Self {
            code,
            message,
            cause: None,
        }
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn internal(cause: impl ToString) -> Self {
        Self::new(ErrorCode::InternalError, cause.to_string())
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "a valid API key is required: send it as `Authorization: Bearer KEY`",
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code, message)
    }
}

impl<E: Coded> From<E> for ApiError {
    fn from(e: E) -> Self {
        Self::new(e.code(), e.to_string())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        match &self.cause {
            Some(cause) if self.code == ErrorCode::Busy => {
                tracing::warn!(cause = %cause, "upload turned away: busy");
            }
            Some(cause) => tracing::error!(code = %self.code, cause = %cause, "request failed"),
            None => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if self.code == ErrorCode::Busy {
            response.insert_header((
                actix_web::http::header::RETRY_AFTER,
                BUSY_RETRY_SECS.to_string(),
            ));
        }
        response.json(ErrorBody {
            code: self.code,
            message: self.message.clone(),
        })
    }
}

/// A multipart body that cannot be read.
pub fn multipart_error(e: actix_multipart::MultipartError) -> ApiError {
    use actix_multipart::MultipartError as M;
    match e {
        M::ContentTypeMissing | M::ContentTypeParse | M::ContentTypeIncompatible => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "send the upload as multipart/form-data, with a `meta` part (JSON) and one or more `page` parts",
        ),
        other => ApiError::new(
            ErrorCode::InvalidMultipart,
            format!("the upload could not be read as multipart/form-data: {other}"),
        ),
    }
}

/// JSON bodies that fail to parse answer in the same shape as every other error.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidJson,
        format!("the request body is not valid JSON for this endpoint: {err}"),
    )
    .into()
}

/// Query strings that fail to parse, likewise.
/// A path whose parts are not of their type (a page number that is not a
/// number) names nothing there is.
pub fn path_error_handler(
    _err: actix_web::error::PathError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::not_found("resource").into()
}

pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::new(
        ErrorCode::InvalidQuery,
        format!("the query string is not valid for this endpoint: {err}"),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_keeps_its_cause_out_of_the_answer() {
        let e = ApiError::internal("disk full at /var/lib/sohoa");
        assert_eq!(e.status_code(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message().contains("disk full"));
        let down = ApiError::new(ErrorCode::StorageUnavailable, "connection refused");
        assert_eq!(down.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(down.message().contains("file store"));
        assert!(!down.message().contains("refused"));
    }

    #[test]
    fn a_client_error_says_what_went_wrong() {
        let e = ApiError::new(ErrorCode::BlankScan, "every page is blank");
        assert_eq!(e.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.message(), "every page is blank");
    }
}
