//! JATS / NLM / PMC XML (`.nxml`, efetch `pmc-articleset`, Europe PMC, publishers).

use roxmltree::{Document, Node, ParsingOptions};

use crate::math::{speak_mathml, speak_tex};
use crate::model::{Extracted, Figure, License, Paper, Section};
use crate::util::{collapse_ws, tidy_punct};
use crate::{ReadError, ReadErrorKind};

const XLINK: &str = "http://www.w3.org/1999/xlink";

/// Reads a JATS XML document. Never fetches the external DTD the DOCTYPE names.
pub fn read_jats(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let (paper, _) = parse(bytes)?;
    Ok(Extracted { paper, figure_files: Vec::new() })
}

/// What the NCBI client needs beyond the paper: whether a `<body>` was present.
pub(crate) struct JatsInfo {
    pub has_body: bool,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<(Paper, JatsInfo), ReadError> {
    let text = decode(bytes)?;
    let opts = ParsingOptions { allow_dtd: true, nodes_limit: 5_000_000, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(&text, opts).map_err(|e| {
        ReadError::new(ReadErrorKind::InvalidXml,
            format!("The XML file could not be parsed ({e}); it may be truncated or damaged. Upload the complete file, or the paper's PDF."),
        )
    })?;
    let root = doc.root_element();
    let mut notes = Vec::new();
    let article = match root.tag_name().name() {
        "article" => root,
        "pmc-articleset" | "articles" | "OAI-PMH" | "records" => {
            let articles: Vec<Node> =
                root.descendants().filter(|n| is(n, "article")).filter(|n| !has_ancestor(*n, "article")).collect();
            if articles.is_empty() {
                if let Some(err) = root.descendants().find(|n| is(n, "error")) {
                    return Err(ReadError::new(
                        ReadErrorKind::NotFound,
                        format!(
                            "PubMed Central has no such article ({}). Check the PMCID, or upload the PDF.",
                            text_of(err)
                        ),
                    ));
                }
                return Err(no_article());
            }
            let chosen = articles
                .iter()
                .copied()
                .find(|a| a.attribute("article-type") == Some("research-article"))
                .unwrap_or(articles[0]);
            if articles.len() > 1 {
                notes.push(format!(
                    "The file held {} articles; only \"{}\" was read.",
                    articles.len(),
                    article_title(chosen).unwrap_or_else(|| "the first research article".into())
                ));
            }
            chosen
        }
        _ => return Err(no_article()),
    };
    let mut paper = Paper::default();
    let front = child(article, "front");
    let meta = front.and_then(|f| child(f, "article-meta"));
    if let Some(meta) = meta {
        paper.title = article_title(article).unwrap_or_default();
        paper.authors = authors(meta);
        read_ids(meta, &mut paper);
        paper.published = pub_date(meta);
        paper.license = license(meta);
        paper.abstract_paragraphs = abstract_paragraphs(meta);
        paper.keywords = keywords(meta);
        paper.translations = trans_abstracts(meta);
    }
    if let Some(jm) = front.and_then(|f| child(f, "journal-meta")) {
        paper.journal =
            jm.descendants().find(|n| is(n, "journal-title")).map(text_of).filter(|s| !s.is_empty()).or_else(|| {
                jm.children()
                    .find(|n| is(n, "journal-id") && n.attribute("journal-id-type") == Some("nlm-ta"))
                    .map(text_of)
            });
    }
    // Body.
    let body = child(article, "body");
    let mut ctx = Ctx::default();
    if let Some(body) = body {
        walk_container(body, 1, &mut paper.sections, &mut ctx);
    }
    paper.sections.retain(|s| !s.paragraphs.is_empty() || !s.heading.is_empty());
    // Drop trailing empty headings that had neither text nor subsections.
    let secs = std::mem::take(&mut paper.sections);
    let n = secs.len();
    for (i, s) in secs.iter().enumerate() {
        let has_children = secs.get(i + 1).is_some_and(|next| next.level > s.level);
        if !s.paragraphs.is_empty() || has_children || i + 1 == n && !s.paragraphs.is_empty() {
            paper.sections.push(s.clone());
        }
    }
    // Figures: in the article's body, floats and back matter, not in sub-articles.
    for area in ["body", "floats-group", "back"] {
        if let Some(a) = child(article, area) {
            for fig in a.descendants().filter(|n| is(n, "fig")) {
                paper.figures.push(figure(fig));
            }
        }
    }
    if ctx.tables > 0 {
        notes.push(format!(
            "{} {} skipped (tables are not read aloud).",
            ctx.tables,
            if ctx.tables == 1 { "table was" } else { "tables were" }
        ));
    }
    // Full translations: sub-articles of type "translation" with their own body.
    for sub in article.children().filter(|n| is(n, "sub-article") && n.attribute("article-type") == Some("translation"))
    {
        let lang = lang_of(sub);
        let mut t = crate::model::Translation { language: lang, ..Default::default() };
        if let Some(m) = sub.descendants().find(|n| is(n, "front-stub") || is(n, "article-meta")) {
            t.title = m.descendants().find(|n| is(n, "article-title")).map(inline).unwrap_or_default();
            t.abstract_paragraphs = abstract_paragraphs(m);
        }
        if let Some(b) = child(sub, "body") {
            let mut sub_ctx = Ctx::default();
            walk_container(b, 1, &mut t.sections, &mut sub_ctx);
        }
        // A full translation replaces the translated abstract of its language.
        if !t.language.is_empty() {
            if !t.sections.is_empty() {
                paper.translations.retain(|x| x.language != t.language);
            }
            if !paper.translations.iter().any(|x| x.language == t.language) {
                paper.translations.push(t);
            }
        }
    }
    let subs = article
        .children()
        .filter(|n| (is(n, "sub-article") && n.attribute("article-type") != Some("translation")) || is(n, "response"))
        .count();
    if subs > 0 {
        notes.push(format!(
            "{subs} attached {} (such as a decision letter or author response) left out.",
            if subs == 1 { "document was" } else { "documents were" }
        ));
    }
    let has_body = body.is_some() && paper.sections.iter().any(|s| !s.paragraphs.is_empty());
    if !has_body {
        if paper.abstract_paragraphs.iter().any(|p| !p.is_empty()) {
            notes.push("The full text is not available in this XML; the video is based on the abstract only.".into());
        } else {
            return Err(ReadError::new(ReadErrorKind::NoText,
                "This XML has neither the article's full text nor an abstract, so there is nothing to make a video from. Upload the paper's PDF instead.",
            ));
        }
    }
    if paper.title.is_empty() {
        notes.push("The article has no title in its XML.".into());
    }
    paper.notes.extend(notes);
    Ok((paper, JatsInfo { has_body }))
}

/// "Model." → "Model", "Large difference:." → "Large difference".
fn tidy_heading_punct(s: &str) -> String {
    s.trim().trim_end_matches(['.', ':']).trim().to_string()
}

fn no_article() -> ReadError {
    ReadError::new(
        ReadErrorKind::NotJats,
        "This XML file is not a JATS/PMC article (no <article> element). Upload the article's JATS XML, PDF or DOCX.",
    )
}

fn decode(bytes: &[u8]) -> Result<String, ReadError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let le = bytes.starts_with(b"\xFF\xFE");
        let units: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) })
            .collect();
        let s = String::from_utf16_lossy(&units);
        return Ok(s);
    }
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => Ok(s.to_string()),
        Err(_) => {
            let head = String::from_utf8_lossy(&b[..b.len().min(200)]).to_lowercase();
            if head.contains("iso-8859-1") || head.contains("latin-1") || head.contains("windows-1252") {
                Ok(b.iter().map(|&c| c as char).collect())
            } else {
                Ok(String::from_utf8_lossy(b).into_owned())
            }
        }
    }
}

