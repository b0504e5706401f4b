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

/// Parses JATS bytes (UTF-8/16, Latin-1 declared) into a paper. Errors: `invalid-xml` (not
/// well-formed even after HTML entities are resolved), `not-jats` (no JATS `<article>`),
/// `not-found` (an efetch `<error>`), `no-text` (neither body nor abstract).
pub(crate) fn parse(bytes: &[u8]) -> Result<(Paper, JatsInfo), ReadError> {
    let raw = decode(bytes)?;
    let (text, fixes) = prepare_entities(&raw);
    let opts = ParsingOptions { allow_dtd: true, nodes_limit: 5_000_000, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(&text, opts).map_err(|e| {
        ReadError::new(ReadErrorKind::InvalidXml,
            format!("The XML file could not be parsed ({e}); it may be truncated or damaged. Upload the complete file, or the paper's PDF."),
        )
    })?;
    let root = doc.root_element();
    let mut notes = Vec::new();
    let article = if is(&root, "article") { root } else { wrapped_article(root, &mut notes)? };
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
    paper.sections = drop_empty_sections(std::mem::take(&mut paper.sections));
    // Figures: in the article's body, floats and back matter, not in sub-articles.
    for area in ["body", "floats-group", "back"] {
        if let Some(a) = child(article, area) {
            for fig in a.descendants().filter(|n| is(n, "fig") && !in_sub_article(*n, article)) {
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
    // Sub-articles of this article (wherever they sit: after `back`, inside it, in `floats-group`):
    // translations become full translations; reviewer reports, decision letters, replies and
    // other attached documents are never read.
    let subs: Vec<Node> = article
        .descendants()
        .filter(|n| (is(n, "sub-article") || is(n, "response")) && !in_sub_article(*n, article))
        .collect();
    let mut attached = 0;
    for sub in subs {
        if !is_translation(sub) {
            attached += 1;
            continue;
        }
        if let Some(t) = full_translation(sub, meta) {
            // A full translation replaces a translated abstract of its language.
            if !t.sections.is_empty() {
                paper.translations.retain(|x| x.language != t.language || !x.sections.is_empty());
            }
            if !paper.translations.iter().any(|x| x.language == t.language) {
                paper.translations.push(t);
            }
        }
    }
    if attached > 0 {
        notes.push(format!(
            "{attached} attached {} (such as a decision letter or author response) {} left out.",
            if attached == 1 { "document" } else { "documents" },
            if attached == 1 { "was" } else { "were" }
        ));
    }
    if !fixes.unknown.is_empty() {
        // The names without `&` and `;`, so that no field ever holds an entity reference.
        let names: Vec<&str> = fixes.unknown.iter().take(5).map(String::as_str).collect();
        notes.push(format!(
            "The XML uses character names that neither XML, HTML nor its own DTD define ({}); those characters were left out.",
            names.join(", ")
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
    // The language the text is written in, whatever `xml:lang` claims; the attribute only when
    // the body and abstract are too short to tell, and the title last.
    paper.language = text_language(&paper.abstract_paragraphs, &paper.sections)
        .or_else(|| Some(lang_of(article)).filter(|l| !l.is_empty()))
        .or_else(|| crate::language::detect(&paper.title));
    for t in &mut paper.translations {
        if let Some(l) = translation_language(t) {
            t.language = l;
        }
    }
    dedup_translations(&mut paper.translations);
    paper.notes.extend(notes);
    Ok((paper, JatsInfo { has_body }))
}

/// The article to read from a wrapper (`pmc-articleset`, Europe PMC `articles`, OAI-PMH,
/// `records`, any other root): the first research article, else the first that is not a
/// correction, editorial or similar notice, else the first; a note says how many there were.
fn wrapped_article<'a, 'i>(root: Node<'a, 'i>, notes: &mut Vec<String>) -> Result<Node<'a, 'i>, ReadError> {
    let articles: Vec<Node> = root
        .descendants()
        .filter(|n| is(n, "article") && !has_ancestor(*n, "article"))
        .filter(|n| ["front", "body", "back"].iter().any(|c| child(*n, c).is_some()))
        .collect();
    let Some(first) = articles.first().copied() else {
        if let Some(err) = root.descendants().find(|n| is(n, "error")) {
            return Err(ReadError::new(
                ReadErrorKind::NotFound,
                format!("PubMed Central has no such article ({}). Check the PMCID, or upload the PDF.", text_of(err)),
            ));
        }
        return Err(no_article());
    };
    let rank = |a: &Node| -> u8 {
        match a.attribute("article-type").map(str::to_ascii_lowercase).as_deref() {
            Some("research-article") => 0,
            Some(t) if NOTICE_TYPES.contains(&t) => 2,
            _ => 1,
        }
    };
    let chosen = articles.iter().copied().min_by_key(rank).unwrap_or(first);
    if articles.len() > 1 {
        notes.push(format!(
            "The file held {} articles; only \"{}\" was read.",
            articles.len(),
            article_title(chosen).unwrap_or_else(|| "the first research article".into())
        ));
    }
    Ok(chosen)
}

/// `article-type`s that are notices about other articles, opinion or peer review, not research:
/// read only when a file holds nothing else.
const NOTICE_TYPES: &[&str] = &[
    "reviewer-report",
    "referee-report",
    "decision-letter",
    "author-comment",
    "aggregated-review-documents",
    "editor-report",
    "community-comments",
    "peer-review",
    "correction",
    "retraction",
    "partial-retraction",
    "expression-of-concern",
    "addendum",
    "erratum",
    "removal",
    "editorial",
    "letter",
    "reply",
    "announcement",
    "news",
    "obituary",
    "book-review",
    "product-review",
    "books-received",
    "calendar",
    "in-brief",
    "meeting-report",
    "article-commentary",
    "introduction",
    "abstract",
    "retraction-forward",
    "correction-forward",
];

/// Whether `n` sits inside a `sub-article` (or `response`) of `article`.
fn in_sub_article(n: Node, article: Node) -> bool {
    n.ancestors().skip(1).take_while(|a| *a != article).any(|a| is(&a, "sub-article") || is(&a, "response"))
}

/// A `sub-article` that translates the article. Reviewer reports, decision letters, replies,
/// author comments, editor and community reports are not.
fn is_translation(sub: Node) -> bool {
    is(&sub, "sub-article") && sub.attribute("article-type").is_some_and(|t| t.eq_ignore_ascii_case("translation"))
}

/// A translation `sub-article` as a [`crate::model::Translation`]: its title (else the
/// article's `trans-title` in its language), abstract and body. None when it has no language
/// and no text to tell it from.
fn full_translation(sub: Node, article_meta: Option<Node>) -> Option<crate::model::Translation> {
    let mut t = crate::model::Translation { language: lang_of(sub), ..Default::default() };
    let front = child(sub, "front-stub").or_else(|| child(sub, "front").and_then(|f| child(f, "article-meta")));
    if let Some(m) = front {
        t.title = child(m, "title-group").and_then(|g| child(g, "article-title")).map(inline).unwrap_or_default();
        t.abstract_paragraphs = abstract_paragraphs(m);
    }
    if let Some(b) = child(sub, "body") {
        let mut sub_ctx = Ctx::default();
        walk_container(b, 1, &mut t.sections, &mut sub_ctx);
        t.sections = drop_empty_sections(std::mem::take(&mut t.sections));
    }
    if let Some(l) = translation_language(&t) {
        t.language = l;
    }
    if t.title.is_empty() {
        if let Some(meta) = article_meta {
            t.title = meta
                .descendants()
                .filter(|n| is(n, "trans-title-group") && lang_of(*n) == t.language)
                .find_map(|g| child(g, "trans-title").map(inline))
                .unwrap_or_default();
        }
    }
    let has_text = !t.sections.is_empty() || !t.abstract_paragraphs.is_empty() || !t.title.is_empty();
    (!t.language.is_empty() && has_text).then_some(t)
}

/// The language a translation is written in: from its body or abstract when long enough to
/// tell; else None when it has an `xml:lang` (kept), else from its title.
fn translation_language(t: &crate::model::Translation) -> Option<String> {
    text_language(&t.abstract_paragraphs, &t.sections).or_else(|| {
        if t.language.is_empty() {
            crate::language::detect(&t.title)
        } else {
            None
        }
    })
}

/// The language of a body (else an abstract) when there is enough text to tell; a title alone
/// is too short to outvote an `xml:lang`.
fn text_language(abstract_paragraphs: &[String], sections: &[Section]) -> Option<String> {
    let probe =
        Paper { abstract_paragraphs: abstract_paragraphs.to_vec(), sections: sections.to_vec(), ..Paper::default() };
    crate::language::detect_paper(&probe)
}

/// One translation per language: a full one (with sections) wins over an abstract-only one,
/// else the first.
fn dedup_translations(ts: &mut Vec<crate::model::Translation>) {
    let mut out: Vec<crate::model::Translation> = Vec::new();
    for t in ts.drain(..) {
        match out.iter_mut().find(|x| x.language == t.language) {
            Some(x) if x.sections.is_empty() && !t.sections.is_empty() => *x = t,
            Some(_) => {}
            None => out.push(t),
        }
    }
    *ts = out;
}

/// Sections without text and without subsections are dropped (a heading alone says nothing).
fn drop_empty_sections(mut secs: Vec<Section>) -> Vec<Section> {
    secs.retain(|s| !s.paragraphs.is_empty() || !s.heading.is_empty());
    let mut out = Vec::with_capacity(secs.len());
    for (i, s) in secs.iter().enumerate() {
        let has_children = secs.get(i + 1).is_some_and(|next| next.level > s.level);
        if !s.paragraphs.is_empty() || has_children {
            out.push(s.clone());
        }
    }
    out
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
    collapse_ws(&clean_text(&t))
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
                let t = collapse_ws(&clean_text(&own));
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
            "title" | "label" | "object-id" | "sub-article" | "response" => {}
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
            | "object-id"
            | "sub-article"
            | "response" => {}
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
        | "ref-list"
        | "sub-article"
        | "response" => {}
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
    tidy_punct(&clean_text(&s))
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
            | "annotation"
            | "sub-article"
            | "response" => {}
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

/// The five entities XML defines itself: never rewritten.
const XML_ENTITIES: [&str; 5] = ["amp", "lt", "gt", "quot", "apos"];

/// What [`prepare_entities`] changed, for the paper's notes.
#[derive(Default)]
struct EntityFixes {
    /// Named references neither XML, the document's DTD subset nor HTML5 defines: dropped.
    unknown: Vec<String>,
}

/// Makes a document that uses HTML's named entities without declaring them parseable: every
/// `&name;` that is not one of XML's five, not declared in the document's internal DTD subset,
/// and is an HTML5 named character reference becomes numeric references (`&nbsp;` → `&#xA0;`).
/// Unknown names are dropped (and listed), a numeric reference missing its `;` gets one, and a
/// bare `&` becomes `&amp;`: publishers' files break these rules and roxmltree rejects them.
fn prepare_entities(text: &str) -> (std::borrow::Cow<'_, str>, EntityFixes) {
    let mut fixes = EntityFixes::default();
    if !text.contains('&') {
        return (std::borrow::Cow::Borrowed(text), fixes);
    }
    let (prolog_end, declared) = internal_subset(text);
    let (prolog, rest) = text.split_at(prolog_end);
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(prolog);
    let mut changed = false;
    let mut i = 0;
    let bytes = rest.as_bytes();
    while let Some(off) = rest[i..].find('&') {
        let amp = i + off;
        out.push_str(&rest[i..amp]);
        let after = &rest[amp + 1..];
        if let Some(num) = after.strip_prefix('#') {
            let hex = num.starts_with(['x', 'X']);
            let digits = if hex { &num[1..] } else { num };
            let n = digits.bytes().take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }).count();
            let head = 2 + usize::from(hex) + n; // "&#", "x", digits
            if n == 0 {
                out.push_str("&amp;");
                changed = true;
                i = amp + 1;
            } else if bytes.get(amp + head) == Some(&b';') {
                out.push_str(&rest[amp..amp + head + 1]);
                i = amp + head + 1;
            } else {
                out.push_str(&rest[amp..amp + head]);
                out.push(';');
                changed = true;
                i = amp + head;
            }
            continue;
        }
        let n =
            after.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':')).count();
        let name = &after[..n];
        if n == 0 || after.as_bytes().get(n) != Some(&b';') {
            out.push_str("&amp;");
            changed = true;
            i = amp + 1;
            continue;
        }
        i = amp + 1 + n + 1;
        if XML_ENTITIES.contains(&name) || declared.iter().any(|d| d == name) {
            out.push_str(&rest[amp..i]);
            continue;
        }
        changed = true;
        match html_entity(name) {
            Some(expansion) => {
                for c in expansion.chars() {
                    out.push_str(&format!("&#x{:X};", u32::from(c)));
                }
            }
            None => {
                if !fixes.unknown.iter().any(|u| u == name) {
                    fixes.unknown.push(name.to_string());
                }
            }
        }
    }
    out.push_str(&rest[i..]);
    if changed {
        (std::borrow::Cow::Owned(out), fixes)
    } else {
        (std::borrow::Cow::Borrowed(text), fixes)
    }
}

/// The HTML5 named character reference `&name;` (without `&` and `;`), if HTML defines it.
fn html_entity(name: &str) -> Option<&'static str> {
    let key = format!("&{name};");
    htmlize::ENTITIES.get(key.as_bytes()).and_then(|v| std::str::from_utf8(v).ok())
}

/// Where the DOCTYPE (with its internal subset) ends, and the general entities that subset
/// declares. (0, []) when there is no DOCTYPE before the root element.
fn internal_subset(text: &str) -> (usize, Vec<String>) {
    let Some(start) = text.find("<!DOCTYPE") else { return (0, Vec::new()) };
    // A DOCTYPE after the first element is not one.
    let first_element = text
        .char_indices()
        .find(|&(i, c)| c == '<' && text[i + 1..].starts_with(|n: char| n.is_alphabetic() || n == '_'));
    if first_element.is_some_and(|(i, _)| i < start) {
        return (0, Vec::new());
    }
    let decl = &text[start..];
    let open = decl.find('[');
    let close = decl.find('>');
    let (end, subset) = match (open, close) {
        (Some(o), Some(c)) if o < c => match decl[o..].find("]") {
            Some(rel) => {
                let after = o + rel + 1;
                let gt = decl[after..].find('>').map_or(decl.len(), |g| after + g + 1);
                (gt, &decl[o + 1..o + rel])
            }
            None => (decl.len(), &decl[o + 1..]),
        },
        (_, Some(c)) => (c + 1, ""),
        (_, None) => (decl.len(), ""),
    };
    let mut declared = Vec::new();
    let mut s = subset;
    while let Some(p) = s.find("<!ENTITY") {
        s = &s[p + "<!ENTITY".len()..];
        let t = s.trim_start();
        if t.starts_with('%') {
            continue; // parameter entities are referenced as %name;, not &name;
        }
        let name: String = t.chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect();
        if !name.is_empty() {
            declared.push(name);
        }
    }
    (start + end, declared)
}

/// Markup that reached a text node (escaped `&lt;p&gt;`, CDATA holding HTML, a comment written
/// as text): tags, comments, CDATA fences and processing instructions.
static MARKUP: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r#"(?s)<!--.*?-->|<!\[CDATA\[|\]\]>|<\?[A-Za-z][^>]*\?>|</?[A-Za-z][\w:.-]*(?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>=]+))*\s*/?>"#,
    )
    .unwrap_or_else(|_| unreachable!("a fixed, valid pattern"))
});

