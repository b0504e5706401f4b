//! The event log: every change of a job is a row in `job_events` (append-only, numbered per job)
//! and a message on the live bus. SSE streams replay the rows, then follow the bus.

use super::{EventKind, JobEvent, Step};
use crate::{backend::now_ms, error::AppError};
use sqlx::{AnyConnection, Row};
use tokio::sync::broadcast;

/// Live events within this process. Subscribers get every job's events and filter by id;
/// one channel keeps publishing O(1) however many pages are open.
#[derive(Clone)]
pub struct EventBus {
    sender: broadcast::Sender<JobEvent>,
}

impl EventBus {
    pub fn new() -> Self {
        // Big enough that a page rarely lags; one that does re-reads the database.
        let (sender, _) = broadcast::channel(4096);
        EventBus { sender }
    }

    pub fn publish(&self, event: JobEvent) {
        // No subscriber is fine: the event is already in the database.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JobEvent> {
        self.sender.subscribe()
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

/// Appends an event inside the caller's transaction and returns it (publish after commit).
pub async fn append(
    conn: &mut AnyConnection,
    job_id: &str,
    kind: EventKind,
    step: Option<Step>,
    percent: i64,
    message: &str,
) -> Result<JobEvent, AppError> {
    let at_ms = now_ms();
    // The next number is computed in the INSERT itself; (job_id, seq) is the primary key, so
    // two writers can never both get the same one.
    let row = sqlx::query(
        "INSERT INTO job_events (job_id, seq, kind, step, percent, message, created_at) \
         SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM job_events WHERE job_id = $1 \
         RETURNING seq",
    )
    .bind(job_id)
    .bind(kind.as_str())
    .bind(step.map(Step::as_str))
    .bind(percent)
    .bind(message)
    .bind(at_ms)
    .fetch_one(&mut *conn)
    .await?;
    Ok(JobEvent {
        job_id: job_id.to_owned(),
        seq: row.try_get("seq")?,
        kind,
        step,
        percent,
        message: message.to_owned(),
        at_ms,
    })
}

/// The job's events with `seq > after`, oldest first.
pub async fn after(db: &crate::backend::db::Db, job_id: &str, after: i64) -> Result<Vec<JobEvent>, AppError> {
    let rows = sqlx::query(
        "SELECT seq, kind, step, percent, message, created_at FROM job_events \
         WHERE job_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(job_id)
    .bind(after)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let step: Option<String> = row.try_get("step")?;
            Ok(JobEvent {
                job_id: job_id.to_owned(),
                seq: row.try_get("seq")?,
                kind: EventKind::parse(&kind).ok_or(AppError::Internal)?,
                step: step.as_deref().and_then(Step::parse),
                percent: row.try_get("percent")?,
                message: row.try_get("message")?,
                at_ms: row.try_get("created_at")?,
            })
        })
        .collect()
}
