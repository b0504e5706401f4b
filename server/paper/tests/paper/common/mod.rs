#![allow(dead_code)]
//! Fixture access for the integration tests.

pub mod bombs;

use std::path::PathBuf;

/// A fixture shipped with this crate (`tests/fixtures/<rel>`).
pub fn fixture(rel: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// A fixture whose licence is not stated, so it is not shipped: read from the project's shared
/// collection (`$HH_SHARED_FIXTURES` or `<repo>/../shared/fixtures/papers`). None (and a printed
/// reason) when it is not there, so the calling test can skip.
pub fn shared(rel: &str) -> Option<Vec<u8>> {
    let base = std::env::var_os("HH_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/papers"));
    let p = base.join(rel);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(e) => {
            println!(
                "SKIPPED: {} is not available ({e}); it is licence-not-stated and only in shared/fixtures",
                p.display()
            );
            None
        }
    }
}

pub fn headings(p: &paper::Paper) -> Vec<&str> {
    p.sections.iter().map(|s| s.heading.as_str()).collect()
}

/// `expected` appear among the headings in this order (other headings may sit between them).
pub fn assert_headings_in_order(p: &paper::Paper, expected: &[&str]) {
    let hs = headings(p);
    let mut pos = 0;
    for e in expected {
        match hs[pos..].iter().position(|h| h.eq_ignore_ascii_case(e) || h.to_lowercase().ends_with(&e.to_lowercase()))
        {
            Some(i) => pos += i + 1,
            None => panic!("heading {e:?} not found in order in {hs:?}"),
        }
    }
}

/// Sections' levels are 1.. and never jump more than one level deeper.
pub fn assert_sane_levels(p: &paper::Paper) {
    let mut prev = 0u8;
    for s in &p.sections {
        assert!(s.level >= 1, "level 0 in {:?}", s.heading);
        assert!(s.level <= prev + 1, "level jumps from {prev} to {} at {:?}", s.level, s.heading);
        prev = s.level;
    }
}

pub fn body_text(p: &paper::Paper) -> String {
    p.sections.iter().flat_map(|s| s.paragraphs.iter()).cloned().collect::<Vec<_>>().join("\n")
}
