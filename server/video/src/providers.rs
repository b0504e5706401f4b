//! The providers chosen by configuration, one enum per step: offline by default, online when the
//! server has API keys. The server calls these and retries transient errors.

use crate::online::{ClipInfo, Gemini, Runway};
use crate::script::{self, Script};
use crate::{SceneAudio, VideoError, VideoErrorKind, Voice};
use paper::Paper;
use std::path::Path;

/// Who writes the script (generate-script).
#[derive(Clone, Debug)]
pub enum ScriptWriter {
    Offline,
    Gemini(Gemini),
}

impl ScriptWriter {
    /// "offline-extractive" or the Gemini script model id.
    pub fn name(&self) -> &str {
        match self {
            ScriptWriter::Offline => script::PROVIDER,
            ScriptWriter::Gemini(g) => g.script_provider(),
        }
    }

    /// Writes the script. Gemini's permanent failures that the offline writer can make up for
    /// (`unfaithful-script`, `gemini-rejected`, a permanent `gemini-bad-answer`) fall back to the
    /// offline writer, whose script then records `provider` as
    /// "offline-extractive (fallback from <model>: <kind>)". Transient errors (rate limits, daily
    /// quota, unavailability) are returned so the server retries after `retry_after_ms`.
    pub async fn write(&self, paper: &Paper) -> Result<Script, VideoError> {
        match self {
            ScriptWriter::Offline => script::write_offline(paper),
            ScriptWriter::Gemini(g) => match g.write_script(paper).await {
                Ok(s) => Ok(s),
                Err(e) if falls_back(&e) => {
                    let mut s = script::write_offline(paper)?;
                    s.provider = format!("{} (fallback from {}: {})", script::PROVIDER, g.script_provider(), e.kind);
                    Ok(s)
                }
                Err(e) => Err(e),
            },
        }
    }
}

/// Whether a Gemini script failure is answered by writing the script offline.
pub fn falls_back(e: &VideoError) -> bool {
    !e.transient
        && matches!(
            e.kind,
            VideoErrorKind::UnfaithfulScript | VideoErrorKind::GeminiRejected | VideoErrorKind::GeminiBadAnswer
        )
}

/// Who speaks the narration (generate-audio).
#[derive(Clone, Debug)]
pub enum Narrator {
    Offline(Voice),
    Gemini(Gemini),
}

impl Narrator {
    pub fn name(&self) -> &str {
        match self {
            Narrator::Offline(v) => v.name(),
            Narrator::Gemini(g) => g.voice_name(),
        }
    }

    /// Speaks one scene into `out_wav` (48 kHz mono, whole frames, word timings).
    pub async fn speak(&self, narration: &str, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        match self {
            Narrator::Offline(v) => crate::voice::speak(v, narration, out_wav).await,
            Narrator::Gemini(g) => g.speak(narration, out_wav).await,
        }
    }
}

/// Who renders the scene clips (generate-videos).
#[derive(Clone, Debug)]
pub enum SceneRenderer {
    Offline,
    Runway(Runway),
}

impl SceneRenderer {
    /// "ffmpeg" or "runway <model>".
    pub fn name(&self) -> &str {
        match self {
            SceneRenderer::Offline => "ffmpeg",
            SceneRenderer::Runway(r) => r.name(),
        }
    }

    /// Renders scene `index` into `out_mp4`: 1080×1920, 30 fps, exactly the scene's audio length.
    pub async fn render_scene(
        &self,
        script: &Script,
        index: usize,
        audio: &SceneAudio,
        paper_dir: &Path,
        out_mp4: &Path,
    ) -> Result<ClipInfo, VideoError> {
        match self {
            SceneRenderer::Offline => {
                crate::visuals::render_scene(script, index, audio, paper_dir, out_mp4).await?;
                Ok(ClipInfo { provider: "ffmpeg".into(), cost_credits: None })
            }
            SceneRenderer::Runway(r) => r.render_scene(script, index, audio, paper_dir, out_mp4).await,
        }
    }
}
