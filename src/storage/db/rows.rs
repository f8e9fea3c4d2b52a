//! Rows as both backends return them, and their mapping to domain types.
//! Integer columns are i64 everywhere (BIGINT on PostgreSQL), so one set of
//! types decodes rows from either. A value that no longer parses is
//! reported as corrupt stored data, never shown as a default.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::FromRow;

use super::DbError;
use crate::domain::access::{AccessEntry, Action};
use crate::domain::job::{Job, JobKind};
use crate::domain::key::{ApiKey, PublishedKey};
use crate::domain::link::CitizenLink;
use crate::domain::validity::{KindValidity, ValidityRule};
use crate::domain::{
    AgencyId, DocumentKind, Dossier, DossierCode, Origin, Page, ProcedureCode, Record, RecordMeta,
    RecordStatus, Rendition, Review, Role, Sha256Digest, SubjectId, TextSource, Withdrawal,
};

pub(super) fn corrupt(what: &str, value: &str) -> DbError {
    DbError::Corrupt(format!("stored {what} {value:?} does not parse"))
}

fn subject(value: &str) -> Result<SubjectId, DbError> {
    SubjectId::parse(value).map_err(|_| corrupt("subject ID", value))
}

fn agency(value: &str) -> Result<AgencyId, DbError> {
    AgencyId::parse(value).map_err(|_| corrupt("agency ID", value))
}

fn dossier_code(value: &str) -> Result<DossierCode, DbError> {
    DossierCode::parse(value).map_err(|_| corrupt("dossier code", value))
}

fn digest(value: &str) -> Result<Sha256Digest, DbError> {
    Sha256Digest::parse(value).ok_or_else(|| corrupt("digest", value))
}

fn kind(value: &str) -> Result<DocumentKind, DbError> {
    DocumentKind::from_str(value).map_err(|_| corrupt("kind", value))
}

pub(super) const RECORD_COLUMNS: &str = "SELECT id, subject_id, kind, status, status_reason, \
     dossier_code, procedure_code, document_number, issued_on, valid_until, officer, created_by, \
     created_at, updated_at, owner_name, result_code, issuing_agency, signer, permanent, scope, \
     rendition_sha256, rendition_bytes, reviewed_by, review_note, reviewed_at, certificate, \
     certified_by, origin, superseded_by, withdrawn_by, withdrawn_at, suggestions FROM records";

pub(super) const PAGE_COLUMNS: &str = "SELECT record_id, n, sha256, bytes, content_type, file_page, \
     width, height, dpi, ocr_text, ocr_confidence, quality, text_source, reading, part FROM pages";

