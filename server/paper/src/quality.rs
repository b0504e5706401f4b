//! The quality gate between reading and writing: a paper must have a title, enough text in one
//! language, and text that reads as words, or it is refused with a message that says what is
//! wrong and what to upload instead. Every entry point of this crate ([`crate::read`] for files,
//! [`crate::ncbi::NcbiClient::fetch`] for identifiers) ends here, so no garbage becomes a video.
//!
//! The garbage detector looks at tokens, not at a language model: the share of tokens that are
//! shaped like words of one script, the share that are the language's common words (the
//! Stopwords ISO lists, through the `stop-words` crate), U+FFFD and private-use characters,
//! `(cid:N)` glyph codes that PDF text extraction prints for fonts without a character map, and
//! markup or character entities left in the text.

use crate::model::Paper;
use crate::{ReadError, ReadErrorKind};

/// Fewest words of text (abstract and body) in the paper's main language for a script: about a
/// 40-second narration's worth of source, less than any abstract-only research article.
pub const MIN_WORDS: usize = 80;

/// The common-word lists used when a text's language could not be told.
const UNKNOWN_LANGUAGE_LISTS: &[&str] = &["en", "es", "pt", "fr", "de", "it", "nl", "ru", "uk", "pl", "tr", "id"];

/// What the detector counted in a text; [`TextQuality::problem`] turns it into a verdict.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextQuality {
    /// Whitespace-separated tokens that hold at least one letter.
    pub tokens: usize,
    /// Of those, tokens shaped like a word: letters of one script (with inner hyphens,
    /// apostrophes or dots), a plausible case pattern, at most 40 characters.
    pub word_like: usize,
    /// Of those, the language's common words (None when the script has no spaces between words).
    pub common: Option<usize>,
    /// The least share of common words a real text has with the list used: 8 % for the long
    /// lists (English 1298 words, Portuguese 560), 3 % for the short ones (Ukrainian 73).
    pub common_floor: f64,
    /// Characters in all (whitespace excluded).
    pub chars: usize,
    /// U+FFFD, private-use and control characters.
    pub bad_chars: usize,
    /// `(cid:N)` glyph codes.
    pub cid_codes: usize,
    /// Tags (`</p>`, `<span …>`) and character entities (`&#x3b3;`, `&amp;`) left in the text.
    pub markup: usize,
    /// Characters of data and code rather than prose: `{ } [ ] " = < > \ |`.
    pub code_symbols: usize,
}

impl TextQuality {
    /// Share of letter-bearing tokens shaped like words (1.0 for no tokens).
    pub fn word_share(&self) -> f64 {
        if self.tokens == 0 {
            1.0
        } else {
            self.word_like as f64 / self.tokens as f64
        }
    }

    /// Share of word-like tokens that are the language's common words, when known.
    pub fn common_share(&self) -> Option<f64> {
        self.common.map(|c| if self.word_like == 0 { 0.0 } else { c as f64 / self.word_like as f64 })
    }

    /// Why the text does not read as words, in words a person understands; None when it does.
    pub fn problem(&self) -> Option<String> {
        if self.cid_codes >= 3 {
            return Some(format!(
                "its text is {} glyph codes such as “(cid:12)” instead of letters: the PDF's fonts have no character map",
                self.cid_codes
            ));
        }
        if self.chars > 0 && self.bad_chars * 200 > self.chars {
            return Some(format!(
                "{:.1}% of its characters are replacement or private-use symbols, not letters",
                100.0 * self.bad_chars as f64 / self.chars as f64
            ));
        }
        if self.chars >= 200 && self.code_symbols * 100 > self.chars * 6 {
            return Some(format!(
                "it reads like data or program code (JSON, XML, a table dump), not prose: {:.0}% of its characters are symbols such as {{ }} [ ] \" =",
                100.0 * self.code_symbols as f64 / self.chars as f64
            ));
        }
        if self.markup >= 3 && self.markup * 100 > self.tokens {
            return Some(format!("its text still holds {} pieces of markup such as “</p>” or “&#x3b3;”", self.markup));
        }
        if self.tokens >= 20 && self.word_share() < 0.6 {
            return Some(format!(
                "only {:.0}% of its words are shaped like words of a language",
                100.0 * self.word_share()
            ));
        }
        if let Some(share) = self.common_share() {
            if self.word_like >= 40 && share < self.common_floor {
                return Some(format!(
                    "only {:.0}% of its words are common words of the language (a real text has about 30–50%)",
                    100.0 * share
                ));
            }
        }
        None
    }
}

