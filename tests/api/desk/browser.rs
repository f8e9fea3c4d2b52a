//! The desk in a real browser (headless Chromium through chromedriver), as
//! an officer uses it: sign in, start with a citizen (typed, or read off the
//! QR code of a card's photo), see what is on file, scan a paper and read
//! its verdict, have a blank page refused in Vietnamese, review and certify,
//! print the receipt, open the citizen's page on a phone, sign out. Every
//! page is screenshot at 1366×768 and 768×1024 (`target/desk-screenshots/`)
//! and passes axe-core's WCAG 2 AA rules.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::webdriver::Browser;
use super::{DOSSIER, PASSWORD, create_officer, officers, registered_result};
use crate::helpers::{SUBJECT, TestApp, fixture};

/// Screenshots at the counter PC's size and a tablet's, then axe-core's check.
async fn look(b: &mut Browser, name: &str) {
    b.size(1366, 768).await;
    b.screenshot(&format!("{name}-1366x768")).await;
    b.size(768, 1024).await;
    b.screenshot(&format!("{name}-768x1024")).await;
    let fits = b
        .run(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            json!([]),
        )
        .await;
    assert_eq!(fits, true, "{name}: no sideways scrolling on a tablet");
    b.size(1366, 768).await;
    let violations = b.accessibility_violations().await;
    assert!(violations.is_empty(), "{name}: {violations:#?}");
}

