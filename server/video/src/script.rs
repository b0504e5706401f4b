//! The script: what the video says and shows, scene by scene, and the offline writer that builds
//! it from the paper's own sentences.
//!
//! The offline writer tells a story a science explainer would: a hook (the finding in at most 15
//! plain words), why it matters, what they did, what they found (with the key number), what it
//! means, one caveat when the paper states a limitation, and the credits. It picks sentences by
//! role from the paper's sections, then makes them speakable: citations, parentheticals and
//! statistics detail dropped, side clauses cut, long sentences split, jargon replaced by plain
//! words (`data/plain-words.tsv`), the paper's abbreviations expanded. Every scene keeps the exact
//! sentences it came from, and no number is said that the paper does not print.

pub mod labels;
pub mod plain;

pub use labels::Labels;

use crate::text::{self, capitalise, clean, expand_abbreviations, word_count};
use crate::{VideoError, VideoErrorKind};
use paper::Paper;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SceneKind {
    Title,
    Point,
    Number,
    Quote,
    Figure,
    Credits,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Scene {
    pub kind: SceneKind,
    /// What the voice says: 1–3 short spoken sentences.
    pub narration: String,
    /// What the card shows (at most 10 words; the Title card shows the shortened title, the
    /// Number card the words under the key number).
    pub on_screen_text: String,
    /// The visual plan in words.
    pub visual: String,
    /// The paper figure's image file name, relative to the paper directory. A Figure scene is
    /// about it; any other scene with one (a finding, when the video had no room for a Figure
    /// scene) shows it as its last beat.
    pub figure: Option<String>,
    /// The figure's label as printed ("Figure 2") when a scene other than a Figure scene shows
    /// it (a Figure scene's `label` is its figure's label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figure_label: Option<String>,
    /// The key number shown huge on a Number card, as printed in the narration ("8%").
    pub key_number: Option<String>,
    /// The exact sentences of the paper this scene rests on.
    pub source_sentences: Vec<String>,
    /// A small heading shown above the text ("What they found"), in the script's language.
    #[serde(default)]
    pub label: String,
    /// What a person changed in the studio; `None` while the scene is the writer's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<PersonEdit>,
}

/// A person's edit of a scene's narration (the studio's storyboard), kept with the scene so that
/// the source view can show both and the faithfulness check knows whose words they are.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PersonEdit {
    /// The writer's narration before the person changed it.
    pub original_narration: String,
    /// Numbers the new narration says that the paper does not print, kept by the person's
    /// explicit choice ("keep it"), normalised as [`crate::text::numbers`] gives them.
    #[serde(default)]
    pub kept_numbers: Vec<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, Default)]
pub struct Credits {
    /// "Jane Smith, Ann Lee" or "Jane Smith et al."
    pub authors: String,
    pub journal: Option<String>,
    pub year: Option<String>,
    pub doi: Option<String>,
    pub pmcid: Option<String>,
    pub license: Option<String>,
}

impl Credits {
    /// The identifier line: "doi:10.…" or "PMCID: PMC…".
    pub fn identifier(&self) -> Option<String> {
        self.doi.as_ref().map(|d| format!("doi:{d}")).or_else(|| self.pmcid.as_ref().map(|p| format!("PMCID: {p}")))
    }
}

/// Tokens an LLM used to write the script, for the cost record.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Script {
    /// The paper's full title, cleaned (never empty): the credits and the post text use it.
    pub title: String,
    /// The title for the title card: at most 12 words, cut at a natural break (a colon, a dash,
    /// before "and"/"in"/"for" …), never mid-phrase. Empty in scripts written before it existed:
    /// then [`Script::card_title`] shortens `title`.
    #[serde(default)]
    pub short_title: String,
    /// The hook in use: the first scene's narration.
    pub hook: String,
    pub scenes: Vec<Scene>,
    pub credits: Credits,
    /// The post caption: 1–3 short lines (the hook, the paper's reference, its link). Hashtags
    /// are not in it: they are in `hashtags`.
    pub post_caption: String,
    /// 3–6 hashtags from the paper's keywords (else its title), each once.
    pub hashtags: Vec<String>,
    pub provider: String,
    /// Up to three hook candidates, best first; `hook` is the one in use (a person may choose
    /// another and rewrite the first scene's narration with it).
    #[serde(default)]
    pub hooks: Vec<String>,
    /// The language of the narration, labels, credits and post text (ISO 639-1, "en").
    #[serde(default = "default_language")]
    pub language: String,
    /// "basic voice" when no good voice speaks the language and espeak-ng will read it; the
    /// status page says so.
    #[serde(default)]
    pub voice_note: Option<String>,
    /// Tokens used by an LLM writer (None for the offline writer).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// The visual style the scenes, captions and thumbnail are drawn in.
    #[serde(default)]
    pub style: crate::look::Style,
    /// How fast the narration is spoken.
    #[serde(default)]
    pub pace: crate::voice::Pace,
}

impl Script {
    /// The title card's text: `short_title`, or for an older script its shortened `title`.
    pub fn card_title(&self) -> String {
        if self.short_title.trim().is_empty() {
            short_title(&self.title)
        } else {
            self.short_title.clone()
        }
    }
}

fn default_language() -> String {
    "en".into()
}

/// How long the video should be. The narration is paced at ~2.6 words a second.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScriptLength {
    /// About 30 s: 55–85 words.
    Short,
    /// 45–60 s, the default: 110–170 words.
    #[default]
    Standard,
    /// About 90 s: 170–240 words.
    Long,
}

impl ScriptLength {
    /// The nearest length for a target in seconds (≤ 40 → Short, ≥ 75 → Long).
    pub fn from_seconds(seconds: u32) -> ScriptLength {
        match seconds {
            0..=40 => ScriptLength::Short,
            41..=74 => ScriptLength::Standard,
            _ => ScriptLength::Long,
        }
    }

    /// The target in seconds: 30, 60 or 90.
    pub fn seconds(self) -> u32 {
        match self {
            ScriptLength::Short => 30,
            ScriptLength::Standard => 60,
            ScriptLength::Long => 90,
        }
    }

    /// (minimum, target, maximum) words of narration, credits included.
    pub fn words(self) -> (usize, usize, usize) {
        match self {
            ScriptLength::Short => (55, 72, 85),
            ScriptLength::Standard => (110, 145, 170),
            ScriptLength::Long => (170, 205, 240),
        }
    }
}

/// What the offline writer is asked for.
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    pub length: ScriptLength,
    /// ISO 639-1 codes the configured good voice speaks (Piper's packaged voice: `["en"]`;
    /// `["any"]` for a multilingual voice such as Gemini's, see `Narrator::language`). Other
    /// languages are narrated by espeak-ng, marked "basic voice".
    pub voice_languages: Vec<String>,
}

impl Default for ScriptOptions {
    fn default() -> Self {
        ScriptOptions { length: ScriptLength::Standard, voice_languages: vec!["en".into()] }
    }
}

/// In which language the script is written, and from which text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LanguageChoice {
    /// ISO 639-1 code of the narration.
    pub language: String,
    /// Index into `paper.translations` when a translation is narrated instead of the main text.
    pub translation: Option<usize>,
    /// True when no good voice speaks `language`: espeak-ng reads it ("basic voice").
    pub basic_voice: bool,
}

/// The language of the paper's main text (`paper.language`, else detected, else "en").
pub fn paper_language(paper: &Paper) -> String {
    paper.language.clone().or_else(|| paper::language::detect_paper(paper)).unwrap_or_else(|| "en".into())
}

/// The script is in the language of the paper's main text. When a good voice does not speak it
/// but the file holds a translation into a language it speaks (with at least 40 words of text),
/// the translation is narrated; otherwise the main text is, with the basic voice.
pub fn choose_language(paper: &Paper, voice_languages: &[String]) -> LanguageChoice {
    let language = paper_language(paper);
    let speaks = |l: &str| voice_languages.iter().any(|v| v.eq_ignore_ascii_case(l) || v == "any");
    if speaks(&language) {
        return LanguageChoice { language, translation: None, basic_voice: false };
    }
    let words = |t: &paper::Translation| -> usize {
        t.abstract_paragraphs
            .iter()
            .chain(t.sections.iter().flat_map(|s| s.paragraphs.iter()))
            .map(|p| word_count(p))
            .sum()
    };
    let best = paper
        .translations
        .iter()
        .enumerate()
        .filter(|(_, t)| speaks(&t.language) && words(t) >= 40)
        .max_by_key(|(_, t)| (!t.sections.is_empty(), words(t)));
    match best {
        Some((i, t)) => LanguageChoice { language: t.language.clone(), translation: Some(i), basic_voice: false },
        None => LanguageChoice { language, translation: None, basic_voice: true },
    }
}

/// The status page's note for a script read by the basic voice ("basic voice: espeak-ng reads
/// uk"), or None when a good voice speaks its language. Every writer sets it the same way.
pub fn voice_note(choice: &LanguageChoice) -> Option<String> {
    choice.basic_voice.then(|| format!("basic voice: espeak-ng reads {}", choice.language))
}

pub const PROVIDER: &str = "offline-extractive";
/// The longest spoken sentence the writer makes.
const MAX_SENTENCE: usize = 22;
/// The longest hook.
pub const HOOK_MAX_WORDS: usize = 15;
/// The longest title card.
pub const TITLE_CARD_MAX_WORDS: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// An abstract sentence with no structured label.
    Abstract,
    AbsIntro,
    AbsMethods,
    AbsResults,
    AbsConclusion,
    Intro,
    Methods,
    Results,
    Discussion,
    Conclusion,
    Other,
    Skip,
}

fn classify(heading: &str) -> Option<Part> {
    let h = heading.to_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| h.contains(x));
    if has(&[
        "supporting",
        "supplement",
        "acknowledg",
        "funding",
        "contribution",
        "competing",
        "conflict",
        "reference",
        "abbreviation",
        "data availability",
        "ethics",
    ]) {
        Some(Part::Skip)
    } else if has(&[
        "conclusion",
        "concluding",
        "summary",
        "implication",
        "висновк",
        "вывод",
        "заключение",
        "conclus",
        "schlussfolgerung",
        "fazit",
        "结论",
        "الخلاصة",
        "الاستنتاج",
    ]) {
        Some(Part::Conclusion)
    } else if has(&[
        "discussion",
        "обговорення",
        "обсуждение",
        "discussão",
        "discusión",
        "diskussion",
        "discussione",
        "讨论",
        "المناقشة",
    ]) {
        Some(Part::Discussion)
    } else if has(&[
        "result",
        "finding",
        "результат",
        "resultado",
        "résultat",
        "ergebnis",
        "risultat",
        "结果",
        "النتائج",
    ]) {
        Some(Part::Results)
    } else if has(&[
        "method",
        "material",
        "experimental",
        "procedure",
        "study design",
        "participants",
        "метод",
        "матеріал",
        "материал",
        "método",
        "méthode",
        "methode",
        "metod",
        "方法",
        "الطريقة",
        "المنهجية",
    ]) {
        Some(Part::Methods)
    } else if has(&[
        "introduction",
        "background",
        "вступ",
        "актуальн",
        "введение",
        "introdução",
        "introducción",
        "einleitung",
        "hintergrund",
        "introduzione",
        "引言",
        "背景",
        "مقدمة",
    ]) {
        Some(Part::Intro)
    } else {
        None
    }
}

/// The part a structured abstract's label ("Methods: …") puts its paragraph in.
fn abstract_label(paragraph: &str) -> Part {
    let head: String = paragraph.chars().take(40).collect::<String>().to_lowercase();
    let label = head.split([':', '.']).next().unwrap_or("").trim();
    if label.split_whitespace().count() > 4 || label.len() == head.trim().len() {
        return Part::Abstract;
    }
    let has = |w: &[&str]| w.iter().any(|x| label.starts_with(x));
    if has(&["background", "introduction", "context", "objective", "aim", "purpose", "rationale", "importance"]) {
        Part::AbsIntro
    } else if has(&["method", "materials", "design", "setting", "participants", "patients and methods", "approach"]) {
        Part::AbsMethods
    } else if has(&["result", "finding", "main outcome", "observations"]) {
        Part::AbsResults
    } else if has(&["conclusion", "interpretation", "significance", "discussion", "implication"]) {
        Part::AbsConclusion
    } else {
        Part::Abstract
    }
}

#[derive(Clone, Debug)]
struct Candidate {
    /// The sentence as printed in the paper: what a scene's `source_sentences` quote.
    original: String,
    /// The sentence as the writer reads it: `original`, or one item of an inline numbered list
    /// with its lead-in ("Overall, we find that (1) A; (2) B." gives "Overall, we find that B."),
    /// so that two findings listed in one sentence can make two scenes.
    text: String,
    /// Speakable sentences made from it (empty when it cannot be made speakable).
    spoken: Vec<String>,
    part: Part,
    /// Position of the sentence within its part (0 = first) and the part's sentence count.
    index: usize,
    of: usize,
    order: usize,
}

/// The text the writer reads: the paper, or the chosen translation with the paper's metadata.
pub(crate) fn text_view(paper: &Paper, choice: &LanguageChoice) -> Paper {
    match choice.translation.and_then(|i| paper.translations.get(i)) {
        Some(t) => Paper {
            title: if t.title.trim().is_empty() { paper.title.clone() } else { t.title.clone() },
            abstract_paragraphs: t.abstract_paragraphs.clone(),
            sections: t.sections.clone(),
            figures: if t.sections.is_empty() { Vec::new() } else { paper.figures.clone() },
            language: Some(t.language.clone()),
            translations: Vec::new(),
            ..paper.clone()
        },
        None => paper.clone(),
    }
}

