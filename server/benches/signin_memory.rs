//! Sign-in floods: the memory of a real `hidden-hill serve` process (its allocator included)
//! through six bursts of 64 concurrent wrong logins, each with a different e-mail address
//! and client address, as the security probe sent them (issue #20).
//! `cargo bench -p server --bench signin_memory` — results go in BENCHMARKS.md.
//!
//! Prints the answers by status, the process's peak RSS (VmHWM) and its RSS 5 and 15 seconds
//! after the last burst (settled). `HH_BENCH_BINARY` measures another build of the binary instead.

use std::{
    collections::BTreeMap,
    process::{Command, Stdio},
    time::Duration,
};

const BURSTS: usize = 6;
const CONCURRENT: usize = 64;

/// A line of /proc/<pid>/status in MiB, e.g. `VmRSS` or `VmHWM`.
fn memory_mib(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the server is running");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a memory line");
    kib / 1024.0
}

#[tokio::main]
async fn main() {
    let binary = std::env::var("HH_BENCH_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_hidden-hill").to_owned());
    let data = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = Command::new(&binary)
        .arg("serve")
        .env("HH_LISTEN", format!("127.0.0.1:{port}"))
        .env("HH_DATA_DIR", data.path())
        .env("HH_ACCESS_CODE", "bench")
        .env("HH_WORKERS", "0")
        // Its memory is what is measured, not a video's.
        .env("HH_SAMPLE_VIDEO", "off")
        // Each burst comes from many addresses, so the per-client limit does not hide the hashing.
        .env("HH_CLIENT_IP_HEADER", "x-forwarded-for")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hidden-hill serve");
    let pid = server.id();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client.get(format!("{base}/health")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let started = memory_mib(pid, "VmRSS");

    let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
    for burst in 0..BURSTS {
        let logins = (0..CONCURRENT).map(|i| {
            let client = client.clone();
            let url = format!("{base}/api/login");
            async move {
                client
                    .post(url)
                    .header("x-forwarded-for", format!("10.{burst}.{}.{}", i / 250, i % 250 + 1))
                    .form(&[
                        ("email", format!("flood-{burst}-{i}@example.org")),
                        ("password", "wrong password!".into()),
                    ])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            }
        });
        for status in futures::future::join_all(logins).await {
            *answers.entry(status).or_default() += 1;
        }
    }
    let peak = memory_mib(pid, "VmHWM");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after_5s = memory_mib(pid, "VmRSS");
    // Tokio ends idle blocking threads (where the hashes ran) after 10 s.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after_15s = memory_mib(pid, "VmRSS");
    let _ = server.kill();
    let _ = server.wait();

    println!("binary: {binary}");
    println!("{BURSTS} bursts of {CONCURRENT} concurrent wrong logins; answers by status: {answers:?}");
    println!("| RSS at start | peak RSS | RSS 5 s after | RSS 15 s after |");
    println!("|---|---|---|---|");
    println!("| {started:.0} MiB | {peak:.0} MiB | {after_5s:.0} MiB | {after_15s:.0} MiB |");
}
