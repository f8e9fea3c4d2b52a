use std::time::Duration;

use serde_json::json;

use crate::helpers::{SUBJECT, TestApp, expected_phrases, fixture, fixture_bytes, meta, sha256sum};

const OCR_TIMEOUT: Duration = Duration::from_secs(120);

fn lower(s: &str) -> String {
    s.to_lowercase()
}

#[tokio::test]
async fn an_uploaded_birth_certificate_is_recognised_in_vietnamese_and_awaits_review() {
    let app = TestApp::spawn().await;

    let res = app
        .upload(
            &app.intake_key,
            json!({"subject_id": SUBJECT, "kind": "birth_certificate", "document_number": "125/1990", "officer": "Cán bộ Lê Văn Tám"}),
            &["birth_certificate.png"],
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "processing");
    assert_eq!(body["duplicate"], false);
    let page = &body["pages"][0];
    assert_eq!(page["n"], 1);
    assert_eq!(page["sha256"], sha256sum(&fixture("birth_certificate.png")));
    assert_eq!(page["bytes"], fixture_bytes("birth_certificate.png").len());

    let id = body["id"].as_str().unwrap();
    let record = app.wait_until_processed(id, OCR_TIMEOUT).await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    assert_eq!(record["document_number"], "125/1990");
    assert_eq!(record["officer"], "Cán bộ Lê Văn Tám");
    let page = &record["pages"][0];
    assert_eq!(
        (page["width"].as_u64(), page["height"].as_u64()),
        (Some(2480), Some(3508))
    );
    assert_eq!(page["dpi"], 300);
    let confidence = page["ocr_confidence"].as_u64().unwrap();
    assert!((50..=100).contains(&confidence), "confidence {confidence}");
    let text = page["ocr_text"].as_str().unwrap();
    for phrase in expected_phrases("birth_certificate") {
        assert!(
            lower(text).contains(&lower(&phrase)),
            "OCR text lacks {phrase:?}:\n{text}"
        );
    }
}

#[tokio::test]
async fn a_card_scan_and_a_two_page_scanner_pdf_are_recognised_page_by_page() {
    let app = TestApp::spawn().await;
    let res = app
        .upload(
            &app.intake_key,
            meta("other"),
            &["cccd_front.jpg", "two_page.pdf"],
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: serde_json::Value = res.json().await.unwrap();
    let record = app
        .wait_until_processed(body["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    let pages = record["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    let text = |i: usize| lower(pages[i]["ocr_text"].as_str().unwrap());
    for phrase in expected_phrases("cccd_front") {
        assert!(
            text(0).contains(&lower(&phrase)),
            "card lacks {phrase:?}: {}",
            text(0)
        );
    }
    assert!(
        text(1).contains("trang 1/2") && text(1).contains("phạm minh tuấn"),
        "{}",
        text(1)
    );
    assert!(text(2).contains("trang 2/2"), "{}", text(2));
}

#[tokio::test]
async fn pages_come_back_byte_identical_with_their_hash_as_etag() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, meta("cccd"), &["cccd_front.jpg"])
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();

    let res = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pages/1"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let digest = sha256sum(&fixture("cccd_front.jpg"));
    assert_eq!(res.headers()["etag"], format!("\"{digest}\""));
    assert_eq!(
        res.bytes().await.unwrap().to_vec(),
        fixture_bytes("cccd_front.jpg")
    );

    let cached = app
        .client
        .get(format!("{}/v1/records/{id}/pages/1", app.url))
        .bearer_auth(&app.intake_key)
        .header("If-None-Match", format!("\"{digest}\""))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
}

#[tokio::test]
async fn uploading_the_same_pages_again_returns_the_existing_record_and_stores_nothing_new() {
    let app = TestApp::spawn_without_workers().await;
    let first: serde_json::Value = app
        .upload_json(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    let blobs = app.blob_count().await;

    let again = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(app.blob_count().await, blobs);
    assert_eq!(app.count_rows("records").await, 1);
    assert_eq!(app.count_rows("jobs").await, 1);

    // The same file as another kind of paper is a different record, but its
    // bytes are stored once.
    let other = app
        .upload(&app.intake_key, meta("other"), &["birth_certificate.png"])
        .await;
    assert_eq!(other.status(), 202);
    assert_eq!(app.blob_count().await, blobs);
    assert_eq!(app.count_rows("records").await, 2);
}

#[tokio::test]
async fn a_multi_page_tiff_and_a_scanner_pdf_each_become_two_pages() {
    let app = TestApp::spawn_without_workers().await;
    for file in ["two_page.tiff", "two_page.pdf"] {
        let res = app.upload(&app.intake_key, meta("other"), &[file]).await;
        assert_eq!(res.status(), 202, "{file}");
        let body: serde_json::Value = res.json().await.unwrap();
        let pages = body["pages"].as_array().unwrap();
        assert_eq!(pages.len(), 2, "{file}");
        for (i, page) in pages.iter().enumerate() {
            assert_eq!(page["n"], i + 1);
            assert_eq!(page["file_page"], i + 1);
            assert_eq!(page["sha256"], sha256sum(&fixture(file)));
            assert_eq!(page["dpi"], 200, "{file}");
            assert_eq!(
                (page["width"].as_u64(), page["height"].as_u64()),
                (Some(1654), Some(2339))
            );
        }
    }
}

#[tokio::test]
async fn an_owners_records_are_listed_newest_first_and_can_be_filtered_by_kind() {
    let app = TestApp::spawn_without_workers().await;
    let mut ids = Vec::new();
    for (kind, file) in [
        ("birth_certificate", "birth_certificate.png"),
        ("cccd", "cccd_front.jpg"),
        (
            "criminal_record_certificate",
            "criminal_record_certificate.jpg",
        ),
    ] {
        let body: serde_json::Value = app.upload_json(&app.intake_key, meta(kind), &[file]).await;
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    // Another owner's paper is not listed.
    let other = json!({"subject_id": "0100109106", "kind": "business_registration"});
    assert_eq!(
        app.upload(&app.intake_key, other, &["two_page.pdf"])
            .await
            .status(),
        202
    );

    let list = app
        .get_json(&app.intake_key, &format!("/v1/subjects/{SUBJECT}/records"))
        .await;
    let listed: Vec<&str> = list["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = ids.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert!(list["records"][0]["pages"][0].get("ocr_text").is_none());

    let cards = app
        .get_json(
            &app.intake_key,
            &format!("/v1/subjects/{SUBJECT}/records?kind=cccd"),
        )
        .await;
    assert_eq!(cards["records"].as_array().unwrap().len(), 1);
    assert_eq!(cards["records"][0]["kind"], "cccd");

    let first_page = app
        .get_json(
            &app.intake_key,
            &format!("/v1/subjects/{SUBJECT}/records?limit=2"),
        )
        .await;
    assert_eq!(first_page["records"].as_array().unwrap().len(), 2);
    let before = first_page["next_before"].as_str().unwrap();
    let rest = app
        .get_json(
            &app.intake_key,
            &format!("/v1/subjects/{SUBJECT}/records?limit=2&before={before}"),
        )
        .await;
    assert_eq!(rest["records"][0]["id"], ids[0]);
    assert!(rest["next_before"].is_null());
}
