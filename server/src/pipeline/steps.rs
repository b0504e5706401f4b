//! The five production steps, the same for workers and for `hidden-hill render`. Each reads
//! its inputs from the job's files in the object store, runs its provider in a scratch folder,
//! and writes its outputs back under `jobs/{job_id}/…`.
//!
//! Checkpoints are keyed by content: the artifact that marks a step done is written last and
//! records a fingerprint (SHA-256) of the inputs it was made from, and so does every scene's
//! voice and clip. A step is skipped when its marker matches its current inputs; inside a step,
//! a scene is redone only when its own inputs changed. So a resumed job pays for nothing twice,
//! and a script edited by hand redoes exactly the scenes whose narration changed, then the final.

use super::{PipelineErrorKind, PipelineStep, StepContext, StepError};
use app::{
    backend::config::QuotaFallback,
    jobs::{artifact, PaperSource, Step, VideoInfo},
    storage::{Key, StoreError},
};
use futures::{future::BoxFuture, FutureExt, StreamExt};
use paper::{ncbi::IdKind, Paper};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::{path::PathBuf, sync::Arc};
use video::{
    online::{Gemini, GeminiConfig, OpenAi, OpenAiConfig, Runway, RunwayConfig},
    providers::{Narrator, SceneRenderer, ScriptWriter},
    script::{SceneKind, Script, ScriptLength, ScriptOptions},
    usage::Meter,
    voice::{SceneAudio, Voice},
    VideoErrorKind,
};

/// What the steps share: the providers chosen by configuration, and where scratch work happens.
pub struct Providers {
    pub ncbi: paper::ncbi::NcbiClient,
    pub writer: ScriptWriter,
    pub narrator: Narrator,
    pub renderer: SceneRenderer,
    /// Scenes rendered at once.
    pub parallel_scenes: usize,
    /// With `HH_QUOTA_FALLBACK=offline`: the providers a step uses instead when an online one's
    /// daily allowance is spent (else the job waits for it, `RunEnd::Quota`).
    pub quota_fallback: Option<Arc<Providers>>,
}

/// The NCBI client configuration asks for (also used by `hidden-hill render`, which needs
/// nothing else of the providers).
pub fn ncbi_client(config: &app::backend::config::Config) -> paper::ncbi::NcbiClient {
    let n = &config.ncbi;
    let mut ncbi = paper::ncbi::NcbiConfig::default();
    if let Some(url) = &n.eutils_url {
        ncbi.eutils_base = url.clone();
    }
    if let Some(url) = &n.idconv_url {
        ncbi.idconv_base = url.clone();
    }
    if let Some(url) = &n.oa_url {
        ncbi.oa_base = url.clone();
    }
    if let Some(url) = &n.cloud_url {
        ncbi.s3_base = url.clone();
    }
    ncbi.api_key = n.api_key.clone();
    ncbi.email = n.email.clone();
    paper::ncbi::NcbiClient::new(ncbi)
}

impl Providers {
    /// The providers configuration asks for, every paid call counted (and kept within its daily
    /// budget) by `meter`; `Meter::default()` counts nothing (`hidden-hill render`).
    pub fn from_config(config: &app::backend::config::Config, meter: Meter) -> Providers {
        let gemini = config.gemini.as_ref().map(|g| {
            let mut c = GeminiConfig::new(g.api_key.clone());
            if let Some(url) = &g.url {
                c.base_url = url.clone();
            }
            if let Some(model) = &g.model {
                c.script_model = model.clone();
            }
            if let Some(model) = &g.voice_model {
                c.tts_model = model.clone();
            }
            if let Some(voice) = &g.voice {
                c.tts_voice = voice.clone();
            }
            Gemini::new(c).metered(meter.clone())
        });
        let runway = config.runway.as_ref().map(|r| {
            let mut c = RunwayConfig::new(r.api_key.clone());
            if let Some(url) = &r.url {
                c.base_url = url.clone();
            }
            if let Some(model) = &r.model {
                c.model = model.clone();
            }
            Runway::new(c).metered(meter.clone())
        });
        Providers {
            ncbi: ncbi_client(config),
            // Any OpenAI-compatible server first, then Gemini, else the offline writer.
            writer: match (&config.llm, &gemini) {
                (Some(llm), _) => ScriptWriter::Llm(
                    OpenAi::new(OpenAiConfig {
                        api_key: llm.api_key.clone(),
                        ..OpenAiConfig::new(llm.url.clone(), llm.model.clone(), None)
                    })
                    .metered(meter.clone()),
                ),
                (None, Some(gemini)) => ScriptWriter::Gemini(gemini.clone()),
                (None, None) => ScriptWriter::Offline,
            },
            narrator: gemini.map_or_else(|| Narrator::Offline(Voice::offline()), Narrator::Gemini),
            renderer: runway.map_or(SceneRenderer::Offline, SceneRenderer::Runway),
            parallel_scenes: parallelism(),
            quota_fallback: (config.quotas.fallback == QuotaFallback::Offline)
                .then(|| Arc::new(Providers { parallel_scenes: parallelism(), ..Providers::offline(config) })),
        }
    }

