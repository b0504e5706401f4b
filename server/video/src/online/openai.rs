//! Any LLM behind an OpenAI-compatible chat-completions API (OpenAI, OpenRouter, vLLM, a
//! llama.cpp server, Ollama): the script, with the same prompt rules and grounding check as
//! Gemini (`prompt.rs`).
//!
//! `POST {base_url}/chat/completions` with `Authorization: Bearer <key>` when a key is set (local
//! servers need none). Structured output is asked for with `response_format: {type: json_schema}`;
//! a server that rejects it (HTTP 400/422 naming the response format or schema) is asked again
//! with `{type: json_object}`, and one that rejects that too, with no response format; the answer
//! is parsed tolerantly (```json fences, the outermost `{…}`) in every case.
//!
//! Error kinds:
//! - `llm-rate-limited` (transient, `retry_after_ms` from `Retry-After` / `retry-after-ms`);
//! - `llm-unavailable` (transient: 5xx, 408, timeouts, connection failures);
//! - `llm-rejected` (permanent: bad key, unknown model, no credits, a request the server refuses);
//! - `llm-bad-answer` (permanent after one internal retry: empty, cut-off or malformed answer);
//! - `unfaithful-script` (permanent: still unfaithful after one repair round with the reasons).

use super::{excerpt, prompt, scrub};
use crate::script::{self, Script, ScriptOptions, Usage};
use crate::usage::{Meter, Service, Spend};
use crate::{VideoError, VideoErrorKind};
use paper::Paper;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

/// Where and how to reach the server. `Debug` never shows the key.
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    /// The API root including its version path: `https://api.openai.com/v1`,
    /// `https://openrouter.ai/api/v1`, `http://localhost:11434/v1` (Ollama),
    /// `http://localhost:8080/v1` (llama.cpp, vLLM).
    pub base_url: String,
    /// The model id as the server names it ("gpt-4.1-mini", "qwen2.5:14b").
    pub model: String,
    /// Sent as `Authorization: Bearer`; None for local servers without auth.
    /// Never printed: `Debug` shows `[REDACTED]`.
    pub api_key: Option<SecretString>,
    /// Per request (local models on a CPU are slow).
    pub timeout: Duration,
}

impl OpenAiConfig {
    /// A configuration with the default timeout (300 s).
    pub fn new(base_url: impl Into<String>, model: impl Into<String>, api_key: Option<String>) -> Self {
        OpenAiConfig {
            base_url: base_url.into(),
            model: model.into(),
            api_key: api_key.filter(|k| !k.trim().is_empty()).map(SecretString::from),
            timeout: Duration::from_secs(300),
        }
    }
}

/// Fallback wait when a 429 names no delay.
const RATE_LIMIT_WAIT_MS: u64 = 30_000;

/// How the answer's JSON is asked for; each step down is taken once a server rejects the one above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    JsonSchema,
    JsonObject,
    Plain,
}

/// An OpenAI-compatible script writer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OpenAi {
    config: OpenAiConfig,
    http: reqwest::Client,
    meter: Meter,
}

