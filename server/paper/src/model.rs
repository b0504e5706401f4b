//! The normalised paper: what every source (PMC JATS, PDF, DOCX, text) becomes, saved as
//! `paper.json`. Everything downstream (the script writer, the credits card) reads only this.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Paper {
    pub title: String,
    /// Display names in byline order ("Jane Q. Smith").
    #[serde(default)]
    pub authors: Vec<String>,
    #[serde(default)]
    pub journal: Option<String>,
    /// As precise as the source says: "2012", "2012-10" or "2012-10-03".
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub doi: Option<String>,
    #[serde(default)]
    pub pmid: Option<String>,
    /// With its prefix: "PMC1234567".
    #[serde(default)]
    pub pmcid: Option<String>,
    #[serde(default)]
    pub license: Option<License>,
    /// Abstract paragraphs in order (a structured abstract's labels folded into the text).
    #[serde(default, rename = "abstract")]
    pub abstract_paragraphs: Vec<String>,
    /// Body sections in reading order, nested sections flattened with their depth.
    #[serde(default)]
    pub sections: Vec<Section>,
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// What could not be read, in words a person understands ("3 tables were skipped").
    #[serde(default)]
    pub notes: Vec<String>,
    /// The language of the main text as an ISO 639-1 code ("en", "pt", "uk"), detected from the
    /// body (else the abstract); None when the text is too short or too mixed to tell.
    #[serde(default)]
    pub language: Option<String>,
    /// The author keywords (JATS `kwd`, DOCX core properties, Markdown front matter), as printed.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Translations the file carries (JATS `trans-abstract`, `sub-article` of type translation).
    #[serde(default)]
    pub translations: Vec<Translation>,
    /// The text was read from page images by OCR (a scan, or a PDF whose text layer was
    /// garbage), so it may hold recognition errors.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_by_ocr: bool,
}

/// A translation of the paper held in the same file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    /// ISO 639-1 code from `xml:lang`, lower case.
    pub language: String,
    #[serde(default)]
    pub title: String,
    #[serde(default, rename = "abstract")]
    pub abstract_paragraphs: Vec<String>,
    /// Empty for an abstract-only translation; a full translation has the body too.
    #[serde(default)]
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct License {
    /// Short name where recognisable: "CC BY 4.0", "public domain"; otherwise None.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The licence statement as printed.
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub heading: String,
    /// 1 for a top-level section, 2 for its subsections, and so on.
    pub level: u8,
    /// Plain text paragraphs: math spoken as text, no markup, citation markers kept as printed.
    #[serde(default)]
    pub paragraphs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// "Figure 2" as printed, if any.
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub caption: String,
    /// File name of the extracted image beside `paper.json` (`figures/fig-1.png`), when one was
    /// extracted; the reader chose it, never the source document.
    #[serde(default)]
    pub image: Option<String>,
    /// Where the source says the image lives (a JATS `xlink:href`), for the online fetcher.
    #[serde(default)]
    pub source_href: Option<String>,
}

impl Paper {
    /// The year of publication, if known.
    pub fn year(&self) -> Option<&str> {
        self.published.as_deref().and_then(|p| p.get(..4)).filter(|y| y.chars().all(|c| c.is_ascii_digit()))
    }

    /// Whether there is anything to make a video from.
    pub fn has_text(&self) -> bool {
        self.abstract_paragraphs.iter().any(|p| !p.trim().is_empty())
            || self.sections.iter().any(|s| s.paragraphs.iter().any(|p| !p.trim().is_empty()))
    }

    /// Every sentence-bearing paragraph in reading order, abstract first: what the script writer
    /// and the "no invented numbers" check read.
    pub fn all_text(&self) -> impl Iterator<Item = &str> {
        self.abstract_paragraphs
            .iter()
            .map(String::as_str)
            .chain(self.sections.iter().flat_map(|s| s.paragraphs.iter().map(String::as_str)))
            .chain(self.figures.iter().map(|f| f.caption.as_str()))
    }
}

/// An image pulled out of the source, to be stored beside `paper.json` under `name`.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a reader returns: the paper and the images its figures point at.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    pub paper: Paper,
    pub figure_files: Vec<FigureFile>,
}
