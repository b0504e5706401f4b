//! Text helpers: sentence splitting, turning printed sentences into speakable ones, the
//! pronunciation list, number extraction and line wrapping.

use regex::Regex;
use std::sync::LazyLock;

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("valid regex"));
    };
}

/// Abbreviations after which a period does not end a sentence (lower-cased, without the dot).
const NO_BREAK: &[&str] = &[
    "e.g", "i.e", "al", "fig", "figs", "vs", "approx", "ca", "cf", "nos", "ref", "refs", "eq", "dr", "prof", "mr",
    "mrs", "ms", "st", "resp", "sp", "spp", "var", "incl", "ed", "eds", "vol", "jan", "feb", "mar", "apr", "jun",
    "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc", "ltd", "co", "corp",
];

/// Splits a paragraph into sentences, keeping each sentence exactly as printed.
pub fn sentences(paragraph: &str) -> Vec<String> {
    let text = paragraph.trim();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut depth: i32 = 0;
    for i in 0..chars.len() {
        let (pos, c) = chars[i];
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            _ => {}
        }
        if !matches!(c, '.' | '?' | '!') || depth > 0 {
            continue;
        }
        // Needs whitespace then an upper-case letter, a digit or an opening quote/bracket.
        let Some(&(_, next)) = chars.get(i + 1) else { continue };
        if !next.is_whitespace() {
            continue;
        }
        let Some(&(_, after)) = chars[i + 1..].iter().find(|(_, ch)| !ch.is_whitespace()) else { continue };
        if !(after.is_uppercase() || after.is_ascii_digit() || matches!(after, '“' | '"' | '(' | '[')) {
            continue;
        }
        if c == '.' {
            // The word before the dot.
            let word_start = text[..pos].rfind(|ch: char| ch.is_whitespace() || ch == '(').map_or(0, |p| p + 1);
            let word = text[word_start..pos].to_lowercase();
            let bare = word.trim_start_matches(|ch: char| !ch.is_alphanumeric());
            if NO_BREAK.contains(&bare) || NO_BREAK.contains(&word.as_str()) {
                continue;
            }
            // Initials and abbreviated genus names: "M. tuberculosis", "J. Smith".
            let letters: Vec<char> = bare.chars().collect();
            if letters.len() == 1 && letters[0].is_alphabetic() {
                continue;
            }
            // "e.g." style: the word itself has inner dots.
            if bare.contains('.') && bare.len() <= 5 {
                continue;
            }
        }
        let end = pos + c.len_utf8();
        let s = text[start..end].trim();
        if !s.is_empty() {
            out.push(s.to_string());
        }
        start = end;
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

re!(URL, r"(?i)\b(?:https?://|www\.)[^\s)\]]+");
re!(MD_LINK, r"\[([^\]]+)\]\((?:[^)]+)\)");
re!(MD_MARK, r"(\*\*|__|\*|`|~~|^#+\s*|^>\s*)");
re!(BRACKET_CITE, r"\s*\[[\d\s,;–\-−]+\]");
re!(
    AUTHOR_CITE,
    r"\s*\((?:see\s+)?[A-Z][^()]*?(?:et al\.?|and [A-Z][a-z]+)?,?\s+(?:19|20)\d\d[a-z]?(?:\s*[;,]\s*[^()]*?(?:19|20)\d\d[a-z]?)*\)"
);
re!(PARENS, r"\s*\([^()]*\)");
re!(SQUARE, r"\s*\[[^\[\]]*\]");
re!(
    FIG_REF,
    r"(?i)\s*\b(?:as\s+(?:shown|seen|depicted|illustrated|summari[sz]ed)\s+in\s+|see\s+|in\s+)?(?:fig(?:ure)?s?\.?|tables?|supplementary\s+(?:fig(?:ure)?|table)s?)\s*S?\d+[A-Za-z]?(?:[–\-][A-H]\b)?(?:\s*(?:[–\-,]|and)\s*S?\d+[A-Za-z]?(?:[–\-][A-H]\b)?)*"
);
re!(
    SECTION_REF,
    r"(?i)\s*\b(?:as\s+(?:shown|discussed|described)\s+in\s+|see\s+|in\s+)?(?:sections?|§)\s*\d+(?:\.\d+)*"
);
re!(SUPERSCRIPT_CITE, r"\b([a-z]{4,})(\d{1,3}(?:[,–\-]\d{1,3})*)([.,;:]?)(\s|$)");
re!(DOT_CITE, r"([a-z)])\.(\d{1,3}(?:[,–\-]\d{1,3})*)(\s|$)");
re!(SPACES, r"\s+");
re!(SPACE_PUNCT, r"\s+([,.;:!?])");
re!(DOUBLE_PUNCT, r"([,;:])\s*([,;:.])");
re!(
    LABEL_PREFIX,
    r"^(?i)(background|objectives?|aims?|methods?|results?|conclusions?|significance|findings|interpretation|purpose|context|design)\s*[:.]\s*"
);

/// Removes what must never be spoken or shown: citation markers, URLs, Markdown, figure, table
/// and section references, parentheticals and trade marks ("Windows Media Player™" would be
/// read "player trade mark"). Keeps the sentence otherwise as printed.
pub fn clean(sentence: &str) -> String {
    let mut s = sentence.replace(['\u{a0}', '\u{2009}', '\u{202f}'], " ").replace(['™', '®', '℠'], "");
    s = MD_LINK.replace_all(&s, "$1").into_owned();
    s = URL.replace_all(&s, "").into_owned();
    s = BRACKET_CITE.replace_all(&s, "").into_owned();
    s = AUTHOR_CITE.replace_all(&s, "").into_owned();
    // Nested parentheses: strip innermost first, a few rounds.
    for _ in 0..3 {
        s = PARENS.replace_all(&s, "").into_owned();
        s = SQUARE.replace_all(&s, "").into_owned();
    }
    s = s.replace(['(', ')', '[', ']'], "");
    s = FIG_REF.replace_all(&s, "").into_owned();
    s = SECTION_REF.replace_all(&s, "").into_owned();
    s = SUPERSCRIPT_CITE.replace_all(&s, "$1$3$4").into_owned();
    s = DOT_CITE.replace_all(&s, "$1.$3").into_owned();
    s = MD_MARK.replace_all(&s, "").into_owned();
    s = LABEL_PREFIX.replace(&s, "").into_owned();
    s = s.replace(['“', '”'], "\"").replace(['‘', '’'], "'");
    s = SPACES.replace_all(&s, " ").into_owned();
    s = SPACE_PUNCT.replace_all(&s, "$1").into_owned();
    s = DOUBLE_PUNCT.replace_all(&s, "$2").into_owned();
    let s = s.trim().trim_start_matches([',', ';', ':']).trim();
    capitalise(s)
}

pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Written abbreviations expanded in the narration itself (shown and spoken).
const EXPAND: &[(&str, &str)] = &[
    ("e.g.", "for example"),
    ("i.e.", "that is"),
    ("et al.", "and colleagues"),
    ("vs.", "versus"),
    ("approx.", "approximately"),
    ("cf.", "compare"),
    ("etc.", "and so on"),
    ("w/o", "without"),
];

pub fn expand_abbreviations(s: &str) -> String {
    let mut out = s.to_string();
    for (from, to) in EXPAND {
        out = out.replace(from, to);
    }
    out
}

/// A word without its punctuation, lower-cased: "(Results," → "results".
pub fn bare_word(w: &str) -> String {
    w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase()
}

/// A number written without its unit or punctuation: "1", "2.5", "1,200" (not "20%", "3-fold").
pub fn bare_number(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit()) && word.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',')
}

