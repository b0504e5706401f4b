//! Running ffmpeg, ffprobe, espeak-ng and piper: tokio processes killed when dropped, stderr kept
//! for the error message.

use crate::{VideoError, VideoErrorKind};
use std::ffi::OsStr;
use std::path::Path;
use std::process::Stdio;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

/// The output of a finished program.
#[allow(dead_code)]
pub(crate) struct Output {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

/// The last `n` non-empty lines of a program's stderr.
pub(crate) fn tail(stderr: &str, n: usize) -> String {
    let lines: Vec<&str> = stderr.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `program args…`, feeding `stdin` if given. A missing program is a permanent
/// `missing-tool` error; a failing one is `kind` with the last lines of its stderr.
pub(crate) async fn run<I, S>(
    kind: VideoErrorKind,
    program: &str,
    args: I,
    stdin: Option<&[u8]>,
) -> Result<Output, VideoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_in(kind, None, program, args, stdin).await
}

/// [`run`] in the folder `dir` (ffmpeg filter graphs name their files relative to it).
async fn run_in<I, S>(
    kind: VideoErrorKind,
    dir: Option<&Path>,
    program: &str,
    args: I,
    stdin: Option<&[u8]>,
) -> Result<Output, VideoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(program);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    cmd.args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            VideoError::permanent(
                VideoErrorKind::MissingTool,
                format!("{program} is not installed (not found on PATH)"),
            )
        } else {
            VideoError::transient(kind, format!("could not start {program}: {e}"))
        }
    })?;
    if let Some(input) = stdin {
        if let Some(mut pipe) = child.stdin.take() {
            pipe.write_all(input)
                .await
                .map_err(|e| VideoError::transient(kind, format!("writing to {program}: {e}")))?;
            drop(pipe);
        }
    }
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| VideoError::transient(kind, format!("waiting for {program}: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(VideoError::permanent(kind, format!("{program} failed ({}): {}", out.status, tail(&stderr, 6))));
    }
    Ok(Output { stdout: out.stdout, stderr })
}

/// ffmpeg with quiet, non-interactive defaults prepended.
pub(crate) async fn ffmpeg<I, S>(kind: VideoErrorKind, args: I) -> Result<Output, VideoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    ffmpeg_in(kind, None, args).await
}

/// [`ffmpeg`] in the folder `dir`, when given.
pub(crate) async fn ffmpeg_in<I, S>(kind: VideoErrorKind, dir: Option<&Path>, args: I) -> Result<Output, VideoError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut all: Vec<std::ffi::OsString> =
        ["-hide_banner", "-nostdin", "-y", "-loglevel", "error"].iter().map(Into::into).collect();
    all.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
    run_in(kind, dir, "ffmpeg", all, None).await
}
