//! What every LLM script writer shares (Gemini and any OpenAI-compatible server): the prompt
//! rules, the JSON schema of the answer, the paper as prompt text, the tolerant parse of the
//! answer and the grounding check that turns it into a [`Script`].

use super::excerpt;
use crate::script::{self, hook_problem, labels, Scene, SceneKind, Script};
use crate::text::{self, clean, expand_abbreviations};
use crate::{VideoError, VideoErrorKind};
use paper::Paper;
use serde::Deserialize;
use serde_json::{json, Value};

/// The paper text sent with the prompt, in characters (≈ 15 k tokens).
const PAPER_BUDGET: usize = 60_000;

/// The rules every LLM writer gets as its system prompt. `{language}` is the narration's
/// language by name.
const RULES: &str = "You write accurate, engaging narration scripts for 45 to 60 second vertical science videos \
(TikTok, Reels, Shorts) from one scientific paper, for a general audience hearing it once. Tell a story: \
scene 1 (kind Title) is the hook, the main finding or the question it answers in at most 15 plain words, never \
starting with This, These, However, Alternatively, It, Such, Here or Our, never naming a figure or table; then \
why it matters; what they did (one scene); what they found (one or two scenes, the key result with its number, \
unit and what it is compared with: an effect size, a percentage, a count of people; never a year, a category \
count or a reference number); what it means; one honest caveat if the paper states a limitation. Use the \
paper's own hedging (\"was linked to\", not \"causes\"). Spoken sentences: at most 20 words on average, never \
more than 30; no citations, parentheses, p-values or confidence intervals; expand abbreviations; prefer plain \
words to jargon. 110 to 170 words in total. Write the narration, labels, on-screen text and post caption in \
{language}. Use only facts stated in the paper. Never invent numbers: every number you say must be printed in \
the paper. For every scene, quote in source_sentences one to three sentences copied character for character \
from the paper text given (no paraphrase, no ellipsis). on_screen_text is a key phrase of at most 8 words, not \
a copy of the narration. Give three hook candidates in hooks, best first (the first is used). Use kind Number \
only with a key_number copied from the narration, and kind Figure only with a figure file name from the list \
given. Do not write a credits scene: it is added from the paper's metadata. No markdown, no URLs, no hashtags \
in the caption.";

/// The system prompt for a paper whose narration language is `language` (ISO 639-1).
pub(crate) fn system_prompt(language: &str) -> String {
    RULES.replace("{language}", language_name(language))
}

fn language_name(code: &str) -> &'static str {
    match code {
        "pt" => "Portuguese",
        "es" => "Spanish",
        "fr" => "French",
        "de" => "German",
        "it" => "Italian",
        "uk" => "Ukrainian",
        "ru" => "Russian",
        "zh" => "Chinese",
        "ar" => "Arabic",
        "nl" => "Dutch",
        "pl" => "Polish",
        "tr" => "Turkish",
        "ja" => "Japanese",
        "ko" => "Korean",
        _ => "English",
    }
}

/// The JSON schema of the answer (a small, flat subset every structured-output server accepts;
/// OpenAI's strict mode adds `additionalProperties: false`, see `openai.rs`).
pub(crate) fn script_schema() -> Value {
    let s = || json!({"type": "string"});
    json!({
        "type": "object",
        "properties": {
            "hooks": {"type": "array", "minItems": 1, "maxItems": 3, "items": s(),
                      "description": "three hook candidates, best first, each at most 15 words"},
            "scenes": {"type": "array", "minItems": 4, "maxItems": 8, "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["Title", "Point", "Number", "Quote", "Figure"]},
                    "label": {"type": "string", "description": "2-4 word heading, e.g. What they found"},
                    "narration": {"type": "string", "description": "spoken words, 1-3 short sentences"},
                    "on_screen_text": {"type": "string", "description": "a key phrase, at most 8 words"},
                    "visual": {"type": "string", "description": "the visual plan in words, no text in the picture"},
                    "figure": {"type": "string", "description": "figure file name from the list, or empty"},
                    "key_number": {"type": "string", "description": "a number from the narration, or empty"},
                    "source_sentences": {"type": "array", "minItems": 1, "maxItems": 3, "items": s()}
                },
                "required": ["kind", "label", "narration", "on_screen_text", "visual", "figure", "key_number", "source_sentences"]
            }},
            "post_caption": {"type": "string", "description": "1-2 short sentences for the social post, no hashtags"},
            "hashtags": {"type": "array", "maxItems": 6, "items": s()}
        },
        "required": ["hooks", "scenes", "post_caption", "hashtags"]
    })
}

