//! Nothing acknowledged is lost: a crash in the middle of OCR is survived.

use std::time::{Duration, Instant};

use crate::helpers::{Options, TestApp, meta};

async fn running_jobs(app: &TestApp) -> i64 {
    app.stores
        .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
        .await
}

#[tokio::test]
async fn an_ocr_job_interrupted_by_a_crash_completes_after_restart() {
    let mut app = TestApp::spawn_with(Options {
        workers: true,
        env: vec![("SOHOA_JOB_LEASE_SECS", "2".into())],
    })
    .await;
    let body: serde_json::Value = app
        .upload_json(&app.intake_key, meta("other"), &["two_page.pdf"])
        .await;
    let id = body["id"].as_str().unwrap().to_owned();

    // Wait until a worker holds a job, then pull the plug.
    let started = Instant::now();
    while running_jobs(&app).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no job started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.kill();

    app.restart();
    let record = app
        .wait_until_processed(&id, Duration::from_secs(120))
        .await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    for page in record["pages"].as_array().unwrap() {
        assert!(
            page["ocr_text"].as_str().unwrap().contains("ĐƠN ĐỀ NGHỊ"),
            "{page:#}"
        );
    }
    let done = app
        .stores
        .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done'")
        .await;
    let attempts = app
        .stores
        .scalar("SELECT CAST(SUM(attempts) AS BIGINT) FROM jobs")
        .await;
    assert_eq!(done, 1, "the record's job finishes, once");
    assert!(
        attempts >= 2,
        "the interrupted job ran again (attempts {attempts})"
    );
}
