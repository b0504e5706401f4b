//! PDF fixtures (needs poppler-utils: pdfinfo, pdftotext, pdfimages).

use crate::common;
use common::*;
use paper::detect::{detect, Format};

fn read(bytes: &[u8]) -> Result<paper::Extracted, paper::ReadError> {
    assert_eq!(detect(bytes), Some(Format::Pdf));
    paper::read(bytes)
}

fn no_running_lines(p: &paper::Paper, needles: &[&str]) {
    for t in p.all_text() {
        for n in needles {
            assert!(!t.contains(n), "running header/footer {n:?} left in paragraph {t:?}");
        }
        let tt = t.trim();
        assert!(!(tt.len() <= 3 && tt.chars().all(|c| c.is_ascii_digit())), "bare page number paragraph {tt:?}");
    }
}

#[test]
fn bmc_two_column_review() {
    let e = read(&fixture("pdf/bmc-review_twocol_cc-by-2.0.pdf")).unwrap();
    // The year from the first page's copyright line ("© 2010 … licensee BioMed Central"), the
    // language of the main text.
    assert_eq!(e.paper.year(), Some("2010"));
    // The journal from the running header "Datta et al. Journal of Trauma Management & Outcomes 2010, 4:1".
    assert_eq!(e.paper.journal.as_deref(), Some("Journal of Trauma Management & Outcomes"));
    assert_eq!(e.paper.authors.first().map(String::as_str), Some("Indraneel Datta"));
    assert_eq!(e.paper.authors.len(), 5);
    assert_eq!(e.paper.language.as_deref(), Some("en"));
    let p = &e.paper;
    assert_eq!(
        p.title,
        "Complications related to deep venous thrombosis prophylaxis in trauma: a systematic review of the literature"
    );
    assert!(p.abstract_paragraphs.iter().any(|a| a.starts_with("Deep venous thrombosis prophylaxis is essential")));
    assert_headings_in_order(p, &["Introduction", "Methods", "Conclusion"]);
    assert_eq!(p.license.as_ref().and_then(|l| l.name.as_deref()), Some("CC BY 2.0"));
    // Running header "Datta et al. Journal of Trauma Management & Outcomes 2010, 4:1" and "Page 2 of 4".
    no_running_lines(p, &["Page 2 of 4", "Page 3 of 4", "Journal of Trauma Management & Outcomes 2010, 4:1"]);
    // Reading order: the introduction's first paragraph is prose starting where it should.
    let intro = p.sections.iter().find(|s| s.heading == "Introduction").unwrap();
    assert!(
        intro.paragraphs[0].starts_with("Multisystem traumatic injury is a significant risk factor"),
        "{}",
        intro.paragraphs[0]
    );
    // De-hyphenation: no "word- word" splits from line ends in the body.
    let body = body_text(p);
    assert!(!body.contains("prophy- laxis") && !body.contains("throm- bosis"));
    assert!(e.figure_files.is_empty());
}

#[test]
fn vespa_single_column_with_figures() {
    let e = read(&fixture("pdf/vespa_singlecol_figures_cc-by-4.0.pdf")).unwrap();
    let p = &e.paper;
    assert_eq!(p.title, "VESPA: Very large-scale Evolutionary and Selective Pressure Analyses");
    assert!(!p.abstract_paragraphs.is_empty());
    assert_headings_in_order(p, &["Introduction", "Methods", "Results", "Discussion", "Conclusion"]);
    assert_eq!(p.doi.as_deref(), Some("10.7717/peerj-cs.118"));
    no_running_lines(p, &["Webb et al. (2017), PeerJ Comput. Sci."]);
    assert!(!e.figure_files.is_empty() && e.figure_files.len() <= 8);
    assert!(e.figure_files.iter().all(|f| f.name.starts_with("figures/fig-") && f.bytes.starts_with(b"\x89PNG")));
    let fig1 = p.figures.iter().find(|f| f.label.as_deref() == Some("Figure 1")).unwrap();
    assert!(fig1.caption.starts_with("Overview of the 5 Phases"));
    assert_eq!(fig1.image.as_deref(), Some("figures/fig-1.png"));
    // Every figure image named in the paper has its file.
    for f in &p.figures {
        if let Some(img) = &f.image {
            assert!(e.figure_files.iter().any(|ff| &ff.name == img));
        }
    }
}