async fn wait_for_status(app: &TestApp, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let r = app
            .get_json(&app.intake_key, &format!("/v1/records/{id}"))
            .await;
        if r["status"] == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "record {id} stayed {}",
            r["status"]
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test]
async fn an_officer_scans_checks_certifies_and_hands_back_in_a_real_browser() {
    let app = TestApp::spawn().await;
    create_officer(&app, "lan", "Nguyễn Thị Lan", "intake");
    registered_result(&app).await;

    let mut b = Browser::start().await;
    let desk = |path: &str| format!("{}/desk{path}", app.url);

    // Sign in.
    b.goto(&desk("/")).await;
    assert!(b.url().await.ends_with("/desk/login"));
    look(&mut b, "01-sign-in").await;
    b.fill("#username", "lan").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login button[type=submit]").await;
    assert!(b.url().await.ends_with("/desk/"), "{}", b.url().await);
    assert!(b.source().await.contains("Nguyễn Thị Lan"));
    look(&mut b, "02-start").await;
    let order = b.tab_order(4).await;
    assert!(
        order[0].starts_with("a"),
        "the skip link comes first: {order:?}"
    );
    assert!(
        order.iter().any(|s| s.contains("#subject_id")) || b.exists("#subject_id").await,
        "{order:?}"
    );

    // The ID is checked as it is typed.
    b.fill("#subject_id", "005090012345").await;
    assert!(b.text("#subject_help").await.contains("không phải mã tỉnh"));
    b.fill("#subject_id", SUBJECT).await;
    assert!(b.text("#subject_help").await.contains("Hợp lệ"));
    b.fill("#dossier_code", DOSSIER).await;
    b.click("#citizen button[type=submit]").await;
    let reusable = b.text("#reusable").await;
    assert!(reusable.contains("45/2026/XNTTHN"), "{reusable}");
    assert!(reusable.contains("Còn hiệu lực đến"), "{reusable}");
    look(&mut b, "03-on-file").await;

    // Or read the citizen off the QR code of a photo of their card.
    b.goto(&desk("/")).await;
    b.fill(
        "#card_page",
        fixture("captures/cccd_photo.jpg").to_str().unwrap(),
    )
    .await;
    b.click("#card button[type=submit]").await;
    let read = b.text("#card_read").await;
    assert!(read.contains("Đã đọc mã QR"), "{read}");
    assert!(b.exists("#subject").await);

    // Scan a paper: its verdict while the citizen waits.
    b.goto(&desk(&format!(
        "/scan?subject_id={SUBJECT}&dossier_code={DOSSIER}"
    )))
    .await;
    look(&mut b, "04-scan-form").await;
    b.choose("#kind", "birth_certificate").await;
    b.fill(
        "#page",
        fixture("birth_certificate_skewed.png").to_str().unwrap(),
    )
    .await;
    b.click("#scan button[type=submit]").await;
    let stored = b.text("#stored").await;
    assert!(stored.contains("Đã lưu an toàn"), "{stored}");
    let verdicts = b.text("#verdicts").await;
    assert!(
        verdicts.contains("Trang 1") && verdicts.contains("dpi"),
        "{verdicts}"
    );
    assert!(verdicts.contains("xoay thẳng"), "{verdicts}");
    look(&mut b, "05-scan-verdict").await;
    let record_href = b
        .run(
            "return document.getElementById('record_link').getAttribute('href')",
            json!([]),
        )
        .await;
    let record_id = record_href
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    // The same paper again: already on file, with a link to it.
    b.goto(&desk(&format!("/scan?subject_id={SUBJECT}"))).await;
    b.choose("#kind", "birth_certificate").await;
    b.fill(
        "#page",
        fixture("birth_certificate_skewed.png").to_str().unwrap(),
    )
    .await;
    b.click("#scan button[type=submit]").await;
    assert!(b.text("#duplicate").await.contains("đã có trong hồ sơ"));

    // A blank page: refused in Vietnamese, saying what to do; nothing stored.
    let before = app.count_rows("records").await;
    b.goto(&desk(&format!("/scan?subject_id={SUBJECT}"))).await;
    b.fill("#page", fixture("blank_back.png").to_str().unwrap())
        .await;
    b.click("#scan button[type=submit]").await;
    let refusal = b.text("#error").await;
    assert!(
        refusal.contains("trống") && refusal.contains("quét lại"),
        "{refusal}"
    );
    assert_eq!(app.count_rows("records").await, before);
    look(&mut b, "06-scan-refused").await;

    // Review and certify, from the queue.
    wait_for_status(&app, &record_id, "pending_review").await;
    b.goto(&desk("/review")).await;
    assert!(b.text("#queue").await.contains("Giấy khai sinh"));
    look(&mut b, "07-queue").await;
    b.click(&format!("a[href=\"/desk/records/{record_id}/review\"]"))
        .await;
    assert!(b.exists("img[alt^=\"Ảnh trang 1\"]").await);
    let deadline = Instant::now() + Duration::from_secs(30);
    while b
        .run(
            "const i = document.querySelector('img'); return i.complete && i.naturalWidth > 0;",
            json!([]),
        )
        .await
        != true
    {
        assert!(Instant::now() < deadline, "the page's image shows");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    look(&mut b, "08-review").await;
    if b.run(
        "return document.getElementById('document_number').value",
        json!([]),
    )
    .await
        == ""
    {
        b.fill("#document_number", "125/1990").await;
    }
    b.click("#confirm").await;
    assert!(
        b.url()
            .await
            .ends_with(&format!("/desk/records/{record_id}"))
    );
    assert_eq!(b.text("#status").await, "Đã số hóa và ký xác nhận");
    assert!(b.exists("#certificate_link").await && b.exists("#pdf_link").await);
    look(&mut b, "09-record").await;
    let certified = app
        .get_json(&app.intake_key, &format!("/v1/records/{record_id}"))
        .await;
    assert_eq!(certified["status"], "certified");
    assert_eq!(certified["review"]["officer"], "Nguyễn Thị Lan");

    // Hand back: the receipt, printed on A5, with the citizen's QR code.
    b.goto(&desk(&format!(
        "/citizen?subject_id={SUBJECT}&dossier_code={DOSSIER}"
    )))
    .await;
    b.click("#receipt_form button").await;
    let receipt = b.text("#receipt").await;
    assert!(receipt.contains("Giấy khai sinh"), "{receipt}");
    assert!(b.exists("#receipt .qr svg").await);
    look(&mut b, "10-receipt").await;
    let pdf = b.print().await;
    assert!(pdf.starts_with(b"%PDF"));
    std::fs::write(
        super::webdriver::screenshot_dir().join("10-receipt-print.pdf"),
        &pdf,
    )
    .unwrap();

    // The citizen's page, on a phone.
    let link: Value = app
        .client
        .post(format!("{}/v1/subjects/{SUBJECT}/citizen-links", app.url))
        .bearer_auth(&app.intake_key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let link = link["url"].as_str().unwrap().to_owned();
    b.size(390, 844).await;
    b.goto(&link).await;
    let records = b.text("#records").await;
    assert!(records.contains("Giấy khai sinh") && records.contains("45/2026/XNTTHN"));
    let fits = b
        .run(
            "return document.documentElement.scrollWidth <= window.innerWidth",
            json!([]),
        )
        .await;
    assert_eq!(fits, true, "no sideways scrolling at 390 px");
    b.screenshot("11-citizen-390").await;
    let violations = b.accessibility_violations().await;
    assert!(violations.is_empty(), "citizen page: {violations:#?}");
    b.size(1366, 768).await;

    // A form without its token is refused, and changes nothing.
    b.goto(&desk("/")).await;
    b.run(
        "document.querySelector('form[action=\"/desk/logout\"] input[name=csrf]').remove();",
        json!([]),
    )
    .await;
    b.click("#logout").await;
    assert!(b.source().await.contains("Biểu mẫu đã hết hạn"));
    b.goto(&desk("/")).await;
    assert!(!b.url().await.ends_with("/login"), "still signed in");

    // An intake officer cannot reach the admin pages.
    b.goto(&desk("/officers")).await;
    assert!(b.source().await.contains("không có quyền"));

    // Sign out.
    b.goto(&desk("/")).await;
    b.click("#logout").await;
    assert!(b.url().await.ends_with("/desk/login"));
    b.goto(&desk("/")).await;
    assert!(b.url().await.ends_with("/desk/login"));

    // A disabled officer cannot sign in.
    let out = officers(&app.stores, &["disable", "--username", "lan"], "");
    assert!(out.status.success());
    b.fill("#username", "lan").await;
    b.fill("#password", PASSWORD).await;
    b.click("#login button[type=submit]").await;
    assert!(b.text("#error").await.contains("Sai tên đăng nhập"));
    b.quit().await;

    // What the desk read is in the ledger under the officer's name.
    let auditor = app.create_key("inspector", "auditor");
    let log = app
        .get_json(&auditor, &format!("/v1/subjects/{SUBJECT}/access-log"))
        .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["key_name"] == "officer:lan")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in ["list_records", "read_record", "read_page"] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }
    let log = app.log();
    assert!(
        !log.contains("Nguyễn Thị Lan") && !log.contains(SUBJECT),
        "no name or ID number in the log"
    );
}
