//! `GET /v1/search`: records found by what is written on them.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::RecordView;
use super::{AppState, check_limit, purpose_of};
use crate::ops::search as ops;
use crate::text::search::Snippet;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words, `"phrases"`, `AND` (implied) and `OR`, at most 200 characters.
    /// Case, tone and vowel marks and đ are ignored ("nguyen van an" finds
    /// "NGUYỄN VĂN AN"); typed with marks, records written so rank first.
    #[param(min_length = 1, max_length = 200)]
    q: String,
    /// Only records of this kind.
    kind: Option<String>,
    /// Only this owner's records (personal ID number or tax code).
    subject_id: Option<String>,
    /// Only records in this status (e.g. `certified`).
    status: Option<String>,
    /// Only papers issued on or after this day (YYYY-MM-DD): the confirmed
    /// issue date, else the suggested one.
    #[param(value_type = Option<String>, format = Date)]
    issued_from: Option<String>,
    /// Only papers issued on or before this day (YYYY-MM-DD).
    #[param(value_type = Option<String>, format = Date)]
    issued_to: Option<String>,
    /// `relevance` (default) or `newest`. Relevance ranks the newest 500
    /// matches (records typed with the query's marks first); the matches
    /// after them follow newest first, so paging reaches every one.
    sort: Option<String>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
    /// Hits per page (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The dossier this read is for (or header `X-Purpose`); required for `reader` keys.
    #[allow(dead_code)] // read by purpose_of from the query string
    purpose: Option<String>,
}

/// A record found, and where its text matched.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub record: RecordView,
    /// A passage of the recognised text around the first match, as written
    /// (one line), with the matched words' `[start, end)` character offsets
    /// in `marks`; absent when the match is in the particulars only.
    pub snippet: Option<Snippet>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Search every record's text and particulars.
///
/// Matches the recognised text and the particulars (document number,
/// issuing agency, signer, owner's name, kind), folded the same way on both
/// backends. Same roles and purpose rule as listing a subject's records,
/// and every record returned is logged in its owner's access ledger.
#[utoipa::path(
    tag = "search",
    params(SearchParams),
    responses(
        (status = 200, body = SearchResults),
        (status = 400, description = "invalid_query (empty, too long, an unclosed quote, a lone AND/OR, a bad filter or cursor), unknown_kind, invalid_subject_id, purpose_required (reader keys), invalid_purpose", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/search")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    check_limit(p.limit, ops::MAX_LIMIT)?;
    let purpose = purpose_of(&req);
    let found = ops::search(
        &state.cx,
        &caller.0,
        purpose.as_deref(),
        &ops::Request {
            q: p.q,
            kind: p.kind,
            subject_id: p.subject_id,
            status: p.status,
            issued_from: p.issued_from,
            issued_to: p.issued_to,
            sort: p.sort,
            cursor: p.cursor,
            limit: p.limit,
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(SearchResults {
        hits: found
            .hits
            .into_iter()
            .map(|h| SearchHit {
                record: RecordView::from(h.record),
                snippet: h.snippet,
            })
            .collect(),
        next_cursor: found.next_cursor,
    }))
}
