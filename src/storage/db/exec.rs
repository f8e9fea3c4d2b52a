//! How sohoa's SQL, written once, runs on either backend. A statement is its
//! text (`$1`-style placeholders, which both backends accept) and its
//! arguments as plain values ([`Arg`]); each backend's module turns the
//! values into its own arguments — the one place a timestamp is text
//! (SQLite) or `timestamptz` (PostgreSQL). Rows decode into types that derive
//! `sqlx::FromRow` for both ([`AnyRow`]).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{FromRow, PgConnection, SqlSafeStr, SqlStr, SqliteConnection};

use super::{DbError, postgres, sqlite};

/// One argument of a statement.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Date(Option<NaiveDate>),
    Time(Option<DateTime<Utc>>),
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Arg::Int(Some(v.into()))
    }
}
impl From<Option<u32>> for Arg {
    fn from(v: Option<u32>) -> Self {
        Arg::Int(v.map(i64::from))
    }
}
impl From<u64> for Arg {
    fn from(v: u64) -> Self {
        Arg::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Bool(v)
    }
}
impl From<Option<NaiveDate>> for Arg {
    fn from(v: Option<NaiveDate>) -> Self {
        Arg::Date(v)
    }
}
impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Self {
        Arg::Time(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Arg::Time(v)
    }
}

/// A statement and its arguments.
pub(super) struct Sql {
    text: SqlStr,
    args: Vec<Arg>,
    /// PostgreSQL: kept as a named prepared statement (the default). After
    /// five runs of one such statement PostgreSQL may settle on a generic
    /// plan, made without the arguments' values.
    persistent: bool,
}

impl Sql {
    /// A statement from constant text; values are always bound, never joined in.
    pub(super) fn new(text: impl SqlSafeStr) -> Self {
        Self {
            text: text.into_sql_str(),
            args: Vec::new(),
            persistent: true,
        }
    }

    /// Planned afresh with its arguments at every run (PostgreSQL), for a
    /// statement whose best plan depends on them: a search for a word that
    /// one record holds wants the GIN index, one for a word that a quarter
    /// of them hold wants the newest rows walked, and the generic plan
    /// PostgreSQL would settle on runs the second case twenty times slower.
    pub(super) fn planned_per_run(mut self) -> Self {
        self.persistent = false;
        self
    }

    /// Binds the next placeholder.
    pub(super) fn bind(mut self, arg: impl Into<Arg>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Binds the next placeholders, one per item.
    pub(super) fn bind_all<A: Into<Arg>>(mut self, args: impl IntoIterator<Item = A>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    fn into_parts(self) -> (SqlStr, Vec<Arg>) {
        (self.text, self.args)
    }
}

/// `$first, $first+1, …` for `n` values: a list bound one value each.
pub(super) fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row type both backends decode.
pub(super) trait AnyRow:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> AnyRow for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// What a backend differs in beyond argument types.
pub(super) struct Dialect {
    /// Claims the runnable job due first (`priority_at`). Binds: worker, lease end, now, only
    /// this record (or null), the queued state, the running state.
    pub(super) claim_job: &'static str,
}

/// A connection of either backend, from the pool or inside a transaction.
pub(super) enum Conn<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Conn<'_> {
    /// Runs a statement; the number of rows it changed.
    pub(super) async fn execute(&mut self, sql: Sql) -> Result<u64, DbError> {
        let (text, args) = sql.into_parts();
        Ok(match self {
            Conn::Sqlite(c) => sqlx::query_with(text, sqlite::arguments(args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
            Conn::Postgres(c) => sqlx::query_with(text, postgres::arguments(args)?)
                .execute(&mut **c)
                .await?
                .rows_affected(),
        })
    }

    pub(super) async fn fetch_all<T: AnyRow>(&mut self, sql: Sql) -> Result<Vec<T>, DbError> {
        let persistent = sql.persistent;
        let (text, args) = sql.into_parts();
        Ok(match self {
            Conn::Sqlite(c) => {
                sqlx::query_as_with(text, sqlite::arguments(args)?)
                    .fetch_all(&mut **c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as_with(text, postgres::arguments(args)?)
                    .persistent(persistent)
                    .fetch_all(&mut **c)
                    .await?
            }
        })
    }

    pub(super) async fn fetch_optional<T: AnyRow>(
        &mut self,
        sql: Sql,
    ) -> Result<Option<T>, DbError> {
        let (text, args) = sql.into_parts();
        Ok(match self {
            Conn::Sqlite(c) => {
                sqlx::query_as_with(text, sqlite::arguments(args)?)
                    .fetch_optional(&mut **c)
                    .await?
            }
            Conn::Postgres(c) => {
                sqlx::query_as_with(text, postgres::arguments(args)?)
                    .fetch_optional(&mut **c)
                    .await?
            }
        })
    }

    pub(super) async fn fetch_one<T: AnyRow>(&mut self, sql: Sql) -> Result<T, DbError> {
        self.fetch_optional(sql).await?.ok_or_else(|| {
            DbError::Corrupt("a statement that always returns a row returned none".into())
        })
    }
}

/// The pool of either backend.
#[derive(Clone)]
pub(super) enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// A connection taken from the pool for a few statements.
pub(super) enum Held {
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
}

impl Held {
    pub(super) fn conn(&mut self) -> Conn<'_> {
        match self {
            Held::Sqlite(c) => Conn::Sqlite(c),
            Held::Postgres(c) => Conn::Postgres(c),
        }
    }
}

/// A transaction of either backend; dropped without [`Tx::commit`], it rolls back.
pub(super) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

impl Tx {
    pub(super) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub(super) async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

impl Pool {
    pub(super) fn dialect(&self) -> &'static Dialect {
        match self {
            Pool::Sqlite(_) => &sqlite::DIALECT,
            Pool::Postgres(_) => &postgres::DIALECT,
        }
    }

    pub(super) async fn acquire(&self) -> Result<Held, DbError> {
        Ok(match self {
            Pool::Sqlite(p) => Held::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Held::Postgres(p.acquire().await?),
        })
    }

    pub(super) async fn begin(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// One statement on a pooled connection.
    pub(super) async fn execute(&self, sql: Sql) -> Result<u64, DbError> {
        self.acquire().await?.conn().execute(sql).await
    }

    pub(super) async fn fetch_all<T: AnyRow>(&self, sql: Sql) -> Result<Vec<T>, DbError> {
        self.acquire().await?.conn().fetch_all(sql).await
    }

    pub(super) async fn fetch_optional<T: AnyRow>(&self, sql: Sql) -> Result<Option<T>, DbError> {
        self.acquire().await?.conn().fetch_optional(sql).await
    }

    pub(super) async fn fetch_one<T: AnyRow>(&self, sql: Sql) -> Result<T, DbError> {
        self.acquire().await?.conn().fetch_one(sql).await
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_a_list_from_where_it_starts() {
        assert_eq!(placeholders(4, 3), "$4, $5, $6");
        assert_eq!(placeholders(1, 1), "$1");
    }
}
