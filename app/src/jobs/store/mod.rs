//! The `jobs` table: submitting, reading with an ownership check, cancelling, retrying and
//! listing a person's jobs. Every change appends its event in the same transaction. By concern:
//! `lease` (the queue: claims and everything a worker writes under one), `deletion` (deleting a
//! job and, durably, its files), `listing` (the admin's list of every job). The event log itself
//! is `super::events`.

pub mod deletion;
pub mod lease;
pub mod listing;

pub use deletion::{
    delete, delete_files_if_deleted, keep_deleting_files, missing, pending_file_deletions, retry_file_deletions,
};
pub use lease::{any_running, claim, live_lease_owner, ClaimedJob, LeaseError, Outcome};
pub use listing::{census, list_all, step_times, Census};

use super::{events, EventKind, Job, JobFailure, JobOptions, JobStatus, PaperSource, Step};
use crate::{
    accounts::User,
    backend::{db::Db, now_ms, state::AppState},
    error::AppError,
};
use sqlx::{any::AnyRow, Row};

pub(super) const COLUMNS: &str =
    "id, user_id, source_kind, source_ref, source_name, options, status, step, percent, attempts, \
                       error_step, error_kind, error_message, created_at, started_at, finished_at, \
                       title, video_ms, scenes, providers, cost_credits, reviewed_at, resume_at";

pub(super) fn job_from_row(row: &AnyRow) -> Result<Job, AppError> {
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
        // Lenient: options a later version no longer knows fall back to the defaults.
        options: serde_json::from_str(&row.try_get::<String, _>("options")?).unwrap_or_default(),
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
        reviewed_at_ms: row.try_get("reviewed_at")?,
        resume_at_ms: row.try_get("resume_at")?,
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
pub async fn submit(state: &AppState, user: &User, source: PaperSource, options: JobOptions) -> Result<Job, AppError> {
    submit_as(state, user, &new_id(), source, options).await
}

/// A new job's id. Time-ordered (v7, monotonic within the process): jobs submitted in the same
/// millisecond still list in the order they were submitted.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Queues a job under an id chosen beforehand (an upload stores its file under the id first, so
/// no worker ever sees a job without its file).
pub async fn submit_as(
    state: &AppState,
    user: &User,
    id: &str,
    source: PaperSource,
    options: JobOptions,
) -> Result<Job, AppError> {
    check_submission_limit(state, user).await?;
    let id = id.to_owned();
    let now = now_ms();
    let (kind, reference, name) = source_columns(&source);
    let mut tx = state.db.pool().begin().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO jobs (id, user_id, source_kind, source_ref, source_name, options, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $7, 'queued', $6, $6) RETURNING {COLUMNS}"
    ))
    .bind(&id)
    .bind(&user.id)
    .bind(kind)
    .bind(&reference)
    .bind(name)
    .bind(now)
    .bind(serde_json::to_string(&options).map_err(|_| AppError::Internal)?)
    .fetch_one(&mut *tx)
    .await?;
    let job = job_from_row(&row)?;
    // "Let me review the script first" is remembered for the person's next submission.
    if options.review != user.review_first {
        sqlx::query("UPDATE users SET review_first = $2 WHERE id = $1")
            .bind(&user.id)
            .bind(i64::from(options.review))
            .execute(&mut *tx)
            .await?;
    }
    if !user.is_admin() {
        // Counted with the job, in its transaction; this person's rows older than the window go.
        sqlx::query("DELETE FROM submissions WHERE user_id = $1 AND at <= $2")
            .bind(&user.id)
            .bind(now - SUBMISSION_WINDOW_MS)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO submissions (user_id, at) VALUES ($1, $2)")
            .bind(&user.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    commit_with_event(state, tx, &id, (EventKind::Queued, None, 0, &format!("Queued {}", source.label()))).await?;
    Ok(job)
}

/// The window of `HH_SUBMISSIONS_PER_HOUR`, in milliseconds.
const SUBMISSION_WINDOW_MS: i64 = 3_600_000;

/// Refuses a person who has submitted their hourly share already (429 with Retry-After: when
/// the oldest submission of the window leaves it). Counted in the database (`submissions`), so
/// every process and a restart agree, and deleting a job does not give its submission back.
/// Checked before an upload streams in, too, so a refused file is not transferred for nothing.
/// Admins are not limited.
pub async fn check_submission_limit(state: &AppState, user: &User) -> Result<(), AppError> {
    if user.is_admin() {
        return Ok(());
    }
    let now = now_ms();
    let row = sqlx::query("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM submissions WHERE user_id = $1 AND at > $2")
        .bind(&user.id)
        .bind(now - SUBMISSION_WINDOW_MS)
        .fetch_one(state.db.pool())
        .await?;
    let n: i64 = row.try_get("n")?;
    if n < state.config.submissions_per_hour as i64 {
        return Ok(());
    }
    let oldest: Option<i64> = row.try_get("oldest")?;
    let wait_ms = oldest.map_or(SUBMISSION_WINDOW_MS, |t| t + SUBMISSION_WINDOW_MS - now);
    Err(AppError::RateLimited { retry_after_secs: (wait_ms.max(0) as u64).div_ceil(1000).max(1) })
}

/// A job change's event as it is written: (kind, step, overall percent, message).
type EventParts<'a> = (EventKind, Option<Step>, i64, &'a str);

