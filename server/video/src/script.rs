//! The offline script writer: an extractive script built from the paper's own key sentences.

use crate::text::{self, capitalise, clean, expand_abbreviations, shorten, word_count};
use crate::{VideoError, VideoErrorKind};
use paper::Paper;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

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
    pub narration: String,
    pub on_screen_text: String,
    /// The visual plan in words.
    pub visual: String,
    /// The paper figure's image file name, relative to the paper directory.
    pub figure: Option<String>,
    pub key_number: Option<String>,
    /// The exact sentences of the paper this scene rests on.
    pub source_sentences: Vec<String>,
    /// A small heading shown above the text ("What they found").
    #[serde(default)]
    pub label: String,
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

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Script {
    pub title: String,
    pub hook: String,
    pub scenes: Vec<Scene>,
    pub credits: Credits,
    pub post_caption: String,
    pub hashtags: Vec<String>,
    pub provider: String,
}

pub const PROVIDER: &str = "offline-extractive";
const MAX_WORDS: usize = 25;
const TARGET_WORDS: usize = 150;
const MAX_TOTAL_WORDS: usize = 195;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Abstract,
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
    } else if has(&["conclusion", "concluding", "summary", "implication"]) {
        Some(Part::Conclusion)
    } else if has(&["discussion"]) {
        Some(Part::Discussion)
    } else if has(&["result", "finding"]) {
        Some(Part::Results)
    } else if has(&["method", "material", "experimental", "procedure", "study design", "participants"]) {
        Some(Part::Methods)
    } else if has(&["introduction", "background"]) {
        Some(Part::Intro)
    } else {
        None
    }
}

#[derive(Clone, Debug)]
struct Candidate {
    original: String,
    cleaned: String,
    part: Part,
    /// Position of the sentence within its part (0 = first) and the part's sentence count.
    index: usize,
    of: usize,
    order: usize,
}

fn candidates(paper: &Paper) -> Vec<Candidate> {
    let mut out = Vec::new();
    let push_part = |part: Part, paragraphs: &[&str], out: &mut Vec<Candidate>| {
        let sents: Vec<String> = paragraphs.iter().flat_map(|p| text::sentences(p)).collect();
        let of = sents.len();
        for (index, original) in sents.into_iter().enumerate() {
            let cleaned = expand_abbreviations(&clean(&original));
            let order = out.len();
            out.push(Candidate { original, cleaned, part, index, of, order });
        }
    };
    let abs: Vec<&str> = paper.abstract_paragraphs.iter().map(String::as_str).collect();
    push_part(Part::Abstract, &abs, &mut out);
    let mut parent = Part::Other;
    // Group consecutive sections sharing a part so positions are per part.
    let mut groups: Vec<(Part, Vec<&str>)> = Vec::new();
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
    Background,
    Aim,
    Method,
    Result,
    Meaning,
}

fn cue_score(s: &str, cues: &[&str]) -> f64 {
    let l = s.to_lowercase();
    (cues.iter().filter(|c| l.contains(*c)).count() as f64).min(2.5)
}

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
const DANGLING_START: &[&str] =
    &["this ", "these ", "they ", "it ", "such ", "in this case", "here,", "those ", "its ", "their ", "both "];
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
];

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
            (has_digit && has_alpha) || caps >= 3 || w.chars().any(|c| "=<>/+±×∶:".contains(c) && w.len() > 1)
        })
        .count();
    odd as f64 / words.len() as f64 * 6.0
}

