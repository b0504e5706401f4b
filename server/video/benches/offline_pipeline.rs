//! Wall time of each offline pipeline step for the ~60 s fixture video, and the ratio to a bare
//! ffmpeg H.264 encode of the same frames on the same machine. Prints a Markdown table.
//! Run: `cargo bench -p video --bench offline_pipeline`.

use std::path::Path;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let paper_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pone.0046493");
    let paper: paper::Paper =
        serde_json::from_str(&std::fs::read_to_string(paper_dir.join("paper.json")).unwrap()).unwrap();
    let work = tempfile::tempdir().unwrap();
    let marks = std::sync::Mutex::new(Vec::<(String, Instant)>::new());
    let start = Instant::now();
    let finished = video::render(&paper, &paper_dir, work.path(), &work.path().join("final.mp4"), &|step, frac, _| {
        let mut m = marks.lock().unwrap();
        if frac == 0.0 && m.last().is_none_or(|l| l.0 != step) {
            m.push((step.to_string(), Instant::now()));
        }
    })
    .await
    .expect("render");
    let end = Instant::now();
    let total = end - start;
    let marks = marks.into_inner().unwrap();

    // Bare encode: the same frames, no filters, same codec settings as the final encode.
    let bare_start = Instant::now();
    let status = std::process::Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-i"])
        .arg(work.path().join("final.mp4"))
        .args([
            "-an",
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-preset",
            "veryfast",
            "-crf",
            "21",
            "-pix_fmt",
            "yuv420p",
            "-f",
            "null",
            "-",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let bare = bare_start.elapsed();

    let voice = video::Voice::offline();
    println!(
        "Offline pipeline, fixture pone.0046493: {:.1} s of video, voice {}, {} cores\n",
        finished.duration_ms as f64 / 1000.0,
        voice.name(),
        std::thread::available_parallelism().map_or(1, |c| c.get())
    );
    println!("| step | wall time (s) | × bare encode |");
    println!("|---|---:|---:|");
    for (i, (step, t)) in marks.iter().enumerate() {
        let next = marks.get(i + 1).map_or(end, |n| n.1);
        let d = next - *t;
        println!("| {step} | {:.2} | {:.2} |", d.as_secs_f64(), d.as_secs_f64() / bare.as_secs_f64());
    }
    println!("| **total** | **{:.2}** | **{:.2}** |", total.as_secs_f64(), total.as_secs_f64() / bare.as_secs_f64());
    println!("| bare ffmpeg encode of the same frames | {:.2} | 1.00 |", bare.as_secs_f64());
}