pub(crate) fn is(n: &Node, name: &str) -> bool {
    n.is_element() && n.tag_name().name() == name
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is(c, name))
}

fn has_ancestor(n: Node, name: &str) -> bool {
    n.ancestors().skip(1).any(|a| is(&a, name))
}

/// Plain text content, whitespace collapsed (no math speaking).
fn text_of(n: Node) -> String {
    let t: String = n.descendants().filter(|d| d.is_text()).map(|d| d.text().unwrap_or("")).collect();
    collapse_ws(&t)
}

fn article_title(article: Node) -> Option<String> {
    let meta = child(article, "front").and_then(|f| child(f, "article-meta"))?;
    let tg = child(meta, "title-group")?;
    let t = child(tg, "article-title")?;
    let s = inline(t);
    (!s.is_empty()).then_some(s)
}

fn authors(meta: Node) -> Vec<String> {
    let mut out = Vec::new();
    for cg in meta.children().filter(|n| is(n, "contrib-group")) {
        for c in cg.children().filter(|n| is(n, "contrib")) {
            if c.attribute("contrib-type").is_some_and(|t| t != "author") {
                continue;
            }
            if let Some(name) = c.children().find(|n| is(n, "name") || is(n, "string-name")) {
                let given = child(name, "given-names").map(text_of).unwrap_or_default();
                let sur = child(name, "surname").map(text_of).unwrap_or_default();
                let full = match (given.is_empty(), sur.is_empty()) {
                    (false, false) => format!("{given} {sur}"),
                    (true, false) => sur,
                    (false, true) => given,
                    (true, true) => text_of(name),
                };
                let full = match child(name, "suffix").map(text_of) {
                    Some(sfx) if !sfx.is_empty() => format!("{full} {sfx}"),
                    _ => full,
                };
                if !full.is_empty() {
                    out.push(full);
                }
            } else if let Some(collab) = c.children().find(|n| is(n, "collab")) {
                // Group authors: the group's own name, not the members nested inside it.
                let own: String = collab
                    .children()
                    .filter(|n| {
                        n.is_text()
                            || (n.is_element()
                                && !matches!(n.tag_name().name(), "contrib-group" | "address" | "aff" | "xref"))
                    })
                    .map(|n| if n.is_text() { n.text().unwrap_or("").to_string() } else { text_of(n) })
                    .collect();
                let t = collapse_ws(&own);
                if !t.is_empty() {
                    out.push(t);
                }
            }
        }
    }
    out
}

