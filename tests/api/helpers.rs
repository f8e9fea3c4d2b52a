//! Starts the real `sohoa` binary on a random port with a fresh data folder,
//! and talks to it as a client would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_sohoa");
pub const SUBJECT: &str = "001090012345";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The expected phrases listed for a fixture.
pub fn expected_phrases(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture(&format!("expected/{name}.txt"))).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// What `sha256sum FILE` prints for a file.
pub fn sha256sum(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The stack under test: `TEST_STACK=distributed` runs every test on
/// PostgreSQL (`TEST_PG_URL`, default the local server) and a Garage S3 store
/// of its own (the `garage` binary on PATH); otherwise on SQLite and a folder.
pub fn distributed() -> bool {
    std::env::var("TEST_STACK").is_ok_and(|s| s == "distributed")
}

fn pg_admin_url() -> String {
    std::env::var("TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// Runs a future to completion on a private runtime in its own thread, so it
/// works from sync tests, async tests and `Drop` alike.
fn block_on<F: std::future::Future + Send + 'static>(f: F) -> F::Output
where
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    })
    .join()
    .expect("helper thread panicked")
}

/// A single-node Garage (S3-compatible object store) of the test's own, on
/// free loopback ports, with one bucket and key. Killed when dropped.
pub struct TestGarage {
    pub endpoint: String,
    pub bucket: String,
    dir: tempfile::TempDir,
    config: PathBuf,
    child: std::sync::Mutex<Option<Child>>,
}

pub const GARAGE_ACCESS_KEY: &str = "GK5a6f0e2b7c9d1e3f4a5b6c7d";
pub const GARAGE_SECRET_KEY: &str =
    "4f3e2d1c0b9a8f7e6d5c4b3a29181716f5e4d3c2b1a09f8e7d6c5b4a39281706";
pub const GARAGE_REGION: &str = "garage";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestGarage {
    pub fn start() -> Self {
        // Free ports are picked, released, then bound by Garage: another
        // process may take one in between. Then Garage exits at once with
        // "Address already in use", and it is tried again on other ports.
        let mut last = String::new();
        for _ in 0..5 {
            let garage = Self::configure();
            match garage.try_resume() {
                Ok(()) => return garage,
                Err(log) if log.contains("Address already in use") => last = log,
                Err(log) => panic!("Garage did not start:\n{log}"),
            }
        }
        panic!("Garage did not start; every port tried was taken:\n{last}")
    }

    fn configure() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (s3, rpc) = (free_port(), free_port());
        let config = dir.path().join("garage.toml");
        std::fs::write(
            &config,
            format!(
                "metadata_dir = \"{d}/meta\"\ndata_dir = \"{d}/data\"\ndb_engine = \"sqlite\"\n\
                 replication_factor = 1\nrpc_bind_addr = \"127.0.0.1:{rpc}\"\n\
                 rpc_public_addr = \"127.0.0.1:{rpc}\"\nrpc_secret = \"{secret}\"\n\n\
                 [s3_api]\ns3_region = \"{GARAGE_REGION}\"\napi_bind_addr = \"127.0.0.1:{s3}\"\n\
                 root_domain = \".s3.garage.localhost\"\n",
                d = dir.path().display(),
                secret = "0".repeat(64),
            ),
        )
        .unwrap();
        Self {
            endpoint: format!("http://127.0.0.1:{s3}"),
            bucket: "sohoa-test".into(),
            dir,
            config,
            child: std::sync::Mutex::new(None),
        }
    }

    /// Starts (or restarts) the server on the same data and ports.
    #[allow(dead_code)] // used by the scale_out tests, which share this file
    pub fn resume(&self) {
        if let Err(log) = self.try_resume() {
            panic!("Garage did not start:\n{log}");
        }
    }

    /// Starts the server and waits until it answers; its log when it cannot.
    fn try_resume(&self) -> Result<(), String> {
        let log = std::fs::File::create(self.dir.path().join("garage.log")).unwrap();
        let child = Command::new("garage")
            .arg("-c")
            .arg(&self.config)
            .args(["server", "--single-node", "--default-bucket"])
            .env("GARAGE_DEFAULT_ACCESS_KEY", GARAGE_ACCESS_KEY)
            .env("GARAGE_DEFAULT_SECRET_KEY", GARAGE_SECRET_KEY)
            .env("GARAGE_DEFAULT_BUCKET", &self.bucket)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("garage runs (cargo install garage --locked)");
        *self.child.lock().unwrap() = Some(child);
        let result = self.wait_ready();
        if result.is_err() {
            self.stop();
        }
        result
    }

    /// Stops the server, as an outage would.
    pub fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn wait_ready(&self) -> Result<(), String> {
        // Ready once the bucket answers a listing with our key.
        let (endpoint, bucket) = (self.endpoint.clone(), self.bucket.clone());
        let started = Instant::now();
        let log =
            || std::fs::read_to_string(self.dir.path().join("garage.log")).unwrap_or_default();
        loop {
            let exited = self
                .child
                .lock()
                .unwrap()
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_some());
            if exited {
                return Err(log());
            }
            let (endpoint, bucket) = (endpoint.clone(), bucket.clone());
            let ok = block_on(async move {
                use futures_util::StreamExt;
                use object_store::ObjectStore;
                let s3 = s3_store(&endpoint, &bucket);
                s3.list(None).next().await.is_none_or(|r| r.is_ok())
            });
            if ok {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(30) {
                return Err(log());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// What a sohoa process needs to reach this store.
    pub fn env(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("SOHOA_BLOB_URL", format!("s3://{}/{prefix}", self.bucket)),
            ("SOHOA_S3_ENDPOINT", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", GARAGE_ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", GARAGE_SECRET_KEY.into()),
            ("AWS_REGION", GARAGE_REGION.into()),
        ]
    }
}

impl Drop for TestGarage {
    fn drop(&mut self) {
        self.stop();
    }
}

fn s3_store(endpoint: &str, bucket: &str) -> object_store::aws::AmazonS3 {
    let _ = rustls::crypto::ring::default_provider().install_default();
    object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_region(GARAGE_REGION)
        .with_access_key_id(GARAGE_ACCESS_KEY)
        .with_secret_access_key(GARAGE_SECRET_KEY)
        .with_retry(object_store::RetryConfig {
            max_retries: 0,
            ..Default::default()
        })
        .build()
        .unwrap()
}

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

pub struct Options {
    pub workers: bool,
    pub env: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workers: true,
            env: Vec::new(),
        }
    }
}

