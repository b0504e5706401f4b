//! The pipeline: one set of production steps (`steps.rs`) and one runner (here), used alike by
//! workers (the job's files in the object store, progress in the database under the job's lease,
//! `lease.rs`) and by `hidden-hill render` (the files in a work folder, progress on the terminal,
//! `crate::render`). Where progress goes is a [`Reporter`]; everything else is the same code.
//!
//! What the runner guarantees, whatever the steps do:
//! - a step whose output already exists for the same inputs is skipped (a resumed or retried job
//!   does not pay twice, and an edited script redoes only what depends on the edit);
//! - transient failures are retried with exponential backoff and jitter, up to a limit (longer
//!   while the object store is unreachable), honouring the wait a provider asked for;
//! - a permanent failure ends the run with the step, a stable kind and a message a person can act on;
//! - cancellation is checked between steps and at every progress report inside one;
//! - a run that must let go (shutdown, lost lease) stops at once and writes nothing more.

mod failure;
pub mod lease;
pub mod scratch;
pub mod steps;

pub use failure::{Failure, FailureKind, PipelineErrorKind, StepError};

use app::{
    jobs::{EventKind, JobOptions, PaperSource, Step, VideoInfo},
    storage::ObjectStore,
};
use futures::future::BoxFuture;
use std::{
    future::Future,
    pin::Pin,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tracing::Instrument;

/// One step of the pipeline.
pub trait PipelineStep: Send + Sync {
    fn step(&self) -> Step;
    /// Who does the work, for metrics and logs: a model id, "offline-extractive", "runway"…
    fn provider(&self) -> &str {
        "local"
    }
    /// Whether this step's output for the run's current inputs already exists.
    fn is_done<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>>;
    /// Does the work, reporting progress through `ctx` (which also notices cancellation).
    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>>;
}

/// Where a run's progress and results go: the job's row and event log under its lease
/// (workers), or the terminal (`hidden-hill render`).
pub trait Reporter: Send + Sync {
    /// Records an event of `step` at the job's overall `percent` (0–100). Not for terminal events.
    fn record<'a>(
        &'a self,
        kind: EventKind,
        step: Step,
        percent: i64,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StepError>>;
    /// Notes the paper's title.
    fn set_title<'a>(&'a self, title: &'a str) -> BoxFuture<'a, Result<(), StepError>>;
    /// Notes what the finished video is.
    fn set_video<'a>(&'a self, video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>>;
    /// `Err(Cancelled)` when someone asked the job to stop, `Err(Interrupted)` when the run must
    /// let go; called between steps and at every progress report.
    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>>;
}

/// What one run works on.
#[derive(Clone)]
pub struct Run {
    pub job_id: String,
    pub source: PaperSource,
    /// How the person wants the video made (style, length, pace).
    pub options: JobOptions,
    /// Where the job's files are (`jobs/{job_id}/…`).
    pub media: ObjectStore,
    pub reporter: Arc<dyn Reporter>,
    /// The folder this run's steps make their scratch folders in (a worker's run folder,
    /// [`scratch::run_folder`]); whoever starts the run removes it.
    pub scratch: std::path::PathBuf,
}

/// What a step sees: the job, its files, and a way to report progress that doubles as a checkpoint.
pub struct StepContext {
    pub job_id: String,
    pub source: PaperSource,
    pub options: JobOptions,
    pub media: ObjectStore,
    /// The run's scratch folder ([`Run::scratch`]).
    pub scratch: std::path::PathBuf,
    step: Step,
    reporter: Arc<dyn Reporter>,
    stopping: Arc<AtomicBool>,
}

impl StepContext {
    pub fn step(&self) -> Step {
        self.step
    }

    /// Reports progress within the step (`fraction` 0.0–1.0, e.g. scene 3 of 7) and stops the
    /// step if the job was cancelled or the run must let go.
    pub async fn progress(&self, fraction: f64, message: &str) -> Result<(), StepError> {
        self.report(EventKind::StepProgress, fraction, message).await
    }

    /// Reports progress like [`StepContext::progress`], saying also that a scene's preview is
    /// stored and can be watched (the status page shows it).
    pub async fn scene_ready(&self, fraction: f64, message: &str) -> Result<(), StepError> {
        self.report(EventKind::SceneReady, fraction, message).await
    }

    /// Records `kind` at `fraction` (0.0–1.0) of the step, after the cancellation checkpoint.
    async fn report(&self, kind: EventKind, fraction: f64, message: &str) -> Result<(), StepError> {
        self.checkpoint().await?;
        let percent = percent_before(self.step) + (weight(self.step) as f64 * fraction.clamp(0.0, 1.0)).round() as i64;
        self.reporter.record(kind, self.step, percent, message).await
    }

    /// Notes the paper's title (for the gallery and the download name).
    pub async fn set_title(&self, title: &str) -> Result<(), StepError> {
        self.reporter.set_title(title).await
    }

    /// Notes what the finished video is.
    pub async fn set_video(&self, video: &VideoInfo) -> Result<(), StepError> {
        self.reporter.set_video(video).await
    }

    /// Cancelled or interrupted? Steps call this inside long loops that report nothing.
    pub async fn checkpoint(&self) -> Result<(), StepError> {
        if self.stopping.load(Ordering::SeqCst) {
            return Err(StepError::Interrupted);
        }
        self.reporter.checkpoint().await
    }

    async fn record(&self, kind: EventKind, percent: i64, message: &str) -> Result<(), StepError> {
        self.reporter.record(kind, self.step, percent, message).await
    }
}

/// Each step's share of the job's overall percent (they add up to 100).
fn weight(step: Step) -> i64 {
    match step {
        Step::FetchPaper => 10,
        Step::GenerateScript => 20,
        Step::GenerateAudio => 20,
        Step::GenerateVideos => 35,
        Step::AddCaptions => 15,
    }
}

fn percent_before(step: Step) -> i64 {
    Step::ALL.iter().take_while(|s| **s != step).map(|s| weight(*s)).sum()
}

/// How hard the runner tries.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub attempts: u32,
    /// Attempts while the object store is unreachable: an outage of the store is waited out
    /// (about five minutes with the default delays) rather than failing every running job.
    pub store_attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 4,
            store_attempts: 10,
            first_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Attempts allowed for a transient failure of `kind`.
    fn attempts_for(&self, kind: FailureKind) -> u32 {
        if kind == FailureKind::Pipeline(PipelineErrorKind::StorageUnavailable) {
            self.attempts.max(self.store_attempts)
        } else {
            self.attempts
        }
    }

    /// Exponential backoff with full jitter, never shorter than what the provider asked for.
    fn delay(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        let exp = self.first_delay.saturating_mul(1u32 << attempt.min(16)).min(self.max_delay);
        let mut bytes = [0u8; 4];
        let _ = getrandom::fill(&mut bytes);
        let jitter = exp.mul_f64(0.5 + f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX) / 2.0);
        asked.map_or(jitter, |a| a.max(jitter))
    }
}

