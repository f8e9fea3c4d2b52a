//! The one error type handlers return. Each error has a stable snake_case
//! `code` clients can switch on and a `message` a counter officer can read.
//! Causes go to the log (server errors only), never to the client.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::intake::IntakeError;
use crate::intake::decode::DecodeError;
use crate::storage::blobs::BlobError;
use crate::storage::db::DbError;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `invalid_subject_id`.
    #[schema(example = "invalid_subject_id")]
    pub code: &'static str,
    /// What went wrong and what to do, in plain language.
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Logged for 5xx answers; never sent.
    cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            cause: None,
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn internal(cause: impl ToString) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "something went wrong on the server; the request was not completed. Try again, and tell the administrator if it persists".into(),
            cause: Some(cause.to_string()),
        }
    }

    fn unavailable(code: &'static str, what: &str, cause: impl ToString) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code,
            message: format!(
                "the {what} is not reachable right now; nothing was saved. Try again in a moment"
            ),
            cause: Some(cause.to_string()),
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API key is required: send it as `Authorization: Bearer KEY`",
        )
    }

    pub fn forbidden(allowed: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("this API key's role may not do this; it needs one of: {allowed}"),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "image_too_large", message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code, cause = %cause, "request failed");
        }
        HttpResponse::build(self.status).json(ErrorBody {
            code: self.code,
            message: self.message.clone(),
        })
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(_) => Self::unavailable("database_unavailable", "database", e),
            other => Self::internal(other),
        }
    }
}

impl From<BlobError> for ApiError {
    fn from(e: BlobError) -> Self {
        match e {
            BlobError::Unavailable(_) => Self::unavailable("storage_unavailable", "file store", e),
            other => Self::internal(other),
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(e: IntakeError) -> Self {
        let message = e.to_string();
        match e {
            IntakeError::InvalidSubject(_) => Self::bad_request("invalid_subject_id", message),
            IntakeError::UnknownKind(_) => Self::bad_request("unknown_kind", message),
            IntakeError::InvalidMeta(_) => Self::bad_request("invalid_meta", message),
            IntakeError::MissingPages => Self::bad_request("missing_pages", message),
            IntakeError::BornDigitalNotAlone(_) => Self::bad_request("mixed_upload", message),
            IntakeError::TooManyPages(_) => Self::too_large(message),
            IntakeError::ResolutionTooLow { .. } => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "resolution_too_low",
                message,
            ),
            IntakeError::BlankScan => {
                Self::new(StatusCode::UNPROCESSABLE_ENTITY, "blank_scan", message)
            }
            IntakeError::Decode { source, .. } => match source {
                DecodeError::UnknownType | DecodeError::Unsupported(_) => Self::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    message,
                ),
                DecodeError::Unreadable(_) => Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unreadable_image",
                    message,
                ),
                DecodeError::TooLarge { .. } | DecodeError::TooManyPages(_) => {
                    Self::too_large(message)
                }
            },
            IntakeError::Blob(b) => b.into(),
            IntakeError::Db(d) => d.into(),
            IntakeError::Internal(_) => Self::internal(message),
        }
    }
}

impl From<actix_multipart::MultipartError> for ApiError {
    fn from(e: actix_multipart::MultipartError) -> Self {
        use actix_multipart::MultipartError as M;
        match e {
            M::ContentTypeMissing | M::ContentTypeParse | M::ContentTypeIncompatible => Self::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the upload as multipart/form-data, with a `meta` part (JSON) and one or more `page` parts",
            ),
            other => Self::bad_request(
                "invalid_multipart",
                format!("the upload could not be read as multipart/form-data: {other}"),
            ),
        }
    }
}

/// JSON bodies that fail to parse answer in the same shape as every other error.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_json",
        format!("the request body is not valid JSON for this endpoint: {err}"),
    )
    .into()
}

/// Query strings that fail to parse, likewise.
pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(
        "invalid_query",
        format!("the query string is not valid for this endpoint: {err}"),
    )
    .into()
}
