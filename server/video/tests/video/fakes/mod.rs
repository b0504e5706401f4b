//! Local fakes of Gemini (external-apis.md §2.5), Runway (§3.12) and an OpenAI-compatible
//! chat-completions server (`openai.rs`) on 127.0.0.1:0.
#![allow(dead_code)]

pub mod openai;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use paper::Paper;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const GEMINI_KEY: &str = "AIzaFAKEgeminiKEY-0123456789abcdef";
pub const RUNWAY_KEY: &str = "key_fakeRUNWAYsecret_0123456789abcdef";

pub fn fixture(name: &str) -> (Paper, std::path::PathBuf) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let paper: Paper = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    (paper, path.parent().unwrap().to_path_buf())
}

pub(crate) async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Asserts that no message of `e` carries a secret.
pub fn assert_no_key(e: &video::VideoError) {
    for k in [GEMINI_KEY, RUNWAY_KEY] {
        assert!(!e.message.contains(k) && !format!("{e:?}").contains(k), "key leaked: {e:?}");
    }
}

// ---------------------------------------------------------------- Gemini

/// What the next generateContent call answers (then the queue moves on; empty = success).
#[derive(Clone, Debug)]
pub enum GStep {
    /// 429 RESOURCE_EXHAUSTED with RetryInfo retryDelay "2s", a per-minute quota.
    RateLimited,
    /// 429 with a PerDay quota id and retryDelay "23s".
    PerDay,
    Internal500,
    Unavailable503,
    /// 200 with text that is not JSON.
    Malformed,
    /// 200, candidate with finishReason SAFETY and no content.
    BlockedCandidate,
    /// 200, no candidates, promptFeedback.blockReason.
    PromptBlocked,
    /// A script whose narration says a number the paper never prints.
    InventedNumber,
    /// A script quoting a sentence that is not in the paper.
    NotVerbatim,
    /// Answer after this long.
    Slow(Duration),
    /// TTS: finishReason OTHER with truncated audio.
    TruncatedAudio,
}

#[derive(Clone, Debug)]
pub struct GRequest {
    pub model: String,
    pub uri: String,
    pub key_header: Option<String>,
    pub body: Value,
}

pub struct GeminiFake {
    pub paper: Paper,
    pub steps: Mutex<VecDeque<GStep>>,
    pub requests: Mutex<Vec<GRequest>>,
}

