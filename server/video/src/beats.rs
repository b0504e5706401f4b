//! Beats: each scene cut into moments of 2–4 s that follow the narration's word timings, each
//! showing one thing — the hook, the short title, a key phrase, the key number, two numbers
//! compared, the paper's figure moving toward what is discussed, a pull quote, the credits.
//!
//! Planning is pure (script + word timings in, beats out) so it is tested without rendering;
//! `graphics` draws the plan. The captions carry the narration, so a beat never shows it as a
//! paragraph: at most [`MAX_BEAT_WORDS`] words (the hook, at most 15, is the one exception).

use crate::script::{SceneKind, Script};
use crate::text;
use crate::{SceneAudio, Word};
use regex::Regex;
use std::sync::LazyLock;

/// The longest a beat may last before the picture changes (ms): viewers swipe after ~4 s.
pub const MAX_BEAT_MS: u64 = 3_600;
/// The shortest a beat lasts when the scene is long enough to have two (ms).
pub const MIN_BEAT_MS: u64 = 2_000;
/// The most words a beat shows.
pub const MAX_BEAT_WORDS: usize = 10;

/// One moment of a scene, times relative to the scene's start (ms).
#[derive(Clone, Debug, PartialEq)]
pub struct Beat {
    pub start_ms: u64,
    pub end_ms: u64,
    pub kind: BeatKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BeatKind {
    /// The hook line, big: the first beat of the title scene.
    Hook { text: String },
    /// The short title (≤ 12 words) and its venue ("PLOS ONE · 2012").
    Title { title: String, venue: String },
    /// A key phrase of at most ten words.
    Phrase { text: String },
    /// The key number, huge, scaling in, with what it counts beneath.
    Number { number: String, label: String },
    /// Two numbers with the same unit as a bar pair ("from 12% to 8%").
    Compare { bars: [(String, f64); 2], label: String },
    /// The paper's figure on a panel, easing toward `focus` (fractions of the image's width and
    /// height) at `zoom` (1 = the whole figure).
    Figure { image: String, label: String, caption: String, focus: (f64, f64), zoom: f64 },
    /// A pull quote and who wrote it.
    Quote { text: String, who: String },
    /// Credit lines: authors and venue, then the identifier and licence.
    Credits { lines: Vec<String> },
}

impl BeatKind {
    /// A short name for tests and logs ("hook", "number", "figure", …).
    pub fn name(&self) -> &'static str {
        match self {
            BeatKind::Hook { .. } => "hook",
            BeatKind::Title { .. } => "title",
            BeatKind::Phrase { .. } => "phrase",
            BeatKind::Number { .. } => "number",
            BeatKind::Compare { .. } => "compare",
            BeatKind::Figure { .. } => "figure",
            BeatKind::Quote { .. } => "quote",
            BeatKind::Credits { .. } => "credits",
        }
    }
}

/// Plans scene `index`'s beats from its voice's word timings. `figure`: the scene's figure image
/// file name when the renderer has the image (else a figure scene is drawn as key phrases).
/// The beats cover `[0, audio.duration_ms)` without gaps, each at most [`MAX_BEAT_MS`] long.
pub fn plan(script: &Script, index: usize, audio: &SceneAudio, figure: Option<&str>) -> Vec<Beat> {
    let Some(scene) = script.scenes.get(index) else { return Vec::new() };
    let spans = spans(audio.duration_ms, &audio.words, scene.kind == SceneKind::Title);
    let narration_numbers = numbers_in(&scene.narration);
    let mut shown: Vec<String> = Vec::new();
    let mut beats = Vec::with_capacity(spans.len());
    for (k, &(start_ms, end_ms)) in spans.iter().enumerate() {
        let words: Vec<&str> = audio
            .words
            .iter()
            .filter(|w| w.start_ms >= start_ms && w.start_ms < end_ms)
            .map(|w| w.text.as_str())
            .collect();
        let kind = beat_for(script, index, k, spans.len(), &words, figure, &narration_numbers, &shown);
        if let BeatKind::Phrase { text } | BeatKind::Hook { text } = &kind {
            shown.push(text.clone());
        }
        if let BeatKind::Number { number, .. } = &kind {
            shown.push(number.clone());
        }
        beats.push(Beat { start_ms, end_ms, kind });
    }
    beats
}

/// Word timings as a voice at `pace` would about give them for `narration`, for planning a
/// scene's beats before its voice exists (the studio's storyboard): every word the same length
/// at the pace's words a minute (`Pace::words_per_minute`), 200 ms more after a comma, semicolon or colon
/// and 400 ms after a sentence's end. The real plan follows the voice's own timings.
pub fn estimated_audio(narration: &str, pace: crate::voice::Pace) -> SceneAudio {
    let word_ms = (60_000.0 / pace.words_per_minute()).round() as u64;
    let mut at = 0u64;
    let mut words = Vec::new();
    for w in narration.split_whitespace() {
        let end = at + word_ms;
        words.push(Word { text: w.to_owned(), start_ms: at, end_ms: end });
        at = end
            + match w.chars().last() {
                Some('.' | '?' | '!') => 400,
                Some(',' | ';' | ':') => 200,
                _ => 0,
            };
    }
    SceneAudio { duration_ms: at.max(word_ms), words }
}

