//! Starts the real `sohoa` binary on a random port with a fresh data folder,
//! and talks to it as a client would.

mod app;
mod garage;
mod stores;

pub use app::{Options, TestApp, sohoa};
pub use garage::TestGarage;
pub use stores::Stores;

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

pub fn meta(kind: &str) -> Value {
    serde_json::json!({ "subject_id": SUBJECT, "kind": kind })
}

/// An HTTP client. reqwest shares sohoa's TLS setup (rustls with no provider
/// of its own), so the ring provider is installed first.
pub fn http_client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}
