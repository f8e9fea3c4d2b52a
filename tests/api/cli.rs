//! The command line: keys and ingest.

use crate::helpers::{SUBJECT, Stores, expected_phrases, fixture, sha256sum, sohoa};

#[test]
fn keys_create_prints_the_key_alone_on_the_last_line_and_refuses_a_taken_name() {
    let dir = Stores::new();
    let out = sohoa(
        &dir,
        &["keys", "create", "--name", "desk-7", "--role", "intake"],
    );
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("sohoa_") && !last.contains(' '),
        "{stdout}"
    );

    let again = sohoa(
        &dir,
        &["keys", "create", "--name", "desk-7", "--role", "reader"],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let bad_role = sohoa(&dir, &["keys", "create", "--name", "x", "--role", "root"]);
    assert!(!bad_role.status.success());
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("unknown role"));
}

#[tokio::test]
async fn a_revoked_key_stops_working_and_keys_list_never_shows_secrets() {
    let app = crate::helpers::TestApp::spawn_without_workers().await;
    let reader = app.create_key("back-office", "reader");
    let path = format!("/v1/subjects/{SUBJECT}/records?purpose=000.00.00.H00-261123-0001");
    assert_eq!(app.get(&reader, &path).await.status(), 200);

    let out = sohoa(&app.stores, &["keys", "revoke", "--name", "back-office"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(app.get(&reader, &path).await.status(), 401);
    assert_eq!(app.get(&app.intake_key, &path).await.status(), 200);

    let again = sohoa(&app.stores, &["keys", "revoke", "--name", "back-office"]);
    assert!(!again.status.success());

    let list = sohoa(&app.stores, &["keys", "list"]);
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(
        text.contains("back-office") && text.contains("counter-desk-"),
        "{text}"
    );
    assert!(!text.contains(&reader) && !text.contains(&app.intake_key));
}

#[test]
fn ingest_runs_the_whole_pipeline_and_prints_the_finished_record() {
    let dir = Stores::new();
    let file = fixture("criminal_record_certificate.jpg");
    let out = sohoa(
        &dir,
        &[
            "ingest",
            "--subject",
            "046185006789",
            "--kind",
            "criminal_record_certificate",
            "--issuing-agency",
            "Sở Tư pháp Hà Nội",
            "--issued-on",
            "2026-10-01",
            "--result-code",
            "KQ.G15.000031",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(record["status"], "pending_review");
    assert_eq!(record["created_by"], "cli");
    assert_eq!(record["issuing_agency"], "Sở Tư pháp Hà Nội");
    assert_eq!(record["result_code"], "KQ.G15.000031");
    assert_eq!(record["pdf"]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(record["pages"][0]["sha256"], sha256sum(&file));
    let text = record["pages"][0]["ocr_text"].as_str().unwrap();
    for phrase in expected_phrases("criminal_record_certificate") {
        assert!(text.contains(&phrase), "lacks {phrase:?}: {text}");
    }

    // The same file again is recognised as already on file.
    let again = sohoa(
        &dir,
        &[
            "ingest",
            "--subject",
            "046185006789",
            "--kind",
            "criminal_record_certificate",
            file.to_str().unwrap(),
        ],
    );
    assert!(again.status.success());
    let dup: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        (dup["duplicate"].as_bool(), &dup["id"]),
        (Some(true), &record["id"])
    );
}

#[tokio::test]
async fn ingest_with_an_invalid_owner_id_fails_clearly_and_stores_nothing() {
    let dir = Stores::new();
    let file = fixture("cccd_front.jpg");
    let out = sohoa(
        &dir,
        &[
            "ingest",
            "--subject",
            "003090012345",
            "--kind",
            "cccd",
            file.to_str().unwrap(),
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a province code"), "{stderr}");
    assert_eq!(dir.blob_count().await, 0);
    assert_eq!(dir.scalar("SELECT COUNT(*) FROM records").await, 0);
}

#[tokio::test]
async fn scrub_names_the_record_of_a_changed_or_missing_file_and_gc_removes_only_unnamed_old_files()
{
    use crate::helpers::{TestApp, meta};
    let app = TestApp::spawn_without_workers().await;
    let body = app
        .upload_json(
            &app.intake_key,
            meta("birth_certificate"),
            &["birth_certificate.png"],
        )
        .await;
    let id = body["id"].as_str().unwrap().to_owned();
    let out = sohoa(&app.stores, &["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("All 1 stored files match"), "{stdout}");
    // Nothing is unnamed: gc removes nothing, even with no grace at all.
    let out = sohoa(&app.stores, &["gc", "--grace-hours", "0"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 of 1 stored files"));
    if app.stores.is_postgres() {
        return; // what follows edits the blob folder by hand
    }
    let hash = sha256sum(&fixture("birth_certificate.png"));
    let blob = app.data_dir().join(format!(
        "blobs/originals/{}/{}/{hash}",
        &hash[..2],
        &hash[2..4]
    ));
    let good = std::fs::read(&blob).unwrap();
    let mut rotten = good.clone();
    rotten[good.len() / 2] ^= 1;
    std::fs::write(&blob, &rotten).unwrap();
    let out = sohoa(&app.stores, &["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("the original {hash} of record {id} has changed")),
        "{stdout}"
    );
    std::fs::remove_file(&blob).unwrap();
    let out = sohoa(&app.stores, &["scrub"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("is missing from the blob store"),
        "{stdout}"
    );
    std::fs::write(&blob, &good).unwrap();

    // A file left by an upload that failed part-way: named by no record.
    let orphan = b"left behind by an upload that failed";
    let orphan_hash = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(orphan))
    };
    let orphan_path = app.data_dir().join(format!(
        "blobs/originals/{}/{}/{orphan_hash}",
        &orphan_hash[..2],
        &orphan_hash[2..4]
    ));
    std::fs::create_dir_all(orphan_path.parent().unwrap()).unwrap();
    std::fs::write(&orphan_path, orphan).unwrap();
    // Younger than the grace period: spared.
    let out = sohoa(&app.stores, &["gc"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 of 2 stored files"));
    let out = sohoa(&app.stores, &["gc", "--grace-hours", "0", "--dry-run"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("would remove originals/"));
    assert!(orphan_path.exists());
    let out = sohoa(&app.stores, &["gc", "--grace-hours", "0"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("removed originals/{orphan_hash}")),
        "{stdout}"
    );
    assert!(!orphan_path.exists());
    assert!(blob.exists(), "a named file is never removed");
    assert!(sohoa(&app.stores, &["scrub"]).status.success());
}
