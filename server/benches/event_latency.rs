//! Event latency: from a worker recording a step event to an SSE client receiving it.
//! `cargo bench -p server --bench event_latency` — results go in BENCHMARKS.md.
//!
//! - one process: SQLite, the worker and the web server share the in-process bus;
//! - across processes: two app instances on one PostgreSQL database (LISTEN/NOTIFY), set
//!   `HH_BENCH_POSTGRES` (default postgres://postgres@127.0.0.1:5432/postgres) or it is skipped.

use app::{
    accounts::{store as accounts, Role},
    backend::config::Config,
    jobs::{store, EventKind, PaperSource, Step},
};
use futures::StreamExt;
use server::startup::Application;
use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

const EVENTS: usize = 500;

async fn start(database_url: &str, dir: &std::path::Path) -> (std::net::SocketAddr, app::backend::state::AppState) {
    let vars: HashMap<&str, String> = HashMap::from([
        ("HH_LISTEN", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database_url.to_owned()),
        ("HH_ACCESS_CODE", "bench".to_owned()),
        ("HH_DATA_DIR", dir.display().to_string()),
    ]);
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(config).await.unwrap();
    let (addr, state) = (app.local_addr(), app.state().clone());
    tokio::spawn(app.run_until(std::future::pending()));
    (addr, state)
}

/// Records EVENTS events on `worker` and measures when the SSE client of `web` sees each.
async fn measure(
    web: (std::net::SocketAddr, app::backend::state::AppState),
    worker: app::backend::state::AppState,
) -> Vec<Duration> {
    let (addr, web_state) = web;
    let user = accounts::insert(&web_state.db, &format!("{}@bench.example", uuid::Uuid::new_v4()), "x", Role::User)
        .await
        .unwrap();
    let token = app::accounts::session::create(&web_state.db, &user.id, 3600).await.unwrap();
    let job = store::submit(&web_state, &user, PaperSource::parse("PMC1").unwrap(), Default::default()).await.unwrap();
    let lease = loop {
        let lease = store::claim(&worker, "bench-worker", 600_000).await.unwrap().unwrap();
        if lease.job().id == job.id {
            break lease;
        }
    };
    let response = reqwest::Client::new()
        .get(format!("http://{addr}/api/jobs/{}/events", job.id))
        .header("cookie", format!("hh_session={token}"))
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

    let admin =
        std::env::var("HH_BENCH_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("hh_test_bench_{}", uuid::Uuid::new_v4().simple());
    let created = async {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        Ok::<_, sqlx::Error>(())
    };
    if let Err(e) = created.await {
        println!("across processes (PostgreSQL): skipped, no server at {admin}: {e}");
        return;
    }
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let web = start(&url, dir.path()).await;
    let (_, worker) = start(&url, dir.path()).await;
    report("across processes (Postgres)", measure(web, worker).await);
}