#[test]
fn clinsci_two_column_many_figures() {
    let e = read(&fixture("pdf/clinsci_twocol_many-figures_cc-by.pdf")).unwrap();
    let p = &e.paper;
    assert_eq!(
        p.title,
        "Fragment-based design for the development of N-domain-selective angiotensin-1-converting enzyme inhibitors"
    );
    assert!(p.has_text());
    // "Clinical Science (2014) 126, 305–313 (Printed in Great Britain) doi: …" above the title.
    assert_eq!((p.journal.as_deref(), p.year()), (Some("Clinical Science"), Some("2014")));
    assert_headings_in_order(p, &["Materials and Methods", "Results", "Discussion"]);
    assert!(e.figure_files.len() <= paper::pdf::MAX_FIGURES);
    // Its figures are drawn (vector art, no embedded image): each captioned figure is rendered
    // from the inked part of the area above its caption, at print resolution, not left without
    // a picture (Figure 5, a protein narrower than its column, is 379 px wide).
    let captioned: Vec<_> = p.figures.iter().filter(|f| f.label.is_some()).collect();
    let drawn: Vec<_> = captioned.iter().filter_map(|f| Some((f.label.clone()?, f.image.clone()?))).collect();
    assert!(drawn.len() >= 3, "captioned figures with a picture: {drawn:?} of {captioned:?}");
    for (label, image) in &drawn {
        let file = e.figure_files.iter().find(|f| &f.name == image).expect("the named file exists");
        let (w, h) = png_size(&file.bytes);
        assert!(w >= 300 && h >= 200 && w <= 1800 && h <= 1700, "{label}: {w}×{h} px");
    }
    // A caption set small at the foot of a column, its label beside its text, is a caption, not
    // a footnote; the correspondence and abbreviation footnotes are not the abstract.
    let figure_6 = p.figures.iter().find(|f| f.label.as_deref() == Some("Figure 6")).expect("Figure 6");
    assert_eq!(figure_6.caption, "Binding of compound 33RE to N-domain ACE");
    assert!(p.abstract_paragraphs.iter().all(|a| !a.starts_with("Correspondence") && !a.starts_with("Abbreviations")));
    // Table 1 drawn beside the text is not read into it, and the sentence it cut is whole.
    let text: Vec<&String> = p.sections.iter().flat_map(|s| &s.paragraphs).collect();
    assert!(text.iter().all(|t| !t.contains("Biological action of product")));
    assert!(text.iter().any(|t| t.contains("the backbone remains well anchored in S2 by a hydrogen bond")));
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let be = |i: usize| u32::from_be_bytes([png[i], png[i + 1], png[i + 2], png[i + 3]]);
    (be(16), be(20))
}

#[test]
fn eacl_latex_two_column() {
    let e = read(&fixture("pdf/eacl2023_twocol_latex_cc-by-4.0.pdf")).unwrap();
    let p = &e.paper;
    assert_eq!(p.title, "LONGEVAL: Guidelines for Human Evaluation of Faithfulness in Long-form Summarization");
    assert!(p.abstract_paragraphs[0].starts_with("While human evaluation remains best practice"));
    // The proceedings line in the first page's footer, and its copyright year.
    assert_eq!(
        p.journal.as_deref(),
        Some("Proceedings of the 17th Conference of the European Chapter of the Association for Computational Linguistics")
    );
    assert_eq!(p.year(), Some("2023"));
    assert_headings_in_order(p, &["1 Introduction", "4 Related Work", "Conclusion", "Limitations"]);
    assert!(p.notes.iter().any(|n| n.contains("reference list")));
    // Footnotes at the foot of a column are not read into the sentence that goes on at the top
    // of the next one, nor narrated: "model-generated sum- | 1 https://github.com/… | maries".
    let text: Vec<&String> = p.sections.iter().flat_map(|s| &s.paragraphs).collect();
    assert!(
        text.iter().any(|t| t.contains("for evaluating model-generated summaries (Kryscinski et al., 2019")),
        "the sentence cut by the column break is whole"
    );
    assert!(text.iter().any(|t| t.contains("Most of the 162 surveyed papers were published in major NLP/ML venues")));
    for footnote in ["github.com/martiansideofthemoon", "Work done during in an internship", "Proceedings of the 17th"]
    {
        assert!(text.iter().all(|t| !t.contains(footnote)), "{footnote}");
    }
    // Nor are the figures' own words (axis labels, legends, the story in Figure 1's example),
    // and a sentence cut by a figure or by two tables set between its halves is whole.
    for label in ["rouge-2_f1", "Mean human score", "Asa Graybar", "pred_hints"] {
        assert!(text.iter().all(|t| !t.contains(label)), "{label}");
    }
    for whole in [
        "none of the surveyed papers that reported human evaluation results on PubMed released their raw human annotations",
        "human evaluation of long-form summarization was time-consuming, challenging, and expensive",
        "See Appendix B.1 for details of our annotator screening process",
    ] {
        assert!(text.iter().any(|t| t.contains(whole)), "{whole}");
    }
    let headings: Vec<&str> = p.sections.iter().map(|s| s.heading.as_str()).collect();
    assert!(
        !headings.contains(&"Coarse") && !headings.contains(&"SQuALITY"),
        "a figure's labels are no headings: {headings:?}"
    );
}

