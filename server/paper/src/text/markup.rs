//! Markup in a text file that must never be read out: HTML and hOCR tags, HTML entities, TeX
//! math (spoken as words, as the JATS reader does) and bare TeX commands.

use std::collections::HashMap;

use crate::math::speak_tex;
use crate::util::collapse_ws;

/// Longest tag we look for; longer "tags" are taken as text (bounds the work on `<<<<…`).
const MAX_TAG: usize = 4096;
/// Longest inline `$…$` formula; a longer span is taken as two dollar signs in prose.
const MAX_INLINE_MATH: usize = 2000;
/// Deepest nesting of TeX commands we unwrap (`\textbf{\emph{…}}`); deeper ones are dropped.
const MAX_TEX_DEPTH: usize = 32;

/// HTML elements we recognise as tags in prose (anything else in angle brackets is text, so
/// "p <0.05 and q> 1" survives).
const HTML_ELEMENTS: &[&str] = &[
    "a",
    "abbr",
    "address",
    "article",
    "aside",
    "b",
    "big",
    "blockquote",
    "body",
    "br",
    "button",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "li",
    "link",
    "main",
    "mark",
    "math",
    "meta",
    "nav",
    "noscript",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "script",
    "section",
    "select",
    "small",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "sup",
    "svg",
    "table",
    "tbody",
    "td",
    "template",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "wbr",
];

/// Elements whose whole content is dropped: not prose (scripts, styles, page furniture, data tables).
const DROPPED_ELEMENTS: &[&str] =
    &["head", "script", "style", "noscript", "template", "svg", "math", "nav", "table", "button", "select", "pre"];

/// Elements that end a paragraph.
const BLOCK_ELEMENTS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "header",
    "footer",
    "main",
    "aside",
    "hr",
    "figure",
    "figcaption",
    "caption",
    "address",
    "center",
    "body",
    "html",
    "form",
    "title",
];

/// One tag found in the text.
struct Tag {
    /// Lower-case element name.
    name: String,
    closing: bool,
    /// The raw attribute text (for hOCR classes).
    attrs: String,
    /// Byte index just past the `>`.
    end: usize,
}

/// Reads a tag starting at byte `at` (which holds `<`): `<name attrs>`, `</name>`, `<name/>`.
fn tag_at(s: &str, at: usize) -> Option<Tag> {
    let rest = s.get(at + 1..)?;
    let (closing, rest, skip) = match rest.strip_prefix('/') {
        Some(r) => (true, r, 2),
        None => (false, rest, 1),
    };
    let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-')).unwrap_or(rest.len());
    let name = rest.get(..name_len)?;
    if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let after = rest.get(name_len..)?;
    if !after.starts_with(|c: char| c == '>' || c == '/' || c.is_whitespace()) {
        return None;
    }
    // Find the closing `>`, skipping quoted attribute values; a `<` outside quotes means this
    // was not a tag.
    let mut quote: Option<char> = None;
    for (i, c) in after.char_indices() {
        if i > MAX_TAG {
            return None;
        }
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '<') => return None,
            (None, '>') => {
                return Some(Tag {
                    name: name.to_ascii_lowercase(),
                    closing,
                    attrs: after.get(..i).unwrap_or("").to_string(),
                    end: at + skip + name_len + i + 1,
                });
            }
            _ => {}
        }
    }
    None
}

/// Skips `<!-- … -->`, `<!DOCTYPE …>`, `<?xml … ?>` and `<![CDATA[` starting at `at`; returns
/// the byte index after it.
fn skip_special(s: &str, at: usize) -> Option<usize> {
    let rest = s.get(at..)?;
    let to = |close: &str| rest.find(close).map(|i| at + i + close.len()).unwrap_or(s.len());
    if rest.starts_with("<!--") {
        return Some(to("-->"));
    }
    if rest.starts_with("<![CDATA[") {
        return Some(at + "<![CDATA[".len()); // its content is text
    }
    if rest.starts_with("<?") || (rest.starts_with("<!") && rest.len() > 2) {
        return Some(to(">"));
    }
    None
}

