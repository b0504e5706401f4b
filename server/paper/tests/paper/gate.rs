//! The quality gate on every fixture paper: each one is either read into a paper worth a video
//! or refused with the kind that says why. Nothing garbled gets through.

use std::path::PathBuf;

/// Every fixture file: this crate's own, then the shared collection's (skipped when absent).
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let own = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let shared = std::env::var_os("HH_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/papers"));
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    for base in [own, shared] {
        for dir in ["jats", "pdf", "docx", "eutils"] {
            let Ok(entries) = std::fs::read_dir(base.join(dir)) else { continue };
            let mut names: Vec<String> =
                entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
            names.sort();
            for name in names {
                let rel = format!("{dir}/{name}");
                if !out.iter().any(|(r, _)| *r == rel) {
                    out.push((rel.clone(), std::fs::read(base.join(&rel)).unwrap()));
                }
            }
        }
    }
    out
}

/// What each fixture must give: `Ok(language)` for a paper, `Err(kind)` for a refusal.
fn expected(rel: &str) -> Result<&'static str, &'static str> {
    match rel {
        // No title anywhere: no title paragraph and no document property.
        "docx/manuscript_english_figures_article_english.docx" => Err("no-title"),
        "docx/manuscript_ukrainian_cyrillic_table_article1.docx" => Ok("uk"),
        "docx/template_msword_zotero-fields_msword_zotero.docx" => Err("placeholder-text"),
        // NCBI's answers about papers are not papers.
        r if r.starts_with("eutils/") && r.ends_with(".json") => Err("garbled-text"),
        r if r.starts_with("eutils/") => Err("not-jats"),
        // A correction notice: two sentences.
        "jats/efetch-pmc_correction_PMC8435807.xml" => Err("not-enough-text"),
        "pdf/bmc-hsr_truncated-at-55pct_DERIVED.pdf" => Err("corrupt-file"),
        "pdf/doclaynet-p3_encrypted_user-password-1234.pdf" => Err("password-protected"),
        // A scan: read by OCR.
        "pdf/scanned-abstract_image-only_no-text-layer.pdf" => Ok("en"),
        _ => Ok("en"),
    }
}

#[test]
fn every_fixture_is_a_paper_or_an_honest_refusal() {
    let fixtures = fixtures();
    assert!(fixtures.len() >= 10, "fixtures: {}", fixtures.len());
    let mut wrong = Vec::new();
    for (rel, bytes) in &fixtures {
        let got = paper::read(bytes).map(|x| x.paper);
        match (expected(rel), &got) {
            (Ok(language), Ok(p)) => {
                if p.language.as_deref() != Some(language) {
                    wrong.push(format!("{rel}: language {:?}, expected {language}", p.language));
                }
                // What the title card shows reads as a title: words, no markup, no data.
                if p.title.split_whitespace().count() < 2 || p.title.contains(['<', '>', '{', '}', '&']) {
                    wrong.push(format!("{rel}: title {:?}", p.title));
                }
            }
            (Err(kind), Err(e)) if e.kind.as_str() == kind => {
                assert!(e.message.contains("Upload") || e.message.contains("upload"), "{rel}: {}", e.message);
            }
            (want, got) => wrong.push(format!(
                "{rel}: expected {want:?}, got {}",
                match got {
                    Ok(p) => format!("a paper titled {:?}", p.title),
                    Err(e) => format!("{}: {}", e.kind, e.message),
                }
            )),
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
