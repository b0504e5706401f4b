//! Scene visuals: one designed motion-graphics clip per scene, rendered with ffmpeg.
//!
//! Every text is written to a file and drawn with `drawtext=textfile=…:expansion=none`; ffmpeg
//! runs inside the scene's scratch directory so the filtergraph only names fixed file names.

use crate::process;
use crate::script::{SceneKind, Script};
use crate::text::wrap;
use crate::{SceneAudio, VideoError, VideoErrorKind, FPS, HEIGHT, WIDTH};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FONT_DIR: &str = "/usr/share/fonts/truetype/dejavu";
const SANS: &str = "DejaVuSans.ttf";
const BOLD: &str = "DejaVuSans-Bold.ttf";
const SERIF: &str = "DejaVuSerif.ttf";

/// The palette: a deep indigo night with one warm accent.
pub const BG: [&str; 3] = ["0x0A0F2C", "0x221A5A", "0x0B2E4A"];
pub const ACCENT: &str = "0xFFC24B";
pub const INK: &str = "0xF4F6FF";
pub const MUTED: &str = "0xA9B4D9";

/// Card text stays inside x ∈ [MARGIN, WIDTH·0.85] and above 66 % of the height: the band below
/// holds the burned-in captions, and the bottom ~20 % is left to the platform UI.
const MARGIN: i32 = 90;
const RIGHT: i32 = (WIDTH as i32 * 85) / 100;
const BOTTOM: i32 = (HEIGHT as i32 * 66) / 100;
const TEXT_W: i32 = RIGHT - MARGIN;

fn font(name: &str) -> String {
    format!("{FONT_DIR}/{name}")
}

/// Average advance of a character as a fraction of the font size (conservative).
fn advance(font: &str) -> f64 {
    match font {
        BOLD => 0.64,
        SERIF => 0.58,
        _ => 0.57,
    }
}

struct Layout {
    graph: String,
    texts: Vec<(String, String)>,
    delay: f64,
}

/// Fits text into a box: the largest size in [min, max] whose wrapped lines fit.
fn fit(
    text: &str,
    font_name: &str,
    max_w: i32,
    max_h: i32,
    max: i32,
    min: i32,
    max_lines: usize,
) -> (i32, Vec<String>) {
    let mut size = max;
    loop {
        let chars = ((max_w as f64) / (size as f64 * advance(font_name))).floor().max(4.0) as usize;
        let lines = wrap(text, chars);
        let h = lines.len() as i32 * line_height(size);
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        if (h <= max_h && lines.len() <= max_lines && widest <= chars) || size <= min {
            let mut lines = lines;
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    let keep: String = last.chars().take(chars.saturating_sub(1)).collect();
                    *last = format!("{}…", keep.trim_end());
                }
            }
            return (size, lines);
        }
        size -= 4;
    }
}

fn line_height(size: i32) -> i32 {
    size * 5 / 4
}

impl Layout {
    fn new() -> Self {
        Layout { graph: String::new(), texts: Vec::new(), delay: 0.25 }
    }

    /// Draws lines of text at (x, y) fading and sliding in after the running delay.
    #[allow(clippy::too_many_arguments)]
    fn text(&mut self, lines: &[String], font_name: &str, size: i32, color: &str, x: i32, y: i32, stagger: f64) -> i32 {
        let name = format!("t{}.txt", self.texts.len());
        self.texts.push((name.clone(), lines.join("\n")));
        let d = self.delay;
        let spacing = line_height(size) - size * 117 / 100;
        let _ = write!(
            self.graph,
            ",drawtext=fontfile={font}:textfile={name}:expansion=none:fontsize={size}:fontcolor={color}:line_spacing={spacing}:x={x}:y='{y}+36*pow(1-min(1\\,max(0\\,(t-{d:.2})/0.45))\\,3)':alpha='min(1\\,max(0\\,(t-{d:.2})/0.45))'",
            font = font(font_name),
        );
        self.delay += stagger;
        y + lines.len() as i32 * line_height(size)
    }

