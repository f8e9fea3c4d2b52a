//! The reuse check on the days around expiry and freshness.

use super::*;

#[tokio::test]
async fn the_reuse_check_answers_each_reason_on_dates_around_expiry_and_freshness() {
    let app = TestApp::spawn().await;
    let issuer = app.create_key("civil-registry", "issuer");
    let reader = app.create_key("back-office", "reader");
    // Valid 6 months from issue: through 2026-07-14.
    register_result(
        &app,
        &issuer,
        result_meta("marriage_status_certificate", "2026-01-15", "1/XNTTHN"),
        "birth_certificate.png",
    )
    .await;
    // No expiry, but procedures want one issued within 180 days.
    register_result(
        &app,
        &issuer,
        result_meta("criminal_record_certificate", "2026-01-10", "2/LLTP"),
        "criminal_record_certificate.jpg",
    )
    .await;
    // Registered, then revoked.
    let health = register_result(
        &app,
        &issuer,
        result_meta("health_certificate", "2026-02-01", "3/GKSK"),
        "birth_certificate_skewed.png",
    )
    .await;
    let res = post(
        &app,
        &issuer,
        &format!("/v1/records/{}/revoke", health["id"].as_str().unwrap()),
        json!({"reason": "cấp nhầm"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    // Scanned at the counter, not yet checked by an officer.
    let res = app
        .upload(
            &app.intake_key,
            json!({"subject_id": SUBJECT, "kind": "birth_certificate"}),
            &["two_page.tiff"],
        )
        .await;
    let pending = res.json::<Value>().await.unwrap();
    app.wait_until_processed(pending["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await;

    let required = json!([
        {"kind": "marriage_status_certificate"},
        {"kind": "criminal_record_certificate", "issued_within_days": 180},
        {"kind": "health_certificate"},
        {"kind": "birth_certificate"},
        {"kind": "cccd"},
    ]);
    let summary = |items: &[Value]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|i| {
                (
                    i["status"].as_str().unwrap().to_owned(),
                    i["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let s = |a: &str, b: &str| (a.to_owned(), b.to_owned());

    let early = reuse_check(&app, &reader, "2026-07-08", required.clone()).await;
    assert_eq!(
        summary(&early),
        vec![
            s("on_file", ""),
            s("on_file", ""),
            s("must_provide", "revoked"),
            s("must_provide", "pending_review"),
            s("must_provide", "none"),
        ],
        "{early:#?}"
    );
    assert_eq!(early[0]["kind"], "marriage_status_certificate");

    // Last day of the six months, and the day after.
    let last = reuse_check(
        &app,
        &reader,
        "2026-07-14",
        json!([{"kind": "marriage_status_certificate"}]),
    )
    .await;
    assert_eq!(last[0]["status"], "on_file");
    let after = reuse_check(&app, &reader, "2026-07-15", required.clone()).await;
    assert_eq!(summary(&after)[0], s("must_provide", "expired"));
    // 2026-01-10 is 186 days before 2026-07-15: too old for this procedure.
    assert_eq!(summary(&after)[1], s("must_provide", "too_old"));

    // The catalogue is data: an admin shortens the period, and reuse follows.
    let admin = app.create_key("ops", "admin");
    let res = app
        .client
        .put(format!(
            "{}/v1/catalogue/kinds/marriage_status_certificate",
            app.url
        ))
        .bearer_auth(&reader)
        .json(&json!({"rule": "months_from_issue", "months": 3, "note": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = app
        .client
        .put(format!(
            "{}/v1/catalogue/kinds/marriage_status_certificate",
            app.url
        ))
        .bearer_auth(&admin)
        .json(&json!({"rule": "months_from_issue", "months": 3, "note": "thử nghiệm"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let shorter = reuse_check(
        &app,
        &reader,
        "2026-04-15",
        json!([{"kind": "marriage_status_certificate"}]),
    )
    .await;
    assert_eq!(summary(&shorter)[0], s("must_provide", "expired"));
    let kinds = app.get_json(&reader, "/v1/catalogue/kinds").await;
    let entry = kinds["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "marriage_status_certificate")
        .unwrap()
        .clone();
    assert_eq!(entry["months"], 3);
    assert_eq!(entry["updated_by"], "ops");
}
