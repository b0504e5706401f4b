//! `/api/jobs`: submit and read jobs over plain JSON, and follow a job live as Server-Sent Events
//! (at most `HH_STREAMS_PER_PERSON` streams open per person).

use app::{
    accounts::session::{self, CurrentUser},
    backend::state::AppState,
    error::AppError,
    jobs::{
        events, store,
        studio::{self, Storyboard, StoryboardEdit},
        EventKind, Job, JobEvent, JobOptions, PaperSource,
    },
};
use async_stream::stream;
use axum::{
    extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State},
    http::{header, HeaderMap, StatusCode},
    response::{
        sse::{Event, KeepAlive, Sse},
        IntoResponse, Redirect, Response,
    },
    routing::{get, post},
    Json, Router,
};
use futures::Stream;
use serde::Deserialize;
use std::{convert::Infallible, time::Duration};
use tokio::sync::broadcast::error::RecvError;

pub fn routes(upload_limit: u64) -> Router<AppState> {
    // Multipart uploads stream past axum's 2 MB default; `upload::receive` enforces the real limit.
    let body_limit = usize::try_from(upload_limit).unwrap_or(usize::MAX).saturating_add(1024 * 1024);
    Router::new()
        .route("/api/jobs", post(submit).layer(DefaultBodyLimit::max(body_limit)))
        .route("/api/jobs/{id}", get(read).delete(remove))
        .route("/api/jobs/{id}/script", get(read_script).put(save_script))
        .route("/api/jobs/{id}/continue", post(continue_after_review))
        .route("/api/jobs/{id}/scenes/{scene}/remake", post(remake_scene))
        .route("/api/jobs/{id}/versions", get(list_versions))
        .route("/api/jobs/{id}/versions/{number}/restore", post(restore_version))
        .route("/api/jobs/{id}/events", get(follow))
        .route("/api/jobs/events", get(follow_mine))
}

#[derive(Deserialize)]
struct Submission {
    /// A PMCID, PMID, DOI or a link to one.
    source: String,
    /// "dark" (default), "paper" or "bold".
    style: Option<String>,
    /// 30, 60 (default) or 90 seconds.
    length: Option<u32>,
    /// "slower", "normal" (default) or "faster".
    pace: Option<String>,
    /// Stop after the script for the caller's review (default false).
    review: Option<bool>,
}

/// A paper by identifier (JSON `{"source": …, "style"?, "length"?, "pace"?, "review"?}`) or as a
/// file (multipart field `file`, after the optional fields `style`, `length`, `pace`, `review`). Scripts
/// get 201 and the job; the home page's plain HTML upload form gets a redirect to the job's
/// status page, or back home with the reason it was refused.
async fn submit(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    request: Request,
) -> Result<Response, AppError> {
    let headers = request.headers();
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let from_page = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html") && !v.contains("application/json"));
    let submitted = if is_multipart {
        match Multipart::from_request(request, &state).await {
            Ok(multipart) => super::upload::receive(&state, &user, multipart).await,
            Err(e) => {
                Err(AppError::invalid("file", format!("The upload could not be read ({}). Try again.", e.body_text())))
            }
        }
    } else {
        match Json::<Submission>::from_request(request, &state).await {
            Ok(Json(s)) => {
                let length = s.length.map(|l| l.to_string());
                let review = s.review.map(|r| r.to_string());
                match (
                    PaperSource::parse(&s.source),
                    JobOptions::from_fields(
                        s.style.as_deref(),
                        length.as_deref(),
                        s.pace.as_deref(),
                        review.as_deref(),
                    ),
                ) {
                    (Ok(source), Ok(options)) => store::submit(&state, &user, source, options).await,
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            Err(e) => Err(AppError::invalid(
                "source",
                format!("Send JSON such as {{\"source\": \"PMC1234567\"}} ({}).", e.body_text()),
            )),
        }
    };
    Ok(match (submitted, from_page) {
        (Ok(job), true) => Redirect::to(&format!("/jobs/{}", job.id)).into_response(),
        (Ok(job), false) => (StatusCode::CREATED, Json(job)).into_response(),
        (Err(e), true) => {
            // Signed for this person, so the home page shows only refusals this server wrote
            // for whoever reads it, never a text someone put in a link.
            let query = app::jobs::upload_refusal_query(&state.signing_key, &user.id, &e.to_string());
            Redirect::to(&format!("/?{query}")).into_response()
        }
        (Err(e), false) => e.into_response(),
    })
}

/// The job's status. Clients poll it, so the session and the job are read in one query
/// (`store::get_for_session`) rather than by the `CurrentUser` extractor and then `get_for`.
async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    let token = session::token_from_headers(&headers).ok_or(AppError::Unauthenticated)?;
    Ok(Json(store::get_for_session(&state.db, &token, &id).await?))
}

async fn remove(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    store::delete(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The job's script as a storyboard: scenes with narration, on-screen text, visual plan and the
/// paper's sentences each rests on (`app::jobs::studio::Storyboard`); 404 before it exists.
async fn read_script(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Storyboard>, AppError> {
    Ok(Json(studio::script::storyboard(&state, &user, &id).await?))
}

/// Saves an edit (`{"scenes": [{"from", "narration", "on_screen_text", "keep_numbers"?}]}`) of
/// a script waiting for review: 200 and the storyboard, or 422 with the scenes whose numbers
/// the paper does not print (nothing saved), or 409 when the job does not wait for review.
async fn save_script(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    edit: Result<Json<StoryboardEdit>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let Json(edit) = edit.map_err(|e| {
        AppError::invalid("scenes", format!("Send the storyboard as JSON: {{\"scenes\": [...]}} ({}).", e.body_text()))
    })?;
    let save = studio::script::save(&state, &user, &id, &edit).await?;
    Ok(saved_or_flagged(save))
}

/// 200 and the storyboard, or 422 naming the scenes whose numbers the paper does not print.
fn saved_or_flagged(save: studio::StoryboardSave) -> Response {
    if save.saved {
        return Json(save).into_response();
    }
    let scenes: Vec<String> =
        save.flagged.iter().map(|f| format!("scene {} ({})", f.scene + 1, f.numbers.join(", "))).collect();
    let error = format!(
        "Some narrations say numbers the paper does not print: {}. Correct them, or keep them with \"keep_numbers\": true.",
        scenes.join("; ")
    );
    (StatusCode::UNPROCESSABLE_ENTITY, Json(serde_json::json!({ "error": error, "flagged": save.flagged })))
        .into_response()
}

/// Remakes one scene of a finished video (`{"narration", "on_screen_text", "keep_numbers"?}`):
/// 200 and the storyboard, the job queued again; 422 as for `PUT …/script`; 409 unless the video
/// is made; 404 for a scene that does not exist.
async fn remake_scene(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, scene)): Path<(String, usize)>,
    edit: Result<Json<studio::SceneEdit>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let Json(edit) = edit.map_err(|e| {
        AppError::invalid(
            "scenes",
            format!("Send the scene as JSON: {{\"narration\": …, \"on_screen_text\": …}} ({}).", e.body_text()),
        )
    })?;
    Ok(saved_or_flagged(studio::script::remake(&state, &user, &id, scene, &edit).await?))
}

/// The job's video versions, oldest first, the current one last.
async fn list_versions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Vec<app::jobs::versions::VideoVersion>>, AppError> {
    let job = store::get_for(&state.db, &user, &id).await?;
    Ok(Json(app::jobs::versions::store::list(&state, &job).await?))
}

/// Makes an earlier version the video again (the current one is kept as a version); the job.
async fn restore_version(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, number)): Path<(String, u32)>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(app::jobs::versions::store::restore(&state, &user, &id, number).await?))
}