    fn boxed(&mut self, x: i32, y: i32, w: i32, h: i32, color: &str) {
        // drawbox reads a zero size as "the whole frame"; never draw one.
        if w <= 0 || h <= 0 {
            return;
        }
        let _ = write!(self.graph, ",drawbox=x={x}:y={y}:w={w}:h={h}:color={color}:t=fill");
    }
}

/// Top chrome shared by every card: story-style progress segments and the brand.
fn chrome(l: &mut Layout, index: usize, count: usize) {
    let count = count.max(1);
    let gap = 10;
    let total = WIDTH as i32 - 2 * 60;
    let seg = (total - gap * (count as i32 - 1)) / count as i32;
    for i in 0..count {
        let x = 60 + i as i32 * (seg + gap);
        let color = if i < index {
            format!("{INK}@0.75")
        } else if i == index {
            ACCENT.to_string()
        } else {
            format!("{INK}@0.22")
        };
        l.boxed(x, 72, seg, 8, &color);
    }
    let name = format!("t{}.txt", l.texts.len());
    l.texts.push((name.clone(), "HIDDEN HILL".into()));
    let _ = write!(
        l.graph,
        ",drawtext=fontfile={}:textfile={name}:expansion=none:fontsize=30:fontcolor={MUTED}:x={MARGIN}:y=118",
        font(BOLD)
    );
}

fn label(l: &mut Layout, text: &str, y: i32) -> i32 {
    let upper = text.to_uppercase();
    let end = l.text(&[upper], BOLD, 40, ACCENT, MARGIN, y, 0.15);
    l.boxed(MARGIN, end + 14, 110, 8, ACCENT);
    end + 60
}

/// Renders scene `index` of the script to `out_mp4`: 1080×1920, 30 fps, exactly the scene's
/// audio duration (whole frames), H.264 intermediate quality.
pub async fn render_scene(
    script: &Script,
    index: usize,
    audio: &SceneAudio,
    paper_dir: &Path,
    out_mp4: &Path,
) -> Result<(), VideoError> {
    let scene = script.scenes.get(index).ok_or_else(|| {
        VideoError::permanent(VideoErrorKind::BadScene, format!("the script has no scene {}", index + 1))
    })?;
    let frames = ((audio.duration_ms * FPS as u64 + 500) / 1000).max(1);
    let scratch = scratch_dir(out_mp4);
    tokio::fs::create_dir_all(&scratch)
        .await
        .map_err(|e| crate::io_error("creating the scene's scratch directory", e))?;
    let result = render_in(script, index, frames, paper_dir, out_mp4, &scratch).await;
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out_mp4).await;
    }
    let _ = scene;
    result
}

fn scratch_dir(out_mp4: &Path) -> PathBuf {
    let name = out_mp4.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "scene".into());
    out_mp4.with_file_name(format!(".{name}.parts"))
}

