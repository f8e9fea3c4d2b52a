//! `sohoa verify FILE`: check a file (a page as scanned, or a record's PDF)
//! against the records — kind, issuing agency, status, validity, signature —
//! in the local stores, or at any sohoa's public `POST /v1/verify` (sending
//! only the file's SHA-256).

use std::process::ExitCode;

use anyhow::Context;

use crate::config::Settings;
use crate::startup::Services;

pub async fn run(
    settings: Settings,
    file: &std::path::Path,
    json: bool,
    server: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let digest = crate::domain::Sha256Digest::of(&bytes);
    let verdict = match server {
        Some(url) => verify_remotely(url, &digest).await?,
        None => {
            let services = Services::open(settings).await?;
            crate::ops::verify::verify(services.repo.as_ref(), &digest).await?
        }
    };
    let ok = verdict
        .as_ref()
        .is_some_and(|v| v.signature == crate::signing::certificate::SignatureStatus::Valid);
    if json {
        let answer = crate::ops::verify::VerifyAnswer::from(verdict);
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    println!("SHA-256:   {}", digest.to_hex());
    let Some(v) = verdict else {
        println!("No match:  this file is not, byte for byte, a page or PDF of any record here.");
        return Ok(ExitCode::FAILURE);
    };
    let what = match v.matched_as {
        crate::ops::verify::MatchedAs::Page => "an original page",
        crate::ops::verify::MatchedAs::Pdf => "the searchable PDF",
    };
    println!("Match:     {what} of record {}", v.record_id);
    println!("Kind:      {} ({})", v.kind_label, v.kind.code());
    if let Some(agency) = &v.issuing_agency {
        println!("Issued by: {agency}");
    }
    println!("Status:    {}", v.status);
    let until = match (v.permanent, v.valid_until) {
        (true, _) => " (permanent)".to_owned(),
        (false, Some(d)) => format!(" (until {d})"),
        _ => String::new(),
    };
    println!("Valid:     {}{until}", if v.valid { "yes" } else { "no" });
    let signature = match v.signature {
        crate::signing::certificate::SignatureStatus::Valid => format!(
            "verifies (agency {})",
            v.certified_by.as_deref().unwrap_or("?")
        ),
        crate::signing::certificate::SignatureStatus::Invalid => "DOES NOT VERIFY".to_owned(),
        crate::signing::certificate::SignatureStatus::Absent => {
            "none yet (not certified)".to_owned()
        }
    };
    println!("Signature: {signature}");
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks a server's public `POST /v1/verify` about a digest.
async fn verify_remotely(
    url: &str,
    digest: &crate::domain::Sha256Digest,
) -> anyhow::Result<Option<crate::ops::verify::Verdict>> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let endpoint = format!("{}/v1/verify", url.trim_end_matches('/'));
    let response = reqwest::Client::new()
        .post(&endpoint)
        .header("Content-Type", "application/json")
        .body(serde_json::json!({ "sha256": digest.to_hex() }).to_string())
        .send()
        .await
        .with_context(|| format!("asking {endpoint}"))?;
    let status = response.status();
    let body = response.text().await.context("reading the answer")?;
    anyhow::ensure!(status.is_success(), "{endpoint} answered {status}: {body}");
    let answer: serde_json::Value =
        serde_json::from_str(&body).with_context(|| format!("{endpoint} answered {body}"))?;
    if answer["match"] != serde_json::Value::Bool(true) {
        return Ok(None);
    }
    let verdict =
        serde_json::from_value(answer).with_context(|| format!("{endpoint} answered {body}"))?;
    Ok(Some(verdict))
}
