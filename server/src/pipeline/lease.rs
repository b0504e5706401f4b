//! A worker's run of a claimed job: progress goes to the database under the job's lease, the
//! lease is renewed while the steps work, and the run ends by finishing or releasing the job.

use super::{run_steps, scratch, Failure, PipelineErrorKind, PipelineStep, Reporter, RetryPolicy, Run, StepError};
use app::{
    backend::state::AppState,
    jobs::{
        store::{self, ClaimedJob, LeaseError, Outcome},
        EventKind, JobFailure, Step, VideoInfo,
    },
};
use futures::{future::BoxFuture, FutureExt};
use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::{Mutex, Notify};

/// How one run of a job ended, for the worker's log.
#[derive(Debug, PartialEq, Eq)]
pub enum RunEnd {
    Succeeded,
    Failed,
    Cancelled,
    /// Stopped after the script, which waits for its owner's review.
    Review,
    /// A paid provider's daily budget is spent: the job waits for it to renew.
    Quota,
    /// Handed back to the queue (shutdown) or lost to another claim (lease expired).
    Released,
}

/// Runs `claimed`'s job through `steps`, renewing its lease every third of `lease_ms`, with
/// its scratch work in a run folder of its own under `scratch_root` (removed at the end).
/// A run that loses its lease (re-claimed after it ran out, or the job was deleted) stops at
/// once, whatever step it is in; if the job was deleted, its files are deleted here, after the
/// last write. `Err` only when the database failed at the very end (the lease then expires and
/// another worker resumes the job).
pub async fn run_job(
    state: &AppState,
    claimed: ClaimedJob,
    steps: &[Arc<dyn PipelineStep>],
    policy: &RetryPolicy,
    lease_ms: i64,
    scratch_root: &Path,
) -> Result<RunEnd, LeaseError> {
    let job = claimed.job().clone();
    let folder = scratch::run_folder(scratch_root, &job.id, claimed.owner());
    // Earlier runs of this job were killed or lost their lease: their folders are nobody's now.
    scratch::remove_earlier_runs(state, scratch_root, &job.id).await;
    let end = run_in_folder(state, claimed, steps, policy, lease_ms, &folder).await;
    let _ = tokio::fs::remove_dir_all(&folder).await;
    // The one place a running job's deleted files go: only here is it certain that this run
    // writes nothing more (see `store::deletion`). The retry loop is the backstop.
    match store::delete_files_if_deleted(state, &job.id).await {
        Ok(true) => tracing::info!(job = %job.id, "the job was deleted while running; its files are deleted"),
        Ok(false) => {}
        Err(e) => tracing::warn!(job = %job.id, error = %e, "the job was deleted; its files wait for the retry"),
    }
    end
}

async fn run_in_folder(
    state: &AppState,
    claimed: ClaimedJob,
    steps: &[Arc<dyn PipelineStep>],
    policy: &RetryPolicy,
    lease_ms: i64,
    folder: &Path,
) -> Result<RunEnd, LeaseError> {
    let job = claimed.job().clone();
    let reporter = Arc::new(LeaseReporter {
        state: state.clone(),
        claimed: Arc::new(Mutex::new(claimed)),
        lost: Arc::new(AtomicBool::new(false)),
    });
    let lost_now = Arc::new(Notify::new());
    let renewer =
        tokio::spawn(renew_while_running(reporter.claimed.clone(), reporter.lost.clone(), lost_now.clone(), lease_ms));
    let run = Run {
        job_id: job.id.clone(),
        source: job.source.clone(),
        options: job.options,
        media: state.media.clone(),
        reporter: reporter.clone(),
        scratch: folder.to_owned(),
    };
    // Shutdown hands the job back; a lost lease drops the step in hand at once (its files and
    // processes with it) rather than at its next checkpoint.
    let stopping = async {
        tokio::select! {
            _ = state.shutdown.wait() => {}
            _ = lost_now.notified() => {}
        }
    };
    // A job that asked for a review runs up to its script, then waits for its owner.
    let review = job.awaits_review();
    let steps = match steps.iter().position(|s| s.step() == Step::GenerateScript) {
        Some(script) if review => &steps[..=script],
        _ => steps,
    };
    let result = run_steps(&run, steps, policy, stopping).await;
    renewer.abort();
    let claimed = reporter.claimed.lock().await;
    let outcome = match result {
        Ok(()) if review => {
            return match claimed.hold_for_review().await {
                Ok(_) => Ok(RunEnd::Review),
                Err(LeaseError::Lost) => Ok(RunEnd::Released),
                Err(e) => Err(e),
            };
        }
        Ok(()) => Outcome::Succeeded,
        Err((_, StepError::Cancelled)) => Outcome::Cancelled,
        Err((step, StepError::Failed(failure))) if failure.kind.is_quota() => {
            // Not a failure: the job waits, visibly, and resumes at this step when it renews.
            let wait = failure.retry_after_ms.unwrap_or(3_600_000).max(1_000);
            let resume_at = app::backend::now_ms().saturating_add(wait.min(i64::MAX as u64) as i64);
            return match claimed.wait_for_quota(step, resume_at, &failure.message).await {
                Ok(_) => Ok(RunEnd::Quota),
                Err(LeaseError::Lost) => Ok(RunEnd::Released),
                Err(e) => Err(e),
            };
        }
        Err((step, StepError::Failed(Failure { kind, message, .. }))) => {
            Outcome::Failed(JobFailure { step: Some(step), kind: kind.as_str().to_owned(), message })
        }
        Err((_, StepError::Interrupted)) => {
            // Shutdown hands the job back; a lost lease means another claim has it already.
            return match claimed.release().await {
                Ok(()) | Err(LeaseError::Lost) => Ok(RunEnd::Released),
                Err(e) => Err(e),
            };
        }
    };
    let end = match &outcome {
        Outcome::Succeeded => RunEnd::Succeeded,
        Outcome::Failed(_) => RunEnd::Failed,
        Outcome::Cancelled => RunEnd::Cancelled,
    };
    match claimed.finish(outcome).await {
        Ok(_) => Ok(end),
        Err(LeaseError::Lost) => Ok(RunEnd::Released),
        Err(e) => Err(e),
    }
}

