//! Keys and roles.

use crate::helpers::{TestApp, meta};

#[tokio::test]
async fn requests_without_a_valid_key_are_unauthorized() {
    let app = TestApp::spawn_without_workers().await;
    let res = app
        .client
        .get(format!("{}/v1/subjects/001090012345/records", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "unauthorized");

    let made_up = format!("sohoa_{}", "0".repeat(64));
    assert_eq!(
        app.get(&made_up, "/v1/subjects/001090012345/records")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.upload("not-even-a-key", meta("cccd"), &["cccd_front.jpg"])
            .await
            .status(),
        401
    );
    assert_eq!(app.blob_count().await, 0);
}

#[tokio::test]
async fn each_role_may_do_only_what_it_is_for() {
    let app = TestApp::spawn_without_workers().await;
    let reader = app.create_key("back-office", "reader");
    let auditor = app.create_key("inspector", "auditor");
    let issuer = app.create_key("civil-registry", "issuer");
    let admin = app.create_key("ops", "admin");

    for key in [&reader, &auditor, &issuer] {
        let res = app.upload(key, meta("cccd"), &["cccd_front.jpg"]).await;
        assert_eq!(res.status(), 403);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "forbidden");
    }
    assert_eq!(app.count_rows("records").await, 0);

    let res = app.upload(&admin, meta("cccd"), &["cccd_front.jpg"]).await;
    assert_eq!(res.status(), 202);
    let body: serde_json::Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    assert_eq!(body["created_by"], "ops");

    // Reads name the dossier they are for (readers must).
    let purpose = "purpose=000.00.00.H00-261123-0001";
    for key in [&reader, &admin, &app.intake_key] {
        assert_eq!(
            app.get(key, &format!("/v1/records/{id}?{purpose}"))
                .await
                .status(),
            200
        );
        assert_eq!(
            app.get(key, &format!("/v1/records/{id}/pages/1?{purpose}"))
                .await
                .status(),
            200
        );
    }
    for key in [&auditor, &issuer] {
        assert_eq!(
            app.get(key, &format!("/v1/records/{id}")).await.status(),
            403
        );
        assert_eq!(
            app.get(key, &format!("/v1/records/{id}/pages/1"))
                .await
                .status(),
            403
        );
        assert_eq!(
            app.get(key, "/v1/subjects/001090012345/records")
                .await
                .status(),
            403
        );
    }
}

#[tokio::test]
async fn keys_are_stored_only_as_hashes() {
    let app = TestApp::spawn_without_workers().await;
    let key = app.intake_key.replace('\'', "");
    let found = app
        .stores
        .scalar(&format!(
            "SELECT COUNT(*) FROM api_keys WHERE key_hash = '{key}' OR name = '{key}'"
        ))
        .await;
    assert_eq!(found, 0, "the secret key is stored as is");
    assert_eq!(app.count_rows("api_keys").await, 1);
    if !crate::helpers::distributed() {
        let db = std::fs::read(app.data_dir().join("sohoa.db")).unwrap();
        let wal = std::fs::read(app.data_dir().join("sohoa.db-wal")).unwrap_or_default();
        let needle = app.intake_key.as_bytes();
        let raw = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(
            !raw(&db) && !raw(&wal),
            "the secret key is in the database file"
        );
    }
}
