//! `hidden-hill render`: the production pipeline on one paper, on the command line, with no
//! database and no web server. The same steps and the same providers (chosen by the same
//! configuration) as the workers; the job's files live in a work folder instead of the object
//! store, and progress goes to the terminal instead of the jobs table.
//!
//! The work folder keeps every artifact (`paper.json`, `script.json`, `audio/`, `clips/`,
//! `captions.*`, `final.mp4`). Run again on the same folder, it resumes from the checkpoints
//! exactly like a worker: edit `script.json` and re-run to get a new video with only the edited
//! scenes made again.

use crate::pipeline::{run_steps, steps, FailureKind, Reporter, RetryPolicy, Run, StepError};
use anyhow::Context;
use app::{
    backend::config::Config,
    jobs::{artifact, EventKind, JobOptions, PaperSource, Step, VideoInfo},
    storage::{Key, ObjectStore},
};
use futures::{future::BoxFuture, FutureExt};
use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Instant,
};

/// Every work folder holds one job; object keys need an id, and this is it.
pub const FOLDER_JOB_ID: &str = "00000000-0000-0000-0000-000000000001";
/// What the folder was made from (the paper argument), so that another paper is not mixed in.
const SOURCE_FILE: &str = "source.txt";

/// What `hidden-hill render` was asked.
#[derive(Clone, Debug)]
pub struct RenderRequest {
    /// A file path, or a PMCID, PMID, DOI or link; may be omitted to resume a work folder.
    pub paper: Option<String>,
    /// Where the MP4 goes; captions (`.vtt`, `.srt`) and thumbnail (`.jpg`) go beside it.
    pub output: PathBuf,
    /// The work folder; a temporary one (removed at the end) when `None`.
    pub work_dir: Option<PathBuf>,
    /// One line per step, never a progress bar.
    pub quiet: bool,
    /// Style, length and pace (`--style`, `--length`, `--pace`).
    pub options: JobOptions,
}

/// Runs the pipeline for `request` and writes the outputs. Errors say what to do.
pub async fn run(config: &Config, request: RenderRequest) -> anyhow::Result<()> {
    let temporary = match &request.work_dir {
        Some(_) => None,
        None => Some(tempfile::tempdir().context("could not make a temporary work folder")?),
    };
    let work = match (&request.work_dir, &temporary) {
        (Some(dir), _) => dir.clone(),
        (None, Some(temp)) => temp.path().to_path_buf(),
        (None, None) => unreachable!("one of the two is set"),
    };
    std::fs::create_dir_all(&work).with_context(|| format!("could not create the work folder {}", work.display()))?;
    let media = work_folder(&work)?;
    let source = source_of(request.paper.as_deref(), &work, &media).await?;

    let terminal = Arc::new(Terminal::new(request.quiet || !std::io::stderr().is_terminal()));
    let stopping = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let result = run_in_folder(config, media, source, request.options, terminal.clone(), stopping).await;
    terminal.close();
    match result {
        Ok(()) => {}
        Err((_, StepError::Interrupted)) => {
            anyhow::bail!("stopped; run the same command again to resume from {}", work.display())
        }
        Err((step, StepError::Cancelled)) => anyhow::bail!("{} was cancelled", step.title()),
        Err((step, StepError::Failed(failure))) => {
            let hint = match (&request.work_dir, failure.kind) {
                (Some(dir), FailureKind::Pipeline(_)) => format!(" (work folder: {})", dir.display()),
                _ => String::new(),
            };
            anyhow::bail!("{} failed: {} [{}]{hint}", step.title(), failure.message, failure.kind)
        }
    }
    write_outputs(&work, &request.output)?;
    if let Some(video) = terminal.video() {
        println!("Made {:.1} s of video with {}.", video.duration_ms as f64 / 1000.0, video.providers);
    }
    if let Some(dir) = &request.work_dir {
        println!("Every artifact is in {}; edit script.json there and run again to remake it.", dir.display());
    }
    Ok(())
}

/// Runs the production steps, with the providers `config` chooses, on the job whose files are
/// `media` (a [`ObjectStore::work_folder`] of [`FOLDER_JOB_ID`]), reporting to `reporter`.
pub async fn run_in_folder(
    config: &Config,
    media: ObjectStore,
    source: PaperSource,
    options: JobOptions,
    reporter: Arc<dyn Reporter>,
    stopping: impl std::future::Future<Output = ()>,
) -> Result<(), (Step, StepError)> {
    // A work folder on the command line has no database to count paid calls in.
    run_with(
        steps::Providers::from_config(config, video::usage::Meter::default()),
        media,
        source,
        options,
        reporter,
        stopping,
    )
    .await
}

/// [`run_in_folder`] with the providers the caller chose (the sample video's are offline).
pub async fn run_with(
    providers: steps::Providers,
    media: ObjectStore,
    source: PaperSource,
    options: JobOptions,
    reporter: Arc<dyn Reporter>,
    stopping: impl std::future::Future<Output = ()>,
) -> Result<(), (Step, StepError)> {
    let steps = steps::production(providers);
    let scratch = std::env::temp_dir().join("hidden-hill-scratch");
    let run = Run { job_id: FOLDER_JOB_ID.into(), source, options, media, reporter, scratch };
    run_steps(&run, &steps, &RetryPolicy::default(), stopping).await
}

/// A work folder's store: the files of its one job directly under `folder`.
pub fn work_folder(folder: &Path) -> anyhow::Result<ObjectStore> {
    Ok(ObjectStore::work_folder(folder, FOLDER_JOB_ID)?)
}