#[test]
fn truncated_pdf_is_corrupt_file() {
    let err = read(&fixture("pdf/bmc-hsr_truncated-at-55pct_DERIVED.pdf")).unwrap_err();
    assert_eq!(err.kind, "corrupt-file");
    assert!(err.message.contains("re-upload") || err.message.contains("again"));
}

#[test]
fn user_password_pdf_is_password_protected() {
    let Some(bytes) = shared("pdf/doclaynet-p3_encrypted_user-password-1234.pdf") else { return };
    let err = read(&bytes).unwrap_err();
    assert_eq!(err.kind, "password-protected");
}

#[test]
fn scanned_pdf_is_read_by_ocr() {
    let Some(bytes) = shared("pdf/scanned-abstract_image-only_no-text-layer.pdf") else { return };
    if !has_tesseract() {
        return;
    }
    let e = read(&bytes).unwrap();
    let p = &e.paper;
    assert!(p.read_by_ocr);
    assert_eq!(p.notes.first().map(String::as_str), Some(paper::pdf::OCR_NOTE));
    assert_eq!(p.title, "Hydrogen incorporation in a-Si:H - growth studies on an Expanding Thermal Plasma");
    // The text starts after the authors and their address. The scan's first words, "At a rate
    // of 10 nm/s a-Si:H has been deposited", lie in its dark skewed edge; tesseract 5.3 reads
    // "Ata tate of 10-nm/s …".
    let first = first_paragraph(p);
    assert!(first.starts_with("At") && first.contains("a-Si:H has been deposited with an"), "{first}");
    assert!(body_text(p).contains("releasing hydrogen molecules, is independent of the H or D isotope."));
    assert_eq!(p.authors.first().map(String::as_str), Some("RJ. Severens"), "{:?}", p.authors);
    assert_eq!(p.language.as_deref(), Some("en"));
}

#[test]
fn garbage_after_pdf_header_is_corrupt() {
    let err = paper::read(b"%PDF-1.4\n this is not really a pdf").unwrap_err();
    assert_eq!(err.kind, "corrupt-file");
}

// ------------------------------------------------------------------ PDFs written by the tests

/// Whether tesseract (with English) is installed; OCR tests skip, saying so, when it is not.
fn has_tesseract() -> bool {
    let ok = std::process::Command::new("tesseract")
        .arg("--list-langs")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "eng"));
    if !ok {
        println!("SKIPPED: tesseract with English data is not installed");
    }
    ok
}

/// One line of text on a hand-written page: position in points from the top left, font size,
/// the text in the font's codes, and the font: 1 is Courier (monospaced, so a substitute font
/// renders it evenly spaced) whose codes 0x80–0x83 are read
/// (through its ToUnicode map) as U+FB01 "ﬁ", U+F001 (a private-use "fi"), U+E000 (a private-use
/// glyph) and U+00AD (a soft hyphen); 2 is Courier whose map shifts every lower-case letter by
/// three (text that prints right but extracts as "Vdow lqwdnh"); 3 is Courier whose map reads
/// a–z as the Hebrew letters U+05D0–U+05E9. `matrix` turns the line: [`UP`] reads upwards (as
/// arXiv's stamp in the left margin), [`UPSIDE_DOWN`] is turned half round; `x`, `y` are then
/// the text matrix's origin, `y` still counted from the page's top.
#[derive(Clone)]
struct Text<'a> {
    x: f32,
    y: f32,
    size: f32,
    text: &'a [u8],
    font: u8,
    matrix: &'static str,
}

const UP: &str = "0 1 -1 0";
const UPSIDE_DOWN: &str = "-1 0 0 -1";

fn t(x: f32, y: f32, size: f32, text: &str) -> Text<'_> {
    Text { x, y, size, text: text.as_bytes(), font: 1, matrix: "1 0 0 1" }
}

const PAGE: (f32, f32) = (612.0, 792.0);

