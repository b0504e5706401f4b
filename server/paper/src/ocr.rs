//! Text recognition for PDFs without a usable text layer: each page is rendered with `pdftoppm`
//! and read by `tesseract`, whose TSV output gives every line's box, so the PDF reader's layout
//! analysis (columns, title by size, headings, paragraphs) runs on scans too.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::tools::run;
use crate::{ReadError, ReadErrorKind};

/// At most this many pages are read by OCR (about 10–20 s a page on one core).
pub const MAX_OCR_PAGES: usize = 30;
/// OCR stops starting new pages after this long; the pages read so far are used.
pub const OCR_BUDGET: Duration = Duration::from_secs(300);
/// Resolution pages are rendered at for recognition (tesseract reads best at about 300 dpi).
pub const DPI: f32 = 300.0;
/// The longest side, in pixels, a rendered page may have (a poster at 300 dpi would be huge).
const MAX_SIDE_PX: f32 = 5000.0;

/// Language packs tried besides English, as tesseract names them, with their ISO 639-1 codes.
const PACKS: [(&str, &str); 4] = [("por", "pt"), ("spa", "es"), ("fra", "fr"), ("deu", "de")];

/// One recognised line, in PDF points from the page's top left.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OcrLine {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    /// The median height of the line's words, in points: the text size as the layout analysis
    /// compares it (the line's box grows with a scan's skew; its words' boxes do not).
    pub size: f32,
    pub text: String,
}

/// One recognised page: its size in points and its lines in tesseract's reading order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct OcrPage {
    pub width: f32,
    pub height: f32,
    pub lines: Vec<OcrLine>,
}

/// What OCR read: the pages (the first `pages.len()` of the PDF) and why it stopped early, if it did.
pub(crate) struct OcrResult {
    pub pages: Vec<OcrPage>,
    /// A note for the paper when not every page was read.
    pub stopped_early: Option<String>,
}

/// Reads pages 1..=min(`pages`, [`MAX_OCR_PAGES`]) of `dir/input.pdf`, within [`OCR_BUDGET`].
/// `page_size` is the first page's size in points (for the rendering resolution).
///
/// Errors: `tool-missing` when tesseract or its English data is not installed,
/// `processing-timeout` when the first page takes longer than the tools' time limits (a later
/// page that does ends the reading, with a note).
pub(crate) fn read_pages(dir: &Path, pages: usize, page_size: (f32, f32)) -> Result<OcrResult, ReadError> {
    let langs = installed_languages(dir)?;
    let longest = page_size.0.max(page_size.1).max(1.0);
    let dpi = DPI.min(MAX_SIDE_PX * 72.0 / longest).max(72.0);
    let limit = pages.min(MAX_OCR_PAGES);
    let start = Instant::now();
    let mut out = Vec::new();
    let mut lang = "eng".to_string();
    let mut stopped_early = None;
    for page in 1..=limit {
        if page > 1 && start.elapsed() > OCR_BUDGET {
            stopped_early = Some(format!(
                "Text recognition stopped after {} of {pages} pages (it takes time); only those pages were read.",
                page - 1
            ));
            break;
        }
        let mut read = match read_page(dir, page, dpi, &lang) {
            // A page that takes too long ends the reading; the pages before it are kept.
            Err(e) if e.kind == ReadErrorKind::ProcessingTimeout && page > 1 => {
                stopped_early = Some(format!(
                    "Text recognition stopped at page {page} of {pages} (it took too long); only the pages before it were read."
                ));
                break;
            }
            other => other?,
        };
        if page == 1 {
            // A page in another language is read again with that language's pack.
            let text: String = read.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ");
            let detected = crate::language::detect(&text);
            if let Some((pack, _)) =
                PACKS.iter().find(|(pack, code)| detected.as_deref() == Some(code) && langs.iter().any(|l| l == pack))
            {
                lang = format!("{pack}+eng");
                read = read_page(dir, page, dpi, &lang)?;
            }
        }
        out.push(read);
    }
    if stopped_early.is_none() && pages > limit {
        stopped_early = Some(format!("Only the first {limit} of {pages} pages were read by text recognition (OCR)."));
    }
    Ok(OcrResult { pages: out, stopped_early })
}

