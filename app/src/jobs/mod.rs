//! Jobs: one submitted paper on its way to a video, and the events that tell its story.
//!
//! Shared with the browser: the types (`Job`, `JobEvent`, `Step`, `JobStatus`), source parsing
//! and the server functions. Server-only: `store` (the `jobs` table), `events` (the event log
//! and the live bus that SSE streams read).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod admin;
#[cfg(feature = "ssr")]
pub mod artifact;
#[cfg(feature = "ssr")]
pub mod events;
#[cfg(feature = "hydrate")]
pub mod live;
pub mod options;
pub mod progress;
pub mod source;
#[cfg(feature = "ssr")]
pub mod store;
pub mod studio;
pub mod versions;

pub use options::{JobOptions, Pace, VideoStyle};
pub use source::PaperSource;

/// The pipeline's steps, in order (compared by it). Their names are what people saw in the old
/// system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    FetchPaper,
    GenerateScript,
    GenerateAudio,
    GenerateVideos,
    AddCaptions,
}

impl Step {
    pub const ALL: [Step; 5] =
        [Step::FetchPaper, Step::GenerateScript, Step::GenerateAudio, Step::GenerateVideos, Step::AddCaptions];

    pub fn as_str(self) -> &'static str {
        match self {
            Step::FetchPaper => "fetch-paper",
            Step::GenerateScript => "generate-script",
            Step::GenerateAudio => "generate-audio",
            Step::GenerateVideos => "generate-videos",
            Step::AddCaptions => "add-captions",
        }
    }

    pub fn parse(s: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|step| step.as_str() == s)
    }

    /// What the step does, as the status page says it.
    pub fn title(self) -> &'static str {
        match self {
            Step::FetchPaper => "Read the paper",
            Step::GenerateScript => "Write the script",
            Step::GenerateAudio => "Record the voice",
            Step::GenerateVideos => "Make the visuals",
            Step::AddCaptions => "Add captions",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    /// Stopped after its script, waiting for its owner to review it and let it go on.
    Review,
    /// A paid provider's daily budget is spent: the job waits, with no lease, until
    /// `Job::resume_at_ms` (the budget renews) and a worker takes it again.
    Quota,
    Succeeded,
    Failed,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Review => "review",
            JobStatus::Quota => "quota",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub const ALL: [JobStatus; 7] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Review,
        JobStatus::Quota,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ];

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// What a person reads for it ("Waiting for your review").
    pub fn label(self) -> &'static str {
        match self {
            JobStatus::Queued => "Queued",
            JobStatus::Running => "Running",
            JobStatus::Review => "Waiting for your review",
            JobStatus::Quota => "Waiting for provider quota",
            JobStatus::Succeeded => "Ready",
            JobStatus::Failed => "Failed",
            JobStatus::Cancelled => "Cancelled",
        }
    }

    /// Nothing more will happen to the job unless someone retries it.
    pub fn is_final(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled)
    }
}

/// Why a job failed, in words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    pub step: Option<Step>,
    /// A stable machine-readable class, e.g. `paper-not-found`, `provider-unavailable`.
    pub kind: String,
    pub message: String,
}

/// A job as its owner (or an admin) sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub owner_id: String,
    pub source: PaperSource,
    /// How the person wants the video made.
    #[serde(default)]
    pub options: JobOptions,
    pub status: JobStatus,
    pub step: Option<Step>,
    pub percent: i64,
    pub attempts: i64,
    pub failure: Option<JobFailure>,
    pub created_at_ms: i64,
    pub started_at_ms: Option<i64>,
    pub finished_at_ms: Option<i64>,
    /// The paper's title, once the worker has read it.
    pub title: Option<String>,
    /// The finished video, once there is one.
    pub video: Option<VideoInfo>,
    /// When its owner let a reviewed script go on to the video (`options.review` jobs only).
    #[serde(default)]
    pub reviewed_at_ms: Option<i64>,
    /// Waiting for provider quota: when the budget renews and a worker takes the job again.
    #[serde(default)]
    pub resume_at_ms: Option<i64>,
}

