//! SSE fan-out: many people's browsers (here: many connections of one person) watching one job.
//! `cargo bench -p server --bench sse_fanout [-- 1000 10000]` — results go in BENCHMARKS.md.
//!
//! The server is a child process (this binary again, `HH_FANOUT_ROLE=server`), so its memory is
//! measured alone: the real application on a random loopback port, with the job's events
//! recorded in that same process as a worker does. The parent opens N streams of
//! `GET /api/jobs/{id}/events`, waits until each has its first event, then has the child record
//! `EMITS` events one second apart; each event's message carries the wall-clock time it was
//! recorded, so every subscriber's delivery latency is `received − recorded` (one clock, one
//! machine). Reported per N: peak RSS of the server (VmHWM), its RSS with all streams open,
//! and p50/p99/max delivery latency over N × EMITS deliveries.
//!
//! Across processes (PostgreSQL, LISTEN/NOTIFY): a second child records the events while the
//! first only serves (`HH_BENCH_POSTGRES`, default postgres://postgres@127.0.0.1:5432/postgres;
//! skipped when none answers).
//!
//! Needs `ulimit -n` above N plus a margin in both processes (raised here to the hard limit).

use app::jobs::{store, EventKind, Step};
use futures::StreamExt;
use server::startup::Application;
use std::{
    io::{BufRead, Write},
    process::{Child, ChildStdin, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::mpsc;

#[path = "common/mod.rs"]
mod common;

/// Events recorded per run, one second apart.
const EMITS: usize = 5;
/// Streams opened at once while connecting.
const CONNECT_BATCH: usize = 250;

fn now_micros() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros()
}

/// The child: serves (`HH_FANOUT_SERVE=1`) and/or records events (`HH_FANOUT_JOB` names the job
/// to record on; without it a user, session and job are made and announced). Commands on stdin:
/// `emit` records one event; `rss` prints this process's RSS and peak RSS in kB.
async fn child() {
    raise_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let database_url = std::env::var("HH_FANOUT_DATABASE").unwrap();
    // Limits high enough for N streams of one person.
    let limits =
        [("HH_MAX_CONNECTIONS", "30000"), ("HH_CONNECTIONS_PER_CLIENT", "30000"), ("HH_STREAMS_PER_PERSON", "10000")];
    let config = common::config(&database_url, dir.path(), &limits);
    let (addr, state) = if std::env::var("HH_FANOUT_SERVE").is_ok() {
        common::serve(config).await
    } else {
        let app = Application::build(config).await.unwrap();
        (app.local_addr(), app.state().clone())
    };
    let job_id = match std::env::var("HH_FANOUT_JOB") {
        Ok(id) => id,
        Err(_) => {
            let (cookie, job_id) = common::person_with_a_job(&state).await;
            println!("ready {addr} {job_id} {cookie}");
            job_id
        }
    };
    let mut lease = None;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        match line.unwrap().trim() {
            "emit" => {
                if lease.is_none() {
                    lease = loop {
                        let claimed = store::claim(&state, "bench-worker", 3_600_000).await.unwrap().unwrap();
                        if claimed.job().id == job_id {
                            break Some(claimed);
                        }
                    };
                }
                let message = now_micros().to_string();
                lease
                    .as_ref()
                    .unwrap()
                    .record(EventKind::StepProgress, Some(Step::GenerateVideos), 50, &message)
                    .await
                    .unwrap();
                println!("emitted");
            }
            "rss" => {
                let status = std::fs::read_to_string("/proc/self/status").unwrap();
                let kb = |field: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(field))
                        .map(|v| v.trim().trim_end_matches(" kB").to_owned())
                };
                println!("rss {} {}", kb("VmRSS:").unwrap(), kb("VmHWM:").unwrap());
            }
            _ => break,
        }
        std::io::stdout().flush().unwrap();
    }
}