/// Makes one printed sentence speakable: citations, parentheticals and figure references removed
/// (`clean`), statistics detail dropped, then for English side clauses cut, leading connectives
/// dropped, jargon replaced and the paper's abbreviations expanded; finally split into sentences
/// of at most `max_words` words.
fn speakable(original: &str, english: bool, abbreviations: &HashMap<String, String>, max_words: usize) -> Vec<String> {
    let mut s = expand_abbreviations(&clean(original));
    // A figure or table named without its number ("As an example, Fig. indicates …") points at
    // something the viewer cannot see.
    static FIGURE_LEFT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b(?:Fig(?:ure)?s?\.?|Tables?|FIG\.?)(?:\s|$|[,.;:])").expect("valid regex")
    });
    if FIGURE_LEFT.is_match(&s) {
        return Vec::new();
    }
    s = text::drop_statistics(&s);
    if english {
        s = text::drop_subordinate_clauses(&s);
        s = strip_connective(&s);
        s = plain::plain_words(&s);
        s = plain::expand_defined(&s, abbreviations, &mut HashSet::new());
    }
    let s = capitalise(s.trim());
    if word_count(&s) < 4 {
        return Vec::new();
    }
    // Cleaning can leave two sentences in one ("… excellent. In addition …"): the first is kept.
    let first = text::sentences(&s).into_iter().next().unwrap_or_default();
    let parts = text::split_long(&first, max_words);
    // Cleaning can leave a sentence that ends mid-air ("… indicates (F = 3.1).").
    if first.trim_end_matches('.').split_whitespace().count() > 0 && text::ends_dangling(first.trim_end_matches('.')) {
        return Vec::new();
    }
    // A printed sentence is complete; a cut one must still have its verb.
    let cut = parts.first().is_some_and(|p| p.trim_end_matches('.') != first.trim_end_matches('.'));
    if english && cut && !parts.first().is_some_and(|p| text::has_verb(p)) {
        return Vec::new();
    }
    parts
}

fn candidates(paper: &Paper, english: bool, abbreviations: &HashMap<String, String>) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let push_part = |part: Part, paragraphs: &[&str], out: &mut Vec<Candidate>| {
        let sents: Vec<String> = paragraphs.iter().flat_map(|p| text::sentences(p)).collect();
        let of = sents.len();
        for (index, original) in sents.into_iter().enumerate() {
            // Glossaries, keyword lists, funding, ethics and data statements are never narrated.
            let housekeeping = text::is_housekeeping(&original);
            let texts = text::list_items(&original).unwrap_or_else(|| vec![original.clone()]);
            for text in texts {
                let spoken =
                    if housekeeping { Vec::new() } else { speakable(&text, english, abbreviations, MAX_SENTENCE) };
                let order = out.len();
                out.push(Candidate { original: original.clone(), text, spoken, part, index, of, order });
            }
        }
    };
    // Abstract: a structured abstract's labelled paragraphs go to their parts.
    let mut groups: Vec<(Part, Vec<&str>)> = Vec::new();
    for p in &paper.abstract_paragraphs {
        let part = abstract_label(p);
        match groups.last_mut() {
            Some((q, v)) if *q == part => v.push(p),
            _ => groups.push((part, vec![p.as_str()])),
        }
    }
    let mut parent = Part::Other;
    for s in &paper.sections {
        let own = classify(&s.heading);
        let part = if s.level <= 1 {
            parent = own.unwrap_or(Part::Other);
            parent
        } else {
            match own {
                Some(Part::Skip) => Part::Skip,
                _ if parent != Part::Other => parent,
                Some(p) => p,
                None => Part::Other,
            }
        };
        if part == Part::Skip {
            continue;
        }
        match groups.last_mut() {
            Some((p, v)) if *p == part => v.extend(s.paragraphs.iter().map(String::as_str)),
            _ => groups.push((part, s.paragraphs.iter().map(String::as_str).collect())),
        }
    }
    for (part, paras) in groups {
        push_part(part, &paras, &mut out);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Why,
    Did,
    Found,
    Means,
    Caveat,
}

fn cue_score(s: &str, cues: &[&str]) -> f64 {
    let l = s.to_lowercase();
    (cues.iter().filter(|c| l.contains(*c)).count() as f64).min(2.5)
}

const LIMITATION: &[&str] = &[
    "limitation",
    "limited by",
    "caution",
    "cannot exclude",
    "cannot rule out",
    "could not",
    "small sample",
    "further research",
    "further studies",
    "further work",
    "larger studies",
    "larger trials",
    "remains unclear",
    "remain unclear",
    "not possible to",
    "generaliz",
    "generalis",
    "was not designed",
    "lack of",
    "did not include",
    "self-reported",
    "confound",
    "causal",
];

const BACKGROUND: &[&str] = &[
    "remains",
    "major",
    "important role",
    "plays",
    "one of the",
    "leading cause",
    "worldwide",
    "in the world",
    "burden",
    "affects",
    "million",
    "is known",
    "are known",
    "essential",
    "common",
    "urgent",
    "threat",
    "deadly",
    "public health",
    "widely",
];
const AIM: &[&str] = &[
    "this study",
    "we aimed",
    "the aim",
    "we investigated",
    "we sought",
    "here we",
    "we examined",
    "we asked",
    "to determine",
    "to investigate",
    "to test",
    "objective",
    "was devoted",
    "we conducted",
    "in this work",
    "we studied",
    "we set out",
    "we explore",
    "to characterize",
    "to characterise",
    "to assess",
    "to evaluate",
    "purpose",
];
const METHOD: &[&str] = &[
    "we used",
    "using",
    "were measured",
    "we measured",
    "we performed",
    "were expressed",
    "purified",
    "randomi",
    "cohort",
    "participants",
    "we analy",
    "characterized",
    "characterised",
    "we tested",
    "we compared",
    "recorded",
    "assay",
    "samples",
    "were determined",
    "was determined",
    "experiments",
    "trial",
    "survey",
    "model",
    "mice",
    "patients",
    "data from",
];
const RESULT: &[&str] = &[
    "we found",
    "we find",
    "we show",
    "revealed",
    "showed",
    "shown",
    "demonstrat",
    "significant",
    "increase",
    "decrease",
    "reduc",
    "inhibit",
    "higher",
    "lower",
    "associated with",
    "resulted",
    "led to",
    "observed",
    "alter",
    "improv",
    "compared with",
    "evidence",
    "potent",
    "strong",
    "effect",
    "identified",
    "display",
];
const MEANING: &[&str] = &[
    "suggest",
    "conclu",
    "overall",
    "these findings",
    "taken together",
    "our results",
    "our findings",
    "implication",
    "opening the way",
    "highlight",
    "indicate",
    "may ",
    "could ",
    "future",
    "promising",
    "potential",
    "important",
];
/// Others' work, cited: background for why it matters, never this paper's finding or conclusion.
const PRIOR_WORK: &[&str] = &[
    "prior work",
    "previous work",
    "earlier work",
    "prior studies",
    "previous studies",
    "earlier studies",
    "has suggested",
    "have suggested",
    "has been proposed",
    "have been proposed",
    "others have",
];

/// What a paper says of its own layout: never a scene.
const PAPER_ITSELF: &[&str] = &[
    "an overview of",
    "enumerate them",
    "in this section",
    "the rest of this paper",
    "the remainder of this paper",
    "we outline",
];

/// What the authors mean to do next: not what they found, nor what it means.
const PLANS: &[&str] =
    &["will be explored", "will be investigated", "will be developed", "will be studied", "we plan to", "future work"];

/// What the authors did to run the study, said with "we" ("we block", "we recruited").
const PROCEDURE_VERBS: &[&str] = &[
    "block",
    "blocked",
    "use",
    "used",
    "select",
    "selected",
    "segment",
    "segmented",
    "collect",
    "collected",
    "hire",
    "hired",
    "recruit",
    "recruited",
    "train",
    "trained",
    "annotate",
    "annotated",
    "conduct",
    "conducted",
    "sample",
    "sampled",
    "design",
    "designed",
    "implement",
    "implemented",
    "apply",
    "applied",
    "compute",
    "computed",
    "calculate",
    "calculated",
    "obtain",
    "obtained",
    "perform",
    "performed",
    "measure",
    "measured",
    "filter",
    "filtered",
    "exclude",
    "excluded",
    "include",
    "included",
    "set",
    "fix",
    "fixed",
    "restrict",
    "restricted",
    "analyze",
    "analyzed",
    "analyse",
    "analysed",
    "compare",
    "compared",
    "test",
    "tested",
    "evaluate",
    "evaluated",
];

/// Whether a sentence (lower case) says what the authors did to run the study rather than what
/// came out: "we" followed, past any adverbs ("we then randomly sampled"), by a verb of
/// [`PROCEDURE_VERBS`].
fn states_procedure(lower: &str) -> bool {
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric() && c != '-').filter(|w| !w.is_empty()).collect();
    words.iter().enumerate().filter(|(_, w)| **w == "we").any(|(i, _)| {
        words[i + 1..]
            .iter()
            .find(|w| !matches!(**w, "also" | "then" | "first" | "further") && !w.ends_with("ly"))
            .is_some_and(|verb| PROCEDURE_VERBS.contains(verb))
    })
}

const DANGLING_START: &[&str] = &[
    "this ",
    "these ",
    "they ",
    "it ",
    "such ",
    "in this case",
    "here,",
    "those ",
    "its ",
    "their ",
    "both ",
    "among them",
    "among these",
    "of these",
    "of them",
    "in these",
    "for this",
    "to this end",
    "at this stage",
    "in this",
    "by these",
    "the latter",
    "the former",
    "following",
    "below",
    "above",
    "as has been",
    "as shown",
];
const CONNECTIVES: &[&str] = &[
    "therefore, ",
    "in addition, ",
    "however, ",
    "briefly, ",
    "finally, ",
    "moreover, ",
    "furthermore, ",
    "thus, ",
    "indeed, ",
    "in brief, ",
    "in this context, ",
    "consequently, ",
    "accordingly, ",
    "additionally, ",
    "importantly, ",
    "notably, ",
    "interestingly, ",
    "altogether, ",
    "hence, ",
    "nevertheless, ",
    "nonetheless, ",
    "also, ",
    "taken together, ",
    "overall, ",
    "in conclusion, ",
    "in summary, ",
    "conversely, ",
    "in particular, ",
    "specifically, ",
    "unfortunately, ",
    "in fact, ",
    "of note, ",
    "first, ",
    "second, ",
    "third, ",
    "similarly, ",
    "likewise, ",
    "in contrast, ",
    "by contrast, ",
    "on the other hand, ",
    "as a result, ",
    "to our knowledge, ",
    "for this reason, ",
    "basically, ",
    "meanwhile, ",
    "interestingly, ",
    "surprisingly, ",
    "remarkably, ",
];

/// How hard a sentence is to say: symbols, digits glued to letters, acronyms.
fn clumsiness(s: &str) -> f64 {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.is_empty() {
        return 10.0;
    }
    let odd = words
        .iter()
        .filter(|w| {
            let has_digit = w.chars().any(|c| c.is_ascii_digit());
            let has_alpha = w.chars().any(|c| c.is_alphabetic());
            let caps = w.chars().filter(|c| c.is_uppercase()).count();
            (has_digit && has_alpha)
                || caps >= 3
                || w.chars().any(|c| "=<>/+±×∶:".contains(c) && w.len() > 1)
                || w.starts_with(['+', '−', '='])
                || (w.chars().next().is_some_and(char::is_lowercase) && w.chars().skip(1).any(char::is_uppercase))
                || matches!(**w, "sub" | "equals" | "squared" | "minus" | "superscript" | "subscript")
        })
        .count();
    odd as f64 / words.len() as f64 * 6.0
}

fn strip_connective(s: &str) -> String {
    let mut s = s.trim().to_string();
    loop {
        let l = s.to_lowercase();
        match CONNECTIVES.iter().find(|c| l.starts_with(*c)) {
            Some(c) => s = capitalise(&s[c.len()..]),
            None => return s,
        }
    }
}

