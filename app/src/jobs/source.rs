//! Where a paper comes from. Parsing runs in the browser too, so a mistyped identifier is
//! explained before anything is sent.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PaperSource {
    /// A PubMed Central ID, normalised to `PMC` + digits.
    Pmcid { id: String },
    /// A PubMed ID: digits only.
    Pmid { id: String },
    /// A DOI, normalised to lower case without any `doi:` or resolver prefix.
    Doi { id: String },
    /// An uploaded file: where it is stored, and the name it had (for display only).
    Upload { key: String, name: String },
}

const HOW: &str = "Enter a PubMed Central ID (PMC1234567), a PMID (12345678) or a DOI (10.1000/xyz123), \
                   or a link to one of them.";

/// The longest identifier or link read at all (a DOI is at most a few hundred characters).
const MAX_INPUT: usize = 400;
/// The longest DOI accepted, prefix and suffix together.
const MAX_DOI: usize = 300;

/// Characters a DOI's suffix may have besides ASCII letters and digits: Crossref's
/// recommendation (`-._;()/:`, which covers all modern DOIs) and the brackets, `+` and `*` that
/// older ones use. Markup (`<`, `>`, `"`, `&`), quotes, `\`, `#`, `%`, `?`, whitespace and control
/// characters are refused: an identifier is shown in pages, titles and logs.
fn doi_suffix_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._;()/:[]+*".contains(c)
}

