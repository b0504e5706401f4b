//! Google Gemini: the script (generateContent with structured JSON output) and the narration
//! (text-to-speech), as described in `external-apis.md` §2.
//!
//! Error kinds:
//! - `gemini-rate-limited` (transient, `retry_after_ms` from RetryInfo / Retry-After);
//! - `gemini-quota` (a per-day quota is used up: not retried at once; the job waits and tries
//!   again after an hour, or goes on offline, as for the server's own budgets);
//! - `gemini-unavailable` (transient: 5xx, timeouts, connection failures);
//! - `gemini-rejected` (permanent: bad key, bad request, no access, unknown model);
//! - `gemini-bad-answer` (permanent after one internal retry: blocked, empty, truncated or malformed answer);
//! - `unfaithful-script` (permanent: the script says numbers or quotes sentences the paper does not have).

use super::{excerpt, prompt, scrub};
use crate::script::{Script, ScriptOptions, Usage};
use crate::text;
use crate::usage::{Meter, Service, Spend};
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
    meter: Meter,
}

/// A per-day quota's reset time is not given: look again after this long.
const QUOTA_WAIT_MS: u64 = 3_600_000;
/// Fallback wait when a 429 names no delay.
const RATE_LIMIT_WAIT_MS: u64 = 30_000;

impl Gemini {
    pub fn new(config: GeminiConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let voice_label = format!("gemini {} {}", config.tts_model, config.tts_voice);
        Gemini { config, http, voice_label, meter: Meter::default() }
    }

    /// This client with every call counted by `meter` (and refused when its budget is spent).
    pub fn metered(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
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
        self.write_script_with(paper, &ScriptOptions::default()).await
    }

    /// [`Gemini::write_script`] for a voice that speaks `options.voice_languages`: the script is
    /// in the language the offline writer would choose, with the same `voice_note`.
    pub async fn write_script_with(&self, paper: &Paper, options: &ScriptOptions) -> Result<Script, VideoError> {
        self.write_script_metered(paper, options).await.0
    }

    /// [`Gemini::write_script_with`], with the tokens every call used, the failed ones included.
    pub async fn write_script_metered(
        &self,
        paper: &Paper,
        options: &ScriptOptions,
    ) -> (Result<Script, VideoError>, Option<Usage>) {
        let mut spent = None;
        let result = self.write_counted(paper, options, &mut spent).await;
        (result, spent)
    }

    async fn write_counted(
        &self,
        paper: &Paper,
        options: &ScriptOptions,
        spent: &mut Option<Usage>,
    ) -> Result<Script, VideoError> {
        if !paper.has_text() {
            return Err(VideoError::permanent(
                VideoErrorKind::TooLittleText,
                "The paper has no text to write a script from.",
            ));
        }
        let choice = crate::script::choose_language(paper, &options.voice_languages);
        let view = crate::script::text_view(paper, &choice);
        let body = script_request(&view, &choice.language, &self.config.script_model);
        let mut last = None;
        for attempt in 0..2 {
            let answer = self.generate(&self.config.script_model, &body, "writing the script").await?;
            if let Some(u) = usage_of(&answer) {
                let total = spent.get_or_insert_with(Usage::default);
                total.prompt_tokens += u.prompt_tokens;
                total.completion_tokens += u.completion_tokens;
            }
            let result = answer_text(&answer)
                .and_then(|t| prompt::parse_script(&t, "Gemini", VideoErrorKind::GeminiBadAnswer))
                .and_then(|a| {
                    prompt::build_script(
                        a,
                        &view,
                        &choice,
                        &self.config.script_model,
                        "Gemini",
                        VideoErrorKind::GeminiBadAnswer,
                    )
                    .map_err(|u| u.error)
                })
                .map(|mut s| {
                    s.usage = *spent;
                    s
                });
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
        Err(last
            .unwrap_or_else(|| VideoError::permanent(VideoErrorKind::GeminiBadAnswer, "Gemini gave no usable script.")))
    }

    /// Speaks one scene's narration with the TTS model into `out_wav`: 48 kHz mono PCM with the
    /// same lead/tail silence, whole-frame length and word alignment as the offline voice.
    pub async fn speak(&self, narration: &str, out_wav: &Path) -> Result<SceneAudio, VideoError> {
        let caption_words: Vec<String> = narration.split_whitespace().map(str::to_string).collect();
        if caption_words.is_empty() {
            return Err(VideoError::permanent(VideoErrorKind::EmptyNarration, "A scene has no narration to speak."));
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
                        .map_err(|e| crate::io_error(&format!("writing {}", raw.display()), e))?;
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
        Err(last
            .unwrap_or_else(|| VideoError::permanent(VideoErrorKind::GeminiBadAnswer, "Gemini gave no usable speech.")))
    }

    /// One generateContent call; HTTP and transport failures mapped to error kinds.
    async fn generate(&self, model: &str, body: &Value, what: &str) -> Result<Value, VideoError> {
        let url = format!("{}/v1beta/models/{}:generateContent", self.config.base_url.trim_end_matches('/'), model);
        let tokens = |answer: &Value| usage_of(answer).map_or(0, |u| u.prompt_tokens + u.completion_tokens);
        self.meter
            .call(Service::Gemini, Spend::ONE_REQUEST, self.call(&url, model, body, what), |answer| Spend {
                tokens: tokens(answer),
                ..Spend::ONE_REQUEST
            })
            .await
    }

    async fn call(&self, url: &str, model: &str, body: &Value, what: &str) -> Result<Value, VideoError> {
        let key = self.config.api_key.expose_secret();
        let resp = self
            .http
            .post(url)
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
    super::unreachable(e, VideoErrorKind::GeminiUnavailable, "Gemini", what, key)
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
                VideoError::permanent(
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
            VideoError::permanent(VideoErrorKind::GeminiRejected, message)
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

/// The tokens of a generateContent answer (`usageMetadata`; thoughts count as output).
fn usage_of(answer: &Value) -> Option<Usage> {
    let u = answer.get("usageMetadata")?;
    let n = |k: &str| u.get(k).and_then(Value::as_u64).unwrap_or(0);
    Some(Usage {
        prompt_tokens: n("promptTokenCount"),
        completion_tokens: n("candidatesTokenCount") + n("thoughtsTokenCount"),
    })
}

fn script_request(paper: &Paper, language: &str, model: &str) -> Value {
    let mut config = json!({
        "responseMimeType": "application/json",
        "responseJsonSchema": prompt::script_schema(),
        "maxOutputTokens": 8192
    });
    if model.starts_with("gemini-3") || model.starts_with("gemini-4") {
        config["thinkingConfig"] = json!({"thinkingLevel": "LOW"});
    }
    json!({
        "systemInstruction": {"parts": [{"text": prompt::system_prompt(language)}]},
        "contents": [{"role": "user", "parts": [{"text": prompt::user_prompt(paper)}]}],
        "generationConfig": config
    })
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
        assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("gemini-quota", false, Some(QUOTA_WAIT_MS)));
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
