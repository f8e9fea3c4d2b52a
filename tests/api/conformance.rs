//! The server does what its OpenAPI document says: schemathesis (installed
//! from PyPI by `scripts/install-deps.sh --test`) generates requests from
//! `/openapi.json`, valid and invalid, and runs every check it has
//! (`--checks all`: no server error, status and headers and body as
//! documented, schema-valid requests accepted, invalid ones refused,
//! undeclared methods answered 405, …), a bounded number of examples per
//! operation. Run on the embedded stack; the distributed one serves the same
//! routes from the same code. `schemathesis/hooks.py` gives generated tax
//! codes their check digit, and `schemathesis/schemathesis.toml` says why a
//! generated upload of random bytes may be answered 415 or 422: the two
//! things the document can only say in words.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::{Options, TestApp, distributed};

fn schemathesis() -> PathBuf {
    if let Ok(path) = std::env::var("SCHEMATHESIS") {
        return PathBuf::from(path);
    }
    let venv = std::env::var("SOHOA_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".local/share/sohoa/venv")
        });
    venv.join("bin/schemathesis")
}

#[tokio::test]
async fn every_operation_answers_as_the_openapi_document_says() {
    if distributed() {
        return;
    }
    let bin = schemathesis();
    assert!(
        bin.exists(),
        "{} is missing: run scripts/install-deps.sh --test",
        bin.display()
    );
    // The public verify endpoint's per-address limit is not under test here.
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![("SOHOA_VERIFY_PER_MINUTE", "1000000".into())],
    })
    .await;
    let admin = app.create_key("conformance", "admin");
    let examples = std::env::var("SCHEMATHESIS_EXAMPLES").unwrap_or_else(|_| "25".into());
    let report = app.data_dir().join("schemathesis");
    let schema = format!("{}/openapi.json", app.url);
    let app_url = app.url.clone();
    let report_dir = report.clone();
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/api/schemathesis");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&bin)
            .arg("--config-file")
            .arg(here.join("schemathesis.toml"))
            .args([
                "run",
                &schema,
                "--checks",
                "all",
                "--max-examples",
                &examples,
            ])
            .args(["--url", &app_url])
            .args(["--header", &format!("Authorization: Bearer {admin}")])
            .args(["--seed", "1", "--no-color", "--workers", "2"])
            .args(["--report", "junit", "--report-dir"])
            .arg(&report_dir)
            .env("PYTHONPATH", &here)
            .env("SCHEMATHESIS_HOOKS", "hooks")
            .output()
            .expect("running schemathesis")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{stdout}\n{stderr}"
    );
    assert!(
        !app.log().contains("panicked"),
        "the server panicked under schemathesis:\n{}",
        app.log()
    );
}
