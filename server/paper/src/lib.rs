//! Reading a scientific paper into one normalised shape ([`Paper`]), whatever it came as.

pub mod detect;
pub mod docx;
pub mod jats;
pub mod language;
mod math;
pub mod model;
pub mod ncbi;
pub mod pdf;
pub mod text;
mod tools;
mod util;

pub use model::{Extracted, Figure, FigureFile, License, Paper, Section, Translation};

/// Why a source could not become a paper. `kind` is stable (tests and the UI match on it);
/// `message` is for a person and says what to do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ReadError {
    pub kind: &'static str,
    pub message: String,
    /// Worth trying again later (rate limit, NCBI down); the worker retries these.
    pub transient: bool,
    /// What the other side asked us to wait, when it said.
    pub retry_after_ms: Option<u64>,
}

impl ReadError {
    pub fn permanent(kind: &'static str, message: impl Into<String>) -> Self {
        ReadError { kind, message: message.into(), transient: false, retry_after_ms: None }
    }

    pub fn transient(kind: &'static str, message: impl Into<String>) -> Self {
        ReadError { kind, message: message.into(), transient: true, retry_after_ms: None }
    }
}

/// What [`read`] accepts, for messages.
pub const ACCEPTED: &str =
    "a PDF with selectable text, a Word document (.docx), JATS/PMC XML (.xml/.nxml), or plain text/Markdown (UTF-8)";

/// Reads a paper from the bytes of an uploaded file, recognising its format by content.
pub fn read(bytes: &[u8]) -> Result<Extracted, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::permanent("empty-file", format!("The file is empty. Upload {ACCEPTED}.")));
    }
    let mut x = match detect::detect(bytes) {
        Some(detect::Format::Pdf) => pdf::read_pdf(bytes),
        Some(detect::Format::Docx) => docx::read_docx(bytes),
        Some(detect::Format::Jats) => jats::read_jats(bytes),
        Some(detect::Format::Text) => text::read_text(bytes),
        None => Err(ReadError::permanent(
            "unsupported-format",
            format!("This file is not in a format we can read. Upload {ACCEPTED}."),
        )),
    }?;
    finish(&mut x.paper);
    Ok(x)
}

/// What every reader's paper gets last: the title cleaned of labels ("Research Article"), and the
/// language of the main text.
pub(crate) fn finish(paper: &mut Paper) {
    paper.title = language::clean_title(&paper.title);
    if paper.language.is_none() {
        paper.language = language::detect_paper(paper);
    }
}