/// What a beat shows, in a few words of the product's language, for a person reading the plan
/// ("Key number: 45%", "The figure: Figure 2"); the beat's own text, not its drawing.
pub fn describe(kind: &BeatKind) -> String {
    match kind {
        BeatKind::Hook { text } => format!("Hook: {text}"),
        BeatKind::Title { title, venue } if venue.is_empty() => format!("Title: {title}"),
        BeatKind::Title { title, venue } => format!("Title: {title} ({venue})"),
        BeatKind::Phrase { text } => format!("Key phrase: {text}"),
        BeatKind::Number { number, label } if label.is_empty() => format!("Key number: {number}"),
        BeatKind::Number { number, label } => format!("Key number: {number}, {label}"),
        BeatKind::Compare { bars, label } => format!("Two bars: {} and {}, {label}", bars[0].0, bars[1].0),
        BeatKind::Figure { label, zoom, .. } if *zoom > 1.05 => format!("The figure, closer: {label}"),
        BeatKind::Figure { label, .. } => format!("The figure: {label}"),
        BeatKind::Quote { text, .. } => format!("Pull quote: {text}"),
        BeatKind::Credits { lines } => format!("Credits: {}", lines.join(" · ")),
    }
}

/// Cuts `[0, duration)` into beats of 2–3.6 s whose boundaries fall just before a word starts,
/// preferably after a pause or punctuation. A title scene gets at least two (hook, then title).
fn spans(duration: u64, words: &[Word], title: bool) -> Vec<(u64, u64)> {
    let target = 3_000f64;
    let mut n = ((duration as f64 / target).round() as u64).max(1);
    while duration.div_ceil(n) > MAX_BEAT_MS {
        n += 1;
    }
    while n > 1 && duration / n < MIN_BEAT_MS && duration.div_ceil(n - 1) <= MAX_BEAT_MS {
        n -= 1;
    }
    if title && n < 2 && duration >= 2_400 {
        n = 2;
    }
    let mut bounds = vec![0u64];
    for k in 1..n {
        let ideal = duration * k / n;
        let prev = *bounds.last().unwrap_or(&0);
        // The change lands 80 ms before a word, so the eye meets the word with the ear.
        let best = words
            .iter()
            .enumerate()
            .filter(|(_, w)| w.start_ms > 80)
            .map(|(i, w)| {
                let at = w.start_ms - 80;
                let after_pause = i > 0 && words[i - 1].text.ends_with(CLAUSE_END);
                let cost = at.abs_diff(ideal) as i64 - if after_pause { 450 } else { 0 };
                (cost, at)
            })
            .filter(|&(_, at)| at >= prev + 1_500 && at + 1_200 <= duration && at.abs_diff(ideal) <= 700)
            .min_by_key(|&(cost, _)| cost)
            .map(|(_, at)| at);
        let at = best.unwrap_or(ideal).max(prev + 1);
        if at < duration {
            bounds.push(at);
        }
    }
    bounds.push(duration);
    bounds.windows(2).map(|w| (w[0], w[1])).filter(|(a, b)| b > a).collect()
}

