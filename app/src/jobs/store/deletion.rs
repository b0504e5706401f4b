//! Deleting a job: its rows at once, its files durably. The same transaction that removes the
//! rows records a `file_deletions` row, so the wish to delete survives a store outage and a
//! restart; every process retries due deletions with backoff.
//!
//! A job a worker is running is different: the worker may be writing a clip at this moment, and
//! files deleted before it stops would be written again after the delete. So its files are
//! deleted by the worker itself, once it has let go of the job ([`delete_files_if_deleted`],
//! called at the end of every run): only the worker knows when its last write is done. The
//! `file_deletions` row is due only after the lease would have run out and been renewed once
//! more in vain, so the retry loop is the backstop for a worker that died meanwhile.

use super::get_for;
use crate::{
    accounts::User,
    backend::{db::Db, now_ms, state::AppState},
    error::AppError,
    jobs::{events, EventKind, JobEvent},
};
use sqlx::Row;

/// Deletes a job, its events and its files (the owner's or, for an admin, anyone's).
///
/// The rows go first, in one transaction that also records that the job's files must go, so no
/// row ever points at missing files. A job no worker holds has its files deleted at once; if the
/// store fails, [`keep_deleting_files`] tries again with backoff until it succeeds. A running
/// job's worker finds its row gone at its next checkpoint or lease renewal, stops writing, and
/// then deletes the files itself (see the module's note).
pub async fn delete(state: &AppState, user: &User, id: &str) -> Result<(), AppError> {
    get_for(&state.db, user, id).await?;
    let now = now_ms();
    let mut tx = state.db.pool().begin().await?;
    // The deletion is the job's last event: numbered after the others, sent live, never stored.
    // Read from what is deleted, so that the transaction's first statement writes: on SQLite a
    // transaction that read first cannot take the write lock once another connection has
    // written (SQLITE_BUSY_SNAPSHOT, not retried by the busy timeout).
    let seqs: Vec<i64> = sqlx::query_scalar("DELETE FROM job_events WHERE job_id = $1 RETURNING seq")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    let last_seq = seqs.into_iter().max().unwrap_or(0);
    // What the row was as it went (one statement, so a claim cannot slip in between).
    let deleted = sqlx::query("DELETE FROM jobs WHERE id = $1 RETURNING status, lease_expires_at")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    // Someone else deleted it in the meantime (a double click, the owner and an admin at once):
    // theirs is the deletion that decides when the files go, so this one touches nothing.
    let Some(deleted) = deleted else {
        tx.rollback().await?;
        return Ok(());
    };
    let held_until = if deleted.try_get::<String, _>("status")? == "running" {
        Some(deleted.try_get::<Option<i64>, _>("lease_expires_at")?.unwrap_or(now).max(now))
    } else {
        None
    };
    // Held: not due before the lease has run out plus one more lease, by when a live worker has
    // failed a renewal and stopped.
    let due = held_until.map_or(now, |until| until + state.config.lease.as_millis() as i64);
    sqlx::query("INSERT INTO file_deletions (job_id, requested_at, next_try_at) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING")
        .bind(id)
        .bind(now)
        .bind(due)
        .execute(&mut *tx)
        .await?;
    let gone = JobEvent {
        job_id: id.to_owned(),
        seq: last_seq + 1,
        kind: EventKind::Deleted,
        step: None,
        percent: 0,
        message: "Deleted".to_owned(),
        at_ms: now,
    };
    events::notify(&mut tx, state.db.engine(), &gone).await?;
    tx.commit().await?;
    state.events.publish(gone);
    if held_until.is_none() {
        delete_files(state, id).await?;
    }
    Ok(())
}

/// For a worker whose run of `id` has ended and written its last file: if the job was deleted
/// meanwhile, deletes its files now (a failure is left to the retry loop, with backoff).
/// `Ok(true)` when there was a deletion to finish and it is finished.
pub async fn delete_files_if_deleted(state: &AppState, id: &str) -> Result<bool, AppError> {
    let pending = sqlx::query("SELECT 1 AS one FROM file_deletions WHERE job_id = $1")
        .bind(id)
        .fetch_optional(state.db.pool())
        .await?
        .is_some();
    if !pending || super::get(&state.db, id).await?.is_some() {
        return Ok(false);
    }
    delete_files(state, id).await
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