    /// The offline providers whatever the configuration says about online ones (the extractive
    /// writer, the local voice, ffmpeg), one scene at a time: for the landing page's sample
    /// video, which must cost nothing and leave the machine to real jobs.
    pub fn offline(config: &app::backend::config::Config) -> Providers {
        Providers {
            ncbi: ncbi_client(config),
            writer: ScriptWriter::Offline,
            narrator: Narrator::Offline(Voice::offline()),
            renderer: SceneRenderer::Offline,
            parallel_scenes: 1,
            quota_fallback: None,
        }
    }
}

fn parallelism() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The pipeline, in order, with the providers configuration chose.
pub fn production(providers: Providers) -> Vec<Arc<dyn PipelineStep>> {
    let providers = Arc::new(providers);
    Step::ALL
        .into_iter()
        .map(|step| Arc::new(Production { step, providers: providers.clone() }) as Arc<dyn PipelineStep>)
        .collect()
}

struct Production {
    step: Step,
    providers: Arc<Providers>,
}

impl PipelineStep for Production {
    fn step(&self) -> Step {
        self.step
    }

    fn provider(&self) -> &str {
        let p = &*self.providers;
        match self.step {
            Step::FetchPaper => "reader",
            Step::GenerateScript => p.writer.name(),
            Step::GenerateAudio => p.narrator.name(),
            Step::GenerateVideos => p.renderer.name(),
            Step::AddCaptions => "ffmpeg",
        }
    }

    fn is_done<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>> {
        let p = &*self.providers;
        async move {
            let files = Files::of(ctx);
            match self.step {
                Step::FetchPaper => files.exists(artifact::PAPER).await,
                // A script someone edited is theirs: it is never written over.
                Step::GenerateScript => files.exists(artifact::SCRIPT).await,
                Step::GenerateAudio => {
                    let Some(script) = files.get_json_if_exists::<Script>(artifact::SCRIPT).await? else {
                        return Ok(false);
                    };
                    let made = files.record::<Timings>(artifact::TIMINGS).await?;
                    let expected = voice_inputs(&script, &narrator_for(&script, p)?).1;
                    Ok(made.is_some_and(|t| t.input == expected))
                }
                Step::GenerateVideos => {
                    let Some(inputs) = clip_inputs_of(&files, p).await? else { return Ok(false) };
                    let made = files.record::<ClipIndex>(artifact::CLIPS).await?;
                    Ok(made.is_some_and(|index| index.input == inputs.1))
                }
                Step::AddCaptions => {
                    if !files.exists(artifact::VIDEO).await? {
                        return Ok(false);
                    }
                    let script = files.get_json_if_exists::<Script>(artifact::SCRIPT).await?;
                    let timings = files.record::<Timings>(artifact::TIMINGS).await?;
                    let clips = files.record::<ClipIndex>(artifact::CLIPS).await?;
                    let (Some(script), Some(timings), Some(clips)) = (script, timings, clips) else {
                        return Ok(false);
                    };
                    let expected = final_input(&script, &timings, &clips);
                    let made = files.record::<VideoRecord>(artifact::VIDEO_RECORD).await?;
                    Ok(made.is_some_and(|r| r.input == expected))
                }
            }
        }
        .boxed()
    }

    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>> {
        async move {
            match self.run_with(ctx, &self.providers).await {
                Err(StepError::Failed(f)) if f.kind.is_quota() => {
                    let Some(offline) = &self.providers.quota_fallback else { return Err(StepError::Failed(f)) };
                    tracing::info!(job = %ctx.job_id, step = self.step.as_str(), kind = %f.kind, "provider quota spent; the offline provider does the step");
                    ctx.progress(0.0, &format!("{} The offline provider does this step instead.", f.message)).await?;
                    self.run_with(ctx, offline).await
                }
                other => other,
            }
        }
        .boxed()
    }
}

