//! JATS fixtures: one test per file, plus cross-cutting checks.

use crate::common;
use common::*;
use paper::detect::{detect, Format};

fn read(rel: &str) -> paper::Paper {
    let bytes = fixture(rel);
    assert_eq!(detect(&bytes), Some(Format::Jats), "{rel} detected as JATS");
    let e = paper::read(&bytes).unwrap_or_else(|e| panic!("{rel}: {} {}", e.kind, e.message));
    assert!(e.figure_files.is_empty());
    e.paper
}

fn no_markup(p: &paper::Paper) {
    for t in p.all_text().chain(std::iter::once(p.title.as_str())) {
        assert!(
            !t.contains("<mml:") && !t.contains("</") && !t.contains("\\frac") && !t.contains("\\documentclass"),
            "markup left in {t:?}"
        );
    }
}

#[test]
fn plos_one_numeric_entities() {
    let p = read("jats/pmc-oa_plos-one_pone.0046493.nxml");
    assert_eq!(
        p.title,
        "MmPPOX Inhibits Mycobacterium tuberculosis Lipolytic Enzymes Belonging to the Hormone-Sensitive Lipase Family and Alters Mycobacterial Growth"
    );
    assert!(p.authors.contains(&"Sadia V. Diomandé".to_string()), "{:?}", p.authors);
    assert_eq!(p.authors[0], "Vincent Delorme");
    assert_eq!(p.doi.as_deref(), Some("10.1371/journal.pone.0046493"));
    assert_eq!(p.pmid.as_deref(), Some("23029536"));
    assert_eq!(p.pmcid.as_deref(), Some("PMC3460867"));
    assert_eq!(p.journal.as_deref(), Some("PLoS ONE"));
    assert_eq!(p.published.as_deref(), Some("2012-09-28"));
    let lic = p.license.as_ref().unwrap();
    assert_eq!(lic.name.as_deref(), Some("CC BY"));
    assert!(lic.text.contains("Creative Commons Attribution License"));
    assert!(!p.abstract_paragraphs.is_empty());
    assert_headings_in_order(&p, &["Introduction", "Materials and Methods", "Chemicals", "Results", "Discussion"]);
    assert_sane_levels(&p);
    assert_eq!(p.figures.len(), 4);
    assert_eq!(p.figures[0].label.as_deref(), Some("Figure 1"));
    assert_eq!(p.figures[0].source_href.as_deref(), Some("pone.0046493.g001"));
    assert!(p.figures[0].caption.starts_with("Chemical structure of inhibitors."));
    assert!(p.notes.iter().any(|n| n.contains("tables were skipped")));
    no_markup(&p);
}

#[test]
fn bmc_microbiology_structured_abstract() {
    let p = read("jats/pmc-oa_bmc-microbiol_1471-2180-11-174.nxml");
    assert_eq!(p.title, "Factors influencing lysis time stochasticity in bacteriophage λ");
    assert_eq!(p.authors, vec!["John J Dennehy", "Ing-Nang Wang"]);
    assert!(p.abstract_paragraphs[0].starts_with("Background: "));
    assert!(p.abstract_paragraphs.iter().any(|a| a.starts_with("Conclusions: ")));
    assert_eq!(p.license.as_ref().unwrap().name.as_deref(), Some("CC BY 2.0"));
    assert_headings_in_order(&p, &["Background", "Results", "Discussion", "Conclusions", "Methods"]);
    assert_eq!(p.figures.len(), 4);
    assert!(p.figures.iter().all(|f| f.source_href.is_some()));
    assert!(body_text(&p).contains('±') || body_text(&p).contains('°'));
    no_markup(&p);
}

#[test]
fn old_nlm_23_licence_with_p_and_empty_link() {
    let p = read("jats/pmc-oa_old-nlm-dtd-2.3_1472-6831-8-11.nxml");
    assert_eq!(
        p.title,
        "The Dutch version of the Oral Health Impact Profile (OHIP-NL): Translation, reliability and construct validity"
    );
    let lic = p.license.as_ref().unwrap();
    assert_eq!(lic.name.as_deref(), Some("CC BY 2.0"));
    assert_eq!(lic.url.as_deref(), Some("http://creativecommons.org/licenses/by/2.0"));
    assert!(!lic.text.contains("( )") && !lic.text.contains("()"), "{}", lic.text);
    assert!(p.figures.is_empty());
    assert_headings_in_order(&p, &["Background", "Methods", "Results", "Discussion", "Conclusion"]);
    assert_eq!(p.abstract_paragraphs.len(), 4);
}

