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
    // One job per page and the assembly, each done once.
    assert_eq!(done, 3, "the record's jobs finish, once each");
    assert!(
        attempts >= 4,
        "the interrupted job ran again (attempts {attempts})"
    );
}

async fn page_jobs_done(app: &TestApp) -> i64 {
    app.stores
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'read_page' AND state = 'done'")
        .await
}

#[tokio::test]
async fn a_record_whose_worker_is_killed_between_pages_finishes_with_every_page_read_once() {
    let mut app = TestApp::spawn_with(Options {
        workers: true,
        env: vec![("SOHOA_JOB_LEASE_SECS", "2".into())],
    })
    .await;
    let body = app
        .upload_json(
            &app.intake_key,
            meta("other"),
            &["two_page.tiff", "two_page.pdf"],
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(body["pages"].as_array().unwrap().len(), 4);

    // Wait until the first page is read, then pull the plug.
    let started = Instant::now();
    while page_jobs_done(&app).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no page was read"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.kill();
    let read_before: i64 = page_jobs_done(&app).await;
    assert!(read_before < 4, "every page was read before the kill");
    let first_read = app
        .stores
        .text("SELECT CAST(MIN(ocr_done_at) AS TEXT) FROM pages WHERE ocr_done_at IS NOT NULL")
        .await;

    app.restart();
    let record = app
        .wait_until_processed(&id, Duration::from_secs(180))
        .await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    // The pages read before the crash were not read again.
    let once = app
        .stores
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'read_page' AND attempts = 1 AND state = 'done'")
        .await;
    assert!(
        once >= read_before,
        "{once} pages read once, {read_before} before the kill"
    );
    assert_eq!(page_jobs_done(&app).await, 4);
    assert_eq!(
        app.stores
            .text("SELECT CAST(MIN(ocr_done_at) AS TEXT) FROM pages WHERE ocr_done_at IS NOT NULL")
            .await,
        first_read,
        "the first page's reading was kept"
    );
    let assemblies = app
        .stores
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'assemble' AND state = 'done'")
        .await;
    assert_eq!(assemblies, 1, "the PDF is assembled once");

    // The PDF holds every page, each with its text.
    let pdf = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    let path = app.data_dir().join("record.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = std::process::Command::new("pdfinfo")
        .arg(&path)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.ends_with(" 4")),
        "{info}"
    );
    for page in 1..=4 {
        let text = std::process::Command::new("pdftotext")
            .args(["-f", &page.to_string(), "-l", &page.to_string()])
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("ĐƠN ĐỀ NGHỊ"), "page {page}: {text}");
    }
}

#[tokio::test]
async fn a_page_that_takes_longer_than_its_timeout_is_stopped_and_its_record_fails_with_the_reason()
{
    let app = TestApp::spawn_with(Options {
        workers: true,
        env: vec![
            // No page of a certificate is read in a millisecond.
            ("SOHOA_OCR_PAGE_TIMEOUT_SECS", "1".into()),
            ("SOHOA_JOB_MAX_ATTEMPTS", "2".into()),
        ],
    })
    .await;
    let body: serde_json::Value = app
        .upload_json(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    let id = body["id"].as_str().unwrap();
    let record = app.wait_until_processed(id, Duration::from_secs(120)).await;
    assert_eq!(record["status"], "failed", "{record}");
    let reason = record["status_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("longer than the time allowed"), "{record}");
    // The first timeout was one failed attempt, tried again before giving up.
    let log = app.log();
    assert!(
        log.contains("will retry"),
        "the first timeout was retried: {log}"
    );
}