fn read_ids(meta: Node, paper: &mut Paper) {
    for id in meta.children().filter(|n| is(n, "article-id")) {
        let v = text_of(id);
        if v.is_empty() {
            continue;
        }
        match id.attribute("pub-id-type") {
            Some("doi") => paper.doi = Some(v),
            Some("pmid") => paper.pmid = Some(v),
            Some("pmcid") => paper.pmcid = Some(if v.starts_with("PMC") { v } else { format!("PMC{v}") }),
            Some("pmc") | Some("pmcaid") if paper.pmcid.is_none() => {
                paper.pmcid = Some(if v.starts_with("PMC") { v } else { format!("PMC{v}") })
            }
            _ => {}
        }
    }
}

fn pub_date(meta: Node) -> Option<String> {
    let dates: Vec<Node> = meta.children().filter(|n| is(n, "pub-date")).collect();
    let rank = |d: &Node| -> u8 {
        let t = d.attribute("pub-type").or_else(|| d.attribute("date-type")).unwrap_or("");
        let fmt = d.attribute("publication-format").unwrap_or("");
        match (t, fmt) {
            ("epub", _) | ("publication", _) => 0,
            ("pub", "electronic") => 0,
            ("ppub", _) => 1,
            ("pub", "print") => 1,
            ("pub", _) => 2,
            ("epub-ppub", _) => 2,
            ("collection", _) => 3,
            _ => 4,
        }
    };
    let best = dates.iter().filter(|d| child(**d, "year").is_some()).min_by_key(|d| rank(d))?;
    let year = child(*best, "year").map(text_of)?;
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let num = |name: &str| {
        child(*best, name).map(text_of).and_then(|s| s.parse::<u8>().ok()).filter(|v| (1..=31).contains(v))
    };
    let mut out = year;
    if let Some(m) = num("month").filter(|m| *m <= 12) {
        out.push_str(&format!("-{m:02}"));
        if let Some(d) = num("day") {
            out.push_str(&format!("-{d:02}"));
        }
    }
    Some(out)
}

