//! The `jobs` table: submitting, reading with an ownership check, cancelling, retrying, and the
//! workers' atomic claim with a lease. Every change appends its event in the same transaction.

use super::{events, EventKind, Job, JobFailure, JobStatus, PaperSource, Step};
use crate::{
    accounts::User,
    backend::{
        db::{Db, Engine},
        now_ms,
        state::AppState,
    },
    error::AppError,
};
use sqlx::{any::AnyRow, Row};

const COLUMNS: &str = "id, user_id, source_kind, source_ref, source_name, status, step, percent, attempts, \
                       error_step, error_kind, error_message, created_at, started_at, finished_at, \
                       title, video_ms, scenes, providers, cost_credits";

fn job_from_row(row: &AnyRow) -> Result<Job, AppError> {
    let kind: String = row.try_get("source_kind")?;
    let reference: String = row.try_get("source_ref")?;
    let source = match kind.as_str() {
        "pmcid" => PaperSource::Pmcid { id: reference },
        "pmid" => PaperSource::Pmid { id: reference },
        "doi" => PaperSource::Doi { id: reference },
        "upload" => PaperSource::Upload {
            key: reference,
            name: row.try_get::<Option<String>, _>("source_name")?.unwrap_or_else(|| "uploaded file".into()),
        },
        _ => return Err(AppError::Internal),
    };
    let status: String = row.try_get("status")?;
    let step: Option<String> = row.try_get("step")?;
    let error_kind: Option<String> = row.try_get("error_kind")?;
    let failure = match error_kind {
        Some(kind) => Some(JobFailure {
            step: row.try_get::<Option<String>, _>("error_step")?.as_deref().and_then(Step::parse),
            kind,
            message: row.try_get::<Option<String>, _>("error_message")?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(Job {
        id: row.try_get("id")?,
        owner_id: row.try_get("user_id")?,
        source,
        status: JobStatus::parse(&status).ok_or(AppError::Internal)?,
        step: step.as_deref().and_then(Step::parse),
        percent: row.try_get("percent")?,
        attempts: row.try_get("attempts")?,
        failure,
        created_at_ms: row.try_get("created_at")?,
        started_at_ms: row.try_get("started_at")?,
        finished_at_ms: row.try_get("finished_at")?,
        title: row.try_get("title")?,
        video: match row.try_get::<Option<i64>, _>("video_ms")? {
            Some(duration_ms) => Some(super::VideoInfo {
                duration_ms,
                scenes: row.try_get::<Option<i64>, _>("scenes")?.unwrap_or_default(),
                providers: row.try_get::<Option<String>, _>("providers")?.unwrap_or_default(),
                cost_credits: row.try_get("cost_credits")?,
            }),
            None => None,
        },
    })
}

fn source_columns(source: &PaperSource) -> (&'static str, String, Option<String>) {
    match source {
        PaperSource::Pmcid { id } | PaperSource::Pmid { id } | PaperSource::Doi { id } => {
            (source.kind(), id.clone(), None)
        }
        PaperSource::Upload { key, name } => (source.kind(), key.clone(), Some(name.clone())),
    }
}

/// Queues a new job for `user`.
pub async fn submit(state: &AppState, user: &User, source: PaperSource) -> Result<Job, AppError> {
    submit_as(state, user, &new_id(), source).await
}

/// A new job's id. Time-ordered (v7, monotonic within the process): jobs submitted in the same
/// millisecond still list in the order they were submitted.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Queues a job under an id chosen beforehand (an upload stores its file under the id first, so
/// no worker ever sees a job without its file).
pub async fn submit_as(state: &AppState, user: &User, id: &str, source: PaperSource) -> Result<Job, AppError> {
    check_submission_limit(state, user)?;
    let id = id.to_owned();
    let now = now_ms();
    let (kind, reference, name) = source_columns(&source);
    let mut tx = state.db.pool().begin().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO jobs (id, user_id, source_kind, source_ref, source_name, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $6) RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(&user.id)
    .bind(kind)
    .bind(&reference)
    .bind(name)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    let job = job_from_row(&row)?;
    commit_with_event(state, tx, &id, (EventKind::Queued, None, 0, &format!("Queued {}", source.label()))).await?;
    if !user.is_admin() {
        state.submit_limiter.record_failure(&user.id);
    }
    Ok(job)
}

/// Refuses a person who has submitted their hourly share already (429 with Retry-After).
/// Checked before an upload streams in, too, so a refused file is not transferred for nothing.
pub fn check_submission_limit(state: &AppState, user: &User) -> Result<(), AppError> {
    if user.is_admin() {
        return Ok(());
    }
    state.submit_limiter.check(&user.id)
}

/// A job change's event as it is written: (kind, step, overall percent, message).
type EventParts<'a> = (EventKind, Option<Step>, i64, &'a str);

/// Appends the change's event in `tx`, commits, then publishes the event: the one way a change
/// of a job becomes visible, so the row, the log and the live bus never disagree.
async fn commit_with_event(
    state: &AppState,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    job_id: &str,
    (kind, step, percent, message): EventParts<'_>,
) -> Result<super::JobEvent, AppError> {
    let event = events::append(&mut *tx, state.db.engine(), job_id, kind, step, percent, message).await?;
    tx.commit().await?;
    state.events.publish(event.clone());
    Ok(event)
}

/// Any job by id, with no ownership check: for workers and for callers that checked already.
pub async fn get(db: &Db, id: &str) -> Result<Option<Job>, AppError> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")).bind(id).fetch_optional(db.pool()).await?;
    row.as_ref().map(job_from_row).transpose()
}

/// The job if `user` may see it: its owner, or an admin. Anyone else gets the same 404 as for a
/// job that does not exist, so ids reveal nothing.
pub async fn get_for(db: &Db, user: &User, id: &str) -> Result<Job, AppError> {
    match get(db, id).await? {
        Some(job) if job.owner_id == user.id || user.is_admin() => Ok(job),
        _ => Err(AppError::NotFound("Job".into())),
    }
}

/// Cancels a queued job at once; a running one is asked to stop and its worker ends it.
pub async fn cancel(state: &AppState, user: &User, id: &str) -> Result<Job, AppError> {
    let job = get_for(&state.db, user, id).await?;
    match job.status {
        JobStatus::Queued => {
            let cancelled = transition(
                state,
                id,
                "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2, lease_owner = NULL, lease_expires_at = NULL \
                 WHERE id = $1 AND status = 'queued'",
                (EventKind::Cancelled, job.step, job.percent, "Cancelled before it started"),
            )
            .await?;
            if !cancelled {
                // A worker claimed it in the meantime: ask that worker instead.
                return Box::pin(cancel(state, user, id)).await;
            }
        }
        JobStatus::Running => {
            sqlx::query("UPDATE jobs SET cancel_requested = 1, updated_at = $2 WHERE id = $1 AND status = 'running'")
                .bind(id)
                .bind(now_ms())
                .execute(state.db.pool())
                .await?;
        }
        status => {
            return Err(AppError::Conflict(format!(
                "This job has already {}; there is nothing to cancel.",
                past_tense(status)
            )))
        }
    }
    get_for(&state.db, user, id).await
}

/// Queues a failed or cancelled job again. Finished steps are kept, so it resumes where it stopped.
pub async fn retry(state: &AppState, user: &User, id: &str) -> Result<Job, AppError> {
    let job = get_for(&state.db, user, id).await?;
    if !matches!(job.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Err(AppError::Conflict(match job.status {
            JobStatus::Succeeded => "This job has already succeeded; its video is ready.".into(),
            _ => "This job is still in progress; retry it if it fails.".into(),
        }));
    }
    let message = match job.failure.as_ref().and_then(|f| f.step) {
        Some(step) => format!("Queued again; resuming at {}", step.title().to_lowercase()),
        None => "Queued again".to_owned(),
    };
    let queued = transition(
        state,
        id,
        "UPDATE jobs SET status = 'queued', cancel_requested = 0, error_step = NULL, error_kind = NULL, error_message = NULL, \
         finished_at = NULL, lease_owner = NULL, lease_expires_at = NULL, updated_at = $2 \
         WHERE id = $1 AND status IN ('failed', 'cancelled')",
        (EventKind::Queued, job.step, job.percent, &message),
    )
    .await?;
    if !queued {
        return Err(AppError::Conflict("This job changed meanwhile; reload to see where it is.".into()));
    }
    get_for(&state.db, user, id).await
}

/// Applies a guarded status change (`update` binds `$1` = job id, `$2` = now) and, if it
/// matched, appends its event in the same transaction. `false` when the job was no longer in
/// the state the guard expects (someone else changed it first).
async fn transition(state: &AppState, id: &str, update: &str, event: EventParts<'_>) -> Result<bool, AppError> {
    let mut tx = state.db.pool().begin().await?;
    let changed = sqlx::query(update).bind(id).bind(now_ms()).execute(&mut *tx).await?.rows_affected();
    if changed == 0 {
        tx.rollback().await?;
        return Ok(false);
    }
    commit_with_event(state, tx, id, event).await?;
    Ok(true)
}

fn past_tense(status: JobStatus) -> &'static str {
    match status {
        JobStatus::Succeeded => "succeeded",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "been cancelled",
        JobStatus::Queued | JobStatus::Running => "started",
    }
}

