//! The runner and the worker, with steps made for the test: order and progress, resuming at the
//! failed step without redoing finished ones, retries with backoff, cancellation inside a step,
//! and shutdown handing the job back — on both engines.

use crate::common;

use app::jobs::{events, store, EventKind, JobStatus, Step};
use common::{Engine, TestApp};
use futures::future::BoxFuture;
use paper::{ReadError, ReadErrorKind};
use server::{
    pipeline::{lease::RunEnd, PipelineStep, RetryPolicy, StepContext, StepError},
    worker::{self, WorkerConfig},
};
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

on_both_engines!(
    a_job_runs_every_step_in_order_with_progress,
    a_retried_job_resumes_at_its_failed_step,
    transient_errors_are_retried_then_succeed,
    cancelling_stops_a_running_step,
    shutdown_hands_the_job_back_to_the_queue,
    two_slots_racing_for_an_expired_job_never_both_run_it,
    deleting_a_running_job_stops_it_and_leaves_no_file,
    deleting_a_job_stops_a_step_that_reports_nothing,
    a_killed_runs_scratch_folder_is_swept_at_start_up,
    a_killed_runs_scratch_folder_goes_when_its_job_is_claimed_again,
);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Behaviour {
    Work,
    FailPermanently,
    /// Fails transiently this many times, then works.
    Flaky(usize),
    /// Reports progress until stopped.
    Endless,
}

/// A step whose artifact is a file `<dir>/<job>/<step>`; counts how often it really ran.
struct TestStep {
    step: Step,
    dir: PathBuf,
    behaviour: Mutex<Behaviour>,
    runs: AtomicUsize,
}

impl TestStep {
    fn artifact(&self, ctx: &StepContext) -> PathBuf {
        self.dir.join(&ctx.job_id).join(self.step.as_str())
    }
}

impl PipelineStep for TestStep {
    fn step(&self) -> Step {
        self.step
    }

    fn is_done<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>> {
        Box::pin(async move { Ok(self.artifact(ctx).exists()) })
    }

    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let run = self.runs.fetch_add(1, Ordering::SeqCst);
            let behaviour = *self.behaviour.lock().unwrap();
            match behaviour {
                Behaviour::FailPermanently => {
                    return Err(ReadError::new(ReadErrorKind::NoText, "The paper's text could not be read.").into())
                }
                Behaviour::Flaky(n) if run < n => {
                    return Err(ReadError::new(ReadErrorKind::NcbiUnavailable, "The service is busy.").into())
                }
                Behaviour::Endless => loop {
                    ctx.progress(0.5, "still working").await?;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                },
                _ => {}
            }
            ctx.progress(0.5, &format!("{}: half way", self.step.as_str())).await?;
            let path = self.artifact(ctx);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"done").unwrap();
            Ok(())
        })
    }
}

struct Rig {
    app: TestApp,
    steps: Vec<Arc<TestStep>>,
    _dir: tempfile::TempDir,
}

impl Rig {
    async fn new(engine: Engine) -> Rig {
        let app = TestApp::spawn(engine).await;
        let dir = tempfile::tempdir().unwrap();
        let steps = Step::ALL
            .iter()
            .map(|&step| {
                Arc::new(TestStep {
                    step,
                    dir: dir.path().into(),
                    behaviour: Mutex::new(Behaviour::Work),
                    runs: AtomicUsize::new(0),
                })
            })
            .collect();
        Rig { app, steps, _dir: dir }
    }

    fn set(&self, step: Step, behaviour: Behaviour) {
        *self.steps[Step::ALL.iter().position(|s| *s == step).unwrap()].behaviour.lock().unwrap() = behaviour;
    }

    fn runs(&self) -> Vec<usize> {
        self.steps.iter().map(|s| s.runs.load(Ordering::SeqCst)).collect()
    }

    fn start_worker(&self) -> tokio::task::JoinHandle<()> {
        let steps: Vec<Arc<dyn PipelineStep>> = self.steps.iter().map(|s| s.clone() as Arc<dyn PipelineStep>).collect();
        let config = WorkerConfig {
            concurrency: 2,
            lease_ms: 5_000,
            idle_poll: Duration::from_millis(50),
            retry: RetryPolicy {
                attempts: 3,
                store_attempts: 3,
                first_delay: Duration::from_millis(10),
                max_delay: Duration::from_millis(40),
            },
        };
        tokio::spawn(worker::run(self.app.state.clone(), "test-worker".into(), steps, config))
    }