/// Appends the change's event in `tx`, commits, then publishes the event: the one way a change
/// of a job becomes visible, so the row, the log and the live bus never disagree.
pub(super) async fn commit_with_event(
    state: &AppState,
    mut tx: sqlx::Transaction<'static, sqlx::Any>,
    job_id: &str,
    (kind, step, percent, message): EventParts<'_>,
) -> Result<super::JobEvent, AppError> {
    let event = events::append(&mut tx, state.db.engine(), job_id, kind, step, percent, message).await?;
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

/// The ids of every job `owner_id` has (for a live stream that must recognise a deleted one).
pub async fn ids_of(db: &Db, owner_id: &str) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar("SELECT id FROM jobs WHERE user_id = $1").bind(owner_id).fetch_all(db.pool()).await?)
}

/// The job if `user` may see it: its owner, or an admin. Anyone else gets the same 404 as for a
/// job that does not exist, so ids reveal nothing.
pub async fn get_for(db: &Db, user: &User, id: &str) -> Result<Job, AppError> {
    visible(get(db, id).await?, &user.id, user.role)
}

/// [`get_for`] for whoever holds the session `token`, in one query instead of two (the session,
/// then the job): the status that clients poll (`GET /api/jobs/{id}`). No unexpired session of an
/// enabled account is `Unauthenticated` (401); the rest is `get_for`'s answer.
pub async fn get_for_session(db: &Db, token: &str, id: &str) -> Result<Job, AppError> {
    use crate::accounts::session::{token_hash, HOLDS_TOKEN};
    // Built once: this is the polled route.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let columns = COLUMNS.split(',').map(|column| format!("jobs.{}", column.trim())).collect::<Vec<_>>();
        format!(
            "SELECT {}, u.id AS asker_id, u.role AS asker_role FROM sessions t JOIN users u ON u.id = t.user_id \
             LEFT JOIN jobs ON jobs.id = $3 WHERE {HOLDS_TOKEN}",
            columns.join(", ")
        )
    });
    let row = sqlx::query(SQL.as_str())
        .bind(token_hash(token))
        .bind(crate::backend::now())
        .bind(id)
        .fetch_optional(db.pool())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let asker: String = row.try_get("asker_id")?;
    let role = crate::accounts::Role::parse(&row.try_get::<String, _>("asker_role")?).ok_or(AppError::Internal)?;
    let job = match row.try_get::<Option<String>, _>("id")? {
        Some(_) => Some(job_from_row(&row)?),
        None => None,
    };
    visible(job, &asker, role)
}

