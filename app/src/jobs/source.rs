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

impl PaperSource {
    /// Reads what a person typed or pasted: an identifier, or a PMC, PubMed or doi.org link.
    pub fn parse(input: &str) -> Result<PaperSource, AppError> {
        let invalid = || AppError::invalid("source", HOW);
        let text = input.trim();
        if text.is_empty() {
            return Err(invalid());
        }
        let lower = text.to_lowercase();
        let without_scheme =
            lower.trim_start_matches("https://").trim_start_matches("http://").trim_start_matches("www.");

        // Links first: doi.org/…, …ncbi.nlm.nih.gov/pmc/articles/PMC…, pubmed…/123
        for resolver in ["doi.org/", "dx.doi.org/"] {
            if let Some(rest) = without_scheme.strip_prefix(resolver) {
                return Self::doi(rest).ok_or_else(invalid);
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

        // "doi:10.1/x", "PMID: 123", "PMCID PMC123": labels as PubMed prints them.
        let bare = ["doi", "pmcid", "pmid"]
            .iter()
            .find_map(|label| {
                let rest = lower.strip_prefix(label)?;
                let rest = rest.trim_start();
                let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
                (!rest.is_empty()).then_some(rest)
            })
            .unwrap_or(&lower);
        Self::pmcid(bare).or_else(|| Self::pmid(bare)).or_else(|| Self::doi(bare)).ok_or_else(invalid)
    }

    fn pmcid(s: &str) -> Option<PaperSource> {
        let digits = s.strip_prefix("pmc")?;
        (!digits.is_empty() && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| PaperSource::Pmcid { id: format!("PMC{digits}") })
    }

    fn pmid(s: &str) -> Option<PaperSource> {
        (!s.is_empty()
            && s.len() <= 9
            && s.bytes().all(|b| b.is_ascii_digit())
            && !s.trim_start_matches('0').is_empty())
        .then(|| PaperSource::Pmid { id: s.to_owned() })
    }

    fn doi(s: &str) -> Option<PaperSource> {
        let s = s.trim().trim_end_matches(['.', ',', ';']);
        let (prefix, suffix) = s.split_once('/')?;
        let registrant = prefix.strip_prefix("10.")?;
        let ok = !registrant.is_empty()
            && registrant.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && !suffix.is_empty()
            && s.len() <= 300
            && !s.chars().any(char::is_whitespace);
        ok.then(|| PaperSource::Doi { id: s.to_owned() })
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
    fn labels_read_naturally() {
        assert_eq!(ok("32109013").label(), "PMID 32109013");
        assert_eq!(ok("10.1/x").label(), "doi:10.1/x");
    }
}