fn score(c: &Candidate, role: Role) -> f64 {
    let Some(first) = c.spoken.first() else { return f64::NEG_INFINITY };
    let n = word_count(first);
    if n < 6 || word_count(&clean(&c.text)) > 70 {
        return f64::NEG_INFINITY;
    }
    let s = c.spoken.join(" ");
    let l = s.to_lowercase();
    let rel = if c.of > 1 { c.index as f64 / (c.of - 1) as f64 } else { 0.0 };
    let last = c.index + 1 == c.of;
    let nums = text::numbers(&s).len() as f64;
    let key = key_number(&s).is_some();
    let result_cues = cue_score(&s, RESULT);
    let mut v = match role {
        Role::Why => {
            cue_score(&s, BACKGROUND) * 1.5
                + match c.part {
                    Part::AbsIntro => 3.0 - rel,
                    Part::Abstract => 2.0 - rel * 4.0,
                    Part::Intro => 2.0 - rel * 3.0,
                    Part::Other => 0.5 - rel * 2.0,
                    _ => -6.0,
                }
                + if c.index == 0 { 1.0 } else { 0.0 }
                - cue_score(&s, AIM) * 1.0
        }
        Role::Did => {
            cue_score(&s, METHOD) * 1.2
                + cue_score(&s, AIM) * 1.5
                + match c.part {
                    Part::AbsMethods => 3.0 - rel,
                    Part::Abstract | Part::AbsIntro => 0.5,
                    Part::Methods => 1.0 - rel,
                    Part::Intro => -0.5 + rel,
                    _ => -6.0,
                }
                - result_cues * 1.5
                - nums * 0.6
                - if s.contains('%') { 2.0 } else { 0.0 }
        }
        Role::Found => {
            result_cues * 1.3
                + nums.min(3.0) * 0.5
                + if key { 2.5 } else { 0.0 }
                + match c.part {
                    Part::AbsResults => 3.0,
                    Part::Abstract => 1.5 + rel,
                    Part::Results => 1.5,
                    Part::Discussion | Part::Conclusion | Part::AbsConclusion => 0.3,
                    Part::Other => 0.3,
                    _ => -6.0,
                }
                - cue_score(&s, AIM) * 1.5
                - (nums - 3.0).max(0.0) * 0.8
                // "We block 6-grams …, reducing extractiveness to 54%": a setting they chose,
                // unless the sentence goes on to report ("we measured X and found that …").
                - if !states_procedure(&l) {
                    0.0
                } else if REPORTING.iter().any(|k| l.contains(k)) {
                    1.0
                } else {
                    6.0
                }
                - cue_score(&s, PRIOR_WORK) * 3.0
                - cue_score(&s, PLANS) * 3.0
        }
        Role::Means => {
            cue_score(&s, MEANING) * 1.5
                - if states_procedure(&l) { 3.0 } else { 0.0 }
                - cue_score(&s, PRIOR_WORK) * 3.0
                - cue_score(&s, PLANS) * 3.0
                + match c.part {
                    Part::AbsConclusion => 3.0,
                    Part::Conclusion => 2.5,
                    Part::Abstract => rel * 2.5 + if last { 1.0 } else { 0.0 },
                    Part::Discussion => 1.0 - rel * 0.5,
                    Part::Other => rel - 0.2,
                    _ => -6.0,
                }
                - nums * 0.7
                - cue_score(&s, LIMITATION) * 1.0
        }
        Role::Caveat => {
            let cues = cue_score(first, LIMITATION);
            let lf = format!(" {} ", first.to_lowercase());
            let refers_back = [" such ", " this ", " these ", " those ", " it "].iter().any(|w| lf.contains(w));
            if cues == 0.0 || refers_back || (english_like(first) && !text::has_finite_verb(first)) {
                return f64::NEG_INFINITY;
            }
            cues * 2.0
                + match c.part {
                    Part::Discussion | Part::Conclusion | Part::AbsConclusion => 1.0,
                    Part::Abstract | Part::AbsResults => 0.0,
                    _ => -6.0,
                }
                - nums * 0.5
        }
    };
    if DANGLING_START.iter().any(|d| l.starts_with(d)) {
        v -= if ["this study", "these findings", "these results", "this work"].iter().any(|k| l.starts_with(k)) {
            0.5
        } else {
            2.5
        };
    }
    v -= clumsiness(&s);
    // Words that point back at something the viewer has not heard.
    let padded = format!(" {l} ");
    for w in [
        " such a ",
        " such an ",
        " these ",
        " this limitation",
        " the latter",
        " the former",
        " et al",
        " above ",
        " below ",
    ] {
        if padded.contains(w) {
            v -= 1.0;
        }
    }
    // A sentence that starts with a participle lost its subject ("Revealed a link …").
    let first_word = l.split_whitespace().next().unwrap_or("");
    if english_like(&s) && first_word.len() > 3 && first_word.ends_with("ed") {
        return f64::NEG_INFINITY;
    }
    // Sentences that point at a table, a list or a figure, or pair lists "respectively".
    for w in ["edited by", "reviewed by", "correspondence", "received:", "accepted:", "copyright", "licensee"] {
        if l.contains(w) {
            return f64::NEG_INFINITY;
        }
    }
    // Sentences about the paper itself ("We provide an overview of … and enumerate them here").
    if PAPER_ITSELF.iter().any(|w| l.contains(w)) {
        return f64::NEG_INFINITY;
    }
    for w in [
        "respectively",
        "are listed",
        "is listed",
        "are shown",
        "is shown",
        "shown in",
        "summari",
        "supplement",
        "table",
        "as follows",
        "below",
        "above",
    ] {
        if l.contains(w) {
            v -= 2.0;
        }
    }
    // Shorter spoken sentences are easier to follow.
    v -= (n.saturating_sub(16)) as f64 * 0.08;
    v
}

/// Whether text is mostly ASCII letters (the English-only heuristics apply).
fn english_like(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count().max(1);
    s.chars().filter(|c| c.is_ascii_alphabetic()).count() * 10 >= letters * 9
}

/// What the scenes so far rest on and show, so that no two scenes repeat a sentence or a number.
#[derive(Default)]
struct Seen {
    /// Candidate sentences used (their `text`), normalised (the abstract often repeats a sentence
    /// of the body).
    sentences: HashSet<String>,
    /// Key numbers shown or said as the result of a scene.
    key_numbers: Vec<String>,
    /// Numbers said that identify a result (decimals, or 13 and above; not years).
    numbers: HashSet<String>,
}

/// A sentence normalised for "is this the same sentence": letters and digits, lower case.
fn sentence_key(s: &str) -> String {
    s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// The numbers of a text that identify a result: decimals, or whole numbers of 13 and above that
/// are not years. Small whole numbers ("two groups", "10 cancers") recur without repeating a result.
fn telling_numbers(s: &str) -> Vec<String> {
    text::numbers(s)
        .into_iter()
        .filter(|n| {
            let yearlike = n.len() == 4 && (n.starts_with("19") || n.starts_with("20")) && !n.contains('.');
            !yearlike && (n.contains('.') || n.parse::<u64>().is_ok_and(|v| v >= 13))
        })
        .collect()
}

impl Seen {
    fn add(&mut self, source: &str, narration: &str) {
        if !source.is_empty() {
            self.sentences.insert(sentence_key(source));
        }
        self.key_numbers.extend(key_number(narration));
        self.numbers.extend(telling_numbers(narration));
    }

    /// Whether a candidate would repeat a scene: the same sentence, a number already said, or the
    /// same (or nearly the same) key number.
    fn repeats(&self, c: &Candidate) -> bool {
        let said = c.spoken.join(" ");
        self.sentences.contains(&sentence_key(&c.text))
            || telling_numbers(&said).iter().any(|n| self.numbers.contains(n))
            || key_number(&said).is_some_and(|k| self.key_numbers.iter().any(|x| same_quantity(x, &k)))
    }
}

/// Pairs of scenes that repeat each other: the same source sentence, or the same (or nearly the
/// same) key number. Empty for a good script.
pub fn repeated_scenes(script: &Script) -> Vec<String> {
    let mut out = Vec::new();
    let scenes = &script.scenes;
    for (i, a) in scenes.iter().enumerate() {
        for (j, b) in scenes.iter().enumerate().skip(i + 1) {
            let shared = a.source_sentences.iter().any(|x| {
                b.source_sentences
                    .iter()
                    .any(|y| sentence_key(x) == sentence_key(y) && !tell_different_items(x, &a.narration, &b.narration))
            });
            if shared {
                out.push(format!("scenes {} and {} rest on the same sentence", i + 1, j + 1));
            }
            if let (Some(x), Some(y)) = (&a.key_number, &b.key_number) {
                if same_quantity(x, y) {
                    out.push(format!("scenes {} and {} show the same number ({x}, {y})", i + 1, j + 1));
                }
            }
        }
    }
    out
}

/// Whether two narrations resting on one sentence tell different items of its inline numbered
/// list ([`text::list_items`]): each is matched to the item it shares the most words with.
fn tell_different_items(source: &str, one: &str, other: &str) -> bool {
    let Some(items) = text::list_items(source) else { return false };
    let words = |s: &str| -> HashSet<String> {
        s.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() > 3).map(str::to_string).collect()
    };
    let items: Vec<HashSet<String>> = items.iter().map(|i| words(i)).collect();
    let item_of = |narration: &str| {
        let said = words(narration);
        items.iter().enumerate().max_by_key(|(_, item)| item.intersection(&said).count()).map(|(i, _)| i)
    };
    item_of(one) != item_of(other)
}

fn pick<'a>(cands: &'a [Candidate], role: Role, used: &HashSet<usize>, seen: &Seen) -> Option<&'a Candidate> {
    cands
        .iter()
        .filter(|c| !used.contains(&c.order) && !seen.repeats(c))
        .map(|c| (score(c, role), c))
        .filter(|(s, _)| s.is_finite() && *s > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.order.cmp(&a.1.order)))
        .map(|(_, c)| c)
}

/// Words that point back at something the viewer has not heard; a hook never starts with one.
const HOOK_DANGLING: &[&str] = &[
    "alternatively",
    "however",
    "moreover",
    "in addition",
    "furthermore",
    "thus",
    "therefore",
    "this",
    "these",
    "those",
    "it",
    "its",
    "they",
    "their",
    "such",
    "here",
    "our",
    "additionally",
    "also",
    "hence",
    "consequently",
    "nevertheless",
    "nonetheless",
    "similarly",
    "likewise",
    "in contrast",
    "in turn",
    "finally",
    "then",
    "both",
    "the latter",
    "the former",
];

/// Why a hook breaks the rules (too long or short, a dangling opener, a figure or table named),
/// or None when it is fine.
pub fn hook_problem(hook: &str) -> Option<String> {
    let n = word_count(hook);
    if !(4..=HOOK_MAX_WORDS).contains(&n) {
        return Some(format!("{n} words"));
    }
    let l = hook.trim().to_lowercase();
    if let Some(d) = HOOK_DANGLING
        .iter()
        .find(|d| l.starts_with(*d) && !l[d.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '-'))
    {
        return Some(format!("starts with {d:?}"));
    }
    static FIG: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(fig(ure)?s?\b\.?|tables?\b|suppl(ementary)?\b)").expect("valid regex")
    });
    if FIG.is_match(hook) {
        return Some("names a figure or table".into());
    }
    None
}

