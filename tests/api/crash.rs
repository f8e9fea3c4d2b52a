//! Nothing acknowledged is lost, however the server dies: uploads run while
//! it is SIGKILLed at random moments, round after round, OCR running; then
//! every record that was acknowledged is read back byte for byte and reaches
//! `pending_review`. The suite runs a few rounds; `make crash-test` runs 50
//! (`CRASH_ROUNDS`).

use std::time::Duration;

use rand::Rng;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::helpers::{Options, TestApp, fixture_bytes};

const FILE: &str = "cccd_front.jpg";
const CLIENTS: usize = 4;

/// One upload of an ID card for `owner`; its record id once acknowledged.
async fn upload(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    owner: &str,
    bytes: Vec<u8>,
) -> Option<String> {
    let meta = json!({"subject_id": owner, "kind": "cccd", "paper": "ID1"});
    let form = Form::new()
        .part(
            "meta",
            Part::text(meta.to_string())
                .mime_str("application/json")
                .unwrap(),
        )
        .part("page", Part::bytes(bytes).file_name(FILE));
    let res = client
        .post(format!("{url}/v1/records"))
        .bearer_auth(key)
        .multipart(form)
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let body: Value = res.json().await.ok()?;
    body["id"].as_str().map(str::to_owned)
}

fn rounds() -> usize {
    std::env::var("CRASH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

#[tokio::test]
async fn every_upload_acknowledged_before_a_sigkill_at_a_random_moment_is_kept_byte_for_byte() {
    let mut app = TestApp::spawn_with(Options {
        workers: true,
        // A killed worker's job is taken over two seconds later. A job cut
        // short by a crash counts as an attempt (three in a row mark a page
        // that kills its worker); kills a second apart are no such page.
        env: vec![
            ("SOHOA_JOB_LEASE_SECS", "2".into()),
            ("SOHOA_JOB_MAX_ATTEMPTS", "1000".into()),
        ],
    })
    .await;
    let bytes = fixture_bytes(FILE);
    let mut acknowledged: Vec<String> = Vec::new();
    let mut rng = rand::rng();
    for round in 0..rounds() {
        // Four clients upload one ID card after another (each a new owner,
        // so none is the same paper as another) until the server dies.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (client, url, key) =
                    (app.client.clone(), app.url.clone(), app.intake_key.clone());
                let (bytes, tx) = (bytes.clone(), tx.clone());
                tokio::spawn(async move {
                    for n in 0..1000 {
                        let owner = format!("001090{:06}", round * 10_000 + c * 1000 + n);
                        match upload(&client, &url, &key, &owner, bytes.clone()).await {
                            Some(id) => {
                                let _ = tx.send(id);
                            }
                            None => return,
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        // The kill comes at a random moment after the first acknowledgement,
        // with the other clients' uploads in flight.
        let first = tokio::time::timeout(Duration::from_secs(120), rx.recv())
            .await
            .expect("no upload acknowledged within two minutes");
        acknowledged.extend(first);
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..500))).await;
        app.kill();
        for client in clients {
            client.await.unwrap();
        }
        while let Some(id) = rx.recv().await {
            acknowledged.push(id);
        }
        app.restart();
    }
    eprintln!(
        "{} rounds, {} uploads acknowledged before their round's kill",
        rounds(),
        acknowledged.len()
    );
    assert!(
        !acknowledged.is_empty(),
        "no upload was acknowledged before any kill"
    );
    for id in &acknowledged {
        let record = app.wait_until_processed(id, Duration::from_secs(300)).await;
        assert_eq!(record["status"], "pending_review", "{record:#}");
        let page = app
            .get(&app.intake_key, &format!("/v1/records/{id}/pages/1"))
            .await;
        assert_eq!(page.status(), 200);
        assert_eq!(
            page.bytes().await.unwrap().to_vec(),
            bytes,
            "record {id}'s page"
        );
    }
    let (code, stdout) = {
        let out = crate::helpers::sohoa(&app.stores, &["audit", "verify"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{stdout}");
}