pub fn word_count(s: &str) -> usize {
    s.split_whitespace().count()
}

re!(
    CLAUSE,
    r"(;|:|,\s+(?:which|whereas|while|but|thus|therefore|although|though|suggesting|indicating|leading|thereby|so that|and thus)\b|\s+whereas\s)"
);

/// Rewrites one cleaned sentence into short spoken sentences of at most `max_words` words,
/// splitting at clause boundaries. Returns None when no clean cut exists.
pub fn shorten(sentence: &str, max_words: usize) -> Option<Vec<String>> {
    let s = sentence.trim();
    if word_count(s) <= max_words {
        return Some(vec![finish_sentence(s)]);
    }
    // Split into clauses at clause boundaries; keep leading clauses that fit.
    let mut parts: Vec<String> = Vec::new();
    let mut last = 0;
    for m in CLAUSE.find_iter(s) {
        parts.push(s[last..m.start()].trim().to_string());
        last = m.end();
    }
    parts.push(s[last..].trim().to_string());
    if parts.len() == 1 && word_count(s) <= max_words + 6 {
        // No clause boundary and only a little too long: keep it whole.
        return Some(vec![finish_sentence(s)]);
    }
    let first = parts.first()?;
    if word_count(first) < 4 || starts_subordinate(first) {
        return None;
    }
    if word_count(first) > max_words {
        // Try a comma cut inside the first clause.
        let mut acc = String::new();
        for piece in first.split(", ") {
            let candidate = if acc.is_empty() { piece.to_string() } else { format!("{acc}, {piece}") };
            if word_count(&candidate) > max_words {
                break;
            }
            acc = candidate;
        }
        if word_count(&acc) >= 6 && !ends_dangling(&acc) {
            return Some(vec![finish_sentence(&acc)]);
        }
        return None;
    }
    let mut out = vec![finish_sentence(first)];
    if let Some(second) = parts.get(1) {
        let second = second.trim_start_matches(|c: char| !c.is_alphanumeric());
        let first_word = second.split_whitespace().next().unwrap_or("").to_lowercase();
        let fragment = first_word.ends_with("ing")
            || first_word.ends_with("ed")
            || starts_subordinate(second)
            || ["which", "while", "whereas", "and", "or", "but", "thus", "so"].contains(&first_word.as_str());
        if word_count(second) <= max_words && word_count(second) >= 5 && !ends_dangling(second) && !fragment {
            out.push(finish_sentence(second));
        }
    }
    Some(out)
}

/// A clause that cannot stand alone as a sentence.
fn starts_subordinate(s: &str) -> bool {
    let l = s.trim().to_lowercase();
    let first = l.split_whitespace().next().unwrap_or("");
    [
        "as", "to", "when", "although", "though", "because", "since", "if", "after", "before", "while", "whereas",
        "unlike", "despite", "once", "until", "whether",
    ]
    .contains(&first)
        || l.starts_with("in order")
        || l.starts_with("due to")
}

