//! Row types shared by every backend. Integer columns are i64 everywhere
//! (BIGINT on PostgreSQL), so one set of types decodes rows from either.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;

use super::{
    AccessEntry, ApiKey, CitizenLink, DbError, Dossier, Job, KindValidity, Origin, Page,
    PublishedKey, Record, RecordMeta, Rendition, Review,
};
use crate::domain::validity::ValidityRule;
use crate::domain::{DocumentKind, RecordStatus, Role, Sha256Digest};

pub(super) const RECORD_COLUMNS: &str = "SELECT id, subject_id, kind, status, status_reason, dossier_code, \
     procedure_code, document_number, issued_on, valid_until, officer, created_by, created_at, \
     updated_at, owner_name, result_code, issuing_agency, signer, permanent, scope, rendition_sha256, \
     rendition_bytes, reviewed_by, review_note, reviewed_at, certificate, certified_by, origin, \
     superseded_by, withdrawn_by, withdrawn_at FROM records";

pub(super) const PAGE_COLUMNS: &str = "SELECT record_id, n, sha256, bytes, content_type, file_page, width, \
     height, dpi, ocr_text, ocr_confidence, quality, text_source FROM pages";

#[derive(FromRow)]
pub(super) struct KeyRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) role: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    pub(super) fn into_key(self) -> Result<ApiKey, DbError> {
        Ok(ApiKey {
            id: self.id,
            role: Role::from_str(&self.role).map_err(DbError::Corrupt)?,
            name: self.name,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct RecordRow {
    pub(super) id: String,
    pub(super) subject_id: String,
    pub(super) kind: String,
    pub(super) status: String,
    pub(super) status_reason: Option<String>,
    pub(super) dossier_code: Option<String>,
    pub(super) procedure_code: Option<String>,
    pub(super) document_number: Option<String>,
    pub(super) issued_on: Option<NaiveDate>,
    pub(super) valid_until: Option<NaiveDate>,
    pub(super) officer: Option<String>,
    pub(super) created_by: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
    pub(super) owner_name: Option<String>,
    pub(super) result_code: Option<String>,
    pub(super) issuing_agency: Option<String>,
    pub(super) signer: Option<String>,
    pub(super) permanent: bool,
    pub(super) scope: Option<String>,
    pub(super) rendition_sha256: Option<String>,
    pub(super) rendition_bytes: Option<i64>,
    pub(super) reviewed_by: Option<String>,
    pub(super) review_note: Option<String>,
    pub(super) reviewed_at: Option<DateTime<Utc>>,
    pub(super) certificate: Option<String>,
    pub(super) certified_by: Option<String>,
    pub(super) origin: String,
    pub(super) superseded_by: Option<String>,
    pub(super) withdrawn_by: Option<String>,
    pub(super) withdrawn_at: Option<DateTime<Utc>>,
}

impl RecordRow {
    pub(super) fn into_record(self, pages: Vec<Page>) -> Result<Record, DbError> {
        let rendition = match (&self.rendition_sha256, self.rendition_bytes) {
            (Some(hex), Some(bytes)) => Some(Rendition {
                sha256: Sha256Digest::parse(hex)
                    .ok_or_else(|| DbError::Corrupt(format!("rendition digest {hex:?}")))?,
                bytes: bytes as u64,
            }),
            _ => None,
        };
        let review = match (self.reviewed_by, self.reviewed_at) {
            (Some(officer), Some(at)) => Some(Review {
                officer,
                note: self.review_note,
                at,
            }),
            _ => None,
        };
        Ok(Record {
            kind: DocumentKind::from_str(&self.kind)
                .map_err(|e| DbError::Corrupt(e.to_string()))?,
            status: RecordStatus::from_str(&self.status).map_err(DbError::Corrupt)?,
            id: self.id,
            subject_id: self.subject_id,
            status_reason: self.status_reason,
            meta: RecordMeta {
                dossier_code: self.dossier_code,
                procedure_code: self.procedure_code,
                document_number: self.document_number,
                issued_on: self.issued_on,
                valid_until: self.valid_until,
                permanent: self.permanent,
                officer: self.officer,
                owner_name: self.owner_name,
                result_code: self.result_code,
                issuing_agency: self.issuing_agency,
                signer: self.signer,
                scope: self.scope,
            },
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            pages,
            rendition,
            review,
            certificate: self.certificate,
            certified_by: self.certified_by,
            origin: if self.origin == "issued" {
                Origin::Issued
            } else {
                Origin::Scanned
            },
            superseded_by: self.superseded_by,
            withdrawn: self.withdrawn_by.zip(self.withdrawn_at),
        })
    }
}

#[derive(FromRow)]
pub(super) struct PageRow {
    pub(super) record_id: String,
    pub(super) n: i64,
    sha256: String,
    pub(super) bytes: i64,
    pub(super) content_type: String,
    pub(super) file_page: i64,
    pub(super) width: i64,
    pub(super) height: i64,
    pub(super) dpi: Option<i64>,
    pub(super) ocr_text: Option<String>,
    pub(super) ocr_confidence: Option<i64>,
    pub(super) quality: Option<String>,
    pub(super) text_source: Option<String>,
}

impl PageRow {
    pub(super) fn into_page(self) -> Result<Page, DbError> {
        let sha256 = Sha256Digest::parse(&self.sha256)
            .ok_or_else(|| DbError::Corrupt(format!("page digest {:?}", self.sha256)))?;
        Ok(Page {
            n: self.n as u32,
            sha256,
            bytes: self.bytes as u64,
            content_type: self.content_type,
            file_page: self.file_page as u32,
            width: self.width as u32,
            height: self.height as u32,
            dpi: self.dpi.map(|d| d as u32),
            ocr_text: self.ocr_text,
            ocr_confidence: self.ocr_confidence.map(|c| c as u32),
            quality: self
                .quality
                .as_deref()
                .and_then(|q| serde_json::from_str(q).ok()),
            text_source: self.text_source,
        })
    }
}

#[derive(FromRow)]
pub(super) struct JobRow {
    pub(super) id: i64,
    pub(super) kind: String,
    pub(super) record_id: String,
    pub(super) page_n: Option<i64>,
    pub(super) attempts: i64,
    pub(super) max_attempts: i64,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            id: r.id,
            kind: r.kind,
            record_id: r.record_id,
            page_n: r.page_n.map(|n| n as u32),
            attempts: r.attempts as u32,
            max_attempts: r.max_attempts as u32,
        }
    }
}

#[derive(FromRow)]
pub(super) struct DossierRow {
    pub(super) code: String,
    pub(super) agency_id: String,
    pub(super) subject_id: String,
    pub(super) procedure_code: String,
    pub(super) opened_by: String,
    pub(super) opened_at: DateTime<Utc>,
}

impl From<DossierRow> for Dossier {
    fn from(r: DossierRow) -> Self {
        Dossier {
            code: r.code,
            agency_id: r.agency_id,
            subject_id: r.subject_id,
            procedure_code: r.procedure_code,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct SigningKeyRow {
    pub(super) kid: String,
    pub(super) alg: String,
    pub(super) public_jwk: String,
    pub(super) agency_id: String,
    pub(super) created_at: DateTime<Utc>,
}

impl From<SigningKeyRow> for PublishedKey {
    fn from(r: SigningKeyRow) -> Self {
        PublishedKey {
            kid: r.kid,
            alg: r.alg,
            public_jwk: r.public_jwk,
            agency_id: r.agency_id,
            created_at: r.created_at,
        }
    }
}

#[derive(FromRow)]
pub(super) struct KindValidityRow {
    pub(super) kind: String,
    pub(super) rule: String,
    pub(super) months: Option<i64>,
    pub(super) note: String,
    pub(super) updated_by: Option<String>,
    pub(super) updated_at: Option<DateTime<Utc>>,
}

impl KindValidityRow {
    pub(super) fn into_entry(self) -> Result<KindValidity, DbError> {
        let rule = ValidityRule::from_parts(&self.rule, self.months.map(|m| m as u32))
            .ok_or_else(|| DbError::Corrupt(format!("validity rule {:?}", self.rule)))?;
        Ok(KindValidity {
            kind: DocumentKind::from_str(&self.kind)
                .map_err(|e| DbError::Corrupt(e.to_string()))?,
            rule,
            note: self.note,
            updated_by: self.updated_by,
            updated_at: self.updated_at,
        })
    }
}

pub(super) const ACCESS_COLUMNS: &str = "SELECT seq, at, key_name, role, subject_id, record_id, purpose, \
     action, prev_hash, hash FROM access_log";

#[derive(FromRow)]
pub(super) struct AccessRow {
    pub(super) seq: i64,
    pub(super) at: String,
    pub(super) key_name: String,
    pub(super) role: String,
    pub(super) subject_id: String,
    pub(super) record_id: Option<String>,
    pub(super) purpose: Option<String>,
    pub(super) action: String,
    pub(super) prev_hash: String,
    pub(super) hash: String,
}

impl From<AccessRow> for AccessEntry {
    fn from(r: AccessRow) -> Self {
        AccessEntry {
            seq: r.seq,
            at: r.at,
            key_name: r.key_name,
            role: r.role,
            subject_id: r.subject_id,
            record_id: r.record_id,
            purpose: r.purpose,
            action: r.action,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

pub(super) const LINK_COLUMNS: &str =
    "SELECT id, subject_id, created_by, created_at, expires_at, revoked_at FROM citizen_links";

#[derive(FromRow)]
pub(super) struct LinkRow {
    pub(super) id: String,
    pub(super) subject_id: String,
    pub(super) created_by: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) expires_at: DateTime<Utc>,
    pub(super) revoked_at: Option<DateTime<Utc>>,
}

impl From<LinkRow> for CitizenLink {
    fn from(r: LinkRow) -> Self {
        CitizenLink {
            id: r.id,
            subject_id: r.subject_id,
            created_by: r.created_by,
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        }
    }
}
