//! Small text helpers shared by the readers.

/// Collapses every run of whitespace (including NBSP-like spaces and line breaks) into one space
/// and trims the ends.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{200b}' || c == '\u{feff}' {
            pending_space = !out.is_empty();
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Tidies spacing around punctuation that inline markup tends to leave behind
/// ("word ," → "word,", "( x )" → "(x)", empty "( )" removed).
pub fn tidy_punct(s: &str) -> String {
    let s = collapse_ws(s);
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            let next = chars.get(i + 1).copied();
            let after = chars.get(i + 2).copied();
            let closes = matches!(next, Some(')' | ']'));
            let punct_then_space = matches!(next, Some(',' | '.' | ';' | ':' | '?' | '!'))
                && after.is_none_or(|a| a == ' ' || a == ')' || a == ']');
            if closes || punct_then_space {
                i += 1;
                continue;
            }
            if matches!(out.chars().last(), Some('(' | '[')) {
                i += 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    // Empty brackets left by self-closing links.
    let mut s = out;
    for empty in ["()", "[]"] {
        while let Some(pos) = s.find(empty) {
            s.replace_range(pos..pos + empty.len(), "");
        }
    }
    collapse_ws(&s)
}

/// Joins lines of one paragraph, undoing end-of-line hyphenation ("treat-\nment" → "treatment")
/// while keeping real hyphens before capitals/digits ("COVID-\n19" stays "COVID-19").
pub fn join_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.as_ref().trim();
        if line.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.push_str(line);
            continue;
        }
        if out.ends_with(" -") {
            // A dash set apart ("a-Si:H -" / "growth studies"), not a word broken at the line end.
            out.push(' ');
            out.push_str(line);
            continue;
        }
        if let Some(stripped) = out.strip_suffix('-') {
            let prev_is_letter = stripped.chars().last().is_some_and(|c| c.is_alphabetic());
            let next_is_lower = line.chars().next().is_some_and(|c| c.is_lowercase());
            if prev_is_letter && next_is_lower {
                out.pop();
                out.push_str(line);
                continue;
            }
            out.push_str(line);
            continue;
        }
        if out.ends_with('\u{00ad}') {
            out.pop();
            out.push_str(line);
            continue;
        }
        out.push(' ');
        out.push_str(line);
    }
    collapse_ws(&out)
}

/// Well-known section names of research papers (lower case, without numbering).
const SECTION_WORDS: &[&str] = &[
    "abstract",
    "summary",
    "introduction",
    "background",
    "methods",
    "method",
    "materials and methods",
    "material and methods",
    "methods and materials",
    "methodology",
    "patients and methods",
    "experimental",
    "experimental procedures",
    "results",
    "results and discussion",
    "discussion",
    "conclusion",
    "conclusions",
    "concluding remarks",
    "limitations",
    "related work",
    "evaluation",
    "experiments",
    "future work",
    "acknowledgements",
    "acknowledgments",
    "acknowledgement",
    "acknowledgment",
    "references",
    "bibliography",
    "literature cited",
    "appendix",
    "case report",
    "case presentation",
    "competing interests",
    "conflict of interest",
    "conflicts of interest",
    "funding",
    "authors' contributions",
    "author contributions",
    "data availability",
    "keywords",
    "key words",
    "objective",
    "objectives",
    "aim",
    "aims",
];

/// Strips a leading section number ("2.", "2.1", "IV.", "A.") and returns (number, rest).
pub fn split_numbering(line: &str) -> (Option<&str>, &str) {
    let t = line.trim();
    let end = t.char_indices().find(|&(_, c)| !(c.is_ascii_digit() || c == '.')).map(|(i, _)| i).unwrap_or(t.len());
    if end > 0 && t[..end].chars().next().is_some_and(|c| c.is_ascii_digit()) {
        let rest = t[end..].trim_start();
        if end < t.len() && t[end..].starts_with(|c: char| c.is_whitespace()) && !rest.is_empty() {
            return (Some(&t[..end]), rest);
        }
    }
    // Roman numerals "IV. Results"
    if let Some((num, rest)) = t.split_once(". ") {
        if !num.is_empty() && num.len() <= 4 && num.chars().all(|c| "IVX".contains(c)) {
            return (Some(num), rest.trim());
        }
    }
    (None, t)
}

/// Whether a section name is a well-known one ("Materials and Methods", "RESULTS", "Abstract:").
pub fn is_section_word(s: &str) -> bool {
    let (_, rest) = split_numbering(s);
    let l = rest.trim().trim_end_matches([':', '.']).trim().to_lowercase();
    SECTION_WORDS.contains(&l.as_str())
}

pub fn is_abstract_heading(s: &str) -> bool {
    let (_, rest) = split_numbering(s);
    let l = rest.trim().trim_end_matches([':', '.']).trim().to_lowercase();
    l == "abstract" || l == "summary"
}

pub fn is_reference_heading(s: &str) -> bool {
    let (_, rest) = split_numbering(s);
    let l = rest.trim().trim_end_matches([':', '.']).trim().to_lowercase();
    matches!(l.as_str(), "references" | "bibliography" | "literature cited" | "references and notes" | "literature")
}