/// A PDF of US-letter pages holding `pages`' text, with a document title when given. With
/// `broken_xref` every cross-reference offset is wrong by 7 bytes (poppler rebuilds the table).
fn text_pdf(pages: &[Vec<Text>], title: Option<&str>, broken_xref: bool) -> Vec<u8> {
    let cmap = |body: &str| {
        format!(
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def\n1 begincodespacerange <00> <FF> endcodespacerange\n{body}\nendcmap CMapName currentdict /CMap defineresource pop end end"
        )
    };
    let stream = |data: &[u8]| {
        let mut o = format!("<< /Length {} >>\nstream\n", data.len()).into_bytes();
        o.extend_from_slice(data);
        o.extend_from_slice(b"\nendstream");
        o
    };
    let font = |map: usize| {
        format!("<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding /ToUnicode {map} 0 R >>")
            .into_bytes()
    };
    // 1 catalog, 2 pages, 3–4 fonts, 5–6 their maps, 7 info, 8 a font, 9 its map, then a page
    // and its content each.
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 10 + 2 * i)).collect();
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes(),
        font(5),
        font(6),
        stream(cmap("4 beginbfchar <80> <FB01> <81> <F001> <82> <E000> <83> <00AD> endbfchar").as_bytes()),
        stream(cmap("2 beginbfrange <61> <77> <0064> <78> <7A> <0061> endbfrange").as_bytes()),
        format!("<< /Title ({}) /Producer (test) >>", title.unwrap_or("")).into_bytes(),
        font(9),
        stream(cmap("1 beginbfrange <61> <7A> <05D0> endbfrange").as_bytes()),
    ];
    for (i, page) in pages.iter().enumerate() {
        let mut content = Vec::new();
        for l in page {
            let y = PAGE.1 - l.y;
            content.extend(format!("BT /F{} {} Tf {} {} {y} Tm (", l.font, l.size, l.matrix, l.x).into_bytes());
            for &b in l.text {
                if matches!(b, b'(' | b')' | b'\\') {
                    content.push(b'\\');
                }
                content.push(b);
            }
            content.extend(b") Tj ET\n");
        }
        objs.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 8 0 R >> >> /Contents {} 0 R >>",
                PAGE.0,
                PAGE.1,
                11 + 2 * i
            )
            .into_bytes(),
        );
        objs.push(stream(&content));
    }
    write_pdf(&objs, title.is_some().then_some(7), broken_xref)
}

/// A PDF whose objects are `objs` (object 1 the catalog), with a correct cross-reference table
/// unless `broken_xref`.
fn write_pdf(objs: &[Vec<u8>], info: Option<usize>, broken_xref: bool) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend_from_slice(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{:010} 00000 n \n", if broken_xref { o + 7 } else { o }).into_bytes());
    }
    let info = info.map(|i| format!(" /Info {i} 0 R")).unwrap_or_default();
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n", objs.len() + 1).into_bytes(),
    );
    out
}

/// An image-only PDF: one page of `PAGE` size showing an 8-bit grey image (a scan).
fn image_pdf(gray: &[u8], width: usize, height: usize) -> Vec<u8> {
    let content = format!("q {} 0 0 {} 0 0 cm /Im1 Do Q", PAGE.0, PAGE.1);
    let mut image = format!(
        "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length {} >>\nstream\n",
        gray.len()
    )
    .into_bytes();
    image.extend_from_slice(gray);
    image.extend(b"\nendstream");
    let objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>", PAGE.0, PAGE.1).into_bytes(),
        image,
        format!("<< /Length {} >>\nstream\n{content}\nendstream", content.len()).into_bytes(),
    ];
    write_pdf(&objs, None, false)
}

/// A scan of `pdf`'s first page: rendered by pdftoppm at 200 dpi in grey, wrapped as an image.
fn scan_of(pdf: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.pdf"), pdf).unwrap();
    let done = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-singlefile", "in.pdf", "page"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(done.success());
    // PGM: "P5\n<width> <height>\n255\n" then the pixels.
    let pgm = std::fs::read(dir.path().join("page.pgm")).unwrap();
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..i]).into_owned());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    image_pdf(&pgm[i + 1..i + 1 + w * h], w, h)
}

const TITLE: &str = "Salt intake and blood pressure in older adults";
const FIRST_SENTENCE: &str =
    "Salt intake raises blood pressure in most adults, and lowering it is one of the cheapest ways to prevent heart disease and stroke.";
const ABSTRACT: &str = "Salt intake raises blood pressure in most adults, and lowering it is one of the cheapest ways to prevent heart disease and stroke. We followed two thousand adults in four cities for five years and measured how much salt they ate from their urine. Those who cut their salt by a third had lower blood pressure and fewer strokes than those who did not, whatever their age or weight. The effect was largest in the oldest people and in those who already had high blood pressure when the study began. These results suggest that public health campaigns to reduce salt in bread and ready meals would prevent many strokes.";

/// Words wrapped into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for w in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.len() + 1 + w.len() <= width => {
                l.push(' ');
                l.push_str(w);
            }
            _ => lines.push(w.to_string()),
        }
    }
    lines
}

