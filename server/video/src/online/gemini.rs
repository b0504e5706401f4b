//! Google Gemini: the script (generateContent with structured JSON output) and the narration
//! (text-to-speech), as described in `external-apis.md` §2.
//!
//! Error kinds:
//! - `gemini-rate-limited` (transient, `retry_after_ms` from RetryInfo / Retry-After);
//! - `gemini-quota` (transient, a per-day quota is used up: the job waits, retry after an hour);
//! - `gemini-unavailable` (transient: 5xx, timeouts, connection failures);
//! - `gemini-rejected` (permanent: bad key, bad request, no access, unknown model);
//! - `gemini-bad-answer` (permanent after one internal retry: blocked, empty, truncated or malformed answer);
//! - `unfaithful-script` (permanent: the script says numbers or quotes sentences the paper does not have).

use super::{excerpt, scrub};
use crate::script::{self, Scene, SceneKind, Script};
use crate::text::{self, clean, expand_abbreviations};
use crate::voice::{self, SceneAudio};
use crate::{VideoError, VideoErrorKind};
use base64::Engine as _;
use paper::Paper;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// Where and how to reach Gemini. `Debug` never shows the key.
#[derive(Clone, Debug)]
pub struct GeminiConfig {
    /// Without the `/v1beta` suffix.
    pub base_url: String,
    /// Never printed: `Debug` shows `[REDACTED]`.
    pub api_key: SecretString,
    pub script_model: String,
    pub tts_model: String,
    /// A prebuilt voice name (case-sensitive), e.g. "Kore".
    pub tts_voice: String,
    /// Per request; generation with thinking and TTS are slow (external-apis.md §2.4, §2.6).
    pub timeout: Duration,
}

pub const DEFAULT_BASE_URL: &str = "https://generativelanguage.googleapis.com";
pub const DEFAULT_SCRIPT_MODEL: &str = "gemini-3.8-flash";
pub const DEFAULT_TTS_MODEL: &str = "gemini-3.8-flash-tts";
pub const DEFAULT_TTS_VOICE: &str = "Kore";

impl GeminiConfig {
    /// The defaults with this key.
    pub fn new(api_key: impl Into<SecretString>) -> Self {
        GeminiConfig { api_key: api_key.into(), ..Default::default() }
    }
}

impl Default for GeminiConfig {
    fn default() -> Self {
        GeminiConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: SecretString::default(),
            script_model: DEFAULT_SCRIPT_MODEL.into(),
            tts_model: DEFAULT_TTS_MODEL.into(),
            tts_voice: DEFAULT_TTS_VOICE.into(),
            timeout: Duration::from_secs(300),
        }
    }
}

/// A Gemini client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Gemini {
    config: GeminiConfig,
    http: reqwest::Client,
    voice_label: String,
}

/// The paper text sent with the prompt, in characters (≈ 15 k tokens).
const PAPER_BUDGET: usize = 60_000;
/// A per-day quota's reset time is not given: look again after this long.
const QUOTA_WAIT_MS: u64 = 3_600_000;
/// Fallback wait when a 429 names no delay.
const RATE_LIMIT_WAIT_MS: u64 = 30_000;

const SYSTEM: &str = "You write accurate, engaging narration scripts for 30 to 90 second vertical science videos, \
from one scientific paper. Use only facts stated in the paper. Never invent numbers: every number you say must be \
printed in the paper. For every scene, quote in source_sentences one to three sentences copied character for \
character from the paper text given (no paraphrase, no ellipsis). Narration is plain spoken English: no markdown, \
no citation markers, no URLs, no figure references; 1 to 3 short sentences per scene, 130 to 190 words in total. \
The first scene is the hook (kind Title). Use kind Number only with a key_number copied from the narration, and \
kind Figure only with a figure file name from the list given. Do not write a credits scene: it is added from \
the paper's metadata.";

impl Gemini {
    pub fn new(config: GeminiConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let voice_label = format!("gemini {} {}", config.tts_model, config.tts_voice);
        Gemini { config, http, voice_label }
    }

