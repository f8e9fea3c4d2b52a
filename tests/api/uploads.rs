//! Upload bodies stream to disk: a large file comes back byte for byte, the
//! spool is left empty, and past the instance's bound on uploads in flight an
//! upload is answered `503 busy` with `Retry-After` and stores nothing.

use std::io::Write;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{Options, SUBJECT, TestApp, meta, sha256sum};

/// A grey A4 page at 300 dpi of seeded noise: it does not compress, so the
/// PNG is over 8 MiB and is stored in parts.
fn noisy_page() -> Vec<u8> {
    let (w, h) = (2480u32, 3508u32);
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let pixels: Vec<u8> = (0..w * h)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_pixel_dims(Some(png::PixelDimensions {
            xppu: 11_811,
            yppu: 11_811,
            unit: png::Unit::Meter,
        }));
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

fn spool_files(app: &TestApp) -> Vec<String> {
    std::fs::read_dir(app.data_dir().join("spool"))
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_for_empty_spool(app: &TestApp) {
    for _ in 0..100 {
        if spool_files(app).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("spool files left behind: {:?}", spool_files(app));
}

#[tokio::test]
async fn a_large_page_streams_to_the_store_and_comes_back_byte_for_byte() {
    let app = TestApp::spawn_without_workers().await;
    let page = noisy_page();
    assert!(page.len() > 8 * 1024 * 1024, "{} bytes", page.len());
    let res = app
        .upload_bytes(
            &app.intake_key,
            Some(meta("birth_certificate")),
            vec![("noise.png".into(), page.clone())],
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.unwrap();
    let id = body["id"].as_str().unwrap();
    let digest = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.png");
        std::fs::write(&path, &page).unwrap();
        sha256sum(&path)
    };
    assert_eq!(body["pages"][0]["sha256"], digest.as_str());
    assert_eq!(body["pages"][0]["bytes"], page.len() as u64);
    wait_for_empty_spool(&app).await;

    let back = app
        .get(&app.intake_key, &format!("/v1/records/{id}/pages/1"))
        .await;
    assert_eq!(back.status().as_u16(), 200);
    assert!(
        back.bytes().await.unwrap() == page,
        "the stored page differs"
    );
}

/// Sends the headers and the start of an upload declaring `length` bytes,
/// then holds the connection open without sending the rest.
fn stalled_upload(app: &TestApp, length: usize) -> std::net::TcpStream {
    let address = app.url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let meta = json!({"subject_id": SUBJECT, "kind": "birth_certificate"});
    let start = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{meta}\r\n\
         --XyZ\r\nContent-Disposition: form-data; name=\"page\"; filename=\"p.png\"\r\n\r\n\x7fslow"
    );
    write!(
        stream,
        "POST /v1/records HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {length}\r\n\r\n{start}",
        app.intake_key
    )
    .unwrap();
    stream.flush().unwrap();
    stream
}

async fn upload_until_answered(app: &TestApp) -> reqwest::Response {
    app.upload(
        &app.intake_key,
        meta("birth_certificate"),
        &["birth_certificate.png"],
    )
    .await
}

async fn assert_busy(res: reqwest::Response) {
    assert_eq!(res.status().as_u16(), 503);
    let retry: u32 = res
        .headers()
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "busy");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("nothing was saved"),
        "{body}"
    );
}

#[tokio::test]
async fn past_the_uploads_in_flight_an_upload_is_answered_busy_and_stores_nothing() {
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![("SOHOA_MAX_UPLOADS_IN_FLIGHT", "1".into())],
    })
    .await;
    let stalled = stalled_upload(&app, 5_000_000);
    // The stalled upload is being read once its first bytes are spooled.
    for _ in 0..100 {
        if !spool_files(&app).is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_busy(upload_until_answered(&app).await).await;
    assert_eq!(app.count_rows("records").await, 0);
    assert_eq!(app.blob_count().await, 0);

    // Once the stalled client goes away, its place is free again.
    drop(stalled);
    let mut status = 0;
    for _ in 0..50 {
        status = upload_until_answered(&app).await.status().as_u16();
        if status == 202 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, 202);
    assert_eq!(app.count_rows("records").await, 1);
    wait_for_empty_spool(&app).await;
}

#[tokio::test]
async fn past_the_bytes_in_flight_an_upload_is_answered_busy_and_stores_nothing() {
    let app = TestApp::spawn_with(Options {
        workers: false,
        env: vec![
            ("SOHOA_MAX_UPLOAD_BYTES", "2000000".into()),
            ("SOHOA_MAX_SPOOLED_BYTES", "2500000".into()),
        ],
    })
    .await;
    let stalled = stalled_upload(&app, 1_900_000);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // 1.9 MB are reserved; this upload's ~0.2 MB more still fit…
    assert_eq!(upload_until_answered(&app).await.status().as_u16(), 202);
    // …but not a second upload declaring 1 MB.
    let res = app
        .upload_bytes(
            &app.intake_key,
            Some(meta("birth_certificate")),
            vec![("big.png".into(), vec![0u8; 1_000_000])],
        )
        .await;
    assert_busy(res).await;
    assert_eq!(app.count_rows("records").await, 1);
    drop(stalled);
}
