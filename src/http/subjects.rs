//! `/v1/subjects/{subject_id}`: what is on file for one owner.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::READ_ROLES;
use super::views::{RecordList, RecordView};
use crate::domain::{DocumentKind, Role, SubjectId};
use crate::storage::db::{AccessEntry, RecordQuery};

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only records of this kind.
    kind: Option<String>,
    /// Only records older than this record id (from `next_before`).
    before: Option<String>,
    /// Most records to return (default 50, at most 500).
    limit: Option<u32>,
    /// The dossier this read is for (or header `X-Purpose`); required for `reader` keys.
    #[allow(dead_code)] // read by access::purpose from the query string
    purpose: Option<String>,
}

/// List an owner's records, newest first. Pages are listed without their text.
#[utoipa::path(
    get, path = "/v1/subjects/{subject_id}/records", tag = "subjects",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code"), ListParams),
    responses(
        (status = 200, body = RecordList),
        (status = 400, description = "invalid_subject_id, unknown_kind, purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list_records(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let subject = SubjectId::parse(&path.into_inner())
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
    let purpose = access::purpose(&req, &caller)?;
    let params = params.into_inner();
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(k.parse::<DocumentKind>().map_err(|_| {
            ApiError::bad_request(
                "unknown_kind",
                format!(
                    "unknown document kind {k:?}; use one of: {}",
                    DocumentKind::codes()
                ),
            )
        })?),
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let query = RecordQuery {
        kind,
        before: params.before,
        limit,
    };
    access::log_read(
        &state,
        &caller,
        subject.as_str(),
        None,
        purpose.as_deref(),
        Action::ListRecords,
    )
    .await?;
    let records = state.repo.subject_records(&subject, &query).await?;
    let next_before = (records.len() as u32 == limit)
        .then(|| records.last().map(|r| r.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(RecordList {
        records: records.into_iter().map(RecordView::from).collect(),
        next_before,
    }))
}

/// Roles that read access logs.
pub const AUDIT_ROLES: &[Role] = &[Role::Auditor, Role::Admin];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogParams {
    /// Most entries to return, newest first (default 100, at most 1000).
    limit: Option<u32>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccessLogView {
    /// Newest first. Each entry carries the previous entry's hash (`prev_hash`)
    /// and its own (`hash`): the chain `sohoa audit verify` checks.
    pub entries: Vec<AccessEntry>,
}

/// Every read of an owner's papers: who, when, for which dossier, what.
#[utoipa::path(
    get, path = "/v1/subjects/{subject_id}/access-log", tag = "subjects",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code"), AccessLogParams),
    responses(
        (status = 200, body = AccessLogView),
        (status = 400, description = "invalid_subject_id", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<AccessLogParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(AUDIT_ROLES)?;
    let subject = SubjectId::parse(&path.into_inner())
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
    let limit = params.limit.unwrap_or(100).clamp(1, 1000);
    let entries = state
        .repo
        .subject_access_log(subject.as_str(), limit)
        .await?;
    Ok(HttpResponse::Ok().json(AccessLogView { entries }))
}
