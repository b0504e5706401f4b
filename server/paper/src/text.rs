//! Plain text and Markdown (also an HTML page or hOCR file saved as text, and LaTeX-ish text).

mod markup;

use crate::model::{Extracted, Paper, Section};
use crate::util::{
    collapse_ws, decode_text, is_abstract_heading, is_reference_heading, join_lines, looks_like_heading, tidy_heading,
};
use crate::{ReadError, ReadErrorKind};

/// Reads a text file: plain text, Markdown (with YAML front matter), an HTML page or hOCR file.
///
/// The bytes are decoded as UTF-8 (with or without a BOM), UTF-16 LE/BE with a BOM, or
/// Windows-1252 when they are not UTF-8 (see [`crate::util::decode_text`]). Tags, HTML entities,
/// TeX commands are never read out; TeX math is spoken as words. Errors: `no-text` when no
/// paragraph is left.
pub fn read_text(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let text = decode_text(bytes);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim_start_matches('\u{feff}');
    let text = if markup::is_html_page(text) { markup::html_to_text(text) } else { text.to_string() };
    let (mut front, body) = front_matter(&text);
    front.title = front.title.map(|t| markup::clean_inline(&t)).filter(|t| !t.is_empty());
    let mut blocks = to_blocks(body);
    // With a title in the front matter the body's first paragraph is prose, not the title.
    if let (Some(title), Some(Block::Para(_))) = (&front.title, blocks.first()) {
        blocks.insert(0, Block::Heading { text: title.clone(), level: 1, markdown: true });
    }
    let mut paper = parse_blocks(&blocks);
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
///
/// A small, forgiving reader of the YAML that paper templates use, line by line: `key: value`
/// with plain, `"double"` or `'single'` quoted values (so `title: "A: B"` keeps its colon),
/// folded `>`/`|` blocks and indented continuation lines, block lists (`- Ana Lima`, or maps
/// `- name: Ana Lima` / `given:` + `family:`), and flow lists (`[A, "B, C"]`, `[{name: A}]`).
/// We keep our own reader rather than a YAML crate because hand-written front matter is often not
/// valid YAML (`title: A: B`), and a full parser would reject the whole block.
pub(crate) fn front_matter(text: &str) -> (FrontMatter, &str) {
    let mut fm = FrontMatter::default();
    let t = text.trim_start_matches('\u{feff}');
    let Some(rest) = t.strip_prefix("---").filter(|r| r.starts_with([' ', '\t', '\n'])) else { return (fm, text) };
    let Some((first, rest)) = rest.split_once('\n') else { return (fm, text) };
    if !first.trim().is_empty() {
        return (fm, text);
    }
    // The block ends at a line that is `---` or `...`.
    let mut end = None;
    let mut pos = 0;
    for line in rest.split_inclusive('\n') {
        let l = line.trim_end();
        if l == "---" || l == "..." {
            end = Some((pos, pos + line.len()));
            break;
        }
        pos += line.len();
    }
    let Some((block_end, body_start)) = end else { return (fm, text) };
    let block = rest.get(..block_end).unwrap_or("");
    let body = rest.get(body_start..).unwrap_or("").trim_start_matches('\n');

    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#')).collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.starts_with([' ', '\t', '-']) {
            continue; // belongs to no top-level key
        }
        let Some((k, v)) = split_key(line) else { continue };
        let key = k.to_lowercase();
        // The key's indented lines (and a `- ` list at the key's own indentation).
        let from = i;
        while i < lines.len() && lines[i].starts_with([' ', '\t', '-']) {
            i += 1;
        }
        let children = &lines[from..i];
        match key.as_str() {
            "title" => fm.title = Some(scalar(v, children)).filter(|t| !t.is_empty()),
            "journal" | "venue" | "journal-title" => fm.journal = Some(scalar(v, children)).filter(|t| !t.is_empty()),
            "date" | "year" | "published" => fm.published = Some(scalar(v, children)).filter(|t| !t.is_empty()),
            "doi" => {
                let d = scalar(v, children);
                let d = ["https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"]
                    .iter()
                    .fold(d.as_str(), |d, p| d.strip_prefix(p).unwrap_or(d))
                    .trim()
                    .to_string();
                fm.doi = Some(d).filter(|d| !d.is_empty());
            }
            "author" | "authors" => fm.authors = list(v, children, true),
            "keywords" | "tags" => fm.keywords = list(v, children, false),
            _ => {}
        }
    }
    (fm, body)
}

