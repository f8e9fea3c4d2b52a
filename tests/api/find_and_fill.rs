//! Find and fill: the particulars of real captures suggested from their
//! text (right or absent, never wrong), confirmed in review; a paper naming
//! another citizen flagged; every record found by what is written on it,
//! without marks, by phrase and by number, each hit in the access ledger.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;

const READ_WITHIN: Duration = Duration::from_secs(180);
/// The owner of the residence confirmation drawn in `seal_and_leaders.png`.
const HOA: &str = "034185006789";

async fn digitised(app: &TestApp, capture: &str, subject: &str, kind: &str) -> Value {
    let meta = json!({"subject_id": subject, "kind": kind});
    let body = app
        .upload_json(&app.intake_key, meta, &[&format!("captures/{capture}")])
        .await;
    let id = body["id"].as_str().unwrap_or_else(|| panic!("{body}"));
    let record = app.wait_until_processed(id, READ_WITHIN).await;
    assert_eq!(record["status"], "pending_review", "{record}");
    record
}

/// Each suggestion is right or absent; the fields found.
fn right_or_absent(record: &Value, truth: &[(&str, &str)]) -> Vec<String> {
    let suggestions = record["suggestions"].as_object().unwrap();
    for (field, s) in suggestions {
        let expected = truth.iter().find(|(f, _)| f == field);
        assert_eq!(
            expected.map(|(_, v)| *v),
            s["value"].as_str(),
            "{field} suggested wrong: {suggestions:?}"
        );
        let c = s["confidence"].as_f64().unwrap();
        assert!((0.5..=1.0).contains(&c), "{field}: {c}");
    }
    suggestions.keys().cloned().collect()
}

#[tokio::test]
async fn a_papers_particulars_are_suggested_and_become_its_own_when_confirmed() {
    let app = TestApp::spawn().await;
    let record = digitised(&app, "seal_and_leaders.png", HOA, "residence_confirmation").await;
    let found = right_or_absent(
        &record,
        &[
            ("document_number", "48/XNCT"),
            ("issued_on", "2025-08-12"),
            ("issuing_agency", "CÔNG AN XÃ ĐÔNG HÒA"),
            ("signer", "Phạm Quốc Hưng"),
            ("full_name", "LÊ THỊ HOA"),
            ("date_of_birth", "1985-09-02"),
            ("personal_id", HOA),
        ],
    );
    for field in ["personal_id", "full_name", "document_number", "issued_on"] {
        assert!(
            found.contains(&field.to_owned()),
            "{field} not read: {record}"
        );
    }
    assert_eq!(record["warnings"], json!([]), "{record}");
    assert!(record["document_number"].is_null());

    let id = record["id"].as_str().unwrap();
    let res = app
        .client
        .post(format!("{}/v1/records/{id}/review", app.url))
        .bearer_auth(&app.intake_key)
        .json(&json!({
            "decision": "confirm",
            "officer": "Lê Thị Lan",
            "accept_suggestions": true,
            "particulars": {"signer": "Phạm Quốc Hưng"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let certified: Value = res.json().await.unwrap();
    assert_eq!(certified["status"], "certified");
    assert_eq!(certified["document_number"], "48/XNCT");
    assert_eq!(certified["issued_on"], "2025-08-12");
    assert_eq!(certified["owner_name"], "LÊ THỊ HOA");
    assert_eq!(certified["signer"], "Phạm Quốc Hưng");

    // A rejection carries no particulars.
    let res = app
        .client
        .post(format!("{}/v1/records/{id}/review", app.url))
        .bearer_auth(&app.intake_key)
        .json(
            &json!({"decision": "reject", "officer": "Lê Thị Lan", "note": "mờ",
                      "accept_suggestions": true}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "invalid_review");
}

#[tokio::test]
async fn a_paper_naming_another_citizen_is_flagged_and_search_finds_every_record() {
    let app = TestApp::spawn().await;
    // The marriage-status paper of 001090012345, filed under Hoa's number.
    let wrong = digitised(&app, "phone_photo.jpg", HOA, "marriage_status_certificate").await;
    right_or_absent(
        &wrong,
        &[
            ("document_number", "125/UBND-TP"),
            ("issued_on", "2024-03-05"),
            ("issuing_agency", "UBND PHƯỜNG LÁNG HẠ"),
            ("signer", "Trần Văn Bình"),
            ("full_name", "NGUYỄN VĂN AN"),
            ("date_of_birth", "1990-03-15"),
            ("personal_id", "001090012345"),
        ],
    );
    assert_eq!(wrong["warnings"], json!(["subject_mismatch"]), "{wrong}");
    let hoa = digitised(&app, "seal_and_leaders.png", HOA, "residence_confirmation").await;

    let search = |q: &str| {
        let app = &app;
        let url = format!("{}/v1/search?q={}", app.url, url_escape(q));
        async move {
            let res = app
                .client
                .get(url)
                .bearer_auth(&app.intake_key)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let ids = |body: &Value| -> Vec<String> {
        body["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["record"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, body) = search("nguyen van an").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(ids(&body), [wrong["id"].as_str().unwrap()]);
    let snippet = &body["hits"][0]["snippet"];
    let text: Vec<char> = snippet["text"].as_str().unwrap().chars().collect();
    let [a, b] = [
        snippet["marks"][0][0].as_u64().unwrap() as usize,
        snippet["marks"][0][1].as_u64().unwrap() as usize,
    ];
    assert_eq!(text[a..b].iter().collect::<String>(), "NGUYỄN", "{snippet}");

    let (_, body) = search("\"le thi hoa\"").await;
    assert_eq!(ids(&body), [hoa["id"].as_str().unwrap()], "{body}");
    assert_eq!(
        ids(&search("\"xa dong hoa\"").await.1),
        [hoa["id"].as_str().unwrap()]
    );
    assert_eq!(
        ids(&search("125/UBND-TP").await.1),
        [wrong["id"].as_str().unwrap()]
    );
    assert_eq!(ids(&search("\"so dinh danh ca nhan\"").await.1).len(), 2);
    let (_, newest) = search("\"so dinh danh\"").await;
    assert_eq!(ids(&newest).len(), 2);

    // Every hit is a read, logged in its owner's chain.
    let auditor = app.create_key("audit", "auditor");
    let log = app
        .get_json(&auditor, &format!("/v1/subjects/{HOA}/access-log"))
        .await;
    let searches = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "search")
        .count();
    assert!(searches >= 6, "{log}");

    for bad in ["", "\"", "AND AND", &"a".repeat(201)] {
        let (status, body) = search(bad).await;
        assert_eq!(status, 400, "{bad:?}: {body}");
        assert_eq!(body["code"], "invalid_query", "{bad:?}: {body}");
    }
}

fn url_escape(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[tokio::test]
async fn reindex_rebuilds_the_index_and_what_was_found_is_found_again() {
    let app = TestApp::spawn().await;
    let hoa = digitised(&app, "seal_and_leaders.png", HOA, "residence_confirmation").await;
    let find = || async {
        let body = app
            .get_json(&app.intake_key, "/v1/search?q=%22le+thi+hoa%22")
            .await;
        body["hits"].as_array().unwrap().len()
    };
    assert_eq!(find().await, 1);
    let out = crate::helpers::sohoa(&app.stores, &["reindex", "--suggestions"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("Indexed 1 of 1 records"), "{said}");
    assert_eq!(find().await, 1);
    let again = app
        .get_json(
            &app.intake_key,
            &format!("/v1/records/{}", hoa["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(again["suggestions"], hoa["suggestions"]);
}
