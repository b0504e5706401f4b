//! A real Hidden Hill on a random port against a fresh database, for integration tests.
//! Every test gets its own SQLite file or its own PostgreSQL database, so tests never share rows.

#![allow(dead_code, unused_macros)] // each test binary uses a different subset

pub mod garage;
pub mod mail;

use app::backend::config::Config;
use reqwest::{header, Client, Response, StatusCode};
use server::startup::Application;
use std::{collections::HashMap, net::SocketAddr};

pub const ACCESS_CODE: &str = "hh-test-access-code";
pub const PASSWORD: &str = "plum orchard lantern";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Where PostgreSQL tests create their throw-away databases (`HH_TEST_POSTGRES`).
fn postgres_admin_url() -> String {
    std::env::var("HH_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database URL for `engine`; the guard keeps a SQLite file's folder alive.
async fn fresh_database(engine: Engine) -> (String, Option<tempfile::TempDir>) {
    match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/hh.db?mode=rwc", dir.path().display());
            (url, Some(dir))
        }
        Engine::Postgres => {
            use sqlx::Connection;
            let admin_url = postgres_admin_url();
            let name = format!("hh_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
                panic!("PostgreSQL tests need a server at {admin_url} (set HH_TEST_POSTGRES): {e}")
            });
            sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str())
                .await
                .expect("create test database");
            let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin_url);
            (format!("{base}/{name}"), None)
        }
    }
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// Where `/metrics` is served without a token, when `HH_METRICS_LISTEN` was set.
    pub metrics_addr: Option<SocketAddr>,
    pub engine: Engine,
    pub database_url: String,
    /// The app's own database handle, for arranging and checking rows directly.
    pub db: app::backend::db::Db,
    /// The running app's state: tests act as a worker through it.
    pub state: app::backend::state::AppState,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub client: Client,
    /// The data folder (object store, scratch); shared by instances made with `spawn_sharing`.
    pub data: std::sync::Arc<tempfile::TempDir>,
    /// Completes when the instance has stopped (its worker released what it held).
    stopped: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    extra: Vec<(String, String)>,
    _sqlite: Option<std::sync::Arc<tempfile::TempDir>>,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, &[]).await
    }

    /// Starts the app with extra settings (environment variable name → value). No worker runs
    /// unless `HH_WORKERS` is among them, so tests see jobs exactly as they left them, and no
    /// sample video is made unless `HH_SAMPLE_VIDEO` is `on`.
    pub async fn spawn_with(engine: Engine, extra: &[(&str, &str)]) -> TestApp {
        let (database_url, sqlite) = fresh_database(engine).await;
        let data = std::sync::Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::spawn_on(engine, database_url, sqlite.map(std::sync::Arc::new), data, extra).await
    }

    /// A second instance on the same database and object store, as a separate web or worker
    /// process would be (with its own settings).
    pub async fn spawn_sharing(other: &TestApp) -> TestApp {
        Self::spawn_sharing_with(other, &[]).await
    }

    pub async fn spawn_sharing_with(other: &TestApp, extra: &[(&str, &str)]) -> TestApp {
        Self::spawn_on(other.engine, other.database_url.clone(), other._sqlite.clone(), other.data.clone(), extra).await
    }

    /// The same instance started again after `stop`: same database, files and settings.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let extra: Vec<(String, String)> = self.extra.clone();
        let extra: Vec<(&str, &str)> = extra.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Self::spawn_on(self.engine, self.database_url.clone(), self._sqlite.clone(), self.data.clone(), &extra).await
    }

    /// Stops the instance as SIGTERM would: requests drain, the worker hands its jobs back.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            stopped.await.expect("the app task").expect("the app stops cleanly");
        }
    }

    /// The settings this instance was started with, for a child `hidden-hill` process.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            ("DATABASE_URL".into(), self.database_url.clone()),
            ("HH_ACCESS_CODE".into(), ACCESS_CODE.into()),
            ("HH_DATA_DIR".into(), self.data.path().display().to_string()),
            ("HH_SAMPLE_VIDEO".into(), "off".into()),
        ]
    }

    async fn spawn_on(
        engine: Engine,
        database_url: String,
        sqlite: Option<std::sync::Arc<tempfile::TempDir>>,
        data: std::sync::Arc<tempfile::TempDir>,
        extra: &[(&str, &str)],
    ) -> TestApp {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("HH_LISTEN".into(), "127.0.0.1:0".into()),
            ("DATABASE_URL".into(), database_url.clone()),
            ("HH_ACCESS_CODE".into(), ACCESS_CODE.into()),
            ("HH_DATA_DIR".into(), data.path().display().to_string()),
            ("LEPTOS_SITE_ROOT".into(), data.path().join("site").display().to_string()),
            ("HH_WORKERS".into(), "0".into()),
            // Not a sample video for every test app: sample.rs turns it on where it is tested.
            ("HH_SAMPLE_VIDEO".into(), "off".into()),
        ]);
        for (k, v) in extra {
            vars.insert((*k).into(), (*v).into());
        }
        // Blank is unset, as `Config::from_env` reads the environment (so a test can unset a default).
        let config = Config::from_lookup(|name| vars.get(name).filter(|v| !v.trim().is_empty()).cloned())
            .expect("test configuration");
        let app = Application::build(config).await.expect("the app starts");
        let addr = app.local_addr();
        let metrics_addr = app.metrics_addr();
        let state = app.state().clone();
        let db = state.db.clone();
        let (stop, stopping) = tokio::sync::oneshot::channel::<()>();
        let stopped = tokio::spawn(app.run_until(async move {
            let _ = stopping.await;
        }));
        TestApp {
            addr,
            metrics_addr,
            engine,
            database_url,
            db,
            state,
            client: new_client(),
            data,
            stopped: Some(stopped),
            stop: Some(stop),
            extra: extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            _sqlite: sqlite,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A second, separate browser (its own cookie jar).
    pub fn other_browser(&self) -> Client {
        new_client()
    }

    /// Calls a server function the way the hydrated app does (form-encoded POST, JSON answer).
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .header(header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// GETs `path` as JSON, as the app's server functions and API answer it; panics unless 200.
    pub async fn get_json(&self, client: &Client, path: &str) -> serde_json::Value {
        let response = client.get(self.url(path)).header(header::ACCEPT, "application/json").send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.unwrap()
    }

    pub async fn register(&self, client: &Client, email: &str) -> Response {
        self.call(client, "register", &[("email", email), ("password", PASSWORD), ("access_code", ACCESS_CODE)]).await
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.call(client, "login", &[("email", email), ("password", password)]).await
    }

    /// The email of whoever `client` is logged in as.
    pub async fn whoami(&self, client: &Client) -> Option<String> {
        let user = self.get_json(client, "/api/me").await;
        user["email"].as_str().map(str::to_owned)
    }
}

fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // An answer that stops coming fails its test within two minutes instead of holding the
        // whole run (live streams send a keep-alive every 15 s, so they never wait that long).
        .read_timeout(std::time::Duration::from_secs(120))
        .build()
        .expect("http client")
}