/// Whether a clause ends on a word that needs more after it ("and", "of", "because", "indicates").
pub fn ends_dangling(s: &str) -> bool {
    let last = s.split_whitespace().last().unwrap_or("").to_lowercase();
    let last = last.trim_matches(|c: char| !c.is_alphanumeric());
    const NEEDS_OBJECT: &[&str] = &[
        "indicates",
        "indicate",
        "indicated",
        "suggests",
        "suggest",
        "suggested",
        "shows",
        "show",
        "showed",
        "reveals",
        "revealed",
        "demonstrates",
        "demonstrated",
        "found",
        "include",
        "includes",
        "represents",
        "means",
    ];
    if NEEDS_OBJECT.contains(&last) {
        return true;
    }
    matches!(
        last,
        "and"
            | "or"
            | "the"
            | "a"
            | "an"
            | "of"
            | "to"
            | "in"
            | "with"
            | "by"
            | "for"
            | "as"
            | "from"
            | "on"
            | "at"
            | "because"
            | "that"
            | "which"
            | "while"
            | "whereas"
            | "although"
            | "when"
            | "if"
            | "than"
            | "since"
            | "so"
            | "but"
            | "thus"
            | "including"
            | "such"
            | "between"
            | "into"
            | "is"
            | "are"
            | "was"
            | "were"
            | "be"
            | "respectively"
            | "whether"
            | "where"
            | "who"
            | "whose"
            | "via"
            | "like"
            | "namely"
    )
}

/// Words that open a clause a comma cut must not leave unfinished.
const SUBORDINATORS: &[&str] =
    &["while", "although", "though", "because", "whereas", "if", "when", "since", "unless", "whether", "until"];

/// Common English verb forms, for the clause heuristics.
const VERBS: &[&str] = &[
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "can",
    "could",
    "may",
    "might",
    "will",
    "would",
    "should",
    "must",
    "do",
    "does",
    "did",
    "shows",
    "show",
    "found",
    "find",
    "finds",
    "increases",
    "reduces",
    "leads",
    "lead",
    "causes",
    "affects",
    "uses",
    "use",
    "remains",
    "remain",
    "plays",
    "play",
    "provides",
    "provide",
    "alters",
    "alter",
    "suggest",
    "suggests",
    "indicate",
    "indicates",
    "reveal",
    "reveals",
    "contains",
    "contain",
    "requires",
    "require",
    "allows",
    "allow",
    "helps",
    "help",
    "makes",
    "make",
    "takes",
    "take",
    "improves",
    "improve",
    "predicts",
    "predict",
    "depends",
    "depend",
    "appears",
    "appear",
    "seems",
    "become",
    "becomes",
    "occurs",
    "occur",
    "exists",
    "exist",
    "varies",
    "vary",
    "differs",
    "differ",
    "tends",
    "tend",
    "lowers",
    "raises",
    "drops",
    "falls",
    "rises",
    "grows",
    "grow",
    "works",
    "work",
    "means",
    "need",
    "needs",
    "get",
    "gets",
    "got",
    "gave",
    "give",
    "gives",
    "took",
    "made",
    "saw",
    "knew",
    "known",
    "shown",
    "given",
    "identify",
    "identifies",
    "involves",
    "involve",
    "includes",
    "include",
    "protects",
    "protect",
    "controls",
    "control",
    "regulates",
    "regulate",
    "produces",
    "produce",
    "explains",
    "explain",
    "supports",
    "support",
    "acts",
    "act",
    "activates",
    "activate",
    "inhibits",
    "inhibit",
    "binds",
    "bind",
    "serves",
    "serve",
    "exhibits",
    "displays",
    "display",
    "relies",
    "rely",
    "has",
    "keeps",
    "keep",
    "stores",
    "store",
    "kills",
    "kill",
    "spreads",
];

/// Whether an English clause has a finite verb, by a light heuristic: an auxiliary or a common
/// verb form ("is", "were", "can", "showed", "reduces"), or a word ending in "-ed". Text in other
/// scripts or languages always passes.
pub fn has_verb(s: &str) -> bool {
    if !s.chars().any(|c| c.is_ascii_alphabetic()) {
        return true;
    }
    s.split_whitespace().any(|w| {
        let w = bare_word(w);
        VERBS.contains(&w.as_str()) || (w.len() > 4 && w.ends_with("ed"))
    }) || has_finite_verb(s)
}

/// Whether a lower-case word is one of the common English verb forms the clause heuristics know.
pub fn is_common_verb(w: &str) -> bool {
    VERBS.contains(&w) || ["migrate", "comprise", "consist", "get"].contains(&w)
}

/// Whether a lower-case word is surely a verb form (an auxiliary, a third-person form of a common
/// verb, an irregular past), not a noun or adjective: what ends a noun phrase. "-ed" words are
/// not: "increased risk", "controlled environments".
pub fn is_verb_form(w: &str) -> bool {
    const SURE: &[&str] = &[
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "can",
        "could",
        "may",
        "might",
        "will",
        "would",
        "should",
        "must",
        "does",
        "did",
        "found",
        "made",
        "gave",
        "took",
        "saw",
        "knew",
        "shown",
        "given",
        "became",
        "led",
        "showed",
        "revealed",
        "suggested",
        "indicated",
        "demonstrated",
        "remained",
        "appeared",
        "seemed",
        "occurred",
        "varied",
        "differed",
    ];
    SURE.contains(&w) || (w.len() > 3 && w.ends_with('s') && !w.ends_with("ss") && VERBS.contains(&w) && w != "means")
}