impl Production {
    fn run_with<'a>(&'a self, ctx: &'a StepContext, p: &'a Providers) -> BoxFuture<'a, Result<(), StepError>> {
        match self.step {
            Step::FetchPaper => fetch_paper(ctx, p).boxed(),
            Step::GenerateScript => generate_script(ctx, p).boxed(),
            Step::GenerateAudio => generate_audio(ctx, p).boxed(),
            Step::GenerateVideos => generate_videos(ctx, p).boxed(),
            Step::AddCaptions => add_captions(ctx, p).boxed(),
        }
    }
}

/// Reads the paper, then stores its figures and `paper.json` (the marker, last). Nothing is
/// stored before the read and the quality gate have accepted the paper, and a failure while
/// storing (or a cancellation) removes the figures already stored: a failed read leaves the
/// job's folder as it found it (the upload, which a retry reads again). The reader's own
/// temporary files are gone when it returns, whatever it returns.
async fn fetch_paper(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let paper = match read_and_store(ctx, p, &files).await {
        Ok(paper) => paper,
        // Interrupted: the lease may be another run's now, and so are the files.
        Err(e @ StepError::Interrupted) => return Err(e),
        Err(e) => {
            if let Err(cleanup) = files.delete_folder(artifact::FIGURES).await {
                tracing::warn!(job = %ctx.job_id, error = ?cleanup, "the figures of a failed read could not be removed");
            }
            return Err(e);
        }
    };
    // A scan read by OCR may hold misread words: the person should know where the text came from.
    let how = if paper.read_by_ocr { " by OCR (text recognition) from the scanned pages" } else { "" };
    ctx.progress(1.0, &format!("Read “{}”{how}", short(&paper.title, 80))).await
}

/// The read itself: the paper from its source, its figures stored under
/// [`artifact::FIGURES`], then the job's title and `paper.json`.
async fn read_and_store(ctx: &StepContext, p: &Providers, files: &Files<'_>) -> Result<Paper, StepError> {
    let extracted = match &ctx.source {
        PaperSource::Upload { key, .. } => {
            ctx.progress(0.1, "Reading the uploaded file").await?;
            let upload_missing = || StepError::pipeline(PipelineErrorKind::UploadMissing, UPLOAD_MISSING);
            let key = Key::parse(key).map_err(|_| upload_missing())?;
            let bytes = ctx.media.get_bytes(&key).await.map_err(|e| match e {
                StoreError::NotFound(_) | StoreError::BadKey(_) => upload_missing(),
                e => e.into(),
            })?;
            tokio::task::spawn_blocking(move || paper::read(&bytes))
                .await
                .map_err(|_| StepError::pipeline(PipelineErrorKind::UnreadableFile, "The file could not be read."))??
        }
        PaperSource::Pmcid { id } | PaperSource::Pmid { id } | PaperSource::Doi { id } => {
            let kind = match &ctx.source {
                PaperSource::Pmcid { .. } => IdKind::Pmcid,
                PaperSource::Pmid { .. } => IdKind::Pmid,
                _ => IdKind::Doi,
            };
            ctx.progress(0.1, &format!("Asking PubMed Central for {}", ctx.source.label())).await?;
            p.ncbi.fetch(kind, id).await?
        }
    };
    let paper = extracted.paper;
    let figures = extracted.figure_files.len();
    for (i, figure) in extracted.figure_files.iter().enumerate() {
        ctx.progress(0.5 + 0.4 * i as f64 / figures.max(1) as f64, &format!("Saving figure {} of {figures}", i + 1))
            .await?;
        // Only under the figures folder, which a failure removes whole.
        if !figure.name.starts_with(&format!("{}/", artifact::FIGURES)) {
            return Err(StepError::pipeline(
                PipelineErrorKind::Internal,
                format!("The reader named a figure outside the figures folder: {}", figure.name),
            ));
        }
        files.put_bytes(&figure.name, &figure.bytes).await?;
    }
    ctx.set_title(&paper.title).await?;
    files.put_json(artifact::PAPER, &paper).await?;
    Ok(paper)
}

const UPLOAD_MISSING: &str = "The uploaded file is no longer stored. Submit the file again.";

