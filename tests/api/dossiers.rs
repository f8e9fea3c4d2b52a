//! Dossiers and their codes.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::helpers::{Options, SUBJECT, TestApp};

const AGENCY: &str = "000.00.06.H56";

async fn app() -> TestApp {
    TestApp::spawn_with(Options {
        workers: false,
        env: vec![("SOHOA_AGENCY_ID", AGENCY.into())],
    })
    .await
}

async fn open(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/v1/dossiers", app.url))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn vietnam_today() -> String {
    let offset = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    chrono::Utc::now()
        .with_timezone(&offset)
        .format("%y%m%d")
        .to_string()
}

#[tokio::test]
async fn fifty_dossiers_opened_at_once_get_fifty_unique_consecutive_codes() {
    let app = app().await;
    let body = json!({"subject_id": SUBJECT, "procedure_code": "1.001193"});
    let requests = (0..50).map(|_| open(&app, &app.intake_key, body.clone()));
    let responses = futures_util::future::join_all(requests).await;
    let mut sequences = BTreeSet::new();
    for res in responses {
        assert_eq!(res.status(), 201);
        let dossier: Value = res.json().await.unwrap();
        let code = dossier["code"].as_str().unwrap().to_owned();
        let prefix = format!("{AGENCY}-{}-", vietnam_today());
        assert!(code.starts_with(&prefix), "{code}");
        assert!(
            sequences.insert(code[prefix.len()..].parse::<u32>().unwrap()),
            "{code} given twice"
        );
    }
    assert_eq!(sequences, (1..=50).collect::<BTreeSet<u32>>());
}

#[tokio::test]
async fn records_uploaded_with_a_dossier_code_are_listed_in_that_dossier() {
    let app = app().await;
    let dossier: Value = open(
        &app,
        &app.intake_key,
        json!({"subject_id": SUBJECT, "procedure_code": "1.001193"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let code = dossier["code"].as_str().unwrap();
    assert_eq!(dossier["records"].as_array().unwrap().len(), 0);

    let meta = json!({"subject_id": SUBJECT, "kind": "cccd", "dossier_code": code});
    let uploaded: Value = app
        .upload_json(&app.intake_key, meta, &["cccd_front.jpg"])
        .await;
    app.upload(
        &app.intake_key,
        crate::helpers::meta("birth_certificate"),
        &["birth_certificate.png"],
    )
    .await;

    let reader = app.create_key("back-office", "reader");
    let listed = app.get_json(&reader, &format!("/v1/dossiers/{code}")).await;
    assert_eq!(listed["procedure_code"], "1.001193");
    assert_eq!(listed["subject_id"], SUBJECT);
    let records = listed["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], uploaded["id"]);
}

#[tokio::test]
async fn opening_a_dossier_checks_its_input_and_the_callers_role() {
    let app = app().await;
    let res = open(
        &app,
        &app.intake_key,
        json!({"subject_id": "123", "procedure_code": "1.001193"}),
    )
    .await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_subject_id"
    );
    let res = open(
        &app,
        &app.intake_key,
        json!({"subject_id": SUBJECT, "procedure_code": "  "}),
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_procedure_code"
    );
    let res = open(&app, &app.intake_key, json!({"subject_id": SUBJECT})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_json");
    let reader = app.create_key("back-office", "reader");
    let res = open(
        &app,
        &reader,
        json!({"subject_id": SUBJECT, "procedure_code": "1.001193"}),
    )
    .await;
    assert_eq!(res.status(), 403);
    assert_eq!(app.count_rows("dossiers").await, 0);

    let res = app
        .get(
            &app.intake_key,
            &format!("/v1/dossiers/{AGENCY}-261123-9999"),
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = app.get(&app.intake_key, "/v1/dossiers/not-a-code").await;
    assert_eq!(res.status(), 404);

    // An upload naming a malformed dossier code stores nothing.
    let meta = json!({"subject_id": SUBJECT, "kind": "cccd", "dossier_code": "HS-123"});
    let res = app.upload(&app.intake_key, meta, &["cccd_front.jpg"]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_meta");
    assert_eq!(app.count_rows("records").await, 0);
}
