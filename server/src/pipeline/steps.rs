//! The five production steps. Each reads its inputs from the object store, runs its provider in
//! a scratch folder of this worker, and writes its outputs back under `jobs/{job_id}/…`. The
//! artifact that marks a step done is written last, so its presence means the whole step finished
//! and a resumed job skips it; inside long steps each scene is its own checkpoint.

use super::{PipelineStep, StepContext, StepError};
use app::{
    jobs::{artifact, PaperSource, Step, VideoInfo},
    storage::{Key, StoreError},
};
use futures::{future::BoxFuture, FutureExt, StreamExt};
use paper::{ncbi::IdKind, Paper, ReadError};
use std::{path::PathBuf, sync::Arc};
use video::{
    online::{Gemini, GeminiConfig, Runway, RunwayConfig},
    providers::{Narrator, SceneRenderer, ScriptWriter},
    script::{SceneKind, Script},
    voice::{SceneAudio, Voice},
    VideoError,
};

/// What the steps share: the providers chosen by configuration, and where scratch work happens.
pub struct Providers {
    pub ncbi: paper::ncbi::NcbiClient,
    pub writer: ScriptWriter,
    pub narrator: Narrator,
    pub renderer: SceneRenderer,
    /// Scratch folders of this worker (`{data_dir}/scratch`); nothing another process needs.
    pub scratch: PathBuf,
    /// Scenes rendered at once.
    pub parallel_scenes: usize,
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
    pub fn from_config(config: &app::backend::config::Config) -> Providers {
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
            Gemini::new(c)
        });
        let runway = config.runway.as_ref().map(|r| {
            let mut c = RunwayConfig::new(r.api_key.clone());
            if let Some(url) = &r.url {
                c.base_url = url.clone();
            }
            if let Some(model) = &r.model {
                c.model = model.clone();
            }
            Runway::new(c)
        });
        Providers {
            ncbi: ncbi_client(config),
            writer: gemini.clone().map_or(ScriptWriter::Offline, ScriptWriter::Gemini),
            narrator: gemini.map_or_else(|| Narrator::Offline(Voice::offline()), Narrator::Gemini),
            renderer: runway.map_or(SceneRenderer::Offline, SceneRenderer::Runway),
            scratch: config.data_dir.join("scratch"),
            parallel_scenes: std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
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

    fn is_done<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<bool, StepError>> {
        let marker = match self.step {
            Step::FetchPaper => artifact::PAPER,
            Step::GenerateScript => artifact::SCRIPT,
            Step::GenerateAudio => artifact::TIMINGS,
            Step::GenerateVideos => artifact::CLIPS,
            Step::AddCaptions => artifact::VIDEO,
        };
        async move { Files::of(ctx).exists(marker).await }.boxed()
    }

    fn run<'a>(&'a self, ctx: &'a StepContext) -> BoxFuture<'a, Result<(), StepError>> {
        let p = &*self.providers;
        match self.step {
            Step::FetchPaper => fetch_paper(ctx, p).boxed(),
            Step::GenerateScript => generate_script(ctx, p).boxed(),
            Step::GenerateAudio => generate_audio(ctx, p).boxed(),
            Step::GenerateVideos => generate_videos(ctx, p).boxed(),
            Step::AddCaptions => add_captions(ctx, p).boxed(),
        }
    }
}

async fn fetch_paper(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let read = match &ctx.job.source {
        PaperSource::Upload { key, .. } => {
            ctx.progress(0.1, "Reading the uploaded file").await?;
            let key = Key::parse(key).map_err(|_| StepError::permanent("upload-missing", UPLOAD_MISSING))?;
            let bytes = ctx.state.media.get_bytes(&key).await.map_err(|e| match e {
                StoreError::NotFound(_) | StoreError::BadKey(_) => {
                    StepError::permanent("upload-missing", UPLOAD_MISSING)
                }
                e => storage_error(e),
            })?;
            tokio::task::spawn_blocking(move || paper::read(&bytes))
                .await
                .map_err(|_| StepError::permanent("unreadable-file", "The file could not be read."))?
        }
        PaperSource::Pmcid { id } | PaperSource::Pmid { id } | PaperSource::Doi { id } => {
            let kind = match &ctx.job.source {
                PaperSource::Pmcid { .. } => IdKind::Pmcid,
                PaperSource::Pmid { .. } => IdKind::Pmid,
                _ => IdKind::Doi,
            };
            ctx.progress(0.1, &format!("Asking PubMed Central for {}", ctx.job.source.label())).await?;
            p.ncbi.fetch(kind, id).await
        }
    };
    let extracted = read.map_err(read_error)?;
    let paper = extracted.paper;
    let figures = extracted.figure_files.len();
    for (i, figure) in extracted.figure_files.iter().enumerate() {
        ctx.progress(0.5 + 0.4 * i as f64 / figures.max(1) as f64, &format!("Saving figure {} of {figures}", i + 1))
            .await?;
        files.put_bytes(&figure.name, &figure.bytes).await?;
    }
    ctx.set_title(&paper.title).await?;
    files.put_json(artifact::PAPER, &paper).await?;
    ctx.progress(1.0, &format!("Read “{}”", short(&paper.title, 80))).await
}

