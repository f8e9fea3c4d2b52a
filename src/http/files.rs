//! Serving stored files: every byte served can be checked against its
//! SHA-256, which is the `ETag` and `X-Content-SHA256`.

use actix_web::http::header::{self, ContentType, EntityTag};
use actix_web::{HttpRequest, HttpResponse};

use crate::domain::Sha256Digest;

/// 304 when the request's `If-None-Match` already names this file's digest.
pub(super) fn not_modified(req: &HttpRequest, digest: &Sha256Digest) -> Option<HttpResponse> {
    let hex = digest.to_hex();
    matches_etag(req, &hex).then(|| {
        HttpResponse::NotModified()
            .insert_header(header::ETag(EntityTag::new_strong(hex)))
            .finish()
    })
}

/// The headers of a stored file: its SHA-256 as `ETag` and `X-Content-SHA256`
/// (so every byte served can be checked), never cached by shared caches.
pub(super) fn file_response(
    digest: &Sha256Digest,
    content_type: ContentType,
) -> actix_web::HttpResponseBuilder {
    let hex = digest.to_hex();
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header(content_type)
        .insert_header(header::ETag(EntityTag::new_strong(hex.clone())))
        .insert_header(("X-Content-SHA256", hex))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    builder
}

/// Whether the request's `If-None-Match` names this SHA-256 (hex) ETag.
fn matches_etag(req: &HttpRequest, hex: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_matches('"') == hex))
}
