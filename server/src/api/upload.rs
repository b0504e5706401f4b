//! Receiving an uploaded paper: streamed to a scratch file with the size limit enforced as the
//! bytes arrive, recognised by its content (never its name), stored under the new job's prefix,
//! and only then queued, so no worker ever sees a job without its file.

use app::{
    accounts::User,
    backend::state::AppState,
    error::AppError,
    jobs::{store, Job, JobOptions, PaperSource},
    storage::Key,
};
use axum::extract::Multipart;
use tokio::io::AsyncWriteExt;

/// The bytes that decide what kind of file it is.
const SNIFF: usize = 8 * 1024;

const ACCEPTED: &str =
    "Upload a PDF, a Word document (.docx), JATS XML from PubMed Central, or plain text or Markdown.";

pub async fn receive(state: &AppState, user: &User, mut multipart: Multipart) -> Result<Job, AppError> {
    store::check_submission_limit(state, user)?;
    let limit = state.config.upload_limit;
    let scratch = crate::pipeline::scratch::root(&state.config).join(crate::pipeline::scratch::UPLOADS);
    tokio::fs::create_dir_all(&scratch).await.map_err(internal)?;
    let file = tempfile::NamedTempFile::new_in(&scratch).map_err(internal)?;
    let mut out = tokio::fs::File::from_std(file.reopen().map_err(internal)?);
    let mut name = None;
    let mut head = Vec::with_capacity(SNIFF);
    let mut size: u64 = 0;
    // The video options come before the file (browsers send fields in the form's order).
    let (mut style, mut length, mut pace) = (None, None, None);
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        match field.name() {
            Some("file") => {}
            Some(option @ ("style" | "length" | "pace")) => {
                let slot = match option {
                    "style" => &mut style,
                    "length" => &mut length,
                    _ => &mut pace,
                };
                // A short value: at most 64 bytes are kept (anything longer is refused by the parse).
                let mut value = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                    value.extend_from_slice(&chunk[..chunk.len().min(64usize.saturating_sub(value.len()))]);
                }
                *slot = Some(String::from_utf8_lossy(&value).into_owned());
                continue;
            }
            _ => continue,
        }
        name = Some(display_name(field.file_name().unwrap_or("")));
        while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(AppError::invalid(
                    "file",
                    format!("The file is larger than the {} MB limit. Upload a smaller file, or submit the paper's PMCID or DOI.", limit / 1024 / 1024),
                ));
            }
            if head.len() < SNIFF {
                head.extend_from_slice(&chunk[..chunk.len().min(SNIFF - head.len())]);
            }
            out.write_all(&chunk).await.map_err(internal)?;
        }
        break;
    }
    out.flush().await.map_err(internal)?;
    drop(out);
    let options = JobOptions::from_fields(style.as_deref(), length.as_deref(), pace.as_deref())?;
    let Some(name) = name else {
        return Err(AppError::invalid("file", format!("No file was sent. {ACCEPTED}")));
    };
    if size == 0 {
        return Err(AppError::invalid("file", format!("The file is empty. {ACCEPTED}")));
    }
    match paper::detect::detect(&head) {
        None => {
            return Err(AppError::invalid("file", format!("This file is not one Hidden Hill can read. {ACCEPTED}")))
        }
        // An old .doc or an encrypted Office file: say which, and how to save it, before any job.
        Some(paper::detect::Format::Ole2) => {
            let bytes = tokio::fs::read(file.path()).await.map_err(|_| AppError::Internal)?;
            return Err(AppError::invalid("file", paper::docx::refuse_ole2(&bytes).message));
        }
        Some(_) => {}
    }
    let id = store::new_id();
    let key = Key::job(&id, app::jobs::artifact::UPLOAD).map_err(|_| AppError::Internal)?;
    state.media.put_file(&key, file.path()).await?;
    let source = PaperSource::Upload { key: key.as_str().to_owned(), name };
    match store::submit_as(state, user, &id, source, options).await {
        Ok(job) => Ok(job),
        Err(e) => {
            // Nothing may outlive a job that was never created.
            if let Ok(prefix) = Key::job_prefix(&id) {
                let _ = state.media.delete_prefix(&prefix).await;
            }
            Err(e)
        }
    }
}

/// The name shown for an upload: its last path segment, printable (no control or bidi
/// characters, which could make `exe.pdf` show as `fdp.exe`), at most 120 characters.
/// Only ever displayed; files are stored under keys the server chose.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = last.chars().filter(|c| !c.is_control() && !app::url::is_bidi_control(*c)).take(120).collect();
    let clean = clean.trim();
    if clean.is_empty() || clean == "." || clean == ".." {
        "uploaded file".into()
    } else {
        clean.to_owned()
    }
}

fn bad_form(e: axum::extract::multipart::MultipartError) -> AppError {
    AppError::invalid("file", format!("The upload was interrupted or malformed ({}). Try again.", e.body_text()))
}

/// A scratch file that could not be written: a full or read-only disk says so (507), anything
/// else is ours to fix.
fn internal(e: std::io::Error) -> AppError {
    let err = app::storage::StoreError::local("upload scratch file", e);
    if err.is_disk_problem() {
        return err.into();
    }
    tracing::error!(error = %err, "upload scratch file");
    AppError::Internal
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn upload_names_are_only_labels() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\me\\paper.pdf"), "paper.pdf");
        assert_eq!(display_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(display_name("report\u{202e}fdp.exe"), "reportfdp.exe");
        assert_eq!(display_name(".."), "uploaded file");
        assert_eq!(display_name(""), "uploaded file");
        assert_eq!(display_name(&"x".repeat(300)).len(), 120);
    }
}