    async fn submit(&self) -> String {
        let user = app::accounts::store::insert(
            &self.app.db,
            &format!("{}@example.org", uuid::Uuid::new_v4()),
            "x",
            app::accounts::Role::User,
        )
        .await
        .unwrap();
        store::submit(&self.app.state, &user, app::jobs::PaperSource::parse("PMC7096066").unwrap(), Default::default())
            .await
            .unwrap()
            .id
    }

    /// Polls the job until `reached` holds (`what` names it in the failure message).
    async fn wait_until(&self, id: &str, what: &str, reached: impl Fn(&app::jobs::Job) -> bool) -> app::jobs::Job {
        for _ in 0..500 {
            let job = store::get(&self.app.db, id).await.unwrap().unwrap();
            if reached(&job) {
                return job;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {id} never reached {what}");
    }

    async fn wait_for(&self, id: &str, wanted: JobStatus) -> app::jobs::Job {
        self.wait_until(id, &format!("{wanted:?}"), |job| job.status == wanted).await
    }

    async fn wait_for_step(&self, id: &str, step: Step) {
        self.wait_until(id, &format!("{step:?}"), |job| job.step == Some(step)).await;
    }

    async fn kinds(&self, id: &str) -> Vec<(EventKind, Option<Step>)> {
        events::after(&self.app.db, id, 0).await.unwrap().into_iter().map(|e| (e.kind, e.step)).collect()
    }
}

async fn a_job_runs_every_step_in_order_with_progress(engine: Engine) {
    let rig = Rig::new(engine).await;
    let worker = rig.start_worker();
    let id = rig.submit().await;
    let job = rig.wait_for(&id, JobStatus::Succeeded).await;
    assert_eq!(job.percent, 100);
    assert_eq!(rig.runs(), vec![1; 5]);
    let mut expected = vec![(EventKind::Queued, None)];
    for step in Step::ALL {
        expected.extend([
            (EventKind::StepStarted, Some(step)),
            (EventKind::StepProgress, Some(step)),
            (EventKind::StepDone, Some(step)),
        ]);
    }
    expected.push((EventKind::Succeeded, Some(Step::AddCaptions)));
    assert_eq!(rig.kinds(&id).await, expected);
    let percents: Vec<i64> = events::after(&rig.app.db, &id, 0).await.unwrap().iter().map(|e| e.percent).collect();
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "percent never goes back: {percents:?}");
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}

async fn a_retried_job_resumes_at_its_failed_step(engine: Engine) {
    let rig = Rig::new(engine).await;
    rig.set(Step::GenerateAudio, Behaviour::FailPermanently);
    let worker = rig.start_worker();
    let id = rig.submit().await;
    let job = rig.wait_for(&id, JobStatus::Failed).await;
    let failure = job.failure.unwrap();
    assert_eq!((failure.step, failure.kind.as_str()), (Some(Step::GenerateAudio), "no-text"));
    assert_eq!(failure.message, "The paper's text could not be read.");
    assert_eq!(rig.runs(), vec![1, 1, 1, 0, 0], "a permanent error is not retried");

    rig.set(Step::GenerateAudio, Behaviour::Work);
    let owner = app::accounts::User {
        id: job.owner_id.clone(),
        email: String::new(),
        role: app::accounts::Role::User,
        has_jobs: true,
        review_first: false,
    };
    store::retry(&rig.app.state, &owner, &id).await.unwrap();
    rig.wait_for(&id, JobStatus::Succeeded).await;
    assert_eq!(rig.runs(), vec![1, 1, 2, 1, 1], "finished steps are not run again");
    let kinds = rig.kinds(&id).await;
    let after_retry = &kinds[kinds.iter().rposition(|(k, _)| *k == EventKind::Queued).unwrap()..];
    assert_eq!(after_retry[1], (EventKind::StepSkipped, Some(Step::FetchPaper)));
    assert_eq!(after_retry[2], (EventKind::StepSkipped, Some(Step::GenerateScript)));
    assert_eq!(after_retry[3], (EventKind::StepStarted, Some(Step::GenerateAudio)));
    assert_eq!(store::get(&rig.app.db, &id).await.unwrap().unwrap().attempts, 2);
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}

async fn transient_errors_are_retried_then_succeed(engine: Engine) {
    let rig = Rig::new(engine).await;
    rig.set(Step::GenerateScript, Behaviour::Flaky(2));
    let worker = rig.start_worker();
    let id = rig.submit().await;
    rig.wait_for(&id, JobStatus::Succeeded).await;
    assert_eq!(rig.runs(), vec![1, 3, 1, 1, 1]);
    let notes: Vec<String> = events::after(&rig.app.db, &id, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.message.contains("Trying again"))
        .map(|e| e.message)
        .collect();
    assert_eq!(notes.len(), 2, "each retry is announced: {notes:?}");
    assert!(notes[0].contains("attempt 2 of 3") && notes[1].contains("attempt 3 of 3"), "{notes:?}");

    // Too many transient failures fail the job, with the last reason.
    rig.set(Step::GenerateScript, Behaviour::Flaky(usize::MAX));
    let id = rig.submit().await;
    let job = rig.wait_for(&id, JobStatus::Failed).await;
    assert_eq!(job.failure.unwrap().kind, "ncbi-unavailable");
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}

async fn cancelling_stops_a_running_step(engine: Engine) {
    let rig = Rig::new(engine).await;
    rig.set(Step::GenerateVideos, Behaviour::Endless);
    let worker = rig.start_worker();
    let id = rig.submit().await;
    rig.wait_for_step(&id, Step::GenerateVideos).await;
    let job = store::get(&rig.app.db, &id).await.unwrap().unwrap();
    let owner = app::accounts::User {
        id: job.owner_id,
        email: String::new(),
        role: app::accounts::Role::User,
        has_jobs: true,
        review_first: false,
    };
    store::cancel(&rig.app.state, &owner, &id).await.unwrap();
    let job = rig.wait_for(&id, JobStatus::Cancelled).await;
    assert!(job.finished_at_ms.is_some());
    assert_eq!(rig.runs()[4], 0, "no step runs after cancellation");
    assert_eq!(rig.kinds(&id).await.last().unwrap().0, EventKind::Cancelled);
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}

async fn shutdown_hands_the_job_back_to_the_queue(engine: Engine) {
    let rig = Rig::new(engine).await;
    rig.set(Step::GenerateAudio, Behaviour::Endless);
    let worker = rig.start_worker();
    let id = rig.submit().await;
    rig.wait_for_step(&id, Step::GenerateAudio).await;
    rig.app.state.shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), worker).await.expect("the worker stops promptly").unwrap();
    let job = store::get(&rig.app.db, &id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Queued, "released, not lost and not failed");
    // Another worker picks it up at once (no lease to wait out), and resumes after the finished steps.
    let lease = store::claim(&rig.app.state, "next-worker", 5_000).await.unwrap().expect("claimable right away");
    assert_eq!(lease.job().id, id);
    assert_eq!(&rig.runs()[..2], &[1, 1]);
}

