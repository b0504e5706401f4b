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
            match paper::failure::DiskProblem::of_io(&e) {
                Some(problem) => crate::disk_error(problem, &format!("could not start {program}: {e}")),
                None => VideoError::transient(kind, format!("could not start {program}: {e}")),
            }
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
    // ffmpeg can exit 0 after failing to write its trailer to a full disk: a truncated file
    // must not pass as made.
    if let Some(problem) = paper::failure::DiskProblem::of_message(&stderr) {
        return Err(crate::disk_error(problem, &format!("{program} ({}): {}", out.status, tail(&stderr, 6))));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// ffmpeg writing to a device that is always full exits 0 yet says "No space left on
    /// device": that is the full-disk failure, never a made file.
    #[tokio::test]
    async fn ffmpeg_on_a_full_disk_is_a_full_disk_failure() {
        if !std::path::Path::new("/dev/full").exists() {
            eprintln!("skipped: no /dev/full on this system");
            return;
        }
        let args = ["-f", "lavfi", "-i", "anullsrc=r=8000", "-t", "1", "-f", "wav", "/dev/full"];
        match ffmpeg(VideoErrorKind::EncodeFailed, args).await {
            Err(e) if e.kind == VideoErrorKind::MissingTool => eprintln!("skipped: {}", e.message),
            Err(e) => {
                assert_eq!(e.kind, VideoErrorKind::StorageFull, "{e:?}");
                assert!(!e.transient && e.message.contains("disk is full"), "{e:?}");
            }
            Ok(_) => panic!("a write to a full disk passed as made"),
        }
    }
}
