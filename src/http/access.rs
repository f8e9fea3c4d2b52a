//! Purpose and accountability for reads of a subject's papers. A read names
//! its purpose (the dossier it is for) as header `X-Purpose` or query
//! `purpose`; back-office readers must. Every read is appended to the
//! hash-chained access ledger before anything is served, so a read that
//! cannot be logged is not served.

use actix_web::HttpRequest;
use serde::Deserialize;

use super::AppState;
use super::auth::Caller;
use super::errors::ApiError;
use crate::domain::{DossierCode, Role};
use crate::storage::db::{NewAccess, Record};

/// The header that names a read's purpose.
pub const PURPOSE_HEADER: &str = "X-Purpose";

#[derive(Deserialize)]
struct PurposeQuery {
    purpose: Option<String>,
}

/// What a read is for: a dossier code.
pub fn purpose(req: &HttpRequest, caller: &Caller) -> Result<Option<String>, ApiError> {
    let from_header = req
        .headers()
        .get(PURPOSE_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = serde_urlencoded::from_str::<PurposeQuery>(req.query_string())
        .ok()
        .and_then(|q| q.purpose);
    let given = from_header
        .or(from_query)
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    match given {
        Some(p) => {
            DossierCode::parse(&p).map_err(|e| {
                ApiError::bad_request(
                    "invalid_purpose",
                    format!("the purpose must be the dossier code this read is for: {e}"),
                )
            })?;
            Ok(Some(p))
        }
        None if caller.role == Role::Reader => Err(ApiError::bad_request(
            "purpose_required",
            "name the dossier this read is for: send its code as the X-Purpose header or the purpose query parameter",
        )),
        None => Ok(None),
    }
}

/// What was read, as the ledger names it.
#[derive(Debug, Clone, Copy)]
pub enum Action {
    ListRecords,
    ReadRecord,
    ReadPage,
    ReadPdf,
    ReadCertificate,
    ReadDossier,
    ReuseCheck,
    CitizenView,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ListRecords => "list_records",
            Action::ReadRecord => "read_record",
            Action::ReadPage => "read_page",
            Action::ReadPdf => "read_pdf",
            Action::ReadCertificate => "read_certificate",
            Action::ReadDossier => "read_dossier",
            Action::ReuseCheck => "reuse_check",
            Action::CitizenView => "citizen_view",
        }
    }
}

/// Appends one ledger entry; the read fails if it cannot be recorded.
pub async fn log(
    state: &AppState,
    key_name: &str,
    role: &str,
    subject_id: &str,
    record_id: Option<&str>,
    purpose: Option<&str>,
    action: Action,
) -> Result<(), ApiError> {
    state
        .repo
        .append_access(&NewAccess {
            key_name: key_name.to_owned(),
            role: role.to_owned(),
            subject_id: subject_id.to_owned(),
            record_id: record_id.map(str::to_owned),
            purpose: purpose.map(str::to_owned),
            action: action.as_str().to_owned(),
        })
        .await?;
    Ok(())
}

/// [`log`] for an API caller.
pub async fn log_read(
    state: &AppState,
    caller: &Caller,
    subject_id: &str,
    record_id: Option<&str>,
    purpose: Option<&str>,
    action: Action,
) -> Result<(), ApiError> {
    log(
        state,
        &caller.key_name,
        caller.role.as_str(),
        subject_id,
        record_id,
        purpose,
        action,
    )
    .await
}

/// Fetches a record for `caller`, with the read's purpose checked and the
/// read logged before the record is returned.
pub async fn read_record(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    id: &str,
    action: Action,
) -> Result<Record, ApiError> {
    let purpose = purpose(req, caller)?;
    let record = state
        .repo
        .record(id)
        .await?
        .ok_or_else(|| ApiError::not_found("record"))?;
    log_read(
        state,
        caller,
        &record.subject_id,
        Some(&record.id),
        purpose.as_deref(),
        action,
    )
    .await?;
    Ok(record)
}
