//! The object store, on both back ends: one contract suite run against the filesystem and against
//! a real Garage node; multipart upload; presigned URLs; and, through the whole app on Garage,
//! redirect delivery, deleting while the store is down, a Garage outage in the middle of a job
//! and a restart that plays the same video.

use crate::common;

use app::storage::{ByteRange, ByteStream, Key, ObjectStore, RangeSpec, Read, StoreError};
use bytes::Bytes;
use common::{follow_until, garage::Garage, logged_in, relogin, upload, upload_ok, Engine, TestApp};
use futures::{StreamExt, TryStreamExt};
use reqwest::{header, StatusCode};
use sha2::{Digest, Sha256};
use std::time::Duration;

const JOB: &str = "0192f1c2-3b4a-7c5d-8e6f-0123456789ab";
const OTHER_JOB: &str = "0192f1c2-3b4a-7c5d-8e6f-ba9876543210";

fn key(job: &str, name: &str) -> Key {
    Key::job(job, name).unwrap()
}

/// Bytes that differ everywhere, so an offset error cannot go unnoticed.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i as u32).wrapping_mul(2_654_435_761) >> 13) as u8 ^ seed).collect()
}

fn chunks(data: &[u8], size: usize) -> ByteStream {
    let parts: Vec<std::io::Result<Bytes>> = data.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    futures::stream::iter(parts).boxed()
}

async fn read_range(store: &ObjectStore, key: &Key, range: Option<ByteRange>) -> Vec<u8> {
    let parts: Vec<Bytes> = store.get_stream(key, range).await.unwrap().try_collect().await.unwrap();
    parts.concat()
}