/// Whether a whole text is an HTML/XHTML page or an hOCR file (it opens with markup whose first
/// element is an HTML one) rather than prose that happens to contain a tag.
pub(crate) fn is_html_page(text: &str) -> bool {
    let mut at = text.len() - text.trim_start().len();
    for _ in 0..32 {
        if !text.get(at..).is_some_and(|r| r.starts_with('<')) {
            return false;
        }
        if let Some(next) = skip_special(text, at) {
            if text.get(at..at + 9).is_some_and(|r| r.eq_ignore_ascii_case("<!doctype")) {
                return text.get(at..next).is_some_and(|d| d.to_ascii_lowercase().contains("html"));
            }
            at = next + text.get(next..).map(|r| r.len() - r.trim_start().len()).unwrap_or(0);
            continue;
        }
        return tag_at(text, at).is_some_and(|t| HTML_ELEMENTS.contains(&t.name.as_str()));
    }
    false
}

fn ocr_class(attrs: &str, class: &str) -> bool {
    attrs.split(|c: char| c.is_whitespace() || c == '\'' || c == '"' || c == '=').any(|w| w == class)
}

/// Turns an HTML page or hOCR file into Markdown-like text: headings become `#` lines, block
/// elements and hOCR paragraphs become paragraphs, hOCR lines become lines, words keep their
/// spaces; scripts, styles, the head and tables are dropped. Entities are left for [`clean_inline`].
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    // Depth inside a dropped element, and its name.
    let mut dropped: Option<(String, usize)> = None;
    let mut in_heading = false;
    let mut i = 0;
    while i < html.len() {
        let Some(rest) = html.get(i..) else { break };
        let text_end = rest.find('<').map(|p| i + p).unwrap_or(html.len());
        if text_end > i {
            if dropped.is_none() {
                // Source line breaks are only spacing in HTML.
                let piece = html.get(i..text_end).unwrap_or("");
                if piece.chars().any(char::is_whitespace) {
                    for (n, word) in piece.split_whitespace().enumerate() {
                        if n > 0 || piece.starts_with(char::is_whitespace) {
                            out.push(' ');
                        }
                        out.push_str(word);
                    }
                    if piece.ends_with(char::is_whitespace) && !piece.trim().is_empty() {
                        out.push(' ');
                    }
                } else {
                    out.push_str(piece);
                }
            }
            i = text_end;
            continue;
        }
        if let Some(next) = skip_special(html, i) {
            i = next.max(i + 1);
            continue;
        }
        let Some(tag) = tag_at(html, i) else {
            if dropped.is_none() {
                out.push('<');
            }
            i += 1;
            continue;
        };
        i = tag.end;
        let name = tag.name.as_str();
        if let Some((d, depth)) = dropped.as_mut() {
            if name == d {
                if tag.closing {
                    *depth -= 1;
                } else if !tag.attrs.trim_end().ends_with('/') {
                    *depth += 1;
                }
            }
            // A page that never closes its head still has a body.
            if *depth == 0 || (d == "head" && name == "body") {
                dropped = None;
            }
            continue;
        }
        if !tag.closing && DROPPED_ELEMENTS.contains(&name) && !tag.attrs.trim_end().ends_with('/') {
            dropped = Some((tag.name.clone(), 1));
            continue;
        }
        let heading = name.len() == 2 && name.starts_with('h') && name.as_bytes()[1].is_ascii_digit();
        if heading {
            out.push_str("\n\n");
            if !tag.closing {
                let level = usize::from(name.as_bytes()[1] - b'0').clamp(1, 6);
                out.push_str(&"#".repeat(level));
                out.push(' ');
            }
            in_heading = !tag.closing;
        } else if BLOCK_ELEMENTS.contains(&name) {
            out.push_str(if in_heading { " " } else { "\n\n" });
        } else if name == "br" || ocr_class(&tag.attrs, "ocr_line") || ocr_class(&tag.attrs, "ocrx_line") {
            out.push_str(if in_heading { " " } else { "\n" });
        } else if ocr_class(&tag.attrs, "ocrx_word")
            || ocr_class(&tag.attrs, "ocr_word")
            || name == "td"
            || name == "th"
        {
            out.push(' ');
        }
    }
    out
}