async fn generate_script(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let paper: Paper = files.get_json(artifact::PAPER).await?;
    ctx.progress(0.2, &format!("Choosing the paper's key sentences ({})", p.writer.name())).await?;
    // The script in the paper's language, or in a translation the configured voice speaks.
    let options = ScriptOptions {
        voice_languages: vec![p.narrator.language().to_owned()],
        length: ScriptLength::from_seconds(ctx.options.length_seconds),
    };
    let mut script = p.writer.write_with(&paper, &options).await?;
    // The person's choices travel in script.json, so an edit there (or in the studio) remakes
    // exactly what they touch.
    script.style = video::Style::parse(ctx.options.style.id()).unwrap_or_default();
    script.pace = video::voice::Pace::parse(ctx.options.pace.id()).unwrap_or_default();
    let invented = video::script::numbers_not_in_paper(&script, &paper);
    if !invented.is_empty() {
        // A guard, not an expected path: the writers only copy numbers from the paper.
        return Err(video::VideoError::permanent(
            VideoErrorKind::UnfaithfulScript,
            format!(
                "The script mentioned numbers that are not in the paper ({}), so it was not used.",
                invented.join(", ")
            ),
        )
        .into());
    }
    files.put_json(artifact::SCRIPT, &script).await?;
    ctx.progress(1.0, &format!("{} scenes written", script.scenes.len())).await
}

/// A scene's recorded voice, with the fingerprint of what was spoken and by whom.
#[derive(Serialize, Deserialize)]
struct VoicedScene {
    #[serde(default)]
    input: String,
    #[serde(flatten)]
    audio: SceneAudio,
}

/// `audio/timings.json`, written after the last scene's voice: every scene's word timings.
#[derive(Serialize, Deserialize)]
struct Timings {
    input: String,
    scenes: Vec<SceneAudio>,
    /// Who spoke: the configured voice, or the offline one that stood in for it (a spent
    /// budget with `HH_QUOTA_FALLBACK=offline`). Empty in records made before it was kept.
    #[serde(default)]
    narrator: String,
}

/// The voice that speaks `script`: the configured one, switched to a voice of the script's
/// language when it does not speak it.
fn narrator_for(script: &Script, p: &Providers) -> Result<Narrator, StepError> {
    Ok(p.narrator.for_language(&script.language)?)
}

/// Each scene's voice input (narrator and narration) and the fingerprint of all of them.
fn voice_inputs(script: &Script, narrator: &Narrator) -> (Vec<String>, String) {
    let pace = script.pace.id().as_bytes();
    let scenes: Vec<String> = script
        .scenes
        .iter()
        .map(|s| fingerprint(&[narrator.name().as_bytes(), pace, s.narration.as_bytes()]))
        .collect();
    let all = fingerprint(&scenes.iter().map(|s| s.as_bytes()).collect::<Vec<_>>());
    (scenes, all)
}

async fn generate_audio(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let narrator = narrator_for(&script, p)?;
    let (inputs, all) = voice_inputs(&script, &narrator);
    let scratch = Scratch::new(ctx)?;
    let total = script.scenes.len();
    // Scene 1 first: once its voice exists its clip is drawn (and its preview stored) while the
    // other scenes are recorded, so the first scene can be watched seconds after the script.
    let (first_voiced, first_audio) = tokio::sync::oneshot::channel::<SceneAudio>();
    let recorded = std::sync::atomic::AtomicUsize::new(0);
    let record = async {
        let mut first_voiced = Some(first_voiced);
        let mut voice = narrator.session();
        let mut timings = Vec::with_capacity(total);
        for (i, scene) in script.scenes.iter().enumerate() {
            let timing_name = artifact::scene_timing(i);
            let kept = match files.record::<VoicedScene>(&timing_name).await? {
                Some(voiced) if voiced.input == inputs[i] && files.exists(&artifact::scene_audio(i)).await? => {
                    Some(voiced.audio)
                }
                _ => None,
            };
            let audio = match kept {
                Some(audio) => audio,
                None => {
                    // Only scenes whose words changed are recorded (and said so): a remade scene is one.
                    ctx.progress(i as f64 / total as f64, &format!("Recording scene {} of {total}", i + 1)).await?;
                    let wav = scratch.path(&format!("scene-{:02}.wav", i + 1));
                    let audio = voice.speak_at(&scene.narration, script.pace, &wav).await?;
                    files.put_file(&artifact::scene_audio(i), &wav).await?;
                    files
                        .put_json(&timing_name, &VoicedScene { input: inputs[i].clone(), audio: audio.clone() })
                        .await?;
                    audio
                }
            };
            recorded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if let Some(first) = first_voiced.take() {
                let _ = first.send(audio.clone());
            }
            timings.push(audio);
        }
        Ok::<_, StepError>(timings)
    };
    let first_clip = async {
        let Ok(audio) = first_audio.await else { return Ok(()) };
        let fraction = || recorded.load(std::sync::atomic::Ordering::Relaxed) as f64 / total as f64;
        match draw_first_scene(ctx, p, &files, &scratch, (&script, &audio), fraction).await {
            // A courtesy: generate-videos draws it again when it could not be drawn here.
            Err(StepError::Failed(f)) => {
                tracing::warn!(job = %ctx.job_id, kind = %f.kind, message = %f.message, "first scene not drawn early");
                Ok(())
            }
            other => other,
        }
    };
    // A failed or stopped recording stops the drawing too (its ffmpeg is killed on drop).
    let (timings, ()) = tokio::try_join!(record, first_clip)?;
    let seconds = timings.iter().map(|t| t.duration_ms).sum::<u64>() as f64 / 1000.0;
    files
        .put_json(artifact::TIMINGS, &Timings { input: all, scenes: timings, narrator: narrator.name().to_owned() })
        .await?;
    let note =
        narrator.voice_note().map(|n| format!(" ({n}: no natural voice speaks this language yet)")).unwrap_or_default();
    ctx.progress(1.0, &format!("{seconds:.0} s of narration recorded with {}{note}", narrator.name())).await
}