fn score(c: &Candidate, role: Role) -> f64 {
    let n = word_count(&c.cleaned);
    let spoken = speakable(c, 2).join(" ");
    if !(6..=60).contains(&n) || word_count(&spoken) < 6 {
        return f64::NEG_INFINITY;
    }
    let s = &spoken;
    let l = s.to_lowercase();
    let first = c.index == 0;
    let last = c.index + 1 == c.of;
    let rel = if c.of > 1 { c.index as f64 / (c.of - 1) as f64 } else { 0.0 };
    let nums = text::numbers(s).len() as f64;
    let mut v = match role {
        Role::Background => {
            cue_score(s, BACKGROUND) * 1.5
                + match c.part {
                    Part::Abstract => 2.5 - rel * 4.0,
                    Part::Intro => 2.0 - rel * 3.0,
                    _ => -5.0,
                }
                + if first { 1.5 } else { 0.0 }
        }
        Role::Aim => {
            cue_score(s, AIM) * 2.5
                + match c.part {
                    Part::Abstract => 1.0,
                    Part::Intro => 0.5 + rel,
                    _ => -4.0,
                }
        }
        Role::Method => {
            cue_score(s, METHOD) * 1.5
                + match c.part {
                    Part::Abstract => 1.5,
                    Part::Methods => 0.5 - rel,
                    Part::Results => -0.5,
                    _ => -4.0,
                }
                - nums * 0.5
        }
        Role::Result => {
            cue_score(s, RESULT) * 1.5
                + nums.min(3.0) * 0.8
                + if s.contains('%') || l.contains("fold") || l.contains("million") { 1.5 } else { 0.0 }
                + match c.part {
                    Part::Abstract => 1.5,
                    Part::Results => 1.0,
                    Part::Discussion => 0.8,
                    Part::Conclusion => 0.5,
                    _ => -4.0,
                }
        }
        Role::Meaning => {
            cue_score(s, MEANING) * 1.5
                + match c.part {
                    Part::Abstract => rel * 3.0 + if last { 1.5 } else { 0.0 },
                    Part::Conclusion => 2.5,
                    Part::Discussion => 1.0 - rel * 0.5,
                    _ => -4.0,
                }
                - nums * 0.7
        }
    };
    if DANGLING_START.iter().any(|d| l.starts_with(d))
        && !l.starts_with("this study")
        && !l.starts_with("these findings")
        && !l.starts_with("these results")
    {
        v -= 2.0;
    }
    v -= clumsiness(s);
    if n > 40 {
        v -= 1.0;
    }
    v
}

fn pick<'a>(cands: &'a [Candidate], role: Role, used: &HashSet<usize>) -> Option<&'a Candidate> {
    cands
        .iter()
        .filter(|c| !used.contains(&c.order))
        .map(|c| (score(c, role), c))
        .filter(|(s, _)| s.is_finite() && *s > 0.0)
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.order.cmp(&a.1.order)))
        .map(|(_, c)| c)
}

/// Short spoken sentences for a candidate, at most `max_sentences` of them.
fn speakable(c: &Candidate, max_sentences: usize) -> Vec<String> {
    let s = strip_connective(&c.cleaned);
    let mut v = shorten(&s, MAX_WORDS).unwrap_or_default();
    v.truncate(max_sentences);
    v
}

/// Words of the narration, counted for the length budget.
fn total_words(scenes: &[Scene]) -> usize {
    scenes.iter().map(|s| word_count(&s.narration)).sum()
}

/// A striking number shown big on a Number card: a percentage, a "million", a fold change, or
/// else any number that is not a year-like or tiny count. Text is taken verbatim from the sentence.
fn key_number(s: &str) -> Option<String> {
    use regex::Regex;
    use std::sync::LazyLock;
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:[<>≤≥~]\s?)?\d[\d,]*(?:\.\d+)?(?:\s?%|\s?-?fold|\s(?:million|billion|thousand)|\s?(?:µM|μM|nM|mM|mg|µg|kg|°C|Da|kDa|times))?").unwrap()
    });
    let mut best: Option<(i32, String)> = None;
    for m in KEY.find_iter(s) {
        let t = m.as_str().trim().to_string();
        // Skip numbers glued to letters (identifiers like H37Rv, pNPC4).
        let before = s[..m.start()].chars().last();
        let after = s[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-') || after.is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        let l = t.to_lowercase();
        let digits: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        let mut score = if l.contains('%') || l.contains("million") || l.contains("billion") {
            5
        } else if l.contains("fold") || l.contains("times") {
            4
        } else if t.chars().any(|c| c.is_alphabetic() || c == '°') {
            3
        } else {
            1
        };
        let yearlike = digits.len() == 4 && (digits.starts_with("19") || digits.starts_with("20")) && score == 1;
        if yearlike {
            continue;
        }
        if score == 1 && digits.len() >= 2 {
            score = 2;
        }
        if best.as_ref().is_none_or(|(b, _)| score > *b) {
            best = Some((score, t));
        }
    }
    best.filter(|(s, _)| *s >= 2).map(|(_, t)| t)
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

pub(crate) fn hashtags(paper: &Paper) -> Vec<String> {
    const STOP: &[&str] = &[
        "the",
        "and",
        "for",
        "with",
        "from",
        "into",
        "that",
        "this",
        "their",
        "between",
        "among",
        "during",
        "after",
        "before",
        "using",
        "study",
        "effect",
        "effects",
        "role",
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
        "new",
    ];
    let mut tags = vec!["#science".to_string(), "#research".to_string(), "#scicomm".to_string()];
    let mut seen = BTreeSet::new();
    for w in paper.title.split(|c: char| !c.is_alphanumeric() && c != '-') {
        let w = w.trim_matches('-');
        let l = w.to_lowercase();
        if w.chars().count() < 5
            || STOP.contains(&l.as_str())
            || w.chars().any(|c| c.is_ascii_digit())
            || !seen.insert(l.clone())
        {
            continue;
        }
        let tag: String = w.split('-').map(capitalise).collect();
        tags.push(format!("#{tag}"));
        if tags.len() >= 7 {
            break;
        }
    }
    tags
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
        key_number: None,
        source_sentences: sources,
        label: label.to_string(),
    }
}

