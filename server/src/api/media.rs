//! A job's video, thumbnail and captions, for its owner and admins only, with HTTP Range so
//! that `<video>` can seek (iOS Safari insists on 206 answers) and a download variant named after
//! the paper. With `HH_MEDIA_DELIVERY=redirect` the video and its download are handed over as a
//! redirect to a short-lived presigned URL instead, after the same ownership check; the
//! thumbnail and captions are always served here (`<track>` needs them same-origin).

use app::{
    accounts::session::CurrentUser,
    backend::{config::MediaDelivery, state::AppState},
    error::AppError,
    jobs::{artifact, store, Job},
    storage::{parse_range, Key},
};
use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/videos/{id}", get(video))
        .route("/videos/{id}/download", get(download))
        .route("/videos/{id}/{file}", get(companion))
}

/// Plays inline.
async fn video(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = store::get_for(&state.db, &user, &id).await?;
    if let Some(redirect) = presigned(&state, &job, None).await? {
        return Ok(redirect);
    }
    serve(&state, &job, artifact::VIDEO, "video/mp4", &headers, None).await
}

/// Saves as a file named after the paper.
async fn download(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = store::get_for(&state.db, &user, &id).await?;
    let disposition = app::url::content_disposition(job.title.as_deref());
    if let Some(redirect) = presigned(&state, &job, Some(&disposition)).await? {
        return Ok(redirect);
    }
    serve(&state, &job, artifact::VIDEO, "video/mp4", &headers, Some(disposition)).await
}

/// In redirect mode: a temporary redirect to a presigned URL of the job's video, checked to
/// exist first so a missing video is our 404, not the store's. `attachment`: the
/// `Content-Disposition` the store is to answer with.
async fn presigned(state: &AppState, job: &Job, attachment: Option<&str>) -> Result<Option<Response>, AppError> {
    if state.config.media_delivery != MediaDelivery::Redirect {
        return Ok(None);
    }
    let key = Key::job(&job.id, artifact::VIDEO).map_err(|_| AppError::NotFound("File".into()))?;
    if !state.media.exists(&key).await? {
        return Err(AppError::NotFound("File".into()));
    }
    let Some(url) = state.media.presigned_get(&key, "video/mp4", attachment).await? else {
        return Ok(None);
    };
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response.headers_mut().insert(header::LOCATION, value(&url));
    // The URL expires: never cache the redirect itself.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(Some(response))
}

/// The thumbnail and the caption files; nothing else of the job's folder is reachable.
async fn companion(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (name, content_type) = match file.as_str() {
        "thumbnail.jpg" => (artifact::THUMBNAIL, "image/jpeg"),
        "captions.vtt" => (artifact::VTT, "text/vtt; charset=utf-8"),
        "captions.srt" => (artifact::SRT, "application/x-subrip; charset=utf-8"),
        _ => return Err(AppError::NotFound("File".into())),
    };
    let job = store::get_for(&state.db, &user, &id).await?;
    serve(&state, &job, name, content_type, &headers, None).await
}

async fn serve(
    state: &AppState,
    job: &Job,
    name: &str,
    content_type: &'static str,
    headers: &HeaderMap,
    attachment: Option<String>,
) -> Result<Response, AppError> {
    let key = Key::job(&job.id, name).map_err(|_| AppError::NotFound("File".into()))?;
    let meta = state.media.head(&key).await?.ok_or(AppError::NotFound("File".into()))?;
    let etag = format!("\"{}\"", meta.version);
    // A range is only honoured for the version the client has (If-Range), per RFC 9110.
    let same_version = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v == etag);
    let range_header = headers.get(header::RANGE).and_then(|v| v.to_str().ok()).filter(|_| same_version);
    let range = match parse_range(range_header, meta.size) {
        Ok(range) => range,
        Err(()) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            response.headers_mut().insert(header::CONTENT_RANGE, value(&format!("bytes */{}", meta.size)));
            return Ok(response);
        }
    };
    let body = state.media.get_stream(&key, range).await?;
    let mut response = Response::new(Body::from_stream(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, value(&etag));
    // Private: the file is one person's; revalidate so a re-made video is never stale.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    match range {
        Some(range) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let h = response.headers_mut();
            h.insert(header::CONTENT_LENGTH, value(&range.len().to_string()));
            h.insert(header::CONTENT_RANGE, value(&format!("bytes {}-{}/{}", range.first, range.last, meta.size)));
        }
        None => {
            response.headers_mut().insert(header::CONTENT_LENGTH, value(&meta.size.to_string()));
        }
    }
    if let Some(disposition) = attachment {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, value(&disposition));
    }
    Ok(response)
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