fn license(meta: Node) -> Option<License> {
    let perms = child(meta, "permissions");
    let lic = perms.and_then(|p| child(p, "license"));
    let Some(lic) = lic else {
        // Copyright statement only, e.g. public domain notes.
        let stmt = perms.and_then(|p| child(p, "copyright-statement")).map(text_of)?;
        let name = license_name(None, None, &stmt);
        return name.map(|n| License { name: Some(n), url: None, text: stmt });
    };
    let mut url = lic.attribute((XLINK, "href")).map(str::to_string);
    if url.is_none() {
        url = lic.descendants().find(|n| is(n, "license_ref")).map(text_of).filter(|s| !s.is_empty());
    }
    if url.is_none() {
        url = lic
            .descendants()
            .filter(|n| is(n, "ext-link") || is(n, "uri"))
            .filter_map(|n| n.attribute((XLINK, "href")).map(str::to_string).or_else(|| Some(text_of(n))))
            .find(|u| u.contains("creativecommons.org") || u.contains("/licenses/") || u.contains("publicdomain"));
    }
    let paras: Vec<String> =
        lic.children().filter(|n| is(n, "license-p") || is(n, "p")).map(inline).filter(|s| !s.is_empty()).collect();
    let text = tidy_punct(&paras.join(" "));
    let name = license_name(url.as_deref(), lic.attribute("license-type"), &text);
    Some(License { name, url, text })
}

/// Short licence name from a URL, a `license-type` or the licence prose.
pub fn license_name(url: Option<&str>, license_type: Option<&str>, text: &str) -> Option<String> {
    if let Some(u) = url {
        let l = u.to_lowercase();
        if l.contains("publicdomain/zero") {
            return Some("CC0 1.0".into());
        }
        if l.contains("publicdomain/mark") {
            return Some("public domain".into());
        }
        if let Some(i) = l.find("/licenses/") {
            let rest = &l[i + "/licenses/".len()..];
            let mut parts = rest.split('/').filter(|p| !p.is_empty());
            if let Some(kind) = parts.next() {
                let version = parts.next().filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()));
                let kind = kind.to_uppercase();
                return Some(match version {
                    Some(v) => format!("CC {kind} {v}"),
                    None => format!("CC {kind}"),
                });
            }
        }
    }
    match license_type.map(str::to_lowercase).as_deref() {
        Some("public-domain" | "publicdomain") => return Some("public domain".into()),
        Some("cc-by" | "ccby") => return Some("CC BY".into()),
        _ => {}
    }
    let t = text.to_lowercase();
    if t.contains("public domain") {
        return Some("public domain".into());
    }
    if t.contains("creative commons") {
        let nc = t.contains("noncommercial") || t.contains("non-commercial") || t.contains("non commercial");
        let nd = t.contains("noderivatives") || t.contains("no derivatives") || t.contains("noderivs");
        let sa = t.contains("sharealike") || t.contains("share alike");
        let mut name = String::from("CC BY");
        if nc {
            name.push_str("-NC");
        }
        if nd {
            name.push_str("-ND");
        }
        if sa {
            name.push_str("-SA");
        }
        for v in ["4.0", "3.0", "2.5", "2.0", "1.0"] {
            if t.contains(&format!("license {v}"))
                || t.contains(&format!("licence {v}"))
                || t.contains(&format!("licence, {v}"))
                || t.contains(&format!("{v} license"))
                || t.contains(&format!("{v} international"))
                || t.contains(&format!("{v} unported"))
                || t.contains(&format!("license (cc by {v})"))
            {
                name.push(' ');
                name.push_str(v);
                break;
            }
        }
        if t.contains("attribution") || t.contains("cc by") || t.contains("cc-by") {
            return Some(name);
        }
    }
    None
}