/// A worker's hold on a job: valid until `expires_at_ms` unless renewed.
#[derive(Clone, Debug)]
pub struct Lease {
    pub job: Job,
    pub worker: String,
    pub expires_at_ms: i64,
}

/// Atomically takes the oldest queued job, or a running one whose worker's lease ran out.
/// On PostgreSQL concurrent workers skip each other's locked rows; on SQLite the claim runs in
/// an IMMEDIATE transaction, which takes the write lock before reading.
pub async fn claim(db: &Db, worker: &str, lease_ms: i64) -> Result<Option<Lease>, AppError> {
    let now = now_ms();
    let expires = now + lease_ms;
    let mut tx = match db.engine() {
        Engine::Sqlite => db.pool().begin_with("BEGIN IMMEDIATE").await?,
        Engine::Postgres => db.pool().begin().await?,
    };
    let lock = if db.engine() == Engine::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
    let candidate = sqlx::query(&format!(
        "SELECT id FROM jobs WHERE status = 'queued' OR (status = 'running' AND lease_expires_at < $1) \
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
    let row = sqlx::query(&format!(
        "UPDATE jobs SET status = 'running', lease_owner = $2, lease_expires_at = $3, attempts = attempts + 1, \
         started_at = COALESCE(started_at, $4), updated_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(worker)
    .bind(expires)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(Lease { job: job_from_row(&row)?, worker: worker.to_owned(), expires_at_ms: expires }))
}

/// Extends the lease; `false` means the worker lost the job (it expired and someone else took it).
pub async fn renew(db: &Db, lease: &mut Lease, lease_ms: i64) -> Result<bool, AppError> {
    let expires = now_ms() + lease_ms;
    let changed =
        sqlx::query("UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
            .bind(&lease.job.id)
            .bind(&lease.worker)
            .bind(expires)
            .execute(db.pool())
            .await?
            .rows_affected();
    if changed == 1 {
        lease.expires_at_ms = expires;
    }
    Ok(changed == 1)
}

/// Records a worker's progress on a job it holds: moves the job's step and percent and appends
/// the event. Fails with `Conflict` if the lease was lost, so a stale worker stops writing.
pub async fn record(
    state: &AppState,
    lease: &Lease,
    kind: EventKind,
    step: Option<Step>,
    percent: i64,
    message: &str,
) -> Result<super::JobEvent, AppError> {
    debug_assert!(!kind.is_terminal(), "use finish() for the last event");
    let percent = percent.clamp(0, 100);
    let mut tx = state.db.pool().begin().await?;
    let held = sqlx::query(
        "UPDATE jobs SET step = COALESCE($3, step), percent = $4, updated_at = $5 \
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
    )
    .bind(&lease.job.id)
    .bind(&lease.worker)
    .bind(step.map(Step::as_str))
    .bind(percent)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if held == 0 {
        return Err(lost_lease());
    }
    commit_with_event(state, tx, &lease.job.id, (kind, step, percent, message)).await
}

/// Notes the paper's title once the worker has read it (the gallery and download name use it).
pub async fn set_title(db: &Db, lease: &Lease, title: &str) -> Result<(), AppError> {
    let title: String = title.chars().take(500).collect();
    let held = sqlx::query("UPDATE jobs SET title = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
        .bind(&lease.job.id)
        .bind(&lease.worker)
        .bind(title)
        .execute(db.pool())
        .await?
        .rows_affected();
    if held == 0 {
        return Err(lost_lease());
    }
    Ok(())
}

/// Notes what the finished video is, before the run's terminal event.
pub async fn set_video(db: &Db, lease: &Lease, video: &super::VideoInfo) -> Result<(), AppError> {
    let held = sqlx::query(
        "UPDATE jobs SET video_ms = $3, scenes = $4, providers = $5, cost_credits = $6 \
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
    )
    .bind(&lease.job.id)
    .bind(&lease.worker)
    .bind(video.duration_ms)
    .bind(video.scenes)
    .bind(&video.providers)
    .bind(video.cost_credits)
    .execute(db.pool())
    .await?
    .rows_affected();
    if held == 0 {
        return Err(lost_lease());
    }
    Ok(())
}

/// How a run ended.
#[derive(Clone, Debug)]
pub enum Outcome {
    Succeeded,
    Failed(JobFailure),
    Cancelled,
}

/// Ends the run the worker holds: final status, lease released, the terminal event appended.
pub async fn finish(state: &AppState, lease: &Lease, outcome: Outcome) -> Result<super::JobEvent, AppError> {
    let now = now_ms();
    let (status, kind, failure) = match &outcome {
        Outcome::Succeeded => (JobStatus::Succeeded, EventKind::Succeeded, None),
        Outcome::Failed(failure) => (JobStatus::Failed, EventKind::Failed, Some(failure)),
        Outcome::Cancelled => (JobStatus::Cancelled, EventKind::Cancelled, None),
    };
    let mut tx = state.db.pool().begin().await?;
    // A success is 100 %; otherwise the job keeps the percent it reached.
    let held = sqlx::query(
        "UPDATE jobs SET status = $3, percent = COALESCE($4, percent), error_step = $5, error_kind = $6, error_message = $7, \
         finished_at = $8, updated_at = $8, lease_owner = NULL, lease_expires_at = NULL \
         WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING step, percent",
    )
    .bind(&lease.job.id)
    .bind(&lease.worker)
    .bind(status.as_str())
    .bind((status == JobStatus::Succeeded).then_some(100i64))
    .bind(failure.and_then(|f| f.step).map(Step::as_str))
    .bind(failure.map(|f| f.kind.clone()))
    .bind(failure.map(|f| f.message.clone()))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(held) = held else {
        return Err(lost_lease());
    };
    let message = match &outcome {
        Outcome::Succeeded => "Your video is ready".to_owned(),
        Outcome::Failed(f) => f.message.clone(),
        Outcome::Cancelled => "Cancelled".to_owned(),
    };
    let current_step: Option<String> = held.try_get("step")?;
    let step = failure.and_then(|f| f.step).or_else(|| current_step.as_deref().and_then(Step::parse));
    commit_with_event(state, tx, &lease.job.id, (kind, step, held.try_get("percent")?, &message)).await
}

/// Whether someone asked the job to stop; workers check between and inside steps.
pub async fn cancel_requested(db: &Db, job_id: &str) -> Result<bool, AppError> {
    let row =
        sqlx::query("SELECT cancel_requested FROM jobs WHERE id = $1").bind(job_id).fetch_optional(db.pool()).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>("cancel_requested")? != 0,
        None => true, // deleted: certainly stop
    })
}

fn lost_lease() -> AppError {
    tracing::warn!("a worker lost its lease on a job; another worker has it now");
    AppError::Conflict("This worker no longer holds the job.".into())
}

/// Hands a job back to the queue (the worker is shutting down), keeping its finished steps.
/// Does nothing if the lease is no longer this worker's.
pub async fn release(db: &Db, lease: &Lease) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL, updated_at = $3 \
         WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
    )
    .bind(&lease.job.id)
    .bind(&lease.worker)
    .bind(now_ms())
    .execute(db.pool())
    .await?;
    Ok(())
}

/// One page of a user's jobs, newest first, and the cursor of the next page. Keyset pagination
/// on (created_at, id) stays fast however many jobs there are.
pub async fn list_for(
    db: &Db,
    user: &User,
    before: Option<&super::Cursor>,
    limit: i64,
) -> Result<super::JobList, AppError> {
    // The first page starts after a cursor beyond every job.
    let (after_ms, after_id) = before.map_or((i64::MAX, ""), |c| (c.created_at_ms, c.id.as_str()));
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM jobs WHERE user_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3)) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
    ))
    .bind(&user.id)
    .bind(after_ms)
    .bind(after_id)
    .bind(limit + 1)
    .fetch_all(db.pool())
    .await?;
    let mut jobs = rows.iter().map(job_from_row).collect::<Result<Vec<_>, _>>()?;
    let next = if jobs.len() as i64 > limit {
        jobs.truncate(limit as usize);
        jobs.last().map(|j| super::Cursor { created_at_ms: j.created_at_ms, id: j.id.clone() })
    } else {
        None
    };
    Ok(super::JobList { jobs, next })
}