#[allow(clippy::too_many_arguments)]
fn beat_for(
    script: &Script,
    index: usize,
    k: usize,
    count: usize,
    words: &[&str],
    figure: Option<&str>,
    numbers: &[(String, f64)],
    shown: &[String],
) -> BeatKind {
    let scene = &script.scenes[index];
    let phrase = || BeatKind::Phrase { text: fresh_phrase(words, &scene.narration, shown) };
    match scene.kind {
        SceneKind::Title => match k {
            0 => BeatKind::Hook {
                text: if script.hook.is_empty() { scene.on_screen_text.clone() } else { script.hook.clone() },
            },
            1 => BeatKind::Title { title: short_title(script), venue: venue(script) },
            _ => phrase(),
        },
        SceneKind::Credits => {
            let lines = credit_lines(script);
            let (first, second) = lines.split_at(lines.len().min(2));
            match k {
                0 if count > 1 && !second.is_empty() => BeatKind::Credits { lines: first.to_vec() },
                0 => BeatKind::Credits { lines },
                1 if !second.is_empty() => BeatKind::Credits { lines: second.to_vec() },
                _ => BeatKind::Phrase {
                    text: if scene.label.is_empty() { "Read the paper".into() } else { scene.label.clone() },
                },
            }
        }
        SceneKind::Figure if figure.is_some() => {
            let image = figure.unwrap_or_default().to_string();
            let (focus, zoom) = figure_focus(&scene.narration, k);
            BeatKind::Figure {
                image,
                label: if scene.label.is_empty() { "Figure".into() } else { scene.label.clone() },
                caption: if k == 0 {
                    scene.on_screen_text.clone()
                } else {
                    fresh_phrase(words, &scene.narration, shown)
                },
                focus,
                zoom,
            }
        }
        // A finding that carries the paper's figure (no room for a Figure scene) ends on it.
        SceneKind::Point | SceneKind::Number | SceneKind::Quote if k > 0 && k + 1 == count && figure.is_some() => {
            let (focus, zoom) = figure_focus(&scene.narration, 0);
            let label = scene.figure_label.clone().unwrap_or_else(|| "Figure".into());
            // The heading above says "What they found": the caption names the figure.
            let phrase = fresh_phrase(words, &scene.narration, shown);
            let caption = if phrase.is_empty() { label.clone() } else { format!("{label} · {phrase}") };
            BeatKind::Figure { image: figure.unwrap_or_default().to_string(), label, caption, focus, zoom }
        }
        SceneKind::Number if k == 0 => match scene.key_number.clone().filter(|n| !n.trim().is_empty()) {
            Some(number) => BeatKind::Number { number, label: limit_words(&scene.on_screen_text, MAX_BEAT_WORDS) },
            None => BeatKind::Phrase { text: limit_words(&scene.on_screen_text, MAX_BEAT_WORDS) },
        },
        SceneKind::Quote if k == 0 => BeatKind::Quote {
            text: limit_words(&scene.on_screen_text, MAX_BEAT_WORDS),
            who: if script.credits.authors.is_empty() { String::new() } else { script.credits.authors.clone() },
        },
        // (A card that only repeats the label is no key phrase.)
        SceneKind::Point
            if k == 0
                && !scene.on_screen_text.trim().is_empty()
                && !scene.on_screen_text.trim().eq_ignore_ascii_case(scene.label.trim()) =>
        {
            BeatKind::Phrase { text: limit_words(&scene.on_screen_text, MAX_BEAT_WORDS) }
        }
        _ => {
            // A later beat: two numbers compared, a number not yet shown, or a key phrase.
            if k == 1 {
                if let Some(bars) = compare(&scene.narration, numbers) {
                    return BeatKind::Compare { bars, label: limit_words(&scene.on_screen_text, 6) };
                }
            }
            let spoken = words.join(" ");
            if let Some(number) = crate::script::key_number(&spoken).filter(|n| !shown.contains(n)) {
                if numbers.iter().any(|(t, _)| number.contains(t.as_str())) {
                    let label = fresh_phrase(&without(words, &number), &scene.narration, shown);
                    return BeatKind::Number { number, label };
                }
            }
            phrase()
        }
    }
}

/// The title card's title: the writer's short title (at most 12 words).
fn short_title(script: &Script) -> String {
    script.card_title()
}

/// "Journal · 2012", or whichever of the two is known.
pub fn venue(script: &Script) -> String {
    [script.credits.journal.clone(), script.credits.year.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ")
}

/// The credits card's lines, most important first: authors, venue, identifier, licence.
pub fn credit_lines(script: &Script) -> Vec<String> {
    let c = &script.credits;
    let mut lines = Vec::new();
    if !c.authors.trim().is_empty() {
        lines.push(c.authors.clone());
    }
    let v = venue(script);
    if !v.is_empty() {
        lines.push(v);
    }
    if let Some(id) = c.identifier() {
        lines.push(id);
    }
    if let Some(l) = c.license.as_ref().filter(|l| !l.trim().is_empty()) {
        lines.push(l.clone());
    }
    if lines.is_empty() {
        lines.push(short_title(script));
    }
    lines
}

pub(crate) fn limit_words(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= max {
        return words.join(" ");
    }
    trim_function_words(&words[..max]).join(" ")
}

fn without<'a>(words: &[&'a str], number: &str) -> Vec<&'a str> {
    let first = number.split_whitespace().next().unwrap_or(number);
    words.iter().copied().filter(|w| !w.contains(first)).collect()
}

const FUNCTION_WORDS: &[&str] = &[
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "from", "and", "or", "but", "as", "is", "are",
    "was", "were", "be", "been", "has", "have", "had", "that", "this", "these", "those", "it", "its", "their", "we",
    "our", "they", "than", "which", "who", "into", "between", "among", "not", "can", "could", "may", "might", "will",
    "would", "should", "also", "such", "there", "when", "while", "where", "so", "if", "then", "because", "about",
    "what", "how", "one", "caveat", "however", "thus", "moreover", "without", "within", "upon", "after", "before",
    "during", "through", "via", "against", "across", "toward", "towards", "per", "under", "over", "using",
];

/// The punctuation that ends a clause: where a beat's phrase, a negation's reach and a pause end.
const CLAUSE_END: [char; 6] = [',', ';', ':', '.', '?', '!'];

/// Auxiliaries and modals, before which a beat's phrase ends ("Lip-HSL enzymes | were found",
/// "N-selective inhibition | could allow …").
const AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "can", "could", "may", "might", "will", "would",
    "should", "must",
];

/// Words that open a subordinate or relative clause: a beat's phrase never runs across one.
const SUBORDINATORS: &[&str] =
    &["when", "while", "where", "whereas", "because", "although", "though", "unless", "until", "which", "who", "whose"];