/// A stricter [`has_verb`]: an auxiliary or common verb form, or an "-ed" word that follows a
/// noun-like word rather than a comma, "by" or an article ("cells varied", not "induced by").
pub fn has_finite_verb(s: &str) -> bool {
    let words: Vec<String> = s.split_whitespace().map(bare_word).collect();
    const AUX: &[&str] = &[
        "is", "are", "was", "were", "has", "have", "had", "can", "could", "may", "might", "will", "would", "should",
        "must", "does", "did", "do",
    ];
    words.iter().enumerate().any(|(i, w)| {
        if AUX.contains(&w.as_str()) || (i > 0 && VERBS.contains(&w.as_str())) {
            return true;
        }
        let prev = if i > 0 { words[i - 1].as_str() } else { "" };
        let after_noun =
            i > 0 && !["by", "a", "an", "the", "of", "and", "or", "with", "from", "to", "in"].contains(&prev);
        let raw_prev_comma = s.split_whitespace().nth(i.saturating_sub(1)).is_some_and(|p| p.ends_with(','));
        let verb_form = w.len() > 4 && w.ends_with("ed");
        verb_form && after_noun && !raw_prev_comma && i > 0
    })
}

/// The sentence trimmed of trailing commas, capitalised, ending with a full stop.
pub fn finish_sentence(s: &str) -> String {
    let s = s.trim().trim_end_matches([',', ';', ':']).trim();
    let s = capitalise(s);
    if s.ends_with(['.', '!', '?']) {
        s
    } else {
        format!("{s}.")
    }
}

re!(
    STAT_CI,
    r"(?i)[,;]?\s*\b(?:(?:90|95|99)\s*%\s*)?(?:CI|confidence intervals?|credible intervals?)\b\s*[:=]?\s*(?:[^,;.]|\.\d)*"
);
re!(STAT_P, r"(?i)[,;]?\s*\bp(?:[- ]?values?)?\s*(?:[<>=≤≥]|of|was|were)\s*[<>=≤≥]?\s*0?\.\d+(?:\s*[×x]\s*10\S*)?");
re!(
    STAT_EQ,
    r"[,;]?\s*\b(?:a?ORs?|a?HRs?|RRs?|IRR|r|R2|R²|n|N|SD|SE|SEM|t|F|χ2|chi2|z|β|df|d)\s*(?:\(\d+(?:,\s*\d+)?\))?\s*[=:]\s*[-−]?\d+(?:[.,]\d+)*"
);
re!(STAT_PM, r"\s*±\s*\d+(?:[.,]\d+)*");
re!(ORPHAN_COMMA, r",\s*([,.;!?])");
re!(WHICH_MID, r",\s+which\s+[^,.;]+,");
re!(WHICH_END, r",\s+which\s+[^,.;]+$");
re!(
    TRAILING_CLAUSE,
    r"(?i),\s+(?:although|though|whereas|while|suggesting|indicating|thereby|highlighting|underscoring|emphasi[sz]ing|confirming|supporting|consistent with|in line with|as previously|as expected|as described)\b[^.;]*$"
);
re!(
    LEADING_CONCESSIVE,
    r"^(?i:although|though|even though|while|whereas|despite|in spite of|unlike|compared (?:to|with)|in contrast to|in addition to|taken together with|together with|based on|consistent with|in line with|in agreement with|according to|given that|in light of|as (?:previously )?(?:reported|described|shown|expected))\b[^,]{0,120},\s+"
);

/// Statistics detail removed from a sentence: confidence intervals, p-values and
/// "OR = 1.2"-style test statistics (what a listener cannot take in by ear). The effect itself
/// ("fell by 8%") stays.
pub fn drop_statistics(s: &str) -> String {
    let mut out = STAT_PM.replace_all(s, "").into_owned();
    out = STAT_CI.replace_all(&out, "").into_owned();
    out = STAT_P.replace_all(&out, "").into_owned();
    out = STAT_EQ.replace_all(&out, "").into_owned();
    tidy_punctuation(&out)
}

/// Non-essential clauses removed: a non-restrictive ", which …" clause, a leading concessive
/// ("Although X, Y" → "Y") and a trailing ", suggesting …"/", although …" clause. Each cut is made
/// only when at least 5 words remain.
pub fn drop_subordinate_clauses(s: &str) -> String {
    let mut out = s.trim().to_string();
    let keep = |candidate: &str| word_count(candidate) >= 5;
    let c = WHICH_MID.replace(&out, "").into_owned();
    if keep(&c) {
        out = c;
    }
    let (body, end) = split_end(&out);
    let c = WHICH_END.replace(&body, "").into_owned();
    if keep(&c) {
        out = format!("{c}{end}");
    }
    let (body, end) = split_end(&out);
    let c = TRAILING_CLAUSE.replace(&body, "").into_owned();
    if keep(&c) {
        out = format!("{c}{end}");
    }
    if let Some(m) = LEADING_CONCESSIVE.find(&out) {
        let rest = &out[m.end()..];
        if keep(rest) {
            out = capitalise(rest);
        }
    }
    tidy_punctuation(&out)
}

/// The sentence without its final punctuation, and that punctuation.
fn split_end(s: &str) -> (String, String) {
    let t = s.trim_end();
    let body = t.trim_end_matches(['.', '!', '?']);
    (body.to_string(), t[body.len()..].to_string())
}

fn tidy_punctuation(s: &str) -> String {
    let mut out = ORPHAN_COMMA.replace_all(s, "$1").into_owned();
    out = SPACES.replace_all(&out, " ").into_owned();
    out = SPACE_PUNCT.replace_all(&out, "$1").into_owned();
    out.trim().trim_end_matches(',').trim().to_string()
}

/// Boundaries where one printed sentence becomes two spoken ones, and how the second begins.
const SPLITS: &[(&str, &str)] = &[
    ("; however, ", "But "),
    ("; ", ""),
    (", but ", "But "),
    (", whereas ", "By contrast, "),
    (", while ", "Meanwhile, "),
    (", and we ", "We "),
    (", and this ", "This "),
];

