//! The look of a video: three visual styles, each a palette, typography and motion set kept in
//! one place. The scene renderer, the captions and the thumbnail read only from a [`Look`].
//!
//! Colours are `RRGGBB` hex strings; [`ass_colour`] turns them into libass's `&HAABBGGRR`.
//! Fonts are family names that fontconfig resolves among Debian's Noto packages
//! (`fonts-noto-core`, `fonts-noto-cjk`); [`family_for`] picks the family that has the glyphs of a
//! text's writing system, so CJK, Arabic, Hebrew and Devanagari are drawn with a real font.

use serde::{Deserialize, Serialize};

/// A visual style a person chooses per job.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum Style {
    /// Deep indigo night with one warm accent (the default).
    #[default]
    Dark,
    /// Warm off-white paper, ink-black type, a red accent: a journal page come alive.
    Paper,
    /// Black and electric yellow, heavier type, faster motion: high contrast on any phone.
    Bold,
}

impl Style {
    pub const ALL: [Style; 3] = [Style::Dark, Style::Paper, Style::Bold];

    /// "dark", "paper" or "bold": the value the API, the database and script.json carry.
    pub fn id(self) -> &'static str {
        match self {
            Style::Dark => "dark",
            Style::Paper => "paper",
            Style::Bold => "bold",
        }
    }

    /// The style named `id`; `None` for anything else.
    pub fn parse(id: &str) -> Option<Style> {
        Style::ALL.into_iter().find(|s| s.id() == id.trim().to_ascii_lowercase())
    }

    pub fn look(self) -> Look {
        match self {
            Style::Dark => Look {
                style: self,
                background: ["0A0F2C", "221A5A", "0B2E4A"],
                ink: "F4F6FF",
                muted: "A9B4D9",
                accent: "FFC24B",
                panel: "FBFAF6",
                caption_text: "FFFFFF",
                caption_highlight: "FFC24B",
                caption_box: "0A0F2C",
                sans: "Noto Sans",
                serif: "Noto Serif",
                weight_bold: true,
                scale: 1.0,
                motion_ms: 320,
                slide_px: 40,
            },
            Style::Paper => Look {
                style: self,
                background: ["F6F1E7", "EFE6D4", "F9F6EF"],
                ink: "1B1B1F",
                muted: "5A5560",
                accent: "C8362B",
                panel: "FFFFFF",
                caption_text: "1B1B1F",
                caption_highlight: "C8362B",
                caption_box: "FFFFFF",
                sans: "Noto Sans",
                serif: "Noto Serif",
                weight_bold: true,
                scale: 0.96,
                motion_ms: 420,
                slide_px: 24,
            },
            Style::Bold => Look {
                style: self,
                background: ["000000", "141414", "050505"],
                ink: "FFFFFF",
                muted: "CFCFCF",
                accent: "FFE600",
                panel: "FFFFFF",
                caption_text: "FFFFFF",
                caption_highlight: "FFE600",
                caption_box: "000000",
                sans: "Noto Sans",
                serif: "Noto Sans",
                weight_bold: true,
                scale: 1.08,
                motion_ms: 220,
                slide_px: 70,
            },
        }
    }
}

/// Palette, typography and motion of one style.
#[derive(Clone, Debug, PartialEq)]
pub struct Look {
    pub style: Style,
    /// The three stops of the slowly drifting background gradient.
    pub background: [&'static str; 3],
    /// Main text.
    pub ink: &'static str,
    /// Secondary text (venue, brand, notes).
    pub muted: &'static str,
    /// Labels, the key number, rules and the spoken word in the captions.
    pub accent: &'static str,
    /// The light panel a figure sits on.
    pub panel: &'static str,
    pub caption_text: &'static str,
    pub caption_highlight: &'static str,
    /// The box behind the captions, drawn translucent so a bright figure never swallows them.
    pub caption_box: &'static str,
    /// Latin, Greek and Cyrillic family; other writing systems get their Noto family.
    pub sans: &'static str,
    pub serif: &'static str,
    pub weight_bold: bool,
    /// Type scale relative to the dark style.
    pub scale: f64,
    /// How long a beat's entrance takes (ms).
    pub motion_ms: u64,
    /// How far a beat's text slides in (px).
    pub slide_px: i32,
}

impl Default for Look {
    fn default() -> Self {
        Style::default().look()
    }
}

impl Look {
    /// A size in the style's type scale (px at 1080×1920).
    pub fn size(&self, px: i32) -> i32 {
        (px as f64 * self.scale).round() as i32
    }

    /// Whether the background is light (text on it is dark).
    pub fn is_light(&self) -> bool {
        luminance(self.background[0]) > 0.5
    }
}

/// `RRGGBB` (and an opacity 0–1) as libass's `&HAABBGGRR`.
pub fn ass_colour(rgb: &str, opacity: f64) -> String {
    let rgb = rgb.trim_start_matches("0x").trim_start_matches('#');
    let (r, g, b) = (&rgb[0..2], &rgb[2..4], &rgb[4..6]);
    let alpha = (255.0 * (1.0 - opacity.clamp(0.0, 1.0))).round() as u8;
    format!("&H{alpha:02X}{b}{g}{r}")
}

/// Override tags that paint an event's fill `rgb` at `opacity` (0–1): `\1c&HBBGGRR&\1a&HAA&`.
pub fn ass_fill(rgb: &str, opacity: f64) -> String {
    let c = ass_colour(rgb, opacity);
    format!("\\1c&H{}&\\1a&H{}&", &c[4..], &c[2..4])
}

/// `RRGGBB` as ffmpeg's `0xRRGGBB`.
pub fn ffmpeg_colour(rgb: &str) -> String {
    format!("0x{}", rgb.trim_start_matches("0x").trim_start_matches('#'))
}

fn luminance(rgb: &str) -> f64 {
    let c = |i: usize| u8::from_str_radix(&rgb[i..i + 2], 16).unwrap_or(0) as f64 / 255.0;
    0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
}

/// A writing system whose glyphs need their own font family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritingSystem {
    /// Latin, Greek, Cyrillic (and anything Noto Sans covers).
    Alphabetic,
    Han,
    Kana,
    Hangul,
    Arabic,
    Hebrew,
    Devanagari,
}

