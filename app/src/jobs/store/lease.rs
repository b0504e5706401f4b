//! The queue and its leases. A worker that claims a job gets a [`ClaimedJob`]: the only value
//! that may renew the lease, record progress, set the job's results, finish it or release it.
//! Every one of those writes is guarded by the same condition (written once, in [`held!`]): the
//! row is still running under this claim's owner token. Each claim makes its own token, so two
//! worker slots of one process can never both hold a job: after a re-claim the older value's
//! writes fail with [`LeaseError::Lost`].

use super::{commit_with_event, job_from_row, COLUMNS};
use crate::{
    backend::{db::Engine, now_ms, random_hex, state::AppState},
    error::AppError,
    jobs::{EventKind, Job, JobEvent, JobFailure, JobStatus, Step, VideoInfo},
};
use sqlx::Row;

/// `UPDATE jobs SET <set> WHERE <the lease guard> [<tail>]`; `$1` is the job id, `$2` the
/// claim's owner token, further parameters start at `$3`.
macro_rules! held {
    ($set:literal) => {
        concat!("UPDATE jobs SET ", $set, " WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
    };
    ($set:literal, $tail:literal) => {
        concat!("UPDATE jobs SET ", $set, " WHERE id = $1 AND lease_owner = $2 AND status = 'running' ", $tail)
    };
}

/// Why a write under a lease did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// The lease ran out and another claim holds the job now, or the job was deleted: this run
    /// must stop writing.
    #[error("this worker no longer holds the job")]
    Lost,
    /// The database did not answer; the lease may still be held, so the write can be retried.
    #[error("the database failed: {0}")]
    Database(#[from] AppError),
}

impl From<sqlx::Error> for LeaseError {
    fn from(e: sqlx::Error) -> Self {
        LeaseError::Database(e.into())
    }
}

/// How a run ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Succeeded,
    Failed(JobFailure),
    Cancelled,
}

/// A job a worker holds, until `expires_at_ms` unless renewed.
pub struct ClaimedJob {
    state: AppState,
    job: Job,
    /// `lease_owner` in the row: the worker's id and this claim's own random token.
    owner: String,
    expires_at_ms: i64,
}