/// Runs `steps` in order for `run` until each is done, the job is cancelled, a step fails for
/// good, or `stopping` completes (shutdown: the step in hand is interrupted). The error names
/// the step it happened in.
pub async fn run_steps(
    run: &Run,
    steps: &[Arc<dyn PipelineStep>],
    policy: &RetryPolicy,
    stopping: impl Future<Output = ()>,
) -> Result<(), (Step, StepError)> {
    tokio::pin!(stopping);
    let stop_flag = Arc::new(AtomicBool::new(false));
    let metrics = app::backend::metrics::metrics();
    for implementation in steps {
        let step = implementation.step();
        let provider = implementation.provider();
        // Every log line of the step's work carries the job, the step and the attempt (a span
        // per attempt: a field recorded again is appended to in text logs, not replaced).
        let span_of = |attempt: u32| tracing::info_span!("step", job = %run.job_id, step = step.as_str(), provider, attempt = attempt + 1);
        let ctx = StepContext {
            job_id: run.job_id.clone(),
            source: run.source.clone(),
            options: run.options,
            media: run.media.clone(),
            scratch: run.scratch.clone(),
            step,
            reporter: run.reporter.clone(),
            stopping: stop_flag.clone(),
        };
        if futures::poll!(&mut stopping).is_ready() {
            stop_flag.store(true, Ordering::SeqCst);
        }
        let in_step = |e| (step, e);
        ctx.checkpoint().await.map_err(in_step)?;
        // Asking whether the step is done reads the store too: wait out an outage here as well.
        let mut attempt = 0;
        let done = loop {
            match implementation.is_done(&ctx).await {
                Err(StepError::Failed(f)) if retries_left(policy, &f, attempt) => {
                    wait_to_retry(&ctx, policy, &f, attempt, &mut stopping).await.map_err(in_step)?;
                    attempt += 1;
                }
                other => break other.map_err(in_step)?,
            }
        };
        if done {
            metrics.step_attempt(step.as_str(), provider, "skipped", None);
            let message = format!("{}: already done", step.title());
            ctx.record(EventKind::StepSkipped, percent_before(step) + weight(step), &message).await.map_err(in_step)?;
            continue;
        }
        ctx.record(EventKind::StepStarted, percent_before(step), &format!("{}…", step.title()))
            .await
            .map_err(in_step)?;
        let mut attempt = 0;
        loop {
            let started = std::time::Instant::now();
            let result = tokio::select! {
                result = implementation.run(&ctx).instrument(span_of(attempt)) => result,
                _ = &mut stopping => {
                    stop_flag.store(true, Ordering::SeqCst);
                    Err(StepError::Interrupted)
                }
            };
            let took = Some(started.elapsed());
            match result {
                Ok(()) => {
                    metrics.step_attempt(step.as_str(), provider, "done", took);
                    break;
                }
                Err(StepError::Failed(f)) if retries_left(policy, &f, attempt) => {
                    metrics.step_attempt(step.as_str(), provider, "retried", took);
                    wait_to_retry(&ctx, policy, &f, attempt, &mut stopping)
                        .instrument(span_of(attempt))
                        .await
                        .map_err(in_step)?;
                    attempt += 1;
                    ctx.checkpoint().await.map_err(in_step)?;
                }
                Err(e) => {
                    if matches!(e, StepError::Failed(_)) {
                        metrics.step_attempt(step.as_str(), provider, "failed", took);
                    }
                    return Err((step, e));
                }
            }
        }
        let message = format!("{}: done", step.title());
        ctx.record(EventKind::StepDone, percent_before(step) + weight(step), &message).await.map_err(in_step)?;
    }
    Ok(())
}