/// Deletes a job, its events and its files (the owner's or, for an admin, anyone's). A worker
/// still running it loses its lease and stops at its next checkpoint.
///
/// The rows go first, in one transaction that also records that the job's files must go, so no
/// row ever points at missing files. The files are then deleted at once; if the store fails,
/// [`keep_deleting_files`] tries again with backoff until it succeeds.
pub async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), AppError> {
    get_for(&state.db, user, id).await?;
    let now = now_ms();
    let mut tx = state.db.pool().begin().await?;
    sqlx::query("DELETE FROM job_events WHERE job_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM jobs WHERE id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO file_deletions (job_id, requested_at, next_try_at) VALUES ($1, $2, $2) ON CONFLICT (job_id) DO NOTHING")
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    delete_files(state, id).await?;
    Ok(())
}

/// One try at deleting a deleted job's files; records the outcome. Ok(false): not yet.
async fn delete_files(state: &AppState, id: &str) -> Result<bool, AppError> {
    let prefix = crate::storage::Key::job_prefix(id).map_err(|_| AppError::Internal)?;
    match state.media.delete_prefix(&prefix).await {
        Ok(()) => {
            sqlx::query("DELETE FROM file_deletions WHERE job_id = $1").bind(id).execute(state.db.pool()).await?;
            Ok(true)
        }
        Err(e) => {
            let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM file_deletions WHERE job_id = $1")
                .bind(id)
                .fetch_optional(state.db.pool())
                .await?
                .unwrap_or(0);
            // 5 s, 10 s, 20 s… up to 10 minutes between tries.
            let wait_ms = (5_000i64 << attempts.min(7)).min(600_000);
            tracing::warn!(job = %id, error = %e, attempts = attempts + 1, wait_ms, "could not delete the job's files yet");
            sqlx::query("UPDATE file_deletions SET attempts = attempts + 1, next_try_at = $2, last_error = $3 WHERE job_id = $1")
                .bind(id)
                .bind(now_ms() + wait_ms)
                .bind(e.to_string())
                .execute(state.db.pool())
                .await?;
            Ok(false)
        }
    }
}