/// Counts what [`TextQuality`] describes in `text`, taking common words from `language`'s list
/// (an ISO 639-1 code; None or an unlisted language skips that count).
pub fn assess(text: &str, language: Option<&str>) -> TextQuality {
    let common_words: Option<std::collections::HashSet<&str>> = match language.map(|l| (l, stop_words::lookup(l))) {
        Some((l, _)) if is_unspaced(l) => None,
        Some((_, Some(list))) => Some(list.iter().copied().collect()),
        // No language could be told, or one without a list (a garbled text is sometimes "told"
        // as a rare language): a real text is still rich in one of the major languages' common
        // words; a garbled one is rich in none.
        _ => Some(
            UNKNOWN_LANGUAGE_LISTS
                .iter()
                .filter_map(|l| stop_words::lookup(l))
                .flat_map(|l| l.iter().copied())
                .collect(),
        ),
    };
    let common_floor = if common_words.as_ref().is_some_and(|w| w.len() < 300) { 0.03 } else { 0.08 };
    let mut q = TextQuality { common: common_words.as_ref().map(|_| 0), common_floor, ..TextQuality::default() };
    q.cid_codes = text.matches("(cid:").count();
    q.markup = count_markup(text);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        q.chars += 1;
        if is_bad_char(c) {
            q.bad_chars += 1;
        }
        if matches!(c, '{' | '}' | '[' | ']' | '"' | '=' | '<' | '>' | '\\' | '|') {
            q.code_symbols += 1;
        }
    }
    for token in text.split_whitespace() {
        let word = token.trim_matches(|c: char| !c.is_alphanumeric());
        if !word.chars().any(char::is_alphabetic) {
            continue;
        }
        q.tokens += 1;
        if !is_word_like(word) {
            continue;
        }
        q.word_like += 1;
        if let (Some(list), Some(n)) = (&common_words, q.common.as_mut()) {
            if list.contains(word.to_lowercase().as_str()) {
                *n += 1;
            }
        }
    }
    q
}

/// Checks a paper before a script is written from it. `read_by_ocr` only changes the wording
/// of a refusal ("even after reading the scan by OCR").
///
/// Errors, each with what to upload instead: `placeholder-text` (a template's "Lorem ipsum"),
/// `garbled-text` (text that does not read as words), `no-title`, `not-enough-text` (under
/// [`MIN_WORDS`] words in the main language).
pub fn check(paper: &Paper, read_by_ocr: bool) -> Result<(), ReadError> {
    let text: String = paper.all_text().collect::<Vec<_>>().join("\n");
    let after_ocr = if read_by_ocr { " even after reading its pages by OCR" } else { "" };
    let placeholders_dropped = paper.notes.iter().any(|n| n.starts_with(PLACEHOLDER_NOTE));
    // What is left of a template after its placeholders is too little, or more of its Latin.
    if placeholders_dropped
        && (words_in_main_language(paper) < MIN_WORDS || matches!(paper.language.as_deref(), Some("la" | "lat")))
    {
        return Err(ReadError::new(
            ReadErrorKind::PlaceholderText,
            "This file holds a template's placeholder text (“Lorem ipsum dolor sit amet…”), not a paper. Upload the paper itself: its PDF, Word document or JATS XML.",
        ));
    }
    let language = paper.language.as_deref();
    let quality = assess(&format!("{}\n{text}", paper.title), language);
    if let Some(problem) = quality.problem() {
        return Err(ReadError::new(
            ReadErrorKind::GarbledText,
            format!(
                "This file's text could not be read as words{after_ocr}: {problem}. Upload another copy of the paper (the publisher's PDF, its Word document or its JATS XML from PubMed Central), or give its PMCID, PMID or DOI."
            ),
        ));
    }
    if !title_reads_as_words(&paper.title) {
        return Err(ReadError::new(
            ReadErrorKind::NoTitle,
            format!(
                "No title could be found in this file{after_ocr}. Put the paper's title at the top of the document (or in its properties) and upload it again, upload the publisher's PDF, or give the paper's PMCID, PMID or DOI."
            ),
        ));
    }
    let words = words_in_main_language(paper);
    if words < MIN_WORDS {
        return Err(ReadError::new(
            ReadErrorKind::NotEnoughText,
            format!(
                "This file has only {words} words of text{} in {}; at least {MIN_WORDS} are needed to tell the paper's story{after_ocr}. Upload the full text, or a file that has at least its abstract.",
                if paper.sections.is_empty() { " (no body)" } else { "" },
                language.map(|l| format!("its main language ({l})")).unwrap_or_else(|| "one language".into()),
            ),
        ));
    }
    Ok(())
}

