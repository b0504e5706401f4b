//! The journal and year a PDF prints in its front matter: the running header or footer of the
//! first page ("PLoS ONE | www.plosone.org | 2012 | Volume 7 | Issue 9 | e46493"), a citation line
//! ("Journal of X 2019; 12: 34–56", "Clinical Science (2014) 126, 305–313", "Datta et al. Journal
//! of Trauma Management & Outcomes 2010, 4:1") or a proceedings line ("Proceedings of the 17th
//! Conference of …, pages 1650–1669").

use regex::Regex;
use std::sync::LazyLock;

/// What a citation line names; either part may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Citation {
    pub journal: Option<String>,
    pub year: Option<String>,
}

static YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:19|20)\d\d$").expect("valid regex"));
/// "<Journal> [,] (2014) | 2019 [;,:] [Vol.] 12 [(3)] [:,] [e|pp.] 34".
static CITED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<journal>\p{Lu}[^|;()©]*?[\p{L}.)])\s*[,.]?\s*(?:\((?P<y1>(?:19|20)\d\d)\)|(?P<y2>(?:19|20)\d\d))\s*[;,:.]?\s*(?:Vol(?:ume)?\.?\s*)?\d{1,4}\s*(?:\(\s*[\d–-]+\s*\))?\s*(?:[:,]\s*(?:e|pp?\.\s*)?[A-Za-z]?\d+|\s+\d+\s*[–-]\s*\d+)",
    )
    .expect("valid regex")
});
/// A byline before the journal: "Datta et al. ", "Smith and Jones ".
static LEAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\p{Lu}[\p{L}'’-]+(?:\s+(?:and|&)\s+\p{Lu}[\p{L}'’-]+|\s+et\s+al\.?)\s+").expect("valid regex")
});
static PROCEEDINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<journal>Proceedings of [^|]{5,200}?),?\s+(?:pages|pp\.)\s*\d+").expect("valid regex")
});
static ANY_YEAR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(?:19|20)\d\d\b").expect("valid regex"));

/// Words a journal name never holds: the line is a date, a licence, an address or a sentence.
const NOT_JOURNAL: &[&str] = &[
    "received",
    "accepted",
    "published",
    "revised",
    "available online",
    "copyright",
    "licen",
    "doi",
    "http",
    "www.",
    "@",
    "correspond",
    "university",
    "department",
    "this article",
    "cite this",
    "volume",
    "issue",
    "page",
];

fn plausible_journal(j: &str) -> bool {
    let l = j.to_lowercase();
    let words = j.split_whitespace().count();
    (1..=12).contains(&words)
        && j.chars().filter(|c| c.is_alphabetic()).count() >= 4
        && !NOT_JOURNAL.iter().any(|w| l.contains(w))
        && ![" is ", " are ", " was ", " were ", " we "].iter().any(|w| format!(" {l} ").contains(w))
}

fn tidy(j: &str) -> String {
    j.split_whitespace().collect::<Vec<_>>().join(" ").trim_end_matches([',', ':', ';']).trim().to_string()
}

/// The journal and year of one front-matter line, when it is a citation or running header.
pub fn citation_line(line: &str) -> Option<Citation> {
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = line.trim();
    // "PLoS ONE | www.plosone.org | 2012 | Volume 7 | Issue 9 | e46493"
    let cells: Vec<&str> = line.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
    if cells.len() >= 3 {
        let year = cells.iter().find(|c| YEAR.is_match(c)).map(|c| c.to_string());
        let journal =
            cells.iter().find(|c| !c.chars().any(|ch| ch.is_ascii_digit()) && plausible_journal(c)).map(|c| tidy(c));
        let cited = cells.iter().any(|c| {
            let l = c.to_lowercase();
            l.starts_with("vol") || l.starts_with("issue") || l.starts_with("no.") || YEAR.is_match(c)
        });
        if cited && (journal.is_some() || year.is_some()) {
            return Some(Citation { journal, year });
        }
    }
    if let Some(c) = PROCEEDINGS.captures(line) {
        let journal = tidy(&c["journal"]);
        let year = ANY_YEAR.find(line).map(|m| m.as_str().to_string());
        return Some(Citation { journal: Some(journal), year });
    }
    let body = LEAD.find(line).map_or(line, |m| &line[m.end()..]);
    let c = CITED.captures(body)?;
    let journal = tidy(&c["journal"]);
    let year = c.name("y1").or(c.name("y2")).map(|m| m.as_str().to_string());
    plausible_journal(&journal).then_some(Citation { journal: Some(journal), year })
}

/// The first citation among front-matter lines (in reading order), merged with later ones for
/// a part the first lacks.
pub fn front_matter<'a>(lines: impl IntoIterator<Item = &'a str>) -> Citation {
    let mut out = Citation::default();
    for l in lines {
        if let Some(c) = citation_line(l) {
            if out.journal.is_none() {
                out.journal = c.journal;
            }
            if out.year.is_none() {
                out.year = c.year;
            }
            if out.journal.is_some() && out.year.is_some() {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(j: &str, y: &str) -> Option<Citation> {
        Some(Citation { journal: Some(j.into()), year: (!y.is_empty()).then(|| y.into()) })
    }

    #[test]
    fn running_headers_and_citation_lines() {
        assert_eq!(
            citation_line("PLoS ONE | www.plosone.org | 2012 | Volume 7 | Issue 9 | e46493"),
            c("PLoS ONE", "2012")
        );
        assert_eq!(citation_line("Journal of X 2019; 12: 34–56"), c("Journal of X", "2019"));
        assert_eq!(
            citation_line("Datta et al. Journal of Trauma Management & Outcomes 2010, 4:1"),
            c("Journal of Trauma Management & Outcomes", "2010")
        );
        assert_eq!(
            citation_line("Clinical Science (2014) 126, 305–313 (Printed in Great Britain) doi: 10.1042/CS20130403"),
            c("Clinical Science", "2014")
        );
        assert_eq!(citation_line("BMC Microbiology 2011, 11:174"), c("BMC Microbiology", "2011"));
        assert_eq!(citation_line("Nutrients 2010, 2(12), 1106-1131"), c("Nutrients", "2010"));
        assert_eq!(
            citation_line("Proceedings of the 17th Conference of the European Chapter of the Association for Computational Linguistics, pages 1650–1669"),
            c("Proceedings of the 17th Conference of the European Chapter of the Association for Computational Linguistics", "")
        );
    }

    #[test]
    fn other_front_matter_is_not_a_citation() {
        for line in [
            "Received: 12 March 2019; Accepted: 4 May 2019",
            "© 2010 Datta et al; licensee BioMed Central Ltd.",
            "Department of Surgery, University of Calgary, Calgary, Canada",
            "In 2019, 12 of 34 patients improved.",
            "Cancer is a leading cause of death worldwide.",
            "Open Access",
            "http://www.traumamanagement.org/content/4/1/1",
        ] {
            assert_eq!(citation_line(line), None, "{line}");
        }
    }

    #[test]
    fn front_matter_takes_the_first_and_fills_gaps() {
        let lines = ["Open Access", "Proceedings of the 5th Workshop on Things, pages 1–9", "May 2-6, 2023 ©2023 ACL"];
        assert_eq!(Some(front_matter(lines)), c("Proceedings of the 5th Workshop on Things", ""));
        let lines = ["RESEARCH ARTICLE", "Clinical Science (2014) 126, 305–313"];
        assert_eq!(Some(front_matter(lines)), c("Clinical Science", "2014"));
    }
}
