//! Provider quotas in real jobs: every Gemini call counted per day in the database; when the
//! daily budget (`HH_GEMINI_DAILY_REQUESTS`) is spent the job waits, visibly ("quota"), until
//! it renews, then resumes where it stopped; with `HH_QUOTA_FALLBACK=offline` the step goes on
//! with the offline provider instead. The admin sees the day's use against the budget.

use crate::common;
use crate::fakes;

use common::{logged_in, Engine, SseReader, TestApp, PASSWORD};
use fakes::{GeminiFake, GEMINI_KEY};
use reqwest::{multipart, Client, StatusCode};
use serde_json::Value;
use std::{path::PathBuf, time::Duration};

const DAY_MS: i64 = 86_400_000;

/// Follows the job's live events from the start until the first of `kind`; every message on the way.
async fn until(app: &TestApp, browser: &Client, id: &str, kind: &str) -> (Value, Vec<String>) {
    let events = browser.get(app.url(&format!("/api/jobs/{id}/events"))).send().await.unwrap();
    let mut stream = SseReader::patient(events, Duration::from_secs(240));
    let mut messages = Vec::new();
    while let Some((_, event)) = stream.next().await {
        messages.push(format!("{}: {}", event["kind"], event["message"]));
        if event["kind"] == kind {
            return (event, messages);
        }
    }
    panic!("no {kind} event: {messages:#?}")
}

on_both_engines!(a_spent_budget_makes_the_job_wait_then_go_on);

async fn a_spent_budget_makes_the_job_wait_then_go_on(engine: Engine) {
    let bytes = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("paper/tests/fixtures/jats/elife_poa_abstract-only_e06828.xml"),
    )
    .unwrap();
    let (gemini, gemini_url) = GeminiFake::start(paper::read(&bytes).unwrap().paper).await;
    let online = [
        ("HH_WORKERS", "1"),
        ("HH_GEMINI_API_KEY", GEMINI_KEY),
        ("HH_GEMINI_URL", gemini_url.as_str()),
        ("HH_GEMINI_DAILY_REQUESTS", "2"),
        ("HH_ADMIN_EMAIL", "admin@example.org"),
        ("HH_ADMIN_PASSWORD", PASSWORD),
    ];
    let mut app = TestApp::spawn_with(engine, &online).await;
    let browser = logged_in(&app, "thrifty@example.org").await;
    let form = multipart::Form::new().part("file", multipart::Part::bytes(bytes).file_name("paper.xml"));
    let response = browser.post(app.url("/api/jobs")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();

    // The script (one request) and the first scene's voice (the second) spend the budget; the
    // next voice waits.
    let (wait, messages) = until(&app, &browser, &id, "quota-wait").await;
    assert_eq!(wait["step"], "generate-audio", "{messages:#?}");
    let said = wait["message"].as_str().unwrap();
    assert!(
        said.contains("Gemini's daily budget is spent: 2 of 2 requests used today (HH_GEMINI_DAILY_REQUESTS)"),
        "{said}"
    );
    assert!(said.contains("It renews at") && said.contains("00:00 UTC"), "{said}");
    assert_eq!(gemini.count(), 2, "the refused call was not made");
    let job: Value = browser.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(job["status"], "quota", "{job}");
    let now = app::backend::now_ms();
    let resume = job["resume_at_ms"].as_i64().unwrap();
    assert!((resume - (now / DAY_MS + 1) * DAY_MS).abs() < 5_000, "it waits for the next UTC day: {resume}");
    assert!(job["failure"].is_null(), "waiting is not failing: {job}");
    // The status page says so.
    let page = browser.get(app.url(&format!("/jobs/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Waiting for provider quota") && page.contains("daily budget is spent"), "the page says why");

    // The admin sees the day's use against the budget, and the waiting job.
    let admin = app.other_browser();
    assert_eq!(app.login(&admin, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    let usage = app.get_json(&admin, "/api/admin/usage").await;
    let row = &usage["services"][0];
    assert_eq!(
        (row["service"].as_str(), row["requests"].as_i64(), row["budget"].as_i64()),
        (Some("gemini"), Some(2), Some(2))
    );
    assert!(row["tokens"].as_i64().unwrap() > 0, "the script call's tokens are counted: {usage}");
    assert_eq!(usage["waiting_jobs"], 1);
    let listed = app.get_json(&admin, "/api/admin/jobs?filter[status]=quota").await;
    assert_eq!(
        (listed["total"].as_i64(), listed["jobs"][0]["job"]["id"].as_str()),
        (Some(1), Some(id.as_str())),
        "{listed}"
    );

    // The day turns: today's count becomes yesterday's and the job's wait is over. It resumes
    // in the voice step, without asking again for the voice already made, and waits again
    // when the new day's two requests are spent.
    sqlx::query("UPDATE provider_usage SET day = day - 1").execute(app.db.pool()).await.unwrap();
    sqlx::query("UPDATE jobs SET resume_at = 0").execute(app.db.pool()).await.unwrap();
    for _ in 0..600 {
        if gemini.count() >= 4 && app.get_json(&browser, &format!("/api/jobs/{id}")).await["status"] == "quota" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gemini.count(), 4);
    let spoken: Vec<String> =
        gemini.requests.lock().unwrap().iter().skip(1).map(|r| r.body["contents"].to_string()).collect();
    assert_eq!(spoken.len(), 3);
    assert!(spoken[0] != spoken[1] && spoken[1] != spoken[2] && spoken[0] != spoken[2], "no voice was asked for twice");
    let days: Vec<i64> =
        sqlx::query_scalar("SELECT requests FROM provider_usage ORDER BY day").fetch_all(app.db.pool()).await.unwrap();
    assert_eq!(days, vec![2, 2], "each day counted apart");

    // Another worker, told to go on offline when a budget is spent, finishes the job with the
    // offline voice; Gemini is not asked again.
    app.stop().await;
    let offline: Vec<(&str, &str)> = online.iter().copied().chain([("HH_QUOTA_FALLBACK", "offline")]).collect();
    let other = TestApp::spawn_sharing_with(&app, &offline).await;
    sqlx::query("UPDATE jobs SET resume_at = 0").execute(other.db.pool()).await.unwrap();
    let (done, messages) = until(&other, &browser, &id, "succeeded").await;
    assert_eq!(done["kind"], "succeeded");
    assert!(messages.iter().any(|m| m.contains("The offline provider does this step instead")), "{messages:#?}");
    assert_eq!(gemini.count(), 4, "the spent budget held");
    let job: Value = browser.get(other.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    let providers = job["video"]["providers"].as_str().unwrap();
    assert!(providers.contains("espeak") || providers.contains("piper"), "the offline voice spoke: {providers}");
    assert!(job["resume_at_ms"].is_null(), "{job}");
}
