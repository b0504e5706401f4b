//! Runway: one generated clip per scene (external-apis.md §3), conformed with ffmpeg to the
//! scene's exact audio length and overlaid with the scene's card like the offline renderer.
//!
//! Error kinds:
//! - `runway-rate-limited` (transient, 429 on create; `retry_after_ms` from Retry-After, else 60 s);
//! - `runway-unavailable` (transient: 5xx, timeouts, connection failures, a failed download);
//! - `runway-rejected` (permanent: 400 validation, 401 bad key, out of credits);
//! - `runway-task-lost` (transient: the task vanished, 404 on poll; the step creates it again);
//! - `runway-timeout` (transient: the task did not finish before the deadline; it is cancelled);
//! - `runway-output-expired` (transient: the output URL answered 403/404/410; the step creates the task again);
//! - `runway-failed` (transient: INTERNAL, INPUT_PREPROCESSING.INTERNAL, output moderation, unknown codes, cancelled);
//! - `runway-moderation` (permanent: input rejected by content moderation);
//! - `runway-bad-input` (permanent: ASSET.INVALID, INTERNAL.BAD_OUTPUT — usually text inside the figure).

use super::{excerpt, scrub};
use crate::process;
use crate::script::Script;
use crate::usage::{Meter, Service, Spend};
use crate::{SceneAudio, VideoError, VideoErrorKind};
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What rendering a scene cost and who rendered it.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipInfo {
    /// "ffmpeg" or "runway <model>".
    pub provider: String,
    /// Runway credits (1 credit = $0.01): the task's final `cost`, else its estimate, else the
    /// cost guide's credits per second × seconds.
    pub cost_credits: Option<f64>,
}

/// Where and how to reach Runway. `Debug` never shows the key.
#[derive(Clone, Debug)]
pub struct RunwayConfig {
    pub base_url: String,
    /// Never printed: `Debug` shows `[REDACTED]`.
    pub api_key: SecretString,
    /// Image-to-video model, used when the scene has a figure.
    pub model: String,
    /// Text-to-video model, used otherwise (`gen4_turbo` is image-to-video only).
    pub text_model: String,
    /// The `X-Runway-Version` header.
    pub api_version: String,
    /// Between polls of a task; never below 5 s (tasks update at most every 5 s).
    pub poll_interval: Duration,
    /// Deadline for one scene's task, from creation to its output (then it is cancelled).
    pub timeout: Duration,
}

pub const DEFAULT_BASE_URL: &str = "https://api.dev.runwayml.com";
pub const DEFAULT_MODEL: &str = "gen4_turbo";
pub const DEFAULT_TEXT_MODEL: &str = "gen4.5";
pub const API_VERSION: &str = "2024-11-06";
pub const MIN_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// Generated at 720×1280 and upscaled to 1080×1920 by ffmpeg.
pub const RATIO: &str = "720:1280";

impl RunwayConfig {
    pub fn new(api_key: impl Into<SecretString>) -> Self {
        RunwayConfig { api_key: api_key.into(), ..Default::default() }
    }
}

