//! Jobs over HTTP: submitting, reading with ownership checks, cancelling and retrying, the
//! workers' claim with leases, and the live event stream with replay — on both engines.
//! The test plays the worker through the same store functions a worker uses.

use crate::common;

use app::jobs::{
    store::{self, LeaseError, Outcome},
    EventKind, JobFailure, JobStatus, Step,
};
use common::{error_of, logged_in, submit, Engine, SseReader, TestApp, PASSWORD};
use reqwest::{Client, StatusCode};
use serde_json::json;
use std::collections::HashSet;

on_both_engines!(
    jobs_are_seen_only_by_their_owner_and_admins,
    bad_sources_are_explained,
    the_event_stream_replays_follows_and_resumes_exactly_once,
    two_workers_never_claim_the_same_job,
    an_expired_lease_moves_the_job_and_stops_the_stale_worker,
    each_claim_has_its_own_token_even_in_one_process,
    cancelling_and_retrying_follow_the_job_state,
    my_jobs_are_listed_newest_first_a_page_at_a_time,
    a_job_is_deleted_with_its_events_by_its_owner_only,
    two_deletes_of_a_running_job_at_once_leave_its_files_to_its_worker,
    pages_watching_live_hear_of_new_and_deleted_jobs,
);

async fn jobs_are_seen_only_by_their_owner_and_admins(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let eve = logged_in(&app, "eve@example.org").await;

    // Through the server function the page uses...
    let response =
        app.call(&ada, "jobs/submit", &[("source", "https://pmc.ncbi.nlm.nih.gov/articles/PMC7096066/")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let job: serde_json::Value = response.json().await.unwrap();
    assert_eq!(job["source"], json!({ "kind": "pmcid", "id": "PMC7096066" }));
    let id = job["id"].as_str().unwrap().to_owned();
    // ...and through the JSON API.
    let other = submit(&app, &ada, "doi:10.1056/NEJMoa2002032").await;
    assert_ne!(id, other);

    let read = |client: Client, path: String| async move { client.get(path).send().await.unwrap() };
    assert_eq!(read(ada.clone(), app.url(&format!("/api/jobs/{id}"))).await.status(), StatusCode::OK);
    // Someone else's job is "not found", exactly like one that does not exist.
    for path in [format!("/api/jobs/{id}"), format!("/api/jobs/{id}/events"), "/api/jobs/no-such-job".into()] {
        let response = read(eve.clone(), app.url(&path)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"], "Job not found.");
    }
    let (status, _, _) = error_of(app.call(&eve, "jobs/cancel", &[("id", &id)]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(store::get(&app.db, &id).await.unwrap().unwrap().status, JobStatus::Queued, "eve changed nothing");
    // Nobody logged in: 401, for pages' server functions and for the API alike.
    assert_eq!(read(Client::new(), app.url(&format!("/api/jobs/{id}"))).await.status(), StatusCode::UNAUTHORIZED);
    let response = Client::new().post(app.url("/api/jobs")).json(&json!({ "source": "PMC1" })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (status, message, _) = error_of(app.call(&Client::new(), "jobs/submit", &[("source", "PMC1")]).await).await;
    assert_eq!((status, message.as_str()), (StatusCode::UNAUTHORIZED, "Please log in to continue."));
    // An admin sees any job.
    let admin = app.other_browser();
    assert_eq!(app.login(&admin, "admin@example.org", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(read(admin, app.url(&format!("/api/jobs/{id}"))).await.status(), StatusCode::OK);
}

async fn bad_sources_are_explained(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    for source in ["", "hello", "PMCabc", "https://example.org/paper.pdf"] {
        let (status, message, field) = error_of(app.call(&ada, "jobs/submit", &[("source", source)]).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{source:?}");
        assert_eq!(field.as_deref(), Some("source"));
        assert!(message.contains("PubMed Central ID"), "{message}");
    }
    let response = ada.post(app.url("/api/jobs")).json(&json!({ "source": "nonsense" })).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["field"], "source");
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs").fetch_one(app.db.pool()).await.unwrap();
    assert_eq!(count, 0, "nothing was queued");
}

async fn the_event_stream_replays_follows_and_resumes_exactly_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let id = submit(&app, &ada, "PMC7096066").await;
    let events_url = app.url(&format!("/api/jobs/{id}/events"));

    // A worker takes the job and starts.
    let lease = store::claim(&app.state, "worker-a", 60_000).await.unwrap().expect("the job is claimable");
    assert_eq!(lease.job().id, id);
    lease.record(EventKind::StepStarted, Some(Step::FetchPaper), 2, "Reading PMC7096066").await.unwrap();

    // The page connects: it gets the past first...
    let mut stream = SseReader::new(ada.get(&events_url).send().await.unwrap());
    let (seq, first) = stream.next().await.unwrap();
    assert_eq!((seq, first["kind"].as_str()), (1, Some("queued")));
    let (seq, second) = stream.next().await.unwrap();
    assert_eq!((seq, second["kind"].as_str(), second["step"].as_str()), (2, Some("step-started"), Some("fetch-paper")));
    // ...then live events as the worker reports them.
    lease.record(EventKind::StepDone, Some(Step::FetchPaper), 20, "Read 12 sections").await.unwrap();
    let (seq, live) = stream.next().await.unwrap();
    assert_eq!((seq, live["percent"].as_i64()), (3, Some(20)));

    // The connection drops; the worker goes on meanwhile.
    drop(stream);
    for i in 1..=3 {
        let message = format!("Scene {i} of 3");
        lease.record(EventKind::StepProgress, Some(Step::GenerateScript), 20 + i * 5, &message).await.unwrap();
    }
    // The browser reconnects with Last-Event-ID: everything after 3, once, in order.
    let response = ada.get(&events_url).header("Last-Event-ID", "3").send().await.unwrap();
    let mut stream = SseReader::new(response);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (seq, event) = stream.next().await.unwrap();
        seen.push((seq, event["message"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        seen,
        vec![(4, "Scene 1 of 3".to_owned()), (5, "Scene 2 of 3".to_owned()), (6, "Scene 3 of 3".to_owned())]
    );
    lease.finish(Outcome::Succeeded).await.unwrap();
    let (seq, last) = stream.next().await.unwrap();
    assert_eq!((seq, last["kind"].as_str(), last["percent"].as_i64()), (7, Some("succeeded"), Some(100)));
    assert!(stream.next().await.is_none(), "the stream ends after the terminal event");

    // A visit days later: the whole story, then the end. `?after=` works like Last-Event-ID.
    let mut stream = SseReader::new(ada.get(format!("{events_url}?after=5")).send().await.unwrap());
    assert_eq!(stream.next().await.unwrap().0, 6);
    assert_eq!(stream.next().await.unwrap().0, 7);
    assert!(stream.next().await.is_none());
    let mut stream = SseReader::new(ada.get(&events_url).header("Last-Event-ID", "7").send().await.unwrap());
    assert!(stream.next().await.is_none(), "nothing new after the end: the stream closes at once");
    let job: serde_json::Value =
        ada.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((job["status"].as_str(), job["percent"].as_i64()), (Some("succeeded"), Some(100)));
}

async fn two_workers_never_claim_the_same_job(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let mut submitted = HashSet::new();
    for i in 0..24 {
        submitted.insert(submit(&app, &ada, &format!("PMC{}", 1000 + i)).await);
    }
    let workers = (0..4).map(|w| {
        let state = app.state.clone();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(lease) = store::claim(&state, &format!("worker-{w}"), 60_000).await.unwrap() {
                mine.push(lease.job().id.clone());
            }
            mine
        })
    });
    let mut claimed = Vec::new();
    for worker in workers {
        claimed.extend(worker.await.unwrap());
    }
    assert_eq!(claimed.len(), 24, "every job claimed exactly once");
    assert_eq!(claimed.into_iter().collect::<HashSet<_>>(), submitted);
}

async fn an_expired_lease_moves_the_job_and_stops_the_stale_worker(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let id = submit(&app, &ada, "PMC7096066").await;
    let mut stale = store::claim(&app.state, "worker-a", 1).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // worker-a went quiet past its lease: worker-b takes the job over.
    let mut fresh = store::claim(&app.state, "worker-b", 60_000).await.unwrap().expect("an expired lease is claimable");
    assert_eq!(fresh.job().id, id);
    assert_eq!(fresh.job().attempts, 2);
    assert!(store::claim(&app.state, "worker-c", 60_000).await.unwrap().is_none(), "a live lease is respected");
    // The stale worker can neither renew nor write: each says the lease is lost.
    assert!(matches!(stale.renew(60_000).await, Err(LeaseError::Lost)));
    let err = stale.record(EventKind::StepStarted, Some(Step::FetchPaper), 1, "late").await.unwrap_err();
    assert!(matches!(err, LeaseError::Lost), "{err:?}");
    assert!(matches!(stale.set_title("late").await, Err(LeaseError::Lost)));
    assert!(matches!(stale.finish(Outcome::Succeeded).await, Err(LeaseError::Lost)));
    assert!(matches!(stale.release().await, Err(LeaseError::Lost)));
    fresh.renew(60_000).await.unwrap();
    fresh.finish(Outcome::Succeeded).await.unwrap();
    assert_eq!(store::get(&app.db, &id).await.unwrap().unwrap().status, JobStatus::Succeeded);
}

async fn cancelling_and_retrying_follow_the_job_state(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let call = |endpoint: &'static str, id: String| {
        let (app, ada) = (&app, ada.clone());
        async move { app.call(&ada, endpoint, &[("id", &id)]).await }
    };

    // A queued job is cancelled at once.
    let queued = submit(&app, &ada, "PMC1").await;
    let response = call("jobs/cancel", queued.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let job: serde_json::Value = response.json().await.unwrap();
    assert_eq!(job["status"], "cancelled");
    let (status, message, _) = error_of(call("jobs/cancel", queued.clone()).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(message.contains("already been cancelled"), "{message}");

    // A running job is asked to stop; its worker ends it.
    let running = submit(&app, &ada, "PMC2").await;
    let lease = loop {
        let lease = store::claim(&app.state, "worker-a", 60_000).await.unwrap().unwrap();
        if lease.job().id == running {
            break lease;
        }
    };
    assert!(!store::cancel_requested(&app.db, &running).await.unwrap());
    let job: serde_json::Value = call("jobs/cancel", running.clone()).await.json().await.unwrap();
    assert_eq!(job["status"], "running", "still running until the worker stops");
    assert!(store::cancel_requested(&app.db, &running).await.unwrap());
    lease.finish(Outcome::Cancelled).await.unwrap();

    // A failed job is retried from its failed step.
    let failing = submit(&app, &ada, "PMC3").await;
    let lease = store::claim(&app.state, "worker-a", 60_000).await.unwrap().unwrap();
    assert_eq!(lease.job().id, failing);
    lease.record(EventKind::StepStarted, Some(Step::GenerateAudio), 40, "Recording").await.unwrap();
    let failure = JobFailure {
        step: Some(Step::GenerateAudio),
        kind: "provider-unavailable".into(),
        message: "The voice service is down; try again later.".into(),
    };
    lease.finish(Outcome::Failed(failure.clone())).await.unwrap();
    let job = store::get(&app.db, &failing).await.unwrap().unwrap();
    assert_eq!((job.status, job.failure.as_ref()), (JobStatus::Failed, Some(&failure)));
    assert_eq!(job.percent, 40);
    let job: serde_json::Value = call("jobs/retry", failing.clone()).await.json().await.unwrap();
    assert_eq!(job["status"], "queued");
    assert!(job["failure"].is_null());
    let events = app::jobs::events::after(&app.db, &failing, 0).await.unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, EventKind::Queued);
    assert!(last.message.contains("resuming at record the voice"), "{}", last.message);
    let (status, _, _) = error_of(call("jobs/retry", failing).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "a queued job cannot be retried");
}

async fn my_jobs_are_listed_newest_first_a_page_at_a_time(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let eve = logged_in(&app, "eve@example.org").await;
    submit(&app, &eve, "PMC999").await;
    let mut mine = Vec::new();
    for i in 0..(app::jobs::PAGE_SIZE + 5) {
        mine.push(submit(&app, &ada, &format!("PMC{}", 100 + i)).await);
    }
    mine.reverse(); // newest first
    let list = |client: Client, before: Option<String>| {
        let url = match before {
            Some(b) => app.url(&format!("/api/jobs/mine?before={b}")),
            None => app.url("/api/jobs/mine"),
        };
        async move { client.get(url).header("accept", "application/json").send().await.unwrap() }
    };
    let first: serde_json::Value = list(ada.clone(), None).await.json().await.unwrap();
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(ids(&first), mine[..app::jobs::PAGE_SIZE as usize]);
    let next = format!("{}.{}", first["next"]["created_at_ms"], first["next"]["id"].as_str().unwrap());
    let second: serde_json::Value = list(ada.clone(), Some(next)).await.json().await.unwrap();
    assert_eq!(ids(&second), mine[app::jobs::PAGE_SIZE as usize..]);
    assert!(second["next"].is_null(), "the last page says so");
    // Eve sees only hers; a broken cursor is explained.
    let eves: serde_json::Value = list(eve.clone(), None).await.json().await.unwrap();
    assert_eq!(eves["jobs"].as_array().unwrap().len(), 1);
    let (status, _, field) = error_of(list(ada.clone(), Some("garbage".into())).await).await;
    assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("before")));
    assert_eq!(list(Client::new(), None).await.status(), StatusCode::UNAUTHORIZED);
}

async fn a_job_is_deleted_with_its_events_by_its_owner_only(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let eve = logged_in(&app, "eve@example.org").await;
    let id = submit(&app, &ada, "PMC7096066").await;
    let keep = submit(&app, &ada, "PMC1").await;

    let (status, _, _) = error_of(app.call(&eve, "jobs/delete", &[("id", &id)]).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = eve.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(store::get(&app.db, &id).await.unwrap().is_some(), "eve deleted nothing");

    assert_eq!(app.call(&ada, "jobs/delete", &[("id", &id)]).await.status(), StatusCode::OK);
    assert!(store::get(&app.db, &id).await.unwrap().is_none());
    assert!(app::jobs::events::after(&app.db, &id, 0).await.unwrap().is_empty(), "its events went with it");
    assert_eq!(ada.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert!(store::get(&app.db, &keep).await.unwrap().is_some(), "nothing else was touched");

    // An admin may delete anyone's job, over the JSON API too.
    let admin = app.other_browser();
    app.login(&admin, "admin@example.org", PASSWORD).await;
    assert_eq!(
        admin.delete(app.url(&format!("/api/jobs/{keep}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert!(store::get(&app.db, &keep).await.unwrap().is_none());
}

#[tokio::test]
async fn submissions_are_limited_per_person_per_hour() {
    let app = TestApp::spawn_with(
        Engine::Sqlite,
        &[("HH_SUBMISSIONS_PER_HOUR", "2"), ("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)],
    )
    .await;
    let ada = logged_in(&app, "ada@example.org").await;
    submit(&app, &ada, "PMC1").await;
    submit(&app, &ada, "PMC2").await;
    let refused = ada.post(app.url("/api/jobs")).json(&json!({ "source": "PMC3" })).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("wait"), "{body}");
    // The server function says the same; someone else, and an admin, are not affected.
    let by_form = app.call(&ada, "jobs/submit", &[("source", "PMC4")]).await;
    assert_eq!(by_form.status(), StatusCode::TOO_MANY_REQUESTS);
    let bob = logged_in(&app, "bob@example.org").await;
    submit(&app, &bob, "PMC5").await;
    let admin = app.other_browser();
    app.login(&admin, "admin@example.org", PASSWORD).await;
    for i in 0..3 {
        submit(&app, &admin, &format!("PMC6{i}")).await;
    }

    // Counted in the database: deleting a job does not give its submission back, and another
    // web process on the same database (or this one restarted) refuses too.
    let first = app.get_json(&ada, "/api/jobs/mine").await["jobs"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ada.delete(app.url(&format!("/api/jobs/{first}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let other = TestApp::spawn_sharing_with(&app, &[("HH_SUBMISSIONS_PER_HOUR", "2")]).await;
    let ada_there = common::relogin(&other, "ada@example.org").await;
    let refused = ada_there.post(other.url("/api/jobs")).json(&json!({ "source": "PMC7" })).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // Once the hour is over, the person may submit again.
    sqlx::query("UPDATE submissions SET at = at - 3600001").execute(app.db.pool()).await.unwrap();
    submit(&other, &ada_there, "PMC9").await;
}

async fn each_claim_has_its_own_token_even_in_one_process(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let id = submit(&app, &ada, "PMC7096066").await;
    // Two slots of one worker process share its worker id; the first one's lease runs out.
    let first = store::claim(&app.state, "host-42-abc", 1).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second = store::claim(&app.state, "host-42-abc", 60_000).await.unwrap().expect("the expired job is claimable");
    assert_eq!((first.job().id.as_str(), second.job().id.as_str()), (id.as_str(), id.as_str()));
    assert_ne!(first.owner(), second.owner(), "every claim has its own token");
    assert!(first.owner().starts_with("host-42-abc/") && second.owner().starts_with("host-42-abc/"));
    // Only the newer claim may write, however the two are named.
    assert!(matches!(
        first.record(EventKind::StepStarted, Some(Step::FetchPaper), 1, "slot 1").await,
        Err(LeaseError::Lost)
    ));
    second.record(EventKind::StepStarted, Some(Step::FetchPaper), 1, "slot 2").await.unwrap();
    assert!(matches!(first.finish(Outcome::Succeeded).await, Err(LeaseError::Lost)));
    second.finish(Outcome::Succeeded).await.unwrap();
    let events = app::jobs::events::after(&app.db, &id, 0).await.unwrap();
    assert!(events.iter().all(|e| e.message != "slot 1"), "the stale slot wrote nothing");
}

/// A double click on Delete (or the owner and an admin at once) while a worker runs the job:
/// the second delete finds the row gone and must not delete the files the worker may still be
/// writing, nor the record that the worker has to delete them when it lets go.
async fn two_deletes_of_a_running_job_at_once_leave_its_files_to_its_worker(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let id = submit(&app, &ada, "PMC1").await;
    let lease = store::claim(&app.state, "worker-1", 60_000).await.unwrap().unwrap();
    assert_eq!(lease.job().id, id);
    let clip = app::storage::Key::job(&id, "clips/scene-01.mp4").unwrap();
    app.state.media.put_bytes(&clip, b"a clip being written").await.unwrap();
    let user = app::accounts::store::find_with_hash(&app.db, "ada@example.org").await.unwrap().unwrap().0;
    let (first, second) = tokio::join!(store::delete(&app.state, &user, &id), store::delete(&app.state, &user, &id));
    assert!(first.is_ok() || second.is_ok(), "{first:?} {second:?}");
    for other in [first, second] {
        assert!(matches!(other, Ok(()) | Err(app::error::AppError::NotFound(_))), "{other:?}");
    }
    assert!(store::get(&app.db, &id).await.unwrap().is_none());
    assert_eq!(app.state.media.head(&clip).await.unwrap().map(|m| m.size), Some(20), "the worker's file is left to it");
    assert_eq!(store::pending_file_deletions(&app.db).await.unwrap(), 1, "the worker still has them to delete");
    // When the worker lets go, it deletes them.
    assert!(store::delete_files_if_deleted(&app.state, &id).await.unwrap());
    assert_eq!(app.state.media.head(&clip).await.unwrap(), None);
}

/// My videos hears of a job submitted elsewhere (its `queued` event) and of a deleted one; a
/// status page open on a job hears that it was deleted, and its stream ends. A job that existed
/// before the stream opened is recognised as the person's even though its row is gone by the
/// time its deletion is told. Nobody else hears of either.
async fn pages_watching_live_hear_of_new_and_deleted_jobs(engine: Engine) {
    let app =
        TestApp::spawn_with(engine, &[("HH_ADMIN_EMAIL", "admin@example.org"), ("HH_ADMIN_PASSWORD", PASSWORD)]).await;
    let ada = logged_in(&app, "ada@example.org").await;
    let bob = logged_in(&app, "bob@example.org").await;
    let admin = app.other_browser();
    app.login(&admin, "admin@example.org", PASSWORD).await;
    let older = submit(&app, &ada, "PMC1111111").await;

    let mine = |client: &Client| client.get(app.url("/api/jobs/events")).send();
    let mut ada_videos = SseReader::new(mine(&ada).await.unwrap());
    let mut bob_videos = SseReader::new(mine(&bob).await.unwrap());

    // Submitted in another tab: the open My videos hears of it.
    let newer = submit(&app, &ada, "PMC2222222").await;
    let (_, event) = ada_videos.next().await.expect("the new job");
    assert_eq!((event["job_id"].as_str(), event["kind"].as_str()), (Some(newer.as_str()), Some("queued")));

    // Its status page is open when the owner deletes it elsewhere.
    let mut status_page = SseReader::new(ada.get(app.url(&format!("/api/jobs/{newer}/events"))).send().await.unwrap());
    let (seq, event) = status_page.next().await.expect("the replayed queued event");
    assert_eq!((seq, event["kind"].as_str()), (1, Some("queued")));
    assert_eq!(
        ada.delete(app.url(&format!("/api/jobs/{newer}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let (seq, event) = status_page.next().await.expect("the deletion");
    assert_eq!((seq, event["kind"].as_str()), (2, Some("deleted")), "numbered after the job's last event");
    assert!(status_page.next().await.is_none(), "the stream ends: nothing follows a deletion");
    let (_, event) = ada_videos.next().await.expect("the deletion, on My videos");
    assert_eq!((event["job_id"].as_str(), event["kind"].as_str()), (Some(newer.as_str()), Some("deleted")));

    // A job from before the stream opened, deleted by an admin: still known as Ada's.
    assert_eq!(
        admin.delete(app.url(&format!("/api/jobs/{older}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let (_, event) = ada_videos.next().await.expect("the older job's deletion");
    assert_eq!((event["job_id"].as_str(), event["kind"].as_str()), (Some(older.as_str()), Some("deleted")));

    let quiet = tokio::time::timeout(std::time::Duration::from_millis(700), bob_videos.next()).await;
    assert!(quiet.is_err(), "Bob hears nothing of Ada's jobs: {quiet:?}");
}