async fn two_slots_racing_for_an_expired_job_never_both_run_it(engine: Engine) {
    let rig = Rig::new(engine).await;
    let id = rig.submit().await;
    let steps: Vec<Arc<dyn PipelineStep>> = rig.steps.iter().map(|s| s.clone() as Arc<dyn PipelineStep>).collect();
    let policy = RetryPolicy::default();
    // Slot 1 claims the job and stalls past its lease; slot 2 of the same process re-claims it.
    let slot_1 = store::claim(&rig.app.state, "test-worker", 1).await.unwrap().unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let slot_2 = store::claim(&rig.app.state, "test-worker", 5_000).await.unwrap().expect("the expired job moves");
    assert_eq!((slot_1.job().id.as_str(), slot_2.job().id.as_str()), (id.as_str(), id.as_str()));
    // Both now run it at once.
    let state = rig.app.state.clone();
    let scratch = server::pipeline::scratch::root(&state.config);
    let (one, two) = tokio::join!(
        server::pipeline::lease::run_job(&state, slot_1, &steps, &policy, 5_000, &scratch),
        server::pipeline::lease::run_job(&state, slot_2, &steps, &policy, 5_000, &scratch),
    );
    assert_eq!((one.unwrap(), two.unwrap()), (RunEnd::Released, RunEnd::Succeeded));
    assert_eq!(rig.runs(), vec![1; 5], "every step ran once, by the slot that holds the job");
    let job = store::get(&rig.app.db, &id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    let started: Vec<_> = rig.kinds(&id).await.into_iter().filter(|(k, _)| *k == EventKind::StepStarted).collect();
    assert_eq!(started.len(), 5, "no step was started twice: {started:?}");
}

/// A step like the clips step: it makes a scratch folder in the run's folder and writes clips to
/// the store, and between two clips it is busy for as long as the test says (an encode that
/// reports nothing).
struct WritingStep {
    /// Told when the first clip is written and the step is busy with the second.
    busy: Arc<tokio::sync::Notify>,
    /// Ends the busy spell.
    go: Arc<tokio::sync::Notify>,
    /// Set when the step's work is dropped or returns: it writes nothing after.
    stopped: Arc<std::sync::atomic::AtomicBool>,
    /// Clips written to the store.
    written: AtomicUsize,
}

struct SetOnDrop(Arc<std::sync::atomic::AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl PipelineStep for WritingStep {
    fn step(&self) -> Step {
        Step::GenerateVideos
    }

    fn is_done<'a>(&'a self, _: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>> {
        Box::pin(async { Ok(false) })
    }

    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let _stopped = SetOnDrop(self.stopped.clone());
            std::fs::create_dir_all(&ctx.scratch).unwrap();
            let scratch = tempfile::Builder::new().prefix("generate-videos-").tempdir_in(&ctx.scratch).unwrap();
            for scene in 1.. {
                if scene == 2 {
                    // Encoding scene 2, with nothing to report until its clip is written.
                    self.busy.notify_one();
                    self.go.notified().await;
                }
                std::fs::write(scratch.path().join("scene.mp4"), b"frames").unwrap();
                let key = app::storage::Key::job(&ctx.job_id, &format!("clips/scene-{scene:02}.mp4")).unwrap();
                ctx.media.put_bytes(&key, b"a clip").await?;
                self.written.fetch_add(1, Ordering::SeqCst);
                ctx.progress(0.1, &format!("scene {scene}")).await?;
            }
            Ok(())
        })
    }
}