#[test]
fn ehp_public_domain() {
    let p = read("jats/pmc-oa_ehp_public-domain_ehp-116-1694.nxml");
    assert!(p.title.starts_with("Dietary Exposure to 2,2′,4,4′-Tetrabromodiphenyl Ether (PBDE-47)"));
    assert_eq!(p.license.as_ref().unwrap().name.as_deref(), Some("public domain"));
    assert_eq!(p.figures.len(), 3);
    assert_headings_in_order(&p, &["Materials and Methods", "Results", "Discussion"]);
    assert_sane_levels(&p);
}

#[test]
fn efetch_correction_short_body() {
    // CC BY-NC: not shipped in this repository; read from the shared fixtures when present.
    let Some(bytes) = common::shared("jats/efetch-pmc_correction_PMC8435807.xml") else { return };
    let p = paper::jats::read_jats(&bytes).unwrap().paper;
    assert!(p.title.starts_with("“Lung diffusing capacity for nitric oxide measured by two commercial devices"));
    assert!(p.abstract_paragraphs.is_empty());
    assert_eq!(p.sections.len(), 1);
    assert!(p.sections[0].paragraphs[0].contains("−15.1%"));
    assert_eq!(p.pmcid.as_deref(), Some("PMC8435807"));
    assert_eq!(p.pmid.as_deref(), Some("34527728"));
    assert_eq!(p.published.as_deref(), Some("2021-09-13"));
    let lic = p.license.unwrap();
    assert_eq!(lic.name.as_deref(), Some("CC BY-NC 4.0"));
    assert_eq!(lic.url.as_deref(), Some("https://creativecommons.org/licenses/by-nc/4.0/"));
}

#[test]
fn efetch_review_in_articleset() {
    let p = read("jats/efetch-pmc_review_nutrients_PMC3042718.xml");
    assert_eq!(p.title, "Vitamin A Metabolism: An Update");
    assert_eq!(p.authors.len(), 3);
    assert_headings_in_order(
        &p,
        &[
            "1. Introduction",
            "2. Metabolism within the Gastrointestinal (GI) Tract",
            "2.1. Dietary Forms and Metabolism in the Lumen of the Intestine",
        ],
    );
    assert!(p.sections.iter().any(|s| s.level == 3));
    assert_sane_levels(&p);
    assert_eq!(p.figures.len(), 3);
}

#[test]
fn pnas_mathml_spoken() {
    let p = read("jats/pmc-oa_pnas_mathml_pnas.202535682.nxml");
    assert_eq!(p.title, "On the origin of PRDM9-guided recombination hotspots");
    assert_eq!(p.authors, vec!["Francisco Úbeda", "Reinhard Bürger", "Frederic Fyon"]);
    let body = body_text(&p);
    assert!(body.contains("A sub k"), "subscripts spoken");
    assert!(body.contains(" over ") || body.contains(" equals "), "fractions/equalities spoken");
    assert_headings_in_order(&p, &["Methods", "Model", "Results", "Discussion"]);
    assert_eq!(p.figures.len(), 5);
    no_markup(&p);
}

#[test]
fn europepmc_utf8_authors_equal_entity_authors() {
    let p = read("jats/europepmc_nonascii-authors_PMC6385181.xml");
    assert_eq!(
        p.title,
        "Transcriptomic studies and assessment of Yersinia pestis reference genes in various conditions"
    );
    for name in ["Estelle Soulé", "Olivier Gorgé"] {
        assert!(p.authors.iter().any(|a| a == name), "{name} in {:?}", p.authors);
    }
    // Same name, one written as a numeric entity and one as raw UTF-8.
    let entity = r#"<article><front><article-meta><title-group><article-title>T</article-title></title-group><contrib-group><contrib contrib-type="author"><name><surname>St&#x000e5;hlberg</surname><given-names>Anders</given-names></name></contrib></contrib-group><abstract><p>x</p></abstract></article-meta></front></article>"#;
    let raw = entity.replace("&#x000e5;", "å");
    let a = paper::extract(entity.as_bytes()).unwrap().paper.authors;
    let b = paper::extract(raw.as_bytes()).unwrap().paper.authors;
    assert_eq!(a, b);
    assert_eq!(a, vec!["Anders Ståhlberg"]);
    assert_headings_in_order(&p, &["Introduction", "Results", "Discussion", "Methods"]);
}