/// Writes the script from the paper's own sentences.
pub fn write_offline(paper: &Paper) -> Result<Script, VideoError> {
    let words: usize = paper
        .abstract_paragraphs
        .iter()
        .chain(paper.sections.iter().flat_map(|s| s.paragraphs.iter()))
        .map(|p| word_count(p))
        .sum();
    if words < 40 {
        return Err(VideoError::new(
            VideoErrorKind::TooLittleText,
            format!("The paper has only {words} words of text; at least 40 are needed to write a script. Upload the full text or a file with its abstract."),
        ));
    }
    let full_text: String = paper.all_text().collect::<Vec<_>>().join(" ");
    let cands = candidates(paper);
    let mut used: HashSet<usize> = HashSet::new();
    let fix = |s: String| expand_genus(&s, &full_text);

    // Hook: the main finding, stripped of its lead-in ("we provide evidence that …").
    let result_pick = pick(&cands, Role::Result, &used).cloned();
    let hook_source = cands
        .iter()
        .filter(|c| c.part == Part::Abstract || c.part == Part::Conclusion)
        .filter(|c| {
            let l = c.cleaned.to_lowercase();
            [
                "we show",
                "evidence that",
                "we demonstrate",
                "we found",
                "we find",
                "reveal",
                "findings suggest",
                "results suggest",
                "results show",
            ]
            .iter()
            .any(|k| l.contains(k))
        })
        .filter_map(|c| {
            let l = c.cleaned.to_lowercase();
            let cut = l.find(" that ").map(|i| i + 6)?;
            let rest = strip_connective(&c.cleaned[cut..]);
            let short = shorten(&rest, 18)?;
            Some((c.clone(), short[0].clone()))
        })
        .find(|(_, s)| word_count(s) >= 4);
    let title_clean = clean(&paper.title);
    let (hook, hook_sources) = match hook_source {
        Some((c, s)) => (fix(capitalise(&s)), vec![c.original.clone()]),
        None => match &result_pick {
            Some(c) => match shorten(&strip_connective(&c.cleaned), 18) {
                Some(v) => (fix(v[0].clone()), vec![c.original.clone()]),
                None => (format!("{}.", title_clean.trim_end_matches('.')), vec![]),
            },
            None => (format!("{}.", title_clean.trim_end_matches('.')), vec![]),
        },
    };
    // The hook's own sentence is not repeated later.
    for c in &cands {
        if hook_sources.contains(&c.original) {
            used.insert(c.order);
        }
    }

    let mut scenes: Vec<Scene> = Vec::new();
    let journal_year =
        [paper.journal.clone(), paper.year().map(str::to_string)].into_iter().flatten().collect::<Vec<_>>().join(" · ");
    let mut title_scene = scene(
        SceneKind::Title,
        "New research",
        hook.clone(),
        title_clean.clone(),
        format!("Title card: the paper's title in large bold type over the deep gradient, {journal_year} beneath it, an accent rule."),
        hook_sources.clone(),
    );
    title_scene.on_screen_text = title_clean.clone();
    scenes.push(title_scene);

    let roles: [(Role, &str, usize); 5] = [
        (Role::Background, "Why it matters", 2),
        (Role::Aim, "The question", 1),
        (Role::Method, "How they did it", 1),
        (Role::Result, "What they found", 2),
        (Role::Meaning, "What it means", 2),
    ];
    let mut number_scenes = 0;
    let mut result_index = None;
    for (role, label, max_sentences) in roles {
        let Some(c) = pick(&cands, role, &used).cloned() else { continue };
        used.insert(c.order);
        let spoken = speakable(&c, max_sentences);
        if spoken.is_empty() {
            continue;
        }
        let narration = fix(spoken.join(" "));
        let mut sc = match role {
            Role::Meaning => scene(
                SceneKind::Quote,
                label,
                narration.clone(),
                fix(spoken[0].clone()),
                "Pull-quote card: the authors' conclusion in large type between oversized accent quotation marks."
                    .into(),
                vec![c.original.clone()],
            ),
            _ => scene(
                SceneKind::Point,
                label,
                narration.clone(),
                fix(spoken[0].clone()),
                format!("Text card headed \"{label}\": the key sentence in large type with an accent bar, slow drift."),
                vec![c.original.clone()],
            ),
        };
        if matches!(role, Role::Background | Role::Result) && number_scenes < 2 {
            if let Some(k) = key_number(&narration) {
                sc.kind = SceneKind::Number;
                sc.visual =
                    format!("Key-number card: \"{k}\" huge in the accent colour, the sentence it comes from beneath.");
                // Show the sentence that holds the number.
                if let Some(s) = spoken.iter().find(|s| s.contains(&k)) {
                    sc.on_screen_text = fix(s.clone());
                }
                sc.key_number = Some(k);
                number_scenes += 1;
            }
        }
        if role == Role::Result {
            result_index = Some(scenes.len());
        }
        scenes.push(sc);
    }

    // Figures with images: one or two figure scenes, after the main result.
    let figure_words = |f: &paper::Figure| -> Option<(String, String)> {
        let first = text::sentences(&f.caption).into_iter().next()?;
        let title = clean(&first);
        let title = title.trim_end_matches('.').to_string();
        if word_count(&title) < 2 || word_count(&title) > 16 {
            return None;
        }
        Some((first, title))
    };
    let result_text = result_index.map(|i| scenes[i].narration.to_lowercase()).unwrap_or_default();
    let mut figs: Vec<(usize, &paper::Figure, String, String)> = paper
        .figures
        .iter()
        .filter(|f| f.image.as_deref().is_some_and(|i| !i.trim().is_empty()))
        .filter_map(|f| figure_words(f).map(|(o, t)| (f, o, t)))
        .map(|(f, o, t)| {
            let overlap =
                t.to_lowercase().split_whitespace().filter(|w| w.len() > 3 && result_text.contains(*w)).count();
            (overlap, f, o, t)
        })
        .collect();
    figs.sort_by_key(|f| std::cmp::Reverse(f.0));
    figs.truncate(2);
    let first_at = result_index.map(|i| i + 1).unwrap_or(scenes.len());
    for (insert_at, (_, f, original, title)) in (first_at..).zip(figs) {
        let narration = fix(format!("This figure from the paper shows {}.", lowercase_first(&title)));
        let label =
            f.label.clone().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).unwrap_or_else(|| "Figure".into());
        let mut sc = scene(
            SceneKind::Figure,
            &label,
            narration,
            fix(title.clone()),
            format!("The paper's {label} on a light panel with a slow zoom and pan, its title beneath."),
            vec![original],
        );
        sc.figure = f.image.clone();
        scenes.insert(insert_at.min(scenes.len()), sc);
    }

    // Too short (an abstract-only paper): add further results in reading order.
    let mut guard = 0;
    while (scenes.len() < 4 || total_words(&scenes) < TARGET_WORDS - 60) && scenes.len() < 8 && guard < 6 {
        guard += 1;
        let Some(c) = pick(&cands, Role::Result, &used).or_else(|| pick(&cands, Role::Meaning, &used)).cloned() else {
            break;
        };
        used.insert(c.order);
        let spoken = speakable(&c, 2);
        if spoken.is_empty() {
            continue;
        }
        let sc = scene(
            SceneKind::Point,
            "What they found",
            fix(spoken.join(" ")),
            fix(spoken[0].clone()),
            "Text card headed \"What they found\": the key sentence in large type with an accent bar.".into(),
            vec![c.original.clone()],
        );
        // Before the closing quote, if any.
        let at = scenes.iter().position(|s| s.kind == SceneKind::Quote).unwrap_or(scenes.len());
        scenes.insert(at, sc);
    }
    if scenes.len() < 4 {
        // Fall back to any readable sentences in order.
        for c in &cands {
            if scenes.len() >= 4 {
                break;
            }
            if used.contains(&c.order) || word_count(&c.cleaned) < 5 {
                continue;
            }
            let spoken = speakable(c, 2);
            if spoken.is_empty() {
                continue;
            }
            scenes.push(scene(
                SceneKind::Point,
                "Key point",
                fix(spoken.join(" ")),
                fix(spoken[0].clone()),
                "Text card.".into(),
                vec![c.original.clone()],
            ));
        }
    }
    if scenes.len() < 4 {
        return Err(VideoError::new(
            VideoErrorKind::TooLittleText,
            "Could not find enough readable sentences in the paper to write a script.",
        ));
    }
    // Too long: drop second sentences, then optional scenes.
    for s in scenes.iter_mut() {
        if total_words_str(&s.narration) > MAX_WORDS && s.kind != SceneKind::Title {
            // keep as is; trimmed below if the total is over budget
        }
    }
    while total_words(&scenes) > MAX_TOTAL_WORDS {
        let Some(i) = scenes.iter().rposition(|s| text::sentences(&s.narration).len() > 1) else { break };
        let first = text::sentences(&scenes[i].narration).into_iter().next().unwrap_or_default();
        scenes[i].narration = first;
    }
    scenes.truncate(8);

    let credits = credits_of(paper);
    scenes.push(credits_scene(paper, &credits));
    let tags = hashtags(paper);
    let post_caption = post_caption(paper, &credits, &format!("{hook} 🧪"), &tags);

    Ok(Script { title: title_clean, hook, scenes, credits, post_caption, hashtags: tags, provider: PROVIDER.into() })
}

