//! The quality gate at the counter: resolution floor and blank pages.

use serde_json::{Value, json};

use crate::helpers::{SUBJECT, TestApp, meta};

/// A card-sized scan (1011 × 638 pixels, 300 dpi on an ID-1 card) with some
/// dark text-like bars, saved as PNG without any resolution stated.
fn card_without_dpi() -> Vec<u8> {
    let mut img = image::GrayImage::from_pixel(1011, 638, image::Luma([235]));
    for row in 0..6 {
        for x in 300..950 {
            for y in (150 + row * 70)..(165 + row * 70) {
                img.put_pixel(x, y, image::Luma([25]));
            }
        }
    }
    let mut out = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

async fn error_code(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_scan_below_the_resolution_floor_is_refused_naming_the_page_and_its_dpi() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png", "low_resolution.png"],
        )
        .await;
    let body = error_code(res, 422).await;
    assert_eq!(body["code"], "resolution_too_low");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("file 2, page 1")
            && message.contains("100 dpi")
            && message.contains("200 dpi"),
        "{message}"
    );
    assert_eq!(app.blob_count().await, 0);
    assert_eq!(app.count_rows("records").await, 0);
}

#[tokio::test]
async fn a_page_that_states_no_resolution_is_judged_by_its_size_on_the_declared_paper() {
    let app = TestApp::spawn_without_workers().await;
    let card = || vec![("card.png".to_string(), card_without_dpi())];

    let as_card = json!({"subject_id": SUBJECT, "kind": "cccd", "paper": "ID1"});
    let res = app
        .upload_bytes(&app.intake_key, Some(as_card), card())
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    let quality = &body["pages"][0]["quality"];
    assert_eq!(
        (quality["dpi"].as_u64(), quality["dpi_estimated"].as_bool()),
        (Some(300), Some(true))
    );
    assert_eq!(quality["warnings"], json!(["resolution_estimated"]));

    // The same pixels claimed to be a whole A4 sheet are far below the floor.
    let as_a4 = json!({"subject_id": SUBJECT, "kind": "other"});
    let body = error_code(
        app.upload_bytes(&app.intake_key, Some(as_a4), card()).await,
        422,
    )
    .await;
    assert_eq!(body["code"], "resolution_too_low");
    assert!(
        body["message"].as_str().unwrap().contains("estimated"),
        "{body}"
    );

    let bad_paper = json!({"subject_id": SUBJECT, "kind": "cccd", "paper": "letter"});
    let body = error_code(
        app.upload_bytes(&app.intake_key, Some(bad_paper), card())
            .await,
        400,
    )
    .await;
    assert_eq!(body["code"], "invalid_meta");
}

#[tokio::test]
async fn a_blank_back_side_is_left_out_of_the_record_and_listed() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png", "blank_back.png"],
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["pages"].as_array().unwrap().len(), 1);
    assert_eq!(
        body["quality"]["dropped_blank_pages"],
        json!([{"file": 2, "file_page": 1}])
    );
    let quality = &body["pages"][0]["quality"];
    assert_eq!(
        (quality["dpi"].as_u64(), quality["dpi_estimated"].as_bool()),
        (Some(300), Some(false))
    );
    assert_eq!(quality["blank"], false);
    assert!(
        quality["skew_degrees"].as_f64().unwrap().abs() < 0.3,
        "{quality}"
    );
    assert_eq!(app.blob_count().await, 1, "the blank file is not stored");

    // The verdict is kept with the record.
    let id = body["id"].as_str().unwrap();
    let record = app
        .get_json(&app.intake_key, &format!("/v1/records/{id}"))
        .await;
    assert_eq!(&record["pages"][0]["quality"], quality);
}

