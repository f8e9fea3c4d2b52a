//! The digitisation certificate: what the agency signs when an officer
//! confirms that a scan matches the paper (Decree 107). It names the record,
//! its owner and kind, the paper's own particulars, the SHA-256 of every
//! original page and of the searchable PDF, the officer, the agency and the
//! time. [`check`] verifies one against the published keys *and* against the
//! record as it is stored now, so a changed page hash, rendition hash or
//! record id is caught as surely as a changed signature.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{AgencySigner, CERTIFICATE_TYP, SigningError};
use crate::domain::key::PublishedKey;
use crate::domain::{AgencyId, Record};

/// The signed content (JWS payload), serialised as canonical JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CertificateClaims {
    pub record_id: String,
    /// Owner's personal ID number or organisation code.
    pub subject_id: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuing_agency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
    pub permanent: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dossier_code: Option<String>,
    /// SHA-256 (hex) of the original file of each page, in page order.
    pub page_sha256: Vec<String>,
    /// SHA-256 (hex) of the searchable PDF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendition_sha256: Option<String>,
    /// The officer who compared the scan with the paper.
    pub officer: String,
    /// The signing agency's electronic ID.
    pub agency_id: String,
    /// When the officer confirmed it (RFC 3339, UTC).
    pub certified_at: String,
    /// The same instant in seconds since the epoch, as JOSE tools expect.
    pub iat: i64,
}

impl CertificateClaims {
    /// The claims for `record`, confirmed by `officer` for `agency_id` at `at`.
    pub fn for_record(
        record: &Record,
        officer: &str,
        agency_id: &AgencyId,
        at: DateTime<Utc>,
    ) -> Self {
        let m = &record.meta;
        Self {
            record_id: record.id.clone(),
            subject_id: record.subject_id.as_str().to_owned(),
            kind: record.kind.code().to_owned(),
            document_number: m.document_number.clone(),
            result_code: m.result_code.clone(),
            issuing_agency: m.issuing_agency.clone(),
            signer: m.signer.clone(),
            issued_on: m.issued_on.map(|d| d.to_string()),
            valid_until: m.valid_until.map(|d| d.to_string()),
            permanent: m.permanent,
            scope: m.scope.clone(),
            dossier_code: m.dossier_code.as_ref().map(ToString::to_string),
            page_sha256: record.pages.iter().map(|p| p.sha256.to_hex()).collect(),
            rendition_sha256: record.rendition.map(|r| r.sha256.to_hex()),
            officer: officer.to_owned(),
            agency_id: agency_id.as_str().to_owned(),
            certified_at: at.to_rfc3339_opts(SecondsFormat::Secs, true),
            iat: at.timestamp(),
        }
    }

    pub fn sign(&self, signer: &AgencySigner) -> Result<String, SigningError> {
        signer.sign(self, CERTIFICATE_TYP)
    }
}

/// What checking a record's certificate found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Signed by a published key, and it matches the record as stored.
    Valid,
    /// There is a certificate, but its signature or its content does not hold.
    Invalid,
    /// The record has not been certified, so nothing is signed.
    Absent,
}

/// Verifies `record`'s certificate with the published keys and compares what
/// it signs with the record as stored.
pub fn check(record: &Record, keys: &[PublishedKey]) -> SignatureStatus {
    let Some(jws) = &record.certificate else {
        return SignatureStatus::Absent;
    };
    let Ok(verified) = super::verify(jws, keys) else {
        return SignatureStatus::Invalid;
    };
    let Ok(claims) = serde_json::from_value::<CertificateClaims>(verified.payload) else {
        return SignatureStatus::Invalid;
    };
    let pages: Vec<String> = record.pages.iter().map(|p| p.sha256.to_hex()).collect();
    let matches = claims.record_id == record.id
        && claims.subject_id == record.subject_id.as_str()
        && claims.kind == record.kind.code()
        && claims.page_sha256 == pages
        && claims.rendition_sha256 == record.rendition.map(|r| r.sha256.to_hex());
    if matches {
        SignatureStatus::Valid
    } else {
        SignatureStatus::Invalid
    }
}