/// Draws scene 1's clip during generate-audio, as soon as its voice is recorded, and keeps it
/// like generate-videos does (which then skips it); reported at `fraction()` of the step.
async fn draw_first_scene(
    ctx: &StepContext,
    p: &Providers,
    files: &Files<'_>,
    scratch: &Scratch,
    (script, audio): (&Script, &SceneAudio),
    fraction: impl Fn() -> f64,
) -> Result<(), StepError> {
    let input = clip_input(script, 0, audio, p);
    if scene_is_drawn(files, 0, &input).await? {
        return Ok(());
    }
    let paper_dir = fetch_figures(files, scratch, script, &[0]).await?;
    let clip = scratch.path("scene-01.mp4");
    let info = renderer_for(script, 0, p).render_scene(script, 0, audio, &paper_dir, &clip).await?;
    let drawn = DrawnScene { index: 0, clip, info, input };
    drawn
        .keep(ctx, files, scratch, || (fraction(), "Scene 1 drawn: watch it while the others are recorded".into()))
        .await
}

/// Who draws scene `index`: title and credits are typography, drawn by ffmpeg, never paid for.
fn renderer_for<'a>(script: &Script, index: usize, p: &'a Providers) -> &'a SceneRenderer {
    match script.scenes[index].kind {
        SceneKind::Title | SceneKind::Credits => &SceneRenderer::Offline,
        _ => &p.renderer,
    }
}

/// Each scene's clip input (renderer, the scene, what the title and credits cards show, its
/// voice) and the fingerprint of all of them; `None` before the script and voices exist.
async fn clip_inputs_of(files: &Files<'_>, p: &Providers) -> Result<Option<(Vec<String>, String)>, StepError> {
    let Some(script) = files.get_json_if_exists::<Script>(artifact::SCRIPT).await? else { return Ok(None) };
    let Some(timings) = files.record::<Timings>(artifact::TIMINGS).await? else {
        return Ok(None);
    };
    Ok(Some(clip_inputs(&script, &timings, p)))
}

fn clip_inputs(script: &Script, timings: &Timings, p: &Providers) -> (Vec<String>, String) {
    let scenes: Vec<String> = (0..script.scenes.len())
        .map(|i| match timings.scenes.get(i) {
            Some(audio) => clip_input(script, i, audio, p),
            None => fingerprint(&[b"no voice", i.to_string().as_bytes()]),
        })
        .collect();
    let all = fingerprint(&scenes.iter().map(|s| s.as_bytes()).collect::<Vec<_>>());
    (scenes, all)
}

