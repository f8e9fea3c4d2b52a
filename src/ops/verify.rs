//! Whether a file is a record's page or PDF, and what can be said about that
//! record to anyone holding the file: kind, issuing agency, status, validity
//! today and whether the agency's signature verifies. Nothing personal, and
//! no key needed. Used by `POST /v1/verify` and `sohoa verify`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::dossier::vietnam_today;
use crate::domain::{DocumentKind, RecordStatus, Sha256Digest};
use crate::signing::certificate::{self, SignatureStatus};
use crate::storage::db::{DbError, Repo};

/// Which of the record's files the checked file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchedAs {
    /// An original page file, as scanned.
    Page,
    /// The searchable PDF.
    Pdf,
}

/// What a matched file's record says.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verdict {
    pub matched_as: MatchedAs,
    pub record_id: String,
    pub kind: DocumentKind,
    #[schema(example = "Giấy khai sinh")]
    pub kind_label: String,
    /// The agency that issued the paper, as recorded.
    pub issuing_agency: Option<String>,
    /// Electronic ID of the agency that certified the digitised copy.
    pub certified_by: Option<String>,
    pub status: RecordStatus,
    /// True when the record is certified (not revoked or superseded), its
    /// signature verifies, and it has not expired today (Viet Nam's date).
    pub valid: bool,
    /// Last day of validity: the date on the paper, or its kind's period
    /// from issue; null when it does not expire (or cannot be known).
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<NaiveDate>,
    pub permanent: bool,
    /// `valid`, `invalid` (signature or signed content does not hold) or
    /// `absent` (not certified yet).
    pub signature: SignatureStatus,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub certified_at: Option<DateTime<Utc>>,
}

/// The answer of `POST /v1/verify` and `sohoa verify --json`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VerifyAnswer {
    /// Whether the file is exactly (byte for byte) a page or the PDF of a record.
    #[serde(rename = "match")]
    pub matched: bool,
    #[serde(flatten)]
    #[schema(inline)]
    pub verdict: Option<Verdict>,
}

impl From<Option<Verdict>> for VerifyAnswer {
    fn from(verdict: Option<Verdict>) -> Self {
        Self {
            matched: verdict.is_some(),
            verdict,
        }
    }
}

/// The verdict on the file with this digest, or `None` when no record holds it.
pub async fn verify(repo: &dyn Repo, digest: &Sha256Digest) -> Result<Option<Verdict>, DbError> {
    let Some(record) = repo.records_with_file(digest).await?.into_iter().next() else {
        return Ok(None);
    };
    let keys = repo.signing_keys().await?;
    let signature = certificate::check(&record, &keys);
    let matched_as = if record.rendition.is_some_and(|r| r.sha256 == *digest) {
        MatchedAs::Pdf
    } else {
        MatchedAs::Page
    };
    let catalogue = crate::domain::catalogue::Catalogue::new(repo.validity_catalogue().await?);
    let valid =
        signature == SignatureStatus::Valid && catalogue.is_valid_on(&record, vietnam_today());
    let valid_until = catalogue.valid_until(&record);
    Ok(Some(Verdict {
        matched_as,
        kind_label: record.kind.label_vi().to_owned(),
        record_id: record.id,
        kind: record.kind,
        issuing_agency: record.meta.issuing_agency,
        certified_by: record.certified_by.map(|a| a.to_string()),
        status: record.status,
        valid,
        valid_until,
        permanent: record.meta.permanent,
        signature,
        certified_at: record
            .review
            .filter(|_| record.status != RecordStatus::Rejected)
            .filter(|_| record.certificate.is_some())
            .map(|r| r.at),
    }))
}