/// The question an English review's title answers: "Vitamin A Metabolism: An Update" → "What do
/// we now know about vitamin A metabolism?"; `None` for a title that does not name a review
/// ("…: an update / a systematic review of the literature / an overview", "A review of …",
/// "Recent advances in …") or whose question would be too long for a hook. A title-cased word
/// is lower-cased only where the paper's `full_text` writes it so ("Metabolism", not
/// "Alzheimer").
pub fn review_question(title: &str, full_text: &str) -> Option<String> {
    static REVIEW: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)^(?:(?P<a>.+?)(?:\s*:\s*|\s+[–—-]\s+)(?:an?\s+)?(?:(?:systematic|narrative|literature|brief|short|comprehensive)\s+)?(?:update|review|overview|mini-?review|current perspectives?|recent advances|the state of the art|state of the art)(?:\s+(?:of|and)\s+(?:the\s+)?(?:current\s+)?(?:literature|meta-?analysis|evidence))?|(?:an?\s+)?(?:(?:systematic|narrative|brief)\s+)?(?:review|overview|update)\s+(?:of|on)\s+(?P<b>.+)|recent advances in\s+(?P<c>.+))$",
        )
        .expect("valid regex")
    });
    let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let caps = REVIEW.captures(title.trim_end_matches(['.', ' ']))?;
    let topic = caps.name("a").or(caps.name("b")).or(caps.name("c"))?.as_str().trim();
    let lower_text = |w: &str| {
        let l = w.to_lowercase();
        full_text.split(|c: char| !c.is_alphanumeric() && c != '-').any(|t| t == l)
    };
    let topic = topic
        .split_whitespace()
        .map(|w| {
            let mut c = w.chars();
            let title_cased =
                c.next().is_some_and(char::is_uppercase) && c.clone().count() > 0 && c.all(char::is_lowercase);
            if title_cased && lower_text(w) {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let question = format!("What do we now know about {topic}?");
    (hook_problem(&question).is_none()).then_some(question)
}

/// Lead-ins before the finding itself: "We found that X" → "X".
const REPORTING: &[&str] = &[
    "we found that",
    "we find that",
    "we show that",
    "we showed that",
    "we demonstrate that",
    "we report that",
    "we observed that",
    "we conclude that",
    "we provide evidence that",
    "evidence that",
    "results show that",
    "results showed that",
    "results suggest that",
    "results indicate that",
    "findings suggest that",
    "findings show that",
    "findings indicate that",
    "data suggest that",
    "data show that",
    "study shows that",
    "study showed that",
    "study suggests that",
    "revealed that",
    "indicate that",
    "suggest that",
    "show that",
    "shows that",
    "showed that",
];

/// A hook made from a sentence of the paper: its finding in at most 15 plain words, without
/// lead-ins ("Here we show that"), side clauses or a dangling opener. None when no such cut exists.
pub fn hook_from(original: &str, english: bool, abbreviations: &HashMap<String, String>) -> Option<String> {
    let mut s = expand_abbreviations(&clean(original));
    s = text::drop_statistics(&s);
    if english {
        let l = s.to_lowercase();
        if let Some((i, k)) = REPORTING.iter().filter_map(|k| l.find(*k).map(|i| (i, k))).min_by_key(|(i, _)| *i) {
            s = capitalise(s[i + k.len()..].trim());
        }
        s = text::drop_subordinate_clauses(&s);
        s = strip_connective(&s);
        for (from, to) in [
            ("This study ", "A study "),
            ("This trial ", "A trial "),
            ("Our study ", "A study "),
            ("In this study, ", ""),
            ("Overall, ", ""),
            ("In conclusion, ", ""),
            ("Taken together, ", ""),
            ("Here, ", ""),
            ("Here ", ""),
        ] {
            if let Some(rest) = s.strip_prefix(from) {
                s = capitalise(&format!("{to}{rest}"));
            }
        }
        s = plain::plain_words(&s);
        s = plain::expand_defined(&s, abbreviations, &mut HashSet::new());
    }
    let mut first = text::sentences(&s).into_iter().next()?;
    // A list after a colon is for reading: the clause before it is the hook.
    if let Some((head, _)) = first.split_once(": ") {
        if word_count(head) >= 5 && (!english || text::has_finite_verb(head)) {
            first = text::finish_sentence(head);
        }
    }
    let hook = text::split_long(&first, HOOK_MAX_WORDS).into_iter().next()?;
    let opener = hook.split_whitespace().next().unwrap_or("").to_lowercase();
    let starts_well = hook.chars().next().is_some_and(char::is_alphanumeric)
        && !(english
            && [
                "like",
                "unlike",
                "with",
                "without",
                "for",
                "from",
                "by",
                "at",
                "after",
                "before",
                "during",
                "through",
                "to",
                "as",
                "when",
                "while",
                "although",
                "because",
                "since",
                "if",
                "whether",
                "results",
                "using",
                "about",
                "regarding",
                "of",
            ]
            .contains(&opener.as_str()));
    let cut = hook.trim_end_matches('.') != first.trim_end_matches('.');
    let complete = (!english || !cut || text::has_verb(&hook)) && !text::ends_dangling(hook.trim_end_matches('.'));
    (hook_problem(&hook).is_none() && starts_well && complete).then_some(hook)
}

/// Verbs and phrases that report a result ("was associated with", "reduced", "we found").
const FINDING: &[&str] = &[
    "associated with",
    "linked to",
    "correlated",
    "reduced",
    "increased",
    "decreased",
    "improved",
    "lowered",
    "raised",
    "doubled",
    "halved",
    "tripled",
    "predicted",
    "outperform",
    "inhibited",
    "prevented",
    "resulted in",
    "led to",
    "more likely",
    "less likely",
    "fewer",
    "greater",
    "higher",
    "lower",
    "did not",
    "no difference",
    "no significant",
    "was effective",
    "were effective",
    "identified",
    "detected",
    "revealed",
    "showed",
    "we found",
    "we show",
    "we report",
    "demonstrat",
    "varied",
    "differed",
    "enables",
    "allows",
    "improves",
    "reduces",
    "increases",
    "decreases",
    "predicts",
    "protects",
    "was observed",
    "were observed",
];
/// What background says ("is a leading cause", "plays an important role", "little is known").
const HOOK_BACKGROUND: &[&str] = &[
    "important",
    " role",
    "is known",
    "are known",
    "little is known",
    "has been",
    "have been",
    " is a ",
    " are a ",
    " is one ",
    " are one ",
    "remains",
    "remain ",
    "recent",
    "increasingly",
    "poorly understood",
    "unclear",
    "is needed",
    "are needed",
    "need for",
    "challenge",
    "widely used",
    "commonly",
    "functions",
];

/// How clearly a sentence (and the hook cut from it) states a finding: a reported result, a key
/// number or a result verb count for it; background phrasing counts against it. At most 0 when
/// it is not a finding.
fn finding_strength(original: &str, hook: &str) -> f64 {
    let l = format!(" {} ", original.to_lowercase());
    let mut v = 0.0;
    if REPORTING.iter().any(|k| l.contains(k)) {
        v += 2.0;
    }
    if key_number(hook).is_some() {
        v += 2.0;
    }
    v += (FINDING.iter().filter(|k| l.contains(*k)).count() as f64).min(2.0) * 1.5;
    let background = (HOOK_BACKGROUND.iter().chain(BACKGROUND).filter(|k| l.contains(*k)).count() as f64).min(3.0);
    if v == 0.0 {
        return 0.0;
    }
    v - background * 1.5
}

/// Hook candidates, each with the candidate sentence it came from (its `text`) and whether it
/// states a finding: findings first (the abstract's results and conclusions, a key number
/// preferred), best first, then the others; at most six.
fn hook_candidates(
    cands: &[Candidate],
    english: bool,
    abbreviations: &HashMap<String, String>,
    title: &str,
) -> Vec<(String, String, bool)> {
    let title_words: HashSet<String> =
        title.to_lowercase().split(|c: char| !c.is_alphanumeric()).map(str::to_string).collect();
    let mut scored: Vec<(f64, String, String, bool)> = Vec::new();
    for c in cands {
        let base = match c.part {
            Part::AbsResults | Part::AbsConclusion => 3.0,
            Part::Abstract => 2.0 + c.index as f64 / c.of.max(1) as f64,
            Part::Conclusion => 2.0,
            Part::Results | Part::Discussion => 0.5,
            _ => continue,
        };
        let Some(h) = hook_from(&c.text, english, abbreviations) else { continue };
        let hl = h.to_lowercase();
        if ["edited by", "reviewed by", "correspondence", "copyright", "licensee"].iter().any(|w| hl.contains(w)) {
            continue;
        }
        if text::is_housekeeping(&c.original) || hl.contains("et al") {
            continue;
        }
        // English hooks are whole clauses, with a finite verb (what follows "we show that" is one).
        let reported = REPORTING.iter().any(|k| c.text.to_lowercase().contains(k));
        if english && !text::has_finite_verb(&h) && !reported {
            continue;
        }
        // A hook states a finding: background ("Cancer is a leading cause of death") is not one.
        // Other languages: a key number marks a finding (the cue lists are English).
        let finding = if english {
            finding_strength(&c.text, &h)
        } else if key_number(&h).is_some() {
            2.0
        } else {
            0.0
        };
        let l = c.text.to_lowercase();
        let mut v = base + finding.max(0.0) + cue_score(&c.text, RESULT) * 0.8 - clumsiness(&h);
        // How they did it is not what they found.
        v -= cue_score(&c.text, METHOD) * 0.8;
        if REPORTING.iter().any(|k| l.contains(k)) {
            v += 1.5;
        }
        if cue_score(&c.text, AIM) > 0.0 || cue_score(&c.text, LIMITATION) > 0.0 {
            v -= 2.0;
        }
        if word_count(&h) < 5 {
            v -= 0.5;
        }
        // A number with its unit makes the finding concrete.
        if key_number(&h).is_some() {
            v += 1.5;
        }
        // A list after a colon is for reading, not hearing.
        if h.contains(": ") {
            v -= 1.5;
        }
        // The title usually states the finding: a hook that shares its words is on topic.
        let overlap = h
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 3 && !STOP.contains(w) && title_words.contains(*w))
            .count();
        v += (overlap as f64 * 0.4).min(2.0);
        if english && !text::has_finite_verb(&h) {
            v -= 2.0;
        }
        // Words that point at something the viewer has not heard, anywhere in the hook.
        let hl = format!(" {} ", h.to_lowercase());
        for w in [
            " this ",
            " these ",
            " those ",
            " such ",
            " the following ",
            " et al",
            " respectively",
            " the latter ",
            " the former ",
            "above-mentioned",
            "aforementioned",
            "previous observations",
        ] {
            if hl.contains(w) {
                v -= 2.0;
            }
        }
        scored.push((v, h, c.text.clone(), finding > 0.0));
    }
    // Findings first, best first; then the rest, for a person to choose from.
    scored.sort_by(|a, b| b.3.cmp(&a.3).then(b.0.total_cmp(&a.0)));
    let mut out: Vec<(String, String, bool)> = Vec::new();
    for (_, h, src, finding) in scored {
        if out.iter().all(|(x, s, _)| x != &h && s != &src) {
            out.push((h, src, finding));
        }
        if out.len() == 6 {
            break;
        }
    }
    out
}

const PEOPLE: &[&str] = &[
    "patients",
    "participants",
    "people",
    "persons",
    "children",
    "women",
    "men",
    "adults",
    "individuals",
    "cases",
    "deaths",
    "subjects",
    "respondents",
    "infants",
    "students",
    "households",
    "mice",
    "rats",
    "animals",
    "births",
    "events",
    "infections",
    "pacientes",
    "participantes",
    "pessoas",
    "personas",
];

/// Words that follow a percentage that is a confidence or significance level, not a result
/// ("95% CI", "95% довірчий інтервал", "80% power", "5% significance level").
const LEVEL_AFTER: &[&str] = &[
    "ci",
    "cis",
    "confidence",
    "credible",
    "credibility",
    "prediction",
    "uncertainty",
    "significance",
    "power",
    "level",
    "hpd",
    "ui",
    "cri",
    "ді",
    "ди",
    "довірч",
    "довірлив",
    "доверит",
    "ic",
    "boundary",
    "boundaries",
    "percentile",
    "quantile",
    "threshold",
    "cutoff",
    "cut-off",
    "intervalo",
    "intervalle",
    "konfidenz",
];
/// Reagents and media a percentage can describe ("70% ethanol", "10% FBS"): a setting.
const REAGENT_AFTER: &[&str] = &[
    "ethanol",
    "methanol",
    "fbs",
    "fcs",
    "bsa",
    "serum",
    "glycerol",
    "agarose",
    "formaldehyde",
    "paraformaldehyde",
    "pfa",
    "sds",
    "triton",
    "tween",
    "milk",
    "co2",
    "o2",
    "sucrose",
    "glucose",
    "acetonitrile",
    "formic",
    "dmso",
    "v/v",
    "w/v",
    "(v/v)",
    "(w/v)",
    "acrylamide",
    "polyacrylamide",
    "confluence",
    "confluent",
    "purity",
    "pure",
    "humidity",
    "identity",
    "similarity",
    "homology",
];
/// Units of a measurement or an instrument setting (a mass, a wavelength, a temperature, a
/// speed): never a key number.
const SETTING_UNITS: &[&str] =
    &["Da", "kDa", "MDa", "°C", "nm", "Hz", "kHz", "MHz", "GHz", "rpm", "kV", "V", "mV", "W", "mW", "ppm", "m/z"];
/// Words before a number that make it an identifier, a position or a setting, not a result.
const NOT_RESULT_BEFORE: &[&str] = &[
    "figure",
    "fig.",
    "fig",
    "figs",
    "table",
    "ref",
    "refs",
    "reference",
    "references",
    "phase",
    "type",
    "grade",
    "stage",
    "chapter",
    "section",
    "step",
    "day",
    "week",
    "version",
    "group",
    "cohort",
    "visit",
    "page",
    "pages",
    "p.",
    "pp.",
    "p",
    "no.",
    "number",
    "vol.",
    "volume",
    "issue",
    "equation",
    "eq.",
    "model",
    "scheme",
    "appendix",
    "lane",
    "patient",
    "case",
    "sample",
    "round",
    "wave",
    "year",
    "since",
    "until",
    "=",
    "<",
    ">",
    "≤",
    "≥",
    "m/z",
    "ph",
    "α",
    "alpha",
    "β",
];
/// Words before a bare number (no unit, no percent) that make it a position or a share of
/// categories ("4 of 10", "from 2 to 5").
const NOT_COUNT_BEFORE: &[&str] = &["of", "and", "to", "or"];
/// Words in a sentence that make a measured quantity (a time, a concentration) a result: a change
/// or a comparison.
const CHANGE_CUES: &[&str] = &[
    "increas",
    "decreas",
    "reduc",
    "rais",
    "lower",
    "higher",
    "fell",
    "fall",
    "drop",
    "rose",
    "gain",
    "loss",
    "lost",
    "longer",
    "shorter",
    "faster",
    "slower",
    "improv",
    "extend",
    "delay",
    "earlier",
    "later",
    "more than",
    "less than",
    "compared",
    "versus",
    " than ",
    "inhibit",
    "ic50",
    "ic 50",
    "ec50",
    "half-maximal",
    "half maximal",
    "survival",
];

/// A key number's value and unit as printed ("8%" → (8, "%"), "284.0 Da" → (284, "Da"), "1,204"
/// → (1204, ""), "3 times" → (3, "fold")), for telling whether two scenes show the same quantity.
pub fn quantity(key: &str) -> Option<(f64, String)> {
    use regex::Regex;
    use std::sync::LazyLock;
    static Q: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(\d[\d,]*(?:\.\d+)?)\s*-?\s*(.*)$").expect("valid regex"));
    let c = Q.captures(key.trim())?;
    let digits = c[1].replace(',', "");
    let v: f64 = digits.parse().ok()?;
    let unit = c[2].trim().trim_start_matches('-').to_string();
    let unit = match unit.to_lowercase().as_str() {
        "percent" | "per cent" => "%".to_string(),
        "times" => "fold".to_string(),
        _ => unit,
    };
    Some((v, unit))
}

/// Whether two key numbers are the same or nearly the same quantity: the same unit and values
/// within 2 % of each other ("284.0 Da" and "284.1 Da"; "8%" and "8.0%").
pub fn same_quantity(a: &str, b: &str) -> bool {
    match (quantity(a), quantity(b)) {
        (Some((x, u)), Some((y, w))) => {
            let unit_of = |u: &str| u.split_whitespace().next().unwrap_or("").to_lowercase();
            unit_of(&u) == unit_of(&w) && (x - y).abs() <= 0.02 * x.abs().max(y.abs()).max(1e-9)
        }
        _ => a.trim() == b.trim(),
    }
}

/// The sentence's key result number, as printed: a percentage, a fold change, a count of people
/// or events, or a measured quantity that changed. Never a year, a confidence or significance
/// level ("95% CI"), a p-value, a page, reference or figure number, a small category count ("10"
/// of "4 of the 10"), a threshold ("85% or better"), a mass or an instrument setting
/// ("284.0 Da", "37 °C", "10% FBS").
pub fn key_number(s: &str) -> Option<String> {
    use regex::Regex;
    use std::sync::LazyLock;
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:[<>≤≥~∼]\s?)?\d[\d,]*(?:\.\d+)?(?:\s?%|\s?-?fold\b|\s(?:million|billion|thousand)\b|\s?(?:µM|μM|nM|mM|mg/kg|mg/dL|mmol/L|mg|µg|kg|g|°C|kDa|Da|mmHg|ms|km|cm|mm|µm|nm|Hz|rpm|h|min|minutes|seconds|hours|days|weeks|months|years|times)\b)?").expect("valid regex")
    });
    let lower = s.to_lowercase();
    let change = CHANGE_CUES.iter().any(|c| lower.contains(c));
    let mut best: Option<(i32, String)> = None;
    for m in KEY.find_iter(s) {
        let t = m.as_str().trim().trim_end_matches(',').to_string();
        let before_text = &s[..m.start()];
        let before = before_text.chars().last();
        let after = s[m.end()..].chars().next();
        // Numbers glued to letters are identifiers (H37Rv, pNPC4), ranges are not one result.
        if before.is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '–' | '.' | '[' | '±' | '+' | '/' | '×'))
            || after.is_some_and(|c| c.is_alphabetic() || matches!(c, '–' | '-' | ']' | '/' | '×'))
        {
            continue;
        }
        let words_before: Vec<String> = before_text
            .split_whitespace()
            .rev()
            .take(2)
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && !"./=<>≤≥".contains(c)).to_lowercase())
            .collect();
        let prev_word = words_before.first().cloned().unwrap_or_default();
        let prev_two = words_before.iter().rev().cloned().collect::<Vec<_>>().join(" ");
        let bare = text::bare_number(&t);
        if NOT_RESULT_BEFORE.contains(&prev_word.as_str())
            || NOT_RESULT_BEFORE.contains(&prev_word.trim_end_matches('.'))
            || (bare && NOT_COUNT_BEFORE.contains(&prev_word.as_str()))
            || ["of the", "out of", "of all", "of these", "of those", "total of"].contains(&prev_two.as_str())
            // A setting of the method: "purities of 90%", "humidity of 60%".
            || ["purity of", "purities of", "humidity of", "confluence of", "concentration of", "saturation of"]
                .contains(&prev_two.as_str())
        {
            continue;
        }
        // A p-value: "p = 0.03", "P<0.001" written without a space.
        if before_text.trim_end().ends_with(['=', '<', '>', '≤', '≥']) {
            continue;
        }
        let following: String = s[m.end()..].split_whitespace().take(2).collect::<Vec<_>>().join(" ").to_lowercase();
        let next_word = following
            .split_whitespace()
            .next()
            .unwrap_or("")
            .trim_matches(|c: char| !c.is_alphanumeric() && c != '/')
            .to_string();
        if following.starts_with("of the") || following.starts_with("of ") && t.chars().all(|c| c.is_ascii_digit()) {
            // "4 of the 10 cancers": a share of categories, not a result.
            continue;
        }
        // A threshold, not a result: "scored 85% or better", "lost 5% or more", "a 90%+ rating".
        const THRESHOLD: &[&str] = &[
            "or better",
            "or higher",
            "or more",
            "or above",
            "or greater",
            "or over",
            "or less",
            "or lower",
            "or below",
            "or fewer",
        ];
        if after == Some('+') || THRESHOLD.iter().any(|p| following.trim_end_matches([',', '.', ';']).starts_with(p)) {
            continue;
        }
        let l = t.to_lowercase();
        if l.contains('%')
            && (LEVEL_AFTER.iter().any(|w| next_word.starts_with(w)) || REAGENT_AFTER.contains(&next_word.as_str()))
        {
            continue;
        }
        // A position, not an amount: "the first 20%", "the top 10%".
        if l.contains('%') && ["first", "last", "top", "bottom", "lowest", "highest"].contains(&prev_word.as_str()) {
            continue;
        }
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        let unit = quantity(&t).map(|(_, u)| u).unwrap_or_default();
        // A point in time or a duration of the method: "10 min after loading", "for 10 years".
        const TIMES: &[&str] = &["h", "min", "minutes", "seconds", "hours", "days", "weeks", "months", "years"];
        if TIMES.contains(&unit.as_str())
            && (["after", "before", "post", "later", "of", "into", "in"].contains(&next_word.as_str())
                || ["for", "at", "after", "within", "every", "over", "during", "added", "until", "up"]
                    .contains(&prev_word.as_str()))
        {
            continue;
        }
        if SETTING_UNITS.contains(&unit.as_str()) || matches!(next_word.as_str(), "da" | "kda" | "m/z" | "×" | "x") {
            continue;
        }
        let score = if l.contains('%') || l.contains("million") || l.contains("billion") {
            5
        } else if l.contains("fold")
            || l.contains("times")
            || (bare && PEOPLE.contains(&next_word.as_str()) && digits.len() >= 2)
        {
            4
        } else if !bare && t.chars().any(|c| c.is_alphabetic()) && change {
            // A time, a size or a concentration counts only when the sentence says it changed.
            3
        } else {
            0
        };
        let yearlike = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20")) && bare;
        if yearlike || score == 0 {
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, t));
        }
    }
    best.map(|(_, t)| t)
}

