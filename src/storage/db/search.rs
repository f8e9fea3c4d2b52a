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

/// The filters both backends share; binds $2 to $6.
const FILTERS: &str = "($2 IS NULL OR r.kind = $2) AND ($3 IS NULL OR r.subject_id = $3) \
     AND ($4 IS NULL OR r.status = $4) AND ($5 IS NULL OR i.issued_on >= $5) \
     AND ($6 IS NULL OR i.issued_on <= $6)";

/// Relevance ranks the newest this many matches (newest as the index holds
/// them: by record id on PostgreSQL, by first indexing on SQLite, which is
/// the same order but for records read out of turn). Past them hits follow
/// newest first, so paging still reaches every match. Ranking every match of
/// a word that a quarter of the archive holds costs both backends hundreds
/// of milliseconds at 100,000 records (bm25 and ts_rank read each match's
/// words); this bound keeps a page under 50 ms whatever the query.
pub const RANK_WINDOW: u32 = 500;

/// A phrase whose last pair of words PostgreSQL expects in at most this many
/// records is looked for among those (its pair index); a more common one by
/// walking the newest records, where it is soon found.
pub const FEW_PAIRS: i64 = 2000;

/// A query whose words PostgreSQL expects in at most this many records has
/// them all fetched, and the newest ranked; a more common one is walked
/// from the newest record until the window fills, which is soon.
pub const FEW_MATCHES: i64 = 10_000;

/// The backend's words for one search.
struct Dialect {
    sqlite: bool,
    /// From the index, joined to records (`r`) and the issue date (`i`),
    /// where the match is `$1`.
    from: String,
    /// The index's own order, newest first.
    newest: &'static str,
    /// The matching record's id.
    id: &'static str,
}

impl Dialect {
    fn of(conn: &Conn<'_>) -> Self {
        if matches!(conn, Conn::Sqlite(_)) {
            Dialect {
                sqlite: true,
                from: "FROM record_search s JOIN search_rows i ON i.n = s.rowid \
                       JOIN records r ON r.id = i.record_id WHERE record_search MATCH $1"
                    .into(),
                newest: "s.rowid DESC",
                id: "r.id",
            }
        } else {
            // Every index row has its record (a foreign key), so the outer
            // join finds the same rows; but PostgreSQL drops an outer join
            // whose table nothing uses, which a search without a filter on
            // the record's kind, owner or status is (the unset filters fold
            // away in a plan made for the run). An inner join it keeps, and
            // for an AND of common words it hashed all 100,000 records to
            // join them (p95 218 ms for an unquoted name).
            Dialect {
                sqlite: false,
                from: "FROM record_search s LEFT JOIN records r ON r.id = s.record_id \
                       CROSS JOIN LATERAL (SELECT s.issued_on) i \
                       WHERE s.words @@ to_tsquery('simple', $1)"
                    .into(),
                newest: "s.record_id DESC",
                id: "s.record_id",
            }
        }
    }

    /// On PostgreSQL, two choices the planner gets wrong, made from its own
    /// estimates. A query of words (no phrase) in few records has them all
    /// fetched and the newest ranked: walking back from the newest record
    /// tests each row's words (read from TOAST), which the planner prices as
    /// nothing; for three common syllables of a name in 2,000 of 100,000
    /// records it walked 24,000 rows (250 ms, where fetching them all takes
    /// tens). And a query of phrases whose pairs are rare has its matches
    /// looked for among the records holding the rarer of each phrase's first
    /// or last pairs (a GIN lookup the planner estimates well), not by
    /// testing row after row. The pair query is ASCII letters, digits and
    /// operators only ([`Query::pair_tsquery`]), so it is written into the
    /// SQL as it is.
    async fn narrow(&mut self, conn: &mut Conn<'_>, q: &SearchQuery) -> Result<(), DbError> {
        if self.sqlite {
            return Ok(());
        }
        let matches = estimate(
            conn,
            "EXPLAIN SELECT 1 FROM record_search WHERE words @@ to_tsquery('simple', $1)",
            &q.query.tsquery(false),
        )
        .await?;
        // A phrase is checked on each row the words index gives, fetched
        // or walked alike: only the pairs narrow it (below).
        let words_only = q.query.groups.iter().flatten().all(|t| t.0.len() == 1);
        if words_only && matches <= FEW_MATCHES {
            // An expression, not the key: no index gives this order.
            self.newest = "s.record_id || '' DESC";
        }
        let mut rarest: Option<(i64, String)> = None;
        for first in [false, true] {
            let Some(pairs) = q.query.pair_tsquery(first) else {
                continue;
            };
            let holding = estimate(
                conn,
                "EXPLAIN SELECT 1 FROM record_search WHERE pair_words @@ CAST($1 AS tsquery)",
                &pairs,
            )
            .await?;
            if rarest.as_ref().is_none_or(|(n, _)| holding < *n) {
                rarest = Some((holding, pairs));
            }
        }
        if let Some((_, pairs)) = rarest.filter(|(n, _)| *n <= FEW_PAIRS) {
            let literal = pairs.replace('\'', "''");
            self.from
                .push_str(&format!(" AND s.pair_words @@ '{literal}'::tsquery"));
        }
        Ok(())
    }

