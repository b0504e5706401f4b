//! Running the poppler command-line tools: fixed argument lists, a private temporary directory,
//! output to files (no pipe deadlocks) and a hard timeout.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{ReadError, ReadErrorKind};

pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `tool args…` in `dir`, killing it after `timeout`.
pub fn run(tool: &str, args: &[&str], dir: &Path, timeout: Duration) -> Result<Output, ReadError> {
    let out_path = dir.join(format!("{tool}.stdout"));
    let err_path = dir.join(format!("{tool}.stderr"));
    let out_f = std::fs::File::create(&out_path).map_err(io_err)?;
    let err_f = std::fs::File::create(&err_path).map_err(io_err)?;
    let mut child = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out_f)
        .stderr(err_f)
        .spawn()
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                let package = if tool == "tesseract" { "tesseract-ocr" } else { "poppler-utils" };
                missing(tool, &format!("Reading this PDF needs `{tool}` (Debian package {package}), which is not installed on this server. Ask the operator to install it, or upload DOCX/XML/text instead."))
            } else {
                io_err(e)
            }
        })?;
    let start = Instant::now();
    let status = loop {
        match child.try_wait().map_err(io_err)? {
            Some(s) => break s,
            None if start.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ReadError::new(ReadErrorKind::ProcessingTimeout,
                    format!("Reading this PDF (`{tool}`) took longer than {} s and was stopped. Try a smaller PDF, or upload the paper's DOCX or text.", timeout.as_secs()),
                ));
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    let stdout = String::from_utf8_lossy(&std::fs::read(&out_path).unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&std::fs::read(&err_path).unwrap_or_default()).into_owned();
    Ok(Output { ok: status.success(), stdout, stderr })
}

/// A `tool-missing` failure for `tool` with a message saying what to install or upload instead.
pub fn missing(tool: &str, message: &str) -> ReadError {
    tracing::warn!(tool, "a tool the paper reader needs is not installed");
    ReadError::new(ReadErrorKind::ToolMissing, message.to_string())
}

pub fn io_err(e: std::io::Error) -> ReadError {
    ReadError::new(
        ReadErrorKind::IoError,
        format!("A temporary file could not be written or read on the server ({e}). Try again later."),
    )
}
