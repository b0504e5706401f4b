//! Object-store throughput against a real Garage node, through the app and without it, in one run:
//! `cargo bench -p server --bench storage_throughput` (needs `garage`, from
//! `scripts/install-tools --for-tests`; the aws CLI column is skipped when `aws` is missing).
//! Results go in BENCHMARKS.md.
//!
//! - upload: a 64 MiB file as a person uploads a paper (`POST /api/jobs`, streamed to a scratch
//!   file, then a multipart upload to S3); the same file with the SDK alone (`ObjectStore::s3`);
//!   `aws s3 cp`.
//! - whole download: `GET /videos/{id}`; the SDK's GetObject stream; `aws s3 cp` to a file.
//! - ranged download: 1 MiB ranges read one after another, as a player seeks and buffers.

#[path = "../tests/integration/common/garage.rs"]
mod garage;

use app::{
    accounts::{store as accounts, Role},
    backend::config::Config,
    storage::{ByteRange, Key, ObjectStore},
};
use futures::TryStreamExt;
use server::startup::Application;
use std::{collections::HashMap, time::Instant};

const SIZE: usize = 64 * 1024 * 1024;
const RANGE: u64 = 1024 * 1024;
const ROUNDS: usize = 3;

fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0 / seconds
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    xs[xs.len() / 2]
}

/// Runs `f` ROUNDS times; the median throughput for `bytes` moved per run.
async fn measure<F, Fut>(bytes: usize, mut f: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut rates = Vec::new();
    for round in 0..ROUNDS {
        let started = Instant::now();
        f(round).await;
        rates.push(mb_per_s(bytes, started.elapsed().as_secs_f64()));
    }
    median(rates)
}

