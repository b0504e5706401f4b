//! DOCX fixtures.

use crate::common;
use common::*;
use paper::detect::{detect, Format};

fn no_field_codes(p: &paper::Paper) {
    for t in p.all_text().chain(std::iter::once(p.title.as_str())) {
        for code in
            ["ADDIN", "ZOTERO_ITEM", "CSL_CITATION", "citationItems", "MENDELEY", "HYPERLINK", "REF _Ref", "PAGEREF"]
        {
            assert!(!t.contains(code), "field code {code} leaked into {t:?}");
        }
    }
}

#[test]
fn zotero_template_fields_hidden() {
    let bytes = fixture("docx/template_msword_zotero-fields_msword_zotero.docx");
    assert_eq!(detect(&bytes), Some(Format::Docx));
    // Lorem ipsum: the reader reads it, the quality gate refuses to make a video of it.
    assert_eq!(paper::read(&bytes).unwrap_err().kind, "placeholder-text");
    // The reader itself, before placeholder paragraphs are left out.
    let e = paper::docx::read_docx(&bytes).unwrap();
    let p = &e.paper;
    // The template has no title paragraph or document title.
    assert_eq!(p.title, "");
    assert!(p.notes.iter().any(|n| n.contains("No title")));
    assert_headings_in_order(p, &["Background", "Methods", "Study design", "Results", "Discussion", "Conclusion"]);
    assert_sane_levels(p);
    assert_eq!(p.sections.iter().find(|s| s.heading == "Study design").unwrap().level, 2);
    no_field_codes(p);
    // The citation's displayed result stays.
    assert!(body_text(p).contains("elementum (1,2)."));
    assert_eq!(e.figure_files.len(), 1);
    assert_eq!(e.figure_files[0].name, "figures/fig-1.png");
    assert_eq!(p.figures[0].image.as_deref(), Some("figures/fig-1.png"));
    assert_eq!(p.figures[0].label.as_deref(), Some("Figure 1"));
    assert!(p.notes.iter().any(|n| n.contains("3 tables were skipped")));
}

#[test]
fn english_manuscript_structured_abstract_and_figures() {
    let Some(bytes) = shared("docx/manuscript_english_figures_article_english.docx") else { return };
    // No title anywhere (no title paragraph, no document property): refused, with what to do.
    let refusal = paper::read(&bytes).unwrap_err();
    assert_eq!(refusal.kind, "no-title");
    assert!(refusal.message.contains("Put the paper's title at the top"), "{}", refusal.message);
    let e = paper::extract(&bytes).unwrap();
    let p = &e.paper;
    assert_eq!(p.title, "", "the manuscript has no title paragraph");
    assert_eq!(p.abstract_paragraphs.len(), 4);
    assert!(p.abstract_paragraphs[0].starts_with("Background: Loss of sight"));
    assert!(p.abstract_paragraphs[3].starts_with("Conclusion: "));
    assert_headings_in_order(p, &["Methods", "Results", "Discussion", "Conclusion"]);
    assert!(e.figure_files.len() >= 5);
    assert_eq!(p.figures[0].label.as_deref(), Some("Figure 1"));
    assert!(p.figures[0].caption.starts_with("Acoustic ERP"));
    no_field_codes(p);
}

#[test]
fn ukrainian_manuscript_cyrillic_survives() {
    let Some(bytes) = shared("docx/manuscript_ukrainian_cyrillic_table_article1.docx") else { return };
    let e = paper::read(&bytes).unwrap();
    let p = &e.paper;
    assert!(
        p.title.starts_with("Когнітивно-поведінкова терапія при генералізованому тривожному розладі"),
        "{}",
        p.title
    );
    assert_headings_in_order(
        p,
        &["Актуальність", "КБТ при генералізованому тривожному розладі", "Типові техніки", "Висновки"],
    );
    assert!(body_text(p).chars().any(|c| ('а'..='я').contains(&c)));
    assert!(p.notes.iter().any(|n| n.contains("tables were skipped")));
}

