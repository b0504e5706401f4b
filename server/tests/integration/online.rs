//! The online providers in a real job: Gemini writes and speaks the script, Runway draws the
//! scenes — both local fakes that answer as the real APIs do (shared/external-apis.md §2, §3),
//! a rate limit included — and the job ends with the same artifacts as the offline path.

use crate::common;
use crate::fakes;

use common::{Engine, SseReader, TestApp};
use fakes::{GStep, GeminiFake, RunwayFake, GEMINI_KEY, RUNWAY_KEY};
use reqwest::{multipart, StatusCode};
use serde_json::Value;
use std::{path::PathBuf, time::Duration};

#[tokio::test]
async fn gemini_and_runway_make_the_video_when_keys_are_set() {
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml"),
    )
    .unwrap();
    // The fake answers with sentences of the very paper the job reads.
    let paper = paper::read(&bytes).unwrap().paper;
    let (gemini, gemini_url) = GeminiFake::start(paper).await;
    gemini.push([GStep::RateLimited]); // the first script request is rate limited (retry in 2 s)
    let (runway, runway_url) = RunwayFake::start().await;
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[
            ("HH_WORKERS", "1"),
            ("HH_GEMINI_API_KEY", GEMINI_KEY),
            ("HH_GEMINI_URL", &gemini_url),
            ("HH_RUNWAY_API_KEY", RUNWAY_KEY),
            ("HH_RUNWAY_URL", &runway_url),
        ],
    )
    .await;
    let browser = app.other_browser();
    app.register(&browser, "online@example.org").await;
    let form = multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name("paper.xml"));
    let response = browser.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let events = browser.get(app.url(&format!("/api/jobs/{id}/events"))).send().await.unwrap();
    let mut stream = SseReader::patient(events, Duration::from_secs(240));
    let mut messages = Vec::new();
    let mut last = Value::Null;
    while let Some((_, event)) = stream.next().await {
        messages.push(event["message"].as_str().unwrap().to_owned());
        last = event;
    }
    assert_eq!(last["kind"], "succeeded", "{last}\n{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("Trying again")), "the rate limit was waited out: {messages:#?}");
    assert!(messages.iter().all(|m| !m.contains(GEMINI_KEY) && !m.contains(RUNWAY_KEY)), "no key in any event");

    let job: Value = browser.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    let providers = job["video"]["providers"].as_str().unwrap();
    assert!(providers.contains("gemini") && providers.contains("runway"), "{providers}");
    assert!(!providers.contains("fallback"), "Gemini's script was faithful: {providers}");
    assert!(job["video"]["cost_credits"].as_i64().unwrap() > 0, "Runway's cost is recorded: {job}");
    assert!(gemini.count() >= 3, "script and voice came from Gemini");
    assert!(!runway.creates.lock().unwrap().is_empty(), "clips came from Runway");

    let video = browser.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
    assert_eq!(video.status(), StatusCode::OK);
    let path = app.data.path().join("online.mp4");
    std::fs::write(&path, video.bytes().await.unwrap()).unwrap();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&probe.stdout).trim(), "h264,1080,1920");

    // `hidden-hill render` with the same configuration runs the same steps with the same
    // providers and leaves the same artifacts as the worker did.
    let worker_files: std::collections::BTreeSet<String> =
        crate::cli::file_hashes(&app.data.path().join("media/jobs").join(&id)).into_keys().collect();
    let work = tempfile::tempdir().unwrap();
    let paper_file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml");
    // The fakes answer on this test's runtime: the CLI must not block it while it runs.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .arg("render")
        .arg(&paper_file)
        .arg("--work-dir")
        .arg(work.path().join("w"))
        .arg("-o")
        .arg(work.path().join("cli.mp4"))
        .envs([
            ("HH_GEMINI_API_KEY", GEMINI_KEY),
            ("HH_GEMINI_URL", gemini_url.as_str()),
            ("HH_RUNWAY_API_KEY", RUNWAY_KEY),
            ("HH_RUNWAY_URL", runway_url.as_str()),
            ("HH_DATA_DIR", work.path().to_str().unwrap()),
            ("RUST_LOG", "warn"),
        ])
        .output()
        .await
        .unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("gemini") && stdout.contains("runway"), "the CLI used the online providers: {stdout}");
    assert!(!stdout.contains(GEMINI_KEY) && !stderr.contains(GEMINI_KEY) && !stderr.contains(RUNWAY_KEY));
    let mut cli_files: std::collections::BTreeSet<String> =
        crate::cli::file_hashes(&work.path().join("w")).into_keys().collect();
    cli_files.remove("source.txt"); // what the folder was made from, for resuming it
    assert_eq!(cli_files, worker_files, "the same artifacts as the worker's");
    let script: Value = serde_json::from_slice(&std::fs::read(work.path().join("w/script.json")).unwrap()).unwrap();
    assert!(script["provider"].as_str().unwrap().contains("gemini"), "{}", script["provider"]);
    let clips: Value = serde_json::from_slice(&std::fs::read(work.path().join("w/clips/index.json")).unwrap()).unwrap();
    assert!(clips["providers"].to_string().contains("runway"), "{clips}");
}