impl Job {
    /// The job asked for a review of its script and has not had it yet: a worker stops after
    /// the script.
    pub fn awaits_review(&self) -> bool {
        self.options.review && self.reviewed_at_ms.is_none()
    }
}

/// What the finished video is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VideoInfo {
    pub duration_ms: i64,
    pub scenes: i64,
    /// Who wrote, spoke and drew it, e.g. "extractive script, espeak-ng, ffmpeg".
    pub providers: String,
    /// What online providers charged, in their credits; None when nothing was paid for.
    pub cost_credits: Option<i64>,
}

/// What happened, one entry of a job's append-only log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    Queued,
    StepStarted,
    StepProgress,
    StepDone,
    /// The step's artifact already existed (a resumed or retried job).
    StepSkipped,
    /// A scene's clip is drawn and its preview (clip and voice) can be watched while later
    /// scenes render; the message is the step's progress line.
    SceneReady,
    /// The script is written and waits for its owner's review (not terminal: the job goes on
    /// when they say so).
    Review,
    /// A paid provider's daily budget is spent: the job waits until it renews (not terminal;
    /// the message says which budget and when).
    QuotaWait,
    Succeeded,
    Failed,
    Cancelled,
    /// The job and its files were deleted. Never stored (the job's events go with it): only
    /// sent live, so that pages showing the job can say so.
    Deleted,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Queued,
        EventKind::StepStarted,
        EventKind::StepProgress,
        EventKind::StepDone,
        EventKind::StepSkipped,
        EventKind::SceneReady,
        EventKind::Review,
        EventKind::QuotaWait,
        EventKind::Succeeded,
        EventKind::Failed,
        EventKind::Cancelled,
        EventKind::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Queued => "queued",
            EventKind::StepStarted => "step-started",
            EventKind::StepProgress => "step-progress",
            EventKind::StepDone => "step-done",
            EventKind::StepSkipped => "step-skipped",
            EventKind::SceneReady => "scene-ready",
            EventKind::Review => "review",
            EventKind::QuotaWait => "quota-wait",
            EventKind::Succeeded => "succeeded",
            EventKind::Failed => "failed",
            EventKind::Cancelled => "cancelled",
            EventKind::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The last event of a run (or of the job): the live stream ends after it.
    pub fn is_terminal(self) -> bool {
        matches!(self, EventKind::Succeeded | EventKind::Failed | EventKind::Cancelled | EventKind::Deleted)
    }

    /// News of one step (it started, moved, finished or was found done).
    pub fn is_step(self) -> bool {
        matches!(
            self,
            EventKind::StepStarted
                | EventKind::StepProgress
                | EventKind::StepDone
                | EventKind::StepSkipped
                | EventKind::SceneReady
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobEvent {
    pub job_id: String,
    /// 1, 2, 3… within the job; the SSE `id:`.
    pub seq: i64,
    pub kind: EventKind,
    pub step: Option<Step>,
    /// The job's overall percent after this event.
    pub percent: i64,
    pub message: String,
    pub at_ms: i64,
}

/// Where the next page of a job list starts: after the job created at `created_at_ms` with `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub created_at_ms: i64,
    pub id: String,
}

impl Cursor {
    /// As it travels in a URL: `<created_at_ms>.<id>`.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.created_at_ms, self.id)
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (at, id) = s.split_once('.')?;
        Some(Cursor { created_at_ms: at.parse().ok()?, id: id.to_owned() })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobList {
    pub jobs: Vec<Job>,
    /// The next page's cursor; `None` on the last page.
    pub next: Option<Cursor>,
}

/// How many jobs a page of the list shows.
pub const PAGE_SIZE: i64 = 20;

/// The caller's jobs, newest first, a page at a time (`before` is a cursor from the last page).
#[server(endpoint = "jobs/mine", input = server_fn::codec::GetUrl)]
pub async fn list_my_jobs(before: Option<String>) -> Result<JobList, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let cursor = before.as_deref().filter(|s| !s.is_empty()).map(|s| {
            Cursor::decode(s)
                .ok_or_else(|| AppError::invalid("before", "That page link is broken; start from the first page."))
        });
        store::list_for(&state.db, &user, cursor.transpose()?.as_ref(), PAGE_SIZE).await
    })
    .await
}