#[test]
fn zip_that_is_not_word() {
    // A minimal stored ZIP with one entry "a.txt".
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file(
            "a.txt",
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored),
        )
        .unwrap();
        std::io::Write::write_all(&mut z, b"hello").unwrap();
        z.finish().unwrap();
    }
    let bytes = buf.into_inner();
    assert_eq!(detect(&bytes), Some(Format::Docx));
    assert_eq!(paper::read(&bytes).unwrap_err().kind, "not-a-word-document");
    assert_eq!(paper::read(&bytes[..bytes.len() / 2]).unwrap_err().kind, "corrupt-file");
}

// ---- DOCX packages built in the test, minimal parts only ----

const W_T: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const W_S: &str = "http://purl.oclc.org/ooxml/wordprocessingml/main";
const R_T: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const R_S: &str = "http://purl.oclc.org/ooxml/officeDocument/relationships";
const M_T: &str = "http://schemas.openxmlformats.org/officeDocument/2006/math";
const M_S: &str = "http://purl.oclc.org/ooxml/officeDocument/math";
/// The relationship types' common prefix, transitional and Strict.
const REL_T: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const REL_S: &str = "http://purl.oclc.org/ooxml/officeDocument/relationships";

/// A ZIP of `(name, bytes)` entries.
fn package(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        for (name, bytes) in parts {
            z.start_file(
                *name,
                zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
            )
            .unwrap();
            std::io::Write::write_all(&mut z, bytes).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// A main document part with `body`, in the given w/r/m namespaces.
fn document(w: &str, r: &str, m: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="{w}" xmlns:r="{r}" xmlns:m="{m}"
 xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
 xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
 xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"
 xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"
 xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
 xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"><w:body>{body}</w:body></w:document>"#
    )
}

fn package_rels(rel: &str, main: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="{main}"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#
    )
}

fn styles(w: &str) -> String {
    format!(
        r#"<w:styles xmlns:w="{w}"><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style></w:styles>"#
    )
}

fn core(title: &str, creator: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title><dc:creator>{creator}</dc:creator></cp:coreProperties>"#
    )
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

fn styled(style: &str, text: &str) -> String {
    format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// A transitional DOCX at `word/document.xml` with `body` (no styles, no properties).
fn simple_docx(body: &str) -> Vec<u8> {
    package(&[
        ("_rels/.rels", package_rels(REL_T, "word/document.xml").as_bytes()),
        ("word/document.xml", document(W_T, R_T, M_T, body).as_bytes()),
    ])
}

/// The DOCX reader alone: what it makes of a small document, before the quality gate of
/// `paper::read` (which wants a title and enough words for a script).
fn read_docx(bytes: &[u8]) -> paper::Extracted {
    paper::docx::read_docx(bytes).unwrap()
}

fn first_paragraph(p: &paper::Paper) -> &str {
    p.all_text().next().unwrap_or("")
}

fn occurrences(p: &paper::Paper, needle: &str) -> usize {
    p.all_text().chain(std::iter::once(p.title.as_str())).map(|t| t.matches(needle).count()).sum()
}

/// A paragraph long enough for `paper::read`'s quality gate (at least 80 words of one language).
const LONG: &str = "We followed two hundred adults over the age of sixty for three years and measured how much salt they ate each week. Those who ate the most salt had higher blood pressure at the end of the study than those who ate the least, and the difference was larger in people who already took medicine for their heart. When the participants cut down on salt for six months, their blood pressure fell again, which suggests that the effect can be reversed even late in life.";

/// Read end to end (`paper::read`, detection and the quality gate included).
#[test]
fn strict_ooxml_reads_like_transitional() {
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 3000]].concat();
    let body = format!(
        "{}{}{}<w:p><w:r><w:drawing><wp:inline><a:graphic><a:graphicData><pic:pic><pic:blipFill><a:blip r:embed=\"rIdImg\"/></pic:blipFill></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>{}<w:sectPr/>",
        styled("Title", "Salt intake and blood pressure in older adults"),
        styled("Heading1", "Introduction"),
        "<w:p><w:r><w:t xml:space=\"preserve\">Salt raises blood pressure </w:t></w:r><w:ins w:id=\"1\" w:author=\"A\"><w:r><w:t>in older adults.</w:t></w:r></w:ins></w:p>",
        para("Figure 1. Blood pressure by salt intake."),
    )
    .replace("<w:sectPr/>", &format!("{}<w:sectPr/>", para(LONG)));
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdS" Type="{REL_S}/styles" Target="styles.xml"/><Relationship Id="rIdImg" Type="{REL_S}/image" Target="media/image1.png"/></Relationships>"#
    );
    let bytes = package(&[
        ("[Content_Types].xml", b"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>"),
        ("_rels/.rels", package_rels(REL_S, "word/document.xml").as_bytes()),
        ("word/document.xml", document(W_S, R_S, M_S, &body).as_bytes()),
        ("word/_rels/document.xml.rels", rels.as_bytes()),
        ("word/styles.xml", styles(W_S).as_bytes()),
        ("word/media/image1.png", &png),
    ]);
    let e = paper::read(&bytes).unwrap();
    let p = &e.paper;
    assert_eq!(p.title, "Salt intake and blood pressure in older adults");
    assert_eq!(headings(p), ["Introduction"]);
    assert_eq!(first_paragraph(p), "Salt raises blood pressure in older adults.");
    assert_eq!(e.figure_files.len(), 1);
    assert_eq!(p.figures[0].label.as_deref(), Some("Figure 1"));
    assert_eq!(p.figures[0].caption, "Blood pressure by salt intake.");
    assert_eq!(p.all_text().nth(1), Some(LONG));
}

