//! `/v1/subjects/{subject_id}`: what is on file for one owner.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::READ_ROLES;
use super::views::{RecordList, RecordView};
use crate::domain::{DocumentKind, SubjectId};
use crate::storage::db::RecordQuery;

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
}

/// List an owner's records, newest first. Pages are listed without their text.
#[utoipa::path(
    get, path = "/v1/subjects/{subject_id}/records", tag = "subjects",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code"), ListParams),
    responses(
        (status = 200, body = RecordList),
        (status = 400, description = "invalid_subject_id, unknown_kind", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn list_records(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let subject = SubjectId::parse(&path.into_inner())
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
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
    let records = state.repo.subject_records(&subject, &query).await?;
    let next_before = (records.len() as u32 == limit)
        .then(|| records.last().map(|r| r.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(RecordList {
        records: records.into_iter().map(RecordView::from).collect(),
        next_before,
    }))
}
