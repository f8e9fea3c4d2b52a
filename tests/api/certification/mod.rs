//! The digitisation result: officer review, the agency's signed certificate
//! (checked with josekit, an OpenSSL-based JOSE library independent of
//! sohoa's RustCrypto signing), the searchable PDF (checked with poppler's
//! `pdftotext`), and public verification.

mod pdf;
mod verification;

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{
    Options, SUBJECT, TestApp, expected_phrases, fixture, fixture_bytes, sha256sum, sohoa,
};

const OCR_TIMEOUT: Duration = Duration::from_secs(180);

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn full_meta() -> Value {
    json!({
        "subject_id": SUBJECT,
        "kind": "birth_certificate",
        "document_number": "125/1990",
        "issuing_agency": "UBND phường Bến Nghé",
        "signer": "Trần Văn Bình",
        "issued_on": "1990-03-15",
        "permanent": true,
        "scope": "toàn quốc",
        "owner_name": "Nguyễn Văn An",
        "officer": "Lê Thị Hoa",
    })
}

async fn post_json(app: &TestApp, key: Option<&str>, path: &str, body: Value) -> reqwest::Response {
    let mut req = app.client.post(format!("{}{path}", app.url)).json(&body);
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    req.send().await.expect("POST request")
}

async fn review(app: &TestApp, id: &str, body: Value) -> reqwest::Response {
    post_json(
        app,
        Some(&app.intake_key),
        &format!("/v1/records/{id}/review"),
        body,
    )
    .await
}

/// Uploads `file` and waits until the record awaits review.
async fn pending_record(app: &TestApp, meta: Value, file: &str) -> Value {
    let res = app.upload(&app.intake_key, meta, &[file]).await;
    assert_eq!(res.status(), 202);
    let body: Value = res.json().await.unwrap();
    let record = app
        .wait_until_processed(body["id"].as_str().unwrap(), OCR_TIMEOUT)
        .await;
    assert_eq!(record["status"], "pending_review", "{record:#}");
    record
}

