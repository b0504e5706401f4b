//! A job's video versions. The video people play is always the job's top-level files
//! (`final.mp4`, its captions, thumbnail and script); before anything replaces them (a scene
//! remade, an older version brought back) they are copied whole to `versions/v{n}/`, listed in
//! `versions/index.json`. So the previous video stays playable and downloadable until the new
//! one is made (the final file is replaced atomically at the very end), and any earlier one can
//! be made the video again. Everything lives under the job's folder and goes with the job.

use super::Job;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One version of a job's video.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoVersion {
    /// 1, 2, 3… in the order they were made.
    pub number: u32,
    /// What it was: "First version", "Scene 3 remade", "Version 1 again".
    pub note: String,
    /// Unix milliseconds; for the current version, when the job last finished.
    pub made_at_ms: Option<i64>,
    /// The one the job's video is now (played at `/videos/{id}`); others play at
    /// `/videos/{id}/versions/{number}.mp4`.
    pub current: bool,
}

/// The caller's job's versions, oldest first, the current one last.
#[server(endpoint = "jobs/versions", input = server_fn::codec::GetUrl)]
pub async fn video_versions(id: String) -> Result<Vec<VideoVersion>, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let job = super::store::get_for(&state.db, &user, &id).await?;
        store::list(&state, &job).await
    })
    .await
}

/// Makes an earlier version the job's video again (the current one is kept as a version).
#[server(endpoint = "jobs/versions/restore")]
pub async fn restore_version(id: String, number: u32) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        store::restore(&state, &user, &id, number).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod store {
    //! `versions/index.json` and the copies under `versions/v{n}/`.

    use super::*;
    use crate::{
        accounts::User,
        backend::state::AppState,
        jobs::{artifact, store as jobs, JobStatus},
        storage::{Key, StoreError},
    };

    /// What a version is made of: every file the player, the downloads and the studio read.
    const FILES: [&str; 6] =
        [artifact::VIDEO, artifact::VIDEO_RECORD, artifact::THUMBNAIL, artifact::VTT, artifact::SRT, artifact::SCRIPT];
    const INDEX: &str = "versions/index.json";

    #[derive(Clone, Debug, Default, Serialize, Deserialize)]
    struct Index {
        /// What the current (top-level) video is; "First version" until something replaced it.
        #[serde(default)]
        current_note: Option<String>,
        #[serde(default)]
        kept: Vec<Kept>,
    }

    /// A version copied under `versions/v{number}/`.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    struct Kept {
        number: u32,
        note: String,
        made_at_ms: Option<i64>,
        duration_ms: Option<i64>,
        scenes: Option<i64>,
    }

    impl Index {
        fn current_number(&self) -> u32 {
            self.kept.iter().map(|k| k.number).max().unwrap_or(0) + 1
        }
        fn current_note(&self) -> String {
            self.current_note.clone().unwrap_or_else(|| "First version".into())
        }
    }

    fn key(job_id: &str, name: &str) -> Result<Key, AppError> {
        Key::job(job_id, name).map_err(|_| AppError::Internal)
    }

    async fn index(state: &AppState, job_id: &str) -> Result<Index, AppError> {
        match state.media.get_bytes(&key(job_id, INDEX)?).await {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                tracing::error!(job = job_id, error = %e, "versions/index.json does not parse");
                AppError::Internal
            }),
            Err(StoreError::NotFound(_)) => Ok(Index::default()),
            Err(e) => Err(e.into()),
        }
    }

    async fn write_index(state: &AppState, job_id: &str, index: &Index) -> Result<(), AppError> {
        let bytes = serde_json::to_vec_pretty(index).map_err(|_| AppError::Internal)?;
        Ok(state.media.put_bytes(&key(job_id, INDEX)?, &bytes).await?)
    }

    /// Every version of `job`: the kept ones and, when the job has a video, the current one.
    pub async fn list(state: &AppState, job: &Job) -> Result<Vec<VideoVersion>, AppError> {
        let index = index(state, &job.id).await?;
        let mut versions: Vec<VideoVersion> = index
            .kept
            .iter()
            .map(|k| VideoVersion { number: k.number, note: k.note.clone(), made_at_ms: k.made_at_ms, current: false })
            .collect();
        if state.media.exists(&key(&job.id, artifact::VIDEO)?).await? {
            versions.push(VideoVersion {
                number: index.current_number(),
                note: index.current_note(),
                made_at_ms: job.finished_at_ms,
                current: true,
            });
        }
        Ok(versions)
    }

    /// Copies the current video's files to `versions/v{n}/` and notes it; `next_note` says what
    /// the video that will replace it is. Nothing is copied when there is no video yet.
    pub async fn keep_current(state: &AppState, job: &Job, next_note: &str) -> Result<(), AppError> {
        let mut index = index(state, &job.id).await?;
        if state.media.exists(&key(&job.id, artifact::VIDEO)?).await? {
            let number = index.current_number();
            for name in FILES {
                let to = key(&job.id, &format!("versions/v{number}/{name}"))?;
                match state.media.copy(&key(&job.id, name)?, &to).await {
                    // An older job may lack a companion file; the video itself was checked above.
                    Ok(()) | Err(StoreError::NotFound(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            index.kept.push(Kept {
                number,
                note: index.current_note(),
                made_at_ms: job.finished_at_ms,
                duration_ms: job.video.as_ref().map(|v| v.duration_ms),
                scenes: job.video.as_ref().map(|v| v.scenes),
            });
        }
        index.current_note = Some(next_note.to_owned());
        write_index(state, &job.id, &index).await
    }

    /// The key of kept version `number`'s file `name`; `NotFound` when there is no such version.
    pub async fn kept_file(state: &AppState, job_id: &str, number: u32, name: &str) -> Result<Key, AppError> {
        let index = index(state, job_id).await?;
        if !index.kept.iter().any(|k| k.number == number) {
            return Err(AppError::NotFound("Version".into()));
        }
        key(job_id, &format!("versions/v{number}/{name}"))
    }

    /// Makes kept version `number` the job's video: the current one is kept first, then the
    /// version's files are copied back and the job is succeeded with its length. Only when no run
    /// is under way (409 otherwise).
    pub async fn restore(state: &AppState, user: &User, id: &str, number: u32) -> Result<Job, AppError> {
        let job = jobs::get_for(&state.db, user, id).await?;
        if !matches!(job.status, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled) {
            return Err(AppError::Conflict("Wait until the video being made is ready, or cancel it.".into()));
        }
        let index_before = index(state, &job.id).await?;
        let Some(kept) = index_before.kept.iter().find(|k| k.number == number).cloned() else {
            return Err(AppError::NotFound("Version".into()));
        };
        let note = format!("Version {number} again");
        keep_current(state, &job, &note).await?;
        for name in FILES {
            match state.media.copy(&key(&job.id, &format!("versions/v{number}/{name}"))?, &key(&job.id, name)?).await {
                Ok(()) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        jobs::mark_restored(
            state,
            &job,
            kept.duration_ms,
            kept.scenes,
            &format!("Version {number} is the video again"),
        )
        .await?;
        jobs::get_for(&state.db, user, id).await
    }
}
