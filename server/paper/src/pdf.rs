//! PDF, through poppler-utils (`pdfinfo`, `pdftotext -bbox-layout`, `pdfimages`) with this crate's
//! own layout analysis on top of the line boxes: column detection and reading order, title and
//! heading detection, running header/footer removal, de-hyphenation, captions and figures.

use std::collections::HashMap;
use std::time::Duration;

use roxmltree::{Document, ParsingOptions};

use crate::model::{Extracted, Figure, FigureFile, License, Paper, Section};
use crate::tools::{io_err, run};
use crate::util::{
    collapse_ws, is_abstract_heading, is_reference_heading, is_section_word, join_lines, looks_like_heading,
    numbering_level, split_numbering, tidy_heading,
};
use crate::{ReadError, ReadErrorKind};

/// At most this many pages are read (a paper is rarely longer; huge PDFs would be slow).
pub const MAX_PAGES: usize = 80;
/// How a figure caption or a table caption starts ("Figure 2.", "Fig. 3:", "TABLE 1").
const FIGURE_LABELS: [&str; 5] = ["Figure", "Fig.", "Fig", "FIGURE", "FIG."];
const TABLE_LABELS: [&str; 2] = ["Table", "TABLE"];

/// At most this many figure images are extracted.
pub const MAX_FIGURES: usize = 8;

/// Reads a PDF. Encrypted PDFs that open with an empty password are read. A PDF without a
/// text layer, or whose text layer fails the quality gate ([`crate::quality`]: glyph codes,
/// symbol soup, no title that reads as words), is read by OCR ([`crate::ocr`]) when tesseract
/// is installed; the paper then has `read_by_ocr` set and a note saying so.
///
/// Errors: `password-protected`, `corrupt-file`, `no-text-layer` (a scan that OCR could not
/// read), `tool-missing` (a scan on a server without tesseract), `processing-timeout`.
pub fn read_pdf(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let dir = tempfile::Builder::new().prefix("paper-pdf-").tempdir().map_err(io_err)?;
    let input = dir.path().join("input.pdf");
    std::fs::write(&input, bytes).map_err(io_err)?;

    let info = run("pdfinfo", &["input.pdf"], dir.path(), Duration::from_secs(20))?;
    if let Some(e) = password_error(&info.stderr) {
        return Err(e);
    }
    let pages: usize =
        info.stdout.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
    if !info.ok || pages == 0 {
        return Err(corrupt());
    }
    let meta_title =
        info.stdout.lines().find_map(|l| l.strip_prefix("Title:")).map(|t| t.trim().to_string()).unwrap_or_default();
    let meta_title = if junk_meta_title(&meta_title) { String::new() } else { meta_title };
    let last = pages.min(MAX_PAGES).to_string();
    let txt = run(
        "pdftotext",
        &["-bbox-layout", "-enc", "UTF-8", "-f", "1", "-l", &last, "input.pdf", "layout.html"],
        dir.path(),
        Duration::from_secs(90),
    )?;
    if let Some(e) = password_error(&txt.stderr) {
        return Err(e);
    }
    let html = std::fs::read(dir.path().join("layout.html")).unwrap_or_default();
    if !txt.ok && html.is_empty() {
        return Err(corrupt());
    }
    let mut doc_pages = parse_layout(&String::from_utf8_lossy(&html)).ok_or_else(corrupt)?;
    let page_size = doc_pages.first().map(|p| (p.width, p.height)).unwrap_or((612.0, 792.0));
    let mut notes = Vec::new();
    let (letters, cover) = skip_cover_and_count_letters(&mut doc_pages, &mut notes);
    if letters < 40 {
        return read_by_ocr(dir.path(), pages, page_size, &meta_title, None);
    }
    // Found before `analyse` drops the line boxes: vector figures have no image to extract.
    let regions = figure_regions(&doc_pages);
    let (mut paper, caption_pages) = analyse(doc_pages, &meta_title, false, &regions);
    paper.notes.splice(0..0, notes);
    // The text layer must read as words; a garbled font or a bad OCR layer is read again by OCR.
    let mut judged = paper.clone();
    crate::finish(&mut judged);
    let gate = crate::quality::check(&judged, false).err();
    if let Some(gate) = gate {
        let sparse = letters < 300 * pages.min(MAX_PAGES);
        let worth_ocr = gate.kind == ReadErrorKind::GarbledText
            || gate.kind == ReadErrorKind::NoTitle
            || (gate.kind == ReadErrorKind::NotEnoughText && sparse);
        if worth_ocr {
            return read_by_ocr(dir.path(), pages, page_size, &meta_title, Some(gate));
        }
    }
    if pages > MAX_PAGES {
        paper.notes.push(format!("Only the first {MAX_PAGES} of {pages} pages were read."));
    }
    if !txt.ok {
        paper.notes.push("The PDF is damaged; some text may be missing.".into());
    }
    let mut figure_files = render_regions(dir.path(), &regions, cover, &mut paper);
    figure_files.extend(extract_images(
        dir.path(),
        pages.min(MAX_PAGES),
        &mut paper,
        &caption_pages.iter().map(|p| p + cover).collect::<Vec<_>>(),
        figure_files.len(),
    ));
    if !paper.has_text() {
        return Err(ReadError::new(ReadErrorKind::NoTextLayer,
            "This PDF has almost no selectable text (it may be a scan); upload a PDF with selectable text or the paper's DOCX.",
        ));
    }
    Ok(Extracted { paper, figure_files })
}

/// Reads the PDF in `dir` by OCR through the same layout analysis. `gate` is the text layer's
/// refusal, if it had one: it is returned when tesseract is missing (a garbled text layer is
/// better explained by the gate than by a missing tool). Figures are not extracted from scans
/// (their only image is the page).
fn read_by_ocr(
    dir: &std::path::Path,
    pages: usize,
    page_size: (f32, f32),
    meta_title: &str,
    gate: Option<ReadError>,
) -> Result<Extracted, ReadError> {
    let result = match crate::ocr::read_pages(dir, pages, page_size) {
        Ok(r) => r,
        Err(e) if e.kind == ReadErrorKind::ToolMissing => return Err(gate.unwrap_or(e)),
        Err(e) => return Err(e),
    };
    let mut doc_pages: Vec<Page> = result
        .pages
        .into_iter()
        .enumerate()
        .map(|(i, p)| Page {
            width: p.width,
            height: p.height,
            lines: p
                .lines
                .into_iter()
                .map(|l| Line { page: i, x0: l.x0, y0: l.y0, x1: l.x1, y1: l.y1, size: l.size, text: l.text })
                .collect(),
        })
        .collect();
    for p in &mut doc_pages {
        clean_lines(&mut p.lines);
    }
    let mut notes = Vec::new();
    let (letters, _) = skip_cover_and_count_letters(&mut doc_pages, &mut notes);
    if letters < 40 {
        return Err(gate.unwrap_or_else(|| {
            ReadError::new(
                ReadErrorKind::NoTextLayer,
                "This PDF is a scan without a text layer, and text recognition (OCR) found no text in it. Upload a PDF with selectable text or the paper's DOCX.",
            )
        }));
    }
    let (mut paper, _) = analyse(doc_pages, meta_title, true, &[]);
    paper.notes.splice(0..0, notes);
    paper.notes.insert(0, OCR_NOTE.to_string());
    paper.notes.extend(result.stopped_early);
    paper.read_by_ocr = true;
    Ok(Extracted { paper, figure_files: Vec::new() })
}

/// The note a paper read by OCR carries.
pub const OCR_NOTE: &str = "This PDF was read by OCR (text recognition), so words may be misread.";

/// Drops a download or repository cover sheet (with a note) and counts the letters left: what
/// tells a page of text from a scan. Returns the letters and the pages dropped before the
/// paper's first (0 or 1): the PDF's own page numbers are the pages' indexes plus 1 plus that.
fn skip_cover_and_count_letters(pages: &mut Vec<Page>, notes: &mut Vec<String>) -> (usize, usize) {
    let dropped = usize::from(drop_cover_page(pages));
    if dropped > 0 {
        notes.push("The first page was a download or repository cover sheet and was skipped.".to_string());
    }
    let letters =
        pages.iter().flat_map(|p| &p.lines).map(|l| l.text.chars().filter(|c| c.is_alphabetic()).count()).sum();
    (letters, dropped)
}

fn password_error(stderr: &str) -> Option<ReadError> {
    stderr.contains("Incorrect password").then(|| {
        ReadError::new(ReadErrorKind::PasswordProtected,
            "This PDF is protected with a password. Remove the password (for example by printing it to a new PDF) and upload it again, or upload the paper's DOCX.",
        )
    })
}

fn corrupt() -> ReadError {
    ReadError::new(ReadErrorKind::CorruptFile,
        "This PDF is damaged or incomplete (perhaps the download was interrupted) and cannot be read. Download it again and re-upload it.",
    )
}

