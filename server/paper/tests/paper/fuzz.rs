//! `paper::read` never panics on random bytes or mutated real fixtures (fixed seed, reproducible).

use crate::common;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPICE: &[&[u8]] = &[
    b"<",
    b">",
    b"&#x",
    b"&",
    b"]]>",
    b"<!--",
    b"<sec>",
    b"</p>",
    b"<mml:math>",
    b"\x00",
    b"\xff\xfe",
    b"%PDF-",
    b"PK\x03\x04",
    b"\r\n",
    b"\xe2\x80",
    b"-\n",
    b"# ",
    b"<?xml",
];

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut v = src.to_vec();
    for _ in 0..1 + rng.below(8) {
        if v.is_empty() {
            v.push(rng.next() as u8);
        }
        match rng.below(6) {
            0 => {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            1 => {
                let cut = rng.below(v.len());
                v.truncate(cut.max(1));
            }
            2 => {
                let i = rng.below(v.len());
                let len = rng.below(64).min(v.len() - i);
                v.drain(i..i + len);
            }
            3 => {
                let i = rng.below(v.len());
                let s = SPICE[rng.below(SPICE.len())];
                v.splice(i..i, s.iter().copied());
            }
            4 => {
                // duplicate a chunk
                let i = rng.below(v.len());
                let len = rng.below(256).min(v.len() - i);
                let chunk: Vec<u8> = v[i..i + len].to_vec();
                let j = rng.below(v.len());
                v.splice(j..j, chunk);
            }
            _ => {
                let i = rng.below(v.len());
                let j = rng.below(v.len());
                v.swap(i, j);
            }
        }
    }
    v
}

fn fuzz(files: &[&str], iterations: usize, seed: u64) {
    let mut rng = Rng(seed);
    let sources: Vec<Vec<u8>> = files.iter().map(|f| common::fixture(f)).collect();
    for i in 0..iterations {
        let src = &sources[i % sources.len()];
        let input = mutate(&mut rng, src);
        let _ = paper::read(&input); // must return, not panic
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5EED_0001);
    for _ in 0..2000 {
        let len = rng.below(600);
        let mut v: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if rng.below(4) == 0 {
            // Make some of them look like text or XML.
            for b in v.iter_mut() {
                *b = b" <>/&#;abcdefghij\n"[(*b as usize) % 18];
            }
        }
        let _ = paper::read(&v);
        let _ = paper::detect::detect(&v);
    }
}

#[test]
fn mutated_jats_never_panic() {
    fuzz(
        &[
            "jats/elife_poa_abstract-only_e06828.xml",
            "jats/pmc-oa_pnas_mathml_pnas.202535682.nxml",
            "jats/publisher-jats_copernicus_mathml-oasis-tables.xml",
        ],
        400,
        0x5EED_0002,
    );
}

#[test]
fn mutated_text_never_panic() {
    let mut rng = Rng(0x5EED_0003);
    let md = "# Title\n\n## Abstract\n\nSome *text* [link](x) ![img](y)\n\n1. Introduction\n\nWords-\nsplit.\n\nRESULTS\n\n| a | b |\n```\ncode\n```\n".as_bytes();
    for _ in 0..2000 {
        let _ = paper::read(&mutate(&mut rng, md));
    }
}

#[test]
fn mutated_docx_never_panic() {
    fuzz(&["docx/template_msword_zotero-fields_msword_zotero.docx"], 150, 0x5EED_0004);
}

#[test]
fn mutated_pdf_never_panic() {
    // Each PDF read runs poppler subprocesses: keep this small.
    fuzz(&["pdf/bmc-review_twocol_cc-by-2.0.pdf", "pdf/bmc-hsr_truncated-at-55pct_DERIVED.pdf"], 8, 0x5EED_0005);
}

#[test]
fn mutated_encodings_and_markup_never_panic() {
    let mut rng = Rng(0x5EED_0006);
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("# Title\r\n\r\nText “quoted” 😀.\r\n".encode_utf16().flat_map(u16::to_le_bytes));
    let sources: Vec<Vec<u8>> = vec![
        utf16,
        b"\x93Quoted\x94 \x96 caf\xe9\r\n\r\nText \x97 more.\r\n".to_vec(),
        b"---\ntitle: \"A: B\"\nauthor:\n  - name: A\n    affiliation: X\nauthors: [A, {name: B}, \"C, D\"]\ntitle2: >-\n  x\n---\nBody.\n".to_vec(),
        b"<!DOCTYPE html><html><head><style>x</style></head><body><h1>T &amp; U</h1><p>a<br/>b <span class='ocrx_word'>w</span></p><table><tr><td>1</td></tr></table></body></html>".to_vec(),
        b"# $\\alpha$\n\n$x^2$ \\cite{a} \\textbf{b \\emph{c}} $$y$$ \\(z\\) \\[w\\] \\begin{equation}\\label{e}v\\end{equation} \\section{S}\n".to_vec(),
    ];
    for i in 0..3000 {
        let _ = paper::read(&mutate(&mut rng, &sources[i % sources.len()]));
    }
}
