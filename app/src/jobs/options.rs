//! How a person wants their video made: the visual style, the length and the speaking pace.
//! Chosen on the submit form or in `POST /api/jobs`, kept with the job (the `options` column, as
//! JSON), read by the pipeline when it writes the script and records the voice.
//!
//! The ids ("dark", "paper", "bold"; "slower", "normal", "faster") are the video crate's own
//! (`video::Style`, `video::voice::Pace`); a server test checks that every id here parses there.

use crate::error::AppError;
use serde::{Deserialize, Serialize};

/// A visual style: a palette, typography and motion (drawn by the video crate's `look`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VideoStyle {
    #[default]
    Dark,
    Paper,
    Bold,
}

impl VideoStyle {
    pub const ALL: [VideoStyle; 3] = [VideoStyle::Dark, VideoStyle::Paper, VideoStyle::Bold];

    pub fn id(self) -> &'static str {
        match self {
            VideoStyle::Dark => "dark",
            VideoStyle::Paper => "paper",
            VideoStyle::Bold => "bold",
        }
    }

    /// What the submit form calls it.
    pub fn name(self) -> &'static str {
        match self {
            VideoStyle::Dark => "Night",
            VideoStyle::Paper => "Paper",
            VideoStyle::Bold => "Bold",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            VideoStyle::Dark => "Deep indigo, one warm accent",
            VideoStyle::Paper => "A journal page, ink and red",
            VideoStyle::Bold => "Black and yellow, fast",
        }
    }

    pub fn parse(id: &str) -> Option<VideoStyle> {
        VideoStyle::ALL.into_iter().find(|s| s.id() == id.trim())
    }
}

/// How fast the narration is spoken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Pace {
    Slower,
    #[default]
    Normal,
    Faster,
}

impl Pace {
    pub const ALL: [Pace; 3] = [Pace::Slower, Pace::Normal, Pace::Faster];

    pub fn id(self) -> &'static str {
        match self {
            Pace::Slower => "slower",
            Pace::Normal => "normal",
            Pace::Faster => "faster",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Pace::Slower => "Slower",
            Pace::Normal => "Normal",
            Pace::Faster => "Faster",
        }
    }

    pub fn parse(id: &str) -> Option<Pace> {
        Pace::ALL.into_iter().find(|p| p.id() == id.trim())
    }
}

/// The video lengths a person can ask for, in seconds.
pub const LENGTHS: [u32; 3] = [30, 60, 90];

/// A job's options. Missing fields take their defaults (old jobs have `{}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobOptions {
    #[serde(default)]
    pub style: VideoStyle,
    /// 30, 60 or 90.
    #[serde(default = "default_length")]
    pub length_seconds: u32,
    #[serde(default)]
    pub pace: Pace,
    /// Stop after the script and wait for the person's review ("waiting for your review")
    /// before any voice or scene is made.
    #[serde(default)]
    pub review: bool,
}

fn default_length() -> u32 {
    60
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            style: VideoStyle::default(),
            length_seconds: default_length(),
            pace: Pace::default(),
            review: false,
        }
    }
}

/// A field's value, or None when it is missing or blank.
fn given(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl JobOptions {
    /// The options of a form or an API request, each field optional. Errors name the field and
    /// list what it accepts.
    /// `review` is a form checkbox's value ("on") or a JSON boolean's text; absent means no.
    pub fn from_fields(
        style: Option<&str>,
        length: Option<&str>,
        pace: Option<&str>,
        review: Option<&str>,
    ) -> Result<JobOptions, AppError> {
        let mut options = JobOptions::default();
        if let Some(s) = given(style) {
            options.style = VideoStyle::parse(s)
                .ok_or_else(|| AppError::invalid("style", "Choose a style: dark, paper or bold."))?;
        }
        if let Some(l) = given(length) {
            let seconds = l.trim_end_matches('s').trim().parse::<u32>().ok().filter(|s| LENGTHS.contains(s));
            options.length_seconds =
                seconds.ok_or_else(|| AppError::invalid("length", "Choose a length of 30, 60 or 90 seconds."))?;
        }
        if let Some(p) = given(pace) {
            options.pace =
                Pace::parse(p).ok_or_else(|| AppError::invalid("pace", "Choose a pace: slower, normal or faster."))?;
        }
        if let Some(r) = given(review) {
            options.review = match r.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => true,
                "off" | "false" | "no" | "0" => false,
                _ => return Err(AppError::invalid("review", "Say true or false for review.")),
            };
        }
        Ok(options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_defaults_and_clear_errors() {
        assert_eq!(JobOptions::from_fields(None, None, None, None).unwrap(), JobOptions::default());
        let o = JobOptions::from_fields(Some("paper"), Some("90"), Some("faster"), None).unwrap();
        assert_eq!((o.style, o.length_seconds, o.pace), (VideoStyle::Paper, 90, Pace::Faster));
        assert_eq!(JobOptions::from_fields(Some(""), Some(" "), None, None).unwrap(), JobOptions::default());
        assert_eq!(JobOptions::from_fields(Some("neon"), None, None, None).unwrap_err().field(), Some("style"));
        assert_eq!(JobOptions::from_fields(None, Some("45"), None, None).unwrap_err().field(), Some("length"));
        assert_eq!(JobOptions::from_fields(None, None, Some("warp"), None).unwrap_err().field(), Some("pace"));
        assert!(JobOptions::from_fields(None, None, None, Some("on")).unwrap().review, "a checked box");
        assert!(!JobOptions::from_fields(None, None, None, Some("false")).unwrap().review);
        assert_eq!(JobOptions::from_fields(None, None, None, Some("maybe")).unwrap_err().field(), Some("review"));
        // Old jobs stored `{}`.
        assert_eq!(serde_json::from_str::<JobOptions>("{}").unwrap(), JobOptions::default());
        assert_eq!(
            serde_json::to_string(&o).unwrap(),
            r#"{"style":"paper","length_seconds":90,"pace":"faster","review":false}"#
        );
    }
}
