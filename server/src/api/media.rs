//! A job's video, thumbnail and captions, for its owner and admins only, with HTTP Range so
//! that `<video>` can seek (iOS Safari insists on 206 answers) and a download variant named after
//! the paper. With `HH_MEDIA_DELIVERY=redirect` the video and its download are handed over as a
//! redirect to a short-lived presigned URL instead, after the same ownership check; the
//! thumbnail and captions are always served here (`<track>` needs them same-origin).
//! The landing page's sample video (`/sample/…`) is served the same way, to anyone: its paper is
//! openly licensed.

use app::{
    accounts::session::CurrentUser,
    backend::{config::MediaDelivery, state::AppState},
    error::AppError,
    jobs::{artifact, store},
    sample,
    storage::{Key, ObjectMeta, RangeSpec, Read},
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
        .route("/videos/{id}/scenes/{file}", get(scene_preview))
        .route("/videos/{id}/versions/{file}", get(kept_version))
        .route("/sample/{file}", get(sample_file))
}

/// Who may keep a copy of an answer.
#[derive(Clone, Copy)]
enum Audience {
    /// One person's file: private, revalidated so a re-made video is never stale.
    Owner,
    /// The sample, the same for everyone: caches may keep it for an hour (it changes only when
    /// a new release makes it again).
    Anyone,
}

/// Plays inline.
async fn video(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let job = store::get_for(&state.db, &user, &id).await?;
    owner_video(&state, &job_key(&job.id, artifact::VIDEO)?, &headers).await
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
    let key = job_key(&job.id, artifact::VIDEO)?;
    if let Some(redirect) = presigned(&state, &key, Some(&disposition)).await? {
        return Ok(redirect);
    }
    serve(&state, &key, "video/mp4", &headers, Some(disposition), Audience::Owner).await
}

/// The sample video, its poster and its captions (`app::sample`); 404 until the server has
/// made them. Nothing else under `sample/` is reachable.
async fn sample_file(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (name, content_type) = match file.as_str() {
        sample::VIDEO => (sample::VIDEO, "video/mp4"),
        sample::THUMBNAIL => (sample::THUMBNAIL, "image/jpeg"),
        sample::VTT => (sample::VTT, "text/vtt; charset=utf-8"),
        _ => return Err(AppError::NotFound("File".into())),
    };
    let key = Key::sample(name).map_err(|_| AppError::NotFound("File".into()))?;
    if name == sample::VIDEO {
        if let Some(redirect) = presigned(&state, &key, None).await? {
            return Ok(redirect);
        }
    }
    serve(&state, &key, content_type, &headers, None, Audience::Anyone).await
}

fn job_key(job_id: &str, name: &str) -> Result<Key, AppError> {
    Key::job(job_id, name).map_err(|_| AppError::NotFound("File".into()))
}

/// In redirect mode: a temporary redirect to a presigned URL of the video at `key`, checked to
/// exist first so a missing video is our 404, not the store's. `attachment`: the
/// `Content-Disposition` the store is to answer with.
async fn presigned(state: &AppState, key: &Key, attachment: Option<&str>) -> Result<Option<Response>, AppError> {
    if state.config.media_delivery != MediaDelivery::Redirect {
        return Ok(None);
    }
    if !state.media.exists(key).await? {
        return Err(AppError::NotFound("File".into()));
    }
    let Some(url) = state.media.presigned_get(key, "video/mp4", attachment).await? else {
        return Ok(None);
    };
    let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
    response.headers_mut().insert(header::LOCATION, value(&url));
    // The URL expires: never cache the redirect itself.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(Some(response))
}

/// A scene's live preview (`scene-03.mp4`: its clip with its voice) while later scenes render;
/// 404 for any other name, or once the final video has replaced the previews.
async fn scene_preview(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let number = numbered(&file, "scene-", 2)?;
    let job = store::get_for(&state.db, &user, &id).await?;
    let key = job_key(&job.id, &artifact::scene_preview(number as usize - 1))?;
    owner_video(&state, &key, &headers).await
}

/// An earlier version of the video (`2.mp4`), kept when a scene was remade; 404 for any other
/// name or a version that was never kept.
async fn kept_version(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let number = numbered(&file, "", 6)?;
    let job = store::get_for(&state.db, &user, &id).await?;
    let key = app::jobs::versions::store::kept_file(&state, &job.id, number, artifact::VIDEO).await?;
    owner_video(&state, &key, &headers).await
}

/// The number (1 or more) in a file name `{prefix}{digits}.mp4` of at most `digits` digits;
/// 404 for any other name.
fn numbered(file: &str, prefix: &str, digits: usize) -> Result<u32, AppError> {
    file.strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".mp4"))
        .filter(|n| !n.is_empty() && n.len() <= digits && n.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .ok_or_else(|| AppError::NotFound("File".into()))
}

/// A video of a job whose owner was checked: a presigned redirect in redirect mode, else served
/// here with Range.
async fn owner_video(state: &AppState, key: &Key, headers: &HeaderMap) -> Result<Response, AppError> {
    if let Some(redirect) = presigned(state, key, None).await? {
        return Ok(redirect);
    }
    serve(state, key, "video/mp4", headers, None, Audience::Owner).await
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
    serve(&state, &job_key(&job.id, name)?, content_type, &headers, None, Audience::Owner).await
}

/// The object at `key`, whole or the range asked for, to `audience`. One request to the store
/// (its size and version come with the bytes), two only when the client's `If-Range` names an
/// older version.
async fn serve(
    state: &AppState,
    key: &Key,
    content_type: &'static str,
    headers: &HeaderMap,
    attachment: Option<String>,
    audience: Audience,
) -> Result<Response, AppError> {
    let range = RangeSpec::parse(headers.get(header::RANGE).and_then(|v| v.to_str().ok()));
    let if_range = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok());
    let mut read = match range {
        Ok(range) => state.media.read(key, range).await?,
        // Malformed: the size is still owed in the answer.
        Err(()) => Read::Unsatisfiable { meta: state.media.head(key).await?.ok_or(AppError::NotFound("File".into()))? },
    };
    // A range is only honoured for the version the client has (If-Range), per RFC 9110;
    // otherwise the whole current object.
    let stale = |meta: &ObjectMeta| if_range.is_some_and(|v| v != etag(meta));
    let ranged_stale = match &read {
        Read::Bytes { meta, range: Some(_), .. } | Read::Unsatisfiable { meta } => stale(meta),
        Read::Bytes { range: None, .. } => false,
    };
    if ranged_stale {
        read = state.media.read(key, None).await?;
    }
    let (meta, range, body) = match read {
        Read::Bytes { meta, range, body } => (meta, range, body),
        Read::Unsatisfiable { meta } => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            response.headers_mut().insert(header::CONTENT_RANGE, value(&format!("bytes */{}", meta.size)));
            return Ok(response);
        }
    };
    let mut response = Response::new(Body::from_stream(body));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, value(&etag(&meta)));
    let cache = match audience {
        Audience::Owner => "private, no-cache",
        Audience::Anyone => "public, max-age=3600",
    };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
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

/// The ETag of a stored version.
fn etag(meta: &ObjectMeta) -> String {
    format!("\"{}\"", meta.version)
}

fn value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}
