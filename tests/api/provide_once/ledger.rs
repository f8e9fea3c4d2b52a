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
    // Readers racing each other still make one unbroken chain per subject.
    let reads = (0..30).map(|_| app.get(&app.intake_key, &list));
    for res in futures_util::future::join_all(reads).await {
        assert_eq!(res.status(), 200);
    }
    let other = format!("/v1/subjects/{OTHER_SUBJECT}/records");
    assert_eq!(app.get(&app.intake_key, &other).await.status(), 200);
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("intact: 31 entries in 2 subject chains"),
        "{stdout}"
    );

    let entry = |n: i64| format!("WHERE subject_id = '{SUBJECT}' AND chain_seq = {n}");
    app.stores
        .execute(&format!(
            "UPDATE access_log SET purpose = '000.00.00.H00-261123-0002' {}",
            entry(2)
        ))
        .await;
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "chain of subject {SUBJECT} is broken: entry 2 was changed"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(OTHER_SUBJECT), "{stdout}");

    // Put it back, then remove the last entry instead.
    app.stores
        .execute(&format!(
            "UPDATE access_log SET purpose = '{DOSSIER}' {}",
            entry(2)
        ))
        .await;
    assert!(sohoa(&app.stores, &["audit", "verify"]).status.success());
    app.stores
        .execute(&format!("DELETE FROM access_log {}", entry(30)))
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
        .execute(&format!("DELETE FROM access_log {}", entry(12)))
        .await;
    let out = sohoa(&app.stores, &["audit", "verify"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("entry 12 is missing"), "{stdout}");
}

/// An entry's hash, computed as an intruder who read the documentation would:
/// SHA-256 of the canonical JSON of its fields, `seq` being its chain place.
fn entry_hash(e: &Value, prev_hash: &str) -> String {
    use sha2::Digest;
    let fields = json!({
        "seq": e["chain_seq"], "at": e["at"], "key_name": e["key_name"], "role": e["role"],
        "subject_id": e["subject_id"], "record_id": e["record_id"], "purpose": e["purpose"],
        "action": e["action"], "prev_hash": prev_hash,
    });
    hex::encode(sha2::Sha256::digest(serde_jcs::to_vec(&fields).unwrap()))
}

/// Rewrites `subject`'s chain from entry `from` on, with every later hash and
/// the head recomputed: what someone holding the database but no key can do.
async fn rewrite_chain(app: &TestApp, auditor: &str, subject: &str, from: i64, purpose: &str) {
    let log = app
        .get_json(
            auditor,
            &format!("/v1/subjects/{subject}/access-log?limit=1000"),
        )
        .await;
    let mut entries: Vec<Value> = log["entries"].as_array().unwrap().clone();
    entries.sort_by_key(|e| e["chain_seq"].as_i64());
    let mut prev = String::new();
    for e in &mut entries {
        let n = e["chain_seq"].as_i64().unwrap();
        if n < from {
            prev = e["hash"].as_str().unwrap().to_owned();
            continue;
        }
        if n == from {
            e["purpose"] = json!(purpose);
        }
        let hash = entry_hash(e, &prev);
        app.stores
            .execute(&format!(
                "UPDATE access_log SET purpose = {}, prev_hash = '{prev}', hash = '{hash}' \
                 WHERE subject_id = '{subject}' AND chain_seq = {n}",
                e["purpose"]
                    .as_str()
                    .map_or("NULL".into(), |p| format!("'{p}'")),
            ))
            .await;
        prev = hash;
    }
    let last = entries.last().unwrap()["chain_seq"].as_i64().unwrap();
    app.stores
        .execute(&format!(
            "UPDATE ledger_chains SET seq = {last}, hash = '{prev}' WHERE subject_id = '{subject}'"
        ))
        .await;
}