    pub fn config(&self) -> &GeminiConfig {
        &self.config
    }

    /// The provider recorded in scripts it writes: the script model id.
    pub fn script_provider(&self) -> &str {
        &self.config.script_model
    }

    /// "gemini {tts_model} {voice}".
    pub fn voice_name(&self) -> &str {
        &self.voice_label
    }

    /// Writes the script with the script model and checks it against the paper. One internal
    /// retry when the answer is unusable; `unfaithful-script` when it is not faithful.
    pub async fn write_script(&self, paper: &Paper) -> Result<Script, VideoError> {
        if !paper.has_text() {
            return Err(VideoError::new(
                VideoErrorKind::TooLittleText,
                "The paper has no text to write a script from.",
            ));
        }
        let body = script_request(paper, &self.config.script_model);
        let mut last = None;
        for attempt in 0..2 {
            let answer = self.generate(&self.config.script_model, &body, "writing the script").await?;
            let result = answer_text(&answer)
                .and_then(|t| parse_script(&t))
                .and_then(|a| build_script(a, paper, &self.config.script_model));
            match result {
                Err(e) if e.kind == VideoErrorKind::GeminiBadAnswer && attempt == 0 => last = Some(e),
                Err(mut e) if e.kind == VideoErrorKind::GeminiBadAnswer => {
                    e.transient = false;
                    e.message = format!("{} (twice in a row; the script is written offline instead)", e.message);
                    return Err(e);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| VideoError::new(VideoErrorKind::GeminiBadAnswer, "Gemini gave no usable script.")))
    }

    /// Speaks one scene's narration with the TTS model into `out_wav`: 48 kHz mono PCM with the
    /// same lead/tail silence, whole-frame length and word alignment as the offline voice.
    pub async fn speak(&self, narration: &str, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        let caption_words: Vec<String> = narration.split_whitespace().map(str::to_string).collect();
        if caption_words.is_empty() {
            return Err(VideoError::new(VideoErrorKind::EmptyNarration, "A scene has no narration to speak."));
        }
        let spoken = text::spoken(narration);
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": spoken}]}],
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": self.config.tts_voice}}}
            }
        });
        let raw = out_wav.with_extension("raw.wav");
        let mut last = None;
        for attempt in 0..2 {
            let answer = self.generate(&self.config.tts_model, &body, "speaking the narration").await?;
            match audio_of(&answer).and_then(|wav| {
                let ms = wav_ms(&wav).unwrap_or(0);
                // ≈ 2.3–3 words/s is normal; faster than 8 words/s means the audio was cut short.
                if ms < caption_words.len() as u64 * 125 {
                    Err(VideoError::transient(
                        VideoErrorKind::GeminiBadAnswer,
                        format!("Gemini's speech was cut short ({ms} ms for {} words).", caption_words.len()),
                    ))
                } else {
                    Ok(wav)
                }
            }) {
                Ok(wav) => {
                    tokio::fs::write(&raw, &wav)
                        .await
                        .map_err(|e| VideoError::io(&format!("writing {}", raw.display()), e))?;
                    let result = voice::finish_wav(&raw, out_wav, &caption_words).await;
                    let _ = tokio::fs::remove_file(&raw).await;
                    return result;
                }
                Err(e) if e.kind == VideoErrorKind::GeminiBadAnswer && attempt == 0 => last = Some(e),
                Err(mut e) => {
                    e.transient = false;
                    return Err(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| VideoError::new(VideoErrorKind::GeminiBadAnswer, "Gemini gave no usable speech.")))
    }

    /// One generateContent call; HTTP and transport failures mapped to error kinds.
    async fn generate(&self, model: &str, body: &Value, what: &str) -> Result<Value, VideoError> {
        let url = format!("{}/v1beta/models/{}:generateContent", self.config.base_url.trim_end_matches('/'), model);
        let key = self.config.api_key.expose_secret();
        let resp = self
            .http
            .post(&url)
            .header("x-goog-api-key", key)
            .timeout(self.config.timeout)
            .json(body)
            .send()
            .await
            .map_err(|e| transport_error(&e, what, key))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(|s| (s * 1000.0) as u64);
        let text = resp.text().await.map_err(|e| transport_error(&e, what, key))?;
        if !(200..300).contains(&status) {
            let mut e = http_error(status, retry_after, &text, model, what);
            e.message = scrub(&e.message, key);
            return Err(e);
        }
        serde_json::from_str(&text).map_err(|_| {
            VideoError::transient(
                VideoErrorKind::GeminiBadAnswer,
                format!("Gemini answered {what} with a body that is not JSON."),
            )
        })
    }
}