    /// `sql` with the match ($1) and the filters ($2 to $6) bound.
    fn filtered(&self, sql: String, q: &SearchQuery) -> Sql {
        let matches = if self.sqlite {
            q.query.fts5(false)
        } else {
            q.query.tsquery(false)
        };
        Sql::new(AssertSqlSafe(sql))
            .planned_per_run()
            .bind(matches)
            .bind(q.kind.map(|k| k.code()))
            .bind(q.subject.as_ref().map(|s| s.as_str()))
            .bind(q.status.map(|s| s.as_str()))
            .bind(q.issued_from)
            .bind(q.issued_to)
    }

    /// The window's matches from `offset`, at most `limit`: exact first
    /// (for a query typed with marks), then by rank, then newest.
    fn ranked(&self, q: &SearchQuery, offset: u32, limit: u32) -> Sql {
        let (from, newest) = (&self.from, self.newest);
        let (columns, first, rank) = if self.sqlite {
            (
                "r.id AS id, s.rowid AS n, bm25(record_search, 4.0, 1.0, 0.0) AS rank",
                "c.n IN (SELECT rowid FROM record_search WHERE record_search MATCH $7)",
                "c.rank",
            )
        } else {
            (
                "s.record_id AS id, s.words, s.exact_words",
                "c.exact_words @@ to_tsquery('simple', $7)",
                "-ts_rank(c.words, to_tsquery('simple', $1))",
            )
        };
        let exact = if self.sqlite {
            q.query.fts5(true)
        } else {
            q.query.tsquery(true)
        };
        self.filtered(
            format!(
                "SELECT c.id FROM (SELECT {columns} {from} AND {FILTERS} \
                 ORDER BY {newest} LIMIT {RANK_WINDOW}) c \
                 ORDER BY CASE WHEN $8 AND {first} THEN 0 ELSE 1 END, {rank}, c.id DESC \
                 LIMIT $9 OFFSET $10"
            ),
            q,
        )
        .bind(exact)
        .bind(q.query.marked)
        .bind(limit)
        .bind(offset)
    }

    /// Matches in the index's newest order, skipping `offset`: what follows
    /// the window.
    fn unranked(&self, q: &SearchQuery, offset: u32, limit: u32) -> Sql {
        let (from, newest, id) = (&self.from, self.newest, self.id);
        self.filtered(
            format!("SELECT {id} {from} AND {FILTERS} ORDER BY {newest} LIMIT $7 OFFSET $8"),
            q,
        )
        .bind(limit)
        .bind(offset)
    }

    /// Newest first, older than the cursor's record: on PostgreSQL by record
    /// id; on SQLite in the index's own order (the order records were first
    /// indexed, which is theirs but for one read out of turn), which FTS5
    /// walks without sorting every match (163 ms at the 99th percentile for
    /// a phrase in 25,000 of 100,000 records, sorted by id).
    fn newest(&self, q: &SearchQuery) -> Sql {
        let (from, id) = (&self.from, self.id);
        let (older, order) = if self.sqlite {
            (
                "s.rowid < coalesce((SELECT n FROM search_rows WHERE record_id = $7), 0)",
                "s.rowid DESC",
            )
        } else {
            ("s.record_id < $7", "s.record_id DESC")
        };
        self.filtered(
            format!(
                "SELECT {id} {from} AND {FILTERS} AND ($7 IS NULL OR {older}) \
                 ORDER BY {order} LIMIT $8"
            ),
            q,
        )
        .bind(&q.before)
        .bind(q.limit)
    }
}

/// The rows PostgreSQL's planner expects `explain` (an `EXPLAIN` of one
/// parameter, `bound`) to give: its statistics answer at once where a count
/// would read up to thousands of rows.
async fn estimate(conn: &mut Conn<'_>, explain: &'static str, bound: &str) -> Result<i64, DbError> {
    let plan: Vec<(String,)> = conn
        .fetch_all(Sql::new(explain).planned_per_run().bind(bound))
        .await?;
    Ok(plan
        .first()
        .and_then(|(line,)| line.split(" rows=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<i64>().ok())
        .unwrap_or(i64::MAX))
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
