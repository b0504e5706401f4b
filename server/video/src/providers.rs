//! The providers chosen by configuration, one enum per step: offline by default, online when the
//! server has API keys. The server calls these and retries transient errors.

use crate::online::{ClipInfo, Gemini, OpenAi, OpenAiConfig, Runway};
use crate::script::{self, Script};
use crate::voice::Pace;
use crate::{SceneAudio, VideoError, VideoErrorKind, Voice};
use paper::Paper;
use std::path::Path;

/// Who writes the script (generate-script).
#[derive(Clone, Debug)]
pub enum ScriptWriter {
    Offline,
    Gemini(Gemini),
    /// Any OpenAI-compatible chat-completions server (OpenAI, OpenRouter, vLLM, llama.cpp, Ollama).
    Llm(OpenAi),
}

impl ScriptWriter {
    /// The OpenAI-compatible writer for this server and model (`HH_LLM_URL`, `HH_LLM_MODEL`,
    /// optional `HH_LLM_API_KEY` in the server's configuration).
    pub fn llm(config: OpenAiConfig) -> ScriptWriter {
        ScriptWriter::Llm(OpenAi::new(config))
    }

    /// "offline-extractive", the Gemini script model id, or the LLM's model id.
    pub fn name(&self) -> &str {
        match self {
            ScriptWriter::Offline => script::PROVIDER,
            ScriptWriter::Gemini(g) => g.script_provider(),
            ScriptWriter::Llm(l) => l.script_provider(),
        }
    }

    /// Writes the script (60 s). An online writer's permanent failures that the offline writer
    /// can make up for (`unfaithful-script`, `gemini-rejected`/`llm-rejected`, a permanent
    /// `gemini-bad-answer`/`llm-bad-answer`) fall back to the offline writer, whose script then
    /// records `provider` as "offline-extractive (fallback from <model>: <kind>)". Transient
    /// errors (rate limits, daily quota, unavailability) are returned so the server retries after
    /// `retry_after_ms`.
    pub async fn write(&self, paper: &Paper) -> Result<Script, VideoError> {
        self.write_with(paper, &script::ScriptOptions::default()).await
    }

    /// [`ScriptWriter::write`] with a length and the good voice's languages (every writer chooses
    /// the script's language and `voice_note` from them; the length is the offline writer's).
    /// A script written offline after an online failure records the tokens the failed attempt
    /// used in `usage`.
    pub async fn write_with(&self, paper: &Paper, options: &script::ScriptOptions) -> Result<Script, VideoError> {
        let ((result, spent), model) = match self {
            ScriptWriter::Offline => return script::write_offline_with(paper, options),
            ScriptWriter::Gemini(g) => (g.write_script_metered(paper, options).await, g.script_provider()),
            ScriptWriter::Llm(l) => (l.write_script_metered(paper, options).await, l.script_provider()),
        };
        match result {
            Ok(s) => Ok(s),
            Err(e) if falls_back(&e) => {
                let mut s = script::write_offline_with(paper, options)?;
                s.provider = format!("{} (fallback from {}: {})", script::PROVIDER, model, e.kind);
                // The failed attempt's tokens were spent all the same: they are the script's cost.
                s.usage = spent;
                Ok(s)
            }
            Err(e) => Err(e),
        }
    }
}

/// A replacement for one scene, and who wrote it.
#[derive(Clone, Debug)]
pub struct AnotherScene {
    pub scene: script::Scene,
    /// The writer's name as [`ScriptWriter::name`] gives it ("offline-extractive", a model id).
    pub writer: String,
}