fn transport_error(e: &reqwest::Error, what: &str, key: &str) -> VideoError {
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        format!("request failed: {e}")
    };
    VideoError::transient(
        VideoErrorKind::GeminiUnavailable,
        scrub(&format!("Gemini is unreachable while {what} ({why}); will retry."), key),
    )
}

#[derive(Deserialize, Default)]
struct Envelope {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<Value>,
}

/// "23s", "29.72s", "1.5s" → ms.
fn duration_ms(s: &str) -> Option<u64> {
    let n: f64 = s.trim().strip_suffix('s')?.parse().ok()?;
    (n.is_finite() && n >= 0.0).then(|| (n * 1000.0).ceil() as u64)
}

/// Maps a non-2xx answer (external-apis.md §2.4) to an error.
fn http_error(status: u16, retry_after_header: Option<u64>, body: &str, model: &str, what: &str) -> VideoError {
    let env: Envelope = serde_json::from_str(body).unwrap_or_default();
    let err = env.error;
    let said = if err.message.is_empty() { excerpt(body, 200) } else { excerpt(&err.message, 300) };
    let detail_str = |key: &str| -> Vec<String> {
        let mut out = Vec::new();
        for d in &err.details {
            if let Some(v) = d.get(key).and_then(Value::as_str) {
                out.push(v.to_string());
            }
            if let Some(vs) = d.get("violations").and_then(Value::as_array) {
                out.extend(vs.iter().filter_map(|v| v.get(key).and_then(Value::as_str)).map(str::to_string));
            }
        }
        out
    };
    match status {
        429 => {
            let delay = detail_str("retryDelay").iter().filter_map(|d| duration_ms(d)).max();
            let wait = delay.into_iter().chain(retry_after_header).max();
            let per_day = detail_str("quotaId").into_iter().find(|q| q.contains("PerDay"));
            if let Some(q) = per_day {
                let ms = wait.unwrap_or(0).max(QUOTA_WAIT_MS);
                VideoError::transient(
                    VideoErrorKind::GeminiQuota,
                    format!("The Gemini daily quota is used up ({q}, model {model}). The job waits and tries again after the quota resets (checking every hour); raise the project's tier in AI Studio to avoid this."),
                )
                .retry_after(ms)
            } else {
                let ms = wait.unwrap_or(RATE_LIMIT_WAIT_MS);
                VideoError::transient(
                    VideoErrorKind::GeminiRateLimited,
                    format!(
                        "Gemini is rate-limiting requests while {what}; retrying in {:.0} s.",
                        (ms as f64 / 1000.0).ceil()
                    ),
                )
                .retry_after(ms)
            }
        }
        500..=599 => VideoError::transient(
            VideoErrorKind::GeminiUnavailable,
            format!("Gemini is unavailable while {what} (HTTP {status} {}: {said}); will retry.", err.status),
        ),
        408 => VideoError::transient(
            VideoErrorKind::GeminiUnavailable,
            format!("Gemini timed out while {what} (HTTP 408); will retry."),
        ),
        _ => {
            let reasons = detail_str("reason");
            let message = if reasons.iter().any(|r| r == "API_KEY_INVALID") || said.contains("API key not valid") {
                "Gemini rejected the API key (API_KEY_INVALID). Set a valid Gemini API key in the server configuration, or remove it to use the offline providers.".to_string()
            } else if status == 403 {
                format!("Gemini refused access (HTTP 403 {}: {said}). Check that the API key is enabled for the Gemini API and has not been revoked.", err.status)
            } else if status == 404 {
                format!("The Gemini model \"{model}\" was not found (retired or misspelled). Set a current model id in the configuration.")
            } else if status == 401 {
                "Gemini rejected the credentials (HTTP 401). Set a valid Gemini API key in the server configuration."
                    .to_string()
            } else if err.status == "FAILED_PRECONDITION" {
                format!("Gemini cannot serve this project (FAILED_PRECONDITION: {said}). Enable billing or use a supported region.")
            } else {
                format!("Gemini rejected the request while {what} (HTTP {status} {}: {said}). This is a configuration or client bug; check the model ids.", err.status)
            };
            VideoError::new(VideoErrorKind::GeminiRejected, message)
        }
    }
}

