//! Every kind of bad input gets its stable code and changes nothing.

use serde_json::{Value, json};

use crate::helpers::{Options, SUBJECT, TestApp, fixture_bytes, meta};

async fn assert_error(res: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(res.status().as_u16(), status, "expected {code}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| m.len() > 10),
        "{body}"
    );
    body
}

async fn assert_nothing_stored(app: &TestApp) {
    assert_eq!(app.blob_count().await, 0, "no blob may be written");
    assert_eq!(
        app.count_rows("records").await,
        0,
        "no record may be written"
    );
    assert_eq!(app.count_rows("pages").await, 0);
    assert_eq!(app.count_rows("jobs").await, 0);
}

#[tokio::test]
async fn upload_with_invalid_subject_id_is_rejected_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    for bad in [
        "12345",
        "003090012345",
        "001234012345",
        "0100109107",
        "not-a-number",
    ] {
        let res = app
            .upload(
                &app.intake_key,
                json!({"subject_id": bad, "kind": "cccd"}),
                &["cccd_front.jpg"],
            )
            .await;
        assert_error(res, 400, "invalid_subject_id").await;
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn upload_with_unknown_kind_is_rejected_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(
            &app.intake_key,
            json!({"subject_id": SUBJECT, "kind": "passport"}),
            &["cccd_front.jpg"],
        )
        .await;
    let body = assert_error(res, 400, "unknown_kind").await;
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("birth_certificate")
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn upload_without_pages_or_meta_is_rejected_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    assert_error(
        app.upload(&app.intake_key, meta("cccd"), &[]).await,
        400,
        "missing_pages",
    )
    .await;
    let no_meta = app
        .upload_bytes(
            &app.intake_key,
            None,
            vec![("a.jpg".into(), fixture_bytes("cccd_front.jpg"))],
        )
        .await;
    assert_error(no_meta, 400, "missing_meta").await;
    let bad_meta = app
        .upload_bytes(
            &app.intake_key,
            Some(json!("just a string")),
            vec![("a.jpg".into(), fixture_bytes("cccd_front.jpg"))],
        )
        .await;
    assert_error(bad_meta, 400, "invalid_meta").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_file_that_is_not_a_scan_is_an_unsupported_media_type_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, meta("cccd"), &["not_an_image.txt"])
        .await;
    assert_error(res, 415, "unsupported_media_type").await;
    // A good page next to a bad one stores nothing either.
    let res = app
        .upload(
            &app.intake_key,
            meta("cccd"),
            &["cccd_front.jpg", "not_an_image.txt"],
        )
        .await;
    assert_error(res, 415, "unsupported_media_type").await;
    // JSON instead of multipart.
    let res = app
        .client
        .post(format!("{}/v1/records", app.url))
        .bearer_auth(&app.intake_key)
        .json(&meta("cccd"))
        .send()
        .await
        .unwrap();
    assert_error(res, 415, "unsupported_media_type").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_corrupt_scan_is_unreadable_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, meta("birth_certificate"), &["corrupt.png"])
        .await;
    let body = assert_error(res, 422, "unreadable_image").await;
    assert!(
        body["message"].as_str().unwrap().contains("scan it again"),
        "{body}"
    );
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn files_cut_short_or_damaged_in_any_format_are_refused_naming_file_and_page_and_store_nothing()
 {
    let app = TestApp::spawn_without_workers().await;
    for (file, page) in [
        ("png_no_iend.png", "page 1"),
        ("png_bad_crc.png", "page 1"),
        ("jpeg_no_eoi.jpg", "page 1"),
        ("jpeg_cut_mid_scan.jpg", "page 1"),
        ("tiff_cut.tiff", "page"),
        ("pdf_cut.pdf", ""),
    ] {
        // Behind a good page, so that the refusal names the second file.
        let res = app
            .upload(
                &app.intake_key,
                meta("birth_certificate"),
                &["birth_certificate.png", &format!("damaged/{file}")],
            )
            .await;
        let body = assert_error(res, 422, "unreadable_image").await;
        let message = body["message"].as_str().unwrap();
        assert!(message.starts_with("file 2: "), "{file}: {message}");
        assert!(message.contains(page), "{file}: {message}");
        assert!(message.contains("scan it again"), "{file}: {message}");
    }
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn a_decompression_bomb_is_refused_before_it_is_decoded_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, meta("other"), &["bomb.png"])
        .await;
    let body = assert_error(res, 413, "image_too_large").await;
    assert!(
        body["message"].as_str().unwrap().contains("30000×30000"),
        "{body}"
    );
    assert_nothing_stored(&app).await;
    // Had the server allocated the bomb's pixels, it would hold gigabytes.
    let status = std::fs::read_to_string(format!("/proc/{}/status", app.pid())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(peak_kb < 500_000, "server peaked at {peak_kb} kB");
}

#[tokio::test]
async fn an_upload_past_the_configured_size_is_too_large_and_stores_nothing() {
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![("SOHOA_MAX_FILE_BYTES", "100000".into())],
    })
    .await;
    let res = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    assert_error(res, 413, "image_too_large").await;
    assert_nothing_stored(&app).await;
}

#[tokio::test]
async fn unknown_records_pages_and_endpoints_are_not_found() {
    let app = TestApp::spawn_without_workers().await;
    let key = &app.intake_key;
    assert_error(
        app.get(key, "/v1/records/01900000-0000-7000-8000-000000000000")
            .await,
        404,
        "not_found",
    )
    .await;
    let body: Value = app
        .upload_json(key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    let id = body["id"].as_str().unwrap();
    assert_error(
        app.get(key, &format!("/v1/records/{id}/pages/2")).await,
        404,
        "not_found",
    )
    .await;
    assert_error(
        app.get(key, &format!("/v1/records/{id}/pages/x")).await,
        404,
        "not_found",
    )
    .await;
    assert_error(app.get(key, "/v1/nothing-here").await, 404, "not_found").await;
}

#[tokio::test]
async fn listing_with_an_invalid_owner_or_kind_is_a_bad_request() {
    let app = TestApp::spawn_without_workers().await;
    let key = &app.intake_key;
    assert_error(
        app.get(key, "/v1/subjects/123/records").await,
        400,
        "invalid_subject_id",
    )
    .await;
    assert_error(
        app.get(
            key,
            &format!("/v1/subjects/{SUBJECT}/records?kind=passport"),
        )
        .await,
        400,
        "unknown_kind",
    )
    .await;
}