/// What every back end must do, the same way.
async fn contract(store: &ObjectStore) {
    let video = key(JOB, "final.mp4");
    // Missing objects.
    assert_eq!(store.head(&video).await.unwrap(), None);
    assert!(!store.exists(&video).await.unwrap());
    assert!(matches!(store.get_bytes(&video).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.get_stream(&video, None).await.err(), Some(StoreError::NotFound(_))));

    // Whole and ranged reads.
    let data = pattern(300_000, 1);
    store.put_bytes(&video, &data).await.unwrap();
    let meta = store.head(&video).await.unwrap().unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert_eq!(store.get_bytes(&video).await.unwrap(), data);
    for (first, last) in [(0, 0), (0, 15), (1000, 70_000), (299_990, 299_999)] {
        let got = read_range(store, &video, Some(ByteRange { first, last })).await;
        assert_eq!(got, &data[first as usize..=last as usize], "bytes {first}-{last}");
    }
    assert_eq!(read_range(store, &video, None).await, data);

    // A client's Range, resolved by the store in the same request that reads the bytes.
    let cases = [
        (RangeSpec::Suffix(10), Some((299_990, 299_999))),
        (RangeSpec::From { first: 299_000, last: None }, Some((299_000, 299_999))),
        (RangeSpec::From { first: 5, last: Some(9_999_999) }, Some((5, 299_999))),
        (RangeSpec::Suffix(1_000_000), Some((0, 299_999))),
        (RangeSpec::From { first: 300_000, last: None }, None),
    ];
    for (spec, expected) in cases {
        match store.read(&video, Some(spec)).await.unwrap() {
            Read::Bytes { meta: got, range: Some(range), body } => {
                assert_eq!(got, meta, "{spec:?}: the size and version come with the bytes");
                assert_eq!(Some((range.first, range.last)), expected, "{spec:?}");
                let bytes: Vec<Bytes> = body.try_collect().await.unwrap();
                assert_eq!(bytes.concat(), &data[range.first as usize..=range.last as usize], "{spec:?}");
            }
            Read::Unsatisfiable { meta: got } => {
                assert_eq!((got, expected), (meta.clone(), None), "{spec:?}");
            }
            Read::Bytes { range: None, .. } => panic!("{spec:?} was read whole"),
        }
    }
    let Read::Bytes { meta: got, range: None, .. } = store.read(&video, None).await.unwrap() else { panic!("whole") };
    assert_eq!(got, meta);
    assert!(matches!(
        store.read(&key(JOB, "none.mp4"), Some(RangeSpec::Suffix(1))).await,
        Err(StoreError::NotFound(_))
    ));

    // Overwriting gives a new version and the new bytes, never a mix.
    let replaced = pattern(1000, 2);
    store.put_bytes(&video, &replaced).await.unwrap();
    let new_meta = store.head(&video).await.unwrap().unwrap();
    assert_eq!(new_meta.size, 1000);
    assert_ne!(new_meta.version, meta.version, "a rewrite changes the version (ETag)");
    assert_eq!(store.get_bytes(&video).await.unwrap(), replaced);

    // From a file, and back to a file.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("in.bin");
    let file_data = pattern(1_500_000, 3);
    std::fs::write(&source, &file_data).unwrap();
    let audio = key(JOB, "audio/voice.wav");
    store.put_file(&audio, &source).await.unwrap();
    let copy = dir.path().join("deep/out.bin");
    store.get_to_file(&audio, &copy).await.unwrap();
    assert_eq!(std::fs::read(&copy).unwrap(), file_data);

    // From a stream; a stream that breaks stores nothing and leaves the old object alone.
    let clip = key(JOB, "clips/scene-01.mp4");
    store.put_stream(&clip, chunks(&file_data, 64 * 1024)).await.unwrap();
    assert_eq!(store.get_bytes(&clip).await.unwrap(), file_data);
    let broken = futures::stream::iter(vec![
        Ok(Bytes::from_static(b"half a clip")),
        Err(std::io::Error::other("the encoder died")),
    ])
    .boxed();
    assert!(store.put_stream(&clip, broken).await.is_err());
    assert_eq!(store.get_bytes(&clip).await.unwrap(), file_data, "a failed write leaves the previous object");
    let never = key(JOB, "clips/scene-02.mp4");
    let broken = futures::stream::iter(vec![Ok(Bytes::from_static(b"x")), Err(std::io::Error::other("cut"))]).boxed();
    assert!(store.put_stream(&never, broken).await.is_err());
    assert_eq!(store.head(&never).await.unwrap(), None, "a failed write leaves no object");

    // Listing and deleting by prefix touch only that job.
    let theirs = key(OTHER_JOB, "final.mp4");
    store.put_bytes(&theirs, b"someone else's video").await.unwrap();
    let prefix = Key::job_prefix(JOB).unwrap();
    assert_eq!(store.list(&prefix).await.unwrap(), vec![audio.clone(), clip.clone(), video.clone()]);
    assert_eq!(store.job_ids().await.unwrap(), vec![JOB.to_owned(), OTHER_JOB.to_owned()]);
    store.delete_prefix(&prefix).await.unwrap();
    assert!(store.list(&prefix).await.unwrap().is_empty());
    assert_eq!(store.head(&video).await.unwrap(), None);
    store.delete_prefix(&prefix).await.unwrap();
    assert_eq!(store.get_bytes(&theirs).await.unwrap(), b"someone else's video");
    assert_eq!(store.job_ids().await.unwrap(), vec![OTHER_JOB.to_owned()]);
    store.delete_prefix(&Key::job_prefix(OTHER_JOB).unwrap()).await.unwrap();
    assert!(store.job_ids().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_filesystem_store_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = ObjectStore::local(dir.path().join("media"));
    contract(&store).await;
    // Only S3 can hand out URLs that bypass the app.
    let video = key(JOB, "final.mp4");
    store.put_bytes(&video, b"v").await.unwrap();
    assert_eq!(store.presigned_get(&video, "video/mp4", None).await.unwrap(), None);
}

#[tokio::test]
async fn the_s3_store_keeps_the_contract_on_garage() {
    let garage = Garage::start().await;
    let store = ObjectStore::s3(&garage.settings());
    contract(&store).await;
}

#[tokio::test]
async fn large_files_go_up_in_parts_and_read_back_across_part_boundaries() {
    let garage = Garage::start().await;
    let part = 5 * 1024 * 1024;
    let store = ObjectStore::s3_with_part_size(&garage.settings(), part);
    let data = pattern(2 * part + 123_457, 9);
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("final.mp4");
    std::fs::write(&source, &data).unwrap();
    let video = key(JOB, "final.mp4");
    store.put_file(&video, &source).await.unwrap();
    let meta = store.head(&video).await.unwrap().unwrap();
    assert_eq!(meta.size, data.len() as u64);
    assert!(meta.version.ends_with("-3"), "three parts make a multipart ETag: {}", meta.version);
    let whole = read_range(&store, &video, None).await;
    assert_eq!(Sha256::digest(&whole), Sha256::digest(&data));
    let boundary = part as u64;
    for (first, last) in [(boundary - 10, boundary + 10), (2 * boundary - 1, 2 * boundary), (0, 3 * boundary / 2)] {
        let got = read_range(&store, &video, Some(ByteRange { first, last })).await;
        assert_eq!(got, &data[first as usize..=last as usize], "bytes {first}-{last}");
    }

    // A stream that fails in its second part leaves no object (the upload is aborted).
    let clip = key(JOB, "clips/scene-01.mp4");
    let mut pieces: Vec<std::io::Result<Bytes>> =
        data[..part + 1000].chunks(256 * 1024).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    pieces.push(Err(std::io::Error::other("the disk went away")));
    assert!(store.put_stream(&clip, futures::stream::iter(pieces).boxed()).await.is_err());
    assert_eq!(store.head(&clip).await.unwrap(), None);
}

#[tokio::test]
async fn presigned_urls_fetch_the_object_without_credentials_and_expire() {
    let garage = Garage::start().await;
    let store = ObjectStore::s3(&garage.settings());
    let video = key(JOB, "final.mp4");
    let data = pattern(100_000, 4);
    store.put_bytes(&video, &data).await.unwrap();
    let url = store.presigned_get(&video, "video/mp4", None).await.unwrap().unwrap();
    let plain = reqwest::Client::new();
    let whole = plain.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()[header::CONTENT_TYPE], "video/mp4");
    assert_eq!(whole.bytes().await.unwrap(), data);
    let part = plain.get(&url).header(header::RANGE, "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()[header::CONTENT_RANGE], "bytes 100-199/100000");
    assert_eq!(part.bytes().await.unwrap(), &data[100..200]);

    let disposition = app::url::content_disposition(Some("A paper"));
    let download = store.presigned_get(&video, "video/mp4", Some(&disposition)).await.unwrap().unwrap();
    let saved = plain.get(&download).send().await.unwrap();
    assert_eq!(
        saved.headers()[header::CONTENT_DISPOSITION],
        "attachment; filename=\"a-paper.mp4\"; filename*=UTF-8''A%20paper.mp4"
    );

    // A tampered URL (another object, same signature) is refused.
    let other = url.replace("final.mp4", "thumbnail.jpg");
    assert_eq!(plain.get(&other).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // And a URL past its lifetime is refused.
    let mut short = garage.settings();
    short.presign_ttl = Duration::from_secs(1);
    let expiring = ObjectStore::s3(&short).presigned_get(&video, "video/mp4", None).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let late = plain.get(&expiring).send().await.unwrap().status();
    assert!(late.is_client_error(), "an expired URL is refused: {late}");
}

#[tokio::test]
async fn an_unreachable_store_is_unavailable_not_missing_and_recovers() {
    let mut garage = Garage::start().await;
    let store = ObjectStore::s3(&garage.settings());
    let video = key(JOB, "final.mp4");
    store.put_bytes(&video, b"kept").await.unwrap();
    garage.stop().await;
    for result in [
        store.head(&video).await.map(drop),
        store.get_bytes(&video).await.map(drop),
        store.put_bytes(&video, b"lost?").await,
        store.delete_prefix(&Key::job_prefix(JOB).unwrap()).await,
    ] {
        assert!(matches!(result, Err(StoreError::Unavailable(_))), "{result:?}");
    }
    garage.resume().await;
    assert_eq!(store.get_bytes(&video).await.unwrap(), b"kept", "nothing was lost or half-written while it was down");
}

// --- Through the whole application, on Garage ---------------------------------------------------

fn settings(garage: &Garage, extra: &[(&'static str, &'static str)]) -> Vec<(String, String)> {
    let mut all = garage.env();
    all.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    all
}

async fn spawn_on(engine: Engine, settings: &[(String, String)]) -> TestApp {
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    TestApp::spawn_with(engine, &pairs).await
}

#[tokio::test]
async fn redirect_delivery_hands_owners_a_short_lived_url_and_nobody_else_anything() {
    let garage = Garage::start().await;
    let app = spawn_on(Engine::Sqlite, &settings(&garage, &[("HH_MEDIA_DELIVERY", "redirect")])).await;
    let owner = logged_in(&app, "owner@example.org").await;
    let other = logged_in(&app, "other@example.org").await;
    let id = upload_ok(&app, &owner).await;
    assert!(app.state.media.exists(&key(&id, "upload")).await.unwrap(), "the upload itself went to Garage");

    // No video yet: a 404 from us, not a redirect to the store's error.
    let none = owner.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::NOT_FOUND);

    let data = pattern(200_000, 5);
    app.state.media.put_bytes(&key(&id, "final.mp4"), &data).await.unwrap();
    let answer = owner.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
    assert_eq!(answer.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(answer.headers()[header::CACHE_CONTROL], "private, no-store");
    let location = answer.headers()[header::LOCATION].to_str().unwrap().to_owned();
    assert!(location.starts_with(&garage.endpoint()), "{location}");
    // The browser follows it with its Range requests, straight to the store.
    let part = reqwest::Client::new().get(&location).header(header::RANGE, "bytes=0-99").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes().await.unwrap(), &data[..100]);

    let download = owner.get(app.url(&format!("/videos/{id}/download"))).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::TEMPORARY_REDIRECT);
    let saved =
        reqwest::Client::new().get(download.headers()[header::LOCATION].to_str().unwrap()).send().await.unwrap();
    assert!(saved.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment; filename=\""));
    assert_eq!(saved.bytes().await.unwrap(), data);

    // Someone else, or nobody, gets no URL at all.
    for (client, want) in [(&other, StatusCode::NOT_FOUND), (&reqwest::Client::new(), StatusCode::UNAUTHORIZED)] {
        let refused = client.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
        assert_eq!(refused.status(), want);
        assert!(refused.headers().get(header::LOCATION).is_none());
    }
    // Captions stay on our origin (a <track> must be same-origin) even in redirect mode.
    app.state.media.put_bytes(&key(&id, "captions.vtt"), b"WEBVTT\n").await.unwrap();
    let captions = owner.get(app.url(&format!("/videos/{id}/captions.vtt"))).send().await.unwrap();
    assert_eq!(captions.status(), StatusCode::OK);
    assert_eq!(captions.text().await.unwrap(), "WEBVTT\n");
}