/// A failed server function call as a person reads it: (status, message, field).
pub async fn error_of(response: Response) -> (StatusCode, String, Option<String>) {
    let status = response.status();
    let error: app::error::AppError = response.json().await.expect("the error decodes as the app's AppError");
    (status, error.to_string(), error.field().map(str::to_owned))
}

/// Runs an async test body once on SQLite and once on PostgreSQL: `name::sqlite`, `name::postgres`.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::common::Engine::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(crate::common::Engine::Postgres).await
            }
        }
    )*};
}

/// Reads a Server-Sent Events response frame by frame: (id, JSON data) per event.
pub struct SseReader {
    stream: std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
    patience: std::time::Duration,
}

impl SseReader {
    pub fn new(response: Response) -> SseReader {
        assert_eq!(
            response.headers()["content-type"],
            "text/event-stream",
            "an event stream, not a {}",
            response.status()
        );
        SseReader {
            stream: Box::pin(response.bytes_stream()),
            buffer: String::new(),
            patience: std::time::Duration::from_secs(10),
        }
    }

    /// For real pipeline steps, which may be quiet for a while (a final encode).
    pub fn patient(response: Response, patience: std::time::Duration) -> SseReader {
        SseReader { patience, ..SseReader::new(response) }
    }

    /// The next event (keep-alive comments are skipped); `None` when the server ended the stream.
    /// Panics when no event comes within the patience — keep-alives do not count as one.
    pub async fn next(&mut self) -> Option<(i64, serde_json::Value)> {
        use futures::StreamExt;
        let asked = std::time::Instant::now();
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                let mut id = None;
                let mut data = String::new();
                for line in frame.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if let Some(id) = id {
                    return Some((id, serde_json::from_str(&data).expect("event data is JSON")));
                }
            }
            let chunk = tokio::time::timeout(self.patience.saturating_sub(asked.elapsed()), self.stream.next())
                .await
                .unwrap_or_else(|_| panic!("an event within {:?}", self.patience))?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk.expect("stream chunk")));
        }
    }
}

// --- A person's path through a job, shared by the end-to-end tests -------------------------

