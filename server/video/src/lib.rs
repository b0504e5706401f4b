//! Making the video from a normalised paper: script, voice, scene visuals, captions, final MP4.
//! The server's pipeline steps call these, for workers and for `hidden-hill render` alike.
//!
//! The offline providers need nothing but local tools; `online` holds the Gemini and Runway
//! clients and `providers` the choice between them.
//!
//! Offline: the script is extracted from the paper's own sentences, the voice
//! is Piper (when installed) or espeak-ng, the visuals and captions are rendered with ffmpeg.

pub mod assemble;
pub mod beats;
pub mod captions;
pub mod graphics;
pub mod look;
pub mod online;
mod process;
pub mod providers;
pub mod script;
pub mod text;
pub mod usage;
pub mod visuals;
pub mod voice;

pub use assemble::{finish, Finished};
pub use look::{Look, Style};
pub use script::{numbers_not_in_paper, write_offline, Credits, Scene, SceneKind, Script};
pub use visuals::render_scene;
pub use voice::{speak, SceneAudio, Voice, Word};

/// Video frame geometry shared by every stage.
pub const WIDTH: u32 = 1080;
pub const HEIGHT: u32 = 1920;
pub const FPS: u32 = 30;

paper::failure_kinds! {
    /// Why making (part of) a video failed. Whether one failure is worth retrying is decided
    /// where it happens ([`VideoError::transient`]), since e.g. a tool that could not start is,
    /// and the same tool failing on its input is not.
    pub enum VideoErrorKind {
        /// A scene index that the script does not have.
        BadScene = "bad-scene", permanent;
        BadInput = "bad-input", permanent;
        EmptyNarration = "empty-narration", permanent;
        EncodeFailed = "encode-failed", permanent;
        RenderFailed = "render-failed", permanent;
        Internal = "internal", permanent;
        /// A scratch file could not be written or read.
        Io = "io", transient;
        /// The disk is full (the same kind as the pipeline's: an operator must make room).
        StorageFull = "storage-full", permanent;
        /// The disk is mounted read-only.
        StorageReadOnly = "storage-read-only", permanent;
        MissingTool = "missing-tool", permanent;
        TooLittleText = "too-little-text", permanent;
        TtsFailed = "tts-failed", permanent;
        /// The script named a number, or quoted a sentence, that the paper does not have.
        UnfaithfulScript = "unfaithful-script", permanent;
        GeminiBadAnswer = "gemini-bad-answer", transient;
        /// Gemini said a per-day quota of the project is used up: the job waits (hourly) or
        /// goes on offline, as for `provider-quota`.
        GeminiQuota = "gemini-quota", permanent;
        GeminiRateLimited = "gemini-rate-limited", transient;
        GeminiRejected = "gemini-rejected", permanent;
        GeminiUnavailable = "gemini-unavailable", transient;
        /// An OpenAI-compatible server answered with something that is not a usable script.
        LlmBadAnswer = "llm-bad-answer", transient;
        LlmRateLimited = "llm-rate-limited", transient;
        /// Bad key, unknown model, or a request the server refuses.
        LlmRejected = "llm-rejected", permanent;
        LlmUnavailable = "llm-unavailable", transient;
        /// No installed voice speaks the narration's language.
        NoVoiceForLanguage = "no-voice-for-language", permanent;
        /// A daily budget this server sets (`HH_GEMINI_DAILY_REQUESTS`, `HH_LLM_DAILY_TOKENS`,
        /// `HH_RUNWAY_DAILY_CREDITS`) is spent: the job waits for the next day (UTC), or goes on
        /// with the offline provider when `HH_QUOTA_FALLBACK=offline`.
        ProviderQuota = "provider-quota", permanent;
        RunwayBadInput = "runway-bad-input", permanent;
        RunwayFailed = "runway-failed", transient;
        RunwayModeration = "runway-moderation", permanent;
        RunwayOutputExpired = "runway-output-expired", transient;
        RunwayRateLimited = "runway-rate-limited", transient;
        RunwayRejected = "runway-rejected", permanent;
        RunwayTaskLost = "runway-task-lost", transient;
        RunwayTimeout = "runway-timeout", transient;
        RunwayUnavailable = "runway-unavailable", transient;
    }
}

/// A failure of one step of making a video.
pub type VideoError = paper::failure::Failure<VideoErrorKind>;

/// A scratch file that could not be written or read (transient), or a full or read-only disk
/// (permanent, the person's message; the detail goes to the log).
pub(crate) fn io_error(context: &str, err: std::io::Error) -> VideoError {
    match paper::failure::DiskProblem::of_io(&err) {
        Some(problem) => disk_error(problem, &format!("{context}: {err}")),
        None => VideoError::transient(VideoErrorKind::Io, format!("{context}: {err}")),
    }
}

/// The failure of a full or read-only disk; `detail` (what was being written) is logged for the
/// operator, the person reads what to do.
pub fn disk_error(problem: paper::failure::DiskProblem, detail: &str) -> VideoError {
    tracing::error!(%detail, problem = problem.as_str(), "the disk takes no more writes");
    let kind = match problem {
        paper::failure::DiskProblem::Full => VideoErrorKind::StorageFull,
        paper::failure::DiskProblem::ReadOnly => VideoErrorKind::StorageReadOnly,
    };
    VideoError::permanent(kind, problem.message())
}