/// Removes the HTML tags left in a paragraph of prose (`<sup>`, `<br/>`, `<span …>`), keeping
/// their text.
fn strip_tags(s: &str) -> String {
    if !s.contains('<') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(p) = s.get(i..).and_then(|r| r.find('<')) {
        out.push_str(s.get(i..i + p).unwrap_or(""));
        let at = i + p;
        if let Some(next) = s.get(at..).filter(|r| r.starts_with("<!--")).and_then(|_| skip_special(s, at)) {
            i = next;
            continue;
        }
        match tag_at(s, at).filter(|t| HTML_ELEMENTS.contains(&t.name.as_str())) {
            Some(t) => {
                if t.name == "br" {
                    out.push(' ');
                }
                i = t.end;
            }
            None => {
                out.push('<');
                i = at + 1;
            }
        }
    }
    out.push_str(s.get(i..).unwrap_or(""));
    out
}

/// TeX environments holding display math.
fn is_math_env(env: &str) -> bool {
    matches!(
        env.trim_end_matches('*'),
        "equation" | "align" | "gather" | "multline" | "eqnarray" | "displaymath" | "math" | "flalign" | "alignat"
    )
}

/// TeX environments with no prose to read (figures, tables, code, the bibliography).
fn is_dropped_env(env: &str) -> bool {
    matches!(
        env.trim_end_matches('*'),
        "figure"
            | "table"
            | "tabular"
            | "tabularx"
            | "thebibliography"
            | "verbatim"
            | "lstlisting"
            | "tikzpicture"
            | "minted"
            | "comment"
    )
}

/// TeX commands dropped with all their arguments: references, labels, citations, set-up.
fn is_dropped_cmd(name: &str) -> bool {
    matches!(
        name,
        "cite"
            | "citep"
            | "citet"
            | "citealp"
            | "citealt"
            | "citeauthor"
            | "citeyear"
            | "parencite"
            | "textcite"
            | "autocite"
            | "footcite"
            | "nocite"
            | "ref"
            | "eqref"
            | "autoref"
            | "cref"
            | "Cref"
            | "pageref"
            | "label"
            | "footnote"
            | "url"
            | "includegraphics"
            | "bibliography"
            | "bibliographystyle"
            | "usepackage"
            | "documentclass"
            | "input"
            | "include"
            | "vspace"
            | "hspace"
            | "thanks"
            | "author"
            | "affiliation"
            | "affil"
            | "email"
            | "date"
            | "newcommand"
            | "renewcommand"
            | "def"
            | "setlength"
            | "maketitle"
            | "tableofcontents"
            | "keywords"
    )
}

/// Pairs of `{`/`}` (not escaped) in a char slice: for each opening index, its closing index.
fn match_braces(cs: &[char]) -> HashMap<usize, usize> {
    let mut pairs = HashMap::new();
    let mut stack = Vec::new();
    for (i, &c) in cs.iter().enumerate() {
        if i > 0 && cs[i - 1] == '\\' {
            continue;
        }
        match c {
            '{' => stack.push(i),
            '}' => {
                if let Some(o) = stack.pop() {
                    pairs.insert(o, i);
                }
            }
            _ => {}
        }
    }
    pairs
}

/// Finds `needle` in `cs` from `from`; remembers failures so that many unclosed openers stay linear.
fn find_from(cs: &[char], from: usize, needle: &str, failed: &mut HashMap<String, usize>) -> Option<usize> {
    if failed.get(needle).is_some_and(|&f| f <= from) {
        return None;
    }
    let n: Vec<char> = needle.chars().collect();
    let found = (from..cs.len().saturating_sub(n.len() - 1)).find(|&i| cs.get(i..i + n.len()) == Some(&n[..]));
    if found.is_none() {
        failed.insert(needle.to_string(), from);
    }
    found
}