pub struct TestApp {
    pub url: String,
    pub stores: std::sync::Arc<Stores>,
    pub client: reqwest::Client,
    pub intake_key: String,
    child: Child,
    options_env: Vec<(&'static str, String)>,
    workers: bool,
}

impl TestApp {
    /// A server with OCR workers.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    /// A server whose uploads stay `processing`: for tests that need no OCR.
    pub async fn spawn_without_workers() -> Self {
        Self::spawn_with(Options {
            workers: false,
            ..Options::default()
        })
        .await
    }

    pub async fn spawn_with(options: Options) -> Self {
        Self::spawn_on(std::sync::Arc::new(Stores::new()), options)
    }

    /// A server on stores that already exist (another instance of the same
    /// deployment). Each instance gets an intake key of its own.
    pub fn spawn_on(stores: std::sync::Arc<Stores>, mut options: Options) -> Self {
        options.env.extend(stores.env());
        let tag = uuid::Uuid::now_v7().simple().to_string();
        let name = format!("counter-desk-{}", &tag[tag.len() - 6..]);
        let intake_key = create_key_with(&stores, &name, "intake");
        // Everything that can fail comes before the server starts, so that a
        // panic never leaves a server running without a TestApp to stop it.
        let client = http_client();
        let child = start_server(stores.dir.path(), options.workers, &options.env);
        let url = read_url(child, stores.dir.path());
        Self {
            url: url.0,
            child: url.1,
            stores,
            client,
            intake_key,
            options_env: options.env,
            workers: options.workers,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.stores.dir.path()
    }

    pub fn create_key(&self, name: &str, role: &str) -> String {
        create_key_with(&self.stores, name, role)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the server outright (SIGKILL), as a crash or power cut would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same data folder.
    pub fn restart(&mut self) {
        self.kill();
        let child = start_server(self.data_dir(), self.workers, &self.options_env);
        let (url, child) = read_url(child, self.data_dir());
        self.url = url;
        self.child = child;
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir().join("server.log")).unwrap_or_default()
    }

    pub async fn upload(&self, key: &str, meta: Value, files: &[&str]) -> reqwest::Response {
        let parts: Vec<(String, Vec<u8>)> = files
            .iter()
            .map(|f| (f.to_string(), fixture_bytes(f)))
            .collect();
        self.upload_bytes(key, Some(meta), parts).await
    }

    pub async fn upload_bytes(
        &self,
        key: &str,
        meta: Option<Value>,
        files: Vec<(String, Vec<u8>)>,
    ) -> reqwest::Response {
        self.post_files(key, "/v1/records", meta, files).await
    }

    /// Registers fixture files as a result (`POST /v1/results`).
    #[allow(dead_code)] // not used by the scale_out tests, which share this file
    pub async fn register(&self, key: &str, meta: Value, files: &[&str]) -> reqwest::Response {
        let parts = files
            .iter()
            .map(|f| (f.to_string(), fixture_bytes(f)))
            .collect();
        self.post_files(key, "/v1/results", Some(meta), parts).await
    }

    /// Posts the upload shape (`meta` part, `page` parts) to `path`.
    async fn post_files(
        &self,
        key: &str,
        path: &str,
        meta: Option<Value>,
        files: Vec<(String, Vec<u8>)>,
    ) -> reqwest::Response {
        let mut form = Form::new();
        if let Some(meta) = meta {
            form = form.part(
                "meta",
                Part::text(meta.to_string())
                    .mime_str("application/json")
                    .unwrap(),
            );
        }
        for (name, bytes) in files {
            form = form.part("page", Part::bytes(bytes).file_name(name));
        }
        self.client
            .post(format!("{}{path}", self.url))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .expect("upload request")
    }

    /// Checks a file with the public `POST /v1/verify` (no key).
    #[allow(dead_code)] // not used by the scale_out tests, which share this file
    pub async fn verify_file(&self, bytes: Vec<u8>) -> reqwest::Response {
        let form = Form::new().part("file", Part::bytes(bytes).file_name("scan"));
        self.client
            .post(format!("{}/v1/verify", self.url))
            .multipart(form)
            .send()
            .await
            .expect("verify request")
    }

    pub async fn get(&self, key: &str, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.url))
            .bearer_auth(key)
            .send()
            .await
            .expect("GET request")
    }

