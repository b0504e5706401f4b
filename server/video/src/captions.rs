//! Word-synced captions: the narration's words grouped into cues of at most two short lines,
//! burned into each scene as karaoke (the spoken word highlighted) and written as WebVTT and SRT.

use crate::graphics::{ass_text, ts};
use crate::look::{ass_colour, ass_fill, Look};
use crate::text::em_width;
use crate::{SceneAudio, FPS, HEIGHT};
use std::fmt::Write as _;

/// Width of a caption line in ems: about 800 px at the caption's size (\fs64, a 47 px em).
const LINE_EM: f64 = 17.0;
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

/// Packs whole spoken words into caption lines at most [`LINE_EM`] wide. Whole words, never a
/// break inside one (a hyphen, say): the karaoke events place each timed word on its line, so a
/// line must hold exactly the words it lists.
fn caption_lines(words: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in words {
        match lines.last_mut() {
            Some(line) if em_width(&format!("{line} {word}"), true) <= LINE_EM => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push((*word).to_string()),
        }
    }
    lines
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
            if !page.is_empty() && (caption_lines(&trial).len() > 2 || page.len() >= MAX_WORDS_PER_CUE) {
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
            out.push(Cue { start_ms: start, end_ms: end, lines: caption_lines(&text), words: p.clone(), scene: i });
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

/// A cue's lines as one payload: no line empty (a blank line ends a cue), none with a line
/// break or control character inside; `line` writes each line in the file's own syntax. A cue
/// with nothing printable is left out (its number is not skipped).
fn payload(lines: &[String], line: impl Fn(&str) -> String) -> String {
    lines
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { ' ' } else { c })
                .collect::<String>()
        })
        .filter(|l| !l.trim().is_empty())
        .map(|l| line(l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// WebVTT: cue text is markup (`<b>`, `<c.x>`, `&amp;`), so `&`, `<` and `>` are written as
/// character references, which also keeps `-->` out of the text.
pub fn vtt(cues: &[Cue]) -> String {
    let mut s = String::from("WEBVTT\n\n");
    let texts = cues
        .iter()
        .map(|c| (c, payload(&c.lines, |l| l.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;"))));
    for (i, (c, text)) in texts.filter(|(_, text)| !text.is_empty()).enumerate() {
        let _ = write!(s, "{}\n{} --> {}\n{}\n\n", i + 1, ts_vtt(c.start_ms), ts_vtt(c.end_ms), text);
    }
    s
}

/// SubRip has no escapes, and players read `<i>`-style tags and `{\an8}`-style overrides in it:
/// a `<` that could open a tag becomes `‹`, braces become parentheses, `-->` becomes `→`.
pub fn srt(cues: &[Cue]) -> String {
    let mut s = String::new();
    let texts = cues.iter().map(|c| (c, payload(&c.lines, srt_line)));
    for (i, (c, text)) in texts.filter(|(_, text)| !text.is_empty()).enumerate() {
        let _ = write!(s, "{}\n{} --> {}\n{}\n\n", i + 1, ts_srt(c.start_ms), ts_srt(c.end_ms), text);
    }
    s
}

fn srt_line(line: &str) -> String {
    let line = line.replace("-->", "→").replace('{', "(").replace('}', ")");
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        let opens_tag = c == '<' && chars.peek().is_some_and(|n| n.is_ascii_alphabetic() || *n == '/');
        out.push(if opens_tag { '‹' } else { c });
    }
    out
}

/// The captions' ASS style: bold, in one translucent box of the look's caption colour around
/// the whole cue so a bright figure never swallows them, centred in the band above the bottom
/// ~20 % and left of the right-hand button column. `family`: the font that has the narration's
/// glyphs.
///
/// BorderStyle 4 is libass's box behind the whole event (libass ≥ 0.17; Debian 12 has 0.17.1),
/// padded by the outline width; BorderStyle 3 drew a box per run of equal style, so the
/// highlighted word's box overlapped its neighbours' in darker seams.
pub fn caption_style(look: &Look, family: &str) -> String {
    format!(
        "Style: Caption,{family},{size},{text},{text},{no_outline},{box},-1,0,0,0,100,100,0,0,4,18,0,2,90,170,{CAPTION_MARGIN_V},1",
        size = look.size(64),
        text = ass_colour(look.caption_text, 1.0),
        no_outline = ass_colour(look.caption_box, 0.0),
        r#box = ass_colour(look.caption_box, 0.72),
    )
}

/// The karaoke events of `cues`: each cue shown whole, the word being said in the highlight
/// colour (same size, so the cue's box keeps its width from word to word).
pub fn caption_events(cues: &[Cue], look: &Look) -> String {
    let mut s = String::new();
    let hi = format!("{{{}}}", ass_fill(look.caption_highlight, 1.0));
    let lo = format!("{{{}}}", ass_fill(look.caption_text, 1.0));
    for c in cues {
        // Which line each word is on: the words are laid out in `lines` order.
        let mut line_of = Vec::new();
        for (li, line) in c.lines.iter().enumerate() {
            for _ in line.split_whitespace() {
                line_of.push(li);
            }
        }
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
                    let _ = write!(text, "{hi}{}{lo}", ass_text(w));
                } else {
                    text.push_str(&ass_text(w));
                }
            }
            let _ = writeln!(s, "Dialogue: 3,{},{},Caption,,0,0,0,,{text}", ts(start), ts(end));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caption_lines_keep_words_whole_and_within_width() {
        let words = ["Нове", "дослідження:", "Когнітивно-поведінкова", "терапія", "при"];
        let lines = caption_lines(&words);
        // Each line lists whole words, in order, so the karaoke events put every word on its line.
        let again: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(again, words);
        assert!(lines.iter().all(|l| l.split_whitespace().count() == 1 || em_width(l, true) <= LINE_EM), "{lines:?}");
        assert!(lines.len() >= 2, "{lines:?}");
    }
}