/// The closing credits scene, built from the paper's metadata only.
pub(crate) fn credits_scene(paper: &Paper, credits: &Credits) -> Scene {
    let mut credit_line = String::new();
    if !credits.authors.is_empty() {
        let who = match paper.authors.len() {
            1 => paper.authors[0].clone(),
            2 => format!("{} and {}", paper.authors[0], paper.authors[1]),
            _ => format!("{} and colleagues", paper.authors[0]),
        };
        credit_line.push_str(&format!("Research by {who}"));
    } else {
        credit_line.push_str("From the paper");
    }
    if let Some(j) = &credits.journal {
        credit_line.push_str(&format!(", published in {j}"));
    }
    if let Some(y) = &credits.year {
        credit_line.push_str(&format!(" in {y}"));
    }
    credit_line.push_str(". Read the full paper via the link.");
    let mut on_screen = vec![credits.authors.clone()];
    on_screen.extend(credits.journal.clone());
    on_screen.extend(credits.year.clone());
    on_screen.extend(credits.identifier());
    scene(
        SceneKind::Credits,
        "Read the paper",
        credit_line,
        on_screen.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("\n"),
        "Credits card: authors, journal and year, the DOI or PMCID, and the licence.".into(),
        vec![],
    )
}

/// The post caption: `lead`, then the paper's reference and link from its metadata, then the tags.
pub(crate) fn post_caption(paper: &Paper, credits: &Credits, lead: &str, tags: &[String]) -> String {
    let title_clean = clean(&paper.title);
    let mut post_caption = format!("{lead}\n\nPaper: \"{title_clean}\"");
    if !credits.authors.is_empty() {
        post_caption.push_str(&format!(" by {}", credits.authors));
    }
    let venue = [credits.journal.clone(), credits.year.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ");
    if !venue.is_empty() {
        post_caption.push_str(&format!(" ({venue})"));
    }
    post_caption.push('.');
    if let Some(d) = &credits.doi {
        post_caption.push_str(&format!(" https://doi.org/{d}"));
    } else if let Some(p) = &credits.pmcid {
        post_caption.push_str(&format!(" https://pmc.ncbi.nlm.nih.gov/articles/{p}/"));
    }
    post_caption.push_str(&format!("\n\n{}", tags.join(" ")));
    post_caption
}

fn total_words_str(s: &str) -> usize {
    word_count(s)
}

/// Numbers said in the narration (or shown as a key number) that the paper never prints.
/// Normalised: "1,000" = "1000", "0.50" = "0.5", "25%" = "25". Empty when the script is faithful.
pub fn numbers_not_in_paper(script: &Script, paper: &Paper) -> Vec<String> {
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
    {
        allowed.extend(text::numbers(&t));
    }
    let mut bad = BTreeSet::new();
    let said = script
        .scenes
        .iter()
        .flat_map(|s| [Some(s.narration.as_str()), s.key_number.as_deref()])
        .flatten()
        .chain([script.hook.as_str()]);
    for t in said {
        for n in text::numbers(t) {
            if !allowed.contains(&n) {
                bad.insert(n);
            }
        }
    }
    bad.into_iter().collect()
}
