//! The landing page's sample video: made once per object store at the first start of `serve`
//! (with `HH_SAMPLE_VIDEO` on), in the background and after any running job; served to anyone
//! with Range; found, not made again, by the next start; never made when switched off.

use crate::common;

use common::{ffprobe, logged_in, Engine, TestApp};
use reqwest::{header, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};

const FILES: [&str; 3] = ["/sample/video.mp4", "/sample/thumbnail.jpg", "/sample/captions.vtt"];

/// What the landing page is told about the sample (the `sample` server function), anonymously.
async fn credit(app: &TestApp) -> Value {
    let response = app
        .other_browser()
        .get(app.url("/api/sample"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn sample_keys(app: &TestApp) -> Vec<String> {
    let keys = app.state.media.list(&app::storage::Key::sample_prefix()).await.unwrap();
    keys.iter().map(|k| k.as_str().to_owned()).collect()
}

#[tokio::test]
async fn a_new_installation_makes_its_sample_video_once_and_anyone_can_watch_it() {
    // Switched off (as every other test app is): nothing is made, and nothing is served.
    let mut off = TestApp::spawn(Engine::Sqlite).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sample_keys(&off).await.is_empty(), "nothing made with HH_SAMPLE_VIDEO=off");
    assert_eq!(credit(&off).await, Value::Null);
    for path in FILES {
        let response = off.other_browser().get(off.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path} before the sample exists");
    }
    off.stop().await;

    // Switched on, on the same (empty) store: made in the background, 404 until then.
    let app = TestApp::spawn_sharing_with(&off, &[("HH_SAMPLE_VIDEO", "on")]).await;
    let anyone = app.other_browser();
    assert_eq!(anyone.get(app.url(FILES[0])).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let started = Instant::now();
    let credit_json = loop {
        let found = credit(&app).await;
        if !found.is_null() {
            break found;
        }
        assert!(started.elapsed() < Duration::from_secs(360), "the sample video is made within 6 minutes");
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    eprintln!("the sample video was made in {:.0} s", started.elapsed().as_secs_f64());
    assert_eq!(credit_json["licence"], "CC BY 3.0");
    assert!(credit_json["title"].as_str().unwrap().len() > 10, "{credit_json}");
    assert!(credit_json["link"].as_str().unwrap().starts_with("https://doi.org/"), "{credit_json}");
    assert_eq!(credit_json["language"], "en");
    let mut keys = sample_keys(&app).await;
    keys.sort();
    assert_eq!(
        keys,
        ["sample/captions.vtt", "sample/credit.json", "sample/thumbnail.jpg", "sample/video.mp4"],
        "the four files, nothing half written"
    );

    // Anyone (no login) gets a real vertical video with sound, and byte ranges of it.
    let whole = anyone.get(app.url(FILES[0])).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()[header::CONTENT_TYPE], "video/mp4");
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    assert!(whole.headers()[header::CACHE_CONTROL].to_str().unwrap().starts_with("public"));
    let bytes = whole.bytes().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mp4 = dir.path().join("sample.mp4");
    std::fs::write(&mp4, &bytes).unwrap();
    let probe = ffprobe(&mp4);
    let streams = probe["streams"].as_array().unwrap();
    let picture = streams.iter().find(|s| s["codec_type"] == "video").expect("a video stream");
    assert_eq!((picture["width"].as_i64(), picture["height"].as_i64()), (Some(1080), Some(1920)));
    assert!(streams.iter().any(|s| s["codec_type"] == "audio"), "it has sound: {probe}");
    let seconds: f64 = probe["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(seconds > 20.0, "{seconds} s");
    let part = anyone.get(app.url(FILES[0])).header(header::RANGE, "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], format!("bytes 100-199/{}", bytes.len()));
    assert_eq!(part.bytes().await.unwrap(), bytes.slice(100..200));
    let beyond = format!("bytes={}-", bytes.len());
    let beyond = anyone.get(app.url(FILES[0])).header(header::RANGE, beyond).send().await.unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let poster = anyone.get(app.url(FILES[1])).send().await.unwrap();
    assert_eq!(poster.headers()[header::CONTENT_TYPE], "image/jpeg");
    assert!(poster.bytes().await.unwrap().starts_with(&[0xFF, 0xD8]), "a JPEG");
    let captions = anyone.get(app.url(FILES[2])).send().await.unwrap().text().await.unwrap();
    assert!(captions.starts_with("WEBVTT") && captions.contains("-->"), "{captions}");
    let hidden = anyone.get(app.url("/sample/credit.json")).send().await.unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND, "only the three files are served");

    // The landing page shows it, with its credit.
    let page = anyone.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("src=\"/sample/video.mp4\"") && page.contains("Made by Hidden Hill from"), "{page}");

    // The next start finds it and makes nothing.
    let version = app.state.media.head(&app::storage::Key::sample("video.mp4").unwrap()).await.unwrap();
    let app = app.restart().await;
    let found = server::sample::ensure(&app.state).await.unwrap();
    assert!(matches!(found, server::sample::Made::Found), "{found:?}");
    let waited = Instant::now();
    while app.state.sample.get().is_none() {
        assert!(waited.elapsed() < Duration::from_secs(10), "the start found the sample");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = app.state.media.head(&app::storage::Key::sample("video.mp4").unwrap()).await.unwrap();
    assert_eq!(after, version, "the video was not made again");
    assert_eq!(credit(&app).await, credit_json);
}

on_both_engines!(the_sample_video_waits_while_a_job_runs);

async fn the_sample_video_waits_while_a_job_runs(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    assert!(server::sample::wait_while_jobs_run(&app.state).await, "no job: it goes on at once");
    let owner = logged_in(&app, "busy@example.org").await;
    common::submit(&app, &owner, "PMC1").await;
    let claimed = app::jobs::store::claim(&app.state, "test-worker", 60_000).await.unwrap().expect("a job to run");
    let waiting = tokio::spawn({
        let state = app.state.clone();
        async move { server::sample::wait_while_jobs_run(&state).await }
    });
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!waiting.is_finished(), "it waits while the job runs");
    claimed.release().await.unwrap();
    let went_on = tokio::time::timeout(Duration::from_secs(10), waiting).await.expect("it goes on").unwrap();
    assert!(went_on);
}
