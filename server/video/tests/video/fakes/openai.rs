//! A local fake of an OpenAI-compatible chat-completions server (`POST /v1/chat/completions`),
//! after the OpenAI API reference: Bearer auth, `response_format` json_schema / json_object,
//! `choices[0].message.content`, `usage`, `{"error": {...}}` bodies, 429 with `Retry-After`.

use super::{script_answer, serve};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use paper::Paper;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const LLM_KEY: &str = "sk-fakeOPENAIkey-0123456789abcdef";

/// What the next call answers (then the queue moves on; empty = a good script).
#[derive(Clone, Debug)]
pub enum OStep {
    /// 429 with `Retry-After: <seconds>`.
    RateLimited(u64),
    Unavailable503,
    /// The JSON inside a ```json fence.
    Fenced,
    /// The JSON between chatty sentences.
    Chatty,
    /// Half a JSON object.
    Malformed,
    /// A script whose narration says a number the paper never prints.
    InventedNumber,
    /// Answer after this long.
    Slow(Duration),
}

#[derive(Clone, Debug)]
pub struct ORequest {
    pub authorization: Option<String>,
    pub body: Value,
}

pub struct OpenAiFake {
    pub paper: Paper,
    /// Some: the Bearer key required; None: a local server without auth.
    pub key: Option<String>,
    /// A server that does not support `json_schema` (400 naming response_format).
    pub reject_schema: AtomicBool,
    pub steps: Mutex<VecDeque<OStep>>,
    pub requests: Mutex<Vec<ORequest>>,
}

impl OpenAiFake {
    pub async fn start(paper: Paper, key: Option<&str>) -> (Arc<OpenAiFake>, String) {
        let fake = Arc::new(OpenAiFake {
            paper,
            key: key.map(str::to_string),
            reject_schema: AtomicBool::new(false),
            steps: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new().route("/v1/chat/completions", post(chat)).with_state(fake.clone());
        let addr = serve(app).await;
        (fake, format!("http://{addr}/v1"))
    }
    pub fn push(&self, steps: impl IntoIterator<Item = OStep>) {
        self.steps.lock().unwrap().extend(steps);
    }
    pub fn requests(&self) -> Vec<ORequest> {
        self.requests.lock().unwrap().clone()
    }
}

fn error(status: u16, message: &str, kind: &str, param: Option<&str>, code: Option<&str>) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": param, "code": code}});
    (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
}

async fn chat(State(fake): State<Arc<OpenAiFake>>, headers: HeaderMap, body: Bytes) -> Response {
    let authorization = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    fake.requests.lock().unwrap().push(ORequest { authorization: authorization.clone(), body: body.clone() });
    if let Some(k) = &fake.key {
        if authorization.as_deref() != Some(&format!("Bearer {k}")) {
            return error(401, "Incorrect API key provided.", "invalid_request_error", None, Some("invalid_api_key"));
        }
    }
    let model = body["model"].as_str().unwrap_or("").to_string();
    if body.pointer("/response_format/type").and_then(Value::as_str) == Some("json_schema")
        && fake.reject_schema.load(Ordering::SeqCst)
    {
        return error(
            400,
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            "invalid_request_error",
            Some("response_format"),
            None,
        );
    }
    let step = fake.steps.lock().unwrap().pop_front();
    match step {
        Some(OStep::RateLimited(secs)) => {
            let mut r =
                error(429, "Rate limit reached for requests per min.", "requests", None, Some("rate_limit_exceeded"));
            r.headers_mut().insert("retry-after", secs.to_string().parse().unwrap());
            return r;
        }
        Some(OStep::Unavailable503) => {
            return error(503, "The server is overloaded or not ready yet.", "server_error", None, None)
        }
        Some(OStep::Slow(d)) => tokio::time::sleep(d).await,
        _ => {}
    }
    let mut script = script_answer(&fake.paper, &body);
    script["hooks"] = json!([script["hook"].clone()]);
    if matches!(step, Some(OStep::InventedNumber)) {
        let n = script["scenes"][1]["narration"].as_str().unwrap().to_string();
        script["scenes"][1]["narration"] = json!(format!("{n} About 97.31 percent of labs agree."));
    }
    let text = serde_json::to_string(&script).unwrap();
    let content = match step {
        Some(OStep::Fenced) => format!("```json\n{text}\n```"),
        Some(OStep::Chatty) => {
            format!("Sure! Here is the script you asked for:\n\n{text}\n\nLet me know if you want changes.")
        }
        Some(OStep::Malformed) => text[..text.len() / 2].to_string(),
        _ => text,
    };
    Json(json!({
        "id": "chatcmpl-fake1",
        "object": "chat.completion",
        "created": 1_764_480_000,
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": null}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}
    }))
    .into_response()
}