/// The answer's text: the non-thought parts of the first candidate, which must have finished.
fn answer_text(answer: &Value) -> Result<String, VideoError> {
    let cand = first_candidate(answer)?;
    let mut out = String::new();
    for p in cand.pointer("/content/parts").and_then(Value::as_array).into_iter().flatten() {
        if p.get("thought").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if let Some(t) = p.get("text").and_then(Value::as_str) {
            out.push_str(t);
        }
    }
    if out.trim().is_empty() {
        return Err(VideoError::transient(VideoErrorKind::GeminiBadAnswer, "Gemini returned an empty answer."));
    }
    Ok(out)
}

fn first_candidate(answer: &Value) -> Result<&Value, VideoError> {
    let Some(cand) = answer.get("candidates").and_then(Value::as_array).and_then(|c| c.first()) else {
        let reason = answer.pointer("/promptFeedback/blockReason").and_then(Value::as_str).unwrap_or("no candidates");
        return Err(VideoError::transient(
            VideoErrorKind::GeminiBadAnswer,
            format!("Gemini returned no answer (blocked: {reason})."),
        ));
    };
    let finish = cand.get("finishReason").and_then(Value::as_str).unwrap_or("STOP");
    if finish != "STOP" {
        return Err(VideoError::transient(
            VideoErrorKind::GeminiBadAnswer,
            format!("Gemini's answer stopped early or was blocked (finishReason {finish})."),
        ));
    }
    Ok(cand)
}