/// Splits a long sentence into sentences of at most `max_words` words: first at clause
/// boundaries ("; ", ", but ", ", whereas " …, each part of at least 5 words), then a part that
/// is still too long is cut at its last comma that leaves at least 6 words and no dangling end.
/// Parts that cannot be made short enough are dropped; an empty result means no clean cut exists.
pub fn split_long(sentence: &str, max_words: usize) -> Vec<String> {
    let s = sentence.trim();
    if word_count(s) <= max_words {
        return vec![finish_sentence(s)];
    }
    let mut parts: Vec<String> = vec![s.trim_end_matches(['.', '!', '?']).to_string()];
    for (at, lead) in SPLITS {
        let mut next = Vec::new();
        for p in parts {
            if word_count(&p) <= max_words {
                next.push(p);
                continue;
            }
            match p.find(at) {
                Some(i)
                    if word_count(&p[..i]) >= 5
                        && word_count(&p[i + at.len()..]) >= 5
                        && has_verb(&p[..i])
                        && has_verb(&p[i + at.len()..]) =>
                {
                    next.push(p[..i].to_string());
                    next.push(format!("{lead}{}", &p[i + at.len()..]));
                }
                _ => next.push(p),
            }
        }
        parts = next;
    }
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        let p = p.trim();
        if word_count(p) <= max_words {
            if ends_dangling(p) && i == 0 {
                return Vec::new();
            }
            if i == 0 || (!starts_subordinate(p) && !ends_dangling(p)) {
                out.push(finish_sentence(p));
            }
            continue;
        }
        // Cut at the last comma that keeps the clause under the limit.
        let mut acc = String::new();
        let mut best = String::new();
        for piece in p.split(", ") {
            let candidate = if acc.is_empty() { piece.to_string() } else { format!("{acc}, {piece}") };
            if word_count(&candidate) > max_words {
                break;
            }
            acc = candidate;
            // A cut never leaves a subordinate clause or a list unfinished.
            let opens_clause = piece.split_whitespace().any(|w| SUBORDINATORS.contains(&w.to_lowercase().as_str()))
                || acc.split(", ").any(|part| {
                    let last = part.split_whitespace().last().unwrap_or("").to_lowercase();
                    SUBORDINATORS.contains(&last.as_str()) || last == "that"
                });
            if !opens_clause && !ends_dangling(&acc) && has_verb(&acc) {
                best = acc.clone();
            }
        }
        let acc = best;
        if word_count(&acc) >= 6 && !ends_dangling(&acc) && (i == 0 || !starts_subordinate(&acc)) {
            out.push(finish_sentence(&acc));
        } else if i == 0 && word_count(p) <= (max_words + 8).min(30) {
            // No clean cut, but short enough to say in one breath: kept whole.
            out.push(finish_sentence(p));
        } else if i == 0 {
            // The main clause cannot be cut: the sentence is not usable.
            return Vec::new();
        }
    }
    out
}

re!(
    HOUSEKEEPING_LABEL,
    r"^(?i:abbreviations?|list of abbreviations|key\s*words?|keywords?|index terms|funding|financial support|acknowledge?ments?|conflicts? of interests?|competing interests?|declaration of interests?|disclosures?|ethics(?: statement| approval)?|ethical approval|data availability(?: statement)?|availability of data(?: and materials?)?|author(?:s'|s’)? contributions?|trial registration|registration|скорочення|список скорочень|ключові слова|ключевые слова|фінансування|финансирование|конфлікт інтересів|конфликт интересов|palavras[- ]chave|palabras clave|mots[- ]clés|schlüsselwörter|parole chiave|abreviaturas|abreviações|financiamento|financiación)\s*[:.–—-]"
);
re!(
    HOUSEKEEPING_CUE,
    r"(?i)\b(?:funded by|funding (?:from|was|for)|financial(?:ly)? support|(?:was|were|is) (?:partly |partially |financially )?supported by (?:a |the |grants?\b|\p{Lu})|grant (?:no\.?|number|agreement)|conflicts? of interest|competing (?:financial )?interests?|no (?:potential )?conflict|declare(?:s|d)? (?:that )?(?:they have )?no|ethics committee|ethical (?:approval|committee|review)|institutional review board|review board|approved by the (?:local |institutional |regional |national )?(?:research )?(?:ethics|ethical|review|institutional)|informed consent was|written informed consent|declaration of helsinki|data (?:that support|supporting|are|is) (?:the findings |this study )?(?:openly |publicly |freely )?available|available (?:from|upon|on) (?:the corresponding author|reasonable request|request)|upon reasonable request|data availability|we (?:publicly |also )?(?:release|open-source|open source)\b|we make (?:our|the|all)\b[^.]{0,80}\bavailable\b|accession (?:number|code)s?|deposited (?:in|at|to) |github\.com|zenodo|figshare|dryad|clinicaltrials\.gov|trial registration|conceived (?:and designed )?the|wrote the (?:paper|manuscript)|all authors (?:read|approved|contributed)|author contributions?|contributions? can be found|we thank|the authors (?:thank|are grateful)|grateful to|конфлікт\w* інтерес|конфликт\w* интерес|етичн\w* комітет|комісі\w* з (?:питань )?(?:біо)?етики|фінансува|финансир|інформовану згоду|информированное согласие|conflito de interesses|comitê de ética|comité de ética|conflicto de intereses|financiado por|financiamento)"
);
re!(GLOSSARY_ENTRY, r"^\s*[\p{Lu}\p{N}][\p{Lu}\p{N}α-ωΑ-Ω/+-]{0,11}[a-zа-яіїєґ]?\s*(?:[–—:=-]|,)\s*\p{L}");

