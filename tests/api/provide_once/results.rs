//! Results registered by their issuers: certified on registration, reused in
//! later dossiers, revoked or superseded, and signed PDFs kept intact.

use super::*;

#[tokio::test]
async fn a_born_digital_result_is_certified_on_registration_and_reused_in_a_later_dossier() {
    let app = TestApp::spawn().await;
    let issuer = app.create_key("civil-registry", "issuer");
    let auditor = app.create_key("inspector", "auditor");
    let record = register_result(
        &app,
        &issuer,
        result_meta(
            "marriage_status_certificate",
            "2026-11-02",
            "45/2026/XNTTHN",
        ),
        "born_digital_result.pdf",
    )
    .await;
    assert_eq!(record["status"], "certified", "{record:#}");
    assert_eq!(record["certified_by"], "000.00.00.H00");
    assert_eq!(record["result_code"], "KQ.H56.000031");
    let pages = record["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    // Page 1 carries its own text; page 2 is a scan and was read by OCR.
    let first = pages[0]["ocr_text"].as_str().unwrap();
    assert!(
        first.contains("GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN"),
        "{first}"
    );
    assert!(pages[0]["ocr_confidence"].is_null());
    assert!(pages[1]["ocr_text"].as_str().unwrap().contains("TƯ PHÁP"));
    assert!(pages[1]["ocr_confidence"].as_u64().is_some());

    // The PDF is kept and served byte for byte (a signature in it stays valid).
    let id = record["id"].as_str().unwrap();
    let pdf = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pdf"))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(pdf.to_vec(), fixture_bytes("born_digital_result.pdf"));
    let answer = verify_file(&app, "born_digital_result.pdf").await;
    assert_eq!(answer["signature"], "valid", "{answer:#}");
    assert_eq!(answer["status"], "certified");

    // A later dossier does not ask for it again.
    let items = reuse_check(
        &app,
        &app.intake_key,
        "2026-11-23",
        json!([{"kind": "marriage_status_certificate"}]),
    )
    .await;
    assert_eq!(items[0]["status"], "on_file", "{items:#?}");
    assert_eq!(items[0]["record"]["id"], id);
    // Asking again for the same dossier counts the reuse once.
    reuse_check(
        &app,
        &app.intake_key,
        "2026-11-23",
        json!([{"kind": "marriage_status_certificate"}]),
    )
    .await;
    let today = chrono::Utc::now().date_naive();
    let stats = app
        .get_json(
            &auditor,
            &format!(
                "/v1/stats/reuse?from={}&to={}",
                today - chrono::Days::new(1),
                today + chrono::Days::new(1)
            ),
        )
        .await;
    assert_eq!(stats["total"], 1, "{stats:#}");
    assert_eq!(
        stats["by_kind"],
        json!([{"key": "marriage_status_certificate", "count": 1}])
    );
    assert_eq!(
        stats["by_agency"],
        json!([{"key": "000.00.00.H00", "count": 1}])
    );

    // A born-digital PDF is its own record: it cannot be mixed with scans.
    let res = app
        .register(
            &issuer,
            result_meta("marriage_status_certificate", "2026-11-02", "46/2026"),
            &["birth_certificate.png", "born_digital_result.pdf"],
        )
        .await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "mixed_upload");

    // Only issuers register results; a result without its particulars is refused.
    let res = app
        .upload(
            &issuer,
            json!({"subject_id": SUBJECT, "kind": "cccd"}),
            &["cccd_front.jpg"],
        )
        .await;
    assert_eq!(res.status(), 403, "issuers do not scan at the counter");
    let res = app
        .register(
            &issuer,
            json!({"subject_id": SUBJECT, "kind": "cccd"}),
            &["cccd_front.jpg"],
        )
        .await;
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["code"], "invalid_meta");
    assert!(
        err["message"].as_str().unwrap().contains("result_code"),
        "{err}"
    );
}