/// A document-information title that names no paper: a word processor's default ("Microsoft
/// Word - x.doc", "untitled", "PowerPoint Presentation"), a file name, a DOI or a placeholder.
fn junk_meta_title(title: &str) -> bool {
    let t = title.trim();
    let lower = t.to_lowercase();
    let words = t.split_whitespace().count();
    const JUNK: [&str; 9] = [
        "untitled",
        "title",
        "no title",
        "document",
        "powerpoint presentation",
        "slide 1",
        "manuscript",
        "article",
        "paper",
    ];
    let file_name = [".doc", ".docx", ".pdf", ".tex", ".dvi", ".rtf", ".odt", ".indd", ".qxd", ".ps"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || (words == 1 && t.contains(['_', '\\', '/']));
    words < 3
        || JUNK.contains(&lower.as_str())
        || lower.starts_with("microsoft word")
        || lower.starts_with("microsoft powerpoint")
        || lower.starts_with("untitled")
        || lower.starts_with("doi:")
        || lower.starts_with("10.") && t.contains('/') && words == 1
        || file_name
}

/// Tidies a line's characters as PDFs give them: ligatures (ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ) become their
/// letters, private-use glyphs that fonts commonly use for ligatures or symbols are mapped (the
/// rest removed), and soft hyphens inside a line removed (one at its end becomes a hyphen, which
/// [`join_lines`] joins across the break). Lines set vertically (arXiv stamps and other margin
/// text) are dropped.
fn clean_lines(lines: &mut Vec<Line>) {
    lines.retain(|l| {
        let (w, h) = (l.x1 - l.x0, l.y1 - l.y0);
        !(h > 2.5 * w.max(0.1) && l.text.chars().count() >= 4)
    });
    for l in lines.iter_mut() {
        l.text = clean_chars(&l.text);
    }
    lines.retain(|l| !l.text.is_empty());
}

/// See [`clean_lines`]: the character mapping of one line.
fn clean_chars(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let n = text.chars().count();
    for (i, c) in text.chars().enumerate() {
        match c {
            '\u{FB00}' => out.push_str("ff"),
            '\u{FB01}' | '\u{F001}' => out.push_str("fi"),
            '\u{FB02}' | '\u{F002}' => out.push_str("fl"),
            '\u{FB03}' => out.push_str("ffi"),
            '\u{FB04}' => out.push_str("ffl"),
            '\u{FB05}' | '\u{FB06}' => out.push_str("st"),
            '\u{00AD}' if i + 1 == n => out.push('-'),
            '\u{00AD}' => {}
            // The Symbol font's private-use copies (U+F020–F0FF: U+F000 + its code).
            '\u{F020}'..='\u{F0FF}' => {
                if let Some(m) = symbol_font(c as u32 - 0xF000) {
                    out.push(m);
                }
            }
            c if is_private_use(c) => {}
            c => out.push(c),
        }
    }
    collapse_ws(&out)
}

fn is_private_use(c: char) -> bool {
    matches!(c as u32, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

/// The Symbol font's common characters by code (Greek letters, maths, quotes); None for
/// bullets and dingbats, which are dropped.
fn symbol_font(code: u32) -> Option<char> {
    const GREEK: &str = "ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ";
    const GREEK_LOWER: &str = "αβχδεφγηιϕκλμνοπθρστυϖωξψζ";
    Some(match code {
        0x20 => ' ',
        0x28 => '(',
        0x29 => ')',
        0x2B => '+',
        0x2C => ',',
        0x2D => '−',
        0x2E => '.',
        0x2F => '/',
        0x30..=0x39 => char::from_digit(code - 0x30, 10)?,
        0x3C => '<',
        0x3D => '=',
        0x3E => '>',
        0x41..=0x5A => GREEK.chars().nth((code - 0x41) as usize)?,
        0x61..=0x7A => GREEK_LOWER.chars().nth((code - 0x61) as usize)?,
        0xA2 => '′',
        0xA3 => '≤',
        0xB0 => '°',
        0xB1 => '±',
        0xB2 => '″',
        0xB3 => '≥',
        0xB4 => '×',
        0xB5 => '∝',
        0xB8 => '÷',
        0xB9 => '≠',
        0xBB => '≈',
        0xAE => '→',
        0xD7 => '·',
        0xA5 => '∞',
        _ => return None,
    })
}

/// The title of a first page that sets none larger than its text (a scan's bold title, a plain
/// preprint): up to three lines set close together just above the first author line.
fn title_above_authors(p: &Page) -> Vec<Line> {
    let ordered = reading_order(p);
    // A heading in title case ("Thin Film Cells and Technologies") can pass for names: the
    // first author line with a title above it is taken.
    for (at, authors) in ordered.iter().enumerate() {
        if authors.y0 > p.height * 0.6 {
            break;
        }
        if authors_in(&authors.text).is_empty() {
            continue;
        }
        let mut out: Vec<Line> = Vec::new();
        for l in ordered[..at].iter().rev() {
            // A blank line may part the title from its authors, not the title's lines.
            let (below, gap) = match out.last() {
                Some(n) => (n.y0, 0.9),
                None => (authors.y0, 4.0),
            };
            if below - l.y1 > l.height() * gap || l.y1 > below + l.height() || out.len() == 3 || is_title_label(&l.text)
            {
                break;
            }
            out.push(l.clone());
        }
        out.reverse();
        if out.iter().map(|l| l.text.split_whitespace().count()).sum::<usize>() >= 3 {
            return out;
        }
    }
    Vec::new()
}

/// [`authors_of`] a line, or of the line without a first word of a few lower-case letters (what
/// OCR reads in a scan's dark edge: "ae RJ. Severens, …").
fn authors_in(line: &str) -> Vec<String> {
    let found = authors_of(line);
    if !found.is_empty() {
        return found;
    }
    match line.split_once(' ') {
        Some((first, rest)) if first.chars().count() <= 3 && first.chars().all(|c| c.is_lowercase()) => {
            authors_of(rest)
        }
        _ => Vec::new(),
    }
}

/// A first-page paragraph of authors or their addresses (not the paper's text).
fn is_front_matter(text: &str) -> bool {
    const ADDRESS: [&str; 13] = [
        "university",
        "department",
        "institute",
        "p.o. box",
        "phone",
        "fax",
        "e-mail",
        "email",
        "hospital",
        "laboratory",
        "school of",
        "faculty",
        "correspondence",
    ];
    let lower = text.to_lowercase();
    !authors_in(text).is_empty()
        || (text.split_whitespace().count() < 60 && (text.contains('@') || ADDRESS.iter().any(|a| lower.contains(a))))
}

/// Labels journals set above or before a title ("RESEARCH ARTICLE", "Open Access"), lower case.
const TITLE_LABELS: [&str; 22] = [
    "open access",
    "original research article",
    "original research",
    "research article",
    "research articles",
    "original article",
    "original paper",
    "original contribution",
    "research paper",
    "research letter",
    "review article",
    "mini review",
    "brief report",
    "brief communication",
    "short communication",
    "case report",
    "full paper",
    "articles",
    "article",
    "research",
    "review",
    "editorial",
];

/// A line that holds only title labels ("RESEARCH ARTICLE Open Access", "Original Article").
fn is_title_label(text: &str) -> bool {
    let mut rest = text.to_lowercase().trim_matches(|c: char| !c.is_alphanumeric()).to_string();
    if rest.is_empty() {
        return false;
    }
    while let Some(label) = TITLE_LABELS.iter().find(|l| {
        rest.strip_prefix(*l).is_some_and(|after| after.is_empty() || after.starts_with(|c: char| !c.is_alphanumeric()))
    }) {
        rest = rest[label.len()..].trim_start_matches(|c: char| !c.is_alphanumeric()).to_string();
        if rest.is_empty() {
            return true;
        }
    }
    false
}

/// A title without labels before it ("Open Access: …", "RESEARCH ARTICLE …") and without marks
/// around it: a leading "#" or "*", footnote daggers, asterisks and similar marks at its end.
fn strip_title_marks(title: &str) -> String {
    const MARKS: &[char] = &['#', '*', '∗', '†', '‡', '§', '¶', '⁎', '⋆', '☆', '★'];
    let mut t = collapse_ws(title);
    loop {
        let lower = t.to_lowercase();
        let label = TITLE_LABELS
            .iter()
            .filter(|l| l.contains(' '))
            .find(|l| lower.strip_prefix(*l).is_some_and(|after| after.starts_with(|c: char| !c.is_alphanumeric())));
        let Some(label) = label else { break };
        let Some(rest) = t.get(label.len()..) else { break };
        let rest = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && !MARKS.contains(&c));
        if rest.split_whitespace().count() < 3 {
            break;
        }
        t = rest.to_string();
    }
    t.trim_matches(|c: char| MARKS.contains(&c) || c.is_whitespace()).to_string()
}

/// Phrases of a download or repository cover sheet put in front of a paper.
const COVER_MARKS: [&str; 12] = [
    "see discussions, stats, and author profiles",
    "researchgate",
    "this is the author's version",
    "this is the author’s version",
    "this is an author's version",
    "this is the accepted version",
    "this is a pdf file of an unedited manuscript",
    "citation for published version",
    "take down policy",
    "general rights",
    "downloaded from",
    "this version is available at",
];

/// Drops a first page that is a cover sheet (ResearchGate's statistics page, a repository's
/// "Downloaded from …"/"This is the author's version" sheet): a short page (under 400 words)
/// with a cover phrase outside its margins. Papers of one page are left alone. True when dropped.
fn drop_cover_page(pages: &mut Vec<Page>) -> bool {
    let Some(first) = pages.first() else { return false };
    if pages.len() < 2 {
        return false;
    }
    let text = |inner: bool| {
        first
            .lines
            .iter()
            .filter(|l| !inner || (l.y1 >= first.height * 0.085 && l.y0 <= first.height * 0.915))
            .map(|l| l.text.to_lowercase())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let (all, inner) = (text(false), text(true));
    let words: usize = first.lines.iter().map(|l| l.text.split_whitespace().count()).sum();
    // "Downloaded from" also sits in real first pages' margins: alone, it counts only inside a
    // page that is very short.
    let marks = COVER_MARKS.iter().filter(|m| **m != "downloaded from" && all.contains(*m)).count();
    let strong = marks >= 1 || (inner.contains("downloaded from") && words < 200);
    if !(strong && words < 400) {
        return false;
    }
    pages.remove(0);
    for (i, p) in pages.iter_mut().enumerate() {
        for l in &mut p.lines {
            l.page = i;
        }
    }
    true
}

// ------------------------------------------------------------------ layout model

#[derive(Clone, Debug)]
struct Line {
    page: usize,
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    /// Font size estimate: the median height of the line's words (superscripts do not count).
    size: f32,
    text: String,
}

impl Line {
    fn height(&self) -> f32 {
        self.size.max(0.1)
    }
}

struct Page {
    width: f32,
    height: f32,
    lines: Vec<Line>,
}

fn parse_layout(html: &str) -> Option<Vec<Page>> {
    let opts = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    // pdftotext copies control characters from odd fonts into the XML, which makes it invalid.
    let clean: String =
        html.chars().map(|c| if c.is_control() && !matches!(c, '\n' | '\r' | '\t') { ' ' } else { c }).collect();
    let doc = Document::parse_with_options(&clean, opts).ok()?;
    let num = |n: &roxmltree::Node, a: &str| n.attribute(a).and_then(|v| v.parse::<f32>().ok()).unwrap_or(0.0);
    let mut pages = Vec::new();
    for (pi, page) in doc
        .descendants()
        .filter(|n| n.has_tag_name(("http://www.w3.org/1999/xhtml", "page")) || n.tag_name().name() == "page")
        .enumerate()
    {
        let mut lines: Vec<(Line, Turn)> = Vec::new();
        for line in page.descendants().filter(|n| n.tag_name().name() == "line") {
            let words: Vec<Word> = line
                .children()
                .filter(|w| w.tag_name().name() == "word")
                .filter_map(|w| {
                    let text = w.text().unwrap_or("").trim();
                    (!text.is_empty()).then(|| Word {
                        x0: num(&w, "xMin"),
                        y0: num(&w, "yMin"),
                        x1: num(&w, "xMax"),
                        y1: num(&w, "yMax"),
                        text,
                    })
                })
                .collect();
            let (x0, y0, x1, y1) = (num(&line, "xMin"), num(&line, "yMin"), num(&line, "xMax"), num(&line, "yMax"));
            let Some((text, size, turn)) = line_text(&words, x1 - x0, y1 - y0) else { continue };
            lines.push((Line { page: pi, x0, y0, x1, y1, size, text }, turn));
        }
        let (width, height, mut lines) = turn_page(num(&page, "width").max(1.0), num(&page, "height").max(1.0), lines);
        clean_lines(&mut lines);
        pages.push(Page { width, height, lines });
    }
    Some(pages)
}

/// A word of pdftotext's layout, in points from the page's top left.
struct Word<'a> {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    text: &'a str,
}

/// Which way a line reads on its page.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Turn {
    /// Left to right (or a right-to-left script, whatever its word order).
    Upright,
    /// Top to bottom (the page's text turned 90° clockwise).
    Down,
    /// Bottom to top (turned 90° anticlockwise, as arXiv's margin stamp).
    Up,
    /// Right to left in a left-to-right script: the text is upside down.
    UpsideDown,
    /// Vertical, one word: the way is not known.
    Vertical,
}

/// Letters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko and their forms).
fn is_rtl(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF)
}