#[test]
fn elife_abstract_only() {
    let p = read("jats/elife_poa_abstract-only_e06828.xml");
    assert_eq!(
        p.title,
        "Cis and trans RET signaling control the survival and central projection growth of rapidly adapting mechanoreceptors"
    );
    assert!(p.sections.is_empty());
    assert!(!p.abstract_paragraphs.is_empty());
    assert!(p.notes.iter().any(|n| n.contains("based on the abstract")));
    assert!(p.authors.iter().any(|a| a == "Rüdiger Klein"));
}

#[test]
fn elife_kitchen_sink_sub_articles_excluded() {
    let p = read("jats/elife_kitchen-sink_elife-00666.xml");
    assert_eq!(p.title, "The eLife research article");
    let body = body_text(&p);
    assert!(!body.contains("Thank you for submitting your article"), "sub-article text must not be in the body");
    assert!(!body.contains("includes the editorial decision letter"));
    assert!(p.notes.iter().any(|n| n.contains("left out")));
    assert_headings_in_order(&p, &["Introduction (Level 1 heading)", "Results", "Discussion", "Materials and methods"]);
    assert!(p.sections.iter().any(|s| s.level == 4));
    assert_sane_levels(&p);
    assert!(p.authors.iter().all(|a| a.len() < 80), "group authors named, not dumped: {:?}", p.authors);
    assert!(p.figures.len() >= 8);
    // Boxed text kept.
    assert!(p.sections.iter().any(|s| s.heading == "Boxes" && s.paragraphs.len() > 1));
    no_markup(&p);
}

#[test]
fn kjim_case_report() {
    // CC BY-NC: not shipped in this repository; read from the shared fixtures when present.
    let Some(bytes) = common::shared("jats/pmc-oa_case-report_kjim_PMC4531902.xml") else { return };
    let p = paper::jats::read_jats(&bytes).unwrap().paper;
    assert_eq!(
        p.title,
        "Hyperimmunoglobulin E-Recurrent Infection Syndrome In A Patient With Juvenile Dermatomyositis"
    );
    assert_headings_in_order(&p, &["INTRODUCTION", "CASE REPORT", "DISCUSSION"]);
    assert_eq!(p.figures.len(), 3);
    assert_eq!(p.published.as_deref(), Some("1999-01"));
    assert_eq!(p.license.unwrap().name.as_deref(), Some("CC BY-NC 3.0"));
}

#[test]
fn copernicus_publisher_jats_mathml() {
    let p = read("jats/publisher-jats_copernicus_mathml-oasis-tables.xml");
    assert_eq!(p.title, "Quality control of 10-min soil temperatures data at RMI");
    assert_eq!(p.authors, vec!["C. Bertrand", "L. González Sotelino", "M. Journée"]);
    assert_headings_in_order(&p, &["Introduction", "Complex automatic QA", "Global daily QC", "Conclusions"]);
    let body = body_text(&p);
    assert!(body.contains("is less than or equal to"), "MathML relations spoken");
    assert!(body.contains("1 over N"), "fraction spoken");
    no_markup(&p);
}

#[test]
fn several_articles_take_first_research_article() {
    let xml = r#"<?xml version="1.0"?><pmc-articleset>
<article article-type="correction"><front><article-meta><title-group><article-title>Erratum</article-title></title-group></article-meta></front><body><p>Fix.</p></body></article>
<article article-type="research-article"><front><article-meta><title-group><article-title>Real paper</article-title></title-group></article-meta></front><body><sec><title>Intro</title><p>Hello.</p></sec></body></article>
</pmc-articleset>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Real paper");
    assert!(p.notes.iter().any(|n| n.contains("2 articles")));
}

#[test]
fn efetch_error_is_not_found_and_no_text_is_error() {
    let xml = r#"<pmc-articleset><error id="999999999">The following PMCID is not available: 999999999</error></pmc-articleset>"#;
    assert_eq!(paper::extract(xml.as_bytes()).unwrap_err().kind, "not-found");
    let front_only = r#"<pmc-articleset><article><!--The publisher of this article does not allow downloading of the full text in XML form.--><front><article-meta><title-group><article-title>T</article-title></title-group></article-meta></front></article></pmc-articleset>"#;
    assert_eq!(paper::extract(front_only.as_bytes()).unwrap_err().kind, "no-text");
    assert_eq!(paper::extract(b"<?xml version=\"1.0\"?><html/>").unwrap_err().kind, "not-jats");
    assert_eq!(paper::extract(b"<?xml version=\"1.0\"?><article><front>").unwrap_err().kind, "invalid-xml");
}

