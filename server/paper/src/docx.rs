//! Word documents (DOCX), transitional and Strict OOXML: the main part found through the package
//! relationships, styles-based headings, paragraphs and text boxes, tracked changes as accepted
//! (insertions kept, deletions dropped), tables as a note, images through the document's
//! relationships, OMML equations spoken, and fields (Zotero/Mendeley citations,
//! cross-references) reduced to the text they display. Footnotes, endnotes and comments are not
//! narrated. Legacy `.doc` files and encrypted documents (OLE2 compound files) are refused with a
//! message saying what to upload instead ([`refuse_ole2`]).

use std::collections::HashMap;
use std::io::{Cursor, Read, Seek};

use roxmltree::{Document, Node, ParsingOptions};

use crate::limits::{self, MAX_IMAGES_BYTES, MAX_IMAGE_BYTES, MAX_XML_PART_BYTES, MAX_ZIP_ENTRIES};
use crate::model::{Extracted, Figure, FigureFile};
use crate::text::{parse_blocks, Block};
use crate::util::{collapse_ws, is_section_word};
use crate::{ReadError, ReadErrorKind};

/// WordprocessingML, transitional and Strict.
const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_STRICT: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
/// Relationship attributes (`r:embed`, `r:id`), transitional and Strict.
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const R_STRICT: &str = "http://purl.oclc.org/ooxml/officeDocument/relationships";
/// Office Math (OMML), transitional and Strict.
const M: &str = "http://schemas.openxmlformats.org/officeDocument/2006/math";
const M_STRICT: &str = "http://purl.oclc.org/ooxml/officeDocument/math";
/// The most images extracted (the video shows a few figures, never dozens).
const MAX_IMAGES: usize = 8;
/// Deepest element nesting followed (sdt in sdt, text box in text box, nested math), so that a
/// hostile document cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

fn not_word(message: &str) -> ReadError {
    ReadError::new(ReadErrorKind::NotAWordDocument, message)
}