/// A line's text, text size and way of reading from its words. Words are joined with a space
/// unless they touch along the reading direction (a font change inside a word). A line of a
/// right-to-left script given in visual order (words left to right, each word's letters
/// reversed) is put back in reading order. None for a line without text.
fn line_text(words: &[Word], width: f32, height: f32) -> Option<(String, f32, Turn)> {
    let first = words.first()?;
    let last = words.last()?;
    let letters = words.iter().flat_map(|w| w.text.chars()).filter(|c| c.is_alphabetic()).count();
    let rtl = words.iter().flat_map(|w| w.text.chars()).filter(|c| is_rtl(*c)).count();
    let rtl_line = rtl * 2 > letters && letters > 0;
    let vertical = height > width * 1.5 && (words.len() >= 2 || first.text.chars().count() >= 3);
    let turn = if vertical {
        match words.len() {
            1 => Turn::Vertical,
            _ if last.y0 >= first.y0 => Turn::Down,
            _ => Turn::Up,
        }
    } else if words.len() >= 2 && last.x0 < first.x0 && !rtl_line {
        Turn::UpsideDown
    } else {
        Turn::Upright
    };
    let mut text = String::new();
    let mut sizes = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if turn == Turn::Upright && i > 0 && is_raised_mark(&words[i - 1], w, words.get(i + 1)) {
            continue;
        }
        let (size, gap) = match (turn, i.checked_sub(1).and_then(|p| words.get(p))) {
            (Turn::Down | Turn::Up | Turn::Vertical, prev) => {
                (w.x1 - w.x0, prev.map_or(0.0, |p| (w.y0 - p.y1).max(p.y0 - w.y1)))
            }
            (_, prev) => (w.y1 - w.y0, prev.map_or(0.0, |p| (w.x0 - p.x1).max(p.x0 - w.x1))),
        };
        // Words split only by a font change (small caps, italics) touch each other.
        if i > 0 && gap > size.max(1.0) * 0.08 {
            text.push(' ');
        }
        text.push_str(w.text);
        sizes.push(size);
    }
    if rtl_line && words.len() >= 2 && last.x0 > first.x0 {
        text = visual_to_logical(&text);
    }
    let text = collapse_ws(&text);
    (!text.is_empty()).then(|| (text, median(sizes), turn))
}

/// Whether `word` is a footnote or citation mark set raised and smaller right after the
/// punctuation ending `before`, and apart from the word `after` ("annotations.¹⁰ Hence",
/// "source,⁶", "disease.³⁻⁵"): not part of the sentence, and read as a number glued to it
/// ("source,6") otherwise. A raised number after a letter or a digit stays: it may be a unit's
/// or a number's power ("mm²", "10⁶"); so does one touching the next word: an isotope's mass
/// ("yield. ¹H NMR") or an affiliation's mark ("Canada. ²Department").
fn is_raised_mark(before: &Word, word: &Word, after: Option<&Word>) -> bool {
    let height = |w: &Word| w.y1 - w.y0;
    word.text.chars().next().is_some_and(|c| c.is_ascii_digit())
        && word.text.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '-' | '–'))
        && before.text.ends_with(['.', ',', ';', ':', ')'])
        && height(word) < height(before) * 0.85
        && word.y1 < before.y1 - height(before) * 0.15
        && after.is_none_or(|a| a.x0 - word.x1 > height(before) * 0.08)
}

/// A right-to-left line stored in visual order, put in reading order: the words' order is
/// reversed and so are the letters of each right-to-left run (numbers and Latin words inside it
/// keep their order).
fn visual_to_logical(line: &str) -> String {
    let words: Vec<String> = line
        .split_whitespace()
        .rev()
        .map(|w| {
            if !w.chars().any(is_rtl) {
                return w.to_string();
            }
            // Runs of left-to-right characters keep their order; the runs themselves reverse.
            let mut runs: Vec<(bool, String)> = Vec::new();
            for c in w.chars() {
                let ltr = c.is_ascii_alphanumeric();
                match runs.last_mut() {
                    Some((l, run)) if *l == ltr => run.push(c),
                    _ => runs.push((ltr, c.to_string())),
                }
            }
            runs.into_iter()
                .rev()
                .map(|(ltr, run)| if ltr { run } else { run.chars().rev().collect() })
                .collect::<String>()
        })
        .collect();
    words.join(" ")
}

