//! The JSON status endpoint against a bare axum "hello world", in the same run and with the
//! same load tool: `cargo bench -p server --bench json_status` — results go in BENCHMARKS.md.
//!
//! `GET /api/jobs/{id}` with a session cookie is the real route: the session lookup, the
//! database read of the job, the JSON, every middleware of the router (security headers,
//! cross-site check, compression negotiation, timeouts). The baseline is `GET /` on an axum
//! router that answers "Hello, World!", in the same process and runtime. Load: `wrk` (Debian's
//! package) with 2 threads and 64 connections for 10 s each, one after the other; both run on
//! the same 2 cores as wrk itself. A third column is the same route without a session, answered
//! 401 before any query: what the router and its middleware cost alone, the ceiling that no
//! work on the queries can pass. Runs on SQLite, then on PostgreSQL when one answers at
//! `HH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres).

use std::process::Command;

// The server runs in this process: with the allocator `hidden-hill` itself uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "common/mod.rs"]
mod common;

const DURATION: &str = "10s";
const CONNECTIONS: &str = "64";

/// Requests per second that wrk measured at `url`, with `cookie` when given; every answer must
/// be a success when `successes` is set.
fn wrk(url: &str, cookie: Option<&str>, successes: bool) -> f64 {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c", CONNECTIONS, "-d", DURATION, "--latency"]);
    if let Some(cookie) = cookie {
        command.args(["-H", &format!("Cookie: {cookie}")]);
    }
    let output = command.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!successes || !text.contains("Non-2xx"), "every answer must be a success:\n{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

async fn hello_world() -> std::net::SocketAddr {
    let router = axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

async fn compare(name: &str, database_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (app, state) = common::serve(common::config(database_url, dir.path(), &[])).await;
    let (cookie, job) = common::person_with_a_job(&state).await;
    let status_url = format!("http://{app}/api/jobs/{job}");
    let check = reqwest::Client::new().get(&status_url).header("cookie", &cookie).send().await.unwrap();
    assert!(check.status().is_success(), "the status endpoint answers: {}", check.status());
    let hello = hello_world().await;
    let (status, refused, baseline) = tokio::task::spawn_blocking(move || {
        let baseline = wrk(&format!("http://{hello}/"), None, true);
        let status = wrk(&status_url, Some(&cookie), true);
        let refused = wrk(&status_url, None, false);
        (status, refused, baseline)
    })
    .await
    .unwrap();
    let ratio = |x: f64| 100.0 * x / baseline;
    println!(
        "| {name} | {status:.0} | {refused:.0} | {baseline:.0} | {:.0} % | {:.0} % |",
        ratio(status),
        ratio(refused)
    );
}

#[tokio::main]
async fn main() {
    println!(
        "| database | GET /api/jobs/{{id}} (req/s) | the same, no session: 401 (req/s) | axum hello world (req/s) | ratio | ratio, no session |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    let dir = tempfile::tempdir().unwrap();
    compare("SQLite", &format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())).await;

    match common::postgres_database().await {
        Ok(url) => compare("PostgreSQL", &url).await,
        Err(why) => println!("PostgreSQL: skipped, {why}"),
    }
}