/// The sentences in an inline numbered list, one per item: "Overall, we find that (1) A; (2) B;
/// and (3) C." gives "Overall, we find that A.", "Overall, we find that B." and "Overall, we find
/// that C." (a lead-in that ends in a colon keeps it: "Our findings are: A."). Markers run
/// (1), (2)… or (i), (ii)… from the first, at least two of them, each item three words or more;
/// anything else gives `None`.
pub fn list_items(sentence: &str) -> Option<Vec<String>> {
    const ROMAN: [&str; 8] = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii"];
    let marker = |n: usize, roman: bool| if roman { format!("({})", ROMAN[n]) } else { format!("({})", n + 1) };
    let roman = !sentence.contains("(1)");
    let mut starts = Vec::new();
    let mut from = 0;
    for n in 0..ROMAN.len() {
        let m = marker(n, roman);
        match sentence[from..].find(&m) {
            Some(at) => {
                starts.push((from + at, m.len()));
                from += at + m.len();
            }
            None => break,
        }
    }
    if starts.len() < 2 {
        return None;
    }
    let lead = sentence[..starts[0].0].trim();
    let ends: Vec<usize> = starts.iter().skip(1).map(|(at, _)| *at).chain([sentence.len()]).collect();
    let items: Vec<&str> = starts
        .iter()
        .zip(ends)
        .map(|((at, len), end)| {
            let mut item = sentence[at + len..end].trim().trim_end_matches(['.', ';', ',']).trim_end();
            for joint in [" and", " or"] {
                item = item.strip_suffix(joint).unwrap_or(item).trim_end_matches([';', ',']).trim_end();
            }
            item
        })
        .collect();
    // Numbered equations or conditions ("Equations (1) and (2) give …") are no list of findings:
    // each item of one says something, in three words or more.
    if items.iter().any(|item| word_count(item) < 3) {
        return None;
    }
    Some(items.iter().map(|item| finish_sentence(&format!("{lead} {item}"))).collect())
}

/// Whether a sentence is front or back matter, never narrated: a glossary of abbreviations
/// ("OR, odds ratio; CI, confidence interval", "ВР – відносний ризик; …"), a keyword list, a
/// funding, ethics-approval, conflict-of-interest, data-availability, registration or
/// author-contribution statement, or an acknowledgement.
pub fn is_housekeeping(sentence: &str) -> bool {
    let s = sentence.trim();
    if HOUSEKEEPING_LABEL.is_match(s) || HOUSEKEEPING_CUE.is_match(s) {
        return true;
    }
    // A glossary: two or more "ABBR – long form" entries separated by semicolons (or commas
    // between "ABBR: long form" pairs).
    let entries = |sep: char| s.split(sep).filter(|e| GLOSSARY_ENTRY.is_match(e)).count();
    let parts = s.split(';').count();
    (parts >= 2 && entries(';') >= 2 && entries(';') * 2 >= parts) || is_keyword_list(s)
}

/// A bare list: four or more short comma- or semicolon-separated items and no verb-like word.
fn is_keyword_list(s: &str) -> bool {
    let items: Vec<&str> = s.trim_end_matches('.').split([';', ',']).map(str::trim).collect();
    items.len() >= 4
        && items.iter().all(|i| (1..=4).contains(&word_count(i)))
        && s.split_whitespace().all(|w| {
            let w = bare_word(w);
            !(VERBS.contains(&w.as_str()) || (w.len() > 4 && w.ends_with("ed")))
        })
}

/// Spoken form of a narration: the pronunciation list, for the voice only.
pub fn spoken(narration: &str) -> String {
    let mut s = format!(" {narration} ");
    const REPLACE: &[(&str, &str)] = &[
        ("p < ", "p less than "),
        ("p > ", "p greater than "),
        ("P < ", "p less than "),
        ("P > ", "p greater than "),
        ("p<", "p less than "),
        ("P<", "p less than "),
        ("p=", "p equals "),
        ("≥", " at least "),
        ("≈", " about "),
        ("∼", " about "),
        ("~", " about "),
        ("≤", " at most "),
        ("<", " less than "),
        (">", " more than "),
        ("±", " plus or minus "),
        ("×", " times "),
        ("°C", " degrees Celsius"),
        ("°F", " degrees Fahrenheit"),
        ("°", " degrees"),
        ("µg/mL", " micrograms per millilitre"),
        ("µg/ml", " micrograms per millilitre"),
        ("mg/kg", " milligrams per kilogram"),
        ("mg/mL", " milligrams per millilitre"),
        ("mg/L", " milligrams per litre"),
        ("mg/dL", " milligrams per decilitre"),
        ("mmol/L", " millimoles per litre"),
        ("km/h", " kilometres per hour"),
        ("m/s", " metres per second"),
        ("U/mg", " units per milligram"),
        ("μm", " micrometres"),
        ("µm", " micrometres"),
        ("µM", " micromolar"),
        ("μM", " micromolar"),
        ("µg", " micrograms"),
        ("μg", " micrograms"),
        ("µL", " microlitres"),
        ("µl", " microlitres"),
        ("µmol", " micromoles"),
        ("nm ", " nanometres "),
        ("mM ", " millimolar "),
        ("mg ", " milligrams "),
        ("kg ", " kilograms "),
        ("mL ", " millilitres "),
        ("%", " percent"),
        ("α", "alpha"),
        ("β", "beta"),
        ("γ", "gamma"),
        ("δ", "delta"),
        ("Δ", "delta "),
        ("ε", "epsilon"),
        ("κ", "kappa"),
        ("λ", "lambda"),
        ("µ", "micro"),
        ("μ", "micro"),
        ("π", "pi"),
        ("σ", "sigma"),
        ("τ", "tau"),
        ("χ", "chi"),
        ("ω", "omega"),
        ("–", " to "),
        ("−", "minus "),
        ("/", " per "),
        (" e.g. ", " for example "),
        (" i.e. ", " that is "),
        (" vs. ", " versus "),
        (" vs ", " versus "),
        ("&", " and "),
        (" hrs ", " hours "),
        (" h ", " hours "),
        (" min ", " minutes "),
        (" s ", " seconds "),
        (" n = ", " n equals "),
        ("=", " equals "),
    ];
    for (from, to) in REPLACE {
        s = s.replace(from, to);
    }
    SPACES.replace_all(s.trim(), " ").into_owned()
}