#[test]
fn main_part_found_through_relationships_whatever_its_name() {
    // Word Online: /word/document2.xml, its relationships beside it, styles under another name.
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="{REL_T}/styles" Target="/word/styles2.xml"/></Relationships>"#
    );
    let body = format!("{}{}", styled("Title", "Sleep and memory in students"), para("Sleep helps memory."));
    let bytes = package(&[
        ("_rels/.rels", package_rels(REL_T, "/word/document2.xml").as_bytes()),
        ("word/document2.xml", document(W_T, R_T, M_T, &body).as_bytes()),
        ("word/_rels/document2.xml.rels", rels.as_bytes()),
        ("word/styles2.xml", styles(W_T).as_bytes()),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(p.title, "Sleep and memory in students");
    assert_eq!(first_paragraph(&p), "Sleep helps memory.");

    // No package relationships: the content types name the main part.
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/Word/Main.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#;
    let body = format!("{}{}", para("Sleep and memory in students"), para("Sleep helps memory."));
    let bytes = package(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("word/main.xml", document(W_T, R_T, M_T, &body).as_bytes()),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(p.title, "Sleep and memory in students");
    assert_eq!(first_paragraph(&p), "Sleep helps memory.");

    // An Excel package is named as such.
    let bytes = package(&[
        ("_rels/.rels", package_rels(REL_T, "xl/workbook.xml").as_bytes()),
        ("xl/workbook.xml", b"<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"/>"),
    ]);
    let err = paper::read(&bytes).unwrap_err();
    assert_eq!(err.kind, "not-a-word-document");
    assert!(err.message.contains("Excel workbook"), "{}", err.message);
}

/// `s` as UTF-16 with a byte-order mark.
fn utf16(s: &str, little_endian: bool) -> Vec<u8> {
    let bom: u16 = 0xFEFF;
    std::iter::once(bom)
        .chain(s.encode_utf16())
        .flat_map(|u| if little_endian { u.to_le_bytes() } else { u.to_be_bytes() })
        .collect()
}

#[test]
fn parts_with_byte_order_marks_and_utf16() {
    let body = format!("{}{}", styled("Heading1", "Introduction"), para("Café owners sleep less."));
    let doc = document(W_T, R_T, M_T, &body).replace("UTF-8", "UTF-16");
    let rels = format!("\u{FEFF}{}", package_rels(REL_T, "word/document.xml"));
    let core = core("Coffee and sleep: a café survey", "Jane Smith; Omar Haddad").replace("UTF-8", "UTF-16");
    let styles = format!("\u{FEFF}{}", styles(W_T));
    let bytes = package(&[
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", &utf16(&doc, true)),
        ("word/styles.xml", styles.as_bytes()),
        ("docProps/core.xml", &utf16(&core, false)),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(p.title, "Coffee and sleep: a café survey");
    assert_eq!(p.authors, ["Jane Smith", "Omar Haddad"]);
    assert_eq!(headings(&p), ["Introduction"]);
    assert_eq!(first_paragraph(&p), "Café owners sleep less.");
}

#[test]
fn text_boxes_read_once_from_the_choice() {
    let text_box = |text: &str| format!("<w:txbxContent>{}</w:txbxContent>", para(text));
    let body = format!(
        "{}{}<w:p><w:r><w:t>Anchor paragraph text.</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx>{}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox>{}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p><w:p><w:r><w:pict><v:shape><v:textbox>{}</v:textbox></v:shape></w:pict></w:r></w:p>",
        para("Boxes in documents"),
        styled("Heading1", "Results"),
        text_box("Sidebar: only the choice is read."),
        text_box("Sidebar: only the choice is read."),
        text_box("An old VML text box."),
    );
    let bytes = package(&[
        ("_rels/.rels", package_rels(REL_T, "word/document.xml").as_bytes()),
        ("word/document.xml", document(W_T, R_T, M_T, &body).as_bytes()),
        ("word/styles.xml", styles(W_T).as_bytes()),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(p.title, "Boxes in documents");
    let results = &p.sections.iter().find(|s| s.heading == "Results").unwrap().paragraphs;
    assert_eq!(results, &["Anchor paragraph text.", "Sidebar: only the choice is read.", "An old VML text box."]);
    assert_eq!(occurrences(&p, "only the choice"), 1);
}

#[test]
fn tracked_changes_read_as_accepted_hidden_text_dropped() {
    let body = format!(
        "{}<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>{}</w:sdtContent></w:sdt><w:p><w:r><w:t xml:space=\"preserve\">Patients </w:t></w:r><w:del w:id=\"1\" w:author=\"A\"><w:r><w:delText xml:space=\"preserve\">never </w:delText></w:r></w:del><w:ins w:id=\"2\" w:author=\"A\"><w:r><w:t xml:space=\"preserve\">often </w:t></w:r></w:ins><w:r><w:t xml:space=\"preserve\">recovered</w:t></w:r><w:moveFrom w:id=\"3\" w:author=\"A\"><w:r><w:t xml:space=\"preserve\"> quickly</w:t></w:r></w:moveFrom><w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space=\"preserve\"> (write the outcome here)</w:t></w:r><w:r><w:rPr><w:vanish w:val=\"0\"/></w:rPr><w:t>.</w:t></w:r></w:p><w:p><w:moveTo w:id=\"4\" w:author=\"A\"><w:r><w:t>Recovery was quick.</w:t></w:r></w:moveTo></w:p>",
        para("Recovery after surgery"),
        para("Click or tap here to enter text."),
    );
    let p = read_docx(&simple_docx(&body)).paper;
    assert_eq!(p.title, "Recovery after surgery");
    assert_eq!(first_paragraph(&p), "Patients often recovered.");
    assert_eq!(p.all_text().nth(1), Some("Recovery was quick."));
    assert_eq!(occurrences(&p, "never"), 0);
    assert_eq!(occurrences(&p, "quickly"), 0);
    assert_eq!(occurrences(&p, "quick"), 1);
    // Hidden text and a content control still showing its placeholder are template prompts.
    assert_eq!(occurrences(&p, "write the outcome"), 0);
    assert_eq!(occurrences(&p, "Click or tap"), 0);
}

#[test]
fn footnotes_stay_out_of_the_narration() {
    let body = format!(
        "{}<w:p><w:r><w:t>Salt raises blood pressure.</w:t></w:r><w:r><w:rPr><w:rStyle w:val=\"FootnoteReference\"/></w:rPr><w:footnoteReference w:id=\"2\"/></w:r><w:r><w:t xml:space=\"preserve\"> So does stress.</w:t></w:r><w:r><w:footnoteReference w:customMarkFollows=\"1\" w:id=\"3\"/><w:t>*</w:t></w:r><w:r><w:endnoteReference w:id=\"2\"/></w:r></w:p>",
        para("Salt and stress"),
    );
    let footnotes = format!(
        r#"<w:footnotes xmlns:w="{W_T}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="2"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>A footnote never narrated.</w:t></w:r></w:p></w:footnote></w:footnotes>"#
    );
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="{REL_T}/footnotes" Target="footnotes.xml"/></Relationships>"#
    );
    let bytes = package(&[
        ("_rels/.rels", package_rels(REL_T, "word/document.xml").as_bytes()),
        ("word/document.xml", document(W_T, R_T, M_T, &body).as_bytes()),
        ("word/_rels/document.xml.rels", rels.as_bytes()),
        ("word/footnotes.xml", footnotes.as_bytes()),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(first_paragraph(&p), "Salt raises blood pressure. So does stress.");
    assert_eq!(p.all_text().count(), 1);
    assert_eq!(occurrences(&p, "footnote"), 0);
}

/// One OMML run.
fn mr(t: &str) -> String {
    format!("<m:r><m:t>{t}</m:t></m:r>")
}

#[test]
fn equations_spoken_like_mathml() {
    let sup = |base: &str, exp: &str| format!("<m:sSup><m:e>{}</m:e><m:sup>{}</m:sup></m:sSup>", mr(base), mr(exp));
    // E = mc² inline; a display fraction; a square root; a sum with limits.
    let energy = format!("<m:oMath>{}{}{}{}</m:oMath>", mr("E"), mr("="), mr("m"), sup("c", "2"));
    let fraction = format!(
        "<m:oMathPara><m:oMath><m:f><m:num>{}</m:num><m:den>{}</m:den></m:f></m:oMath></m:oMathPara>",
        mr("a+b"),
        mr("2")
    );
    let root = format!(
        "<m:oMath><m:rad><m:radPr><m:degHide m:val=\"1\"/></m:radPr><m:deg/><m:e>{}</m:e></m:rad></m:oMath>",
        mr("x")
    );
    let sum = format!(
        "<m:oMath><m:nary><m:naryPr><m:chr m:val=\"∑\"/></m:naryPr><m:sub>{}</m:sub><m:sup>{}</m:sup><m:e><m:sSub><m:e>{}</m:e><m:sub>{}</m:sub></m:sSub></m:e></m:nary></m:oMath>",
        mr("i=1"),
        mr("n"),
        mr("x"),
        mr("i")
    );
    let body = format!(
        "{}<w:p><w:r><w:t xml:space=\"preserve\">The energy is </w:t></w:r>{energy}<w:r><w:t>.</w:t></w:r></w:p><w:p>{fraction}</w:p><w:p><w:r><w:t xml:space=\"preserve\">Take </w:t></w:r>{root}<w:r><w:t xml:space=\"preserve\"> and </w:t></w:r>{sum}<w:r><w:t>.</w:t></w:r></w:p>",
        para("Equations in Word"),
    );
    let p = read_docx(&simple_docx(&body)).paper;
    let paragraphs: Vec<&str> = p.all_text().collect();
    assert_eq!(
        paragraphs,
        [
            "The energy is E equals m c squared.",
            "(a plus b) over 2",
            "Take the square root of x and the sum from i equals 1 to n of x sub i."
        ]
    );
}

#[test]
fn placeholder_titles_in_properties_ignored() {
    let body = format!("{}{}", para("Introduction"), para("We measured salt intake in 120 adults."));
    for junk in ["Microsoft Word - paper.docx", "Document1", "Untitled", "Untitled document", "paper_v3.docx"] {
        let bytes = package(&[
            ("_rels/.rels", package_rels(REL_T, "word/document.xml").as_bytes()),
            ("word/document.xml", document(W_T, R_T, M_T, &body).as_bytes()),
            ("docProps/core.xml", core(junk, "User").as_bytes()),
        ]);
        let p = read_docx(&bytes).paper;
        assert_eq!(p.title, "", "{junk}");
        assert!(p.authors.is_empty());
        assert_eq!(first_paragraph(&p), "We measured salt intake in 120 adults.");
    }
    // A real title and authors in the properties are used.
    let body = format!("{}{}", para("Introduction"), para("We measured salt intake."));
    let bytes = package(&[
        ("_rels/.rels", package_rels(REL_T, "word/document.xml").as_bytes()),
        ("word/document.xml", document(W_T, R_T, M_T, &body).as_bytes()),
        ("docProps/core.xml", core("Salt intake in adults", "Jane Smith, Omar Haddad").as_bytes()),
    ]);
    let p = read_docx(&bytes).paper;
    assert_eq!(p.title, "Salt intake in adults");
    assert_eq!(p.authors, ["Jane Smith", "Omar Haddad"]);
}

/// A minimal OLE2 compound file: the header, then one directory sector naming `streams`.
fn ole2(streams: &[&str]) -> Vec<u8> {
    let mut b = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    b.resize(512, 0);
    for name in std::iter::once("Root Entry").chain(streams.iter().copied()) {
        let mut entry: Vec<u8> = name.encode_utf16().chain([0]).flat_map(u16::to_le_bytes).collect();
        let len = entry.len() as u16;
        entry.resize(64, 0);
        entry.extend_from_slice(&len.to_le_bytes());
        entry.resize(128, 0);
        b.extend_from_slice(&entry);
    }
    b.resize(1024, 0);
    b
}

#[test]
fn legacy_doc_and_encrypted_docx_refused_clearly() {
    let doc = ole2(&["WordDocument", "1Table", "\u{5}SummaryInformation"]);
    assert_eq!(detect(&doc), Some(Format::Ole2));
    let err = paper::read(&doc).unwrap_err();
    assert_eq!(err.kind, "legacy-word-document");
    assert!(err.message.contains("old Word .doc file"), "{}", err.message);
    assert!(err.message.contains("save it as .docx or PDF"), "{}", err.message);
    // Only the magic (a truncated .doc): still the .doc advice.
    assert_eq!(paper::read(&doc[..600]).unwrap_err().kind, "legacy-word-document");

    let encrypted = ole2(&["EncryptionInfo", "EncryptedPackage", "\u{6}DataSpaces"]);
    let err = paper::read(&encrypted).unwrap_err();
    assert_eq!(err.kind, "password-protected");
    assert!(err.message.contains("password protected"), "{}", err.message);

    let xls = ole2(&["Workbook"]);
    let err = paper::read(&xls).unwrap_err();
    assert_eq!(err.kind, "unsupported-format");
    assert!(err.message.contains("Excel"), "{}", err.message);
}

#[test]
fn deep_nesting_does_not_exhaust_the_stack() {
    let n = 20_000;
    let nested = |open: &str, close: &str, inner: &str| format!("{}{inner}{}", open.repeat(n), close.repeat(n));
    let sdts = nested("<w:sdt><w:sdtContent>", "</w:sdtContent></w:sdt>", &para("Deep in content controls."));
    let links = format!(
        "<w:p>{}</w:p>",
        nested("<w:hyperlink>", "</w:hyperlink>", "<w:r><w:t>Deep in hyperlinks.</w:t></w:r>")
    );
    let boxes = nested(
        "<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>",
        "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>",
        &para("Deep in text boxes."),
    );
    let math = format!(
        "<w:p><m:oMath>{}</m:oMath></w:p>",
        nested("<m:d><m:e><m:f><m:num>", "</m:num><m:den/></m:f></m:e></m:d>", &mr("x"))
    );
    let body = format!("{}{}{sdts}{links}{boxes}{math}", para("Nesting"), para("A first paragraph."));
    let p = read_docx(&simple_docx(&body)).paper;
    assert_eq!(p.title, "Nesting");
    assert_eq!(first_paragraph(&p), "A first paragraph.");
}

// ---- decompression amplification (issue #20): bounded by declared and by actual size ----

use common::bombs;
use paper::limits::{MAX_IMAGES_BYTES, MAX_IMAGE_BYTES, MAX_XML_PART_BYTES};

const MIB: u64 = 1024 * 1024;

/// A figure-sized PNG: 1200 × 900 px declared, 3000 bytes in all.
fn honest_png() -> (Vec<u8>, u64) {
    (bombs::png(1200, 900), 3_000)
}

fn salt_docx(images: Vec<(Vec<u8>, u64)>) -> Vec<u8> {
    bombs::docx("Salt intake and blood pressure in older adults", &[bombs::LONG], images, 0)
}

#[test]
fn images_that_inflate_past_the_limit_are_skipped_and_the_paper_read() {
    // The issue's file in small: images that inflate to 30 MiB each, beside a real one.
    let bomb = (bombs::png(1200, 900), 30 * MIB);
    let bytes = salt_docx(vec![bomb.clone(), honest_png(), bomb.clone(), bomb]);
    assert!(bytes.len() < 200_000, "a small file: {} bytes", bytes.len());
    let e = paper::read(&bytes).unwrap();
    assert_eq!(e.paper.title, "Salt intake and blood pressure in older adults");
    assert_eq!(e.figure_files.len(), 1, "only the honest image is kept");
    assert_eq!(e.figure_files[0].bytes.len(), bombs::png(1, 1).len() + 3_000);
    assert!(
        e.paper.notes.iter().any(|n| n.starts_with("3 image(s) were skipped because they are too large")),
        "{:?}",
        e.paper.notes
    );
}

#[test]
fn all_images_together_stay_within_their_budget() {
    // Seven honest 18 MiB images: five fit in the 100 MiB all images share, two are skipped.
    let big = (bombs::png(1200, 900), 18 * MIB);
    let bytes = salt_docx(vec![big; 7]);
    let e = paper::read(&bytes).unwrap();
    assert_eq!(e.figure_files.len(), 5);
    let total: u64 = e.figure_files.iter().map(|f| f.bytes.len() as u64).sum();
    assert!(total <= MAX_IMAGES_BYTES, "{total}");
    assert!(e.paper.notes.iter().any(|n| n.starts_with("2 image(s) were skipped")), "{:?}", e.paper.notes);
}

#[test]
fn an_image_declaring_billions_of_pixels_is_skipped() {
    let bytes = salt_docx(vec![(bombs::png(50_000, 50_000), 3_000), honest_png()]);
    let e = paper::read(&bytes).unwrap();
    assert_eq!(e.figure_files.len(), 1);
    assert_eq!(paper::limits::figure_dimensions(&e.figure_files[0].bytes), Some((1200, 900)));
    assert!(e.paper.notes.iter().any(|n| n.starts_with("1 image(s) were skipped")), "{:?}", e.paper.notes);
}

#[test]
fn a_text_part_that_inflates_past_the_limit_refuses_the_paper() {
    let bytes = bombs::docx("Salt", &[bombs::LONG], vec![], MAX_XML_PART_BYTES + MIB);
    assert!(bytes.len() < 100_000, "a small file: {} bytes", bytes.len());
    let refusal = paper::read(&bytes).unwrap_err();
    assert_eq!(refusal.kind, "corrupt-file");
    assert_eq!(
        refusal.message,
        "This DOCX's text part inflates to more than 32 MB; it is not a normal paper. Save it again from Word, or upload a PDF."
    );
    // The styles, relationships and properties are bounded alike.
    let styles = bombs::zip(&[
        bombs::entry("word/document.xml", format!("<w:document xmlns:w=\"{W_T}\"><w:body/></w:document>"), 0),
        bombs::entry("word/styles.xml", "<w:styles/>", MAX_XML_PART_BYTES + MIB),
    ]);
    assert_eq!(paper::read(&styles).unwrap_err().kind, "corrupt-file");
}

#[test]
fn sizes_the_archive_understates_gain_nothing() {
    // The directory says 5 KB; the entries inflate to 30 MiB and 40 MiB all the same.
    let mut bytes = salt_docx(vec![(bombs::png(1200, 900), 30 * MIB), honest_png()]);
    bombs::understate(&mut bytes, "word/media/image1.png", 5_000);
    let e = paper::read(&bytes).unwrap();
    assert_eq!(e.figure_files.len(), 1, "the lying image is skipped once more than the limit arrived");
    assert!(e.figure_files.iter().all(|f| f.bytes.len() as u64 <= MAX_IMAGE_BYTES));
    assert!(e.paper.notes.iter().any(|n| n.starts_with("1 image(s) were skipped")), "{:?}", e.paper.notes);

    let mut bytes = bombs::docx("Salt", &[bombs::LONG], vec![], 40 * MIB);
    bombs::understate(&mut bytes, "word/document.xml", 5_000);
    let refusal = paper::read(&bytes).unwrap_err();
    assert_eq!(refusal.kind, "corrupt-file");
    assert!(refusal.message.contains("inflates to more than 32 MB"), "{}", refusal.message);
}

#[test]
fn an_archive_of_too_many_entries_is_refused() {
    let mut entries =
        vec![bombs::entry("word/document.xml", format!("<w:document xmlns:w=\"{W_T}\"><w:body/></w:document>"), 0)];
    entries.extend((0..paper::limits::MAX_ZIP_ENTRIES).map(|n| bombs::entry(&format!("customXml/item{n}.xml"), "", 0)));
    let refusal = paper::read(&bombs::zip(&entries)).unwrap_err();
    assert_eq!(refusal.kind, "corrupt-file");
    assert!(refusal.message.contains("holds 5001 files"), "{}", refusal.message);
}