/// One child process and its pipes.
struct Process {
    child: Child,
    stdin: ChildStdin,
    stdout: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl Process {
    fn spawn(env: &[(&str, &str)]) -> Process {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.env("HH_FANOUT_ROLE", "child").env("RUST_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        Process { child, stdin, stdout }
    }

    fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        self.stdout.next().unwrap().unwrap()
    }

    /// (RSS, peak RSS) in MB.
    fn rss(&mut self) -> (f64, f64) {
        let line = self.ask("rss");
        let mut parts = line.split_whitespace().skip(1).map(|kb| kb.parse::<f64>().unwrap() / 1024.0);
        (parts.next().unwrap(), parts.next().unwrap())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens `n` streams of the job's events, waits until each has its first event, then has
/// `emitter` record EMITS events; returns every delivery's latency and the server's memory.
async fn measure(
    n: usize,
    addr: &str,
    job_id: &str,
    cookie: &str,
    server: &mut Process,
    emitter: Option<&mut Process>,
) -> (Vec<Duration>, (f64, f64)) {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let url = Arc::new(format!("http://{addr}/api/jobs/{job_id}/events"));
    let cookie = Arc::new(cookie.to_owned());
    let (connected_tx, mut connected) = mpsc::unbounded_channel::<()>();
    let (latency_tx, mut latencies) = mpsc::unbounded_channel::<Duration>();
    let mut tasks = Vec::with_capacity(n);
    let started = Instant::now();
    for batch in 0..n.div_ceil(CONNECT_BATCH) {
        let in_batch = CONNECT_BATCH.min(n - batch * CONNECT_BATCH);
        for _ in 0..in_batch {
            let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
            let (connected_tx, latency_tx) = (connected_tx.clone(), latency_tx.clone());
            tasks.push(tokio::spawn(async move {
                let response = client.get(url.as_str()).header("cookie", cookie.as_str()).send().await.unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                let mut body = Box::pin(response.bytes_stream());
                let mut buffer = String::new();
                let mut first = true;
                while let Some(chunk) = body.next().await {
                    let Ok(chunk) = chunk else { break };
                    let received = now_micros();
                    buffer.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = buffer.find("\n\n") {
                        let frame: String = buffer.drain(..end + 2).collect();
                        let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data:")) else { continue };
                        if first {
                            first = false;
                            let _ = connected_tx.send(());
                            continue;
                        }
                        let event: serde_json::Value = serde_json::from_str(data.trim()).unwrap();
                        if let Some(sent) = event["message"].as_str().and_then(|m| m.parse::<u128>().ok()) {
                            let _ = latency_tx.send(Duration::from_micros((received.saturating_sub(sent)) as u64));
                        }
                    }
                }
            }));
        }
        for _ in 0..in_batch {
            tokio::time::timeout(Duration::from_secs(60), connected.recv())
                .await
                .expect("a stream's first event")
                .unwrap();
        }
    }
    eprintln!("  {n} streams open in {:.1?}", started.elapsed());
    let open = server.rss();
    let emitter = match emitter {
        Some(emitter) => emitter,
        None => server,
    };
    let mut all = Vec::with_capacity(n * EMITS);
    for _ in 0..EMITS {
        assert_eq!(emitter.ask("emit"), "emitted");
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut got = 0;
        while got < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, latencies.recv()).await {
                Ok(Some(latency)) => {
                    all.push(latency);
                    got += 1;
                }
                _ => panic!("only {got} of {n} streams received an event within 30 s"),
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for task in tasks {
        task.abort();
    }
    (all, open)
}

fn report(name: &str, n: usize, mut latencies: Vec<Duration>, (rss, peak): (f64, f64)) {
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "| {name} | {n} | {rss:.0} MB | {peak:.0} MB | {:.1?} | {:.1?} | {:.1?} |",
        at(0.50),
        at(0.99),
        latencies.last().unwrap()
    );
}

/// The server's announcement: address, job id, session cookie.
fn ready(process: &mut Process) -> (String, String, String) {
    let line = process.stdout.next().unwrap().unwrap();
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("ready"), "{line}");
    let mut next = || parts.next().unwrap().to_owned();
    (next(), next(), next())
}

fn raise_fd_limit() {
    // Both sides hold one descriptor per stream.
    let (_, hard) = rlimit_nofile();
    let _ = rustix::process::setrlimit(
        rustix::process::Resource::Nofile,
        rustix::process::Rlimit { current: hard, maximum: hard },
    );
}

fn rlimit_nofile() -> (Option<u64>, Option<u64>) {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    (limit.current, limit.maximum)
}

#[tokio::main]
async fn main() {
    if std::env::var("HH_FANOUT_ROLE").as_deref() == Ok("child") {
        child().await;
        return;
    }
    raise_fd_limit();
    let counts: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let counts = if counts.is_empty() { vec![1000, 10_000] } else { counts };
    println!("| path | streams | server RSS, streams open | server peak RSS | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for &n in &counts {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
        let mut server = Process::spawn(&[("HH_FANOUT_DATABASE", &sqlite), ("HH_FANOUT_SERVE", "1")]);
        let (addr, job, cookie) = ready(&mut server);
        let (latencies, rss) = measure(n, &addr, &job, &cookie, &mut server, None).await;
        let peak = server.rss().1;
        report("one process (SQLite)", n, latencies, (rss.0, peak));
    }

    for &n in &counts {
        let url = match common::postgres_database().await {
            Ok(url) => url,
            Err(why) => return println!("across processes (PostgreSQL): skipped, {why}"),
        };
        let mut server = Process::spawn(&[("HH_FANOUT_DATABASE", &url), ("HH_FANOUT_SERVE", "1")]);
        let (addr, job, cookie) = ready(&mut server);
        let mut worker = Process::spawn(&[("HH_FANOUT_DATABASE", &url), ("HH_FANOUT_JOB", &job)]);
        let (latencies, rss) = measure(n, &addr, &job, &cookie, &mut server, Some(&mut worker)).await;
        let peak = server.rss().1;
        report("across processes (PostgreSQL)", n, latencies, (rss.0, peak));
    }
}
