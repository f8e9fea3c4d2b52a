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
    pub dir: tempfile::TempDir,
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
        let dir = tempfile::tempdir().unwrap();
        let intake_key = create_key(dir.path(), "counter-desk-1", "intake");
        let child = start_server(dir.path(), options.workers, &options.env);
        let url = read_url(child, dir.path());
        Self {
            url: url.0,
            child: url.1,
            dir,
            client: reqwest::Client::new(),
            intake_key,
            options_env: options.env,
            workers: options.workers,
        }
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn create_key(&self, name: &str, role: &str) -> String {
        create_key(self.dir.path(), name, role)
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
        let child = start_server(self.dir.path(), self.workers, &self.options_env);
        let (url, child) = read_url(child, self.dir.path());
        self.url = url;
        self.child = child;
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
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
            .post(format!("{}/v1/records", self.url))
            .bearer_auth(key)
            .multipart(form)
            .send()
            .await
            .expect("upload request")
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

    /// Files in the blob store.
    pub fn blob_count(&self) -> usize {
        count_files(&self.dir.path().join("blobs"))
    }

    /// Rows in a table, read straight from the SQLite file.
    pub async fn count_rows(&self, table: &str) -> i64 {
        let url = format!(
            "sqlite://{}?mode=ro",
            self.dir.path().join("sohoa.db").display()
        );
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        n
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { count_files(&p) } else { 1 }
        })
        .sum()
}

/// Runs `sohoa keys create` and returns the key from its last line.
pub fn create_key(dir: &Path, name: &str, role: &str) -> String {
    let out = Command::new(BIN)
        .args([
            "--data-dir",
            dir.to_str().unwrap(),
            "keys",
            "create",
            "--name",
            name,
            "--role",
            role,
        ])
        .env("SOHOA_LOG", "warn")
        .output()
        .expect("sohoa keys create runs");
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