/// Puts a page's lines in its reading frame. When most of its text is turned (a landscape table
/// set sideways, an upside-down scan), the page is turned so that it reads left to right, top
/// to bottom; lines that read another way than most (arXiv's vertical stamp, a rotated axis
/// label) are dropped. `width` and `height` are the page's size as pdftotext gives it; a page
/// with /Rotate may have lines beyond it, so the frame is widened to hold them.
fn turn_page(width: f32, height: f32, lines: Vec<(Line, Turn)>) -> (f32, f32, Vec<Line>) {
    let w = lines.iter().map(|(l, _)| l.x1).fold(width, f32::max);
    let h = lines.iter().map(|(l, _)| l.y1).fold(height, f32::max);
    let chars = |t: Turn| lines.iter().filter(|(_, lt)| *lt == t).map(|(l, _)| l.text.len()).sum::<usize>();
    let main = [Turn::Upright, Turn::Down, Turn::Up, Turn::UpsideDown]
        .into_iter()
        .max_by_key(|t| (chars(*t), *t == Turn::Upright))
        .unwrap_or(Turn::Upright);
    let vertical = matches!(main, Turn::Down | Turn::Up);
    let out: Vec<Line> = lines
        .into_iter()
        .filter(|(_, t)| *t == main || (vertical && *t == Turn::Vertical))
        .map(|(l, _)| match main {
            Turn::Down => Line { x0: l.y0, x1: l.y1, y0: w - l.x1, y1: w - l.x0, ..l },
            Turn::Up => Line { x0: h - l.y1, x1: h - l.y0, y0: l.x0, y1: l.x1, ..l },
            Turn::UpsideDown => Line { x0: w - l.x1, x1: w - l.x0, y0: h - l.y1, y1: h - l.y0, ..l },
            _ => l,
        })
        .collect();
    if vertical {
        (h, w, out)
    } else {
        (w, h, out)
    }
}

// ------------------------------------------------------------------ analysis

fn norm_key(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_digit() { '#' } else { c.to_ascii_lowercase() })
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn is_page_number(s: &str) -> bool {
    let t = s.trim();
    let l = t.to_lowercase();
    (!t.is_empty() && t.len() <= 4 && t.chars().all(|c| c.is_ascii_digit()))
        || (l.starts_with("page ")
            && l.split_whitespace().nth(1).is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
            && l.split_whitespace().count() <= 4)
        || (t.len() <= 12 && t.chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '/' || c == '-' || c == '|'))
}

/// Removes running headers/footers (same text, digits ignored, in the top/bottom margin of most
/// pages) and bare page numbers in the margins. Returns how many lines were removed.
fn remove_running(pages: &mut [Page]) -> usize {
    let n = pages.len();
    let zone = |p: &Page, l: &Line| l.y1 < p.height * 0.085 || l.y0 > p.height * 0.915;
    let mut count: HashMap<String, usize> = HashMap::new();
    for p in pages.iter() {
        let mut seen = std::collections::HashSet::new();
        for l in p.lines.iter().filter(|l| zone(p, l)) {
            let k = norm_key(&l.text);
            if seen.insert(k.clone()) {
                *count.entry(k).or_default() += 1;
            }
        }
    }
    let threshold = ((n as f32) * 0.4).ceil().max(2.0) as usize;
    let mut removed = 0;
    for p in pages.iter_mut() {
        let (h, before) = (p.height, p.lines.len());
        p.lines.retain(|l| {
            let in_zone = l.y1 < h * 0.085 || l.y0 > h * 0.915;
            if !in_zone {
                return true;
            }
            let repeated = n >= 2 && count.get(&norm_key(&l.text)).copied().unwrap_or(0) >= threshold;
            !(repeated || is_page_number(&l.text))
        });
        // Long running lines in a side margin or an unusual place (landscape pages).
        p.lines.retain(|l| {
            let k = norm_key(&l.text);
            !(n >= 3 && k.len() >= 12 && count.get(&k).copied().unwrap_or(0) >= threshold)
        });
        removed += before - p.lines.len();
    }
    removed
}

/// Orders a page's lines: single column top to bottom, or two columns (left then right) between
/// full-width lines.
fn reading_order(p: &Page) -> Vec<Line> {
    let mid = p.width / 2.0;
    let slack = p.width * 0.03;
    #[derive(PartialEq, Clone, Copy)]
    enum Col {
        L,
        R,
        F,
    }
    let class = |l: &Line| {
        if l.x1 <= mid + slack {
            Col::L
        } else if l.x0 >= mid - slack {
            Col::R
        } else {
            Col::F
        }
    };
    let chars = |c: Col| p.lines.iter().filter(|l| class(l) == c).map(|l| l.text.len()).sum::<usize>();
    let total: usize = p.lines.iter().map(|l| l.text.len()).sum::<usize>().max(1);
    let r_lines = p.lines.iter().filter(|l| class(l) == Col::R).count();
    let two_col = chars(Col::L) * 100 / total >= 20 && chars(Col::R) * 100 / total >= 20 && r_lines >= 5;
    let mut lines = p.lines.clone();
    let by_pos = |a: &Line, b: &Line| a.y0.total_cmp(&b.y0).then(a.x0.total_cmp(&b.x0));
    if !two_col {
        lines.sort_by(by_pos);
        return lines;
    }
    let mut fulls: Vec<Line> = lines.iter().filter(|l| class(l) == Col::F).cloned().collect();
    fulls.sort_by(by_pos);
    let mut out = Vec::with_capacity(lines.len());
    let mut top = f32::MIN;
    let bounds: Vec<Option<Line>> = fulls.into_iter().map(Some).chain(std::iter::once(None)).collect();
    for b in bounds {
        let bottom = b.as_ref().map(|l| l.y0).unwrap_or(f32::MAX);
        for col in [Col::L, Col::R] {
            let mut band: Vec<Line> =
                lines.iter().filter(|l| class(l) == col && l.y0 >= top && l.y0 < bottom).cloned().collect();
            band.sort_by(by_pos);
            out.extend(band);
        }
        if let Some(l) = b {
            top = l.y0;
            out.push(l);
        }
    }
    lines.clear();
    merge_numbers(out)
}

/// A line's identity on its page (page, top, left), to set lines apart by.
fn line_key(l: &Line) -> (usize, u32, u32) {
    (l.page, l.y0.to_bits(), l.x0.to_bits())
}

/// Whether `text` reads as a table's rows rather than prose: a quarter or more of its words
/// hold a digit ("Dataset COARSE FINE 6.8 SQuALITY 18.5 7.3 …").
fn is_tabular(text: &str) -> bool {
    let words = text.split_whitespace().count();
    words >= 4 && text.split_whitespace().filter(|w| w.chars().any(|c| c.is_ascii_digit())).count() * 4 >= words
}

/// Whether `text` (a line or a paragraph) opens a figure's or a table's caption ("Figure 2. …",
/// "Table 1: …").
fn is_caption(text: &str) -> bool {
    caption_of(text, &FIGURE_LABELS).is_some() || caption_of(text, &TABLE_LABELS).is_some()
}

/// The page's footnotes, top to bottom: lines set smaller than the body text (`body`: its line
/// height) in the lower half of the page, with no body-sized line below them in their column
/// ("1 https://github.com/…", "*Work done during an internship …", "Proceedings of the 17th
/// Conference …"). Read as text, a footnote at the foot of a column lands in the middle of the
/// sentence that goes on at the top of the next ("… model-generated sum- | 1 https://… |
/// maries"). A run of small lines that opens with a caption label is a figure's or table's
/// caption, not a footnote.
fn footnotes_of(p: &Page, body: f32) -> Vec<Line> {
    let small = |l: &Line| l.height() < body * 0.85;
    let overlaps = |a: &Line, b: &Line| a.x0 < b.x1 && b.x0 < a.x1;
    let mut notes: Vec<Line> = p
        .lines
        .iter()
        .filter(|l| small(l) && l.y0 > p.height * 0.5)
        .filter(|l| !p.lines.iter().any(|o| !small(o) && o.y0 > l.y0 && overlaps(o, l)))
        .cloned()
        .collect();
    notes.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    // A caption goes on down to the foot of the column from its label line, which may stand to
    // the left of its text ("Figure 6 | Binding of …"), unless body text comes between.
    let captions: Vec<&Line> = p.lines.iter().filter(|l| is_caption(&l.text)).collect();
    let body_between =
        |c: &Line, l: &Line| p.lines.iter().any(|o| !small(o) && o.y0 > c.y0 && o.y0 < l.y0 && overlaps(o, l));
    notes.retain(|l| !captions.iter().any(|c| c.y0 <= l.y0 + 0.5 && l.x1 > c.x0 && !body_between(c, l)));
    notes
}

/// Joins a section number set apart from its heading ("1" + "Introduction" on one row).
fn merge_numbers(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    for l in lines {
        if let Some(prev) = out.last_mut() {
            let is_num = prev.text.len() <= 6
                && prev.text.chars().next().is_some_and(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
                && prev
                    .text
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || (c.is_ascii_uppercase() && prev.text.len() <= 2));
            let same_row = (prev.y0 - l.y0).abs() < l.height() * 0.6 && l.x0 > prev.x1 && l.x0 - prev.x1 < 40.0;
            if is_num && same_row {
                prev.text = format!("{} {}", prev.text, l.text);
                prev.x1 = l.x1;
                prev.size = l.size;
                prev.y0 = prev.y0.min(l.y0);
                prev.y1 = prev.y1.max(l.y1);
                continue;
            }
        }
        out.push(l);
    }
    out
}

fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 10.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

#[derive(Debug)]
enum Item {
    Heading { text: String, level: u8, page: usize },
    Para { text: String, page: usize },
}

/// Builds the paper from the pages' lines. `ocr`: the lines were recognised from a scan, whose
/// text sizes are rough, so the title is looked for above the authors first. `figures`: the
/// figures' regions ([`figure_regions`]), whose own text (axis labels, legends, panel titles)
/// is left out of the paper's.
fn analyse(mut pages: Vec<Page>, meta_title: &str, ocr: bool, figures: &[FigureRegion]) -> (Paper, Vec<usize>) {
    let mut paper = Paper::default();
    // The journal and year from the running header or a citation line, read before running
    // headers are removed: page 1 whole, then the margins of the next two pages.
    let cited = {
        let mut lines: Vec<&Line> = pages.first().map(|p| p.lines.iter().collect()).unwrap_or_default();
        lines.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        for p in pages.iter().skip(1).take(2) {
            lines.extend(p.lines.iter().filter(|l| l.y1 < p.height * 0.085 || l.y0 > p.height * 0.915));
        }
        crate::citation::front_matter(lines.iter().map(|l| l.text.as_str()))
    };
    paper.journal = cited.journal;
    paper.published = cited.year;
    remove_running(&mut pages);
    // Body text size: the most common line height, weighted by characters.
    let mut hist: HashMap<i32, usize> = HashMap::new();
    for l in pages.iter().flat_map(|p| &p.lines) {
        *hist.entry((l.height() * 2.0).round() as i32).or_default() += l.text.len();
    }
    let body = hist.iter().max_by_key(|(h, n)| (**n, -**h)).map(|(h, _)| *h as f32 / 2.0).unwrap_or(10.0);
    // Title: the largest text on page 1 (lines of at least two words).
    let mut title_lines: Vec<Line> = Vec::new();
    if ocr {
        if let Some(p0) = pages.first() {
            title_lines = title_above_authors(p0);
        }
    }
    if let Some(p0) = pages.first().filter(|_| title_lines.is_empty()) {
        let cands: Vec<&Line> = p0
            .lines
            .iter()
            .filter(|l| {
                l.text.split_whitespace().count() >= 2
                    && l.text.chars().filter(|c| c.is_alphabetic()).count() >= 6
                    && !is_title_label(&l.text)
            })
            .filter(|l| l.y0 < p0.height * 0.7)
            .collect();
        let hmax = cands.iter().map(|l| l.height()).fold(0.0f32, f32::max);
        if hmax >= body * 1.15 {
            let ordered = reading_order(p0);
            let mut started = false;
            for l in ordered {
                let big = l.height() >= hmax * 0.85 && l.height() <= hmax * 1.3;
                if big && is_title_label(&l.text) {
                    continue; // "RESEARCH ARTICLE" set as large as the title, above it
                }
                if big && l.text.chars().any(|c| c.is_alphabetic()) {
                    if let Some(prev) = title_lines.last() {
                        if l.y0 - prev.y1 > hmax * 1.5 {
                            break;
                        }
                    }
                    started = true;
                    title_lines.push(l);
                } else if started {
                    break;
                }
            }
        }
    }
    if title_lines.is_empty() && junk_meta_title(meta_title) {
        if let Some(p0) = pages.first() {
            title_lines = title_above_authors(p0);
        }
    }
    paper.title = if !title_lines.is_empty() {
        strip_title_marks(&join_lines(&title_lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>()))
    } else if !junk_meta_title(meta_title) {
        strip_title_marks(meta_title)
    } else {
        String::new()
    };
    let title_keys: Vec<(usize, u32, u32)> = title_lines.iter().map(line_key).collect();

    // Footnotes are not the paper's text: set apart here, read only for the licence, DOI and year.
    let footnotes: Vec<Vec<Line>> =
        if ocr { Vec::new() } else { pages.iter().map(|p| footnotes_of(p, body)).collect() };
    let footnote_keys: Vec<(usize, u32, u32)> = footnotes.iter().flatten().map(line_key).collect();

    // Stream the lines in reading order into paragraphs and headings.
    let mut items: Vec<Item> = Vec::new();
    let mut cur: Vec<Line> = Vec::new();
    let flush = |cur: &mut Vec<Line>, items: &mut Vec<Item>| {
        if cur.is_empty() {
            return;
        }
        let text = join_lines(&cur.iter().map(|l| l.text.as_str()).collect::<Vec<_>>());
        let page = cur[0].page;
        cur.clear();
        // Continue a paragraph cut by a column or page break, or by figures and tables set
        // between its halves: then their whole captions were read in between, and a table's
        // rows beside them.
        let open = |t: &str| !t.ends_with(['.', '!', '?', ':', '”', '"', ')']) || t.ends_with('-');
        let mut caption_between = false;
        let mut before_float = items.len();
        while let Some(Item::Para { text, .. }) = before_float.checked_sub(1).map(|i| &items[i]) {
            if is_caption(text) && !open(text) {
                caption_between = true;
            } else if !is_tabular(text) && !is_noise(text) {
                break;
            }
            before_float -= 1;
        }
        // What goes on after a float is prose; a table's row that starts in lower case ("α =
        // 88.4, β = 64.3") is not.
        let after_float = caption_between && !is_tabular(&text) && !is_noise(&text);
        let cut = if after_float { before_float } else { items.len() };
        if let Some(Item::Para { text: prev, .. }) = cut.checked_sub(1).and_then(|i| items.get_mut(i)) {
            if open(prev) && text.chars().next().is_some_and(|c| c.is_lowercase()) {
                *prev = join_lines(&[prev.as_str(), text.as_str()]);
                return;
            }
        }
        items.push(Item::Para { text, page });
    };
    let mut heading_sizes: Vec<f32> = Vec::new();
    let mut last_heading: Option<Line> = None;
    for (pi, p) in pages.iter().enumerate() {
        let in_figure = |l: &Line| {
            let (x, y) = ((l.x0 + l.x1) / 2.0, (l.y0 + l.y1) / 2.0);
            figures.iter().any(|r| r.page == pi && r.x0 <= x && x <= r.x1 && r.y0 <= y && y <= r.y1)
        };
        let ordered: Vec<Line> =
            reading_order(p).into_iter().filter(|l| !footnote_keys.contains(&line_key(l)) && !in_figure(l)).collect();
        // Column edges for indentation/short-line tests.
        for (i, l) in ordered.iter().enumerate() {
            if title_keys.contains(&line_key(l)) {
                continue;
            }
            let h = l.height();
            let words = l.text.split_whitespace().count();
            let letters = l.text.chars().filter(|c| c.is_alphabetic()).count();
            let prev = if cur.is_empty() { None } else { cur.last() };
            let next = ordered.get(i + 1);
            // A heading: larger than body text, short; or a numbered/known section line standing alone.
            if l.page == 0 && title_lines.first().is_some_and(|t| l.y1 <= t.y0 + 0.5) {
                continue; // banner above the title ("RESEARCH", "Open Access")
            }
            let bigger = h >= body * 1.15 && next.is_none_or(|nl| h >= nl.height() * 1.1 || nl.page != l.page);
            let standalone = prev.is_none_or(|pl| {
                pl.text.ends_with(['.', ':', '?', '!'])
                    || l.y0 - pl.y1 > body * 0.6
                    || pl.page != l.page
                    || (h - pl.height()).abs() > body * 0.08
            });
            let looks = looks_like_heading(&l.text);
            let shape_ok = letters >= 3
                && words <= 12
                && l.text.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
                && !l.text.ends_with([',', '-', ';', '.'])
                && l.text.chars().count() <= 90;
            let is_heading = shape_ok
                && standalone
                && (bigger
                    || (looks.is_some()
                        && h >= body * 0.95
                        && words <= 8
                        && l.text.chars().count() <= 60
                        && (is_section_word(&l.text)
                            || split_numbering(&l.text).0.is_some()
                            || l.text.chars().filter(|c| c.is_alphabetic()).all(|c| c.is_uppercase()))));
            if is_heading {
                flush(&mut cur, &mut items);
                // A heading continued on the next line at the same size.
                if let (Some(Item::Heading { text, .. }), Some(hl)) = (items.last_mut(), last_heading.as_ref()) {
                    if bigger
                        && !is_section_word(text)
                        && hl.page == l.page
                        && l.y0 - hl.y1 < body * 0.8
                        && (hl.height() - h).abs() < 0.6
                        && split_numbering(&l.text).0.is_none()
                        && !is_section_word(&l.text)
                    {
                        *text = format!("{text} {}", tidy_heading(&l.text));
                        last_heading = Some(l.clone());
                        continue;
                    }
                }
                last_heading = Some(l.clone());
                let (num, _) = split_numbering(&l.text);
                let level = match num {
                    Some(n) => numbering_level(n),
                    None if bigger => {
                        heading_sizes.push(h);
                        0 // resolved below by size
                    }
                    None => looks.unwrap_or(1),
                };
                items.push(Item::Heading {
                    text: tidy_heading(&l.text),
                    level: if level == 0 { 200 + (h * 2.0) as u8 % 50 } else { level },
                    page: l.page,
                });
                continue;
            }
            if let Some(pl) = prev {
                let gap = l.y0 - pl.y1;
                let new_para = pl.page != l.page
                    || gap > body * 0.7
                    || gap < -body * 2.0 // jumped to the top of the next column
                    || (l.x0 - pl.x0 > body * 0.8 && pl.text.ends_with(['.', '!', '?', ':']))
                    || (h - pl.height()).abs() > body * 0.35;
                if new_para {
                    flush(&mut cur, &mut items);
                }
            }
            cur.push(l.clone());
        }
        flush(&mut cur, &mut items);
    }
    // Size-ranked heading levels (bigger = higher).
    let mut sizes: Vec<u8> = items
        .iter()
        .filter_map(|i| match i {
            Item::Heading { level, .. } if *level >= 200 => Some(*level),
            _ => None,
        })
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    sizes.reverse();
    for it in items.iter_mut() {
        if let Item::Heading { level, .. } = it {
            if *level >= 200 {
                *level = (sizes.iter().position(|s| s == level).unwrap_or(0) as u8 + 1).min(3);
            }
        }
    }

    // Build the paper: front matter, abstract, sections, captions; references left out.
    let mut current: Option<Section> = None;
    let mut front: Vec<String> = Vec::new();
    let mut in_abstract = false;
    let mut in_refs = false;
    let mut seen_heading = false;
    let mut tables = 0;
    let mut captions: Vec<(usize, Figure)> = Vec::new();
    for it in items {
        match it {
            Item::Heading { text, level, page } => {
                if !seen_heading && page == 0 && !is_section_word(&text) && split_numbering(&text).0.is_none() {
                    front.push(text); // authors and affiliations set large on the first page
                    continue;
                }
                if in_refs && !is_section_word(&text) && !text.to_lowercase().contains("appendix") {
                    continue;
                }
                if let Some(s) = current.take() {
                    paper.sections.push(s);
                }
                seen_heading = true;
                in_abstract = is_abstract_heading(&text);
                in_refs = is_reference_heading(&text);
                if in_refs && !paper.notes.iter().any(|n| n.contains("reference list")) {
                    paper.notes.push("The reference list was left out.".into());
                }
                if !in_abstract && !in_refs {
                    current = Some(Section { heading: text, level, paragraphs: Vec::new() });
                }
            }
            Item::Para { text, page } => {
                if in_refs {
                    continue;
                }
                if let Some((label, caption)) = caption_of(&text, &FIGURE_LABELS) {
                    captions.push((page, Figure { label: Some(label), caption, image: None, source_href: None }));
                    continue;
                }
                if caption_of(&text, &TABLE_LABELS).is_some() {
                    tables += 1;
                    continue;
                }
                if is_noise(&text) {
                    // A short author line ("Ana Silva, John Smith") is not noise.
                    if !seen_heading && page == 0 && !authors_of(&text).is_empty() {
                        front.push(text);
                    }
                    continue;
                }
                take_publication_facts(&mut paper, &text, page);
                // "Abstract Background: …" or "Abstract—We …" as a run-in label.
                if !seen_heading {
                    if let Some(rest) = strip_abstract_label(&text) {
                        in_abstract = true;
                        seen_heading = true;
                        paper.abstract_paragraphs.push(rest);
                        continue;
                    }
                }
                if in_abstract {
                    paper.abstract_paragraphs.push(text);
                } else if !seen_heading {
                    front.push(text);
                } else {
                    current
                        .get_or_insert_with(|| Section { heading: String::new(), level: 1, paragraphs: Vec::new() })
                        .paragraphs
                        .push(text);
                }
            }
        }
    }
    if let Some(s) = current.take() {
        paper.sections.push(s);
    }
    // A licence, DOI or year that only a footnote gives (often the licence, on page 1).
    for (page, note) in footnotes.iter().enumerate() {
        take_publication_facts(
            &mut paper,
            &join_lines(&note.iter().map(|l| l.text.as_str()).collect::<Vec<_>>()),
            page,
        );
    }
    if paper.authors.is_empty() {
        paper.authors = front.iter().take(3).map(|f| authors_in(f)).find(|a| !a.is_empty()).unwrap_or_default();
    }
    if paper.sections.is_empty() && paper.abstract_paragraphs.is_empty() {
        // No headings: the text starts after the authors and their addresses.
        let start = front.iter().take(8).rposition(|f| is_front_matter(f)).map_or(0, |i| i + 1);
        let paragraphs = if start < front.len() { front.split_off(start) } else { front };
        paper.sections.push(Section { heading: String::new(), level: 1, paragraphs });
    }
    paper.sections.retain(|s| !s.paragraphs.is_empty() || !s.heading.is_empty());
    // Levels: shallowest is 1, never deeper than one more than the previous.
    if let Some(min) = paper.sections.iter().map(|s| s.level).min() {
        let mut prev = 0u8;
        for s in &mut paper.sections {
            s.level = (s.level - min + 1).min(prev + 1).max(1);
            prev = s.level;
        }
    }
    let secs = std::mem::take(&mut paper.sections);
    for (i, s) in secs.iter().enumerate() {
        if !s.paragraphs.is_empty() || secs.get(i + 1).is_some_and(|n| n.level > s.level) {
            paper.sections.push(s.clone());
        }
    }
    if tables > 0 {
        paper.notes.push(format!(
            "{tables} {} skipped (tables are not read aloud).",
            if tables == 1 { "table was" } else { "tables were" }
        ));
    }
    paper.figures = captions.iter().map(|(_, f)| f.clone()).collect();
    // Caption pages, for matching images to captions.
    (paper, captions.iter().map(|(p, _)| *p).collect())
}