const STOP: &[&str] = &[
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "by", "from", "and", "or", "but", "as", "is", "are",
    "was", "were", "be", "been", "has", "have", "had", "that", "this", "these", "those", "it", "its", "their", "we",
    "our", "they", "than", "which", "who", "whom", "into", "between", "among", "after", "before", "during", "not",
    "no", "can", "could", "may", "might", "will", "would", "should", "more", "most", "less", "also", "both", "such",
    "there", "when", "while", "where", "how", "what", "one", "two", "all", "each", "other", "new",
];

/// Words that are not part of a noun phrase although they are not in [`STOP`]: prepositions,
/// adverbs and verbs that are rarely nouns.
const PHRASE_STOP: &[&str] = &[
    "than",
    "versus",
    "vs",
    "per",
    "via",
    "whether",
    "because",
    "only",
    "very",
    "outside",
    "inside",
    "within",
    "without",
    "upon",
    "over",
    "under",
    "through",
    "across",
    "against",
    "toward",
    "towards",
    "about",
    "around",
    "along",
    "despite",
    "until",
    "since",
    "then",
    "even",
    "still",
    "already",
    "often",
    "usually",
    "later",
    "give",
    "get",
    "take",
    "make",
    "comprise",
    "comprises",
    "consist",
    "consists",
    "migrate",
    "become",
    "occur",
    "exist",
    "vary",
    "differ",
    "remain",
    "appear",
    "seem",
    "depend",
    "require",
    "contain",
    "allow",
    "produce",
    "explain",
    "involve",
    "include",
    "predict",
    "improve",
    "inhibit",
    "bind",
    "reveal",
    "indicate",
    "suggest",
    "demonstrate",
    "reduce",
    "provide",
    "cause",
    "show",
    "found",
    "like",
    "unlike",
    "due",
    "upon",
    "whereas",
    "while",
    "both",
    "either",
    "neither",
    "nor",
    "any",
    "some",
    "many",
    "much",
    "several",
    "various",
    "here",
    "there",
    "non",
];

/// Words that end a noun phrase's run: verbs and adverbs are not part of the phrase.
fn phrase_breaker(word: &str) -> bool {
    let w = word.to_lowercase();
    const NOT_ADVERBS: &[&str] = &[
        "family",
        "assembly",
        "anomaly",
        "supply",
        "early",
        "daily",
        "weekly",
        "monthly",
        "yearly",
        "elderly",
        "deadly",
        "costly",
        "friendly",
        "italy",
        "july",
        "monopoly",
        "butterfly",
        "rally",
        "reply",
        "apply",
    ];
    (w.ends_with("ly") && w.len() > 4 && !NOT_ADVERBS.contains(&w.as_str()))
        || PHRASE_STOP.contains(&w.as_str())
        || text::is_verb_form(&w)
}

/// Word tokens as script-check counts them for the copy rule: runs of letters and digits.
fn tokens(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

/// The share of an on-screen text that the narration says word for word: the longest run of
/// consecutive tokens both share, over the on-screen tokens; a run shorter than 4 counts as 0 (a
/// key term repeated on screen is reinforcement, not a copy). The measure of `script-check`
/// rule 5.
pub fn copy_share(on_screen: &str, narration: &str) -> f64 {
    let a = tokens(on_screen);
    let b = tokens(narration);
    if a.is_empty() {
        return 0.0;
    }
    let mut longest = 0;
    let mut prev = vec![0usize; b.len() + 1];
    for x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, y) in b.iter().enumerate() {
            if x == y {
                cur[j + 1] = prev[j] + 1;
                longest = longest.max(cur[j + 1]);
            }
        }
        prev = cur;
    }
    if longest < 4 {
        0.0
    } else {
        longest as f64 / a.len() as f64
    }
}

/// The most on-screen tokens a key phrase taken word for word from the narration may have (a
/// longer verbatim run reads as a copy of the narration).
const PHRASE_TOKENS: usize = 3;

/// The key phrase for a scene's card: a whole noun phrase from the narration's first sentence
/// (at most three words, its head noun kept: "hormone-sensitive lipase family", not "Mycobacterium
/// tuberculosis hormone-sensitive"), never the narration itself and never ending on a dangling
/// word. Prefers the phrase the sentence is about (its subject) when it is at least two words,
/// else the longest phrase. Empty when the narration has no noun phrase.
pub fn key_phrase(narration: &str) -> String {
    let first = text::sentences(narration).into_iter().next().unwrap_or_default();
    // Runs of content words between stop words, punctuation, verbs and adverbs.
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    let mut verb_seen_at: Option<usize> = None;
    for w in first.split_whitespace() {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '%');
        let lower = bare.to_lowercase();
        let breaker = !bare.is_empty() && phrase_breaker(bare);
        // Numbers are shown as the key number, not in the phrase ("12%", "10-fold", "1990s");
        // symbols alone are no words. A name with digits is a word ("33RE", "Arg381", "p53").
        let number = bare.starts_with(|c: char| c.is_ascii_digit()) && !bare.chars().any(char::is_uppercase);
        let digits = number || !bare.chars().any(char::is_alphabetic);
        // A base-form verb after a plural noun ends the phrase: "filters migrate".
        let after_plural = runs.last().and_then(|r| r.last()).is_some_and(|p| {
            let p = p.to_lowercase();
            p.len() > 3 && p.ends_with('s') && !p.ends_with("ss") && !p.ends_with("us") && !p.ends_with("is")
        }) && text::is_common_verb(&lower);
        let stop = bare.is_empty() || STOP.contains(&lower.as_str()) || breaker || digits || after_plural;
        if breaker || after_plural {
            verb_seen_at.get_or_insert(runs.len());
        }
        if !stop {
            runs.last_mut().expect("one run").push(bare.to_string());
        }
        if stop || w.ends_with([',', '.', ';', ':']) {
            runs.push(Vec::new());
        }
    }
    let count = |w: &str| tokens(w).len();
    let phrases: Vec<(usize, Vec<String>)> = runs
        .into_iter()
        .enumerate()
        .filter_map(|(i, mut r)| {
            // A participle or adjective at the end is not the head: "cells treated" → "cells",
            // "annotation interface used" → "annotation interface".
            while r.len() > 1
                && r.last().is_some_and(|w| {
                    let l = w.to_lowercase();
                    crate::beats::is_participle(&l) || l.len() > 4 && l.ends_with("ing")
                })
            {
                r.pop();
            }
            // The head is at the end of an English noun phrase: keep the tail that fits.
            let mut tail: Vec<String> = Vec::new();
            let mut n = 0;
            for w in r.iter().rev() {
                let k = count(w);
                if n + k > PHRASE_TOKENS {
                    break;
                }
                n += k;
                tail.insert(0, w.clone());
            }
            // A phrase that is only digits or one letter says nothing; nor does a verb form
            // alone ("Annotating").
            let letters: usize = tail.iter().map(|w| w.chars().filter(|c| c.is_alphabetic()).count()).sum();
            let lone_verb = matches!(tail.as_slice(), [w] if {
                let l = w.to_lowercase();
                crate::beats::is_participle(&l) || l.len() > 4 && l.ends_with("ing")
            });
            (letters >= 4 && !tail.is_empty() && !lone_verb).then_some((i, tail))
        })
        .collect();
    // The subject first, then the longest phrases; the first whole one is the key phrase.
    let mut order: Vec<&(usize, Vec<String>)> = Vec::new();
    if let Some(v) = verb_seen_at {
        order.extend(phrases.iter().find(|(i, p)| *i < v && p.len() >= 2));
    }
    let mut rest: Vec<&(usize, Vec<String>)> = phrases.iter().collect();
    rest.sort_by_key(|(i, p)| {
        std::cmp::Reverse((p.len().min(3), p.iter().map(|w| w.chars().count()).sum::<usize>(), usize::MAX - i))
    });
    order.extend(rest);
    for (_, p) in order {
        let phrase = p.join(" ");
        let phrase = phrase.trim_matches(|c: char| c == '-' || c == '%').to_string();
        if phrase.is_empty() || text::ends_dangling(&phrase) || word_count(&phrase) == word_count(&first) {
            continue;
        }
        return capitalise(&phrase);
    }
    String::new()
}

/// Words inside a noun phrase after a number ("decrease in binding affinity"), never at its end.
const PHRASE_INNER: &[&str] = &["of", "in", "for"];

/// Comparative words that, right after a key number, begin what it measures ("927-fold more
/// selective", "20% higher risk"): kept in its label.
const COMPARATIVES: &[&str] =
    &["more", "less", "higher", "lower", "greater", "smaller", "larger", "fewer", "shorter", "longer"];

