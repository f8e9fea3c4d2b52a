//! Scaling out: several sohoa instances on one PostgreSQL and one S3 store
//! (a Garage of the test's own). These always run on the distributed stack.

#[path = "../api/helpers/mod.rs"]
#[allow(dead_code, unused_imports)]
mod helpers;

use std::sync::Arc;
use std::time::{Duration, Instant};

use helpers::{Options, Stores, TestApp, fixture_bytes, meta};
use serde_json::{Value, json};

fn shared_stores() -> Arc<Stores> {
    Arc::new(Stores::of_stack(true))
}

fn lease(secs: u64) -> Options {
    Options {
        workers: true,
        env: vec![("SOHOA_JOB_LEASE_SECS", secs.to_string())],
    }
}

/// A valid personal ID number per upload (Hanoi, born 1990).
fn subject(i: usize) -> String {
    format!("001090{i:06}")
}

#[tokio::test]
async fn a_scan_uploaded_to_one_instance_is_served_by_the_other() {
    let stores = shared_stores();
    let a = TestApp::spawn_on(
        stores.clone(),
        Options {
            workers: false,
            env: vec![],
        },
    );
    let b = TestApp::spawn_on(
        stores.clone(),
        Options {
            workers: false,
            env: vec![],
        },
    );

    let body: Value = a
        .upload_json(&a.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    let id = body["id"].as_str().unwrap();
    let page = b
        .get(&b.intake_key, &format!("/v1/records/{id}/pages/1"))
        .await;
    assert_eq!(page.status(), 200);
    assert_eq!(
        page.bytes().await.unwrap().to_vec(),
        fixture_bytes("cccd_front.jpg")
    );
    assert_eq!(
        stores.blob_count().await,
        1,
        "the original is in the shared object store"
    );

    // The same pages sent to the other instance are the same record.
    let again = b
        .upload(&b.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn twenty_uploads_spread_over_two_instances_are_each_recognised_exactly_once() {
    let stores = shared_stores();
    let apps = [
        TestApp::spawn_on(stores.clone(), lease(30)),
        TestApp::spawn_on(stores.clone(), lease(30)),
    ];
    let mut ids = Vec::new();
    for i in 0..20 {
        let app = &apps[i % 2];
        let m = json!({"subject_id": subject(i), "kind": "cccd"});
        let res = app.upload(&app.intake_key, m, &["cccd_front.jpg"]).await;
        assert_eq!(res.status(), 202);
        let body: Value = res.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    for (i, id) in ids.iter().enumerate() {
        let record = apps[(i + 1) % 2]
            .wait_until_processed(id, Duration::from_secs(180))
            .await;
        assert_eq!(record["status"], "pending_review", "{record:#}");
    }
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND kind = 'read_page'")
            .await,
        20,
        "each page read once"
    );
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND kind = 'assemble'")
            .await,
        20,
        "each record assembled once"
    );
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE attempts <> 1")
            .await,
        0,
        "every job was claimed exactly once"
    );
    assert_eq!(stores.blob_count().await, 1, "one original, stored once");
}

#[tokio::test]
async fn an_instance_killed_in_the_middle_of_ocr_has_its_job_finished_by_the_other() {
    let stores = shared_stores();
    let mut a = TestApp::spawn_on(stores.clone(), lease(2));
    let b = TestApp::spawn_on(stores.clone(), lease(2));
    let body: Value = a
        .upload_json(&a.intake_key, meta("other"), &["two_page.pdf"])
        .await;
    let id = body["id"].as_str().unwrap().to_owned();

    // Wait until instance A holds a job (worker ids carry the process id), then kill it.
    let a_marker = format!("-{}-", a.pid());
    let started = Instant::now();
    loop {
        let owner = stores
            .text(&format!("SELECT lease_owner FROM jobs WHERE state = 'running' AND lease_owner LIKE '%{a_marker}%'"))
            .await;
        if owner.is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "instance A never held a job"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.kill();

    let record = b.wait_until_processed(&id, Duration::from_secs(120)).await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    for page in record["pages"].as_array().unwrap() {
        assert!(
            page["ocr_text"].as_str().unwrap().contains("ĐƠN ĐỀ NGHỊ"),
            "{page:#}"
        );
    }
    assert_eq!(stores.scalar("SELECT COUNT(*) FROM records").await, 1);
    assert_eq!(stores.scalar("SELECT COUNT(*) FROM pages").await, 2);
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND kind = 'read_page'")
            .await,
        2,
        "each of the two pages read once"
    );
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'done' AND kind = 'assemble'")
            .await,
        1
    );
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
            .await,
        0
    );
    assert!(
        stores.scalar("SELECT MAX(attempts) FROM jobs").await >= 2,
        "the killed instance's job was taken over"
    );
}

