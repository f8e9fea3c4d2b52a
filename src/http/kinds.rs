//! The validity catalogue: each document kind's default validity, kept as
//! data. `GET /v1/catalogue/kinds` for any key; `PUT
//! /v1/catalogue/kinds/{kind}` for admins.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use crate::domain::DocumentKind;
use crate::domain::validity::{KindValidity, ValidityRule};
use crate::ops::catalogue;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindView {
    pub kind: DocumentKind,
    #[schema(example = "Giấy xác nhận tình trạng hôn nhân")]
    pub label: &'static str,
    #[serde(flatten)]
    pub validity: ValidityRule,
    /// Where the rule comes from, or what to know about it.
    pub note: String,
    pub updated_by: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<DateTime<Utc>>,
}

impl From<KindValidity> for KindView {
    fn from(k: KindValidity) -> Self {
        Self {
            label: k.kind.label_vi(),
            kind: k.kind,
            validity: k.rule,
            note: k.note,
            updated_by: k.updated_by,
            updated_at: k.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KindList {
    pub kinds: Vec<KindView>,
}

/// The document kinds and the default validity of each.
#[utoipa::path(
    tag = "catalogue",
    responses((status = 200, body = KindList), (status = 401, body = ErrorBody)),
    security(("api_key" = []))
)]
#[get("/catalogue/kinds")]
pub async fn list(state: web::Data<AppState>, _caller: Caller) -> Result<HttpResponse, ApiError> {
    let kinds = catalogue::kinds(&state.cx).await?;
    Ok(HttpResponse::Ok().json(KindList {
        kinds: kinds.into_iter().map(KindView::from).collect(),
    }))
}

/// Body of `PUT /v1/catalogue/kinds/{kind}`: `{"rule": "no_expiry"}`,
/// `{"rule": "months_from_issue", "months": 6}` or `{"rule": "date_on_paper"}`,
/// with a `note`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SetValidity {
    #[serde(flatten)]
    pub validity: ValidityRule,
    /// The legal basis, for whoever reads the catalogue next.
    pub note: String,
}

/// Change a kind's default validity (admins).
#[utoipa::path(
    tag = "catalogue",
    params(("kind" = DocumentKind, Path, description = "Document kind code")),
    request_body = SetValidity,
    responses(
        (status = 200, body = KindView),
        (status = 400, description = "unknown_kind, invalid_json, invalid_validity", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[put("/catalogue/kinds/{kind}")]
pub async fn set(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    // `rule` is a name: serde would also take a variant's number for it.
    let invalid = |why: String| {
        ApiError::new(
            crate::error_code::ErrorCode::InvalidJson,
            format!("the body is not a validity rule: {why}"),
        )
    };
    let body = body.into_inner();
    if !body["rule"].is_string() {
        return Err(invalid(
            "`rule` must be no_expiry, months_from_issue or date_on_paper".into(),
        ));
    }
    let body: SetValidity = serde_json::from_value(body).map_err(|e| invalid(e.to_string()))?;
    let entry = catalogue::set_validity(
        &state.cx,
        &caller.0,
        &path.into_inner(),
        body.validity,
        &body.note,
    )
    .await?;
    Ok(HttpResponse::Ok().json(KindView::from(entry)))
}