impl ScriptWriter {
    /// Another version of `script.scenes[index]` ("Try another sentence" in the studio), written
    /// from [`script::paper_without_script`] so that it rests on sentences no scene uses yet.
    /// Offline: the extractive writer's next-best choice for that place. Online: the model
    /// writes a new script from that paper (with its usual faithfulness checks and repair round)
    /// and its scene for the same place ([`script::same_place`]) is taken; when the model fails
    /// in any way (a rate limit included: a person is waiting) or has no such scene, the offline
    /// writer's choice is given instead, named as such. `None` for a title or credits scene, or
    /// when the paper has no other sentence for the place.
    pub async fn another_scene(&self, paper: &Paper, script: &Script, index: usize) -> Option<AnotherScene> {
        let scene = script.scenes.get(index)?;
        let offline = || {
            script::another_scene(paper, script, index)
                .map(|scene| AnotherScene { scene, writer: script::PROVIDER.to_owned() })
        };
        if matches!(scene.kind, script::SceneKind::Title | script::SceneKind::Credits) {
            return None;
        }
        let rest = script::paper_without_script(paper, script);
        let options = script::another_scene_options(script);
        let written = match self {
            ScriptWriter::Offline => return offline(),
            ScriptWriter::Gemini(g) => g.write_script_with(&rest, &options).await,
            ScriptWriter::Llm(l) => l.write_script_with(&rest, &options).await,
        };
        match written.map(|other| script::same_place(&other, scene, index)) {
            Ok(Some(scene)) => Some(AnotherScene { scene, writer: self.name().to_owned() }),
            Ok(None) => offline(),
            Err(e) => {
                tracing::warn!(writer = self.name(), kind = ?e.kind, "another scene: the online writer failed; the offline writer's choice instead");
                offline()
            }
        }
    }
}

/// Whether an online script failure is answered by writing the script offline.
pub fn falls_back(e: &VideoError) -> bool {
    !e.transient
        && matches!(
            e.kind,
            VideoErrorKind::UnfaithfulScript
                | VideoErrorKind::GeminiRejected
                | VideoErrorKind::GeminiBadAnswer
                | VideoErrorKind::LlmRejected
                | VideoErrorKind::LlmBadAnswer
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

    /// The narrator for a script in `language` (ISO 639-1, `Script::language`): the offline voice
    /// switches to espeak-ng's voice for the language when Piper's English voice does not speak
    /// it (never one language read with another's voice); Gemini's voices are multilingual.
    /// Errors: `no-voice-for-language` (permanent) when no installed voice speaks it.
    pub fn for_language(&self, language: &str) -> Result<Narrator, VideoError> {
        match self {
            Narrator::Offline(v) => v.for_language(language).map(Narrator::Offline).ok_or_else(|| {
                VideoError::permanent(
                    VideoErrorKind::NoVoiceForLanguage,
                    format!("No installed voice speaks this paper's language ({language}). Upload a version of the paper in a language espeak-ng speaks."),
                )
            }),
            Narrator::Gemini(_) => Ok(self.clone()),
        }
    }

    /// "basic voice" when the narration is read by espeak-ng (the status page says so), else None.
    pub fn voice_note(&self) -> Option<&'static str> {
        match self {
            Narrator::Offline(v) if v.is_basic() => Some("basic voice"),
            _ => None,
        }
    }

    /// The language the narrator speaks (ISO 639-1), or "any" for Gemini's multilingual voices.
    pub fn language(&self) -> &str {
        match self {
            Narrator::Offline(v) => v.language(),
            Narrator::Gemini(_) => "any",
        }
    }

    /// Speaks one scene into `out_wav` (48 kHz mono, whole frames, word timings). An offline
    /// voice given a narration clearly in another language reads it with that language's
    /// espeak-ng voice.
    pub async fn speak(&self, narration: &str, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        self.speak_at(narration, Pace::Normal, out_wav).await
    }

    /// [`Narrator::speak`] at `pace` (Gemini's voices keep their own pace).
    pub async fn speak_at(&self, narration: &str, pace: Pace, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        self.session().speak_at(narration, pace, out_wav).await
    }

    /// A session for speaking several scenes in turn: the offline voice keeps Piper's model
    /// loaded between them ([`crate::voice::Session`]).
    pub fn session(&self) -> NarratorSession<'_> {
        match self {
            Narrator::Offline(v) => NarratorSession::Offline(v.session()),
            Narrator::Gemini(g) => NarratorSession::Gemini(g),
        }
    }
}

/// A [`Narrator`] speaking a job's scenes one after the other.
pub enum NarratorSession<'a> {
    Offline(crate::voice::Session),
    Gemini(&'a Gemini),
}

impl NarratorSession<'_> {
    /// Speaks one scene like [`Narrator::speak_at`].
    pub async fn speak_at(&mut self, narration: &str, pace: Pace, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        match self {
            NarratorSession::Offline(session) => session.speak_at(narration, pace, out_wav).await,
            NarratorSession::Gemini(g) => g.speak(narration, out_wav).await,
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