/// The fingerprint of scene `i`'s clip input: renderer, what every scene's card draws besides
/// the scene itself (title card, credits, style), the scene and its voice's timing.
fn clip_input(script: &Script, i: usize, audio: &SceneAudio, p: &Providers) -> String {
    let shared = serde_json::to_vec(&(&script.title, &script.hook, &script.credits, script.scenes.len(), script.style))
        .unwrap_or_default();
    let scene = serde_json::to_vec(&script.scenes[i]).unwrap_or_default();
    let audio = serde_json::to_vec(audio).unwrap_or_default();
    let index = i.to_string();
    fingerprint(&[renderer_for(script, i, p).name().as_bytes(), &shared, index.as_bytes(), &scene, &audio])
}

/// Whether scene `i`'s clip is stored and was drawn from `input` (its record is written after
/// the clip, so a matching record means the scene is done).
async fn scene_is_drawn(files: &Files<'_>, i: usize, input: &str) -> Result<bool, StepError> {
    let record = files.record::<ClipRecord>(&artifact::scene_clip_info(i)).await?;
    Ok(record.is_some_and(|r| r.input == input) && files.exists(&artifact::scene_clip(i)).await?)
}

/// Fetches the figures that `scenes` of the script show into a paper folder in `scratch`, as
/// the renderer expects them, and returns the folder.
async fn fetch_figures(
    files: &Files<'_>,
    scratch: &Scratch,
    script: &Script,
    scenes: &[usize],
) -> Result<PathBuf, StepError> {
    let paper_dir = scratch.path("paper");
    for figure in scenes.iter().filter_map(|&i| script.scenes[i].figure.as_deref()) {
        files.get_to_file(figure, &paper_dir.join(figure)).await?;
    }
    Ok(paper_dir)
}

/// A scene's clip just drawn in the scratch folder.
struct DrawnScene {
    index: usize,
    clip: PathBuf,
    info: video::online::ClipInfo,
    input: String,
}

impl DrawnScene {
    /// Stores the clip and its record, then its preview (clip and voice, to watch while later
    /// scenes render), and reports it with what `report` says then: the fraction of the step
    /// done and the line shown.
    async fn keep(
        self,
        ctx: &StepContext,
        files: &Files<'_>,
        scratch: &Scratch,
        report: impl FnOnce() -> (f64, String),
    ) -> Result<(), StepError> {
        let i = self.index;
        files.put_file(&artifact::scene_clip(i), &self.clip).await?;
        let record =
            ClipRecord { input: self.input, provider: self.info.provider, cost_credits: self.info.cost_credits };
        files.put_json(&artifact::scene_clip_info(i), &record).await?;
        // A preview is a courtesy: one that cannot be made is logged, never the job's failure.
        let previewed = store_preview(files, scratch, i, &self.clip).await;
        let _ = tokio::fs::remove_file(&self.clip).await;
        let (fraction, line) = report();
        let line = line.as_str();
        match previewed {
            Ok(()) => ctx.scene_ready(fraction, line).await,
            Err(StepError::Failed(f)) => {
                tracing::warn!(job = %ctx.job_id, scene = i + 1, kind = %f.kind, message = %f.message, "no preview");
                ctx.progress(fraction, line).await
            }
            Err(e) => Err(e),
        }
    }
}

async fn generate_videos(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let timings: Timings = files.get_json(artifact::TIMINGS).await?;
    if timings.scenes.len() != script.scenes.len() {
        return Err(StepError::pipeline(
            PipelineErrorKind::DamagedArtifact,
            "The recorded voices do not match the script's scenes; retry the job to record them again.",
        ));
    }
    let (inputs, all) = clip_inputs(&script, &timings, p);
    let scratch = Scratch::new(ctx)?;
    let total = script.scenes.len();
    let mut todo = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        if !scene_is_drawn(&files, i, input).await? {
            todo.push(i);
        }
    }
    // The paper's figures that scenes show, beside a paper folder as the renderer expects.
    let paper_dir = fetch_figures(&files, &scratch, &script, &todo).await?;
    let done = std::sync::atomic::AtomicUsize::new(total - todo.len());
    ctx.progress(1.0 - todo.len() as f64 / total as f64, &format!("Drawing {} of {total} scenes", todo.len())).await?;
    let (script, timings, paper_dir, scratch, files, inputs, done) =
        (&script, &timings.scenes, &paper_dir, &scratch, &files, &inputs, &done);
    // Each scene is drawn and then stored within its own turn, so storing one scene never holds
    // up the start of the next drawing.
    let mut renders = futures::stream::iter(todo.into_iter().map(|index| async move {
        let clip = scratch.path(&format!("scene-{:02}.mp4", index + 1));
        let info =
            renderer_for(script, index, p).render_scene(script, index, &timings[index], paper_dir, &clip).await?;
        let drawn = DrawnScene { index, clip, info, input: inputs[index].clone() };
        drawn
            .keep(ctx, files, scratch, || {
                let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                (done as f64 / total as f64, format!("Scene {} drawn ({done} of {total})", index + 1))
            })
            .await
    }))
    .buffer_unordered(p.parallel_scenes.max(1));
    while let Some(result) = renders.next().await {
        result?;
    }
    let mut index = ClipIndex { input: all, ..ClipIndex::default() };
    for i in 0..total {
        let record: ClipRecord = files.get_json(&artifact::scene_clip_info(i)).await?;
        if !index.providers.contains(&record.provider) {
            index.providers.push(record.provider);
        }
        if let Some(cost) = record.cost_credits {
            *index.cost_credits.get_or_insert(0.0) += cost;
        }
    }
    files.put_json(artifact::CLIPS, &index).await
}

