//! The stores one test runs against: a data folder, and on the distributed
//! stack a PostgreSQL database and a Garage of its own.

use super::garage::s3_store;
use super::*;

/// A fresh set of stores for one test: a data folder, and on the distributed
/// stack a PostgreSQL database and a Garage of its own.
pub struct Stores {
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pub blob_url: String,
    pub garage: Option<TestGarage>,
    prefix: String,
    pg_database: Option<String>,
}

impl Stores {
    /// Stores of the stack under test (see [`distributed`]).
    pub fn new() -> Self {
        Self::of_stack(distributed())
    }

    /// Stores of the embedded stack, or of the distributed one.
    pub fn of_stack(distributed: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let (database_url, pg_database) = if distributed {
            let name = format!("sohoa_test_{tag}");
            let admin = pg_admin_url();
            let create = format!("CREATE DATABASE {name}");
            block_on(async move {
                let pool = sqlx::PgPool::connect(&admin)
                    .await
                    .expect("PostgreSQL for the distributed stack");
                sqlx::query(sqlx::AssertSqlSafe(create))
                    .execute(&pool)
                    .await
                    .unwrap();
            });
            let base = pg_admin_url();
            let url = format!("{}/{name}", &base[..base.rfind('/').unwrap()]);
            (url, Some(name))
        } else {
            (
                format!("sqlite://{}", dir.path().join("sohoa.db").display()),
                None,
            )
        };
        let prefix = format!("test-{tag}");
        let garage = distributed.then(TestGarage::start);
        let blob_url = match &garage {
            Some(g) => format!("s3://{}/{prefix}", g.bucket),
            None => format!("file://{}", dir.path().join("blobs").display()),
        };
        Self {
            dir,
            database_url,
            blob_url,
            garage,
            prefix,
            pg_database,
        }
    }

    /// Environment for every `sohoa` command run against these stores.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let mut env = match &self.garage {
            Some(g) => g.env(&self.prefix),
            None => vec![("SOHOA_BLOB_URL", self.blob_url.clone())],
        };
        env.push(("SOHOA_DATABASE_URL", self.database_url.clone()));
        env
    }

    /// One number from the database, e.g. a `COUNT(*)`.
    pub async fn scalar(&self, sql: &str) -> i64 {
        let (url, sql) = (self.database_url.clone(), sql.to_owned());
        block_on(async move {
            if url.starts_with("postgres") {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                n
            } else {
                let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=ro"))
                    .await
                    .unwrap();
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                n
            }
        })
    }

    #[allow(dead_code)] // not used by the scale_out tests, which share this file
    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Runs one statement straight on the database, as an intruder with
    /// database access would.
    #[allow(dead_code)] // not used by the scale_out tests, which share this file
    pub async fn execute(&self, sql: &str) {
        let (url, sql) = (self.database_url.clone(), sql.to_owned());
        block_on(async move {
            if url.starts_with("postgres") {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            } else {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        })
    }

    /// Original files in the blob store under this test's prefix (renditions,
    /// which sohoa makes itself, are not counted).
    pub async fn blob_count(&self) -> usize {
        let url = self.blob_url.clone();
        let s3 = self
            .garage
            .as_ref()
            .map(|g| (g.endpoint.clone(), g.bucket.clone(), self.prefix.clone()));
        block_on(async move {
            use futures_util::StreamExt;
            use object_store::ObjectStore;
            let store: Box<dyn ObjectStore> = match s3 {
                Some((endpoint, bucket, prefix)) => Box::new(
                    object_store::prefix::PrefixStore::new(s3_store(&endpoint, &bucket), prefix),
                ),
                None => {
                    let dir = url.strip_prefix("file://").unwrap().to_owned();
                    if !std::path::Path::new(&dir).exists() {
                        return 0;
                    }
                    Box::new(object_store::local::LocalFileSystem::new_with_prefix(dir).unwrap())
                }
            };
            store
                .list(Some(&object_store::path::Path::from("originals")))
                .filter(|r| futures_util::future::ready(r.is_ok()))
                .count()
                .await
        })
    }

    /// One text value from the database (or none).
    #[allow(dead_code)] // used by the scale_out tests, which share this file
    pub async fn text(&self, sql: &str) -> Option<String> {
        let (url, sql) = (self.database_url.clone(), sql.to_owned());
        block_on(async move {
            if url.starts_with("postgres") {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&pool)
                    .await
                    .unwrap()
            } else {
                let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=ro"))
                    .await
                    .unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_optional(&pool)
                    .await
                    .unwrap()
            }
        })
    }
}

impl Drop for Stores {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            let admin = pg_admin_url();
            block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&pool).await;
                }
            });
        }
    }
}
