//! The citizen's own view of their papers and of who looked.

use super::*;

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