fn is_function_word(w: &str) -> bool {
    let w = text::bare_word(w);
    w.is_empty() || FUNCTION_WORDS.contains(&w.as_str())
}

/// Words that say "the paper" rather than what it is about: a card of "Study" alone says
/// little, so they count for less in a phrase's score (they are not trimmed: "Case study").
const META_WORDS: &[&str] = &["study", "studies", "paper", "article", "review", "work", "research", "authors"];

/// Verbs that open a clause in their plain form ("Provide evidence that …", "Show that …") or
/// a list ("Including retinyl esters"): no card starts on one.
const PLAIN_VERBS: &[&str] = &[
    "provide",
    "show",
    "suggest",
    "indicate",
    "reveal",
    "demonstrate",
    "identify",
    "confirm",
    "including",
    "allow",
    "enable",
];

/// Whether `w` is a participle or "-ing" form taking the object that `next` begins ("belonging |
/// to", "Using | the", "Combined | with"), so a phrase cut at it dangles. A participle before a
/// noun is an adjective ("treated patients") and "cancer screening" is a noun: neither counts.
fn takes_object(w: &str, next: Option<&str>) -> bool {
    let w = text::bare_word(w);
    let gerund = w.len() >= 5 && w.ends_with("ing");
    (is_participle(&w) || gerund)
        && next.is_some_and(|n| ["to", "a", "an", "the", "that", "with"].contains(&text::bare_word(n).as_str()))
}

/// Whether a bare word looks like a past participle: "tested" or "used", not "need" or
/// "hundred".
pub(crate) fn is_participle(b: &str) -> bool {
    (b.len() >= 5 && b.ends_with("ed") && !b.ends_with("eed") && b != "hundred") || b == "used"
}

/// Whether `w` ends a card's phrase badly, `after` being the word after it: a function word or
/// negator ("… deviations nor"), a sure verb form ([`text::is_verb_form`]: "alters", "found"),
/// a past participle ("tested", not "need" or "hundred"), or an "-ing" form cut from its object
/// ("belonging | to").
fn ends_badly(w: &str, after: Option<&str>) -> bool {
    let b = text::bare_word(w);
    is_function_word(w) || is_negator(w) || text::is_verb_form(&b) || is_participle(&b) || takes_object(w, after)
}

/// Whether `w` starts a card's phrase badly, `next` being the word after it: a function word, a
/// sure verb form, a plain verb ("Provide evidence"), a verb form taking an object ("Using the
/// recombinant proteins" reads "Recombinant proteins") or "results in / from" ("Results in a
/// 90% reduction" reads "90% reduction"). A negator never does ("Not significantly associated").
fn starts_badly(w: &str, next: Option<&str>) -> bool {
    if is_negator(w) {
        return false;
    }
    let b = text::bare_word(w);
    let result_verb = ["results", "resulted", "resulting", "result"].contains(&b.as_str())
        && next.is_some_and(|n| ["in", "from"].contains(&text::bare_word(n).as_str()));
    is_function_word(w)
        || text::is_verb_form(&b)
        || PLAIN_VERBS.contains(&b.as_str())
        || takes_object(w, next)
        || result_verb
}

/// What a word adds to a card phrase's score: a number 3, a content word 2, a sure verb form or
/// one of the paper's own words ("study") 1 (they carry less than what it is about), a function
/// word 0.
fn weight(w: &str) -> i32 {
    let b = text::bare_word(w);
    if w.chars().any(|c| c.is_ascii_digit()) {
        3
    } else if is_function_word(w) {
        0
    } else if META_WORDS.contains(&b.as_str()) || text::is_verb_form(&b) {
        1
    } else {
        2
    }
}

/// A window of a clause trimmed at both ends by `starts_badly` and `ends_badly`; `after` is the
/// clause's word that follows the window, if any. Empty when no word is left: a lone
/// "Devoted" (of "was devoted to the") is no card.
fn trim_phrase<'a>(words: &[&'a str], after: Option<&'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = words.to_vec();
    while !v.is_empty() && starts_badly(v[0], v.get(1).copied().or(after)) {
        v.remove(0);
    }
    let mut next = after;
    while v.last().is_some_and(|w| ends_badly(w, next)) {
        next = v.pop();
    }
    v
}

fn trim_function_words<'a>(words: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = words.to_vec();
    while v.len() > 1 && v.first().is_some_and(|w| is_function_word(w)) {
        v.remove(0);
    }
    while v.len() > 1 && v.last().is_some_and(|w| is_function_word(w)) {
        v.pop();
    }
    v
}

/// The key phrase of a beat's words: the clause with the most content (numbers count double),
/// at most six words from a window trimmed by `trim_phrase` so it starts and ends on a content
/// word; capitalised, without its closing punctuation. Empty when no window is left
/// (`fresh_phrase` then chooses what the beat shows).
pub fn key_phrase(words: &[&str]) -> String {
    key_phrase_after(words, false, None)
}

