//! The event log: every change of a job is a row in `job_events` (append-only, numbered per job)
//! and a message on the live bus. SSE streams replay the rows, then follow the bus.

use super::{EventKind, JobEvent, Step};
use crate::{
    backend::{db::Engine, now_ms, shutdown::Shutdown},
    error::AppError,
};
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

/// The PostgreSQL channel that carries events between processes (web and workers).
pub const CHANNEL: &str = "hh_job_events";

/// Appends an event inside the caller's transaction and returns it (publish after commit).
/// On PostgreSQL the event is also NOTIFYed, which PostgreSQL delivers on commit to the other
/// processes' listeners (see `listen`).
pub async fn append(
    conn: &mut AnyConnection,
    engine: Engine,
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
    let event = JobEvent {
        job_id: job_id.to_owned(),
        seq: row.try_get("seq")?,
        kind,
        step,
        percent,
        message: message.to_owned(),
        at_ms,
    };
    notify(conn, engine, &event).await?;
    Ok(event)
}

/// On PostgreSQL, hands `event` to the other processes' listeners when the caller's
/// transaction commits (nothing to do on SQLite: one process). Publishing on this process's
/// bus is the caller's, after the commit.
pub async fn notify(conn: &mut AnyConnection, engine: Engine, event: &JobEvent) -> Result<(), AppError> {
    if engine == Engine::Postgres {
        // NOTIFY payloads are limited to 8000 bytes; a longer message travels without its text
        // and listeners that need it read the row.
        let mut payload = serde_json::to_string(event).map_err(|_| AppError::Internal)?;
        if payload.len() > 7_900 {
            payload = serde_json::to_string(&JobEvent { message: String::new(), ..event.clone() })
                .map_err(|_| AppError::Internal)?;
        }
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Relays other processes' events from PostgreSQL into this process's bus until shutdown.
/// Events this process wrote arrive twice (bus and NOTIFY); every consumer de-duplicates by
/// sequence number. After a lost connection, streams catch up from the database when they
/// see a gap in the sequence.
pub async fn listen(database_url: String, bus: EventBus, shutdown: Shutdown) {
    let stopping = shutdown.wait();
    tokio::pin!(stopping);
    loop {
        let connected = async {
            let mut listener = sqlx::postgres::PgListener::connect(&database_url).await?;
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = &mut stopping => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for job events; retrying in 2 s");
                    tokio::select! {
                        _ = &mut stopping => return,
                        _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => continue,
                    }
                }
            },
        };
        loop {
            let notification = tokio::select! {
                _ = &mut stopping => return,
                n = listener.recv() => n,
            };
            match notification {
                Ok(n) => match serde_json::from_str::<JobEvent>(n.payload()) {
                    Ok(event) => bus.publish(event),
                    Err(e) => tracing::warn!(error = %e, "unreadable job event notification"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "job event listener lost its connection");
                    break;
                }
            }
        }
    }
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