/// Deletes one of the caller's jobs (an admin may delete any).
#[server(endpoint = "jobs/delete")]
pub async fn delete_job(id: String) -> Result<(), AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        store::delete(&state, &user, &id).await
    })
    .await
}

/// Submits a paper by identifier or link; returns the new job, queued.
#[server(endpoint = "jobs/submit")]
pub async fn submit_job(
    source: String,
    style: Option<String>,
    length: Option<String>,
    pace: Option<String>,
    review: Option<String>,
) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let source = PaperSource::parse(&source)?;
        let options = JobOptions::from_fields(style.as_deref(), length.as_deref(), pace.as_deref(), review.as_deref())?;
        let job = store::submit(&state, &user, source, options).await?;
        // Straight to the status page (also without JavaScript).
        leptos_axum::redirect(&format!("/jobs/{}", job.id));
        Ok(job)
    })
    .await
}

/// How long a signed upload refusal may be shown: enough to land on the page and reload it.
#[cfg(feature = "ssr")]
const REFUSAL_SHOWN_FOR_MS: i64 = 10 * 60 * 1000;

/// What signs an upload refusal: the message, for this person only, until it expires.
#[cfg(feature = "ssr")]
fn refusal_payload(user_id: &str, expires_ms: i64, message: &str) -> String {
    format!("upload-refusal\n{user_id}\n{expires_ms}\n{message}")
}

/// The query string that carries `message` back to `user`'s home page: the message, when it
/// expires (Unix ms) and a signature binding both to this person (`security::sign`).
#[cfg(feature = "ssr")]
pub fn upload_refusal_query(signing_key: &str, user_id: &str, message: &str) -> String {
    let expires = crate::backend::now_ms() + REFUSAL_SHOWN_FOR_MS;
    let signature = crate::backend::security::sign(signing_key, &refusal_payload(user_id, expires, message));
    format!("upload_error={}&expires={expires}&signature={signature}", crate::url::encode_component(message))
}

/// Why an upload was refused, as the home page's URL carries it: the message when this server
/// signed it for the person asking and it has not expired, else None. A link cannot put words
/// in someone else's page, even words the server once wrote for its sender.
#[server(endpoint = "jobs/upload-refusal", input = server_fn::codec::GetUrl)]
pub async fn upload_refusal(message: String, expires: i64, signature: String) -> Result<Option<String>, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let Some(user) = crate::accounts::session::user_of_request(&state).await? else { return Ok(None) };
        if expires < crate::backend::now_ms() {
            return Ok(None);
        }
        let payload = refusal_payload(&user.id, expires, &message);
        let signed = crate::backend::security::is_signed(&state.signing_key, &payload, &signature);
        Ok(signed.then_some(message))
    })
    .await
}

/// What to paste beside the video when posting it: the script's suggested caption and hashtags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSuggestion {
    pub caption: String,
    pub hashtags: Vec<String>,
}

impl PostSuggestion {
    /// The text to paste: the caption, a blank line, the hashtags once. A caption line made only
    /// of hashtags (a writer that put them there too, or a script from before they had a field
    /// of their own) is left out, and tags it held that the list lacks are kept in the list.
    pub fn text(&self) -> String {
        let is_tag = |word: &str| word.len() > 1 && word.starts_with('#');
        let mut tags: Vec<&str> = Vec::new();
        let mut lines: Vec<&str> = Vec::new();
        for line in self.caption.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if !words.is_empty() && words.iter().all(|w| is_tag(w)) {
                tags.extend(words);
            } else {
                lines.push(line.trim_end());
            }
        }
        let mut all: Vec<&str> = Vec::new();
        for tag in self.hashtags.iter().map(String::as_str).chain(tags) {
            if !all.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
                all.push(tag);
            }
        }
        let caption = lines.join("\n").trim().to_owned();
        match (caption.is_empty(), all.is_empty()) {
            (_, true) => caption,
            (true, false) => all.join(" "),
            (false, false) => format!("{caption}\n\n{}", all.join(" ")),
        }
    }
}