/// A first page: `above` (lines set before the title), the title at 14 pt, an author line,
/// "Abstract" and the abstract at 10 pt.
fn first_page<'a>(above: Vec<Text<'a>>, title: &'a str, body: &'a [String]) -> Vec<Text<'a>> {
    let mut page = above;
    page.push(t(50.0, 120.0, 14.0, title));
    page.push(t(72.0, 150.0, 10.0, "Ana Silva1, John Smith2"));
    page.push(t(72.0, 190.0, 10.0, "Abstract"));
    for (i, l) in body.iter().enumerate() {
        page.push(t(72.0, 210.0 + 13.0 * i as f32, 10.0, l));
    }
    page
}

fn first_paragraph(p: &paper::Paper) -> &str {
    p.abstract_paragraphs.iter().chain(p.sections.iter().flat_map(|s| &s.paragraphs)).next().map_or("", |s| s)
}

fn first_sentence(p: &paper::Paper) -> &str {
    let para = first_paragraph(p);
    para.find(". ").map_or(para, |i| &para[..=i])
}

#[test]
fn a_written_pdf_is_read_with_its_title_and_authors() {
    let body = wrap(ABSTRACT, 80);
    let e = read(&text_pdf(&[first_page(vec![], TITLE, &body)], None, false)).unwrap();
    assert_eq!(e.paper.title, TITLE);
    assert_eq!(e.paper.authors, ["Ana Silva", "John Smith"]);
    assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
    assert!(!e.paper.read_by_ocr);
}

#[test]
fn ligatures_private_use_glyphs_and_soft_hyphens_become_letters() {
    // "Our ﬁnding, a ﬂat [PUA fi]eld of treat­ment and pres-/sure": ligatures, a private-use
    // ligature, an unknown private-use glyph, a soft hyphen inside a line and one at its end.
    let mut body = vec![
        b"Our \x80nding is a \x81eld\x82 result: a treat\x83ment for high blood pres\x83".to_vec(),
        b"sure that costs nothing.".to_vec(),
    ];
    body.extend(wrap(ABSTRACT, 80).into_iter().map(String::into_bytes));
    let mut page = vec![t(50.0, 120.0, 14.0, TITLE)];
    for (i, l) in body.iter().enumerate() {
        page.push(Text { text: l, ..t(72.0, 190.0 + 13.0 * i as f32, 10.0, "") });
    }
    let e = read(&text_pdf(&[page], None, false)).unwrap();
    assert_eq!(
        first_sentence(&e.paper),
        "Our finding is a field result: a treatment for high blood pressure that costs nothing."
    );
}

#[test]
fn junk_metadata_titles_give_way_to_the_first_page() {
    let body = wrap(ABSTRACT, 80);
    for junk in [
        "Microsoft Word - salt_final_v3.doc",
        "untitled",
        "Title",
        "salt-2021.pdf",
        "PowerPoint Presentation",
        "10.1371/journal.pone.0000001",
    ] {
        let e = read(&text_pdf(&[first_page(vec![], TITLE, &body)], Some(junk), false)).unwrap();
        assert_eq!(e.paper.title, TITLE, "{junk}");
    }
    // A real document title is used when the page sets no title larger than its text.
    let mut page = vec![t(72.0, 120.0, 10.0, "Blood pressure study")];
    page.extend(body.iter().enumerate().map(|(i, l)| t(72.0, 150.0 + 13.0 * i as f32, 10.0, l)));
    let e = read(&text_pdf(&[page], Some("Salt and blood pressure in four cities"), false)).unwrap();
    assert_eq!(e.paper.title, "Salt and blood pressure in four cities");
}

#[test]
fn title_labels_and_marks_are_removed() {
    let body = wrap(ABSTRACT, 80);
    let labelled = first_page(vec![t(50.0, 95.0, 14.0, "RESEARCH ARTICLE Open Access")], TITLE, &body);
    let e = read(&text_pdf(&[labelled], None, false)).unwrap();
    assert_eq!(e.paper.title, TITLE);
    let inline = format!("Research Article: {TITLE}");
    let e = read(&text_pdf(&[first_page(vec![], &inline, &body)], None, false)).unwrap();
    assert_eq!(e.paper.title, TITLE);
    let marked = format!("#{TITLE}*");
    let e = read(&text_pdf(&[first_page(vec![], &marked, &body)], None, false)).unwrap();
    assert_eq!(e.paper.title, TITLE);
}

#[test]
fn a_damaged_cross_reference_table_is_read() {
    let body = wrap(ABSTRACT, 80);
    let e = read(&text_pdf(&[first_page(vec![], TITLE, &body)], Some(TITLE), true)).unwrap();
    assert_eq!(e.paper.title, TITLE);
    assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
}