/// The job's source: the paper argument (a file is stored in the folder as the job's upload),
/// or, when omitted, the folder's own.
pub async fn source_of(paper: Option<&str>, work: &Path, media: &ObjectStore) -> anyhow::Result<PaperSource> {
    let recorded = std::fs::read_to_string(work.join(SOURCE_FILE)).ok().map(|s| s.trim().to_owned());
    let input = match (paper, &recorded) {
        (Some(paper), Some(recorded)) if paper != recorded => anyhow::bail!(
            "{} already holds the work for {recorded:?}; choose another --work-dir for {paper:?}, \
             or leave the paper out to resume",
            work.display()
        ),
        (Some(paper), _) => paper.to_owned(),
        (None, Some(recorded)) => recorded.clone(),
        (None, None) if work.join(artifact::PAPER).is_file() => "paper.json".to_owned(),
        (None, None) => anyhow::bail!("name a paper (a file, PMCID, PMID, DOI or link) or a work folder to resume"),
    };
    let path = Path::new(&input);
    let source = if input == "paper.json" && work.join(artifact::PAPER).is_file() {
        // A folder seeded with a paper.json by hand: the paper is read already.
        PaperSource::Upload { key: Key::job(FOLDER_JOB_ID, artifact::UPLOAD)?.to_string(), name: input.clone() }
    } else if path.is_file() {
        let key = Key::job(FOLDER_JOB_ID, artifact::UPLOAD)?;
        if !work.join(artifact::PAPER).is_file() {
            media.put_file(&key, path).await.with_context(|| format!("could not copy {input} into the work folder"))?;
        }
        let name = path.file_name().map_or_else(|| input.clone(), |n| n.to_string_lossy().into_owned());
        PaperSource::Upload { key: key.to_string(), name }
    } else {
        PaperSource::parse(&input).map_err(|e| anyhow::anyhow!("{input:?} is neither a file nor an identifier: {e}"))?
    };
    std::fs::write(work.join(SOURCE_FILE), &input)?;
    Ok(source)
}

/// Copies final.mp4 to `output`, and the captions and thumbnail beside it (out.mp4 → out.vtt,
/// out.srt, out.jpg).
fn write_outputs(work: &Path, output: &Path) -> anyhow::Result<()> {
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let copies = [
        (artifact::VIDEO, output.to_path_buf()),
        (artifact::VTT, output.with_extension("vtt")),
        (artifact::SRT, output.with_extension("srt")),
        (artifact::THUMBNAIL, output.with_extension("jpg")),
    ];
    for (name, target) in copies {
        let from = work.join(name);
        if std::fs::canonicalize(&from).ok() != std::fs::canonicalize(&target).ok() {
            std::fs::copy(&from, &target).with_context(|| format!("could not write {}", target.display()))?;
        }
        println!("Wrote {}.", target.display());
    }
    Ok(())
}

/// Progress on the terminal: a bar on an interactive terminal, else one line per step.
struct Terminal {
    bar: Option<indicatif::ProgressBar>,
    state: Mutex<TerminalState>,
}

#[derive(Default)]
struct TerminalState {
    step_started: Option<Instant>,
    video: Option<VideoInfo>,
}

impl Terminal {
    fn new(plain: bool) -> Terminal {
        let bar = (!plain).then(|| {
            let bar = indicatif::ProgressBar::new(100);
            let style = indicatif::ProgressStyle::with_template("{bar:24.cyan/blue} {pos:>3}% {wide_msg}")
                .expect("a valid template")
                .progress_chars("█▓░");
            bar.set_style(style);
            bar
        });
        Terminal { bar, state: Mutex::new(TerminalState::default()) }
    }

    /// A line that stays (above the bar, if there is one).
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn close(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn video(&self) -> Option<VideoInfo> {
        self.state.lock().expect("not poisoned").video.clone()
    }
}

impl Reporter for Terminal {
    fn record<'a>(
        &'a self,
        kind: EventKind,
        step: Step,
        percent: i64,
        message: &'a str,
    ) -> BoxFuture<'a, Result<(), StepError>> {
        let mut state = self.state.lock().expect("not poisoned");
        match kind {
            EventKind::StepStarted => state.step_started = Some(Instant::now()),
            EventKind::StepSkipped => self.line(&format!("· {}: already done", step.title())),
            EventKind::StepDone => {
                let seconds = state.step_started.take().map_or(0.0, |t| t.elapsed().as_secs_f64());
                self.line(&format!("✓ {} ({seconds:.1} s)", step.title()));
            }
            // A retry or a wait is worth a line of its own; the rest moves the bar.
            EventKind::StepProgress if message.contains("Trying again") => {
                self.line(&format!("! {}: {message}", step.title()))
            }
            _ => {}
        }
        if let Some(bar) = &self.bar {
            bar.set_position(percent.clamp(0, 100) as u64);
            bar.set_message(format!("{}: {message}", step.title()));
        }
        futures::future::ready(Ok(())).boxed()
    }

    fn set_title<'a>(&'a self, title: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        self.line(&format!("Paper: {title}"));
        futures::future::ready(Ok(())).boxed()
    }

    fn set_video<'a>(&'a self, video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>> {
        self.state.lock().expect("not poisoned").video = Some(video.clone());
        futures::future::ready(Ok(())).boxed()
    }

    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>> {
        // Nobody cancels a terminal run but its Ctrl-C, which the runner watches.
        futures::future::ready(Ok(())).boxed()
    }
}