/// "Figure 3. Caption…" / "Fig. 3: …" → ("Figure 3", "Caption…").
/// The licence, DOI and (from page 1) copyright year that `text` of page `page` gives, each kept
/// only while the paper has none yet.
fn take_publication_facts(paper: &mut Paper, text: &str, page: usize) {
    if paper.license.is_none() {
        paper.license = license_of(text);
    }
    if paper.doi.is_none() {
        paper.doi = find_doi(text);
    }
    if paper.published.is_none() && page == 0 {
        paper.published = copyright_year(text);
    }
}

fn caption_of(text: &str, prefixes: &[&str]) -> Option<(String, String)> {
    for p in prefixes {
        if let Some(rest) = text.strip_prefix(p) {
            let rest = rest.trim_start();
            let num: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() && !c.is_alphabetic() || c.is_ascii_digit())
                .collect();
            if num.is_empty() {
                continue;
            }
            let after = rest[num.len()..].trim_start();
            let after = after.strip_prefix(['.', ':', '|', '—', '-']).unwrap_or(after).trim();
            let word = if p.to_lowercase().starts_with("fig") { "Figure" } else { "Table" };
            return Some((format!("{word} {num}"), after.to_string()));
        }
    }
    None
}

/// Table cells, axis labels and other fragments that are not prose.
fn is_noise(text: &str) -> bool {
    let nonspace = text.chars().filter(|c| !c.is_whitespace()).count().max(1);
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    letters * 100 / nonspace < 50 || (text.chars().count() < 25 && !text.ends_with(['.', '?', '!']))
}

fn strip_abstract_label(text: &str) -> Option<String> {
    for label in ["Abstract", "ABSTRACT", "Summary", "SUMMARY"] {
        if let Some(rest) = text.strip_prefix(label) {
            let rest = rest.trim_start_matches([' ', '.', ':', '—', '–', '-']).trim();
            if rest.len() > 40 && rest.chars().next().is_some_and(|c| c.is_uppercase()) {
                return Some(rest.to_string());
            }
        }
    }
    None
}

fn license_of(text: &str) -> Option<License> {
    let l = text.to_lowercase();
    if !(l.contains("creative commons") || l.contains("cc by") || l.contains("cc-by")) {
        return None;
    }
    let url = text
        .split_whitespace()
        .find(|w| w.contains("creativecommons.org"))
        .map(|w| w.trim_end_matches(['.', ',', ')']).to_string());
    let name = crate::jats::license_name(url.as_deref(), None, text);
    name.as_ref()?;
    Some(License { name, url, text: text.to_string() })
}