#[tokio::test]
async fn deleting_while_the_store_is_down_removes_the_job_now_and_its_files_once_it_is_back() {
    let mut garage = Garage::start().await;
    let app = spawn_on(Engine::Postgres, &settings(&garage, &[])).await;
    let owner = logged_in(&app, "tidy@example.org").await;
    let id = upload_ok(&app, &owner).await;
    app.state.media.put_bytes(&key(&id, "final.mp4"), b"a video").await.unwrap();

    garage.stop().await;
    let deleted = owner.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap();
    assert!(deleted.status().is_success(), "{}", deleted.status());
    // The job is gone for its owner at once: no row points at files that may vanish.
    let gone = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(app::jobs::store::pending_file_deletions(&app.db).await.unwrap(), 1);
    // Retrying while it is still down changes nothing and loses nothing.
    assert_eq!(app::jobs::store::retry_file_deletions(&app.state).await.unwrap(), 0);

    garage.resume().await;
    assert!(
        !app.state.media.list(&Key::job_prefix(&id).unwrap()).await.unwrap().is_empty(),
        "files wait for the retry"
    );
    // The retry is due after its backoff; make it due now rather than sleeping in a test.
    sqlx::query("UPDATE file_deletions SET next_try_at = 0").execute(app.db.pool()).await.unwrap();
    assert_eq!(app::jobs::store::retry_file_deletions(&app.state).await.unwrap(), 1);
    assert!(app.state.media.list(&Key::job_prefix(&id).unwrap()).await.unwrap().is_empty());
    assert_eq!(app::jobs::store::pending_file_deletions(&app.db).await.unwrap(), 0);
    assert!(server::admin::orphans(&app.state, false).await.unwrap().is_empty(), "no object is left without an owner");
}

