//! Plain text and Markdown.

use crate::model::{Extracted, Paper, Section};
use crate::util::{
    collapse_ws, decode_utf8, is_abstract_heading, is_reference_heading, join_lines, looks_like_heading, tidy_heading,
};
use crate::{ReadError, ReadErrorKind};

/// Reads UTF-8 plain text or Markdown.
pub fn read_text(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let text = decode_utf8(bytes);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let (front, body) = front_matter(&text);
    let mut paper = parse_blocks(&to_blocks(body));
    front.apply(&mut paper);
    if !paper.has_text() {
        return Err(ReadError::new(
            ReadErrorKind::NoText,
            "The text file is empty or has no paragraphs to read. Upload the paper's full text, PDF or DOCX.",
        ));
    }
    Ok(Extracted { paper, figure_files: Vec::new() })
}

/// Markdown YAML front matter: the simple `key: value` and `key:` + `- item` forms that paper
/// templates use (title, author/authors, journal, date/year, doi, keywords).
#[derive(Default, Debug, PartialEq)]
pub(crate) struct FrontMatter {
    title: Option<String>,
    authors: Vec<String>,
    journal: Option<String>,
    published: Option<String>,
    doi: Option<String>,
    keywords: Vec<String>,
}

impl FrontMatter {
    fn apply(self, paper: &mut Paper) {
        if let Some(t) = self.title {
            paper.title = t;
        }
        if !self.authors.is_empty() {
            paper.authors = self.authors;
        }
        paper.journal = self.journal.or(paper.journal.take());
        paper.published = self.published.or(paper.published.take());
        paper.doi = self.doi.or(paper.doi.take());
        if !self.keywords.is_empty() {
            paper.keywords = self.keywords;
        }
    }
}

/// Splits `---` front matter off the text; the whole text when there is none.
pub(crate) fn front_matter(text: &str) -> (FrontMatter, &str) {
    let mut fm = FrontMatter::default();
    let Some(rest) = text.strip_prefix("---\n") else { return (fm, text) };
    let Some(end) = rest.find("\n---") else { return (fm, text) };
    let body = rest[end + 4..].trim_start_matches(['-', '.']).trim_start_matches('\n');
    let unquote = |v: &str| v.trim().trim_matches(['"', '\'']).trim().to_string();
    let list = |v: &str| -> Vec<String> {
        let v = v.trim().trim_start_matches('[').trim_end_matches(']');
        v.split([',', ';']).map(unquote).filter(|x| !x.is_empty()).collect()
    };
    let mut key = String::new();
    for line in rest[..end].lines() {
        if let Some(item) = line.trim_start().strip_prefix("- ") {
            let item = unquote(item.trim_start_matches("name:"));
            match key.as_str() {
                "author" | "authors" => fm.authors.push(item),
                "keywords" | "tags" => fm.keywords.push(item),
                _ => {}
            }
            continue;
        }
        let Some((k, v)) = line.split_once(':') else { continue };
        key = k.trim().to_lowercase();
        if v.trim().is_empty() {
            continue;
        }
        match key.as_str() {
            "title" => fm.title = Some(unquote(v)),
            "author" | "authors" => fm.authors = list(v),
            "journal" | "venue" => fm.journal = Some(unquote(v)),
            "date" | "year" | "published" => fm.published = Some(unquote(v)),
            "doi" => fm.doi = Some(unquote(v).trim_start_matches("https://doi.org/").to_string()),
            "keywords" | "tags" => fm.keywords = list(v),
            _ => {}
        }
    }
    (fm, body)
}

/// One unit of a text document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// A heading with its level; `markdown` when it was marked up as one.
    Heading {
        text: String,
        level: u8,
        markdown: bool,
    },
    Para(String),
}

