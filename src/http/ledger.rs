//! `/v1/ledger/…`: the access ledger's signed checkpoints, for any key: the
//! latest (a JWS verifiable with `GET /v1/signing-keys`), the history, the
//! proof that a later one extends an earlier one, and one made on demand
//! (auditors, admins). The rules are in [`crate::ops::ledger`].

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

use super::auth::Caller;
use super::errors::{ApiError, ErrorBody};
use super::{AppState, check_limit};
use crate::domain::access::ledger_time;
use crate::domain::checkpoint::Checkpoint;
use crate::ledger::checkpoint::ConsistencyProof;
use crate::ops::ledger;

/// A signed tree head over every subject chain's head.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    /// Its number, from 1.
    pub checkpoint: i64,
    /// When it was signed, RFC 3339.
    pub at: String,
    /// Leaves in the tree: chain heads, appended as chains move.
    pub tree_size: i64,
    /// The tree's root, hex (RFC 9162 hashing).
    pub root_hash: String,
    /// The agency's signature over `{agency, checkpoint, at, tree_size,
    /// root_hash}`: a compact JWS (EdDSA, `typ` `sohoa-ledger-checkpoint+jws`).
    pub jws: String,
}

impl From<Checkpoint> for CheckpointView {
    fn from(c: Checkpoint) -> Self {
        Self {
            checkpoint: c.n,
            at: ledger_time(c.at),
            tree_size: c.tree_size,
            root_hash: c.root_hash,
            jws: c.jws,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckpointList {
    /// Oldest first.
    pub checkpoints: Vec<CheckpointView>,
}

/// The latest signed checkpoint of the access ledger.
#[utoipa::path(
    tag = "ledger",
    responses(
        (status = 200, body = CheckpointView),
        (status = 404, description = "not_found: none signed yet", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/ledger/checkpoint")]
pub async fn latest(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let checkpoint = ledger::latest(&state.cx, &caller.0).await?;
    Ok(HttpResponse::Ok().json(CheckpointView::from(checkpoint)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// Only checkpoints numbered after this one (default 0: from the first).
    since: Option<i64>,
    /// Most to return (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u32>,
}

/// Signed checkpoints, oldest first.
#[utoipa::path(
    tag = "ledger",
    params(HistoryParams),
    responses(
        (status = 200, body = CheckpointList),
        (status = 400, description = "invalid_query (limit out of range)", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/ledger/checkpoints")]
pub async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<HistoryParams>,
) -> Result<HttpResponse, ApiError> {
    check_limit(params.limit, ledger::MAX_LIST)?;
    let list = ledger::history(
        &state.cx,
        &caller.0,
        params.since.unwrap_or(0),
        params.limit,
    )
    .await?;
    Ok(HttpResponse::Ok().json(CheckpointList {
        checkpoints: list.into_iter().map(Into::into).collect(),
    }))
}

/// Sign a checkpoint now (auditor, admin), even when no chain moved.
#[utoipa::path(
    tag = "ledger",
    responses(
        (status = 201, body = CheckpointView),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[post("/ledger/checkpoints")]
pub async fn make(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let checkpoint = ledger::make(&state.cx, &caller.0).await?;
    Ok(HttpResponse::Created().json(CheckpointView::from(checkpoint)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyParams {
    /// The earlier checkpoint's number.
    from: i64,
    /// The later checkpoint's number. When it is not later (its tree is not
    /// the larger), the proof is empty: there is nothing to prove.
    to: i64,
}

/// The proof that checkpoint `to`'s tree extends checkpoint `from`'s
/// (RFC 9162 §2.1.4): nothing a checkpoint held was changed since.
#[utoipa::path(
    tag = "ledger",
    params(ConsistencyParams),
    responses(
        (status = 200, body = ConsistencyProof),
        (status = 400, description = "invalid_query: from or to missing or not a number", body = ErrorBody),
        (status = 404, description = "not_found: no such checkpoint", body = ErrorBody),
        (status = 401, body = ErrorBody),
    ),
    security(("api_key" = []))
)]
#[get("/ledger/consistency")]
pub async fn consistency(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<ConsistencyParams>,
) -> Result<HttpResponse, ApiError> {
    let proof = ledger::consistency(&state.cx, &caller.0, params.from, params.to).await?;
    Ok(HttpResponse::Ok().json(proof))
}
