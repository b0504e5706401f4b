//! The landing page's sample video, made on first start: when `serve` starts and the object
//! store has no sample yet (or one made from something else), a background task runs the same
//! pipeline as `hidden-hill render` on a paper built into the binary, with the offline
//! providers, and stores the video, its poster, its captions and a credit under `sample/`
//! (`app::sample`).
//!
//! It never takes the machine from a real job: it starts only when no job is running (in any
//! process: the jobs table says), and at every checkpoint of the pipeline (between steps, and
//! between scenes inside them) it waits again while one is, so a job queued meanwhile costs at
//! most the scene in hand; it draws one scene at a time. It is made at most once per store:
//! the credit is written last, and a start that finds it (made from the same paper and options)
//! does nothing. Every file is made in a work folder first and stored whole, so a failed or
//! interrupted run leaves nothing half written; it is logged, and the next start tries again.

use crate::pipeline::{steps::Providers, Reporter, StepError};
use anyhow::Context;
use app::{
    backend::state::AppState,
    jobs::{artifact, store, EventKind, JobOptions, PaperSource, Step, VideoInfo},
    sample::{self, SampleCredit},
    storage::Key,
};
use futures::{future::BoxFuture, FutureExt};
use sha2::{Digest, Sha256};
use std::{sync::Arc, time::Duration};

/// The paper, built into the binary so that an installation needs nothing from the repository:
/// a test fixture whose licence allows redistribution (CC BY 3.0, printed on every page; its
/// source is in `paper/tests/fixtures/README.md`). Chosen for how its video looks: a title card
/// with the journal, a key number ("927-fold"), a figure of the molecule in its binding site.
const PAPER: &[u8] = include_bytes!("../paper/tests/fixtures/pdf/clinsci_twocol_many-figures_cc-by.pdf");
const PAPER_NAME: &str = "clinsci-2014-126-305.pdf";

/// What the credit line says about the paper, checked against what the reader makes of the file
/// by this module's tests (the licence's version and the DOI are printed in the file too).
const TITLE: &str =
    "Fragment-based design for the development of N-domain-selective angiotensin-1-converting enzyme inhibitors";
const AUTHORS: &[&str] = &[
    "Ross G. Douglas",
    "Rajni K. Sharma",
    "Geoffrey Masuyer",
    "Lizelle Lubbe",
    "Ismael Zamora",
    "K. Ravi Acharya",
    "Kelly Chibale",
    "Edward D. Sturrock",
];
const JOURNAL: &str = "Clinical Science";
const YEAR: &str = "2014";
const LICENCE: &str = "CC BY 3.0";
const LICENCE_URL: &str = "https://creativecommons.org/licenses/by/3.0/";
const LINK: &str = "https://doi.org/10.1042/CS20130403";

/// Raise it to make every installation's sample again (say, after a change to the look).
const REVISION: u32 = 1;

/// How the sample is made: the default style and pace, and the shortest length, which loops
/// well on a landing page and is made in about half the time of a minute's video.
fn options() -> JobOptions {
    JobOptions { length_seconds: 30, ..JobOptions::default() }
}

/// How often a waiting sample looks again whether the jobs have finished.
const JOB_POLL: Duration = Duration::from_secs(3);