#[test]
fn tex_math_and_citation_sup() {
    let xml = r#"<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta><title-group><article-title>T</article-title></title-group></article-meta></front>
<body><sec><title>Results</title><p>As shown before<sup><xref ref-type="bibr" rid="r1">12</xref></sup>, the value <inline-formula><alternatives><tex-math>$$\frac{a}{b}$$</tex-math><graphic xlink:href="x.gif"/></alternatives></inline-formula> was small.</p>
<boxed-text><caption><title>Box 1</title></caption><p>Boxed words.</p></boxed-text></sec></body></article>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.sections[0].paragraphs[0], "As shown before [12], the value a over b was small.");
    assert!(p.sections[0].paragraphs.iter().any(|x| x == "Boxed words."));
}

#[test]
fn doctype_with_external_dtd_is_not_fetched() {
    // A DTD URL that cannot be reached: parsing must not try.
    let xml = r#"<?xml version="1.0"?><!DOCTYPE article PUBLIC "-//NLM//DTD JATS//EN" "http://127.0.0.1:9/never.dtd"><article><front><article-meta><title-group><article-title>Offline</article-title></title-group><abstract><p>Works.</p></abstract></article-meta></front></article>"#;
    assert_eq!(paper::extract(xml.as_bytes()).unwrap().paper.title, "Offline");
}

// ---- Issue 17: no markup or entity in any field, HTML entities, sub-articles, languages ----

/// Every string of the paper (all fields, translations included), as serialised.
fn all_strings(p: &paper::Paper) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::to_value(p).unwrap(), &mut out);
    out
}

/// No field holds a tag, a character reference or an escaped entity.
fn assert_no_markup_or_entity(p: &paper::Paper, what: &str) {
    let tag = regex::Regex::new(r"<[A-Za-z]").unwrap();
    let named = regex::Regex::new(r"&[A-Za-z][A-Za-z0-9]*;").unwrap();
    for s in all_strings(p) {
        assert!(!tag.is_match(&s), "{what}: markup in {s:?}");
        assert!(!s.contains("&#"), "{what}: character reference in {s:?}");
        assert!(!s.contains("&amp;") && !s.contains("&lt;"), "{what}: escaped entity in {s:?}");
        assert!(!named.is_match(&s), "{what}: entity in {s:?}");
    }
}

#[test]
fn no_fixture_field_holds_markup_or_entities() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jats");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let p = paper::extract(&bytes).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message)).paper;
        assert_no_markup_or_entity(&p, &path.display().to_string());
        n += 1;
    }
    assert_eq!(n, 10, "every JATS fixture checked");
    // The licence-not-stated ones, when the shared collection is there.
    for rel in ["jats/efetch-pmc_correction_PMC8435807.xml", "jats/pmc-oa_case-report_kjim_PMC4531902.xml"] {
        if let Some(bytes) = common::shared(rel) {
            assert_no_markup_or_entity(&paper::extract(&bytes).unwrap().paper, rel);
        }
    }
}

const PT_BODY: &str = "Os resultados mostram que o novo tratamento reduziu o risco de morte em pacientes idosos \
internados no hospital durante o inverno. A redução foi maior entre as mulheres e entre os pacientes que \
receberam a primeira dose nas primeiras horas depois da internação, segundo os dados coletados pelos médicos.";
const EN_BODY: &str = "The results show that the new treatment reduced the risk of death in older patients admitted \
to hospital during the winter. The reduction was larger among women and among patients who received the first \
dose within the first hours after admission, according to the data collected by the doctors.";

#[test]
fn europe_pmc_articles_wrapper_reads_the_research_article() {
    // Europe PMC's export: an `<articles>` root, no XML declaration, an editorial first.
    let xml = format!(
        r#"<articles> <article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="editorial"><front><article-meta><title-group><article-title>A word from the editors</article-title></title-group></article-meta></front><body><p>Welcome to this issue.</p></body></article>
<article xmlns:xlink="http://www.w3.org/1999/xlink" article-type="research-article"><front><article-meta><title-group><article-title>Salt and blood pressure in older patients</article-title></title-group>
<abstract><p>We cut the salt in bread.</p></abstract></article-meta></front>
<body><sec id="Sec1"><title>Introduction</title><p id="Par37">{EN_BODY}</p></sec></body></article></articles>"#
    );
    assert_eq!(detect(xml.as_bytes()), Some(Format::Jats), "an <articles> file is XML, not text");
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Salt and blood pressure in older patients");
    assert!(p.sections[0].paragraphs[0].starts_with("The results show that the new treatment reduced the risk"));
    assert!(
        p.notes
            .iter()
            .any(|n| n == "The file held 2 articles; only \"Salt and blood pressure in older patients\" was read."),
        "{:?}",
        p.notes
    );
    assert_eq!(p.language.as_deref(), Some("en"));
    assert_no_markup_or_entity(&p, "articles wrapper");
}

