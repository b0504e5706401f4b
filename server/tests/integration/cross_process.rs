//! Two instances on one PostgreSQL database, as a web process and a worker process are: events
//! written by one reach the other's SSE streams through LISTEN/NOTIFY.

use crate::common;

use app::jobs::{store, EventKind, Step};
use common::{Engine, SseReader, TestApp};
use reqwest::StatusCode;

#[tokio::test]
async fn events_cross_processes_through_postgres() {
    let web = TestApp::spawn(Engine::Postgres).await;
    let worker = TestApp::spawn_sharing(&web).await;
    let browser = web.other_browser();
    assert_eq!(web.register(&browser, "ada@example.org").await.status(), StatusCode::OK);
    let response =
        browser.post(web.url("/api/jobs")).json(&serde_json::json!({ "source": "PMC7096066" })).send().await.unwrap();
    let id = response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    let mut stream = SseReader::new(browser.get(web.url(&format!("/api/jobs/{id}/events"))).send().await.unwrap());
    assert_eq!(stream.next().await.unwrap().1["kind"], "queued");

    // The other process claims and works; the web process has no part in it.
    let lease = store::claim(&worker.state, "worker-process", 60_000).await.unwrap().unwrap();
    for (i, step) in Step::ALL.iter().enumerate() {
        lease.record(EventKind::StepStarted, Some(*step), i as i64 * 20, "started").await.unwrap();
    }
    lease.finish(store::Outcome::Succeeded).await.unwrap();

    let mut seen = Vec::new();
    while let Some((seq, event)) = stream.next().await {
        seen.push((seq, event["kind"].as_str().unwrap().to_owned()));
    }
    let expected: Vec<(i64, String)> =
        (2..=6).map(|seq| (seq, "step-started".to_owned())).chain([(7, "succeeded".to_owned())]).collect();
    assert_eq!(seen, expected, "every event once, in order, then the end");
}