/// A fingerprint of what the sample is made from: another one makes it again.
pub fn made_from() -> String {
    let mut hash = Sha256::new();
    hash.update(PAPER);
    hash.update(serde_json::to_vec(&options()).unwrap_or_default());
    hash.update(REVISION.to_le_bytes());
    hash.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts making the sample in the background when configuration asks for it
/// (`HH_SAMPLE_VIDEO`). The task ends when the sample exists, fails (logged; the next start
/// tries again) or the process stops.
pub fn start(state: &AppState) -> Option<tokio::task::JoinHandle<()>> {
    if !state.config.sample_video {
        return None;
    }
    let state = state.clone();
    Some(tokio::spawn(async move {
        match ensure(&state).await {
            Ok(Made::Found) => tracing::debug!("the sample video is in the store already"),
            Ok(Made::Now(took)) => {
                tracing::info!(seconds = took.as_secs(), "made the sample video for the landing page")
            }
            Ok(Made::Stopped) => tracing::info!("stopped making the sample video; the next start goes on with it"),
            Err(e) => tracing::warn!(
                error = format!("{e:#}"),
                "could not make the sample video for the landing page; the next start tries again"
            ),
        }
    }))
}

/// What [`ensure`] did.
#[derive(Debug)]
pub enum Made {
    /// The store had it.
    Found,
    /// Made it, in this long (waits for jobs included).
    Now(Duration),
    /// The process is stopping.
    Stopped,
}

/// Makes the sample unless the store has it, made from the same paper and options.
pub async fn ensure(state: &AppState) -> anyhow::Result<Made> {
    let wanted = made_from();
    let stored = sample::read_credit(&state.media).await.context("could not read the stored sample's credit")?;
    if let Some(credit) = stored.filter(|c| c.made_from == wanted) {
        state.sample.set(credit);
        return Ok(Made::Found);
    }
    let started = std::time::Instant::now();
    let reporter = Arc::new(SampleReporter { state: state.clone() });
    // Real jobs first, from the very start.
    if reporter.checkpoint().await.is_err() {
        return Ok(Made::Stopped);
    }
    tracing::info!("making the sample video for the landing page");
    let work = tempfile::Builder::new()
        .prefix("hidden-hill-sample-")
        .tempdir()
        .context("could not make a work folder for the sample video")?;
    let media = crate::render::work_folder(work.path())?;
    let upload = Key::job(crate::render::FOLDER_JOB_ID, artifact::UPLOAD)?;
    media.put_bytes(&upload, PAPER).await.context("could not write the sample paper into its work folder")?;
    let source = PaperSource::Upload { key: upload.to_string(), name: PAPER_NAME.into() };
    let ran = crate::render::run_with(
        Providers::offline(&state.config),
        media,
        source,
        options(),
        reporter,
        state.shutdown.wait(),
    )
    .await;
    match ran {
        Ok(()) => {}
        Err((_, StepError::Interrupted | StepError::Cancelled)) => return Ok(Made::Stopped),
        Err((step, StepError::Failed(failure))) => {
            anyhow::bail!("{} failed: {} [{}]", step.title(), failure.message, failure.kind)
        }
    }
    let credit = SampleCredit {
        title: TITLE.into(),
        authors: AUTHORS.iter().map(|a| (*a).to_owned()).collect(),
        journal: Some(JOURNAL.into()),
        year: Some(YEAR.into()),
        licence: LICENCE.into(),
        licence_url: Some(LICENCE_URL.into()),
        link: LINK.into(),
        language: language_of(&work.path().join(artifact::PAPER)),
        made_from: wanted,
    };
    // Each file is stored whole (atomically); the credit last, as the mark that all are there.
    for (from, to) in
        [(artifact::THUMBNAIL, sample::THUMBNAIL), (artifact::VTT, sample::VTT), (artifact::VIDEO, sample::VIDEO)]
    {
        let key = Key::sample(to)?;
        state.media.put_file(&key, &work.path().join(from)).await.with_context(|| format!("could not store {key}"))?;
    }
    let key = Key::sample(sample::CREDIT)?;
    state
        .media
        .put_bytes(&key, &serde_json::to_vec_pretty(&credit)?)
        .await
        .with_context(|| format!("could not store {key}"))?;
    state.sample.set(credit);
    Ok(Made::Now(started.elapsed()))
}

/// The narration's language as the reader detected it (the script and voice follow it), for the
/// captions track; English when the paper.json does not say.
fn language_of(paper_json: &std::path::Path) -> String {
    std::fs::read(paper_json)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<paper::Paper>(&bytes).ok())
        .and_then(|paper| paper.language)
        .unwrap_or_else(|| "en".into())
}

/// Progress goes to the debug log; checkpoints wait while a real job runs.
struct SampleReporter {
    state: AppState,
}

impl Reporter for SampleReporter {
    fn record<'a>(
        &'a self,
        kind: EventKind,
        step: Step,
        percent: i64,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StepError>> {
        tracing::debug!(?kind, step = step.as_str(), percent, message, "sample video");
        futures::future::ready(Ok(())).boxed()
    }

    fn set_title<'a>(&'a self, _title: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }

    fn set_video<'a>(&'a self, _video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }

    /// Waits while a real job runs; `Interrupted` when the process stops meanwhile.
    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>> {
        async move {
            match wait_while_jobs_run(&self.state).await {
                true => Ok(()),
                false => Err(StepError::Interrupted),
            }
        }
        .boxed()
    }
}

/// Returns at once while no job runs (in any process); else waits until none does. False when
/// the process stops meanwhile. A database that does not answer does not hold the sample up.
pub async fn wait_while_jobs_run(state: &AppState) -> bool {
    let stopping = state.shutdown.wait();
    tokio::pin!(stopping);
    let mut waited = false;
    loop {
        if (&mut stopping).now_or_never().is_some() {
            return false;
        }
        match store::any_running(state).await {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                tracing::debug!(error = %e, "sample video: could not ask whether a job is running");
                break;
            }
        }
        if !waited {
            tracing::info!("the sample video waits while a job runs");
            waited = true;
        }
        tokio::select! {
            _ = tokio::time::sleep(JOB_POLL) => {}
            _ = &mut stopping => return false,
        }
    }
    if waited {
        tracing::info!("no job is running: the sample video goes on");
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_stable_and_names_the_paper_and_options() {
        assert_eq!(made_from(), made_from());
        assert_eq!(made_from().len(), 16);
    }

    #[test]
    fn the_credit_matches_what_the_reader_makes_of_the_paper() {
        let paper = paper::read(PAPER).expect("the sample paper reads and passes the quality gate").paper;
        assert_eq!(paper.title, TITLE);
        assert_eq!(paper.authors, AUTHORS);
        assert_eq!((paper.journal.as_deref(), paper.year()), (Some(JOURNAL), Some(YEAR)));
        // The licence and the DOI as the pages print them.
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PAPER_NAME), PAPER).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(dir.path().join(PAPER_NAME))
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) runs");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(printed.contains(LICENCE_URL.trim_start_matches("https://")), "the licence is CC BY 3.0");
        assert!(printed.contains(LINK.trim_start_matches("https://doi.org/")), "the DOI");
    }
}
