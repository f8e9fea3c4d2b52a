//! The search index: one row per digitised record, its particulars and its
//! pages' text as `text::search` folds them, written in the transaction that
//! makes the text visible (the end of digitisation, a review that confirms
//! particulars) and rebuilt by `sohoa reindex`. SQLite keeps it in FTS5,
//! PostgreSQL in tsvector columns with GIN indexes; the words are the same
//! ASCII tokens in both, so both find the same records.

use async_trait::async_trait;
use chrono::NaiveDate;
use sqlx::AssertSqlSafe;

use std::collections::HashMap;

use super::exec::{Conn, Sql, placeholders};
use super::rows::{RECORD_COLUMNS, RecordRow};
use super::{Database, DbError};
use crate::domain::particulars::Suggestions;
use crate::domain::{DocumentKind, Record, RecordStatus, SubjectId};
use crate::text::search::{Indexed, Query};

mod dialect;

use dialect::{Dialect, RANK_WINDOW};

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Exact matches first (for a query typed with marks), then by rank,
    /// then newest. Paged by offset.
    Relevance,
    /// Newest first (on SQLite, newest indexed first). Paged by the last
    /// record id seen.
    Newest,
}

/// A search, as the index runs it.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub query: Query,
    pub kind: Option<DocumentKind>,
    pub subject: Option<SubjectId>,
    pub status: Option<RecordStatus>,
    pub issued_from: Option<NaiveDate>,
    pub issued_to: Option<NaiveDate>,
    pub order: Order,
    /// Relevance: hits to skip.
    pub offset: u32,
    /// Newest: only records older than this id.
    pub before: Option<String>,
    pub limit: u32,
}

#[async_trait]
pub trait SearchRepo: Send + Sync {
    /// Ids of the records matching, in order, at most `limit`.
    async fn search(&self, query: &SearchQuery) -> Result<Vec<String>, DbError>;

    /// Rewrites the index rows of these records from what is stored; the
    /// number written (records still processing have no text to index).
    async fn reindex(&self, ids: &[String]) -> Result<u64, DbError>;

    /// After a bulk rebuild: PostgreSQL's planner statistics refreshed (else
    /// it scans every row rather than use the GIN index), SQLite's FTS5
    /// segments merged.
    async fn optimize(&self) -> Result<(), DbError>;

    /// The records `ids`, in that order, with their pages' text but not
    /// their words and boxes (what a page of hits shows).
    async fn hits(&self, ids: &[String]) -> Result<Vec<Record>, DbError>;

    /// Replaces a record's suggested particulars (`sohoa reindex --suggestions`).
    async fn set_suggestions(&self, id: &str, suggestions: &Suggestions) -> Result<(), DbError>;

    /// Record ids after `after`, oldest first, `n` at most: what reindex walks.
    async fn record_ids(&self, after: Option<&str>, n: u32) -> Result<Vec<String>, DbError>;
}

#[derive(sqlx::FromRow)]
struct Source {
    kind: String,
    status: String,
    document_number: Option<String>,
    issuing_agency: Option<String>,
    signer: Option<String>,
    owner_name: Option<String>,
    issued_on: Option<NaiveDate>,
    suggestions: Option<String>,
}

