//! Text/Markdown and format dispatch.

use paper::detect::{detect, Format};

#[test]
fn markdown_paper() {
    let md = "\u{feff}# Sleep and coffee: a trial\n\nAnn Author\n\n## Abstract\n\nWe gave people coffee.\n\n## 1. Introduction\n\nCoffee is *popular*.\n\n## 2. Methods\n\n### 2.1 Participants\n\nTwenty adults.\n\n## Results\n\nThey slept less.\n";
    assert_eq!(detect(md.as_bytes()), Some(Format::Text));
    let p = paper::extract(md.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Sleep and coffee: a trial");
    assert_eq!(p.abstract_paragraphs, vec!["We gave people coffee."]);
    let hs: Vec<(&str, u8)> = p.sections.iter().map(|s| (s.heading.as_str(), s.level)).collect();
    assert!(
        hs.contains(&("1. Introduction", 1)) && hs.contains(&("2.1 Participants", 2)) && hs.contains(&("Results", 1)),
        "{hs:?}"
    );
    assert_eq!(
        p.sections.iter().find(|s| s.heading == "1. Introduction").unwrap().paragraphs,
        vec!["Coffee is popular."]
    );
}

#[test]
fn plain_text_paper_with_cyrillic() {
    let t = "Когнітивно-поведінкова терапія тривожних розладів\n\nABSTRACT\n\nОгляд літератури.\n\nINTRODUCTION\n\nTreatment of anx-\niety works.\n";
    let p = paper::extract(t.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Когнітивно-поведінкова терапія тривожних розладів");
    assert_eq!(p.abstract_paragraphs, vec!["Огляд літератури."]);
    assert_eq!(p.sections[0].heading, "Introduction");
    assert_eq!(p.sections[0].paragraphs, vec!["Treatment of anxiety works."]);
}

#[test]
fn unknown_and_empty() {
    let e = paper::extract(&[0u8, 159, 146, 150, 1, 2, 3]).unwrap_err();
    assert_eq!(e.kind, "unsupported-format");
    assert!(e.message.contains("PDF") && e.message.contains("docx") && e.message.contains("JATS"));
    assert_eq!(paper::extract(b"").unwrap_err().kind, "empty-file");
    assert_eq!(paper::extract(b"  \n").unwrap_err().kind, "empty-file");
}
