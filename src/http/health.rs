//! `/healthz`: is this instance able to serve? No key needed.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    status: &'static str,
    database: &'static str,
    blobs: &'static str,
    version: &'static str,
}

/// Health check: answers 200 when the database and blob store respond, 503 otherwise.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Health))
)]
#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database = match state.cx.repo.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            "unavailable"
        }
    };
    let blobs = match state.cx.blobs.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error = %e, "health check: blob store unavailable");
            "unavailable"
        }
    };
    let healthy = database == "ok" && blobs == "ok";
    let body = Health {
        status: if healthy { "ok" } else { "degraded" },
        database,
        blobs,
        version: env!("CARGO_PKG_VERSION"),
    };
    if healthy {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
