//! Provide once: `POST /v1/reuse-check` tells a counter or back-office
//! system which required papers are already on file and valid, so the
//! citizen is not asked for them; `GET /v1/stats/reuse` counts the copies
//! citizens did not have to bring.

use actix_web::{HttpResponse, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::AppState;
use super::access::{self, Action};
use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::views::RecordView;
use crate::catalogue::Catalogue;
use crate::domain::dossier::vietnam_today;
use crate::domain::validity::Freshness;
use crate::domain::{DocumentKind, DossierCode, RecordStatus, Role, SubjectId};
use crate::storage::db::{Record, RecordQuery, Reuse};

/// Roles that check what is on file.
pub const REUSE_ROLES: &[Role] = &[Role::Intake, Role::Reader, Role::Admin];
/// Roles that read statistics.
pub const STATS_ROLES: &[Role] = &[Role::Admin, Role::Auditor];

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

/// Why a paper must be provided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing of this kind is on file.
    None,
    /// On file, but no longer valid on that day.
    Expired,
    /// On file and valid, but issued longer ago than the procedure accepts.
    TooOld,
    /// On file but revoked or superseded.
    Revoked,
    /// Scanned but not yet checked and signed by an officer.
    PendingReview,
    /// On file, but its validity cannot be established: its kind's rule
    /// needs a date the record lacks (the issue date, or the date printed on
    /// a card).
    ValidityUnknown,
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

/// Which required papers are on file and valid.
///
/// For each requirement, in order: `on_file` with the record to reuse (the
/// certified one valid on `on` and meeting `issued_within_days`, freshest
/// first), or `must_provide` with the reason. Each reuse is recorded for the
/// dossier (counted once per dossier and record) and the check is logged in
/// the subject's access ledger with the dossier as purpose.
#[utoipa::path(
    post, path = "/v1/reuse-check", tag = "reuse",
    request_body = ReuseCheck,
    responses(
        (status = 200, body = ReuseAnswer),
        (status = 400, description = "invalid_subject_id, invalid_purpose (dossier_code), unknown_kind, invalid_json", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn check(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ReuseCheck>,
) -> Result<HttpResponse, ApiError> {
    caller.require(REUSE_ROLES)?;
    let body = body.into_inner();
    let subject = SubjectId::parse(&body.subject_id)
        .map_err(|e| ApiError::bad_request("invalid_subject_id", e.to_string()))?;
    let dossier = DossierCode::parse(body.dossier_code.trim()).map_err(|e| {
        ApiError::bad_request(
            "invalid_purpose",
            format!("dossier_code must be the code of the dossier these papers are for: {e}"),
        )
    })?;
    if body.required.is_empty() || body.required.len() > 50 {
        return Err(ApiError::bad_request(
            "invalid_json",
            "required must list between 1 and 50 papers",
        ));
    }
    let mut wanted = Vec::with_capacity(body.required.len());
    for r in &body.required {
        let kind: DocumentKind = r.kind.parse().map_err(|_| {
            ApiError::bad_request(
                "unknown_kind",
                format!(
                    "unknown document kind {:?}; use one of: {}",
                    r.kind,
                    DocumentKind::codes()
                ),
            )
        })?;
        wanted.push((kind, r.issued_within_days.map(|days| Freshness { days })));
    }
    let on = body.on.unwrap_or_else(vietnam_today);
    let dossier_code = dossier.to_string();
    access::log_read(
        &state,
        &caller,
        subject.as_str(),
        None,
        Some(&dossier_code),
        Action::ReuseCheck,
    )
    .await?;
    let catalogue = Catalogue::load(state.repo.as_ref()).await?;
    let procedure_code = body
        .procedure_code
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    let mut items = Vec::with_capacity(wanted.len());
    for (kind, freshness) in wanted {
        let records = state
            .repo
            .subject_records(
                &subject,
                &RecordQuery {
                    kind: Some(kind),
                    before: None,
                    limit: 500,
                },
            )
            .await?;
        let (status, reason, record) = judge(&catalogue, records, on, freshness);
        if let Some(record) = &record {
            state
                .repo
                .record_reuse(&Reuse {
                    dossier_code: dossier_code.clone(),
                    record_id: record.id.clone(),
                    subject_id: record.subject_id.clone(),
                    kind,
                    agency_id: dossier.agency().as_str().to_owned(),
                    procedure_code: procedure_code.clone(),
                    reused_by: caller.key_name.clone(),
                })
                .await?;
        }
        items.push(ReuseItem {
            kind,
            status,
            reason,
            record: record.map(RecordView::from),
        });
    }
    let reused = items
        .iter()
        .filter(|i| i.status == ItemStatus::OnFile)
        .count();
    tracing::info!(required = items.len(), reused, "reuse checked");
    Ok(HttpResponse::Ok().json(ReuseAnswer { items }))
}

/// Picks the record to reuse among a subject's records of one kind, or the
/// reason there is none. The reason names the closest miss: a paper that is
/// valid but too old beats an expired one, which beats one awaiting review,
/// which beats a revoked one.
fn judge(
    catalogue: &Catalogue,
    records: Vec<Record>,
    on: NaiveDate,
    freshness: Option<Freshness>,
) -> (ItemStatus, Option<Reason>, Option<Record>) {
    let mut best: Option<Record> = None;
    let mut closest: Option<Reason> = None;
    let rank = |r: Reason| match r {
        Reason::TooOld => 5,
        Reason::Expired => 4,
        Reason::ValidityUnknown => 3,
        Reason::PendingReview => 2,
        Reason::Revoked => 1,
        Reason::None => 0,
    };
    let miss = |reason: Reason, closest: &mut Option<Reason>| {
        if closest.is_none_or(|c| rank(reason) > rank(c)) {
            *closest = Some(reason);
        }
    };
    for record in records {
        let reason = match record.status {
            RecordStatus::Certified => {
                if catalogue.is_valid_on(&record, on) {
                    if freshness.is_none_or(|f| f.is_met(record.meta.issued_on, on)) {
                        let fresher = best.as_ref().is_none_or(|b| {
                            (record.meta.issued_on, &record.id) > (b.meta.issued_on, &b.id)
                        });
                        if fresher {
                            best = Some(record);
                        }
                        continue;
                    }
                    Reason::TooOld
                } else if matches!(
                    catalogue.expiry(&record),
                    crate::domain::validity::Expiry::Unknown
                ) {
                    Reason::ValidityUnknown
                } else {
                    Reason::Expired
                }
            }
            RecordStatus::Processing | RecordStatus::PendingReview => Reason::PendingReview,
            RecordStatus::Revoked | RecordStatus::Superseded => Reason::Revoked,
            RecordStatus::Rejected | RecordStatus::Failed => continue,
        };
        miss(reason, &mut closest);
    }
    match best {
        Some(record) => (ItemStatus::OnFile, None, Some(record)),
        None => (
            ItemStatus::MustProvide,
            Some(closest.unwrap_or(Reason::None)),
            None,
        ),
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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
    get, path = "/v1/stats/reuse", tag = "reuse",
    params(StatsParams),
    responses(
        (status = 200, body = ReuseStatsView),
        (status = 400, description = "invalid_query", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
pub async fn stats(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STATS_ROLES)?;
    let to = params.to.unwrap_or_else(vietnam_today);
    let from = params.from.unwrap_or_else(|| to - chrono::Days::new(30));
    if from > to {
        return Err(ApiError::bad_request("invalid_query", "from is after to"));
    }
    let stats = state.repo.reuse_stats(from, to).await?;
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
