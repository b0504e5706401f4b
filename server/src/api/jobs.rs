//! `/api/jobs`: submit and read jobs over plain JSON, and follow a job live as Server-Sent Events.

use app::{
    accounts::session::CurrentUser,
    backend::state::AppState,
    error::AppError,
    jobs::{events, store, Job, JobEvent, PaperSource},
};
use async_stream::stream;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::sse::{Event, KeepAlive, Sse},
    routing::{get, post},
    Json, Router,
};
use futures::Stream;
use serde::Deserialize;
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::error::RecvError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/jobs", post(submit))
        .route("/api/jobs/{id}", get(read).delete(remove))
        .route("/api/jobs/{id}/events", get(follow))
}

#[derive(Deserialize)]
struct Submission {
    /// A PMCID, PMID, DOI or a link to one.
    source: String,
}

async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Json(submission): Json<Submission>,
) -> Result<(StatusCode, Json<Job>), AppError> {
    let source = PaperSource::parse(&submission.source)?;
    Ok((StatusCode::CREATED, Json(store::submit(&state, &user, source).await?)))
}

async fn read(State(state): State<AppState>, CurrentUser(user): CurrentUser, Path(id): Path<String>) -> Result<Json<Job>, AppError> {
    Ok(Json(store::get_for(&state.db, &user, &id).await?))
}

async fn remove(State(state): State<AppState>, CurrentUser(user): CurrentUser, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    store::delete(&state.db, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct Resume {
    /// Events after this sequence number; for a new `EventSource`, which sends no Last-Event-ID.
    after: Option<i64>,
}

/// The job's events after `Last-Event-ID` (or `?after=`, or from the start), then live ones as
/// they happen, with keep-alives; the stream ends after the run's terminal event.
async fn follow(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    Query(resume): Query<Resume>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let job = store::get_for(&state.db, &user, &id).await?;
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let start = last_event_id.or(resume.after).unwrap_or(0).max(0);
    // Subscribe before reading the past: an event committed between the two is then on the
    // bus, and the sequence check drops anything seen twice.
    let mut live = state.events.subscribe();
    let past = events::after(&state.db, &id, start).await?;
    let stopping = state.shutdown.wait();
    let stream = stream! {
        let mut last = start;
        let mut ended = job.status.is_final() && past.last().is_none_or(|e| e.kind.is_terminal());
        for event in past {
            last = event.seq;
            yield Ok(sse_event(&event));
        }
        tokio::pin!(stopping);
        while !ended {
            let next = tokio::select! {
                _ = &mut stopping => break,
                next = live.recv() => next,
            };
            let fresh = match next {
                Ok(event) if event.job_id != id || event.seq <= last => continue,
                // In order: the usual case.
                Ok(event) if event.seq == last + 1 => vec![event],
                // A gap (or a lagging receiver): the database has everything, in order.
                Ok(_) | Err(RecvError::Lagged(_)) => match events::after(&state.db, &id, last).await {
                    Ok(events) => events,
                    Err(_) => break,
                },
                Err(RecvError::Closed) => break,
            };
            for event in fresh {
                last = event.seq;
                ended = event.kind.is_terminal();
                yield Ok(sse_event(&event));
            }
        }
    };
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

fn sse_event(event: &JobEvent) -> Event {
    Event::default()
        .id(event.seq.to_string())
        .json_data(event)
        .unwrap_or_else(|_| Event::default().id(event.seq.to_string()).data("{}"))
}