/// The paper as prompt text, within [`PAPER_BUDGET`] characters.
pub(crate) fn paper_prompt(paper: &Paper) -> String {
    let mut out = format!("Title: {}\n", paper.title);
    if !paper.authors.is_empty() {
        out.push_str(&format!("Authors: {}\n", paper.authors.join(", ")));
    }
    if let Some(j) = &paper.journal {
        out.push_str(&format!("Journal: {j}\n"));
    }
    if let Some(y) = paper.year() {
        out.push_str(&format!("Year: {y}\n"));
    }
    if !paper.keywords.is_empty() {
        out.push_str(&format!("Keywords: {}\n", paper.keywords.join(", ")));
    }
    let figs: Vec<String> = paper
        .figures
        .iter()
        .filter_map(|f| {
            let img = f.image.as_deref().filter(|i| !i.trim().is_empty())?;
            Some(format!(
                "- {} (file {img}): {}",
                f.label.clone().unwrap_or_else(|| "Figure".into()),
                excerpt(&f.caption, 400)
            ))
        })
        .collect();
    out.push_str("\nFigures you may use (kind Figure, figure = the file name):\n");
    out.push_str(if figs.is_empty() { "(none)\n" } else { "" });
    for f in figs {
        out.push_str(&f);
        out.push('\n');
    }
    out.push_str("\nAbstract:\n");
    let mut body = String::new();
    for p in &paper.abstract_paragraphs {
        body.push_str(p);
        body.push_str("\n\n");
    }
    const SKIP: &[&str] = &[
        "reference",
        "acknowledg",
        "funding",
        "competing",
        "conflict",
        "contribution",
        "supporting",
        "supplement",
        "abbreviation",
    ];
    for s in &paper.sections {
        let h = s.heading.to_lowercase();
        if SKIP.iter().any(|k| h.contains(k)) {
            continue;
        }
        body.push_str(&format!("## {}\n", s.heading));
        for p in &s.paragraphs {
            body.push_str(p);
            body.push_str("\n\n");
        }
    }
    if body.len() > PAPER_BUDGET {
        let mut cut = PAPER_BUDGET;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let end = body[..cut].rfind("\n\n").unwrap_or(cut);
        body.truncate(end);
        body.push_str("\n\n[the rest of the paper is omitted]");
    }
    out.push_str(&body);
    out
}

/// The user message: the task and the paper.
pub(crate) fn user_prompt(paper: &Paper) -> String {
    format!(
        "Write the script for a vertical video about this paper as JSON matching the schema: 4 to 8 scenes (a credits scene is added after them).\n\n{}",
        paper_prompt(paper)
    )
}

/// The message that asks for one repair of an unfaithful script.
pub(crate) fn repair_prompt(reasons: &[String]) -> String {
    format!(
        "Your script fails these checks against the paper:\n- {}\nWrite the whole script again as JSON matching the schema. Quote source_sentences character for character from the paper, and say only numbers the paper prints.",
        reasons.join("\n- ")
    )
}

#[derive(Deserialize)]
pub(crate) struct AnswerScript {
    #[serde(default)]
    hook: String,
    #[serde(default)]
    hooks: Vec<String>,
    scenes: Vec<AnswerScene>,
    #[serde(default)]
    post_caption: String,
    #[serde(default)]
    hashtags: Vec<String>,
}

#[derive(Deserialize)]
struct AnswerScene {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    narration: String,
    #[serde(default)]
    on_screen_text: String,
    #[serde(default)]
    visual: String,
    #[serde(default)]
    figure: Option<String>,
    #[serde(default)]
    key_number: Option<String>,
    #[serde(default)]
    source_sentences: Vec<String>,
}

/// Parses an answer tolerantly: bare JSON, a ```json fenced block, or the outermost `{…}` inside
/// other text. `who` names the provider in the message; `bad_kind` is the error kind (transient,
/// so the caller may ask once more).
pub(crate) fn parse_script(text: &str, who: &str, bad_kind: VideoErrorKind) -> Result<AnswerScript, VideoError> {
    let t = text.trim();
    let unfenced = t
        .strip_prefix("```json")
        .or_else(|| t.strip_prefix("```JSON"))
        .or_else(|| t.strip_prefix("```"))
        .map(|x| x.trim_end().trim_end_matches("```"))
        .unwrap_or(t);
    let first_try = serde_json::from_str::<AnswerScript>(unfenced.trim());
    let result = first_try.or_else(|e| match (t.find('{'), t.rfind('}')) {
        (Some(a), Some(b)) if b > a => serde_json::from_str::<AnswerScript>(&t[a..=b]),
        _ => Err(e),
    });
    result.map_err(|e| {
        VideoError::transient(bad_kind, format!("{who}'s script is not valid JSON of the expected shape ({e})."))
    })
}