#[test]
fn running_headers_page_numbers_and_margin_stamps_are_dropped() {
    let text = format!("{ABSTRACT} {ABSTRACT} {ABSTRACT}");
    let body = wrap(&text, 85);
    let header = "Journal of Salt Studies 2021; 12: 101-110";
    let mut pages = Vec::new();
    for (k, chunk) in body.chunks(8).enumerate() {
        let mut page = if k == 0 {
            let mut p = vec![
                t(50.0, 120.0, 14.0, TITLE),
                Text { matrix: UP, ..t(30.0, 600.0, 18.0, "arXiv:2101.00001v1 [cs.CL] 1 Jan 2021") },
            ];
            p.push(t(72.0, 190.0, 10.0, "Abstract"));
            p
        } else {
            Vec::new()
        };
        page.push(t(72.0, 40.0, 9.0, header));
        page.push(t(300.0, 760.0, 9.0, PAGE_NUMBERS[k]));
        page.extend(chunk.iter().enumerate().map(|(i, l)| t(72.0, 210.0 + 13.0 * i as f32, 10.0, l)));
        pages.push(page);
    }
    let e = read(&text_pdf(&pages, None, false)).unwrap();
    assert_eq!(e.paper.title, TITLE);
    assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
    no_running_lines(&e.paper, &[header, "arXiv", "101"]);
}

const PAGE_NUMBERS: [&str; 4] = ["101", "102", "103", "104"];

#[test]
fn a_footnote_between_columns_is_left_out_of_the_sentence_it_interrupts() {
    // Two columns: the left one ends mid-word above a footnote set at 7 pt; the sentence goes on
    // at the top of the right one.
    let left = wrap(ABSTRACT, 44);
    let (last, rest) = left.split_last().unwrap();
    let mut page = vec![t(50.0, 60.0, 14.0, TITLE), t(50.0, 90.0, 10.0, "1 Introduction")];
    page.extend(rest.iter().enumerate().map(|(i, l)| t(50.0, 110.0 + 13.0 * i as f32, 10.0, l)));
    let bottom = 110.0 + 13.0 * rest.len() as f32;
    let cut = format!("{last} Blood pres-");
    page.push(t(50.0, bottom, 10.0, &cut));
    page.push(t(50.0, 700.0, 7.0, "1 The data are at https://example.org/salt-study"));
    page.push(t(50.0, 709.0, 7.0, "and may be reused freely."));
    let right = wrap("sure fell in every group we followed, the oldest most of all. We thank the four cities.", 44);
    page.extend(right.iter().enumerate().map(|(i, l)| t(320.0, 110.0 + 13.0 * i as f32, 10.0, l)));
    // Enough text in the right column to read the page as two columns.
    let more = wrap(ABSTRACT, 44);
    let top = 110.0 + 13.0 * right.len() as f32 + 20.0;
    page.extend(more.iter().enumerate().map(|(i, l)| t(320.0, top + 13.0 * i as f32, 10.0, l)));

    let e = read(&text_pdf(&[page], None, false)).unwrap();
    let text: String = e.paper.sections.iter().flat_map(|s| &s.paragraphs).cloned().collect::<Vec<_>>().join(" | ");
    assert!(text.contains("Blood pressure fell in every group we followed"), "{text}");
    assert!(!text.contains("example.org") && !text.contains("reused freely"), "{text}");
}

const BEFORE_FIGURE: &str = "We followed two thousand adults in four cities for five years and measured their salt intake from their urine. Those who ate less salt had lower blood pressure, and the oldest";
const AFTER_FIGURE: &str =
    "people gained the most from eating less salt. We thank the four cities and everyone who took part in the study for their time.";

/// A page of a paper with a drawn figure between the halves of a sentence: `before` (the lines
/// of [`BEFORE_FIGURE`]), the figure's own small labels, its caption, then `after` (the lines of
/// [`AFTER_FIGURE`]).
fn page_with_a_figure<'a>(before: &'a [String], after: &'a [String]) -> Vec<Text<'a>> {
    let mut page = vec![t(72.0, 60.0, 12.0, "1 Introduction")];
    page.extend(before.iter().enumerate().map(|(i, l)| t(72.0, 90.0 + 13.0 * i as f32, 10.0, l)));
    let end = 90.0 + 13.0 * before.len() as f32;
    let labels = ["Systolic (mmHg)", "Salt (g/day)", "rouge-1_f1", "60-69", "70-79", "80+"];
    for (i, label) in labels.into_iter().enumerate() {
        page.push(t(120.0 + 60.0 * (i % 3) as f32, end + 60.0 + 50.0 * (i / 3) as f32, 7.0, label));
    }
    page.push(t(72.0, end + 220.0, 10.0, "Figure 1. Systolic blood pressure by salt intake and age."));
    page.extend(after.iter().enumerate().map(|(i, l)| t(72.0, end + 250.0 + 13.0 * i as f32, 10.0, l)));
    page
}

