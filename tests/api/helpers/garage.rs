//! A single-node Garage (S3-compatible) of each test's own.

use super::*;

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

pub(super) fn free_port() -> u16 {
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

pub(super) fn s3_store(endpoint: &str, bucket: &str) -> object_store::aws::AmazonS3 {
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
