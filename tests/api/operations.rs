//! What an operator relies on: health, the API description, logs, config.

use std::time::Duration;

use crate::helpers::{BIN, Options, SUBJECT, TestApp, meta};

#[tokio::test]
async fn health_and_the_openapi_document_need_no_key() {
    let app = TestApp::spawn_without_workers().await;
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let body: serde_json::Value = health.json().await.unwrap();
    assert_eq!(
        (body["status"].as_str(), body["database"].as_str()),
        (Some("ok"), Some("ok"))
    );
    assert!(
        app.client
            .get(format!("{}/healthz", app.url))
            .send()
            .await
            .unwrap()
            .headers()
            .contains_key("x-request-id")
    );

    let doc: serde_json::Value = app
        .client
        .get(format!("{}/openapi.json", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/v1/records", "post"),
        ("/v1/records/{id}", "get"),
        ("/v1/records/{id}/pages/{n}", "get"),
        ("/v1/subjects/{subject_id}/records", "get"),
        ("/v1/dossiers", "post"),
        ("/v1/dossiers/{code}", "get"),
        ("/v1/records/{id}/review", "post"),
        ("/v1/records/{id}/certificate", "get"),
        ("/v1/records/{id}/pdf", "get"),
        ("/v1/records/{id}/revoke", "post"),
        ("/v1/results", "post"),
        ("/v1/reuse-check", "post"),
        ("/v1/stats/reuse", "get"),
        ("/v1/catalogue/kinds", "get"),
        ("/v1/catalogue/kinds/{kind}", "put"),
        ("/v1/signing-keys", "get"),
        ("/v1/verify", "post"),
        ("/v1/subjects/{subject_id}/access-log", "get"),
        ("/v1/subjects/{subject_id}/citizen-links", "post"),
        ("/v1/citizen-links/{id}/revoke", "post"),
        ("/c/{token}", "get"),
        ("/healthz", "get"),
        ("/openapi.json", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "OpenAPI lacks {method} {path}"
        );
    }
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
}

#[tokio::test]
async fn info_logs_never_contain_id_numbers_names_or_document_text() {
    let app = TestApp::spawn().await;
    let body: serde_json::Value = app
        .upload_json(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    app.wait_until_processed(body["id"].as_str().unwrap(), Duration::from_secs(120))
        .await;
    app.get(&app.intake_key, &format!("/v1/subjects/{SUBJECT}/records"))
        .await;
    // Review, a citizen's link, a reuse check: names and tokens stay out too.
    let id = body["id"].as_str().unwrap();
    let post = |path: String, json: serde_json::Value| {
        app.client
            .post(format!("{}{path}", app.url))
            .bearer_auth(&app.intake_key)
            .json(&json)
            .send()
    };
    let res = post(
        format!("/v1/records/{id}/review"),
        serde_json::json!({"decision": "confirm", "officer": "Lê Thị Hoa"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let link: serde_json::Value = post(
        format!("/v1/subjects/{SUBJECT}/citizen-links"),
        serde_json::json!({}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let url = link["url"].as_str().unwrap();
    assert_eq!(app.client.get(url).send().await.unwrap().status(), 200);
    let res = post(
        "/v1/reuse-check".into(),
        serde_json::json!({"subject_id": SUBJECT, "dossier_code": "000.00.00.H00-261123-0001", "required": [{"kind": "birth_certificate"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let token = url.rsplit('/').next().unwrap();
    let log = app.log();
    assert!(
        log.contains("record digitised"),
        "the log should say what happened:\n{log}"
    );
    for secret in [
        SUBJECT,
        "NGUYỄN",
        "Nguyễn",
        "KHAI SINH",
        "Bệnh viện",
        "Lê Thị Hoa",
        token,
    ] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }
}

#[tokio::test]
async fn the_server_runs_ocr_single_threaded_whatever_the_environment_says() {
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![("OMP_THREAD_LIMIT", "8".into())],
    })
    .await;
    let environ = std::fs::read(format!("/proc/{}/environ", app.pid())).unwrap();
    let vars: Vec<&[u8]> = environ.split(|b| *b == 0).collect();
    assert!(
        vars.contains(&&b"OMP_THREAD_LIMIT=1"[..]),
        "OMP_THREAD_LIMIT is not 1"
    );
    assert!(!vars.contains(&&b"OMP_THREAD_LIMIT=8"[..]));
}

#[test]
fn config_prints_the_effective_settings_with_environment_overrides() {
    let out = std::process::Command::new(BIN)
        .args(["--data-dir", "/tmp/sohoa-config-test", "config"])
        .env("SOHOA_MAX_PAGES", "7")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("max_pages = 7"), "{text}");
    assert!(text.contains("\"/tmp/sohoa-config-test\""), "{text}");

    let bad = std::process::Command::new(BIN)
        .arg("config")
        .env("SOHOA_MAX_PAGES", "many")
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr)
            .to_lowercase()
            .contains("max_pages")
    );
}

#[tokio::test]
async fn metrics_are_served_to_admins_in_prometheus_format_with_no_personal_data_in_labels() {
    let app = TestApp::spawn_without_workers().await;
    let admin = app.create_key("operator", "admin");
    let list = format!("/v1/subjects/{SUBJECT}/records");
    for _ in 0..3 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    // A search with no hits: timed, and nothing to log.
    let search = app.get(&app.intake_key, "/v1/search?q=nguyen").await;
    assert_eq!(search.status(), 200);
    app.upload(
        &app.intake_key,
        meta("birth_certificate"),
        &["birth_certificate.png"],
    )
    .await;
    let res = app
        .client
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(app.get(&app.intake_key, "/metrics").await.status(), 403);
    let res = app.get(&admin, "/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    for expected in [
        r#"sohoa_http_requests_total{method="GET",route="/v1/subjects/{subject_id}/records",status="200"} 3"#,
        r#"sohoa_http_request_seconds_bucket{method="POST",route="/v1/records""#,
        "sohoa_ledger_entries_total 3",
        "sohoa_ledger_commit_seconds_count",
        r#"sohoa_jobs{state="queued"}"#,
        r#"sohoa_search_seconds_count{phase="match"} 1"#,
        r#"sohoa_search_seconds_bucket{phase="log",le="0.001"}"#,
    ] {
        assert!(text.contains(expected), "{expected} not in:\n{text}");
    }
    assert!(
        !text.contains(SUBJECT),
        "an ID number in the metrics:\n{text}"
    );
}
