//! Word documents (DOCX): styles-based headings, paragraphs, tables as a note, images through the
//! document's relationships, and fields (Zotero/Mendeley citations, cross-references) reduced to
//! the text they display.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use roxmltree::{Document, Node, ParsingOptions};

use crate::model::{Extracted, Figure, FigureFile};
use crate::text::{parse_blocks, Block};
use crate::util::{collapse_ws, is_section_word};
use crate::{ReadError, ReadErrorKind};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
/// Largest part read from the archive (guards against zip bombs).
const MAX_PART: u64 = 64 * 1024 * 1024;
const MAX_IMAGES: usize = 8;

pub fn read_docx(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        ReadError::new(ReadErrorKind::CorruptFile, "This file looks like a ZIP/DOCX archive but is damaged or incomplete. Save the document again from Word and re-upload it.")
    })?;
    let doc_xml =
        match part(&mut zip, "word/document.xml") {
            Some(x) => x,
            None => return Err(ReadError::new(
                ReadErrorKind::NotAWordDocument,
                "This ZIP file is not a Word document (.docx). Upload the paper as DOCX, PDF, JATS XML or plain text.",
            )),
        };
    let styles = part(&mut zip, "word/styles.xml").map(|s| parse_styles(&s)).unwrap_or_default();
    let rels = part(&mut zip, "word/_rels/document.xml.rels").map(|s| parse_rels(&s)).unwrap_or_default();
    let core = part(&mut zip, "docProps/core.xml").map(|s| core_properties(&s)).unwrap_or_default();
    let core_title = core.title.clone();
    let opts = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(&doc_xml, opts).map_err(|e| {
        ReadError::new(
            ReadErrorKind::CorruptFile,
            format!("The Word document's text could not be read ({e}). Save it again from Word and re-upload it."),
        )
    })?;
    let body = doc.descendants().find(|n| n.has_tag_name((W, "body"))).ok_or_else(|| {
        ReadError::new(
            ReadErrorKind::CorruptFile,
            "The Word document has no body. Save it again from Word and re-upload it.",
        )
    })?;

    let mut st = State::default();
    walk(body, &styles, &mut st);

    // Images through the relationships, in document order.
    let mut figure_files = Vec::new();
    let mut figures: Vec<Figure> = Vec::new();
    let mut skipped_images = 0;
    for (rid, caption) in &st.images {
        if figure_files.len() >= MAX_IMAGES {
            skipped_images += 1;
            continue;
        }
        let Some(target) = rels.get(rid) else { continue };
        let Some(bytes) = part_bytes(&mut zip, &resolve(target)) else { continue };
        let ext = if bytes.starts_with(b"\x89PNG") {
            "png"
        } else if bytes.starts_with(b"\xFF\xD8") {
            "jpg"
        } else if bytes.starts_with(b"GIF8") {
            "gif"
        } else {
            skipped_images += 1;
            continue; // EMF/WMF and other vector formats
        };
        if bytes.len() < 2_000 {
            continue; // icons, bullets
        }
        let name = format!("figures/fig-{}.{ext}", figure_files.len() + 1);
        let (label, cap) = caption.clone().map(|c| split_label(&c)).unwrap_or((None, String::new()));
        figures.push(Figure { label, caption: cap, image: Some(name.clone()), source_href: None });
        figure_files.push(FigureFile { name, bytes });
    }
    // Captions without an image.
    for c in &st.orphan_captions {
        let (label, caption) = split_label(c);
        figures.push(Figure { label, caption, image: None, source_href: None });
    }

    // Title: the Title style, else the document properties, else the first paragraph.
    let mut blocks = st.blocks;
    let title = st.title.or(core_title);
    if let Some(t) = title {
        blocks.insert(0, Block::Heading { text: t, level: 1, markdown: true });
    }
    let mut paper = parse_blocks(&blocks);
    paper.figures = figures;
    if paper.authors.is_empty() {
        paper.authors = core.authors;
    }
    if paper.keywords.is_empty() {
        paper.keywords = core.keywords;
    }
    if st.tables > 0 {
        paper.notes.push(format!(
            "{} {} skipped (tables are not read aloud).",
            st.tables,
            if st.tables == 1 { "table was" } else { "tables were" }
        ));
    }
    if skipped_images > 0 {
        paper.notes.push(format!(
            "{skipped_images} image(s) were not extracted (too many, or a format such as EMF that cannot be shown)."
        ));
    }
    if !paper.has_text() {
        return Err(ReadError::new(
            ReadErrorKind::NoText,
            "The Word document has no readable paragraphs. Upload the paper's full text, PDF or JATS XML.",
        ));
    }
    Ok(Extracted { paper, figure_files })
}

