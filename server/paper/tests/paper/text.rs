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

/// The paper's first paragraph of prose: the abstract's, else the first section's.
fn first_paragraph(p: &paper::Paper) -> &str {
    p.abstract_paragraphs
        .first()
        .or_else(|| p.sections.iter().find_map(|s| s.paragraphs.first()))
        .map(String::as_str)
        .unwrap_or("")
}

fn read(bytes: &[u8]) -> paper::Paper {
    assert_eq!(detect(bytes), Some(Format::Text));
    paper::extract(bytes).unwrap().paper
}

#[test]
fn windows_1252_has_its_curly_quotes_and_dashes() {
    // “Quoted” – dash, café — as a Windows editor saves them.
    let bytes =
        b"\x93Quoted\x94 coffee \x96 a field study\r\n\r\nWe sold caf\xe9 au lait \x97 hot \x96 to 200 people.\r\n";
    let p = read(bytes);
    assert_eq!(p.title, "“Quoted” coffee – a field study");
    assert_eq!(first_paragraph(&p), "We sold café au lait — hot – to 200 people.");
}

#[test]
fn valid_utf8_is_never_taken_for_windows_1252() {
    let p = read("Café “quoted” — a study\n\nWe sold café.\n".as_bytes());
    assert_eq!(p.title, "Café “quoted” — a study");
    assert_eq!(first_paragraph(&p), "We sold café.");
}

fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
    let mut v = if big_endian { vec![0xFE, 0xFF] } else { vec![0xFF, 0xFE] };
    for u in s.encode_utf16() {
        v.extend(if big_endian { u.to_be_bytes() } else { u.to_le_bytes() });
    }
    v
}

#[test]
fn utf16_little_endian_with_bom() {
    let p = read(&utf16("Schlaf und Kaffee – eine Studie\r\n\r\nWir gaben Menschen Kaffee.\r\n", false));
    assert_eq!(p.title, "Schlaf und Kaffee – eine Studie");
    assert_eq!(first_paragraph(&p), "Wir gaben Menschen Kaffee.");
}

#[test]
fn utf16_big_endian_with_bom() {
    let p = read(&utf16("# Sleep and “coffee”\n\nWe gave people coffee 😀.\n", true));
    assert_eq!(p.title, "Sleep and “coffee”");
    assert_eq!(first_paragraph(&p), "We gave people coffee 😀.");
}

#[test]
fn front_matter_with_bom_crlf_quoted_colon_and_author_maps() {
    let md = "\u{feff}---\r\ntitle: \"Salt: a trial in care homes\"\r\nauthor:\r\n  - name: Ana Lima\r\n    affiliation: University of Porto\r\n  - name: 'Rui O''Costa'\r\n    email: rui@example.org\r\n---\r\n\r\nWe cut salt in bread.\r\n";
    let p = read(md.as_bytes());
    assert_eq!(p.title, "Salt: a trial in care homes");
    assert_eq!(p.authors, vec!["Ana Lima", "Rui O'Costa"]);
    assert_eq!(first_paragraph(&p), "We cut salt in bread.");
}

#[test]
fn front_matter_flow_lists_and_folded_title() {
    let md = "---\ntitle: >-\n  A long title\n  on two lines\nauthors: [Ana Lima, \"Costa, Rui\", {name: Eva Pinto, orcid: 0000}]\nkeywords: [salt, \"blood pressure\"]\n...\nWe cut salt in bread.\n";
    let p = read(md.as_bytes());
    assert_eq!(p.title, "A long title on two lines");
    assert_eq!(p.authors, vec!["Ana Lima", "Costa, Rui", "Eva Pinto"]);
    assert_eq!(p.keywords, vec!["salt", "blood pressure"]);
    assert_eq!(first_paragraph(&p), "We cut salt in bread.");
}

#[test]
fn front_matter_given_and_family_names() {
    let md = "---\ntitle: Salt # a comment\nauthor:\n- family: Lima\n  given: Ana\n- Rui Costa\n---\nWe cut salt in bread.\n";
    let p = read(md.as_bytes());
    assert_eq!(p.title, "Salt");
    assert_eq!(p.authors, vec!["Ana Lima", "Rui Costa"]);
}