fn abstract_paragraphs(meta: Node) -> Vec<String> {
    let abstracts: Vec<Node> = meta.children().filter(|n| is(n, "abstract")).collect();
    let chosen = abstracts
        .iter()
        .find(|a| a.attribute("abstract-type").is_none())
        .or_else(|| {
            abstracts.iter().find(|a| !matches!(a.attribute("abstract-type"), Some("graphical" | "teaser" | "toc")))
        })
        .or(abstracts.first());
    let Some(abs) = chosen else { return Vec::new() };
    let mut out = Vec::new();
    abstract_into(*abs, &mut out);
    out
}

/// The author keywords (`kwd-group/kwd`) in the first group's language (a translated group
/// repeats them in another language).
fn keywords(meta: Node) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut first_lang: Option<String> = None;
    for g in meta.children().filter(|n| is(n, "kwd-group")) {
        let lang = lang_of(g);
        match &first_lang {
            None => first_lang = Some(lang),
            Some(l) if *l != lang => continue,
            Some(_) => {}
        }
        for k in g.children().filter(|n| is(n, "kwd")) {
            let t = inline(k);
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The `xml:lang` of a node as a lower-case ISO 639-1 code ("pt-BR" → "pt"), or "".
fn lang_of(n: Node) -> String {
    n.attribute(("http://www.w3.org/XML/1998/namespace", "lang"))
        .unwrap_or("")
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// `trans-abstract`s (with the matching `trans-title`), one translation per language.
fn trans_abstracts(meta: Node) -> Vec<crate::model::Translation> {
    let mut out: Vec<crate::model::Translation> = Vec::new();
    for a in meta.children().filter(|n| is(n, "trans-abstract")) {
        let language = lang_of(a);
        if language.is_empty() || out.iter().any(|t| t.language == language) {
            continue;
        }
        let title = meta
            .descendants()
            .filter(|n| is(n, "trans-title-group") && lang_of(*n) == language)
            .find_map(|g| g.children().find(|n| is(n, "trans-title")).map(inline))
            .unwrap_or_default();
        let mut abstract_paragraphs = Vec::new();
        abstract_into(a, &mut abstract_paragraphs);
        out.push(crate::model::Translation { language, title, abstract_paragraphs, sections: Vec::new() });
    }
    out
}

fn abstract_into(n: Node, out: &mut Vec<String>) {
    for c in n.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "p" => push_nonempty(out, inline(c)),
            "sec" => {
                let label = c.children().find(|x| is(x, "title")).map(inline).filter(|s| !s.is_empty());
                let mut inner = Vec::new();
                abstract_into(c, &mut inner);
                if let (Some(l), Some(first)) = (label, inner.first_mut()) {
                    let l = l.trim_end_matches([':', '.']);
                    *first = format!("{l}: {first}");
                }
                out.extend(inner);
            }
            "list" => {
                for item in c.descendants().filter(|x| is(x, "list-item")) {
                    push_nonempty(out, inline(item));
                }
            }
            "title" | "label" | "object-id" => {}
            _ => abstract_into(c, out),
        }
    }
}

fn push_nonempty(out: &mut Vec<String>, s: String) {
    if !s.trim().is_empty() {
        out.push(s);
    }
}

#[derive(Default)]
struct Ctx {
    tables: usize,
}

/// Walks a `body` or `sec`: paragraphs go to the last section, `sec` children become sections.
fn walk_container(node: Node, level: u8, sections: &mut Vec<Section>, ctx: &mut Ctx) {
    for c in node.children().filter(|c| c.is_element()) {
        match c.tag_name().name() {
            "sec" => {
                let title = c.children().find(|x| is(x, "title")).map(inline).unwrap_or_default();
                let label = c.children().find(|x| is(x, "label")).map(inline).unwrap_or_default();
                let title = tidy_heading_punct(&title);
                let heading = match (label.is_empty(), title.is_empty()) {
                    (false, false) if !title.starts_with(&label) => format!("{label} {title}"),
                    (_, false) => title,
                    (false, true) => label,
                    (true, true) => String::new(),
                };
                if heading.is_empty() && !sections.is_empty() {
                    // Untitled section: continue the current one.
                    walk_container(c, level, sections, ctx);
                } else {
                    sections.push(Section { heading, level, paragraphs: Vec::new() });
                    walk_container(c, level.saturating_add(1).min(9), sections, ctx);
                }
            }
            "title"
            | "label"
            | "sec-meta"
            | "fig"
            | "fig-group"
            | "supplementary-material"
            | "ref-list"
            | "fn-group"
            | "graphic"
            | "media"
            | "alternatives"
            | "object-id" => {}
            "table-wrap" | "table-wrap-group" | "table" => {
                ctx.tables += if c.tag_name().name() == "table-wrap-group" {
                    c.children().filter(|x| is(x, "table-wrap")).count().max(1)
                } else {
                    1
                };
            }
            _ => {
                let mut paras = Vec::new();
                block(c, &mut paras, ctx);
                if paras.is_empty() {
                    continue;
                }
                if sections.is_empty() {
                    sections.push(Section { heading: String::new(), level, paragraphs: Vec::new() });
                }
                if let Some(last) = sections.last_mut() {
                    last.paragraphs.extend(paras);
                }
            }
        }
    }
}

/// A block-level element inside a section: paragraphs, lists, boxes, quotes, formulas.
fn block(n: Node, out: &mut Vec<String>, ctx: &mut Ctx) {
    match n.tag_name().name() {
        "p" => {
            // Tables and figures nested in a paragraph are not part of its text.
            for t in n.descendants().filter(|d| is(d, "table-wrap")) {
                let _ = t;
                ctx.tables += 1;
            }
            push_nonempty(out, inline(n));
            // Lists nested in a paragraph become their own paragraphs.
            for l in n.children().filter(|x| is(x, "list")) {
                block(l, out, ctx);
            }
        }
        "list" => {
            for item in n.children().filter(|x| is(x, "list-item")) {
                let mut inner = Vec::new();
                for c in item.children().filter(|c| c.is_element()) {
                    if !is(&c, "label") {
                        block(c, &mut inner, ctx);
                    }
                }
                if inner.is_empty() {
                    push_nonempty(out, inline(item));
                } else {
                    out.extend(inner);
                }
            }
        }
        "disp-formula" | "disp-formula-group" => push_nonempty(out, inline(n)),
        "boxed-text" | "disp-quote" | "statement" | "def-list" | "def-item" | "def" | "glossary" | "array"
        | "speech" | "verse-group" | "sec" | "app" | "notes" | "ack" => {
            if let Some(t) = n.children().find(|x| is(x, "title")).map(inline).filter(|t| !t.is_empty()) {
                out.push(t);
            }
            for c in n.children().filter(|c| c.is_element()) {
                if !is(&c, "title") && !is(&c, "label") {
                    block(c, out, ctx);
                }
            }
        }
        "table-wrap" | "table-wrap-group" => ctx.tables += 1,
        "fig"
        | "fig-group"
        | "graphic"
        | "media"
        | "supplementary-material"
        | "label"
        | "title"
        | "caption"
        | "fn-group"
        | "ref-list" => {}
        "term" | "verse-line" => push_nonempty(out, inline(n)),
        _ => {
            // Unknown wrapper: read its paragraphs if it has any, else its text.
            let kids: Vec<Node> = n.children().filter(|c| c.is_element()).collect();
            if kids.iter().any(|k| matches!(k.tag_name().name(), "p" | "list" | "sec" | "boxed-text")) {
                for k in kids {
                    block(k, out, ctx);
                }
            } else {
                push_nonempty(out, inline(n));
            }
        }
    }
}

/// Renders mixed content as one plain-text line: markup dropped, math spoken, citations kept.
pub(crate) fn inline(n: Node) -> String {
    let mut s = String::new();
    inline_into(n, &mut s);
    tidy_punct(&s)
}

fn inline_into(n: Node, out: &mut String) {
    for c in n.children() {
        if c.is_text() {
            out.push_str(c.text().unwrap_or(""));
            continue;
        }
        if !c.is_element() {
            continue; // comments, processing instructions
        }
        match c.tag_name().name() {
            "fig"
            | "fig-group"
            | "table-wrap"
            | "table-wrap-group"
            | "list"
            | "graphic"
            | "media"
            | "fn"
            | "supplementary-material"
            | "alt-text"
            | "long-desc"
            | "object-id"
            | "annotation" => {}
            "math" => {
                out.push(' ');
                out.push_str(&speak_mathml(c));
                out.push(' ');
            }
            "tex-math" => {
                out.push(' ');
                out.push_str(&speak_tex(&text_raw(c)));
                out.push(' ');
            }
            "inline-formula" | "disp-formula" => {
                out.push(' ');
                out.push_str(&formula(c));
                out.push(' ');
            }
            "alternatives" => {
                out.push_str(&formula(c));
            }
            "label" if n.tag_name().name() == "disp-formula" => {}
            "sup" => {
                let inner = inline(c);
                if is_citation_sup(c) {
                    out.push_str(&format!(" [{inner}]"));
                } else if !inner.is_empty() {
                    let prev_alnum = out.chars().last().is_some_and(|ch| ch.is_alphanumeric() || ch == ')');
                    if prev_alnum && inner.chars().all(|ch| ch.is_ascii_digit() || "−-+".contains(ch)) {
                        out.push('^');
                    }
                    out.push_str(&inner);
                }
            }
            "break" => out.push(' '),
            "p" | "title" | "list-item" | "def-item" | "td" | "th" | "tr" => {
                out.push(' ');
                inline_into(c, out);
                out.push(' ');
            }
            _ => inline_into(c, out),
        }
    }
}

fn text_raw(n: Node) -> String {
    n.descendants().filter(|d| d.is_text()).map(|d| d.text().unwrap_or("")).collect()
}

/// A formula: MathML preferred, then TeX, then its plain text.
fn formula(n: Node) -> String {
    if let Some(m) = n.descendants().find(|d| is(d, "math")) {
        return speak_mathml(m);
    }
    if let Some(t) = n.descendants().find(|d| is(d, "tex-math")) {
        return speak_tex(&text_raw(t));
    }
    let mut s = String::new();
    for c in n.children() {
        if c.is_text() {
            s.push_str(c.text().unwrap_or(""));
        } else if c.is_element() && !matches!(c.tag_name().name(), "label" | "graphic") {
            inline_into(c, &mut s);
        }
    }
    collapse_ws(&s)
}

/// `<sup>` holding only bibliography cross-references (and separators): a citation marker.
fn is_citation_sup(n: Node) -> bool {
    let mut has_xref = false;
    for c in n.children() {
        if c.is_element() {
            if is(&c, "xref") && matches!(c.attribute("ref-type"), Some("bibr") | None) {
                has_xref = true;
            } else {
                return false;
            }
        } else if c.is_text() {
            let t = c.text().unwrap_or("");
            if !t.chars().all(|ch| ch.is_whitespace() || ",–-—;".contains(ch)) {
                return false;
            }
        }
    }
    has_xref
}

fn figure(fig: Node) -> Figure {
    let label = child(fig, "label").map(|l| tidy_heading_punct(&inline(l))).filter(|s| !s.is_empty());
    let caption = child(fig, "caption")
        .map(|cap| {
            let mut parts = Vec::new();
            for c in cap.children().filter(|c| c.is_element()) {
                let t = inline(c);
                if !t.is_empty() {
                    parts.push(t);
                }
            }
            let mut s = String::new();
            for p in parts {
                if !s.is_empty() {
                    if !s.ends_with(['.', '!', '?', ':']) {
                        s.push('.');
                    }
                    s.push(' ');
                }
                s.push_str(&p);
            }
            s
        })
        .unwrap_or_default();
    let source_href = fig
        .descendants()
        .find(|d| is(d, "graphic"))
        .and_then(|g| g.attribute((XLINK, "href")).or_else(|| g.attribute("href")))
        .map(str::to_string);
    Figure { label, caption, image: None, source_href }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_names() {
        assert_eq!(
            license_name(Some("https://creativecommons.org/licenses/by/4.0/"), None, "").as_deref(),
            Some("CC BY 4.0")
        );
        assert_eq!(
            license_name(Some("http://creativecommons.org/licenses/by-nc/3.0"), None, "").as_deref(),
            Some("CC BY-NC 3.0")
        );
        assert_eq!(license_name(None, Some("public-domain"), "").as_deref(), Some("public domain"));
        assert_eq!(
            license_name(
                None,
                None,
                "distributed under the terms of the Creative Commons Attribution License, which permits"
            )
            .as_deref(),
            Some("CC BY")
        );
    }

    #[test]
    fn keywords_and_translations() {
        let xml = r#"<article xmlns:xlink="http://www.w3.org/1999/xlink" xml:lang="pt"><front><article-meta>
<title-group><article-title>Sal e pressão arterial</article-title>
<trans-title-group xml:lang="en"><trans-title>Salt and blood pressure</trans-title></trans-title-group></title-group>
<abstract><p>Reduzimos o sal do pão.</p></abstract>
<trans-abstract xml:lang="en"><p>We cut the salt in bread.</p></trans-abstract>
<kwd-group xml:lang="pt"><kwd>sal</kwd><kwd>pressão arterial</kwd></kwd-group>
<kwd-group xml:lang="en"><kwd>salt</kwd></kwd-group>
</article-meta></front>
<body><sec><title>Introdução</title><p>O sal eleva a pressão.</p></sec></body>
<sub-article article-type="translation" xml:lang="en"><front-stub><title-group><article-title>Salt and blood pressure</article-title></title-group>
<abstract><p>We cut the salt in bread.</p></abstract></front-stub>
<body><sec><title>Introduction</title><p>Salt raises blood pressure.</p></sec></body></sub-article>
</article>"#;
        let (p, _) = parse(xml.as_bytes()).unwrap();
        assert_eq!(p.keywords, vec!["sal", "pressão arterial"]);
        assert_eq!(p.translations.len(), 1, "{:?}", p.translations);
        let t = &p.translations[0];
        assert_eq!((t.language.as_str(), t.title.as_str()), ("en", "Salt and blood pressure"));
        assert_eq!(t.abstract_paragraphs, vec!["We cut the salt in bread."]);
        assert_eq!(t.sections[0].paragraphs, vec!["Salt raises blood pressure."]);
        assert!(!p.notes.iter().any(|n| n.contains("attached")), "a translation is not an attached document");
    }

    #[test]
    fn minimal_article() {
        let xml = r#"<?xml version="1.0"?>
<!DOCTYPE article PUBLIC "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD v1.0 20120330//EN" "JATS-archivearticle1.dtd">
<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta>
<title-group><article-title>A <italic>study</italic></article-title></title-group>
<contrib-group><contrib contrib-type="author"><name><surname>Diomand&#x000e9;</surname><given-names>S</given-names></name></contrib></contrib-group>
<pub-date pub-type="ppub"><year>2012</year></pub-date><pub-date pub-type="epub"><day>3</day><month>10</month><year>2012</year></pub-date>
<abstract><p>Short.</p></abstract></article-meta></front>
<body><p>Intro text<sup><xref ref-type="bibr" rid="b1">1</xref>,<xref ref-type="bibr" rid="b2">2</xref></sup> continues.</p>
<sec><title>Methods</title><p>We used <inline-formula><mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:msup><mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:math></inline-formula> here.</p>
<table-wrap><table><tr><td>1</td></tr></table></table-wrap></sec></body></article>"#;
        let e = read_jats(xml.as_bytes()).unwrap();
        let p = e.paper;
        assert_eq!(p.title, "A study");
        assert_eq!(p.authors, vec!["S Diomandé"]);
        assert_eq!(p.published.as_deref(), Some("2012-10-03"));
        assert_eq!(p.sections[0].paragraphs[0], "Intro text [1,2] continues.");
        assert_eq!(p.sections[1].heading, "Methods");
        assert_eq!(p.sections[1].paragraphs[0], "We used x squared here.");
        assert!(p.notes.iter().any(|n| n.contains("1 table was skipped")));
    }
}