/// What `docProps/core.xml` says: dc:title, dc:creator, cp:keywords (its dates are the file's,
/// not the paper's publication, so they are not used).
#[derive(Default)]
struct CoreProperties {
    title: Option<String>,
    authors: Vec<String>,
    keywords: Vec<String>,
}

fn core_properties(xml: &str) -> CoreProperties {
    let Ok(d) = Document::parse(xml) else { return CoreProperties::default() };
    let field = |name: &str| {
        d.descendants()
            .find(|n| n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(collapse_ws)
            .filter(|t| !t.is_empty())
    };
    // Word fills dc:creator with the account name ("User", "Admin"): keep only names of two words.
    let authors = field("creator")
        .map(|c| {
            c.split([';', ','])
                .map(str::trim)
                .filter(|a| a.split_whitespace().count() >= 2 && a.chars().any(char::is_alphabetic))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let keywords = field("keywords")
        .map(|k| k.split([';', ',']).map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect())
        .unwrap_or_default();
    CoreProperties { title: field("title"), authors, keywords }
}

fn part<Rd: Read + std::io::Seek>(zip: &mut zip::ZipArchive<Rd>, name: &str) -> Option<String> {
    part_bytes(zip, name).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn part_bytes<Rd: Read + std::io::Seek>(zip: &mut zip::ZipArchive<Rd>, name: &str) -> Option<Vec<u8>> {
    let f = zip.by_name(name).ok()?;
    let mut out = Vec::new();
    f.take(MAX_PART).read_to_end(&mut out).ok()?;
    Some(out)
}

/// A relationship target relative to `word/` → the archive entry name.
fn resolve(target: &str) -> String {
    if let Some(abs) = target.strip_prefix('/') {
        return abs.to_string();
    }
    let mut parts: Vec<&str> = vec!["word"];
    for seg in target.split('/') {
        match seg {
            ".." => {
                parts.pop();
            }
            "." | "" => {}
            s => parts.push(s),
        }
    }
    parts.join("/")
}

#[derive(Default, Clone)]
struct Style {
    name: String,
    outline: Option<u8>,
    based_on: Option<String>,
}

fn parse_styles(xml: &str) -> HashMap<String, Style> {
    let mut out = HashMap::new();
    let Ok(d) = Document::parse(xml) else { return out };
    for s in d.descendants().filter(|n| n.has_tag_name((W, "style"))) {
        let Some(id) = s.attribute((W, "styleId")) else { continue };
        let child_val = |name: &str| {
            s.children().find(|c| c.has_tag_name((W, name))).and_then(|c| c.attribute((W, "val"))).map(str::to_string)
        };
        let outline = s
            .descendants()
            .find(|c| c.has_tag_name((W, "outlineLvl")))
            .and_then(|c| c.attribute((W, "val")))
            .and_then(|v| v.parse::<u8>().ok());
        out.insert(
            id.to_string(),
            Style { name: child_val("name").unwrap_or_default(), outline, based_on: child_val("basedOn") },
        );
    }
    out
}

fn parse_rels(xml: &str) -> HashMap<String, String> {
    let Ok(d) = Document::parse(xml) else { return HashMap::new() };
    d.descendants()
        .filter(|n| n.tag_name().name() == "Relationship")
        .filter(|n| n.attribute("TargetMode") != Some("External"))
        .filter_map(|n| Some((n.attribute("Id")?.to_string(), n.attribute("Target")?.to_string())))
        .collect()
}

enum ParaKind {
    Title,
    Heading(u8),
    Caption,
    Normal,
}

/// What a paragraph style means: Title, Heading n (by id, by name, or by outline level), Caption.
fn style_kind(id: &str, styles: &HashMap<String, Style>) -> ParaKind {
    let mut cur = Some(id.to_string());
    for _ in 0..6 {
        let Some(sid) = cur else { break };
        let st = styles.get(&sid);
        let name = st.map(|s| s.name.to_lowercase()).unwrap_or_default();
        let idl = sid.to_lowercase();
        for n in [name.as_str(), idl.as_str()] {
            let compact: String = n.chars().filter(|c| !c.is_whitespace()).collect();
            if compact == "title" {
                return ParaKind::Title;
            }
            if compact == "caption" {
                return ParaKind::Caption;
            }
            if let Some(rest) = compact.strip_prefix("heading") {
                let lvl =
                    rest.chars().take_while(|c| c.is_ascii_digit()).collect::<String>().parse::<u8>().unwrap_or(1);
                return ParaKind::Heading(lvl.clamp(1, 9));
            }
            if compact.contains("heading") && !compact.contains("toc") {
                let lvl = compact.chars().filter(|c| c.is_ascii_digit()).collect::<String>().parse::<u8>().unwrap_or(1);
                return ParaKind::Heading(lvl.clamp(1, 9));
            }
        }
        if let Some(o) = st.and_then(|s| s.outline) {
            if o < 9 {
                return ParaKind::Heading(o + 1);
            }
        }
        cur = st.and_then(|s| s.based_on.clone());
    }
    ParaKind::Normal
}

#[derive(Default)]
struct State {
    blocks: Vec<Block>,
    title: Option<String>,
    tables: usize,
    /// (relationship id, caption) in document order.
    images: Vec<(String, Option<String>)>,
    orphan_captions: Vec<String>,
}

fn walk(n: Node, styles: &HashMap<String, Style>, st: &mut State) {
    for c in n.children().filter(|c| c.is_element()) {
        if c.tag_name().namespace() != Some(W) {
            continue;
        }
        match c.tag_name().name() {
            "p" => paragraph(c, styles, st),
            "tbl" => st.tables += 1,
            "sdt" | "sdtContent" | "customXml" | "ins" | "smartTag" => walk(c, styles, st),
            _ => {}
        }
    }
}

fn paragraph(p: Node, styles: &HashMap<String, Style>, st: &mut State) {
    let ppr = p.children().find(|c| c.has_tag_name((W, "pPr")));
    let style =
        ppr.and_then(|x| x.children().find(|c| c.has_tag_name((W, "pStyle")))).and_then(|s| s.attribute((W, "val")));
    let outline = ppr
        .and_then(|x| x.children().find(|c| c.has_tag_name((W, "outlineLvl"))))
        .and_then(|s| s.attribute((W, "val")))
        .and_then(|v| v.parse::<u8>().ok());
    let mut kind = style.map(|s| style_kind(s, styles)).unwrap_or(ParaKind::Normal);
    if let (ParaKind::Normal, Some(o)) = (&kind, outline) {
        if o < 9 {
            kind = ParaKind::Heading(o + 1);
        }
    }
    let mut text = String::new();
    let mut images = Vec::new();
    let mut fields = FieldState::default();
    runs(p, &mut text, &mut images, &mut fields);
    let text = collapse_ws(&text);
    let had_images = !images.is_empty();
    for rid in images {
        let pending = if st.orphan_captions.is_empty() { None } else { Some(st.orphan_captions.remove(0)) };
        st.images.push((rid, pending));
    }
    if text.is_empty() {
        return;
    }
    let is_caption = matches!(kind, ParaKind::Caption)
        || (["Figure ", "Fig. ", "Fig "].iter().any(|pfx| text.starts_with(pfx))
            && text.chars().nth(if text.starts_with("Figure ") { 7 } else { 4 }).is_some_and(|c| c.is_ascii_digit())
            && !had_images);
    if is_caption && !text.starts_with("Table") {
        // Attach to the latest image without a caption, else keep for later.
        if let Some(slot) = st.images.iter_mut().rev().find(|(_, c)| c.is_none()) {
            slot.1 = Some(text);
        } else {
            st.orphan_captions.push(text);
        }
        return;
    }
    match kind {
        ParaKind::Title if st.title.is_none() => st.title = Some(text),
        ParaKind::Title => st.blocks.push(Block::Para(text)),
        ParaKind::Heading(l) => st.blocks.push(Block::Heading { text, level: l, markdown: true }),
        _ => {
            // Unstyled "Abstract", "Methods"… set as a short line of their own.
            if text.chars().count() <= 40 && is_section_word(&text) {
                st.blocks.push(Block::Heading {
                    text: text.trim_end_matches(':').to_string(),
                    level: 1,
                    markdown: false,
                });
            } else {
                st.blocks.push(Block::Para(text));
            }
        }
    }
}

#[derive(Default)]
struct FieldState {
    /// One entry per open complex field: true while in its instruction part (before `separate`).
    stack: Vec<bool>,
}

impl FieldState {
    fn hidden(&self) -> bool {
        self.stack.iter().any(|in_instr| *in_instr)
    }
}

/// Collects the displayed text of runs: field instructions (`w:instrText`, the part of a complex
/// field before `separate`) are dropped, field results kept; deleted text dropped.
fn runs(n: Node, out: &mut String, images: &mut Vec<String>, f: &mut FieldState) {
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        let ns = c.tag_name().namespace();
        if ns == Some(W) {
            match name {
                "pPr" | "rPr" | "del" | "delText" | "instrText" | "footnoteReference" | "endnoteReference"
                | "commentReference" => {}
                "fldChar" => match c.attribute((W, "fldCharType")) {
                    Some("begin") => f.stack.push(true),
                    Some("separate") => {
                        if let Some(top) = f.stack.last_mut() {
                            *top = false;
                        }
                    }
                    Some("end") => {
                        f.stack.pop();
                    }
                    _ => {}
                },
                "t" => {
                    if !f.hidden() {
                        out.push_str(c.text().unwrap_or(""));
                    }
                }
                "tab" | "br" | "cr" => {
                    if !f.hidden() {
                        out.push(' ');
                    }
                }
                "noBreakHyphen" => {
                    if !f.hidden() {
                        out.push('-');
                    }
                }
                "sym" => {}
                // fldSimple: the instruction is an attribute; its children are the result.
                _ => runs(c, out, images, f),
            }
        } else {
            // Drawings (a:blip r:embed) and VML images (v:imagedata r:id).
            if name == "blip" {
                if let Some(id) = c.attribute((R, "embed")) {
                    if !f.hidden() {
                        images.push(id.to_string());
                    }
                }
            } else if name == "imagedata" {
                if let Some(id) = c.attribute((R, "id")) {
                    images.push(id.to_string());
                }
            } else if name == "Fallback" {
                continue; // mc:AlternateContent fallback duplicates the choice
            }
            runs(c, out, images, f);
        }
    }
}

fn split_label(c: &str) -> (Option<String>, String) {
    for pfx in ["Figure", "Fig.", "Fig"] {
        if let Some(rest) = c.strip_prefix(pfx) {
            let rest = rest.trim_start();
            let num: String = rest.chars().take_while(|ch| ch.is_ascii_digit()).collect();
            if !num.is_empty() {
                let after = rest[num.len()..].trim_start_matches(['.', ':', ' ', '—', '-', '–']).trim();
                return (Some(format!("Figure {num}")), after.to_string());
            }
        }
    }
    (None, c.to_string())
}