/// The author names at the start of a first-page line such as "Indraneel Datta1, Chad G Ball1*
/// and S Morad Hameed2" or "Kalpesh Krishna♠ ∗ Erin Bransom♢": affiliation markers (digits, *,
/// †, ‡, §, card suits) separate names; reading stops at the first piece that is not a name
/// (2–4 capitalised words, particles such as "van" allowed), which is where affiliations begin.
/// All-capital surnames ("DOUGLAS") are written "Douglas". Empty when the line does not start
/// with at least one name.
pub(crate) fn authors_of(line: &str) -> Vec<String> {
    const NOT_NAMES: &[&str] = &[
        "university",
        "institute",
        "department",
        "school",
        "faculty",
        "college",
        "hospital",
        "centre",
        "center",
        "abstract",
        "introduction",
        "background",
        "laboratory",
        "group",
        "division",
        "review",
        "research",
        "open",
        "access",
        "article",
        "journal",
        "email",
        "correspondence",
        "the",
        "of",
        "for",
        "and",
        "in",
    ];
    const PARTICLES: &[&str] =
        &["van", "von", "der", "den", "de", "da", "del", "di", "la", "le", "du", "dos", "bin", "ibn"];
    let marked: String =
        line.chars().map(|c| if c.is_ascii_digit() || "*∗†‡§¶♠♢♡♣#".contains(c) { ',' } else { c }).collect();
    let marked = marked.replace(" and ", ", ").replace(" & ", ", ");
    let mut out: Vec<String> = Vec::new();
    for piece in marked.split(',') {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let words: Vec<&str> = piece.split_whitespace().collect();
        let is_name = (2..=4).contains(&words.len())
            && words.iter().all(|w| {
                let first = w.chars().next().unwrap_or(' ');
                (first.is_uppercase() || PARTICLES.contains(w))
                    && !NOT_NAMES.contains(&w.to_lowercase().trim_matches('.'))
                    && w.chars().all(|c| c.is_alphabetic() || ".-'’".contains(c))
            })
            && words.last().is_some_and(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 2);
        if !is_name {
            break;
        }
        let name: Vec<String> = words
            .iter()
            .map(|w| {
                let letters = w.chars().filter(|c| c.is_alphabetic()).count();
                // Initials ("RJ.", "JB") stay as they are.
                if letters > 2 && !w.ends_with('.') && w.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase) {
                    let mut c = w.chars();
                    c.next().map(|f| f.to_string() + &c.as_str().to_lowercase()).unwrap_or_default()
                } else {
                    w.to_string()
                }
            })
            .collect();
        out.push(name.join(" "));
    }
    out
}

/// The year of a first-page copyright line ("© 2010 Smith et al.", "Copyright © 2014"), which
/// open-access PDFs print for the year of publication.
fn copyright_year(text: &str) -> Option<String> {
    let i = text.find('©').or_else(|| text.find("Copyright"))?;
    let after: String = text[i..].chars().take(40).collect();
    after
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")))
        .map(str::to_string)
}

fn find_doi(text: &str) -> Option<String> {
    let i = text.find("10.")?;
    let rest = &text[i..];
    let doi: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
    let doi = doi.trim_end_matches(['.', ',', ';', ')']);
    let (prefix, suffix) = doi.split_once('/')?;
    (prefix.len() >= 7 && prefix[3..].chars().all(|c| c.is_ascii_digit()) && !suffix.is_empty())
        .then(|| doi.to_string())
}

// ------------------------------------------------------------------ images

/// Where a captioned figure sits on its page, in PDF points from the page's top left.
#[derive(Clone, Debug, PartialEq)]
struct FigureRegion {
    label: String,
    /// 0-based page.
    page: usize,
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
}

/// The smallest share of the page's height a figure region may have: less is a caption that
/// sits under a line of text (a figure reference at a line start, or a table note).
const MIN_REGION_SHARE: f32 = 0.12;

/// Finds each figure caption's figure: the area above the caption, across the caption's column
/// (or the text width, for a caption wider than a column), up to the nearest paragraph line of
/// body text or another caption. Lines inside a figure (axis labels, legends, panel letters)
/// are short, set smaller than the body or stand alone, so they do not end the region.
/// Captions set above their figure are not found (their region has no room).
fn figure_regions(pages: &[Page]) -> Vec<FigureRegion> {
    let body = median(pages.iter().flat_map(|p| &p.lines).map(|l| l.size).collect());
    let body_sized = |l: &Line| l.size >= body * 0.85 && l.size <= body * 1.4;
    // The width of a column of body text.
    let column = median(pages.iter().flat_map(|p| &p.lines).filter(|l| body_sized(l)).map(|l| l.x1 - l.x0).collect());
    let mut out: Vec<FigureRegion> = Vec::new();
    for (pi, page) in pages.iter().enumerate() {
        let lines = &page.lines;
        let (text_x0, text_x1) =
            (lines.iter().map(|l| l.x0).fold(f32::MAX, f32::min), lines.iter().map(|l| l.x1).fold(f32::MIN, f32::max));
        for (i, line) in lines.iter().enumerate() {
            let Some((label, _)) = caption_of(&line.text, &FIGURE_LABELS) else { continue };
            if out.iter().any(|r| r.label == label) {
                continue; // a later "Figure 2 shows …" at a line start
            }
            // The caption block: the label's line, text set on its baseline to its right ("Figure 2"
            // and its caption as two lines), and the lines right under them.
            let (mut bx0, mut bx1, mut last_y1) = (line.x0, line.x1, line.y1);
            for beside in lines.iter().filter(|n| (n.y0 - line.y0).abs() < 2.0) {
                if beside.x0 >= line.x1 - 1.0 && beside.x0 - line.x1 < 80.0 {
                    bx1 = bx1.max(beside.x1);
                }
            }
            for next in &lines[i + 1..] {
                if next.y0 < last_y1 - 1.0 {
                    continue;
                }
                if next.y0 - last_y1 > line.height() * 0.8 {
                    break;
                }
                if next.x0 >= bx0 - 6.0 && next.x0 <= bx1 {
                    bx0 = bx0.min(next.x0);
                    bx1 = bx1.max(next.x1);
                    last_y1 = last_y1.max(next.y1);
                }
            }
            // A short caption still sits in a column as wide as the body text beside it.
            let same_column: Vec<f32> =
                lines.iter().filter(|l| (l.x0 - bx0).abs() < 6.0 && body_sized(l)).map(|l| l.x1).collect();
            if !same_column.is_empty() {
                bx1 = bx1.max(median(same_column));
            }
            let (x0, x1) = if bx1 - bx0 > page.width * 0.55 { (text_x0, text_x1) } else { (bx0, bx1) };
            let wide = |l: &Line| body_sized(l) && l.x1 - l.x0 >= (x1 - x0).min(column) * 0.6;
            // Body text comes in paragraphs: another wide line starts where it does, just above or
            // below; a paragraph's last line may be short, under a wide one.
            let paragraph = |q: &Line| {
                body_sized(q)
                    && lines.iter().any(|r| {
                        !std::ptr::eq(r, q)
                            && (r.x0 - q.x0).abs() < 3.0
                            && (r.y0 - q.y0).abs() < 2.0 * q.height()
                            && wide(r)
                            && (wide(q) || r.y0 < q.y0)
                    })
            };
            let bottom = line.y0 - 2.0;
            let top = lines
                .iter()
                .filter(|q| q.y1 <= line.y0 - 1.0 && q.x1 > x0 + 2.0 && q.x0 < x1 - 2.0)
                .filter(|q| paragraph(q) || is_caption(&q.text))
                .map(|q| q.y1 + 3.0)
                .fold(page.height * 0.05, f32::max);
            if bottom - top >= page.height * MIN_REGION_SHARE && x1 - x0 >= page.width * 0.25 {
                out.push(FigureRegion { label, page: pi, x0, y0: top, x1, y1: bottom });
            }
        }
    }
    out.truncate(MAX_FIGURES);
    out
}

/// Rasterises each region with `pdftoppm` at 150 dpi and gives it to the figure of the same
/// label. `cover`: the pages dropped before the paper's first (its regions' pages are counted
/// from the paper's first page, pdftoppm's from the file's). A region that renders blank (its
/// PNG is tiny) is dropped. File names continue the `figures/fig-N.png` numbering.
fn render_regions(dir: &std::path::Path, regions: &[FigureRegion], cover: usize, paper: &mut Paper) -> Vec<FigureFile> {
    const DPI: f32 = 150.0;
    let mut out = Vec::new();
    for (k, r) in regions.iter().enumerate() {
        let Some(figure) = paper.figures.iter_mut().find(|f| f.label.as_deref() == Some(&r.label) && f.image.is_none())
        else {
            continue;
        };
        // A page may be drawn far larger than paper (a MediaBox of metres): such a region is
        // not rendered at all rather than rendered into gigabytes.
        let side = |pt: f32| (pt * DPI / 72.0).round().max(0.0) as u64;
        if crate::limits::too_many_pixels(side(r.x1 - r.x0), side(r.y1 - r.y0)) {
            continue;
        }
        let page = (r.page + 1 + cover).to_string();
        let stem = format!("region-{k}");
        let Some(r) = inked_part(dir, r, &page, &stem) else { continue };
        // A flat area compresses to almost nothing.
        let Some(bytes) = render_region(dir, &r, &page, DPI, false, &stem).filter(|b| b.len() >= 4_000) else {
            continue;
        };
        let name = format!("figures/fig-{}.png", out.len() + 1);
        figure.image = Some(name.clone());
        out.push(FigureFile { name, bytes });
    }
    out
}

