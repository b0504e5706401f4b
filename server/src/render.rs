//! `hidden-hill render`: one video from a paper file or identifier, on the command line, with
//! no database and no web server; the same readers and providers as the workers use.

use app::{backend::config::Config, jobs::PaperSource};
use paper::ncbi::IdKind;
use std::{io::Write, path::Path};

pub async fn run(config: &Config, input: &str, output: &Path) -> anyhow::Result<()> {
    let extracted = read(config, input).await?;
    let paper = extracted.paper;
    eprintln!("Paper: {}", paper.title);
    let work = tempfile::tempdir()?;
    let paper_dir = work.path().join("paper");
    for figure in &extracted.figure_files {
        let path = paper_dir.join(&figure.name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, &figure.bytes)?;
    }
    let progress = |step: &str, fraction: f64, message: &str| {
        let filled = (fraction.clamp(0.0, 1.0) * 24.0).round() as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(24 - filled));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{bar} {step:<16} {message}");
        let _ = err.flush();
    };
    let work_dir = work.path().join("work");
    std::fs::create_dir_all(&work_dir)?;
    let finished = video::render::render(&paper, &paper_dir, &work_dir, output, &progress)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.kind))?;
    eprintln!();
    println!("Wrote {} ({:.1} s).", output.display(), finished.duration_ms as f64 / 1000.0);
    // Captions and thumbnail beside the video: out.mp4 → out.vtt, out.srt, out.jpg.
    for (name, extension) in [("captions.vtt", "vtt"), ("captions.srt", "srt"), ("thumbnail.jpg", "jpg")] {
        let target = output.with_extension(extension);
        std::fs::copy(work_dir.join(name), &target)?;
        println!("Wrote {}.", target.display());
    }
    Ok(())
}

/// A path that exists is a file to read; anything else must be an identifier.
async fn read(config: &Config, input: &str) -> anyhow::Result<paper::Extracted> {
    let path = Path::new(input);
    if path.is_file() {
        let bytes = std::fs::read(path)?;
        return tokio::task::spawn_blocking(move || paper::read(&bytes))
            .await?
            .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.kind));
    }
    let source =
        PaperSource::parse(input).map_err(|e| anyhow::anyhow!("{input:?} is neither a file nor an identifier: {e}"))?;
    let (kind, id) = match &source {
        PaperSource::Pmcid { id } => (IdKind::Pmcid, id),
        PaperSource::Pmid { id } => (IdKind::Pmid, id),
        PaperSource::Doi { id } => (IdKind::Doi, id),
        PaperSource::Upload { .. } => anyhow::bail!("not an identifier"),
    };
    crate::pipeline::steps::ncbi_client(config)
        .fetch(kind, id)
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e.message, e.kind))
}