fn verify_out(app: &TestApp) -> (Option<i32>, String) {
    let out = sohoa(&app.stores, &["audit", "verify"]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn a_chain_rewritten_with_every_later_hash_recomputed_is_caught_by_the_signed_checkpoint() {
    let app = TestApp::spawn_without_workers().await;
    let auditor = app.create_key("inspector", "auditor");
    let list = format!("/v1/subjects/{SUBJECT}/records?purpose={DOSSIER}");
    for _ in 0..10 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    let res = app
        .client
        .post(format!("{}/v1/ledger/checkpoints", app.url))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let first: Value = res.json().await.unwrap();
    assert_eq!(
        (first["checkpoint"].as_i64(), first["tree_size"].as_i64()),
        (Some(1), Some(1))
    );
    for _ in 0..5 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    assert!(
        sohoa(&app.stores, &["audit", "checkpoint"])
            .status
            .success()
    );
    // The auditor's read of the log moved the chain after checkpoint 2.
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("2 signed checkpoints"), "{stdout}");

    // The hash chain alone does not see this rewrite...
    rewrite_chain(&app, &auditor, SUBJECT, 3, "000.00.00.H00-261123-0009").await;
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        !stdout.contains("is broken"),
        "the chain itself holds: {stdout}"
    );
    // ...the agency's signature does, and names the first checkpoint it breaks.
    assert!(
        stdout.contains(&format!(
            "the chain of subject {SUBJECT} differs from what checkpoint 1 signed"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("the first checkpoint this breaks is 1"),
        "{stdout}"
    );

    // Rewriting the checkpoint's leaf to match breaks its signed root instead.
    let hash = app
        .stores
        .text(&format!(
            "SELECT hash FROM access_log WHERE subject_id = '{SUBJECT}' AND chain_seq = 10"
        ))
        .await
        .unwrap();
    app.stores
        .execute(&format!(
            "UPDATE ledger_leaves SET hash = '{hash}' WHERE idx = 0"
        ))
        .await;
    let (_, stdout) = verify_out(&app);
    assert!(
        stdout.contains("the leaves stored for checkpoint 1 do not give its signed root"),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_removed_tail_with_its_head_moved_back_is_caught_by_the_checkpoint_that_held_it() {
    let app = TestApp::spawn_without_workers().await;
    let list = format!("/v1/subjects/{SUBJECT}/records?purpose={DOSSIER}");
    for _ in 0..6 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    assert!(
        sohoa(&app.stores, &["audit", "checkpoint"])
            .status
            .success()
    );
    let hash4 = app
        .stores
        .text(&format!(
            "SELECT hash FROM access_log WHERE subject_id = '{SUBJECT}' AND chain_seq = 4"
        ))
        .await
        .unwrap();
    app.stores
        .execute(&format!(
            "DELETE FROM access_log WHERE subject_id = '{SUBJECT}' AND chain_seq > 4"
        ))
        .await;
    app.stores
        .execute(&format!(
            "UPDATE ledger_chains SET seq = 4, hash = '{hash4}' WHERE subject_id = '{SUBJECT}'"
        ))
        .await;
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("its entry 6 was changed or removed"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the first checkpoint this breaks is 1"),
        "{stdout}"
    );

    // Removing the checkpoint from the database too leaves its copy in the blob store.
    app.stores.execute("DELETE FROM ledger_leaves").await;
    app.stores.execute("DELETE FROM ledger_checkpoints").await;
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("checkpoint 1 is in the blob store but not in the database"),
        "{stdout}"
    );
}

#[tokio::test]
async fn the_citizen_page_carries_an_inclusion_proof_of_their_chain_in_the_signed_checkpoint() {
    let app = TestApp::spawn_without_workers().await;
    let auditor = app.create_key("inspector", "auditor");
    let list = format!("/v1/subjects/{SUBJECT}/records?purpose={DOSSIER}");
    for _ in 0..3 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    let other = format!("/v1/subjects/{OTHER_SUBJECT}/records");
    assert_eq!(app.get(&app.intake_key, &other).await.status(), 200);
    assert!(
        sohoa(&app.stores, &["audit", "checkpoint"])
            .status
            .success()
    );
    let link = post(
        &app,
        &app.intake_key,
        &format!("/v1/subjects/{SUBJECT}/citizen-links"),
        json!({}),
    )
    .await
    .json::<Value>()
    .await
    .unwrap();
    let url = link["url"].as_str().unwrap();
    let page: Value = app
        .client
        .get(format!("{url}?format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ledger = &page["ledger"];
    // The citizen's own opening is the chain's fourth entry; the checkpoint holds three.
    assert_eq!(ledger["chain_seq"], 4, "{ledger}");
    assert_eq!(ledger["checkpointed_seq"], 3);
    let proof = &ledger["proof"];
    assert_eq!(proof["tree_size"], 2);
    assert_eq!(proof["leaf"]["subject_id"], SUBJECT);
    assert_eq!(proof["leaf"]["seq"], 3);

    // Checked as an outsider would: RFC 9162 hashing, the JWKS, josekit.
    use sha2::Digest;
    let leaf_data = serde_jcs::to_vec(&proof["leaf"]).unwrap();
    let mut hash: Vec<u8> = sha2::Sha256::digest([&[0u8][..], &leaf_data].concat()).to_vec();
    let (mut index, mut last) = (
        proof["leaf_index"].as_u64().unwrap(),
        proof["tree_size"].as_u64().unwrap() - 1,
    );
    for sibling in proof["audit_path"].as_array().unwrap() {
        let sibling = hex::decode(sibling.as_str().unwrap()).unwrap();
        let pair = if index % 2 == 1 || index == last {
            [&[1u8][..], &sibling, &hash].concat()
        } else {
            [&[1u8][..], &hash, &sibling].concat()
        };
        hash = sha2::Sha256::digest(pair).to_vec();
        if index % 2 == 0 && index == last {
            while index % 2 == 0 && index != 0 {
                index >>= 1;
                last >>= 1;
            }
        }
        index >>= 1;
        last >>= 1;
    }
    assert_eq!(hex::encode(&hash), proof["root_hash"].as_str().unwrap());
    let keys = crate::certification::jwks(&app).await;
    let claims =
        crate::certification::verify_independently(proof["jws"].as_str().unwrap(), &keys).unwrap();
    assert_eq!(claims["root_hash"], proof["root_hash"]);
    assert_eq!(claims["tree_size"], 2);

    let latest = app.get_json(&auditor, "/v1/ledger/checkpoint").await;
    assert_eq!(latest["jws"], proof["jws"]);
    let html = app
        .client
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã niêm phong 3 lượt đầu"), "{html}");
}

#[tokio::test]
async fn a_crash_during_group_commit_serves_no_read_whose_entry_was_not_committed() {
    let mut app = TestApp::spawn_without_workers().await;
    // Sixteen clients read without pause until the server dies; each read
    // names its own dossier, so the ledger shows which were logged.
    let clients: Vec<_> = (0..16)
        .map(|c| {
            let (client, key, base) = (app.client.clone(), app.intake_key.clone(), app.url.clone());
            tokio::spawn(async move {
                let mut served = Vec::new();
                for n in 0..600 {
                    let i = c * 600 + n + 1;
                    let url = format!(
                        "{base}/v1/subjects/{SUBJECT}/records?purpose=000.00.00.H00-261123-{i:04}"
                    );
                    match client.get(url).bearer_auth(&key).send().await {
                        Ok(res) if res.status() == 200 => served.push(i),
                        _ => break,
                    }
                }
                served
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.kill();
    let mut served = Vec::new();
    for client in clients {
        served.extend(client.await.unwrap());
    }
    assert!(!served.is_empty(), "no read was served before the crash");
    assert!(
        served.len() < 16 * 600,
        "every read was served before the crash"
    );
    app.restart();
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(0), "{stdout}");
    let logged = app
        .stores
        .scalar(&format!(
            "SELECT COUNT(*) FROM access_log WHERE subject_id = '{SUBJECT}'"
        ))
        .await;
    assert!(
        logged as usize >= served.len(),
        "{logged} entries for {} reads served",
        served.len()
    );
    let purposes: Vec<String> = served
        .iter()
        .map(|i| format!("'000.00.00.H00-261123-{i:04}'"))
        .collect();
    let found = app
        .stores
        .scalar(&format!(
            "SELECT COUNT(DISTINCT purpose) FROM access_log WHERE purpose IN ({})",
            purposes.join(", ")
        ))
        .await;
    assert_eq!(
        found as usize,
        served.len(),
        "some reads were served but their entries are not in the ledger"
    );
}

#[tokio::test]
async fn entries_archived_to_signed_segments_leave_the_database_and_are_still_verified() {
    let app = TestApp::spawn_without_workers().await;
    let list = format!("/v1/subjects/{SUBJECT}/records?purpose={DOSSIER}");
    for _ in 0..5 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    // Nothing is archived before a checkpoint holds it.
    let out = sohoa(&app.stores, &["audit", "archive", "--older-than-days", "0"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 entries"));
    assert!(
        sohoa(&app.stores, &["audit", "checkpoint"])
            .status
            .success()
    );
    let out = sohoa(&app.stores, &["audit", "archive", "--older-than-days", "0"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("Archive segment 1: 5 entries"), "{stdout}");
    assert_eq!(app.count_rows("access_log").await, 0);
    for _ in 0..2 {
        assert_eq!(app.get(&app.intake_key, &list).await.status(), 200);
    }
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("2 entries in 1 subject chains, 1 signed checkpoints, 1 archive segments"),
        "{stdout}"
    );
    let chain_seq = app
        .stores
        .scalar(&format!(
            "SELECT MIN(chain_seq) FROM access_log WHERE subject_id = '{SUBJECT}'"
        ))
        .await;
    assert_eq!(chain_seq, 6, "the chain goes on after the archived entries");

    // The segment's start of the chain cannot be moved in the database alone.
    app.stores
        .execute(&format!(
            "UPDATE ledger_chains SET archived_seq = 4 WHERE subject_id = '{SUBJECT}'"
        ))
        .await;
    let (code, stdout) = verify_out(&app);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("signed archive segments end it at entry 5"),
        "{stdout}"
    );
    app.stores
        .execute(&format!(
            "UPDATE ledger_chains SET archived_seq = 5 WHERE subject_id = '{SUBJECT}'"
        ))
        .await;
    if !app.stores.is_postgres() {
        let segment = app
            .data_dir()
            .join("blobs/ledger/segments/000000000001.jsonl");
        let text = std::fs::read_to_string(&segment).unwrap();
        std::fs::write(
            &segment,
            text.replacen(DOSSIER, "000.00.00.H00-261123-0009", 1),
        )
        .unwrap();
        let (code, stdout) = verify_out(&app);
        assert_eq!(code, Some(1), "{stdout}");
        assert!(
            stdout.contains("archive segment 1's file was changed"),
            "{stdout}"
        );
    }
}
