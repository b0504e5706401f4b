//! Running it as a service: liveness and readiness, a request id on every answer and log line,
//! Prometheus metrics behind a token or on their own address, JSON logs, errors to Sentry.

use crate::common;

use common::{follow_until, logged_in, Engine, TestApp};
use reqwest::{header, multipart, StatusCode};
use serde_json::Value;

const METRICS_TOKEN: &str = "metrics-token-0123456789abcdef";

on_both_engines!(health_says_live_and_ready_with_the_schema_current);

async fn health_says_live_and_ready_with_the_schema_current(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let live = app.client.get(app.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), StatusCode::OK);
    assert_eq!(live.json::<Value>().await.unwrap()["status"], "live");
    let ready = app.client.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!((ready["status"].as_str(), ready["database"].as_str()), (Some("ready"), Some("ok")), "{ready}");
    assert!(ready["storage"].is_string(), "the store's state is reported: {ready}");
    assert_eq!(app.db.pending_migrations().await.unwrap(), 0);

    // A database that lost its connection is not ready, and says why; the process stays live.
    app.db.pool().close().await;
    let ready = app.client.get(app.url("/health/ready")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.json::<Value>().await.unwrap()["database"], "unreachable");
    assert_eq!(app.client.get(app.url("/health/live")).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let answer = app.client.get(app.url("/health/live")).send().await.unwrap();
    let id = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let again = app.client.get(app.url("/health/live")).send().await.unwrap();
    assert_ne!(again.headers()["x-request-id"], id.as_str(), "one per request");
    // A proxy's id is kept, so one request can be followed through both logs.
    let given = app.client.get(app.url("/api/me")).header("x-request-id", "proxy-req-42").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "proxy-req-42");
    // Errors and pages too.
    let missing = app.client.get(app.url("/videos/nope")).send().await.unwrap();
    assert!(missing.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn metrics_need_the_token_and_count_jobs_steps_and_requests() {
    // Without a token configured there are no metrics on the app's address.
    let closed = TestApp::spawn(Engine::Sqlite).await;
    assert_eq!(closed.client.get(closed.url("/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1"), ("HH_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let scrape = |token: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        request.send()
    };
    let refused = scrape(None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(scrape(Some("metrics-token-wrong")).await.unwrap().status(), StatusCode::UNAUTHORIZED);

    // A job that runs up to its review: two steps done, one job waiting for its owner.
    let owner = logged_in(&app, "metrics@example.org").await;
    let form = multipart::Form::new()
        .text("review", "on")
        .part("file", multipart::Part::bytes(common::short_paper()).file_name("elife.xml"));
    let response = owner.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    follow_until(&app, &owner, &id, 0, |e| e["kind"] == "review" || e["kind"] == "failed").await;
    app.get_json(&owner, &format!("/api/jobs/{id}")).await;

    let answer = scrape(Some(METRICS_TOKEN)).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("application/openmetrics-text"));
    let text = answer.text().await.unwrap();
    // This app's database: exactly one job, in review, none queued.
    assert!(text.contains("hh_jobs{status=\"review\"} 1\n"), "{text}");
    assert!(text.contains("hh_jobs{status=\"queued\"} 0\n"), "{text}");
    assert!(text.contains("hh_queue_depth 0\n"), "{text}");
    assert!(text.contains("hh_queue_oldest_age_seconds 0"), "{text}");
    // Counted in this process (other tests' apps share it, hence "at least").
    let at_least_one = |series: &str| {
        text.lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|n| n.parse::<f64>().ok())
            .is_some_and(|n| n >= 1.0)
    };
    for series in [
        "hh_step_attempts_total{step=\"fetch-paper\",provider=\"reader\",outcome=\"done\"}",
        "hh_step_attempts_total{step=\"generate-script\",provider=\"offline-extractive\",outcome=\"done\"}",
        "hh_step_duration_seconds_count{step=\"generate-script\",provider=\"offline-extractive\",outcome=\"done\"}",
        "hh_http_requests_total{method=\"GET\",route=\"/api/jobs/{id}\",status=\"200\"}",
        "hh_http_request_duration_seconds_count{method=\"GET\",route=\"/api/jobs/{id}\"}",
    ] {
        assert!(at_least_one(series), "{series} in\n{text}");
    }
    assert!(text.contains("hh_live_streams "), "{text}");
    // No path with an id makes a series of its own.
    assert!(!text.contains(&id), "ids stay out of the labels");
    assert!(text.ends_with("# EOF\n"));
}

#[tokio::test]
async fn metrics_on_their_own_address_need_no_token() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_METRICS_LISTEN", "127.0.0.1:0")]).await;
    let address = app.metrics_addr.expect("the metrics listener is bound");
    assert_ne!(address, app.addr);
    let answer = app.client.get(format!("http://{address}/metrics")).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(answer.text().await.unwrap().contains("hh_jobs{status=\"queued\"} 0"));
    // Only metrics there: no pages, no API.
    let page = app.client.get(format!("http://{address}/api/me")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    // And not on the app's address, which has no token configured.
    assert_eq!(app.client.get(app.url("/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
}

/// `hidden-hill serve` on `port` with its data (SQLite, files) in `folder`, no worker and no
/// sample video; the test adds its settings and starts it.
fn serve_command(folder: &std::path::Path, port: u16) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"));
    command
        .arg("serve")
        .env("HH_LISTEN", format!("127.0.0.1:{port}"))
        .env("HH_DATA_DIR", folder)
        .env("DATABASE_URL", format!("sqlite://{}/hh.db?mode=rwc", folder.display()))
        .env("HH_ACCESS_CODE", "code-for-a-process")
        .env("HH_SAMPLE_VIDEO", "off")
        .env("HH_WORKERS", "0");
    command
}

/// `HH_LOG_FORMAT=json`: the server's log is one JSON object per line, and a request's line
/// carries its id, route and status.
#[tokio::test]
async fn json_logs_carry_the_request_id() {
    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = serve_command(folder.path(), port)
        .env("HH_LOG_FORMAT", "json")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/health/live");
    let mut up = false;
    for _ in 0..100 {
        if client.get(&url).header("x-request-id", "json-log-7").send().await.is_ok_and(|r| r.status().is_success()) {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // SIGTERM: it drains and exits.
    let _ = std::process::Command::new("kill").arg(server.id().to_string()).status();
    let output = tokio::task::spawn_blocking(move || {
        let _ = server.try_wait();
        server.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(up, "the server answered\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty());
    let answered = lines
        .iter()
        .find(|l| l["span"]["id"] == "json-log-7" && l["status"].as_u64() == Some(200))
        .unwrap_or_else(|| panic!("the request's line:\n{stdout}"));
    assert_eq!(answered["span"]["route"], "/health/live");
    assert!(answered["level"] == "INFO" && answered["latency"].is_string(), "{answered}");
}

/// `HH_SENTRY_DSN`: an error the server logs reaches Sentry as an event (here a local stand-in
/// for Sentry's ingest endpoint, which receives the envelope as Sentry would), with the release.
#[tokio::test]
async fn errors_are_reported_to_sentry() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let ingest = axum::Router::new().route(
        "/api/42/envelope/",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(String::from_utf8_lossy(&body).into_owned());
                axum::Json(serde_json::json!({ "id": "0" }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sentry_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, ingest).await });
    // An object store that is not there: the server says so at start, as an error.
    let nothing_there = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let folder = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = serve_command(folder.path(), port)
        .env("HH_S3_BUCKET", "missing")
        .env("HH_S3_ENDPOINT", format!("http://127.0.0.1:{nothing_there}"))
        .env("HH_S3_ACCESS_KEY_ID", "GK0000")
        .env("HH_S3_SECRET_ACCESS_KEY", "0000")
        .env("HH_SENTRY_DSN", format!("http://publickey@127.0.0.1:{sentry_port}/42"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut event = None;
    for _ in 0..600 {
        event = received.lock().unwrap().iter().find(|e| e.contains("object store does not answer")).cloned();
        if event.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    let event = event.unwrap_or_else(|| panic!("no event reached Sentry: {:?}", received.lock().unwrap()));
    // An error event (Sentry's default level, so not written out), from where it was logged.
    assert!(event.contains("\"type\":\"event\"") && event.contains("\"logger\":\"server::startup\""), "{event}");
    let release = format!("\"release\":\"{}@{}\"", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
    assert!(event.contains(&release), "{event}");
}

/// PostgreSQL drops every connection (a restart, a failover, an idle timeout on a proxy): the
/// pool checks a connection that has been idle before handing it out, so the next requests are
/// answered by new connections instead of failing on dead ones.
#[tokio::test]
async fn requests_go_on_after_postgresql_drops_every_connection() {
    use sqlx::Connection;
    let app = TestApp::spawn(Engine::Postgres).await;
    let person = logged_in(&app, "steady@example.org").await;
    let mine = || person.get(app.url("/api/jobs/mine")).send();
    assert_eq!(mine().await.unwrap().status(), StatusCode::OK);
    let mut admin = sqlx::PgConnection::connect(&app.database_url).await.unwrap();
    let dropped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(dropped.iter().any(|&d| d), "the app's connections were dropped: {dropped:?}");
    // Longer than the pool trusts a connection it used a moment ago without checking it.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    for _ in 0..6 {
        let answer = mine().await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK, "{}", answer.text().await.unwrap());
    }
}