/// How the note about left-out placeholder paragraphs begins.
const PLACEHOLDER_NOTE: &str = "Template placeholder text";

/// Whether a paragraph is a template's placeholder ("Lorem ipsum dolor sit amet…").
fn is_placeholder(paragraph: &str) -> bool {
    let lower = paragraph.to_lowercase();
    lower.contains("lorem ipsum") || lower.contains("dolor sit amet") || lower.contains("consectetur adipiscing")
}

/// Leaves template placeholder paragraphs ("Lorem ipsum…", which sample articles and templates
/// carry) out of the abstract, the sections and the captions, with a note; [`check`] refuses
/// the paper when too little is left.
pub fn drop_placeholders(paper: &mut Paper) {
    let mut dropped = 0;
    let mut keep = |p: &String| {
        let placeholder = is_placeholder(p);
        dropped += usize::from(placeholder);
        !placeholder
    };
    paper.abstract_paragraphs.retain(&mut keep);
    for section in &mut paper.sections {
        section.paragraphs.retain(&mut keep);
    }
    for figure in &mut paper.figures {
        if is_placeholder(&figure.caption) {
            figure.caption.clear();
            dropped += 1;
        }
    }
    if dropped > 0 {
        paper.notes.push(format!("{PLACEHOLDER_NOTE} (“Lorem ipsum…”) was left out: {dropped} paragraph(s)."));
    }
}

/// A title has at least two words shaped like words, or one of at least four letters
/// (a one-word title such as "Photosynthesis"); "." or "1" is not a title.
fn title_reads_as_words(title: &str) -> bool {
    let words: Vec<&str> = title
        .split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| is_word_like(w) && w.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    words.len() >= 2 || words.iter().any(|w| w.chars().count() >= 4) || unspaced_letters(title) >= 4
}

/// Words of abstract and body paragraphs whose language is the paper's main language (or too
/// short to tell); in a script without spaces, two characters count as a word.
fn words_in_main_language(paper: &Paper) -> usize {
    let main = paper.language.as_deref();
    paper
        .abstract_paragraphs
        .iter()
        .chain(paper.sections.iter().flat_map(|s| s.paragraphs.iter()))
        .filter(|p| match (main, p.split_whitespace().count() >= 12) {
            (Some(main), true) => crate::language::detect(p).is_none_or(|l| l == main),
            _ => true,
        })
        .map(|p| p.split_whitespace().count().max(unspaced_letters(p) / 2))
        .sum()
}

/// Languages whose writing puts no spaces between words.
fn is_unspaced(language: &str) -> bool {
    matches!(language, "zh" | "ja" | "th" | "lo" | "km" | "my")
}

/// Letters of scripts written without spaces (Han, kana, Thai…).
fn unspaced_letters(text: &str) -> usize {
    text.chars()
        .filter(|&c| {
            matches!(c as u32,
                0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF)
        })
        .count()
}

fn is_bad_char(c: char) -> bool {
    c == '\u{FFFD}'
        || matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// A token shaped like a word: letters of one script, inner `-`, `'`, `’` or `.` allowed
/// ("state-of-the-art", "don't", "e.g"), digits only as in "COVID-19" or "IL6", and a case
/// pattern words have (lower, Capitalised, ALL CAPS, or a short mixed abbreviation like "mRNA").
fn is_word_like(word: &str) -> bool {
    let n = word.chars().count();
    if n == 0 || n > 40 {
        return false;
    }
    if unspaced_letters(word) > 0 {
        return true;
    }
    let mut script = None;
    // Lower-to-upper switches: "PubMed" and "GlaxoSmithKline" have one or two, "xQzTkWpLm" four.
    let mut switches = 0;
    let mut previous_lower = false;
    let mut previous_joiner = false;
    for c in word.chars() {
        if c.is_alphabetic() {
            // Greek letters sit in Latin words as symbols ("PPARγ", "TNF-α").
            let s = script_of(c);
            if s != 1 && *script.get_or_insert(s) != s {
                return false;
            }
            if c.is_uppercase() && previous_lower {
                switches += 1;
            }
            previous_lower = c.is_lowercase();
            previous_joiner = false;
        } else if c.is_numeric() {
            previous_lower = false;
            previous_joiner = false;
        } else if matches!(c, '-' | '\'' | '’' | '.' | '‐' | '·' | '/') {
            if previous_joiner {
                return false;
            }
            previous_lower = false;
            previous_joiner = true;
        } else if !is_combining(c) {
            return false;
        }
    }
    switches < 3
}

fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0900..=0x0903 | 0x093A..=0x094F)
}