impl Default for RunwayConfig {
    fn default() -> Self {
        RunwayConfig {
            base_url: DEFAULT_BASE_URL.into(),
            api_key: SecretString::default(),
            model: DEFAULT_MODEL.into(),
            text_model: DEFAULT_TEXT_MODEL.into(),
            api_version: API_VERSION.into(),
            poll_interval: Duration::from_secs(6),
            timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// A Runway client. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Runway {
    config: RunwayConfig,
    http: reqwest::Client,
    label: String,
    meter: Meter,
}

/// Credits per second of video from the cost guide (external-apis.md §3.11).
pub fn credits_per_second(model: &str) -> f64 {
    match model {
        "gen4_turbo" => 5.0,
        "gen4.5" => 12.0,
        "veo3.1" => 20.0,
        "veo3.1_fast" => 10.0,
        "veo3" => 40.0,
        m if m.starts_with("seedance2") => 36.0,
        _ => 12.0,
    }
}

impl Runway {
    /// `poll_interval` below 5 s is raised to 5 s.
    pub fn new(mut config: RunwayConfig) -> Self {
        config.poll_interval = config.poll_interval.max(MIN_POLL_INTERVAL);
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        let label = format!("runway {}", config.model);
        Runway { config, http, label, meter: Meter::default() }
    }

    /// This client with every task counted by `meter` (and refused when its budget is spent).
    pub fn metered(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
    }

    /// Tests only: poll faster than the API allows.
    #[doc(hidden)]
    pub fn with_poll_interval_for_tests(mut self, interval: Duration) -> Self {
        self.config.poll_interval = interval;
        self
    }

    pub fn config(&self) -> &RunwayConfig {
        &self.config
    }

    /// "runway <model>".
    pub fn name(&self) -> &str {
        &self.label
    }

    /// Generates scene `index` with Runway (image-to-video from the scene's figure when it has
    /// one, else text-to-video from its visual plan), downloads the output at once and conforms
    /// it into `out_mp4`: 1080×1920, 30 fps, exactly the scene's audio length, with the scene's
    /// card drawn over it.
    pub async fn render_scene(
        &self,
        script: &Script,
        index: usize,
        audio: &SceneAudio,
        paper_dir: &Path,
        out_mp4: &Path,
    ) -> Result<ClipInfo, VideoError> {
        let scene = script.scenes.get(index).ok_or_else(|| {
            VideoError::permanent(VideoErrorKind::BadScene, format!("the script has no scene {}", index + 1))
        })?;
        let seconds = audio.duration_ms.div_ceil(1000).clamp(2, 10);
        let download = side_file(out_mp4, "runway.mp4");
        let figure = scene.figure.as_deref().map(|f| paper_dir.join(f)).filter(|p| p.is_file());
        let prompt = prompt_text(&scene.visual, &scene.narration, figure.is_some());
        let (endpoint, model, body) = match &figure {
            Some(fig) => {
                let uri = figure_data_uri(fig, &side_file(out_mp4, "figure.jpg")).await?;
                (
                    "image_to_video",
                    &self.config.model,
                    json!({"model": self.config.model, "promptImage": uri, "promptText": prompt, "ratio": RATIO, "duration": seconds}),
                )
            }
            None => (
                "text_to_video",
                &self.config.text_model,
                json!({"model": self.config.text_model, "promptText": prompt, "ratio": RATIO, "duration": seconds}),
            ),
        };
        let scene_no = index + 1;
        // A task is admitted only if its expected cost fits in what is left of today's credits.
        let expected = (credits_per_second(model) * seconds as f64).ceil() as u64;
        let (url, cost) = self
            .meter
            .call(
                Service::Runway,
                Spend { credits: expected, ..Spend::ONE_REQUEST },
                self.run_task(endpoint, model, &body, seconds, scene_no),
                |(_, cost)| Spend { credits: cost.map_or(0, |c| c.ceil() as u64), ..Spend::ONE_REQUEST },
            )
            .await?;
        let result = async {
            self.download(&url, &download, scene_no).await?;
            let clip_ms = probe_ms(&download).await?;
            crate::visuals::render_over_clip(script, index, audio, &download, clip_ms, out_mp4).await
        }
        .await;
        let _ = tokio::fs::remove_file(&download).await;
        result?;
        Ok(ClipInfo { provider: format!("runway {model}"), cost_credits: cost })
    }

    /// Creates the task and waits for it: its output's address and what it cost in credits.
    async fn run_task(
        &self,
        endpoint: &str,
        model: &str,
        body: &Value,
        seconds: u64,
        scene_no: usize,
    ) -> Result<(String, Option<f64>), VideoError> {
        let created = self.call(reqwest::Method::POST, &format!("/v1/{endpoint}"), Some(body), scene_no).await?;
        let id = created.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string).ok_or_else(
            || {
                VideoError::transient(
                    VideoErrorKind::RunwayUnavailable,
                    format!("Runway accepted scene {scene_no}'s task but returned no task id; will retry."),
                )
            },
        )?;
        let estimate = created.pointer("/estimatedCost/credits").and_then(Value::as_f64);
        let task = self.wait(&id, scene_no).await?;
        let cost = task
            .pointer("/cost/credits")
            .and_then(Value::as_f64)
            .or(estimate)
            .or_else(|| Some(credits_per_second(model) * seconds as f64));
        let url = task
            .get("output")
            .and_then(Value::as_array)
            .and_then(|o| o.first())
            .and_then(Value::as_str)
            .ok_or_else(|| {
                VideoError::transient(
                    VideoErrorKind::RunwayFailed,
                    format!("Runway finished scene {scene_no} without an output; will retry."),
                )
            })?
            .to_string();
        Ok((url, cost))
    }

    /// Polls the task no faster than the poll interval until it ends or the deadline passes.
    /// PENDING, THROTTLED (queued for a concurrency slot) and RUNNING are all waiting.
    async fn wait(&self, id: &str, scene_no: usize) -> Result<Value, VideoError> {
        let deadline = Instant::now() + self.config.timeout;
        loop {
            if Instant::now() + self.config.poll_interval > deadline {
                let _ = self.call(reqwest::Method::DELETE, &format!("/v1/tasks/{id}"), None, scene_no).await;
                return Err(VideoError::transient(
                    VideoErrorKind::RunwayTimeout,
                    format!("Runway did not finish scene {scene_no} within {} s; the task was cancelled and will be created again.", self.config.timeout.as_secs()),
                ));
            }
            tokio::time::sleep(self.config.poll_interval).await;
            let task = match self.call(reqwest::Method::GET, &format!("/v1/tasks/{id}"), None, scene_no).await {
                Err(e) if e.kind == VideoErrorKind::RunwayRejected && e.message.contains("HTTP 404") => {
                    return Err(VideoError::transient(
                        VideoErrorKind::RunwayTaskLost,
                        format!("Runway no longer knows scene {scene_no}'s task; it will be created again."),
                    ));
                }
                // A poll that fails transiently is simply tried again at the next interval.
                Err(e) if e.transient && e.kind != VideoErrorKind::RunwayRateLimited => continue,
                other => other?,
            };
            match task.get("status").and_then(Value::as_str).unwrap_or("") {
                "SUCCEEDED" => return Ok(task),
                "FAILED" => return Err(failure(&task, scene_no)),
                "CANCELLED" => {
                    return Err(VideoError::transient(
                        VideoErrorKind::RunwayFailed,
                        format!("Runway's task for scene {scene_no} was cancelled; it will be created again."),
                    ))
                }
                // PENDING, THROTTLED, RUNNING and anything new: keep waiting.
                _ => {}
            }
        }
    }

    async fn download(&self, url: &str, to: &Path, scene_no: usize) -> Result<(), VideoError> {
        let key = self.config.api_key.expose_secret();
        let resp = self
            .http
            .get(url)
            .timeout(Duration::from_secs(300))
            .send()
            .await
            .map_err(|e| transport(&e, "downloading a clip", key))?;
        let status = resp.status().as_u16();
        if matches!(status, 403 | 404 | 410) {
            return Err(VideoError::transient(
                VideoErrorKind::RunwayOutputExpired,
                format!("Runway's output for scene {scene_no} has expired (HTTP {status}) before it was downloaded; the task will be created again."),
            ));
        }
        if !(200..300).contains(&status) {
            return Err(VideoError::transient(
                VideoErrorKind::RunwayUnavailable,
                format!("Downloading Runway's output for scene {scene_no} failed (HTTP {status}); will retry."),
            ));
        }
        let bytes = resp.bytes().await.map_err(|e| transport(&e, "downloading a clip", key))?;
        if bytes.is_empty() {
            return Err(VideoError::transient(
                VideoErrorKind::RunwayUnavailable,
                format!("Runway's output for scene {scene_no} was empty; will retry."),
            ));
        }
        tokio::fs::write(to, &bytes).await.map_err(|e| crate::io_error("writing Runway's clip", e))
    }

    /// One API call with auth and version headers; HTTP failures mapped to error kinds.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        scene_no: usize,
    ) -> Result<Value, VideoError> {
        let key = self.config.api_key.expose_secret();
        let url = format!("{}{path}", self.config.base_url.trim_end_matches('/'));
        let mut req = self
            .http
            .request(method, &url)
            .bearer_auth(key)
            .header("X-Runway-Version", &self.config.api_version)
            .timeout(Duration::from_secs(120));
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| transport(&e, "talking to Runway", key))?;
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok())
        };
        let retry_ms =
            header("retry-after-ms").or_else(|| header("retry-after").map(|s| s * 1000.0)).map(|ms| ms.max(0.0) as u64);
        let text = resp.text().await.map_err(|e| transport(&e, "talking to Runway", key))?;
        if (200..300).contains(&status) {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|_| {
                VideoError::transient(
                    VideoErrorKind::RunwayUnavailable,
                    "Runway answered with a body that is not JSON; will retry.",
                )
            });
        }
        let mut e = http_error(status, retry_ms, &text, scene_no);
        e.message = scrub(&e.message, key);
        Err(e)
    }
}

