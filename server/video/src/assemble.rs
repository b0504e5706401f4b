//! The add-captions step's work: join the finished scene clips (their beats and captions are
//! already burned in) without re-encoding, bring the narration to the platforms' loudness, and
//! write final.mp4, captions.vtt/srt and thumbnail.jpg.
//!
//! Loudness: platforms play at −14 LUFS, and a single-pass `loudnorm` on speech with pauses
//! lands near −17. So the narration is measured (EBU R128, ffmpeg's `ebur128`), lightly
//! compressed, raised by the missing gain and held under −2 dBFS by a limiter running at 4×
//! the sample rate (so the true peak stays under −1 dBTP); the output is measured again and the
//! gain corrected until it is within ±0.4 LU of the target.

use crate::captions::{self, cues, scene_spans};
use crate::graphics;
use crate::look::Look;
use crate::process;
use crate::script::Script;
use crate::{SceneAudio, VideoError, VideoErrorKind, HEIGHT, WIDTH};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Integrated loudness the narration is brought to (LUFS).
pub const TARGET_LUFS: f64 = -14.0;
/// The limiter's ceiling (dBFS, measured at 4× oversampling: a true-peak estimate).
const CEILING_DB: f64 = -2.0;

pub struct Finished {
    pub duration_ms: u64,
}

/// An EBU R128 measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loudness {
    /// Integrated loudness (LUFS).
    pub integrated: f64,
    /// True peak (dBTP).
    pub true_peak: f64,
}

/// One scene's clip with its voice, for watching the scene while later ones render (the status
/// page's live preview): the picture copied as it is, the voice as AAC 96 kb/s, the moov atom
/// first so it plays while it downloads. Loudness is left as recorded (the final video's is
/// levelled). Errors: `encode-failed` when ffmpeg cannot read either input.
pub async fn scene_preview(clip: &Path, voice: &Path, out_mp4: &Path) -> Result<(), VideoError> {
    let args: [&std::ffi::OsStr; 18] = [
        "-i".as_ref(),
        clip.as_os_str(),
        "-i".as_ref(),
        voice.as_os_str(),
        "-map".as_ref(),
        "0:v:0".as_ref(),
        "-map".as_ref(),
        "1:a:0".as_ref(),
        "-c:v".as_ref(),
        "copy".as_ref(),
        "-c:a".as_ref(),
        "aac".as_ref(),
        "-aac_coder".as_ref(),
        "fast".as_ref(),
        "-b:a".as_ref(),
        "96k".as_ref(),
        "-movflags".as_ref(),
        "+faststart".as_ref(),
    ];
    let mut all: Vec<&std::ffi::OsStr> = args.to_vec();
    all.extend(["-shortest".as_ref(), out_mp4.as_os_str()]);
    process::ffmpeg(VideoErrorKind::EncodeFailed, all).await.map(drop)
}