/// Splits `key: value` at the colon that ends the key (a colon followed by a space or the end).
fn split_key(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start();
    let t = t.strip_prefix("- ").unwrap_or(t);
    let (k, v) = match t.find(": ") {
        Some(p) if !t[..p].contains(['"', '\'', '[', '{']) => (&t[..p], &t[p + 2..]),
        _ => (t.strip_suffix(':')?, ""),
    };
    let k = k.trim().trim_matches(['"', '\'']);
    (!k.is_empty()).then_some((k, v.trim()))
}

/// A scalar value: the inline value, a folded `>`/`|` block or continuation lines, unquoted.
fn scalar(v: &str, children: &[&str]) -> String {
    let block = v.starts_with(['>', '|']);
    let inline = if block { "" } else { v };
    let more: Vec<&str> = children.iter().map(|l| l.trim()).collect();
    let joined = std::iter::once(inline).chain(more).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" ");
    unquote(&joined)
}

/// A YAML plain or quoted scalar without its quotes (and a trailing `# comment` of a plain one).
fn unquote(v: &str) -> String {
    let v = v.trim();
    let mut cs = v.chars();
    match cs.next() {
        Some('"') => {
            let mut out = String::new();
            while let Some(c) = cs.next() {
                match c {
                    '"' => break,
                    '\\' => match cs.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(o) => out.push(o),
                        None => {}
                    },
                    c => out.push(c),
                }
            }
            crate::util::collapse_ws(&out)
        }
        Some('\'') => {
            let mut out = String::new();
            let mut rest = cs.as_str();
            while let Some(p) = rest.find('\'') {
                out.push_str(&rest[..p]);
                if rest[p + 1..].starts_with('\'') {
                    out.push('\'');
                    rest = &rest[p + 2..];
                } else {
                    return crate::util::collapse_ws(&out);
                }
            }
            out.push_str(rest);
            crate::util::collapse_ws(&out)
        }
        _ => {
            let v = v.find(" #").map_or(v, |p| &v[..p]);
            crate::util::collapse_ws(v)
        }
    }
}

/// Splits a flow list's inside at the commas outside quotes and braces.
fn split_flow(v: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in v.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '{' | '[') => depth += 1,
            (None, '}' | ']') => depth -= 1,
            (None, ',') if depth <= 0 => {
                items.push(&v[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&v[start..]);
    items
}

/// A person's name from a map's keys: `name`, else `given` + `family`.
fn name_of(pairs: &[(String, String)]) -> Option<String> {
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    if let Some(n) = get("name") {
        return Some(n.to_string());
    }
    match (get("given").or(get("first")), get("family").or(get("last"))) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (g, f) => g.or(f).map(str::to_string),
    }
}

/// A flow map `{name: A, affiliation: B}` as pairs.
fn flow_map(v: &str) -> Vec<(String, String)> {
    let inner = v.trim().trim_start_matches('{').trim_end_matches('}');
    split_flow(inner)
        .into_iter()
        .filter_map(|p| p.split_once(':').map(|(k, v)| (unquote(k).to_lowercase(), unquote(v))))
        .collect()
}