#[tokio::test]
async fn the_orphans_command_finds_and_removes_objects_no_job_owns_on_s3() {
    let garage = Garage::start().await;
    let app = spawn_on(Engine::Sqlite, &settings(&garage, &[])).await;
    let owner = logged_in(&app, "keeper@example.org").await;
    let kept = upload_ok(&app, &owner).await;
    app.state.media.put_bytes(&key(OTHER_JOB, "final.mp4"), b"nobody's").await.unwrap();
    assert_eq!(server::admin::orphans(&app.state, false).await.unwrap(), vec![OTHER_JOB.to_owned()]);
    assert!(app.state.media.exists(&key(OTHER_JOB, "final.mp4")).await.unwrap(), "listing deletes nothing");
    assert_eq!(server::admin::orphans(&app.state, true).await.unwrap(), vec![OTHER_JOB.to_owned()]);
    assert_eq!(app.state.media.job_ids().await.unwrap(), vec![kept]);
}

#[tokio::test]
async fn an_upload_while_the_store_is_down_is_refused_clearly_and_creates_no_job() {
    let mut garage = Garage::start().await;
    let app = spawn_on(Engine::Sqlite, &settings(&garage, &[])).await;
    let owner = logged_in(&app, "early@example.org").await;
    let health: serde_json::Value = app.client.get(app.url("/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["storage"], "ok");
    garage.stop().await;
    // Still up for pages and logins, and says what is wrong.
    let health = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!((health["status"].as_str(), health["storage"].as_str()), (Some("degraded"), Some("unreachable")));
    let refused = upload(&app, &owner, "elife.xml", common::short_paper()).await;
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    let body: serde_json::Value = refused.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("try again"), "{body}");
    let mine: serde_json::Value = owner
        .get(app.url("/api/jobs/mine"))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["jobs"].as_array().map(Vec::len), Some(0), "{mine}");
}