struct Tex<'a> {
    cs: &'a [char],
    braces: HashMap<usize, usize>,
    failed: HashMap<String, usize>,
}

/// Speaks the TeX math in a paragraph (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`, equation environments)
/// and removes bare TeX commands (`\cite{…}`, `\label{…}` dropped; `\textbf{x}` → x).
fn tex_to_words(s: &str) -> String {
    if !s.contains('\\') && !s.contains('$') {
        return s.to_string();
    }
    let cs: Vec<char> = s.chars().collect();
    let mut t = Tex { cs: &cs, braces: match_braces(&cs), failed: HashMap::new() };
    t.run(0, cs.len(), 0)
}

impl Tex<'_> {
    fn text(&self, a: usize, b: usize) -> String {
        self.cs.get(a..b).map(|x| x.iter().collect()).unwrap_or_default()
    }

    /// The math between `a` and `b` as words, without its equation labels and numbers.
    fn spoken(&self, a: usize, b: usize) -> String {
        let mut math = self.text(a, b);
        for cmd in ["\\label{", "\\tag{", "\\tag*{"] {
            while let Some(p) = math.find(cmd) {
                let end = math[p..].find('}').map_or(math.len(), |e| p + e + 1);
                math.replace_range(p..end, " ");
            }
        }
        let math = math.replace("\\nonumber", " ").replace("\\notag", " ");
        speak_tex(&math)
    }

    /// Index after the `[…]` and `{…}` groups that follow a command at `i`; the last brace
    /// group's inside, if any.
    fn args(&self, mut i: usize, end: usize) -> (usize, Option<(usize, usize)>) {
        let mut last = None;
        loop {
            let mut j = i;
            while j < end && self.cs[j] == ' ' {
                j += 1;
            }
            match self.cs.get(j) {
                Some('[') if j < end => {
                    let close = (j + 1..end.min(j + 200)).find(|&k| self.cs[k] == ']');
                    match close {
                        Some(k) => i = k + 1,
                        None => return (i, last),
                    }
                }
                Some('{') if j < end => match self.braces.get(&j) {
                    Some(&k) if k < end => {
                        last = Some((j + 1, k));
                        i = k + 1;
                    }
                    _ => return (i, last),
                },
                _ => return (i, last),
            }
        }
    }

    fn run(&mut self, start: usize, end: usize, depth: usize) -> String {
        let cs = self.cs;
        let mut out = String::new();
        let mut i = start;
        while i < end {
            let c = cs[i];
            let next = cs.get(i + 1).copied().filter(|_| i + 1 < end);
            if c == '$' && next == Some('$') {
                if let Some(close) = find_from(cs, i + 2, "$$", &mut self.failed).filter(|&k| k < end) {
                    out.push(' ');
                    out.push_str(&self.spoken(i + 2, close));
                    out.push(' ');
                    i = close + 2;
                    continue;
                }
                i += 2; // an unclosed `$$` is no text either
                continue;
            }
            if c == '$' && next.is_some_and(|n| !n.is_whitespace()) {
                // Inline math: the closing `$` follows a non-space and is not followed by a digit
                // ("costs $5 and $10" stays prose).
                let close = (i + 2..end.min(i + 1 + MAX_INLINE_MATH)).find(|&k| {
                    cs[k] == '$'
                        && !cs[k - 1].is_whitespace()
                        && cs[k - 1] != '\\'
                        && !cs.get(k + 1).is_some_and(|d| d.is_ascii_digit())
                });
                if let Some(k) = close {
                    out.push_str(&self.spoken(i + 1, k));
                    i = k + 1;
                    continue;
                }
            }
            if c == '\\' && matches!(next, Some('(' | '[')) {
                let closer = if next == Some('(') { "\\)" } else { "\\]" };
                if let Some(close) = find_from(cs, i + 2, closer, &mut self.failed).filter(|&k| k < end) {
                    out.push(' ');
                    out.push_str(&self.spoken(i + 2, close));
                    out.push(' ');
                    i = close + 2;
                    continue;
                }
            }
            if c == '\\' && next.is_some_and(|n| n.is_ascii_alphabetic()) {
                let name_end = (i + 1..end).find(|&k| !cs[k].is_ascii_alphabetic()).unwrap_or(end);
                let name = self.text(i + 1, name_end);
                let after_star = if cs.get(name_end) == Some(&'*') && name_end < end { name_end + 1 } else { name_end };
                let (args_end, last) = self.args(after_star, end);
                if name == "begin" || name == "end" {
                    // The environment's name is the first group (`\begin{tabular}{ll}`).
                    let group = self.braces.get(&name_end).copied().filter(|&k| k < end);
                    let env = group.map(|k| self.text(name_end + 1, k)).unwrap_or_default();
                    let after = group.map(|k| k + 1).unwrap_or(name_end);
                    if name == "begin" && (is_math_env(&env) || is_dropped_env(&env)) {
                        let closer = format!("\\end{{{env}}}");
                        if let Some(close) = find_from(cs, after, &closer, &mut self.failed).filter(|&k| k < end) {
                            if is_math_env(&env) {
                                out.push(' ');
                                out.push_str(&self.spoken(after, close));
                                out.push(' ');
                            }
                            i = close + closer.chars().count();
                            continue;
                        }
                    }
                    out.push(' ');
                    i = after;
                    continue;
                }
                // `Fig.~\ref{x}`: the tie belongs to the dropped reference.
                let dropped = is_dropped_cmd(&name) || depth >= MAX_TEX_DEPTH;
                if dropped {
                    if out.ends_with('~') {
                        out.pop();
                    }
                } else if let Some((a, b)) = last {
                    let inner = self.run(a, b, depth + 1);
                    out.push_str(&inner);
                } else {
                    out.push_str(match name.as_str() {
                        "ldots" | "dots" => "…",
                        "textendash" => "–",
                        "textemdash" => "—",
                        "LaTeX" => "LaTeX",
                        "TeX" => "TeX",
                        _ => "",
                    });
                }
                i = if dropped || last.is_some() { args_end } else { after_star };
                continue;
            }
            if c == '\\' && next == Some('\\') {
                out.push(' ');
                i += 2;
                continue;
            }
            out.push(c);
            i += 1;
        }
        out
    }
}

