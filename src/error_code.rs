//! Every error code sohoa answers with, in one catalogue: its stable
//! snake_case name (what clients switch on) and its HTTP status. Each
//! layer's error type says which code it is (`code()`); the HTTP edge turns
//! the code into a status and `{code, message}`, and the desk shows the
//! message in Vietnamese. A code is never reused for another condition.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // 400: the request is malformed or names something invalid.
    InvalidSubjectId,
    UnknownKind,
    MissingPages,
    MissingMeta,
    InvalidMeta,
    UnexpectedPart,
    InvalidMultipart,
    InvalidQuery,
    InvalidJson,
    MixedUpload,
    InvalidProcedureCode,
    InvalidReview,
    InvalidSha256,
    MissingFile,
    PurposeRequired,
    InvalidPurpose,
    InvalidReason,
    InvalidSupersededBy,
    InvalidValidity,
    // 401, 403: who is asking.
    Unauthorized,
    Forbidden,
    // 404, 409, 410: the state of what is asked for.
    NotFound,
    /// The path exists, but not with this method (`Allow` says which).
    MethodNotAllowed,
    LinkNotFound,
    InvalidTransition,
    RenditionNotReady,
    LinkRevoked,
    LinkExpired,
    // 413, 415, 422: the files sent.
    /// A file, or a page's pixel count, past its limit.
    ImageTooLarge,
    /// The whole request past `max_upload_bytes`.
    UploadTooLarge,
    /// More files in one request than a record may hold.
    TooManyFiles,
    /// A file, or the record, with more pages than allowed.
    TooManyPages,
    /// A file sent to `/v1/verify` past the upload limit.
    FileTooLarge,
    UnsupportedMediaType,
    UnreadableImage,
    ResolutionTooLow,
    BlankScan,
    // 429, 5xx: the server's side.
    RateLimited,
    InternalError,
    DatabaseUnavailable,
    StorageUnavailable,
    /// Too many uploads in flight on this instance; see `Retry-After`.
    Busy,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 42] = [
        ErrorCode::InvalidSubjectId,
        ErrorCode::UnknownKind,
        ErrorCode::MissingPages,
        ErrorCode::MissingMeta,
        ErrorCode::InvalidMeta,
        ErrorCode::UnexpectedPart,
        ErrorCode::InvalidMultipart,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidJson,
        ErrorCode::MixedUpload,
        ErrorCode::InvalidProcedureCode,
        ErrorCode::InvalidReview,
        ErrorCode::InvalidSha256,
        ErrorCode::MissingFile,
        ErrorCode::PurposeRequired,
        ErrorCode::InvalidPurpose,
        ErrorCode::InvalidReason,
        ErrorCode::InvalidSupersededBy,
        ErrorCode::InvalidValidity,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::LinkNotFound,
        ErrorCode::InvalidTransition,
        ErrorCode::RenditionNotReady,
        ErrorCode::LinkRevoked,
        ErrorCode::LinkExpired,
        ErrorCode::ImageTooLarge,
        ErrorCode::UploadTooLarge,
        ErrorCode::TooManyFiles,
        ErrorCode::TooManyPages,
        ErrorCode::FileTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::UnreadableImage,
        ErrorCode::ResolutionTooLow,
        ErrorCode::BlankScan,
        ErrorCode::RateLimited,
        ErrorCode::InternalError,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::StorageUnavailable,
        ErrorCode::Busy,
    ];

    /// The stable name clients switch on.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidSubjectId => "invalid_subject_id",
            UnknownKind => "unknown_kind",
            MissingPages => "missing_pages",
            MissingMeta => "missing_meta",
            InvalidMeta => "invalid_meta",
            UnexpectedPart => "unexpected_part",
            InvalidMultipart => "invalid_multipart",
            InvalidQuery => "invalid_query",
            InvalidJson => "invalid_json",
            MixedUpload => "mixed_upload",
            InvalidProcedureCode => "invalid_procedure_code",
            InvalidReview => "invalid_review",
            InvalidSha256 => "invalid_sha256",
            MissingFile => "missing_file",
            PurposeRequired => "purpose_required",
            InvalidPurpose => "invalid_purpose",
            InvalidReason => "invalid_reason",
            InvalidSupersededBy => "invalid_superseded_by",
            InvalidValidity => "invalid_validity",
            Unauthorized => "unauthorized",
            Forbidden => "forbidden",
            NotFound => "not_found",
            MethodNotAllowed => "method_not_allowed",
            LinkNotFound => "link_not_found",
            InvalidTransition => "invalid_transition",
            RenditionNotReady => "rendition_not_ready",
            LinkRevoked => "link_revoked",
            LinkExpired => "link_expired",
            ImageTooLarge => "image_too_large",
            UploadTooLarge => "upload_too_large",
            TooManyFiles => "too_many_files",
            TooManyPages => "too_many_pages",
            FileTooLarge => "file_too_large",
            UnsupportedMediaType => "unsupported_media_type",
            UnreadableImage => "unreadable_image",
            ResolutionTooLow => "resolution_too_low",
            BlankScan => "blank_scan",
            RateLimited => "rate_limited",
            InternalError => "internal_error",
            DatabaseUnavailable => "database_unavailable",
            StorageUnavailable => "storage_unavailable",
            Busy => "busy",
        }
    }

    /// The HTTP status the code is answered with.
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidSubjectId | UnknownKind | MissingPages | MissingMeta | InvalidMeta
            | UnexpectedPart | InvalidMultipart | InvalidQuery | InvalidJson | MixedUpload
            | InvalidProcedureCode | InvalidReview | InvalidSha256 | MissingFile
            | PurposeRequired | InvalidPurpose | InvalidReason | InvalidSupersededBy
            | InvalidValidity => 400,
            Unauthorized => 401,
            Forbidden => 403,
            NotFound | LinkNotFound => 404,
            MethodNotAllowed => 405,
            InvalidTransition | RenditionNotReady => 409,
            LinkRevoked | LinkExpired => 410,
            ImageTooLarge | UploadTooLarge | TooManyFiles | TooManyPages | FileTooLarge => 413,
            UnsupportedMediaType => 415,
            UnreadableImage | ResolutionTooLow | BlankScan => 422,
            RateLimited => 429,
            InternalError => 500,
            DatabaseUnavailable | StorageUnavailable | Busy => 503,
        }
    }

    /// Whether the fault is the server's: its cause is logged, never sent.
    pub fn is_server_error(self) -> bool {
        self.http_status() >= 500
    }
}