fn aws(garage: &garage::Garage, args: &[&str]) -> bool {
    std::process::Command::new("aws")
        .args(args)
        .args(["--endpoint-url", &garage.endpoint(), "--region", garage::REGION])
        .env("AWS_ACCESS_KEY_ID", &garage.key_id)
        .env("AWS_SECRET_ACCESS_KEY", &garage.secret)
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::main]
async fn main() {
    let garage = garage::Garage::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("paper.pdf");
    // A PDF's signature, so the upload passes the app's content check; then incompressible bytes.
    let mut data = b"%PDF-1.7\n".to_vec();
    let mut seed = 0x2545_f491_u64;
    while data.len() < SIZE {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        data.extend_from_slice(&seed.to_le_bytes());
    }
    data.truncate(SIZE);
    std::fs::write(&file, &data).unwrap();

    let mut vars: HashMap<String, String> = garage.env().into_iter().collect();
    for (k, v) in [
        ("HH_LISTEN", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", format!("sqlite://{}/hh.db?mode=rwc", dir.path().display())),
        ("HH_ACCESS_CODE", "bench".to_owned()),
        ("HH_DATA_DIR", dir.path().display().to_string()),
        ("HH_WORKERS", "0".to_owned()),
        ("HH_UPLOAD_LIMIT_MB", "256".to_owned()),
        ("HH_SUBMISSIONS_PER_HOUR", "1000".to_owned()),
    ] {
        vars.insert(k.into(), v);
    }
    let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let app = Application::build(config).await.unwrap();
    let (addr, state) = (app.local_addr(), app.state().clone());
    tokio::spawn(app.run_until(std::future::pending()));
    let user = accounts::insert(&state.db, "bench@example.org", "x", Role::Admin).await.unwrap();
    let token = app::accounts::session::create(&state.db, &user.id, 3600).await.unwrap();
    let http = reqwest::Client::new();
    let cookie = format!("hh_session={token}");

    // Upload.
    let job_ids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let app_upload = measure(SIZE, |_| {
        let (http, cookie, file, ids) = (http.clone(), cookie.clone(), file.clone(), job_ids.clone());
        async move {
            let body = tokio::fs::read(&file).await.unwrap();
            let form = reqwest::multipart::Form::new()
                .part("file", reqwest::multipart::Part::bytes(body).file_name("paper.pdf"));
            let response = http
                .post(format!("http://{addr}/api/jobs"))
                .header("cookie", cookie)
                .multipart(form)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
            let job: serde_json::Value = response.json().await.unwrap();
            ids.lock().unwrap().push(job["id"].as_str().unwrap().to_owned());
        }
    })
    .await;
    let id = job_ids.lock().unwrap()[0].clone();
    let sdk = ObjectStore::s3(&garage.settings());
    let video = Key::job(&id, "final.mp4").unwrap();
    let sdk_upload = measure(SIZE, |_| {
        let (sdk, video, file) = (sdk.clone(), video.clone(), file.clone());
        async move { sdk.put_file(&video, &file).await.unwrap() }
    })
    .await;
    let has_aws = std::process::Command::new("aws").arg("--version").output().is_ok_and(|o| o.status.success());
    let s3_url = format!("s3://{}/{}", garage::BUCKET, video.as_str());
    let file_arg = file.display().to_string();
    let aws_upload = if has_aws {
        Some(
            measure(SIZE, |_| {
                assert!(aws(&garage, &["s3", "cp", &file_arg, &s3_url]), "aws s3 cp");
                async {}
            })
            .await,
        )
    } else {
        None
    };

    // Whole download.
    let app_whole = measure(SIZE, |_| {
        let (http, cookie) = (http.clone(), cookie.clone());
        let url = format!("http://{addr}/videos/{id}");
        async move {
            let body = http.get(url).header("cookie", cookie).send().await.unwrap().bytes().await.unwrap();
            assert_eq!(body.len(), SIZE);
        }
    })
    .await;
    let sdk_whole = measure(SIZE, |_| {
        let (sdk, video) = (sdk.clone(), video.clone());
        async move {
            let n = sdk
                .get_stream(&video, None)
                .await
                .unwrap()
                .try_fold(0usize, |n, b| async move { Ok(n + b.len()) })
                .await
                .unwrap();
            assert_eq!(n, SIZE);
        }
    })
    .await;
    let out = dir.path().join("out.mp4").display().to_string();
    let aws_whole = if has_aws {
        Some(
            measure(SIZE, |_| {
                assert!(aws(&garage, &["s3", "cp", &s3_url, &out]), "aws s3 cp down");
                async {}
            })
            .await,
        )
    } else {
        None
    };

    // Ranged download: 1 MiB at a time, in order.
    let ranges: Vec<ByteRange> =
        (0..SIZE as u64 / RANGE).map(|i| ByteRange { first: i * RANGE, last: (i + 1) * RANGE - 1 }).collect();
    let app_ranged = measure(SIZE, |_| {
        let (http, cookie, ranges) = (http.clone(), cookie.clone(), ranges.clone());
        let url = format!("http://{addr}/videos/{id}");
        async move {
            for r in ranges {
                let response = http
                    .get(&url)
                    .header("cookie", &cookie)
                    .header("range", format!("bytes={}-{}", r.first, r.last))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 206);
                assert_eq!(response.bytes().await.unwrap().len() as u64, r.len());
            }
        }
    })
    .await;
    let sdk_ranged = measure(SIZE, |_| {
        let (sdk, video, ranges) = (sdk.clone(), video.clone(), ranges.clone());
        async move {
            for r in ranges {
                let n = sdk
                    .get_stream(&video, Some(r))
                    .await
                    .unwrap()
                    .try_fold(0u64, |n, b| async move { Ok(n + b.len() as u64) })
                    .await
                    .unwrap();
                assert_eq!(n, r.len());
            }
        }
    })
    .await;
    // One process per range, as a script would do it: 8 ranges, not 64.
    let aws_ranged = if has_aws {
        Some(
            measure(8 * RANGE as usize, |_| {
                for r in &ranges[..8] {
                    let range = format!("bytes={}-{}", r.first, r.last);
                    let key = video.as_str();
                    assert!(aws(
                        &garage,
                        &["s3api", "get-object", "--bucket", garage::BUCKET, "--key", key, "--range", &range, &out]
                    ));
                }
                async {}
            })
            .await,
        )
    } else {
        None
    };

    let cell = |x: Option<f64>| x.map_or("not installed".to_owned(), |v| format!("{v:.0}"));
    println!(
        "Object store throughput against Garage 2.5.0 on 127.0.0.1, {} MiB, median of {ROUNDS} (MB/s = MiB/s)",
        SIZE >> 20
    );
    println!();
    println!("| transfer | through the app | SDK alone | aws CLI |");
    println!("|---|---:|---:|---:|");
    println!("| upload (multipart) | {app_upload:.0} | {sdk_upload:.0} | {} |", cell(aws_upload));
    println!("| whole download | {app_whole:.0} | {sdk_whole:.0} | {} |", cell(aws_whole));
    println!("| 1 MiB ranges in order | {app_ranged:.0} | {sdk_ranged:.0} | {} |", cell(aws_ranged));
}