#[tokio::test]
async fn a_revoked_result_is_refused_for_reuse_and_verify_reports_it_revoked() {
    let app = TestApp::spawn().await;
    let issuer = app.create_key("civil-registry", "issuer");
    let other_issuer = app.create_key("health-dept", "issuer");
    let old = register_result(
        &app,
        &issuer,
        result_meta("criminal_record_certificate", "2026-06-01", "10/LLTP"),
        "criminal_record_certificate.jpg",
    )
    .await;
    let old_id = old["id"].as_str().unwrap();
    let revoke = format!("/v1/records/{old_id}/revoke");

    assert_eq!(
        post(&app, &app.intake_key, &revoke, json!({"reason": "x"}))
            .await
            .status(),
        403
    );
    let res = post(
        &app,
        &other_issuer,
        &revoke,
        json!({"reason": "không phải của tôi"}),
    )
    .await;
    assert_eq!(
        res.status(),
        403,
        "an issuer withdraws only its own results"
    );
    let res = post(&app, &issuer, &revoke, json!({"reason": " "})).await;
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_reason");

    // Replaced by a newer certificate: superseded, not offered any more.
    let newer = register_result(
        &app,
        &issuer,
        result_meta("criminal_record_certificate", "2026-11-01", "11/LLTP"),
        "two_page.pdf",
    )
    .await;
    let res = post(
        &app,
        &issuer,
        &revoke,
        json!({"reason": "cấp lại", "superseded_by": newer["id"]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "superseded");
    let items = reuse_check(
        &app,
        &app.intake_key,
        "2026-11-23",
        json!([{"kind": "criminal_record_certificate"}]),
    )
    .await;
    assert_eq!(items[0]["record"]["id"], newer["id"]);

    let res = post(&app, &issuer, &revoke, json!({"reason": "again"})).await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_transition"
    );

    let newer_revoke = format!("/v1/records/{}/revoke", newer["id"].as_str().unwrap());
    assert_eq!(
        post(&app, &issuer, &newer_revoke, json!({"reason": "thu hồi"}))
            .await
            .status(),
        200
    );
    let items = reuse_check(
        &app,
        &app.intake_key,
        "2026-11-23",
        json!([{"kind": "criminal_record_certificate"}]),
    )
    .await;
    assert_eq!(items[0]["status"], "must_provide");
    assert_eq!(items[0]["reason"], "revoked");

    let answer = verify_file(&app, "criminal_record_certificate.jpg").await;
    assert_eq!(answer["match"], true);
    assert_eq!(answer["status"], "superseded");
    assert_eq!(answer["valid"], false);
    let answer = verify_file(&app, "two_page.pdf").await;
    assert_eq!(answer["status"], "revoked");
    assert_eq!(answer["valid"], false);
    // Still retrievable for look-up and audit.
    let record = app
        .get_json(&app.intake_key, &format!("/v1/records/{old_id}"))
        .await;
    assert_eq!(record["status"], "superseded");

    // The agency may issue the same paper again: a new, live record.
    let again = register_result(
        &app,
        &issuer,
        result_meta("criminal_record_certificate", "2026-11-01", "11/LLTP"),
        "two_page.pdf",
    )
    .await;
    assert_ne!(again["id"], newer["id"]);
    assert_eq!(again["status"], "certified");
    let answer = verify_file(&app, "two_page.pdf").await;
    assert_eq!(answer["record_id"], again["id"]);
    assert_eq!(answer["status"], "certified");
}

#[tokio::test]
async fn a_signed_born_digital_pdf_is_served_with_its_signature_still_valid() {
    let app = TestApp::spawn().await;
    let issuer = app.create_key("civil-registry", "issuer");
    let record = register_result(
        &app,
        &issuer,
        result_meta(
            "marriage_status_certificate",
            "2026-11-02",
            "45/2026/XNTTHN",
        ),
        "born_digital_signed.pdf",
    )
    .await;
    assert_eq!(record["status"], "certified", "{record:#}");
    let first = record["pages"][0]["ocr_text"].as_str().unwrap();
    assert!(first.contains("NGUYỄN VĂN AN"), "{first}");
    let id = record["id"].as_str().unwrap();
    for path in [
        format!("/v1/records/{id}/pdf"),
        format!("/v1/records/{id}/pages/1"),
    ] {
        let served = app.get(&app.intake_key, &path).await.bytes().await.unwrap();
        assert_eq!(
            served.to_vec(),
            fixture_bytes("born_digital_signed.pdf"),
            "{path}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("served.pdf");
        std::fs::write(&file, &served).unwrap();
        let check = Command::new("pdfsig")
            .arg(&file)
            .output()
            .expect("pdfsig (poppler-utils) runs");
        let report = String::from_utf8_lossy(&check.stdout);
        assert!(report.contains("Signature is Valid"), "{report}");
        assert!(report.contains("Total document signed"), "{report}");
    }
}