/// Words that, besides [`COMPARATIVES`], set a number against something ("shorter than 1 min",
/// "about 20 %"): skipped between a key number and the phrase it measures.
const COMPARISONS: &[&str] = &[
    "above",
    "below",
    "over",
    "under",
    "about",
    "approximately",
    "around",
    "nearly",
    "almost",
    "only",
    "just",
    "roughly",
    "up",
    "down",
    "least",
    "most",
    "exceeding",
    "reaching",
    "within",
    "per",
];

/// What a key number measures, for the line under it on its card: a comparison right after the
/// number with what it compares ("927-fold more selective" → "More selective"), the phrase after
/// an article's number ("a 90% reduction" → "Reduction"), else the noun phrase nearest
/// before the number in its clause ("… with half inactivation times shorter than 1 min" →
/// "Half inactivation times"), else the key phrase of the rest of its clause ("20 % of the
/// patients responded"), else the subject and verb before it ("6 freelancers scored 85%" →
/// "Freelancers scored"), else the narration's [`key_phrase`]. The clause is the text between
/// commas, semicolons, colons, brackets and dashes around the number. Empty when none has one.
/// English only (its stop words and verb shapes).
pub fn number_label(narration: &str, number: &str) -> String {
    let Some(at) = narration.find(number) else { return key_phrase(narration) };
    let boundary = |c: char| matches!(c, ',' | ';' | ':' | '(' | ')' | '—' | '–');
    let clause_before = narration[..at].rsplit(boundary).next().unwrap_or_default();
    let clause_after = narration[at + number.len()..].split(boundary).next().unwrap_or_default();
    // One word measures a number only when it is a noun-like word ("prevalence"), not a verb.
    let noun = |w: &str| {
        let l = w.to_lowercase();
        l.chars().count() >= 5 && !l.ends_with("ed") && !l.ends_with("ing") && !text::is_common_verb(&l)
    };
    // "927-fold more selective", "a 20% higher risk": a comparison right after the number is
    // what it measures, and says which way ("Selective" alone hid that).
    // Only when what follows the comparative is a content word: "20% more than controls" says
    // nothing of what grew.
    let mut words_after = clause_after.split_whitespace();
    let compares = words_after.next().filter(|w| COMPARATIVES.contains(&text::bare_word(w).as_str()));
    let content_next =
        words_after.clone().next().map(text::bare_word).is_some_and(|w| !w.is_empty() && !STOP.contains(&w.as_str()));
    if let Some(comparative) = compares.filter(|_| content_next) {
        let mut phrase = vec![comparative];
        phrase.extend(nearest_phrase(words_after, false));
        while tokens(&phrase.join(" ")).len() > PHRASE_TOKENS || phrase.last().is_some_and(|w| PHRASE_INNER.contains(w))
        {
            phrase.pop();
        }
        if phrase.len() >= 2 {
            return text::capitalise(&phrase.join(" "));
        }
    }
    // "a 90% reduction in enzyme activity": a number after an article measures what follows it.
    let article =
        clause_before.split_whitespace().last().is_some_and(|w| matches!(w.to_lowercase().as_str(), "a" | "an"));
    let after = nearest_phrase(clause_after.split_whitespace(), false);
    if article && !after.is_empty() {
        return text::capitalise(&after.join(" "));
    }
    // "the prevalence of asthma was 12%": one word only when a determiner marks it as a noun.
    let before = nearest_phrase(clause_before.split_whitespace().rev(), true);
    let marked = |w: &str| {
        let words: Vec<&str> = clause_before.split_whitespace().collect();
        let i = words.iter().rposition(|x| x.trim_matches(|c: char| !c.is_alphanumeric() && c != '-') == w);
        i.and_then(|i| i.checked_sub(1)).is_some_and(|j| {
            matches!(words[j].to_lowercase().as_str(), "the" | "a" | "an" | "its" | "their" | "our" | "this" | "that")
        })
    };
    if before.len() >= 2 || before.first().is_some_and(|w| noun(w) && marked(w)) {
        return text::capitalise(&before.join(" "));
    }
    if after.len() >= 2 || after.first().is_some_and(|w| noun(w)) {
        return text::capitalise(&after.join(" "));
    }
    // "6 freelancers scored 85% or better": a verb right before the number says what its
    // subject did; the label names both ("Freelancers scored"), not some other phrase of the
    // sentence ("Main set", which the number does not measure).
    let mut back = clause_before.split_whitespace().rev();
    if let Some(verb) = back.next().filter(|v| {
        let v = text::bare_word(v);
        v.len() > 3 && (v.ends_with("ed") || text::is_verb_form(&v))
    }) {
        let subject = nearest_phrase(back, true);
        if !subject.is_empty() && subject.iter().all(|w| !text::is_verb_form(&text::bare_word(w))) {
            return text::capitalise(&format!("{} {verb}", subject.join(" ")));
        }
    }
    key_phrase(narration)
}

/// The run of content words nearest a number, read away from it (`backwards` for the words
/// before it): joining and comparison words next to the number are skipped, an inner "of" (and
/// after the number "in" and "for") is kept ("prevalence of asthma"), and the run ends at any
/// other stop word, verb, adverb or number, or at four words; then it is cut to a card phrase's
/// [`PHRASE_TOKENS`], keeping the end nearest the number.
fn nearest_phrase<'a>(words: impl Iterator<Item = &'a str>, backwards: bool) -> Vec<&'a str> {
    let mut run: Vec<&str> = Vec::new();
    // Inside a phrase: "prevalence of asthma", "decrease in binding affinity".
    let inner: &[&str] = if backwards { &["of"] } else { PHRASE_INNER };
    for w in words {
        let bare = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-');
        let lower = bare.to_lowercase();
        // "and", "or" and "but" begin another clause: nothing beyond them is measured.
        if matches!(lower.as_str(), "and" | "or" | "but") {
            break;
        }
        let joining = [STOP, COMPARATIVES, COMPARISONS].iter().any(|list| list.contains(&lower.as_str()));
        let verb_like = lower.len() > 4 && (lower.ends_with("ed") || text::is_common_verb(&lower));
        // Skipped next to the number: joining words, and after it a participle ("increased RNA").
        if run.is_empty() && (joining || (!backwards && verb_like)) {
            continue;
        }
        if let Some(&word) = inner.iter().find(|&&x| x == lower) {
            if run.last().is_some_and(|w| !inner.contains(w)) && run.len() < 3 {
                run.push(word);
                continue;
            }
        }
        if bare.is_empty() || joining || phrase_breaker(bare) || verb_like || bare.chars().any(|c| c.is_ascii_digit()) {
            break;
        }
        run.push(bare);
        if run.len() == 4 {
            break;
        }
    }
    if backwards {
        run.reverse();
    }
    // Within a card's phrase length (more would copy the narration: script-check rule 5). The
    // head noun is the last word before a number and the first after it: the other end goes.
    let count = |run: &[&str]| tokens(&run.join(" ")).len();
    if !backwards && count(&run) > PHRASE_TOKENS {
        if let Some(i) = run.iter().position(|w| inner.contains(w)) {
            run.truncate(i);
        }
    }
    while count(&run) > PHRASE_TOKENS {
        if backwards {
            run.remove(0);
        } else {
            run.pop();
        }
    }
    while run.first().is_some_and(|w| inner.contains(w)) {
        run.remove(0);
    }
    while run.last().is_some_and(|w| inner.contains(w)) {
        run.pop();
    }
    run
}

/// The card's key phrase for a scene: [`key_phrase`], or the scene's label when the narration
/// has no whole noun phrase to show.
fn card_phrase(narration: &str, label: &str) -> String {
    let k = key_phrase(narration);
    if k.is_empty() {
        label.to_string()
    } else {
        k
    }
}

/// The title card: the title when it has at most 12 words; else the part before (or after) a
/// colon when that part has 3–12 words; else the first 12 words cut at a natural boundary, with
/// "…".
pub fn title_card(title: &str) -> String {
    let t = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let n = word_count(&t);
    if n <= TITLE_CARD_MAX_WORDS {
        return t;
    }
    for sep in [": ", " – ", " — ", ". ", "? "] {
        if let Some((a, b)) = t.split_once(sep) {
            let a = if sep == "? " { format!("{a}?") } else { a.to_string() };
            if (3..=TITLE_CARD_MAX_WORDS).contains(&word_count(&a)) {
                return a;
            }
            if (3..=TITLE_CARD_MAX_WORDS).contains(&word_count(b)) {
                return capitalise(b);
            }
        }
    }
    let mut words: Vec<&str> = t.split_whitespace().take(TITLE_CARD_MAX_WORDS).collect();
    // Cut after the last comma if that keeps most of it.
    if let Some(p) = words.iter().rposition(|w| w.ends_with(',')) {
        if p >= 5 {
            words.truncate(p + 1);
        }
    }
    while words.len() > 3 && words.last().is_some_and(|w| STOP.contains(&text::bare_word(w).as_str())) {
        words.pop();
    }
    format!("{}…", words.join(" ").trim_end_matches([',', ';', ':']))
}

/// Words before which a long title can be cut and still read as a whole phrase: a clause or a
/// prepositional phrase begins there. Best first.
const TITLE_BREAKS: &[&str] = &[
    " and ",
    " in ",
    " among ",
    " for ",
    " with ",
    " during ",
    " after ",
    " using ",
    " via ",
    " by ",
    " from ",
    " across ",
    " through ",
    " on ",
    " at ",
    " under ",
    " without ",
    " versus ",
    " vs ",
    " to ",
    " of ",
];

/// The title for the title card: the title when it has at most 12 words; else the part before
/// (or after) a colon, dash or question mark when that part has 3–12 words; else the longest
/// start of at most 12 words that ends where a clause or a prepositional phrase begins ("Salt
/// intake and blood pressure" of "Salt intake and blood pressure in older adults living in care
/// homes across …"), never after a dangling word; [`title_card`]'s cut with "…" only when no
/// such break exists.
pub fn short_title(title: &str) -> String {
    let t = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = t.trim_end_matches('.');
    if word_count(t) <= TITLE_CARD_MAX_WORDS {
        return t.to_string();
    }
    for sep in [": ", " – ", " — ", " - ", "? ", ". "] {
        if let Some((a, b)) = t.split_once(sep) {
            let a = if sep == "? " { format!("{a}?") } else { a.to_string() };
            if (3..=TITLE_CARD_MAX_WORDS).contains(&word_count(&a)) {
                return a;
            }
            if (3..=TITLE_CARD_MAX_WORDS).contains(&word_count(b)) {
                return capitalise(b);
            }
        }
    }
    let mut best: Option<(usize, usize, String)> = None;
    for (rank, brk) in TITLE_BREAKS.iter().enumerate() {
        let mut from = 0;
        while let Some(i) = t[from..].find(brk).map(|i| i + from) {
            from = i + 1;
            let head = t[..i].trim_end_matches([',', ';', ':']);
            let n = word_count(head);
            if !(4..=TITLE_CARD_MAX_WORDS).contains(&n) || text::ends_dangling(head) {
                continue;
            }
            // An open parenthesis or quotation is never left unclosed.
            if head.matches('(').count() != head.matches(')').count() || head.matches('"').count() % 2 == 1 {
                continue;
            }
            // Longer is better; a better kind of break wins among cuts of similar length.
            let key = (n.saturating_sub(rank / 4), usize::MAX - rank);
            if best.as_ref().is_none_or(|(bn, br, _)| key > (*bn, *br)) {
                best = Some((key.0, key.1, head.to_string()));
            }
        }
    }
    match best {
        Some((_, _, head)) => head,
        None => title_card(t),
    }
}

/// The paper's title, never empty: the title, else the first heading that is not a standard
/// section name, else the first words of the abstract or body.
pub fn display_title(paper: &Paper) -> String {
    let t = clean(&paper::language::clean_title(&paper.title));
    if !t.trim().is_empty() {
        return t.trim_end_matches('.').to_string();
    }
    if let Some(h) =
        paper.sections.iter().map(|s| s.heading.trim()).find(|h| word_count(h) >= 3 && classify(h).is_none())
    {
        return clean(h);
    }
    let first = paper.all_text().flat_map(text::sentences).next().unwrap_or_default();
    let cleaned = clean(&first);
    let words: Vec<&str> = cleaned.split_whitespace().take(TITLE_CARD_MAX_WORDS).collect();
    if words.is_empty() {
        "Untitled paper".into()
    } else {
        words.join(" ").trim_end_matches('.').to_string()
    }
}

fn lowercase_first(s: &str) -> String {
    let first_word = s.split_whitespace().next().unwrap_or("");
    let caps = first_word.chars().filter(|c| c.is_uppercase()).count();
    if caps == 1 && first_word.chars().next().is_some_and(char::is_uppercase) {
        let mut c = s.chars();
        c.next().map(|f| f.to_lowercase().collect::<String>() + c.as_str()).unwrap_or_default()
    } else {
        s.to_string()
    }
}

/// Expands abbreviated genus names ("M. tuberculosis") when the paper spells them out.
fn expand_genus(s: &str, full_text: &str) -> String {
    use regex::Regex;
    use std::sync::LazyLock;
    static ABBR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b([A-Z])\. ([a-z]{3,})\b").unwrap());
    ABBR.replace_all(s, |caps: &regex::Captures| {
        let letter = &caps[1];
        let species = &caps[2];
        let pattern = format!(r"\b({letter}[a-z]+) {species}\b");
        match Regex::new(&pattern).ok().and_then(|r| r.captures(full_text)) {
            Some(c) => format!("{} {species}", &c[1]),
            None => caps[0].to_string(),
        }
    })
    .into_owned()
}