impl GeminiFake {
    pub async fn start(paper: Paper) -> (Arc<GeminiFake>, String) {
        let fake = Arc::new(GeminiFake { paper, steps: Mutex::new(VecDeque::new()), requests: Mutex::new(Vec::new()) });
        let app = Router::new().route("/v1beta/models/{action}", post(gemini_generate)).with_state(fake.clone());
        let addr = serve(app).await;
        (fake, format!("http://{addr}"))
    }
    pub fn push(&self, steps: impl IntoIterator<Item = GStep>) {
        self.steps.lock().unwrap().extend(steps);
    }
    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

fn g_error(code: u16, status: &str, message: &str, details: Value) -> Response {
    let body = json!({"error": {"code": code, "message": message, "status": status, "details": details}});
    (StatusCode::from_u16(code).unwrap(), Json(body)).into_response()
}

async fn gemini_generate(
    State(fake): State<Arc<GeminiFake>>,
    Path(action): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let Some((model, method)) = action.split_once(':') else {
        return g_error(404, "NOT_FOUND", "no such method", json!([]));
    };
    let key = headers.get("x-goog-api-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.requests.lock().unwrap().push(GRequest {
        model: model.into(),
        uri: uri.to_string(),
        key_header: key.clone(),
        body: body.clone(),
    });
    if method != "generateContent" {
        return g_error(404, "NOT_FOUND", "method not found", json!([]));
    }
    if key.as_deref() != Some(GEMINI_KEY) {
        return g_error(
            400,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
            json!([{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com"}]),
        );
    }
    if model.contains("retired") {
        return g_error(404, "NOT_FOUND", &format!("models/{model} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods."), json!([]));
    }
    let step = fake.steps.lock().unwrap().pop_front();
    let tts = body.pointer("/generationConfig/responseModalities").is_some();
    let quota = |quota_id: &str, delay: &str| {
        g_error(
            429,
            "RESOURCE_EXHAUSTED",
            &format!("You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 20, model: {model}\nPlease retry in 23.472316927s."),
            json!([
                {"@type": "type.googleapis.com/google.rpc.Help", "links": [{"description": "Learn more about Gemini API quotas", "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests", "quotaId": quota_id, "quotaDimensions": {"location": "global", "model": model}, "quotaValue": "20"}]},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}
            ]),
        )
    };
    match step {
        Some(GStep::RateLimited) => return quota("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "2s"),
        Some(GStep::PerDay) => return quota("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "23s"),
        Some(GStep::Internal500) => return g_error(500, "INTERNAL", "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting", json!([])),
        Some(GStep::Unavailable503) => return g_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.", json!([])),
        Some(GStep::Malformed) => return Json(candidate(vec![json!({"text": "{\"hook\": \"Half a script"})], "STOP", model)).into_response(),
        Some(GStep::BlockedCandidate) => return Json(json!({"candidates": [{"finishReason": "SAFETY", "index": 0}], "modelVersion": model})).into_response(),
        Some(GStep::PromptBlocked) => return Json(json!({"promptFeedback": {"blockReason": "OTHER"}, "modelVersion": model})).into_response(),
        Some(GStep::Slow(d)) => tokio::time::sleep(d).await,
        _ => {}
    }
    if tts {
        let text = body.pointer("/contents/0/parts/0/text").and_then(Value::as_str).unwrap_or("").to_string();
        let wav_answer = model.contains("-3.8-");
        let (mime, mut bytes) = tokio::task::spawn_blocking(move || speech(&text, wav_answer)).await.unwrap();
        let mut finish = "STOP";
        if matches!(step, Some(GStep::TruncatedAudio)) {
            bytes.truncate(4800);
            finish = "OTHER";
        }
        let data = base64::engine::general_purpose::STANDARD.encode(&bytes);
        return Json(candidate(vec![json!({"inlineData": {"mimeType": mime, "data": data}})], finish, model))
            .into_response();
    }
    let mut script = script_answer(&fake.paper, &body);
    match step {
        Some(GStep::InventedNumber) => {
            let n = script["scenes"][1]["narration"].as_str().unwrap().to_string();
            script["scenes"][1]["narration"] = json!(format!("{n} About 97.31 percent of labs agree."));
        }
        Some(GStep::NotVerbatim) => {
            let s = script["scenes"][2]["source_sentences"][0].as_str().unwrap().to_string();
            script["scenes"][2]["source_sentences"][0] = json!(format!("Researchers strongly believe that {s}"));
        }
        _ => {}
    }
    // JSON split over two text parts, after a thought part (external-apis.md §2.5).
    let text = serde_json::to_string(&script).unwrap();
    let mid = text.char_indices().map(|(i, _)| i).find(|&i| i >= text.len() / 2).unwrap();
    let parts = vec![
        json!({"text": "Thinking about which sentences matter {not json", "thought": true}),
        json!({"text": &text[..mid], "thoughtSignature": "c2ln"}),
        json!({"text": &text[mid..]}),
    ];
    Json(candidate(parts, "STOP", model)).into_response()
}

fn candidate(parts: Vec<Value>, finish: &str, model: &str) -> Value {
    json!({
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}],
        "usageMetadata": {"promptTokenCount": 5120, "candidatesTokenCount": 812, "totalTokenCount": 5932},
        "modelVersion": model,
        "responseId": "fakeResponse1"
    })
}

/// espeak-ng speech as 24 kHz s16le mono: raw PCM, or a WAV file written by ffmpeg (with a LIST chunk).
fn speech(text: &str, wav: bool) -> (String, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("s.wav");
    let ok = std::process::Command::new("espeak-ng").args(["-v", "en-us", "-w"]).arg(&src).arg(text).status().unwrap();
    assert!(ok.success());
    let out = dir.path().join(if wav { "o.wav" } else { "o.pcm" });
    let mut cmd = std::process::Command::new("ffmpeg");
    cmd.args(["-hide_banner", "-loglevel", "error", "-y", "-i"]).arg(&src).args(["-ar", "24000", "-ac", "1"]);
    if wav {
        cmd.args(["-c:a", "pcm_s16le"]);
    } else {
        cmd.args(["-f", "s16le"]);
    }
    assert!(cmd.arg(&out).status().unwrap().success());
    let bytes = std::fs::read(&out).unwrap();
    (if wav { "audio/wav".into() } else { "audio/L16;codec=pcm;rate=24000".into() }, bytes)
}

/// A faithful structured script built from the paper's real sentences.
/// A script quoting the abstract of `paper`, as a model would answer `request`: like a model, it
/// quotes only sentences the request gave it (the studio's "another version" sends the paper
/// without the sentences already used), taking the last one over again when fewer than four are
/// left (which the writer's checks then refuse as repeated).
pub fn script_answer(paper: &Paper, request: &Value) -> Value {
    fn text_of(v: &Value, out: &mut String) {
        match v {
            Value::String(s) => {
                out.push_str(s);
                out.push(' ');
            }
            Value::Array(a) => a.iter().for_each(|x| text_of(x, out)),
            Value::Object(o) => o.values().for_each(|x| text_of(x, out)),
            _ => {}
        }
    }
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut given = String::new();
    text_of(request, &mut given);
    let given = flat(&given);
    let all: Vec<String> = paper
        .abstract_paragraphs
        .iter()
        .flat_map(|p| video::text::sentences(p))
        .filter(|s| (8..=45).contains(&video::text::word_count(s)) && !s.contains('[') && !s.contains('('))
        .collect();
    assert!(all.len() >= 4, "fixture abstract too short: {all:?}");
    let mut sents: Vec<String> = all.iter().filter(|s| given.contains(&flat(s))).cloned().collect();
    if sents.is_empty() {
        sents = all;
    }
    while sents.len() < 4 {
        sents.push(sents[sents.len() - 1].clone());
    }
    let scene = |kind: &str, label: &str, s: &str| {
        let narration = video::text::clean(s);
        json!({"kind": kind, "label": label, "narration": narration, "on_screen_text": narration,
               "visual": format!("Slow push-in on an illustration of: {}", narration), "figure": "", "key_number": "",
               "source_sentences": [s]})
    };
    let mut scenes = vec![scene("Title", "New research", &sents[0]), scene("Point", "Why it matters", &sents[1])];
    let mut third = scene("Point", "What they found", &sents[2]);
    if let Some(n) = video::text::numbers(&sents[2]).first() {
        third["kind"] = json!("Number");
        third["key_number"] = json!(n);
    }
    scenes.push(third);
    if let Some(f) = paper.figures.iter().find(|f| f.image.is_some()) {
        let first = video::text::sentences(&f.caption).into_iter().next().unwrap();
        let mut fig = scene("Figure", f.label.as_deref().unwrap_or("Figure"), &first);
        fig["figure"] = json!(f.image.clone().unwrap());
        fig["narration"] = json!(format!("The figure shows {}", video::text::clean(&first)));
        scenes.push(fig);
    }
    scenes.push(scene("Quote", "What it means", sents.last().unwrap()));
    json!({
        "hook": video::text::clean(&sents[0]),
        "scenes": scenes,
        "post_caption": "A new paper, explained in a minute.",
        "hashtags": ["#science", "research", "#Tuberculosis!"]
    })
}

// ---------------------------------------------------------------- Runway

/// How the next created task behaves.
#[derive(Clone, Debug)]
pub enum RPlan {
    /// PENDING → THROTTLED → RUNNING → SUCCEEDED, one status per poll.
    Walk,
    /// PENDING → RUNNING → FAILED with this failureCode.
    Fail(String),
    /// 429 on create, with this Retry-After (seconds) if any.
    RateLimit(Option<u64>),
    /// Succeeds, but its output URL has already expired (410).
    Expired,
}

#[derive(Debug, Default)]
pub struct FakeTask {
    pub statuses: Vec<&'static str>,
    pub failure_code: Option<String>,
    pub expired: bool,
    pub polls: Vec<Instant>,
    pub fetches: usize,
    pub duration: u64,
    pub credits_per_s: u64,
}

pub struct RunwayFake {
    pub plans: Mutex<VecDeque<RPlan>>,
    pub tasks: Mutex<HashMap<String, FakeTask>>,
    /// (endpoint, body) of every accepted or refused create.
    pub creates: Mutex<Vec<(String, Value)>>,
    pub mp4: Vec<u8>,
    addr: OnceLock<SocketAddr>,
}

impl RunwayFake {
    pub async fn start() -> (Arc<RunwayFake>, String) {
        let mp4 = tokio::task::spawn_blocking(tiny_mp4).await.unwrap();
        let fake = Arc::new(RunwayFake {
            plans: Mutex::new(VecDeque::new()),
            tasks: Mutex::new(HashMap::new()),
            creates: Mutex::new(Vec::new()),
            mp4,
            addr: OnceLock::new(),
        });
        let app = Router::new()
            .route("/v1/image_to_video", post(runway_create_image))
            .route("/v1/text_to_video", post(runway_create_text))
            .route("/v1/tasks/{id}", get(runway_task).delete(runway_delete))
            .route("/outputs/{name}", get(runway_output))
            .with_state(fake.clone());
        let addr = serve(app).await;
        fake.addr.set(addr).unwrap();
        (fake, format!("http://{addr}"))
    }
    pub fn push(&self, plans: impl IntoIterator<Item = RPlan>) {
        self.plans.lock().unwrap().extend(plans);
    }
}

/// A 2 s 720×1280 H.264 clip, like Runway's output.
fn tiny_mp4() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o.mp4");
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=720x1280:r=24:d=2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(ok.success());
    std::fs::read(out).unwrap()
}

fn r_error(code: u16, msg: &str) -> Response {
    (StatusCode::from_u16(code).unwrap(), Json(json!({"error": msg}))).into_response()
}

fn issues(msg: &str, path: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "Validation of body failed", "issues": [{"code": "invalid_value", "path": [path], "message": msg}], "docUrl": "https://docs.dev.runwayml.com/api"})),
    )
        .into_response()
}