fn transport(e: &reqwest::Error, what: &str, key: &str) -> VideoError {
    super::unreachable(e, VideoErrorKind::RunwayUnavailable, "Runway", what, key)
}

fn http_error(status: u16, retry_ms: Option<u64>, body: &str, scene_no: usize) -> VideoError {
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let error = v.get("error").and_then(Value::as_str).map(str::to_string).unwrap_or_else(|| excerpt(body, 160));
    let issues: Vec<String> = v
        .get("issues")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| {
            let msg = i.get("message").and_then(Value::as_str)?;
            let path: Vec<String> = i
                .get("path")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect();
            Some(if path.is_empty() { msg.to_string() } else { format!("{}: {msg}", path.join(".")) })
        })
        .collect();
    match status {
        429 => {
            let ms = retry_ms.unwrap_or(60_000);
            VideoError::transient(
                VideoErrorKind::RunwayRateLimited,
                format!("Runway is limiting requests ({}); scene {scene_no} is retried in {} s.", excerpt(&error, 120), ms.div_ceil(1000)),
            )
            .retry_after(ms)
        }
        408 | 409 | 500..=599 => VideoError::transient(VideoErrorKind::RunwayUnavailable, format!("Runway is unavailable (HTTP {status}); scene {scene_no} will be retried.")),
        401 => VideoError::permanent(VideoErrorKind::RunwayRejected, "Runway rejected the API key (HTTP 401). Set a valid Runway API secret in the server configuration, or remove it to render scenes with ffmpeg."),
        _ if error.to_lowercase().contains("credits") => {
            VideoError::permanent(VideoErrorKind::RunwayRejected, "The Runway account has not enough credits for this task. Buy credits in the Runway developer portal, or remove the Runway key to render scenes with ffmpeg.")
        }
        _ => {
            let detail = if issues.is_empty() { excerpt(&error, 200) } else { format!("{}: {}", excerpt(&error, 80), excerpt(&issues.join("; "), 300)) };
            VideoError::permanent(
                VideoErrorKind::RunwayRejected,
                format!("Runway rejected the request for scene {scene_no} (HTTP {status}: {detail}). Check the Runway model ids and settings in the configuration."),
            )
        }
    }
}