/// Measures a sound file's (or a video's sound's) integrated loudness and true peak.
/// Errors: `encode-failed` when ffmpeg cannot read it or reports no measurement.
pub async fn measure_loudness(path: &Path) -> Result<Loudness, VideoError> {
    let out = process::ffmpeg(
        VideoErrorKind::EncodeFailed,
        // The summary is printed at the info level, which the quiet defaults hide.
        [
            "-loglevel".as_ref(),
            "info".as_ref(),
            "-nostats".as_ref(),
            "-i".as_ref(),
            path.as_os_str(),
            "-map".as_ref(),
            "0:a:0".as_ref(),
            "-af".as_ref(),
            "ebur128=peak=true".as_ref(),
            "-f".as_ref(),
            "null".as_ref(),
            "-".as_ref(),
        ],
    )
    .await?;
    // The summary comes last: "I: -14.1 LUFS" … "Peak: -2.0 dBFS".
    let summary = out.stderr.rsplit("Summary:").next().unwrap_or_default();
    let value = |key: &str| {
        summary
            .lines()
            .find_map(|l| l.trim().strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    match (value("I:"), value("Peak:")) {
        (Some(integrated), Some(true_peak)) => Ok(Loudness { integrated, true_peak }),
        _ => Err(VideoError::permanent(VideoErrorKind::EncodeFailed, "ffmpeg reported no loudness for the narration")),
    }
}

fn loudness_chain(gain_db: f64) -> String {
    let ceiling = 10f64.powf(CEILING_DB / 20.0);
    format!(
        "acompressor=threshold=-24dB:ratio=3:attack=5:release=150:knee=4,volume={gain_db:.2}dB,aresample=192000,alimiter=limit={ceiling:.3}:attack=2:release=60:level=false,aresample=48000"
    )
}

/// Writes `input` (any sound ffmpeg reads) to `out_wav` at [`TARGET_LUFS`] ± 0.4 LU with its
/// true peak under −1 dBTP (48 kHz mono PCM). Returns the output's measurement.
pub async fn normalise_loudness(input: &Path, out_wav: &Path) -> Result<Loudness, VideoError> {
    let before = measure_loudness(input).await?;
    // The compressor takes about 6 dB off speech at this threshold; start from there.
    let mut gain = (TARGET_LUFS - before.integrated + 6.0).clamp(-20.0, 40.0);
    let mut last = before;
    for _ in 0..4 {
        process::ffmpeg(
            VideoErrorKind::EncodeFailed,
            [
                "-i".as_ref(),
                input.as_os_str(),
                "-af".as_ref(),
                loudness_chain(gain).as_ref(),
                "-ar".as_ref(),
                "48000".as_ref(),
                "-ac".as_ref(),
                "1".as_ref(),
                "-c:a".as_ref(),
                "pcm_s16le".as_ref(),
                "-f".as_ref(),
                "wav".as_ref(),
                out_wav.as_os_str(),
            ],
        )
        .await?;
        last = measure_loudness(out_wav).await?;
        let miss = TARGET_LUFS - last.integrated;
        if miss.abs() <= 0.4 {
            break;
        }
        gain = (gain + miss * 1.15).clamp(-20.0, 40.0);
    }
    Ok(last)
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

/// Builds final.mp4, captions.vtt, captions.srt and thumbnail.jpg in `out_dir` from the scene
/// clips (already carrying their beats and captions) and the scenes' voices. The clips are
/// joined by stream copy, so they must share one encoding ([`crate::visuals`] makes them so);
/// the sound is normalised and encoded as AAC 48 kHz stereo. Nothing is left in `out_dir` but
/// the four files, and nothing at all on failure.
pub async fn finish(
    script: &Script,
    audios: &[SceneAudio],
    audio_wavs: &[PathBuf],
    clips: &[PathBuf],
    out_dir: &Path,
) -> Result<Finished, VideoError> {
    let look = script.style.look();
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
    tokio::fs::create_dir_all(out_dir).await.map_err(|e| crate::io_error("creating the output directory", e))?;
    let cues = cues(audios);
    let total_ms = scene_spans(audios).last().map_or(0, |s| s.1);
    let part = |name: &str| out_dir.join(format!(".{name}.partial"));
    let (vlist, alist, joined, voice, mp4, thumb) = (
        part("clips.txt"),
        part("audio.txt"),
        part("narration.wav"),
        part("narration-normalised.wav"),
        out_dir.join(".final.partial.mp4"),
        out_dir.join(".thumbnail.partial.jpg"),
    );
    let result = async {
        tokio::fs::write(&vlist, concat_list(clips)).await.map_err(|e| crate::io_error("writing the clip list", e))?;
        tokio::fs::write(&alist, concat_list(audio_wavs))
            .await
            .map_err(|e| crate::io_error("writing the audio list", e))?;
        let args: Vec<std::ffi::OsString> = [
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            ".audio.txt.partial",
            "-c:a",
            "pcm_s16le",
            "-f",
            "wav",
            ".narration.wav.partial",
        ]
        .iter()
        .map(Into::into)
        .collect();
        run_in(out_dir, args).await?;
        // The thumbnail is drawn while the narration is levelled (each is one core's work).
        tokio::try_join!(normalise_loudness(&joined, &voice), thumbnail(script, &look, &thumb))?;
        let args: Vec<std::ffi::OsString> = [
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            ".clips.txt.partial",
            "-i",
            ".narration-normalised.wav.partial",
            "-map",
            "0:v:0",
            "-map",
            "1:a:0",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            // The fast coder: a quarter of the default's time (0.5 s instead of 2 s for a minute
            // of speech), at a bitrate where the two sound the same.
            "-aac_coder",
            "fast",
            "-b:a",
            "160k",
            "-ar",
            "48000",
            "-ac",
            "2",
            "-shortest",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            ".final.partial.mp4",
        ]
        .iter()
        .map(Into::into)
        .collect();
        run_in(out_dir, args).await?;
        tokio::fs::write(out_dir.join("captions.vtt"), captions::vtt(&cues))
            .await
            .map_err(|e| crate::io_error("writing captions.vtt", e))?;
        tokio::fs::write(out_dir.join("captions.srt"), captions::srt(&cues))
            .await
            .map_err(|e| crate::io_error("writing captions.srt", e))?;
        tokio::fs::rename(&thumb, out_dir.join("thumbnail.jpg"))
            .await
            .map_err(|e| crate::io_error("saving thumbnail.jpg", e))?;
        tokio::fs::rename(&mp4, out_dir.join("final.mp4")).await.map_err(|e| crate::io_error("saving final.mp4", e))?;
        Ok(())
    }
    .await;
    for p in [&vlist, &alist, &joined, &voice, &mp4, &thumb] {
        let _ = tokio::fs::remove_file(p).await;
    }
    if result.is_err() {
        for name in ["captions.vtt", "captions.srt", "thumbnail.jpg"] {
            let _ = tokio::fs::remove_file(out_dir.join(name)).await;
        }
    }
    result?;
    Ok(Finished { duration_ms: total_ms })
}

/// The thumbnail: the hook, or a short key number, big over the style's background (the still
/// a person taps, not the first frame). `out_jpg`'s folder holds the scratch files meanwhile.
pub async fn thumbnail(script: &Script, look: &Look, out_jpg: &Path) -> Result<(), VideoError> {
    let dir = out_jpg.parent().unwrap_or(Path::new("."));
    let (ass, bg) = (dir.join(".thumbnail.ass.partial"), dir.join(".thumbnail-bg.png.partial"));
    let result = async {
        tokio::fs::write(&ass, graphics::thumbnail_ass(script, look))
            .await
            .map_err(|e| crate::io_error("writing the thumbnail's text", e))?;
        crate::visuals::background_png(look, 0, &bg).await?;
        let name = out_jpg.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let args: Vec<std::ffi::OsString> = [
            "-f",
            "png_pipe",
            "-i",
            ".thumbnail-bg.png.partial",
            "-vf",
            &format!("crop={WIDTH}:{HEIGHT}:100:160,format=yuv420p,subtitles=filename=.thumbnail.ass.partial"),
            "-frames:v",
            "1",
            "-q:v",
            "3",
            "-f",
            "image2",
            &name,
        ]
        .iter()
        .map(Into::into)
        .collect();
        process::ffmpeg_in(VideoErrorKind::EncodeFailed, Some(dir), args).await.map(drop)
    }
    .await;
    let _ = tokio::fs::remove_file(&ass).await;
    let _ = tokio::fs::remove_file(&bg).await;
    result
}

async fn run_in(dir: &Path, args: Vec<std::ffi::OsString>) -> Result<(), VideoError> {
    process::ffmpeg_in(VideoErrorKind::EncodeFailed, Some(dir), args).await.map(drop)
}
