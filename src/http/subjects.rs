//! `/v1/subjects/{subject_id}`: what is on file for one owner, and who read it.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::{AccessEntryView, RecordList, RecordView};
use super::{AppState, check_limit, purpose_of};
use crate::ops::access;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only records of this kind.
    kind: Option<String>,
    /// Only records older than this record id (from `next_before`).
    before: Option<String>,
    /// Most records to return (default 50, at most 500).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
    /// The dossier this read is for (or header `X-Purpose`); required for `reader` keys.
    #[allow(dead_code)] // read by purpose_of from the query string
    purpose: Option<String>,
}

/// List an owner's records, newest first. Pages are listed without their text.
#[utoipa::path(
    tag = "subjects",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code"), ListParams),
    responses(
        (status = 200, body = RecordList),
        (status = 400, description = "invalid_subject_id, unknown_kind, purpose_required (reader keys), invalid_purpose, invalid_query (limit out of range)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/subjects/{subject_id}/records")]
pub async fn list_records(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    check_limit(params.limit, access::MAX_LIMIT)?;
    let purpose = purpose_of(&req);
    let listing = access::subject_records(
        &state.cx,
        &caller.0,
        &path.into_inner(),
        purpose.as_deref(),
        access::ListRequest {
            kind: params.kind,
            before: params.before,
            limit: params.limit,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(RecordList {
        records: listing.records.into_iter().map(RecordView::from).collect(),
        next_before: listing.next_before,
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccessLogParams {
    /// Most entries to return, newest first (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AccessLogView {
    /// Newest first. Each entry carries the previous entry's hash (`prev_hash`)
    /// and its own (`hash`): the chain `sohoa audit verify` checks.
    pub entries: Vec<AccessEntryView>,
}

/// Every read of an owner's papers: who, when, for which dossier, what.
#[utoipa::path(
    tag = "subjects",
    params(("subject_id" = String, Path, description = "Personal ID number or tax code"), AccessLogParams),
    responses(
        (status = 200, body = AccessLogView),
        (status = 400, description = "invalid_subject_id, invalid_query (limit out of range)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/subjects/{subject_id}/access-log")]
pub async fn access_log(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    params: web::Query<AccessLogParams>,
) -> Result<HttpResponse, ApiError> {
    check_limit(params.limit, 1000)?;
    let entries =
        access::access_log(&state.cx, &caller.0, &path.into_inner(), params.limit).await?;
    Ok(HttpResponse::Ok().json(AccessLogView {
        entries: entries.into_iter().map(AccessEntryView::from).collect(),
    }))
}