/// Retries the file deletions that are due; returns how many finished.
pub async fn retry_file_deletions(state: &AppState) -> Result<usize, AppError> {
    let due: Vec<String> =
        sqlx::query_scalar("SELECT job_id FROM file_deletions WHERE next_try_at <= $1 ORDER BY next_try_at LIMIT 100")
            .bind(now_ms())
            .fetch_all(state.db.pool())
            .await?;
    let mut done = 0;
    for id in due {
        if delete_files(state, &id).await? {
            done += 1;
        }
    }
    Ok(done)
}

/// How many deleted jobs still have files waiting to be deleted.
pub async fn pending_file_deletions(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM file_deletions").fetch_one(db.pool()).await?)
}

/// Runs in every process until shutdown: finishes file deletions that failed, whichever process
/// took the request.
pub async fn keep_deleting_files(state: AppState, every: std::time::Duration) {
    let stop = state.shutdown.wait();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(every) => {}
        }
        if let Err(e) = retry_file_deletions(&state).await {
            tracing::warn!(error = %e, "retrying file deletions");
        }
    }
}

/// Which of `ids` have no job row: files left by a failed delete, or by a worker that wrote
/// after its job was deleted.
pub async fn missing(db: &Db, ids: &[String]) -> Result<Vec<String>, AppError> {
    let mut orphans = Vec::new();
    for id in ids {
        let found = sqlx::query("SELECT 1 AS one FROM jobs WHERE id = $1").bind(id).fetch_optional(db.pool()).await?;
        if found.is_none() {
            orphans.push(id.clone());
        }
    }
    Ok(orphans)
}