/// Atomically takes the oldest queued job, one whose wait for provider quota is over, or a
/// running one whose lease ran out, for `worker`
/// (a name for people reading the table) for `lease_ms` milliseconds.
/// On PostgreSQL concurrent workers skip each other's locked rows; on SQLite the claim runs in
/// an IMMEDIATE transaction, which takes the write lock before reading.
pub async fn claim(state: &AppState, worker: &str, lease_ms: i64) -> Result<Option<ClaimedJob>, AppError> {
    let db = &state.db;
    let now = now_ms();
    let expires = now + lease_ms;
    let mut tx = match db.engine() {
        Engine::Sqlite => db.pool().begin_with("BEGIN IMMEDIATE").await?,
        Engine::Postgres => db.pool().begin().await?,
    };
    let lock = if db.engine() == Engine::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let candidate = sqlx::query(&format!(
        "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'quota' AND resume_at <= $1) \
         OR (status = 'running' AND lease_expires_at < $1) \
         ORDER BY created_at, id LIMIT 1 {lock}"
    ))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(candidate) = candidate else {
        tx.commit().await?;
        return Ok(None);
    };
    let id: String = candidate.try_get("id")?;
    let owner = format!("{worker}/{}", random_hex(6));
    let row = sqlx::query(&format!(
        "UPDATE jobs SET status = 'running', lease_owner = $2, lease_expires_at = $3, attempts = attempts + 1, resume_at = NULL, \
         started_at = COALESCE(started_at, $4), updated_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(&owner)
    .bind(expires)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(ClaimedJob { state: state.clone(), job: job_from_row(&row)?, owner, expires_at_ms: expires }))
}

/// Whether any job is running under a lease that has not run out, in any process: the sample
/// video waits while one does, so that it never takes the machine from a real job.
pub async fn any_running(state: &AppState) -> Result<bool, AppError> {
    let row = sqlx::query("SELECT id FROM jobs WHERE status = 'running' AND lease_expires_at >= $1 LIMIT 1")
        .bind(now_ms())
        .fetch_optional(state.db.pool())
        .await?;
    Ok(row.is_some())
}

/// Who holds job `id` right now: its `lease_owner` while it is running under a lease that has
/// not run out, else `None` (queued, finished, deleted, or its worker is gone).
pub async fn live_lease_owner(state: &AppState, id: &str) -> Result<Option<String>, AppError> {
    let owner: Option<Option<String>> = sqlx::query_scalar(
        "SELECT lease_owner FROM jobs WHERE id = $1 AND status = 'running' AND lease_expires_at >= $2",
    )
    .bind(id)
    .bind(now_ms())
    .fetch_optional(state.db.pool())
    .await?;
    Ok(owner.flatten())
}

impl ClaimedJob {
    /// The job as it was when claimed.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// The row's `lease_owner` for this claim (worker id and claim token).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// When the lease runs out unless renewed, in Unix milliseconds.
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }

    /// A guarded statement with the guard's two parameters bound.
    fn guarded(&self, sql: &'static str) -> sqlx::query::Query<'static, sqlx::Any, sqlx::any::AnyArguments<'static>> {
        sqlx::query(sql).bind(self.job.id.clone()).bind(self.owner.clone())
    }

    /// Extends the lease by `lease_ms` from now.
    pub async fn renew(&mut self, lease_ms: i64) -> Result<(), LeaseError> {
        let expires = now_ms() + lease_ms;
        let result = self.guarded(held!("lease_expires_at = $3")).bind(expires).execute(self.state.db.pool()).await?;
        still_held(result.rows_affected())?;
        self.expires_at_ms = expires;
        Ok(())
    }

    /// Records progress: moves the job's step and percent (0–100) and appends the event, in one
    /// transaction, then publishes it.
    pub async fn record(
        &self,
        kind: EventKind,
        step: Option<Step>,
        percent: i64,
        message: &str,
    ) -> Result<JobEvent, LeaseError> {
        debug_assert!(!kind.is_terminal(), "use finish() for the last event");
        let percent = percent.clamp(0, 100);
        let mut tx = self.state.db.pool().begin().await?;
        let result = self
            .guarded(held!("step = COALESCE($3, step), percent = $4, updated_at = $5"))
            .bind(step.map(Step::as_str))
            .bind(percent)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        still_held(result.rows_affected())?;
        Ok(commit_with_event(&self.state, tx, &self.job.id, (kind, step, percent, message)).await?)
    }

    /// Notes the paper's title (the gallery and the download name use it); at most 500 characters.
    pub async fn set_title(&self, title: &str) -> Result<(), LeaseError> {
        let title: String = title.chars().take(500).collect();
        let result = self.guarded(held!("title = $3")).bind(title).execute(self.state.db.pool()).await?;
        still_held(result.rows_affected())
    }

    /// Notes what the finished video is, before the run's terminal event.
    pub async fn set_video(&self, video: &VideoInfo) -> Result<(), LeaseError> {
        let result = self
            .guarded(held!("video_ms = $3, scenes = $4, providers = $5, cost_credits = $6"))
            .bind(video.duration_ms)
            .bind(video.scenes)
            .bind(video.providers.clone())
            .bind(video.cost_credits)
            .execute(self.state.db.pool())
            .await?;
        still_held(result.rows_affected())
    }

    /// Ends the run: final status, lease released, the terminal event appended. A success is
    /// 100 %; otherwise the job keeps the percent it reached.
    pub async fn finish(&self, outcome: Outcome) -> Result<JobEvent, LeaseError> {
        let now = now_ms();
        let (status, kind, failure) = match &outcome {
            Outcome::Succeeded => (JobStatus::Succeeded, EventKind::Succeeded, None),
            Outcome::Failed(failure) => (JobStatus::Failed, EventKind::Failed, Some(failure)),
            Outcome::Cancelled => (JobStatus::Cancelled, EventKind::Cancelled, None),
        };
        let mut tx = self.state.db.pool().begin().await?;
        let held = self
            .guarded(held!(
                "status = $3, percent = COALESCE($4, percent), error_step = $5, error_kind = $6, error_message = $7, \
                 finished_at = $8, updated_at = $8, lease_owner = NULL, lease_expires_at = NULL",
                "RETURNING step, percent"
            ))
            .bind(status.as_str())
            .bind((status == JobStatus::Succeeded).then_some(100i64))
            .bind(failure.and_then(|f| f.step).map(Step::as_str))
            .bind(failure.map(|f| f.kind.clone()))
            .bind(failure.map(|f| f.message.clone()))
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(LeaseError::Lost)?;
        let message = match &outcome {
            Outcome::Succeeded => "Your video is ready".to_owned(),
            Outcome::Failed(f) => f.message.clone(),
            Outcome::Cancelled => "Cancelled".to_owned(),
        };
        let current_step: Option<String> = held.try_get("step")?;
        let step = failure.and_then(|f| f.step).or_else(|| current_step.as_deref().and_then(Step::parse));
        let percent: i64 = held.try_get("percent")?;
        Ok(commit_with_event(&self.state, tx, &self.job.id, (kind, step, percent, &message)).await?)
    }

    /// Ends the run after the script of a job that asked for a review: it waits ("review") with
    /// no lease until its owner lets it go on (`store::continue_after_review`) or cancels it.
    pub async fn hold_for_review(&self) -> Result<JobEvent, LeaseError> {
        let mut tx = self.state.db.pool().begin().await?;
        let held = self
            .guarded(held!(
                "status = 'review', updated_at = $3, lease_owner = NULL, lease_expires_at = NULL",
                "RETURNING percent"
            ))
            .bind(now_ms())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(LeaseError::Lost)?;
        let percent: i64 = held.try_get("percent")?;
        let message = "The script is ready for your review";
        let event = (EventKind::Review, Some(Step::GenerateScript), percent, message);
        Ok(commit_with_event(&self.state, tx, &self.job.id, event).await?)
    }

    /// Ends the run because a paid provider's daily budget is spent: the job waits ("quota")
    /// with no lease until `resume_at_ms`, when a worker takes it again and it resumes at the
    /// step it stopped in. `message` says which budget and when it renews.
    pub async fn wait_for_quota(&self, step: Step, resume_at_ms: i64, message: &str) -> Result<JobEvent, LeaseError> {
        let mut tx = self.state.db.pool().begin().await?;
        let held = self
            .guarded(held!(
                "status = 'quota', resume_at = $4, step = $5, updated_at = $3, lease_owner = NULL, lease_expires_at = NULL",
                "RETURNING percent"
            ))
            .bind(now_ms())
            .bind(resume_at_ms)
            .bind(step.as_str())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(LeaseError::Lost)?;
        let percent: i64 = held.try_get("percent")?;
        let event = (EventKind::QuotaWait, Some(step), percent, message);
        Ok(commit_with_event(&self.state, tx, &self.job.id, event).await?)
    }

    /// Hands the job back to the queue (the worker is shutting down), keeping its finished
    /// steps. `Lost` when another claim holds it already.
    pub async fn release(&self) -> Result<(), LeaseError> {
        let result = self
            .guarded(held!("status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = $3"))
            .bind(now_ms())
            .execute(self.state.db.pool())
            .await?;
        still_held(result.rows_affected())
    }
}

impl std::fmt::Debug for ClaimedJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClaimedJob").field("job", &self.job.id).field("owner", &self.owner).finish_non_exhaustive()
    }
}

/// A guarded write that changed no row means the lease is gone.
fn still_held(rows: u64) -> Result<(), LeaseError> {
    if rows == 0 {
        tracing::warn!("a worker lost its lease on a job; another worker has it now");
        Err(LeaseError::Lost)
    } else {
        Ok(())
    }
}
