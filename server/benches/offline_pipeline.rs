//! Wall time of each offline pipeline step for the ~60 s fixture video (the production steps,
//! as `hidden-hill render --work-dir` runs them), and the ratio to a bare ffmpeg H.264 encode
//! of the same frames on the same machine, in the same run. Prints a Markdown table.
//! Run: `cargo bench -p server --bench offline_pipeline`.

use app::{
    backend::config::Config,
    jobs::{EventKind, Step, VideoInfo},
};
use futures::{future::BoxFuture, FutureExt};
use server::pipeline::{Reporter, StepError};
use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Instant,
};

/// Notes when each step started, and when the first scene's preview could be watched.
#[derive(Default)]
struct Marks(Mutex<Vec<(Step, Instant)>>, Mutex<Option<VideoInfo>>, Mutex<Option<Instant>>);

impl Reporter for Marks {
    fn record<'a>(&'a self, kind: EventKind, step: Step, _: i64, _: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        if kind == EventKind::StepStarted {
            self.0.lock().unwrap().push((step, Instant::now()));
        }
        if kind == EventKind::SceneReady {
            self.2.lock().unwrap().get_or_insert_with(Instant::now);
        }
        futures::future::ready(Ok(())).boxed()
    }
    fn set_title<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }
    fn set_video<'a>(&'a self, video: &'a VideoInfo) -> BoxFuture<'a, Result<(), StepError>> {
        *self.1.lock().unwrap() = Some(video.clone());
        futures::future::ready(Ok(())).boxed()
    }
    fn checkpoint(&self) -> BoxFuture<'_, Result<(), StepError>> {
        futures::future::ready(Ok(())).boxed()
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // A work folder seeded with the fixture's paper.json and figures: fetch-paper is done.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("video/tests/fixtures/pone.0046493");
    let work = tempfile::tempdir().unwrap();
    copy_dir(&fixture, work.path());
    let config = Config::from_lookup(|_| None).unwrap();
    let media = server::render::work_folder(work.path()).unwrap();
    let source = server::render::source_of(None, work.path(), &media).await.unwrap();
    let marks = Arc::new(Marks::default());
    let start = Instant::now();
    server::render::run_in_folder(&config, media, source, Default::default(), marks.clone(), std::future::pending())
        .await
        .expect("render");
    let end = Instant::now();
    let total = end - start;
    let steps = marks.0.lock().unwrap().clone();
    let video = marks.1.lock().unwrap().clone().expect("a video");

    // Bare encode: the same frames, no filters, same codec settings as the final encode.
    let bare_start = Instant::now();
    let status = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(work.path().join("final.mp4"))
        .args(["-an", "-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast", "-crf", "21"])
        .args(["-pix_fmt", "yuv420p", "-f", "null", "-"])
        .status()
        .unwrap();
    assert!(status.success());
    let bare = bare_start.elapsed();

    println!(
        "Offline pipeline, fixture pone.0046493: {:.1} s of video ({}), {} cores\n",
        video.duration_ms as f64 / 1000.0,
        video.providers,
        std::thread::available_parallelism().map_or(1, |c| c.get())
    );
    println!("| step | wall time (s) | × bare encode |");
    println!("|---|---:|---:|");
    for (i, (step, t)) in steps.iter().enumerate() {
        let next = steps.get(i + 1).map_or(end, |n| n.1);
        let d = (next - *t).as_secs_f64();
        println!("| {} | {d:.2} | {:.2} |", step.as_str(), d / bare.as_secs_f64());
    }
    println!("| **total** | **{:.2}** | **{:.2}** |", total.as_secs_f64(), total.as_secs_f64() / bare.as_secs_f64());
    println!("| bare ffmpeg encode of the same frames | {:.2} | 1.00 |", bare.as_secs_f64());
    // The script is written when generate-audio starts.
    let script_written = steps.iter().find(|(step, _)| *step == Step::GenerateAudio).map(|s| s.1);
    let first_preview = *marks.2.lock().unwrap();
    if let (Some(written), Some(first)) = (script_written, first_preview) {
        println!(
            "\nFirst scene playable (its preview stored) {:.2} s after the script was written.",
            (first - written).as_secs_f64()
        );
    }
}
