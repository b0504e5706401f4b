//! Plain words for spoken English: the jargon list (`data/plain-words.tsv`, its sources and
//! licence in its header) and the paper's own abbreviations ("body mass index (BMI)").

use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// One entry of the plain-language list.
#[derive(Clone, Debug)]
struct Entry {
    plain: String,
    /// The replacement after a form of "be"/"have" ("was shown"), when it differs.
    participle: Option<String>,
}

struct Vocabulary {
    entries: HashMap<String, Entry>,
    pattern: Regex,
}

static VOCABULARY: LazyLock<Vocabulary> = LazyLock::new(|| {
    let mut entries = HashMap::new();
    let mut keys: Vec<String> = Vec::new();
    for line in include_str!("../../data/plain-words.tsv").lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 2 || cols[0].trim().is_empty() {
            continue;
        }
        let participle = cols.get(2).map(|p| p.trim()).filter(|p| !p.is_empty()).map(str::to_string);
        let key = cols[0].trim().to_lowercase();
        keys.push(key.clone());
        entries.insert(key, Entry { plain: cols[1].trim().to_string(), participle });
    }
    // Longest first, so "mortality rate" wins over "mortality".
    keys.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let alternation = keys.iter().map(|k| regex::escape(k)).collect::<Vec<_>>().join("|");
    let pattern = Regex::new(&format!(r"(?i)\b(?:{alternation})\b")).expect("valid vocabulary pattern");
    Vocabulary { entries, pattern }
});

const AUXILIARIES: &[&str] = &["is", "are", "was", "were", "be", "been", "being", "has", "have", "had"];

/// Replaces jargon with the plain words of the list, keeping a capital first letter.
/// "was demonstrated" becomes "was shown", "we demonstrated" becomes "we showed".
pub fn plain_words(s: &str) -> String {
    let v = &*VOCABULARY;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for m in v.pattern.find_iter(s) {
        let Some(e) = v.entries.get(&m.as_str().to_lowercase()) else { continue };
        let before = &s[last..m.start()];
        out.push_str(before);
        let previous = s[..m.start()].split_whitespace().last().unwrap_or("").to_lowercase();
        let word = match &e.participle {
            Some(p) if AUXILIARIES.contains(&previous.as_str()) => p.as_str(),
            _ => e.plain.as_str(),
        };
        if m.as_str().chars().next().is_some_and(char::is_uppercase) {
            out.push_str(&crate::text::capitalise(word));
        } else {
            out.push_str(word);
        }
        last = m.end();
    }
    out.push_str(&s[last..]);
    out
}

static DEFINITION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"((?:[\p{L}][\p{L}\d'’-]*\s+){1,8})\(([\p{Lu}][\p{L}\d-]{1,9})\)").expect("valid regex")
});

/// The paper's own abbreviation definitions, "long form (ABBR)" → ABBR: long form. The long form
/// is the shortest run of words before the parenthesis whose first word starts with the
/// abbreviation's first letter and whose letters contain the abbreviation's letters in order
/// (after Schwartz and Hearst, 2003). Abbreviations with fewer than two capitals are ignored.
pub fn abbreviations<'a>(paragraphs: impl Iterator<Item = &'a str>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for p in paragraphs {
        for c in DEFINITION.captures_iter(p) {
            let abbr = &c[2];
            if abbr.chars().filter(|ch| ch.is_uppercase()).count() < 2 || out.contains_key(abbr) {
                continue;
            }
            let words: Vec<&str> = c[1].split_whitespace().collect();
            if let Some(long) = long_form(abbr, &words) {
                out.insert(abbr.to_string(), long);
            }
        }
    }
    out
}

fn long_form(abbr: &str, words: &[&str]) -> Option<String> {
    let letters: Vec<char> = abbr.chars().filter(|c| c.is_alphabetic()).flat_map(char::to_lowercase).collect();
    let first = *letters.first()?;
    let need = abbr.chars().filter(|c| c.is_uppercase()).count().saturating_sub(1).max(1);
    for k in need..=words.len().min(letters.len() + 2) {
        let window = &words[words.len() - k..];
        if window[0].chars().next().is_none_or(|c| c.to_lowercase().next() != Some(first)) {
            continue;
        }
        let joined: String = window.join(" ").to_lowercase();
        let mut it = joined.chars();
        if letters.iter().all(|l| it.any(|c| c == *l)) {
            let long = window.join(" ");
            let long = long.trim_end_matches([',', ';', ':']).to_string();
            // The long form is not itself an abbreviation or a sentence start.
            if long.chars().filter(|c| c.is_uppercase()).count() >= letters.len() {
                return None;
            }
            return Some(long);
        }
    }
    None
}

/// Expands abbreviations the paper defines: a long form of at most 4 words replaces every use
/// (easier to follow by ear); a longer one replaces the first use in `seen` order only. Uses
/// already preceded by their long form are left alone.
pub fn expand_defined(
    s: &str,
    defined: &HashMap<String, String>,
    seen: &mut std::collections::HashSet<String>,
) -> String {
    let mut out = s.to_string();
    for (abbr, long) in defined {
        let re = match Regex::new(&format!(r"\b{}\b", regex::escape(abbr))) {
            Ok(r) => r,
            Err(_) => continue,
        };
        if !re.is_match(&out) {
            continue;
        }
        let short = long.split_whitespace().count() <= 4;
        if short || !seen.contains(abbr) {
            let lower = lowercase_common(long);
            if short {
                out = re.replace_all(&out, lower.as_str()).into_owned();
            } else {
                out = re.replace(&out, lower.as_str()).into_owned();
            }
            seen.insert(abbr.clone());
        }
    }
    out
}

/// "Body Mass Index" → "body mass index"; proper names and acronyms inside are kept.
fn lowercase_common(long: &str) -> String {
    long.split_whitespace()
        .map(|w| {
            let caps = w.chars().filter(|c| c.is_uppercase()).count();
            if caps == 1 && w.chars().next().is_some_and(char::is_uppercase) && w.chars().count() > 1 {
                let mut c = w.chars();
                c.next().map(|f| f.to_lowercase().collect::<String>() + c.as_str()).unwrap_or_default()
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn jargon_becomes_plain_words() {
        assert_eq!(plain_words("We utilized mice in order to test it."), "We used mice to test it.");
        assert_eq!(plain_words("Efficacy was demonstrated in 12 trials."), "Efficacy was shown in 12 trials.");
        assert_eq!(plain_words("We demonstrated that it works."), "We showed that it works.");
        assert_eq!(
            plain_words("Hypertension raised the mortality rate."),
            "High blood pressure raised the death rate."
        );
    }

    #[test]
    fn abbreviations_come_from_the_paper() {
        let text = "Obesity was measured by body mass index (BMI) in 200 adults. Single nucleotide polymorphisms (SNPs) were called. The value (P) was low.";
        let d = abbreviations([text].into_iter());
        assert_eq!(d.get("BMI").map(String::as_str), Some("body mass index"));
        assert_eq!(d.get("SNPs").map(String::as_str), Some("Single nucleotide polymorphisms"));
        assert!(!d.contains_key("P"));
        let mut seen = HashSet::new();
        assert_eq!(
            expand_defined("A higher BMI and more SNPs.", &d, &mut seen),
            "A higher body mass index and more single nucleotide polymorphisms."
        );
    }
}