/// The finished job's post caption and hashtags; None until the script exists.
#[server(endpoint = "jobs/post-text", input = server_fn::codec::GetUrl)]
pub async fn post_text(id: String) -> Result<Option<PostSuggestion>, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let job = store::get_for(&state.db, &user, &id).await?;
        read_post(&state, &job.id).await
    })
    .await
}

/// The post caption and hashtags from the job's script; None until the script exists.
#[cfg(feature = "ssr")]
async fn read_post(state: &crate::backend::state::AppState, job_id: &str) -> Result<Option<PostSuggestion>, AppError> {
    let key = crate::storage::Key::job(job_id, artifact::SCRIPT).map_err(|_| AppError::Internal)?;
    let bytes = match state.media.get_bytes(&key).await {
        Ok(bytes) => bytes,
        Err(crate::storage::StoreError::NotFound(_)) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "reading a script");
            return Err(AppError::Internal);
        }
    };
    // Only the two fields this needs; the script's full shape belongs to the pipeline.
    #[derive(Deserialize)]
    struct Post {
        #[serde(default)]
        post_caption: String,
        #[serde(default)]
        hashtags: Vec<String>,
    }
    let post: Post = serde_json::from_slice(&bytes).map_err(|_| AppError::Internal)?;
    Ok(Some(PostSuggestion { caption: post.post_caption, hashtags: post.hashtags }))
}

/// One job, if it is the caller's (or the caller is an admin).
#[server(endpoint = "jobs/get", input = server_fn::codec::GetUrl)]
pub async fn get_job(id: String) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        store::get_for(&state.db, &user, &id).await
    })
    .await
}

/// Everything the status page shows, read at once: one job, its event log so far (oldest
/// first), which the page folds into its first frame — the same frame on the server and in the
/// browser — before it follows what comes next, and the text to post once the video is made.
/// (One read, so one resource: see "Pages behind a gate" in ARCHITECTURE.md.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobHistory {
    pub job: Job,
    pub events: Vec<JobEvent>,
    /// Only for a finished job; `None` before, or when the script cannot be read.
    pub post: Option<PostSuggestion>,
    /// The scenes (numbered from 1) whose live preview can be watched while the job runs.
    #[serde(default)]
    pub previews: Vec<usize>,
}

/// The job histories one page render has read, by caller and job. A gated page is built more
/// than once on the server (see "Pages behind a gate" in ARCHITECTURE.md), and each build reads
/// again: a job that moved on between two reads (a review reached in a second) would be drawn
/// from one read and handed to the browser from another, which breaks hydration. So every build
/// of one render sees the first read. Provided per page render by the server's router; server
/// function calls over HTTP have none and always read.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct RenderMemo(std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(String, String), JobHistory>>>);

/// One job, its events and (finished) its post text, if it is the caller's (or the caller is
/// an admin).
#[server(endpoint = "jobs/history", input = server_fn::codec::GetUrl)]
pub async fn get_job_history(id: String) -> Result<JobHistory, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let memo = use_context::<RenderMemo>();
        let memo_key = (user.id.clone(), id.clone());
        if let Some(seen) = memo.as_ref().and_then(|m| m.0.lock().ok()?.get(&memo_key).cloned()) {
            return Ok(seen);
        }
        // The row first, then the log: the log is at least as new, and the fold ends where it does.
        let job = store::get_for(&state.db, &user, &id).await?;
        let events = events::after(&state.db, &job.id, 0).await?;
        // A post text that cannot be read leaves the box out, not the page.
        let post = match job.status {
            JobStatus::Succeeded => read_post(&state, &job.id).await.unwrap_or(None),
            _ => None,
        };
        // Previews a reload should show again; a store that does not answer shows none.
        let previews = match job.status {
            JobStatus::Running | JobStatus::Queued => list_previews(&state, &job.id).await.unwrap_or_default(),
            _ => Vec::new(),
        };
        let history = JobHistory { job, events, post, previews };
        if let Some(mut seen) = memo.as_ref().and_then(|m| m.0.lock().ok()) {
            seen.insert(memo_key, history.clone());
        }
        Ok(history)
    })
    .await
}