/// Writes record `id`'s index row from its stored particulars and text,
/// inside the caller's transaction. A record still processing is left out.
pub(super) async fn index(conn: &mut Conn<'_>, id: &str) -> Result<bool, DbError> {
    let source: Option<Source> = conn
        .fetch_optional(
            Sql::new(
                "SELECT kind, status, document_number, issuing_agency, signer, owner_name, \
                 issued_on, suggestions FROM records WHERE id = $1",
            )
            .bind(id),
        )
        .await?;
    let Some(source) = source else {
        return Ok(false);
    };
    if source.status == RecordStatus::Processing.as_str() {
        return Ok(false);
    }
    let suggestions: Suggestions = source
        .suggestions
        .as_deref()
        .and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default();
    let label = source
        .kind
        .parse::<DocumentKind>()
        .map(|k| k.label_vi())
        .unwrap_or("");
    let mut particulars: Vec<&str> = vec![label];
    particulars.extend(
        [
            &source.document_number,
            &source.issuing_agency,
            &source.signer,
            &source.owner_name,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str),
    );
    particulars.extend(suggestions.values().map(|s| s.value.as_str()));
    let issued_on = source.issued_on.or_else(|| {
        suggestions
            .get("issued_on")
            .and_then(|s| s.value.parse().ok())
    });
    let texts: Vec<(Option<String>,)> = conn
        .fetch_all(Sql::new("SELECT ocr_text FROM pages WHERE record_id = $1 ORDER BY n").bind(id))
        .await?;
    let particulars = Indexed::of(particulars);
    let body = Indexed::of(texts.iter().filter_map(|(t,)| t.as_deref()));
    let exact = [particulars.exact.as_str(), body.exact.as_str()].join(" ");
    let pairs = crate::text::search::pairs(&[&particulars.folded, &body.folded]);
    if matches!(conn, Conn::Sqlite(_)) {
        {
            conn.execute(
                Sql::new(
                    "INSERT INTO search_rows (record_id, issued_on) VALUES ($1, $2) \
                     ON CONFLICT (record_id) DO UPDATE SET issued_on = excluded.issued_on",
                )
                .bind(id)
                .bind(issued_on),
            )
            .await?;
            let (n,): (i64,) = conn
                .fetch_one(Sql::new("SELECT n FROM search_rows WHERE record_id = $1").bind(id))
                .await?;
            conn.execute(Sql::new("DELETE FROM record_search WHERE rowid = $1").bind(n))
                .await?;
            conn.execute(
                Sql::new(
                    "INSERT INTO record_search (rowid, particulars, body, exact) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(n)
                .bind(particulars.folded)
                .bind(body.folded)
                .bind(exact),
            )
            .await?;
        }
    } else {
        {
            conn.execute(
                Sql::new(
                    "INSERT INTO record_search (record_id, issued_on, particulars, body, exact, \
                     pairs) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (record_id) DO UPDATE SET \
                     issued_on = excluded.issued_on, particulars = excluded.particulars, \
                     body = excluded.body, exact = excluded.exact, pairs = excluded.pairs",
                )
                .bind(id)
                .bind(issued_on)
                .bind(particulars.folded)
                .bind(body.folded)
                .bind(exact)
                .bind(pairs),
            )
            .await?;
        }
    }
    Ok(true)
}

#[async_trait]
impl SearchRepo for Database {
    async fn search(&self, q: &SearchQuery) -> Result<Vec<String>, DbError> {
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let mut dialect = Dialect::of(&conn);
        dialect.narrow(&mut conn, q).await?;
        let ids = |rows: Vec<(String,)>| rows.into_iter().map(|(id,)| id);
        match q.order {
            Order::Newest => Ok(ids(conn.fetch_all(dialect.newest(q)).await?).collect()),
            Order::Relevance => {
                let mut out = Vec::new();
                if q.offset < RANK_WINDOW {
                    let wanted = q.limit.min(RANK_WINDOW - q.offset);
                    out.extend(ids(conn
                        .fetch_all(dialect.ranked(q, q.offset, wanted))
                        .await?));
                    if (out.len() as u32) < wanted {
                        // The window held every match: nothing follows.
                        return Ok(out);
                    }
                }
                let rest = q.limit - out.len() as u32;
                if rest > 0 {
                    let skip = q.offset.max(RANK_WINDOW);
                    out.extend(ids(conn.fetch_all(dialect.unranked(q, skip, rest)).await?));
                }
                Ok(out)
            }
        }
    }

    async fn reindex(&self, ids: &[String]) -> Result<u64, DbError> {
        let mut tx = self.pool.begin().await?;
        let mut written = 0;
        for id in ids {
            if index(&mut tx.conn(), id).await? {
                written += 1;
            }
        }
        tx.commit().await?;
        Ok(written)
    }

    async fn optimize(&self) -> Result<(), DbError> {
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let sql = if matches!(conn, Conn::Sqlite(_)) {
            "INSERT INTO record_search (record_search) VALUES ('optimize')"
        } else {
            "ANALYZE record_search"
        };
        conn.execute(Sql::new(sql)).await?;
        Ok(())
    }

    async fn hits(&self, ids: &[String]) -> Result<Vec<Record>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut held = self.pool.acquire().await?;
        let mut conn = held.conn();
        let list = placeholders(1, ids.len());
        let rows: Vec<RecordRow> = conn
            .fetch_all(
                Sql::new(AssertSqlSafe(format!(
                    "{RECORD_COLUMNS} WHERE id IN ({list})"
                )))
                .bind_all(ids.iter().map(String::as_str)),
            )
            .await?;
        // In the order asked, each with its pages' text.
        let mut rows: HashMap<String, RecordRow> =
            rows.into_iter().map(|r| (r.id.clone(), r)).collect();
        let ordered = ids.iter().filter_map(|id| rows.remove(id)).collect();
        super::records::with_pages(&mut conn, ordered, true).await
    }

    async fn set_suggestions(&self, id: &str, suggestions: &Suggestions) -> Result<(), DbError> {
        self.pool
            .execute(
                Sql::new("UPDATE records SET suggestions = $1 WHERE id = $2")
                    .bind(serde_json::to_string(suggestions).ok())
                    .bind(id),
            )
            .await?;
        Ok(())
    }

    async fn record_ids(&self, after: Option<&str>, n: u32) -> Result<Vec<String>, DbError> {
        let rows: Vec<(String,)> = self
            .pool
            .fetch_all(
                Sql::new(
                    "SELECT id FROM records WHERE ($1 IS NULL OR id > $1) ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(n),
            )
            .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }
}

#[cfg(test)]
mod tests;
