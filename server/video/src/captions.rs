//! Word-synced captions: the narration's words grouped into cues of at most two short lines,
//! burned into each scene as karaoke (the spoken word highlighted) and written as WebVTT and SRT.

use crate::graphics::{ass_text, ts};
use crate::look::{ass_colour, ass_fill, Look};
use crate::text::{self, em_width};
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
/// Two lines are balanced: the break with the most even widths, so no line holds a lone word
/// ("The majority of tasks could be / completed" reads "The majority of tasks / could be completed").
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
    if lines.len() != 2 {
        return lines;
    }
    // A first line ending on "the" or "of", or on an initial ("Sean C. / Lema"), costs 6 em
    // of unevenness (about ten letters).
    let unevenness = |(a, b): &(String, String)| {
        let splits_name = a.rsplit(' ').next().is_some_and(is_initial);
        (em_width(a, true) - em_width(b, true)).abs() + if text::ends_dangling(a) || splits_name { 6.0 } else { 0.0 }
    };
    (1..words.len())
        .map(|k| (words[..k].join(" "), words[k..].join(" ")))
        .filter(|(a, b)| em_width(a, true) <= LINE_EM && em_width(b, true) <= LINE_EM)
        .min_by(|x, y| unevenness(x).total_cmp(&unevenness(y)))
        .map_or(lines, |(a, b)| vec![a, b])
}

/// Whether a word is a name's initial ("C."): its full stop ends no sentence.
fn is_initial(w: &str) -> bool {
    w.strip_suffix('.').is_some_and(|l| l.chars().count() == 1)
}

/// Words before which a caption line may break: they open a phrase or a clause.
const PHRASE_OPENERS: &[&str] =
    &["of", "in", "with", "for", "to", "from", "by", "on", "at", "and", "or", "but", "which", "when", "while", "after"];

/// The words at the end of a full caption page that belong with the next one, taken off `page`:
/// a word the `next` label letter or number names ("vitamin | A", "type | 2"), the words that
/// leave a page hanging ("… via the | link"; [`text::ends_dangling`]), else the phrase that
/// starts in the page's last four words ("a 90% reduction | in enzyme"). Three words stay.
fn carry_over(page: &mut Vec<(String, u64, u64)>, next: &str) -> Vec<(String, u64, u64)> {
    const KEEP: usize = 3;
    let label = next.trim_end_matches(|c: char| !c.is_alphanumeric());
    let names_label = label.chars().count() == 1 && label.chars().all(|c| c.is_uppercase() || c.is_ascii_digit());
    let mut at = page.len();
    if names_label && at > KEEP {
        at -= 1;
    }
    while at > KEEP && text::ends_dangling(&page[at - 1].0) {
        at -= 1;
    }
    if at == page.len() {
        let opener = |w: &str| PHRASE_OPENERS.contains(&w.to_lowercase().as_str());
        if let Some(k) = (KEEP.max(page.len().saturating_sub(4))..page.len()).rev().find(|&k| opener(&page[k].0)) {
            at = k;
        }
    }
    page.split_off(at)
}

/// Groups each scene's words into cues of at most two short lines that never outlast their scene.
pub fn cues(audios: &[SceneAudio]) -> Vec<Cue> {
    let spans = scene_spans(audios);
    let mut out: Vec<Cue> = Vec::new();
    for (i, (audio, &(s0, s1))) in audios.iter().zip(&spans).enumerate() {
        let mut page: Vec<(String, u64, u64)> = Vec::new();
        let mut pages: Vec<Vec<(String, u64, u64)>> = Vec::new();
        for (i, w) in audio.words.iter().enumerate() {
            let mut trial: Vec<&str> = page.iter().map(|p| p.0.as_str()).collect();
            trial.push(&w.text);
            if !page.is_empty() && (caption_lines(&trial).len() > 2 || page.len() >= MAX_WORDS_PER_CUE) {
                let carried = carry_over(&mut page, &w.text);
                pages.push(std::mem::replace(&mut page, carried));
            }
            page.push((w.text.clone(), (s0 + w.start_ms).min(s1), (s0 + w.end_ms).min(s1)));
            // A page ends with its sentence (not at an initial: "Diana N. D'Ambrosio"), or at a
            // comma once it holds a phrase and more than two words of the sentence are left.
            let sentence_end = w.text.ends_with(['.', '?', '!']) && !is_initial(&w.text) && page.len() >= 3;
            let rest_of_sentence = audio.words[i + 1..]
                .iter()
                .position(|n| n.text.ends_with(['.', '?', '!']))
                .map_or(usize::MAX, |p| p + 1);
            let clause_end = w.text.ends_with([',', ';', ':']) && page.len() >= 4 && rest_of_sentence > 2;
            if sentence_end || clause_end {
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

    fn pages(words: &str) -> Vec<String> {
        let audio = SceneAudio {
            duration_ms: 10_000,
            words: words
                .split(' ')
                .enumerate()
                .map(|(i, w)| crate::Word { text: w.into(), start_ms: i as u64 * 300, end_ms: i as u64 * 300 + 250 })
                .collect(),
        };
        cues(&[audio]).iter().map(|c| c.words.iter().map(|w| w.0.as_str()).collect::<Vec<_>>().join(" ")).collect()
    }

    #[test]
    fn a_caption_page_ends_where_a_reader_would_pause() {
        // Not between a name and its label letter, nor on "the".
        assert_eq!(
            pages("What do we now know about vitamin A metabolism?"),
            ["What do we now know about", "vitamin A metabolism?"]
        );
        assert_eq!(
            pages("We then measured the growth of the bacteria."),
            ["We then measured the growth", "of the bacteria."]
        );
        // Before the phrase that starts near the end of a full page.
        assert_eq!(
            pages("results in a 90% reduction in enzyme activity when analyzed."),
            ["results in a 90% reduction", "in enzyme activity when analyzed."]
        );
        // Not at an author's initial.
        assert_eq!(
            pages("Research by Diana N. D’Ambrosio and colleagues."),
            ["Research by Diana N. D’Ambrosio and colleagues."]
        );
        // Not at a comma that would leave a word or two alone.
        assert_eq!(
            pages("including retinyl esters, retinol, retinal."),
            ["including retinyl esters, retinol, retinal."]
        );
        // At a comma once the page holds a phrase.
        assert_eq!(
            pages("In older women over seventy, screening cut cancers."),
            ["In older women over seventy,", "screening cut cancers."]
        );
    }

    #[test]
    fn caption_lines_keep_words_whole_and_within_width() {
        let words = ["Нове", "дослідження:", "Когнітивно-поведінкова", "терапія", "при"];
        let lines = caption_lines(&words);
        // Each line lists whole words, in order, so the karaoke events put every word on its line.
        let again: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(again, words);
        assert!(lines.iter().all(|l| l.split_whitespace().count() == 1 || em_width(l, true) <= LINE_EM), "{lines:?}");
        assert!(lines.len() >= 2, "{lines:?}");
        // Two lines are balanced: no lone word under a full line.
        let lines = caption_lines(&["The", "majority", "of", "tasks", "could", "be", "completed"]);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.split_whitespace().count() >= 3), "{lines:?}");
        let lines = caption_lines(&["This", "figure", "from", "the", "paper", "shows", "an", "overview"]);
        assert!(!text::ends_dangling(&lines[0]), "{lines:?}");
        let lines = caption_lines(&["Research", "by", "Sean", "C.", "Lema", "and", "colleagues,"]);
        assert!(!lines[0].ends_with("C."), "{lines:?}");
    }
}