#[tokio::test]
async fn uploads_answer_storage_unavailable_while_the_object_store_is_down_and_recover_after() {
    let stores = shared_stores();
    let app = TestApp::spawn_on(
        stores.clone(),
        Options {
            workers: false,
            env: vec![],
        },
    );
    let garage = stores.garage.as_ref().unwrap();

    garage.stop();
    let res = app
        .upload(&app.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    assert_eq!(res.status(), 503);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "storage_unavailable", "{body}");
    assert_eq!(
        stores.scalar("SELECT COUNT(*) FROM records").await,
        0,
        "no row without its bytes"
    );
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 503);

    garage.resume();
    let res = app
        .upload(&app.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    assert_eq!(
        res.status(),
        202,
        "uploads work again without restarting sohoa"
    );
    assert_eq!(stores.scalar("SELECT COUNT(*) FROM records").await, 1);
}

#[tokio::test]
async fn a_job_that_keeps_failing_retries_with_backoff_then_fails_its_record_with_the_reason() {
    let stores = shared_stores();
    let intake = TestApp::spawn_on(
        stores.clone(),
        Options {
            workers: false,
            env: vec![],
        },
    );
    let body: Value = intake
        .upload_json(&intake.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    let id = body["id"].as_str().unwrap().to_owned();

    // The original becomes unreadable: every attempt fails, but transiently.
    stores.garage.as_ref().unwrap().stop();
    let started = Instant::now();
    let worker = TestApp::spawn_on(stores.clone(), lease(30));
    let record = worker
        .wait_until_processed(&id, Duration::from_secs(120))
        .await;
    assert_eq!(record["status"], "failed", "{record:#}");
    let reason = record["status_reason"].as_str().unwrap();
    assert!(
        reason.contains("unavailable"),
        "the reason says what went wrong: {reason}"
    );
    assert_eq!(
        stores.scalar("SELECT attempts FROM jobs").await,
        3,
        "the default of three attempts"
    );
    assert_eq!(
        stores
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'failed'")
            .await,
        1
    );
    // Backoff: 2 s after the first attempt, 4 s after the second.
    assert!(
        started.elapsed() >= Duration::from_secs(6),
        "retried too fast: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn two_instances_appending_for_the_same_subject_at_once_keep_one_valid_chain() {
    let stores = shared_stores();
    let no_workers = || Options {
        workers: false,
        env: vec![],
    };
    let a = TestApp::spawn_on(stores.clone(), no_workers());
    let b = TestApp::spawn_on(stores.clone(), no_workers());
    let owner = subject(7);
    let reads = (0..120).map(|i| {
        let app = if i % 2 == 0 { &a } else { &b };
        let path = format!(
            "/v1/subjects/{owner}/records?purpose=000.00.00.H00-261123-{:04}",
            i + 1
        );
        async move { app.get(&app.intake_key, &path).await.status() }
    });
    for status in futures_util::future::join_all(reads).await {
        assert_eq!(status, 200);
    }
    let chain = stores
        .scalar(&format!(
            "SELECT COUNT(DISTINCT chain_seq) FROM access_log WHERE subject_id = '{owner}'"
        ))
        .await;
    assert_eq!(chain, 120);
    let head = stores
        .scalar(&format!(
            "SELECT seq FROM ledger_chains WHERE subject_id = '{owner}'"
        ))
        .await;
    assert_eq!(head, 120);
    let out = helpers::sohoa(&stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("intact: 120 entries in 1 subject chains"),
        "{stdout}"
    );
}