/// The answer's audio as a WAV file: a WAV answer as is, raw L16 PCM wrapped in a header.
fn audio_of(answer: &Value) -> Result<Vec<u8>, VideoError> {
    let cand = first_candidate(answer)?;
    let part = cand
        .pointer("/content/parts")
        .and_then(Value::as_array)
        .and_then(|ps| ps.iter().find_map(|p| p.get("inlineData").or_else(|| p.get("inline_data"))))
        .ok_or_else(|| {
            VideoError::transient(VideoErrorKind::GeminiBadAnswer, "Gemini's speech answer holds no audio.")
        })?;
    let mime = part
        .get("mimeType")
        .or_else(|| part.get("mime_type"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let data = part.get("data").and_then(Value::as_str).unwrap_or("");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| VideoError::transient(VideoErrorKind::GeminiBadAnswer, "Gemini's audio is not valid base64."))?;
    if bytes.is_empty() {
        return Err(VideoError::transient(VideoErrorKind::GeminiBadAnswer, "Gemini's speech answer holds no audio."));
    }
    let is_wav = (bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WAVE")
        || mime.starts_with("audio/wav")
        || mime.starts_with("audio/x-wav");
    if is_wav {
        if wav_ms(&bytes).is_none() {
            return Err(VideoError::transient(
                VideoErrorKind::GeminiBadAnswer,
                "Gemini's WAV audio has no readable header.",
            ));
        }
        return Ok(bytes);
    }
    let rate = mime
        .split(';')
        .filter_map(|p| p.trim().strip_prefix("rate="))
        .find_map(|r| r.trim().parse::<u32>().ok())
        .filter(|r| (8_000..=96_000).contains(r))
        .unwrap_or(24_000);
    Ok(pcm_to_wav(&bytes[..bytes.len() & !1], rate))
}

/// Wraps signed 16-bit little-endian mono PCM in a 44-byte WAV header.
pub fn pcm_to_wav(pcm: &[u8], rate: u32) -> Vec<u8> {
    let len = pcm.len() as u32;
    let mut w = Vec::with_capacity(44 + pcm.len());
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&len.to_le_bytes());
    w.extend_from_slice(pcm);
    w
}

fn wav_ms(b: &[u8]) -> Option<u64> {
    voice::wav_duration_from_bytes(b)
}

// ---- the script ----

fn script_schema() -> Value {
    let s = || json!({"type": "string"});
    json!({
        "type": "object",
        "properties": {
            "hook": {"type": "string", "description": "one spoken sentence, the main finding"},
            "scenes": {"type": "array", "minItems": 4, "maxItems": 8, "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["Title", "Point", "Number", "Quote", "Figure"]},
                    "label": {"type": "string", "description": "2-4 word heading, e.g. What they found"},
                    "narration": {"type": "string", "description": "spoken words, 1-3 short sentences"},
                    "on_screen_text": {"type": "string", "description": "short text shown on screen"},
                    "visual": {"type": "string", "description": "the visual plan in words, no text in the picture"},
                    "figure": {"type": "string", "description": "figure file name from the list, or empty"},
                    "key_number": {"type": "string", "description": "a number from the narration, or empty"},
                    "source_sentences": {"type": "array", "minItems": 1, "maxItems": 3, "items": s()}
                },
                "required": ["kind", "narration", "on_screen_text", "visual", "source_sentences"]
            }},
            "post_caption": {"type": "string", "description": "1-2 sentences for the social post, no hashtags"},
            "hashtags": {"type": "array", "maxItems": 8, "items": s()}
        },
        "required": ["hook", "scenes", "post_caption", "hashtags"]
    })
}

/// The paper as prompt text, within [`PAPER_BUDGET`] characters.
pub(crate) fn paper_prompt(paper: &Paper) -> String {
    let mut out = format!("Title: {}\n", paper.title);
    if !paper.authors.is_empty() {
        out.push_str(&format!("Authors: {}\n", paper.authors.join(", ")));
    }
    if let Some(j) = &paper.journal {
        out.push_str(&format!("Journal: {j}\n"));
    }
    if let Some(y) = paper.year() {
        out.push_str(&format!("Year: {y}\n"));
    }
    let figs: Vec<String> = paper
        .figures
        .iter()
        .filter_map(|f| {
            let img = f.image.as_deref().filter(|i| !i.trim().is_empty())?;
            Some(format!(
                "- {} (file {img}): {}",
                f.label.clone().unwrap_or_else(|| "Figure".into()),
                excerpt(&f.caption, 400)
            ))
        })
        .collect();
    out.push_str("\nFigures you may use (kind Figure, figure = the file name):\n");
    out.push_str(if figs.is_empty() { "(none)\n" } else { "" });
    for f in figs {
        out.push_str(&f);
        out.push('\n');
    }
    out.push_str("\nAbstract:\n");
    let mut body = String::new();
    for p in &paper.abstract_paragraphs {
        body.push_str(p);
        body.push_str("\n\n");
    }
    const SKIP: &[&str] = &[
        "reference",
        "acknowledg",
        "funding",
        "competing",
        "conflict",
        "contribution",
        "supporting",
        "supplement",
        "abbreviation",
    ];
    for s in &paper.sections {
        let h = s.heading.to_lowercase();
        if SKIP.iter().any(|k| h.contains(k)) {
            continue;
        }
        body.push_str(&format!("## {}\n", s.heading));
        for p in &s.paragraphs {
            body.push_str(p);
            body.push_str("\n\n");
        }
    }
    if body.len() > PAPER_BUDGET {
        let mut cut = PAPER_BUDGET;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let end = body[..cut].rfind("\n\n").unwrap_or(cut);
        body.truncate(end);
        body.push_str("\n\n[the rest of the paper is omitted]");
    }
    out.push_str(&body);
    out
}

