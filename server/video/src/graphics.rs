//! Drawing one scene's beats, its chrome and its karaoke captions as one ASS script, which libass
//! burns into the scene in the same ffmpeg pass that draws the background and the figure. libass
//! shapes text with HarfBuzz, lays out right-to-left text with FriBidi and finds each writing
//! system's Noto font through fontconfig; we choose the line breaks ([`crate::text::wrap_em`]).
//!
//! Geometry (1080×1920): the brand and progress bar at the top, the scene label at y 250, beats
//! between y 360 and 1150, x 90–930 (clear of the platforms' right-hand buttons); the captions'
//! band below 1300, above the bottom ~20 % the platforms cover.

use crate::beats::{Beat, BeatKind, MAX_BEAT_WORDS};
use crate::captions::{self, Cue};
use crate::look::{ass_colour, ass_fill, family_for, Look, WritingSystem};
use crate::script::Script;
use crate::text::{em_width, wrap_em};
use crate::{HEIGHT, WIDTH};
use std::fmt::Write as _;

pub const MARGIN: i32 = 90;
/// Text stays left of this (the right-hand button column of TikTok and Reels).
pub const RIGHT: i32 = 930;
const TEXT_W: i32 = RIGHT - MARGIN;
const LABEL_Y: i32 = 250;
const CONTENT_TOP: i32 = 370;
const CONTENT_BOTTOM: i32 = 1150;

/// Where a figure sits: the light panel, in px.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Panel {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// The figure panel of a figure beat.
pub const FIGURE_PANEL: Panel = Panel { x: 70, y: 340, w: 860, h: 680 };

/// One figure beat for the renderer: the image, when it shows (ms, scene-relative), and where it
/// looks.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureWindow {
    pub image: String,
    pub start_ms: u64,
    pub end_ms: u64,
    pub focus: (f64, f64),
    pub zoom: f64,
}

/// The figure beats of a plan, in order.
pub fn figure_windows(beats: &[Beat]) -> Vec<FigureWindow> {
    beats
        .iter()
        .filter_map(|b| match &b.kind {
            BeatKind::Figure { image, focus, zoom, .. } => Some(FigureWindow {
                image: image.clone(),
                start_ms: b.start_ms,
                end_ms: b.end_ms,
                focus: *focus,
                zoom: *zoom,
            }),
            _ => None,
        })
        .collect()
}

/// The ASS script of scene `index`: chrome, label, beats, and the captions of `cues`
/// (scene-relative times). `duration_ms`: the scene's length.
pub fn scene_ass(script: &Script, index: usize, beats: &[Beat], cues: &[Cue], duration_ms: u64, look: &Look) -> String {
    let narration = script.scenes.get(index).map(|s| s.narration.as_str()).unwrap_or_default();
    let mut s = header(look, family_for(look, narration, false));
    let mut d = Drawer { out: &mut s, look, still: false, scene_ms: duration_ms };
    d.chrome(index, script.scenes.len(), duration_ms);
    if let Some(scene) = script.scenes.get(index) {
        if !scene.label.is_empty() {
            d.label(&scene.label, duration_ms);
        }
    }
    for beat in beats {
        d.beat(beat);
    }
    s.push_str(&captions::caption_events(cues, look));
    s
}

/// The thumbnail's ASS script: the hook (or the key number) big over the style's background.
pub fn thumbnail_ass(script: &Script, look: &Look) -> String {
    let mut s = header(look, look.sans);
    let mut d = Drawer { out: &mut s, look, still: true, scene_ms: 1_000 };
    d.chrome(0, 1, 1_000);
    // The number with the words its own scene puts under it: a label taken from the hook could
    // say the number measures something it does not.
    let key = script
        .scenes
        .iter()
        .find_map(|sc| Some((sc.key_number.clone()?, sc.on_screen_text.clone())))
        .filter(|(k, label)| !k.trim().is_empty() && !label.trim().is_empty());
    let hook = if script.hook.trim().is_empty() { script.title.clone() } else { script.hook.clone() };
    let end = 1_000;
    let beat = |kind| Beat { start_ms: 0, end_ms: end, kind };
    match key {
        Some((number, label)) if em_width(&number, true) <= 6.0 => {
            d.beat(&beat(BeatKind::Number { number, label: crate::beats::limit_words(&label, MAX_BEAT_WORDS) }));
        }
        _ => d.beat(&beat(BeatKind::Hook { text: hook })),
    }
    s
}

