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
    let e = paper::read(&bytes).unwrap();
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
    let e = paper::read(&bytes).unwrap();
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