async fn deleting_a_running_job_stops_it_and_leaves_no_file(engine: Engine) {
    deleting_while_busy(engine, true).await
}

/// A step that reports nothing for longer than a lease (one long encode) is stopped by the
/// failed renewal, not at its next checkpoint: it writes nothing more.
async fn deleting_a_job_stops_a_step_that_reports_nothing(engine: Engine) {
    deleting_while_busy(engine, false).await
}

/// Deletes the job while its clips step is busy between two clips; the step then writes its
/// next clip (`resumes`) or stays busy until it is stopped.
async fn deleting_while_busy(engine: Engine, resumes: bool) {
    let rig = Rig::new(engine).await;
    let writing = Arc::new(WritingStep {
        busy: Default::default(),
        go: Default::default(),
        stopped: Default::default(),
        written: AtomicUsize::new(0),
    });
    let steps: Vec<Arc<dyn PipelineStep>> = rig
        .steps
        .iter()
        .map(|s| {
            if s.step == Step::GenerateVideos {
                writing.clone() as Arc<dyn PipelineStep>
            } else {
                s.clone() as Arc<dyn PipelineStep>
            }
        })
        .collect();
    // A short lease when the step never resumes: the failed renewal is what stops it.
    let lease_ms = if resumes { 5_000 } else { 300 };
    let config = WorkerConfig { idle_poll: Duration::from_millis(50), lease_ms, ..WorkerConfig::default() };
    let worker = tokio::spawn(worker::run(rig.app.state.clone(), "test-worker".into(), steps, config));
    let id = rig.submit().await;
    writing.busy.notified().await;
    let state = &rig.app.state;
    let prefix = app::storage::Key::job_prefix(&id).unwrap();
    assert!(!state.media.list(&prefix).await.unwrap().is_empty(), "the first clip is written");

    // Deleted by its owner while the step is busy.
    let job = store::get(&rig.app.db, &id).await.unwrap().unwrap();
    let owner = app::accounts::User {
        id: job.owner_id,
        email: String::new(),
        role: app::accounts::Role::User,
        has_jobs: true,
        review_first: false,
    };
    store::delete(state, &owner, &id).await.unwrap();
    assert!(store::get(&rig.app.db, &id).await.unwrap().is_none(), "the job is gone for its owner at once");
    if resumes {
        writing.go.notify_one();
    }

    // The worker stops, then deletes what it wrote: the deletion is done when its row is gone.
    for _ in 0..500 {
        let stopped = writing.stopped.load(Ordering::SeqCst);
        if stopped && store::pending_file_deletions(&rig.app.db).await.unwrap() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(writing.stopped.load(Ordering::SeqCst), "the step stopped");
    assert_eq!(store::pending_file_deletions(&rig.app.db).await.unwrap(), 0, "the worker deleted the files");
    if resumes {
        assert_eq!(writing.written.load(Ordering::SeqCst), 2, "the step wrote a clip after the delete");
    } else {
        assert_eq!(writing.written.load(Ordering::SeqCst), 1, "the step was stopped while busy");
    }
    assert!(state.media.list(&prefix).await.unwrap().is_empty(), "no clip is left in the store");
    let scratch = server::pipeline::scratch::root(&state.config);
    let left: Vec<_> = std::fs::read_dir(&scratch).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "no scratch folder is left: {left:?}");
    assert!(server::admin::orphans(state, false).await.unwrap().is_empty(), "orphans finds no job folder");
    assert!(server::admin::scratch_orphans(state, false).await.unwrap().is_empty(), "nor a scratch folder");
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}

