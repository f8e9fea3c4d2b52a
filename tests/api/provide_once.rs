//! Provide once: results registered by their issuers, validity, revocation,
//! reuse for dossiers, purpose-bound reads, the hash-chained access ledger,
//! and the citizen's own view.

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
async fn a_reader_must_name_a_purpose_and_every_read_lands_in_the_ledger_with_it() {
    let app = TestApp::spawn().await;
    let reader = app.create_key("back-office", "reader");
    let auditor = app.create_key("inspector", "auditor");
    let res = app
        .upload(
            &app.intake_key,
            json!({"subject_id": SUBJECT, "kind": "birth_certificate"}),
            &["birth_certificate.png"],
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.wait_until_processed(&id, OCR_TIMEOUT).await;

    let list = format!("/v1/subjects/{SUBJECT}/records");
    let res = app.get(&reader, &list).await;
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "purpose_required"
    );
    let res = app.get(&reader, &format!("{list}?purpose=for-fun")).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_purpose"
    );
    for path in [
        format!("/v1/records/{id}"),
        format!("/v1/records/{id}/pages/1"),
        format!("/v1/records/{id}/pdf"),
    ] {
        let res = app.get(&reader, &path).await;
        assert_eq!(res.status(), 400, "{path} without a purpose");
    }
    let before = app.count_rows("access_log").await;

    let with_header = |path: String| {
        app.client
            .get(format!("{}{path}", app.url))
            .bearer_auth(&reader)
            .header("X-Purpose", DOSSIER)
            .send()
    };
    assert_eq!(with_header(list.clone()).await.unwrap().status(), 200);
    assert_eq!(
        with_header(format!("/v1/records/{id}"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        with_header(format!("/v1/records/{id}/pages/1"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        with_header(format!("/v1/records/{id}/pdf"))
            .await
            .unwrap()
            .status(),
        200
    );
    reuse_check(
        &app,
        &reader,
        "2026-11-23",
        json!([{"kind": "birth_certificate"}]),
    )
    .await;
    // The counter may read without naming a dossier; it is logged all the same.
    assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);

    assert_eq!(
        app.get(&reader, &format!("/v1/subjects/{SUBJECT}/access-log"))
            .await
            .status(),
        403
    );
    let log = app
        .get_json(
            &auditor,
            &format!("/v1/subjects/{SUBJECT}/access-log?limit=1000"),
        )
        .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len() as i64, app.count_rows("access_log").await);
    assert!(entries.len() as i64 >= before + 6);
    let mine: Vec<(&str, Option<&str>, Option<&str>)> = entries
        .iter()
        .rev()
        .filter(|e| e["key_name"] == "back-office")
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["purpose"].as_str(),
                e["record_id"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        vec![
            ("list_records", Some(DOSSIER), None),
            ("read_record", Some(DOSSIER), Some(id.as_str())),
            ("read_page", Some(DOSSIER), Some(id.as_str())),
            ("read_pdf", Some(DOSSIER), Some(id.as_str())),
            ("reuse_check", Some(DOSSIER), None),
        ]
    );
    let newest = &entries[0];
    assert_eq!(newest["key_name"], app_key_name(&app));
    assert!(newest["purpose"].is_null());
    assert_eq!(
        newest["prev_hash"], entries[1]["hash"],
        "each entry carries the previous hash"
    );
}

fn app_key_name(app: &TestApp) -> String {
    let out = sohoa(&app.stores, &["keys", "list"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find(|l| l.starts_with("counter-desk-"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_ledger_row_changed_in_the_database_makes_audit_verify_fail_and_name_it() {
    let app = TestApp::spawn_without_workers().await;
    let list = format!("/v1/subjects/{SUBJECT}/records?purpose={DOSSIER}");
    // Readers racing each other still make one unbroken chain.
    let reads = (0..30).map(|_| app.get(&app.intake_key, &list));
    for res in futures_util::future::join_all(reads).await {
        assert_eq!(res.status(), 200);
    }
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("intact: 30 entries"), "{stdout}");

    app.stores
        .execute("UPDATE access_log SET purpose = '000.00.00.H00-261123-0002' WHERE seq = 2")
        .await;
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("entry 2 was changed"), "{stdout}");

    // Put it back, then remove the last entry instead.
    app.stores
        .execute(&format!(
            "UPDATE access_log SET purpose = '{DOSSIER}' WHERE seq = 2"
        ))
        .await;
    assert!(sohoa(&app.stores, &["audit", "verify"]).status.success());
    app.stores
        .execute("DELETE FROM access_log WHERE seq = 30")
        .await;
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("ends at entry 29 but its head says 30"),
        "{stdout}"
    );
    // An entry removed from the middle is named too.
    app.stores
        .execute("DELETE FROM access_log WHERE seq = 12")
        .await;
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("entry 12 is missing"), "{stdout}");
}

/// Renders `url` in headless Chromium and returns the DOM as the browser built it.
fn browser_dom(url: &str) -> String {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("a Chromium browser (scripts/install-deps.sh --test installs it)");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            url,
        ])
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_citizen_link_shows_only_its_own_subject_and_stops_working_when_revoked_or_expired() {
    let app = TestApp::spawn().await;
    let reader = app.create_key("back-office", "reader");
    let res = app
        .upload(&app.intake_key, json!({"subject_id": SUBJECT, "kind": "birth_certificate", "document_number": "125/1990"}), &["birth_certificate.png"])
        .await;
    let mine = res.json::<Value>().await.unwrap();
    let res = app
        .upload(&app.intake_key, json!({"subject_id": OTHER_SUBJECT, "kind": "criminal_record_certificate", "document_number": "999/LLTP"}), &["criminal_record_certificate.jpg"])
        .await;
    let theirs = res.json::<Value>().await.unwrap();
    app.wait_until_processed(mine["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await;
    app.wait_until_processed(theirs["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await;
    let res = app
        .client
        .get(format!("{}/v1/subjects/{SUBJECT}/records", app.url))
        .bearer_auth(&reader)
        .header("X-Purpose", DOSSIER)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let res = post(
        &app,
        &reader,
        &format!("/v1/subjects/{SUBJECT}/citizen-links"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 403, "only the counter issues links");
    let res = post(
        &app,
        &app.intake_key,
        &format!("/v1/subjects/{SUBJECT}/citizen-links"),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 201);
    let link: Value = res.json().await.unwrap();
    let url = link["url"].as_str().unwrap().to_owned();
    assert!(link["qr_svg"].as_str().unwrap().starts_with("<?xml"));
    let expires: chrono::DateTime<chrono::Utc> =
        link["expires_at"].as_str().unwrap().parse().unwrap();
    let days = (expires - chrono::Utc::now()).num_days();
    assert!(
        (29..=30).contains(&days),
        "valid 30 days by default: {days}"
    );

    let view: Value = app
        .client
        .get(format!("{url}?format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["subject_id"], SUBJECT);
    let records = view["records"].as_array().unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], mine["id"]);
    assert_eq!(records[0]["status_label"], "Chờ cán bộ đối chiếu");
    let accesses = view["accesses"].as_array().unwrap();
    assert!(
        accesses
            .iter()
            .any(|a| a["by"] == "back-office" && a["purpose"] == DOSSIER),
        "{accesses:#?}"
    );
    assert!(!view.to_string().contains(OTHER_SUBJECT));

    // The page, as a real browser renders it.
    let dom = browser_dom(&url);
    assert!(dom.contains("Giấy tờ của bạn đã được số hóa"), "{dom}");
    assert!(dom.contains("Giấy khai sinh"), "{dom}");
    assert!(dom.contains("125/1990"));
    assert!(dom.contains("back-office"));
    assert!(dom.contains(DOSSIER));
    assert!(dom.contains("Tra cứu danh sách giấy tờ"));
    assert!(!dom.contains("999/LLTP") && !dom.contains(OTHER_SUBJECT));

    let res = post(
        &app,
        &app.intake_key,
        &format!("/v1/citizen-links/{}/revoke", link["id"].as_str().unwrap()),
        json!({}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = app.client.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("đã bị thu hồi"));
    let res = app
        .client
        .get(format!("{url}?format=json"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "link_revoked");

    // An expired link stops working too.
    let res = post(
        &app,
        &app.intake_key,
        &format!("/v1/subjects/{SUBJECT}/citizen-links"),
        json!({"valid_days": 1}),
    )
    .await;
    let short: Value = res.json().await.unwrap();
    let short_url = short["url"].as_str().unwrap().to_owned();
    assert_eq!(
        app.client.get(&short_url).send().await.unwrap().status(),
        200
    );
    let past = if app.stores.is_postgres() {
        "'2020-01-01T00:00:00Z'".to_owned()
    } else {
        "'2020-01-01T00:00:00.000000Z'".to_owned()
    };
    app.stores
        .execute(&format!(
            "UPDATE citizen_links SET expires_at = {past} WHERE id = '{}'",
            short["id"].as_str().unwrap()
        ))
        .await;
    let res = app.client.get(&short_url).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("đã hết hạn"));
    let res = app
        .client
        .get(format!("{}/c/{}", app.url, "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
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