/// Reads a DOCX (a ZIP package). What is inflated is bounded ([`crate::limits`]): an XML part
/// over [`MAX_XML_PART_BYTES`] or an archive of more than [`MAX_ZIP_ENTRIES`] entries refuses the
/// file; an image over [`MAX_IMAGE_BYTES`], past the [`MAX_IMAGES_BYTES`] all images share, or
/// over the figure pixel limits is skipped with a note. Sizes are checked as the archive
/// declares them and again as the bytes arrive, so a header that understates them gains nothing.
///
/// Errors: `corrupt-file` (damaged archive or XML, or parts too large for a paper),
/// `not-a-word-document` (a ZIP without a Word main part, or an Excel/PowerPoint package),
/// `no-text` (no readable paragraphs).
pub fn read_docx(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let mut pkg = Package::open(bytes)?;
    let Some(main) = main_part(&mut pkg)? else {
        return Err(not_word(
            "This ZIP file is not a Word document (.docx). Upload the paper as DOCX, PDF, JATS XML or plain text.",
        ));
    };
    let doc_xml = pkg.xml(&main)?.ok_or_else(|| {
        ReadError::new(
            ReadErrorKind::CorruptFile,
            "The Word document's text could not be unpacked. Save it again from Word and re-upload it.",
        )
    })?;
    let rels = pkg.xml(&rels_path(&main))?.map(|s| parse_rels(&s)).unwrap_or_default();
    let styles_path = rels
        .iter()
        .find(|r| r.kind.ends_with("/styles"))
        .map(|r| resolve(&main, &r.target))
        .unwrap_or_else(|| resolve(&main, "styles.xml"));
    let styles = pkg.xml(&styles_path)?.map(|s| parse_styles(&s)).unwrap_or_default();
    let package_rels = pkg.xml("_rels/.rels")?.map(|s| parse_rels(&s)).unwrap_or_default();
    let core_path = package_rels
        .iter()
        .find(|r| r.kind.ends_with("/metadata/core-properties"))
        .map(|r| resolve("", &r.target))
        .unwrap_or_else(|| "docProps/core.xml".to_string());
    let core = pkg.xml(&core_path)?.map(|s| core_properties(&s)).unwrap_or_default();
    let opts = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(&doc_xml, opts).map_err(|e| {
        ReadError::new(
            ReadErrorKind::CorruptFile,
            format!("The Word document's text could not be read ({e}). Save it again from Word and re-upload it."),
        )
    })?;
    let root = doc.root_element();
    if !(is_w(root) && root.tag_name().name() == "document") {
        return Err(not_word(match root.tag_name().name() {
            "workbook" => "This is an Excel workbook, not a Word document. Upload the paper as DOCX, PDF, JATS XML or plain text.",
            "presentation" => "This is a PowerPoint presentation, not a Word document. Upload the paper as DOCX, PDF, JATS XML or plain text.",
            _ => "This ZIP file is not a Word document (.docx). Upload the paper as DOCX, PDF, JATS XML or plain text.",
        }));
    }
    let body = root.children().find(|n| is_w_named(*n, "body")).ok_or_else(|| {
        ReadError::new(
            ReadErrorKind::CorruptFile,
            "The Word document has no body. Save it again from Word and re-upload it.",
        )
    })?;

    let mut st = State::default();
    walk(body, &styles, &mut st, 0);

    // Images through the relationships, in document order.
    let targets: HashMap<&str, String> = rels.iter().map(|r| (r.id.as_str(), resolve(&main, &r.target))).collect();
    let mut figure_files = Vec::new();
    let mut figures: Vec<Figure> = Vec::new();
    let mut skipped_images = 0;
    let mut too_large = 0;
    // What inflating images may still cost, kept or skipped (one image may be referenced often).
    let mut image_budget = MAX_IMAGES_BYTES;
    for (rid, caption) in &st.images {
        if figure_files.len() >= MAX_IMAGES {
            skipped_images += 1;
            continue;
        }
        let Some(target) = targets.get(rid.as_str()) else { continue };
        let bytes = match pkg.entry(target, MAX_IMAGE_BYTES.min(image_budget)) {
            Entry::Bytes(bytes) => {
                image_budget = image_budget.saturating_sub(bytes.len() as u64);
                bytes
            }
            Entry::Missing => continue,
            Entry::TooLarge { inflated } => {
                image_budget = image_budget.saturating_sub(inflated);
                too_large += 1;
                continue;
            }
        };
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
        if limits::oversized_figure(&bytes) {
            too_large += 1;
            continue;
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
    let title = st.title.or(core.title);
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
    if too_large > 0 {
        paper.notes.push(limits::skipped_note(too_large));
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

/// The refusal for an OLE2 compound file (magic `D0 CF 11 E0 A1 B1 1A E1`), told apart by the
/// streams its directory names: `EncryptedPackage` → `password-protected` (an encrypted
/// DOCX/XLSX/PPTX); `Workbook`/`PowerPoint Document` → `unsupported-format`; anything else
/// (`WordDocument`, or a directory that cannot be found) → `legacy-word-document`.
pub fn refuse_ole2(bytes: &[u8]) -> ReadError {
    if ole2_has_stream(bytes, "EncryptedPackage") {
        return ReadError::new(
            ReadErrorKind::PasswordProtected,
            "This Office document is password protected (encrypted), so it cannot be read. Open it, remove the password (File > Info > Protect Document > Encrypt with Password, then clear it), save it as .docx or PDF, and upload that.",
        );
    }
    if !ole2_has_stream(bytes, "WordDocument") {
        if ole2_has_stream(bytes, "Workbook") || ole2_has_stream(bytes, "Book") {
            return ReadError::new(
                ReadErrorKind::UnsupportedFormat,
                "This is an old Excel spreadsheet (.xls), not a paper. Upload the paper as DOCX, PDF, JATS XML or plain text.",
            );
        }
        if ole2_has_stream(bytes, "PowerPoint Document") {
            return ReadError::new(
                ReadErrorKind::UnsupportedFormat,
                "This is an old PowerPoint presentation (.ppt), not a paper. Upload the paper as DOCX, PDF, JATS XML or plain text.",
            );
        }
    }
    ReadError::new(
        ReadErrorKind::LegacyWordDocument,
        "This is an old Word .doc file, which cannot be read directly; open it in Word or LibreOffice and save it as .docx or PDF, then upload that.",
    )
}

/// Whether an OLE2 directory entry names `stream`: directory entries are 128 bytes, aligned on
/// 128 bytes after the 512-byte header, with the UTF-16LE name first and its byte length
/// (terminator included) at offset 64.
fn ole2_has_stream(bytes: &[u8], stream: &str) -> bool {
    let name: Vec<u8> = stream.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
    let Ok(len) = u16::try_from(name.len()) else { return false };
    bytes
        .chunks_exact(128)
        .skip(4)
        .any(|entry| entry.starts_with(&name) && entry.get(64..66).is_some_and(|l| l == len.to_le_bytes()))
}

// ---- the package: parts, relationships, encodings ----

/// A ZIP package whose parts are looked up as OPC says: case-insensitively, with or without a
/// leading `/`, percent-escapes decoded.
struct Package<Rd: Read + Seek> {
    zip: zip::ZipArchive<Rd>,
    /// Normalised part name → the archive's entry name.
    names: HashMap<String, String>,
}

impl<'b> Package<Cursor<&'b [u8]>> {
    fn open(bytes: &'b [u8]) -> Result<Self, ReadError> {
        let zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
            ReadError::new(ReadErrorKind::CorruptFile, "This file looks like a ZIP/DOCX archive but is damaged or incomplete. Save the document again from Word and re-upload it.")
        })?;
        if zip.len() > MAX_ZIP_ENTRIES {
            return Err(ReadError::new(
                ReadErrorKind::CorruptFile,
                format!("This DOCX holds {} files; a Word document holds a few dozen, so it is not a normal paper. Save it again from Word, or upload a PDF.", zip.len()),
            ));
        }
        let names = zip.file_names().map(|n| (normalise_part(n), n.to_string())).collect();
        Ok(Package { zip, names })
    }
}

/// What reading one entry of the package gave.
enum Entry {
    Bytes(Vec<u8>),
    /// Not in the archive, or not readable (an unknown compression, encryption, damage).
    Missing,
    /// More than the limit: as declared (nothing inflated), or as it arrived (`limit + 1`
    /// bytes inflated, then stopped).
    TooLarge {
        inflated: u64,
    },
}

impl<Rd: Read + Seek> Package<Rd> {
    fn has(&self, name: &str) -> bool {
        self.names.contains_key(&normalise_part(name))
    }

    /// The entry's bytes when it inflates to at most `limit`, checked against the size the
    /// archive declares and then against the bytes as they arrive.
    fn entry(&mut self, name: &str, limit: u64) -> Entry {
        let Some(entry) = self.names.get(&normalise_part(name)) else { return Entry::Missing };
        let Ok(f) = self.zip.by_name(entry) else { return Entry::Missing };
        let declared = f.size();
        if declared > limit {
            return Entry::TooLarge { inflated: 0 };
        }
        match limits::read_at_most(f, limit, declared) {
            Ok(Some(bytes)) => Entry::Bytes(bytes),
            Ok(None) => Entry::TooLarge { inflated: limit.saturating_add(1) },
            Err(_) => Entry::Missing,
        }
    }

    /// An XML part as text, whatever its encoding (see [`decode_xml`]); `Ok(None)` when it is
    /// missing. A part that inflates past [`MAX_XML_PART_BYTES`] refuses the file.
    fn xml(&mut self, name: &str) -> Result<Option<String>, ReadError> {
        match self.entry(name, MAX_XML_PART_BYTES) {
            Entry::Bytes(b) => Ok(Some(decode_xml(&b))),
            Entry::Missing => Ok(None),
            Entry::TooLarge { .. } => Err(ReadError::new(
                ReadErrorKind::CorruptFile,
                format!(
                    "This DOCX's text part inflates to more than {} MB; it is not a normal paper. Save it again from Word, or upload a PDF.",
                    MAX_XML_PART_BYTES / (1024 * 1024)
                ),
            )),
        }
    }
}

/// `/word/Document%202.xml` → `word/document 2.xml`.
fn normalise_part(name: &str) -> String {
    let name = name.replace('\\', "/");
    let name = name.trim_start_matches('/');
    let mut out = Vec::with_capacity(name.len());
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| b.get(k).and_then(|c| (*c as char).to_digit(16));
        match (b.get(i), hex(i + 1), hex(i + 2)) {
            (Some(b'%'), Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (Some(c), _, _) => {
                out.push(*c);
                i += 1;
            }
            (None, _, _) => break,
        }
    }
    String::from_utf8_lossy(&out).to_lowercase()
}

/// XML bytes as text: a UTF-8 BOM dropped, UTF-16 (LE or BE, with a BOM or recognised by the
/// `<` of its first character) decoded; invalid sequences become U+FFFD.
fn decode_xml(b: &[u8]) -> String {
    let text = if let Some(rest) = b.strip_prefix(b"\xEF\xBB\xBF") {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(rest) = b.strip_prefix(b"\xFF\xFE") {
        utf16(rest, u16::from_le_bytes)
    } else if let Some(rest) = b.strip_prefix(b"\xFE\xFF") {
        utf16(rest, u16::from_be_bytes)
    } else if b.starts_with(b"<\0") {
        utf16(b, u16::from_le_bytes)
    } else if b.starts_with(b"\0<") {
        utf16(b, u16::from_be_bytes)
    } else {
        String::from_utf8_lossy(b).into_owned()
    };
    match text.strip_prefix('\u{FEFF}') {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

fn utf16(b: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = b.chunks_exact(2).map(|c| unit([c.first().copied().unwrap_or(0), c.get(1).copied().unwrap_or(0)]));
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// One relationship of a `.rels` part (external targets are left out).
struct Rel {
    id: String,
    /// The relationship type URI (`…/officeDocument`, `…/styles`, `…/image`).
    kind: String,
    target: String,
}

fn parse_rels(xml: &str) -> Vec<Rel> {
    let Ok(d) = Document::parse(xml) else { return Vec::new() };
    d.descendants()
        .filter(|n| n.tag_name().name() == "Relationship")
        .filter(|n| !n.attribute("TargetMode").is_some_and(|m| m.eq_ignore_ascii_case("External")))
        .filter_map(|n| {
            Some(Rel {
                id: n.attribute("Id")?.to_string(),
                kind: n.attribute("Type").unwrap_or("").trim().to_string(),
                target: n.attribute("Target")?.to_string(),
            })
        })
        .collect()
}

/// The relationships part of `part`: `word/document2.xml` → `word/_rels/document2.xml.rels`.
fn rels_path(part: &str) -> String {
    match part.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/_rels/{name}.rels"),
        None => format!("_rels/{part}.rels"),
    }
}

/// A relationship target, relative to the directory of its source part (`""` for the package
/// itself) unless it starts with `/` → the part name.
fn resolve(source: &str, target: &str) -> String {
    let target = target.split('#').next().unwrap_or("");
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => source.rsplit_once('/').map(|(dir, _)| dir.split('/').collect()).unwrap_or_default(),
    };
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

/// The main document part: the package relationship whose type ends in `/officeDocument`, else
/// the part `[Content_Types].xml` gives a WordprocessingML main content type, else
/// `word/document.xml`. None when no candidate is in the archive; Err when a part read on the
/// way is too large.
fn main_part<Rd: Read + Seek>(pkg: &mut Package<Rd>) -> Result<Option<String>, ReadError> {
    let from_rels = pkg.xml("_rels/.rels")?.and_then(|s| {
        parse_rels(&s).into_iter().find(|r| r.kind.ends_with("/officeDocument")).map(|r| resolve("", &r.target))
    });
    let from_types = pkg.xml("[Content_Types].xml")?.and_then(|s| {
        let d = Document::parse(&s).ok()?;
        d.descendants()
            .filter(|n| n.tag_name().name() == "Override")
            .find(|n| {
                n.attribute("ContentType").is_some_and(|t| {
                    let t = t.to_ascii_lowercase();
                    t.ends_with(".main+xml") && (t.contains("wordprocessingml") || t.contains("ms-word"))
                })
            })
            .and_then(|n| n.attribute("PartName"))
            .map(|p| resolve("", p))
    });
    Ok([from_rels, from_types, Some("word/document.xml".to_string())].into_iter().flatten().find(|p| pkg.has(p)))
}

// ---- namespaces: transitional and Strict read alike ----

fn is_w(n: Node) -> bool {
    matches!(n.tag_name().namespace(), Some(W | W_STRICT))
}

fn is_w_named(n: Node, name: &str) -> bool {
    is_w(n) && n.tag_name().name() == name
}

fn is_m(n: Node) -> bool {
    matches!(n.tag_name().namespace(), Some(M | M_STRICT))
}

/// A `w:` attribute, in either namespace.
fn w_attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute((W, name)).or_else(|| n.attribute((W_STRICT, name)))
}

/// An `r:` attribute, in either namespace.
fn r_attr<'a>(n: Node<'a, '_>, name: &str) -> Option<&'a str> {
    n.attribute((R, name)).or_else(|| n.attribute((R_STRICT, name)))
}

/// A content control still showing its placeholder ("Click or tap here to enter text."):
/// template prompts, not the paper.
fn showing_placeholder(sdt: Node) -> bool {
    sdt.children()
        .find(|c| is_w_named(*c, "sdtPr"))
        .and_then(|pr| pr.children().find(|c| is_w_named(*c, "showingPlcHdr")))
        .is_some_and(|flag| w_attr(flag, "val").is_none_or(is_on))
}

/// A run formatted as hidden text (`w:rPr/w:vanish`, on unless its value says off).
fn hidden_run(r: Node) -> bool {
    r.children()
        .find(|c| is_w_named(*c, "rPr"))
        .and_then(|pr| pr.children().find(|c| is_w_named(*c, "vanish")))
        .is_some_and(|flag| w_attr(flag, "val").is_none_or(is_on))
}

/// An OOXML boolean attribute value ("1", "true", "on"; Strict writes "true").
fn is_on(v: &str) -> bool {
    matches!(v.trim(), "1" | "true" | "on")
}

/// The branch of an `mc:AlternateContent` to read: its first `mc:Choice`, else its
/// `mc:Fallback` (the fallback repeats the choice's content for older readers).
fn alternate_branch<'a, 'i>(n: Node<'a, 'i>) -> Option<Node<'a, 'i>> {
    let kids = || n.children().filter(|c| c.is_element());
    kids().find(|c| c.tag_name().name() == "Choice").or_else(|| kids().find(|c| c.tag_name().name() == "Fallback"))
}

// ---- document properties ----

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
    CoreProperties { title: field("title").filter(|t| !is_placeholder_title(t)), authors, keywords }
}

/// Titles that Word, converters and templates put in the properties when nobody wrote one:
/// "Microsoft Word - paper.docx", "Document1", "Untitled", a file name, "Title".
fn is_placeholder_title(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    let t = t.trim_matches(|c: char| !c.is_alphanumeric() && c != '.');
    let bare = t.trim_end_matches(|c: char| c.is_ascii_digit() || c == ' ' || c == '-' || c == '_');
    t.is_empty()
        || t.starts_with("microsoft word -")
        || t.starts_with("microsoft word-")
        || [".docx", ".doc", ".docm", ".dotx", ".dot", ".rtf", ".odt", ".pdf", ".tex", ".txt"]
            .iter()
            .any(|ext| t.ends_with(ext))
        || bare.starts_with("untitled")
        || [
            "document",
            "new document",
            "new microsoft word document",
            "word document",
            "title",
            "document title",
            "paper title",
            "manuscript title",
            "title of the paper",
            "insert title here",
            "template",
        ]
        .contains(&bare)
}

// ---- styles ----

#[derive(Default, Clone)]
struct Style {
    name: String,
    outline: Option<u8>,
    based_on: Option<String>,
}

fn parse_styles(xml: &str) -> HashMap<String, Style> {
    let mut out = HashMap::new();
    let Ok(d) = Document::parse(xml) else { return out };
    for s in d.descendants().filter(|n| is_w_named(*n, "style")) {
        let Some(id) = w_attr(s, "styleId") else { continue };
        let child_val =
            |name: &str| s.children().find(|c| is_w_named(*c, name)).and_then(|c| w_attr(c, "val")).map(str::to_string);
        let outline = s
            .descendants()
            .find(|c| is_w_named(*c, "outlineLvl"))
            .and_then(|c| w_attr(c, "val"))
            .and_then(|v| v.parse::<u8>().ok());
        out.insert(
            id.to_string(),
            Style { name: child_val("name").unwrap_or_default(), outline, based_on: child_val("basedOn") },
        );
    }
    out
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

/// Block-level content: paragraphs, tables (counted), content controls and tracked changes
/// (insertions and moved-to text kept; deletions and moved-from text dropped).
fn walk(n: Node, styles: &HashMap<String, Style>, st: &mut State, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for c in n.children().filter(|c| c.is_element()) {
        if is_w(c) {
            match c.tag_name().name() {
                "p" => paragraph(c, styles, st, depth),
                "tbl" => st.tables += 1,
                "sdt" if showing_placeholder(c) => {}
                "sdt" | "sdtContent" | "customXml" | "ins" | "moveTo" | "smartTag" => walk(c, styles, st, depth + 1),
                _ => {}
            }
        } else if c.tag_name().name() == "AlternateContent" {
            if let Some(branch) = alternate_branch(c) {
                walk(branch, styles, st, depth + 1);
            }
        } else if is_m(c) && matches!(c.tag_name().name(), "oMath" | "oMathPara") {
            let spoken = speak_omml(c);
            if !spoken.is_empty() {
                st.blocks.push(Block::Para(spoken));
            }
        }
    }
}

fn paragraph(p: Node, styles: &HashMap<String, Style>, st: &mut State, depth: usize) {
    let mut rs = Runs::default();
    runs(p, &mut rs, depth + 1);
    paragraph_text(p, styles, st, rs.text, rs.images);
    // Text boxes anchored in the paragraph: their own paragraphs, after it.
    for (text_box, found_at) in rs.text_boxes {
        walk(text_box, styles, st, found_at + 1);
    }
}

fn paragraph_text(p: Node, styles: &HashMap<String, Style>, st: &mut State, text: String, images: Vec<String>) {
    let ppr = p.children().find(|c| is_w_named(*c, "pPr"));
    let style = ppr.and_then(|x| x.children().find(|c| is_w_named(*c, "pStyle"))).and_then(|s| w_attr(s, "val"));
    let outline = ppr
        .and_then(|x| x.children().find(|c| is_w_named(*c, "outlineLvl")))
        .and_then(|s| w_attr(s, "val"))
        .and_then(|v| v.parse::<u8>().ok());
    let mut kind = style.map(|s| style_kind(s, styles)).unwrap_or(ParaKind::Normal);
    if let (ParaKind::Normal, Some(o)) = (&kind, outline) {
        if o < 9 {
            kind = ParaKind::Heading(o + 1);
        }
    }
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

/// What the runs of one paragraph give.
#[derive(Default)]
struct Runs<'a, 'i> {
    text: String,
    /// Relationship ids of the images, in order.
    images: Vec<String>,
    /// `w:txbxContent` elements met, with their nesting depth, read as paragraphs of their own
    /// after this one.
    text_boxes: Vec<(Node<'a, 'i>, usize)>,
    /// One entry per open complex field: true while in its instruction part (before `separate`).
    fields: Vec<bool>,
    /// A footnote reference with `customMarkFollows`: the next `w:t` of the run is its mark.
    skip_mark: bool,
    /// The text ends with a spoken equation: a space before the next word, none before
    /// punctuation.
    after_math: bool,
}

impl Runs<'_, '_> {
    fn hidden(&self) -> bool {
        self.fields.iter().any(|in_instr| *in_instr)
    }

    fn push(&mut self, s: &str) {
        if self.hidden() || s.is_empty() {
            return;
        }
        if std::mem::take(&mut self.after_math)
            && !s.starts_with(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | ')'))
        {
            self.text.push(' ');
        }
        self.text.push_str(s);
    }

    fn push_math(&mut self, spoken: &str) {
        if self.hidden() || spoken.is_empty() {
            return;
        }
        self.push(" ");
        self.text.push_str(spoken);
        self.after_math = true;
    }
}

/// Collects the displayed text of runs: field instructions (`w:instrText`, the part of a complex
/// field before `separate`) dropped, field results kept; deleted and moved-from text dropped;
/// hidden text and footnote, endnote and comment marks dropped; equations spoken; the
/// `mc:Choice` of alternate content read and its `mc:Fallback` (a VML copy of the same text box
/// or picture) skipped.
fn runs<'a, 'i>(n: Node<'a, 'i>, rs: &mut Runs<'a, 'i>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    for c in n.children().filter(|c| c.is_element()) {
        let name = c.tag_name().name();
        if is_w(c) {
            match name {
                "pPr"
                | "rPr"
                | "del"
                | "delText"
                | "delInstrText"
                | "moveFrom"
                | "instrText"
                | "commentReference"
                | "annotationRef"
                | "footnoteRef"
                | "endnoteRef"
                | "separator"
                | "continuationSeparator"
                | "sym"
                | "softHyphen" => {}
                "footnoteReference" | "endnoteReference" => {
                    rs.skip_mark = w_attr(c, "customMarkFollows").is_some_and(is_on);
                }
                "fldChar" => match w_attr(c, "fldCharType") {
                    Some("begin") => rs.fields.push(true),
                    Some("separate") => {
                        if let Some(top) = rs.fields.last_mut() {
                            *top = false;
                        }
                    }
                    Some("end") => {
                        rs.fields.pop();
                    }
                    _ => {}
                },
                "t" => {
                    if std::mem::take(&mut rs.skip_mark) {
                        continue;
                    }
                    rs.push(c.text().unwrap_or(""));
                }
                "tab" | "br" | "cr" => rs.push(" "),
                "noBreakHyphen" => rs.push("-"),
                "txbxContent" => rs.text_boxes.push((c, depth)),
                "sdt" if showing_placeholder(c) => {}
                // Hidden text (w:vanish) is not printed: template instructions, notes to self.
                "r" if hidden_run(c) => {}
                "r" => {
                    runs(c, rs, depth + 1);
                    rs.skip_mark = false;
                }
                // fldSimple: the instruction is an attribute; its children are the result.
                _ => runs(c, rs, depth + 1),
            }
        } else if is_m(c) && matches!(name, "oMath" | "oMathPara") {
            rs.push_math(&speak_omml(c));
        } else {
            match name {
                // Drawings (a:blip r:embed) and VML images (v:imagedata r:id).
                "blip" => {
                    if let Some(id) = r_attr(c, "embed") {
                        if !rs.hidden() {
                            rs.images.push(id.to_string());
                        }
                    }
                }
                "imagedata" => {
                    if let Some(id) = r_attr(c, "id") {
                        rs.images.push(id.to_string());
                    }
                }
                "AlternateContent" => {
                    if let Some(branch) = alternate_branch(c) {
                        runs(branch, rs, depth + 1);
                    }
                }
                "Fallback" => {}
                _ => runs(c, rs, depth + 1),
            }
        }
    }
}

// ---- equations (OMML) ----

/// Speaks an OMML equation (`m:oMath`, `m:oMathPara`) the way MathML is spoken: the equation is
/// rewritten as presentation MathML and read by [`crate::math::speak_mathml`] ("a over b",
/// "x squared", "the sum from i equals 1 to n of x sub i").
fn speak_omml(n: Node) -> String {
    let mut mathml = String::from("<math>");
    omml(n, &mut mathml, 0);
    mathml.push_str("</math>");
    match Document::parse(&mathml) {
        Ok(d) => crate::math::speak_mathml(d.root_element()),
        Err(_) => String::new(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The first child of `n` named `name` in the math namespace.
fn m_child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| is_m(*c) && c.tag_name().name() == name)
}

/// The `m:val` of a property (`m:chr`, `m:begChr`, `m:pos`) under `n`'s `…Pr` child.
fn m_prop<'a>(n: Node<'a, '_>, pr: &str, prop: &str) -> Option<&'a str> {
    let p = m_child(m_child(n, pr)?, prop)?;
    Some(p.attribute((M, "val")).or_else(|| p.attribute((M_STRICT, "val"))).unwrap_or(""))
}

/// An on/off property (`m:degHide`, `m:subHide`): on when present without a value.
fn m_flag(n: Node, pr: &str, prop: &str) -> bool {
    m_prop(n, pr, prop).is_some_and(|v| v.is_empty() || is_on(v))
}

/// An argument (`m:e`, `m:num`, `m:sub`…) as one `<mrow>`.
fn m_arg(n: Node, name: &str, out: &mut String, depth: usize) {
    out.push_str("<mrow>");
    if let Some(a) = m_child(n, name) {
        omml(a, out, depth + 1);
    }
    out.push_str("</mrow>");
}

/// Whether an argument is missing or has no text (an empty limit or degree).
fn m_empty(n: Node, name: &str) -> bool {
    m_child(n, name)
        .is_none_or(|a| a.descendants().filter(|d| d.is_text()).all(|t| t.text().unwrap_or("").trim().is_empty()))
}

/// The children of an OMML element, as MathML.
fn omml(n: Node, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let kids: Vec<Node> = n.children().filter(|c| c.is_element()).collect();
    let mut first = true;
    for c in kids {
        // The equations of an m:oMathPara are read as a list.
        if n.tag_name().name() == "oMathPara" && c.tag_name().name() == "oMath" {
            if !first {
                out.push_str("<mtext>,</mtext>");
            }
            first = false;
        }
        omml_element(c, out, depth + 1);
    }
}

fn omml_element(c: Node, out: &mut String, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let name = c.tag_name().name();
    if is_w(c) {
        // Word runs inside an equation (rare): text only, tracked deletions dropped.
        match name {
            "t" => out.push_str(&format!("<mtext>{}</mtext>", esc(c.text().unwrap_or("")))),
            "r" | "ins" | "moveTo" | "sdt" | "sdtContent" | "customXml" | "smartTag" | "hyperlink" => {
                omml(c, out, depth)
            }
            _ => {}
        }
        return;
    }
    if !is_m(c) {
        if name == "AlternateContent" {
            if let Some(branch) = alternate_branch(c) {
                omml(branch, out, depth);
            }
        }
        return;
    }
    match name {
        "r" => {
            let text: String = c
                .children()
                .filter(|t| t.tag_name().name() == "t" && (is_m(*t) || is_w(*t)))
                .map(|t| t.text().unwrap_or(""))
                .collect();
            // Normal text (m:nor) and upright style (m:sty p) are words, not variables.
            let plain = m_child(c, "rPr")
                .is_some_and(|pr| m_child(pr, "nor").is_some() || m_prop(c, "rPr", "sty").is_some_and(|v| v == "p"));
            math_tokens(&text, plain, out);
        }
        "oMath" | "e" | "num" | "den" | "sub" | "sup" | "deg" | "lim" | "fName" => {
            out.push_str("<mrow>");
            omml(c, out, depth);
            out.push_str("</mrow>");
        }
        "oMathPara" => omml(c, out, depth),
        "f" => {
            out.push_str("<mfrac>");
            m_arg(c, "num", out, depth);
            m_arg(c, "den", out, depth);
            out.push_str("</mfrac>");
        }
        "sSup" => scripts(c, "msup", &["e", "sup"], out, depth),
        "sSub" => scripts(c, "msub", &["e", "sub"], out, depth),
        "sSubSup" | "sPre" => scripts(c, "msubsup", &["e", "sub", "sup"], out, depth),
        "rad" => {
            if m_flag(c, "radPr", "degHide") || m_empty(c, "deg") {
                scripts(c, "msqrt", &["e"], out, depth);
            } else {
                scripts(c, "mroot", &["e", "deg"], out, depth);
            }
        }
        "nary" => {
            let chr = m_prop(c, "naryPr", "chr").filter(|v| !v.is_empty()).unwrap_or("∫");
            let op = format!("<mo>{}</mo>", esc(chr));
            let sub = !m_flag(c, "naryPr", "subHide") && !m_empty(c, "sub");
            let sup = !m_flag(c, "naryPr", "supHide") && !m_empty(c, "sup");
            match (sub, sup) {
                (true, true) => {
                    out.push_str(&format!("<munderover>{op}"));
                    m_arg(c, "sub", out, depth);
                    m_arg(c, "sup", out, depth);
                    out.push_str("</munderover>");
                }
                (true, false) => {
                    out.push_str(&format!("<munder>{op}"));
                    m_arg(c, "sub", out, depth);
                    out.push_str("</munder>");
                }
                (false, true) => {
                    out.push_str(&format!("<mrow>{op}<mtext>to</mtext>"));
                    m_arg(c, "sup", out, depth);
                    out.push_str("</mrow>");
                }
                (false, false) => out.push_str(&op),
            }
            out.push_str("<mtext>of</mtext>");
            m_arg(c, "e", out, depth);
        }
        "d" => {
            let open = m_prop(c, "dPr", "begChr").unwrap_or("(");
            let close = m_prop(c, "dPr", "endChr").unwrap_or(")");
            out.push_str(&format!("<mfenced open=\"{}\" close=\"{}\">", esc(open), esc(close)));
            for e in c.children().filter(|e| is_m(*e) && e.tag_name().name() == "e") {
                omml_element(e, out, depth + 1);
            }
            out.push_str("</mfenced>");
        }
        "func" => scripts(c, "mrow", &["fName", "e"], out, depth),
        "limLow" => scripts(c, "munder", &["e", "lim"], out, depth),
        "limUpp" => scripts(c, "mover", &["e", "lim"], out, depth),
        "acc" => {
            let chr = m_prop(c, "accPr", "chr").filter(|v| !v.is_empty()).unwrap_or("\u{302}");
            out.push_str("<mover>");
            m_arg(c, "e", out, depth);
            out.push_str(&format!("<mo>{}</mo></mover>", esc(spacing_accent(chr))));
        }
        "bar" => {
            // m:pos defaults to bottom: an underbar.
            if m_prop(c, "barPr", "pos") == Some("top") {
                out.push_str("<mover>");
                m_arg(c, "e", out, depth);
                out.push_str("<mo>¯</mo></mover>");
            } else {
                out.push_str("<munder>");
                m_arg(c, "e", out, depth);
                out.push_str("<mo>_</mo></munder>");
            }
        }
        "eqArr" => {
            out.push_str("<mtable>");
            for e in c.children().filter(|e| is_m(*e) && e.tag_name().name() == "e") {
                out.push_str("<mtr><mtd>");
                omml_element(e, out, depth + 1);
                out.push_str("</mtd></mtr>");
            }
            out.push_str("</mtable>");
        }
        "m" => {
            out.push_str("<mtable>");
            for row in c.children().filter(|r| is_m(*r) && r.tag_name().name() == "mr") {
                out.push_str("<mtr>");
                for e in row.children().filter(|e| is_m(*e) && e.tag_name().name() == "e") {
                    out.push_str("<mtd>");
                    omml_element(e, out, depth + 1);
                    out.push_str("</mtd>");
                }
                out.push_str("</mtr>");
            }
            out.push_str("</mtable>");
        }
        "groupChr" | "box" | "borderBox" | "phant" => m_arg(c, "e", out, depth),
        // Properties (m:fPr, m:ctrlPr…) carry no text.
        n if n.ends_with("Pr") => {}
        _ => omml(c, out, depth),
    }
}

/// `<tag>` with the named arguments of `c`, each an `<mrow>`.
fn scripts(c: Node, tag: &str, args: &[&str], out: &mut String, depth: usize) {
    out.push_str(&format!("<{tag}>"));
    for a in args {
        m_arg(c, a, out, depth);
    }
    out.push_str(&format!("</{tag}>"));
}

/// OMML writes accents as combining characters; the MathML reader knows the spacing ones.
fn spacing_accent(chr: &str) -> &str {
    match chr {
        "\u{302}" => "^",
        "\u{303}" => "~",
        "\u{304}" | "\u{305}" | "\u{33F}" => "¯",
        "\u{307}" => "˙",
        "\u{308}" => "¨",
        "\u{20D7}" | "\u{20D1}" => "→",
        other => other,
    }
}

/// Function names kept whole in an equation's italic runs.
const MATH_WORDS: &[&str] = &[
    "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "log", "ln", "lg",
    "exp", "lim", "max", "min", "sup", "inf", "det", "dim", "deg", "arg", "gcd", "mod", "var", "cov", "Var", "Cov",
];

/// A math run's text as MathML tokens: numbers (`mn`), operators (`mo`) and variables (`mi`,
/// one per letter, since "xy" is x times y), except function names, words of four letters or
/// more, and plain-text runs, which stay whole.
fn math_tokens(text: &str, plain: bool, out: &mut String) {
    if plain && text.chars().any(char::is_alphabetic) {
        out.push_str(&format!("<mtext>{}</mtext>", esc(text.trim())));
        return;
    }
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while let Some(&ch) = chars.get(i) {
        if ch.is_ascii_digit() {
            let mut j = i;
            while chars.get(j).is_some_and(|c| {
                c.is_ascii_digit() || (matches!(c, '.' | ',') && chars.get(j + 1).is_some_and(char::is_ascii_digit))
            }) {
                j += 1;
            }
            let num: String = chars.get(i..j).unwrap_or_default().iter().collect();
            out.push_str(&format!("<mn>{}</mn>", esc(&num)));
            i = j.max(i + 1);
        } else if ch.is_alphabetic() {
            let mut j = i;
            while chars.get(j).is_some_and(|c| c.is_alphabetic()) {
                j += 1;
            }
            let word: String = chars.get(i..j).unwrap_or_default().iter().collect();
            if MATH_WORDS.contains(&word.as_str()) || word.chars().count() >= 4 {
                out.push_str(&format!("<mi>{}</mi>", esc(&word)));
            } else {
                for l in word.chars() {
                    out.push_str(&format!("<mi>{}</mi>", esc(&l.to_string())));
                }
            }
            i = j.max(i + 1);
        } else {
            if !ch.is_whitespace() {
                out.push_str(&format!("<mo>{}</mo>", esc(&ch.to_string())));
            }
            i += 1;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Speaks `inner` as the content of an `m:oMath`.
    fn speak(inner: &str) -> String {
        let xml = format!("<m:oMath xmlns:m=\"{M}\" xmlns:w=\"{W}\">{inner}</m:oMath>");
        let d = Document::parse(&xml).unwrap();
        speak_omml(d.root_element())
    }

    fn r(t: &str) -> String {
        format!("<m:r><m:t>{t}</m:t></m:r>")
    }

    #[test]
    fn omml_structures_spoken() {
        let e = |x: &str| format!("<m:e>{x}</m:e>");
        assert_eq!(speak(&format!("<m:func><m:fName>{}</m:fName>{}</m:func>", r("sin"), e(&r("θ")))), "sin theta");
        assert_eq!(speak(&format!("<m:d>{}</m:d>", e(&r("x+1")))), "(x plus 1)");
        assert_eq!(speak(&format!("<m:acc>{}</m:acc>", e(&r("x")))), "x hat");
        assert_eq!(speak(&format!("<m:bar><m:barPr><m:pos m:val=\"top\"/></m:barPr>{}</m:bar>", e(&r("x")))), "x bar");
        assert_eq!(speak(&format!("<m:rad><m:deg>{}</m:deg>{}</m:rad>", r("3"), e(&r("y")))), "the cube root of y");
        assert_eq!(
            speak(&format!("<m:sSubSup>{}<m:sub>{}</m:sub><m:sup>{}</m:sup></m:sSubSup>", e(&r("x")), r("i"), r("2"))),
            "x sub i squared"
        );
        assert_eq!(
            speak(&format!("<m:nary><m:sub>{}</m:sub><m:sup>{}</m:sup>{}</m:nary>", r("0"), r("1"), e(&r("f")))),
            "the integral from 0 to 1 of f"
        );
        assert_eq!(
            speak(&format!(
                "<m:func><m:fName><m:limLow>{}<m:lim>{}</m:lim></m:limLow></m:fName>{}</m:func>",
                e(&r("lim")),
                r("x→0"),
                e(&r("g"))
            )),
            "lim over x tends to 0 g"
        );
        assert_eq!(
            speak(&format!(
                "<m:m><m:mr>{}{}</m:mr><m:mr>{}{}</m:mr></m:m>",
                e(&r("a")),
                e(&r("b")),
                e(&r("c")),
                e(&r("d"))
            )),
            "a, b; c, d"
        );
        // Normal text stays a word; an italic run "xy" is two variables; numbers stay whole.
        assert_eq!(
            speak(&format!("<m:r><m:rPr><m:nor/></m:rPr><m:t>rate</m:t></m:r>{}", r("=xy+3.5"))),
            "rate equals x y plus 3.5"
        );
        assert_eq!(speak(&r("α≤β")), "alpha is less than or equal to beta");
    }

    #[test]
    fn part_names_and_targets() {
        assert_eq!(resolve("word/document2.xml", "media/image1.png"), "word/media/image1.png");
        assert_eq!(resolve("word/document.xml", "../customXml/item1.xml"), "customXml/item1.xml");
        assert_eq!(resolve("", "/word/document2.xml"), "word/document2.xml");
        assert_eq!(rels_path("word/document2.xml"), "word/_rels/document2.xml.rels");
        assert_eq!(normalise_part("/Word/Media/Image%201.PNG"), "word/media/image 1.png");
        assert_eq!(decode_xml(b"\xEF\xBB\xBF<a/>"), "<a/>");
        assert_eq!(decode_xml(b"<\0a\0/\0>\0"), "<a/>");
        assert_eq!(decode_xml(b"\xFE\xFF\0<\0a\0/\0>"), "<a/>");
        assert!(is_placeholder_title("Microsoft Word - Manuscript_final.docx"));
        assert!(is_placeholder_title("Document12"));
        assert!(!is_placeholder_title("Microsoft Word use in clinical notes"));
        assert!(!is_placeholder_title("Documenting salt intake in rural clinics"));
    }
}
