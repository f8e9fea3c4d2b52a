//! Provide once: results registered by their issuers, validity, revocation,
//! reuse for dossiers, purpose-bound reads, the hash-chained access ledger,
//! and the citizen's own view.

mod citizen;
mod ledger;
mod results;
mod reuse;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{SUBJECT, TestApp, fixture_bytes, sohoa};

const OCR_TIMEOUT: Duration = Duration::from_secs(180);
const DOSSIER: &str = "000.00.00.H00-261123-0001";
const OTHER_SUBJECT: &str = "079301000001";

async fn post(app: &TestApp, key: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.url))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .expect("POST request")
}

async fn register_result(app: &TestApp, issuer: &str, meta: Value, file: &str) -> Value {
    let res = app.register(issuer, meta, &[file]).await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 202, "{body:#}");
    app.wait_until_processed(body["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await
}

fn result_meta(kind: &str, issued_on: &str, number: &str) -> Value {
    json!({
        "subject_id": SUBJECT,
        "kind": kind,
        "result_code": "KQ.H56.000031",
        "document_number": number,
        "issuing_agency": "UBND phường Bến Nghé",
        "signer": "Trần Văn Bình",
        "issued_on": issued_on,
    })
}

async fn reuse_check(app: &TestApp, key: &str, on: &str, required: Value) -> Vec<Value> {
    let res = post(
        app,
        key,
        "/v1/reuse-check",
        json!({"subject_id": SUBJECT, "dossier_code": DOSSIER, "procedure_code": "1.000894", "on": on, "required": required}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

async fn verify_file(app: &TestApp, file: &str) -> Value {
    app.verify_file(fixture_bytes(file))
        .await
        .json()
        .await
        .unwrap()
}
