//! The add-captions step: concatenate the scene clips and voices, burn word-synced karaoke
//! captions (libass), normalise loudness, and write final.mp4, captions.vtt/srt and thumbnail.jpg.

use crate::process;
use crate::script::Script;
use crate::text::wrap;
use crate::{SceneAudio, VideoError, VideoErrorKind, FPS, HEIGHT, WIDTH};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub struct Finished {
    pub duration_ms: u64,
}

/// Characters per caption line and lines per caption.
const LINE_CHARS: usize = 22;
const MAX_WORDS_PER_CUE: usize = 7;
/// Bottom margin of the captions: above the bottom ~20 % kept for the platform UI.
const CAPTION_MARGIN_V: u32 = HEIGHT * 21 / 100;

/// One caption: a few words of one scene, absolute times in ms.
#[derive(Clone, Debug, PartialEq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub lines: Vec<String>,
    /// (word, start, end) in absolute ms, in order.
    pub words: Vec<(String, u64, u64)>,
    pub scene: usize,
}

/// Frame-exact start of each scene and the total, in ms.
pub fn scene_spans(audios: &[SceneAudio]) -> Vec<(u64, u64)> {
    let mut frames = 0u64;
    let mut out = Vec::with_capacity(audios.len());
    for a in audios {
        let start = frames * 1000 / FPS as u64;
        frames += ((a.duration_ms * FPS as u64 + 500) / 1000).max(1);
        let end = frames * 1000 / FPS as u64;
        out.push((start, end));
    }
    out
}

/// Groups each scene's words into cues of at most two short lines that never outlast their scene.
pub fn cues(audios: &[SceneAudio]) -> Vec<Cue> {
    let spans = scene_spans(audios);
    let mut out: Vec<Cue> = Vec::new();
    for (i, (audio, &(s0, s1))) in audios.iter().zip(&spans).enumerate() {
        let mut page: Vec<(String, u64, u64)> = Vec::new();
        let mut pages: Vec<Vec<(String, u64, u64)>> = Vec::new();
        for w in &audio.words {
            let mut trial: Vec<&str> = page.iter().map(|p| p.0.as_str()).collect();
            trial.push(&w.text);
            if !page.is_empty() && (wrap(&trial.join(" "), LINE_CHARS).len() > 2 || page.len() >= MAX_WORDS_PER_CUE) {
                pages.push(std::mem::take(&mut page));
            }
            page.push((w.text.clone(), (s0 + w.start_ms).min(s1), (s0 + w.end_ms).min(s1)));
            if w.text.ends_with(['.', '?', '!']) && page.len() >= 3 {
                pages.push(std::mem::take(&mut page));
            }
        }
        if !page.is_empty() {
            pages.push(page);
        }
        let n = pages.len();
        for (k, p) in pages.iter().enumerate() {
            let start = p.first().map_or(s0, |w| w.1);
            let next_start = pages.get(k + 1).and_then(|q| q.first()).map_or(s1, |w| w.1);
            let last_end = p.last().map_or(start, |w| w.2);
            let mut end = (last_end + 350).min(next_start).min(s1);
            if k + 1 == n {
                end = (last_end + 600).min(s1);
            }
            let end = end.max(start + 1).min(s1);
            let text: Vec<&str> = p.iter().map(|w| w.0.as_str()).collect();
            out.push(Cue {
                start_ms: start,
                end_ms: end,
                lines: wrap(&text.join(" "), LINE_CHARS),
                words: p.clone(),
                scene: i,
            });
        }
    }
    out
}

fn ts_vtt(ms: u64) -> String {
    format!("{:02}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn ts_srt(ms: u64) -> String {
    ts_vtt(ms).replace('.', ",")
}

fn ts_ass(ms: u64) -> String {
    let cs = ms / 10;
    format!("{}:{:02}:{:02}.{:02}", cs / 360_000, cs / 6000 % 60, cs / 100 % 60, cs % 100)
}

pub fn vtt(cues: &[Cue]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    for (i, c) in cues.iter().enumerate() {
        let _ = write!(s, "{}\n{} --> {}\n{}\n\n", i + 1, ts_vtt(c.start_ms), ts_vtt(c.end_ms), c.lines.join("\n"));
    }
    s
}

pub fn srt(cues: &[Cue]) -> String {
    let mut s = String::new();
    for (i, c) in cues.iter().enumerate() {
        let _ = write!(s, "{}\n{} --> {}\n{}\n\n", i + 1, ts_srt(c.start_ms), ts_srt(c.end_ms), c.lines.join("\n"));
    }
    s
}

fn ass_escape(w: &str) -> String {
    w.replace('\\', "/").replace('{', "(").replace('}', ")")
}

/// The ASS subtitle file: each cue shown whole, the word being said highlighted in the accent colour.
pub fn ass(cues: &[Cue]) -> String {
    let mut s = format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {WIDTH}\nPlayResY: {HEIGHT}\nWrapStyle: 2\nScaledBorderAndShadow: yes\n\n\
[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Caption,DejaVu Sans,70,&H00FFFFFF,&H00FFFFFF,&H00200A0A,&H80000000,-1,0,0,0,100,100,0,0,1,6,2,2,90,170,{CAPTION_MARGIN_V},1\n\n\
[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    );
    // Accent #FFC24B in ASS BGR order.
    let hi = "{\\c&H4BC2FF&\\fscx106\\fscy106}";
    let lo = "{\\c&HFFFFFF&\\fscx100\\fscy100}";
    for c in cues {
        // Break the cue into its lines by word count.
        let mut line_of = Vec::new();
        let mut idx = 0;
        for (li, line) in c.lines.iter().enumerate() {
            for _ in line.split_whitespace() {
                line_of.push(li);
                idx += 1;
            }
        }
        let _ = idx;
        for (k, (_, ws, _)) in c.words.iter().enumerate() {
            let start = if k == 0 { c.start_ms } else { (*ws).max(c.start_ms) };
            let end = c.words.get(k + 1).map_or(c.end_ms, |n| n.1).min(c.end_ms);
            if end <= start {
                continue;
            }
            let mut text = String::new();
            for (j, (w, _, _)) in c.words.iter().enumerate() {
                if j > 0 {
                    let same_line = line_of.get(j) == line_of.get(j - 1);
                    text.push_str(if same_line { " " } else { "\\N" });
                }
                if j == k {
                    let _ = write!(text, "{hi}{}{lo}", ass_escape(w));
                } else {
                    text.push_str(&ass_escape(w));
                }
            }
            let _ = writeln!(s, "Dialogue: 0,{},{},Caption,,0,0,0,,{text}", ts_ass(start), ts_ass(end));
        }
    }
    s
}

fn concat_list(paths: &[PathBuf]) -> String {
    let mut s = String::from("ffconcat version 1.0\n");
    for p in paths {
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.clone())
        };
        let _ = writeln!(s, "file '{}'", abs.to_string_lossy().replace('\'', "'\\''"));
    }
    s
}