fn header(look: &Look, caption_family: &str) -> String {
    format!(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: {WIDTH}\nPlayResY: {HEIGHT}\nWrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n\
[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n\
Style: Beat,{sans},60,{ink},{ink},&HFF000000,&HFF000000,0,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1\n\
{caption}\n\n\
[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n",
        sans = look.sans,
        ink = ass_colour(look.ink, 1.0),
        caption = captions::caption_style(look, caption_family),
    )
}

/// Text for an ASS event: override blocks (`{…}`), escapes (`\N`, `\h`, a lone `\`) and line
/// breaks cannot be smuggled in, whatever the paper or a hand-edited script says. ASS has no
/// escape for these, so they become look-alikes: `∖`, `(`, `)`; control characters become spaces.
pub fn ass_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\\' => '∖',
            '{' => '(',
            '}' => ')',
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => ' ',
            c => c,
        })
        .collect()
}

pub fn ts(ms: u64) -> String {
    let cs = ms / 10;
    format!("{}:{:02}:{:02}.{:02}", cs / 360_000, cs / 6000 % 60, cs / 100 % 60, cs % 100)
}

/// An ASS font size is the font's line height (ascent + descent), not its em: Noto's em is about
/// 0.735 of it. Widths estimated in ems ([`em_width`]) are scaled by this.
pub const EM_PER_FONT_SIZE: f64 = 0.735;

/// The largest size in `[min, max]` at which `text` wraps into at most `max_lines` lines inside
/// `w`×`h` px, and those lines.
fn fit(text: &str, bold: bool, w: i32, h: i32, max: i32, min: i32, max_lines: usize) -> (i32, Vec<String>) {
    let mut size = max;
    loop {
        let em = size as f64 * EM_PER_FONT_SIZE;
        let lines = wrap_em(text, w as f64 / em, bold);
        let height = lines.len() as i32 * line_height(size);
        let fits = lines.iter().all(|l| em_width(l, bold) * em <= w as f64);
        if (height <= h && lines.len() <= max_lines && fits) || size <= min {
            let mut lines = lines;
            if lines.len() > max_lines {
                lines.truncate(max_lines);
                if let Some(last) = lines.last_mut() {
                    *last = format!("{}…", last.trim_end_matches([',', ';', ':', '.']));
                }
            }
            return (size, lines);
        }
        size -= 4;
    }
}

/// libass spaces lines by the font size; a little air on top.
fn line_height(size: i32) -> i32 {
    size * 21 / 20
}

struct Drawer<'a> {
    out: &'a mut String,
    look: &'a Look,
    /// A still picture (the thumbnail): no entrance or exit motion.
    still: bool,
    /// The scene's length: what is on screen at its start or end enters or leaves by the cut,
    /// not by a fade (a fade there is a blank frame or two at every scene change).
    scene_ms: u64,
}

struct TextBox<'t> {
    text: &'t str,
    bold: bool,
    serif: bool,
    colour: &'static str,
    max: i32,
    min: i32,
    max_lines: usize,
}

