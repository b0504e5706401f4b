//! Reading a scientific paper into one normalised shape ([`Paper`]), whatever it came as.

pub mod citation;
pub mod detect;
pub mod docx;
pub mod failure;
pub mod jats;
pub mod language;
pub mod limits;
mod math;
pub mod model;
pub mod ncbi;
mod ocr;
pub mod pdf;
pub mod quality;
pub mod text;
mod tools;
mod util;

pub use failure::{ReadError, ReadErrorKind};
pub use model::{Extracted, Figure, FigureFile, License, Paper, Section, Translation};

/// What [`read`] accepts, for messages.
pub const ACCEPTED: &str =
    "a PDF (scans are read by OCR), a Word document (.docx), JATS/PMC XML (.xml/.nxml), or plain text/Markdown";

/// Reads a paper from the bytes of an uploaded file, recognising its format by content, and
/// accepts it only when it passes the quality gate ([`quality::check`]): what the pipeline uses.
///
/// Errors: the readers' kinds (`empty-file`, `unsupported-format`, `corrupt-file`, …) and the
/// gate's (`placeholder-text`, `garbled-text`, `no-title`, `not-enough-text`).
pub fn read(bytes: &[u8]) -> Result<Extracted, ReadError> {
    let x = extract(bytes)?;
    quality::check(&x.paper, x.paper.read_by_ocr)?;
    Ok(x)
}

/// What the readers make of a file, without the quality gate's judgement: for tests and tools
/// that look at a reader's output on inputs too small to be a paper.
pub fn extract(bytes: &[u8]) -> Result<Extracted, ReadError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ReadError::new(ReadErrorKind::EmptyFile, format!("The file is empty. Upload {ACCEPTED}.")));
    }
    let mut x = match detect::detect(bytes) {
        Some(detect::Format::Pdf) => pdf::read_pdf(bytes),
        Some(detect::Format::Docx) => docx::read_docx(bytes),
        Some(detect::Format::Ole2) => Err(docx::refuse_ole2(bytes)),
        Some(detect::Format::Jats) => jats::read_jats(bytes),
        Some(detect::Format::Text) => text::read_text(bytes),
        None => Err(ReadError::new(
            ReadErrorKind::UnsupportedFormat,
            format!("This file is not in a format we can read. Upload {ACCEPTED}."),
        )),
    }?;
    limits::drop_oversized_figures(&mut x);
    finish(&mut x.paper);
    Ok(x)
}

/// What every reader's paper gets last: template placeholder paragraphs left out, the title
/// cleaned of labels ("Research Article"), and the language of the main text.
pub(crate) fn finish(paper: &mut Paper) {
    quality::drop_placeholders(paper);
    paper.title = language::clean_title(&paper.title);
    if paper.language.is_none() {
        paper.language = language::detect_paper(paper);
    }
}