fn script_request(paper: &Paper, model: &str) -> Value {
    let prompt = format!(
        "Write the script for a vertical video about this paper as JSON matching the schema: 4 to 8 scenes (a credits scene is added after them).\n\n{}",
        paper_prompt(paper)
    );
    let mut config = json!({
        "responseMimeType": "application/json",
        "responseJsonSchema": script_schema(),
        "maxOutputTokens": 8192
    });
    if model.starts_with("gemini-3") || model.starts_with("gemini-4") {
        config["thinkingConfig"] = json!({"thinkingLevel": "LOW"});
    }
    json!({
        "systemInstruction": {"parts": [{"text": SYSTEM}]},
        "contents": [{"role": "user", "parts": [{"text": prompt}]}],
        "generationConfig": config
    })
}

#[derive(Deserialize)]
struct AnswerScript {
    #[serde(default)]
    hook: String,
    scenes: Vec<AnswerScene>,
    #[serde(default)]
    post_caption: String,
    #[serde(default)]
    hashtags: Vec<String>,
}

#[derive(Deserialize)]
struct AnswerScene {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    narration: String,
    #[serde(default)]
    on_screen_text: String,
    #[serde(default)]
    visual: String,
    #[serde(default)]
    figure: Option<String>,
    #[serde(default)]
    key_number: Option<String>,
    #[serde(default)]
    source_sentences: Vec<String>,
}

fn parse_script(text: &str) -> Result<AnswerScript, VideoError> {
    let t = text.trim();
    // Tolerate a fenced block, though the schema asks for bare JSON.
    let t = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```"))
        .map(|x| x.trim_end().trim_end_matches("```"))
        .unwrap_or(t);
    serde_json::from_str(t.trim()).map_err(|e| {
        VideoError::transient(
            VideoErrorKind::GeminiBadAnswer,
            format!("Gemini's script is not valid JSON of the expected shape ({e})."),
        )
    })
}