#[test]
fn a_figure_between_the_halves_of_a_sentence_is_left_out_of_it() {
    let (body, before, after) = (wrap(ABSTRACT, 80), wrap(BEFORE_FIGURE, 80), wrap(AFTER_FIGURE, 80));
    let pages = [first_page(vec![], TITLE, &body), page_with_a_figure(&before, &after)];
    let e = read(&text_pdf(&pages, None, false)).unwrap();
    let text: String = e.paper.sections.iter().flat_map(|s| &s.paragraphs).cloned().collect::<Vec<_>>().join(" | ");
    assert!(text.contains("and the oldest people gained the most from eating less salt."), "{text}");
    for label in ["Systolic (mmHg)", "rouge-1_f1", "70-79"] {
        assert!(!text.contains(label), "the figure's label {label} is not the paper's text: {text}");
    }
    let figure = e.paper.figures.iter().find(|f| f.label.as_deref() == Some("Figure 1")).expect("Figure 1");
    assert_eq!(figure.caption, "Systolic blood pressure by salt intake and age.");
    let image = figure.image.as_ref().expect("the drawn figure is rendered");
    // Its labels span 57 pt of the 200 pt between the text and the caption: the white space
    // the layout left around them is not part of the picture (150 dpi, so 57 pt is 119 px).
    let (width, height) = png_size(&e.figure_files.iter().find(|f| &f.name == image).unwrap().bytes);
    assert!((119..200).contains(&height) && width < 700, "{width}×{height} px");
}

#[test]
fn a_figure_is_rendered_from_its_own_page_when_a_cover_page_was_skipped() {
    let (body, before, after) = (wrap(ABSTRACT, 80), wrap(BEFORE_FIGURE, 80), wrap(AFTER_FIGURE, 80));
    let pages = [first_page(vec![], TITLE, &body), page_with_a_figure(&before, &after)];
    let cover = vec![
        t(72.0, 120.0, 14.0, "Salt intake in four cities"),
        t(72.0, 140.0, 10.0, "This is the author's version of a work that was accepted for publication"),
        t(72.0, 154.0, 10.0, "in the Journal of Salt Studies. Downloaded from eprints.example.ac.uk"),
    ];
    let with_cover: Vec<Vec<Text>> = std::iter::once(cover).chain(pages.iter().cloned()).collect();
    let plain = read(&text_pdf(&pages, None, false)).unwrap();
    let covered = read(&text_pdf(&with_cover, None, false)).unwrap();
    assert!(covered.paper.notes.iter().any(|n| n.contains("cover sheet")), "{:?}", covered.paper.notes);
    let image = |e: &paper::Extracted| {
        let figure = e.paper.figures.iter().find(|f| f.label.as_deref() == Some("Figure 1")).expect("Figure 1");
        let name = figure.image.clone().expect("Figure 1 is rendered");
        e.figure_files.iter().find(|f| f.name == name).expect("its file").bytes.clone()
    };
    assert!(image(&plain) == image(&covered), "the same region of the same page, not of the page before it");
}

#[test]
fn raised_footnote_marks_after_punctuation_are_left_out_and_powers_kept() {
    let body = wrap(ABSTRACT, 80);
    let mut page = first_page(vec![], TITLE, &body);
    let y = 210.0 + 13.0 * body.len() as f32 + 30.0;
    // Courier: 6 pt a character at 10 pt, 4.2 at 7 pt.
    let first = "Only two of the papers released their raw annotations.";
    let at = 72.0 + 6.0 * first.len() as f32;
    page.push(t(72.0, y, 10.0, first));
    page.push(t(at, y - 4.0, 7.0, "10"));
    page.push(t(at + 2.0 * 4.2 + 6.0, y, 10.0, "Hence, we collected our own"));
    let second = "ratings of each summary over an area of 5 mm";
    page.push(t(72.0, y + 13.0, 10.0, second));
    page.push(t(72.0 + 6.0 * second.len() as f32, y + 9.0, 7.0, "2"));
    page.push(t(72.0 + 6.0 * second.len() as f32 + 4.2 + 6.0, y + 13.0, 10.0, "of the screen."));
    let e = read(&text_pdf(&[page], None, false)).unwrap();
    let text = e.paper.abstract_paragraphs.join(" | ");
    assert!(text.contains("raw annotations. Hence, we collected our own ratings"), "{text}");
    assert!(text.contains("an area of 5 mm2 of the screen."), "{text}");
}

