//! Citizens read their own records and who looked at them: a counter issues
//! a link (`POST /v1/subjects/{subject_id}/citizen-links`), printable as a QR
//! code; opening it (`GET /c/{token}`) shows the owner's records and the
//! access ledger's entries for them, in Vietnamese as a page, or as JSON
//! (`?format=json` or `Accept: application/json`). The rules are in
//! [`crate::ops::links`]; the page is drawn in `citizen_page`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::{AppState, citizen_page};
use crate::domain::link::CitizenLink;
use crate::domain::{DocumentKind, RecordStatus};
use crate::ops::links::{self, CitizenView};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// Days the link works (default 30, at most 366).
    #[schema(minimum = 1, maximum = 366)]
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

impl LinkView {
    fn new(link: CitizenLink, url: Option<String>) -> Self {
        let qr_svg = url.as_deref().and_then(qr_svg);
        Self {
            id: link.id,
            subject_id: link.subject_id.to_string(),
            url,
            qr_svg,
            expires_at: link.expires_at,
            revoked_at: link.revoked_at,
        }
    }
}

/// A printable QR code of `text`, as SVG.
pub fn qr_svg(text: &str) -> Option<String> {
    qrcode::QrCode::new(text.as_bytes()).ok().map(|code| {
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build()
    })
}

/// Where citizens reach this service: `SOHOA_PUBLIC_URL`, else the address
/// the request came to.
pub fn base_url(state: &AppState, req: &HttpRequest) -> String {
    if !state.settings.public_url.is_empty() {
        return state.settings.public_url.trim_end_matches('/').to_owned();
    }
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// Issue a link for a citizen to read their own records and access log.
#[utoipa::path(
    tag = "citizens",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code")),
    request_body = NewLink,
    responses(
        (status = 201, body = LinkView),
        (status = 400, description = "invalid_subject_id, invalid_json (not the object documented, or valid_days out of range)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/subjects/{subject_id}/citizen-links")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // No body is the defaults; a body must be the JSON object documented.
    let days = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<NewLink>(&body)
            .map_err(|e| {
                ApiError::new(
                    crate::error_code::ErrorCode::InvalidJson,
                    format!("the body must be {{\"valid_days\": N}} or nothing: {e}"),
                )
            })?
            .valid_days
    };
    let issued = links::create(&state.cx, &caller.0, &path.into_inner(), days).await?;
    let url = format!("{}/c/{}", base_url(&state, &req), issued.token);
    Ok(HttpResponse::Created().json(LinkView::new(issued.link, Some(url))))
}

/// Revoke a citizen link: it stops working at once.
#[utoipa::path(
    tag = "citizens",
    params(("id" = String, Path, description = "Link id")),
    responses(
        (status = 200, body = LinkView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found: no such live link", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/citizen-links/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let link = links::revoke(&state.cx, &caller.0, &path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(LinkView::new(link, None)))
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
    pub action: &'static str,
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
    /// The citizen's own chain in the access ledger; null before the first read.
    pub ledger: Option<CitizenLedger>,
}

/// The head of the citizen's chain, and the proof that a signed checkpoint
/// holds it: check the proof (RFC 9162 §2.1.3.2) against the checkpoint's
/// `root_hash`, and the checkpoint's JWS with `GET /v1/signing-keys`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CitizenLedger {
    /// Entries in the chain.
    pub chain_seq: i64,
    /// The hash of its last entry.
    pub head_hash: String,
    /// The last entry a signed checkpoint holds.
    pub checkpointed_seq: i64,
    /// Null until a checkpoint holds the chain.
    pub proof: Option<crate::ledger::checkpoint::InclusionProof>,
}

impl From<CitizenView> for CitizenPage {
    fn from(view: CitizenView) -> Self {
        Self {
            subject_id: view.link.subject_id.to_string(),
            records: view
                .records
                .into_iter()
                .map(|own| {
                    let r = own.record;
                    CitizenRecord {
                        kind_label: r.kind.label_vi(),
                        status_label: citizen_page::status_vi(r.status),
                        id: r.id,
                        kind: r.kind,
                        status: r.status,
                        document_number: r.meta.document_number,
                        issued_on: r.meta.issued_on,
                        valid_until: own.valid_until,
                        valid_today: own.valid_today,
                    }
                })
                .collect(),
            accesses: view
                .accesses
                .into_iter()
                .map(|e| CitizenAccess {
                    at: e.at,
                    by: e.key_name,
                    role: e.role,
                    purpose: e.purpose,
                    action: e.action.as_str(),
                    record_id: e.record_id,
                })
                .collect(),
            link_expires_at: view.link.expires_at,
            ledger: view.chain.map(|head| CitizenLedger {
                chain_seq: head.seq,
                head_hash: head.hash,
                checkpointed_seq: head.checkpointed_seq,
                proof: view.proof,
            }),
        }
    }
}

/// What a citizen link shows: the owner's records and who looked at them.
#[utoipa::path(
    tag = "citizens",
    params(
        ("token" = String, Path, description = "The token from the link"),
        ("format" = Option<String>, Query, description = "`json` for the JSON form; anything else, or none, for the page"),
    ),
    responses(
        (status = 200, description = "A page in Vietnamese (`text/html`), or JSON with `?format=json` or `Accept: application/json`", content((CitizenPage = "application/json"), (String = "text/html"))),
        (status = 404, description = "link_not_found: a page in Vietnamese, or JSON as above", content((ErrorBody = "application/json"), (String = "text/html"))),
        (status = 410, description = "link_expired, link_revoked: a page in Vietnamese, or JSON as above", content((ErrorBody = "application/json"), (String = "text/html"))),
    )
)]
#[get("/c/{token}")]
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
    let view = match links::open(&state.cx, &path.into_inner(), Utc::now()).await {
        Ok(view) => view,
        Err(
            e @ (links::LinkError::Unknown | links::LinkError::Revoked | links::LinkError::Expired),
        ) => {
            let error = ApiError::from(e);
            let status = actix_web::ResponseError::status_code(&error);
            return Ok(if wants_json {
                HttpResponse::build(status).json(ErrorBody {
                    code: error.code(),
                    message: error.message().to_owned(),
                })
            } else {
                HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .body(citizen_page::refusal(error.message()))
            });
        }
        Err(e) => return Err(e.into()),
    };
    let page = CitizenPage::from(view);
    let mut response = if wants_json {
        HttpResponse::Ok().json(&page)
    } else {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(citizen_page::render(&page))
    };
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

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_prints_as_a_qr_code() {
        let svg = super::qr_svg("https://sohoa.example/c/abc").unwrap();
        assert!(svg.contains("<svg"));
    }
}
