//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.
//!
//! One registry per process (Prometheus scrapes processes; a web process and each worker
//! process report their own). What happens is counted where it happens: HTTP requests by the
//! router's middleware, pipeline steps by the runner, live streams by their slots. What the
//! database knows (jobs by status, the queue) is read at each scrape, so every process reports
//! the same, true figures whoever ran the jobs.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `hh_http_requests_total` | counter | method, route, status |
//! | `hh_http_request_duration_seconds` | histogram | method, route |
//! | `hh_jobs` | gauge | status |
//! | `hh_queue_depth` | gauge | — |
//! | `hh_queue_oldest_age_seconds` | gauge | — |
//! | `hh_step_duration_seconds` | histogram | step, provider, outcome |
//! | `hh_step_attempts_total` | counter | step, provider, outcome |
//! | `hh_live_streams` | gauge | — |
//! | `hh_page_renders_redone_total` | counter | — |
//! | `hh_provider_calls_total` | counter | service, outcome (ok, failed, refused: over budget) |
//! | `hh_provider_tokens_total` | counter | service |
//! | `hh_provider_credits_total` | counter | service |

use super::db::Db;
use crate::jobs::JobStatus;
use prometheus_client::{
    encoding::text::encode,
    metrics::{
        counter::Counter,
        family::Family,
        gauge::Gauge,
        histogram::{exponential_buckets, Histogram},
    },
    registry::Registry,
};
use std::sync::{atomic::AtomicU64, LazyLock};
use std::time::Duration;