/// The video the owner plays, whole, with a SHA-256 of it; and a ranged read of its middle.
async fn play(app: &TestApp, browser: &reqwest::Client, id: &str) -> (Vec<u8>, Vec<u8>) {
    let whole = browser.get(app.url(&format!("/videos/{id}"))).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    let whole = whole.bytes().await.unwrap().to_vec();
    assert!(whole.len() > 10_000, "a real video: {} bytes", whole.len());
    let url = app.url(&format!("/videos/{id}"));
    common::check_ranges(browser, &url, &whole).await;
    let middle = whole.len() / 2;
    let part = whole[middle..middle + 1000].to_vec();
    (Sha256::digest(&whole).to_vec(), part)
}

#[tokio::test]
async fn a_job_waits_out_a_garage_outage_and_its_video_plays_the_same_after_a_restart() {
    let mut garage = Garage::start().await;
    let app = spawn_on(Engine::Postgres, &settings(&garage, &[("HH_WORKERS", "1")])).await;
    let owner = logged_in(&app, "steady@example.org").await;
    let id = upload_ok(&app, &owner).await;
    let before =
        follow_until(&app, &owner, &id, 0, |e| e["kind"] == "step-done" && e["step"] == "generate-script").await;
    let seen = before.last().unwrap().0;

    // Mid-job, the worker restarts while Garage is down: everything it does next (asking whether
    // a step is done, reading the script) needs the store.
    let mut app = app;
    app.stop().await;
    garage.stop().await;
    let app = app.restart().await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    garage.resume().await;

    let owner = relogin(&app, "steady@example.org").await;
    let after = follow_until(&app, &owner, &id, seen, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    assert_eq!(after.last().unwrap().1["kind"], "succeeded", "{:?}", after.last());
    let waited =
        after.iter().any(|(_, e)| e["message"].as_str().is_some_and(|m| m.contains("The file store did not answer")));
    assert!(waited, "the outage was shown and waited out: {after:?}");
    for step in ["fetch-paper", "generate-script"] {
        assert!(!common::kinds_of(&after, step).contains(&"step-started".to_owned()), "{step} was not run again");
    }

    let (hash, part) = play(&app, &owner, &id).await;
    let app = app.restart().await;
    let owner = relogin(&app, "steady@example.org").await;
    assert_eq!(play(&app, &owner, &id).await, (hash, part), "the same video after a restart");
}

#[tokio::test]
async fn on_the_filesystem_a_finished_video_plays_the_same_after_a_restart() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "files@example.org").await;
    let id = upload_ok(&app, &owner).await;
    let end = follow_until(&app, &owner, &id, 0, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    assert_eq!(end.last().unwrap().1["kind"], "succeeded", "{:?}", end.last());
    let played = play(&app, &owner, &id).await;
    let app = app.restart().await;
    let owner = relogin(&app, "files@example.org").await;
    assert_eq!(play(&app, &owner, &id).await, played);
}

