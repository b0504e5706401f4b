//! Receiving an uploaded paper: its first bytes decide what kind of file it is (its content,
//! never its name), then the rest streams straight into the object store under the new job's
//! prefix (S3: a multipart upload whose parts go up while the request is still arriving) with
//! the size limit enforced as the bytes arrive. Only a whole, accepted file is stored, and only
//! then is the job queued, so no worker ever sees a job without its file.

use app::{
    accounts::User,
    backend::state::AppState,
    error::AppError,
    jobs::{store, Job, JobOptions, PaperSource},
    storage::Key,
};
use axum::extract::{multipart::Field, Multipart};
use bytes::Bytes;
use futures::{SinkExt, StreamExt};

/// The bytes that decide what kind of file it is.
const SNIFF: usize = 8 * 1024;

/// Chunks received but not yet taken by the store: the memory an upload holds beyond the
/// store's own parts in flight.
const CHUNKS_IN_FLIGHT: usize = 8;

const ACCEPTED: &str =
    "Upload a PDF, a Word document (.docx), JATS XML from PubMed Central, or plain text or Markdown.";

pub async fn receive(state: &AppState, user: &User, mut multipart: Multipart) -> Result<Job, AppError> {
    store::check_submission_limit(state, user).await?;
    let limit = state.config.upload_limit;
    // The video options come before the file (browsers send fields in the form's order).
    let (mut style, mut length, mut pace, mut review) = (None, None, None, None);
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        match field.name() {
            Some("file") => {}
            Some(option @ ("style" | "length" | "pace" | "review")) => {
                let slot = match option {
                    "style" => &mut style,
                    "length" => &mut length,
                    "pace" => &mut pace,
                    _ => &mut review,
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
        let options = JobOptions::from_fields(style.as_deref(), length.as_deref(), pace.as_deref(), review.as_deref())?;
        let name = display_name(field.file_name().unwrap_or(""));
        let mut upload = Upload { field, limit, size: 0 };
        let head = upload.head().await?;
        if head.is_empty() {
            return Err(AppError::invalid("file", format!("The file is empty. {ACCEPTED}")));
        }
        match paper::detect::detect(&head) {
            None => {
                return Err(AppError::invalid("file", format!("This file is not one Hidden Hill can read. {ACCEPTED}")))
            }
            // An old .doc or an encrypted Office file: say which, and how to save it, before any job.
            Some(paper::detect::Format::Ole2) => {
                let bytes = upload.rest_in_memory(head).await?;
                return Err(AppError::invalid("file", paper::docx::refuse_ole2(&bytes).message));
            }
            Some(_) => {}
        }
        // A disk below its free-space floor (as /health reports it) takes no upload, however
        // small: the job could not store what it makes from it.
        state.media.check_writable(state.config.min_free_disk).await?;
        let id = store::new_id();
        let key = Key::job(&id, app::jobs::artifact::UPLOAD).map_err(|_| AppError::Internal)?;
        let submitted = async {
            upload.store(state, &key, head).await?;
            let source = PaperSource::Upload { key: key.as_str().to_owned(), name };
            store::submit_as(state, user, &id, source, options).await
        }
        .await;
        if submitted.is_err() {
            // Nothing may outlive a job that was never created.
            if let Ok(prefix) = Key::job_prefix(&id) {
                let _ = state.media.delete_prefix(&prefix).await;
            }
        }
        return submitted;
    }
    JobOptions::from_fields(style.as_deref(), length.as_deref(), pace.as_deref(), review.as_deref())?;
    Err(AppError::invalid("file", format!("No file was sent. {ACCEPTED}")))
}

/// The file part of the form as it arrives, counted against the size limit.
struct Upload<'a> {
    field: Field<'a>,
    limit: u64,
    size: u64,
}

impl Upload<'_> {
    /// The next chunk, or `None` at the end; an error once the file passes the limit.
    async fn chunk(&mut self) -> Result<Option<Bytes>, AppError> {
        let Some(chunk) = self.field.chunk().await.map_err(bad_form)? else {
            return Ok(None);
        };
        self.size += chunk.len() as u64;
        if self.size > self.limit {
            return Err(AppError::invalid(
                "file",
                format!(
                    "The file is larger than the {} MB limit. Upload a smaller file, or submit the paper's PMCID or DOI.",
                    self.limit / 1024 / 1024
                ),
            ));
        }
        Ok(Some(chunk))
    }

    /// At least the first [`SNIFF`] bytes (fewer only when the file is shorter).
    async fn head(&mut self) -> Result<Vec<u8>, AppError> {
        let mut head = Vec::with_capacity(SNIFF);
        while head.len() < SNIFF {
            match self.chunk().await? {
                Some(chunk) => head.extend_from_slice(&chunk),
                None => break,
            }
        }
        Ok(head)
    }

    /// The whole file in memory (within the limit), for a refusal that reads it.
    async fn rest_in_memory(mut self, mut bytes: Vec<u8>) -> Result<Vec<u8>, AppError> {
        while let Some(chunk) = self.chunk().await? {
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// Streams `head` and the rest of the file into the store at `key` while it arrives. Any
    /// failure (the limit, a broken request, the store) stores nothing.
    async fn store(mut self, state: &AppState, key: &Key, head: Vec<u8>) -> Result<(), AppError> {
        let (mut sender, receiver) = futures::channel::mpsc::channel::<std::io::Result<Bytes>>(CHUNKS_IN_FLIGHT);
        let pump = async move {
            let mut next = Some(Bytes::from(head));
            let received = loop {
                let Some(chunk) = next.take() else { break Ok(()) };
                if sender.send(Ok(chunk)).await.is_err() {
                    // The store stopped taking bytes: its own error says why.
                    break Ok(());
                }
                match self.chunk().await {
                    Ok(chunk) => next = chunk,
                    Err(e) => break Err(e),
                }
            };
            if received.is_err() {
                // The store must see the failure, not an end: a clean end would store half a file.
                let _ = sender.send(Err(std::io::Error::other("the upload stopped"))).await;
            }
            received
        };
        let (received, stored) = tokio::join!(pump, state.media.put_stream(key, receiver.boxed()));
        received?;
        stored?;
        Ok(())
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