/// Whitespace collapsed and quotes unified, for "is this sentence in the paper" checks.
fn normalise(s: &str) -> String {
    s.replace(['\u{a0}', '\u{2009}', '\u{202f}'], " ")
        .replace(['“', '”'], "\"")
        .replace(['‘', '’'], "'")
        .replace(['‐', '‑', '–'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tidy(s: &str) -> String {
    expand_abbreviations(&clean(s))
}

fn build_script(a: AnswerScript, paper: &Paper, model: &str) -> Result<Script, VideoError> {
    let unfaithful = |why: String| {
        VideoError::new(VideoErrorKind::UnfaithfulScript, format!("Gemini's script is not faithful to the paper: {why}. The script is written offline from the paper's own sentences instead."))
    };
    if a.scenes.len() < 4 {
        return Err(VideoError::transient(
            VideoErrorKind::GeminiBadAnswer,
            format!("Gemini's script has {} scenes; at least 4 are needed.", a.scenes.len()),
        ));
    }
    let corpus = normalise(&paper.all_text().chain([paper.title.as_str()]).collect::<Vec<_>>().join("\n"));
    let images: Vec<&str> = paper.figures.iter().filter_map(|f| f.image.as_deref()).collect();
    let mut scenes = Vec::new();
    for (i, s) in a.scenes.into_iter().take(8).enumerate() {
        let narration = tidy(&s.narration);
        if text::word_count(&narration) < 2 {
            return Err(VideoError::transient(
                VideoErrorKind::GeminiBadAnswer,
                format!("Scene {} of Gemini's script has no narration.", i + 1),
            ));
        }
        let mut sources = Vec::new();
        for q in &s.source_sentences {
            let n = normalise(q.trim().trim_matches('"'));
            if n.is_empty() {
                continue;
            }
            if text::word_count(&n) < 3 || !corpus.contains(&n) {
                return Err(unfaithful(format!(
                    "scene {} quotes \"{}\", which is not a sentence of the paper",
                    i + 1,
                    excerpt(q, 120)
                )));
            }
            sources.push(q.trim().to_string());
        }
        if sources.is_empty() {
            return Err(unfaithful(format!("scene {} quotes no sentence of the paper", i + 1)));
        }
        let mut kind = match s.kind.trim().to_ascii_lowercase().as_str() {
            "title" => SceneKind::Title,
            "number" => SceneKind::Number,
            "quote" => SceneKind::Quote,
            "figure" => SceneKind::Figure,
            _ => SceneKind::Point,
        };
        if i == 0 {
            kind = SceneKind::Title;
        }
        let figure = s.figure.map(|f| f.trim().to_string()).filter(|f| !f.is_empty() && images.contains(&f.as_str()));
        let key_number = s.key_number.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
        if kind == SceneKind::Figure && figure.is_none() {
            kind = SceneKind::Point;
        }
        if kind == SceneKind::Number && key_number.is_none() {
            kind = SceneKind::Point;
        }
        let mut on_screen = tidy(&s.on_screen_text);
        if on_screen.is_empty() {
            on_screen = narration.clone();
        }
        let label = clean(&s.label);
        let label = if label.is_empty() {
            match kind {
                SceneKind::Title => "New research",
                SceneKind::Quote => "What it means",
                SceneKind::Figure => "From the paper",
                _ => "Key point",
            }
            .to_string()
        } else {
            label
        };
        scenes.push(Scene {
            kind,
            narration,
            on_screen_text: if kind == SceneKind::Title { clean(&paper.title) } else { on_screen },
            visual: clean(&s.visual),
            figure: if kind == SceneKind::Figure { figure } else { None },
            key_number: if kind == SceneKind::Number { key_number } else { None },
            source_sentences: sources,
            label,
        });
    }
    let credits = script::credits_of(paper);
    scenes.push(script::credits_scene(paper, &credits));
    let hook = {
        let h = tidy(&a.hook);
        if h.is_empty() {
            scenes[0].narration.clone()
        } else {
            h
        }
    };
    let mut tags: Vec<String> = a
        .hashtags
        .iter()
        .map(|t| t.chars().filter(|c| c.is_alphanumeric()).collect::<String>())
        .filter(|t| !t.is_empty() && t.len() <= 40)
        .map(|t| format!("#{t}"))
        .take(8)
        .collect();
    tags.dedup();
    if tags.is_empty() {
        tags = script::hashtags(paper);
    }
    let lead = {
        let c = tidy(&a.post_caption);
        if c.is_empty() {
            format!("{hook} 🧪")
        } else {
            c
        }
    };
    let script = Script {
        title: clean(&paper.title),
        hook,
        post_caption: script::post_caption(paper, &credits, &lead, &tags),
        scenes,
        credits,
        hashtags: tags,
        provider: model.to_string(),
    };
    let invented = script::numbers_not_in_paper(&script, paper);
    if !invented.is_empty() {
        return Err(unfaithful(format!("it says numbers the paper never prints ({})", invented.join(", "))));
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_quota_errors() {
        assert_eq!(duration_ms("23s"), Some(23_000));
        assert_eq!(duration_ms("29.72s"), Some(29_720));
        let body = r#"{"error":{"code":429,"message":"q","status":"RESOURCE_EXHAUSTED","details":[
            {"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"23s"}]}}"#;
        let e = http_error(429, None, body, "m", "x");
        assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("gemini-quota", true, Some(QUOTA_WAIT_MS)));
        let e = http_error(429, Some(40_000), &body.replace("PerDay", "PerMinute"), "m", "x");
        assert_eq!((e.kind.as_str(), e.retry_after_ms), ("gemini-rate-limited", Some(40_000)));
        let e = http_error(503, None, "{}", "m", "x");
        assert!(e.transient && e.kind == "gemini-unavailable");
    }

    #[test]
    fn pcm_is_wrapped() {
        let w = pcm_to_wav(&[0u8; 48_000], 24_000);
        assert_eq!(wav_ms(&w), Some(1000));
    }
}
