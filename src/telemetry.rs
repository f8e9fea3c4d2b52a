//! Logging setup, and running blocking work on tokio's blocking pool without
//! losing the caller's tracing span.
//!
//! Rule for every log line: no document text, names or ID numbers at info
//! level. Records are named by their id, requests by their route pattern.

use tracing_subscriber::EnvFilter;

use crate::config::Settings;

/// Installs the global subscriber. Logs go to stderr so that stdout stays for
/// command output (keys, JSON records, the listening address).
pub fn init(settings: &Settings) {
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only on a terminal: a log file or journal gets plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let result = if settings.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // A second init (tests, or the CLI calling twice) keeps the first subscriber.
    drop(result);
}

/// Installs the process's metrics recorder (Prometheus text format, served
/// by `GET /metrics`); durations in seconds get histogram buckets from 1 ms
/// to 5 min. None when one is installed already.
pub fn install_metrics() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    const BUCKETS: [f64; 16] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
        300.0,
    ];
    let built = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
        .and_then(|b| b.install_recorder());
    match built {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::warn!(error = %e, "metrics are not recorded");
            None
        }
    }
}

/// `tokio::task::spawn_blocking`, inside the current span.
pub fn spawn_blocking_in_span<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}