async fn certified_record(app: &TestApp, file: &str) -> Value {
    let record = pending_record(app, full_meta(), file).await;
    let id = record["id"].as_str().unwrap();
    let res = review(
        app,
        id,
        json!({"decision": "confirm", "officer": "Lê Thị Hoa"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

pub(crate) async fn jwks(app: &TestApp) -> josekit::jwk::JwkSet {
    // No API key: the keys are public.
    let res = app
        .client
        .get(format!("{}/v1/signing-keys", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/jwk-set+json"
    );
    let body = res.bytes().await.unwrap();
    let value: Value = serde_json::from_slice(&body).unwrap();
    for key in value["keys"].as_array().unwrap() {
        assert!(key.get("d").is_none(), "a private key was published: {key}");
    }
    josekit::jwk::JwkSet::from_bytes(&body).unwrap()
}

/// Verifies a compact JWS with josekit and the JWKS, as an outside party would.
pub(crate) fn verify_independently(
    jws: &str,
    keys: &josekit::jwk::JwkSet,
) -> Result<Value, josekit::JoseError> {
    let header = josekit::jws::JwsHeader::from_bytes(&{
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jws.split('.').next().unwrap())
            .unwrap()
    })?;
    let kid = header.key_id().expect("the header names its key");
    let jwk = keys
        .get(kid)
        .first()
        .copied()
        .expect("the kid is published");
    let verifier = josekit::jws::EdDSA.verifier_from_jwk(jwk)?;
    let (payload, _) = josekit::jws::deserialize_compact(jws, &verifier)?;
    Ok(serde_json::from_slice(&payload).unwrap())
}

async fn certificate_of(app: &TestApp, id: &str) -> String {
    let res = app
        .get(&app.intake_key, &format!("/v1/records/{id}/certificate"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/jose"
    );
    res.text().await.unwrap()
}

async fn pdf_of(app: &TestApp, id: &str) -> Vec<u8> {
    let res = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pdf"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    let claimed = res.headers()["x-content-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    let bytes = res.bytes().await.unwrap().to_vec();
    assert_eq!(
        sha256_hex(&bytes),
        claimed,
        "the PDF's bytes match its SHA-256"
    );
    bytes
}

#[tokio::test]
async fn a_confirmed_record_carries_a_certificate_that_an_independent_jose_library_verifies() {
    let app = TestApp::spawn().await;
    let record = certified_record(&app, "birth_certificate.png").await;
    assert_eq!(record["status"], "certified");
    assert_eq!(record["review"]["officer"], "Lê Thị Hoa");
    assert_eq!(record["certified_by"], "000.00.00.H00");
    let id = record["id"].as_str().unwrap();

    let jws = certificate_of(&app, id).await;
    let keys = jwks(&app).await;
    let claims = verify_independently(&jws, &keys).expect("the signature verifies");
    assert_eq!(claims["record_id"], id);
    assert_eq!(claims["subject_id"], SUBJECT);
    assert_eq!(claims["kind"], "birth_certificate");
    assert_eq!(claims["document_number"], "125/1990");
    assert_eq!(claims["issuing_agency"], "UBND phường Bến Nghé");
    assert_eq!(claims["officer"], "Lê Thị Hoa");
    assert_eq!(claims["agency_id"], "000.00.00.H00");
    assert_eq!(claims["permanent"], true);
    assert_eq!(
        claims["page_sha256"],
        json!([sha256sum(&fixture("birth_certificate.png"))])
    );
    let pdf = pdf_of(&app, id).await;
    assert_eq!(claims["rendition_sha256"], sha256_hex(&pdf));

    // One byte of the signed content changed: the signature no longer holds.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jws.split('.').collect();
    let mut payload = b64.decode(parts[1]).unwrap();
    let at = payload.windows(8).position(|w| w == b"125/1990").unwrap();
    payload[at] = b'9';
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(&payload), parts[2]);
    assert!(verify_independently(&tampered, &keys).is_err());

    // The private key stays in its folder, readable by its owner only.
    let pem = std::fs::read_to_string(app.data_dir().join("signing-keys/current.pem")).unwrap();
    assert!(pem.contains("PRIVATE KEY"));
    assert!(!app.log().contains(pem.lines().nth(1).unwrap()));
}

#[tokio::test]
async fn review_moves_only_pending_records_and_refuses_other_transitions_with_409() {
    let app = TestApp::spawn().await;
    let first = pending_record(&app, full_meta(), "birth_certificate.png").await;
    let second = pending_record(
        &app,
        json!({"subject_id": SUBJECT, "kind": "criminal_record_certificate"}),
        "criminal_record_certificate.jpg",
    )
    .await;
    let (first, second) = (
        first["id"].as_str().unwrap(),
        second["id"].as_str().unwrap(),
    );

    let res = review(
        &app,
        second,
        json!({"decision": "reject", "officer": "Lê Thị Hoa"}),
    )
    .await;
    assert_eq!(res.status(), 400, "a rejection without a note");
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_review");
    let res = review(
        &app,
        second,
        json!({"decision": "approve", "officer": "Lê Thị Hoa"}),
    )
    .await;
    assert_eq!(res.status(), 400, "an unknown decision");
    let res = review(
        &app,
        second,
        json!({"decision": "reject", "officer": "Lê Thị Hoa", "note": "thiếu dấu giáp lai"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let rejected: Value = res.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["review"]["note"], "thiếu dấu giáp lai");
    let res = app
        .get(
            &app.intake_key,
            &format!("/v1/records/{second}/certificate"),
        )
        .await;
    assert_eq!(res.status(), 404, "a rejected record has no certificate");

    let confirm = json!({"decision": "confirm", "officer": "Lê Thị Hoa"});
    assert_eq!(review(&app, first, confirm.clone()).await.status(), 200);
    for (id, body) in [
        (first, confirm.clone()),
        (
            first,
            json!({"decision": "reject", "officer": "X", "note": "late"}),
        ),
        (second, confirm.clone()),
    ] {
        let res = review(&app, id, body).await;
        assert_eq!(res.status(), 409);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["code"], "invalid_transition");
        assert!(err["message"].as_str().unwrap().contains("cannot become"));
    }
    let res = review(
        &app,
        "0190f1c2-0000-7000-8000-000000000000",
        confirm.clone(),
    )
    .await;
    assert_eq!(res.status(), 404);

    let reader = app.create_key("back-office", "reader");
    let res = post_json(
        &app,
        Some(&reader),
        &format!("/v1/records/{first}/review"),
        confirm,
    )
    .await;
    assert_eq!(res.status(), 403, "readers do not review");
}

#[tokio::test]
async fn a_record_still_processing_cannot_be_confirmed_and_has_no_pdf_yet() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .upload(&app.intake_key, full_meta(), &["birth_certificate.png"])
        .await;
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = review(
        &app,
        &id,
        json!({"decision": "confirm", "officer": "Lê Thị Hoa"}),
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "invalid_transition"
    );
    let res = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pdf"))
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "rendition_not_ready"
    );
}

#[tokio::test]
async fn the_searchable_pdf_holds_every_page_with_text_that_pdftotext_extracts() {
    let app = TestApp::spawn().await;
    let record = pending_record(
        &app,
        json!({"subject_id": SUBJECT, "kind": "birth_certificate"}),
        "two_page.tiff",
    )
    .await;
    let id = record["id"].as_str().unwrap();
    assert!(record["pdf"]["bytes"].as_u64().unwrap() > 0);
    let pdf = pdf_of(&app, id).await;
    assert_eq!(record["pdf"]["sha256"], sha256_hex(&pdf));
    assert!(pdf.starts_with(b"%PDF-"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let info = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo (poppler-utils) runs");
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim_end().ends_with(" 2")),
        "{info}"
    );

    let extracted = Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(extracted.status.success());
    // Line breaks depend on where words sit on the page: compare words.
    let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let extracted = normal(&String::from_utf8(extracted.stdout).unwrap().to_lowercase());
    let ocr_text: String = record["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["ocr_text"].as_str().unwrap().to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    let ocr_text = normal(&ocr_text);
    for phrase in expected_phrases("two_page") {
        let phrase = phrase.to_lowercase();
        assert!(ocr_text.contains(&phrase), "OCR text lacks {phrase:?}");
        assert!(
            extracted.contains(&phrase),
            "the PDF's text lacks {phrase:?}:\n{extracted}"
        );
    }
    // The text layer is the OCR text: the same words (a PDF reader may
    // order blocks differently).
    let words = |s: &str| {
        let mut w: Vec<String> = s.split(' ').map(str::to_owned).collect();
        w.sort();
        w
    };
    assert_eq!(words(&extracted), words(&ocr_text));

    // The originals are untouched and still served byte for byte.
    let page = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pages/1"))
        .await;
    assert_eq!(
        page.bytes().await.unwrap().to_vec(),
        fixture_bytes("two_page.tiff")
    );
}

#[tokio::test]
async fn the_papers_particulars_are_validated_and_kept() {
    let app = TestApp::spawn_without_workers().await;
    let bad = [
        json!({"result_code": "KQ-G15-31"}),
        json!({"permanent": true, "valid_until": "2030-01-01"}),
        json!({"issued_on": "2999-01-01"}),
        json!({"signer": "x".repeat(201)}),
    ];
    for extra in bad {
        let mut meta = json!({"subject_id": SUBJECT, "kind": "birth_certificate"});
        meta.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let res = app
            .upload(&app.intake_key, meta.clone(), &["birth_certificate.png"])
            .await;
        assert_eq!(res.status(), 400, "{meta}");
        assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_meta");
    }
    assert_eq!(app.count_rows("records").await, 0);

    let mut meta = full_meta();
    meta["result_code"] = json!("KQ.H56.000031");
    let res = app
        .upload(&app.intake_key, meta, &["birth_certificate.png"])
        .await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let record = app
        .get_json(&app.intake_key, &format!("/v1/records/{id}"))
        .await;
    assert_eq!(record["result_code"], "KQ.H56.000031");
    assert_eq!(record["issuing_agency"], "UBND phường Bến Nghé");
    assert_eq!(record["signer"], "Trần Văn Bình");
    assert_eq!(record["issued_on"], "1990-03-15");
    assert_eq!(record["permanent"], true);
    assert_eq!(record["scope"], "toàn quốc");
    assert_eq!(record["owner_name"], "Nguyễn Văn An");
    assert!(
        !app.log().contains("Nguyễn Văn An"),
        "the owner's name reached the log"
    );
}

#[tokio::test]
async fn a_colour_scan_stays_in_colour_in_the_pdf_and_a_grey_one_stays_grey() {
    let app = TestApp::spawn().await;
    let colour = pending_record(
        &app,
        json!({"subject_id": SUBJECT, "kind": "cccd", "paper": "ID1"}),
        "cccd_front.jpg",
    )
    .await;
    let grey = pending_record(
        &app,
        json!({"subject_id": SUBJECT, "kind": "birth_certificate"}),
        "birth_certificate.png",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    for (record, expected) in [(colour, "rgb"), (grey, "gray")] {
        let id = record["id"].as_str().unwrap();
        let path = dir.path().join(format!("{id}.pdf"));
        std::fs::write(&path, pdf_of(&app, id).await).unwrap();
        let list = Command::new("pdfimages")
            .arg("-list")
            .arg(&path)
            .output()
            .expect("pdfimages (poppler-utils) runs");
        let list = String::from_utf8_lossy(&list.stdout);
        let image = list.lines().nth(2).expect("one image");
        let color = image.split_whitespace().nth(5).unwrap();
        assert_eq!(color, expected, "{list}");
    }
}