const UPLOAD_MISSING: &str = "The uploaded file is no longer stored. Submit the file again.";

async fn generate_script(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let paper: Paper = files.get_json(artifact::PAPER).await?;
    ctx.progress(0.2, &format!("Choosing the paper's key sentences ({})", p.writer.name())).await?;
    let script = p.writer.write(&paper).await.map_err(video_error)?;
    let invented = video::script::numbers_not_in_paper(&script, &paper);
    if !invented.is_empty() {
        // A guard, not an expected path: the writer only copies numbers from the paper.
        return Err(StepError::permanent(
            "unfaithful-script",
            format!(
                "The script mentioned numbers that are not in the paper ({}), so it was not used.",
                invented.join(", ")
            ),
        ));
    }
    files.put_json(artifact::SCRIPT, &script).await?;
    ctx.progress(1.0, &format!("{} scenes written", script.scenes.len())).await
}

async fn generate_audio(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let scratch = Scratch::new(p, ctx)?;
    let total = script.scenes.len();
    let mut timings = Vec::with_capacity(total);
    for (i, scene) in script.scenes.iter().enumerate() {
        ctx.progress(i as f64 / total as f64, &format!("Recording scene {} of {total}", i + 1)).await?;
        let timing_name = artifact::scene_timing(i);
        if files.exists(&timing_name).await? {
            timings.push(files.get_json::<SceneAudio>(&timing_name).await?);
            continue;
        }
        let wav = scratch.path(&format!("scene-{:02}.wav", i + 1));
        let audio = p.narrator.speak(&scene.narration, &wav).await.map_err(video_error)?;
        files.put_file(&artifact::scene_audio(i), &wav).await?;
        files.put_json(&timing_name, &audio).await?;
        timings.push(audio);
    }
    files.put_json(artifact::TIMINGS, &timings).await?;
    let seconds = timings.iter().map(|t| t.duration_ms).sum::<u64>() as f64 / 1000.0;
    ctx.progress(1.0, &format!("{seconds:.0} s of narration recorded with {}", p.narrator.name())).await
}

async fn generate_videos(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let timings: Vec<SceneAudio> = files.get_json(artifact::TIMINGS).await?;
    let scratch = Scratch::new(p, ctx)?;
    // The paper's figures that scenes show, beside a paper folder as the renderer expects.
    let paper_dir = scratch.path("paper");
    for figure in script.scenes.iter().filter_map(|s| s.figure.as_deref()) {
        files.get_to_file(figure, &paper_dir.join(figure)).await?;
    }
    let total = script.scenes.len();
    let mut todo = Vec::new();
    for i in 0..total {
        // The record is written after the clip: both present means the scene is done.
        if !files.exists(&artifact::scene_clip_info(i)).await? || !files.exists(&artifact::scene_clip(i)).await? {
            todo.push(i);
        }
    }
    let mut done = total - todo.len();
    ctx.progress(done as f64 / total as f64, &format!("Drawing {total} scenes")).await?;
    let (script_ref, timings_ref, paper_ref, scratch_ref) = (&script, &timings, &paper_dir, &scratch);
    let mut renders = futures::stream::iter(todo.into_iter().map(|i| async move {
        let out = scratch_ref.path(&format!("scene-{:02}.mp4", i + 1));
        // Title and credits are typography: drawn here, never paid for.
        let renderer = match script_ref.scenes[i].kind {
            SceneKind::Title | SceneKind::Credits => &SceneRenderer::Offline,
            _ => &p.renderer,
        };
        renderer.render_scene(script_ref, i, &timings_ref[i], paper_ref, &out).await.map(|info| (i, out, info))
    }))
    .buffer_unordered(p.parallel_scenes.max(1));
    while let Some(result) = renders.next().await {
        let (i, clip, info) = result.map_err(video_error)?;
        files.put_file(&artifact::scene_clip(i), &clip).await?;
        files
            .put_json(
                &artifact::scene_clip_info(i),
                &ClipRecord { provider: info.provider, cost_credits: info.cost_credits },
            )
            .await?;
        let _ = tokio::fs::remove_file(&clip).await;
        done += 1;
        ctx.progress(done as f64 / total as f64, &format!("Scene {done} of {total} drawn")).await?;
    }
    let mut index = ClipIndex::default();
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

/// Who drew one scene and what it cost.
#[derive(serde::Serialize, serde::Deserialize)]
struct ClipRecord {
    provider: String,
    cost_credits: Option<f64>,
}

/// `clips/index.json` (written once every scene's clip is stored): who drew them, what they cost.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct ClipIndex {
    providers: Vec<String>,
    cost_credits: Option<f64>,
}

