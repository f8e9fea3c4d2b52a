//! Searching every record by what is written on it: the same roles and
//! purpose rule as listing a subject's records, and every record returned
//! logged in its owner's chain of the access ledger (committed before the
//! hits are returned, in one group commit for the page of hits).

use std::time::Instant;

use chrono::NaiveDate;

use super::access::{AccessError, READ_ROLES, log, purpose};
use super::{Context, authorize};
use crate::domain::access::Action;
use crate::domain::role::Actor;
use crate::domain::{DocumentKind, Record, RecordStatus, SubjectId};
use crate::error_code::{Coded, ErrorCode};
use crate::storage::db::{Order, SearchQuery};
use crate::text::search::{Query, QueryError, Snippet, snippet};

/// A cursor as a page gives it: an offset (`o:40`, relevance) or the last
/// record id seen (`b:…`, newest).
pub const CURSOR_PATTERN: &str =
    "^(?:o:[0-9]{1,9}|b:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$";

fn is_record_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// Hits per page by default, and at most.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error("{0}")]
    Query(#[from] QueryError),
    #[error("{0}")]
    Invalid(String),
}

impl Coded for SearchError {
    fn code(&self) -> ErrorCode {
        match self {
            SearchError::Access(e) => e.code(),
            SearchError::Query(_) | SearchError::Invalid(_) => ErrorCode::InvalidQuery,
        }
    }
}

impl From<crate::storage::db::DbError> for SearchError {
    fn from(e: crate::storage::db::DbError) -> Self {
        SearchError::Access(e.into())
    }
}

/// A search as a caller sends it, unparsed.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub q: String,
    pub kind: Option<String>,
    pub subject_id: Option<String>,
    pub status: Option<String>,
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    /// `relevance` (default) or `newest`.
    pub sort: Option<String>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

/// One record found, with the passage of its text that matched.
#[derive(Debug, Clone)]
pub struct Hit {
    pub record: Record,
    pub snippet: Option<Snippet>,
}

/// A page of hits, and the cursor of the next when there may be one.
#[derive(Debug, Clone)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub next_cursor: Option<String>,
}

fn date(name: &str, value: &Option<String>) -> Result<Option<NaiveDate>, SearchError> {
    value
        .as_deref()
        .map(|v| {
            v.parse()
                .map_err(|_| SearchError::Invalid(format!("{name} must be a date (YYYY-MM-DD)")))
        })
        .transpose()
}

/// The search `request` means, checked.
fn parse(request: &Request) -> Result<SearchQuery, SearchError> {
    let query = Query::parse(&request.q)?;
    let kind = DocumentKind::parse_optional(request.kind.as_deref()).map_err(AccessError::from)?;
    let subject = match request.subject_id.as_deref() {
        Some(s) => Some(SubjectId::parse(s).map_err(AccessError::from)?),
        None => None,
    };
    let status = match request.status.as_deref() {
        Some(s) => Some(
            s.parse::<RecordStatus>()
                .map_err(|_| SearchError::Invalid(format!("unknown status {s:?}")))?,
        ),
        None => None,
    };
    let order = match request.sort.as_deref() {
        None | Some("relevance") => Order::Relevance,
        Some("newest") => Order::Newest,
        Some(other) => {
            return Err(SearchError::Invalid(format!(
                "sort is relevance or newest, not {other:?}"
            )));
        }
    };
    let (mut offset, mut before) = (0, None);
    if let Some(cursor) = request.cursor.as_deref() {
        let bad = || SearchError::Invalid("cursor is not one this search gave".into());
        match (order, cursor.split_once(':')) {
            (Order::Relevance, Some(("o", n)))
                if (1..=9).contains(&n.len()) && n.chars().all(|c| c.is_ascii_digit()) =>
            {
                offset = n.parse().map_err(|_| bad())?;
            }
            (Order::Newest, Some(("b", id))) if is_record_id(id) => {
                before = Some(id.to_owned());
            }
            _ => return Err(bad()),
        }
    }
    Ok(SearchQuery {
        query,
        kind,
        subject,
        status,
        issued_from: date("issued_from", &request.issued_from)?,
        issued_to: date("issued_to", &request.issued_to)?,
        order,
        offset,
        before,
        limit: request.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT),
    })
}