fn to_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut para: Vec<String> = Vec::new();
    let mut in_fence = false;
    let flush = |para: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if !para.is_empty() {
            let p = strip_inline_md(&join_lines(para));
            if !p.is_empty() {
                blocks.push(Block::Para(p));
            }
            para.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line = raw.trim();
        i += 1;
        if line.starts_with("```") || line.starts_with("~~~") {
            in_fence = !in_fence;
            flush(&mut para, &mut blocks);
            continue;
        }
        if in_fence {
            continue;
        }
        if line.is_empty() {
            flush(&mut para, &mut blocks);
            continue;
        }
        // ATX heading
        if line.starts_with('#') {
            let hashes = line.chars().take_while(|&c| c == '#').count();
            let rest = line[hashes..].trim().trim_end_matches('#').trim();
            if hashes <= 6 && (line[hashes..].starts_with(' ') || rest.is_empty()) && !rest.is_empty() {
                flush(&mut para, &mut blocks);
                blocks.push(Block::Heading { text: strip_inline_md(rest), level: hashes as u8, markdown: true });
                continue;
            }
        }
        // Setext heading: the next line is === or ---
        if para.is_empty() {
            if let Some(next) = lines.get(i).map(|l| l.trim()) {
                if next.len() >= 3 && (next.chars().all(|c| c == '=') || next.chars().all(|c| c == '-')) {
                    let level = if next.starts_with('=') { 1 } else { 2 };
                    blocks.push(Block::Heading { text: strip_inline_md(line), level, markdown: true });
                    i += 1;
                    continue;
                }
            }
        }
        // Horizontal rules, tables and images carry no prose.
        if line.chars().all(|c| matches!(c, '-' | '*' | '_' | ' ')) && line.len() >= 3 {
            flush(&mut para, &mut blocks);
            continue;
        }
        if line.starts_with('|') {
            flush(&mut para, &mut blocks);
            continue;
        }
        // "Abstract: text" on one line.
        if para.is_empty() {
            if let Some((head, rest)) = line.split_once(':') {
                if is_abstract_heading(head) && !rest.trim().is_empty() {
                    blocks.push(Block::Heading { text: "Abstract".into(), level: 1, markdown: false });
                    para.push(rest.trim().to_string());
                    continue;
                }
            }
        }
        // A standalone short line that looks like a heading.
        let next_blank = lines.get(i).is_none_or(|l| l.trim().is_empty());
        if para.is_empty() {
            let bare = strip_inline_md(line);
            if let Some(level) = looks_like_heading(&bare) {
                if next_blank || crate::util::is_section_word(&bare) {
                    blocks.push(Block::Heading { text: tidy_heading(&bare), level, markdown: false });
                    continue;
                }
            }
        }
        // List items start their own paragraph.
        let item = strip_list_marker(line);
        if item.len() != line.len() {
            flush(&mut para, &mut blocks);
        }
        let item = item.trim_start_matches('>').trim();
        para.push(item.to_string());
    }
    flush(&mut para, &mut blocks);
    blocks
}

fn strip_list_marker(line: &str) -> &str {
    for m in ["- ", "* ", "+ ", "• "] {
        if let Some(r) = line.strip_prefix(m) {
            return r;
        }
    }
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 3 {
        let rest = &line[digits..];
        if let Some(r) = rest.strip_prefix(") ") {
            return r;
        }
    }
    line
}

/// Removes Markdown inline markup: emphasis, code, links (keeping their text), images.
pub(crate) fn strip_inline_md(s: &str) -> String {
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        // ![alt](src) → dropped; [text](url) → text
        if (c == '!' && cs.get(i + 1) == Some(&'[')) || c == '[' {
            let start = if c == '!' { i + 1 } else { i };
            if let Some(close) = cs[start..].iter().position(|&x| x == ']').map(|p| p + start) {
                if cs.get(close + 1) == Some(&'(') {
                    if let Some(end) = cs[close..].iter().position(|&x| x == ')').map(|p| p + close) {
                        if c != '!' {
                            out.extend(&cs[start + 1..close]);
                        }
                        i = end + 1;
                        continue;
                    }
                }
            }
        }
        if c == '*'
            || c == '`'
            || (c == '_'
                && (i == 0 || cs.get(i + 1).is_none_or(|n| !n.is_alphanumeric()) || !cs[i - 1].is_alphanumeric()))
        {
            i += 1;
            continue;
        }
        if c == '\\' && cs.get(i + 1).is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(cs[i + 1]);
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    collapse_ws(&out)
}