/// Who may see a job: its owner, or an admin; to anyone else it does not exist.
fn visible(job: Option<Job>, asker: &str, role: crate::accounts::Role) -> Result<Job, AppError> {
    match job {
        Some(job) if job.owner_id == asker || role == crate::accounts::Role::Admin => Ok(job),
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
        JobStatus::Review | JobStatus::Quota => {
            // Waiting with no lease: cancelled at once, if it is still waiting the same way.
            let (sql, message) = if job.status == JobStatus::Review {
                (
                    "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 WHERE id = $1 AND status = 'review'",
                    "Cancelled during the script's review",
                )
            } else {
                (
                    "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2, resume_at = NULL \
                     WHERE id = $1 AND status = 'quota'",
                    "Cancelled while waiting for provider quota",
                )
            };
            let cancelled = transition(state, id, sql, (EventKind::Cancelled, job.step, job.percent, message)).await?;
            if !cancelled {
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
            JobStatus::Review => "This job waits for your review of its script.".into(),
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

/// Lets a job whose script its owner reviewed go on to the voice and the scenes: queued again,
/// `reviewed_at` set, so the next run does not stop after the script. `Conflict` unless the job
/// is waiting for its review.
pub async fn continue_after_review(state: &AppState, user: &User, id: &str) -> Result<Job, AppError> {
    let job = get_for(&state.db, user, id).await?;
    if job.status != JobStatus::Review {
        return Err(AppError::Conflict(match job.status {
            JobStatus::Succeeded => "This video is made already.".into(),
            JobStatus::Queued | JobStatus::Running => "This job is on its way already.".into(),
            status => format!("This job has {}; retry it to go on.", past_tense(status)),
        }));
    }
    let queued = transition(
        state,
        id,
        "UPDATE jobs SET status = 'queued', reviewed_at = $2, updated_at = $2 WHERE id = $1 AND status = 'review'",
        (EventKind::Queued, job.step, job.percent, "Making the video from your script"),
    )
    .await?;
    if !queued {
        return Err(AppError::Conflict("This job changed meanwhile; reload to see where it is.".into()));
    }
    get_for(&state.db, user, id).await
}

/// Queues a finished job again to remake part of its video (a scene whose script changed): the
/// run redoes only what its content fingerprints say changed. `Conflict` unless it succeeded.
pub async fn requeue_for_remake(state: &AppState, user: &User, id: &str, message: &str) -> Result<Job, AppError> {
    let job = get_for(&state.db, user, id).await?;
    let queued = transition(
        state,
        id,
        "UPDATE jobs SET status = 'queued', cancel_requested = 0, finished_at = NULL, lease_owner = NULL, \
         lease_expires_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'succeeded'",
        (EventKind::Queued, job.step, job.percent, message),
    )
    .await?;
    if !queued {
        return Err(AppError::Conflict("A scene can be remade once the video is made.".into()));
    }
    get_for(&state.db, user, id).await
}

/// Notes that an earlier version's files are the job's video again: succeeded, with that
/// version's length and scenes, and says so in its log.
pub async fn mark_restored(
    state: &AppState,
    job: &Job,
    duration_ms: Option<i64>,
    scenes: Option<i64>,
    message: &str,
) -> Result<(), AppError> {
    let update = format!(
        "UPDATE jobs SET status = 'succeeded', percent = 100, error_step = NULL, error_kind = NULL, error_message = NULL, \
         cancel_requested = 0, finished_at = $2, updated_at = $2, video_ms = COALESCE({}, video_ms), \
         scenes = COALESCE({}, scenes) WHERE id = $1 AND status IN ('succeeded', 'failed', 'cancelled')",
        duration_ms.map_or("NULL".into(), |d| d.to_string()),
        scenes.map_or("NULL".into(), |s| s.to_string()),
    );
    if !transition(state, &job.id, &update, (EventKind::Succeeded, Some(Step::AddCaptions), 100, message)).await? {
        return Err(AppError::Conflict("This job changed meanwhile; reload to see where it is.".into()));
    }
    Ok(())
}

/// Notes that the owner worked on the script of a job in review: the time a review may wait
/// (`expire_reviews`) counts from the last change.
pub async fn touch_review(db: &Db, id: &str) -> Result<bool, AppError> {
    let changed = sqlx::query("UPDATE jobs SET updated_at = $2 WHERE id = $1 AND status = 'review'")
        .bind(id)
        .bind(now_ms())
        .execute(db.pool())
        .await?
        .rows_affected();
    Ok(changed > 0)
}

/// Cancels every job whose script has waited for its review, untouched, for `after_ms`, with a
/// note saying so (its files stay: a retry resumes at the review). Returns how many.
pub async fn expire_reviews(state: &AppState, after_ms: i64) -> Result<usize, AppError> {
    let cutoff = now_ms() - after_ms;
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM jobs WHERE status = 'review' AND updated_at < $1")
        .bind(cutoff)
        .fetch_all(state.db.pool())
        .await?;
    let days = (after_ms / 86_400_000).max(1);
    let note = format!(
        "Cancelled: the script waited for your review for {days} day{}. Retry to review it again.",
        if days == 1 { "" } else { "s" }
    );
    let mut cancelled = 0;
    for id in ids {
        let job = get(&state.db, &id).await?;
        let Some(job) = job else { continue };
        // The guard repeats the premise: a review continued or touched meanwhile is left alone.
        let update = format!(
            "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'review' AND updated_at < {cutoff}"
        );
        if transition(state, &id, &update, (EventKind::Cancelled, job.step, job.percent, &note)).await? {
            cancelled += 1;
        }
    }
    Ok(cancelled)
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
        JobStatus::Queued | JobStatus::Running | JobStatus::Review | JobStatus::Quota => "started",
    }
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

/// Whether someone asked the job to stop (or deleted it); workers check between and inside steps.
pub async fn cancel_requested(db: &Db, job_id: &str) -> Result<bool, AppError> {
    let row =
        sqlx::query("SELECT cancel_requested FROM jobs WHERE id = $1").bind(job_id).fetch_optional(db.pool()).await?;
    Ok(match row {
        Some(row) => row.try_get::<i64, _>("cancel_requested")? != 0,
        None => true, // deleted: certainly stop
    })
}