/// Level of a numbered heading: "2" → 1, "2.1" → 2, "2.1.3" → 3.
pub fn numbering_level(num: &str) -> u8 {
    let parts = num.trim_end_matches('.').split('.').filter(|p| !p.is_empty()).count();
    parts.clamp(1, 6) as u8
}

/// Heuristic for a heading line in plain text: a well-known section name, a numbered short line
/// ("2.1 Study design"), or a short all-caps line.
pub fn looks_like_heading(line: &str) -> Option<u8> {
    let t = line.trim();
    if t.is_empty() || t.chars().count() > 90 {
        return None;
    }
    if is_section_word(t) {
        let (num, _) = split_numbering(t);
        return Some(num.map(numbering_level).unwrap_or(1));
    }
    let words = t.split_whitespace().count();
    let (num, rest) = split_numbering(t);
    if let Some(num) = num {
        let first = rest.chars().next();
        if words <= 12
            && first.is_some_and(|c| c.is_uppercase())
            && !rest.ends_with('.')
            && !rest.ends_with(',')
            && rest.chars().filter(|c| c.is_alphabetic()).count() >= 3
            && !num.contains("..")
            && num.trim_end_matches('.').split('.').all(|p| p.len() <= 2)
        {
            return Some(numbering_level(num));
        }
        return None;
    }
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if words <= 8
        && letters.len() >= 4
        && letters.iter().all(|c| !c.is_lowercase())
        && !t.ends_with('.')
        && !t.ends_with(',')
    {
        return Some(1);
    }
    None
}

/// Title-cases an ALL-CAPS heading ("MATERIALS AND METHODS" → "Materials and Methods"); other
/// headings are returned as they are.
pub fn tidy_heading(s: &str) -> String {
    let t = collapse_ws(s.trim().trim_end_matches(':'));
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 4 && letters.iter().all(|c| !c.is_lowercase()) {
        let small = ["and", "of", "the", "in", "for", "on", "to", "a", "an", "with", "or"];
        return t
            .split(' ')
            .enumerate()
            .map(|(i, w)| {
                let lw = w.to_lowercase();
                if i > 0 && small.contains(&lw.as_str()) {
                    lw
                } else {
                    let mut cs = lw.chars();
                    match cs.next() {
                        Some(f) => f.to_uppercase().collect::<String>() + cs.as_str(),
                        None => String::new(),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
    }
    t
}

/// Decodes a text file's bytes into text.
///
/// - A byte-order mark decides: UTF-8, UTF-16 LE (`FF FE`) or UTF-16 BE (`FE FF`); the BOM is dropped.
/// - Valid UTF-8 is taken as it is (a character cut at the very end becomes U+FFFD).
/// - Other bytes are Windows-1252 (what "ANSI" text from Windows is, with its curly quotes and
///   dashes at 0x91–0x97), unless they are mostly UTF-8 with a few stray bytes: then UTF-8 with
///   the stray bytes as U+FFFD, so one bad byte does not turn every accent into mojibake.
pub fn decode_text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    if let Some((encoding, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _had_errors) = encoding.decode_without_bom_handling(bytes.get(bom_len..).unwrap_or(&[]));
        return text;
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(bytes),
        Err(_) => {
            let (mut multibyte, mut invalid) = (0usize, 0usize);
            for chunk in bytes.utf8_chunks() {
                multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
                invalid += usize::from(!chunk.invalid().is_empty());
            }
            if multibyte > invalid * 4 {
                String::from_utf8_lossy(bytes)
            } else {
                encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dehyphenates() {
        assert_eq!(join_lines(&["the treat-", "ment works"]), "the treatment works");
        assert_eq!(join_lines(&["COVID-", "19 cases"]), "COVID-19 cases");
        assert_eq!(join_lines(&["a", "b"]), "a b");
    }

    #[test]
    fn headings() {
        assert_eq!(looks_like_heading("1. Introduction"), Some(1));
        assert_eq!(looks_like_heading("2.1 Study design"), Some(2));
        assert_eq!(looks_like_heading("MATERIALS AND METHODS"), Some(1));
        assert_eq!(looks_like_heading("Results"), Some(1));
        assert_eq!(looks_like_heading("We did things."), None);
        assert_eq!(looks_like_heading("12 patients were included in the trial, of whom 3 died."), None);
        assert_eq!(tidy_heading("MATERIALS AND METHODS"), "Materials and Methods");
    }

    #[test]
    fn decodes() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFcaf\xC3\xA9"), "café");
        assert_eq!(decode_text(b"\x93Quoted\x94 \x96 dash \x97 caf\xE9"), "“Quoted” – dash — café");
        assert_eq!(decode_text(b"\xFF\xFEH\x00i\x00"), "Hi");
        assert_eq!(decode_text(b"\xFE\xFF\x00H\x00i"), "Hi");
        // Mostly UTF-8 with one stray byte stays UTF-8.
        assert_eq!(
            decode_text(
                "é è ê ë à \u{1}"
                    .as_bytes()
                    .iter()
                    .map(|&b| if b == 1 { 0x93 } else { b })
                    .collect::<Vec<_>>()
                    .as_slice()
            ),
            "é è ê ë à \u{FFFD}"
        );
    }

    #[test]
    fn tidies() {
        assert_eq!(tidy_punct("see ( ) here , now"), "see here, now");
    }
}
