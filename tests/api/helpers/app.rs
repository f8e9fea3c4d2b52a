//! A running `sohoa serve` on those stores, and the client that talks to it.

use super::*;

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

    /// [`TestApp::upload`], answered as JSON whatever its status.
    pub async fn upload_json(&self, key: &str, meta: Value, files: &[&str]) -> Value {
        self.upload(key, meta, files).await.json().await.unwrap()
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
        .env(
            "SOHOA_MODELS_DIR",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models"),
        )
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
