//! The pipeline runner: takes a claimed job through its steps in order.
//!
//! What the runner guarantees, whatever the steps do:
//! - a step whose output already exists is skipped (a resumed or retried job does not pay twice);
//! - transient errors are retried with exponential backoff and jitter, up to a limit;
//! - a permanent error fails the job with the step, a stable kind and a message a person can act on;
//! - cancellation is checked between steps and at every progress report inside one;
//! - a worker that loses its lease stops at once and writes nothing more;
//! - on shutdown the job is released to the queue at the next checkpoint.

use app::{
    backend::state::AppState,
    error::AppError,
    jobs::{
        store::{self, Lease, Outcome},
        EventKind, Job, JobFailure, Step,
    },
};
use futures::future::BoxFuture;
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::Mutex;

pub mod steps;

/// One step of the pipeline. Implementations are the providers of the production issues.
pub trait PipelineStep: Send + Sync {
    fn step(&self) -> Step;
    /// Whether this step's output for the job already exists.
    fn is_done<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>>;
    /// Does the work, reporting progress through `ctx` (which also notices cancellation).
    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// Worth trying again (a 429, a 5xx, a timeout); `retry_after` when the other side said.
    Transient { kind: String, message: String, retry_after: Option<Duration> },
    /// Trying again will not help (no such paper, unreadable file).
    Permanent { kind: String, message: String },
    /// Someone cancelled the job.
    Cancelled,
    /// The worker must let go: shutdown, or the lease was lost.
    Interrupted,
}

impl StepError {
    pub fn transient(kind: &str, message: impl Into<String>) -> Self {
        StepError::Transient { kind: kind.into(), message: message.into(), retry_after: None }
    }