/// Builds final.mp4, captions.vtt, captions.srt and thumbnail.jpg in `out_dir`.
pub async fn finish(
    script: &Script,
    audios: &[SceneAudio],
    audio_wavs: &[PathBuf],
    clips: &[PathBuf],
    out_dir: &Path,
) -> Result<Finished, VideoError> {
    if audios.len() != clips.len() || audios.len() != audio_wavs.len() || audios.is_empty() {
        return Err(VideoError::permanent(
            VideoErrorKind::BadInput,
            format!(
                "{} scene audios, {} voice files and {} clips: they must match and not be empty",
                audios.len(),
                audio_wavs.len(),
                clips.len()
            ),
        ));
    }
    let _ = script;
    tokio::fs::create_dir_all(out_dir).await.map_err(|e| crate::io_error("creating the output directory", e))?;
    let cues = cues(audios);
    let total_ms = scene_spans(audios).last().map_or(0, |s| s.1);
    let tmp = |name: &str| out_dir.join(format!(".{name}.partial"));
    let (ass_path, vlist, alist, tmp_mp4) =
        (out_dir.join(".captions.ass"), tmp("clips.txt"), tmp("audio.txt"), out_dir.join(".final.partial.mp4"));
    let result = async {
        tokio::fs::write(&ass_path, ass(&cues)).await.map_err(|e| crate::io_error("writing captions", e))?;
        tokio::fs::write(&vlist, concat_list(clips)).await.map_err(|e| crate::io_error("writing the clip list", e))?;
        tokio::fs::write(&alist, concat_list(audio_wavs)).await.map_err(|e| crate::io_error("writing the audio list", e))?;
        let graph = "[0:v]subtitles=filename=.captions.ass:fontsdir=/usr/share/fonts/truetype/dejavu,format=yuv420p[v];[1:a]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000[a]";
        let args: Vec<std::ffi::OsString> = [
            "-f", "concat", "-safe", "0", "-i", ".clips.txt.partial", "-f", "concat", "-safe", "0", "-i",
            ".audio.txt.partial", "-filter_complex", graph, "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-profile:v", "high", "-preset", "veryfast",
            "-crf", "21", "-pix_fmt", "yuv420p", "-r", "30", "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-f", "mp4",
            ".final.partial.mp4",
        ]
        .iter()
        .map(Into::into)
        .collect();
        run_in(out_dir, args).await?;
        // The thumbnail: the title card once its text has faded in.
        let first_ms = audios[0].duration_ms;
        let at = (first_ms.saturating_sub(100)).min(1500) as f64 / 1000.0;
        let thumb_tmp = out_dir.join(".thumbnail.partial.jpg");
        process::ffmpeg(
            VideoErrorKind::EncodeFailed,
            [
                "-ss".as_ref(),
                format!("{at:.2}").as_ref(),
                "-i".as_ref(),
                clips[0].as_os_str(),
                "-frames:v".as_ref(),
                "1".as_ref(),
                "-q:v".as_ref(),
                "3".as_ref(),
                thumb_tmp.as_os_str(),
            ],
        )
        .await?;
        tokio::fs::write(out_dir.join("captions.vtt"), vtt(&cues)).await.map_err(|e| crate::io_error("writing captions.vtt", e))?;
        tokio::fs::write(out_dir.join("captions.srt"), srt(&cues)).await.map_err(|e| crate::io_error("writing captions.srt", e))?;
        tokio::fs::rename(&thumb_tmp, out_dir.join("thumbnail.jpg")).await.map_err(|e| crate::io_error("saving thumbnail.jpg", e))?;
        tokio::fs::rename(&tmp_mp4, out_dir.join("final.mp4")).await.map_err(|e| crate::io_error("saving final.mp4", e))?;
        Ok(())
    }
    .await;
    for p in [&ass_path, &vlist, &alist, &tmp_mp4, &out_dir.join(".thumbnail.partial.jpg")] {
        let _ = tokio::fs::remove_file(p).await;
    }
    result?;
    Ok(Finished { duration_ms: total_ms })
}

async fn run_in(dir: &Path, args: Vec<std::ffi::OsString>) -> Result<(), VideoError> {
    process::ffmpeg_in(VideoErrorKind::EncodeFailed, Some(dir), args).await.map(drop)
}
