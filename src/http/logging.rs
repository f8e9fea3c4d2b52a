//! One log line per request, with a request id that is also returned in the
//! `X-Request-Id` header. The line names the route *pattern*
//! (`/v1/subjects/{subject_id}/records`), never the path, so ID numbers in
//! URLs stay out of the logs, and out of the request metrics' labels.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub async fn log_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = uuid::Uuid::now_v7().to_string();
    let method = req.method().to_string();
    let span = tracing::info_span!("request", request_id = %request_id, method = %method);
    let started = std::time::Instant::now();
    let result = next.call(req).instrument(span.clone()).await;
    let _enter = span.enter();
    match result {
        Ok(mut res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "(unmatched)".into());
            let elapsed = started.elapsed();
            tracing::info!(
                route = %route,
                status = res.status().as_u16(),
                elapsed_ms = elapsed.as_millis() as u64,
                "request"
            );
            // The route pattern, never the path: no ID number in a label.
            let status = res.status().as_u16().to_string();
            metrics::counter!("sohoa_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
            metrics::histogram!("sohoa_http_request_seconds", "method" => method, "route" => route)
                .record(elapsed.as_secs_f64());
            if let Ok(value) = HeaderValue::from_str(&request_id) {
                res.headers_mut()
                    .insert(HeaderName::from_static("x-request-id"), value);
            }
            Ok(res)
        }
        Err(e) => {
            tracing::warn!(elapsed_ms = started.elapsed().as_millis() as u64, error = %e, "request failed");
            Err(e)
        }
    }
}
