//! Purpose-bound reads and the hash-chained access ledger.

use super::*;

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