#[tokio::test]
async fn a_page_with_one_line_of_text_is_kept_in_every_format_a_scanner_writes() {
    let app = TestApp::spawn_without_workers().await;
    for (i, file) in [
        "sparse/one_line.png",
        "sparse/one_line_16bit.png",
        "sparse/one_line_progressive.jpg",
        "sparse/one_line_cmyk.jpg",
        "sparse/one_line.pdf",
    ]
    .into_iter()
    .enumerate()
    {
        // One owner per upload, so that none is the same paper as another.
        let owner = format!("00109000{:04}", 100 + i);
        let res = app
            .upload(
                &app.intake_key,
                json!({"subject_id": owner, "kind": "other"}),
                &[file],
            )
            .await;
        assert_eq!(res.status(), 202, "{file} was refused");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["pages"].as_array().unwrap().len(), 1, "{file}");
        assert_eq!(body["pages"][0]["quality"]["blank"], false, "{file}");
    }
    // A certificate with a one-line annex, in one multi-page TIFF: both kept.
    let res = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &["sparse/with_annex.tiff"],
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["pages"].as_array().unwrap().len(), 2, "{body}");
    assert_eq!(body["quality"]["dropped_blank_pages"], json!([]));
}

#[tokio::test]
async fn a_last_page_with_only_a_signature_or_a_stamp_is_kept_and_a_dusty_back_is_dropped() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(
            &app.intake_key,
            meta("birth_certificate"),
            &[
                "birth_certificate.png",
                "sparse/signature_only.png",
                "sparse/stamp_only.png",
                "sparse/dusty_back.png",
            ],
        )
        .await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["pages"].as_array().unwrap().len(), 3, "{body}");
    assert_eq!(
        body["quality"]["dropped_blank_pages"],
        json!([{"file": 4, "file_page": 1}])
    );
}

#[tokio::test]
async fn a_scan_of_only_blank_pages_is_refused_and_stores_nothing() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, meta("other"), &["blank_back.png"])
        .await;
    let body = error_code(res, 422).await;
    assert_eq!(body["code"], "blank_scan");
    assert_eq!(app.blob_count().await, 0);
    assert_eq!(app.count_rows("records").await, 0);
}

#[tokio::test]
async fn a_crooked_scan_is_measured_straightened_for_ocr_and_recognised_as_well_as_a_straight_one()
{
    let app = TestApp::spawn().await;
    let mut results = Vec::new();
    for (kind, file) in [
        ("birth_certificate", "birth_certificate.png"),
        ("other", "birth_certificate_skewed.png"),
    ] {
        let body: Value = app.upload_json(&app.intake_key, meta(kind), &[file]).await;
        results.push(body);
    }
    let skew = results[1]["pages"][0]["quality"]["skew_degrees"]
        .as_f64()
        .unwrap();
    assert_eq!(
        results[1]["pages"][0]["quality"]["warnings"],
        serde_json::json!(["skewed"])
    );
    assert_eq!(
        results[0]["pages"][0]["quality"]["warnings"],
        serde_json::json!([])
    );
    assert!(
        (skew - 3.0).abs() < 0.3,
        "the fixture is turned 3° counter-clockwise; measured {skew}"
    );

    let mut confidences = Vec::new();
    for body in &results {
        let id = body["id"].as_str().unwrap();
        let record = app
            .wait_until_processed(id, std::time::Duration::from_secs(120))
            .await;
        assert_eq!(record["status"], "pending_review", "{record:#}");
        let page = &record["pages"][0];
        let text = page["ocr_text"].as_str().unwrap().to_lowercase();
        for phrase in crate::helpers::expected_phrases("birth_certificate_skewed") {
            assert!(
                text.contains(&phrase.to_lowercase()),
                "{phrase:?} missing from:\n{text}"
            );
        }
        confidences.push(page["ocr_confidence"].as_i64().unwrap());
    }
    assert!(
        confidences[1] >= confidences[0] - 3,
        "straight {} vs crooked {}",
        confidences[0],
        confidences[1]
    );
    // The original is kept exactly as uploaded.
    let id = results[1]["id"].as_str().unwrap();
    let original = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pages/1"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        original.to_vec(),
        crate::helpers::fixture_bytes("birth_certificate_skewed.png")
    );
}
