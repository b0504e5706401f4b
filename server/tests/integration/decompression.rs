//! Decompression amplification (issue #20): a small DOCX whose images inflate to tens of MiB
//! is read without them; a read that fails keeps no file but the upload, in the object store
//! and in the worker's scratch folder.
//!
//! The upload stays after a failed read on purpose: a person may retry the job (which reads it
//! again), and deleting the job deletes it with the rest.

use crate::{bombs, common};

use app::{
    jobs::{EventKind, JobOptions, PaperSource, Step, VideoInfo},
    storage::{Key, ObjectStore},
};
use common::{follow_until, logged_in, upload, Engine, TestApp};
use futures::{future::BoxFuture, FutureExt};
use reqwest::StatusCode;
use serde_json::Value;
use server::pipeline::{run_steps, steps, Reporter, RetryPolicy, Run, StepError};
use std::{
    path::Path,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

const MIB: u64 = 1024 * 1024;
const TITLE: &str = "Salt intake and blood pressure in older adults";

/// Every file under `dir`, as paths relative to it with their sizes, sorted.
fn files_under(dir: &Path) -> Vec<(String, u64)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u64)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.push((name, entry.metadata().unwrap().len()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Uploads `bytes` as `name` and follows the job until its read step ended, one way or the other.
async fn read_step_of(app: &TestApp, owner: &reqwest::Client, name: &str, bytes: Vec<u8>) -> (String, Value) {
    let response = upload(app, owner, name, bytes).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{name}");
    let id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let events = follow_until(app, owner, &id, 0, |e| {
        (e["kind"] == "step-done" && e["step"] == "fetch-paper") || e["kind"] == "failed"
    })
    .await;
    (id, events.last().unwrap().1.clone())
}

#[tokio::test]
async fn a_docx_bomb_is_read_without_its_oversized_images() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "bomb@example.org").await;
    // Images that inflate to 30 MiB each, one declaring 50000 × 50000 px, and one real figure.
    let bomb = (bombs::png(1200, 900), 30 * MIB);
    let pixels = (bombs::png(50_000, 50_000), 3_000);
    let honest = (bombs::png(1200, 900), 3_000);
    let bytes = bombs::docx(TITLE, &[bombs::LONG], vec![bomb.clone(), bomb.clone(), pixels, bomb, honest], 0);
    assert!(bytes.len() < 200_000, "{} bytes", bytes.len());

    let (id, last) = read_step_of(&app, &owner, "bomb.docx", bytes).await;
    assert_eq!(last["kind"], "step-done", "{last}");
    let folder = app.data.path().join("media/jobs").join(&id);
    let figures: Vec<(String, u64)> =
        files_under(&folder).into_iter().filter(|(name, _)| name.starts_with("figures/")).collect();
    assert_eq!(figures, [("figures/fig-1.png".to_owned(), 33 + 3_000)], "only the real figure is stored");
    let paper: Value = serde_json::from_slice(&std::fs::read(folder.join("paper.json")).unwrap()).unwrap();
    let notes: Vec<&str> = paper["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.starts_with("4 image(s) were skipped because they are too large")), "{notes:?}");
    assert_eq!(
        owner.delete(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn a_docx_bomb_refused_at_reading_leaves_only_its_upload() {
    let app = TestApp::spawn_with(Engine::Sqlite, &[("HH_WORKERS", "1")]).await;
    let owner = logged_in(&app, "refused@example.org").await;
    let bomb = (bombs::png(1200, 900), 30 * MIB);
    let honest = (bombs::png(1200, 900), 3_000);
    for (name, bytes, kind) in [
        // Figures the reader would keep, but too little text for a video: the quality gate.
        ("short.docx", bombs::docx(TITLE, &["Salt raises blood pressure."], vec![honest, bomb], 0), "not-enough-text"),
        // A main part that inflates past its limit: the reader itself refuses.
        ("text-bomb.docx", bombs::docx(TITLE, &[bombs::LONG], vec![], 40 * MIB), "corrupt-file"),
    ] {
        let (id, last) = read_step_of(&app, &owner, name, bytes).await;
        assert_eq!(last["kind"], "failed", "{name}: {last}");
        let job: Value = owner.get(app.url(&format!("/api/jobs/{id}"))).send().await.unwrap().json().await.unwrap();
        assert_eq!(job["failure"]["kind"], kind, "{name}: {job}");
        let stored = files_under(&app.data.path().join("media/jobs").join(&id));
        let names: Vec<&str> = stored.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["upload"], "{name}: nothing but the upload is kept");
        let scratch = files_under(&app.data.path().join("scratch"));
        assert!(scratch.is_empty(), "{name}: the scratch folder is empty: {scratch:?}");
    }
}

/// Progress goes nowhere; the job is cancelled as soon as the second figure is being saved.
#[derive(Default)]
struct CancelWhileSaving {
    cancelled: AtomicBool,
}

impl Reporter for CancelWhileSaving {
    fn record<'a>(
        &'a self,
        _kind: EventKind,
        _step: Step,
        _percent: i64,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StepError>> {
        if message.starts_with("Saving figure 2 of") {
            self.cancelled.store(true, Ordering::SeqCst);
        }
        futures::future::ready(Ok(())).boxed()
    }

    fn set_title<'a>(&'a self, _title: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn set_video<'a>(&'a self, _video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>> {
        let result = if self.cancelled.load(Ordering::SeqCst) { Err(StepError::Cancelled) } else { Ok(()) };
        futures::future::ready(result).boxed()
    }
}

#[tokio::test]
async fn a_read_stopped_while_saving_its_figures_keeps_none_of_them() {
    let dir = tempfile::tempdir().unwrap();
    let media = ObjectStore::local(dir.path().join("media"));
    let job_id = uuid::Uuid::new_v4().to_string();
    let figure = (bombs::png(1200, 900), 3_000);
    let bytes = bombs::docx(TITLE, &[bombs::LONG], vec![figure.clone(), figure.clone(), figure], 0);
    let upload = Key::job(&job_id, "upload").unwrap();
    media.put_bytes(&upload, &bytes).await.unwrap();

    let providers = steps::Providers {
        ncbi: paper::ncbi::NcbiClient::new(paper::ncbi::NcbiConfig::default()),
        writer: video::providers::ScriptWriter::Offline,
        narrator: video::providers::Narrator::Offline(video::voice::Voice::offline()),
        renderer: video::providers::SceneRenderer::Offline,
        parallel_scenes: 1,
        quota_fallback: None,
    };
    let read_step = steps::production(providers).into_iter().take(1).collect::<Vec<_>>();
    let run = Run {
        job_id: job_id.clone(),
        source: PaperSource::Upload { key: upload.to_string(), name: "paper.docx".into() },
        options: JobOptions::default(),
        media: media.clone(),
        reporter: Arc::new(CancelWhileSaving::default()),
        scratch: dir.path().join("scratch"),
    };
    let ended = run_steps(&run, &read_step, &RetryPolicy::default(), std::future::pending()).await;
    assert_eq!(ended, Err((Step::FetchPaper, StepError::Cancelled)));
    let left = media.list(&Key::job_prefix(&job_id).unwrap()).await.unwrap();
    assert_eq!(left, [upload], "the figures saved before the cancellation are removed");
    assert!(files_under(&dir.path().join("scratch")).is_empty());
}