async fn add_captions(ctx: &StepContext, p: &Providers) -> Result<(), StepError> {
    let files = Files::of(ctx);
    let script: Script = files.get_json(artifact::SCRIPT).await?;
    let timings: Vec<SceneAudio> = files.get_json(artifact::TIMINGS).await?;
    let scratch = Scratch::new(p, ctx)?;
    let total = script.scenes.len();
    let (mut wavs, mut clips) = (Vec::with_capacity(total), Vec::with_capacity(total));
    for i in 0..total {
        let (wav, clip) = (scratch.path(&artifact::scene_audio(i)), scratch.path(&artifact::scene_clip(i)));
        files.get_to_file(&artifact::scene_audio(i), &wav).await?;
        files.get_to_file(&artifact::scene_clip(i), &clip).await?;
        wavs.push(wav);
        clips.push(clip);
    }
    ctx.progress(0.2, "Burning in the captions and mixing the sound").await?;
    let out = scratch.path("out");
    tokio::fs::create_dir_all(&out).await.map_err(scratch_error)?;
    let finished = video::captions::finish(&script, &timings, &wavs, &clips, &out).await.map_err(video_error)?;
    ctx.progress(0.9, "Saving the video").await?;
    for name in [artifact::VTT, artifact::SRT, artifact::THUMBNAIL] {
        files.put_file(name, &out.join(name)).await?;
    }
    let clips: ClipIndex = files.get_json(artifact::CLIPS).await?;
    ctx.set_video(&VideoInfo {
        duration_ms: finished.duration_ms as i64,
        scenes: total as i64,
        providers: format!(
            "{} script, {} voice, {} visuals",
            script.provider,
            p.narrator.name(),
            clips.providers.join(" + ")
        ),
        cost_credits: clips.cost_credits.map(|c| c.ceil() as i64),
    })
    .await?;
    // Last: its presence is what "the video exists" means.
    files.put_file(artifact::VIDEO, &out.join(artifact::VIDEO)).await?;
    ctx.progress(1.0, &format!("{:.0} s video ready", finished.duration_ms as f64 / 1000.0)).await
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
        Key::job(&self.ctx.job.id, name).map_err(|e| StepError::permanent("internal", e.to_string()))
    }

    async fn exists(&self, name: &str) -> Result<bool, StepError> {
        self.ctx.state.media.exists(&self.key(name)?).await.map_err(storage_error)
    }

    async fn put_bytes(&self, name: &str, bytes: &[u8]) -> Result<(), StepError> {
        self.ctx.state.media.put_bytes(&self.key(name)?, bytes).await.map_err(storage_error)
    }

    async fn put_file(&self, name: &str, path: &std::path::Path) -> Result<(), StepError> {
        self.ctx.state.media.put_file(&self.key(name)?, path).await.map_err(storage_error)
    }

    async fn put_json<T: serde::Serialize>(&self, name: &str, value: &T) -> Result<(), StepError> {
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| StepError::permanent("internal", e.to_string()))?;
        self.put_bytes(name, &bytes).await
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, name: &str) -> Result<T, StepError> {
        let bytes = self.ctx.state.media.get_bytes(&self.key(name)?).await.map_err(storage_error)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            StepError::permanent("damaged-artifact", format!("{name} could not be read ({e}); retry the job."))
        })
    }

    async fn get_to_file(&self, name: &str, path: &std::path::Path) -> Result<(), StepError> {
        self.ctx.state.media.get_to_file(&self.key(name)?, path).await.map_err(storage_error)
    }
}

/// A scratch folder for one step of one job, removed when the step ends however it ends.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(p: &Providers, ctx: &StepContext) -> Result<Scratch, StepError> {
        std::fs::create_dir_all(&p.scratch).map_err(scratch_error)?;
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-{}-", ctx.job.id, ctx.step().as_str()))
            .tempdir_in(&p.scratch)
            .map_err(scratch_error)?;
        Ok(Scratch { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn storage_error(e: StoreError) -> StepError {
    match e {
        StoreError::NotFound(key) => StepError::permanent(
            "missing-artifact",
            format!(
                "A file this step needs ({}) is missing; retry the job to make it again.",
                key.rsplit('/').next().unwrap_or("?")
            ),
        ),
        e => {
            tracing::warn!(error = %e, "object store");
            StepError::transient(super::STORE_UNAVAILABLE, "The file store did not answer.")
        }
    }
}

fn scratch_error(e: std::io::Error) -> StepError {
    StepError::transient("scratch-unavailable", format!("The worker could not use its scratch folder: {e}"))
}

fn read_error(e: ReadError) -> StepError {
    provider_error(e.transient, e.kind, e.message, e.retry_after_ms)
}

fn video_error(e: VideoError) -> StepError {
    provider_error(e.transient, e.kind, e.message, e.retry_after_ms)
}

/// A provider's failure as the runner sees it, keeping the wait the other side asked for.
fn provider_error(transient: bool, kind: &str, message: String, retry_after_ms: Option<u64>) -> StepError {
    if transient {
        StepError::Transient {
            kind: kind.into(),
            message,
            retry_after: retry_after_ms.map(std::time::Duration::from_millis),
        }
    } else {
        StepError::permanent(kind, message)
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(max - 1).collect::<String>())
    }
}