#[test]
fn a_wrapper_of_notices_reads_the_first_that_is_not_a_correction() {
    let xml = r#"<?xml version="1.0"?><records>
<article article-type="correction"><front><article-meta><title-group><article-title>Correction to: Salt</article-title></title-group></article-meta></front><body><p>A figure was wrong.</p></body></article>
<article article-type="review-article"><front><article-meta><title-group><article-title>Salt, a review</article-title></title-group></article-meta></front><body><p>Salt raises blood pressure.</p></body></article>
</records>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Salt, a review");
    assert_eq!(p.sections[0].paragraphs[0], "Salt raises blood pressure.");
    assert!(p.notes.iter().any(|n| n.starts_with("The file held 2 articles")));
}

#[test]
fn html_entities_without_a_dtd_become_characters() {
    // SciELO-style JATS: HTML named entities, no DTD declaring them.
    let xml = r#"<?xml version="1.0" encoding="utf-8"?>
<article xml:lang="es"><front><article-meta><title-group><article-title>&iquest;Sal&nbsp;o az&uacute;car? Un estudio en Bogot&aacute;</article-title></title-group>
<abstract><p>Comparamos 10&ndash;20&nbsp;g de sal &amp; az&uacute;car&hellip;</p></abstract></article-meta></front>
<body><sec><title>Introducci&oacute;n</title><p>El caf&eacute; &laquo;colombiano&raquo; &mdash; &alpha;&nbsp;=&nbsp;0,05 &le; &beta;.</p></sec></body></article>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "¿Sal o azúcar? Un estudio en Bogotá");
    assert_eq!(p.abstract_paragraphs, vec!["Comparamos 10–20 g de sal & azúcar…"]);
    assert_eq!(p.sections[0].heading, "Introducción");
    assert_eq!(p.sections[0].paragraphs[0], "El café «colombiano» — α = 0,05 ≤ β.");
    assert_no_markup_or_entity(&p, "html entities");
}

#[test]
fn entities_of_the_internal_subset_are_used_and_unknown_names_are_noted() {
    let xml = r#"<?xml version="1.0"?>
<!DOCTYPE article [ <!ENTITY nbsp "&#x2011;"> <!ENTITY journal "Revista de Sal"> ]>
<article><front><article-meta><title-group><article-title>Sal em &journal;</article-title></title-group>
<abstract><p>Dose de 5&nbsp;g&foo; por dia. AT&T paga.</p></abstract></article-meta></front></article>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Sal em Revista de Sal");
    // The document's own `nbsp` (a non-breaking hyphen here) wins over HTML's; a bare & survives as text.
    assert_eq!(p.abstract_paragraphs, vec!["Dose de 5\u{2011}g por dia. AT&T paga."]);
    assert!(p.notes.iter().any(|n| n.contains("define (foo); those characters were left out")), "{:?}", p.notes);
    assert_no_markup_or_entity(&p, "internal subset");
}

#[test]
fn escaped_markup_cdata_and_double_escaped_entities_never_reach_the_text() {
    let xml = r#"<article><front><article-meta><title-group><article-title>PPAR&amp;#x003b3; and &lt;italic&gt;Mus musculus&lt;/italic&gt;</article-title></title-group>
<abstract><p><![CDATA[<p>Mice fed fat gained weight.</p>]]></p></abstract></article-meta></front>
<body><sec><title>Results</title><p>PPAR&amp;#x003b3 was raised&lt;/p&gt;&lt;p id="Par37"&gt;in fat&amp;amp;nbsp;tissue, p&lt;q.</p></sec></body></article>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "PPARγ and Mus musculus");
    assert_eq!(p.abstract_paragraphs, vec!["Mice fed fat gained weight."]);
    assert_eq!(p.sections[0].paragraphs[0], "PPARγ was raised in fat tissue, p< q.");
    assert_no_markup_or_entity(&p, "escaped markup");
}