fn check_auth(headers: &HeaderMap) -> Option<Response> {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {RUNWAY_KEY}")) {
        return Some(r_error(401, "Invalid API key"));
    }
    if headers.get("x-runway-version").and_then(|v| v.to_str().ok()) != Some("2024-11-06") {
        return Some(r_error(400, "Invalid or missing X-Runway-Version header"));
    }
    None
}

async fn runway_create_image(
    State(fake): State<Arc<RunwayFake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    create(fake, headers, body, "image_to_video").await
}

async fn runway_create_text(
    State(fake): State<Arc<RunwayFake>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    create(fake, headers, body, "text_to_video").await
}

async fn create(fake: Arc<RunwayFake>, headers: HeaderMap, body: Value, endpoint: &str) -> Response {
    if let Some(r) = check_auth(&headers) {
        return r;
    }
    fake.creates.lock().unwrap().push((endpoint.to_string(), body.clone()));
    let model = body["model"].as_str().unwrap_or("");
    let per_s = match (endpoint, model) {
        ("image_to_video", "gen4_turbo") => 5,
        (_, "gen4.5") => 12,
        _ => return issues("Invalid input: no matching discriminator", "model"),
    };
    let ratios = ["1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"];
    if !ratios.contains(&body["ratio"].as_str().unwrap_or("")) {
        return issues(
            "Invalid option: expected one of '1280:720'|'720:1280'|'1104:832'|'832:1104'|'960:960'|'1584:672'",
            "ratio",
        );
    }
    let Some(duration) = body["duration"].as_u64().filter(|d| (2..=10).contains(d)) else {
        return issues("Invalid input: expected an integer from 2 to 10", "duration");
    };
    if endpoint == "image_to_video"
        && !body["promptImage"].as_str().is_some_and(|s| s.starts_with("data:image/") || s.starts_with("https://"))
    {
        return issues("Invalid input: promptImage", "promptImage");
    }
    if (model == "gen4.5" || endpoint == "text_to_video")
        && body["promptText"].as_str().is_none_or(|s| s.is_empty() || s.encode_utf16().count() > 1000)
    {
        return issues("Invalid input: promptText", "promptText");
    }
    let plan = fake.plans.lock().unwrap().pop_front().unwrap_or(RPlan::Walk);
    let mut task = FakeTask { duration, credits_per_s: per_s, ..Default::default() };
    match plan {
        RPlan::RateLimit(after) => {
            let mut r = r_error(429, "You have reached your daily generation limit.");
            if let Some(s) = after {
                r.headers_mut().insert("retry-after", s.to_string().parse().unwrap());
            }
            return r;
        }
        RPlan::Walk => task.statuses = vec!["PENDING", "THROTTLED", "RUNNING", "SUCCEEDED"],
        RPlan::Expired => {
            task.statuses = vec!["PENDING", "RUNNING", "SUCCEEDED"];
            task.expired = true;
        }
        RPlan::Fail(code) => {
            task.statuses = vec!["PENDING", "RUNNING", "FAILED"];
            task.failure_code = Some(code);
        }
    }
    let id = format!("3086d332-1963-4c9d-8103-{:012}", fake.tasks.lock().unwrap().len() + 1);
    fake.tasks.lock().unwrap().insert(id.clone(), task);
    Json(json!({"id": id, "estimatedCost": {"credits": per_s * duration}})).into_response()
}

