//! The SQL of one search, per backend: the match, the filters both share,
//! the relevance window and the newest-first walk, and on PostgreSQL the
//! choices made from its planner's own estimates (`Dialect::narrow`).

use sqlx::AssertSqlSafe;

use super::super::DbError;
use super::super::exec::{Conn, Sql};
use super::SearchQuery;

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

/// A phrase whose rarer end pair (its first or last two words) PostgreSQL
/// expects in at most this many records is looked for among those (its pair
/// index); a more common one by walking the newest records, where it is
/// soon found.
pub const FEW_PAIRS: i64 = 2000;

/// A query whose words PostgreSQL expects in at most this many records has
/// them all fetched, and the newest ranked; a more common one is walked
/// from the newest record until the window fills, which is soon.
pub const FEW_MATCHES: i64 = 10_000;

/// The backend's words for one search.
pub(super) struct Dialect {
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
    pub(super) fn of(conn: &Conn<'_>) -> Self {
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
    pub(super) async fn narrow(
        &mut self,
        conn: &mut Conn<'_>,
        q: &SearchQuery,
    ) -> Result<(), DbError> {
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
    pub(super) fn ranked(&self, q: &SearchQuery, offset: u32, limit: u32) -> Sql {
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
    pub(super) fn unranked(&self, q: &SearchQuery, offset: u32, limit: u32) -> Sql {
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
    pub(super) fn newest(&self, q: &SearchQuery) -> Sql {
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
