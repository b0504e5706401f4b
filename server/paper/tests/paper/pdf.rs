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
    // from the area above its caption, at print resolution, not left without a picture.
    let captioned: Vec<_> = p.figures.iter().filter(|f| f.label.is_some()).collect();
    let drawn: Vec<_> = captioned.iter().filter_map(|f| Some((f.label.clone()?, f.image.clone()?))).collect();
    assert!(drawn.len() >= 3, "captioned figures with a picture: {drawn:?} of {captioned:?}");
    for (label, image) in &drawn {
        let file = e.figure_files.iter().find(|f| &f.name == image).expect("the named file exists");
        let (w, h) = png_size(&file.bytes);
        assert!(w >= 400 && h >= 200 && w <= 1800 && h <= 1700, "{label}: {w}×{h} px");
    }
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
fn scanned_pdf_has_no_text_layer() {
    let Some(bytes) = shared("pdf/scanned-abstract_image-only_no-text-layer.pdf") else { return };
    let err = read(&bytes).unwrap_err();
    assert_eq!(err.kind, "no-text-layer");
    assert!(err.message.contains("scan without a text layer"));
}

#[test]
fn garbage_after_pdf_header_is_corrupt() {
    let err = paper::read(b"%PDF-1.4\n this is not really a pdf").unwrap_err();
    assert_eq!(err.kind, "corrupt-file");
}