async fn runway_task(State(fake): State<Arc<RunwayFake>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = check_auth(&headers) {
        return r;
    }
    let mut tasks = fake.tasks.lock().unwrap();
    let Some(t) = tasks.get_mut(&id) else { return r_error(404, "Could not find Task") };
    t.polls.push(Instant::now());
    let status = t.statuses[(t.polls.len() - 1).min(t.statuses.len() - 1)];
    let cost = t.credits_per_s * t.duration;
    let addr = fake.addr.get().unwrap();
    let body = match status {
        "RUNNING" => {
            json!({"id": id, "createdAt": "2026-08-26T06:30:33.796Z", "status": status, "progress": 0.45, "estimatedCost": {"credits": cost}})
        }
        "SUCCEEDED" => json!({"id": id, "createdAt": "2026-08-26T06:30:33.796Z", "status": status,
                              "output": [format!("http://{addr}/outputs/{id}.mp4?_jwt=eyJfake")], "cost": {"credits": cost}}),
        "FAILED" => {
            json!({"id": id, "createdAt": "2026-08-26T06:30:33.796Z", "status": status, "failure": "internal reason not for users",
                           "failureCode": t.failure_code, "cost": {"credits": 0}})
        }
        _ => {
            json!({"id": id, "createdAt": "2026-08-26T06:30:33.796Z", "status": status, "estimatedCost": {"credits": cost}})
        }
    };
    Json(body).into_response()
}

async fn runway_delete(State(fake): State<Arc<RunwayFake>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Some(r) = check_auth(&headers) {
        return r;
    }
    match fake.tasks.lock().unwrap().remove(&id) {
        Some(_) => StatusCode::NO_CONTENT.into_response(),
        None => r_error(404, "Could not find Task"),
    }
}

/// The output: served once, then expired (410), like a signed URL past its lifetime.
async fn runway_output(State(fake): State<Arc<RunwayFake>>, Path(name): Path<String>) -> Response {
    let id = name.trim_end_matches(".mp4").to_string();
    let mut tasks = fake.tasks.lock().unwrap();
    let Some(t) = tasks.get_mut(&id) else { return (StatusCode::NOT_FOUND, "no such object").into_response() };
    t.fetches += 1;
    if t.expired || t.fetches > 1 {
        return (StatusCode::GONE, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>")
            .into_response();
    }
    ([("content-type", "video/mp4")], fake.mp4.clone()).into_response()
}
