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
//! work on the queries can pass. A fourth is the same query and JSON on a bare axum router, no
//! middleware at all: what the session lookup and the database read cost on their own, the
//! ceiling that no work on the middleware can pass. Runs on SQLite, then on PostgreSQL when one
//! answers at `HH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres).

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

/// Serves `router` on a free loopback port, in this process; its address.
async fn serve(router: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

async fn hello_world() -> std::net::SocketAddr {
    serve(axum::Router::new().route("/", axum::routing::get(|| async { "Hello, World!" }))).await
}

/// The floor for any status route: the same query (`store::get_for_session`) and JSON on an
/// axum router with no middleware at all, on the app's own pool.
async fn bare_status(state: &app::backend::state::AppState) -> std::net::SocketAddr {
    use app::{accounts::session, error::AppError, jobs::store};
    use axum::extract::{Path, State};
    async fn read(
        State(db): State<app::backend::db::Db>,
        headers: axum::http::HeaderMap,
        Path(id): Path<String>,
    ) -> Result<axum::Json<app::jobs::Job>, AppError> {
        let token = session::token_from_headers(&headers).ok_or(AppError::Unauthenticated)?;
        Ok(axum::Json(store::get_for_session(&db, &token, &id).await?))
    }
    serve(axum::Router::new().route("/api/jobs/{id}", axum::routing::get(read)).with_state(state.db.clone())).await
}

/// One job row by id, answered as JSON by a bare axum router, through sqlx's `Any` driver (the
/// app's pool) and through its native SQLite driver on the same file: what the driver costs.
async fn job_row(database_url: &str, any: app::backend::db::Db) -> (std::net::SocketAddr, std::net::SocketAddr) {
    use axum::extract::{Path, State};
    const SQL: &str = "SELECT id, status, source_ref FROM jobs WHERE id = $1";
    async fn by_any(State(db): State<app::backend::db::Db>, Path(id): Path<String>) -> axum::Json<Vec<String>> {
        let row = sqlx::query(SQL).bind(id).fetch_one(db.pool()).await.unwrap();
        axum::Json(vec![sqlx::Row::get(&row, "id"), sqlx::Row::get(&row, "status")])
    }
    async fn by_native(State(pool): State<sqlx::SqlitePool>, Path(id): Path<String>) -> axum::Json<Vec<String>> {
        let row = sqlx::query(SQL).bind(id).fetch_one(&pool).await.unwrap();
        axum::Json(vec![sqlx::Row::get(&row, "id"), sqlx::Row::get(&row, "status")])
    }
    let native = sqlx::SqlitePool::connect(database_url).await.unwrap();
    (
        serve(axum::Router::new().route("/{id}", axum::routing::get(by_any)).with_state(any)).await,
        serve(axum::Router::new().route("/{id}", axum::routing::get(by_native)).with_state(native)).await,
    )
}

async fn compare(name: &str, database_url: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (app, state) = common::serve(common::config(database_url, dir.path(), &[])).await;
    let (cookie, job) = common::person_with_a_job(&state).await;
    let status_url = format!("http://{app}/api/jobs/{job}");
    let check = reqwest::Client::new().get(&status_url).header("cookie", &cookie).send().await.unwrap();
    assert!(check.status().is_success(), "the status endpoint answers: {}", check.status());
    let hello = hello_world().await;
    let bare_url = format!("http://{}/api/jobs/{job}", bare_status(&state).await);
    let (status, refused, bare, baseline) = tokio::task::spawn_blocking(move || {
        let baseline = wrk(&format!("http://{hello}/"), None, true);
        let status = wrk(&status_url, Some(&cookie), true);
        let refused = wrk(&status_url, None, false);
        let bare = wrk(&bare_url, Some(&cookie), true);
        (status, refused, bare, baseline)
    })
    .await
    .unwrap();
    let ratio = |x: f64| 100.0 * x / baseline;
    println!(
        "| {name} | {status:.0} | {refused:.0} | {bare:.0} | {baseline:.0} | {:.0} % | {:.0} % | {:.0} % |",
        ratio(status),
        ratio(refused),
        ratio(bare)
    );
}

#[tokio::main]
async fn main() {
    println!(
        "| database | GET /api/jobs/{{id}} (req/s) | the same, no session: 401 (req/s) | the same query, no middleware (req/s) | axum hello world (req/s) | ratio | ratio, no session | ratio, no middleware |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let dir = tempfile::tempdir().unwrap();
    compare("SQLite", &format!("sqlite://{}/bench.db?mode=rwc", dir.path().display())).await;

    match common::postgres_database().await {
        Ok(url) => compare("PostgreSQL", &url).await,
        Err(why) => println!("PostgreSQL: skipped, {why}"),
    }
    drivers().await;
}

/// The driver's share: one job row by id on a bare router, sqlx's `Any` driver against its
/// native SQLite driver, beside hello world (SQLite only: the app's PostgreSQL is a round trip
/// either way).
async fn drivers() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let (_app, state) = common::serve(common::config(&url, dir.path(), &[])).await;
    let (_cookie, job) = common::person_with_a_job(&state).await;
    let (any, native) = job_row(&url, state.db.clone()).await;
    let hello = hello_world().await;
    let (any, native, baseline) = tokio::task::spawn_blocking(move || {
        let baseline = wrk(&format!("http://{hello}/"), None, true);
        (wrk(&format!("http://{any}/{job}"), None, true), wrk(&format!("http://{native}/{job}"), None, true), baseline)
    })
    .await
    .unwrap();
    println!();
    println!("| one job row by id, bare axum (SQLite) | req/s | ratio to hello world ({baseline:.0} req/s) |");
    println!("|---|---:|---:|");
    println!("| sqlx `Any` driver (the app's pool) | {any:.0} | {:.0} % |", 100.0 * any / baseline);
    println!("| sqlx native SQLite driver | {native:.0} | {:.0} % |", 100.0 * native / baseline);
    println!();
}