impl OpenAi {
    pub fn new(config: OpenAiConfig) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        OpenAi { config, http, meter: Meter::default() }
    }

    /// This client with every call counted by `meter` (and refused when its budget is spent).
    pub fn metered(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// The provider recorded in scripts it writes: the model id.
    pub fn script_provider(&self) -> &str {
        &self.config.model
    }

    /// Writes the script and checks it against the paper. An unusable answer is asked for once
    /// more; an unfaithful one gets one repair round that sends the reasons back. Token usage of
    /// every call is summed into `Script::usage`.
    pub async fn write_script(&self, paper: &Paper) -> Result<Script, VideoError> {
        self.write_script_with(paper, &ScriptOptions::default()).await
    }

    /// [`OpenAi::write_script`] for a voice that speaks `options.voice_languages`: the script is
    /// in the language the offline writer would choose, with the same `voice_note`.
    pub async fn write_script_with(&self, paper: &Paper, options: &ScriptOptions) -> Result<Script, VideoError> {
        self.write_script_metered(paper, options).await.0
    }

    /// [`OpenAi::write_script_with`], with the tokens every call used, the failed ones included
    /// (a script written offline after a failure still records what the attempt cost).
    pub async fn write_script_metered(
        &self,
        paper: &Paper,
        options: &ScriptOptions,
    ) -> (Result<Script, VideoError>, Option<Usage>) {
        let mut usage = None;
        let result = self.write_counted(paper, options, &mut usage).await;
        (result, usage)
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
        let choice = script::choose_language(paper, &options.voice_languages);
        let view = script::text_view(paper, &choice);
        let mut messages = vec![
            json!({"role": "system", "content": prompt::system_prompt(&choice.language)}),
            json!({"role": "user", "content": prompt::user_prompt(&view)}),
        ];
        let mut format = Format::JsonSchema;
        let mut bad_answers = 0;
        let mut repaired = false;
        loop {
            let answer = self.chat(&messages, &mut format).await?;
            let (content, u) = content_of(&answer);
            let usage = spent.get_or_insert_with(Usage::default);
            usage.prompt_tokens += u.prompt_tokens;
            usage.completion_tokens += u.completion_tokens;
            let parsed =
                content.and_then(|c| prompt::parse_script(&c, "The LLM", VideoErrorKind::LlmBadAnswer).map(|a| (a, c)));
            let (a, content) = match parsed {
                Ok(x) => x,
                Err(mut e) => {
                    bad_answers += 1;
                    if bad_answers < 2 {
                        continue;
                    }
                    e.transient = false;
                    e.message = format!("{} (twice in a row; the script is written offline instead)", e.message);
                    return Err(e);
                }
            };
            match prompt::build_script(a, &view, &choice, &self.config.model, "The LLM", VideoErrorKind::LlmBadAnswer) {
                Ok(mut s) => {
                    s.usage = *spent;
                    return Ok(s);
                }
                Err(u) if !u.reasons.is_empty() && !repaired => {
                    repaired = true;
                    messages.push(json!({"role": "assistant", "content": content}));
                    messages.push(json!({"role": "user", "content": prompt::repair_prompt(&u.reasons)}));
                }
                Err(u) if u.error.transient && bad_answers == 0 => bad_answers += 1,
                Err(mut u) => {
                    u.error.transient = false;
                    return Err(u.error);
                }
            }
        }
    }

    /// One chat-completions call in the current format; a rejected response format steps the
    /// format down and asks again.
    async fn chat(&self, messages: &[Value], format: &mut Format) -> Result<Value, VideoError> {
        loop {
            let mut body = json!({"model": self.config.model, "messages": messages});
            match format {
                Format::JsonSchema => {
                    body["response_format"] = json!({
                        "type": "json_schema",
                        "json_schema": {"name": "video_script", "strict": true, "schema": strict(prompt::script_schema())}
                    })
                }
                Format::JsonObject => body["response_format"] = json!({"type": "json_object"}),
                Format::Plain => {}
            }
            match self.post(&body).await {
                Err(Rejected::Format(_)) if *format == Format::JsonSchema => *format = Format::JsonObject,
                Err(Rejected::Format(_)) if *format == Format::JsonObject => *format = Format::Plain,
                Err(Rejected::Format(e)) | Err(Rejected::Other(e)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
    }

    /// One metered call: refused when today's token budget is spent, counted whatever happens.
    async fn post(&self, body: &Value) -> Result<Value, Rejected> {
        let tokens = |answer: &Value| {
            let (_, u) = content_of(answer);
            u.prompt_tokens + u.completion_tokens
        };
        self.meter
            .call(Service::Llm, Spend::ONE_REQUEST, self.post_unmetered(body), |answer| Spend {
                tokens: tokens(answer),
                ..Spend::ONE_REQUEST
            })
            .await
    }

    async fn post_unmetered(&self, body: &Value) -> Result<Value, Rejected> {
        let url = format!("{}/chat/completions", self.config.base_url.trim_end_matches('/'));
        let key = self.config.api_key.as_ref().map_or("", |k| k.expose_secret());
        let mut req = self.http.post(&url).timeout(self.config.timeout).json(body);
        if !key.is_empty() {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| Rejected::Other(transport_error(&e, key)))?;
        let status = resp.status().as_u16();
        let header_ms = |name: &str, scale: f64| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| (v * scale).ceil() as u64)
        };
        let retry_after = header_ms("retry-after-ms", 1.0).or_else(|| header_ms("retry-after", 1000.0));
        let text = resp.text().await.map_err(|e| Rejected::Other(transport_error(&e, key)))?;
        if !(200..300).contains(&status) {
            let mut e = http_error(status, retry_after, &text, &self.config.model);
            e.message = scrub(&e.message, key);
            let l = text.to_lowercase();
            let about_format = ["response_format", "json_schema", "json schema", "schema", "json_object"]
                .iter()
                .any(|k| l.contains(k));
            if matches!(status, 400 | 422) && about_format {
                return Err(Rejected::Format(e));
            }
            return Err(Rejected::Other(e));
        }
        serde_json::from_str(&text).map_err(|_| {
            Rejected::Other(VideoError::transient(
                VideoErrorKind::LlmUnavailable,
                "The LLM server answered with a body that is not JSON; will retry.",
            ))
        })
    }
}

enum Rejected {
    /// The server refused the response format (400/422 naming it).
    Format(VideoError),
    Other(VideoError),
}

impl From<VideoError> for Rejected {
    fn from(e: VideoError) -> Self {
        Rejected::Other(e)
    }
}

/// The schema with `additionalProperties: false` on every object, as OpenAI's strict mode wants.
fn strict(mut schema: Value) -> Value {
    fn walk(v: &mut Value) {
        if let Some(o) = v.as_object_mut() {
            if o.get("type").and_then(Value::as_str) == Some("object") {
                o.insert("additionalProperties".into(), json!(false));
            }
            for (_, c) in o.iter_mut() {
                walk(c);
            }
        } else if let Some(a) = v.as_array_mut() {
            a.iter_mut().for_each(walk);
        }
    }
    walk(&mut schema);
    schema
}

/// The first choice's text (an error when it is empty, refused or cut off) and the call's usage.
fn content_of(answer: &Value) -> (Result<String, VideoError>, Usage) {
    let n = |k: &str| answer.pointer(&format!("/usage/{k}")).and_then(Value::as_u64).unwrap_or(0);
    let usage = Usage { prompt_tokens: n("prompt_tokens"), completion_tokens: n("completion_tokens") };
    let bad = |m: String| Err(VideoError::transient(VideoErrorKind::LlmBadAnswer, m));
    let Some(choice) = answer.pointer("/choices/0") else {
        return (bad("The LLM returned no choices.".into()), usage);
    };
    let finish = choice.get("finish_reason").and_then(Value::as_str).unwrap_or("stop");
    if let Some(r) = choice.pointer("/message/refusal").and_then(Value::as_str).filter(|r| !r.is_empty()) {
        return (bad(format!("The LLM refused: {}", excerpt(r, 200))), usage);
    }
    if finish == "length" {
        return (bad("The LLM's answer was cut off (finish_reason length).".into()), usage);
    }
    if finish == "content_filter" {
        return (bad("The LLM's answer was blocked by its content filter.".into()), usage);
    }
    match choice.pointer("/message/content").and_then(Value::as_str).filter(|c| !c.trim().is_empty()) {
        Some(c) => (Ok(c.to_string()), usage),
        None => (bad("The LLM returned an empty answer.".into()), usage),
    }
}

fn transport_error(e: &reqwest::Error, key: &str) -> VideoError {
    super::unreachable(e, VideoErrorKind::LlmUnavailable, "The LLM server", "writing the script", key)
}

/// Maps a non-2xx answer (`{"error": {"message", "type", "code"}}`) to an error.
fn http_error(status: u16, retry_after: Option<u64>, body: &str, model: &str) -> VideoError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let message = v
        .pointer("/error/message")
        .and_then(Value::as_str)
        .or_else(|| v.get("error").and_then(Value::as_str))
        .map(|m| excerpt(m, 300))
        .unwrap_or_else(|| excerpt(body, 200));
    let code = v.pointer("/error/code").and_then(Value::as_str).unwrap_or("");
    match status {
        429 if code == "insufficient_quota" => VideoError::permanent(
            VideoErrorKind::LlmRejected,
            format!("The LLM account has no credits left ({message}). Add credits, or unset HH_LLM_URL to write scripts offline."),
        ),
        429 => {
            let ms = retry_after.unwrap_or(RATE_LIMIT_WAIT_MS);
            VideoError::transient(
                VideoErrorKind::LlmRateLimited,
                format!("The LLM server is rate-limiting requests; retrying in {:.0} s.", (ms as f64 / 1000.0).ceil()),
            )
            .retry_after(ms)
        }
        408 | 500..=599 => {
            let e = VideoError::transient(
                VideoErrorKind::LlmUnavailable,
                format!("The LLM server is unavailable (HTTP {status}: {message}); will retry."),
            );
            match retry_after {
                Some(ms) => e.retry_after(ms),
                None => e,
            }
        }
        401 | 403 => VideoError::permanent(
            VideoErrorKind::LlmRejected,
            format!("The LLM server rejected the API key (HTTP {status}: {message}). Set a valid HH_LLM_API_KEY, or unset HH_LLM_URL to write scripts offline."),
        ),
        404 => VideoError::permanent(
            VideoErrorKind::LlmRejected,
            format!("The LLM server does not know the model \"{model}\" or the URL is wrong (HTTP 404: {message}). Check HH_LLM_MODEL and HH_LLM_URL (it ends in /v1)."),
        ),
        _ => VideoError::permanent(
            VideoErrorKind::LlmRejected,
            format!("The LLM server rejected the request (HTTP {status}: {message}). Check HH_LLM_MODEL and HH_LLM_URL."),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_map_to_kinds() {
        let e = http_error(429, Some(7_000), r#"{"error":{"message":"slow down","type":"requests"}}"#, "m");
        assert_eq!((e.kind.as_str(), e.transient, e.retry_after_ms), ("llm-rate-limited", true, Some(7_000)));
        let e = http_error(
            429,
            None,
            r#"{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}"#,
            "m",
        );
        assert_eq!((e.kind.as_str(), e.transient), ("llm-rejected", false));
        let e = http_error(503, None, "upstream down", "m");
        assert_eq!((e.kind.as_str(), e.transient), ("llm-unavailable", true));
        let e = http_error(401, None, r#"{"error":{"message":"Incorrect API key provided"}}"#, "m");
        assert_eq!((e.kind.as_str(), e.transient), ("llm-rejected", false));
    }

    #[test]
    fn strict_schema_closes_every_object() {
        let s = strict(prompt::script_schema());
        assert_eq!(s["additionalProperties"], json!(false));
        assert_eq!(s["properties"]["scenes"]["items"]["additionalProperties"], json!(false));
    }
}
