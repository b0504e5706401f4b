//! The whole offline pipeline in one directory, for the `hidden-hill render` CLI.

use crate::{finish, render_scene, speak, write_offline, Finished, SceneAudio, Script, VideoError, Voice};
use paper::Paper;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::task::JoinSet;

/// Writes the script, voices and renders every scene (in parallel, up to the number of cores),
/// then finishes the video into `work_dir` and copies final.mp4 to `out_mp4`.
/// `progress(step, fraction, detail)` is called as work advances.
pub async fn render(
    paper: &Paper,
    paper_dir: &Path,
    work_dir: &Path,
    out_mp4: &Path,
    progress: &(dyn Fn(&str, f64, &str) + Send + Sync),
) -> Result<Finished, VideoError> {
    let io = |what: &str, e: std::io::Error| VideoError::io(what, e);
    tokio::fs::create_dir_all(work_dir.join("audio")).await.map_err(|e| io("creating the work directory", e))?;
    tokio::fs::create_dir_all(work_dir.join("clips")).await.map_err(|e| io("creating the work directory", e))?;

    progress("generate-script", 0.0, "reading the paper");
    let script = write_offline(paper)?;
    let json = serde_json::to_vec_pretty(&script).map_err(|e| VideoError::new("internal", e.to_string()))?;
    tokio::fs::write(work_dir.join("script.json"), json).await.map_err(|e| io("writing script.json", e))?;
    progress("generate-script", 1.0, &format!("{} scenes", script.scenes.len()));

    let n = script.scenes.len();
    let cores = std::thread::available_parallelism().map_or(2, |c| c.get()).max(1);
    let script = Arc::new(script);

    // Voices.
    let voice = Arc::new(Voice::offline());
    progress("generate-audio", 0.0, voice.name());
    let wavs: Vec<PathBuf> = (0..n).map(|i| work_dir.join("audio").join(format!("scene-{:02}.wav", i + 1))).collect();
    let mut audios: Vec<Option<SceneAudio>> = vec![None; n];
    let mut set = JoinSet::new();
    let mut next = 0;
    let mut done = 0;
    while done < n {
        while next < n && set.len() < cores {
            let (voice, script, wav) = (voice.clone(), script.clone(), wavs[next].clone());
            let i = next;
            set.spawn(async move { (i, speak(&voice, &script.scenes[i].narration, &wav).await) });
            next += 1;
        }
        let Some(joined) = set.join_next().await else { break };
        let (i, res) = joined.map_err(|e| VideoError::new("internal", format!("a voice task failed: {e}")))?;
        audios[i] = Some(res?);
        done += 1;
        progress("generate-audio", done as f64 / n as f64, &format!("scene {done} of {n}"));
    }
    let audios: Vec<SceneAudio> = audios.into_iter().map(|a| a.expect("every scene voiced")).collect();
    let json = serde_json::to_vec_pretty(&audios).map_err(|e| VideoError::new("internal", e.to_string()))?;
    tokio::fs::write(work_dir.join("audio.json"), json).await.map_err(|e| io("writing audio.json", e))?;

    // Clips.
    progress("generate-videos", 0.0, &format!("{n} scenes"));
    let clips: Vec<PathBuf> = (0..n).map(|i| work_dir.join("clips").join(format!("scene-{:02}.mp4", i + 1))).collect();
    let mut set = JoinSet::new();
    let (mut next, mut done) = (0, 0);
    let paper_dir = Arc::new(paper_dir.to_path_buf());
    while done < n {
        while next < n && set.len() < cores {
            let (script, audio, clip, dir) =
                (script.clone(), audios[next].clone(), clips[next].clone(), paper_dir.clone());
            let i = next;
            set.spawn(async move { render_scene(&script, i, &audio, &dir, &clip).await });
            next += 1;
        }
        let Some(joined) = set.join_next().await else { break };
        joined.map_err(|e| VideoError::new("internal", format!("a render task failed: {e}")))??;
        done += 1;
        progress("generate-videos", done as f64 / n as f64, &format!("scene {done} of {n}"));
    }

    progress("add-captions", 0.0, "burning captions and encoding");
    let finished = finish(&script, &audios, &wavs, &clips, work_dir).await?;
    let final_mp4 = work_dir.join("final.mp4");
    if absolute(out_mp4) != absolute(&final_mp4) {
        if let Some(parent) = out_mp4.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(|e| io("creating the output directory", e))?;
        }
        tokio::fs::copy(&final_mp4, out_mp4).await.map_err(|e| io("copying final.mp4", e))?;
    }
    progress("add-captions", 1.0, "done");
    Ok(finished)
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

/// Loads the script a previous run wrote.
pub fn load_script(work_dir: &Path) -> Option<Script> {
    serde_json::from_slice(&std::fs::read(work_dir.join("script.json")).ok()?).ok()
}