/// The scenes (numbered from 1, in order) whose live preview is stored now: played at
/// `/videos/{id}/scenes/scene-NN.mp4` while later scenes render. Empty once the final video
/// replaced them.
#[server(endpoint = "jobs/previews", input = server_fn::codec::GetUrl)]
pub async fn scene_previews(id: String) -> Result<Vec<usize>, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        let job = store::get_for(&state.db, &user, &id).await?;
        list_previews(&state, &job.id).await
    })
    .await
}

#[cfg(feature = "ssr")]
async fn list_previews(state: &crate::backend::state::AppState, job_id: &str) -> Result<Vec<usize>, AppError> {
    let folder = crate::storage::Key::job_folder(job_id, artifact::PREVIEWS).map_err(|_| AppError::Internal)?;
    let mut scenes: Vec<usize> = state
        .media
        .list(&folder)
        .await?
        .iter()
        .filter_map(|key| {
            let name = key.as_str().rsplit('/').next()?;
            name.strip_prefix("scene-")?.strip_suffix(".mp4")?.parse().ok()
        })
        .collect();
    scenes.sort_unstable();
    Ok(scenes)
}

/// Asks a queued or running job to stop; a running step stops at its next checkpoint.
#[server(endpoint = "jobs/cancel")]
pub async fn cancel_job(id: String) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        store::cancel(&state, &user, &id).await
    })
    .await
}

/// Puts a failed or cancelled job back in the queue; it resumes at its first unfinished step.
#[server(endpoint = "jobs/retry")]
pub async fn retry_job(id: String) -> Result<Job, AppError> {
    crate::error::answered(async move {
        let (state, user) = crate::accounts::session::caller().await?;
        store::retry(&state, &user, &id).await
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor { created_at_ms: 1_764_000_000_000, id: "3f2a-…".into() };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("nonsense"), None);
        assert_eq!(Cursor::decode("12x.abc"), None);
    }

    #[test]
    fn names_round_trip() {
        for step in Step::ALL {
            assert_eq!(Step::parse(step.as_str()), Some(step));
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        for status in ["queued", "running", "succeeded", "failed", "cancelled"] {
            assert_eq!(JobStatus::parse(status).unwrap().as_str(), status);
        }
    }
}

#[cfg(test)]
mod post_tests {
    use super::PostSuggestion;

    fn post(caption: &str, tags: &[&str]) -> String {
        PostSuggestion { caption: caption.into(), hashtags: tags.iter().map(|t| t.to_string()).collect() }.text()
    }

    #[test]
    fn the_hashtag_line_comes_once() {
        let tags = ["#Sleep", "#Memory"];
        let want = "Sleep sorts memories.\nPaper: “Sleep”.\n\n#Sleep #Memory";
        assert_eq!(post("Sleep sorts memories.\nPaper: “Sleep”.", &tags), want);
        // A caption that already ends with the tags (an LLM's, or a script from before the
        // field existed) does not repeat them; a tag only the caption had is kept.
        assert_eq!(post("Sleep sorts memories.\nPaper: “Sleep”.\n#sleep #Memory", &tags), want);
        assert_eq!(
            post("Sleep sorts memories.\n\n#Sleep #Memory #Dreams", &tags),
            "Sleep sorts memories.\n\n#Sleep #Memory #Dreams"
        );
        // A hashtag inside a sentence is words, not the tag line.
        assert_eq!(post("Why #science matters.", &["#Science"]), "Why #science matters.\n\n#Science");
        assert_eq!(post("", &tags), "#Sleep #Memory");
        assert_eq!(post("Only a caption.", &[]), "Only a caption.");
    }
}