/// Maps a FAILED task's `failureCode` (external-apis.md §3.8); `failure` itself is never shown.
fn failure(task: &Value, scene_no: usize) -> VideoError {
    let code = task.get("failureCode").and_then(Value::as_str).unwrap_or("").to_string();
    if code.starts_with("SAFETY.INPUT") || code.starts_with("INPUT_PREPROCESSING.SAFETY") {
        VideoError::permanent(
            VideoErrorKind::RunwayModeration,
            format!("Runway's content moderation rejected the input of scene {scene_no} ({code}): its figure or visual description. Render this video with the ffmpeg renderer, or change the scene's figure or text."),
        )
    } else if code.starts_with("INTERNAL.BAD_OUTPUT") {
        VideoError::permanent(
            VideoErrorKind::RunwayBadInput,
            format!("Runway could not make a usable clip for scene {scene_no} ({code}); this usually means text or labels inside the figure image. Crop the figure or render this video with the ffmpeg renderer."),
        )
    } else if code.starts_with("ASSET.INVALID") {
        VideoError::permanent(VideoErrorKind::RunwayBadInput, format!("Runway cannot use the image of scene {scene_no} ({code}). Replace the figure image (JPEG or PNG, under 5 MB) or render with the ffmpeg renderer."))
    } else {
        // INTERNAL, INPUT_PREPROCESSING.INTERNAL, SAFETY.OUTPUT.* and anything unknown.
        let code = if code.is_empty() { "no code".to_string() } else { code };
        VideoError::transient(
            VideoErrorKind::RunwayFailed,
            format!("Runway failed to generate scene {scene_no} ({code}); it will be tried again."),
        )
    }
}