/// An error that knows its code. Its `Display` is the message a person
/// reads; for server errors ([`ErrorCode::is_server_error`]) it is the cause,
/// which is logged and replaced by a generic message.
pub trait Coded: std::error::Error {
    fn code(&self) -> ErrorCode;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_distinct_snake_case_name_that_serde_agrees_with() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
            assert_eq!(serde_json::to_value(code).unwrap(), name);
        }
    }

    #[test]
    fn codes_map_to_the_documented_statuses() {
        let expected = [
            (ErrorCode::InvalidSubjectId, 400),
            (ErrorCode::PurposeRequired, 400),
            (ErrorCode::Unauthorized, 401),
            (ErrorCode::Forbidden, 403),
            (ErrorCode::NotFound, 404),
            (ErrorCode::LinkNotFound, 404),
            (ErrorCode::MethodNotAllowed, 405),
            (ErrorCode::InvalidTransition, 409),
            (ErrorCode::RenditionNotReady, 409),
            (ErrorCode::LinkExpired, 410),
            (ErrorCode::ImageTooLarge, 413),
            (ErrorCode::UploadTooLarge, 413),
            (ErrorCode::TooManyFiles, 413),
            (ErrorCode::UnsupportedMediaType, 415),
            (ErrorCode::UnreadableImage, 422),
            (ErrorCode::BlankScan, 422),
            (ErrorCode::RateLimited, 429),
            (ErrorCode::InternalError, 500),
            (ErrorCode::StorageUnavailable, 503),
            (ErrorCode::Busy, 503),
        ];
        for (code, status) in expected {
            assert_eq!(code.http_status(), status, "{code}");
        }
        for code in ErrorCode::ALL {
            assert!(
                [
                    400, 401, 403, 404, 405, 409, 410, 413, 415, 422, 429, 500, 503
                ]
                .contains(&code.http_status()),
                "{code}"
            );
            assert_eq!(code.is_server_error(), code.http_status() >= 500);
        }
    }
}
