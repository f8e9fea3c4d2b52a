//! The searchable PDF as a file: sound by qpdf's checks, and no bigger than
//! the scans it holds — a JPEG page is embedded as the original's own bytes.

use super::*;

/// `qpdf --check` on a PDF: its structure is sound.
fn assert_qpdf_accepts(path: &std::path::Path) {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .expect("qpdf runs");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "qpdf --check:\n{report}");
    assert!(
        report.contains("No syntax or stream encoding errors"),
        "{report}"
    );
}

#[tokio::test]
async fn a_jpeg_pages_image_stream_in_the_pdf_is_the_originals_own_bytes() {
    let app = TestApp::spawn().await;
    let record = pending_record(
        &app,
        json!({"subject_id": SUBJECT, "kind": "criminal_record_certificate"}),
        "criminal_record_certificate.jpg",
    )
    .await;
    let id = record["id"].as_str().unwrap();
    let pdf = pdf_of(&app, id).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("record.pdf");
    std::fs::write(&path, &pdf).unwrap();
    assert_qpdf_accepts(&path);
    let out = Command::new("pdfimages")
        .args(["-all", path.to_str().unwrap()])
        .arg(dir.path().join("image"))
        .output()
        .expect("pdfimages (poppler-utils) runs");
    assert!(out.status.success());
    let embedded = std::fs::read(dir.path().join("image-000.jpg")).expect("a JPEG image stream");
    assert_eq!(
        embedded,
        fixture_bytes("criminal_record_certificate.jpg"),
        "the JPEG is embedded as it was scanned, not re-encoded"
    );
    let original = fixture_bytes("criminal_record_certificate.jpg").len();
    assert!(
        pdf.len() < original + original / 10,
        "the PDF ({} bytes) is within 10% of the scan ({original} bytes)",
        pdf.len()
    );
}

#[tokio::test]
async fn a_fax_page_is_embedded_as_group_4_and_a_png_page_as_its_own_data() {
    let app = TestApp::spawn().await;
    for (file, kind, filter) in [
        ("two_page.tiff", "other", "ccitt"),
        ("birth_certificate.png", "birth_certificate", "image"),
    ] {
        let record = pending_record(&app, json!({"subject_id": SUBJECT, "kind": kind}), file).await;
        let pdf = pdf_of(&app, record["id"].as_str().unwrap()).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record.pdf");
        std::fs::write(&path, &pdf).unwrap();
        assert_qpdf_accepts(&path);
        let list = Command::new("pdfimages")
            .args(["-list", path.to_str().unwrap()])
            .output()
            .expect("pdfimages runs");
        let list = String::from_utf8_lossy(&list.stdout);
        assert!(
            list.lines()
                .skip(2)
                .all(|l| l.split_whitespace().nth(8) == Some(filter)),
            "{file}: every page image is {filter}:\n{list}"
        );
        let original = fixture_bytes(file).len();
        assert!(
            pdf.len() < original + original / 10 + 8_000,
            "{file}: the PDF ({} bytes) is about the size of the scan ({original} bytes)",
            pdf.len()
        );
    }
}