/// A metric's labels, in order.
type Labels = Vec<(&'static str, String)>;
type Histograms = Family<Labels, Histogram, fn() -> Histogram>;

/// What the process has counted.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<Labels, Counter>,
    http_seconds: Histograms,
    jobs: Family<Labels, Gauge>,
    queue_depth: Gauge,
    queue_oldest_seconds: Gauge<f64, AtomicU64>,
    step_seconds: Histograms,
    step_attempts: Family<Labels, Counter>,
    live_streams: Gauge,
    provider_calls: Family<Labels, Counter>,
    page_renders_redone: Counter,
    provider_tokens: Family<Labels, Counter>,
    provider_credits: Family<Labels, Counter>,
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// This process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}

fn http_buckets() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

fn step_buckets() -> Histogram {
    // 0.25 s to about 17 min: a paper read in a second, a Runway render in minutes.
    Histogram::new(exponential_buckets(0.25, 2.0, 13))
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("hh");
        let http_requests = Family::<Labels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered, by route and status", http_requests.clone());
        let http_seconds = Histograms::new_with_constructor(http_buckets);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request (to its headers, for streams), by route",
            prometheus_client::registry::Unit::Seconds,
            http_seconds.clone(),
        );
        let jobs = Family::<Labels, Gauge>::default();
        registry.register("jobs", "Jobs by status, in the database", jobs.clone());
        let queue_depth = Gauge::default();
        registry.register("queue_depth", "Jobs waiting for a worker", queue_depth.clone());
        let queue_oldest_seconds = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "queue_oldest_age",
            "How long the job that has waited longest for a worker has waited",
            prometheus_client::registry::Unit::Seconds,
            queue_oldest_seconds.clone(),
        );
        let step_seconds = Histograms::new_with_constructor(step_buckets);
        registry.register_with_unit(
            "step_duration",
            "Time a pipeline step's attempt took, by step, provider and outcome (done, retried, failed)",
            prometheus_client::registry::Unit::Seconds,
            step_seconds.clone(),
        );
        let step_attempts = Family::<Labels, Counter>::default();
        registry.register(
            "step_attempts",
            "Pipeline step attempts, by step, provider and outcome (done, retried, failed, skipped)",
            step_attempts.clone(),
        );
        let live_streams = Gauge::default();
        registry.register("live_streams", "Live event streams (SSE) open in this process", live_streams.clone());
        let provider_calls = Family::<Labels, Counter>::default();
        registry.register(
            "provider_calls",
            "Calls to paid providers (gemini, llm, runway), by outcome (ok, failed, refused: over the daily budget)",
            provider_calls.clone(),
        );
        let provider_tokens = Family::<Labels, Counter>::default();
        registry.register("provider_tokens", "Tokens paid providers used (prompt and answer)", provider_tokens.clone());
        let provider_credits = Family::<Labels, Counter>::default();
        registry.register(
            "provider_credits",
            "Credits paid providers charged (Runway: 1 credit = $0.01)",
            provider_credits.clone(),
        );
        let page_renders_redone = Counter::default();
        registry.register(
            "page_renders_redone",
            "Page renders that stalled and were done again (a leptos 0.8 defect; ARCHITECTURE.md)",
            page_renders_redone.clone(),
        );
        Metrics {
            registry,
            page_renders_redone,
            provider_calls,
            provider_tokens,
            provider_credits,
            http_requests,
            http_seconds,
            jobs,
            queue_depth,
            queue_oldest_seconds,
            step_seconds,
            step_attempts,
            live_streams,
        }
    }

    /// Counts an answered request. `route` is the router's pattern (`/api/jobs/{id}`), never
    /// the path itself, so that ids do not make a series each.
    pub fn http_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let route = route.to_owned();
        let labels = vec![("method", method.to_owned()), ("route", route.clone()), ("status", status.to_string())];
        self.http_requests.get_or_create(&labels).inc();
        self.http_seconds
            .get_or_create(&vec![("method", method.to_owned()), ("route", route)])
            .observe(took.as_secs_f64());
    }

    /// Counts one attempt of a pipeline step: `outcome` is `done`, `retried` (a transient
    /// failure, tried again), `failed` or `skipped` (its output existed); `took` is recorded for
    /// the attempts that ran.
    pub fn step_attempt(&self, step: &str, provider: &str, outcome: &str, took: Option<Duration>) {
        let labels =
            vec![("step", step.to_owned()), ("provider", provider.to_owned()), ("outcome", outcome.to_owned())];
        self.step_attempts.get_or_create(&labels).inc();
        if let Some(took) = took {
            self.step_seconds.get_or_create(&labels).observe(took.as_secs_f64());
        }
    }

    /// Counts one call to a paid provider (`service` as `video::usage::Service::as_str`) and
    /// what it cost; `outcome` is `ok`, `failed` or `refused` (over the daily budget, not made).
    pub fn provider_call(&self, service: &str, outcome: &str, spent: video::usage::Spend) {
        let service_only = vec![("service", service.to_owned())];
        self.provider_calls
            .get_or_create(&vec![("service", service.to_owned()), ("outcome", outcome.to_owned())])
            .inc();
        if spent.tokens > 0 {
            self.provider_tokens.get_or_create(&service_only).inc_by(spent.tokens);
        }
        if spent.credits > 0 {
            self.provider_credits.get_or_create(&service_only).inc_by(spent.credits);
        }
    }

    /// A page's server-side render stalled and was done again.
    pub fn page_render_redone(&self) {
        self.page_renders_redone.inc();
    }

    /// One more live event stream open (`opened`), or one fewer.
    pub fn live_stream(&self, opened: bool) {
        if opened {
            self.live_streams.inc();
        } else {
            self.live_streams.dec();
        }
    }

    /// The OpenMetrics text of everything, the database's figures read now.
    pub async fn render(&self, db: &Db) -> Result<String, sqlx::Error> {
        let census = crate::jobs::store::census(db).await?;
        for status in JobStatus::ALL {
            let count = census.by_status.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n);
            self.jobs.get_or_create(&vec![("status", status.as_str().to_owned())]).set(count);
        }
        self.queue_depth.set(census.queued);
        self.queue_oldest_seconds.set(census.oldest_queued_ms.map_or(0.0, |ms| ms as f64 / 1000.0));
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        Ok(text)
    }
}