/// The card drawn over the scene: chrome, label and texts, and the figure to overlay if any.
/// `over_video`: drawn over a generated clip, where a Figure scene shows its label and text
/// like a Point card instead of the figure panel (the clip itself animates the figure).
fn card(script: &Script, index: usize, paper_dir: &Path, over_video: bool) -> (Layout, Option<PathBuf>) {
    let scene = &script.scenes[index];
    let count = script.scenes.len();
    let mut l = Layout::new();
    let mut figure_input: Option<PathBuf> = None;
    chrome(&mut l, index, count);
    let kind = if over_video && scene.kind == SceneKind::Figure { SceneKind::Point } else { scene.kind };
    match kind {
        SceneKind::Title => {
            let y = label(&mut l, if scene.label.is_empty() { "New research" } else { &scene.label }, 360);
            let (size, lines) = fit(&script.title, BOLD, TEXT_W, 760, 96, 52, 9);
            let end = l.text(&lines, BOLD, size, INK, MARGIN, y + 10, 0.35);
            let venue = [script.credits.journal.clone(), script.credits.year.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("  ·  ");
            if !venue.is_empty() {
                let (vs, vl) = fit(&venue, SANS, TEXT_W, 120, 44, 32, 2);
                l.text(&vl, SANS, vs, MUTED, MARGIN, (end + 50).min(BOTTOM - 120), 0.2);
            }
        }
        SceneKind::Number => {
            let y = label(&mut l, &scene.label, 360);
            let key = scene.key_number.clone().unwrap_or_default();
            let (ks, kl) = fit(&key, BOLD, TEXT_W, 420, 250, 90, 2);
            let end = l.text(&kl, BOLD, ks, ACCENT, MARGIN - 6, y + 20, 0.5);
            let (s, lines) = fit(&scene.on_screen_text, SANS, TEXT_W, BOTTOM - end - 60, 58, 38, 9);
            l.text(&lines, SANS, s, INK, MARGIN, end + 50, 0.2);
        }
        SceneKind::Quote => {
            let q = vec!["“".to_string()];
            l.text(&q, SERIF, 300, ACCENT, MARGIN - 14, 300, 0.2);
            let (s, lines) = fit(&scene.on_screen_text, SERIF, TEXT_W, BOTTOM - 640 - 110, 70, 40, 9);
            let end = l.text(&lines, SERIF, s, INK, MARGIN, 640, 0.5);
            l.boxed(MARGIN, end + 40, 60, 6, ACCENT);
            let who = if script.credits.authors.is_empty() {
                "The authors".to_string()
            } else {
                script.credits.authors.clone()
            };
            let (ws, wl) = fit(&who, SANS, TEXT_W - 80, 120, 40, 30, 2);
            l.text(&wl, SANS, ws, MUTED, MARGIN + 80, end + 22, 0.2);
        }
        SceneKind::Figure => {
            let image = scene.figure.as_deref().map(|f| paper_dir.join(f)).filter(|p| p.is_file());
            let y = label(&mut l, &scene.label, 230);
            let (px, py, pw, ph) = (MARGIN - 30, y + 10, WIDTH as i32 - 2 * (MARGIN - 30), 880);
            l.boxed(px - 6, py - 6, pw + 12, ph + 12, &format!("{ACCENT}@0.9"));
            l.boxed(px, py, pw, ph, "0xFBFAF6");
            if let Some(img) = image {
                figure_input = Some(img);
            }
            let (s, lines) = fit(&scene.on_screen_text, SANS, TEXT_W, BOTTOM - (py + ph + 50), 56, 36, 4);
            l.text(&lines, SANS, s, INK, MARGIN, py + ph + 50, 0.2);
            // The overlay itself is added below, once the panel geometry is known.
            l.graph.push_str(&format!("[base];[1:v]scale={w2}:{h2}:force_original_aspect_ratio=decrease:flags=bicubic,pad={w2}:{h2}:(ow-iw)/2:(oh-ih)/2:color=0xFBFAF6,loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,zoompan=z='min(1+0.0009*on\\,1.16)':x='(iw-iw/zoom)*(0.5+0.35*sin(on/75))':y='(ih-ih/zoom)*(0.5+0.35*cos(on/90))':d=1:s={w}x{h}:fps={FPS}[fig];[base][fig]overlay=x={ox}:y={oy}:shortest=1",
                w2 = (pw - 40) * 2, h2 = (ph - 40) * 2, w = pw - 40, h = ph - 40, ox = px + 20, oy = py + 20));
        }
        SceneKind::Credits => {
            let y = label(&mut l, if scene.label.is_empty() { "Read the paper" } else { &scene.label }, 360);
            let (ts, tl) = fit(&script.title, SANS, TEXT_W, 260, 40, 30, 5);
            let mut end = l.text(&tl, SANS, ts, MUTED, MARGIN, y + 10, 0.25);
            if !script.credits.authors.is_empty() {
                let (s, lines) = fit(&script.credits.authors, BOLD, TEXT_W, 180, 62, 40, 2);
                end = l.text(&lines, BOLD, s, INK, MARGIN, end + 50, 0.25);
            }
            let venue = [script.credits.journal.clone(), script.credits.year.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join("  ·  ");
            if !venue.is_empty() {
                let (s, lines) = fit(&venue, SANS, TEXT_W, 130, 48, 34, 2);
                end = l.text(&lines, SANS, s, INK, MARGIN, end + 24, 0.25);
            }
            if let Some(id) = script.credits.identifier() {
                let (s, lines) = fit(&id, SANS, TEXT_W, 130, 40, 28, 2);
                end = l.text(&lines, SANS, s, ACCENT, MARGIN, end + 30, 0.25);
            }
            let licence = script
                .credits
                .license
                .as_ref()
                .map(|x| format!("Licence: {x}. Script drawn from the paper's own words."));
            let note = licence.unwrap_or_else(|| "Script drawn from the paper's own words.".into());
            let (s, lines) = fit(&note, SANS, TEXT_W, 120, 32, 26, 3);
            l.text(&lines, SANS, s, MUTED, MARGIN, end + 50, 0.2);
        }
        SceneKind::Point => {
            let y = label(&mut l, if scene.label.is_empty() { "Key point" } else { &scene.label }, 400);
            let (s, lines) = fit(&scene.on_screen_text, SANS, TEXT_W, BOTTOM - y - 40, 74, 44, 10);
            let end = l.text(&lines, SANS, s, INK, MARGIN, y + 10, 0.3);
            // Accent rule beside the text block.
            l.boxed(MARGIN - 40, y + 14, 8, (end - y - 20).max(20), ACCENT);
        }
    }
    (l, figure_input)
}

async fn render_in(
    script: &Script,
    index: usize,
    frames: u64,
    paper_dir: &Path,
    out_mp4: &Path,
    scratch: &Path,
) -> Result<(), VideoError> {
    let scene = &script.scenes[index];
    let (l, figure_input) = card(script, index, paper_dir, false);

    // Background: a large soft gradient drifting slowly behind the card.
    let variant = index % 3;
    let (c0, c1, c2) = (BG[0], BG[1 + variant % 2], BG[2 - variant % 2]);
    let bg = scratch.join("bg.png");
    process::ffmpeg(
        VideoErrorKind::RenderFailed,
        [
            "-f".as_ref(),
            "lavfi".as_ref(),
            "-i".as_ref(),
            format!("gradients=s=1280x2240:c0={c0}:c1={c1}:c2={c2}:nb_colors=3:x0=0:y0=0:x1=1280:y1=2240:d=1").as_ref(),
            "-frames:v".as_ref(),
            "1".as_ref(),
            bg.as_os_str(),
        ],
    )
    .await?;
    let seed = index as f64 * 1.7;
    let mut graph = format!(
        "[0:v]loop=loop=-1:size=1:start=0,setpts=N/{FPS}/TB,crop={WIDTH}:{HEIGHT}:x='100+95*sin(t*0.31+{seed:.2})':y='160+150*sin(t*0.23+{seed:.2})',format=yuv420p,drawbox=x=0:y=0:w={WIDTH}:h={HEIGHT}:color=black@0.10:t=fill"
    );
    graph.push_str(&l.graph);
    graph.push_str(",format=yuv420p[v]");
    for (name, content) in &l.texts {
        tokio::fs::write(scratch.join(name), content).await.map_err(|e| crate::io_error("writing scene text", e))?;
    }
    tokio::fs::write(scratch.join("graph.txt"), &graph)
        .await
        .map_err(|e| crate::io_error("writing the filtergraph", e))?;
    let out_abs = absolute(out_mp4);
    let mut args: Vec<std::ffi::OsString> = ["-i", "bg.png"].iter().map(Into::into).collect();
    if let Some(img) = &figure_input {
        args.extend(["-i"].iter().map(Into::into));
        args.push(absolute(img).into());
    }
    args.extend(
        [
            "-filter_complex_script",
            "graph.txt",
            "-map",
            "[v]",
            "-frames:v",
            &frames.to_string(),
            "-r",
            "30",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "17",
            "-pix_fmt",
            "yuv420p",
            "-an",
        ]
        .iter()
        .map(Into::into),
    );
    args.push(out_abs.into());
    if figure_input.is_none() && scene.kind == SceneKind::Figure {
        // The image is missing: the panel and caption still render, without the overlay chain.
        let fixed = graph.split("[base];").next().unwrap_or_default().to_string() + "[v]";
        let fixed = fixed.replace(",format=yuv420p[v][v]", "[v]");
        tokio::fs::write(scratch.join("graph.txt"), fixed.trim_end_matches("[v]").to_string() + ",format=yuv420p[v]")
            .await
            .map_err(|e| crate::io_error("writing the filtergraph", e))?;
    }
    run_in(scratch, args).await
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

async fn run_in(dir: &Path, args: Vec<std::ffi::OsString>) -> Result<(), VideoError> {
    process::ffmpeg_in(VideoErrorKind::RenderFailed, Some(dir), args).await.map(drop)
}

/// Conforms a generated clip to scene `index`: exactly `frames` frames at 30 fps, 1080×1920
/// (scaled to cover, centre-cropped), yuv420p, the same intermediate encoding as
/// [`render_scene`], with the scene's card (chrome, label, on-screen text) drawn over a dimmed
/// picture. A short clip is slowed down (up to 1.6×) or else looped; a long one is trimmed.
pub(crate) async fn conform_clip(
    script: &Script,
    index: usize,
    frames: u64,
    clip: &Path,
    clip_ms: u64,
    out_mp4: &Path,
) -> Result<(), VideoError> {
    if index >= script.scenes.len() {
        return Err(VideoError::permanent(VideoErrorKind::BadScene, format!("the script has no scene {}", index + 1)));
    }
    let scratch = scratch_dir(out_mp4);
    tokio::fs::create_dir_all(&scratch)
        .await
        .map_err(|e| crate::io_error("creating the scene's scratch directory", e))?;
    let result = conform_in(script, index, frames, clip, clip_ms, out_mp4, &scratch).await;
    let _ = tokio::fs::remove_dir_all(&scratch).await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(out_mp4).await;
    }
    result
}

async fn conform_in(
    script: &Script,
    index: usize,
    frames: u64,
    clip: &Path,
    clip_ms: u64,
    out_mp4: &Path,
    scratch: &Path,
) -> Result<(), VideoError> {
    let (l, _) = card(script, index, Path::new("."), true);
    let want_ms = frames * 1000 / FPS as u64;
    let clip_ms = clip_ms.max(1);
    let (stretch, looped) = if clip_ms >= want_ms {
        (1.0, false)
    } else if want_ms as f64 / clip_ms as f64 <= 1.6 {
        (want_ms as f64 / clip_ms as f64 + 0.01, false)
    } else {
        (1.0, true)
    };
    let mut graph = format!(
        "[0:v]setpts={stretch:.4}*(PTS-STARTPTS),scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=increase:flags=bicubic,crop={WIDTH}:{HEIGHT},fps={FPS},setsar=1,format=yuv420p,drawbox=x=0:y=0:w={WIDTH}:h={HEIGHT}:color=black@0.42:t=fill"
    );
    graph.push_str(&l.graph);
    graph.push_str(",format=yuv420p[v]");
    for (name, content) in &l.texts {
        tokio::fs::write(scratch.join(name), content).await.map_err(|e| crate::io_error("writing scene text", e))?;
    }
    tokio::fs::write(scratch.join("graph.txt"), &graph)
        .await
        .map_err(|e| crate::io_error("writing the filtergraph", e))?;
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    if looped {
        args.extend(["-stream_loop", "-1"].iter().map(Into::into));
    }
    args.push("-i".into());
    args.push(absolute(clip).into());
    args.extend(
        [
            "-filter_complex_script",
            "graph.txt",
            "-map",
            "[v]",
            "-frames:v",
            &frames.to_string(),
            "-r",
            "30",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            "17",
            "-pix_fmt",
            "yuv420p",
            "-an",
        ]
        .iter()
        .map(Into::into),
    );
    args.push(absolute(out_mp4).into());
    run_in(scratch, args).await
}
