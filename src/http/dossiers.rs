//! `/v1/dossiers`: open a dossier (allocating its code) and list what was
//! filed in it.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::RecordView;
use crate::domain::{Dossier, Record};
use crate::ops::dossiers;

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
    fn new(d: Dossier, records: Vec<Record>) -> Self {
        Self {
            code: d.code.to_string(),
            agency_id: d.agency_id.to_string(),
            subject_id: d.subject_id.to_string(),
            procedure_code: d.procedure_code.to_string(),
            opened_by: d.opened_by,
            opened_at: d.opened_at,
            records: records.into_iter().map(RecordView::from).collect(),
        }
    }
}

/// Open a dossier for an applicant and a procedure. Its code is allocated
/// atomically: `{this agency}-{today in Viet Nam, yyMMdd}-{next number}`.
#[utoipa::path(
    tag = "dossiers",
    request_body = OpenDossier,
    responses(
        (status = 201, body = DossierView),
        (status = 400, description = "invalid_subject_id, invalid_procedure_code, invalid_json", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/dossiers")]
pub async fn open(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<OpenDossier>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let dossier =
        dossiers::open(&state.cx, &caller.0, &body.subject_id, &body.procedure_code).await?;
    Ok(HttpResponse::Created().json(DossierView::new(dossier, Vec::new())))
}

/// A dossier and the records filed in it.
#[utoipa::path(
    tag = "dossiers",
    params(("code" = String, Path, description = "Dossier code")),
    responses(
        (status = 200, body = DossierView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "not_found", body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/dossiers/{code}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (dossier, records) = dossiers::get(&state.cx, &caller.0, &path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(DossierView::new(dossier, records)))
}
