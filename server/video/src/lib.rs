//! Making the video from a normalised paper: script, voice, scene visuals, captions, final MP4.
//!
//! The offline providers need nothing but local tools; `online` holds the Gemini and Runway
//! clients and `providers` the choice between them.
//!
//! Offline: the script is extracted from the paper's own sentences, the voice
//! is Piper (when installed) or espeak-ng, the visuals and captions are rendered with ffmpeg.

pub mod captions;
pub mod online;
mod process;
pub mod providers;
pub mod render;
pub mod script;
pub mod text;
pub mod visuals;
pub mod voice;

pub use captions::{finish, Finished};
pub use render::render;
pub use script::{numbers_not_in_paper, write_offline, Credits, Scene, SceneKind, Script};
pub use visuals::render_scene;
pub use voice::{speak, SceneAudio, Voice, Word};

/// Video frame geometry shared by every stage.
pub const WIDTH: u32 = 1080;
pub const HEIGHT: u32 = 1920;
pub const FPS: u32 = 30;

/// A failure of one step. `kind` is a stable kebab-case identifier the server can match on;
/// `message` is for people; `transient` says whether retrying the same step might succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VideoError {
    pub kind: &'static str,
    pub message: String,
    pub transient: bool,
    /// How long to wait before retrying, when the provider said so (rate limits, quotas).
    pub retry_after_ms: Option<u64>,
}

impl VideoError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        VideoError { kind, message: message.into(), transient: false, retry_after_ms: None }
    }
    pub fn transient(kind: &'static str, message: impl Into<String>) -> Self {
        VideoError { kind, message: message.into(), transient: true, retry_after_ms: None }
    }
    /// The same error with a retry delay.
    pub fn retry_after(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }
    pub(crate) fn io(context: &str, err: std::io::Error) -> Self {
        VideoError::transient("io", format!("{context}: {err}"))
    }
}

impl std::fmt::Display for VideoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for VideoError {}
