//! The language of a paper's main text (with `whatlang`, trigram and script based), and title
//! cleaning.

use crate::model::Paper;

/// ISO 639-1 code of the language of `text`, when `whatlang` is reliably sure; None otherwise.
/// Languages without a two-letter code come back as their ISO 639-3 code.
pub fn detect(text: &str) -> Option<String> {
    let info = whatlang::detect(text)?;
    if !info.is_reliable() && info.confidence() < 0.5 {
        return None;
    }
    Some(iso639_1(info.lang()).to_string())
}

/// The language of the main text: the body's first ~6 000 characters, else the abstract,
/// else the title.
pub fn detect_paper(paper: &Paper) -> Option<String> {
    let mut body = String::new();
    for p in paper.sections.iter().flat_map(|s| s.paragraphs.iter()) {
        body.push_str(p);
        body.push('\n');
        if body.len() > 6_000 {
            break;
        }
    }
    if body.split_whitespace().count() >= 30 {
        if let Some(l) = detect(&body) {
            return Some(l);
        }
    }
    let abs = paper.abstract_paragraphs.join("\n");
    if abs.split_whitespace().count() >= 15 {
        if let Some(l) = detect(&abs) {
            return Some(l);
        }
    }
    detect(&paper.title)
}

fn iso639_1(l: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match l {
        Eng => "en",
        Por => "pt",
        Spa => "es",
        Fra => "fr",
        Deu => "de",
        Ita => "it",
        Ukr => "uk",
        Rus => "ru",
        Cmn => "zh",
        Ara => "ar",
        Nld => "nl",
        Pol => "pl",
        Tur => "tr",
        Jpn => "ja",
        Kor => "ko",
        Swe => "sv",
        Dan => "da",
        Nob => "nb",
        Fin => "fi",
        Ces => "cs",
        Slk => "sk",
        Ell => "el",
        Heb => "he",
        Hin => "hi",
        Ind => "id",
        Vie => "vi",
        Ron => "ro",
        Hun => "hu",
        Bul => "bg",
        Hrv => "hr",
        Srp => "sr",
        Slv => "sl",
        Cat => "ca",
        Pes => "fa",
        Tha => "th",
        Bel => "be",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        other => other.code(),
    }
}

/// Labels that journals print above or before the title and that are not part of it.
const TITLE_LABELS: &[&str] = &[
    "original research article",
    "original research",
    "research article",
    "original article",
    "original paper",
    "original contribution",
    "research paper",
    "research letter",
    "brief report",
    "short communication",
    "full paper",
    "full-length article",
    "review article",
    "case report",
    "article",
    "research",
];

/// The title without a leading label ("Research Article: X", "ORIGINAL PAPER X") and without
/// surrounding whitespace or a final full stop. A title that is only a label stays as it is.
pub fn clean_title(title: &str) -> String {
    let mut t = title.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let lower = t.to_lowercase();
        let Some(label) = TITLE_LABELS.iter().find(|l| {
            let after = lower.get(l.len()..).unwrap_or("");
            let separated = after.trim_start().starts_with([':', '|', '-', '–', '.']);
            // A one-word label ("Research") needs punctuation after it; "Research priorities" is a title.
            lower.starts_with(*l) && (separated || (l.contains(' ') && after.starts_with(' ')))
        }) else {
            break;
        };
        let rest = t[label.len()..].trim_start_matches([':', ' ', '|', '-', '–', '.']).to_string();
        if rest.split_whitespace().count() < 3 {
            break;
        }
        t = rest;
    }
    t.trim().trim_end_matches('.').trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_their_labels() {
        assert_eq!(clean_title("Research Article: Salt intake and blood pressure"), "Salt intake and blood pressure");
        assert_eq!(clean_title("ORIGINAL PAPER  Salt intake and blood pressure."), "Salt intake and blood pressure");
        assert_eq!(clean_title("Original Article"), "Original Article");
        assert_eq!(clean_title("Research priorities for salt"), "Research priorities for salt");
    }

    #[test]
    fn languages_are_told_apart() {
        assert_eq!(
            detect("The results show that the new treatment reduced the risk of death in older patients.").as_deref(),
            Some("en")
        );
        assert_eq!(
            detect("Os resultados mostram que o novo tratamento reduziu o risco de morte em pacientes idosos.")
                .as_deref(),
            Some("pt")
        );
        assert_eq!(
            detect("Результати показують, що нове лікування знизило ризик смерті у літніх пацієнтів.").as_deref(),
            Some("uk")
        );
    }
}