fn scene(
    kind: SceneKind,
    label: &str,
    narration: String,
    on_screen: String,
    visual: String,
    sources: Vec<String>,
) -> Scene {
    Scene {
        kind,
        narration,
        on_screen_text: on_screen,
        visual,
        figure: None,
        figure_label: None,
        key_number: None,
        source_sentences: sources,
        label: label.to_string(),
        edit: None,
    }
}

/// Words of the narration, counted for the length budget.
fn total_words(scenes: &[Scene]) -> usize {
    scenes.iter().map(|s| word_count(&s.narration)).sum()
}

/// Writes the script offline with the default options (60 s, an English good voice).
pub fn write_offline(paper: &Paper) -> Result<Script, VideoError> {
    write_offline_with(paper, &ScriptOptions::default())
}

/// Writes the script offline from the paper's own sentences.
///
/// Errors: `too-little-text` (permanent) when the paper has under 40 words of text or no
/// sentence can be made speakable.
pub fn write_offline_with(paper: &Paper, options: &ScriptOptions) -> Result<Script, VideoError> {
    let words: usize = paper.all_text().map(word_count).sum();
    if words < 40 {
        return Err(VideoError::permanent(
            VideoErrorKind::TooLittleText,
            format!("The paper has only {words} words of text; at least 40 are needed to write a script. Upload the full text or a file with its abstract."),
        ));
    }
    let choice = choose_language(paper, &options.voice_languages);
    let view = text_view(paper, &choice);
    let lab = labels::labels(&choice.language);
    let english = choice.language == "en";
    let full_text: String = view.all_text().collect::<Vec<_>>().join(" ");
    let abbreviations = plain::abbreviations(view.all_text());
    let cands = candidates(&view, english, &abbreviations);
    let fix = |s: &str| expand_genus(s, &full_text);
    let title = display_title(&view);
    let card = short_title(&title);
    let (min_words, target_words, max_words) = options.length.words();

    // Hooks: the findings, then the title, then other sentences, three in all.
    let found_hooks = hook_candidates(&cands, english, &abbreviations, &title);
    // The title as a last candidate ("New research: Salt and blood pressure."), so a person
    // always has three to choose from when the paper gives fewer.
    // A review's title names a topic, not a finding: its hook asks the question it answers.
    let title_hook = match review_question(&title, &full_text).filter(|_| english) {
        Some(q) => q,
        None => {
            let h = format!("{}: {}", lab.new_research, card.trim_end_matches('…'));
            text::finish_sentence(&h.split_whitespace().take(HOOK_MAX_WORDS).collect::<Vec<_>>().join(" "))
        }
    };
    let mut hooks: Vec<(String, String)> =
        found_hooks.iter().filter(|h| h.2).take(3).map(|(h, src, _)| (fix(h), src.clone())).collect();
    if hooks.len() < 3 && hook_problem(&title_hook).is_none() {
        hooks.push((title_hook.clone(), String::new()));
    }
    for (h, src, _) in found_hooks.iter().filter(|h| !h.2) {
        if hooks.len() >= 3 {
            break;
        }
        hooks.push((fix(h), src.clone()));
    }
    let (hook, hook_text) = match hooks.first() {
        Some((h, s)) if !s.is_empty() => (h.clone(), Some(s.clone())),
        _ => (title_hook, None),
    };
    let mut used: HashSet<usize> =
        cands.iter().filter(|c| hook_text.as_ref() == Some(&c.text)).map(|c| c.order).collect();
    // The title scene quotes the sentence as printed (one item of a list: the whole list).
    let hook_source: Vec<String> = hook_text
        .iter()
        .map(|t| cands.iter().find(|c| &c.text == t).map_or_else(|| t.clone(), |c| c.original.clone()))
        .collect();
    let mut seen = Seen::default();
    if let Some(text) = &hook_text {
        seen.sentences.insert(sentence_key(text));
    }

    let journal_year =
        [view.journal.clone(), view.year().map(str::to_string)].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let mut scenes: Vec<Scene> = vec![scene(
        SceneKind::Title,
        lab.new_research,
        hook.clone(),
        card.clone(),
        format!("Title card: the paper's title in large bold type over the deep gradient, {journal_year} beneath it, an accent rule."),
        hook_source.clone(),
    )];

    // The story, one role a scene.
    struct Slot {
        role: Role,
        label: &'static str,
        sentences: usize,
        optional: bool,
    }
    let short = options.length == ScriptLength::Short;
    let slots = [
        Slot { role: Role::Why, label: lab.why_it_matters, sentences: if short { 1 } else { 2 }, optional: false },
        Slot {
            role: Role::Did,
            label: lab.what_they_did,
            sentences: if options.length == ScriptLength::Long { 2 } else { 1 },
            optional: false,
        },
        Slot { role: Role::Found, label: lab.what_they_found, sentences: 2, optional: false },
        Slot { role: Role::Found, label: lab.what_they_found, sentences: 2, optional: true },
        Slot { role: Role::Means, label: lab.what_it_means, sentences: if short { 1 } else { 2 }, optional: false },
        Slot { role: Role::Caveat, label: lab.caveat, sentences: 1, optional: short },
    ];
    let mut optional_scenes: Vec<usize> = Vec::new();
    // Sentences a scene's source gave beyond those used, for a script that is still too short.
    let mut spare: HashMap<String, Vec<String>> = HashMap::new();
    let mut found_at = None;
    let mut numbers_shown = 0;
    for slot in slots {
        let Some(c) = pick(&cands, slot.role, &used, &seen).cloned() else { continue };
        used.insert(c.order);
        let spoken: Vec<String> = c.spoken.iter().take(slot.sentences).map(|s| fix(s)).collect();
        seen.add(&c.text, &c.spoken.join(" "));
        // (A list's items share their printed sentence, the key here: an item has no spare.)
        if c.spoken.len() > slot.sentences && slot.role != Role::Caveat && c.text == c.original {
            spare.insert(c.original.clone(), c.spoken[slot.sentences..].iter().map(|s| fix(s)).collect());
        }
        let mut narration = spoken.join(" ");
        if slot.role == Role::Caveat {
            narration = format!("{} {}", lab.one_caveat, lowercase_first(&narration));
        }
        let kind = if slot.role == Role::Means { SceneKind::Quote } else { SceneKind::Point };
        let visual = match kind {
            SceneKind::Quote => {
                "Pull-quote card: the authors' conclusion in large type between oversized accent quotation marks."
                    .to_string()
            }
            _ => format!(
                "Text card headed \"{}\": the key phrase in large type with an accent bar, slow drift.",
                slot.label
            ),
        };
        let mut sc = scene(
            kind,
            slot.label,
            narration.clone(),
            card_phrase(&narration, slot.label),
            visual,
            vec![c.original.clone()],
        );
        if slot.role == Role::Found && numbers_shown < 2 {
            if let Some(k) = key_number(&narration) {
                sc.kind = SceneKind::Number;
                sc.visual = format!("Key-number card: \"{k}\" huge in the accent colour, what it counts beneath.");
                // (The phrase rules are English; other languages keep the sentence's key phrase.)
                let phrase = if english { number_label(&narration, &k) } else { key_phrase(&narration) };
                sc.on_screen_text = if phrase.is_empty() { slot.label.to_string() } else { phrase };
                sc.key_number = Some(k);
                numbers_shown += 1;
            }
        }
        if slot.role == Role::Found && found_at.is_none() {
            found_at = Some(scenes.len());
        }
        if slot.optional {
            optional_scenes.push(scenes.len());
        }
        scenes.push(sc);
    }

    // One figure with an image, after the first finding; a 30 s video (or one trimmed for
    // length) shows it within the finding instead (below).
    let figure_to_show: Option<(String, String)> = {
        let found_text = found_at.map(|i| scenes[i].narration.to_lowercase()).unwrap_or_default();
        let best_figure = view
            .figures
            .iter()
            .filter(|f| f.image.as_deref().is_some_and(|i| !i.trim().is_empty()))
            .filter_map(|f| {
                let first = text::sentences(&f.caption).into_iter().next()?;
                let spoken = speakable(&first, english, &abbreviations, 16).into_iter().next()?;
                let words = word_count(&spoken);
                if !(3..=16).contains(&words) || spoken.starts_with(|c: char| !c.is_alphanumeric()) {
                    return None;
                }
                let overlap =
                    spoken.to_lowercase().split_whitespace().filter(|w| w.len() > 3 && found_text.contains(*w)).count();
                Some((overlap, f, first, spoken))
            })
            .max_by_key(|(o, ..)| *o);
        let figure_label = |f: &paper::Figure| {
            f.label.as_deref().map(str::trim).filter(|l| !l.is_empty()).unwrap_or("Figure").to_string()
        };
        let to_show = best_figure.as_ref().and_then(|(_, f, ..)| Some((figure_label(f), f.image.clone()?)));
        if let Some((_, f, original, spoken)) = best_figure.filter(|_| !short) {
            let narration = fix(&format!("{} {}", lab.figure_shows, lowercase_first(&spoken)));
            let label = figure_label(f);
            let mut sc = scene(
                SceneKind::Figure,
                &label,
                narration,
                card_phrase(&spoken, &label),
                format!("The paper's {label} on a light panel with a slow zoom and pan, its title beneath."),
                vec![original],
            );
            sc.figure = f.image.clone();
            seen.add(&sc.source_sentences[0], &sc.narration);
            let at = found_at.map(|i| i + 1).unwrap_or(scenes.len()).min(scenes.len());
            for o in optional_scenes.iter_mut() {
                if *o >= at {
                    *o += 1;
                }
            }
            optional_scenes.push(at);
            scenes.insert(at, sc);
        }
        to_show
    };

    // Too few scenes (an abstract-only paper): further findings, then any readable sentence.
    let mut guard = 0;
    while scenes.len() < 4 && guard < 6 {
        guard += 1;
        let c = pick(&cands, Role::Found, &used, &seen)
            .or_else(|| pick(&cands, Role::Means, &used, &seen))
            .cloned()
            .or_else(|| {
                cands
                    .iter()
                    .find(|c| {
                        !used.contains(&c.order)
                            && !seen.repeats(c)
                            && c.spoken.first().is_some_and(|s| word_count(s) >= 6)
                    })
                    .cloned()
            });
        let Some(c) = c else { break };
        used.insert(c.order);
        let narration = fix(&c.spoken.iter().take(2).cloned().collect::<Vec<_>>().join(" "));
        seen.add(&c.text, &c.spoken.join(" "));
        let at = scenes.iter().position(|s| s.kind == SceneKind::Quote).unwrap_or(scenes.len());
        scenes.insert(
            at,
            scene(
                SceneKind::Point,
                lab.what_they_found,
                narration.clone(),
                card_phrase(&narration, lab.what_they_found),
                "Text card.".into(),
                vec![c.original.clone()],
            ),
        );
    }
    if scenes.len() < 4 {
        return Err(VideoError::permanent(
            VideoErrorKind::TooLittleText,
            "Could not find enough readable sentences in the paper to write a script. Upload the full text (PDF, DOCX or JATS XML).",
        ));
    }

    let credits = credits_of(paper);
    let credits_scene = credits_scene_in(paper, &credits, lab, &title);
    let credit_words = word_count(&credits_scene.narration);

    // Length: too long → drop optional scenes, then second sentences; too short → add findings.
    let body_words = |scenes: &[Scene]| total_words(scenes) + credit_words;
    while body_words(&scenes) > max_words {
        if let Some(i) = optional_scenes.pop() {
            if i < scenes.len() {
                scenes.remove(i);
            }
            continue;
        }
        let Some(i) =
            scenes.iter().rposition(|s| s.kind != SceneKind::Title && text::sentences(&s.narration).len() > 1)
        else {
            // Still too long (a 30 s video): what they did goes, then why it matters.
            match [lab.what_they_did, lab.why_it_matters].iter().find_map(|l| scenes.iter().position(|s| s.label == *l))
            {
                Some(i) if scenes.len() > 4 => {
                    scenes.remove(i);
                    continue;
                }
                _ => break,
            }
        };
        let first = text::sentences(&scenes[i].narration).into_iter().next().unwrap_or_default();
        scenes[i].narration = first;
    }
    let mut guard = 0;
    while body_words(&scenes) < min_words.max(target_words.saturating_sub(25)) && scenes.len() < 9 && guard < 8 {
        guard += 1;
        // Further findings; for a short paper (an abstract only), any readable sentence in order.
        let next =
            pick(&cands, Role::Found, &used, &seen).or_else(|| pick(&cands, Role::Means, &used, &seen)).or_else(|| {
                cands.iter().find(|c| {
                    !used.contains(&c.order)
                        && !seen.repeats(c)
                        && score(c, Role::Found).is_finite()
                        && c.part != Part::Skip
                })
            });
        let Some(c) = next.cloned() else { break };
        used.insert(c.order);
        let narration = fix(&c.spoken.iter().take(2).cloned().collect::<Vec<_>>().join(" "));
        seen.add(&c.text, &c.spoken.join(" "));
        if body_words(&scenes) + word_count(&narration) > max_words {
            continue;
        }
        let at = scenes.iter().position(|s| s.kind == SceneKind::Quote).unwrap_or(scenes.len());
        scenes.insert(
            at,
            scene(
                SceneKind::Point,
                lab.what_they_found,
                narration.clone(),
                card_phrase(&narration, lab.what_they_found),
                format!("Text card headed \"{}\": the key phrase in large type.", lab.what_they_found),
                vec![c.original.clone()],
            ),
        );
    }

    let mut total = body_words(&scenes);
    for sc in scenes.iter_mut().filter(|s| matches!(s.kind, SceneKind::Point | SceneKind::Number | SceneKind::Quote)) {
        if total >= min_words.max(target_words.saturating_sub(10)) {
            break;
        }
        let Some(more) = sc.source_sentences.first().and_then(|o| spare.get_mut(o)) else { continue };
        if !more.is_empty() && total + word_count(&more[0]) <= max_words {
            let next = more.remove(0);
            total += word_count(&next);
            sc.narration = format!("{} {next}", sc.narration);
        }
    }
    // Abbreviations: a long form the paper defines replaces an abbreviation's first use.
    if english {
        let mut seen = HashSet::new();
        for s in scenes.iter_mut() {
            s.narration = plain::expand_defined(&s.narration, &abbreviations, &mut seen);
        }
    }
    scenes.truncate(9);
    // A paper with a figure shows it in every video: without a Figure scene (a 30 s video, or
    // one trimmed for length) the first finding ends on the figure.
    if let Some((label, image)) = figure_to_show {
        if !scenes.iter().any(|s| s.kind == SceneKind::Figure) {
            let finding = scenes.iter().position(|s| s.label == lab.what_they_found).or_else(|| {
                scenes.iter().position(|s| matches!(s.kind, SceneKind::Point | SceneKind::Number | SceneKind::Quote))
            });
            if let Some(i) = finding {
                scenes[i].figure = Some(image);
                scenes[i].figure_label = Some(label);
            }
        }
    }
    scenes.push(credits_scene);

    let tags = hashtags(&view);
    let post_caption = post_caption_in(&view, &credits, &hook, lab, &title);
    let voice_note = voice_note(&choice);
    Ok(Script {
        title,
        short_title: card,
        hook: hook.clone(),
        scenes,
        credits,
        post_caption,
        hashtags: tags,
        provider: PROVIDER.into(),
        hooks: if hooks.is_empty() { vec![hook] } else { hooks.into_iter().map(|(h, _)| h).collect() },
        language: choice.language,
        voice_note,
        usage: None,
        style: Default::default(),
        pace: Default::default(),
    })
}