/// A list value: a flow list, a block list of scalars or maps, or (for plain values) items
/// separated by `;` or, for people, commas.
fn list(v: &str, children: &[&str], people: bool) -> Vec<String> {
    let item = |s: &str| -> Option<String> {
        let s = s.trim();
        let r = if s.starts_with('{') { name_of(&flow_map(s)) } else { Some(unquote(s)) };
        r.filter(|x| !x.is_empty())
    };
    if let Some(inner) = v.strip_prefix('[') {
        let inner = inner.trim_end().strip_suffix(']').unwrap_or(inner);
        return split_flow(inner).into_iter().filter_map(item).collect();
    }
    if !v.is_empty() {
        if v.starts_with(['"', '\'']) {
            return item(v).into_iter().collect();
        }
        // "Ana Lima, Rui Costa" names two people; a keyword line splits the same way.
        let _ = people;
        return v.split([',', ';']).filter_map(item).collect();
    }
    // Block list: each `- ` starts an item; deeper lines are its map's other keys.
    let mut out = Vec::new();
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut scalar_item: Option<String> = None;
    let mut flush = |pairs: &mut Vec<(String, String)>, scalar_item: &mut Option<String>| {
        if let Some(s) = scalar_item.take() {
            out.extend(item(&s));
        } else if let Some(n) = name_of(pairs) {
            out.push(n);
        }
        pairs.clear();
    };
    for line in children {
        let t = line.trim_start();
        let (new_item, t) = match t.strip_prefix('-').filter(|r| r.is_empty() || r.starts_with([' ', '\t'])) {
            Some(r) => (true, r.trim()),
            None => (false, t.trim()),
        };
        if new_item {
            flush(&mut pairs, &mut scalar_item);
        }
        if t.is_empty() {
            continue;
        }
        if t.starts_with('{') || t.starts_with(['"', '\'']) {
            if new_item {
                scalar_item = Some(t.to_string());
            }
            continue;
        }
        match split_key(t) {
            Some((k, v)) => pairs.push((k.to_lowercase(), unquote(v))),
            None if new_item => scalar_item = Some(t.to_string()),
            None => {}
        }
    }
    flush(&mut pairs, &mut scalar_item);
    out
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
            let p = markup::clean_inline(&join_lines(para));
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
                blocks.push(Block::Heading { text: markup::clean_inline(rest), level: hashes as u8, markdown: true });
                continue;
            }
        }
        // Setext heading: the next line is === or ---
        if para.is_empty() {
            if let Some(next) = lines.get(i).map(|l| l.trim()) {
                if next.len() >= 3 && (next.chars().all(|c| c == '=') || next.chars().all(|c| c == '-')) {
                    let level = if next.starts_with('=') { 1 } else { 2 };
                    blocks.push(Block::Heading { text: markup::clean_inline(line), level, markdown: true });
                    i += 1;
                    continue;
                }
            }
        }
        // LaTeX sectioning on its own line.
        if let Some((text, level)) = latex_heading(line) {
            flush(&mut para, &mut blocks);
            if !text.is_empty() {
                blocks.push(Block::Heading { text, level, markdown: true });
            }
            continue;
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
            let bare = markup::clean_inline(line);
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

/// A LaTeX heading line: `\\title{…}` and `\\section{…}` (level 1), `\\subsection{…}` (2),
/// `\\subsubsection{…}` (3), `\\begin{abstract}` (the abstract); `None` for other lines.
fn latex_heading(line: &str) -> Option<(String, u8)> {
    if line == "\\begin{abstract}" {
        return Some(("Abstract".into(), 1));
    }
    let rest = line.strip_prefix('\\')?;
    let name_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
    let level = match &rest[..name_len] {
        "title" | "section" | "chapter" => 1,
        "subsection" => 2,
        "subsubsection" | "paragraph" => 3,
        _ => return None,
    };
    let arg = rest[name_len..].trim_start_matches('*').trim_start().strip_prefix('{')?;
    // The argument ends at its matching brace; a `\\label{…}` may follow.
    let mut depth = 1usize;
    let close = arg.char_indices().find_map(|(i, c)| {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        (depth == 0).then_some(i)
    })?;
    Some((markup::clean_inline(&arg[..close]), level))
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