/// Stores scene `i`'s preview: its clip (at `clip`) with its recorded voice.
async fn store_preview(
    files: &Files<'_>,
    scratch: &Scratch,
    i: usize,
    clip: &std::path::Path,
) -> Result<(), StepError> {
    let voice = scratch.path(&format!("voice-{:02}.wav", i + 1));
    let preview = scratch.path(&format!("preview-{:02}.mp4", i + 1));
    files.get_to_file(&artifact::scene_audio(i), &voice).await?;
    let made = video::assemble::scene_preview(clip, &voice, &preview).await;
    let _ = tokio::fs::remove_file(&voice).await;
    made?;
    let stored = files.put_file(&artifact::scene_preview(i), &preview).await;
    let _ = tokio::fs::remove_file(&preview).await;
    stored
}

/// Who drew one scene, what it cost, and the fingerprint of what it was drawn from.
#[derive(Serialize, Deserialize)]
struct ClipRecord {
    #[serde(default)]
    input: String,
    provider: String,
    cost_credits: Option<f64>,
}

/// `clips/index.json` (written once every scene's clip is stored): who drew them, what they cost.
#[derive(Default, Serialize, Deserialize)]
struct ClipIndex {
    #[serde(default)]
    input: String,
    providers: Vec<String>,
    cost_credits: Option<f64>,
}

/// `final.json`, written after `final.mp4`: the fingerprint of what the video was made from.
#[derive(Serialize, Deserialize)]
struct VideoRecord {
    input: String,
}

/// The fingerprint of the final assembly's inputs: the script (captions, credits, post text) and
/// every scene's voice and clip.
fn final_input(script: &Script, timings: &Timings, clips: &ClipIndex) -> String {
    let script = serde_json::to_vec(script).unwrap_or_default();
    fingerprint(&[&script, timings.input.as_bytes(), clips.input.as_bytes()])
}

async fn add_captions(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let timings: Timings = files.get_json(artifact::TIMINGS).await?;
    let clip_index: ClipIndex = files.get_json(artifact::CLIPS).await?;
    let input = final_input(&script, &timings, &clip_index);
    let scratch = Scratch::new(ctx)?;
    let total = script.scenes.len();
    let (mut wavs, mut clips) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for i in 0..total {
        let (wav, clip) = (scratch.path(&artifact::scene_audio(i)), scratch.path(&artifact::scene_clip(i)));
        files.get_to_file(&artifact::scene_audio(i), &wav).await?;
        files.get_to_file(&artifact::scene_clip(i), &clip).await?;
        wavs.push(wav);
        clips.push(clip);
    }
    ctx.progress(0.2, "Joining the scenes and bringing the sound to −14 LUFS").await?;
    let out = scratch.path("out");
    tokio::fs::create_dir_all(&out).await.map_err(scratch_error)?;
    let finished = video::finish(&script, &timings.scenes, &wavs, &clips, &out).await?;
    ctx.progress(0.9, "Saving the video").await?;
    for name in [artifact::VTT, artifact::SRT, artifact::THUMBNAIL] {
        files.put_file(name, &out.join(name)).await?;
    }
    ctx.set_video(&VideoInfo {
        duration_ms: finished.duration_ms as i64,
        scenes: total as i64,
        providers: format!(
            "{} script{}, {} voice{}, {} visuals",
            script.provider,
            script
                .usage
                .as_ref()
                .map(|u| format!(" ({} tokens)", u.prompt_tokens + u.completion_tokens))
                .unwrap_or_default(),
            match timings.narrator.as_str() {
                "" => narrator_for(&script, p)?.name().to_owned(),
                spoke => spoke.to_owned(),
            },
            script.voice_note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default(),
            clip_index.providers.join(" + ")
        ),
        cost_credits: clip_index.cost_credits.map(|c| c.ceil() as i64),
    })
    .await?;
    // Last: its presence is what "the video exists" means; its record says what it was made from.
    files.put_file(artifact::VIDEO, &out.join(artifact::VIDEO)).await?;
    files.put_json(artifact::VIDEO_RECORD, &VideoRecord { input }).await?;
    // The final video replaces the scenes' previews.
    files.delete_folder(artifact::PREVIEWS).await?;
    ctx.progress(1.0, &format!("{:.0} s video ready", finished.duration_ms as f64 / 1000.0)).await
}

