//! A worker: claims jobs from the shared queue and runs them, up to `concurrency` at a time.
//! Runs inside `hidden-hill serve` (`HH_WORKERS` jobs at once; 0 for a web-only process) and as
//! `hidden-hill worker`.
//! It wakes at once when a job is queued in this process and polls for other processes' jobs.

use crate::pipeline::{
    lease::{run_job, RunEnd},
    PipelineStep, RetryPolicy,
};
use app::{
    backend::state::AppState,
    jobs::{store, EventKind},
};
use std::{sync::Arc, time::Duration};
use tokio::task::JoinSet;

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// How long a claim lasts without renewal; a dead worker's jobs move after this.
    pub lease_ms: i64,
    /// How often an idle worker looks for jobs queued by other processes.
    pub idle_poll: Duration,
    pub retry: RetryPolicy,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 1,
            lease_ms: 30_000,
            idle_poll: Duration::from_secs(2),
            retry: RetryPolicy::default(),
        }
    }
}

/// Starts the production pipeline's worker for this process, if configuration asks for one.
/// The handle completes once shutdown has released the jobs in hand.
pub fn start(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    let concurrency = state.config.workers;
    if concurrency == 0 {
        return None;
    }
    let providers = crate::pipeline::steps::Providers::from_config(&state.config, state.meter.clone());
    let steps = crate::pipeline::steps::production(providers);
    let config =
        WorkerConfig { concurrency, lease_ms: state.config.lease.as_millis() as i64, ..WorkerConfig::default() };
    Some(tokio::spawn(run(state.clone(), worker_id(), steps, config)))
}

/// Work every process does in the background whatever its role: finishing file deletions that
/// failed because the object store was unreachable.
pub fn start_housekeeping(state: &AppState) {
    tokio::spawn(store::keep_deleting_files(state.clone(), Duration::from_secs(30)));
    // Sign-in limits remember every address that tried; forget those that have recovered.
    // Scripts left waiting for their review past `HH_REVIEW_DAYS` are cancelled with a note.
    let state = state.clone();
    let stopping = state.shutdown.wait();
    tokio::spawn(async move {
        tokio::pin!(stopping);
        let mut every_minute = tokio::time::interval(Duration::from_secs(60));
        let review_ms = i64::try_from(state.config.review_expiry.as_millis()).unwrap_or(i64::MAX);
        loop {
            tokio::select! {
                _ = every_minute.tick() => {
                    state.signin_limits.forget_recovered();
                    match store::expire_reviews(&state, review_ms).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(jobs = n, "cancelled jobs whose review waited too long"),
                        Err(e) => tracing::warn!(error = %e, "could not check for reviews that waited too long"),
                    }
                }
                _ = &mut stopping => break,
            }
        }
    });
}

/// Host, process and a random tag: unique across machines and restarts, readable in the jobs table
/// (each claim adds its own token to it, so the slots of one process never share a lease).
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "host".into());
    format!("{host}-{}-{}", std::process::id(), app::backend::random_hex(3))
}

/// Runs until the state's shutdown is triggered; jobs in hand are released at their next
/// checkpoint and the call returns when they have been.
pub async fn run(state: AppState, worker_id: String, steps: Vec<Arc<dyn PipelineStep>>, config: WorkerConfig) {
    let steps: Arc<[Arc<dyn PipelineStep>]> = steps.into();
    let scratch_root = crate::pipeline::scratch::root(&state.config);
    let mut wake = state.events.subscribe();
    let mut running = JoinSet::new();
    let stopping = state.shutdown.wait();
    tokio::pin!(stopping);
    tracing::info!(worker = %worker_id, concurrency = config.concurrency, "worker started");
    let mut poll = tokio::time::interval(config.idle_poll);
    let mut look = true;
    loop {
        while look && running.len() < config.concurrency {
            match store::claim(&state, &worker_id, config.lease_ms).await {
                Ok(Some(claimed)) => {
                    let (state, steps, config, scratch_root) =
                        (state.clone(), steps.clone(), config.clone(), scratch_root.clone());
                    tracing::info!(job = %claimed.job().id, attempt = claimed.job().attempts, owner = claimed.owner(), "claimed a job");
                    running.spawn(async move {
                        let id = claimed.job().id.clone();
                        (id, run_job(&state, claimed, &steps, &config.retry, config.lease_ms, &scratch_root).await)
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(error = %e, "could not look for jobs");
                    break;
                }
            }
        }
        look = tokio::select! {
            _ = &mut stopping => break,
            Some(done) = running.join_next(), if !running.is_empty() => {
                log_end(done);
                true
            }
            // Only a newly queued job is worth a claim attempt; a lagging receiver may have missed one.
            event = wake.recv() => match event {
                Ok(event) => event.kind == EventKind::Queued,
                Err(_) => true,
            },
            _ = poll.tick() => true,
        };
    }
    tracing::info!(worker = %worker_id, in_hand = running.len(), "worker stopping; releasing jobs in hand");
    while let Some(done) = running.join_next().await {
        log_end(done);
    }
}

fn log_end(done: Result<(String, Result<RunEnd, store::LeaseError>), tokio::task::JoinError>) {
    match done {
        Ok((job, Ok(end))) => tracing::info!(%job, ?end, "run ended"),
        Ok((job, Err(e))) => tracing::error!(%job, error = %e, "run ended with an error"),
        Err(e) => tracing::error!(error = %e, "a run panicked"),
    }
}