/// Another version of `script.scenes[index]` from the paper, for a person who wants a different
/// sentence there ("Try another sentence"): the offline writer's choice for the same place (see
/// [`same_place`]) in [`paper_without_script`]. Its narration is made from the paper's own
/// sentences, so it passes the number check as any offline scene does. `None` for the title and
/// credits scenes, or when the paper has no other sentence for that place.
pub fn another_scene(paper: &Paper, script: &Script, index: usize) -> Option<Scene> {
    let scene = script.scenes.get(index).filter(|s| !matches!(s.kind, SceneKind::Title | SceneKind::Credits))?;
    let other = write_offline_with(&paper_without_script(paper, script), &another_scene_options(script)).ok()?;
    same_place(&other, scene, index)
}

/// What a writer is asked for when it writes again for one scene: the script's language, and
/// the longest script (it has the most places to take one from).
pub fn another_scene_options(script: &Script) -> ScriptOptions {
    ScriptOptions { voice_languages: vec![script.language.clone()], length: ScriptLength::from_seconds(90) }
}

/// The paper with every sentence `script`'s scenes rest on taken out of its abstract, sections
/// and translations (paragraphs left empty are dropped), so that a writer given it can only
/// choose other sentences; everything it says is still the paper's.
pub fn paper_without_script(paper: &Paper, script: &Script) -> Paper {
    let flat = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let used: HashSet<String> = script.scenes.iter().flat_map(|s| s.source_sentences.iter().map(|x| flat(x))).collect();
    let without_used = |paragraphs: &[String]| -> Vec<String> {
        paragraphs
            .iter()
            .map(|p| text::sentences(p).into_iter().filter(|s| !used.contains(&flat(s))).collect::<Vec<_>>().join(" "))
            .filter(|p| !p.trim().is_empty())
            .collect()
    };
    let mut rest = paper.clone();
    rest.abstract_paragraphs = without_used(&paper.abstract_paragraphs);
    for section in &mut rest.sections {
        section.paragraphs = without_used(&section.paragraphs);
    }
    for translation in &mut rest.translations {
        translation.abstract_paragraphs = without_used(&translation.abstract_paragraphs);
        for section in &mut translation.sections {
            section.paragraphs = without_used(&section.paragraphs);
        }
    }
    rest
}

/// The scene of `other` that takes `scene`'s place (`index` in its script): the same kind and
/// label, else the same label, else the same kind, else whatever stands at `index` — never a
/// title or credits scene, never one without source sentences.
pub fn same_place(other: &Script, scene: &Scene, index: usize) -> Option<Scene> {
    let fits = |s: &&Scene| !matches!(s.kind, SceneKind::Title | SceneKind::Credits) && !s.source_sentences.is_empty();
    let candidates: Vec<&Scene> = other.scenes.iter().filter(fits).collect();
    let label = |s: &&&Scene| s.label.trim().eq_ignore_ascii_case(scene.label.trim());
    candidates
        .iter()
        .find(|s| s.kind == scene.kind && label(s))
        .or_else(|| candidates.iter().find(label))
        .or_else(|| candidates.iter().find(|s| s.kind == scene.kind))
        .copied()
        .or_else(|| other.scenes.get(index).filter(|s| fits(s)))
        .cloned()
}

/// Replaces the hook in use with `hooks[index]` (a person's choice), rewriting the first
/// scene's narration. Returns false when there is no such candidate.
pub fn choose_hook(script: &mut Script, index: usize) -> bool {
    let Some(h) = script.hooks.get(index).cloned() else { return false };
    script.hook = h.clone();
    if let Some(s) = script.scenes.first_mut().filter(|s| s.kind == SceneKind::Title) {
        s.narration = h;
    }
    true
}

pub(crate) fn credits_of(paper: &Paper) -> Credits {
    let authors = match paper.authors.len() {
        0 => String::new(),
        1 => paper.authors[0].clone(),
        2 => format!("{} and {}", paper.authors[0], paper.authors[1]),
        _ => format!("{} et al.", paper.authors[0]),
    };
    Credits {
        authors,
        journal: paper.journal.clone().filter(|j| !j.trim().is_empty()),
        year: paper.year().map(str::to_string),
        doi: paper.doi.clone().filter(|d| !d.trim().is_empty()),
        pmcid: paper.pmcid.clone().filter(|d| !d.trim().is_empty()),
        license: paper.license.as_ref().and_then(|l| l.name.clone()),
    }
}

/// 3–6 hashtags, each once: the paper's keywords first (CamelCase, letters and digits only),
/// then long words of the title, then general science tags.
pub(crate) fn hashtags(paper: &Paper) -> Vec<String> {
    const TITLE_STOP: &[&str] = &[
        "between",
        "among",
        "during",
        "after",
        "before",
        "using",
        "study",
        "effect",
        "effects",
        "analysis",
        "belonging",
        "family",
        "control",
        "alters",
        "inhibits",
        "through",
        "under",
        "about",
        "versus",
        "within",
        "without",
        "based",
        "novel",
        "their",
        "there",
        "these",
        "those",
        "which",
        "where",
        "from",
        "with",
        "into",
    ];
    let mut tags: Vec<String> = Vec::new();
    let push = |raw: &str, tags: &mut Vec<String>| {
        let tag: String = raw
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| if w.chars().filter(|c| c.is_uppercase()).count() > 1 { w.to_string() } else { capitalise(w) })
            .collect();
        let n = tag.chars().count();
        if !(3..=30).contains(&n) || tag.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        let t = format!("#{tag}");
        if tags.len() < 6 && !tags.iter().any(|x| x.to_lowercase() == t.to_lowercase()) {
            tags.push(t);
        }
    };
    for k in paper.keywords.iter().take(5) {
        if word_count(k) <= 3 {
            push(k, &mut tags);
        }
    }
    if tags.len() < 4 {
        for w in clean(&paper.title).split(|c: char| !c.is_alphanumeric() && c != '-') {
            let w = w.trim_matches('-');
            if w.chars().count() < 5
                || TITLE_STOP.contains(&w.to_lowercase().as_str())
                || w.chars().any(|c| c.is_ascii_digit())
            {
                continue;
            }
            push(w, &mut tags);
            if tags.len() >= 4 {
                break;
            }
        }
    }
    for general in ["science", "research", "scicomm"] {
        if tags.len() >= 3 {
            break;
        }
        push(general, &mut tags);
    }
    tags
}

/// The most words of a journal's or proceedings' name the credits read out.
const SPOKEN_VENUE_WORDS: usize = 8;

/// The closing credits scene in the labels' language; never empty (the title stands in when the
/// paper names no authors, journal or identifier).
pub(crate) fn credits_scene_in(paper: &Paper, credits: &Credits, lab: &Labels, title: &str) -> Scene {
    let mut line = String::new();
    if !credits.authors.is_empty() {
        let who = match paper.authors.len() {
            1 => paper.authors[0].clone(),
            2 => format!("{} {} {}", paper.authors[0], lab.and, paper.authors[1]),
            _ => format!("{} {}", paper.authors[0], lab.and_colleagues),
        };
        line.push_str(&format!("{} {who}", lab.research_by));
    } else {
        line.push_str(lab.from_the_paper);
    }
    // A venue as long as a sentence ("Proceedings of the 17th Conference of the European
    // Chapter of …") is shown on the card, not read out.
    if let Some(j) = credits.journal.as_ref().filter(|j| j.split_whitespace().count() <= SPOKEN_VENUE_WORDS) {
        line.push_str(&format!(", {} {j}", lab.published_in));
    }
    if let Some(y) = &credits.year {
        line.push_str(&format!(" {} {y}", lab.in_year).replace("  ", " "));
    }
    line.push_str(&format!(". {}", lab.read_full));
    let mut on_screen = vec![credits.authors.clone()];
    on_screen.extend(credits.journal.clone());
    on_screen.extend(credits.year.clone());
    on_screen.extend(credits.identifier());
    on_screen.extend(credits.license.clone());
    let mut on_screen: Vec<String> = on_screen.into_iter().filter(|s| !s.trim().is_empty()).collect();
    if credits.authors.is_empty() && credits.journal.is_none() {
        on_screen.insert(0, title_card(title));
    }
    scene(
        SceneKind::Credits,
        lab.read_the_paper,
        line,
        on_screen.join("\n"),
        "Credits card: authors, journal and year, the DOI or PMCID, and the licence.".into(),
        vec![],
    )
}

/// The post caption: the lead (the hook), then the paper's reference ("Paper: “Title” by X
/// (Journal, 2012).") and its link, 1–3 short lines. No hashtags: they are a field of their own.
pub(crate) fn post_caption_in(paper: &Paper, credits: &Credits, lead: &str, lab: &Labels, title: &str) -> String {
    let _ = paper;
    let mut reference = format!("{}: “{}”", lab.paper, title.trim_end_matches('.'));
    if !credits.authors.is_empty() {
        reference.push_str(&format!(", {}", credits.authors));
    }
    let venue = [credits.journal.clone(), credits.year.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
    if !venue.is_empty() {
        reference.push_str(&format!(" ({venue})"));
    }
    reference.push('.');
    let mut lines = vec![lead.trim().to_string(), reference];
    if let Some(d) = &credits.doi {
        lines.push(format!("https://doi.org/{d}"));
    } else if let Some(p) = &credits.pmcid {
        lines.push(format!("https://pmc.ncbi.nlm.nih.gov/articles/{p}/"));
    }
    lines.retain(|l| !l.is_empty());
    lines.join("\n")
}

/// Numbers said in the narration (or shown as a key number) that the paper never prints, less
/// those a person kept in their edit of a scene. Normalised: "1,000" = "1000", "0.50" = "0.5",
/// "25%" = "25". Empty when the script is faithful.
pub fn numbers_not_in_paper(script: &Script, paper: &Paper) -> Vec<String> {
    let mut allowed = paper_numbers(paper);
    allowed.extend(script.scenes.iter().filter_map(|s| s.edit.as_ref()).flat_map(|e| e.kept_numbers.iter().cloned()));
    let mut bad = BTreeSet::new();
    let said = script
        .scenes
        .iter()
        .flat_map(|s| [Some(s.narration.as_str()), s.key_number.as_deref()])
        .flatten()
        .chain([script.hook.as_str()]);
    for t in said {
        bad.extend(numbers_missing_from(t, &allowed));
    }
    bad.into_iter().collect()
}

/// The numbers `text` says that `allowed` lacks, each once, in order of appearance.
pub fn numbers_missing_from(text: &str, allowed: &HashSet<String>) -> Vec<String> {
    let mut missing: Vec<String> = Vec::new();
    for n in text::numbers(text) {
        if !allowed.contains(&n) && !missing.contains(&n) {
            missing.push(n);
        }
    }
    missing
}

/// Every number the paper prints anywhere (text, metadata, figure labels, translations),
/// normalised as [`text::numbers`] gives them: what a faithful narration may say.
pub fn paper_numbers(paper: &Paper) -> HashSet<String> {
    let mut allowed: HashSet<String> = HashSet::new();
    let meta = [
        Some(paper.title.clone()),
        paper.journal.clone(),
        paper.published.clone(),
        paper.doi.clone(),
        paper.pmid.clone(),
        paper.pmcid.clone(),
    ];
    for t in paper
        .all_text()
        .map(str::to_string)
        .chain(meta.into_iter().flatten())
        .chain(paper.figures.iter().filter_map(|f| f.label.clone()))
        .chain(paper.translations.iter().flat_map(|t| {
            std::iter::once(t.title.clone())
                .chain(t.abstract_paragraphs.iter().cloned())
                .chain(t.sections.iter().flat_map(|s| s.paragraphs.iter().cloned()))
        }))
    {
        allowed.extend(text::numbers(&t));
    }
    allowed
}