/// How long each step took in the job's latest run of it (started → done), from the event log.
pub async fn step_times(db: &Db, job_id: &str) -> Result<Vec<(Step, i64)>, AppError> {
    let rows = sqlx::query(
        "SELECT kind, step, created_at FROM job_events WHERE job_id = $1 AND kind IN ('step-started', 'step-done') ORDER BY seq",
    )
    .bind(job_id)
    .fetch_all(db.pool())
    .await?;
    let mut started: std::collections::HashMap<Step, i64> = std::collections::HashMap::new();
    let mut times: Vec<(Step, i64)> = Vec::new();
    for row in rows {
        let Some(step) = row.try_get::<Option<String>, _>("step")?.as_deref().and_then(Step::parse) else { continue };
        let at: i64 = row.try_get("created_at")?;
        if row.try_get::<String, _>("kind")? == "step-started" {
            started.insert(step, at);
        } else if let Some(from) = started.remove(&step) {
            times.retain(|(s, _)| *s != step);
            times.push((step, at - from));
        }
    }
    times.sort_by_key(|(s, _)| Step::ALL.iter().position(|x| x == s));
    Ok(times)
}

/// Every job matching the admin's filters, with its owner's email, a page at a time.
pub async fn list_all(
    db: &Db,
    filter: &super::admin::AdminFilter,
    page_size: i64,
) -> Result<super::admin::AdminJobList, AppError> {
    use super::progress::parse_date_ms;
    let invalid_date = |field: &str| AppError::invalid(field, "Use a date such as 2026-11-25.");
    /// A bound value, in the order of its `$n`.
    enum Param {
        Text(String),
        Number(i64),
    }
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let non_empty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(status) = non_empty(&filter.status) {
        if JobStatus::parse(&status).is_none() {
            return Err(AppError::invalid("status", "Choose one of the listed statuses."));
        }
        params.push(Param::Text(status));
        clauses.push(format!("j.status = ${}", params.len()));
    }
    if let Some(user) = non_empty(&filter.user) {
        params.push(Param::Text(format!("%{}%", user.to_lowercase())));
        clauses.push(format!("u.email LIKE ${}", params.len()));
    }
    if let Some(paper) = non_empty(&filter.paper) {
        params.push(Param::Text(format!("%{}%", paper.to_lowercase())));
        clauses.push(format!(
            "(LOWER(j.source_ref) LIKE ${n} OR LOWER(COALESCE(j.source_name, '')) LIKE ${n} OR LOWER(COALESCE(j.title, '')) LIKE ${n})",
            n = params.len()
        ));
    }
    if let Some(from) = non_empty(&filter.from) {
        params.push(Param::Number(parse_date_ms(&from).ok_or_else(|| invalid_date("from"))?));
        clauses.push(format!("j.created_at >= ${}", params.len()));
    }
    if let Some(to) = non_empty(&filter.to) {
        params.push(Param::Number(parse_date_ms(&to).ok_or_else(|| invalid_date("to"))? + 86_400_000));
        clauses.push(format!("j.created_at < ${}", params.len()));
    }
    let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let order = if filter.sort.as_deref() == Some("oldest") { "ASC" } else { "DESC" };
    let page = filter.page.unwrap_or(1).max(1);
    let n = params.len();
    let columns = COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, u.email AS owner_email FROM jobs j JOIN users u ON u.id = j.user_id {where_sql} \
         ORDER BY j.created_at {order}, j.id {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) AS total FROM jobs j JOIN users u ON u.id = j.user_id {where_sql}");
    let mut query = sqlx::query(&sql);
    let mut count = sqlx::query(&count_sql);
    for param in &params {
        match param {
            Param::Text(t) => {
                query = query.bind(t.clone());
                count = count.bind(t.clone());
            }
            Param::Number(v) => {
                query = query.bind(*v);
                count = count.bind(*v);
            }
        }
    }
    let rows = query.bind(page_size + 1).bind((page - 1) * page_size).fetch_all(db.pool()).await?;
    let total: i64 = count.fetch_one(db.pool()).await?.try_get("total")?;
    let mut jobs = rows
        .iter()
        .map(|row| {
            Ok(super::admin::AdminJob {
                job: job_from_row(row)?,
                owner_email: row.try_get("owner_email")?,
                step_ms: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let has_next = jobs.len() as i64 > page_size;
    jobs.truncate(page_size as usize);
    for row in &mut jobs {
        row.step_ms = step_times(db, &row.job.id).await?;
    }
    Ok(super::admin::AdminJobList { jobs, page, has_next, total })
}