impl WritingSystem {
    fn of(c: char) -> Option<WritingSystem> {
        let u = c as u32;
        Some(match u {
            0x0590..=0x05FF | 0xFB1D..=0xFB4F => WritingSystem::Hebrew,
            0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                WritingSystem::Arabic
            }
            0x0900..=0x097F | 0xA8E0..=0xA8FF => WritingSystem::Devanagari,
            0x3040..=0x30FF | 0x31F0..=0x31FF => WritingSystem::Kana,
            0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => WritingSystem::Hangul,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3000..=0x303F | 0xFF00..=0xFFEF => {
                WritingSystem::Han
            }
            _ if c.is_alphabetic() => WritingSystem::Alphabetic,
            _ => return None,
        })
    }

    /// The writing system most of `text`'s letters are in (Alphabetic when it has none); Han
    /// text with any kana is Japanese, with any hangul Korean.
    pub fn dominant(text: &str) -> WritingSystem {
        let mut counts = [0usize; 7];
        let slot = |w: WritingSystem| w as usize;
        for c in text.chars() {
            if let Some(w) = WritingSystem::of(c) {
                counts[slot(w)] += 1;
            }
        }
        let han = counts[slot(WritingSystem::Han)];
        if han > 0 && counts[slot(WritingSystem::Kana)] > 0 {
            return WritingSystem::Kana;
        }
        if han > 0 && counts[slot(WritingSystem::Hangul)] > 0 {
            return WritingSystem::Hangul;
        }
        let all = [
            WritingSystem::Alphabetic,
            WritingSystem::Han,
            WritingSystem::Kana,
            WritingSystem::Hangul,
            WritingSystem::Arabic,
            WritingSystem::Hebrew,
            WritingSystem::Devanagari,
        ];
        all.into_iter()
            .max_by_key(|w| (counts[slot(*w)], *w == WritingSystem::Alphabetic))
            .unwrap_or(WritingSystem::Alphabetic)
    }

    /// Written right to left.
    pub fn is_rtl(self) -> bool {
        matches!(self, WritingSystem::Arabic | WritingSystem::Hebrew)
    }
}

/// The font family that draws `text`: the look's own family for alphabetic text, else the Noto
/// family of the text's writing system (`serif` picks the serif variant where Noto has one).
pub fn family_for(look: &Look, text: &str, serif: bool) -> &'static str {
    match WritingSystem::dominant(text) {
        WritingSystem::Alphabetic => {
            if serif {
                look.serif
            } else {
                look.sans
            }
        }
        WritingSystem::Han => "Noto Sans CJK SC",
        WritingSystem::Kana => "Noto Sans CJK JP",
        WritingSystem::Hangul => "Noto Sans CJK KR",
        WritingSystem::Arabic => "Noto Sans Arabic",
        WritingSystem::Hebrew => "Noto Sans Hebrew",
        WritingSystem::Devanagari => "Noto Sans Devanagari",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_round_trip_by_id() {
        for s in Style::ALL {
            assert_eq!(Style::parse(s.id()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{}\"", s.id()));
        }
        assert_eq!(Style::parse("neon"), None);
        assert!(Style::Paper.look().is_light() && !Style::Dark.look().is_light());
    }

    #[test]
    fn ass_colours_are_bgr_with_inverted_alpha() {
        assert_eq!(ass_colour("FFC24B", 1.0), "&H004BC2FF");
        assert_eq!(ass_colour("0x102030", 0.0), "&HFF302010");
        assert_eq!(ass_fill("FFC24B", 1.0), "\\1c&H4BC2FF&\\1a&H00&");
    }

    #[test]
    fn writing_systems_choose_their_noto_family() {
        let look = Look::default();
        assert_eq!(family_for(&look, "Тривога є причиною", false), "Noto Sans");
        assert_eq!(family_for(&look, "癌症筛查减少了晚期病例", false), "Noto Sans CJK SC");
        assert_eq!(family_for(&look, "がん検診で進行がんが減った", false), "Noto Sans CJK JP");
        assert_eq!(family_for(&look, "암 검진", false), "Noto Sans CJK KR");
        assert_eq!(family_for(&look, "الفحص يقلل الحالات", false), "Noto Sans Arabic");
        assert_eq!(family_for(&look, "הבדיקה מפחיתה", false), "Noto Sans Hebrew");
        assert_eq!(family_for(&look, "जांच से मामले कम हुए", false), "Noto Sans Devanagari");
        assert!(WritingSystem::dominant("الفحص 8%").is_rtl());
    }
}