/// SHA-256 (hex) of length-prefixed parts, so ("ab", "c") and ("a", "bc") differ.
fn fingerprint(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update((part.len() as u64).to_le_bytes());
        hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The job's files in the object store.
struct Files<'a> {
    ctx: &'a StepContext,
}

impl<'a> Files<'a> {
    fn of(ctx: &'a StepContext) -> Files<'a> {
        Files { ctx }
    }

    fn key(&self, name: &str) -> Result<Key, StepError> {
        Ok(Key::job(&self.ctx.job_id, name)?)
    }

    async fn exists(&self, name: &str) -> Result<bool, StepError> {
        Ok(self.ctx.media.exists(&self.key(name)?).await?)
    }

    async fn put_bytes(&self, name: &str, bytes: &[u8]) -> Result<(), StepError> {
        Ok(self.ctx.media.put_bytes(&self.key(name)?, bytes).await?)
    }

    async fn put_file(&self, name: &str, path: &std::path::Path) -> Result<(), StepError> {
        Ok(self.ctx.media.put_file(&self.key(name)?, path).await?)
    }

    async fn put_json<T: Serialize>(&self, name: &str, value: &T) -> Result<(), StepError> {
        let bytes = serde_json::to_vec_pretty(value)
            .map_err(|e| StepError::pipeline(PipelineErrorKind::Internal, e.to_string()))?;
        self.put_bytes(name, &bytes).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, StepError> {
        let bytes = self.ctx.media.get_bytes(&self.key(name)?).await?;
        serde_json::from_slice(&bytes).map_err(|e| {
            StepError::pipeline(
                PipelineErrorKind::DamagedArtifact,
                format!("{name} could not be read ({e}); fix it or retry the job."),
            )
        })
    }

    /// `None` when the file does not exist; an error when the store fails or it cannot be parsed.
    async fn get_json_if_exists<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StepError> {
        match self.get_json(name).await {
            Ok(value) => Ok(Some(value)),
            Err(StepError::Failed(f)) if f.kind == "missing-artifact" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A record a step wrote about its own output: `None` when it is missing, or unreadable
    /// (written by an older version), so that the output is made again.
    async fn record<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StepError> {
        match self.get_json(name).await {
            Ok(value) => Ok(Some(value)),
            Err(StepError::Failed(f)) if f.kind == "missing-artifact" || f.kind == "damaged-artifact" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes every object under the job's `folder`; Ok when there was none.
    async fn delete_folder(&self, folder: &str) -> Result<(), StepError> {
        Ok(self.ctx.media.delete_prefix(&Key::job_folder(&self.ctx.job_id, folder)?).await?)
    }

    async fn get_to_file(&self, name: &str, path: &std::path::Path) -> Result<(), StepError> {
        Ok(self.ctx.media.get_to_file(&self.key(name)?, path).await?)
    }
}

/// A scratch folder for one step of one job, inside the run's folder, removed when the step
/// ends however it ends.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(ctx: &StepContext) -> Result<Scratch, StepError> {
        std::fs::create_dir_all(&ctx.scratch).map_err(scratch_error)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", ctx.step().as_str()))
            .tempdir_in(&ctx.scratch)
            .map_err(scratch_error)?;
        Ok(Scratch { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn scratch_error(e: std::io::Error) -> StepError {
    match paper::failure::DiskProblem::of_io(&e) {
        Some(problem) => StepError::disk(problem, &format!("scratch folder: {e}")),
        None => StepError::pipeline(
            PipelineErrorKind::ScratchUnavailable,
            format!("The worker could not use its scratch folder: {e}"),
        ),
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