/// Lets a job whose script waits for review go on (409 in any other state); the job, queued.
async fn continue_after_review(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Job>, AppError> {
    Ok(Json(store::continue_after_review(&state, &user, &id).await?))
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
    // Held for as long as the stream runs: dropped with it when it ends or the client leaves.
    let slot = state.live_streams.open(&user.id)?;
    let last_event_id =
        headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    let start = last_event_id.or(resume.after).unwrap_or(0).max(0);
    // Subscribe before reading the past: an event committed between the two is then on the
    // bus, and the sequence check drops anything seen twice.
    let mut live = state.events.subscribe();
    let past = events::after(&state.db, &id, start).await?;
    let stopping = state.shutdown.wait();
    let stream = stream! {
        let _slot = slot;
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
                Ok(event) if event.job_id != id => continue,
                // The job is gone: say so, whatever the numbering, and end.
                Ok(event) if event.kind == EventKind::Deleted => vec![event],
                Ok(event) if event.seq <= last => continue,
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

/// Live events of every job of the caller, as they happen (no replay): My videos keeps its
/// cards current over this one connection, sees new jobs (their `queued` event) and deleted ones
/// (`deleted`). Whose job an event belongs to: the caller's jobs when the stream opens, then
/// the database once per job not seen before (a deleted job's row is gone, so its owner must
/// be known beforehand).
async fn follow_mine(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let slot = state.live_streams.open(&user.id)?;
    let mut live = state.events.subscribe();
    let owned = store::ids_of(&state.db, &user.id).await?;
    let stopping = state.shutdown.wait();
    let stream = stream! {
        let _slot = slot;
        let mut mine: std::collections::HashMap<String, bool> = owned.into_iter().map(|id| (id, true)).collect();
        // The same event can arrive twice (this process's bus, then PostgreSQL's relay).
        let mut last_seq: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
        tokio::pin!(stopping);
        loop {
            let next = tokio::select! {
                _ = &mut stopping => break,
                next = live.recv() => next,
            };
            match next {
                Ok(event) => {
                    let owned = match mine.get(&event.job_id) {
                        Some(owned) => *owned,
                        None => {
                            let owned = matches!(store::get(&state.db, &event.job_id).await, Ok(Some(job)) if job.owner_id == user.id);
                            mine.insert(event.job_id.clone(), owned);
                            owned
                        }
                    };
                    let seen = last_seq.get(&event.job_id).is_some_and(|last| event.seq <= *last);
                    if owned && !seen {
                        last_seq.insert(event.job_id.clone(), event.seq);
                        yield Ok(sse_event(&event));
                    }
                }
                // Missed events: the page re-reads its list rather than show a wrong state.
                Err(RecvError::Lagged(_)) => yield Ok(Event::default().event("lagged").data("{}")),
                Err(RecvError::Closed) => break,
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