/// Builds a paper from heading/paragraph blocks (shared with the DOCX reader's fallback).
pub(crate) fn parse_blocks(blocks: &[Block]) -> Paper {
    let mut paper = Paper::default();
    let mut idx = 0;
    // Title: the first Markdown heading if it comes first (or is level 1 before any prose),
    // else the first non-empty line.
    let first_md = blocks.iter().position(|b| matches!(b, Block::Heading { markdown: true, .. }));
    match (blocks.first(), first_md) {
        (Some(Block::Heading { text, markdown: true, .. }), _) if !crate::util::is_section_word(text) => {
            paper.title = text.clone();
            idx = 1;
        }
        (Some(Block::Para(p)), _) => {
            // First non-empty line is the title; the rest of that block is prose.
            let title_len = p.chars().count();
            if title_len <= 300 {
                paper.title = p.clone();
                idx = 1;
            } else {
                paper.title = p.split(". ").next().unwrap_or(p).chars().take(200).collect();
            }
        }
        (Some(Block::Heading { text, .. }), Some(_)) | (Some(Block::Heading { text, .. }), None) => {
            if !(is_abstract_heading(text) || crate::util::is_section_word(text)) {
                paper.title = text.clone();
                idx = 1;
            }
        }
        (None, _) => {}
    }
    let mut current: Option<Section> = None;
    let mut in_abstract = false;
    let mut abstract_level = 1u8;
    let mut abstract_label: Option<String> = None;
    let mut in_refs = false;
    let mut dropped_refs = false;
    for b in &blocks[idx..] {
        match b {
            Block::Heading { text, level, markdown } => {
                if in_refs && !markdown && !crate::util::is_section_word(text) {
                    continue; // a numbered reference, not a heading
                }
                if in_abstract && *level > abstract_level {
                    abstract_label = Some(text.trim_end_matches([':', '.']).to_string()); // structured abstract
                    continue;
                }
                if let Some(s) = current.take() {
                    paper.sections.push(s);
                }
                in_abstract = is_abstract_heading(text);
                abstract_level = *level;
                abstract_label = None;
                in_refs = is_reference_heading(text);
                if in_refs {
                    dropped_refs = true;
                }
                if !in_abstract && !in_refs {
                    current = Some(Section { heading: text.clone(), level: (*level).max(1), paragraphs: Vec::new() });
                }
            }
            Block::Para(p) => {
                if in_refs {
                    continue;
                }
                if in_abstract {
                    match abstract_label.take() {
                        Some(l) => paper.abstract_paragraphs.push(format!("{l}: {p}")),
                        None => paper.abstract_paragraphs.push(p.clone()),
                    }
                } else {
                    current
                        .get_or_insert_with(|| Section { heading: String::new(), level: 1, paragraphs: Vec::new() })
                        .paragraphs
                        .push(p.clone());
                }
            }
        }
    }
    if let Some(s) = current.take() {
        paper.sections.push(s);
    }
    // Normalise levels so the shallowest heading is level 1.
    if let Some(min) = paper.sections.iter().filter(|s| !s.heading.is_empty()).map(|s| s.level).min() {
        if min > 1 {
            for s in &mut paper.sections {
                s.level = s.level.saturating_sub(min - 1).max(1);
            }
        }
    }
    // Drop empty sections that have no subsections.
    let secs = std::mem::take(&mut paper.sections);
    for (i, s) in secs.iter().enumerate() {
        let has_children = secs.get(i + 1).is_some_and(|n| n.level > s.level);
        if !s.paragraphs.is_empty() || has_children {
            paper.sections.push(s.clone());
        }
    }
    if paper.title.is_empty() {
        paper.notes.push("No title was found in the document.".into());
    }
    if dropped_refs {
        paper.notes.push("The reference list was left out.".into());
    }
    paper
}

#[cfg(test)]
mod tests {

    #[test]
    fn markdown_front_matter_gives_the_credits() {
        let md = "---\ntitle: \"Salt and blood pressure\"\nauthors:\n  - Ana Lima\n  - Rui Costa\njournal: Open Health\ndate: 2021-05-04\ndoi: https://doi.org/10.1000/xyz123\nkeywords: [salt, blood pressure]\n---\n\n# Ignored heading\n\nWe cut salt in bread by a third in twelve care homes and measured blood pressure for a year in all residents.\n";
        let p = read_text(md.as_bytes()).unwrap().paper;
        assert_eq!(p.title, "Salt and blood pressure");
        assert_eq!(p.authors, vec!["Ana Lima", "Rui Costa"]);
        assert_eq!(p.journal.as_deref(), Some("Open Health"));
        assert_eq!(p.year(), Some("2021"));
        assert_eq!(p.doi.as_deref(), Some("10.1000/xyz123"));
        assert_eq!(p.keywords, vec!["salt", "blood pressure"]);
        let (fm, body) = front_matter("No front matter here.");
        assert_eq!((fm, body), (FrontMatter::default(), "No front matter here."));
    }

    use super::*;

    #[test]
    fn markdown() {
        let md = "# A *great* paper\n\nJane Doe, John Roe\n\n## Abstract\n\nWe did it.\nIt worked.\n\n## 1. Introduction\n\nText with [a link](http://x) and a hyphen-\nated word.\n\n### Details\n\nMore.\n\n## References\n\n1. Foo\n";
        let p = read_text(md.as_bytes()).unwrap().paper;
        assert_eq!(p.title, "A great paper");
        assert_eq!(p.abstract_paragraphs, vec!["We did it. It worked."]);
        let heads: Vec<_> = p.sections.iter().map(|s| (s.heading.as_str(), s.level)).collect();
        assert_eq!(heads, vec![("", 1), ("1. Introduction", 1), ("Details", 2)]);
        assert_eq!(p.sections[1].paragraphs[0], "Text with a link and a hyphenated word.");
    }

    #[test]
    fn plain() {
        let t = "Effects of coffee on sleep\n\nAbstract\n\nCoffee is great.\n\nINTRODUCTION\n\nPeople drink it.\n\n2. Methods\n\nWe asked them.\n";
        let p = read_text(t.as_bytes()).unwrap().paper;
        assert_eq!(p.title, "Effects of coffee on sleep");
        assert_eq!(p.abstract_paragraphs, vec!["Coffee is great."]);
        let heads: Vec<_> = p.sections.iter().map(|s| s.heading.as_str()).collect();
        assert_eq!(heads, vec!["Introduction", "2. Methods"]);
    }

    #[test]
    fn empty_is_error() {
        assert_eq!(read_text(b"   \n\n").unwrap_err().kind, "no-text");
    }
}
