//! Scene clips: one ffmpeg pass per scene draws the backdrop (the style's drifting gradient, or a
//! generated clip dimmed), the paper's figure on its panel moving toward what the narration
//! discusses, and burns the scene's beats and captions (`graphics`, through libass). Every clip
//! is encoded with [`CLIP_ENCODING`], so the final assembly joins them without re-encoding.
//!
//! ffmpeg runs inside the scene's scratch folder so the filtergraph names only fixed file names;
//! no text of the paper ever reaches the filtergraph (it goes into the ASS file).

use crate::beats;
use crate::captions;
use crate::graphics::{self, FigureWindow, FIGURE_PANEL};
use crate::look::{ffmpeg_colour, Look};
use crate::process;
use crate::script::Script;
use crate::{SceneAudio, VideoError, VideoErrorKind, FPS, HEIGHT, WIDTH};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The one encoding of every scene clip (and so of the final video, which joins them by stream
/// copy): H.264 High, yuv420p, 30 fps, a key frame every 2 s.
pub const CLIP_ENCODING: &[&str] = &[
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
    "-r",
    "30",
    "-g",
    "60",
    "-an",
];

/// The largest on-screen magnification of a figure relative to its own pixels: beyond this a
/// small image would blur, so it stays smaller on its panel instead.
const MAX_FIGURE_MAGNIFICATION: f64 = 1.6;

/// What a scene is drawn over.
enum Backdrop<'a> {
    /// The style's gradient, drifting slowly.
    Drawn,
    /// A generated clip (Runway), scaled to cover and dimmed under the beats.
    Clip { path: &'a Path, clip_ms: u64 },
}

/// Renders scene `index` of the script to `out_mp4`: 1080×1920, 30 fps, exactly the scene's
/// audio duration in whole frames, its beats and captions burned in, [`CLIP_ENCODING`].
/// `paper_dir` holds the figure images the script names. On failure no file is left.
pub async fn render_scene(
    script: &Script,
    index: usize,
    audio: &SceneAudio,
    paper_dir: &Path,
    out_mp4: &Path,
) -> Result<(), VideoError> {
    draw(script, index, audio, paper_dir, Backdrop::Drawn, out_mp4).await
}

/// [`render_scene`] over a generated clip of `clip_ms`: scaled to cover and centre-cropped; a
/// short clip is slowed down (up to 1.6×) or else looped, a long one trimmed.
pub(crate) async fn render_over_clip(
    script: &Script,
    index: usize,
    audio: &SceneAudio,
    clip: &Path,
    clip_ms: u64,
    out_mp4: &Path,
) -> Result<(), VideoError> {
    draw(script, index, audio, Path::new("."), Backdrop::Clip { path: clip, clip_ms }, out_mp4).await
}

fn scratch_dir(out_mp4: &Path) -> PathBuf {
    let name = out_mp4.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "scene".into());
    out_mp4.with_file_name(format!(".{name}.parts"))
}

async fn draw(
    script: &Script,
    index: usize,
    audio: &SceneAudio,
    paper_dir: &Path,
    backdrop: Backdrop<'_>,
    out_mp4: &Path,
) -> Result<(), VideoError> {
    if index >= script.scenes.len() {
        return Err(VideoError::permanent(VideoErrorKind::BadScene, format!("the script has no scene {}", index + 1)));
    }
    let scratch = scratch_dir(out_mp4);
    tokio::fs::create_dir_all(&scratch)
        .await
        .map_err(|e| crate::io_error("creating the scene's scratch directory", e))?;
    let result = draw_in(script, index, audio, paper_dir, backdrop, out_mp4, &scratch).await;
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out_mp4).await;
    }
    result
}

/// The style's background: a soft three-colour gradient larger than the frame, which the scene
/// crops at a slowly drifting offset (`variant` varies the colours between scenes).
pub(crate) async fn background_png(look: &Look, variant: usize, out_png: &Path) -> Result<(), VideoError> {
    let [c0, c1, c2] = look.background;
    let (a, b) = if variant.is_multiple_of(2) { (c1, c2) } else { (c2, c1) };
    let source = format!(
        "gradients=s=1280x2240:c0={}:c1={}:c2={}:nb_colors=3:x0=0:y0=0:x1=1280:y1=2240:d=1",
        ffmpeg_colour(c0),
        ffmpeg_colour(a),
        ffmpeg_colour(b)
    );
    process::ffmpeg(
        VideoErrorKind::RenderFailed,
        [
            "-f".as_ref(),
            "lavfi".as_ref(),
            "-i".as_ref(),
            source.as_ref(),
            "-frames:v".as_ref(),
            "1".as_ref(),
            "-f".as_ref(),
            "image2".as_ref(),
            "-c:v".as_ref(),
            "png".as_ref(),
            out_png.as_os_str(),
        ],
    )
    .await
    .map(drop)
}