/// The part of region `r` (on the PDF's page `page`) that holds ink, with a little air: the
/// space the layout left around a figure (above a plot shorter than its float, beside a narrow
/// one) is not shown. Found on a small grey render of the region (`<stem>-ink.pgm`, 36 dpi).
/// `r` as it is when that render cannot be read; None when the region is blank.
fn inked_part(dir: &std::path::Path, r: &FigureRegion, page: &str, stem: &str) -> Option<FigureRegion> {
    const DPI: f32 = 36.0;
    const AIR: f32 = 6.0;
    let Some((width, pixels)) =
        render_region(dir, r, page, DPI, true, &format!("{stem}-ink")).and_then(|b| read_pgm(&b))
    else {
        return Some(r.clone());
    };
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (i, _) in pixels.iter().enumerate().filter(|(_, &v)| v < 235) {
        let (x, y) = (i % width, i / width);
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x + 1), y1.max(y + 1));
    }
    if x0 == usize::MAX {
        return None;
    }
    let pt = |p: usize| p as f32 * 72.0 / DPI;
    Some(FigureRegion {
        x0: (r.x0 + pt(x0) - AIR).max(r.x0),
        y0: (r.y0 + pt(y0) - AIR).max(r.y0),
        x1: (r.x0 + pt(x1) + AIR).min(r.x1),
        y1: (r.y0 + pt(y1) + AIR).min(r.y1),
        ..r.clone()
    })
}

/// Region `r` of the PDF's page `page` rendered by pdftoppm at `dpi`: a PNG, or with `grey` a
/// grey PGM (`<stem>.png`, `<stem>.pgm` in `dir`). None when pdftoppm fails or times out.
fn render_region(
    dir: &std::path::Path,
    r: &FigureRegion,
    page: &str,
    dpi: f32,
    grey: bool,
    stem: &str,
) -> Option<Vec<u8>> {
    let px = |pt: f32| ((pt * dpi / 72.0).round().max(0.0) as i64).to_string();
    let (format, extension) = if grey { ("-gray", "pgm") } else { ("-png", "png") };
    let (x, y, w, h) = (px(r.x0), px(r.y0), px(r.x1 - r.x0), px(r.y1 - r.y0));
    let args = [
        "-f",
        page,
        "-l",
        page,
        "-r",
        &dpi.to_string(),
        "-x",
        &x,
        "-y",
        &y,
        "-W",
        &w,
        "-H",
        &h,
        format,
        "-singlefile",
        "input.pdf",
        stem,
    ];
    run("pdftoppm", &args, dir, Duration::from_secs(30)).ok().filter(|done| done.ok)?;
    std::fs::read(dir.join(format!("{stem}.{extension}"))).ok()
}

/// A binary PGM's width and grey pixels (8 bits, row by row); None for anything else.
fn read_pgm(bytes: &[u8]) -> Option<(usize, Vec<u8>)> {
    let mut fields: Vec<usize> = Vec::new();
    let mut at = 2;
    if !bytes.starts_with(b"P5") {
        return None;
    }
    while fields.len() < 3 {
        while bytes.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while bytes.get(at)?.is_ascii_digit() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).ok()?.parse().ok()?);
    }
    let (width, height, max) = (fields[0], fields[1], fields[2]);
    let pixels = bytes.get(at + 1..at + 1 + width.checked_mul(height)?)?;
    (max == 255 && width > 0).then(|| (width, pixels.to_vec()))
}

/// The embedded raster images (photos, scans of plots) for captions that have no region yet,
/// on the same page; numbered after the `already` region files.
fn extract_images(
    dir: &std::path::Path,
    last_page: usize,
    paper: &mut Paper,
    caption_pages: &[usize],
    already: usize,
) -> Vec<FigureFile> {
    let last = last_page.to_string();
    let Ok(list) = run("pdfimages", &["-list", "-f", "1", "-l", &last, "input.pdf"], dir, Duration::from_secs(30))
    else {
        return Vec::new();
    };
    // page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
    let mut wanted: Vec<(usize, usize)> = Vec::new(); // (page, num)
    for row in list.stdout.lines().skip(2) {
        let cols: Vec<&str> = row.split_whitespace().collect();
        if cols.len() < 5 || cols[2] != "image" {
            continue;
        }
        let (Ok(page), Ok(num), Ok(w), Ok(h)) =
            (cols[0].parse::<usize>(), cols[1].parse::<usize>(), cols[3].parse::<u32>(), cols[4].parse::<u32>())
        else {
            continue;
        };
        let (w, h) = (u64::from(w), u64::from(h));
        // Pixel bombs (a small stream declaring 50000 × 50000 px) are never decoded.
        if w >= 150 && h >= 120 && w * h >= 60_000 && w < 20 * h && h < 20 * w && !crate::limits::too_many_pixels(w, h)
        {
            wanted.push((page, num));
        }
    }
    // Pages that hold a single full-page image are scans of text, not figures.
    wanted.truncate(MAX_FIGURES.saturating_sub(already));
    if wanted.is_empty() {
        return Vec::new();
    }
    let last_needed = wanted.iter().map(|w| w.0).max().unwrap_or(1).to_string();
    let out_dir = dir.join("img");
    if std::fs::create_dir(&out_dir).is_err() {
        return Vec::new();
    }
    let res = run(
        "pdfimages",
        &["-png", "-p", "-f", "1", "-l", &last_needed, "input.pdf", "img/i"],
        dir,
        Duration::from_secs(60),
    );
    if res.is_err() {
        paper.notes.push("The figures could not be extracted from this PDF.".into());
        return Vec::new();
    }
    let mut files: HashMap<usize, std::path::PathBuf> = HashMap::new();
    if let Ok(rd) = std::fs::read_dir(&out_dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            // i-PPP-NNN.png
            if let Some(num) =
                name.strip_suffix(".png").and_then(|s| s.rsplit('-').next()).and_then(|n| n.parse::<usize>().ok())
            {
                files.insert(num, e.path());
            }
        }
    }
    // A caption whose region was rendered already has its image.
    let mut used_captions: Vec<bool> = paper.figures.iter().map(|f| f.image.is_some()).collect();
    let mut out = Vec::new();
    for (page, num) in wanted {
        // Pair with the first unused caption on the same page (pages are 1-based here).
        let idx = caption_pages.iter().enumerate().position(|(i, p)| *p + 1 == page && !used_captions[i]);
        if idx.is_none() && caption_pages.iter().any(|p| *p + 1 == page) {
            continue; // inside the region already rendered for that page's caption
        }
        let Some(path) = files.get(&num) else { continue };
        let Ok(bytes) = std::fs::read(path) else { continue };
        let name = format!("figures/fig-{}.png", already + out.len() + 1);
        match idx {
            Some(i) => {
                used_captions[i] = true;
                paper.figures[i].image = Some(name.clone());
            }
            None => paper.figures.push(Figure {
                label: None,
                caption: String::new(),
                image: Some(name.clone()),
                source_href: None,
            }),
        }
        out.push(FigureFile { name, bytes });
    }
    out
}

/// The layout analysis alone, on the HTML of `pdftotext -bbox-layout` (what [`read_pdf`] does
/// after its subprocesses, without figure rendering): for the fuzzer and the benchmark only.
/// `None` when the HTML holds no page.
#[doc(hidden)]
pub fn analyse_layout(html: &str, meta_title: &str) -> Option<Paper> {
    let pages = parse_layout(html)?;
    let regions = figure_regions(&pages);
    Some(analyse(pages, meta_title, false, &regions).0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_lines() {
        assert_eq!(
            authors_of("Indraneel Datta1, Chad G Ball1*, Lucas Rudmik1, S Morad Hameed2, John B Kortbeek1"),
            vec!["Indraneel Datta", "Chad G Ball", "Lucas Rudmik", "S Morad Hameed", "John B Kortbeek"]
        );
        assert_eq!(
            authors_of("Andrew E. Webb1 , Thomas A. Walsh1 and Mary J. O’Connell1 ,2 1 Bioinformatics and Molecular Evolution Group, School of Biotechnology"),
            vec!["Andrew E. Webb", "Thomas A. Walsh", "Mary J. O’Connell"]
        );
        assert_eq!(
            authors_of("Ross G. DOUGLAS∗1 , Rajni K. SHARMA†1 , Geoffrey MASUYER‡, Lizelle LUBBE∗"),
            vec!["Ross G. Douglas", "Rajni K. Sharma", "Geoffrey Masuyer", "Lizelle Lubbe"]
        );
        assert_eq!(
            authors_of("Kalpesh Krishna♠ ∗ Erin Bransom♢ Bailey Kuehl♢"),
            vec!["Kalpesh Krishna", "Erin Bransom", "Bailey Kuehl"]
        );
        assert!(authors_of("Deep venous thrombosis prophylaxis is essential to the management of trauma.").is_empty());
        assert!(authors_of("University of Cape Town, South Africa").is_empty());
    }
}