#[test]
fn a_cover_page_is_skipped() {
    let cover = vec![
        t(40.0, 40.0, 9.0, "See discussions, stats, and author profiles for this publication at: https://www.researchgate.net/publication/1"),
        t(72.0, 120.0, 14.0, "Some other title set on the cover"),
        t(72.0, 200.0, 10.0, "CITATIONS 12 READS 3,400"),
        t(72.0, 240.0, 10.0, "All content following this page was uploaded by Ana Silva on 1 May 2021."),
    ];
    let repository = vec![
        t(72.0, 100.0, 14.0, "Salt intake in four cities"),
        t(72.0, 140.0, 10.0, "This is the author's version of a work that was accepted for publication"),
        t(72.0, 154.0, 10.0, "in the Journal of Salt Studies. Downloaded from eprints.example.ac.uk"),
    ];
    let body = wrap(ABSTRACT, 80);
    for cover in [cover, repository] {
        let e = read(&text_pdf(&[cover, first_page(vec![], TITLE, &body)], None, false)).unwrap();
        assert_eq!(e.paper.title, TITLE);
        assert!(e.paper.notes.iter().any(|n| n.contains("cover sheet")), "{:?}", e.paper.notes);
        assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
    }
}

#[test]
fn a_scan_is_read_by_ocr() {
    if !has_tesseract() {
        return;
    }
    let body = wrap(ABSTRACT, 80);
    let scan = scan_of(&text_pdf(&[first_page(vec![], TITLE, &body)], None, false));
    let e = read(&scan).unwrap();
    assert!(e.paper.read_by_ocr);
    assert_eq!(e.paper.notes.first().map(String::as_str), Some(paper::pdf::OCR_NOTE));
    assert_eq!(e.paper.title, TITLE);
    assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
}

#[test]
fn a_garbled_text_layer_is_read_by_ocr() {
    // The glyphs print the right letters, but the font's map gives "Vdow lqwdnh…".
    if !has_tesseract() {
        return;
    }
    let body = wrap(ABSTRACT, 80);
    let mut page = first_page(vec![], TITLE, &body);
    for l in &mut page {
        l.font = 2;
    }
    let e = read(&text_pdf(&[page], None, false)).unwrap();
    assert!(e.paper.read_by_ocr);
    assert_eq!(e.paper.title, TITLE);
    assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE);
}

#[test]
fn a_blank_scan_is_refused_after_ocr() {
    if !has_tesseract() {
        return;
    }
    let err = read(&image_pdf(&[255u8; 100 * 130], 100, 130)).unwrap_err();
    assert_eq!(err.kind, "no-text-layer");
    assert!(err.message.contains("text recognition (OCR) found no text"), "{}", err.message);
}

/// `page`'s lines set on a page turned by `matrix` (UP: the page is read after turning it a
/// quarter clockwise; UPSIDE_DOWN: half round), placed where they would be on an upright page.
fn turned<'a>(page: Vec<Text<'a>>, matrix: &'static str) -> Vec<Text<'a>> {
    page.into_iter()
        .map(|l| match matrix {
            UP => Text { x: l.y, y: PAGE.1 - l.x, matrix, ..l },
            _ => Text { x: PAGE.0 - l.x, y: PAGE.1 - l.y, matrix, ..l },
        })
        .collect()
}

#[test]
fn turned_and_upside_down_pages_are_read_in_reading_order() {
    let body = wrap(ABSTRACT, 80);
    for matrix in [UP, UPSIDE_DOWN] {
        let page = turned(first_page(vec![], TITLE, &body), matrix);
        let e = read(&text_pdf(&[page], None, false)).unwrap();
        assert_eq!(e.paper.title, TITLE, "{matrix}");
        assert_eq!(first_sentence(&e.paper), FIRST_SENTENCE, "{matrix}");
        assert!(!e.paper.read_by_ocr);
    }
}

#[test]
fn right_to_left_text_in_visual_order_is_put_in_reading_order() {
    // Codes a–z print as Hebrew letters; the line is stored left to right as it looks, so
    // its reading order is the reverse of its characters.
    let visual = "jihg fed cba onml kji hgf edcba";
    let hebrew = |s: &str| -> String {
        s.chars()
            .map(|c| if c.is_ascii_lowercase() { char::from_u32(0x05D0 + (c as u32 - 0x61)).unwrap() } else { c })
            .collect()
    };
    let logical: String = hebrew(visual).chars().rev().collect();
    let body = wrap(ABSTRACT, 80);
    let mut page = first_page(vec![], TITLE, &body);
    page.push(Text { font: 3, ..t(72.0, 500.0, 10.0, visual) });
    let e = read(&text_pdf(&[page], None, false)).unwrap();
    assert!(
        body_text(&e.paper).contains(&logical) || e.paper.abstract_paragraphs.iter().any(|p| p.contains(&logical)),
        "{:?}",
        e.paper
    );
}