/// Width and height of a figure, or None when it has more pixels than may be decoded
/// ([`paper::limits::too_many_pixels`]): the scene is then drawn without it. The header is read
/// first, so a pixel bomb never reaches ffprobe's decoder. Errors: a file that is no image.
async fn figure_size(path: &Path) -> Result<Option<(u32, u32)>, VideoError> {
    use tokio::io::AsyncReadExt;
    // The dimensions are near the start (a JPEG's may follow its EXIF and colour profile).
    let mut head = Vec::new();
    if let Ok(file) = tokio::fs::File::open(path).await {
        let _ = file.take(512 * 1024).read_to_end(&mut head).await;
    }
    let declared = paper::limits::figure_dimensions(&head);
    if declared.is_some_and(|(w, h)| paper::limits::too_many_pixels(w, h)) {
        return Ok(None);
    }
    let (w, h) = image_size(path).await?;
    Ok((!paper::limits::too_many_pixels(u64::from(w), u64::from(h))).then_some((w, h)))
}

/// Width and height of an image, from ffprobe.
async fn image_size(path: &Path) -> Result<(u32, u32), VideoError> {
    let out = process::run(
        VideoErrorKind::RenderFailed,
        "ffprobe",
        [
            "-v".as_ref(),
            "error".as_ref(),
            "-select_streams".as_ref(),
            "v:0".as_ref(),
            "-show_entries".as_ref(),
            "stream=width,height".as_ref(),
            "-of".as_ref(),
            "csv=p=0".as_ref(),
            path.as_os_str(),
        ],
        None,
    )
    .await?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().split(',').map(|v| v.trim().parse::<u32>().ok());
    match (parts.next().flatten(), parts.next().flatten()) {
        (Some(w), Some(h)) if w > 0 && h > 0 => Ok((w, h)),
        _ => Err(VideoError::permanent(
            VideoErrorKind::RenderFailed,
            format!("the figure {} is not a readable image", path.display()),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
async fn draw_in(
    script: &Script,
    index: usize,
    audio: &SceneAudio,
    paper_dir: &Path,
    backdrop: Backdrop<'_>,
    out_mp4: &Path,
    scratch: &Path,
) -> Result<(), VideoError> {
    let look = script.style.look();
    let scene = &script.scenes[index];
    let frames = ((audio.duration_ms * FPS as u64 + 500) / 1000).max(1);
    let duration_ms = frames * 1000 / FPS as u64;
    // The figure, when the renderer has its image and may decode it (a generated clip replaces it).
    let figure = match (&backdrop, scene.figure.as_deref()) {
        (Backdrop::Drawn, Some(name)) if paper_dir.join(name).is_file() => {
            figure_size(&paper_dir.join(name)).await?.map(|size| (name, size))
        }
        _ => None,
    };
    let plan = beats::plan(script, index, audio, figure.map(|(name, _)| name));
    let cues = captions::cues(std::slice::from_ref(audio));
    tokio::fs::write(scratch.join("scene.ass"), graphics::scene_ass(script, index, &plan, &cues, duration_ms, &look))
        .await
        .map_err(|e| crate::io_error("writing the scene's text", e))?;

    let mut inputs: Vec<std::ffi::OsString> = Vec::new();
    let mut graph = String::new();
    match backdrop {
        Backdrop::Drawn => {
            background_png(&look, index, &scratch.join("bg.png")).await?;
            inputs.extend(["-i".into(), "bg.png".into()]);
            let seed = index as f64 * 1.7;
            // Converted to the clip's pixel format once, before the loop: each frame is then
            // only a crop of it (converting every frame cost 4 ms of CPU each). In yuv420p the
            // crop moves in steps of 2 px, invisible on a soft gradient drifting 1 px a frame.
            let _ = write!(
                graph,
                "[0:v]format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,crop={WIDTH}:{HEIGHT}:x='100+95*sin(t*0.31+{seed:.2})':y='160+150*sin(t*0.23+{seed:.2})'"
            );
        }
        Backdrop::Clip { path, clip_ms } => {
            let clip_ms = clip_ms.max(1);
            let (stretch, looped) = if clip_ms >= duration_ms {
                (1.0, false)
            } else if duration_ms as f64 / clip_ms as f64 <= 1.6 {
                (duration_ms as f64 / clip_ms as f64 + 0.01, false)
            } else {
                (1.0, true)
            };
            if looped {
                inputs.extend(["-stream_loop".into(), "-1".into()]);
            }
            inputs.extend(["-i".into(), absolute(path).into()]);
            let _ = write!(
                graph,
                "[0:v]setpts={stretch:.4}*(PTS-STARTPTS),scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase:flags=bicubic,crop={WIDTH}:{HEIGHT},fps={FPS},setsar=1,format=yuv420p,drawbox=x=0:y=0:w={WIDTH}:h={HEIGHT}:color=black@0.45:t=fill"
            );
        }
    }
    let windows = graphics::figure_windows(&plan);
    if let (Some(first), Some((_, size))) = (windows.first(), figure) {
        let image = paper_dir.join(&first.image);
        inputs.extend(["-i".into(), absolute(&image).into()]);
        figure_graph(&mut graph, &windows, size, &look);
    }
    graph.push_str(",subtitles=filename=scene.ass,format=yuv420p[v]");
    tokio::fs::write(scratch.join("graph.txt"), &graph)
        .await
        .map_err(|e| crate::io_error("writing the filtergraph", e))?;
    let mut args = inputs;
    args.extend(["-filter_complex_script", "graph.txt", "-map", "[v]", "-frames:v"].iter().map(Into::into));
    args.push(frames.to_string().into());
    args.extend(CLIP_ENCODING.iter().map(Into::into));
    args.push(absolute(out_mp4).into());
    process::ffmpeg_in(VideoErrorKind::RenderFailed, Some(scratch), args).await.map(drop)
}

/// Appends the figure to `graph` (which ends on the backdrop's chain): its accent-edged panel
/// during the figure beats, and the image scaled to fit the panel (never magnified past
/// [`MAX_FIGURE_MAGNIFICATION`]) and eased toward each beat's focus and zoom.
fn figure_graph(graph: &mut String, windows: &[FigureWindow], (iw, ih): (u32, u32), look: &Look) {
    let p = FIGURE_PANEL;
    let (inner_w, inner_h) = ((p.w - 40) as f64, (p.h - 40) as f64);
    let fit = (inner_w / iw as f64).min(inner_h / ih as f64);
    let shown = fit.min(MAX_FIGURE_MAGNIFICATION);
    let even = |v: f64| ((v / 2.0).floor() as i32 * 2).max(2);
    let (dw, dh) = (even(iw as f64 * shown), even(ih as f64 * shown));
    let max_zoom = (MAX_FIGURE_MAGNIFICATION / shown).clamp(1.0, 2.0);
    let (ox, oy) = (p.x + 20 + (inner_w as i32 - dw) / 2, p.y + 20 + (inner_h as i32 - dh) / 2);
    let enable = windows
        .iter()
        .map(|w| format!("between(t\\,{:.3}\\,{:.3})", w.start_ms as f64 / 1000.0, w.end_ms as f64 / 1000.0))
        .collect::<Vec<_>>()
        .join("+");
    let f = |ms: u64| ms * FPS as u64 / 1000;
    // Piecewise per beat: ease from the previous beat's view to this one's over 0.8 s, then drift.
    let (mut z, mut x, mut y) = (String::from("1"), String::from("0.5"), String::from("0.5"));
    let (mut pz, mut px, mut py) = (1.0f64, 0.5f64, 0.5f64);
    let mut parts: Vec<(u64, String, String, String)> = Vec::new();
    for w in windows {
        let zoom = w.zoom.min(max_zoom);
        let (a, b) = (f(w.start_ms), f(w.end_ms));
        let e = format!("(min(1\\,(on-{a})/24)*min(1\\,(on-{a})/24)*(3-2*min(1\\,(on-{a})/24)))");
        let zk = format!("({pz:.3}+({:.3})*{e}+0.0006*(on-{a}))", zoom - pz);
        let xk = format!("({px:.3}+({:.3})*{e})", w.focus.0 - px);
        let yk = format!("({py:.3}+({:.3})*{e})", w.focus.1 - py);
        parts.push((b, zk, xk, yk));
        (pz, px, py) = (zoom, w.focus.0, w.focus.1);
    }
    for (b, zk, xk, yk) in parts.into_iter().rev() {
        z = format!("if(lt(on\\,{b})\\,{zk}\\,{z})");
        x = format!("if(lt(on\\,{b})\\,{xk}\\,{x})");
        y = format!("if(lt(on\\,{b})\\,{yk}\\,{y})");
    }
    let _ = write!(
        graph,
        ",drawbox=x={}:y={}:w={}:h={}:color={}@0.9:t=fill:enable='{enable}',drawbox=x={}:y={}:w={}:h={}:color={}:t=fill:enable='{enable}'[base];\
[1:v]scale={}:{}:flags=lanczos,format=yuv420p,loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,zoompan=z='{z}':x='(iw-iw/zoom)*{x}':y='(ih-ih/zoom)*{y}':d=1:s={dw}x{dh}:fps={FPS}[fig];\
[base][fig]overlay=x={ox}:y={oy}:enable='{enable}'",
        p.x - 6,
        p.y - 6,
        p.w + 12,
        p.h + 12,
        ffmpeg_colour(look.accent),
        p.x,
        p.y,
        p.w,
        p.h,
        ffmpeg_colour(look.panel),
        dw * 2,
        dh * 2,
    );
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_figure_declaring_billions_of_pixels_is_left_out_undecoded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fig-1.png");
        // A PNG header (IHDR) declaring 50000 × 50000 px, and nothing to decode after it.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend(50_000u32.to_be_bytes());
        png.extend(50_000u32.to_be_bytes());
        png.extend([8, 6, 0, 0, 0, 0, 0, 0, 0]);
        std::fs::write(&path, &png).unwrap();
        assert_eq!(figure_size(&path).await.unwrap(), None, "the scene is drawn without it");
    }
}