/// A coarse script class: enough to tell "Latin letters mixed with Cyrillic look-alikes" apart.
fn script_of(c: char) -> u8 {
    match c as u32 {
        0x0000..=0x024F | 0x1E00..=0x1EFF => 0, // Latin
        0x0370..=0x03FF | 0x1F00..=0x1FFF => 1, // Greek
        0x0400..=0x052F => 2,                   // Cyrillic
        0x0590..=0x05FF => 3,                   // Hebrew
        0x0600..=0x06FF | 0x0750..=0x077F => 4, // Arabic
        0x0900..=0x0DFF => 5,                   // Indic
        0xAC00..=0xD7AF | 0x1100..=0x11FF => 6, // Hangul
        _ => 7,
    }
}

/// Tags and character entities left in a text.
fn count_markup(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                let rest = &bytes[i + 1..];
                let name_start = usize::from(rest.first() == Some(&b'/'));
                let name_len =
                    rest[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b':').count();
                let starts_with_letter = rest.get(name_start).is_some_and(u8::is_ascii_alphabetic);
                if starts_with_letter && name_len > 0 {
                    let after = &rest[name_start + name_len..];
                    if let Some(close) = after.iter().take(200).position(|b| *b == b'>') {
                        let inside = &after[..close];
                        if inside.is_empty() || inside[0] == b' ' || inside[0] == b'/' {
                            count += 1;
                        }
                    }
                }
            }
            b'&' => {
                let rest = &bytes[i + 1..];
                let body_len = rest.iter().take(12).take_while(|b| b.is_ascii_alphanumeric() || **b == b'#').count();
                if body_len >= 2 && rest.get(body_len) == Some(&b';') {
                    count += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Section;

    const ENGLISH: &str = "Salt intake raises blood pressure in most adults, and lowering it is one of the cheapest ways to prevent heart disease and stroke. We followed 2,000 adults in four cities for five years and measured how much salt they ate from their urine. Those who cut their salt by a third had lower blood pressure and fewer strokes than those who did not, whatever their age or weight.";

    fn paper(title: &str, paragraphs: &[&str]) -> Paper {
        let mut p = Paper {
            title: title.into(),
            sections: vec![Section {
                heading: "Results".into(),
                level: 1,
                paragraphs: paragraphs.iter().map(|s| s.to_string()).collect(),
            }],
            ..Paper::default()
        };
        p.language = crate::language::detect_paper(&p);
        p
    }

    #[test]
    fn real_prose_reads_as_words() {
        let q = assess(ENGLISH, Some("en"));
        assert_eq!(q.problem(), None, "{q:?}");
        assert!(q.word_share() > 0.95 && q.common_share().unwrap() > 0.3, "{q:?}");
        assert_eq!(check(&paper("Salt and the heart", &[ENGLISH, ENGLISH]), false), Ok(()));
    }

    #[test]
    fn cid_codes_are_garbage() {
        let soup = "(cid:12)(cid:34)(cid:56) (cid:7)(cid:8) ".repeat(30);
        let e = check(&paper("A title of a paper", &[&soup, ENGLISH]), false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::GarbledText);
        assert!(e.message.contains("(cid:12)") && e.message.contains("Upload another copy"), "{}", e.message);
    }

    #[test]
    fn a_shifted_font_is_garbage() {
        // What a PDF font with a wrong encoding gives: every letter moved by three.
        let shifted: String = ENGLISH
            .chars()
            .map(|c| if c.is_ascii_lowercase() { (((c as u8 - b'a' + 3) % 26) + b'a') as char } else { c })
            .collect();
        let e = check(&paper("Vdow dqg wkh khduw", &[&shifted, &shifted]), false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::GarbledText, "{}", e.message);
        assert!(e.message.contains("common words"), "{}", e.message);
    }

    #[test]
    fn symbol_soup_and_markup_are_garbage() {
        let soup = "!\"#$%&'()*+,-./0123 ?@ABC DEFG \u{e001}\u{e002}x\u{fffd} ".repeat(20);
        assert_eq!(check(&paper("Title of it", &[&soup]), false).unwrap_err().kind, ReadErrorKind::GarbledText);
        let markup = format!("{ENGLISH} </p><p id=\"Par37\"> PPAR&#x003b3; and <italic>x</italic> &amp; more");
        let e = check(&paper("Salt and the heart", &[&markup, ENGLISH]), false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::GarbledText);
        assert!(e.message.contains("markup"), "{}", e.message);
    }

    #[test]
    fn data_files_are_not_prose() {
        let json = r#"{ "header": { "type": "esearch", "version": "0.3" }, "esearchresult": { "count": "15169", "retmax": "100", "idlist": [ "23233340", "23233337" ], "translationset": [ { "from": "cancer", "to": "neoplasms[MeSH Terms] OR cancer[All Fields]" } ] } }"#;
        let e = check(&paper(json, &[&json.repeat(5)]), false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::GarbledText);
        assert!(e.message.contains("data or program code"), "{}", e.message);
        // Citations in brackets and a quotation are still prose.
        let cited = format!("{ENGLISH} As others found [12], [13], the effect was “large” [14].");
        assert_eq!(assess(&cited, Some("en")).problem(), None);
    }

    #[test]
    fn placeholder_text_is_left_out_and_a_template_refused() {
        let lorem = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.";
        let mut template = paper("Title of the article", &[lorem, lorem, "Short real words here."]);
        drop_placeholders(&mut template);
        assert_eq!(template.sections[0].paragraphs, vec!["Short real words here."]);
        let e = check(&template, false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::PlaceholderText);
        // A real paper with a placeholder paragraph in it (a sample article) keeps its text.
        let mut sample = paper("Salt and the heart", &[lorem, ENGLISH, ENGLISH]);
        drop_placeholders(&mut sample);
        assert_eq!(sample.sections[0].paragraphs, vec![ENGLISH, ENGLISH]);
        assert_eq!(check(&sample, false), Ok(()));
        assert!(sample.notes[0].contains("1 paragraph"), "{:?}", sample.notes);
    }

    #[test]
    fn a_title_must_read_as_words() {
        for bad in ["", ".", "1", " 12 ", "a b"] {
            let e = check(&paper(bad, &[ENGLISH, ENGLISH]), false).unwrap_err();
            assert_eq!(e.kind, ReadErrorKind::NoTitle, "{bad:?}");
        }
        let e = check(&paper(".", &[ENGLISH, ENGLISH]), true).unwrap_err();
        assert!(e.message.contains("even after reading its pages by OCR"), "{}", e.message);
        assert_eq!(check(&paper("Photosynthesis", &[ENGLISH, ENGLISH]), false), Ok(()));
        assert_eq!(check(&paper("腸内細菌と肥満", &[ENGLISH, ENGLISH]), false), Ok(()));
    }

    #[test]
    fn too_little_text_in_one_language_is_refused() {
        let e = check(&paper("Erratum to a paper", &["The second author's name was misspelled."]), false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::NotEnoughText);
        assert!(e.message.contains("only 6 words"), "{}", e.message);
        // Plenty of text, but the Portuguese half is not the English main text's.
        let pt = "Os resultados mostram que o novo tratamento reduziu o risco de morte em pacientes idosos, e que o efeito durou cinco anos.";
        let mut p = paper("Salt and the heart", &[pt, pt, pt, pt, "Salt intake raises blood pressure in adults."]);
        p.language = Some("en".into());
        let e = check(&p, false).unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::NotEnoughText, "{}", e.message);
        assert!(e.message.contains("main language (en)"), "{}", e.message);
    }

    #[test]
    fn other_scripts_read_as_words() {
        let uk = "Результати показують, що нове лікування знизило ризик смерті у літніх пацієнтів. Ми спостерігали за двома тисячами дорослих протягом п'яти років і вимірювали, скільки солі вони їли.";
        let q = assess(&uk.repeat(3), Some("uk"));
        assert_eq!(q.problem(), None, "{q:?}");
        // Ukrainian's list is short (73 words), so fewer of a real text's words are on it.
        assert_eq!(q.common_floor, 0.03);
        assert_eq!(assess(ENGLISH, Some("en")).common_floor, 0.08);
        let zh = "研究表明，减少盐的摄入可以降低血压，并减少中风和心脏病的风险。我们在四个城市跟踪了两千名成年人五年。";
        assert_eq!(assess(&zh.repeat(4), Some("zh")).problem(), None);
        assert_eq!(check(&paper("盐与心脏健康", &[&zh.repeat(4)]), false), Ok(()));
    }

    #[test]
    fn word_shapes() {
        for w in ["COVID-19", "state-of-the-art", "don't", "mRNA", "IL6", "e.g", "Ståhlberg", "PPARγ", "naïve"] {
            assert!(is_word_like(w), "{w}");
        }
        for w in ["a#b", "xQzTkWpLm", "Hеllo" /* Cyrillic е */, "--", "abc--def"] {
            assert!(!is_word_like(w), "{w}");
        }
    }
}