/// Text as a person reads it: character references left in the text (double-escaped
/// `&amp;#x3b3;`, `&amp;nbsp;`, a numeric reference without its `;`) decoded, markup that got into
/// the text removed, and a `<` that still precedes a letter spaced (`p<q` → `p< q`) so no field
/// ever looks like a tag.
pub(crate) fn clean_text(s: &str) -> String {
    if !s.contains(['&', '<']) {
        return s.to_string();
    }
    let mut t = s.to_string();
    // Each pass undoes one level of escaping; more than three levels is not seen in practice.
    for _ in 0..4 {
        match decode_references(&t) {
            Some(d) => t = d,
            None => break,
        }
    }
    let t = MARKUP.replace_all(&t, " ");
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '<' && chars.peek().is_some_and(|n| n.is_alphabetic() || *n == '/' || *n == '!') {
            out.push(' ');
        }
    }
    out
}

/// One pass of decoding `&#x…;`, `&#…;` (the `;` optional) and HTML5 `&name;`; None when there
/// was nothing to decode.
fn decode_references(s: &str) -> Option<String> {
    if !s.contains('&') {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    let mut changed = false;
    let mut i = 0;
    while let Some(off) = s[i..].find('&') {
        let amp = i + off;
        out.push_str(&s[i..amp]);
        let after = &s[amp + 1..];
        if let Some(num) = after.strip_prefix('#') {
            let hex = num.starts_with(['x', 'X']);
            let digits = if hex { &num[1..] } else { num };
            let n = digits.bytes().take_while(|b| if hex { b.is_ascii_hexdigit() } else { b.is_ascii_digit() }).count();
            let value = u32::from_str_radix(&digits[..n], if hex { 16 } else { 10 }).ok();
            if n > 0 {
                let mut end = amp + 2 + usize::from(hex) + n;
                if s.as_bytes().get(end) == Some(&b';') {
                    end += 1;
                }
                // Control characters and invalid code points are dropped, not spoken.
                if let Some(c) = value.and_then(char::from_u32).filter(|c| !c.is_control() || c.is_whitespace()) {
                    out.push(c);
                }
                changed = true;
                i = end;
                continue;
            }
        } else {
            let n = after.bytes().take_while(|b| b.is_ascii_alphanumeric()).count();
            if n > 0 && after.as_bytes().get(n) == Some(&b';') {
                if let Some(expansion) = html_entity(&after[..n]) {
                    out.push_str(expansion);
                    changed = true;
                    i = amp + 1 + n + 1;
                    continue;
                }
            }
        }
        out.push('&');
        i = amp + 1;
    }
    out.push_str(&s[i..]);
    changed.then_some(out)
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
        // Too little text to tell: the attributes stand.
        assert_eq!(p.language.as_deref(), Some("pt"));
        assert_eq!(p.translations.len(), 1, "{:?}", p.translations);
        let t = &p.translations[0];
        assert_eq!((t.language.as_str(), t.title.as_str()), ("en", "Salt and blood pressure"));
        assert_eq!(t.abstract_paragraphs, vec!["We cut the salt in bread."]);
        assert_eq!(t.sections[0].paragraphs, vec!["Salt raises blood pressure."]);
        assert!(!p.notes.iter().any(|n| n.contains("attached")), "a translation is not an attached document");
    }

    #[test]
    fn entities_prepared_for_the_parser() {
        let (t, fixes) = prepare_entities("<p>&nbsp;&amp;&#x3b3&#947;&bogus;&iquest; & AT&T&</p>");
        assert_eq!(t, "<p>&#xA0;&amp;&#x3b3;&#947;&#xBF; &amp; AT&amp;T&amp;</p>");
        assert_eq!(fixes.unknown, vec!["bogus"]);
        let declared = "<!DOCTYPE a [<!ENTITY % p \"x\"><!ENTITY nbsp \"&#160;\">]><a>&nbsp;&eacute;</a>";
        assert_eq!(
            prepare_entities(declared).0,
            "<!DOCTYPE a [<!ENTITY % p \"x\"><!ENTITY nbsp \"&#160;\">]><a>&nbsp;&#xE9;</a>"
        );
        assert!(matches!(prepare_entities("<a>&lt;b&gt;</a>").0, std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn text_cleaned_of_references_and_markup() {
        assert_eq!(clean_text("PPAR&#x003b3; PPAR&#x003b3 &amp;eacute; &amp;amp;lt;"), "PPARγ PPARγ é <");
        assert_eq!(clean_text("a</p><p id=\"Par37\">b<!-- c --><br/>d"), "a  b  d");
        assert_eq!(clean_text("x<y, 5 < 6, a&b; R&D"), "x< y, 5 < 6, a&b; R&D");
        assert_eq!(clean_text("&#0;&#x110000;ok"), "ok");
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