#[test]
fn portuguese_article_with_english_translation_and_reviewer_reports() {
    // `xml:lang="en"` on the article lies (its text is Portuguese); the translation has no
    // `xml:lang` at all; reviewer reports and a reply sit after the body and inside `back`.
    let xml = format!(
        r#"<article xml:lang="en" article-type="research-article"><front><article-meta>
<title-group><article-title>Tratamento precoce em idosos</article-title>
<trans-title-group xml:lang="en"><trans-title>Early treatment in older patients</trans-title></trans-title-group></title-group>
<abstract><p>O tratamento precoce reduziu a mortalidade.</p></abstract>
<trans-abstract xml:lang="en"><p>Early treatment reduced mortality.</p></trans-abstract>
</article-meta></front>
<body><sec><title>Resultados</title><p>{PT_BODY}</p></sec></body>
<back><sub-article article-type="reviewer-report" id="r1"><front-stub><title-group><article-title>Parecer do revisor</article-title></title-group></front-stub><body><p>The reviewer asks for a larger sample.</p></body></sub-article></back>
<sub-article article-type="translation" id="t1"><front-stub><title-group><article-title>Early treatment in older patients</article-title></title-group>
<abstract><p>Early treatment reduced mortality.</p></abstract></front-stub>
<body><sec><title>Results</title><p>{EN_BODY}</p></sec></body>
<sub-article article-type="reply" id="t1r"><body><p>The authors of the translation reply.</p></body></sub-article></sub-article>
<sub-article article-type="decision-letter" id="d1"><body><p>Thank you for submitting your article.</p></body>
<sub-article article-type="reply" id="d1r"><body><p>We thank the editors.</p></body></sub-article></sub-article>
<response response-type="reply"><body><p>A response to the letter.</p></body></response>
</article>"#
    );
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Tratamento precoce em idosos");
    assert_eq!(p.language.as_deref(), Some("pt"));
    assert!(p.sections[0].paragraphs[0].starts_with("Os resultados mostram que o novo tratamento"));
    assert_eq!(p.abstract_paragraphs, vec!["O tratamento precoce reduziu a mortalidade."]);
    assert_eq!(p.translations.len(), 1, "{:?}", p.translations);
    let en = &p.translations[0];
    assert_eq!(en.language, "en");
    assert_eq!(en.title, "Early treatment in older patients");
    assert_eq!(en.abstract_paragraphs, vec!["Early treatment reduced mortality."]);
    assert_eq!(en.sections[0].heading, "Results");
    assert!(en.sections[0].paragraphs[0].starts_with("The results show that the new treatment"));
    assert_eq!(en.sections[0].paragraphs.len(), 1, "the translation's reply is not part of it");
    let everything = all_strings(&p).join("\n");
    for report in [
        "larger sample",
        "translation reply",
        "Thank you for submitting",
        "thank the editors",
        "response to the letter",
    ] {
        assert!(!everything.contains(report), "reviewer text {report:?} was read");
    }
    assert!(
        p.notes
            .iter()
            .any(|n| n == "3 attached documents (such as a decision letter or author response) were left out."),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_lying_lang_attribute_on_a_translation_is_corrected() {
    // The sub-article says Spanish but is English; the body is Portuguese though marked English.
    let xml = format!(
        r#"<article xml:lang="en"><front><article-meta><title-group><article-title>Tratamento precoce</article-title></title-group></article-meta></front>
<body><p>{PT_BODY}</p></body>
<sub-article article-type="translation" xml:lang="es"><front-stub><title-group><article-title>Early treatment</article-title></title-group></front-stub><body><p>{EN_BODY}</p></body></sub-article></article>"#
    );
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.language.as_deref(), Some("pt"));
    let langs: Vec<&str> = p.translations.iter().map(|t| t.language.as_str()).collect();
    assert_eq!(langs, vec!["en"]);
    assert_eq!(p.translations[0].title, "Early treatment");
}

#[test]
fn a_wrapper_never_chooses_a_peer_review_over_the_article() {
    let xml = r#"<articles><article article-type="decision-letter"><front><article-meta><title-group><article-title>Decision letter</article-title></title-group></article-meta></front><body><p>Thank you for submitting your article.</p></body></article>
<article><front><article-meta><title-group><article-title>Salt in bread</article-title></title-group></article-meta></front><body><p>We cut the salt in bread.</p></body></article></articles>"#;
    let p = paper::extract(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Salt in bread");
    assert_eq!(p.sections[0].paragraphs[0], "We cut the salt in bread.");
}
