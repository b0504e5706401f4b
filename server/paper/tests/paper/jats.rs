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
    let a = paper::read(entity.as_bytes()).unwrap().paper.authors;
    let b = paper::read(raw.as_bytes()).unwrap().paper.authors;
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
    let p = paper::read(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.title, "Real paper");
    assert!(p.notes.iter().any(|n| n.contains("2 articles")));
}

#[test]
fn efetch_error_is_not_found_and_no_text_is_error() {
    let xml = r#"<pmc-articleset><error id="999999999">The following PMCID is not available: 999999999</error></pmc-articleset>"#;
    assert_eq!(paper::read(xml.as_bytes()).unwrap_err().kind, "not-found");
    let front_only = r#"<pmc-articleset><article><!--The publisher of this article does not allow downloading of the full text in XML form.--><front><article-meta><title-group><article-title>T</article-title></title-group></article-meta></front></article></pmc-articleset>"#;
    assert_eq!(paper::read(front_only.as_bytes()).unwrap_err().kind, "no-text");
    assert_eq!(paper::read(b"<?xml version=\"1.0\"?><html/>").unwrap_err().kind, "not-jats");
    assert_eq!(paper::read(b"<?xml version=\"1.0\"?><article><front>").unwrap_err().kind, "invalid-xml");
}

#[test]
fn tex_math_and_citation_sup() {
    let xml = r#"<article xmlns:xlink="http://www.w3.org/1999/xlink"><front><article-meta><title-group><article-title>T</article-title></title-group></article-meta></front>
<body><sec><title>Results</title><p>As shown before<sup><xref ref-type="bibr" rid="r1">12</xref></sup>, the value <inline-formula><alternatives><tex-math>$$\frac{a}{b}$$</tex-math><graphic xlink:href="x.gif"/></alternatives></inline-formula> was small.</p>
<boxed-text><caption><title>Box 1</title></caption><p>Boxed words.</p></boxed-text></sec></body></article>"#;
    let p = paper::read(xml.as_bytes()).unwrap().paper;
    assert_eq!(p.sections[0].paragraphs[0], "As shown before [12], the value a over b was small.");
    assert!(p.sections[0].paragraphs.iter().any(|x| x == "Boxed words."));
}

#[test]
fn doctype_with_external_dtd_is_not_fetched() {
    // A DTD URL that cannot be reached: parsing must not try.
    let xml = r#"<?xml version="1.0"?><!DOCTYPE article PUBLIC "-//NLM//DTD JATS//EN" "http://127.0.0.1:9/never.dtd"><article><front><article-meta><title-group><article-title>Offline</article-title></title-group><abstract><p>Works.</p></abstract></article-meta></front></article>"#;
    assert_eq!(paper::read(xml.as_bytes()).unwrap().paper.title, "Offline");
}