impl PaperSource {
    /// Reads what a person typed or pasted: an identifier, or a PMC, PubMed or doi.org link.
    pub fn parse(input: &str) -> Result<PaperSource, AppError> {
        let invalid = || AppError::invalid("source", HOW);
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid());
        }
        if text.chars().count() > MAX_INPUT {
            return Err(AppError::invalid(
                "source",
                format!("That is too long for an identifier or a link (at most {MAX_INPUT} characters). {HOW}"),
            ));
        }
        let lower = text.to_lowercase();
        let without_scheme =
            lower.trim_start_matches("https://").trim_start_matches("http://").trim_start_matches("www.");

        // Links first: doi.org/…, …ncbi.nlm.nih.gov/pmc/articles/PMC…, pubmed…/123
        for resolver in ["doi.org/", "dx.doi.org/"] {
            if let Some(rest) = without_scheme.strip_prefix(resolver) {
                // A link's query and fragment are not part of the DOI; its path may be
                // percent-encoded (`%28` for `(`), and is checked once decoded.
                let path = rest.split(['?', '#']).next().unwrap_or_default();
                let decoded = percent_encoding::percent_decode_str(path).decode_utf8().map_err(|_| invalid())?;
                return Self::doi(&decoded);
            }
        }
        if without_scheme.contains("ncbi.nlm.nih.gov") || without_scheme.contains("europepmc.org") {
            let segments: Vec<&str> = without_scheme.split(['/', '?', '#']).filter(|s| !s.is_empty()).collect();
            if let Some(pmc) = segments.iter().find_map(|s| Self::pmcid(s)) {
                return Ok(pmc);
            }
            if without_scheme.starts_with("pubmed.") || without_scheme.contains("/pubmed/") {
                if let Some(pmid) = segments.iter().rev().find_map(|s| Self::pmid(s)) {
                    return Ok(pmid);
                }
            }
            return Err(invalid());
        }

        // "doi:10.1/x", "PMID: 123", "PMCID PMC123": labels as PubMed prints them. A label
        // says which kind the rest must be: "PMCID: 7096066" is PMC7096066, never PMID 7096066.
        let labelled = ["doi", "pmcid", "pmid"].iter().find_map(|label| {
            let rest = lower.strip_prefix(label)?;
            let rest = rest.trim_start();
            let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
            (!rest.is_empty()).then_some((*label, rest))
        });
        match labelled {
            Some(("doi", rest)) => Self::doi(rest),
            Some(("pmcid", rest)) => {
                Self::pmcid(rest).or_else(|| Self::pmcid(&format!("pmc{rest}"))).ok_or_else(invalid)
            }
            Some((_, rest)) => Self::pmid(rest).ok_or_else(invalid),
            None => match Self::pmcid(&lower).or_else(|| Self::pmid(&lower)) {
                Some(id) => Ok(id),
                None if lower.starts_with("10.") => Self::doi(&lower),
                None => Err(invalid()),
            },
        }
    }

    /// `PMC` + 1–10 digits, not all zeros.
    fn pmcid(s: &str) -> Option<PaperSource> {
        let digits = s.strip_prefix("pmc")?;
        Self::digits(digits, 10).then(|| PaperSource::Pmcid { id: format!("PMC{digits}") })
    }

    /// 1–9 digits, not all zeros.
    fn pmid(s: &str) -> Option<PaperSource> {
        Self::digits(s, 9).then(|| PaperSource::Pmid { id: s.to_owned() })
    }

    fn digits(s: &str, max: usize) -> bool {
        !s.is_empty()
            && s.len() <= max
            && s.bytes().all(|b| b.is_ascii_digit())
            && !s.trim_start_matches('0').is_empty()
    }

    /// A DOI as the DOI Handbook writes it: `10.` and a registrant code of digits in dot-separated
    /// groups, `/`, then a suffix of the characters [`doi_suffix_char`] allows; at most
    /// [`MAX_DOI`] characters. A trailing `.`, `,` or `;` is taken as the sentence's, not the DOI's.
    fn doi(s: &str) -> Result<PaperSource, AppError> {
        let s = s.trim().trim_end_matches(['.', ',', ';']);
        let not_a_doi = || AppError::invalid("source", HOW);
        let (prefix, suffix) = s.split_once('/').ok_or_else(not_a_doi)?;
        let registrant = prefix.strip_prefix("10.").ok_or_else(not_a_doi)?;
        let registrant_ok = registrant.len() <= 20
            && registrant.split('.').all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
        if !registrant_ok || suffix.is_empty() {
            return Err(not_a_doi());
        }
        if s.chars().count() > MAX_DOI {
            return Err(AppError::invalid(
                "source",
                format!("That DOI is longer than {MAX_DOI} characters, so it cannot be a real one. Check that only the DOI was pasted."),
            ));
        }
        let mut refused: Vec<String> = Vec::new();
        for c in suffix.chars().filter(|c| !doi_suffix_char(*c)) {
            let shown = if c.is_whitespace() {
                "spaces".to_owned()
            } else if c.is_control() {
                "control characters".to_owned()
            } else {
                format!("\u{201c}{c}\u{201d}")
            };
            if !refused.contains(&shown) {
                refused.push(shown);
            }
        }
        if !refused.is_empty() {
            return Err(AppError::invalid(
                "source",
                format!(
                    "That DOI has characters a DOI we can look up cannot have ({}). Check it, or enter the paper's \
                     PubMed Central ID or PMID, or upload its PDF.",
                    refused.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        Ok(PaperSource::Doi { id: s.to_owned() })
    }

    /// The database's `source_kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            PaperSource::Pmcid { .. } => "pmcid",
            PaperSource::Pmid { .. } => "pmid",
            PaperSource::Doi { .. } => "doi",
            PaperSource::Upload { .. } => "upload",
        }
    }

    /// How the source is shown to people: "PMC1234567", "PMID 123", "doi:10…", "paper.pdf".
    pub fn label(&self) -> String {
        match self {
            PaperSource::Pmcid { id } => id.clone(),
            PaperSource::Pmid { id } => format!("PMID {id}"),
            PaperSource::Doi { id } => format!("doi:{id}"),
            PaperSource::Upload { name, .. } => name.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PaperSource::{self, *};

    fn ok(input: &str) -> PaperSource {
        PaperSource::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn identifiers_and_links_are_recognised() {
        assert_eq!(ok(" PMC7096066 "), Pmcid { id: "PMC7096066".into() });
        assert_eq!(ok("pmcid: pmc7096066"), Pmcid { id: "PMC7096066".into() });
        assert_eq!(ok("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC7096066/"), Pmcid { id: "PMC7096066".into() });
        assert_eq!(ok("https://pmc.ncbi.nlm.nih.gov/articles/PMC7096066/#abstract"), Pmcid { id: "PMC7096066".into() });
        assert_eq!(ok("32109013"), Pmid { id: "32109013".into() });
        assert_eq!(ok("PMID:32109013"), Pmid { id: "32109013".into() });
        assert_eq!(ok("https://pubmed.ncbi.nlm.nih.gov/32109013/"), Pmid { id: "32109013".into() });
        assert_eq!(ok("10.1056/NEJMoa2002032"), Doi { id: "10.1056/nejmoa2002032".into() });
        assert_eq!(ok("doi:10.1056/NEJMoa2002032."), Doi { id: "10.1056/nejmoa2002032".into() });
        assert_eq!(ok("https://doi.org/10.1038/s41586-020-2012-7"), Doi { id: "10.1038/s41586-020-2012-7".into() });
    }

    #[test]
    fn anything_else_is_explained() {
        for bad in [
            "",
            "   ",
            "PMC",
            "PMCabc",
            "0",
            "1234567890123",
            "10.1056",
            "11.1056/x",
            "hello world",
            "https://example.org/paper.pdf",
            "https://pubmed.ncbi.nlm.nih.gov/",
        ] {
            let err = PaperSource::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("source"), "{bad:?}");
            assert!(err.to_string().contains("PMC1234567"), "{bad:?}");
        }
    }

    #[test]
    fn labels_as_pubmed_prints_them_are_accepted() {
        assert_eq!(ok("PMID: 32109013"), Pmid { id: "32109013".into() });
        assert_eq!(ok("PMID 32109013"), Pmid { id: "32109013".into() });
        assert_eq!(ok("PMCID: PMC7096066"), Pmcid { id: "PMC7096066".into() });
        assert_eq!(ok("doi: 10.1/x"), Doi { id: "10.1/x".into() });
        assert!(PaperSource::parse("pmid").is_err());
    }

    #[test]
    fn a_label_decides_the_kind() {
        assert_eq!(ok("PMCID: 7096066"), Pmcid { id: "PMC7096066".into() });
        for wrong in ["doi: 12345", "PMID: PMC7096066", "pmcid: 10.1000/xyz", "PMID: 10.1000/xyz"] {
            assert!(PaperSource::parse(wrong).is_err(), "{wrong:?} must not be taken as another kind");
        }
    }

    #[test]
    fn labels_read_naturally() {
        assert_eq!(ok("32109013").label(), "PMID 32109013");
        assert_eq!(ok("10.1/x").label(), "doi:10.1/x");
    }

    #[test]
    fn dois_of_every_shape_in_use_are_accepted() {
        for (input, id) in [
            ("10.1002/(SICI)1097-4636(199702)34:2", "10.1002/(sici)1097-4636(199702)34:2"),
            ("10.1016/S0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
            ("10.1093/nar/gkaa1100;", "10.1093/nar/gkaa1100"),
            ("10.1007/978-3-319-24277-4_9", "10.1007/978-3-319-24277-4_9"),
            ("10.1577/1548-8659(1994)123[0735:NPFPIT]2.3.CO;2", "10.1577/1548-8659(1994)123[0735:npfpit]2.3.co;2"),
            ("10.1000.10/123+4*5", "10.1000.10/123+4*5"),
            ("https://doi.org/10.1002/%28SICI%291097-4636", "10.1002/(sici)1097-4636"),
            ("https://doi.org/10.1073/pnas.2535682123#supplementary-materials", "10.1073/pnas.2535682123"),
            ("https://dx.doi.org/10.1038/nature12373?via=ihub", "10.1038/nature12373"),
        ] {
            assert_eq!(ok(input), Doi { id: id.into() }, "{input:?}");
        }
    }

    /// Every DOI the paper fixtures cite (articles and references), as publishers print them.
    #[test]
    fn every_doi_in_the_paper_fixtures_is_accepted() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/paper/tests/fixtures/jats");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
            for piece in text.split("pub-id-type=\"doi\"").skip(1) {
                let Some(doi) = piece.split_once('>').and_then(|(_, rest)| rest.split_once('<')).map(|(d, _)| d.trim())
                else {
                    continue;
                };
                assert!(matches!(PaperSource::parse(doi), Ok(Doi { .. })), "{doi:?}: {:?}", PaperSource::parse(doi));
                seen += 1;
            }
        }
        assert!(seen > 100, "the fixtures cite many DOIs; found {seen}");
    }

    #[test]
    fn markup_and_controls_in_an_identifier_are_refused_with_the_reason() {
        for bad in [
            "10.1/</title><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
            "doi:10.1/x\"onmouseover=\"alert(1)",
            "https://doi.org/10.1/%3Cscript%3E",
            "10.1/a&b",
            "10.1/a\\b",
            "10.1/a\u{7}b",
            "10.1/a b",
            "10.1002/(SICI)1097-4636(199702)34:2<211::AID-JBM9>3.0.CO;2-L",
        ] {
            let err = PaperSource::parse(bad).unwrap_err();
            assert_eq!(err.field(), Some("source"), "{bad:?}");
            let message = err.to_string();
            assert!(message.contains("DOI") && message.contains("upload"), "{bad:?}: {message}");
            assert!(
                !message.contains("<meta") && !message.contains("script"),
                "the message repeats no markup: {message}"
            );
        }
        let message = PaperSource::parse("10.1/<b>").unwrap_err().to_string();
        assert!(message.contains("\u{201c}<\u{201d}, \u{201c}>\u{201d}"), "names what is wrong: {message}");
    }

    #[test]
    fn lengths_are_bounded() {
        let long_doi = format!("10.1000/{}", "a".repeat(300));
        assert!(PaperSource::parse(&long_doi).unwrap_err().to_string().contains("longer than 300"));
        let huge = "1".repeat(10_000);
        assert!(PaperSource::parse(&huge).unwrap_err().to_string().contains("too long"));
        for bad in [
            "PMC12345678901",
            "1234567890",
            "PMC0000",
            "000",
            "PMC12a",
            "https://pmc.ncbi.nlm.nih.gov/articles/PMC12%3C/",
        ] {
            assert!(PaperSource::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(ok(&format!("10.1000/{}", "a".repeat(292))).label().len(), 4 + 300);
    }
}