re!(NUMBER, r"\d[\d,]*(?:\.\d+)?");

/// Every number in `text`, normalised: thousands separators removed ("1,000" = "1000"),
/// trailing decimal zeros removed ("0.50" = "0.5"). Percent signs and signs are dropped.
pub fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for m in NUMBER.find_iter(text) {
        let raw = m.as_str().trim_end_matches(',');
        // "1,000" and "12,345,678" are one number; "1,2" (a list) are two.
        let groups: Vec<&str> = raw.split(',').collect();
        let thousands =
            groups.len() > 1 && groups[1..].iter().all(|g| g.len() == 3 || (g.len() > 3 && g.as_bytes()[3] == b'.'));
        let parts: Vec<String> =
            if thousands { vec![groups.concat()] } else { groups.iter().map(|g| g.to_string()).collect() };
        for p in parts {
            if p.is_empty() {
                continue;
            }
            out.push(normalise_number(&p));
        }
    }
    out
}

fn normalise_number(p: &str) -> String {
    let mut p = p.to_string();
    if p.contains('.') {
        p = p.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    let trimmed = p.trim_start_matches('0');
    if trimmed.is_empty() || trimmed.starts_with('.') {
        format!("0{trimmed}")
    } else {
        trimmed.to_string()
    }
}

/// Width of `text` in ems of a sans-serif font at size 1, estimated per character: East Asian
/// wide characters are a full em, Latin capitals and digits about 0.64, lower case about 0.54
/// (Noto Sans; bold is about 6 % wider). A layout estimate, erring wide so text stays inside.
pub fn em_width(text: &str, bold: bool) -> f64 {
    let w: f64 = text
        .chars()
        .map(|c| match unicode_width::UnicodeWidthChar::width(c) {
            Some(2) => 1.0,
            Some(0) | None => 0.0,
            _ if c == ' ' => 0.27,
            _ if c.is_uppercase() || c.is_ascii_digit() || c == '%' => 0.64,
            // Math signs are as wide as a digit ("≥ 2", "±"); "∼" and "≈" come from a fallback
            // font, wider still ("∼54%").
            _ if matches!(c, '∼' | '≈') => 0.85,
            _ if matches!(c, '~' | '±' | '×' | '<' | '>' | '≤' | '≥' | '=' | '+' | '−') => 0.6,
            _ if c.is_alphabetic() => 0.55,
            _ => 0.34,
        })
        .sum();
    if bold {
        w * 1.06
    } else {
        w
    }
}

/// Breaks `text` into lines at most `max_em` ems wide (see [`em_width`]), breaking only where
/// Unicode's line-breaking rules (UAX #14) allow: between words, and between the characters of
/// Chinese or Japanese text, which has no spaces. A single unbreakable run wider than a line
/// stays whole on its own line.
pub fn wrap_em(text: &str, max_em: f64, bold: bool) -> Vec<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut start = 0;
    for (end, _) in unicode_linebreak::linebreaks(&text) {
        let piece = &text[start..end];
        start = end;
        let trial = format!("{line}{piece}");
        if !line.is_empty() && em_width(trial.trim_end(), bold) > max_em {
            lines.push(line.trim_end().to_string());
            line = piece.to_string();
        } else {
            line = trial;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Syllable estimate of a word, for distributing time between words.
pub fn syllables(word: &str) -> usize {
    let w: Vec<char> = word.to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect();
    if w.is_empty() {
        return 1;
    }
    if w.iter().all(|c| c.is_ascii_digit() || *c == '.') {
        // Numbers are read digit group by digit group: about one syllable per digit.
        return w.len().max(1);
    }
    let vowel = |c: char| "aeiouyáéíóúàèìòùäëïöüâêîôû".contains(c);
    let mut count = 0;
    let mut prev = false;
    for &c in &w {
        let v = vowel(c);
        if v && !prev {
            count += 1;
        }
        prev = v;
    }
    if w.len() > 2 && w[w.len() - 1] == 'e' && !vowel(w[w.len() - 2]) && count > 1 {
        count -= 1;
    }
    // Upper-case acronyms are spelled out.
    if word.chars().filter(|c| c.is_uppercase()).count() >= 2 && word.len() <= 6 {
        count = count.max(word.chars().filter(|c| c.is_alphanumeric()).count());
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_inline_numbered_list_reads_as_one_sentence_an_item() {
        let items = list_items(
            "Overall, we find that (1) FINE annotations have lower variance; (2) partially annotating a summary \
             reduces workload while maintaining accuracy; and (3) highlighting hints has limited usefulness.",
        )
        .unwrap();
        assert_eq!(
            items,
            [
                "Overall, we find that FINE annotations have lower variance.",
                "Overall, we find that partially annotating a summary reduces workload while maintaining accuracy.",
                "Overall, we find that highlighting hints has limited usefulness.",
            ]
        );
        let roman = list_items("Our findings are: (i) mice slept longer, (ii) they ate less.").unwrap();
        assert_eq!(roman, ["Our findings are: mice slept longer.", "Our findings are: they ate less."]);
        // One marker, markers out of order, or a citation in brackets: not a list.
        assert_eq!(list_items("Dose (1) was given twice."), None);
        assert_eq!(list_items("We compared (2) with (1)."), None);
        assert_eq!(list_items("As shown before (Smith et al., 2019), rates fell."), None);
        assert_eq!(list_items("Equations (1) and (2) give the rate of decay."), None);
    }

    use super::*;

    #[test]
    fn wraps_by_width_and_breaks_cjk_without_spaces() {
        let lines = wrap_em("Screening cut advanced cancers by eight percent in ten years", 12.0, true);
        assert!(lines.len() >= 3 && lines.iter().all(|l| em_width(l, true) <= 12.0), "{lines:?}");
        assert_eq!(lines.join(" "), "Screening cut advanced cancers by eight percent in ten years");
        // Chinese has no spaces: it still breaks, between characters, every line within width.
        let zh = "癌症筛查使十种癌症的晚期病例减少了百分之八";
        let lines = wrap_em(zh, 8.0, false);
        assert!(lines.len() >= 3 && lines.iter().all(|l| em_width(l, false) <= 8.0), "{lines:?}");
        assert_eq!(lines.concat(), zh);
        // A word longer than a line stays whole.
        assert_eq!(wrap_em("Pneumonoultramicroscopic", 4.0, false), vec!["Pneumonoultramicroscopic"]);
    }

    #[test]
    fn splits_sentences_without_breaking_abbreviations() {
        let s =
            sentences("It has been shown that M. tuberculosis stores TAG [3]. This is e.g. true. Next (Fig. 2) one.");
        assert_eq!(s.len(), 3, "{s:?}");
    }

    #[test]
    fn cleans_markers() {
        assert_eq!(clean("Lipids matter [1], [2] (Smith et al., 2010) (Figure 2A)."), "Lipids matter.");
        assert_eq!(clean("As shown in Figure 2, growth fell."), "Growth fell.");
        assert_eq!(clean("See **this** at https://x.org/y now."), "See this at now.");
        assert_eq!(clean("Growth of cells12, as shown."), "Growth of cells, as shown.");
        assert_eq!(
            clean("Videos were analyzed using Windows Media Player™ playback."),
            "Videos were analyzed using Windows Media Player playback."
        );
        assert_eq!(
            clean("In Section 3.1, we found that FINE annotations vary less."),
            "We found that FINE annotations vary less."
        );
    }

    #[test]
    fn normalises_numbers() {
        assert_eq!(numbers("1,000 and 1000 and 0.50% and 1, 2"), vec!["1000", "1000", "0.5", "1", "2"]);
        assert_eq!(numbers("12,345.60"), vec!["12345.6"]);
    }

    #[test]
    fn housekeeping_sentences_are_recognised() {
        for s in [
            "OR, odds ratio; CI, confidence interval; HR, hazard ratio.",
            "ВР – відносний ризик; ДІ – довірчий інтервал; ІМТ – індекс маси тіла.",
            "Abbreviations: BMI, body mass index; SD, standard deviation.",
            "Keywords: vaccination, cancer, epidemiology.",
            "Ключові слова: рак, вакцинація, епідеміологія.",
            "This work was supported by the National Institutes of Health (grant R01 123).",
            "The study was funded by the Wellcome Trust.",
            "The authors declare that they have no competing interests.",
            "No potential conflict of interest relevant to this article was reported.",
            "The protocol was approved by the ethics committee of the University of Kyiv.",
            "Written informed consent was obtained from all participants.",
            "The data that support the findings of this study are available from the corresponding author upon reasonable request.",
            "Sequences were deposited in GenBank under accession numbers MK123456–MK123460.",
            "Автори заявляють про відсутність конфлікту інтересів. Конфлікт інтересів відсутній.",
            "We thank J. Smith for technical help.",
            "Details of individual author contributions can be found here.",
            "Lipid metabolism, tuberculosis, esterase, inhibitor, drug target.",
            "We release our human judgments, annotation templates, and our software for future research.",
            "We open-source our human evaluation data, annotation interface, and code for future research.",
            "We make all scripts and the trained models publicly available.",
        ] {
            assert!(is_housekeeping(s), "{s}");
        }
        for s in [
            "Vaccination was associated with an 8% reduction in advanced cancers.",
            "Our findings are supported by three independent cohorts.",
            "Patients with a high body mass index had a higher risk of death.",
            "Cancer is a leading cause of death worldwide.",
            "The enzyme hydrolyses triacylglycerols, diacylglycerols and monoacylglycerols.",
            "Blood pressure fell in 120 patients, rose in 30 and did not change in 12.",
            "Cells released more insulin when we made glucose available.",
        ] {
            assert!(!is_housekeeping(s), "{s}");
        }
    }

    #[test]
    fn speaks_units() {
        assert_eq!(
            spoken("p < 0.05 at 37°C with 2 µg/mL"),
            "p less than 0.05 at 37 degrees Celsius with 2 micrograms per millilitre"
        );
        assert_eq!(
            spoken("reducing extractiveness to ∼54% in ≈3 days"),
            "reducing extractiveness to about 54 percent in about 3 days"
        );
    }
}
