//! Provide once: `POST /v1/reuse-check` tells a counter or back-office
//! system which required papers are already on file and valid, so the
//! citizen is not asked for them; `GET /v1/stats/reuse` counts the copies
//! citizens did not have to bring.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::RecordView;
use crate::domain::DocumentKind;
use crate::domain::reuse::{Judgement, Reason};
use crate::ops::reuse;

/// One paper a procedure requires.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    #[schema(example = "criminal_record_certificate")]
    pub kind: String,
    /// The procedure's own freshness rule: issued at most this many days
    /// before `on` (e.g. 180 for "within 6 months").
    pub issued_within_days: Option<u32>,
}

/// Body of `POST /v1/reuse-check`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseCheck {
    #[schema(example = "001090012345")]
    pub subject_id: String,
    /// The dossier the papers are for; it is the purpose of this read.
    #[schema(example = "000.00.06.H56-261123-0001")]
    pub dossier_code: String,
    #[schema(example = "1.001193")]
    pub procedure_code: Option<String>,
    /// The day validity is judged on; default today (Viet Nam).
    #[schema(value_type = Option<String>, format = Date)]
    pub on: Option<NaiveDate>,
    pub required: Vec<Requirement>,
}

/// What the check found for one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// A certified, valid paper is on file: reuse it, do not ask for it.
    OnFile,
    /// The citizen must provide it; `reason` says why.
    MustProvide,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReuseItem {
    pub kind: DocumentKind,
    pub status: ItemStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
    /// The record to reuse (when on file): freshest certified valid one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReuseAnswer {
    /// One item per requirement, in the order asked.
    pub items: Vec<ReuseItem>,
}

impl ReuseItem {
    fn new(kind: DocumentKind, judgement: Judgement) -> Self {
        match judgement {
            Judgement::OnFile(record) => Self {
                kind,
                status: ItemStatus::OnFile,
                reason: None,
                record: Some(RecordView::from(*record)),
            },
            Judgement::MustProvide(reason) => Self {
                kind,
                status: ItemStatus::MustProvide,
                reason: Some(reason),
                record: None,
            },
        }
    }
}

/// Which required papers are on file and valid.
///
/// For each requirement, in order: `on_file` with the record to reuse (the
/// certified one valid on `on` and meeting `issued_within_days`, freshest
/// first), or `must_provide` with the reason. Each reuse is recorded for the
/// dossier (counted once per dossier and record) and the check is logged in
/// the subject's access ledger with the dossier as purpose.
#[utoipa::path(
    tag = "reuse",
    request_body = ReuseCheck,
    responses(
        (status = 200, body = ReuseAnswer),
        (status = 400, description = "invalid_subject_id, invalid_purpose (dossier_code), unknown_kind, invalid_json", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/reuse-check")]
pub async fn check(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ReuseCheck>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let asked = reuse::Check {
        subject_id: body.subject_id,
        dossier_code: body.dossier_code,
        procedure_code: body.procedure_code,
        on: body.on,
        required: body
            .required
            .into_iter()
            .map(|r| reuse::Requirement {
                kind: r.kind,
                issued_within_days: r.issued_within_days,
            })
            .collect(),
    };
    let answer = reuse::check(&state.cx, &caller.0, asked).await?;
    Ok(HttpResponse::Ok().json(ReuseAnswer {
        items: answer
            .into_iter()
            .map(|(kind, j)| ReuseItem::new(kind, j))
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatsParams {
    /// First day counted (YYYY-MM-DD, UTC); default 30 days before `to`.
    from: Option<NaiveDate>,
    /// Last day counted; default today.
    to: Option<NaiveDate>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReuseStatsView {
    #[schema(value_type = String, format = Date)]
    pub from: NaiveDate,
    #[schema(value_type = String, format = Date)]
    pub to: NaiveDate,
    /// Papers reused: copies citizens did not have to bring.
    pub total: u64,
    /// By document kind.
    pub by_kind: Vec<Count>,
    /// By the reusing agency (the dossier's).
    pub by_agency: Vec<Count>,
}

/// Papers reused instead of asked for again, by kind and by agency.
#[utoipa::path(
    tag = "reuse",
    params(StatsParams),
    responses(
        (status = 200, body = ReuseStatsView),
        (status = 400, description = "invalid_query", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/stats/reuse")]
pub async fn stats(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    let (from, to, stats) = reuse::stats(&state.cx, &caller.0, params.from, params.to).await?;
    let counts = |v: Vec<(String, u64)>| {
        v.into_iter()
            .map(|(key, count)| Count { key, count })
            .collect()
    };
    Ok(HttpResponse::Ok().json(ReuseStatsView {
        from,
        to,
        total: stats.total,
        by_kind: counts(stats.by_kind),
        by_agency: counts(stats.by_agency),
    }))
}