/// A real, CC BY 4.0 paper (eLife, abstract only): short, so the video renders quickly.
pub fn short_paper() -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Submits `source` (a PMCID, PMID, DOI or link) through the JSON API as `browser`; returns the
/// new job's id, after checking it was accepted (201) and queued.
pub async fn submit(app: &TestApp, browser: &Client, source: &str) -> String {
    let response =
        browser.post(app.url("/api/jobs")).json(&serde_json::json!({ "source": source })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let job: serde_json::Value = response.json().await.unwrap();
    assert_eq!(job["status"], "queued");
    job["id"].as_str().unwrap().to_owned()
}

/// The session cookie (`hh_session=…`, without its attributes) that `response` set.
pub fn session_cookie(response: &Response) -> String {
    response.headers()[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_owned()
}

pub async fn logged_in(app: &TestApp, email: &str) -> Client {
    let browser = app.other_browser();
    assert_eq!(app.register(&browser, email).await.status(), StatusCode::OK);
    browser
}

/// A fresh browser logged in as an account that already exists (after a restart, say).
pub async fn relogin(app: &TestApp, email: &str) -> Client {
    let browser = app.other_browser();
    assert_eq!(app.login(&browser, email, PASSWORD).await.status(), StatusCode::OK);
    browser
}

pub async fn upload(app: &TestApp, browser: &Client, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()));
    browser.post(app.url("/api/jobs")).multipart(form).send().await.unwrap()
}

pub async fn upload_ok(app: &TestApp, browser: &Client) -> String {
    let response = upload(app, browser, "elife.xml", short_paper()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let job: serde_json::Value = response.json().await.unwrap();
    assert_eq!(job["source"]["kind"], "upload");
    assert_eq!(job["source"]["name"], "elife.xml");
    job["id"].as_str().unwrap().to_owned()
}

/// Follows the job's events (from `after`) until `stop` says so or the stream ends.
pub async fn follow_until(
    app: &TestApp,
    browser: &Client,
    id: &str,
    after: i64,
    stop: impl Fn(&serde_json::Value) -> bool,
) -> Vec<(i64, serde_json::Value)> {
    let response = browser.get(app.url(&format!("/api/jobs/{id}/events?after={after}"))).send().await.unwrap();
    let mut stream = SseReader::patient(response, std::time::Duration::from_secs(180));
    let mut seen = Vec::new();
    while let Some((seq, event)) = stream.next().await {
        let done = stop(&event);
        seen.push((seq, event));
        if done {
            break;
        }
    }
    seen
}

pub fn kinds_of(events: &[(i64, serde_json::Value)], step: &str) -> Vec<String> {
    events
        .iter()
        .filter(|(_, e)| {
            e["step"] == step && e["kind"].as_str().unwrap().starts_with("step-") && e["kind"] != "step-progress"
        })
        .map(|(_, e)| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// What ffprobe says of a media file: its streams and format, as JSON.
pub fn ffprobe(path: &std::path::Path) -> serde_json::Value {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_streams", "-show_format", "-of", "json"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(out.status.success(), "ffprobe: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Checks the Range answers for the file at `url`, whose whole bytes are `whole`, as a video
/// player and Safari ask for them (RFC 9110): a middle, a suffix, an open end, nothing
/// beyond the end (416 with the size), and `If-Range`: the same version gets its range, an
/// older one the whole current file.
pub async fn check_ranges(browser: &Client, url: &str, whole: &[u8]) {
    let size = whole.len();
    let get = |range: String, if_range: Option<String>| {
        let mut request = browser.get(url).header(header::RANGE, range);
        if let Some(validator) = if_range {
            request = request.header(header::IF_RANGE, validator);
        }
        request.send()
    };
    let middle = size / 2;
    let part = get(format!("bytes={}-{}", middle, middle + 999), None).await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], format!("bytes {}-{}/{size}", middle, middle + 999).as_str());
    assert_eq!(part.headers()[header::CONTENT_LENGTH], "1000");
    let etag = part.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(part.bytes().await.unwrap(), &whole[middle..middle + 1000]);
    let tail = get("bytes=-500".into(), None).await.unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), &whole[size - 500..]);
    let open = get("bytes=0-".into(), None).await.unwrap();
    assert_eq!(open.status(), StatusCode::PARTIAL_CONTENT, "Safari's first probe");
    assert_eq!(open.headers()[header::CONTENT_RANGE], format!("bytes 0-{}/{size}", size - 1).as_str());
    let clamped = get(format!("bytes={}-{}", size - 10, size + 5000), None).await.unwrap();
    assert_eq!(clamped.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(clamped.bytes().await.unwrap(), &whole[size - 10..], "an end past the file is clamped");
    let beyond = get(format!("bytes={size}-"), None).await.unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(beyond.headers()[header::CONTENT_RANGE], format!("bytes */{size}").as_str());
    let malformed = get("bytes=20-10".into(), None).await.unwrap();
    assert_eq!(malformed.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    let same = get("bytes=0-99".into(), Some(etag.clone())).await.unwrap();
    assert_eq!(same.status(), StatusCode::PARTIAL_CONTENT, "If-Range naming this version");
    assert_eq!(same.bytes().await.unwrap(), &whole[..100]);
    for range in ["bytes=0-99".to_owned(), format!("bytes={size}-")] {
        let older = get(range.clone(), Some("\"an-older-version\"".into())).await.unwrap();
        assert_eq!(older.status(), StatusCode::OK, "{range} with If-Range naming an older version: the whole file");
        assert_eq!(older.headers()[header::ETAG], etag.as_str());
        assert_eq!(older.bytes().await.unwrap(), whole, "{range}");
    }
}
