//! Checking a digitisation result, for anyone: `GET /v1/signing-keys` (the
//! JWKS) and `POST /v1/verify`. Neither needs an API key. Verification is
//! rate-limited per client address and answers nothing personal: no owner ID,
//! no name, no text; only what the holder of the file can already see.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bytes::BytesMut;
use futures_util::TryStreamExt;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde::Deserialize;

use super::AppState;
use super::errors::{ApiError, ErrorBody, multipart_error};
use crate::domain::Sha256Digest;
use crate::error_code::ErrorCode;
use crate::ops::verify::{self as verification, VerifyAnswer};

/// Per-address limiter of `POST /v1/verify`.
pub struct VerifyLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl VerifyLimiter {
    /// Allows `per_minute` requests a minute per address, in a burst or spread out.
    pub fn new(per_minute: u32) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(quota),
        }
    }

    /// `Err(seconds to wait)` when `addr` is over its quota.
    fn check(&self, addr: IpAddr) -> Result<(), u64> {
        // Forget addresses that have been quiet long enough, so the table stays small.
        if self.limiter.len() > 10_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&addr).map_err(|not_until| {
            not_until
                .wait_time_from(DefaultClock::default().now())
                .as_secs()
                .max(1)
        })
    }
}

/// The public keys that sign digitisation certificates, as a JWKS (RFC 7517).
/// Every key ever used is listed, so certificates signed before a rotation
/// still verify.
#[utoipa::path(
    tag = "verification",
    responses(
        (status = 200, description = "JWKS: `{\"keys\": [{\"kty\": \"OKP\", \"crv\": \"Ed25519\", \"x\", \"kid\", \"alg\": \"EdDSA\", \"use\": \"sig\"}]}`", content_type = "application/jwk-set+json", body = Object),
        (status = 503, description = "database_unavailable", body = ErrorBody),
    )
)]
#[get("/signing-keys")]
pub async fn signing_keys(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = state.cx.repo.signing_keys().await?;
    Ok(HttpResponse::Ok()
        .content_type("application/jwk-set+json")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(crate::signing::jwks(&keys)))
}

/// JSON body of `POST /v1/verify`, when sending a hash rather than the file.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBySha256 {
    /// SHA-256 of the file, 64 hex characters.
    pub sha256: String,
}

/// Multipart body of `POST /v1/verify`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VerifyForm {
    /// A page image as scanned, or the searchable PDF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Check a file against the records.
///
/// Send the file as the multipart part `file` (a page image as scanned, or
/// the searchable PDF), or JSON `{"sha256": "…"}`. The answer says whether it
/// is a record's page or PDF and, if so, the record's kind, issuing agency,
/// status, whether it is valid today, and whether the agency's signature
/// verifies. A changed or unknown file answers `{"match": false}`. No key is
/// needed; requests are limited per client address.
#[utoipa::path(
    tag = "verification",
    request_body(content(
        (VerifyForm = "multipart/form-data"),
        (VerifyBySha256 = "application/json"),
    )),
    responses(
        (status = 200, body = VerifyAnswer),
        (status = 400, description = "invalid_sha256, missing_file, unexpected_part, invalid_multipart, invalid_json", body = ErrorBody),
        (status = 413, description = "file_too_large", body = ErrorBody),
        (status = 429, description = "rate_limited: too many checks from this address; see Retry-After", body = ErrorBody),
    )
)]
#[post("/verify")]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    if let Some(addr) = req.peer_addr().map(|a| a.ip())
        && let Err(wait) = state.verify_limiter.check(addr)
    {
        return Ok(HttpResponse::TooManyRequests()
            .insert_header((header::RETRY_AFTER, wait.to_string()))
            .json(ErrorBody {
                code: ErrorCode::RateLimited,
                message: format!("too many checks from this address; try again in {wait} s"),
            }));
    }
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let digest = if is_multipart {
        digest_of_file_part(&state, &req, payload).await?
    } else {
        digest_of_json(payload).await?
    };
    let verdict = verification::verify(state.cx.repo.as_ref(), &digest).await?;
    tracing::info!(matched = verdict.is_some(), "file verified");
    Ok(HttpResponse::Ok().json(VerifyAnswer::from(verdict)))
}

async fn digest_of_file_part(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Sha256Digest, ApiError> {
    use sha2::Digest;
    let limit = state.settings.max_upload_bytes;
    let mut form = actix_multipart::Multipart::new(req.headers(), payload);
    let mut found = None;
    while let Some(mut field) = form.try_next().await.map_err(multipart_error)? {
        if field.name() != Some("file") || found.is_some() {
            return Err(ApiError::bad_request(
                ErrorCode::UnexpectedPart,
                "send exactly one part named `file`",
            ));
        }
        let mut hasher = sha2::Sha256::new();
        let mut size: u64 = 0;
        while let Some(chunk) = field.try_next().await.map_err(multipart_error)? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(ApiError::new(
                    ErrorCode::FileTooLarge,
                    format!("the file is larger than {} MB", limit / 1_000_000),
                ));
            }
            hasher.update(&chunk);
        }
        found = Some(Sha256Digest::from_hasher(hasher));
    }
    found.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::MissingFile, "attach the file as the part `file`")
    })
}

async fn digest_of_json(mut payload: web::Payload) -> Result<Sha256Digest, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.try_next().await.map_err(|e| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("the body could not be read: {e}"),
        )
    })? {
        if body.len() + chunk.len() > 4096 {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidJson,
                "send {\"sha256\": \"…\"} or the file as multipart part `file`",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let request: VerifyBySha256 = serde_json::from_slice(&body).map_err(|e| {
        ApiError::bad_request(
            ErrorCode::InvalidJson,
            format!("send {{\"sha256\": \"…\"}} or the file as multipart part `file`: {e}"),
        )
    })?;
    let text = request.sha256.trim();
    if text.len() != 64 {
        return Err(invalid_sha256());
    }
    Sha256Digest::parse(text).ok_or_else(invalid_sha256)
}

fn invalid_sha256() -> ApiError {
    ApiError::bad_request(
        ErrorCode::InvalidSha256,
        "sha256 must be 64 hexadecimal characters, the SHA-256 of the file",
    )
}