/// The prompt: the scene's visual plan (or its narration), with the constraints that keep the
/// clip usable under the overlaid card, within 1000 UTF-16 units.
fn prompt_text(visual: &str, narration: &str, figure: bool) -> String {
    let base = if visual.trim().is_empty() { narration.trim() } else { visual.trim() };
    let suffix = if figure {
        " Animate the image gently: slow push-in, subtle parallax, keep it legible. No added text."
    } else {
        " Vertical 9:16 scientific b-roll, cinematic, slow camera motion, calm, no text, no captions, no logos."
    };
    let mut out = String::new();
    for c in base.chars() {
        if out.encode_utf16().count() + c.len_utf16() + suffix.encode_utf16().count() > 990 {
            break;
        }
        out.push(c);
    }
    out.push_str(suffix);
    out
}

/// `.{name}.{ext}` beside `out`, hidden like the offline renderer's scratch files.
fn side_file(out: &Path, ext: &str) -> PathBuf {
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "scene".into());
    out.with_file_name(format!(".{name}.{ext}"))
}

/// The figure as a JPEG data URI, fitted into the 720×1280 frame on white (≤ 5 MB).
async fn figure_data_uri(figure: &Path, tmp: &Path) -> Result<String, VideoError> {
    let filter = "scale=720:1280:force_original_aspect_ratio=decrease:flags=bicubic,pad=720:1280:(ow-iw)/2:(oh-ih)/2:color=white,format=yuvj420p";
    let result = async {
        for q in ["3", "8", "16"] {
            process::ffmpeg(
                VideoErrorKind::RenderFailed,
                [
                    "-i".as_ref(),
                    figure.as_os_str(),
                    "-vf".as_ref(),
                    filter.as_ref(),
                    "-frames:v".as_ref(),
                    "1".as_ref(),
                    "-q:v".as_ref(),
                    q.as_ref(),
                    tmp.as_os_str(),
                ],
            )
            .await?;
            let bytes = tokio::fs::read(tmp).await.map_err(|e| crate::io_error("reading the figure JPEG", e))?;
            let uri = format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(&bytes));
            if uri.len() <= 5_000_000 {
                return Ok(uri);
            }
        }
        Err(VideoError::permanent(
            VideoErrorKind::RunwayBadInput,
            format!("The figure {} is too large to send to Runway even as a small JPEG.", figure.display()),
        ))
    }
    .await;
    let _ = tokio::fs::remove_file(tmp).await;
    result
}

/// A video file's duration in ms.
async fn probe_ms(path: &Path) -> Result<u64, VideoError> {
    let out = process::run(
        VideoErrorKind::RunwayUnavailable,
        "ffprobe",
        [
            "-v".as_ref(),
            "error".as_ref(),
            "-show_entries".as_ref(),
            "format=duration".as_ref(),
            "-of".as_ref(),
            "csv=p=0".as_ref(),
            path.as_os_str(),
        ],
        None,
    )
    .await
    .map_err(|mut e| {
        // An unreadable download is worth another try.
        if e.kind != VideoErrorKind::MissingTool {
            e.transient = true;
            e.message = format!("Runway's clip is not a readable video: {}", e.message);
        }
        e
    })?;
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0);
    if secs <= 0.0 {
        return Err(VideoError::transient(
            VideoErrorKind::RunwayUnavailable,
            "Runway's clip has no duration; will retry.",
        ));
    }
    Ok((secs * 1000.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_interval_has_a_floor_and_codes_map() {
        let r = Runway::new(RunwayConfig { poll_interval: Duration::from_millis(10), ..RunwayConfig::new("k") });
        assert_eq!(r.config().poll_interval, MIN_POLL_INTERVAL);
        let f = |code: &str| failure(&json!({"status": "FAILED", "failureCode": code}), 1);
        assert_eq!(
            (f("SAFETY.INPUT.IMAGE").kind.as_str(), f("SAFETY.INPUT.IMAGE").transient),
            ("runway-moderation", false)
        );
        assert_eq!(f("INPUT_PREPROCESSING.SAFETY.TEXT").kind, "runway-moderation");
        assert!(
            f("INTERNAL").transient
                && f("INPUT_PREPROCESSING.INTERNAL").transient
                && f("SAFETY.OUTPUT.VIDEO").transient
        );
        assert!(!f("ASSET.INVALID").transient && !f("INTERNAL.BAD_OUTPUT.CODE01").transient);
        let p = prompt_text(&"x".repeat(3000), "", false);
        assert!(p.encode_utf16().count() <= 1000);
    }
}