fn retries_left(policy: &RetryPolicy, failure: &Failure, attempt: u32) -> bool {
    failure.transient && attempt + 1 < policy.attempts_for(failure.kind)
}

/// After a transient failure that `attempt` may follow with another: says so (status page,
/// terminal, log), then waits the policy's delay, unless the run is stopping.
async fn wait_to_retry(
    ctx: &StepContext,
    policy: &RetryPolicy,
    failure: &Failure,
    attempt: u32,
    stopping: &mut Pin<&mut impl Future<Output = ()>>,
) -> Result<(), StepError> {
    let delay = policy.delay(attempt, failure.retry_after_ms.map(Duration::from_millis));
    let Failure { kind, message, .. } = failure;
    tracing::warn!(job = %ctx.job_id, step = ctx.step.as_str(), %kind, %message, ?delay, "transient failure; retrying");
    let note = format!(
        "{message} Trying again in {} s (attempt {} of {}).",
        delay.as_secs().max(1),
        attempt + 2,
        policy.attempts_for(*kind)
    );
    match ctx.record(EventKind::StepProgress, percent_before(ctx.step), &note).await {
        // The note is a courtesy: a database that does not answer now must not end the run.
        Err(StepError::Failed(f)) if f.transient => {
            tracing::warn!(job = %ctx.job_id, kind = %f.kind, "retry note not recorded")
        }
        other => other?,
    }
    tokio::select! {
        _ = tokio::time::sleep(delay) => Ok(()),
        _ = stopping.as_mut() => {
            ctx.stopping.store(true, Ordering::SeqCst);
            Err(StepError::Interrupted)
        }
    }
}