#[tokio::test]
async fn a_web_process_and_a_worker_process_that_share_no_folder_share_videos_through_s3() {
    let garage = Garage::start().await;
    let web = spawn_on(Engine::Postgres, &settings(&garage, &[])).await;
    let owner = logged_in(&web, "distributed@example.org").await;
    let id = upload_ok(&web, &owner).await;
    // As on another machine: its own data folder, the same database and bucket.
    let elsewhere = tempfile::tempdir().unwrap();
    let mut worker = std::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .arg("worker")
        .envs(web.env())
        .envs(garage.env())
        .env("HH_DATA_DIR", elsewhere.path())
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("the worker process starts");
    let events = follow_until(&web, &owner, &id, 0, |e| e["kind"] == "succeeded" || e["kind"] == "failed").await;
    let _ = worker.kill();
    let _ = worker.wait();
    assert_eq!(events.last().unwrap().1["kind"], "succeeded", "{:?}", events.last());
    play(&web, &owner, &id).await;
    // Nothing went through either process's folder: the files are in the bucket only.
    for dir in [web.data.path(), elsewhere.path()] {
        assert!(!dir.join("media").exists(), "no filesystem store under {}", dir.display());
    }
    let names: Vec<String> =
        web.state.media.list(&Key::job_prefix(&id).unwrap()).await.unwrap().iter().map(|k| k.to_string()).collect();
    for artifact in ["upload", "paper.json", "script.json", "final.mp4", "captions.vtt", "thumbnail.jpg"] {
        assert!(names.contains(&format!("jobs/{id}/{artifact}")), "{artifact} in the bucket: {names:?}");
    }
}

#[tokio::test]
async fn uploads_stream_into_the_bucket_in_parts_and_one_over_the_limit_stores_nothing() {
    let garage = Garage::start().await;
    let app = spawn_on(Engine::Sqlite, &settings(&garage, &[("HH_UPLOAD_LIMIT_MB", "12")])).await;
    let owner = logged_in(&app, "long-paper@example.org").await;

    // Ten MiB of text: more than one 8 MiB part, so the bucket takes it as a multipart upload
    // that starts while the request is still arriving.
    let paragraph = "Results. The intervention reduced the primary outcome in both cohorts. ";
    let text = paragraph.repeat(10 * 1024 * 1024 / paragraph.len()).into_bytes();
    let response = upload(&app, &owner, "long.txt", text.clone()).await;
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let job: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = job["id"].as_str().unwrap().to_owned();
    let stored = app.state.media.get_bytes(&key(&id, app::jobs::artifact::UPLOAD)).await.unwrap();
    assert!(stored == text, "the stored upload is the file sent ({} of {} bytes)", stored.len(), text.len());

    // Thirteen MiB against a 12 MB limit: refused once the limit passes, after a part is up.
    let response =
        upload(&app, &owner, "longer.txt", paragraph.repeat(13 * 1024 * 1024 / paragraph.len()).into_bytes()).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("larger than the 12 MB limit"), "{body}");
    assert_eq!(app.state.media.job_ids().await.unwrap(), vec![id], "nothing of the refused file is in the bucket");
}