/// Cleans one paragraph or heading of a text file: HTML tags (unless the page was already turned
/// into text), TeX math spoken and TeX commands removed, Markdown inline markup removed, HTML
/// entities decoded, spacing collapsed.
pub(crate) fn clean_inline(s: &str) -> String {
    let s = strip_tags(s);
    let s = tex_to_words(&s);
    let s = super::strip_inline_md(&s);
    let s = htmlize::unescape(s);
    crate::util::tidy_punct(&collapse_ws(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(strip_tags("H<sub>2</sub>O is <b>wet</b><br/>here"), "H2O is wet here");
        assert_eq!(strip_tags("p <0.05 and q> 1"), "p <0.05 and q> 1");
        assert!(is_html_page("<!DOCTYPE html>\n<html><body><p>x</p></body></html>"));
        assert!(is_html_page("<?xml version='1.0'?>\n<div class='ocr_page'>"));
        assert!(!is_html_page("<unknown> thing"));
        assert!(!is_html_page("Plain <p> text"));
    }

    #[test]
    fn tex() {
        assert_eq!(tex_to_words(r"costs $5 and $10 each"), "costs $5 and $10 each");
        assert_eq!(tex_to_words(r"see Fig.~\ref{f1} and \cite[p.~2]{k}."), "see Fig. and .");
        assert_eq!(tex_to_words(r"\textbf{bold \emph{deep}} text"), "bold deep text");
        assert_eq!(tex_to_words(r"\begin{itemize}\item one\end{itemize}"), "  one ");
    }
}