#[test]
fn html_page_reads_as_text_without_tags_or_entities() {
    let html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Ignored</title>\n<style>p { color: red }</style><script>var x = '<p>no</p>';</script></head>\n<body>\n<nav><a href=\"/\">Home</a></nav>\n<h1>Salt &amp; blood   pressure</h1>\n<p class=\"lead\">We cut salt&nbsp;in <em>bread</em> by a third<br/>in twelve homes &mdash; and H<sub>2</sub>O &lt;intake&gt; stayed.</p>\n<table><tr><td>1</td><td>2</td></tr></table>\n<h2>Methods</h2><p>Twelve homes.</p></body></html>\n";
    let p = read(html.as_bytes());
    assert_eq!(p.title, "Salt & blood pressure");
    assert_eq!(first_paragraph(&p), "We cut salt in bread by a third in twelve homes — and H2O <intake> stayed.");
    assert_eq!(p.sections.last().map(|s| s.heading.as_str()), Some("Methods"));
    assert_eq!(p.sections.last().map(|s| s.paragraphs.clone()), Some(vec!["Twelve homes.".to_string()]));
}

#[test]
fn hocr_reads_its_words_not_its_layout() {
    let hocr = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\" \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title></title><meta name='ocr-system' content='tesseract 5.3.0' /></head>\n<body><div class='ocr_page' id='page_1' title='image \"scan.png\"; bbox 0 0 2480 3508; ppageno 0'>\n<div class='ocr_carea' id='block_1_1' title=\"bbox 300 200 2100 300\">\n<p class='ocr_par' id='par_1_1' lang='eng'>\n<span class='ocr_line' id='line_1_1' title=\"bbox 300 200 2100 300; baseline 0 -10\"><span class='ocrx_word' id='word_1_1' title='bbox 300 200 500 300; x_wconf 96'>Coffee</span><span class='ocrx_word' id='word_1_2' title='bbox 520 200 700 300; x_wconf 95'>and</span><span class='ocrx_word' id='word_1_3' title='bbox 720 200 900 300; x_wconf 95'>sleep</span></span>\n</p></div>\n<div class='ocr_carea' id='block_1_2'><p class='ocr_par' id='par_1_2' lang='eng'>\n<span class='ocr_line' id='line_1_2'><span class='ocrx_word'>We</span> <span class='ocrx_word'>gave</span> <span class='ocrx_word'>people</span> <span class='ocrx_word'>cof-</span></span>\n<span class='ocr_line' id='line_1_3'><span class='ocrx_word'>fee</span><span class='ocrx_word'>at</span><span class='ocrx_word'>night.</span></span>\n</p></div></div></body></html>\n";
    let p = read(hocr.as_bytes());
    assert_eq!(p.title, "Coffee and sleep");
    assert_eq!(first_paragraph(&p), "We gave people coffee at night.");
}

#[test]
fn inline_html_in_markdown_is_stripped() {
    let md =
        "# Salt<sup>1</sup> and pressure\n\nWe cut salt<br>in bread by <b>a third</b> (p <0.05 and q> 1) &amp; more.\n";
    let p = read(md.as_bytes());
    assert_eq!(p.title, "Salt1 and pressure");
    assert_eq!(first_paragraph(&p), "We cut salt in bread by a third (p <0.05 and q> 1) & more.");
}

#[test]
fn tex_math_is_spoken_and_commands_are_not_read() {
    let md = "# The $\\alpha$ effect\n\nWe fit $y = x^2$ to the data \\cite{smith2020}, see Fig.~\\ref{fig:one}\\label{sec:intro} and \\textbf{Table 2}. It costs $5 and $10.\n\n$$\nE = mc^2\n$$\n\nInline \\(a+b\\) and display \\[\\frac{a}{b}\\] and\n\\begin{equation}\\label{eq:1}\n\\sqrt{x}\n\\end{equation}\ndone.\n";
    let p = read(md.as_bytes());
    assert_eq!(p.title, "The alpha effect");
    let paras = &p.sections[0].paragraphs;
    assert_eq!(paras[0], "We fit y equals x squared to the data, see Fig. and Table 2. It costs $5 and $10.");
    assert_eq!(paras[1], "E equals mc squared");
    assert_eq!(paras[2], "Inline a plus b and display a over b and the square root of x done.");
}

#[test]
fn latex_source_gives_title_sections_and_no_commands() {
    let tex = "\\documentclass[11pt]{article}\n\\usepackage{amsmath}\n\\title{Salt and \\emph{pressure}}\n\\author{Ana Lima}\n\\begin{document}\n\\maketitle\n\\begin{abstract}\nWe cut salt \\citep[see][]{x}.\n\\end{abstract}\n\\section{Introduction}\\label{s:intro}\nSalt matters~\\cite{y}.\n\\begin{figure}\n\\includegraphics{a.png}\n\\caption{Not read.}\n\\end{figure}\n\\end{document}\n";
    let p = read(tex.as_bytes());
    assert_eq!(p.title, "Salt and pressure");
    assert_eq!(p.abstract_paragraphs, vec!["We cut salt."]);
    assert_eq!(p.sections[0].heading, "Introduction");
    assert_eq!(p.sections[0].paragraphs, vec!["Salt matters."]);
}
