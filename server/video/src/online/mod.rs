//! Online providers: Google Gemini (script and voice) and Runway (scene clips), plain reqwest
//! clients that follow `external-apis.md`. Every failure is a [`crate::VideoError`] with a stable
//! kind, a `transient` flag and, when the provider said so, `retry_after_ms`. API keys travel in
//! headers only and never appear in a message.

pub mod gemini;
pub mod openai;
pub(crate) mod prompt;
pub mod runway;

pub use gemini::{Gemini, GeminiConfig};
pub use openai::{OpenAi, OpenAiConfig};
pub use runway::{ClipInfo, Runway, RunwayConfig};

/// Replaces every occurrence of `secret` in `text` (belt and braces: keys are never put in URLs).
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_string();
    }
    text.replace(secret, "[redacted]")
}

/// A transport failure (timeout, no connection, a broken request) talking to `service` while
/// `doing` something: transient, of `kind`, with the key scrubbed from the message.
pub(crate) fn unreachable(
    e: &reqwest::Error,
    kind: crate::VideoErrorKind,
    service: &str,
    doing: &str,
    key: &str,
) -> crate::VideoError {
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not connect".to_string()
    } else {
        format!("request failed: {e}")
    };
    crate::VideoError::transient(
        kind,
        scrub(&format!("{service} is unreachable while {doing} ({why}); will retry."), key),
    )
}

/// A short, single-line excerpt of a provider's text for an error message.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() <= max {
        one
    } else {
        let cut: String = one.chars().take(max).collect();
        format!("{cut}…")
    }
}