/// Whitespace collapsed and quotes unified, for "is this sentence in the paper" checks.
fn normalise(s: &str) -> String {
    s.replace(['\u{a0}', '\u{2009}', '\u{202f}'], " ")
        .replace(['“', '”'], "\"")
        .replace(['‘', '’'], "'")
        .replace(['‐', '‑', '–'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tidy(s: &str) -> String {
    expand_abbreviations(&clean(s))
}

/// An answer that failed the grounding check: the error and each reason, for a repair round.
pub(crate) struct Unfaithful {
    pub error: VideoError,
    pub reasons: Vec<String>,
}

/// Turns an answer into a script and checks it against the paper: every scene quotes sentences
/// of the paper verbatim, no number is said that the paper does not print. A malformed answer
/// (fewer than 4 scenes, an empty narration) is `bad_kind` (transient); an unfaithful one is
/// `unfaithful-script` (permanent) with every reason listed.
pub(crate) fn build_script(
    a: AnswerScript,
    paper: &Paper,
    choice: &script::LanguageChoice,
    provider: &str,
    who: &str,
    bad_kind: VideoErrorKind,
) -> Result<Script, Unfaithful> {
    let plain_err = |error: VideoError| Unfaithful { error, reasons: Vec::new() };
    if a.scenes.len() < 4 {
        return Err(plain_err(VideoError::transient(
            bad_kind,
            format!("{who}'s script has {} scenes; at least 4 are needed.", a.scenes.len()),
        )));
    }
    // The language the offline writer would choose: the paper's, or the translation the good
    // voice speaks; labels, credits and post text follow it, and a basic voice is noted.
    let language = choice.language.clone();
    let lab = labels::labels(&language);
    let mut corpus_parts: Vec<&str> = paper.all_text().chain([paper.title.as_str()]).collect();
    for t in &paper.translations {
        corpus_parts.extend(t.abstract_paragraphs.iter().map(String::as_str));
        corpus_parts.extend(t.sections.iter().flat_map(|s| s.paragraphs.iter().map(String::as_str)));
    }
    let corpus = normalise(&corpus_parts.join("\n"));
    let images: Vec<&str> = paper.figures.iter().filter_map(|f| f.image.as_deref()).collect();
    let mut reasons = Vec::new();
    let mut scenes = Vec::new();
    let title = script::display_title(paper);
    for (i, s) in a.scenes.into_iter().take(8).enumerate() {
        let narration = tidy(&s.narration);
        if text::word_count(&narration) < 2 {
            return Err(plain_err(VideoError::transient(
                bad_kind,
                format!("Scene {} of {who}'s script has no narration.", i + 1),
            )));
        }
        let mut sources = Vec::new();
        for q in &s.source_sentences {
            let n = normalise(q.trim().trim_matches('"'));
            if n.is_empty() {
                continue;
            }
            if text::word_count(&n) < 3 || !corpus.contains(&n) {
                reasons.push(format!(
                    "scene {} quotes \"{}\", which is not a sentence of the paper",
                    i + 1,
                    excerpt(q, 120)
                ));
                continue;
            }
            sources.push(q.trim().to_string());
        }
        if sources.is_empty() && s.source_sentences.iter().all(|q| q.trim().is_empty()) {
            reasons.push(format!("scene {} quotes no sentence of the paper", i + 1));
        }
        let mut kind = match s.kind.trim().to_ascii_lowercase().as_str() {
            "title" => SceneKind::Title,
            "number" => SceneKind::Number,
            "quote" => SceneKind::Quote,
            "figure" => SceneKind::Figure,
            _ => SceneKind::Point,
        };
        if i == 0 {
            kind = SceneKind::Title;
        }
        let figure = s.figure.map(|f| f.trim().to_string()).filter(|f| !f.is_empty() && images.contains(&f.as_str()));
        let key_number = s.key_number.map(|k| k.trim().to_string()).filter(|k| !k.is_empty());
        if kind == SceneKind::Figure && figure.is_none() {
            kind = SceneKind::Point;
        }
        if kind == SceneKind::Number && key_number.is_none() {
            kind = SceneKind::Point;
        }
        // A key phrase of at most 10 words that does not read the narration again and does not
        // end mid-phrase; else one taken from the narration.
        let on_screen = tidy(&s.on_screen_text);
        let on_screen = on_screen.trim_end_matches('.').to_string();
        let on_screen = if on_screen.is_empty()
            || text::word_count(&on_screen) > 10
            || text::ends_dangling(&on_screen)
            || script::copy_share(&on_screen, &narration) >= 0.6
        {
            script::key_phrase(&narration)
        } else {
            on_screen
        };
        let label = clean(&s.label);
        let label = if label.is_empty() {
            match kind {
                SceneKind::Title => lab.new_research,
                SceneKind::Quote => lab.what_it_means,
                SceneKind::Figure => lab.from_the_paper,
                _ => lab.what_they_found,
            }
            .to_string()
        } else {
            label
        };
        scenes.push(Scene {
            kind,
            narration,
            on_screen_text: if kind == SceneKind::Title { script::short_title(&title) } else { on_screen },
            visual: clean(&s.visual),
            figure: if kind == SceneKind::Figure { figure } else { None },
            figure_label: None,
            key_number: if kind == SceneKind::Number { key_number } else { None },
            source_sentences: sources,
            label,
            edit: None,
        });
    }
    // Never the same (or nearly the same) key number twice: a later repeat is a plain point.
    let mut shown: Vec<String> = Vec::new();
    for sc in scenes.iter_mut().filter(|s| s.kind == SceneKind::Number) {
        let k = sc.key_number.clone().unwrap_or_default();
        if shown.iter().any(|x| script::same_quantity(x, &k)) {
            sc.kind = SceneKind::Point;
            sc.key_number = None;
        } else {
            shown.push(k);
        }
    }
    let credits = script::credits_of(paper);
    scenes.push(script::credits_scene_in(paper, &credits, lab, &title));
    // Hooks: the answer's candidates that keep the rules, best first.
    let mut hooks: Vec<String> = a.hooks.iter().chain([&a.hook]).map(|h| tidy(h)).filter(|h| !h.is_empty()).collect();
    hooks.dedup();
    let good: Vec<String> = hooks.iter().filter(|h| hook_problem(h).is_none()).cloned().collect();
    let hooks = if good.is_empty() { hooks } else { good };
    let hook = hooks.first().cloned().unwrap_or_else(|| scenes[0].narration.clone());
    if !hooks.is_empty() {
        scenes[0].narration = hook.clone();
    }
    let mut tags: Vec<String> = Vec::new();
    for t in &a.hashtags {
        let t: String = t.chars().filter(|c| c.is_alphanumeric()).collect();
        let t = format!("#{t}");
        if t.len() > 2 && t.len() <= 40 && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) && tags.len() < 6 {
            tags.push(t);
        }
    }
    if tags.len() < 3 {
        for t in script::hashtags(paper) {
            if tags.len() < 6 && !tags.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
                tags.push(t);
            }
        }
    }
    let lead = {
        let c = tidy(&a.post_caption);
        if c.is_empty() {
            hook.clone()
        } else {
            c
        }
    };
    let script = Script {
        title: title.clone(),
        short_title: script::short_title(&title),
        hook,
        post_caption: script::post_caption_in(paper, &credits, &lead, lab, &title),
        scenes,
        credits,
        hashtags: tags,
        provider: provider.to_string(),
        hooks,
        language,
        voice_note: script::voice_note(choice),
        usage: None,
        style: Default::default(),
        pace: Default::default(),
    };
    let invented = script::numbers_not_in_paper(&script, paper);
    if !invented.is_empty() {
        reasons.push(format!("it says numbers the paper never prints ({})", invented.join(", ")));
    }
    if !reasons.is_empty() {
        let error = VideoError::permanent(
            VideoErrorKind::UnfaithfulScript,
            format!(
                "{who}'s script is not faithful to the paper: {}. The script is written offline from the paper's own sentences instead.",
                reasons.join("; ")
            ),
        );
        return Err(Unfaithful { error, reasons });
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_parsed_tolerantly() {
        let bare = r#"{"hooks":["A"],"scenes":[]}"#;
        assert!(parse_script(bare, "X", VideoErrorKind::LlmBadAnswer).is_ok());
        let fenced = "```json\n{\"hooks\":[\"A\"],\"scenes\":[]}\n```";
        assert!(parse_script(fenced, "X", VideoErrorKind::LlmBadAnswer).is_ok());
        let chatty = "Sure! Here is the script:\n{\"hooks\":[\"A\"],\"scenes\":[]}\nHope it helps.";
        assert!(parse_script(chatty, "X", VideoErrorKind::LlmBadAnswer).is_ok());
        let e = parse_script("{\"hooks\": [\"Half", "X", VideoErrorKind::LlmBadAnswer).err().unwrap();
        assert_eq!((e.kind.as_str(), e.transient), ("llm-bad-answer", true));
    }
}