/// The language packs tesseract has; `tool-missing` when it is not installed or has no English.
fn installed_languages(dir: &Path) -> Result<Vec<String>, ReadError> {
    const MISSING: &str = "This PDF is a scan, and reading it needs text recognition (tesseract with its English data, Debian packages tesseract-ocr and tesseract-ocr-eng), which is not installed on this server. Ask the operator to install it, or upload a PDF with selectable text or the paper's DOCX.";
    let out = match run("tesseract", &["--list-langs"], dir, Duration::from_secs(20)) {
        Err(e) if e.kind == ReadErrorKind::ToolMissing => return Err(crate::tools::missing("tesseract", MISSING)),
        other => other?,
    };
    let langs: Vec<String> = out.stdout.lines().skip(1).map(|l| l.trim().to_string()).collect();
    if !langs.iter().any(|l| l == "eng") {
        return Err(crate::tools::missing("tesseract", MISSING));
    }
    Ok(langs)
}

/// Renders one page to a grey PNG and reads it with tesseract's TSV output.
fn read_page(dir: &Path, page: usize, dpi: f32, lang: &str) -> Result<OcrPage, ReadError> {
    let n = page.to_string();
    let res = format!("{}", dpi.round());
    let stem = format!("ocr-{page}");
    run(
        "pdftoppm",
        &["-f", &n, "-l", &n, "-r", &res, "-gray", "-png", "-singlefile", "input.pdf", &stem],
        dir,
        Duration::from_secs(60),
    )?;
    let png = format!("{stem}.png");
    if !dir.join(&png).exists() {
        return Ok(OcrPage::default());
    }
    let tsv = run("tesseract", &[&png, "-", "--dpi", &res, "-l", lang, "tsv"], dir, Duration::from_secs(90))?;
    let _ = std::fs::remove_file(dir.join(&png));
    Ok(parse_tsv(&tsv.stdout, 72.0 / dpi))
}

/// Builds a page from tesseract's TSV (`level page block par line word left top width height
/// conf text`), scaling pixels by `scale` to points. Words recognised with little confidence
/// that hold no letter or digit (specks, a scan's dark edge) are dropped; low confidence alone
/// does not drop a word (tesseract is unsure of many right words in a poor scan).
pub(crate) fn parse_tsv(tsv: &str, scale: f32) -> OcrPage {
    let mut page = OcrPage::default();
    let mut key = None;
    let mut heights: Vec<Vec<f32>> = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 11 {
            continue;
        }
        let num = |i: usize| cols.get(i).and_then(|v| v.trim().parse::<f32>().ok()).unwrap_or(0.0);
        let (left, top, width, height) = (num(6) * scale, num(7) * scale, num(8) * scale, num(9) * scale);
        match cols[0] {
            "1" => {
                page.width = width.max(1.0);
                page.height = height.max(1.0);
            }
            "4" => {
                page.lines.push(OcrLine {
                    x0: left,
                    y0: top,
                    x1: left + width,
                    y1: top + height,
                    size: height,
                    text: String::new(),
                });
                heights.push(Vec::new());
                key = Some(page.lines.len() - 1);
            }
            "5" => {
                let text = cols.get(11).map(|t| t.trim()).unwrap_or("");
                let conf = num(10);
                let meaningful = text.chars().any(char::is_alphanumeric);
                if text.is_empty() || (conf < 40.0 && !meaningful) {
                    continue;
                }
                if let Some(h) = key.and_then(|k| heights.get_mut(k)) {
                    h.push(height);
                }
                if let Some(line) = key.and_then(|k| page.lines.get_mut(k)) {
                    if !line.text.is_empty() {
                        line.text.push(' ');
                    }
                    line.text.push_str(text);
                }
            }
            _ => {}
        }
    }
    for (line, mut h) in page.lines.iter_mut().zip(heights) {
        h.sort_by(f32::total_cmp);
        if let Some(m) = h.get(h.len() / 2) {
            line.size = *m;
        }
    }
    page.lines.retain(|l| l.text.chars().any(char::is_alphanumeric));
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_lines_in_points() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
            1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n\
            4\t1\t1\t1\t1\t0\t300\t600\t1200\t50\t-1\t\n\
            5\t1\t1\t1\t1\t1\t300\t600\t200\t50\t96.1\tSalt\n\
            5\t1\t1\t1\t1\t2\t520\t600\t100\t50\t12.0\t~\n\
            5\t1\t1\t1\t1\t3\t640\t600\t300\t50\t91.0\tintake\n\
            4\t1\t1\t1\t2\t0\t300\t700\t20\t20\t-1\t\n\
            5\t1\t1\t1\t2\t1\t300\t700\t20\t20\t30.0\t.\n";
        let page = parse_tsv(tsv, 72.0 / 300.0);
        assert_eq!((page.width.round(), page.height.round()), (595.0, 842.0));
        assert_eq!(page.lines.len(), 1);
        assert_eq!(page.lines[0].text, "Salt intake");
        assert_eq!((page.lines[0].x0, page.lines[0].size), (72.0, 12.0));
    }
}