/// Words that turn a statement into its opposite: a card never shows what follows one without
/// it ("Neither … nor the CVs was significantly associated" is no "Significantly associated").
const NEGATORS: &[&str] = &["not", "no", "neither", "nor", "never", "none", "cannot", "without"];

fn is_negator(w: &str) -> bool {
    let b = text::bare_word(w);
    NEGATORS.contains(&b.as_str()) || b.ends_with("n't")
}

/// Whether a negator comes in the last clause of `before` (after its last , ; : . ? !): the
/// words that follow are negated.
fn negated_before(before: &[&str]) -> bool {
    before.iter().rev().take_while(|w| !w.ends_with(CLAUSE_END)).any(|w| is_negator(w))
}

/// [`key_phrase`] of words that may follow a negator in their sentence (`negated`): a window
/// that comes after a negator keeps it, or is no candidate. `next`: the narration's word after
/// them, if any, so that a phrase cut by the beat's end is judged as the sentence goes on
/// ("enzymes belonging | to the HSL family" does not end on "belonging").
fn key_phrase_after(words: &[&str], negated: bool, next: Option<&str>) -> String {
    let mut clean: Vec<&str> = words.iter().copied().filter(|w| !w.trim().is_empty()).collect();
    // A bare number that ends the beat's words may have its unit in the next beat ("shorter
    // than 1 | min"): it is not shown cut from it.
    if clean.last().is_some_and(|w| text::bare_number(w)) {
        clean.pop();
    }
    if clean.is_empty() {
        return String::new();
    }
    // Clauses: split after , ; : . ? ! and before a word that opens a subordinate clause
    // ("… enzyme activity | when analyzed in the lab") or an auxiliary ("This study | was
    // devoted to …"), so no phrase spans the two: a card names a thing, it is not a clause.
    // Beside each word: whether a negator came before it in its clause.
    let mut clauses: Vec<Vec<&str>> = vec![Vec::new()];
    let mut negations: Vec<Vec<bool>> = vec![Vec::new()];
    let mut negated = negated;
    for w in &clean {
        let opens_clause =
            SUBORDINATORS.contains(&text::bare_word(w).as_str()) || AUXILIARIES.contains(&text::bare_word(w).as_str());
        if opens_clause && clauses.last().is_some_and(|c| !c.is_empty()) {
            clauses.push(Vec::new());
            negations.push(Vec::new());
        }
        if let (Some(c), Some(n)) = (clauses.last_mut(), negations.last_mut()) {
            c.push(*w);
            n.push(negated);
        }
        negated |= is_negator(w);
        if w.ends_with(CLAUSE_END) {
            clauses.push(Vec::new());
            negations.push(Vec::new());
            negated = false;
        }
    }
    let score = |ws: &[&str]| -> i32 { ws.iter().map(|w| weight(w)).sum::<i32>() - ws.len() as i32 / 3 };
    let mut best: Option<(i32, Vec<&str>)> = None;
    let last = clauses.len() - 1;
    for (i, (clause, negation)) in clauses.iter().zip(&negations).enumerate().filter(|(_, (c, _))| !c.is_empty()) {
        let max = 6.min(clause.len());
        for len in (2.min(max)..=max).rev() {
            for (at, window) in clause.windows(len).enumerate() {
                let after = clause.get(at + len).copied().or(next.filter(|_| i == last));
                let trimmed = trim_phrase(window, after);
                let loses_negation = negation[at..at + len].contains(&true) && !trimmed.iter().any(|w| is_negator(w));
                // Never a number cut from the unit that follows it ("than 1" of "than 1 min").
                if trimmed.is_empty()
                    || loses_negation
                    || (at + len < clause.len() && trimmed.last().is_some_and(|w| text::bare_number(w)))
                {
                    continue;
                }
                let s = score(&trimmed);
                // On a tie the shorter phrase: a card, not a clause.
                if best.as_ref().is_none_or(|(b, w)| s > *b || (s == *b && trimmed.len() < w.len())) {
                    best = Some((s, trimmed));
                }
            }
        }
    }
    let words = best.map(|(_, w)| w).unwrap_or_default();
    let text = words.join(" ");
    let text = text.trim_end_matches(CLAUSE_END).trim_start_matches(['(', '"', '“']).to_string();
    text::capitalise(&text)
}

