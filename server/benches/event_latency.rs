//! Event latency: from a worker recording a step event to an SSE client receiving it.
//! `cargo bench -p server --bench event_latency` — results go in BENCHMARKS.md.
//!
//! - one process: SQLite, the worker and the web server share the in-process bus;
//! - across processes: two app instances on one PostgreSQL database (LISTEN/NOTIFY), set
//!   `HH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres) or it is skipped.

use app::jobs::{store, EventKind, Step};
use futures::StreamExt;
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
mod common;

const EVENTS: usize = 500;

async fn start(database_url: &str, dir: &std::path::Path) -> (std::net::SocketAddr, app::backend::state::AppState) {
    common::serve(common::config(database_url, dir, &[])).await
}

/// Records EVENTS events on `worker` and measures when the SSE client of `web` sees each.
async fn measure(
    web: (std::net::SocketAddr, app::backend::state::AppState),
    worker: app::backend::state::AppState,
) -> Vec<Duration> {
    let (addr, web_state) = web;
    let (cookie, job_id) = common::person_with_a_job(&web_state).await;
    let lease = loop {
        let lease = store::claim(&worker, "bench-worker", 600_000).await.unwrap().unwrap();
        if lease.job().id == job_id {
            break lease;
        }
    };
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/api/jobs/{job_id}/events"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let mut body = Box::pin(response.bytes_stream());
    let mut buffer = String::new();
    assert_eq!(next_id(&mut body, &mut buffer).await, 1); // the queued event
    let mut latencies = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let started = Instant::now();
        let event =
            lease.record(EventKind::StepProgress, Some(Step::GenerateVideos), 50, &format!("scene {i}")).await.unwrap();
        while next_id(&mut body, &mut buffer).await < event.seq {}
        latencies.push(started.elapsed());
    }
    latencies
}

/// The id of the next SSE event on the stream.
async fn next_id(
    body: &mut std::pin::Pin<Box<impl futures::Stream<Item = reqwest::Result<bytes::Bytes>>>>,
    buffer: &mut String,
) -> i64 {
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id:")) {
                return id.trim().parse().unwrap();
            }
            continue;
        }
        let chunk = body.next().await.unwrap().unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

fn report(name: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name:<28} n={:<4} p50={:>7.2?} p95={:>7.2?} p99={:>7.2?} max={:>7.2?}",
        latencies.len(),
        at(0.50),
        at(0.95),
        at(0.99),
        latencies.last().unwrap()
    );
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    let web = start(&sqlite, dir.path()).await;
    let worker = web.1.clone();
    report("one process (SQLite)", measure(web, worker).await);

    let url = match common::postgres_database().await {
        Ok(url) => url,
        Err(why) => return println!("across processes (PostgreSQL): skipped, {why}"),
    };
    let web = start(&url, dir.path()).await;
    let (_, worker) = start(&url, dir.path()).await;
    report("across processes (Postgres)", measure(web, worker).await);
}