impl Drawer<'_> {
    fn event(&mut self, layer: u8, start: u64, end: u64, tags: &str, text: &str) {
        if end <= start {
            return;
        }
        let _ = writeln!(self.out, "Dialogue: {layer},{},{},Beat,,0,0,0,,{{{tags}}}{text}", ts(start), ts(end));
    }

    fn motion(&self, x: i32, y: i32, rtl: bool, start: u64, end: u64) -> String {
        if self.still {
            return format!("\\pos({x},{y})");
        }
        let m = self.look.motion_ms;
        let (dx, dy) = if rtl { (-self.look.slide_px, 0) } else { (0, self.look.slide_px) };
        format!(
            "\\move({},{},{x},{y},0,{m}){}",
            x + dx,
            y + dy,
            self.fade(start, end, m * 2 / 3, 140.min((end - start) / 4))
        )
    }

    /// `\fad(in, out)` for an event from `start` to `end` (ms in the scene), but no fade at the
    /// scene's start or end, where the cut is the entrance or the exit; nothing on a still.
    fn fade(&self, start: u64, end: u64, fade_in: u64, fade_out: u64) -> String {
        if self.still {
            return String::new();
        }
        let fade_in = if start == 0 { 0 } else { fade_in };
        let fade_out = if end >= self.scene_ms { 0 } else { fade_out };
        format!("\\fad({fade_in},{fade_out})")
    }

    /// Draws `b`'s lines from (x, y) down; returns the y below the block.
    // (Time span, box and style: flattening them reads more plainly at the call sites.)
    #[allow(clippy::too_many_arguments)]
    fn text_block(&mut self, start: u64, end: u64, x: i32, y: i32, w: i32, h: i32, b: TextBox) -> i32 {
        let family = family_for(self.look, b.text, b.serif);
        let rtl = WritingSystem::dominant(b.text).is_rtl();
        let (size, lines) = fit(b.text, b.bold, w, h, self.look.size(b.max), self.look.size(b.min), b.max_lines);
        if lines.is_empty() {
            return y;
        }
        let (an, x) = if rtl { (9, x + w) } else { (7, x) };
        let tags = format!(
            "\\an{an}{}\\fn{family}\\fs{size}\\b{}{}\\bord0\\shad0\\q2",
            self.motion(x, y, rtl, start, end),
            u8::from(b.bold && self.look.weight_bold),
            ass_fill(b.colour, 1.0),
        );
        let body = lines.iter().map(|l| ass_text(l)).collect::<Vec<_>>().join("\\N");
        self.event(2, start, end, &tags, &body);
        y + lines.len() as i32 * line_height(size)
    }

    #[allow(clippy::too_many_arguments)]
    fn rect(&mut self, start: u64, end: u64, x: i32, y: i32, w: i32, h: i32, colour: &str, opacity: f64, extra: &str) {
        if w <= 0 || h <= 0 {
            return;
        }
        let tags = format!("\\an7\\pos({x},{y})\\p1{}\\bord0\\shad0{extra}", ass_fill(colour, opacity));
        self.event(1, start, end, &tags, &format!("m 0 0 l {w} 0 {w} {h} 0 {h}"));
    }

    /// Story-style progress segments and the brand, for the whole scene.
    fn chrome(&mut self, index: usize, count: usize, duration: u64) {
        let count = count.max(1);
        let (gap, left) = (10, 60);
        let seg = (WIDTH as i32 - 2 * left - gap * (count as i32 - 1)) / count as i32;
        for i in 0..count {
            let x = left + i as i32 * (seg + gap);
            let (colour, opacity) = match i.cmp(&index) {
                std::cmp::Ordering::Less => (self.look.ink, 0.75),
                std::cmp::Ordering::Equal => (self.look.accent, 1.0),
                std::cmp::Ordering::Greater => (self.look.ink, 0.22),
            };
            self.rect(0, duration, x, 72, seg, 8, colour, opacity, "");
        }
        let tags = format!(
            "\\an7\\pos({MARGIN},118)\\fn{}\\fs30\\b1{}\\bord0\\shad0",
            self.look.sans,
            ass_fill(self.look.muted, 1.0)
        );
        self.event(1, 0, duration, &tags, "HIDDEN HILL");
    }

    fn label(&mut self, label: &str, duration: u64) {
        let upper = label.to_uppercase();
        let family = family_for(self.look, &upper, false);
        let size = self.look.size(40);
        let tags = format!(
            "\\an7\\pos({MARGIN},{LABEL_Y})\\fn{family}\\fs{size}\\b1{}\\bord0\\shad0",
            ass_fill(self.look.accent, 1.0),
        );
        // No fade: the label arrives with its scene, by the cut.
        self.event(1, 0, duration, &tags, &ass_text(&upper));
        let rule_extra = if self.still { String::new() } else { "\\fscx0\\t(0,400,\\fscx100)".into() };
        self.rect(0, duration, MARGIN, LABEL_Y + size * 6 / 5 + 10, 110, 8, self.look.accent, 1.0, &rule_extra);
    }

    fn beat(&mut self, beat: &Beat) {
        let (s, e) = (beat.start_ms, beat.end_ms);
        let look = self.look;
        match &beat.kind {
            BeatKind::Hook { text } => {
                let (size, lines) = fit(text, true, TEXT_W, 700, look.size(128), look.size(64), 7);
                let h = lines.len() as i32 * line_height(size);
                let y = (700 - h / 2).max(CONTENT_TOP);
                self.text_block(
                    s,
                    e,
                    MARGIN,
                    y,
                    TEXT_W,
                    700,
                    TextBox { text, bold: true, serif: false, colour: look.ink, max: 128, min: 64, max_lines: 7 },
                );
            }
            BeatKind::Title { title, venue } => {
                let end = self.text_block(
                    s,
                    e,
                    MARGIN,
                    CONTENT_TOP + 60,
                    TEXT_W,
                    560,
                    TextBox {
                        text: title,
                        bold: true,
                        serif: false,
                        colour: look.ink,
                        max: 104,
                        min: 56,
                        max_lines: 6,
                    },
                );
                if !venue.is_empty() {
                    self.rect(s, e, MARGIN, end + 40, 60, 6, look.accent, 1.0, "");
                    self.text_block(
                        s,
                        e,
                        MARGIN,
                        end + 70,
                        TEXT_W,
                        140,
                        TextBox {
                            text: venue,
                            bold: false,
                            serif: false,
                            colour: look.muted,
                            max: 48,
                            min: 32,
                            max_lines: 2,
                        },
                    );
                }
            }
            BeatKind::Phrase { text } => {
                let (size, lines) = fit(text, true, TEXT_W - 40, 620, look.size(116), look.size(60), 5);
                let h = lines.len() as i32 * line_height(size);
                let y = (720 - h / 2).max(CONTENT_TOP);
                let rule = if self.still { String::new() } else { "\\fscy0\\t(0,300,\\fscy100)".into() };
                self.rect(s, e, MARGIN - 10, y + 8, 10, (h - 16).max(20), look.accent, 1.0, &rule);
                self.text_block(
                    s,
                    e,
                    MARGIN + 30,
                    y,
                    TEXT_W - 40,
                    620,
                    TextBox { text, bold: true, serif: false, colour: look.ink, max: 116, min: 60, max_lines: 5 },
                );
            }
            BeatKind::Number { number, label } => {
                let em = em_width(number, true).max(1.0);
                let size = ((TEXT_W as f64 / (em * EM_PER_FONT_SIZE)) as i32).clamp(140, look.size(520));
                let y = 420;
                let grow = if self.still {
                    String::new()
                } else {
                    format!(
                        "\\fscx45\\fscy45\\t(0,{},0.5,\\fscx100\\fscy100){}",
                        look.motion_ms + 150,
                        self.fade(s, e, 100, 140)
                    )
                };
                let tags = format!(
                    "\\an8\\pos({},{y}){grow}\\fn{}\\fs{size}\\b1{}\\bord0\\shad0",
                    MARGIN + TEXT_W / 2,
                    family_for(look, number, false),
                    ass_fill(look.accent, 1.0)
                );
                self.event(2, s, e, &tags, &ass_text(number));
                let below = y + size * 11 / 10;
                if !label.is_empty() {
                    self.text_block(
                        s,
                        e,
                        MARGIN,
                        below + 30,
                        TEXT_W,
                        CONTENT_BOTTOM - below - 30,
                        TextBox {
                            text: label,
                            bold: false,
                            serif: false,
                            colour: look.ink,
                            max: 64,
                            min: 40,
                            max_lines: 4,
                        },
                    );
                }
            }
            BeatKind::Compare { bars, label } => {
                let (base, max_h, bar_w) = (1040, 480, 250);
                let top = bars[0].1.max(bars[1].1).max(f64::MIN_POSITIVE);
                for (i, (text, value)) in bars.iter().enumerate() {
                    let x = MARGIN + 60 + i as i32 * (bar_w + 160);
                    let h = ((value / top) * max_h as f64).round().max(12.0) as i32;
                    let (colour, opacity) = if i == 1 { (look.accent, 1.0) } else { (look.ink, 0.55) };
                    let grow = if self.still {
                        String::new()
                    } else {
                        format!("\\fscy0\\t({},{},\\fscy100)", i * 250, i * 250 + 600)
                    };
                    let tags = format!("\\an1\\pos({x},{base})\\p1{}\\bord0\\shad0{grow}", ass_fill(colour, opacity));
                    self.event(1, s, e, &tags, &format!("m 0 0 l {bar_w} 0 {bar_w} {h} 0 {h}"));
                    let tags = format!(
                        "\\an2\\pos({},{})\\fn{}\\fs{}\\b1{}\\bord0\\shad0{}",
                        x + bar_w / 2,
                        base - h - 16,
                        look.sans,
                        look.size(84),
                        ass_fill(colour, 1.0),
                        if self.still { String::new() } else { format!("\\fad({},0)", 300 + i * 250) }
                    );
                    self.event(2, s, e, &tags, &ass_text(text));
                }
                if !label.is_empty() {
                    self.text_block(
                        s,
                        e,
                        MARGIN,
                        CONTENT_TOP,
                        TEXT_W,
                        150,
                        TextBox {
                            text: label,
                            bold: true,
                            serif: false,
                            colour: look.ink,
                            max: 56,
                            min: 36,
                            max_lines: 2,
                        },
                    );
                }
                self.rect(s, e, MARGIN, base, TEXT_W, 4, look.muted, 0.8, "");
            }
            BeatKind::Figure { caption, .. } => {
                // The panel and the figure are drawn by ffmpeg beneath this text (visuals.rs).
                let p = FIGURE_PANEL;
                if !caption.is_empty() {
                    self.text_block(
                        s,
                        e,
                        MARGIN,
                        p.y + p.h + 36,
                        TEXT_W,
                        CONTENT_BOTTOM - (p.y + p.h + 36),
                        TextBox {
                            text: caption,
                            bold: true,
                            serif: false,
                            colour: look.ink,
                            max: 52,
                            min: 36,
                            max_lines: 2,
                        },
                    );
                }
            }
            BeatKind::Quote { text, who } => {
                let quote_tags = format!(
                    "\\an7\\pos({},300)\\fn{}\\fs{}\\b1{}\\bord0\\shad0{}",
                    MARGIN - 14,
                    look.serif,
                    look.size(280),
                    ass_fill(look.accent, 1.0),
                    self.fade(s, e, 200, 120)
                );
                self.event(2, s, e, &quote_tags, "“");
                let end = self.text_block(
                    s,
                    e,
                    MARGIN,
                    600,
                    TEXT_W,
                    420,
                    TextBox { text, bold: false, serif: true, colour: look.ink, max: 96, min: 52, max_lines: 5 },
                );
                if !who.is_empty() {
                    self.rect(s, e, MARGIN, end + 40, 60, 6, look.accent, 1.0, "");
                    self.text_block(
                        s,
                        e,
                        MARGIN + 80,
                        end + 20,
                        TEXT_W - 80,
                        120,
                        TextBox {
                            text: who,
                            bold: false,
                            serif: false,
                            colour: look.muted,
                            max: 40,
                            min: 30,
                            max_lines: 2,
                        },
                    );
                }
            }
            BeatKind::Credits { lines } => {
                // Read at a glance on a phone: the first line as large as a key phrase's smallest.
                let mut y = CONTENT_TOP + 160;
                for (i, line) in lines.iter().enumerate() {
                    let (max, bold, colour) = match i {
                        0 => (80, true, look.ink),
                        1 => (58, false, look.ink),
                        _ => (50, false, look.accent),
                    };
                    y = self.text_block(
                        s,
                        e,
                        MARGIN,
                        y,
                        TEXT_W,
                        (CONTENT_BOTTOM - y).max(60),
                        TextBox { text: line, bold, serif: false, colour, max, min: 36, max_lines: 3 },
                    ) + 34;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_fits_its_box() {
        assert_eq!(ass_text("a{\\b1}b\nc"), "a(∖b1)b c");
        let (size, lines) = fit("Screening cut advanced cancer cases by eight percent", true, 828, 400, 100, 56, 4);
        assert!(lines.len() <= 4 && size <= 100);
        assert!(
            lines.iter().all(|l| em_width(l, true) * size as f64 * EM_PER_FONT_SIZE <= 828.0),
            "{lines:?} at {size}"
        );
        assert_eq!(ts(61_234), "0:01:01.23");
    }

    #[test]
    fn a_scene_cuts_in_and_out_while_its_beats_fade_between() {
        let look = crate::Style::Dark.look();
        let mut out = String::new();
        let mut d = Drawer { out: &mut out, look: &look, still: false, scene_ms: 6_000 };
        for (start_ms, end_ms) in [(0, 3_000), (3_000, 6_000)] {
            d.beat(&Beat { start_ms, end_ms, kind: BeatKind::Phrase { text: "Advanced cancers".into() } });
        }
        let fades: Vec<&str> = out.lines().filter_map(|l| l.split("\\fad(").nth(1)?.split(')').next()).collect();
        // Full on the scene's first frame and still there on its last: no blank frame at the cut.
        assert_eq!(fades, ["0,140", "213,0"], "{out}");
    }
}