/// Progress of a worker's run: every write under the job's lease.
struct LeaseReporter {
    state: AppState,
    claimed: Arc<Mutex<ClaimedJob>>,
    /// Set by the renewer when the lease was lost.
    lost: Arc<AtomicBool>,
}

/// A lost lease stops the run; a database that does not answer is a transient failure, retried.
fn lease_error(e: LeaseError) -> StepError {
    match e {
        LeaseError::Lost => StepError::Interrupted,
        LeaseError::Database(e) => {
            tracing::warn!(error = %e, "database");
            StepError::pipeline(PipelineErrorKind::Database, "The database did not answer.")
        }
    }
}

impl Reporter for LeaseReporter {
    fn record<'a>(
        &'a self,
        kind: EventKind,
        step: Step,
        percent: i64,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StepError>> {
        async move {
            self.claimed.lock().await.record(kind, Some(step), percent, message).await.map(drop).map_err(lease_error)
        }
        .boxed()
    }

    fn set_title<'a>(&'a self, title: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        async move { self.claimed.lock().await.set_title(title).await.map_err(lease_error) }.boxed()
    }

    fn set_video<'a>(&'a self, video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>> {
        async move { self.claimed.lock().await.set_video(video).await.map_err(lease_error) }.boxed()
    }

    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>> {
        async move {
            if self.lost.load(Ordering::SeqCst) {
                return Err(StepError::Interrupted);
            }
            let job_id = self.claimed.lock().await.job().id.clone();
            match store::cancel_requested(&self.state.db, &job_id).await {
                Ok(true) => Err(StepError::Cancelled),
                Ok(false) => Ok(()),
                Err(e) => Err(lease_error(LeaseError::Database(e))),
            }
        }
        .boxed()
    }
}

/// Keeps the lease alive at a third of its length; flags the run and stops it if it is lost.
async fn renew_while_running(
    claimed: Arc<Mutex<ClaimedJob>>,
    lost: Arc<AtomicBool>,
    lost_now: Arc<Notify>,
    lease_ms: i64,
) {
    let period = Duration::from_millis((lease_ms / 3).max(10) as u64);
    loop {
        tokio::time::sleep(period).await;
        let mut held = claimed.lock().await;
        match held.renew(lease_ms).await {
            Ok(()) => {}
            Err(LeaseError::Lost) => {
                tracing::warn!(job = %held.job().id, "lease lost; stopping this run");
                lost.store(true, Ordering::SeqCst);
                lost_now.notify_one();
                return;
            }
            Err(LeaseError::Database(e)) => {
                tracing::warn!(job = %held.job().id, error = %e, "could not renew the lease; will try again")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_lease_interrupts_and_a_database_outage_is_retried() {
        assert_eq!(lease_error(LeaseError::Lost), StepError::Interrupted);
        let StepError::Failed(failure) = lease_error(LeaseError::Database(app::error::AppError::Internal)) else {
            panic!("a database outage is a failure of its own, not an interruption");
        };
        assert!(failure.transient && failure.kind == "database", "{failure:?}");
    }
}