/// Records matching `request`, for `actor`, each logged as read.
pub async fn search(
    cx: &Context,
    actor: &Actor,
    given_purpose: Option<&str>,
    request: &Request,
) -> Result<Found, SearchError> {
    authorize(actor, READ_ROLES).map_err(AccessError::from)?;
    let purpose = purpose(actor, given_purpose)?;
    let query = parse(request)?;
    let started = Instant::now();
    let ids = cx.repo.search(&query).await?;
    let matched = started.elapsed();
    let records = cx.repo.hits(&ids).await?;
    let fetched = started.elapsed() - matched;
    // Every hit is a read of its owner's papers: logged, all in one group
    // commit, before any is returned.
    let reader = actor.reader();
    let logged = records.iter().map(|r| {
        log(
            cx,
            reader.clone(),
            &r.subject_id,
            Some(&r.id),
            purpose.as_ref(),
            Action::Search,
        )
    });
    for result in futures_util::future::join_all(logged).await {
        result.map_err(AccessError::from)?;
    }
    let recorded = started.elapsed() - matched - fetched;
    // Where a search's time goes, for an operator tuning the database.
    for (phase, took) in [("match", matched), ("hits", fetched), ("log", recorded)] {
        metrics::histogram!("sohoa_search_seconds", "phase" => phase).record(took.as_secs_f64());
    }
    let full = ids.len() as u32 == query.limit;
    let next_cursor = match query.order {
        Order::Relevance => full.then(|| format!("o:{}", query.offset + query.limit)),
        Order::Newest => full
            .then(|| ids.last().map(|id| format!("b:{id}")))
            .flatten(),
    };
    let hits = records
        .into_iter()
        .map(|record| {
            let text: Vec<&str> = record
                .pages
                .iter()
                .filter_map(|p| p.ocr_text.as_deref())
                .collect();
            let snippet = snippet(&text.join("\n"), &query.query);
            Hit { record, snippet }
        })
        .collect();
    Ok(Found { hits, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(q: &str) -> Request {
        Request {
            q: q.into(),
            ..Request::default()
        }
    }

    #[test]
    fn filters_and_cursors_are_checked() {
        assert!(parse(&request("an")).is_ok());
        let bad = |r: Request| parse(&r).unwrap_err().code();
        assert_eq!(bad(request("\"an")), ErrorCode::InvalidQuery);
        let mut r = request("an");
        r.status = Some("lost".into());
        assert_eq!(bad(r), ErrorCode::InvalidQuery);
        let mut r = request("an");
        r.issued_from = Some("05/03/2024".into());
        assert_eq!(bad(r), ErrorCode::InvalidQuery);
        let mut r = request("an");
        r.cursor = Some("b:0190".into());
        assert_eq!(bad(r), ErrorCode::InvalidQuery);
        let mut r = request("an");
        r.kind = Some("passport".into());
        assert_eq!(bad(r), ErrorCode::UnknownKind);
        let mut r = request("an");
        r.cursor = Some("o:40".into());
        assert_eq!(parse(&r).unwrap().offset, 40);
        let pattern = regex::Regex::new(CURSOR_PATTERN).unwrap();
        for cursor in [
            "o:40",
            "o:1234567890",
            "o:+4",
            "b:0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b",
            "b:0190A6B2-3C4D-7E8F-9A0B-1C2D3E4F5A6B",
            "b:{0190a6b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b}",
        ] {
            let mut r = request("an");
            r.sort = Some(
                if cursor.starts_with('o') {
                    "relevance"
                } else {
                    "newest"
                }
                .into(),
            );
            r.cursor = Some(cursor.into());
            assert_eq!(parse(&r).is_ok(), pattern.is_match(cursor), "{cursor}");
        }
    }

    #[tokio::test]
    async fn only_the_roles_that_read_records_may_search() {
        use crate::domain::role::Role;
        let cx = crate::ops::testing::context().await;
        let auditor = Actor::key("audit", Role::Auditor);
        let err = search(&cx, &auditor, None, &request("an"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        let reader = Actor::key("one-stop", Role::Reader);
        let err = search(&cx, &reader, None, &request("an"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::PurposeRequired);
        let desk = Actor::key("desk", Role::Intake);
        let found = search(&cx, &desk, None, &request("an")).await.unwrap();
        assert!(found.hits.is_empty() && found.next_cursor.is_none());
    }
}
