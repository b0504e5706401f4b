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
    let owner = app::accounts::User { id: job.owner_id.clone(), email: String::new(), role: app::accounts::Role::User };
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
    let owner = app::accounts::User { id: job.owner_id, email: String::new(), role: app::accounts::Role::User };
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
    let (one, two) = tokio::join!(
        server::pipeline::lease::run_job(&state, slot_1, &steps, &policy, 5_000),
        server::pipeline::lease::run_job(&state, slot_2, &steps, &policy, 5_000),
    );
    assert_eq!((one.unwrap(), two.unwrap()), (RunEnd::Released, RunEnd::Succeeded));
    assert_eq!(rig.runs(), vec![1; 5], "every step ran once, by the slot that holds the job");
    let job = store::get(&rig.app.db, &id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    let started: Vec<_> = rig.kinds(&id).await.into_iter().filter(|(k, _)| *k == EventKind::StepStarted).collect();
    assert_eq!(started.len(), 5, "no step was started twice: {started:?}");
}
