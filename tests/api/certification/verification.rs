//! Public verification: anyone holding a page or the PDF can check it, online
//! or from the command line, and old certificates survive a key rotation.

use super::*;

#[tokio::test]
async fn anyone_can_verify_the_original_or_the_pdf_and_a_changed_file_does_not_match() {
    let app = TestApp::spawn().await;
    let record = certified_record(&app, "birth_certificate.png").await;
    let id = record["id"].as_str().unwrap();

    let res = app
        .verify_file(fixture_bytes("birth_certificate.png"))
        .await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["match"], true, "{answer:#}");
    assert_eq!(answer["matched_as"], "page");
    assert_eq!(answer["record_id"], id);
    assert_eq!(answer["kind"], "birth_certificate");
    assert_eq!(answer["issuing_agency"], "UBND phường Bến Nghé");
    assert_eq!(answer["status"], "certified");
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["signature"], "valid");
    for personal in [SUBJECT, "Nguyễn Văn An", "Lê Thị Hoa", "125/1990"] {
        assert!(
            !text.contains(personal),
            "verify revealed {personal:?}: {text}"
        );
    }

    let pdf = pdf_of(&app, id).await;
    let answer: Value = app.verify_file(pdf.clone()).await.json().await.unwrap();
    assert_eq!(answer["match"], true);
    assert_eq!(answer["matched_as"], "pdf");
    assert_eq!(answer["signature"], "valid");

    let answer: Value = post_json(
        &app,
        None,
        "/v1/verify",
        json!({"sha256": sha256_hex(&pdf)}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(answer["match"], true);

    let mut changed = fixture_bytes("birth_certificate.png");
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;
    let res = app.verify_file(changed).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"match": false}));

    let res = post_json(&app, None, "/v1/verify", json!({"sha256": "not-a-hash"})).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "invalid_sha256");

    // A record changed in the database after signing no longer verifies.
    app.stores
        .execute(&format!(
            "UPDATE records SET kind = 'marriage_status_certificate' WHERE id = '{id}'"
        ))
        .await;
    let answer: Value = app
        .verify_file(fixture_bytes("birth_certificate.png"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["match"], true);
    assert_eq!(answer["signature"], "invalid", "{answer:#}");
    assert_eq!(answer["valid"], false);
}

#[tokio::test]
async fn public_verification_is_rate_limited_per_address() {
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![("SOHOA_VERIFY_PER_MINUTE", "3".into())],
    })
    .await;
    let probe = json!({"sha256": "0".repeat(64)});
    for _ in 0..3 {
        let res = post_json(&app, None, "/v1/verify", probe.clone()).await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.json::<Value>().await.unwrap(), json!({"match": false}));
    }
    let res = post_json(&app, None, "/v1/verify", probe).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");
}

#[tokio::test]
async fn after_a_key_rotation_old_certificates_still_verify_and_new_ones_use_the_new_key() {
    let mut app = TestApp::spawn().await;
    let old = certified_record(&app, "birth_certificate.png").await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    let old_jws = certificate_of(&app, &old_id).await;

    let out = sohoa(&app.stores, &["signing-key", "rotate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.restart();

    let keys = jwks(&app).await;
    assert_eq!(keys.keys().len(), 2);
    verify_independently(&old_jws, &keys).expect("the old certificate still verifies");
    let answer: Value = app
        .verify_file(fixture_bytes("birth_certificate.png"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["signature"], "valid");

    let new = certified_record(&app, "criminal_record_certificate.jpg").await;
    let new_jws = certificate_of(&app, new["id"].as_str().unwrap()).await;
    verify_independently(&new_jws, &keys).expect("the new certificate verifies");
    assert_ne!(
        old_jws.split('.').next(),
        new_jws.split('.').next(),
        "a different kid"
    );
}

#[tokio::test]
async fn sohoa_verify_checks_a_file_from_the_command_line() {
    let app = TestApp::spawn().await;
    certified_record(&app, "birth_certificate.png").await;

    let original = fixture("birth_certificate.png");
    let out = sohoa(&app.stores, &["verify", original.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Giấy khai sinh"), "{stdout}");
    assert!(stdout.contains("Signature: verifies"), "{stdout}");

    // The same from anywhere, through the server's public endpoint.
    let out = sohoa(
        &app.stores,
        &["verify", "--server", &app.url, original.to_str().unwrap()],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Signature: verifies"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.png");
    let mut bytes = fixture_bytes("birth_certificate.png");
    let last = bytes.len() - 20;
    bytes[last] ^= 0xff;
    std::fs::write(&changed, bytes).unwrap();
    // A changed file matches nothing, locally or through the server.
    let changed = changed.to_str().unwrap();
    for args in [
        vec!["verify", "--json", changed],
        vec!["verify", "--json", "--server", &app.url, changed],
    ] {
        let out = sohoa(&app.stores, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer, json!({"match": false}));
    }
}