/// A key phrase that is not the one just shown (else the next-best words of the narration that
/// name something, else the same card again).
fn fresh_phrase(words: &[&str], narration: &str, shown: &[String]) -> String {
    let all: Vec<&str> = narration.split_whitespace().collect();
    // The beat's words follow a negator when one comes before them in their clause.
    let at = all.windows(words.len().max(1)).position(|w| w == words);
    // A connective that opens the beat ("More specifically, …") names nothing: the phrase comes
    // from what follows it.
    let skip = words.iter().take_while(|w| only_connective(w)).count();
    let (words, at) = (&words[skip..], at.map(|i| i + skip));
    let next = at.and_then(|i| all.get(i + words.len())).copied();
    let p = key_phrase_after(words, at.is_some_and(|i| negated_before(&all[..i])), next);
    let p = if only_connective(&p) { String::new() } else { p };
    if !p.is_empty() && !already_shown(&p, shown) {
        return p;
    }
    for (i, chunk) in all.chunks(6).enumerate() {
        let q = key_phrase_after(chunk, negated_before(&all[..i * 6]), all.get((i + 1) * 6).copied());
        // Another phrase only if it names something ("Study" alone does not): else the same card.
        let names_something = q.split_whitespace().any(|w| weight(w) >= 2);
        if names_something && !only_connective(&q) && !already_shown(&q, shown) {
            return q;
        }
    }
    // Nothing new to name: the card just shown stays rather than a blank one or a part of it.
    if p.is_empty() || already_shown(&p, shown) {
        shown.last().cloned().unwrap_or(p)
    } else {
        p
    }
}

/// Words that link a sentence to the one before ("More specifically", "In particular"): a card
/// of nothing else names nothing.
const CONNECTIVE_WORDS: &[&str] = &[
    "more",
    "most",
    "specifically",
    "notably",
    "importantly",
    "interestingly",
    "furthermore",
    "additionally",
    "consequently",
    "therefore",
    "indeed",
    "overall",
    "finally",
    "briefly",
    "particular",
    "example",
    "instance",
    "addition",
    "contrast",
    "summary",
    "conclusion",
    "in",
    "for",
    "by",
];

/// Whether a phrase is only a connective ("More specifically").
fn only_connective(phrase: &str) -> bool {
    !phrase.is_empty() && phrase.split_whitespace().all(|w| CONNECTIVE_WORDS.contains(&text::bare_word(w).as_str()))
}

/// Whether a card says nothing new: every word of `phrase` was on one card of `shown` ("Genome
/// database" after "H37Rv genome database").
fn already_shown(phrase: &str, shown: &[String]) -> bool {
    let words = |s: &str| s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>();
    let new = words(phrase);
    shown.iter().any(|s| {
        let old = words(s);
        new.iter().all(|w| old.contains(w))
    })
}

/// The numbers printed in a narration with their values ("12%" → 12.0), in order.
fn numbers_in(narration: &str) -> Vec<(String, f64)> {
    static NUMBER: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\d[\d,]*(?:\.\d+)?)\s?(%|-fold|percent)?").expect("valid regex"));
    NUMBER
        .captures_iter(narration)
        .filter_map(|c| {
            let value: f64 = c[1].replace(',', "").parse().ok()?;
            Some((c[0].trim().to_string(), value))
        })
        .collect()
}

/// Two percentages of one comparison ("from 12% to 8%", "12% versus 8%", "12% compared with
/// 8%") as a bar pair, when the narration has exactly that pair.
fn compare(narration: &str, numbers: &[(String, f64)]) -> Option<[(String, f64); 2]> {
    static PAIR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(\d[\d,]*(?:\.\d+)?)\s?%[^.;%]{0,40}?\b(?:to|versus|vs\.?|compared (?:with|to)|against)\s+(\d[\d,]*(?:\.\d+)?)\s?%")
            .expect("valid regex")
    });
    let c = PAIR.captures(narration)?;
    let a: f64 = c[1].replace(',', "").parse().ok()?;
    let b: f64 = c[2].replace(',', "").parse().ok()?;
    let percent = numbers.iter().filter(|(t, _)| t.ends_with('%')).count();
    (a != b && a <= 100.0 && b <= 100.0 && percent == 2)
        .then(|| [(format!("{}%", &c[1]), a), (format!("{}%", &c[2]), b)])
}