#[derive(FromRow)]
pub(super) struct KeyRow {
    id: i64,
    name: String,
    role: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl KeyRow {
    pub(super) fn into_key(self) -> Result<ApiKey, DbError> {
        Ok(ApiKey {
            id: self.id,
            role: Role::from_str(&self.role).map_err(|_| corrupt("role", &self.role))?,
            name: self.name,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct RecordRow {
    pub(super) id: String,
    subject_id: String,
    kind: String,
    status: String,
    status_reason: Option<String>,
    dossier_code: Option<String>,
    procedure_code: Option<String>,
    document_number: Option<String>,
    issued_on: Option<NaiveDate>,
    valid_until: Option<NaiveDate>,
    officer: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    owner_name: Option<String>,
    result_code: Option<String>,
    issuing_agency: Option<String>,
    signer: Option<String>,
    permanent: bool,
    scope: Option<String>,
    rendition_sha256: Option<String>,
    rendition_bytes: Option<i64>,
    reviewed_by: Option<String>,
    review_note: Option<String>,
    reviewed_at: Option<DateTime<Utc>>,
    certificate: Option<String>,
    certified_by: Option<String>,
    origin: String,
    superseded_by: Option<String>,
    withdrawn_by: Option<String>,
    withdrawn_at: Option<DateTime<Utc>>,
    suggestions: Option<String>,
}

impl RecordRow {
    pub(super) fn into_record(self, pages: Vec<Page>) -> Result<Record, DbError> {
        let rendition = match (&self.rendition_sha256, self.rendition_bytes) {
            (Some(hex), Some(bytes)) => Some(Rendition {
                sha256: digest(hex)?,
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
        let suggestions = match &self.suggestions {
            Some(json) => serde_json::from_str(json).map_err(|_| corrupt("suggestions", json))?,
            None => Default::default(),
        };
        Ok(Record {
            suggestions,
            subject_id: subject(&self.subject_id)?,
            kind: kind(&self.kind)?,
            status: RecordStatus::from_str(&self.status)
                .map_err(|_| corrupt("status", &self.status))?,
            origin: Origin::parse(&self.origin).ok_or_else(|| corrupt("origin", &self.origin))?,
            certified_by: self.certified_by.as_deref().map(agency).transpose()?,
            meta: RecordMeta {
                dossier_code: self.dossier_code.as_deref().map(dossier_code).transpose()?,
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
            id: self.id,
            status_reason: self.status_reason,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            pages,
            rendition,
            review,
            certificate: self.certificate,
            superseded_by: self.superseded_by,
            withdrawn: self
                .withdrawn_by
                .zip(self.withdrawn_at)
                .map(|(by, at)| Withdrawal { by, at }),
        })
    }
}

#[derive(FromRow)]
pub(super) struct PageRow {
    pub(super) record_id: String,
    n: i64,
    sha256: String,
    bytes: i64,
    content_type: String,
    file_page: i64,
    width: i64,
    height: i64,
    dpi: Option<i64>,
    ocr_text: Option<String>,
    ocr_confidence: Option<i64>,
    quality: Option<String>,
    text_source: Option<String>,
    reading: Option<String>,
    part: Option<String>,
}

/// A JSON column, parsed; corrupt when it does not parse.
fn json<T: serde::de::DeserializeOwned>(
    what: &str,
    value: Option<&str>,
) -> Result<Option<T>, DbError> {
    value
        .map(|v| serde_json::from_str(v).map_err(|_| corrupt(what, v)))
        .transpose()
}

impl PageRow {
    pub(super) fn into_page(self) -> Result<Page, DbError> {
        let text_source = match self.text_source.as_deref() {
            None => None,
            Some(s) => Some(TextSource::parse(s).ok_or_else(|| corrupt("text source", s))?),
        };
        Ok(Page {
            n: self.n as u32,
            sha256: digest(&self.sha256)?,
            bytes: self.bytes as u64,
            content_type: self.content_type,
            file_page: self.file_page as u32,
            width: self.width as u32,
            height: self.height as u32,
            dpi: self.dpi.map(|d| d as u32),
            ocr_text: self.ocr_text,
            ocr_confidence: self.ocr_confidence.map(|c| c as u32),
            quality: json("page quality", self.quality.as_deref())?,
            layout: json("page reading", self.reading.as_deref())?,
            part: json("page part", self.part.as_deref())?,
            text_source,
        })
    }
}

#[derive(FromRow)]
pub(super) struct JobRow {
    id: i64,
    kind: String,
    record_id: String,
    page_n: Option<i64>,
    attempts: i64,
    max_attempts: i64,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            id: r.id,
            kind: JobKind::parse(&r.kind).ok_or(r.kind),
            record_id: r.record_id,
            page_n: r.page_n.map(|n| n as u32),
            attempts: r.attempts as u32,
            max_attempts: r.max_attempts as u32,
        }
    }
}

pub(super) const DOSSIER_COLUMNS: &str =
    "code, agency_id, subject_id, procedure_code, opened_by, opened_at";

#[derive(FromRow)]
pub(super) struct DossierRow {
    code: String,
    agency_id: String,
    subject_id: String,
    procedure_code: String,
    opened_by: String,
    opened_at: DateTime<Utc>,
}

impl DossierRow {
    pub(super) fn into_dossier(self) -> Result<Dossier, DbError> {
        Ok(Dossier {
            code: dossier_code(&self.code)?,
            agency_id: agency(&self.agency_id)?,
            subject_id: subject(&self.subject_id)?,
            procedure_code: ProcedureCode::parse(&self.procedure_code)
                .map_err(|_| corrupt("procedure code", &self.procedure_code))?,
            opened_by: self.opened_by,
            opened_at: self.opened_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct SigningKeyRow {
    kid: String,
    alg: String,
    public_jwk: String,
    agency_id: String,
    created_at: DateTime<Utc>,
}

impl SigningKeyRow {
    pub(super) fn into_key(self) -> Result<PublishedKey, DbError> {
        Ok(PublishedKey {
            agency_id: agency(&self.agency_id)?,
            kid: self.kid,
            alg: self.alg,
            public_jwk: self.public_jwk,
            created_at: self.created_at,
        })
    }
}

#[derive(FromRow)]
pub(super) struct KindValidityRow {
    kind: String,
    rule: String,
    months: Option<i64>,
    note: String,
    updated_by: Option<String>,
    updated_at: Option<DateTime<Utc>>,
}

impl KindValidityRow {
    pub(super) fn into_entry(self) -> Result<KindValidity, DbError> {
        let rule = ValidityRule::from_parts(&self.rule, self.months.map(|m| m as u32))
            .ok_or_else(|| corrupt("validity rule", &self.rule))?;
        Ok(KindValidity {
            kind: kind(&self.kind)?,
            rule,
            note: self.note,
            updated_by: self.updated_by,
            updated_at: self.updated_at,
        })
    }
}

pub(super) const ACCESS_COLUMNS: &str = "SELECT seq, chain_seq, at, key_name, role, \
     subject_id, record_id, purpose, action, prev_hash, hash FROM access_log";

#[derive(FromRow)]
pub(super) struct AccessRow {
    seq: i64,
    chain_seq: Option<i64>,
    at: String,
    key_name: String,
    role: String,
    subject_id: String,
    record_id: Option<String>,
    purpose: Option<String>,
    action: String,
    prev_hash: String,
    hash: String,
}

impl AccessRow {
    /// The entry as stored: its time must be exactly the text it was hashed
    /// as, or it is corrupt.
    pub(super) fn into_entry(self) -> Result<AccessEntry, DbError> {
        let at = DateTime::parse_from_rfc3339(&self.at)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .filter(|t| crate::domain::access::ledger_time(*t) == self.at)
            .ok_or_else(|| {
                DbError::Corrupt(format!(
                    "access log entry {}: its time {:?} is not one sohoa wrote",
                    self.seq, self.at
                ))
            })?;
        Ok(AccessEntry {
            action: Action::parse(&self.action).ok_or_else(|| {
                DbError::Corrupt(format!(
                    "access log entry {}: unknown action {:?}",
                    self.seq, self.action
                ))
            })?,
            seq: self.seq,
            chain_seq: self.chain_seq,
            at,
            key_name: self.key_name,
            role: self.role,
            subject_id: self.subject_id,
            record_id: self.record_id,
            purpose: self.purpose,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

pub(super) const LINK_COLUMNS: &str =
    "SELECT id, subject_id, created_by, created_at, expires_at, revoked_at FROM citizen_links";

#[derive(FromRow)]
pub(super) struct LinkRow {
    id: String,
    subject_id: String,
    created_by: String,
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

impl LinkRow {
    pub(super) fn into_link(self) -> Result<CitizenLink, DbError> {
        Ok(CitizenLink {
            subject_id: subject(&self.subject_id)?,
            id: self.id,
            created_by: self.created_by,
            created_at: self.created_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}