/// A run folder as a worker makes it, with a file in a step's folder inside.
fn make_run_folder(app: &TestApp, job_id: &str, owner: &str) -> PathBuf {
    let root = server::pipeline::scratch::root(&app.state.config);
    let folder = server::pipeline::scratch::run_folder(&root, job_id, owner);
    std::fs::create_dir_all(folder.join("generate-videos-x1y2z3")).unwrap();
    std::fs::write(folder.join("generate-videos-x1y2z3/scene-01.mp4"), b"half a clip").unwrap();
    folder
}

async fn a_killed_runs_scratch_folder_is_swept_at_start_up(engine: Engine) {
    let rig = Rig::new(engine).await;
    let state = &rig.app.state;
    let (killed, running) = (rig.submit().await, rig.submit().await);
    let claim = store::claim(state, "killed-worker", 5_000).await.unwrap().unwrap();
    let live = store::claim(state, "live-worker", 600_000).await.unwrap().unwrap();
    assert_eq!((claim.job().id.as_str(), live.job().id.as_str()), (killed.as_str(), running.as_str()));
    // Killed mid-step: its job is still "running", under a lease that has run out.
    let killed_folder = make_run_folder(&rig.app, &killed, claim.owner());
    sqlx::query("UPDATE jobs SET lease_expires_at = 0 WHERE id = $1")
        .bind(&killed)
        .execute(rig.app.db.pool())
        .await
        .unwrap();
    // Another process's worker is running this one now: its folder stays.
    let live_folder = make_run_folder(&rig.app, &running, live.owner());
    // A job deleted while its worker was being killed, and an upload being received.
    let deleted_folder = make_run_folder(&rig.app, &store::new_id(), "gone/123456");
    let root = server::pipeline::scratch::root(&state.config);
    std::fs::create_dir_all(root.join("uploads")).unwrap();
    std::fs::write(root.join("uploads/.tmpAbC123"), b"%PDF-").unwrap();

    let found = server::admin::scratch_orphans(state, false).await.unwrap();
    assert_eq!(found, {
        let mut v = vec![killed_folder.clone(), deleted_folder.clone()];
        v.sort();
        v
    });
    let app = rig.app.restart().await;
    assert!(!killed_folder.exists() && !deleted_folder.exists(), "swept at start-up");
    assert!(live_folder.join("generate-videos-x1y2z3/scene-01.mp4").exists(), "a run in progress keeps its folder");
    assert!(root.join("uploads/.tmpAbC123").exists(), "an upload in progress keeps its file");
    assert!(server::admin::scratch_orphans(&app.state, false).await.unwrap().is_empty());
}

async fn a_killed_runs_scratch_folder_goes_when_its_job_is_claimed_again(engine: Engine) {
    let rig = Rig::new(engine).await;
    let id = rig.submit().await;
    // Killed a moment ago: its lease is still live, so the start-up sweep had to keep the folder.
    let claim = store::claim(&rig.app.state, "killed-worker", 100).await.unwrap().unwrap();
    let folder = make_run_folder(&rig.app, &id, claim.owner());
    let worker = rig.start_worker();
    rig.wait_for(&id, JobStatus::Succeeded).await;
    assert!(!folder.exists(), "the next claim of the job removed the killed run's folder");
    let root = server::pipeline::scratch::root(&rig.app.state.config);
    assert_eq!(std::fs::read_dir(&root).unwrap().count(), 0, "and its own run folder went when it ended");
    rig.app.state.shutdown.trigger();
    worker.await.unwrap();
}
