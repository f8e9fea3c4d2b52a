//! `/v1/dossiers`: open a dossier (allocating its code) and list what was
//! filed in it.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::records::{READ_ROLES, UPLOAD_ROLES};
use super::views::RecordView;
use crate::domain::dossier::vietnam_today;
use crate::domain::{DossierCode, SubjectId};
use crate::storage::db::Dossier;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenDossier {
    /// The applicant: personal ID number or tax code.
    #[schema(example = "001090012345")]
    subject_id: String,
    /// The administrative procedure's code in the national catalogue.
    #[schema(example = "1.001193")]
    procedure_code: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DossierView {
    /// `{agency}-{yyMMdd}-{NNNN}`.
    #[schema(example = "000.00.06.H56-261123-0001")]
    code: String,
    agency_id: String,
    subject_id: String,
    procedure_code: String,
    /// Name of the API key that opened it.
    opened_by: String,
    #[schema(value_type = String, format = DateTime)]
    opened_at: DateTime<Utc>,
    /// Records uploaded with this `dossier_code`, oldest first.
    records: Vec<RecordView>,
}

impl DossierView {
    fn new(d: Dossier, records: Vec<RecordView>) -> Self {
        Self {
            code: d.code,
            agency_id: d.agency_id,
            subject_id: d.subject_id,
            procedure_code: d.procedure_code,
            opened_by: d.opened_by,
            opened_at: d.opened_at,
            records,
        }
    }
}

const MAX_PROCEDURE_CODE: usize = 64;

/// Open a dossier for an applicant and a procedure. Its code is allocated
/// atomically: `{this agency}-{today in Viet Nam, yyMMdd}-{next number}`.
#[utoipa::path(
    post, path = "/v1/dossiers", tag = "dossiers",
    request_body = OpenDossier,
    responses(
        (status = 201, body = DossierView),
        (status = 400, description = "invalid_subject_id, invalid_procedure_code, invalid_json", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn open(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenDossier>,
) -> Result<HttpResponse, ApiError> {
    caller.require(UPLOAD_ROLES)?;
    let body = body.into_inner();
    let subject = SubjectId::parse(&body.subject_id)
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
    let procedure = body.procedure_code.trim();
    if procedure.is_empty()
        || procedure.len() > MAX_PROCEDURE_CODE
        || procedure
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(ApiError::bad_request(
            "invalid_procedure_code",
            "procedure_code must be the procedure's catalogue code, e.g. 1.001193",
        ));
    }
    let dossier = state
        .repo
        .open_dossier(
            &state.settings.agency(),
            vietnam_today(),
            &subject,
            procedure,
            &caller.key_name,
        )
        .await?;
    tracing::info!(dossier = %dossier.code, "dossier opened");
    Ok(HttpResponse::Created().json(DossierView::new(dossier, Vec::new())))
}

/// A dossier and the records filed in it.
#[utoipa::path(
    get, path = "/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "Dossier code")),
    responses(
        (status = 200, body = DossierView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READ_ROLES)?;
    let code = path.into_inner();
    DossierCode::parse(&code).map_err(|_| ApiError::not_found("dossier"))?;
    let dossier = state
        .repo
        .dossier(&code)
        .await?
        .ok_or_else(|| ApiError::not_found("dossier"))?;
    // Reading a dossier is a read of its applicant's papers, for that dossier.
    access::log_read(
        &state,
        &caller,
        &dossier.subject_id,
        None,
        Some(&code),
        Action::ReadDossier,
    )
    .await?;
    let records = state.repo.dossier_records(&code).await?;
    Ok(HttpResponse::Ok().json(DossierView::new(
        dossier,
        records.into_iter().map(RecordView::from).collect(),
    )))
}