    pub async fn get_json(&self, key: &str, path: &str) -> Value {
        let res = self.get(key, path).await;
        assert!(res.status().is_success(), "GET {path}: {}", res.status());
        res.json().await.unwrap()
    }

    /// Polls a record until its status leaves `processing`.
    pub async fn wait_until_processed(&self, id: &str, timeout: Duration) -> Value {
        let started = Instant::now();
        loop {
            let record = self
                .get_json(&self.intake_key, &format!("/v1/records/{id}"))
                .await;
            if record["status"] != "processing" {
                return record;
            }
            assert!(
                started.elapsed() < timeout,
                "record {id} still processing after {timeout:?}; server log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Objects in the blob store.
    pub async fn blob_count(&self) -> usize {
        self.stores.blob_count().await
    }

    /// Rows in a table, read straight from the database.
    pub async fn count_rows(&self, table: &str) -> i64 {
        self.stores
            .scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `sohoa` command against these stores.
pub fn sohoa(stores: &Stores, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(stores.dir.path())
        .args(args)
        .envs(stores.env())
        .env("SOHOA_LOG", "warn")
        .env("SOHOA_OCR_WORKERS", "1")
        .output()
        .expect("sohoa runs")
}

/// Runs `sohoa keys create` and returns the key from its last line.
pub fn create_key_with(stores: &Stores, name: &str, role: &str) -> String {
    let out = sohoa(stores, &["keys", "create", "--name", name, "--role", role]);
    assert!(
        out.status.success(),
        "keys create failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    stdout.lines().last().unwrap().trim().to_owned()
}

fn start_server(dir: &Path, workers: bool, env: &[(&'static str, String)]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let mut cmd = Command::new(BIN);
    cmd.args([
        "--data-dir",
        dir.to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    if !workers {
        cmd.arg("--no-workers");
    }
    cmd.env("SOHOA_OCR_WORKERS", "1")
        .env("SOHOA_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(log);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("sohoa serve starts")
}

/// Reads the "sohoa listening on URL" line the server prints when ready.
fn read_url(mut child: Child, dir: &Path) -> (String, Child) {
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    match lines.next() {
        Some(Ok(line)) if line.starts_with("sohoa listening on ") => {
            let url = line
                .trim_start_matches("sohoa listening on ")
                .trim()
                .to_owned();
            // Keep draining stdout so the server never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines.by_ref() {});
            (url, child)
        }
        other => {
            let _ = child.kill();
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("server did not start ({other:?}); log:\n{log}");
        }
    }
}

pub fn meta(kind: &str) -> Value {
    serde_json::json!({ "subject_id": SUBJECT, "kind": kind })
}

/// An HTTP client. reqwest shares sohoa's TLS setup (rustls with no provider
/// of its own), so the ring provider is installed first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