    pub fn permanent(kind: &str, message: impl Into<String>) -> Self {
        StepError::Permanent { kind: kind.into(), message: message.into() }
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

/// The kind of transient failure a step reports when the object store does not answer.
pub const STORE_UNAVAILABLE: &str = "storage-unavailable";

impl RetryPolicy {
    /// Attempts allowed for a transient failure of `kind`.
    fn attempts_for(&self, kind: &str) -> u32 {
        if kind == STORE_UNAVAILABLE {
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

/// What a step sees: the job, and a way to report progress that doubles as a checkpoint.
pub struct StepContext {
    pub state: AppState,
    pub job: Job,
    step: Step,
    lease: Arc<Mutex<Lease>>,
    interrupted: Arc<AtomicBool>,
}

impl StepContext {
    pub fn step(&self) -> Step {
        self.step
    }

    /// Reports progress within the step (`fraction` 0.0–1.0, e.g. scene 3 of 7) and stops the
    /// step if the job was cancelled or the worker must let go.
    pub async fn progress(&self, fraction: f64, message: &str) -> Result<(), StepError> {
        self.checkpoint().await?;
        let percent = percent_before(self.step) + (weight(self.step) as f64 * fraction.clamp(0.0, 1.0)).round() as i64;
        self.record(EventKind::StepProgress, percent, message).await
    }

    /// Writes an event of this step under the worker's lease; a lost lease stops the run.
    async fn record(&self, kind: EventKind, percent: i64, message: &str) -> Result<(), StepError> {
        let lease = self.lease.lock().await.clone();
        store::record(&self.state, &lease, kind, Some(self.step), percent, message)
            .await
            .map(drop)
            .map_err(|_| StepError::Interrupted)
    }

    /// Notes the paper's title on the job (for the gallery and the download name).
    pub async fn set_title(&self, title: &str) -> Result<(), StepError> {
        let lease = self.lease.lock().await.clone();
        store::set_title(&self.state.db, &lease, title).await.map_err(|_| StepError::Interrupted)
    }

    /// Notes what the finished video is.
    pub async fn set_video(&self, video: &app::jobs::VideoInfo) -> Result<(), StepError> {
        let lease = self.lease.lock().await.clone();
        store::set_video(&self.state.db, &lease, video).await.map_err(|_| StepError::Interrupted)
    }

    /// Cancelled or interrupted? Steps call this inside long loops that report nothing.
    pub async fn checkpoint(&self) -> Result<(), StepError> {
        if self.interrupted.load(Ordering::SeqCst) {
            return Err(StepError::Interrupted);
        }
        match store::cancel_requested(&self.state.db, &self.job.id).await {
            Ok(true) => Err(StepError::Cancelled),
            Ok(false) => Ok(()),
            Err(_) => Err(StepError::transient("database", "The database did not answer.")),
        }
    }
}

/// How one run of a job ended, for the worker's log.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    Succeeded,
    Failed,
    Cancelled,
    /// Handed back to the queue (shutdown) or lost to another worker (lease expired).
    Released,
}

/// Runs `lease`'s job through `steps`, renewing the lease while it works.
pub async fn run_job(
    state: &AppState,
    lease: Lease,
    steps: &[Arc<dyn PipelineStep>],
    policy: &RetryPolicy,
    lease_ms: i64,
) -> Result<RunEnd, AppError> {
    let job = lease.job.clone();
    let lease = Arc::new(Mutex::new(lease));
    let interrupted = Arc::new(AtomicBool::new(false));
    let renewer = tokio::spawn(renew_while_running(state.clone(), lease.clone(), interrupted.clone(), lease_ms));
    let result = run_steps(state, &job, steps, policy, &lease, &interrupted).await;
    renewer.abort();
    let lease = lease.lock().await.clone();
    let outcome = match result {
        Ok(()) => Outcome::Succeeded,
        Err((_, StepError::Cancelled)) => Outcome::Cancelled,
        Err((step, StepError::Permanent { kind, message } | StepError::Transient { kind, message, .. })) => {
            Outcome::Failed(JobFailure { step: Some(step), kind, message })
        }
        Err((_, StepError::Interrupted)) => {
            // Shutdown hands the job back; a lost lease means another worker has it already.
            store::release(&state.db, &lease).await?;
            return Ok(RunEnd::Released);
        }
    };
    let end = match &outcome {
        Outcome::Succeeded => RunEnd::Succeeded,
        Outcome::Failed(_) => RunEnd::Failed,
        Outcome::Cancelled => RunEnd::Cancelled,
    };
    match store::finish(state, &lease, outcome).await {
        Ok(_) => Ok(end),
        Err(AppError::Conflict(_)) => Ok(RunEnd::Released),
        Err(e) => Err(e),
    }
}

async fn run_steps(
    state: &AppState,
    job: &Job,
    steps: &[Arc<dyn PipelineStep>],
    policy: &RetryPolicy,
    lease: &Arc<Mutex<Lease>>,
    interrupted: &Arc<AtomicBool>,
) -> Result<(), (Step, StepError)> {
    let stopping = state.shutdown.wait();
    tokio::pin!(stopping);
    for implementation in steps {
        let step = implementation.step();
        let ctx = StepContext {
            state: state.clone(),
            job: job.clone(),
            step,
            lease: lease.clone(),
            interrupted: interrupted.clone(),
        };
        if futures::poll!(&mut stopping).is_ready() {
            interrupted.store(true, Ordering::SeqCst);
        }
        ctx.checkpoint().await.map_err(|e| (step, e))?;
        let record = |kind: EventKind, percent: i64, message: String| {
            let ctx = &ctx;
            async move { ctx.record(kind, percent, &message).await.map_err(|e| (step, e)) }
        };
        // Asking whether the step is done reads the store too: wait out an outage here as well.
        let mut attempt = 0;
        let done = loop {
            match implementation.is_done(&ctx).await {
                Err(StepError::Transient { kind, message, retry_after })
                    if attempt + 1 < policy.attempts_for(&kind) =>
                {
                    wait_to_retry(&ctx, policy, &kind, &message, retry_after, attempt, &mut stopping)
                        .await
                        .map_err(|e| (step, e))?;
                    attempt += 1;
                }
                other => break other.map_err(|e| (step, e))?,
            }
        };
        if done {
            record(
                EventKind::StepSkipped,
                percent_before(step) + weight(step),
                format!("{}: already done", step.title()),
            )
            .await?;
            continue;
        }
        record(EventKind::StepStarted, percent_before(step), format!("{}…", step.title())).await?;
        let mut attempt = 0;
        loop {
            let run = implementation.run(&ctx);
            let result = tokio::select! {
                result = run => result,
                _ = &mut stopping => {
                    interrupted.store(true, Ordering::SeqCst);
                    Err(StepError::Interrupted)
                }
            };
            match result {
                Ok(()) => break,
                Err(StepError::Transient { kind, message, retry_after })
                    if attempt + 1 < policy.attempts_for(&kind) =>
                {
                    wait_to_retry(&ctx, policy, &kind, &message, retry_after, attempt, &mut stopping)
                        .await
                        .map_err(|e| (step, e))?;
                    attempt += 1;
                    ctx.checkpoint().await.map_err(|e| (step, e))?;
                }
                Err(e) => return Err((step, e)),
            }
        }
        record(EventKind::StepDone, percent_before(step) + weight(step), format!("{}: done", step.title())).await?;
    }
    Ok(())
}

/// After a transient failure that `attempt` may follow with another: says so on the status page
/// (and in the log), then waits the policy's delay, unless the process is stopping.
async fn wait_to_retry(
    ctx: &StepContext,
    policy: &RetryPolicy,
    kind: &str,
    message: &str,
    retry_after: Option<Duration>,
    attempt: u32,
    stopping: &mut std::pin::Pin<&mut (impl std::future::Future<Output = ()> + ?Sized)>,
) -> Result<(), StepError> {
    let delay = policy.delay(attempt, retry_after);
    tracing::warn!(job = %ctx.job.id, step = ctx.step.as_str(), %kind, %message, ?delay, "transient failure; retrying");
    let note = format!(
        "{message} Trying again in {} s (attempt {} of {}).",
        delay.as_secs().max(1),
        attempt + 2,
        policy.attempts_for(kind)
    );
    ctx.record(EventKind::StepProgress, percent_before(ctx.step), &note).await?;
    tokio::select! {
        _ = tokio::time::sleep(delay) => Ok(()),
        _ = stopping.as_mut() => {
            ctx.interrupted.store(true, Ordering::SeqCst);
            Err(StepError::Interrupted)
        }
    }
}

/// Keeps the lease alive at a third of its length; flags the run if it is lost.
async fn renew_while_running(state: AppState, lease: Arc<Mutex<Lease>>, interrupted: Arc<AtomicBool>, lease_ms: i64) {
    let period = Duration::from_millis((lease_ms / 3).max(10) as u64);
    loop {
        tokio::time::sleep(period).await;
        let mut held = lease.lock().await;
        match store::renew(&state.db, &mut held, lease_ms).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(job = %held.job.id, "lease lost; stopping this run");
                interrupted.store(true, Ordering::SeqCst);
                return;
            }
            Err(e) => tracing::warn!(job = %held.job.id, error = %e, "could not renew the lease; will try again"),
        }
    }
}