/// Where a figure beat looks: the whole figure first, then toward the panel the narration names
/// ("panel B", "(C)") on a two-column grid, else across the figure's upper left and lower right.
fn figure_focus(narration: &str, k: usize) -> ((f64, f64), f64) {
    static PANEL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:\b[Pp]anels?\s+|\()([A-F])\b\)?").expect("valid regex"));
    if k == 0 {
        return ((0.5, 0.5), 1.0);
    }
    let panels: Vec<usize> = PANEL.captures_iter(narration).map(|c| (c[1].as_bytes()[0] - b'A') as usize).collect();
    if let Some(&p) = panels.get(k - 1) {
        let (col, row) = (p % 2, p / 2);
        return ((0.25 + 0.5 * col as f64, (0.25 + 0.5 * row as f64).min(0.85)), 1.6);
    }
    // Past the named panels: a tour of the figure, never the view just shown.
    let tour = [((0.3, 0.3), 1.4), ((0.7, 0.7), 1.4), ((0.5, 0.5), 1.0)];
    tour[(k - 1 - panels.len()) % tour.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, start: u64, per_word: u64) -> Vec<Word> {
        text.split_whitespace()
            .enumerate()
            .map(|(i, w)| Word {
                text: w.into(),
                start_ms: start + i as u64 * per_word,
                end_ms: start + (i as u64 + 1) * per_word - 40,
            })
            .collect()
    }

    #[test]
    fn beats_cover_the_scene_in_two_to_four_seconds_at_word_starts() {
        let narration = "Screening cut advanced cancers by eight percent, across ten cancer types, in a study of nearly two hundred thousand people followed for years in four countries.";
        let w = words(narration, 300, 380);
        let duration = w.last().unwrap().end_ms + 500;
        let s = spans(duration, &w, false);
        assert_eq!(s.first().unwrap().0, 0);
        assert_eq!(s.last().unwrap().1, duration);
        for pair in s.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "no gaps");
        }
        for &(a, b) in &s {
            assert!(b - a <= MAX_BEAT_MS && b - a >= 1_500, "{s:?}");
            if a > 0 {
                assert!(w.iter().any(|x| x.start_ms == a + 80), "beat starts 80 ms before a word: {a} {s:?}");
            }
        }
        // A short scene is one beat; a title scene of 3 s still gets its hook and its title.
        assert_eq!(spans(1_800, &w[..3], false).len(), 1);
        assert_eq!(spans(3_000, &w[..6], true).len(), 2);
    }

    #[test]
    fn estimated_timings_follow_the_pace_and_pause_at_punctuation() {
        use crate::voice::Pace;
        let narration = "Screening cut advanced cancers by eight percent. It helped, in ten countries.";
        let normal = estimated_audio(narration, Pace::Normal);
        let faster = estimated_audio(narration, Pace::Faster);
        assert_eq!(normal.words.len(), narration.split_whitespace().count());
        assert!(faster.duration_ms < normal.duration_ms);
        // 12 words at 165 a minute (4.4 s), two sentence ends and a comma (1.0 s).
        assert!((4_800..=5_400).contains(&normal.duration_ms), "{}", normal.duration_ms);
        let after_stop = &normal.words[7];
        assert_eq!(after_stop.start_ms, normal.words[6].end_ms + 400, "a sentence's end pauses");
        assert!(normal.words.windows(2).all(|w| w[0].end_ms <= w[1].start_ms));
        assert!(estimated_audio("", Pace::Normal).duration_ms > 0, "never an empty span");
    }

    #[test]
    fn every_beat_kind_is_described_in_words() {
        let number = BeatKind::Number { number: "8%".into(), label: "fewer late cancers".into() };
        assert_eq!(describe(&number), "Key number: 8%, fewer late cancers");
        let figure = BeatKind::Figure {
            image: "f.png".into(),
            label: "Figure 2".into(),
            caption: String::new(),
            focus: (0.3, 0.3),
            zoom: 1.6,
        };
        assert_eq!(describe(&figure), "The figure, closer: Figure 2");
        let compare = BeatKind::Compare { bars: [("12%".into(), 12.0), ("8%".into(), 8.0)], label: "cases".into() };
        assert_eq!(describe(&compare), "Two bars: 12% and 8%, cases");
    }

    #[test]
    fn key_phrases_are_short_content_and_never_the_whole_narration() {
        let p =
            key_phrase(&"and we found that screening cut advanced cancers by 8% in the".split(' ').collect::<Vec<_>>());
        assert!(p.split_whitespace().count() <= 6, "{p}");
        assert!(p.contains("8%"), "{p}");
        assert!(!is_function_word(p.split_whitespace().last().unwrap()), "{p}");
        assert!(p.chars().next().unwrap().is_uppercase());
        assert_eq!(key_phrase(&[]), "");
        // A number cut from its unit by the end of the beat is left out.
        let p = key_phrase(&"with half inactivation times shorter than 1".split(' ').collect::<Vec<_>>());
        assert!(!p.ends_with('1'), "{p}");
        // And so is one cut from its unit by the phrase's own length.
        let p = key_phrase(
            &"strongly inhibited with half inactivation times shorter than 1 min.".split(' ').collect::<Vec<_>>(),
        );
        assert!(!p.ends_with('1'), "{p}");
        // Never across the start of a subordinate clause.
        let p = key_phrase(&"reduction in enzyme activity when analyzed".split(' ').collect::<Vec<_>>());
        assert_eq!(p, "Reduction in enzyme activity");
        // Nor ends on a preposition cut from its object.
        let p =
            key_phrase(&"the treatment of tissue injury and fibrosis diseases without".split(' ').collect::<Vec<_>>());
        assert!(!p.ends_with("without"), "{p}");
        // Nor on a verb cut from its object, nor starts on one (seen in rendered cards).
        let phrase = |s: &str| key_phrase(&s.split(' ').collect::<Vec<_>>());
        assert_eq!(
            phrase("Mycobacterium tuberculosis lipolytic enzymes belonging to"),
            "Mycobacterium tuberculosis lipolytic enzymes"
        );
        assert_eq!(phrase("All Lip-HSL enzymes tested were found"), "All Lip-HSL enzymes");
        assert_eq!(phrase("Human evaluation tends"), "Human evaluation");
        // Nor runs on past a modal into a verb without its object (Clinical Science's card).
        assert_eq!(phrase("N-selective inhibition could allow"), "N-selective inhibition");
        assert_eq!(phrase("the annotation interface used for"), "Annotation interface");
        assert_eq!(phrase("provide evidence that MmPPOX alters"), "Evidence that MmPPOX");
        assert_eq!(phrase("results in a 90% reduction"), "90% reduction");
        // Nouns that look like verbs keep their place.
        assert_eq!(phrase("a new case report"), "New case report");
        assert_eq!(phrase("colorectal cancer screening."), "Colorectal cancer screening");
        assert_eq!(phrase("two hundred"), "Two hundred");
        assert_eq!(phrase("using the recombinant HSL proteins"), "Recombinant HSL proteins");
        assert_eq!(phrase("combined with mass spectrometry analyses"), "Mass spectrometry analyses");
        assert_eq!(phrase("treated patients recovered"), "Treated patients");
        // "Study" says nothing: the subject of the study does.
        assert_eq!(phrase("this study was devoted to the Mycobacterium"), "Mycobacterium");
        assert_eq!(phrase("a case study"), "Case study");
        // A negated statement keeps its negator, or gives no card.
        assert_eq!(
            phrase("it was not significantly associated with lysis times"),
            "Not significantly associated with lysis times"
        );
        assert_eq!(
            phrase("neither the deviations nor the CVs was significantly associated"),
            "Neither the deviations nor the CVs"
        );
        assert_eq!(phrase("neither the standard deviations nor the"), "Neither the standard deviations");
        assert_eq!(
            key_phrase_after(&"was significantly associated with lysis".split(' ').collect::<Vec<_>>(), true, None),
            ""
        );
        let narration = "Neither the deviations nor the CVs was significantly associated with lysis times.";
        let beat: Vec<&str> = "was significantly associated with lysis times.".split(' ').collect();
        assert!(!fresh_phrase(&beat, narration, &[]).starts_with("Significantly"));
        // A beat that ends where the sentence goes on is judged with the word that follows
        // (seen in a render: "Mycobacterium tuberculosis lipolytic enzymes belonging").
        let narration =
            "This study was devoted to the Mycobacterium tuberculosis lipolytic enzymes belonging to the HSL family.";
        let beat: Vec<&str> = "to the Mycobacterium tuberculosis lipolytic enzymes belonging".split(' ').collect();
        assert_eq!(fresh_phrase(&beat, narration, &[]), "Mycobacterium tuberculosis lipolytic enzymes");
        // A clause with nothing but a verb left gives no phrase.
        assert_eq!(phrase("was devoted to the"), "");
        assert_eq!(phrase("using purified recombinant enzymes"), "Purified recombinant enzymes");
    }

    #[test]
    fn a_card_that_is_part_of_the_last_one_is_not_new() {
        // Seen in a render: "H37Rv genome database", then "Genome database".
        let narration = "Mining the H37Rv genome database revealed the genome database of 36 genes encoding lipases.";
        let beat: Vec<&str> = "the genome database".split(' ').collect();
        let shown = ["H37Rv genome database".to_string()];
        assert_eq!(fresh_phrase(&beat, narration, &[]), "Genome database");
        let next = fresh_phrase(&beat, narration, &shown);
        assert!(!already_shown(&next, &shown) || next == shown[0], "{next:?}");
        assert!(already_shown("Genome database", &shown));
        assert!(!already_shown("Genome annotation", &shown));
    }

    #[test]
    fn a_connective_alone_is_no_card() {
        // Seen in a render: the quote's beat card "More specifically".
        let narration = "More specifically, N-selective inhibition could allow for the treatment of tissue injury.";
        let beat: Vec<&str> = "More specifically, N-selective inhibition could allow".split(' ').collect();
        assert_eq!(fresh_phrase(&beat, narration, &[]), "N-selective inhibition");
        assert!(only_connective("More specifically"));
        assert!(only_connective("In particular"));
        assert!(!only_connective("More selective"));
    }

    #[test]
    fn comparisons_become_bar_pairs_only_for_one_pair_of_percentages() {
        let n = "Late-stage cases fell from 12% to 8% with screening.";
        assert_eq!(compare(n, &numbers_in(n)).unwrap()[1], ("8%".into(), 8.0));
        let three = "From 12% to 8%, and 5% more.";
        assert!(compare(three, &numbers_in(three)).is_none());
        assert!(compare("From 12 to 8 people.", &numbers_in("From 12 to 8 people.")).is_none());
    }

    #[test]
    fn figure_beats_start_whole_then_move_toward_the_named_panel() {
        assert_eq!(figure_focus("Panel B shows growth.", 0), ((0.5, 0.5), 1.0));
        let ((x, y), z) = figure_focus("Panel B shows growth.", 1);
        assert!(x > 0.5 && y < 0.5 && z > 1.0);
        let (far, _) = figure_focus("The figure shows growth.", 2);
        assert_ne!(far, (0.5, 0.5));
        // After the named panel, the next beat looks elsewhere.
        assert_ne!(figure_focus("Panel B shows growth.", 2), figure_focus("Panel B shows growth.", 1));
    }
}
